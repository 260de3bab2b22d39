// report.pdf: headless Chromium prints index.html. Chromium runs as a child of ours with a
// deadline (killed by PID with its process group when it passes), --no-sandbox (we are root in
// the lab), and a private profile in a temporary folder removed afterwards, so it neither reads
// nor writes a user's profile. The page needs no network; Chromium's background networking is
// switched off anyway.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "harness/core/deadline.h"
#include "harness/core/error.h"
#include "harness/lab/process.h"
#include "reports/report.h"

namespace phonelab::reports {
namespace {
namespace fs = std::filesystem;

/// A private temporary folder, removed with the object.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "phonelab-chromium-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw Error(sysError("cannot create a temporary folder for Chromium", errno));
    }
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool startsWithPdfMagic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[5] = {};
  in.read(magic, 5);
  return in.gcount() == 5 && std::string(magic, 5) == "%PDF-";
}

}  // namespace

std::string writePdf(const std::string& dir, double timeout_seconds) {
  const fs::path folder = fs::absolute(dir);
  const fs::path html = folder / "index.html";
  if (!fs::exists(html)) throw Error("cannot print the report: " + html.string() + " is missing");
  const std::string pdf = (folder / "report.pdf").string();
  const std::string tmp_pdf = pdf + ".tmp";
  std::error_code ec;
  fs::remove(tmp_pdf, ec);
  TempDir profile;
  lab::ProcessSpec spec;
  spec.name = "chromium";
  spec.argv = {"chromium",
               "--headless",
               "--no-sandbox",
               "--disable-gpu",
               "--disable-dev-shm-usage",
               "--no-first-run",
               "--no-default-browser-check",
               "--disable-background-networking",
               "--disable-component-update",
               "--disable-extensions",
               "--disable-sync",
               "--user-data-dir=" + profile.path,
               "--no-pdf-header-footer",
               "--print-to-pdf=" + tmp_pdf,
               "file://" + html.string()};
  spec.env["HOME"] = profile.path;  // Chromium writes ~/.pki and crash dumps under HOME
  lab::RunResult r;
  try {
    r = lab::runToCompletion(spec, Deadline::in(Seconds(timeout_seconds)));
  } catch (const Error& e) {
    fs::remove(tmp_pdf, ec);
    throw Error(std::string("cannot print the report with Chromium (package chromium): ") +
                e.what());
  }
  if (!fs::exists(tmp_pdf) || !startsWithPdfMagic(tmp_pdf)) {
    fs::remove(tmp_pdf, ec);
    throw Error("Chromium wrote no PDF for " + html.string() + " (exit status " +
                std::to_string(WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1) +
                "): " + r.output.substr(0, 2000));
  }
  fs::rename(tmp_pdf, pdf, ec);
  if (ec) throw Error("cannot rename " + tmp_pdf + " to " + pdf + ": " + ec.message());
  return pdf;
}

}  // namespace phonelab::reports

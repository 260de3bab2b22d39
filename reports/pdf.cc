// report.pdf: headless Chromium prints index.html. Chromium runs as a child of ours with a
// deadline (killed by PID with its process group when it passes), as the tool account (nobody,
// no capabilities: the page holds the phone's strings) with --no-sandbox (its own sandbox needs
// privileges it does not have), in a private temporary folder removed afterwards: a copy of
// index.html, its profile and the PDF it prints, which is copied into the report without
// following links. It neither reads nor writes a user's profile. The page needs no network;
// Chromium's background networking is switched off anyway.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/core/deadline.h"
#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/process.h"
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
  std::error_code ec;
  TempDir work;
  const std::string profile = work.path + "/profile", page = work.path + "/index.html",
                    tmp_pdf = work.path + "/report.pdf";
  fs::create_directory(profile);
  copyFileNoFollow(html.string(), page, 0600);
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
               "--user-data-dir=" + profile,
               "--no-pdf-header-footer",
               "--print-to-pdf=" + tmp_pdf,
               "file://" + page};
  spec.env["HOME"] = profile;  // Chromium writes ~/.pki and crash dumps under HOME
  if (auto user = lab::toolUser(); user && ::geteuid() == 0) {
    lab::giveTo(page, *user, 0600);
    lab::giveTo(profile, *user, 0700);
    lab::giveTo(work.path, *user, 0700);
    lab::runAs(spec, *user);
  }
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
  const std::string partial = pdf + ".tmp";
  copyFileNoFollow(tmp_pdf, partial, 0600);
  fs::rename(partial, pdf, ec);
  if (ec) throw Error("cannot rename " + partial + " to " + pdf + ": " + ec.message());
  return pdf;
}

}  // namespace phonelab::reports

// report.pdf: headless Chromium prints index.html. Chromium runs as a child of ours with a
// deadline (killed by PID with its process group when it passes), as the tool account (nobody,
// no capabilities: the page holds the phone's strings) with --no-sandbox (its own sandbox needs
// privileges it does not have), in a private temporary folder removed afterwards: a copy of
// index.html, its profile and the PDF it prints, which is copied into the report without
// following links. It neither reads nor writes a user's profile. The page needs no network;
// Chromium's background networking is switched off anyway.

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "base/core/deadline.h"
#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/process.h"
#include "base/lab/tool_folder.h"
#include "reports/report.h"

namespace phonelab::reports {
namespace {
namespace fs = std::filesystem;

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
  // Chromium reads a page made of the phone's answers: as the tool account, in a folder of its
  // own with a copy of the page, its PDF copied back without following links.
  lab::ToolFolder work("", "chromium");
  const std::string profile = work.file("profile"), page = work.file("index.html"),
                    tmp_pdf = work.file("report.pdf");
  fs::create_directory(profile);
  work.copyIn(html.string(), "index.html");
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
  std::string as_harness;      // not root, or no tool account: Chromium runs as the harness
  work.handTo(spec, as_harness);
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
  work.copyOut("report.pdf", partial);
  fs::rename(partial, pdf, ec);
  if (ec) throw Error("cannot rename " + partial + " to " + pdf + ": " + ec.message());
  return pdf;
}

}  // namespace phonelab::reports

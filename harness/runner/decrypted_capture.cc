#include "harness/runner/decrypted_capture.h"

#include <filesystem>
#include <fstream>

#include "base/lab/process.h"
#include "base/lab/tool_folder.h"
#include "reports/report_folder.h"

namespace phonelab::runner {
namespace fs = std::filesystem;

bool writeDecryptedCapture(const std::string& pcap, const std::string& keylog,
                           const std::string& out, Deadline deadline, std::string& why) {
  std::error_code ec;
  fs::remove(out, ec);
  try {
    if (fs::file_size(keylog, ec) == 0 || ec) {
      why = "the TLS key log " + fs::path(keylog).filename().string() +
            " is empty or missing: no TLS session's keys were logged";
      return false;
    }
    if (!fs::exists(pcap, ec)) {
      why = "there is no capture (" + fs::path(pcap).filename().string() + ")";
      return false;
    }
    // Root's folder until its inputs are in, then the account's: it never sees anything else.
    lab::ToolFolder work(fs::path(out).parent_path().string(), "decrypt");
    work.copyIn(pcap, "capture.pcap");
    work.copyIn(keylog, "tls-keys.log");
    lab::ProcessSpec spec;
    spec.name = "editcap";
    spec.argv = {"editcap",          "-F",           "pcapng",    "--inject-secrets",
                 "tls,tls-keys.log", "capture.pcap", "out.pcapng"};
    std::string why_not;
    if (!work.handTo(spec, why_not)) {
      why = "editcap reads bytes the phone chose and is not run as root, but " + why_not;
      return false;
    }
    // No capabilities at all: it only reads and writes files in its folder.
    auto r = lab::runToCompletion(spec, deadline);
    if (!r.ok()) {
      std::string said = r.output.substr(0, 300);
      while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
      why = "editcap " + lab::Process::describeStatus(r.status) + (said.empty() ? "" : ": " + said);
      return false;
    }
    work.copyOut("out.pcapng", out);
    std::ifstream check(out, std::ios::binary);
    if (!reports::pcapngHasDecryptionSecrets(check)) {
      fs::remove(out, ec);
      why = "editcap's output holds no decryption secrets block";
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    fs::remove(out, ec);
    why = e.what();
    return false;
  }
}

}  // namespace phonelab::runner

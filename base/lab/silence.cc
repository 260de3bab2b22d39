#include "base/lab/silence.h"

#include <sys/wait.h>

#include <fstream>
#include <regex>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/process.h"
#include "base/proto/dhcp.h"

namespace phonelab::lab {
namespace {

constexpr const char* kTable = "phonelab_silence";

}  // namespace

std::string PeerSilencer::ruleset(const std::string& iface, const std::string& dut_mac) {
  const std::string rule =
      "    iifname \"" + iface + "\" ether saddr " + dut_mac + " ip daddr @silenced counter drop\n";
  return std::string("table ip ") + kTable +
         " {\n"
         "  set silenced {\n"
         "    type ipv4_addr\n"
         "  }\n"
         "  chain input {\n"
         "    type filter hook input priority filter - 10; policy accept;\n" +
         rule +
         "  }\n"
         "  chain forward {\n"
         "    type filter hook forward priority filter - 10; policy accept;\n" +
         rule + "  }\n}\n";
}

PeerSilencer::PeerSilencer(std::string netns, std::string iface, std::string dut_mac,
                           std::string dir, EventLog& log)
    : netns_(std::move(netns)),
      iface_(std::move(iface)),
      mac_(std::move(dut_mac)),
      dir_(std::move(dir)),
      log_(log) {}

PeerSilencer::~PeerSilencer() {
  if (!table_) return;
  try {
    nft({"delete", "table", "ip", kTable}, "remove the silence rules");
  } catch (const std::exception& e) {
    // The namespace goes with the segment in any case, and its rules with it.
    log_.emit("harness", "harness.error", {{"error", e.what()}}, e.what());
  }
}

std::string PeerSilencer::nft(const std::vector<std::string>& args, const std::string& what) {
  ProcessSpec spec;
  spec.name = "nft";
  spec.argv = {"nft"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.netns = netns_;
  auto r = runToCompletion(spec, Deadline::in(Seconds(5)));
  if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
    std::string out = r.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    throw Error("silence: cannot " + what + ": nft " + Process::describeStatus(r.status) +
                (out.empty() ? "" : ": " + out));
  }
  return r.output;
}

void PeerSilencer::silence(const std::string& ip) {
  if (!proto::dhcp::parseIp4(ip)) {
    throw Error("silence: 'to' is '" + ip + "': expected an IPv4 address, e.g. ${svc.sip}");
  }
  if (!proto::dhcp::parseMac(mac_)) {
    throw Error("silence: the DUT's MAC '" + mac_ + "' is not a MAC address");
  }
  if (!table_) {
    const std::string path = dir_ + "/silence.nft";
    {
      std::ofstream out = openOutput(path, 0600, std::ios::out);
      out << ruleset(iface_, mac_);
      if (!out) throw Error("silence: cannot write " + path);
    }
    nft({"-f", path}, "load " + path);
    table_ = true;
  }
  nft({"add", "element", "ip", kTable, "silenced", "{ " + ip + " }"}, "silence " + ip);
  silenced_.insert(ip);
  log_.emit("harness", "harness.silence", {{"to", ip}, {"dut_mac", mac_}},
            "nftables: dropping what " + mac_ + " sends to " + ip);
}

void PeerSilencer::unsilence(const std::string& ip) {
  if (!silenced_.count(ip)) {
    throw Error("unsilence: " + ip + " is not silenced" +
                (silenced_.empty() ? std::string() : " (silenced: " + *silenced_.begin() + ")"));
  }
  const long n = dropped();
  nft({"delete", "element", "ip", kTable, "silenced", "{ " + ip + " }"}, "unsilence " + ip);
  silenced_.erase(ip);
  log_.emit("harness", "harness.unsilence", {{"to", ip}, {"dropped", std::to_string(n)}},
            "nftables: " + ip + " hears " + mac_ + " again (" + std::to_string(n) +
                " packet(s) dropped so far)");
}

long PeerSilencer::dropped() {
  if (!table_) return 0;
  try {
    const std::string out = nft({"list", "table", "ip", kTable}, "read the counters");
    static const std::regex counter("packets ([0-9]+) bytes");
    long total = 0;
    for (std::sregex_iterator it(out.begin(), out.end(), counter), end; it != end; ++it) {
      total += std::stol((*it)[1]);
    }
    return total;
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace phonelab::lab

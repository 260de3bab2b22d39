// Our SIP codec against Wireshark's: a SIP scenario runs (the real Kamailio, the test UA and the
// emulator), then every SIP message of its capture is read twice, by proto::sip::parse (what the
// capture, the fakes and the emulator use) and by `tshark -T fields`, and the two readings must
// agree field by field: method or status, Request-URI, Call-ID, CSeq, From/To tags and users,
// the top Via branch, the Contact URI and Content-Length.

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <map>
#include <sstream>

#include "base/proto/sip.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace sip = proto::sip;

const std::vector<std::string> kFields = {
    "sip.Method",      "sip.Status-Code", "sip.r-uri",         "sip.Call-ID",   "sip.CSeq.seq",
    "sip.CSeq.method", "sip.from.tag",    "sip.to.tag",        "sip.from.user", "sip.to.user",
    "sip.Via.branch",  "sip.contact.uri", "sip.Content-Length"};

using Reading = std::map<std::string, std::string>;

/// The user part of a SIP URI in a From/To value ("" when there is none).
std::string userOf(const std::string* header) {
  if (!header) return "";
  std::string uri = sip::headerUri(*header);
  size_t colon = uri.find(':');
  size_t at = uri.find('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon) return "";
  return uri.substr(colon + 1, at - colon - 1);
}

/// Our codec's reading of one message, in tshark's field names.
Reading ours(const sip::Message& m) {
  Reading r;
  r["sip.Method"] = m.request ? m.method : "";
  r["sip.Status-Code"] = m.request ? "" : std::to_string(m.status);
  r["sip.r-uri"] = m.request ? m.uri : "";
  r["sip.Call-ID"] = m.callId();
  auto [seq, method] = m.cseq();
  r["sip.CSeq.seq"] = std::to_string(seq);
  r["sip.CSeq.method"] = method;
  r["sip.from.tag"] = m.fromTag();
  r["sip.to.tag"] = m.toTag();
  r["sip.from.user"] = userOf(m.header("From"));
  r["sip.to.user"] = userOf(m.header("To"));
  r["sip.Via.branch"] = m.topViaBranch();
  const std::string* contact = m.header("Contact");
  r["sip.contact.uri"] = contact ? sip::headerUri(*contact) : "";
  const std::string* length = m.header("Content-Length");
  r["sip.Content-Length"] = length ? *length : "";
  return r;
}

/// Frame number (1-based, as tshark counts) -> our reading, for every UDP datagram that our
/// parser takes for SIP.
std::map<int, Reading> readWithOurCodec(const std::string& pcap_path) {
  std::map<int, Reading> out;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(pcap_path.c_str(), err);
  if (!p) {
    ADD_FAILURE() << "cannot open " << pcap_path << ": " << err;
    return out;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  int n = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++n;
    const size_t len = h->caplen;
    if (len < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00) continue;
    const size_t ihl = static_cast<size_t>(d[14] & 0x0f) * 4;
    if (d[14 + 9] != 17 || 14 + ihl + 8 > len) continue;
    const u_char* udp = d + 14 + ihl;
    const size_t ulen = static_cast<size_t>(udp[4] << 8 | udp[5]);
    if (ulen < 8 || 14 + ihl + ulen > len) continue;
    const int sport = udp[0] << 8 | udp[1], dport = udp[2] << 8 | udp[3];
    if (sport == 67 || sport == 68 || dport == 67 || dport == 68 || sport == 53 || dport == 53)
      continue;
    auto parsed =
        sip::parse(std::string_view(reinterpret_cast<const char*>(udp + 8), ulen - 8), false);
    if (parsed.message) out[n] = ours(*parsed.message);
  }
  pcap_close(p);
  return out;
}

/// Frame number -> tshark's reading of every frame it dissects as SIP.
std::map<int, Reading> readWithTshark(const std::string& pcap_path, std::string& raw) {
  lab::ProcessSpec spec;
  spec.name = "tshark";
  // The test UA listens on 5062: tell tshark it is SIP too (5060 is SIP by default).
  spec.argv = {"tshark", "-n",           "-r", pcap_path,     "-d", "udp.port==5062,sip",
               "-Y",     "sip",          "-T", "fields",      "-E", "separator=/t",
               "-E",     "occurrence=f", "-e", "frame.number"};
  for (const auto& f : kFields) {
    spec.argv.push_back("-e");
    spec.argv.push_back(f);
  }
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(60)));
  raw = r.output;
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.output;
  std::map<int, Reading> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    // tshark's stderr (the "running as root" warning) is in the same stream: skip it.
    if (line.empty() || line[0] < '0' || line[0] > '9') continue;
    std::vector<std::string> cols;
    std::string col;
    std::istringstream ls(line);
    while (std::getline(ls, col, '\t')) cols.push_back(col);
    cols.resize(kFields.size() + 1);
    Reading rd;
    for (size_t i = 0; i < kFields.size(); ++i) rd[kFields[i]] = cols[i + 1];
    out[std::stoi(cols[0])] = rd;
  }
  return out;
}

TEST(SipCodecVsTshark, EveryCapturedSipMessageReadsTheSame) {
  PHONELAB_REQUIRE_ROOT();
  // REGISTER with a digest challenge, INVITEs challenged by the phone, ringing and cancelled
  // (the phone rings until someone picks up), replayed and refused, ACK: through the real
  // Kamailio (Record-Route, Via stacks) and straight.
  auto r = runSuite("sip-tshark", {}, {"scenarios/sip/sip-auth-invite-on.yaml"});
  ASSERT_TRUE(r.results.is_object()) << r.output;
  const std::string pcap = r.report_dir + "/sip-auth-invite-on/capture.pcap";
  ASSERT_TRUE(std::filesystem::exists(pcap)) << r.output;

  auto mine = readWithOurCodec(pcap);
  std::string raw;
  auto theirs = readWithTshark(pcap, raw);
  ASSERT_GE(mine.size(), 15u) << "too few SIP messages captured to compare";

  std::set<std::string> methods;
  for (const auto& [frame, reading] : mine) {
    auto it = theirs.find(frame);
    if (it == theirs.end()) {
      ADD_FAILURE() << "frame " << frame << ": our codec reads SIP ("
                    << reading.at("sip.CSeq.method") << "), tshark does not";
      continue;
    }
    for (const auto& f : kFields) {
      EXPECT_EQ(reading.at(f), it->second.at(f)) << "frame " << frame << " field " << f;
    }
    methods.insert(reading.at("sip.CSeq.method"));
  }
  for (const auto& [frame, reading] : theirs) {
    EXPECT_TRUE(mine.count(frame)) << "frame " << frame << ": tshark reads SIP ("
                                   << reading.at("sip.CSeq.method") << "), our codec does not";
  }
  // The comparison covered the dialogs, not just registrations.
  for (const char* m : {"REGISTER", "INVITE", "ACK", "CANCEL"}) {
    EXPECT_TRUE(methods.count(m)) << "no " << m << " in the capture";
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

}  // namespace
}  // namespace phonelab::e2e

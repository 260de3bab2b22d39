// The harness against hostile input: a phone's long strings and crafted pages, crafted input files
// and careless command lines. Each test reproduces a way the harness crashed, hung or misbehaved.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/core/console.h"
#include "base/core/error.h"
#include "base/core/match.h"
#include "base/core/text.h"
#include "base/lab/process.h"
#include "base/net/http/http_client.h"
#include "harness/dut/lab_file.h"
#include "harness/dut/profile.h"
#include "harness/dut/web_form.h"
#include "harness/scenario/loader.h"
#include "harness/scenario/yaml_file.h"

namespace phonelab {
namespace {

namespace fs = std::filesystem;
const std::string kSrc = PHONELAB_SOURCE_DIR;
const std::string kBin = PHONELAB_BIN_DIR;

/// A fresh temporary folder, removed with the object.
struct TempDir {
  fs::path dir;
  explicit TempDir(const std::string& name) {
    dir = fs::temp_directory_path() /
          ("phonelab-hardening-" + std::to_string(::getpid()) + "-" + name);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

struct Cli {
  int code = -1;  // exit status, or 128 + signal
  std::string output;
};

/// Runs build/bin/phonelab from the source folder. The deadline only guards against a hang.
Cli phonelab(std::vector<std::string> args) {
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = kSrc;
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(120)));
  Cli out;
  out.output = r.output;
  if (WIFEXITED(r.status)) out.code = WEXITSTATUS(r.status);
  if (WIFSIGNALED(r.status)) out.code = 128 + WTERMSIG(r.status);
  return out;
}

std::string messages(const ConfigError& e) {
  std::string all;
  for (const auto& d : e.diagnostics()) all += d.str() + "\n";
  return all;
}

// ---- the phone's admin pages ----

// A page with '<' and no '>' made the form reader read to the end of the page once per '<'
// (quadratic: a page 120 KB larger took 21.7 s). Now every byte is examined at most once by the
// tag reader. Before the fix this page (1 MiB, the client's limit) took many minutes.
TEST(HostilePage, UnclosedTagsAreReadInLinearTime) {
  std::string page =
      "<html><form method=post action=/x><input name=Station_Name value=lab>"
      "<input type=submit name=submit value=Save>";
  const size_t head = page.size();
  while (page.size() < 1024 * 1024) page += "<a ";
  dut::FormParseStats stats;
  auto form = dut::parseFirstForm(page, &stats);
  ASSERT_TRUE(form.has_value());
  EXPECT_TRUE(form->has("Station_Name"));
  EXPECT_LE(stats.examined, page.size() + head)
      << "tag reader work for " << page.size() << " bytes";
}

// The same with the tags closed at the very end: each '<' inside a long tag started a tag of its
// own that read to the final '>'.
TEST(HostilePage, NestedOpenTagsAreReadOnce) {
  std::string page = "<form><input name=a value=1>";
  for (int i = 0; i < 200000; ++i) page += "<b";
  page += "><input name=b value=2></form>";
  dut::FormParseStats stats;
  auto form = dut::parseFirstForm(page, &stats);
  ASSERT_TRUE(form.has_value());
  EXPECT_TRUE(form->has("a"));
  EXPECT_TRUE(form->has("b"));
  EXPECT_LE(stats.examined, page.size() + 8);
}

/// A one-connection HTTP "phone" on 127.0.0.1: reads the request, then sends `reply` (or nothing
/// and holds the connection while `hold` is set).
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      (void)::recv(c, buf, sizeof buf, 0);
      for (size_t off = 0; off < reply_.size();) {
        ssize_t n = ::send(c, reply_.data() + off, reply_.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      // Hold the connection until the client goes (a page that never ends).
      while (::recv(c, buf, sizeof buf, 0) > 0) {
      }
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// The HTTP client took 8 MiB from the phone; an admin page is a few KiB. Over 1 MiB is an error.
TEST(HostilePage, AdminPageOverOneMebibyteIsRefused) {
  const std::string body(2 * 1024 * 1024, 'x');
  OneShotServer phone("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nContent-Type: text/html\r\n\r\n" + body);
  net::HttpRequest req;
  req.host = "127.0.0.1";
  req.port = phone.port();
  req.target = "/admin/voice/system";
  std::string error;
  auto res = net::httpRequest(req, Deadline::in(Seconds(60)), error);
  EXPECT_FALSE(res.has_value()) << "HTTP " << res->status << ", " << res->body.size() << " bytes";
  EXPECT_NE(error.find("refused a response body over the limit of 1024 KiB"), std::string::npos)
      << error;
  EXPECT_TRUE(net::failedForGood(error));
}

// The same cap holds for a body without a length (to the end of the connection) and a chunked one.
TEST(HostilePage, AdminPageOverOneMebibyteIsRefusedWithoutALengthAndChunked) {
  const std::string body(2 * 1024 * 1024, 'x');
  char size[32];
  std::snprintf(size, sizeof size, "%zx", body.size());
  for (const std::string& answer :
       {"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" + body,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) + "\r\n" +
            body + "\r\n0\r\n\r\n"}) {
    OneShotServer phone(answer);
    net::HttpRequest req;
    req.host = "127.0.0.1";
    req.port = phone.port();
    req.target = "/admin/voice/system";
    std::string error;
    auto res = net::httpRequest(req, Deadline::in(Seconds(60)), error);
    EXPECT_FALSE(res.has_value()) << "HTTP " << res->status << ", " << res->body.size() << " bytes";
    EXPECT_NE(error.find("refused a response body over the limit of 1024 KiB"), std::string::npos)
        << error;
  }
}

// A page that trickles in (or never ends) held the harness until the request's deadline;
// a cancelled scenario (timeout, Ctrl-C) stops it.
TEST(HostilePage, CancellationStopsARequest) {
  OneShotServer phone("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<html>");
  std::atomic<bool> cancel{false};
  net::HttpRequest req;
  req.host = "127.0.0.1";
  req.port = phone.port();
  req.cancelled = [&] { return cancel.load(); };
  std::thread canceller([&] { cancel = true; });
  std::string error;
  // The deadline is only a hang guard: the request ends when it sees the cancellation.
  auto res = net::httpRequest(req, Deadline::in(Seconds(600)), error);
  canceller.join();
  EXPECT_FALSE(res.has_value());
  EXPECT_NE(error.find("cancelled"), std::string::npos) << error;
  EXPECT_TRUE(net::failedForGood(error));
}

// ---- regex conditions on the phone's strings ----

// std::regex recursed once per character: a 100,000-character Product_Name against
// regex "^[A-Z]+$" crashed the harness (SIGSEGV, no report). RE2 runs in linear time.
TEST(HostileValue, RegexOnAHundredThousandCharacters) {
  Event e;
  e.kind = "dut.status";
  e.fields["product"] = std::string(100000, 'A');
  auto upper =
      EventMatcher("dut.status").where("product", FieldCondition::make("regex", "^[A-Z]+$"));
  EXPECT_TRUE(upper.matches(e));
  e.fields["product"] += "a";
  EXPECT_FALSE(upper.matches(e));
  EXPECT_TRUE(
      EventMatcher("*").where("product", FieldCondition::make("regex", "(A|B)*a$")).matches(e));
}

TEST(HostileValue, RegexSyntaxIsRe2) {
  const std::string v = "0x1f";
  EXPECT_TRUE(FieldCondition::make("regex", "^0x[0-9a-f]+$").test(&v));
  // Backreferences and lookaround are not RE2 (they need backtracking): a load error.
  EXPECT_THROW(FieldCondition::make("regex", "(a)\\1"), std::invalid_argument);
  EXPECT_THROW(FieldCondition::make("regex", "a(?=b)"), std::invalid_argument);
  EXPECT_THROW(FieldCondition::make("regex", std::string(kMaxRegexLength + 1, 'a')),
               std::invalid_argument);
}

// ---- the loader's own rules on long values ----

// `phonelab validate` crashed on a scenario id of 30,000+ characters (std::regex recursion).
TEST(HostileFile, LongScenarioIdIsAClearError) {
  TempDir t("long-id");
  const std::string id(40000, 'a');
  const std::string file = t.write("long-id.yaml", "id: " + id +
                                                       "\ntitle: t\nrequirements: [NET-CONN-DHCP]\n"
                                                       "steps:\n  - wait: {event: dhcp.ack}\n");
  auto r = phonelab({"validate", file});
  EXPECT_EQ(r.code, 2) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find(file + ":1:5: bad id 'aaaa"), std::string::npos)
      << r.output.substr(0, 2000);
  EXPECT_LT(r.output.size(), 2000u) << "the id is not echoed whole";
}

/// The bench lab file of fixtures/labs-invalid/bench-snmp-bad-host-port.yaml with host and OID.
std::string snmpLab(const std::string& host, const std::string& oid) {
  return "lab:\n  name: bench-snmp\n  segment: interface\n  interface: enp3s0\n"
         "  subnet: 198.18.7.0/24\n  isolated: true\n"
         "dut:\n  driver: physical\n  profile: " +
         kSrc + "/lab/devices/cisco-8832-mpp.yaml\n" +
         "  mac: \"02:00:c6:12:00:0a\"\n  power: snmp\n  snmp:\n    host: \"" + host +
         "\"\n    community: lab-write\n    port_oid: \"" + oid + "\"\n";
}

// A long SNMP port_oid or host in a lab file crashed the loader the same way.
TEST(HostileFile, LongSnmpOidAndHostAreClearErrors) {
  TempDir t("long-snmp");
  std::string oid = "1";
  while (oid.size() < 40000) oid += ".3";
  std::string host(40000, 'h');
  try {
    dut::loadLabFile(t.write("lab.yaml", snmpLab(host, oid)));
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::string all = messages(e);
    EXPECT_NE(all.find(":13:11: 'host' 'hhhh"), std::string::npos) << all.substr(0, 2000);
    EXPECT_NE(all.find(":15:15: 'port_oid' '1.3.3"), std::string::npos) << all.substr(0, 2000);
    EXPECT_LT(all.size(), 2000u);
  }
  // Within the caps they are still fine.
  EXPECT_NO_THROW(dut::loadLabFile(
      t.write("ok.yaml", snmpLab("switch-1.lab.example:1161", ".1.3.6.1.2.1.105.1.1.1.3.1.7"))));
}

// ---- YAML files: size, file type ----

TEST(HostileFile, YamlFileOverOneMebibyteIsRefused) {
  TempDir t("big");
  std::string big = "# padding\n";
  while (big.size() <= scenario::kMaxYamlFileBytes) big += "# " + std::string(70, 'x') + "\n";
  const std::string file = t.write("big.yaml", big);
  std::vector<Diagnostic> d;
  EXPECT_FALSE(scenario::readYamlFile(file, d).has_value());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].str().find(file + ": file of "), std::string::npos) << d[0].str();
  EXPECT_NE(d[0].str().find("at most 1 MiB"), std::string::npos) << d[0].str();
  EXPECT_THROW(dut::loadLabFile(file), ConfigError);
  EXPECT_THROW(dut::loadDeviceProfile(file), ConfigError);
  EXPECT_THROW(scenario::loadRequirements(file), ConfigError);
}

// `phonelab validate --lab /dev/zero` read forever. Only regular files are read.
TEST(HostileFile, DevZeroIsNotALabFile) {
  try {
    dut::loadLabFile("/dev/zero");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(messages(e), "/dev/zero: cannot read file: a character device, not a regular file\n");
  }
  auto r = phonelab({"validate", "--lab", "/dev/zero"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("/dev/zero: cannot read file: a character device"), std::string::npos)
      << r.output;
  std::vector<Diagnostic> d;
  EXPECT_FALSE(scenario::readYamlFile(kSrc + "/scenarios", d).has_value());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("a directory"), std::string::npos) << d[0].str();
}

// ---- the operator's terminal ----

const std::string kHostile = "\x1b]0;pwned\x07\x1b[2J ALL SCENARIOS PASSED";

TEST(Terminal, ControlCharactersAndBadUtf8AreEscaped) {
  EXPECT_EQ(terminalSafe("500 '" + kHostile + "'"),
            "500 '\\x1b]0;pwned\\x07\\x1b[2J ALL SCENARIOS PASSED'");
  EXPECT_EQ(terminalSafe("a\rb\x7f\xc2\x9b"
                         "c\xff\xc3"),
            "a\\x0db\\x7f\\xc2\\x9bc\\xff\\xc3");
  // Valid UTF-8, tabs and newlines pass; bidirectional overrides do not.
  EXPECT_EQ(terminalSafe("caf\xc3\xa9\tok\n"), "caf\xc3\xa9\tok\n");
  EXPECT_EQ(terminalSafe("x\xe2\x80\xaey"), "x\\xe2\\x80\\xaey");
  // Overlong encodings and surrogates are invalid.
  EXPECT_EQ(terminalSafe("\xc0\xaf\xed\xa0\x80"), "\\xc0\\xaf\\xed\\xa0\\x80");
}

TEST(Terminal, LongQuotedValuesAreCut) {
  const std::string value(5000, 'v');
  EXPECT_EQ(terminalSafe("Station_Name was '" + value + "' (wanted x)"),
            "Station_Name was '" + std::string(200, 'v') + "...' (wanted x)");
  // An apostrophe inside a word opens no quote.
  const std::string text = "the phone's answer " + std::string(300, 'z') + " ends";
  EXPECT_EQ(terminalSafe(text), text);
  EXPECT_EQ(shorten(std::string(10, 'a'), 4), "aaaa...");
  EXPECT_EQ(shorten("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9...");
}

TEST(Terminal, FilterSitsBetweenTheCliAndTheTerminal) {
  std::ostringstream sink;
  TerminalSafeBuf buf(sink.rdbuf());
  std::ostream out(&buf);
  terminalRaw(out, "\r\033[K");
  out << "    FAIL: configure: Submit All Changes on /admin answered HTTP 500: " << kHostile
      << "\n";
  out << "partial '" << std::string(300, 'p') << "'";
  out.flush();
  EXPECT_EQ(sink.str(),
            "\r\033[K    FAIL: configure: Submit All Changes on /admin answered HTTP 500: "
            "\\x1b]0;pwned\\x07\\x1b[2J ALL SCENARIOS PASSED\n"
            "partial '" +
                std::string(200, 'p') + "...'");
}

// The phonelab binary prints through the filter: a hostile string reaching a message is printed
// escaped (here through a diagnostic that quotes an unknown key).
TEST(Terminal, PhonelabPrintsEscaped) {
  TempDir t("terminal");
  const std::string file =
      t.write("hostile.yaml", "id: hostile\ntitle: t\nrequirements: [NET-CONN-DHCP]\n\"" +
                                  std::string("\\e]0;pwned\\a\\e[2J ALL SCENARIOS PASSED") +
                                  "\": 1\nsteps:\n  - wait: {event: dhcp.ack}\n");
  auto r = phonelab({"validate", file});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\x07'), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key '\\x1b]0;pwned\\x07\\x1b[2J ALL SCENARIOS PASSED'"),
            std::string::npos)
      << r.output;
}

// ---- the command line ----

TEST(Cli, ShardWithANegativeNumberIsAUsageError) {
  for (const char* shard :
       {"1/-1", "-1/2", "1/+2", " 1/2", "1/18446744073709551617", "0/1", "3/2"}) {
    auto r = phonelab({"run", "--shard", shard, "--report", "/nonexistent/never-written"});
    EXPECT_EQ(r.code, 2) << shard << ": " << r.output;
    EXPECT_NE(r.output.find("expected K/N"), std::string::npos) << shard << ": " << r.output;
  }
}

TEST(Cli, EmptyReportFolderIsAUsageError) {
  // It ran the scenario and failed at the end, exit 3 (a harness error).
  auto r = phonelab({"run", "--report", "", "scenarios/dhcp/opt-60-vendor-class.yaml"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("run: --report (or the report folder) is empty"), std::string::npos)
      << r.output;
  r = phonelab({"report", ""});
  EXPECT_EQ(r.code, 2) << r.output;
}

// `phonelab preflight` sent DHCP on a NIC that has an address of the host; `run` refuses one.
// The loopback interface always has one.
TEST(Cli, PreflightRefusesANicWithAHostAddress) {
  TempDir t("preflight");
  const std::string lab = t.write(
      "lab.yaml",
      "lab:\n  name: lo\n  segment: interface\n  interface: lo\n  subnet: 198.18.7.0/24\n"
      "  isolated: true\ndut:\n  driver: physical\n  profile: " +
          kSrc +
          "/lab/devices/cisco-8832-mpp.yaml\n  mac: \"02:00:c6:12:00:0a\"\n  power: manual\n");
  auto r = phonelab({"preflight", "--lab", lab, "--listen", "1s"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("the bench NIC lo has IPv4 addresses on the host (127.0.0.1/8"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("DISCOVER"), std::string::npos) << r.output;
}

// `list --catalog <file>` printed lines of any file it was pointed at.
TEST(Cli, ListCatalogDoesNotEchoOtherFiles) {
  TempDir t("catalog");
  for (const std::string& text : {std::string("secret_key: hunter2\napi_token: s3cr3t-value\n"),
                                  std::string("root:$6$salt$hunter2hash:19000:0:99999:7:::\n"),
                                  std::string("- hunter2\n- s3cr3t-value\n")}) {
    const std::string file = t.write("not-a-catalogue", text);
    auto r = phonelab({"list", "--requirements", "--catalog", file});
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find(file + ":1:1: not a requirement catalogue"), std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("s3cr3t"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace phonelab

#include "fakes/dhcp/kea.h"

#include <linux/capability.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/daemon.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "base/proto/dhcp.h"
#include "base/proto/dhcp_options.h"

namespace phonelab::fakes {
namespace {

namespace fs = std::filesystem;

const char* kKeaUser = "_kea";

/// libdhcp_lease_cmds.so (lease4-* commands), wherever this system's Kea keeps its hooks.
std::string leaseCmdsHook() {
  const char* name = "libdhcp_lease_cmds.so";
  std::vector<fs::path> dirs = {"/usr/lib/x86_64-linux-gnu/kea/hooks", "/usr/lib/kea/hooks",
                                "/usr/lib64/kea/hooks", "/usr/local/lib/kea/hooks"};
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/usr/lib", ec)) {
    fs::path p = d.path() / "kea" / "hooks";
    if (fs::is_directory(p, ec)) dirs.push_back(p);
  }
  for (const auto& d : dirs) {
    if (fs::exists(d / name, ec)) return (d / name).string();
  }
  return "";
}

std::string socketPath(const std::string& work_dir) {
  return lab::socketPath(work_dir, "kea.sock");
}

/// Kea's csv text for a value: lists normalised ("a,b"); strings with Kea's tokenizer escapes (it
/// splits on unescaped commas and trims, so a string it would change goes as hex instead).
struct KeaData {
  std::string data;
  bool csv = true;
};

std::string hexString(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

KeaData keaData(const proto::dhcp::OptionDef& def, const std::string& text,
                const std::vector<uint8_t>& bytes) {
  if (def.type != proto::dhcp::OptionType::String) {
    return {proto::dhcp::formatOptionValue(&def, bytes), true};
  }
  const bool untrimmed = std::isspace(static_cast<unsigned char>(text.front())) ||
                         std::isspace(static_cast<unsigned char>(text.back()));
  bool printable = true;
  for (unsigned char c : text) printable = printable && c >= 0x20 && c < 0x7f;
  if (untrimmed || !printable) return {hexString(bytes), false};
  std::string escaped;
  for (char c : text) {
    if (c == ',' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return {escaped, true};
}

/// "198.18.0.0/24" -> 255.255.255.0 as 4 bytes; nullopt if the subnet has no valid prefix.
std::optional<std::vector<uint8_t>> subnetMask(const std::string& subnet) {
  auto slash = subnet.find('/');
  if (slash == std::string::npos) return std::nullopt;
  int len = -1;
  try {
    len = std::stoi(subnet.substr(slash + 1));
  } catch (...) {
    return std::nullopt;
  }
  if (len < 0 || len > 32) return std::nullopt;
  const uint32_t m = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  return std::vector<uint8_t>{static_cast<uint8_t>(m >> 24), static_cast<uint8_t>(m >> 16),
                              static_cast<uint8_t>(m >> 8), static_cast<uint8_t>(m)};
}

/// The first IPv4 address of iface (inside netns) that lies in subnet, or "".
std::string addressInSubnet(const std::string& netns, const std::string& iface,
                            const std::string& subnet) {
  auto mask = subnetMask(subnet);
  auto net = proto::dhcp::parseIp4(subnet.substr(0, subnet.find('/')));
  if (!mask || !net) return "";
  std::vector<std::string> args;
  if (!netns.empty()) args = {"-n", netns};
  for (const char* a : {"-j", "addr", "show", "dev"}) args.push_back(a);
  args.push_back(iface);
  auto j = nlohmann::json::parse(lab::ipOutput(args), nullptr, false);
  if (!j.is_array()) return "";
  for (const auto& link : j) {
    for (const auto& a : link.value("addr_info", nlohmann::json::array())) {
      if (a.value("family", "") != "inet") continue;
      auto ip = proto::dhcp::parseIp4(a.value("local", ""));
      if (!ip) continue;
      bool inside = true;
      for (int k = 0; k < 4; ++k)
        inside = inside && (((*ip)[k] & (*mask)[k]) == ((*net)[k] & (*mask)[k]));
      if (inside) return proto::dhcp::ip4String(*ip);
    }
  }
  return "";
}

uint32_t be32(const std::vector<uint8_t>& b) {
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

}  // namespace

std::string keaConfigJson(const KeaOptions& o) {
  using nlohmann::json;
  namespace d = proto::dhcp;
  long lease = std::max(1L, std::lround(o.lease));
  std::optional<long> t1, t2;
  json options = json::array();
  json defs = json::array();
  std::vector<uint8_t> listed;
  for (const auto& opt : o.options) {
    const d::OptionDef* def = d::findOption(opt.code);
    const std::string what = "kea: option " + std::to_string(opt.code);
    if (!def) throw Error(what + " is not in the option table (proto/dhcp_options.cc)");
    const std::string name(def->name);
    if (std::find(listed.begin(), listed.end(), opt.code) != listed.end())
      throw Error(what + " (" + name + ") is listed twice");
    listed.push_back(opt.code);
    if (def->kea == d::KeaCarriage::Client) {
      throw Error(what + " (" + name +
                  ") is sent by clients only; a DHCP server cannot be configured to offer it");
    }
    std::string err;
    auto bytes = d::encodeOptionValue(*def, opt.value, err);
    if (!bytes) throw Error("kea: " + err);
    switch (def->kea) {
      case d::KeaCarriage::Native:
      case d::KeaCarriage::OptionDef: {
        if (def->kea == d::KeaCarriage::OptionDef) {
          defs.push_back({{"name", name},
                          {"code", def->code},
                          {"type", std::string(def->kea_type)},
                          {"array", def->kea_array},
                          {"space", "dhcp4"}});
        }
        KeaData kd = keaData(*def, opt.value, *bytes);
        options.push_back({{"name", name},
                           {"data", kd.data},
                           {"csv-format", kd.csv},
                           {"always-send", opt.always_send}});
        break;
      }
      case d::KeaCarriage::RawHex: {
        if (opt.code == 159 && bytes->size() != 4) {
          throw Error(what + " (" + name + ") must be exactly 4 bytes for Kea, got " +
                      std::to_string(bytes->size()) +
                      ": Kea knows 159 as v4-portparams and silently truncates longer data "
                      "(use the rogue server for other lengths)");
        }
        if (!def->kea_type.empty()) {
          // 43: Kea parses its sub-options and silently sends it empty when they are not valid
          // TLVs; redefined as binary, arbitrary bytes go out as written.
          defs.push_back({{"name", name},
                          {"code", def->code},
                          {"type", std::string(def->kea_type)},
                          {"array", false},
                          {"space", "dhcp4"}});
        }
        // 125: Kea sends vendor sub-options only to a client that sent 125 itself, unless forced.
        const bool always = opt.always_send || opt.code == 125;
        options.push_back({{"code", def->code},
                           {"space", "dhcp4"},
                           {"csv-format", false},
                           {"data", hexString(*bytes)},
                           {"always-send", always}});
        break;
      }
      case d::KeaCarriage::Subnet:
        if (opt.code == 1) {
          auto mask = subnetMask(o.subnet);
          if (!mask || *mask != *bytes) {
            throw Error(what + " (" + name + ") " + opt.value + ": Kea sends the mask of subnet " +
                        o.subnet +
                        " and cannot send another (use the rogue server for a wrong mask)");
          }
        } else if (opt.code == 51) {
          lease = static_cast<long>(be32(*bytes));
        } else if (opt.code == 58) {
          t1 = static_cast<long>(be32(*bytes));
        } else if (opt.code == 59) {
          t2 = static_cast<long>(be32(*bytes));
        }
        break;
      case d::KeaCarriage::Client:
        break;
    }
  }
  const long renew = t1.value_or(lease / 2), rebind = t2.value_or(lease * 7 / 8);
  if (renew > rebind) {
    throw Error("kea: renew-timer T1 (option 58) " + std::to_string(renew) +
                " s is greater than rebind-timer T2 (option 59) " + std::to_string(rebind) +
                " s for a lease of " + std::to_string(lease) +
                " s: Kea rejects that (use the rogue server for inconsistent timers)");
  }
  auto isListed = [&](uint8_t code) {
    return std::find(listed.begin(), listed.end(), code) != listed.end();
  };
  if (o.send_router && !o.router.empty() && !isListed(3))
    options.push_back({{"name", "routers"}, {"data", o.router}});
  if (!o.dns_servers.empty() && !isListed(6)) {
    std::string list;
    for (const auto& s : o.dns_servers) list += (list.empty() ? "" : ", ") + s;
    options.push_back({{"name", "domain-name-servers"}, {"data", list}});
  }
  if (!o.domain_name.empty() && !isListed(15))
    options.push_back({{"name", "domain-name"}, {"data", o.domain_name}});

  json dhcp4 = {
      {"interfaces-config",
       {{"interfaces", {o.server_address.empty() ? o.iface : o.iface + "/" + o.server_address}},
        {"dhcp-socket-type", "raw"},
        // The interface may have no carrier yet (a phone still off): keep trying for a minute.
        {"service-sockets-max-retries", 300},
        {"service-sockets-retry-wait-time", 200}}},
      {"control-socket", {{"socket-type", "unix"}, {"socket-name", socketPath(o.work_dir)}}},
      {"lease-database",
       {{"type", "memfile"},
        {"persist", true},
        {"name", o.work_dir + "/leases.csv"},
        {"lfc-interval", 0}}},
      {"valid-lifetime", lease},
      {"min-valid-lifetime", lease},
      {"max-valid-lifetime", lease},
      {"subnet4",
       {{{"id", 1},
         {"subnet", o.subnet},
         {"pools", {{{"pool", o.pool_from + " - " + o.pool_to}}}},
         {"option-data", options}}}},
      {"loggers",
       {{{"name", "kea-dhcp4"},
         {"output_options", {{{"output", "stdout"}}}},
         {"severity", "INFO"},
         {"debuglevel", 0}}}},
  };
  // Explicit T1/T2 so the phone is told exactly when to renew and rebind; without send_timers
  // only those `options` lists (Kea computes none: calculate-tee-times is off by default).
  if (o.send_timers || t1) dhcp4["renew-timer"] = renew;
  if (o.send_timers || t2) dhcp4["rebind-timer"] = rebind;
  if (!defs.empty()) dhcp4["option-def"] = defs;
  std::string hook = leaseCmdsHook();
  if (!hook.empty()) dhcp4["hooks-libraries"] = {{{"library", hook}}};
  return json{{"Dhcp4", dhcp4}}.dump(2) + "\n";
}

struct KeaServer::Impl {
  // Kea parses the phone's packets: it runs as its packaged account, not as root. Its folder
  // (config, leases, pid and lock files, control socket) is that account's alone (Debian's `_kea`;
  // none: root, with a warning).
  Impl(const KeaOptions& o, EventLog& l)
      : daemon("kea", o.work_dir, kKeaUser, socketPath, l), opt(o) {
    opt.work_dir = daemon.folder.work_dir;
  }
  lab::Daemon daemon;
  KeaOptions opt;

  std::string configPath() const { return opt.work_dir + "/kea-dhcp4.json"; }
  std::string logPath() const { return opt.work_dir + "/kea.log"; }

  lab::ProcessSpec spec(std::vector<std::string> argv) const {
    // A raw socket for DHCP to clients without an address, and port 67.
    auto s = lab::daemonSpec(daemon.folder, "kea", std::move(argv), opt.netns, logPath(),
                             {CAP_NET_RAW, CAP_NET_BIND_SERVICE});
    s.env = {{"KEA_PIDFILE_DIR", opt.work_dir}, {"KEA_LOCKFILE_DIR", opt.work_dir}};
    return s;
  }
};

KeaServer::KeaServer(const KeaOptions& o, EventLog& log) : impl_(std::make_unique<Impl>(o, log)) {
  Impl& im = *impl_;
  const std::string sock = im.daemon.folder.socket;
  if (im.opt.server_address.empty())
    im.opt.server_address = addressInSubnet(im.opt.netns, im.opt.iface, im.opt.subnet);

  lab::writeDaemonFile("kea", im.daemon.folder, im.configPath(), keaConfigJson(im.opt));
  if (!im.opt.leases.empty()) {
    lab::writeDaemonFile("kea", im.daemon.folder, im.opt.work_dir + "/leases.csv", im.opt.leases);
  }
  lab::checkDaemonConfig("kea", im.spec({"kea-dhcp4", "-t", im.configPath()}), im.configPath());
  // Kea gives no readiness signal: try the control socket until it answers (bounded).
  lab::startDaemon(
      im.daemon.proc, im.spec({"kea-dhcp4", "-c", im.configPath()}),
      [&](std::string&) {
        const int fd = lab::connectUnix(sock);
        if (fd >= 0) ::close(fd);
        return fd >= 0;
      },
      "kea's control socket " + sock + " did not answer", im.logPath());
  log.emit("harness", "fake.start",
           {{"name", "kea"},
            {"pid", std::to_string(im.daemon.proc->pid())},
            {"iface", o.iface},
            {"user", im.daemon.folder.user ? im.daemon.folder.user->name : "root"}},
           "kea started (pid " + std::to_string(im.daemon.proc->pid()) + ") on " + o.iface);
}

KeaServer::~KeaServer() {
  if (impl_ && impl_->daemon.proc) lab::stopDaemon(*impl_->daemon.proc, *impl_->daemon.log, "kea");
}

int KeaServer::pid() const {
  return impl_->daemon.proc ? impl_->daemon.proc->pid() : -1;
}
std::string KeaServer::logPath() const {
  return impl_->logPath();
}
std::string KeaServer::configPath() const {
  return impl_->configPath();
}
std::string KeaServer::leasesPath() const {
  return impl_->opt.work_dir + "/leases.csv";
}

std::string KeaServer::command(const std::string& json_command) {
  const std::string sock = socketPath(impl_->opt.work_dir);
  auto deadline = Deadline::in(lab::kDaemonCommandTimeout);
  int fd = lab::connectUnix(sock);
  if (fd < 0) throw Error(sysError("kea: connect " + sock, errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  size_t sent = 0;
  while (sent < json_command.size()) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, std::max(1, deadline.remainingMs()));
    if (n == 0 || deadline.expired()) throw Error("kea: command not sent in time");
    if (n < 0 && errno != EINTR) throw Error(sysError("kea: poll", errno));
    ssize_t w = ::send(fd, json_command.data() + sent, json_command.size() - sent, MSG_NOSIGNAL);
    if (w < 0 && errno != EINTR && errno != EAGAIN) throw Error(sysError("kea: send", errno));
    if (w > 0) sent += static_cast<size_t>(w);
  }
  // Kea answers and closes the connection.
  std::string response;
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, std::max(1, deadline.remainingMs()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(sysError("kea: poll", errno));
    if (n == 0) {
      throw Error("kea: no complete answer within " +
                  formatSeconds(lab::kDaemonCommandTimeout.count()) +
                  (response.empty() ? "" : " (got: " + response.substr(0, 200) + ")"));
    }
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw Error(sysError("kea: recv", errno));
    }
    response.append(buf, static_cast<size_t>(r));
  }
  return response;
}

void KeaServer::setAnswering(bool answering) {
  const char* cmd = answering ? "dhcp-enable" : "dhcp-disable";
  const std::string answer =
      command(std::string(R"({"command": ")") + cmd + R"(", "service": ["dhcp4"]})");
  // Kea answers one object per service, in a list, or a single object.
  auto j = nlohmann::json::parse(answer, nullptr, false);
  const nlohmann::json* r = j.is_array() && !j.empty() ? &j.front() : &j;
  if (!r->is_object() || r->value("result", -1) != 0) {
    throw Error(std::string("kea: ") + cmd + " refused: " + answer.substr(0, 300));
  }
}

}  // namespace phonelab::fakes

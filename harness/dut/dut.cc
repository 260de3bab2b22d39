#include "harness/dut/dut.h"

#include <algorithm>
#include <iostream>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/core/secrets.h"
#include "base/core/text.h"
#include "base/net/http/http_client.h"
#include "harness/dut/web_form.h"

namespace phonelab::dut {

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

int toInt(const std::string* s, int dflt) {
  if (!s) return dflt;
  try {
    return std::stoi(*s);
  } catch (...) {
    return dflt;
  }
}

}  // namespace

Dut::Dut(const LabFile& lab, DutEnv env) : lab_(lab), env_(std::move(env)) {
  PhoneAccess phone;
  phone.address = [this] { return address(); };
  phone.get = [this](const std::string& target, Deadline deadline,
                     std::string& why) -> std::optional<int> {
    auto page = admin("GET", target, "", deadline, why);
    if (!page) return std::nullopt;
    return page->status;
  };
  power_ = makePowerDriver(lab_, env_, std::move(phone));
}

Dut::~Dut() {
  powerOff();
}

void Dut::powerOn() {
  power_->on();
}

void Dut::promptAnswer(double timeout) {
  std::cerr << "\nphonelab: answer: operator: the phone " << lab_.mac
            << " is ringing: pick it up now (answer the call); waiting up to "
            << formatSeconds(timeout) << " for its 200 OK" << std::endl;
  env_.log->emit("dut", "dut.answer", {{"state", "prompted"}, {"method", "operator"}},
                 "answer: operator: the operator was asked to pick up the ringing phone");
}

void Dut::powerOff() {
  power_->off();
}

std::string Dut::address() const {
  if (static_mode_) return static_ip_;
  // A phone is recognised on the wire by its MAC: the address it was last given (DHCP ACK), last
  // announced itself with (ARP from its MAC) or last sent from (an IP packet from its MAC),
  // whichever came later. A phone that configures another address than the one it leased is
  // still found, and the checks say so; an ACK it does not take (another server's, one that
  // arrives after its own server's) is overruled by the next packet it sends.
  std::string addr;
  double at = -1;
  for (const auto& e :
       env_.log->matching(EventMatcher("dhcp.ack").whereEq("chaddr", lab_.mac), 0)) {
    if (const std::string* ip = e.field("yiaddr"); ip && e.t >= at) {
      addr = *ip;
      at = e.t;
    }
  }
  for (const auto& e :
       env_.log->matching(EventMatcher("arp.*").whereEq("sender_mac", lab_.mac), 0)) {
    const std::string* ip = e.field("sender_ip");
    if (ip && *ip != "0.0.0.0" && e.t >= at) {
      addr = *ip;
      at = e.t;
    }
  }
  for (const auto& e : env_.log->matching(EventMatcher("*").whereEq("src_mac", lab_.mac), 0)) {
    const std::string* ip = e.field("src_ip");
    if (ip && !ip->empty() && *ip != "0.0.0.0" && e.t >= at) {
      addr = *ip;
      at = e.t;
    }
  }
  if (addr.empty()) addr = env_.known_address;
  return addr;
}

std::optional<Dut::Page> Dut::admin(const std::string& method, const std::string& target,
                                    const std::string& body, Deadline deadline, std::string& why) {
  why.clear();
  for (;;) {
    std::string addr = address();
    if (addr.empty()) {
      why = "the phone has no known address (no DHCP ACK for " + lab_.mac + " seen)";
    } else {
      net::HttpRequest req;
      req.method = method;
      req.host = addr;
      req.target = target;
      req.body = body;
      if (!body.empty()) req.headers["Content-Type"] = "application/x-www-form-urlencoded";
      if (!lab_.admin_password.empty()) {
        req.headers["Authorization"] = net::basicAuth(lab_.admin_user, lab_.admin_password);
      }
      // A phone's admin page is a few KiB: 1 MiB is plenty (the client's limit), and the
      // request stops at the scenario's timeout or Ctrl-C.
      req.cancelled = [this] { return env_.log->cancelled(); };
      std::string err;
      auto res = net::httpRequest(req, deadline.min(Deadline::in(Seconds(4))), err);
      if (res) return Page{res->status, std::move(res->body)};
      why = method + " http://" + addr + target + ": " + err;
      if (net::failedForGood(err)) return std::nullopt;
    }
    if (deadline.expired() || env_.log->cancelled()) return std::nullopt;
    // The phone may be booting: try again shortly, never past the deadline.
    if (!env_.log->waitUntil(deadline.min(Deadline::in(Seconds(0.3))))) return std::nullopt;
  }
}

std::optional<std::map<std::string, std::string>> Dut::readStatus(Deadline deadline,
                                                                  std::string& why) {
  auto page = admin("GET", lab_.profile.admin.status_xml, "", deadline, why);
  if (!page) return std::nullopt;
  if (page->status != 200) {
    why = "GET " + lab_.profile.admin.status_xml + " answered HTTP " + std::to_string(page->status);
    return std::nullopt;
  }
  std::string err;
  auto xml = parseFlatXml(page->body, err);
  if (!xml) {
    why = lab_.profile.admin.status_xml + ": " + err;
    return std::nullopt;
  }
  std::map<std::string, std::string> fields = *xml;
  for (const auto& [key, def] : lab_.profile.admin.status_fields) {
    auto it = xml->find(def.element);
    if (it != xml->end()) fields[key] = it->second;
  }
  return fields;
}

DutResult Dut::waitReady(Deadline deadline, bool booting, double since) {
  if (booting && !static_mode_) {
    auto ack =
        env_.log->waitFor(EventMatcher("dhcp.ack").whereEq("chaddr", lab_.mac), since, deadline);
    if (!ack) {
      return DutResult::fail("no DHCP ACK for " + lab_.mac + " within the boot timeout");
    }
  }
  auto r = fetchStatus(deadline);
  // A bench phone must be the one the lab file describes.
  const PhysicalDevice* phys = lab_.physical();
  if (r.ok && phys && !phys->model.empty() && identity_.count("model") &&
      identity_.at("model") != phys->model) {
    return DutResult::fail("the phone at " + address() + " says it is a " + identity_.at("model") +
                           ", the lab file says model " + phys->model);
  }
  return r;
}

DutResult Dut::fetchStatus(Deadline deadline) {
  std::string why;
  auto st = readStatus(deadline, why);
  if (!st) return DutResult::fail(why);
  for (const char* k : {"model", "mac", "firmware", "serial"}) {
    if (st->count(k)) identity_[k] = st->at(k);
  }
  std::string summary = "status.xml";
  if (st->count("model")) summary += ": " + st->at("model");
  if (st->count("ip")) summary += " at " + st->at("ip");
  if (st->count("uptime")) summary += ", up " + st->at("uptime") + " s";
  env_.log->emit("dut", "dut.status", *st, summary);
  return {};
}

DutResult Dut::fetchConfig(Deadline deadline) {
  std::string why;
  const std::string& path = lab_.profile.admin.config_xml;
  auto page = admin("GET", path, "", deadline, why);
  if (!page) return DutResult::fail(why);
  if (page->status != 200) {
    return DutResult::fail("GET " + path + " answered HTTP " + std::to_string(page->status));
  }
  auto xml = parseFlatXml(page->body, why);
  if (!xml) return DutResult::fail(path + ": " + why);
  env_.log->emit("dut", "dut.config", *xml,
                 "cfg.xml: " + std::to_string(xml->size()) + " elements");
  return {};
}

DutResult Dut::waitRestarted(Clock::time_point since, Deadline deadline) {
  std::string why;
  std::string last_uptime;
  while (!deadline.expired() && !env_.log->cancelled()) {
    auto st = readStatus(deadline, why);
    if (st) {
      double elapsed = Seconds(Clock::now() - since).count();
      const std::string* up = st->count("uptime") ? &st->at("uptime") : nullptr;
      int uptime = toInt(up, -1);
      if (uptime >= 0 && uptime <= elapsed + 1) {
        env_.log->emit("dut", "dut.restarted", *st,
                       "phone back after restart at " + address() + ", up " + *up + " s");
        return {};
      }
      last_uptime = up ? *up : "?";
      why = "the phone kept running without restarting (uptime " + last_uptime + " s)";
      if (!env_.log->waitUntil(deadline.min(Deadline::in(Seconds(0.3))))) break;
    }
  }
  return DutResult::fail(why.empty() ? "interrupted" : why);
}

DutResult Dut::applied(const Addressing& next, bool restarts, Clock::time_point since,
                       Deadline deadline, const std::string& change) {
  static_mode_ = next.is_static;
  static_ip_ = next.static_ip;
  if (!restarts) return {};
  auto r = waitRestarted(since, deadline);
  if (!r.ok)
    r.why = "after " + change + " the phone did not come back at " + address() + ": " + r.why;
  return r;
}

void Dut::Addressing::apply(const SettingDef& def, const std::string& firmware_value) {
  if (def.name == "connection_type") {
    auto it = def.values.find("static");
    is_static = firmware_value == (it == def.values.end() ? "static" : it->second);
  }
  if (def.name == "static_ip") static_ip = firmware_value;
}

DutResult Dut::noteOriginals(const std::map<std::string, std::string>& settings,
                             Deadline deadline) {
  if (lab_.physical()) {
    // The phone outlives the scenario: note what each setting was before its first change.
    bool need = false;
    for (const auto& [name, value] : settings) need = need || !originals_.count(name);
    if (need) {
      std::string why;
      auto xml = readConfig(deadline, "before changing settings", why);
      if (!xml) return DutResult::fail(why);
      noteOriginalValues(lab_.profile, settings, *xml, originals_, masked_originals_);
    }
  }
  return {};
}

void noteOriginalValues(const DeviceProfile& profile,
                        const std::map<std::string, std::string>& settings,
                        const std::map<std::string, std::string>& cfg_xml,
                        std::map<std::string, std::string>& originals,
                        std::vector<std::string>& masked) {
  for (const auto& [name, value] : settings) {
    const SettingDef* def = profile.setting(name);
    if (!def || originals.count(name)) continue;
    if (std::find(masked.begin(), masked.end(), name) != masked.end()) continue;
    auto it = cfg_xml.find(def->element);
    if (it == cfg_xml.end()) continue;
    if (isMaskedByPhone(it->second)) {
      masked.push_back(name);
    } else {
      originals[name] = it->second;
    }
  }
}

DutResult Dut::configure(const std::map<std::string, std::string>& settings, Deadline deadline) {
  if (auto r = noteOriginals(settings, deadline); !r.ok) return r;
  return submit(settings, deadline);
}

std::optional<std::string> Dut::flatProfile(const std::map<std::string, std::string>& settings,
                                            std::string& why) const {
  std::string out = "<flat-profile>\n";
  for (const auto& [name, value] : settings) {
    const SettingDef* def = lab_.profile.setting(name);
    if (!def) {
      why = "the device profile has no setting '" + name + "'";
      return std::nullopt;
    }
    out += "  <" + def->element + " ua=\"na\">" +
           escapeMarkup(lab_.profile.firmwareValue(*def, value), "&apos;") + "</" + def->element +
           ">\n";
  }
  return out + "</flat-profile>\n";
}

DutResult Dut::configureByProfile(const std::map<std::string, std::string>& settings,
                                  const std::string& url, Deadline deadline) {
  if (auto r = noteOriginals(settings, deadline); !r.ok) return r;
  std::map<std::string, std::string> submitted;
  bool restarts = false;
  Addressing next = addressing();
  for (const auto& [name, value] : settings) {
    const SettingDef* def = lab_.profile.setting(name);
    if (!def) return DutResult::fail("the device profile has no setting '" + name + "'");
    const std::string fw = lab_.profile.firmwareValue(*def, value);
    submitted[def->element] = fw;
    restarts = restarts || def->restarts;
    next.apply(*def, fw);
  }
  const std::string& resync = lab_.profile.admin.resync;
  const std::string target = resync + "?" + url;
  const double asked = env_.log->now();
  auto asked_at = Clock::now();
  std::string why;
  auto res = admin("GET", target, "", deadline, why);
  if (!res) return DutResult::fail("resync: " + why);
  if (res->status != 200) {
    return DutResult::fail("GET " + target + " answered HTTP " + std::to_string(res->status) +
                           ": " + res->body.substr(0, 200));
  }
  std::string summary = "resync from " + url + ":";
  for (const auto& [k, v] : submitted) summary += " " + k + "=" + v;
  auto fields = submitted;
  fields["url"] = url;
  env_.log->emit("dut", "dut.configure", fields, summary);
  // The phone fetches the profile (a real one may answer the resync request first).
  const std::string path = url.substr(std::min(url.size(), url.find('/', url.find("//") + 2)));
  auto fetched = env_.log->waitFor(
      EventMatcher("http.request").whereEq("target", path).whereEq("status", "200"), asked,
      deadline);
  if (!fetched) {
    return DutResult::fail("the phone did not fetch " + url + " after GET " + resync);
  }
  if (auto r = applied(next, restarts, asked_at, deadline, "the resync"); !r.ok) return r;
  // A phone may apply a profile a moment after fetching it: look again for a few seconds.
  return verifySubmitted(submitted, deadline, deadline.min(Deadline::in(Seconds(10))), "resync");
}

DutResult Dut::restoreSettings(Deadline deadline) {
  auto masked = std::move(masked_originals_);
  masked_originals_.clear();
  if (originals_.empty()) return {};
  // Firmware values pass through the profile's value map unchanged.
  auto back = std::move(originals_);
  originals_.clear();
  std::string summary;
  for (const auto& [k, v] : back) summary += " " + k + "=" + v;
  if (!masked.empty()) summary += "; not put back (the phone masks it): " + join(masked, ", ");
  env_.log->emit("dut", "dut.restore", back, "end of scenario: settings put back:" + summary);
  auto r = submit(back, deadline);
  if (!r.ok) {
    unrestored_ = std::move(back);
    return r;
  }
  return fetchStatus(deadline);
}

DutResult Dut::putBack(const std::map<std::string, std::string>& settings, Deadline deadline) {
  std::string summary;
  for (const auto& [k, v] : settings) summary += " " + k + "=" + v;
  env_.log->emit("dut", "dut.restore", settings,
                 "before the scenario: settings the scenario before could not put back:" + summary);
  return submit(settings, deadline);
}

std::optional<std::map<std::string, std::string>> Dut::readConfig(Deadline deadline,
                                                                  const std::string& purpose,
                                                                  std::string& why) {
  const std::string& path = lab_.profile.admin.config_xml;
  auto page = admin("GET", path, "", deadline, why);
  if (!page || page->status != 200) {
    why = "could not read " + path + " " + purpose + ": " +
          (page ? "HTTP " + std::to_string(page->status) : why);
    return std::nullopt;
  }
  auto xml = parseFlatXml(page->body, why);
  if (!xml) why = path + ": " + why;
  return xml;
}

DutResult Dut::resetToFactory(Deadline deadline) {
  std::string why;
  auto xml = readConfig(deadline, "before the factory reset", why);
  if (!xml) return DutResult::fail(why);
  std::map<std::string, std::string> differ;  // abstract name -> factory value
  std::map<std::string, std::string> fields;
  std::string summary;
  for (const auto& [name, def] : lab_.profile.settings) {
    if (!def.factory) continue;
    const std::string factory = lab_.profile.firmwareValue(def, *def.factory);
    auto it = xml->find(def.element);
    if (it != xml->end() && it->second == factory) continue;
    differ[name] = *def.factory;
    fields[def.element] = it == xml->end() ? "(absent)" : it->second;
    summary += " " + def.element + " '" + fields[def.element] + "' -> '" + factory + "'";
  }
  fields["changed"] = std::to_string(differ.size());
  env_.log->emit("dut", "dut.reset", fields,
                 differ.empty() ? "factory reset: every setting of the profile already has its "
                                  "factory value"
                                : "factory reset:" + summary);
  if (differ.empty()) return {};
  return submit(differ, deadline);
}

DutResult Dut::submit(const std::map<std::string, std::string>& settings, Deadline deadline) {
  // Group the settings by web page, as a person would fill them in.
  std::map<std::string, std::vector<std::pair<const SettingDef*, std::string>>> by_page;
  for (const auto& [name, value] : settings) {
    const SettingDef* def = lab_.profile.setting(name);
    if (!def) return DutResult::fail("the device profile has no setting '" + name + "'");
    by_page[def->page].emplace_back(def, lab_.profile.firmwareValue(*def, value));
  }
  bool restarts = false;
  Addressing next = addressing();
  auto submitted_at = Clock::now();
  for (const auto& [page_id, items] : by_page) {
    const std::string& path = lab_.profile.admin.pages.at(page_id);
    std::string why;
    auto page = admin("GET", path, "", deadline, why);
    if (!page) return DutResult::fail(why);
    if (page->status != 200) {
      return DutResult::fail("GET " + path + " answered HTTP " + std::to_string(page->status));
    }
    auto form = parseFirstForm(page->body);
    if (!form) return DutResult::fail("the page " + path + " has no form");
    std::map<std::string, std::string> fields;
    for (const auto& [def, value] : items) {
      if (!form->set(def->field, value)) {
        return DutResult::fail("the form on " + path + " has no field '" + def->field + "'");
      }
      fields[def->element] = value;
      restarts = restarts || def->restarts;
      next.apply(*def, value);
    }
    std::string action = form->action.empty() ? path : form->action;
    submitted_at = Clock::now();
    auto res = admin("POST", action, form->encode(), deadline, why);
    if (!res) return DutResult::fail("Submit All Changes on " + path + ": " + why);
    if (res->status != 200) {
      return DutResult::fail("Submit All Changes on " + path + " answered HTTP " +
                             std::to_string(res->status) + ": " + res->body.substr(0, 200));
    }
    std::string summary = "submitted on " + path + ":";
    for (const auto& [k, v] : fields) summary += " " + k + "=" + v;
    env_.log->emit("dut", "dut.configure", fields, summary);
  }
  if (auto r = applied(next, restarts, submitted_at, deadline, "Submit All Changes"); !r.ok) {
    return r;
  }
  std::map<std::string, std::string> submitted;
  for (const auto& [page_id, items] : by_page) {
    for (const auto& [def, value] : items) submitted[def->element] = value;
  }
  return verifySubmitted(submitted, deadline, Deadline::in(Seconds(0)), "Submit All Changes");
}

DutResult Dut::verifySubmitted(const std::map<std::string, std::string>& submitted,
                               Deadline deadline, Deadline settle, const std::string& after) {
  const std::string& path = lab_.profile.admin.config_xml;
  for (;;) {
    std::string why;
    auto xml = readConfig(deadline, "to verify the change", why);
    if (!xml) return DutResult::fail(why);
    ReadBack rb = compareReadBack(submitted, *xml);
    if (!rb.wrong.empty() && !settle.expired() && !env_.log->cancelled()) {
      if (env_.log->waitUntil(settle.min(Deadline::in(Seconds(0.5))))) continue;
    }
    auto fields = rb.shown;
    fields["result"] = rb.wrong.empty() ? "ok" : "mismatch";
    const std::string wrong = join(rb.wrong, "; ");
    env_.log->emit(
        "dut", "dut.verify", fields,
        rb.wrong.empty()
            ? path + " shows every value of the " + after +
                  (rb.masked.empty() ? ""
                                     : " (masked, not compared: " + join(rb.masked, ", ") + ")")
            : path + " after the " + after + ": " + wrong);
    if (!rb.wrong.empty()) {
      return DutResult::fail("the phone did not keep what was submitted: " + path + ": " + wrong);
    }
    return {};
  }
}

DutResult Dut::reboot(Deadline deadline) {
  std::string why;
  auto t0 = Clock::now();
  auto res = admin("GET", lab_.profile.admin.reboot, "", deadline, why);
  if (!res) return DutResult::fail(why);
  if (res->status != 200) {
    return DutResult::fail("GET " + lab_.profile.admin.reboot + " answered HTTP " +
                           std::to_string(res->status));
  }
  env_.log->emit("dut", "dut.reboot", {}, "reboot requested through " + lab_.profile.admin.reboot);
  auto r = waitRestarted(t0, deadline);
  if (!r.ok) r.why = "after the reboot request: " + r.why;
  return r;
}

}  // namespace phonelab::dut

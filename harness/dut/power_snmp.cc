#include <cstdio>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/core/text.h"
#include "base/lab/process.h"
#include "harness/dut/power.h"

namespace phonelab::dut {
namespace {

/// 5 -> "5", 0.5 -> "0.5": a number of seconds as a command-line argument.
std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// power: snmp: the PoE switch port that powers the phone is switched off and on with net-snmp's
/// snmpset, in the harness's own namespace (the switch is on the management network).
class SnmpPowerDriver : public BenchPower {
 public:
  SnmpPowerDriver(const LabFile& lab, SnmpPower snmp, DutEnv env)
      : BenchPower(lab, std::move(env)), snmp_(std::move(snmp)) {}

  /// The port off, off_time, the port on, then a wait (boot) for the DHCP DISCOVER.
  void on() override {
    const SnmpPower& sn = snmp_;
    set("off", sn.off_value);
    // The phone must really lose power (its capacitors drain): the lab file's off_time, not a
    // synchronisation. A cancelled scenario still switches the port back on.
    bool waited = env_.log->waitUntil(Deadline::in(Seconds(sn.off_time)));
    const double on_at = env_.log->now();
    set("on", sn.on_value);
    if (!waited) return;
    // The boot timeout counts from the moment the port is on again.
    const Deadline boot = Deadline::in(Seconds(lab_.boot_timeout));
    auto seen =
        env_.log->waitFor(EventMatcher("dhcp.discover").whereEq("chaddr", lab_.mac), on_at, boot);
    env_.log->emit(
        "dut", "dut.power",
        {{"state", seen ? "booting" : "no-discover"}, {"power", "snmp"}, {"oid", sn.port_oid}},
        seen ? "power: snmp: the phone asks for an address"
             : "power: snmp: no DHCP DISCOVER from the phone within " +
                   formatSeconds(lab_.boot_timeout) + " of switching " + sn.host + " port " +
                   sn.port_oid + " on");
  }

 private:
  /// snmpset the port OID to value; a dut.power event {state, power: snmp, host, oid, value}.
  /// Throws Error naming the switch, the OID and snmpset's output if it fails.
  void set(const std::string& state, const std::string& value) {
    const SnmpPower& sn = snmp_;
    const std::string where = "the PoE switch " + sn.host + ", port OID " + sn.port_oid;
    lab::ProcessSpec spec;
    spec.name = "snmpset";
    spec.argv = {"snmpset", "-v2c", "-c",       sn.community, "-t", formatNumber(sn.timeout),
                 "-r",      "1",    sn.agent(), sn.port_oid,  "i",  value};
    // The switch is on the management network: snmpset runs in the harness's own namespace, not in
    // the lab namespace this thread is in.
    spec.netns_fd = env_.home_netns_fd;
    spec.env["MIBS"] = "";  // numeric OIDs only: no MIB files are needed or looked for
    // It reads the switch's answers: not as root.
    if (auto user = lab::toolUser()) lab::runAs(spec, *user);
    lab::RunResult r;
    std::string why;
    try {
      // One try and one retry, each up to the timeout, and some slack to start.
      r = lab::runToCompletion(spec, Deadline::in(Seconds(2 * sn.timeout + 5)));
      if (!r.ok()) {
        std::string out = r.output;
        while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
        why = "snmpset " + lab::Process::describeStatus(r.status) +
              (out.empty() ? std::string() : ": " + out);
      }
    } catch (const Error& e) {
      why = e.what();
      if (why.find("execvp") != std::string::npos)
        why += " (install net-snmp's snmpset: package snmp)";
    }
    if (!why.empty()) {
      env_.log->emit("dut", "dut.power",
                     {{"state", "failed"},
                      {"power", "snmp"},
                      {"host", sn.host},
                      {"oid", sn.port_oid},
                      {"value", value},
                      {"error", why}},
                     "power: snmp: could not switch " + state + " " + where + ": " + why);
      throw Error("power: snmp: could not switch the phone " + state + " through " + where +
                  " (value " + value + "): " + why);
    }
    env_.log->emit("dut", "dut.power",
                   {{"state", state},
                    {"power", "snmp"},
                    {"host", sn.host},
                    {"oid", sn.port_oid},
                    {"value", value}},
                   "power: snmp: " + where + " set to " + value + " (" + state + ")");
  }

  SnmpPower snmp_;
};

}  // namespace

std::unique_ptr<PowerDriver> makeSnmpPower(const LabFile& lab, const SnmpPower& snmp,
                                           const DutEnv& env) {
  return std::make_unique<SnmpPowerDriver>(lab, snmp, env);
}

}  // namespace phonelab::dut

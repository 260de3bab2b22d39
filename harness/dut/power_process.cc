#include <linux/capability.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "base/core/error.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "harness/dut/power.h"

namespace phonelab::dut {
namespace fs = std::filesystem;

std::vector<std::string> substituteProgramArgv(const std::vector<std::string>& argv,
                                               const std::string& mac, const std::string& iface,
                                               const std::string& state_dir) {
  const std::map<std::string, std::string> vars = {
      {"${dut.mac}", mac}, {"${dut.iface}", iface}, {"${state_dir}", state_dir}};
  std::vector<std::string> out;
  for (std::string arg : argv) {
    for (const auto& [var, value] : vars) {
      for (size_t at = arg.find(var); at != std::string::npos;
           at = arg.find(var, at + value.size())) {
        arg.replace(at, var.size(), value);
      }
    }
    out.push_back(std::move(arg));
  }
  return out;
}

namespace {

const char* kEmulatorUser = "nobody";

/// A device that is a process in the DUT namespace: phone-emulator (driver: emulator, argv from
/// the lab file's `emulator` section) or any program (driver: program, its argv with ${dut.mac},
/// ${dut.iface} and ${state_dir} substituted). Powered off = stopped by its PID.
class ProcessPower : public PowerDriver {
 public:
  ProcessPower(const LabFile& lab, DutEnv env) : lab_(lab), env_(std::move(env)) {
    name_ = lab_.program() && !lab_.program()->argv.empty()
                ? fs::path(lab_.program()->argv.front()).filename().string()
                : std::string("phone-emulator");
  }
  ~ProcessPower() override {
    off();
    std::error_code ec;
    if (!id_dir_.empty()) fs::remove_all(id_dir_, ec);
  }

  void on() override {
    if (proc_ && proc_->running()) return;
    fs::create_directories(stateDir());
    // The phone's flash: config.xml holds its passwords.
    fs::permissions(stateDir(), fs::perms::owner_all);
    if (!lab_.program()) writeDeviceIdentity();
    lab::ProcessSpec spec;
    spec.name = name_;
    spec.argv = lab_.program() ? programArgv() : emulatorArgv();
    // A bare program name is looked up beside the phonelab binary first, then on PATH.
    std::string& program = spec.argv.front();
    if (program.find('/') == std::string::npos && !env_.bin_dir.empty() &&
        fs::exists(fs::path(env_.bin_dir) / program)) {
      program = (fs::path(env_.bin_dir) / program).string();
    }
    spec.netns = env_.dut_ns;
    spec.log_path = logPath();
    if (!lab_.program()) {
      // The emulator is the device under test: not root. Like a phone's own network stack it
      // configures its interface and sends raw DHCP in its namespace, and serves ports < 1024.
      std::string why_root;
      if (auto user = lab::daemonUser(kEmulatorUser, stateDir(), why_root)) {
        lab::giveTreeTo(stateDir(), *user);
        if (!id_dir_.empty()) lab::giveTreeTo(id_dir_, *user);
        spec.uid = user->uid;
        spec.gid = user->gid;
        spec.caps = {CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE};
      } else {
        env_.log->emit("harness", "harness.warning", {{"what", "emulator"}},
                       "the emulator runs as root: " + why_root);
      }
    }
    proc_ = std::make_unique<lab::Process>(spec);
    stopped_ = false;
    env_.log->emit("dut", "dut.power", {{"state", "on"}, {"pid", std::to_string(proc_->pid())}},
                   what() + " powered on (pid " + std::to_string(proc_->pid()) + ")");
  }

  void off() override {
    if (!proc_) return;
    exit_note_ = unexpectedExit();
    stopped_ = true;
    int status = proc_->stop(Seconds(3));
    env_.log->emit("dut", "dut.power", {{"state", "off"}},
                   what() + " powered off (" + lab::Process::describeStatus(status) + ")");
    proc_.reset();
  }

  bool isOn() override { return proc_ && proc_->running(); }

  std::string unexpectedExit() override {
    if (!exit_note_.empty()) return exit_note_;
    if (!proc_ || stopped_ || proc_->running()) return "";
    return "the " + what() +
           " exited on its own: " + lab::Process::describeStatus(proc_->exitStatus().value_or(0));
  }

  std::map<std::string, std::string> evidence() const override {
    return {{"log:" + name_, logPath()}, {"dut-config", stateDir() + "/config.xml"}};
  }

 private:
  std::string stateDir() const { return env_.work_dir + "/dut-state"; }

  /// The emulator's device certificate and key (its factory identity) in a private folder of the
  /// run, outside the report: the key never lands in it. Once per scenario.
  void writeDeviceIdentity() {
    if (env_.device_cert_pem.empty() || !id_dir_.empty()) return;
    id_dir_ = lab::privateRunDir(env_.work_dir, "device-identity");
    for (const auto& [name, text] : {std::pair{"device.crt", &env_.device_cert_pem},
                                     std::pair{"device.key", &env_.device_key_pem}}) {
      const std::string path = id_dir_ + "/" + name;
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
      f << *text;
      if (!f.flush()) throw Error("cannot write " + path);
    }
  }
  std::string logPath() const { return env_.work_dir + "/" + name_ + ".log"; }
  std::string what() const {
    return lab_.program() ? "device program " + name_ : std::string("emulator");
  }

  std::vector<std::string> emulatorArgv() const {
    const EmulatorConfig& emu = *lab_.emulator();
    std::vector<std::string> argv = {emu.program,
                                     "--iface",
                                     env_.iface,
                                     "--mac",
                                     lab_.mac,
                                     "--state-dir",
                                     stateDir(),
                                     "--model",
                                     emu.model,
                                     "--serial",
                                     emu.serial,
                                     "--boot-delay",
                                     std::to_string(emu.boot_delay),
                                     "--tls-refusal",
                                     emu.tls_refusal,
                                     "--clock-offset",
                                     std::to_string(emu.clock_offset)};
    if (!id_dir_.empty()) {
      for (const char* a : {"--device-cert", "device.crt", "--device-key", "device.key"}) {
        argv.push_back(a[0] == '-' ? std::string(a) : id_dir_ + "/" + a);
      }
    }
    std::set<std::string> faults(emu.faults.begin(), emu.faults.end());
    faults.insert(env_.extra_faults.begin(), env_.extra_faults.end());
    for (const auto& f : faults) {
      argv.push_back("--fault");
      argv.push_back(f);
    }
    return argv;
  }

  std::vector<std::string> programArgv() const {
    return substituteProgramArgv(lab_.program()->argv, lab_.mac, env_.iface, stateDir());
  }

  const LabFile& lab_;
  DutEnv env_;
  std::string name_;
  std::unique_ptr<lab::Process> proc_;
  std::string id_dir_;  // the device certificate and key ("" = none)
  bool stopped_ = false;
  std::string exit_note_;
};

}  // namespace

std::unique_ptr<PowerDriver> makeProcessPower(const LabFile& lab, const DutEnv& env) {
  return std::make_unique<ProcessPower>(lab, env);
}

}  // namespace phonelab::dut

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "harness/dut/lab_file.h"
#include "harness/dut/power.h"
#include "harness/dut/strategy.h"

namespace phonelab::dut {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

/// A bench lab file with `power` (manual, web) and reset: factory.
LabFile benchLab(const std::string& power) {
  const std::string path =
      ::testing::TempDir() + "/lab-bench-" + std::to_string(::getpid()) + "-" + power + ".yaml";
  std::ofstream(path) << "lab: {name: b, segment: interface, interface: enp3s0,\n"
                         "      subnet: 198.18.7.0/24, isolated: true}\n"
                         "dut:\n  driver: physical\n  profile: "
                      << kSrc
                      << "/lab/devices/cisco-8832-mpp.yaml\n"
                         "  mac: \"02:00:c6:12:00:0a\"\n  power: "
                      << power << "\n  reset: factory\n";
  return loadLabFile(path);
}

TEST(LabFile, PowerWebIsATypedMethodOfAPhysicalDevice) {
  LabFile lab = benchLab("web");
  ASSERT_NE(lab.physical(), nullptr);
  EXPECT_TRUE(std::holds_alternative<WebPower>(lab.physical()->power));
  EXPECT_EQ(powerName(lab.physical()->power), "web");
  EXPECT_TRUE(lab.physical()->factory_reset);
  EXPECT_EQ(lab.emulator(), nullptr);
  EXPECT_EQ(lab.program(), nullptr);
}

TEST(DutStrategy, OnlyAPowerWebBenchWithNoKnownAddressLooksForThePhone) {
  LabFile web = benchLab("web");
  LabFile manual = benchLab("manual");
  LabFile emulated = loadLabFile(kSrc + "/lab/emulated.yaml");
  DutStrategy on_web(web), on_manual(manual), on_emulator(emulated);
  EXPECT_TRUE(on_web.wantsSweep());
  EXPECT_FALSE(on_manual.wantsSweep());
  EXPECT_FALSE(on_emulator.wantsSweep());
  EXPECT_EQ(on_web.knownAddress(), "");
  EXPECT_EQ(on_web.state(), DutStrategy::State::off);
}

TEST(DeviceProfile, ThePhonesSipPortIsTheScenariosSettingElseTheProfilesFactoryValue) {
  LabFile lab = loadLabFile(kSrc + "/lab/emulated.yaml");
  const DeviceProfile& p = lab.profile;
  ASSERT_NE(p.setting("line1.sip_port"), nullptr);
  EXPECT_EQ(p.sipPort({}), std::stoi(*p.setting("line1.sip_port")->factory));
  EXPECT_EQ(p.sipPort({{"line1.sip_port", "5070"}}), 5070);
  DeviceProfile bare;  // a profile without the setting: SIP's default port
  EXPECT_EQ(bare.sipPort({}), 5060);
  EXPECT_EQ(bare.sipPort({{"line1.sip_port", "70000"}}), 5060);
}

}  // namespace
}  // namespace phonelab::dut

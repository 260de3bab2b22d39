#include "emulator/provisioning.h"

#include <gtest/gtest.h>

#include "emulator/config.h"

using namespace phonelab::emulator;

namespace {
DeviceIdentity id() {
  return DeviceIdentity{"CP-8832-3PCC", {0x02, 0x00, 0xC6, 0x12, 0x00, 0x0A}, "FCH2300ABCD"};
}
}  // namespace

TEST(EmuProvisioning, ExpandsPsnMaAndSnMacrosAndLeavesUnknownOnes) {
  EXPECT_EQ(productSeries("CP-8832-3PCC"), "8832");
  EXPECT_EQ(productSeries("CP-7832-3PCC"), "7832");
  EXPECT_EQ(productSeries("phone"), "");
  EXPECT_EQ(expandMacros("/$PSN.xml", id()), "/8832.xml");
  EXPECT_EQ(expandMacros("/p/$MA.xml", id()), "/p/0200c612000a.xml");
  EXPECT_EQ(expandMacros("/$(PSN)/$(MA)-$SN.cfg", id()), "/8832/0200c612000a-FCH2300ABCD.cfg");
  EXPECT_EQ(expandMacros("$X$", id()), "$X$");  // unknown macros stay
  EXPECT_EQ(profileName("/$PSN.xml", id()), "8832.xml");
  EXPECT_EQ(profileName("cfg/$MA.xml", id()), "cfg/0200c612000a.xml");
}

TEST(EmuProvisioning, DefaultOrderParameter) {
  EXPECT_EQ(ConfigStore().get("DHCP_Option_To_Use"), kDefaultDhcpOptionOrder);
  std::vector<std::string> bad;
  EXPECT_EQ(parseOptionOrder(" 160, 66 ,x,300,,150", &bad), (std::vector<int>{160, 66, 150}));
  EXPECT_EQ(bad, (std::vector<std::string>{"x", "300"}));
}

TEST(EmuProvisioning, TakesTheFirstUsableOptionInTheConfiguredOrder) {
  DhcpInfo all;
  all.tftp_server_66 = "tftp.lab.example";
  all.prov_url_160 = "http://198.18.0.5/p/$MA.xml";
  all.prov_ip_159 = Ip4{198, 18, 0, 7};
  all.tftp_150 = {Ip4{198, 18, 0, 4}, Ip4{198, 18, 0, 9}};
  all.acs_url_43 = "http://198.18.0.6/acs";
  const auto order = kDefaultDhcpOptionOrder;

  auto c = chooseProvisioning(order, all, "8832.xml", id());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->describe(), "option 66 tftp://tftp.lab.example/8832.xml");

  DhcpInfo no66 = all;
  no66.tftp_server_66.clear();  // what ignore-option-66 leaves
  EXPECT_EQ(chooseProvisioning(order, no66, "8832.xml", id())->describe(),
            "option 160 http://198.18.0.5/p/0200c612000a.xml");
  no66.prov_url_160.clear();
  EXPECT_EQ(chooseProvisioning(order, no66, "8832.xml", id())->url, "tftp://198.18.0.7/8832.xml");
  no66.prov_ip_159.reset();
  EXPECT_EQ(chooseProvisioning(order, no66, "8832.xml", id())->url, "tftp://198.18.0.4/8832.xml");
  no66.tftp_150.clear();
  // 43 only: TR-069, not a provisioning source.
  EXPECT_FALSE(chooseProvisioning(order, no66, "8832.xml", id()));

  // Another order.
  EXPECT_EQ(chooseProvisioning("150,66", all, "8832.xml", id())->option, 150);
  EXPECT_FALSE(chooseProvisioning("60,43,125", all, "8832.xml", id()));

  // 160 without a scheme means TFTP; 66 holding a URL is used as it is.
  DhcpInfo bare;
  bare.prov_url_160 = "198.18.0.4/$PSN.xml";
  EXPECT_EQ(chooseProvisioning(order, bare, "x", id())->url, "tftp://198.18.0.4/8832.xml");
  DhcpInfo url66;
  url66.tftp_server_66 = "http://198.18.0.5/cfg.xml";
  EXPECT_EQ(chooseProvisioning(order, url66, "x", id())->url, "http://198.18.0.5/cfg.xml");
}

TEST(EmuProvisioning, ParsesTftpAndHttpUrlsAndRejectsTheRest) {
  std::string err;
  auto t = parseServiceUrl("tftp://198.18.0.4/8832.xml", &err);
  ASSERT_TRUE(t) << err;
  EXPECT_EQ(t->scheme, "tftp");
  EXPECT_EQ(t->port, 69);
  EXPECT_EQ(t->path, "/8832.xml");
  auto h = parseServiceUrl("HTTP://acs.lab.example:7547/cwmp", &err);
  ASSERT_TRUE(h) << err;
  EXPECT_EQ(h->host, "acs.lab.example");
  EXPECT_EQ(h->port, 7547);
  EXPECT_FALSE(parseServiceUrl("https://x/y", &err));
  EXPECT_EQ(err, "scheme \"https\" is not supported (tftp, http)");
  EXPECT_FALSE(parseServiceUrl("tftp://198.18.0.4/", &err));
  EXPECT_FALSE(parseServiceUrl("tftp://bad host/x", &err));
  EXPECT_FALSE(parseServiceUrl("http://h:99999/x", &err));
  EXPECT_FALSE(parseServiceUrl("no-scheme", &err));
}

TEST(EmuProvisioning, ApplyProfileElements) {
  ConfigStore c;
  auto r = applyProfileElements(c, {{"Station_Name", "lobby"},
                                    {"Nope", "x"},
                                    {"SIP_Port_1_", "abc"},
                                    {"Static_IP", "198.18.0.20"}});
  EXPECT_EQ(r.applied, 2);
  EXPECT_EQ(r.changed, (std::vector<std::string>{"Station_Name", "Static_IP"}));
  EXPECT_TRUE(r.restart);
  EXPECT_EQ(c.get("Station_Name"), "lobby");
  EXPECT_EQ(c.get("SIP_Port_1_"), "5060");
}

TEST(EmuProvisioning, EachOrderSchemeAndAddressFaultPicksAnotherSource) {
  DhcpInfo three;  // 160, 159 and 150 at once: the default order takes 160
  three.prov_url_160 = "http://198.18.0.5/phonelab/$PSN.xml";
  three.prov_ip_159 = Ip4{198, 18, 0, 4};
  three.tftp_150 = {Ip4{198, 18, 0, 7}};
  const auto order = kDefaultDhcpOptionOrder;
  EXPECT_EQ(chooseProvisioning(order, three, "8832.xml", id())->option, 160);
  ProvisioningFaults by_code;
  by_code.order_by_code = true;
  EXPECT_EQ(chooseProvisioning(order, three, "8832.xml", id(), by_code)->option, 150);
  ProvisioningFaults last;
  last.last_wins = true;
  EXPECT_EQ(chooseProvisioning(order, three, "8832.xml", id(), last)->option, 150);
  DhcpInfo two = three;
  two.tftp_150.clear();
  EXPECT_EQ(chooseProvisioning(order, two, "8832.xml", id(), last)->option, 159);
  // Only one option present: the order faults change nothing.
  DhcpInfo one;
  one.prov_url_160 = three.prov_url_160;
  EXPECT_EQ(chooseProvisioning(order, one, "x", id(), last)->option, 160);

  ProvisioningFaults scheme;
  scheme.scheme_160_ignored = true;
  EXPECT_EQ(chooseProvisioning(order, one, "x", id(), scheme)->url,
            "tftp://198.18.0.5/phonelab/8832.xml");

  DhcpInfo named;
  named.tftp_server_66 = "tftp.lab.example";
  named.tftp_150 = {Ip4{198, 18, 0, 7}};
  ProvisioningFaults addr;
  addr.address_only_66 = true;
  EXPECT_EQ(chooseProvisioning(order, named, "x", id())->option, 66);
  EXPECT_EQ(chooseProvisioning(order, named, "x", id(), addr)->option, 150);
  named.tftp_server_66 = "198.18.0.4";
  EXPECT_EQ(chooseProvisioning(order, named, "x", id(), addr)->option, 66);
}

// The bench segment (segment: interface): a NIC of the host moved into a lab namespace of the
// harness with the subnet's lab addresses, and given back at the end; with a VLAN, a tagged
// sub-interface made on it instead. The "NIC" is a veth end in the root namespace (its peer is
// deleted with it at the end of each test).

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/core/error.h"
#include "base/lab/netns.h"
#include "lab_util.h"

namespace phonelab::lab {
namespace {

struct RootVeth {
  std::string nic = "phs" + std::to_string(::getpid() % 100000);
  std::string peer = "phq" + std::to_string(::getpid() % 100000);
  RootVeth() { ipCommand({"link", "add", nic, "type", "veth", "peer", "name", peer}); }
  ~RootVeth() {
    try {
      ipCommand({"link", "del", nic});
    } catch (...) {
    }
  }
  bool home() const {
    try {
      ipOutput({"link", "show", nic});
      return true;
    } catch (...) {
      return false;
    }
  }
};

bool nsExists(const std::string& ns) {
  for (const auto& n : listNamespaces()) {
    if (n == ns) return true;
  }
  return false;
}

TEST(BenchSegment, TheNicMovesInWithTheLabAddressesAndComesBack) {
  PHL_REQUIRE_ROOT();
  RootVeth veth;
  std::string ns;
  {
    Segment seg(runToken(), BenchNic{veth.nic, 0, "198.18.247.0/24"});
    ns = seg.labNs();
    EXPECT_TRUE(seg.bench());
    EXPECT_EQ(seg.dutNs(), "");
    EXPECT_EQ(seg.labIf(), veth.nic);
    EXPECT_EQ(seg.addr().lab_ip, "198.18.247.1");
    EXPECT_EQ(seg.addr().services.at("sip"), "198.18.247.10");
    EXPECT_EQ(seg.addr().remote_ip, "198.19.247.1");
    EXPECT_NE(ns.find("-247-lab"), std::string::npos) << ns;
    EXPECT_FALSE(veth.home());  // moved out of the root namespace
    const std::string addrs = ipOutput({"-n", ns, "addr", "show", "dev", veth.nic});
    for (const char* ip :
         {"198.18.247.1/24", "198.18.247.10/24", "198.18.247.66/24", "198.19.247.1/32"}) {
      EXPECT_NE(addrs.find(ip), std::string::npos) << ip << " in " << addrs;
    }
    EXPECT_FALSE(seg.labMac().empty());
  }
  EXPECT_FALSE(nsExists(ns));
  ASSERT_TRUE(veth.home());  // a veth end would have died with the namespace
  EXPECT_EQ(ipOutput({"addr", "show", "dev", veth.nic}).find("198.18.247."), std::string::npos);
}

TEST(BenchSegment, WithAVlanASubInterfaceMovesAndTheNicStays) {
  PHL_REQUIRE_ROOT();
  RootVeth veth;
  std::string ns;
  try {
    Segment probe(runToken(), BenchNic{veth.nic, 207, "198.18.248.0/24"});
  } catch (const Error& e) {
    if (std::string(e.what()).find("Unknown device type") != std::string::npos) {
      GTEST_SKIP() << "this kernel has no 802.1Q VLAN support: " << e.what();
    }
    throw;
  }
  {
    Segment seg(runToken(), BenchNic{veth.nic, 207, "198.18.248.0/24"});
    ns = seg.labNs();
    EXPECT_EQ(seg.labIf(), "phlv207");
    EXPECT_TRUE(veth.home());
    auto j = nlohmann::json::parse(ipOutput({"-n", ns, "-d", "-j", "link", "show", "phlv207"}));
    EXPECT_EQ(j.at(0).at("linkinfo").at("info_data").at("id"), 207) << j.dump(2);
    EXPECT_NE(ipOutput({"-n", ns, "addr", "show", "dev", "phlv207"}).find("198.18.248.1/24"),
              std::string::npos);
  }
  EXPECT_FALSE(nsExists(ns));
  EXPECT_TRUE(veth.home());
}

TEST(BenchSegment, ANicWithAnIpv4AddressOnTheHostIsRefusedAndLeftAlone) {
  PHL_REQUIRE_ROOT();
  RootVeth veth;
  ipCommand({"addr", "add", "198.18.249.5/24", "dev", veth.nic});
  const auto before = listNamespaces();
  try {
    Segment seg(runToken(), BenchNic{veth.nic, 0, "198.18.249.0/24"});
    FAIL() << "a NIC with an address was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has IPv4 addresses on the host (198.18.249.5/24)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(veth.home());
  EXPECT_EQ(listNamespaces(), before);
}

TEST(BenchSegment, AMissingNicIsRefused) {
  PHL_REQUIRE_ROOT();
  try {
    Segment seg(runToken(), BenchNic{"phlnosuchnic0", 0, "198.18.249.0/24"});
    FAIL() << "no such NIC, yet a segment";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a network interface of this host"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace phonelab::lab

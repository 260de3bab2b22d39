// Unix socket paths (Kea's control socket, Kamailio's ctl socket) must fit the kernel's 108 bytes
// whatever folder the report is in: a CI checkout can sit deep.
#include <gtest/gtest.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/lab/netns.h"

namespace phonelab::lab {
namespace {

TEST(SocketPath, ShortDirsKeepTheSocketBesideTheEvidence) {
  EXPECT_EQ(socketPath("/tmp/r/kea", "kea.sock"), "/tmp/r/kea/kea.sock");
}

TEST(SocketPath, DeepDirsGetAShortStablePathInTheRunFolder) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (/run/phonelab)";
  const std::string deep(150, 'd');
  std::string a = socketPath("/tmp/" + deep + "/kamailio", "kamailio.ctl");
  EXPECT_LT(a.size(), sizeof(sockaddr_un::sun_path));
  EXPECT_EQ(a.rfind("/run/phonelab/" + runToken() + "/", 0), 0u) << a;
  EXPECT_EQ(a, socketPath("/tmp/" + deep + "/kamailio", "kamailio.ctl"));
  EXPECT_NE(a, socketPath("/tmp/" + deep + "/other", "kamailio.ctl"));
}

}  // namespace
}  // namespace phonelab::lab

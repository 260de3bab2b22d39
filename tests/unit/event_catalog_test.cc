// The event catalogue (base/core/event_catalog.h) against the code and the docs: every kind the
// code emits is catalogued, docs/scenario-format.md holds the same table, and the loader refuses a
// kind or field the catalogue lacks (fixtures/scenarios-invalid/event-*.yaml).
#include "base/core/event_catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "base/proto/dhcp.h"

namespace phonelab {
namespace {

namespace fs = std::filesystem;
const std::string kSrc = PHONELAB_SOURCE_DIR;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Event kinds written as literals where events are made: emit("source", "kind", ...),
/// emit("kind", ...) of the fakes' own emit helpers, and `kind = "..."` of the capture decoder.
std::set<std::string> kindsInCode() {
  static const std::regex patterns[] = {
      std::regex(R"re(emit\(\s*"[a-z_]+",\s*"([a-z][a-z0-9_.-]*)")re"),
      std::regex(R"re(emit\(\s*"([a-z][a-z0-9_-]*\.[a-z0-9_.-]+)")re"),
      std::regex(R"re(kind\s*=\s*"([a-z][a-z0-9_-]*(\.[a-z0-9_.-]+)?)")re"),
  };
  std::set<std::string> out;
  for (const char* dir : {"base", "harness", "fakes", "reports"}) {
    for (const auto& e : fs::recursive_directory_iterator(kSrc + "/" + dir)) {
      if (e.path().extension() != ".cc") continue;
      const std::string text = readFile(e.path());
      for (const auto& re : patterns) {
        for (auto it = std::sregex_iterator(text.begin(), text.end(), re);
             it != std::sregex_iterator(); ++it) {
          out.insert((*it)[1]);
        }
      }
    }
  }
  // Built from a name: "dhcp." + the message type, "icmp." + the ICMP type.
  for (int t = 1; t <= 8; ++t) {
    out.insert("dhcp." +
               std::string(proto::dhcp::messageTypeName(static_cast<proto::dhcp::MessageType>(t))));
  }
  return out;
}

TEST(EventCatalog, EveryKindTheCodeEmitsIsCatalogued) {
  const auto kinds = kindsInCode();
  EXPECT_GT(kinds.size(), 60u) << "the scan found too few kinds to prove anything";
  for (const auto& k : kinds) {
    // "tls.sip." + request/response: a prefix, whose kinds are catalogued one by one.
    if (k.back() == '.') continue;
    EXPECT_NE(findEventKind(k), nullptr) << "the code emits '" << k << "', the catalogue lacks it";
  }
}

TEST(EventCatalog, KindsAreUniqueAndDescribed) {
  std::set<std::string> seen;
  for (const auto& k : eventCatalog()) {
    EXPECT_TRUE(seen.insert(k.kind).second) << "twice: " << k.kind;
    EXPECT_FALSE(k.meaning.empty()) << k.kind;
    EXPECT_FALSE(k.source.empty()) << k.kind;
  }
}

TEST(EventCatalog, FieldsMatchExactlyByPrefixOrWhenOpen) {
  const auto* ack = findEventKind("dhcp.ack");
  ASSERT_NE(ack, nullptr);
  EXPECT_TRUE(eventHasField(*ack, "yiaddr"));
  EXPECT_TRUE(eventHasField(*ack, "opt_51"));
  EXPECT_FALSE(eventHasField(*ack, "yiadr"));
  const auto* config = findEventKind("dut.config");
  ASSERT_NE(config, nullptr);
  EXPECT_TRUE(eventHasField(*config, "Auth_INVITE_1_"));
  EXPECT_EQ(eventKindsMatching("sip.*").size(), 3u);
  EXPECT_TRUE(eventKindsMatching("sip.respnse").empty());
}

TEST(EventCatalog, TheDocsListTheSameTable) {
  const std::string doc = readFile(kSrc + "/docs/scenario-format.md");
  const std::string begin = "<!-- event catalogue: phonelab list --events -->\n";
  const auto at = doc.find(begin);
  ASSERT_NE(at, std::string::npos) << "docs/scenario-format.md lacks the marker line " << begin;
  const std::string table = eventCatalogMarkdown();
  EXPECT_EQ(doc.substr(at + begin.size(), table.size()), table)
      << "docs/scenario-format.md's event table differs from the catalogue: paste the output of "
         "`phonelab list --events` after the marker";
}

}  // namespace
}  // namespace phonelab

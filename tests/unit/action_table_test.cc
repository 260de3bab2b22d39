// The action table (harness/scenario/model.h) against the variant, the loader and the docs: one
// row per action, the loader knows exactly its names, and docs/scenario-format.md's table of
// actions lists the same ones.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "harness/scenario/model.h"

namespace phonelab::scenario {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ActionTable, OneRowPerActionInTheVariantsOrder) {
  EXPECT_EQ(actionTable().size(), std::variant_size_v<Action>);
  EXPECT_STREQ(actionName(Action{SipCallAction{}}), "sip_call");
  EXPECT_STREQ(actionName(Action{ResumeDhcpAction{}}), "resume_dhcp");
  const auto list = actionNames();
  std::set<std::string> names(list.begin(), list.end());
  EXPECT_EQ(names.size(), actionTable().size()) << "a name twice";
  for (const auto& a : actionTable()) {
    // Every fake an action needs is a real `fakes:` key (fakeEnabled throws on any other).
    if (*a.needs_fake) {
      EXPECT_NO_THROW(fakeEnabled(Fakes{}, a.needs_fake)) << a.name;
      EXPECT_NE(std::string(a.needs_what), "") << a.name;
    }
  }
  EXPECT_THROW(fakeEnabled(Fakes{}, "sip-ua"), std::logic_error);
}

TEST(ActionTable, TheDocsListTheSameActions) {
  const std::string doc = readFile(kSrc + "/docs/scenario-format.md");
  const auto at = doc.find("### Actions (`act`, `probe`)");
  ASSERT_NE(at, std::string::npos);
  const auto end = doc.find("\n#", at + 1);
  std::istringstream section(doc.substr(at, end - at));
  std::set<std::string> documented;
  for (std::string line; std::getline(section, line);) {
    // Table rows: | `name` | arguments | does |
    if (line.rfind("| `", 0) != 0) continue;
    const auto close = line.find('`', 3);
    if (close != std::string::npos) documented.insert(line.substr(3, close - 3));
  }
  const auto names = actionNames();
  EXPECT_EQ(documented, std::set<std::string>(names.begin(), names.end()))
      << "docs/scenario-format.md's table of actions and the action table differ";
}

}  // namespace
}  // namespace phonelab::scenario

// Golden DHCP packets from a real Kea (fixtures/golden/dhcp/*.hex, provenance in each header):
// the decoder agrees with Wireshark's dissection pasted above the bytes, re-encoding gives the
// same bytes, and truncated or corrupted copies are refused with a reason (never a crash).

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "base/proto/dhcp.h"
#include "base/proto/dhcp_options.h"

namespace dhcp = phonelab::proto::dhcp;
using Bytes = std::vector<uint8_t>;

namespace {

struct Golden {
  std::string name;
  std::vector<std::string> dissection;  // the tshark -V lines, without "# "
  Bytes payload;                        // the UDP payload
};

Golden load(const std::string& name) {
  Golden g;
  g.name = name;
  std::ifstream in(std::string(PHONELAB_SOURCE_DIR) + "/fixtures/golden/dhcp/" + name + ".hex");
  EXPECT_TRUE(in) << "missing fixtures/golden/dhcp/" << name << ".hex";
  std::string line;
  bool in_dissection = false;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      std::string text = line.size() > 2 ? line.substr(2) : "";
      if (text.rfind("Frame ", 0) == 0) in_dissection = true;
      if (in_dissection) g.dissection.push_back(text);
      continue;
    }
    std::string digits;
    for (char c : line)
      if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2)
      g.payload.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return g;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a);
}

/// The value after "label: " on the first dissection line (trimmed) that starts with it.
std::string field(const Golden& g, const std::string& label) {
  for (const auto& l : g.dissection) {
    std::string t = trim(l);
    if (t.rfind(label + ": ", 0) == 0) return t.substr(label.size() + 2);
  }
  return "<no '" + label + "' in the dissection>";
}

/// The dissection lines of one option: from "Option: (N) ..." to the next "Option:".
std::vector<std::string> optionBlock(const Golden& g, uint8_t code) {
  std::vector<std::string> out;
  const std::string head = "Option: (" + std::to_string(code) + ")";
  bool inside = false;
  for (const auto& l : g.dissection) {
    std::string t = trim(l);
    if (t.rfind("Option: (", 0) == 0) {
      if (inside) break;
      inside = t.rfind(head, 0) == 0;
      continue;
    }
    if (inside && t.rfind("Length: ", 0) != 0) out.push_back(t);
  }
  return out;
}

/// Option codes in the order Wireshark saw them (with 255).
std::vector<int> dissectedCodes(const Golden& g) {
  std::vector<int> codes;
  std::regex re(R"(^Option: \((\d+)\))");
  for (const auto& l : g.dissection) {
    std::smatch m;
    std::string t = trim(l);
    if (std::regex_search(t, m, re)) codes.push_back(std::stoi(m[1]));
  }
  return codes;
}

/// The option's value as Wireshark printed it, in formatOptionValue's notation: list items joined
/// with ",", times as seconds ("(3600s) 1 hour" -> 3600), enumerations as their number.
std::string wiresharkValue(const Golden& g, uint8_t code) {
  std::string out;
  for (const auto& l : optionBlock(g, code)) {
    auto colon = l.find(": ");
    if (colon == std::string::npos) continue;
    std::string label = l.substr(0, colon), v = l.substr(colon + 2);
    std::smatch m;
    if (code == 61) {
      if (label == "Hardware type") v = "01";  // Ethernet (0x01)
      if (label == "Client MAC address") v = v.substr(0, 17);
    } else if (std::regex_search(v, m, std::regex(R"(^\((\d+)s\))"))) {
      v = m[1];
    } else if (std::regex_search(v, m, std::regex(R"(^\((\d+)\) )")) ||
               std::regex_search(v, m, std::regex(R"( \((\d+)\)$)"))) {
      v = m[1];  // "(1) Subnet Mask", "Offer (2)"
    }
    out += (out.empty() ? "" : (code == 61 ? ":" : ",")) + v;
  }
  return out;
}

/// Index of the end option (255) of an encoded message, walking the TLVs.
size_t endIndex(const Bytes& p) {
  size_t i = 240;
  while (i < p.size() && p[i] != 255) i += p[i] == 0 ? 1 : 2 + p[i + 1];
  return i;
}

const std::vector<std::string> kGolden = {"discover", "offer", "request", "ack"};

}  // namespace

TEST(DhcpGolden, DecodesLikeWireshark) {
  for (const auto& name : kGolden) {
    SCOPED_TRACE(name);
    Golden g = load(name);
    ASSERT_GT(g.payload.size(), 240u);
    ASSERT_FALSE(g.dissection.empty());
    auto r = dhcp::decode(g.payload);
    ASSERT_TRUE(r.message) << r.error;
    const dhcp::Message& m = *r.message;

    char xid[16];
    std::snprintf(xid, sizeof xid, "0x%08x", m.xid);
    EXPECT_EQ(field(g, "Transaction ID"), xid);
    EXPECT_EQ(field(g, "Your (client) IP address"), dhcp::ip4String(m.yiaddr));
    EXPECT_EQ(field(g, "Client IP address"), dhcp::ip4String(m.ciaddr));
    EXPECT_EQ(field(g, "Client MAC address").substr(0, 17), dhcp::macString(m.chaddr));
    std::string type = field(g, "DHCP");  // "Offer (2)", "ACK (5)"
    type = type.substr(0, type.find(' '));
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(m.type());
    EXPECT_EQ(std::string(dhcp::messageTypeName(*m.type())), type);

    // Same options, same order, same values.
    std::vector<int> codes;
    for (const auto& o : m.options) codes.push_back(o.code);
    codes.push_back(255);
    EXPECT_EQ(codes, dissectedCodes(g));
    for (const auto& o : m.options) {
      const dhcp::OptionDef* def = dhcp::findOption(o.code);
      EXPECT_EQ(dhcp::formatOptionValue(def, o.data), wiresharkValue(g, o.code))
          << "option " << int(o.code);
    }
  }
}

TEST(DhcpGolden, KeaAnswersCarryTheProvisioningOptions) {
  // What the golden exchange was made for: Kea's OFFER and ACK with 1, 3, 6, 15, 42, 66, 150, 160.
  for (const auto& name : {"offer", "ack"}) {
    SCOPED_TRACE(name);
    Golden g = load(name);
    auto r = dhcp::decode(g.payload);
    ASSERT_TRUE(r.message) << r.error;
    for (uint8_t code : {1, 3, 6, 15, 42, 66, 150, 160, 51, 54})
      EXPECT_NE(r.message->option(code), nullptr) << "option " << int(code);
    EXPECT_EQ(dhcp::formatOptionValue(dhcp::findOption(66), r.message->option(66)->data),
              "tftp.lab.example");
    EXPECT_EQ(field(g, "TFTP Server Name"), "tftp.lab.example");
    EXPECT_EQ(*dhcp::u32Of(r.message->option(51)), 3600u);
  }
  Golden d = load("discover");
  auto r = dhcp::decode(d.payload);
  ASSERT_TRUE(r.message);
  EXPECT_EQ(field(d, "Vendor class identifier"), "Cisco Systems, Inc. IP Phone CP-8832-3PCC");
}

TEST(DhcpGolden, ReencodesToTheSameBytes) {
  // Kea (and BOOTP) pad after the end option; encode() pads to the 300-byte BOOTP minimum only.
  // So the comparison runs up to and including the end option, and what follows in the golden
  // packet must be padding (zeros).
  for (const auto& name : kGolden) {
    SCOPED_TRACE(name);
    Golden g = load(name);
    auto r = dhcp::decode(g.payload);
    ASSERT_TRUE(r.message) << r.error;
    const size_t end = endIndex(g.payload);
    ASSERT_LT(end, g.payload.size());
    Bytes again = dhcp::encode(*r.message);
    ASSERT_GT(again.size(), end);
    EXPECT_TRUE(std::equal(g.payload.begin(), g.payload.begin() + static_cast<long>(end) + 1,
                           again.begin()))
        << "first difference at byte "
        << std::mismatch(g.payload.begin(), g.payload.end(), again.begin()).first -
               g.payload.begin();
    EXPECT_TRUE(std::all_of(g.payload.begin() + static_cast<long>(end) + 1, g.payload.end(),
                            [](uint8_t b) { return b == 0; }));
  }
}

TEST(DhcpGolden, EveryTruncationIsRefusedWithAReason) {
  for (const auto& name : kGolden) {
    SCOPED_TRACE(name);
    Golden g = load(name);
    const size_t end = endIndex(g.payload);
    for (size_t n = 0; n <= end; ++n) {  // every cut before the end option is complete
      auto r = dhcp::decode(std::span<const uint8_t>(g.payload.data(), n));
      ASSERT_FALSE(r.message) << "accepted " << n << " bytes";
      if (n < 240) {
        EXPECT_NE(r.error.find("truncated: " + std::to_string(n) + " bytes"), std::string::npos)
            << r.error;
      } else {
        EXPECT_TRUE(r.error.find("runs past the end") != std::string::npos ||
                    r.error.find("has no length byte") != std::string::npos ||
                    r.error.find("no end option") != std::string::npos)
            << n << ": " << r.error;
      }
    }
    // Cutting only padding loses nothing.
    auto whole = dhcp::decode(g.payload);
    auto cut = dhcp::decode(std::span<const uint8_t>(g.payload.data(), end + 1));
    ASSERT_TRUE(cut.message);
    EXPECT_EQ(dhcp::encode(*cut.message), dhcp::encode(*whole.message));
  }
}

TEST(DhcpGolden, CorruptionsAreRefusedWithAReason) {
  for (const auto& name : kGolden) {
    SCOPED_TRACE(name);
    Golden g = load(name);
    const size_t end = endIndex(g.payload);
    auto refused = [&](Bytes p, const std::string& why) {
      auto r = dhcp::decode(p);
      EXPECT_FALSE(r.message) << "accepted: " << why;
      EXPECT_NE(r.error.find(why), std::string::npos) << r.error;
    };
    Bytes p = g.payload;
    p[236] = 0x64;
    refused(p, "bad magic cookie 64825363 at byte 236");
    p = g.payload;
    p[0] = 7;
    refused(p, "bad op 7 at byte 0");
    p = g.payload;
    p[241] = 0xff;  // first option (53) claims 255 bytes
    refused(p, "option 53 length 255 runs past the end at byte 240");
    p = g.payload;
    p[end] = 0;  // end option becomes padding
    refused(p, "no end option (255)");
    p = g.payload;
    p.resize(end);
    p.push_back(66);  // an option code as the last byte
    refused(p, "option 66 at byte " + std::to_string(end) + " has no length byte");

    // Every single-byte change anywhere: decoded or refused with a reason, never out of bounds
    // (the ASan build proves the latter).
    for (size_t i = 0; i < g.payload.size(); ++i) {
      for (uint8_t v : {0x00, 0x01, 0x7f, 0xfe, 0xff}) {
        Bytes q = g.payload;
        q[i] = v;
        auto r = dhcp::decode(q);
        if (r.message) {
          (void)dhcp::encode(*r.message);
        } else {
          EXPECT_FALSE(r.error.empty());
        }
      }
    }
  }
}

#include "base/proto/packet.h"

#include <cstdio>
#include <string_view>

#include "base/proto/dhcp.h"
#include "base/proto/dhcp_options.h"
#include "base/proto/sip_event.h"

namespace phonelab::proto {
namespace {

using Bytes = std::span<const uint8_t>;

uint16_t rd16(Bytes b, size_t off) {
  return static_cast<uint16_t>(b[off] << 8 | b[off + 1]);
}

std::string macAt(Bytes b, size_t off) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[off], b[off + 1], b[off + 2],
                b[off + 3], b[off + 4], b[off + 5]);
  return buf;
}

std::string ipAt(Bytes b, size_t off) {
  return std::to_string(b[off]) + "." + std::to_string(b[off + 1]) + "." +
         std::to_string(b[off + 2]) + "." + std::to_string(b[off + 3]);
}

std::string ipOf(const dhcp::Ip4& ip) {
  return ipAt(Bytes(ip.data(), ip.size()), 0);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

/// Option data as text a person can read: printable ASCII kept, the rest as \xNN.
std::string printable(std::string_view data) {
  std::string out;
  for (uint8_t c : data) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string ipList(const std::vector<uint8_t>& data) {
  std::string out;
  for (size_t i = 0; i + 4 <= data.size(); i += 4) {
    if (!out.empty()) out += ',';
    out += ipAt(Bytes(data.data(), data.size()), i);
  }
  return out;
}

Event malformed(Event e, std::string reason) {
  e.kind = "capture.malformed";
  e.summary = "malformed frame: " + reason;
  e.fields["reason"] = std::move(reason);
  return e;
}

std::string icmpTypeName(uint8_t type) {
  switch (type) {
    case 0:
      return "echo-reply";
    case 3:
      return "dest-unreachable";
    case 5:
      return "redirect";
    case 8:
      return "echo-request";
    case 11:
      return "time-exceeded";
    case 12:
      return "parameter-problem";
    default:
      return std::to_string(type);
  }
}

/// The TLS application-data records (content type 23) that start in `data`, walking the record
/// headers from its first byte; -1 when it does not start with a TLS record header (RFC 8446 5.1:
/// type 20-23, legacy version 3.x, length at most 2^14 + 256).
int tlsRecordsIn(Bytes data) {
  size_t off = 0;
  int app = 0;
  while (off + 5 <= data.size()) {
    const uint8_t type = data[off];
    const size_t len = (static_cast<size_t>(data[off + 3]) << 8) | data[off + 4];
    if (type < 20 || type > 23 || data[off + 1] != 3 || data[off + 2] > 4 || len > 16640) break;
    if (type == 23) ++app;
    off += 5 + len;
  }
  return off == 0 ? -1 : app;
}

Event decodeDhcp(Event e, Bytes payload) {
  auto r = dhcp::decode(payload);
  if (!r.message) return malformed(std::move(e), "DHCP: " + r.error);
  const dhcp::Message& m = *r.message;
  auto& f = e.fields;
  f["xid"] = hex32(m.xid);
  f["chaddr"] = dhcp::macString(m.chaddr);
  f["ciaddr"] = ipOf(m.ciaddr);
  f["yiaddr"] = ipOf(m.yiaddr);
  f["siaddr"] = ipOf(m.siaddr);
  f["giaddr"] = ipOf(m.giaddr);
  f["flags"] = hex16(m.flags);
  if ((m.flags & 0x8000) != 0) f["broadcast"] = "yes";
  // sname/file come off the wire: hostile bytes stay readable (and valid UTF-8 for the reports).
  if (!m.sname.empty()) f["sname"] = printable(m.sname);
  if (!m.file.empty()) f["file"] = printable(m.file);
  std::string codes;
  for (const auto& o : m.options) codes += (codes.empty() ? "" : ",") + std::to_string(o.code);
  f["options"] = codes;

  auto ipOpt = [&](uint8_t code, const char* name) {
    const dhcp::Option* o = m.option(code);
    if (o && o->data.size() == 4) f[name] = ipAt(Bytes(o->data.data(), 4), 0);
  };
  auto u32Opt = [&](uint8_t code, const char* name) {
    if (auto v = dhcp::u32Of(m.option(code))) f[name] = std::to_string(*v);
  };
  ipOpt(50, "requested_ip");
  ipOpt(54, "server_id");
  ipOpt(1, "subnet_mask");
  u32Opt(51, "lease");
  u32Opt(58, "t1");
  u32Opt(59, "t2");
  u32Opt(58, "renewal_time");
  u32Opt(59, "rebinding_time");
  if (const auto* o = m.option(3)) f["routers"] = ipList(o->data);
  if (const auto* o = m.option(6)) f["dns_servers"] = ipList(o->data);
  auto text = [](const std::vector<uint8_t>& d) {
    return printable(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  };
  if (const auto* o = m.option(15)) f["domain_name"] = text(o->data);
  if (const auto* o = m.option(12)) f["hostname"] = text(o->data);
  if (const auto* o = m.option(56)) f["message"] = text(o->data);
  if (const auto* o = m.option(60)) f["vendor_class"] = text(o->data);
  // Every option's value by the option table (the first instance where a code repeats).
  for (const auto& o : m.options) {
    const std::string key = "opt_" + std::to_string(o.code);
    if (!f.count(key)) f[key] = dhcp::formatOptionValue(dhcp::findOption(o.code), o.data);
  }
  if (const auto* o = m.option(55)) {
    std::string params;
    for (uint8_t c : o->data) params += (params.empty() ? "" : ",") + std::to_string(c);
    f["params"] = params;
  }

  const std::string& chaddr = f["chaddr"];
  auto type = m.type();
  if (const auto* o = m.option(53); o && !type) {
    // Option 53 present but not a DHCP message type: not BOOTP either (which has no 53).
    std::string got = o->data.size() == 1 ? std::to_string(o->data[0])
                                          : std::to_string(o->data.size()) + " bytes long";
    // The reason first: `f` is e's fields, and the argument order is unspecified.
    std::string reason = "DHCP: option 53 (message type) is " + got +
                         ", not a type from 1 to 8 (xid " + f["xid"] + ")";
    return malformed(std::move(e), std::move(reason));
  }
  if (!type) {
    e.kind = m.op == 2 ? "bootp.reply" : "bootp.request";
    e.summary = std::string(m.op == 2 ? "BOOTP reply" : "BOOTP request") + " xid " + f["xid"] +
                (m.op == 2 ? " to " : " from ") + chaddr;
    return e;
  }
  std::string name(dhcp::messageTypeName(*type));
  e.kind = "dhcp." + name;
  std::string upper = "DHCP";
  for (char c : name) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  f["type"] = name;
  std::string s = upper + " xid " + f["xid"];
  auto opt = [&](const char* key) -> std::string {
    auto it = f.find(key);
    return it == f.end() ? std::string() : it->second;
  };
  switch (*type) {
    case dhcp::MessageType::Discover:
    case dhcp::MessageType::Inform:
      s += " from " + chaddr;
      if (!opt("requested_ip").empty()) s += " asks for " + opt("requested_ip");
      if (!opt("params").empty()) s += " requests " + opt("params");
      break;
    case dhcp::MessageType::Request:
      s += " from " + chaddr;
      if (!opt("requested_ip").empty()) {
        s += " for " + opt("requested_ip");
      } else if (f["ciaddr"] != "0.0.0.0") {
        s += " renewing " + f["ciaddr"];
      }
      if (!opt("server_id").empty()) s += " (server " + opt("server_id") + ")";
      break;
    case dhcp::MessageType::Offer:
    case dhcp::MessageType::Ack:
      s += " " + f["yiaddr"] + " to " + chaddr;
      if (!opt("server_id").empty()) s += " from server " + opt("server_id");
      if (!opt("lease").empty()) s += " lease " + opt("lease") + " s";
      break;
    case dhcp::MessageType::Nak:
      s += " to " + chaddr;
      if (!opt("server_id").empty()) s += " from server " + opt("server_id");
      if (!opt("message").empty()) s += ": " + opt("message");
      break;
    case dhcp::MessageType::Decline:
    case dhcp::MessageType::Release:
      s += " from " + chaddr;
      if (!opt("requested_ip").empty()) s += " of " + opt("requested_ip");
      if (f["ciaddr"] != "0.0.0.0") s += " of " + f["ciaddr"];
      break;
  }
  e.summary = s;
  return e;
}

Event decodeIpv4(Event e, Bytes ip) {
  auto& f = e.fields;
  if (ip.size() < 20)
    return malformed(std::move(e),
                     "IPv4 header needs 20 bytes, " + std::to_string(ip.size()) + " captured");
  const int version = ip[0] >> 4;
  const size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
  if (version != 4)
    return malformed(std::move(e), "IPv4 ethertype with IP version " + std::to_string(version));
  if (ihl < 20)
    return malformed(std::move(e), "IPv4 header length " + std::to_string(ihl) + " < 20");
  if (ihl > ip.size())
    return malformed(std::move(e), "IPv4 header length " + std::to_string(ihl) + " exceeds the " +
                                       std::to_string(ip.size()) + " bytes captured");
  const size_t total = rd16(ip, 2);
  if (total < ihl)
    return malformed(std::move(e), "IPv4 total length " + std::to_string(total) +
                                       " is less than its header length " + std::to_string(ihl));
  if (total > ip.size())
    return malformed(std::move(e), "IPv4 total length " + std::to_string(total) + " exceeds the " +
                                       std::to_string(ip.size()) + " bytes captured");
  ip = ip.first(total);  // drop Ethernet padding
  const uint8_t proto = ip[9];
  f["src_ip"] = ipAt(ip, 12);
  f["dst_ip"] = ipAt(ip, 16);
  f["ttl"] = std::to_string(ip[8]);
  f["proto"] = std::to_string(proto);
  uint32_t sum = 0;
  for (size_t i = 0; i < ihl; i += 2) sum += rd16(ip, i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  if (sum != 0xffff) f["bad_checksum"] = "ip";

  const uint16_t frag = rd16(ip, 6);
  const bool more = (frag & 0x2000) != 0;
  const size_t offset = static_cast<size_t>(frag & 0x1fff) * 8;
  const std::string& src = f["src_ip"];
  const std::string& dst = f["dst_ip"];
  if (more || offset != 0) {
    e.kind = "ipv4";
    f["fragment_offset"] = std::to_string(offset);
    f["more_fragments"] = more ? "yes" : "no";
    e.summary = "IPv4 fragment " + src + " -> " + dst + " proto " + std::to_string(proto) +
                " offset " + std::to_string(offset) + (more ? " (more)" : "");
    return e;
  }
  Bytes l4 = ip.subspan(ihl);

  if (proto == 1) {
    if (l4.size() < 8)
      return malformed(std::move(e), "ICMP message of " + std::to_string(l4.size()) +
                                         " bytes is shorter than its 8-byte header");
    const uint8_t type = l4[0];
    const uint8_t code = l4[1];
    f["type"] = std::to_string(type);
    f["code"] = std::to_string(code);
    std::string name = icmpTypeName(type);
    e.kind = "icmp." + name;
    if (type == 0 || type == 8) {
      f["id"] = std::to_string(rd16(l4, 4));
      f["seq"] = std::to_string(rd16(l4, 6));
      e.summary = std::string("ICMP echo ") + (type == 0 ? "reply " : "request ") + src + " -> " +
                  dst + " id " + f["id"] + " seq " + f["seq"];
    } else {
      e.summary = "ICMP " + name + " code " + std::to_string(code) + " " + src + " -> " + dst;
    }
    return e;
  }
  if (proto == 17) {
    if (l4.size() < 8)
      return malformed(std::move(e), "UDP datagram of " + std::to_string(l4.size()) +
                                         " bytes is shorter than its 8-byte header");
    const uint16_t sport = rd16(l4, 0);
    const uint16_t dport = rd16(l4, 2);
    const size_t ulen = rd16(l4, 4);
    f["src_port"] = std::to_string(sport);
    f["dst_port"] = std::to_string(dport);
    if (ulen < 8 || ulen > l4.size())
      return malformed(std::move(e), "UDP length " + std::to_string(ulen) + " does not fit the " +
                                         std::to_string(l4.size()) + " bytes after the IP header");
    Bytes payload = l4.subspan(8, ulen - 8);
    f["payload"] = std::to_string(payload.size());
    if ((sport == 67 || sport == 68) && (dport == 67 || dport == 68)) {
      return decodeDhcp(std::move(e), payload);
    }
    // SIP on any port: what matters is what the phone says, not where (hostile servers and
    // SIP_Port_1_ move it off 5060).
    if (looksLikeSip(payload)) {
      if (auto sip = sipEvent(payload, src, sport, dst, dport)) {
        for (auto& [k, v] : f) sip->fields.emplace(k, v);  // keep the frame's MACs, from, frame
        return *sip;
      }
    }
    e.kind = "udp";
    e.summary = "UDP " + src + ":" + f["src_port"] + " -> " + dst + ":" + f["dst_port"] + " " +
                std::to_string(payload.size()) + " bytes";
    return e;
  }
  if (proto == 6) {
    if (l4.size() < 20)
      return malformed(std::move(e), "TCP segment of " + std::to_string(l4.size()) +
                                         " bytes is shorter than its 20-byte header");
    const size_t doff = static_cast<size_t>(l4[12] >> 4) * 4;
    if (doff < 20 || doff > l4.size())
      return malformed(std::move(e), "TCP data offset " + std::to_string(doff) +
                                         " does not fit the " + std::to_string(l4.size()) +
                                         "-byte segment");
    f["src_port"] = std::to_string(rd16(l4, 0));
    f["dst_port"] = std::to_string(rd16(l4, 2));
    const uint8_t fl = l4[13];
    std::string flags;
    if (fl & 0x02) flags += 'S';
    if (fl & 0x10) flags += 'A';
    if (fl & 0x01) flags += 'F';
    if (fl & 0x04) flags += 'R';
    if (fl & 0x08) flags += 'P';
    if (fl & 0x20) flags += 'U';
    f["flags"] = flags;
    f["payload"] = std::to_string(l4.size() - doff);
    // Cleartext SIP over TCP, on any port, when a segment starts with a SIP start line (a
    // message that spans segments yields its first part: sip.malformed, still SIP on the wire).
    if (Bytes data = l4.subspan(doff); !data.empty() && looksLikeSip(data)) {
      if (auto sip = sipEvent(data, src, rd16(l4, 0), dst, rd16(l4, 2))) {
        for (auto& [k, v] : f) sip->fields.emplace(k, v);
        sip->fields["transport"] = "tcp";
        return *sip;
      }
    }
    e.kind = "tcp";
    // TLS application-data records that start in this segment, when it starts on a record: two
    // messages written back to back may share one segment, and a check that counts messages it
    // cannot decrypt (in-dialog requests down a TLS connection) must count records, not segments.
    if (int records = tlsRecordsIn(l4.subspan(doff)); records >= 0) {
      f["tls_records"] = std::to_string(records);
    }
    e.summary = "TCP " + src + ":" + f["src_port"] + " -> " + dst + ":" + f["dst_port"] + " [" +
                flags + "] " + f["payload"] + " bytes";
    return e;
  }
  e.kind = "ipv4";
  e.summary = "IPv4 " + src + " -> " + dst + " proto " + std::to_string(proto);
  return e;
}

Event decodeArp(Event e, Bytes a) {
  auto& f = e.fields;
  if (a.size() < 8)
    return malformed(std::move(e), "ARP packet of " + std::to_string(a.size()) + " bytes");
  const uint16_t htype = rd16(a, 0), ptype = rd16(a, 2), op = rd16(a, 6);
  const uint8_t hlen = a[4], plen = a[5];
  if (htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4) {
    e.kind = "arp";
    f["op"] = std::to_string(op);
    e.summary = "ARP (htype " + std::to_string(htype) + ", ptype " + hex16(ptype) + ")";
    return e;
  }
  if (a.size() < 28)
    return malformed(std::move(e), "ARP packet of " + std::to_string(a.size()) +
                                       " bytes is shorter than the 28 of Ethernet/IPv4 ARP");
  f["sender_mac"] = macAt(a, 8);
  f["sender_ip"] = ipAt(a, 14);
  f["target_mac"] = macAt(a, 18);
  f["target_ip"] = ipAt(a, 24);
  f["op"] = std::to_string(op);
  const std::string& sip = f["sender_ip"];
  const std::string& tip = f["target_ip"];
  if (op == 1) {
    e.kind = "arp.request";
    if (sip == "0.0.0.0") {
      f["probe"] = "yes";
      e.summary = "ARP probe for " + tip + " from " + f["sender_mac"];
    } else if (sip == tip) {
      f["gratuitous"] = "yes";
      e.summary = "ARP announcement " + sip + " is at " + f["sender_mac"];
    } else {
      e.summary = "ARP who has " + tip + "? tell " + sip + " (" + f["sender_mac"] + ")";
    }
  } else if (op == 2) {
    e.kind = "arp.reply";
    if (sip == tip) f["gratuitous"] = "yes";
    e.summary = "ARP " + sip + " is at " + f["sender_mac"];
  } else {
    e.kind = "arp";
    e.summary = "ARP op " + std::to_string(op) + " " + sip + " -> " + tip;
  }
  return e;
}

}  // namespace

std::optional<Event> decodeFrame(std::span<const uint8_t> frame, const std::string& dut_mac) {
  Event e;
  e.t = -1;
  e.fields["length"] = std::to_string(frame.size());
  if (frame.size() < 14) {
    e.fields["from"] = "other";
    return malformed(std::move(e), "frame of " + std::to_string(frame.size()) +
                                       " bytes is shorter than an Ethernet header (14)");
  }
  const std::string dst = macAt(frame, 0);
  const std::string src = macAt(frame, 6);
  e.fields["dst_mac"] = dst;
  e.fields["src_mac"] = src;
  e.fields["from"] = dut_mac.empty() ? "other" : (src == dut_mac ? "dut" : "lab");
  uint16_t type = rd16(frame, 12);
  size_t off = 14;
  if (type == 0x8100 || type == 0x88a8) {
    if (frame.size() < 18)
      return malformed(std::move(e),
                       "802.1Q tag cut off at " + std::to_string(frame.size()) + " bytes");
    e.fields["vlan"] = std::to_string(rd16(frame, 14) & 0x0fff);
    type = rd16(frame, 16);
    off = 18;
  }
  e.fields["ethertype"] = hex16(type);
  Bytes payload = frame.subspan(off);
  switch (type) {
    case 0x0806:
      return decodeArp(std::move(e), payload);
    case 0x0800:
      return decodeIpv4(std::move(e), payload);
    case 0x86dd:
      e.kind = "ipv6";
      if (payload.size() >= 40) {
        e.fields["next_header"] = std::to_string(payload[6]);
        if (payload[6] == 58 && payload.size() >= 41)
          e.fields["icmp6_type"] = std::to_string(payload[40]);
      }
      e.summary = "IPv6 from " + src;
      return e;
    default:
      e.kind = "ether";
      e.summary = "Ethernet type " + hex16(type) + " " + src + " -> " + dst;
      return e;
  }
}

}  // namespace phonelab::proto

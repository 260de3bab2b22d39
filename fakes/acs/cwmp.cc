#include "fakes/acs/cwmp.h"

#include <cstring>
#include <pugixml.hpp>

#include "base/core/text.h"

namespace phonelab::fakes {
namespace {

constexpr const char* kSoapEnv = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char* kDefaultCwmp = "urn:dslforum-org:cwmp-1-0";

/// "cwmp:Inform" -> "Inform"
const char* localName(const pugi::xml_node& n) {
  const char* name = n.name();
  const char* colon = std::strrchr(name, ':');
  return colon ? colon + 1 : name;
}

std::string prefixOf(const pugi::xml_node& n) {
  std::string name = n.name();
  auto colon = name.find(':');
  return colon == std::string::npos ? "" : name.substr(0, colon);
}

/// The first child element with this local name (any prefix), or an empty node.
pugi::xml_node child(const pugi::xml_node& parent, const char* local) {
  for (auto c : parent.children()) {
    if (c.type() == pugi::node_element && std::strcmp(localName(c), local) == 0) return c;
  }
  return {};
}

/// The first element with this local name anywhere below `root`, or an empty node.
pugi::xml_node find(const pugi::xml_node& root, const char* local) {
  return root.find_node([local](const pugi::xml_node& n) {
    return n.type() == pugi::node_element && std::strcmp(localName(n), local) == 0;
  });
}

std::string text(const pugi::xml_node& n) {
  std::string s = n.child_value();
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

/// The namespace URI bound to the element's prefix, looking up through its ancestors.
std::string namespaceOf(const pugi::xml_node& n) {
  const std::string attr = prefixOf(n).empty() ? "xmlns" : "xmlns:" + prefixOf(n);
  for (auto p = n; p; p = p.parent()) {
    if (auto a = p.attribute(attr.c_str())) return a.value();
  }
  return "";
}

// CWMP text: markup escaped, apostrophes left as they are.
std::string xmlEscape(const std::string& s) {
  return escapeMarkup(s, "'");
}

/// A SOAP envelope around one CWMP response element.
std::string envelope(const std::string& cwmp_ns, const std::string& id, const std::string& body) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<soap-env:Envelope xmlns:soap-env=\"" +
      std::string(kSoapEnv) + "\" xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\"" +
      " xmlns:cwmp=\"" + xmlEscape(cwmp_ns) + "\">\n";
  if (!id.empty())
    out += "  <soap-env:Header>\n    <cwmp:ID soap-env:mustUnderstand=\"1\">" + xmlEscape(id) +
           "</cwmp:ID>\n  </soap-env:Header>\n";
  out += "  <soap-env:Body>\n    " + body + "\n  </soap-env:Body>\n</soap-env:Envelope>\n";
  return out;
}

HttpReply other(EventLog& log, const HttpExchange& x, const std::string& rpc, HttpReply r) {
  log.emit("acs", "acs.request",
           {{"src_ip", x.src_ip},
            {"src_port", std::to_string(x.src_port)},
            {"method", x.method},
            {"target", x.target},
            {"bytes", std::to_string(x.body.size())},
            {"rpc", rpc},
            {"status", std::to_string(r.status)}},
           "CWMP " + x.method + " " + x.target + " from " + x.src_ip + " (" +
               (rpc.empty() ? (x.body.empty() ? "empty" : "no RPC") : rpc) + ") -> " +
               std::to_string(r.status));
  return r;
}

}  // namespace

void emitCwmpMalformed(EventLog& log, const std::string& ip, int port, const std::string& reason) {
  log.emit("acs", "acs.malformed",
           {{"src_ip", ip}, {"src_port", std::to_string(port)}, {"reason", reason}},
           "CWMP malformed from " + ip + ": " + reason);
}

HttpReply answerCwmp(const HttpExchange& x, EventLog& log) {
  if (x.method != "POST") {
    HttpReply r{405, "text/plain", "CWMP takes POST\n", {{"Allow", "POST"}}};
    return other(log, x, "", r);
  }
  if (x.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return other(log, x, "", HttpReply{204, "", "", {}});  // end of session

  pugi::xml_document doc;
  auto parsed = doc.load_buffer(x.body.data(), x.body.size());
  if (!parsed) {
    const std::string reason = std::string("body is not XML: ") + parsed.description() +
                               " at byte " + std::to_string(parsed.offset);
    emitCwmpMalformed(log, x.src_ip, x.src_port, reason);
    return HttpReply{400, "text/plain", reason + "\n", {}};
  }
  auto env = doc.document_element();
  auto body = child(env, "Body");
  if (std::strcmp(localName(env), "Envelope") != 0 || !body) {
    const std::string reason =
        "no SOAP Envelope/Body (root element <" + std::string(env.name()) + ">)";
    emitCwmpMalformed(log, x.src_ip, x.src_port, reason);
    return HttpReply{400, "text/plain", reason + "\n", {}};
  }
  pugi::xml_node rpc;
  for (auto c : body.children()) {
    if (c.type() == pugi::node_element) {
      rpc = c;
      break;
    }
  }
  const std::string rpc_name = rpc ? localName(rpc) : "";
  const std::string id = text(find(child(env, "Header"), "ID"));
  std::string ns = rpc ? namespaceOf(rpc) : "";
  if (ns.rfind("urn:dslforum-org:cwmp-", 0) != 0) ns = kDefaultCwmp;

  if (rpc_name == "TransferComplete") {
    return other(log, x, rpc_name,
                 HttpReply{200,
                           "text/xml; charset=\"utf-8\"",
                           envelope(ns, id, "<cwmp:TransferCompleteResponse/>"),
                           {}});
  }
  if (rpc_name != "Inform") return other(log, x, rpc_name, HttpReply{204, "", "", {}});

  auto device = child(rpc, "DeviceId");
  const std::string manufacturer = text(child(device, "Manufacturer"));
  const std::string oui = text(child(device, "OUI"));
  const std::string product_class = text(child(device, "ProductClass"));
  const std::string serial = text(child(device, "SerialNumber"));
  std::string events;
  for (auto ev : child(rpc, "Event").children()) {
    if (ev.type() != pugi::node_element) continue;
    const std::string code = text(child(ev, "EventCode"));
    if (!code.empty()) events += (events.empty() ? "" : ",") + code;
  }
  if (!device) emitCwmpMalformed(log, x.src_ip, x.src_port, "Inform without DeviceId");
  log.emit("acs", "acs.inform",
           {{"src_ip", x.src_ip},
            {"src_port", std::to_string(x.src_port)},
            {"target", x.target},
            {"cwmp_id", id},
            {"manufacturer", manufacturer},
            {"oui", oui},
            {"product_class", product_class},
            {"serial", serial},
            {"events", events}},
           "CWMP Inform from " + x.src_ip + " (" + manufacturer + " " + product_class + " serial " +
               serial + "): " + (events.empty() ? "no events" : events));
  return HttpReply{
      200,
      "text/xml; charset=\"utf-8\"",
      envelope(ns, id, "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>"),
      {}};
}

}  // namespace phonelab::fakes

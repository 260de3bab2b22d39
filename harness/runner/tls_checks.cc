#include "harness/runner/tls_checks.h"

#include <cstdio>
#include <set>

#include "base/core/match.h"

namespace phonelab {
namespace {

std::string at(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+%.2f s", t);
  return buf;
}

const std::string& fieldOr(const Event& e, const std::string& name) {
  static const std::string empty;
  const std::string* v = e.field(name);
  return v ? *v : empty;
}

CheckResult make(const std::string& name, bool ok, const std::string& message,
                 const std::string& expected, const std::string& observed, double t) {
  CheckResult c;
  c.name = name;
  c.verdict = ok ? Verdict::Pass : Verdict::Fail;
  c.message = message;
  c.t = t;
  c.step = "run-wide";
  c.expected = expected;
  c.observed = observed;
  return c;
}

/// The first event of `kind` whose fields all hold the given values, at or after `since`.
const Event* first(const std::vector<Event>& events, const std::string& kind,
                   const std::vector<std::pair<std::string, std::string>>& eq, double since = 0) {
  for (const auto& e : events) {
    if (e.kind != kind || e.t < since) continue;
    bool all = true;
    for (const auto& [k, v] : eq) {
      if (fieldOr(e, k) != v) {
        all = false;
        break;
      }
    }
    if (all) return &e;
  }
  return nullptr;
}

CheckResult noCleartext(const std::vector<Event>& events, double now) {
  const std::string name = "SIP over TLS: no cleartext SIP on the segment from any host";
  const std::string expected =
      "no SIP over UDP or TCP (any port, any sender) in the capture: with SIP over TLS every SIP "
      "message crosses the wire encrypted";
  std::vector<const Event*> seen;
  std::set<std::string> senders;
  for (const auto& e : events) {
    if (e.source != "capture" || e.kind.rfind("sip.", 0) != 0) continue;
    seen.push_back(&e);
    senders.insert(fieldOr(e, "from") == "dut" ? "the phone " + fieldOr(e, "src_ip")
                                               : fieldOr(e, "src_ip"));
  }
  if (seen.empty()) return make(name, true, "no cleartext SIP captured", expected, "none", now);
  std::string who;
  for (const auto& s : senders) who += (who.empty() ? "" : ", ") + s;
  std::string msg = std::to_string(seen.size()) + " cleartext SIP message" +
                    (seen.size() == 1 ? "" : "s") + " on the wire, sent by " + who + "; first " +
                    seen.front()->describe();
  return make(name, false, msg, expected, seen.front()->describe(), now);
}

}  // namespace

std::vector<CheckResult> sipOverTlsChecks(const EventLog& log, const TlsRunInfo& info) {
  const std::vector<Event> events = log.snapshot();
  const double now = log.now();
  std::vector<CheckResult> out;
  out.push_back(noCleartext(events, now));

  // The calls the test UA placed and the phone answered, in order.
  std::vector<std::string> calls;
  std::set<std::string> placed;
  for (const auto& e : events) {
    if (e.kind == "ua.sent" && fieldOr(e, "method") == "INVITE")
      placed.insert(fieldOr(e, "call_id"));
  }
  for (const auto& e : events) {
    if (e.kind != "ua.received" || fieldOr(e, "cseq_method") != "INVITE") continue;
    const std::string& status = fieldOr(e, "status");
    const std::string& id = fieldOr(e, "call_id");
    if (status.size() == 3 && status[0] == '2' && placed.count(id)) {
      bool known = false;
      for (const auto& c : calls) known = known || c == id;
      if (!known) calls.push_back(id);
    }
  }

  int n = 0;
  for (const auto& id : calls) {
    ++n;
    const std::string call = "call " + std::to_string(n) + " (Call-ID " + id + ")";
    const Event* ack = first(events, "ua.sent", {{"method", "ACK"}, {"call_id", id}});
    const Event* bye = first(events, "ua.sent", {{"method", "BYE"}, {"call_id", id}});
    const Event* bye_ok =
        first(events, "ua.received", {{"status", "200"}, {"cseq_method", "BYE"}, {"call_id", id}});
    // The test UA logs a message after sending it, so a fast relay can put the ACK on the wire
    // before ua.sent's time. Look from the UA's receipt of the 2xx it ACKs instead: it is logged
    // before the ACK is built, and the server writes nothing to the phone in between.
    double acked_from = 0;
    for (const auto& e : events) {
      if (e.kind == "ua.received" && fieldOr(e, "cseq_method") == "INVITE" &&
          fieldOr(e, "call_id") == id && fieldOr(e, "status").rfind('2', 0) == 0) {
        acked_from = e.t;
        break;
      }
    }

    // The ACK.
    {
      const std::string name = "SIP over TLS: " + call + ": the ACK reached the phone";
      bool via_proxy = false;
      for (const auto& e : events) {
        if (e.kind.rfind("tls.sip.", 0) == 0 && fieldOr(e, "call_id") == id) via_proxy = true;
      }
      if (!ack) {
        out.push_back(make(name, false, "the test UA sent no ACK for the phone's 2xx",
                           "an ACK from the test UA, delivered to the phone over TLS",
                           "no ua.sent ACK", now));
      } else if (via_proxy) {
        const std::string expected =
            "the ACK relayed down the phone's TLS connection by the TLS proxy (tls.sip.request "
            "ACK, direction to-phone)";
        const Event* down =
            first(events, "tls.sip.request",
                  {{"method", "ACK"}, {"direction", "to-phone"}, {"call_id", id}}, acked_from);
        if (down) {
          out.push_back(make(name, true,
                             "the TLS proxy relayed the ACK to the phone: " + down->describe(),
                             expected, down->describe(), now));
        } else {
          out.push_back(make(name, false,
                             "the test UA sent the ACK at " + at(ack->t) +
                                 " but the TLS proxy carrying the call relayed no ACK to the "
                                 "phone: the SIP server sent it another way, or not at all",
                             expected, "no tls.sip.request ACK to-phone", now));
        }
      } else {
        // A TLS server whose traffic we cannot decrypt: count its writes to the phone.
        // Kamailio's workers may forward the back-to-back ACK and BYE in either order (the
        // phone can answer the BYE before the ACK reaches it): count up to 1 s past the BYE's
        // answer. Only the server's records to the phone count, and in-dialog there is no other.
        const double until = bye_ok ? bye_ok->t + 1.0 : ack->t + 2.0;
        int records = 0;
        std::string conn;
        const Event* unreachable = nullptr;
        for (const auto& e : events) {
          if (e.t < acked_from || e.t > until) continue;
          if (e.kind == "tcp" && fieldOr(e, "dst_mac") == info.dut_mac &&
              fieldOr(e, "src_ip") == info.sip_ip && fieldOr(e, "payload") != "0" &&
              !fieldOr(e, "payload").empty()) {
            // Records, not segments: the ACK and the BYE written back to back can share one.
            const std::string n = fieldOr(e, "tls_records");
            records += n.empty() ? 1 : std::stoi(n);
            conn = fieldOr(e, "src_ip") + ":" + fieldOr(e, "src_port") + " -> " +
                   fieldOr(e, "dst_ip") + ":" + fieldOr(e, "dst_port");
          }
          if (!unreachable && e.kind == "icmp.dest-unreachable" && fieldOr(e, "from") == "dut")
            unreachable = &e;
        }
        const int wanted = bye ? 2 : 1;
        const std::string expected =
            "after the phone's 2xx reached the test UA (" + at(acked_from) +
            "; the ACK followed), the SIP server (" + info.sip_ip +
            ") writes to the phone's TLS connection " +
            (bye ? "twice (the ACK, then the BYE)" : "once (the ACK)") +
            " and the phone sends no ICMP unreachable; the TLS server's keys cannot be logged, "
            "so the records are counted, not read";
        const std::string observed = std::to_string(records) + " TLS data record" +
                                     (records == 1 ? "" : "s") + " from " + info.sip_ip +
                                     " to the phone by " + at(until) +
                                     (conn.empty() ? "" : " (" + conn + ")") +
                                     (unreachable ? "; " + unreachable->describe() : "");
        const bool ok = records >= wanted && !unreachable;
        out.push_back(make(name, ok,
                           ok ? "the SIP server wrote the ACK" +
                                    std::string(bye ? " and the BYE" : "") +
                                    " down the phone's TLS connection: " + observed
                              : "the ACK did not go down the phone's TLS connection: " + observed,
                           expected, observed, now));
      }
    }

    // The BYE.
    {
      const std::string name = "SIP over TLS: " + call + ": the BYE was answered 200";
      const std::string expected = "a 200 from the phone to the test UA's BYE";
      if (!bye) {
        out.push_back(make(name, false, "the test UA sent no BYE for this call", expected,
                           "no ua.sent BYE", now));
      } else if (bye_ok) {
        out.push_back(make(name, true, "the phone answered the BYE: " + bye_ok->describe(),
                           expected, bye_ok->describe(), now));
      } else {
        const Event* other =
            first(events, "ua.received", {{"cseq_method", "BYE"}, {"call_id", id}}, bye->t);
        out.push_back(make(name, false,
                           "the test UA's BYE (" + at(bye->t) + ") got " +
                               (other ? other->describe() : std::string("no answer")) +
                               ": the call did not end cleanly over TLS",
                           expected, other ? other->describe() : "no response to the BYE", now));
      }
    }
  }
  return out;
}

}  // namespace phonelab

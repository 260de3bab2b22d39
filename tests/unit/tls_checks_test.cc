// The run-wide SIP-over-TLS checks, decided from hand-made event logs: the timing a busy machine
// produces (a relay faster than the test UA's own log line) must not turn a good call into a fail.
#include "harness/runner/tls_checks.h"

#include <gtest/gtest.h>

namespace phonelab {
namespace {

const char* kPhoneMac = "02:00:c6:12:00:0a";
const char* kSip = "198.18.0.10";

void add(EventLog& log, double t, const std::string& source, const std::string& kind,
         std::map<std::string, std::string> fields) {
  Event e;
  e.t = t;
  e.source = source;
  e.kind = kind;
  e.fields = std::move(fields);
  e.summary = kind;
  log.add(std::move(e));
}

void ua(EventLog& log, double t, const std::string& kind, std::map<std::string, std::string> f) {
  f["call_id"] = "c1";
  add(log, t, "ua", kind, std::move(f));
}

// One TLS data record from Kamailio down the phone's connection.
void recordToPhone(EventLog& log, double t) {
  add(log, t, "capture", "tcp",
      {{"src_ip", kSip},
       {"src_port", "5061"},
       {"dst_ip", "198.18.0.100"},
       {"dst_port", "46371"},
       {"dst_mac", kPhoneMac},
       {"payload", "300"},
       {"tls_records", "1"}});
}

// A call through Kamailio: INVITE, the phone's 200, then ACK and BYE, the BYE answered.
void call(EventLog& log, double ack_record_t) {
  ua(log, 1.00, "ua.sent", {{"method", "INVITE"}});
  ua(log, 1.10, "ua.received", {{"status", "200"}, {"cseq_method", "INVITE"}});
  recordToPhone(log, ack_record_t);
  ua(log, 1.12, "ua.sent", {{"method", "ACK"}});
  ua(log, 1.13, "ua.sent", {{"method", "BYE"}});
  recordToPhone(log, 1.14);
  ua(log, 1.15, "ua.received", {{"status", "200"}, {"cseq_method", "BYE"}});
}

const CheckResult* named(const std::vector<CheckResult>& rs, const std::string& part) {
  for (const auto& r : rs)
    if (r.name.find(part) != std::string::npos) return &r;
  return nullptr;
}

TEST(SipOverTlsChecks, AnAckRelayedBeforeTheUaLoggedItStillCounts) {
  EventLog log;
  call(log, 1.115);  // on the wire before the UA's ua.sent ACK (1.12)
  const auto rs = sipOverTlsChecks(log, {kPhoneMac, kSip});
  const CheckResult* ack = named(rs, "the ACK reached the phone");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->verdict, Verdict::Pass) << ack->message;
}

TEST(SipOverTlsChecks, OnlyTheByeDownTheConnectionFails) {
  EventLog log;
  ua(log, 1.00, "ua.sent", {{"method", "INVITE"}});
  ua(log, 1.10, "ua.received", {{"status", "200"}, {"cseq_method", "INVITE"}});
  ua(log, 1.12, "ua.sent", {{"method", "ACK"}});
  ua(log, 1.13, "ua.sent", {{"method", "BYE"}});
  recordToPhone(log, 1.14);
  ua(log, 1.15, "ua.received", {{"status", "200"}, {"cseq_method", "BYE"}});
  const auto rs = sipOverTlsChecks(log, {kPhoneMac, kSip});
  const CheckResult* ack = named(rs, "the ACK reached the phone");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->verdict, Verdict::Fail);
  EXPECT_NE(ack->message.find("1 TLS data record"), std::string::npos) << ack->message;
}

TEST(SipOverTlsChecks, ARecordBeforeThePhonesAnswerIsNotTheAck) {
  EventLog log;
  recordToPhone(log, 1.05);  // the INVITE going down, before the phone's 200
  ua(log, 1.00, "ua.sent", {{"method", "INVITE"}});
  ua(log, 1.10, "ua.received", {{"status", "200"}, {"cseq_method", "INVITE"}});
  ua(log, 1.12, "ua.sent", {{"method", "ACK"}});
  ua(log, 1.13, "ua.sent", {{"method", "BYE"}});
  recordToPhone(log, 1.14);
  ua(log, 1.15, "ua.received", {{"status", "200"}, {"cseq_method", "BYE"}});
  const auto rs = sipOverTlsChecks(log, {kPhoneMac, kSip});
  const CheckResult* ack = named(rs, "the ACK reached the phone");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->verdict, Verdict::Fail) << ack->message;
}

}  // namespace
}  // namespace phonelab

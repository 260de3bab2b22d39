// A RunResults that exercises every field and every verdict, shared by the report_*_test.cc files
// (declared there as `phonelab::RunResults reportSampleResults();`).

#include "base/core/result.h"

namespace phonelab {

RunResults reportSampleResults() {
  RunResults r;
  r.run.started_at = "2026-11-26T15:03:15Z";
  r.run.finished_at = "2026-11-26T15:09:02Z";
  r.run.harness_version = "0.1.0";
  r.run.lab = "emulated";
  r.run.lab_file = "lab/emulated.yaml";
  r.run.command = "phonelab run --lab lab/emulated.yaml scenarios/network/*.yaml";
  r.run.host = "ci-runner-3";
  r.run.dut = {{"model", "CP-8832"}, {"mac", "00:11:22:33:44:55"}, {"firmware", "sip8832.14-2"}};
  r.run.emulator_faults = {"ignore-restricted-access", "no-auth-invite"};
  r.run.complete = true;

  r.catalog = {
      {"HARD-TLS-1", "TLS 1.0 is refused", "hardening", "implied by the TLS section", ""},
      {"NET-1", "Static IP configuration", "documented", "Network settings, static", "n1"},
      {"SIP-3", "Auth INVITE is challenged", "documented", "Auth INVITE <yes/no> & co", ""},
      {"NET-9", "Never ran", "documented", "", "", "#9 later"},
  };
  r.catalog[1].wrong_ways = {{"static-ip-ignored", "keeps running DHCP with a static address set"}};

  ScenarioResult pass;
  pass.id = "net-conn-static";
  pass.title = "Static address";
  pass.file = "scenarios/network/conn-static.yaml";
  pass.requirements = {"NET-1"};
  pass.tags = {"network", "smoke"};
  pass.verdict = Verdict::Pass;
  pass.started_at = "2026-11-26T15:03:16Z";
  pass.duration = 12.345678901234567;
  pass.steps = {{"power", "act", 0.0, 0.5, "ok"},
                {"answers", "expect", 0.5, 11.8, "ok"},
                {"no dhcp", "expect_none", 0.1, 1e-9, "skipped"}};
  pass.checks = {{"phone answers on its static address",
                  Verdict::Pass,
                  "ping reply after 3.2 s",
                  3.7,
                  "answers",
                  {{"expected", "reply"}, {"observed", "reply"}}}};
  pass.evidence = {{"capture", "net-conn-static/capture.pcap"},
                   {"events", "net-conn-static/events.jsonl"}};
  r.scenarios.push_back(pass);

  ScenarioResult fail;
  fail.id = "sip-auth-invite";
  fail.title = "Auth INVITE <challenge> & \"quotes\"";
  fail.file = "scenarios/sip/auth-invite.yaml";
  fail.requirements = {"SIP-3", "NET-1"};
  fail.tags = {"sip"};
  fail.verdict = Verdict::Fail;
  fail.started_at = "2026-11-26T15:04:00Z";
  fail.duration = 0.1;
  fail.steps = {{"call", "act", 0, 0.05, "ok"}, {"challenged", "expect", 0.05, 0.05, "timeout"}};
  fail.checks = {
      {"INVITE is challenged",
       Verdict::Fail,
       "expected 401 or 407, got 200 <OK> & \"ctl\x01\" byte",
       0.1,
       "challenged",
       {},
       "status = 401 [device profile x.yaml: expect.auth_invite_challenge = 401]",
       "sip.response at 0.090 s: status was '200' (wanted status = 401)"},
      {"second failing check",
       Verdict::Fail,
       "line one\nline two",
       0.1,
       "challenged",
       {{"unlisted", "drop|403"}}},
      {"setup", Verdict::Pass, "", 0, "", {}},
  };
  fail.evidence = {{"capture", "sip-auth-invite/capture.pcap"}, {"log:kamailio", "sip/k a.log"}};
  fail.boot = {{"number", "2"}, {"fresh", "no"}, {"since", "net-conn-static"}};
  r.scenarios.push_back(fail);

  ScenarioResult err;
  err.id = "sip-register";
  err.title = "Registers";
  err.file = "scenarios/sip/register.yaml";
  err.requirements = {"SIP-3"};
  err.tags = {"sip"};
  err.verdict = Verdict::Error;
  err.started_at = "2026-11-26T15:05:00Z";
  err.duration = 2;
  err.error = "kamailio exited with status 255";
  r.scenarios.push_back(err);

  ScenarioResult inc;
  inc.id = "tls-10-refused";  // ids follow the loader's rule: results.json is checked
  inc.title = "TLS 1.0 refused";
  inc.file = "scenarios/tls/v10.yaml";
  inc.requirements = {"HARD-TLS-1"};
  inc.verdict = Verdict::Inconclusive;
  inc.started_at = "2026-11-26T15:06:00Z";
  inc.duration = 60;
  inc.checks = {
      {"phone got an address", Verdict::Inconclusive, "no DHCPDISCOVER in 60 s", 60, "", {}}};
  r.scenarios.push_back(inc);

  ScenarioResult na;
  na.id = "audio-wideband";
  na.title = "Wideband audio";
  na.file = "scenarios/audio/wideband.yaml";
  na.tags = {"audio"};
  na.verdict = Verdict::NotApplicable;
  na.started_at = "2026-11-26T15:07:00Z";
  na.duration = 0;
  na.checks = {{"device has G.722", Verdict::NotApplicable, "profile lacks g722", 0, "", {}}};
  r.scenarios.push_back(na);
  return r;
}

}  // namespace phonelab

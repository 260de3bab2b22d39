// phonelab: run conformance and security scenarios against a phone and write compliance reports.
// This file reads the command line and dispatches; the commands live in run_commands.cc,
// report_commands.cc and check_commands.cc (harness/cli/cli.h).

#include <signal.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <tuple>

#include "base/core/console.h"
#include "base/lab/watchdog.h"
#include "harness/cli/cli.h"

using namespace phonelab;
using namespace phonelab::cli;

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  // Phone bytes (failure messages, what a hostile phone sent) must not drive the terminal.
  installTerminalFilter();
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"phonelab: conformance and security tests for IP conference phones"};
  app.set_version_flag("--version", std::string("phonelab ") + PHONELAB_VERSION);
  app.require_subcommand(1);

  // A default (not given) lab file, catalog or scenario folder is taken from the working
  // directory when it is there, else from the installed data (<prefix>/share/phonelab); a path
  // given on the command line means what it says, relative to the working directory.
  Common common;
  std::vector<CLI::Option*> lab_options, catalog_options;
  auto add_common = [&](CLI::App* sub) {
    lab_options.push_back(
        sub->add_option("--lab", common.lab, "lab file (default: here, else the installed one)")
            ->capture_default_str());
    catalog_options.push_back(
        sub->add_option("--catalog", common.requirements,
                        "requirement catalog (default: here, else the installed one)")
            ->capture_default_str());
    sub->add_option("paths", common.paths,
                    "scenario files or folders (default: scenarios here, else the installed ones)");
  };

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "run scenarios against the DUT and write a report");
  add_common(run);
  run->add_option("--report", run_args.report_dir, "report folder")->capture_default_str();
  run->add_option("--emulator-fault", run_args.faults,
                  "start the emulator with this fault (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--jobs,-j", run_args.jobs,
                  "scenarios run side by side, each in a lane of its own (emulated DUT)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_option("--shard", run_args.shard,
                  "run only slice K of N of the suite (K/N), e.g. one CI job of N");
  run->add_flag("--fresh-boot-each", run_args.fresh_boot_each,
                "boot the phone for every scenario (a bench phone is otherwise kept running "
                "between the scenarios that need only a running phone in the same configuration)");

  SelftestArgs selftest_args;
  auto* selftest = app.add_subcommand(
      "selftest",
      "prove the suite catches every emulator fault (a table: fault, caught or missed)");
  add_common(selftest);
  selftest->add_option("--report", selftest_args.report_dir, "folder for the table and the runs")
      ->capture_default_str();
  selftest->add_option("--jobs,-j", selftest_args.jobs, "lanes in use at once")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  selftest->add_option("--fault", selftest_args.only, "only this fault (repeatable)")
      ->allow_extra_args(false);
  selftest->add_flag("--exhaustive", selftest_args.exhaustive,
                     "run every scenario of the requirements a fault breaks, then the rest of "
                     "its area, also once a scenario of each requirement it breaks has caught it");

  std::string merge_dir = "out/merged";
  std::vector<std::string> merge_inputs;
  auto* merge = app.add_subcommand("merge", "combine several reports into one");
  merge->add_option("--report", merge_dir, "report folder to write")->capture_default_str();
  merge->add_option("dirs", merge_inputs, "report folders (each with results.json)")->required();
  std::string compare_dir = "out/compare";
  std::vector<std::string> compare_inputs;
  auto* compare = app.add_subcommand(
      "compare",
      "runs side by side (firmware, models, benches): what regressed, was fixed, is new or no "
      "longer run, the first run against the last; exit 1 if the last regressed");
  compare->add_option("--out", compare_dir, "folder for compare.html and compare.txt")
      ->capture_default_str();
  compare->footer(
      "regressed: pass in the first run, fail, error or inconclusive in the last; fixed: the "
      "reverse; new / no longer run: not run in the first / the last. Runs with different "
      "catalogs or scenarios are compared on what they share. Exit 0: nothing regressed, 1: "
      "something regressed, 2: bad input.");
  compare->add_option("dirs", compare_inputs, "two or more report folders, the baseline first")
      ->required();
  run->add_option("--max-events", run_args.max_events,
                  "per scenario: events kept (more: inconclusive; 0: no limit)")
      ->capture_default_str();
  run->add_option("--max-pcap-bytes", run_args.max_pcap_bytes,
                  "per scenario: size of capture.pcap (more: inconclusive; 0: no limit)")
      ->capture_default_str();
  run->add_flag("--pdf", run_args.pdf, "also print the report to report.pdf (headless Chromium)");
  bool pdf = false;

  auto* validate = app.add_subcommand(
      "validate", "check scenarios, catalog and lab file; exit 2 on any problem");
  add_common(validate);

  std::string preflight_listen = "3s";
  auto* preflight = app.add_subcommand(
      "preflight",
      "check a bench NIC (segment: interface) for other DHCP servers and hosts; exit 1 if any");
  lab_options.push_back(preflight->add_option("--lab", common.lab, "lab file")->required());
  preflight->add_option("--listen", preflight_listen, "how long to listen")->capture_default_str();

  bool list_requirements = false;
  bool list_events = false;
  auto* list =
      app.add_subcommand("list", "list scenarios, the requirement catalog, or the event kinds");
  add_common(list);
  list->add_flag("--requirements", list_requirements,
                 "list requirements and the scenarios testing them");
  list->add_flag("--events", list_events,
                 "the event catalogue: every event kind, its source and fields (Markdown)");

  std::string rerender_dir;
  auto* report =
      app.add_subcommand("report", "re-render index.html and junit.xml from results.json");
  report->add_option("dir", rerender_dir, "report folder")->required();
  report->add_flag("--pdf", pdf, "also print the report to report.pdf (headless Chromium)");
  std::string share_dir;
  report->add_option("--share", share_dir,
                     "instead, write a copy safe to publish to this folder: secret files left "
                     "out, passwords and digest responses masked (also in the captures)");

  auto* cleanup = app.add_subcommand(
      "cleanup", "remove what dead runs left: their processes, phl-* namespaces, run folders");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  auto given = [](const std::vector<CLI::Option*>& options) {
    return std::any_of(options.begin(), options.end(),
                       [](const CLI::Option* o) { return o->count() > 0; });
  };
  if (!given(lab_options)) common.lab = defaultPath(common.lab);
  if (!given(catalog_options)) common.requirements = defaultPath(common.requirements);
  // An empty report folder is a usage error, not a harness failure at the end of a run.
  const std::tuple<CLI::App*, const std::string*, const char*> report_dirs[] = {
      {run, &run_args.report_dir, "--report (or the report folder)"},
      {selftest, &selftest_args.report_dir, "--report (or the report folder)"},
      {merge, &merge_dir, "--report (or the report folder)"},
      {compare, &compare_dir, "--out"},
      {report, &rerender_dir, "--report (or the report folder)"}};
  for (const auto& [sub, dir, what] : report_dirs) {
    if (*sub && dir->empty()) {
      std::cerr << "phonelab: " << sub->get_name() << ": " << what << " is empty\n";
      return kExitUsage;
    }
  }
  // Still one thread: the watchdog that cleans up after this process if it dies is forked here.
  if (*run || *selftest || *preflight) lab::startWatchdog();
  try {
    if (*cleanup) return cmdCleanup();
    if (*run) return cmdRun(common, run_args, command_line);
    if (*merge) return cmdMerge(merge_dir, merge_inputs);
    if (*compare) return cmdCompare(compare_dir, compare_inputs);
    if (*selftest) return cmdSelftest(common, selftest_args, command_line);
    if (*validate) return cmdValidate(common);
    if (*preflight) return cmdPreflight(common, preflight_listen);
    if (*list) return cmdList(common, list_requirements, list_events);
    if (*report) return cmdReport(rerender_dir, pdf, share_dir);
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return 3;
  }
  return kExitUsage;
}

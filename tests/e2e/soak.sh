#!/usr/bin/env bash
# 20 runs in a row against the emulator, the 10th killed with SIGKILL in the middle of a scenario
# (its watchdog must take down what it left), then: no namespace, veth or process of ours may be
# left. Usage: soak.sh BIN_DIR SOURCE_DIR [RUNS]
set -uo pipefail
bin=$1 src=$2 runs=${3:-20}
out=$bin/../e2e-out/soak
rm -rf "$out"; mkdir -p "$out"
cd "$src"
fail() { echo "soak: FAIL: $*"; exit 1; }

# Only namespaces of the runs this script started count (their names carry the run's pid): other
# phonelab runs on the same machine are not ours to judge.
pids=""
ours_ns() {
  [ -n "$pids" ] || return 0
  ip netns list | awk '{print $1}' | grep -E "^phl-(${pids})x[0-9a-f]{4}-" || true
}
ours_procs() { pgrep -f "state-dir $out/" || true; pgrep -f "kea-dhcp4 -c $out/" || true; }


for i in $(seq 1 "$runs"); do
  report=$out/run-$i
  if [ "$i" -eq 10 ]; then
    CI=true "$bin/phonelab" run --report "$report" scenarios/network/web-config.yaml \
      >"$out/run-$i.log" 2>&1 &
    pid=$!
    pids="${pids:+$pids|}$pid"
    # Kill it once the emulator is powered on, i.e. in the middle of the scenario.
    deadline=$((SECONDS + 60))
    until grep -qs '"kind":"dut.power"' "$report/web-config/events.jsonl"; do
      [ $SECONDS -lt $deadline ] || { kill -9 $pid; fail "run $i never powered the DUT on"; }
      kill -0 $pid 2>/dev/null || fail "run $i ended before it could be killed"
      sleep 0.1  # poll interval; the loop itself has a deadline
    done
    kill -9 $pid
    wait $pid 2>/dev/null
    echo "soak: run $i killed with SIGKILL mid-scenario"
    # The run's watchdog takes down its processes and namespaces once the harness is gone.
    deadline=$((SECONDS + 30))
    until [ -z "$(ours_ns)" ] && [ -z "$(ours_procs)" ]; do
      [ $SECONDS -lt $deadline ] || fail "30 s after the SIGKILL the watchdog had not removed: $(ours_ns | tr '\n' ' ') $(ours_procs | tr '\n' ' ')"
      sleep 0.2  # poll interval; the loop itself has a deadline
    done
    echo "soak: the killed run's watchdog removed its namespaces and processes"
    continue
  fi
  CI=true "$bin/phonelab" run --report "$report" scenarios/network/web-config.yaml >"$out/run-$i.log" 2>&1 &
  pid=$!
  pids="${pids:+$pids|}$pid"
  wait $pid
  code=$?
  [ $code -eq 0 ] || { cat "$out/run-$i.log"; fail "run $i exited $code"; }
  [ -z "$(ours_ns)" ] || fail "after run $i namespaces are left: $(ours_ns)"
  [ -z "$(ours_procs)" ] || fail "after run $i processes are left: $(ours_procs)"
  echo "soak: run $i ok"
done
veths=$(ip -o link show type veth 2>/dev/null | grep -c -E 'lab0|eth0@' || true)
[ "$veths" -eq 0 ] || fail "veth interfaces left in the host namespace"
echo "soak: $runs runs, no leftover namespace, veth or process"
echo "1 passed, 0 failed"

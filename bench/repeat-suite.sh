#!/usr/bin/env bash
# Flakiness check: the whole suite N times in a row against the conformant emulator (default 50,
# --jobs 4). Prints, per run, the verdict counts, and at the end every scenario that did not pass
# every time, with how often. Exit 0 when every verdict of every run was pass (or not-applicable).
#   bench/repeat-suite.sh [RUNS] [JOBS]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50} jobs=${2:-4}
bin=build/bin/phonelab
command -v jq >/dev/null || { echo "repeat-suite: needs jq" >&2; exit 2; }
out=out/repeat
rm -rf "$out"; mkdir -p "$out"
: >"$out/verdicts.tsv"
start=$SECONDS
for i in $(seq 1 "$runs"); do
  CI=true "$bin" run --jobs "$jobs" --report "$out/run-$i" >"$out/run-$i.log" 2>&1
  code=$?
  jq -r --arg run "$i" '.scenarios[] | [$run, .id, .verdict] | @tsv' "$out/run-$i/results.json" >>"$out/verdicts.tsv"
  echo "run $i: exit $code, $(jq -r '[.scenarios[].verdict] | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$out/run-$i/results.json")"
  # Keep the evidence of runs that did not pass; drop the rest (a run's captures are tens of MB).
  [ $code -eq 0 ] && rm -rf "$out/run-$i"
done
echo
echo "$runs runs of $(cut -f2 "$out/verdicts.tsv" | sort -u | wc -l) scenarios in $((SECONDS - start)) s (--jobs $jobs)"
flaky=$(awk -F'\t' '$3 != "pass" && $3 != "not-applicable" {n[$2 "\t" $3]++} END {for (k in n) print n[k] "\t" k}' "$out/verdicts.tsv" | sort -rn)
if [ -z "$flaky" ]; then
  echo "no flaky verdict: every scenario passed in every run"
  exit 0
fi
echo "scenarios that did not always pass (times, scenario, verdict):"
echo "$flaky"
exit 1

#!/usr/bin/env bash
# Benchmarks of the harness (figures, not assertions). Run as root after a Release build:
#   bench/suite-bench.sh [JOBS...]        (default: 1 2 4 8)
# Prints: the suite's wall time per --jobs value; per scenario, the setup overhead (segment, capture,
# fakes, Kea, Kamailio, emulator boot to its DHCP lease and status page = the start of the first
# step) against the time its steps take (the protocol waits it must sit out); the SIP robustness
# campaign's cases per second.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/phonelab
[ -x "$bin" ] || { echo "bench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench: needs jq (lab/install-deps.sh installs it)" >&2; exit 2; }
jobs=("$@"); [ ${#jobs[@]} -gt 0 ] || jobs=(1 2 4 8)
out=out/bench
rm -rf "$out"; mkdir -p "$out"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "suite: $($bin list | wc -l) scenarios"
echo
printf '%-8s %10s %8s\n' "--jobs" "wall (s)" "verdicts"
for j in "${jobs[@]}"; do
  start=$(date +%s.%N)
  CI=true "$bin" run --jobs "$j" --report "$out/jobs-$j" >"$out/jobs-$j.log" 2>&1 || true
  end=$(date +%s.%N)
  verdicts=$(jq -r '[.scenarios[].verdict] | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$out/jobs-$j/results.json")
  printf '%-8s %10.1f %s\n' "$j" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$verdicts"
done

first=$out/jobs-${jobs[0]}
echo
echo "per scenario (from --jobs ${jobs[0]}): setup = until the first step starts; steps = the rest"
printf '%-40s %8s %8s %8s\n' scenario "setup" "steps" "total"
jq -r '.scenarios[] | [.id, (.steps[0].started // 0), (.duration - (.steps[0].started // 0)), .duration] | @tsv' \
  "$first/results.json" | while IFS=$'\t' read -r id setup steps total; do
  printf '%-40s %8.2f %8.2f %8.2f\n' "$id" "$setup" "$steps" "$total"
done
jq -r '[.scenarios[] | (.steps[0].started // 0)] as $s | [.scenarios[] | .duration] as $d |
  "sum: setup \($s | add | . * 10 | round / 10) s, total \($d | add | . * 10 | round / 10) s"' "$first/results.json"

fuzz=$first/sec-sip-robust/events.jsonl
if [ -f "$fuzz" ]; then
  echo
  jq -r 'select(.kind == "harness.sip-fuzz-start" or .kind == "harness.sip-fuzz") | [.kind, .t, (.fields.sent // .fields.cases)] | @tsv' "$fuzz" |
    awk -F'\t' '$1 == "harness.sip-fuzz-start" {t0 = $2} $1 == "harness.sip-fuzz" {printf "SIP robustness: %d cases (each with a probe) in %.1f s: %.0f cases/s\n", $3, $2 - t0, $3 / ($2 - t0)}'
fi

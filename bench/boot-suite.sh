#!/usr/bin/env bash
# The whole suite against the emulator booting as slowly as a phone on a bench (figures, not
# assertions): every power-on and every restart takes BOOT. Run as root after a Release build:
#   bench/boot-suite.sh [BOOT] [JOBS]        (default: 30s 4)
# Writes a lab file like lab/emulated.yaml with dut.emulator.boot_delay = BOOT and
# dut.boot_timeout = BOOT + 30 s (out/bench-boot/lab.yaml), runs the suite with it and prints the
# wall time, the verdicts, and per scenario its verdict, its duration and its failed checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/phonelab
[ -x "$bin" ] || { echo "bench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench: needs jq (lab/install-deps.sh installs it)" >&2; exit 2; }
boot=${1:-30s}
jobs=${2:-4}
case "$boot" in
  *ms) seconds=$(awk -v v="${boot%ms}" 'BEGIN {print v / 1000}') ;;
  *s) seconds=${boot%s} ;;
  *) seconds=$boot ;;
esac
awk -v v="$seconds" 'BEGIN {exit !(v + 0 > 0)}' || { echo "bench: bad boot time '$boot' (e.g. 30s)" >&2; exit 2; }
timeout=$(awk -v v="$seconds" 'BEGIN {print v + 30}')
out=out/bench-boot
rm -rf "$out"; mkdir -p "$out"

# lab/emulated.yaml with the boot time and a boot timeout to match; the device profile by its
# absolute path (the lab file is elsewhere now).
sed -e "s|^\(  *boot_delay:\).*|\1 ${seconds}s|" \
    -e "s|^\(  *boot_timeout:\).*|\1 ${timeout}s|" \
    -e "s|^\(  *profile:\) *\(.*\)|\1 $PWD/lab/\2|" \
    -e "s|^\(  *name:\) emulated|\1 emulated-boot-${seconds}s|" \
    lab/emulated.yaml >"$out/lab.yaml"
grep -q "boot_delay: ${seconds}s" "$out/lab.yaml" && grep -q "boot_timeout: ${timeout}s" "$out/lab.yaml" ||
  { echo "bench: could not set the boot time in a copy of lab/emulated.yaml" >&2; exit 2; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "suite: $($bin list | wc -l) scenarios; the emulator boots in ${seconds} s (boot_timeout ${timeout} s); --jobs $jobs"
start=$(date +%s.%N)
rc=0
CI=true "$bin" run --lab "$out/lab.yaml" --jobs "$jobs" --report "$out/report" >"$out/run.log" 2>&1 || rc=$?
end=$(date +%s.%N)
echo "wall: $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s, phonelab exit $rc"
echo "verdicts: $(jq -r '[.scenarios[].verdict] | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$out/report/results.json")"
echo
printf '%-40s %-13s %9s\n' scenario verdict "time (s)"
jq -r '.scenarios[] | [.id, .verdict, .duration] | @tsv' "$out/report/results.json" |
  while IFS=$'\t' read -r id verdict duration; do
    printf '%-40s %-13s %9.1f\n' "$id" "$verdict" "$duration"
  done
jq -r '.scenarios[] | select(.verdict != "pass") | .id as $id | .checks[] | select(.verdict != "pass") |
  "  \($id): \(.verdict): \(.name): \(.message)"' "$out/report/results.json"

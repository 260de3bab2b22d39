#!/usr/bin/env bash
# A bench run's time (figures, not assertions): the whole suite through the physical driver
# against a phone on a veth "bench" that boots as slowly as a real one, planned (the scenarios that
# need only a running phone share a boot) and with --fresh-boot-each, side by side, each with a
# wire, a phone and a subnet of its own. Run as root after a Release build:
#   bench/bench-time.sh [BOOT] [RESTART] [PATHS...]   (seconds; default: 60 60, the whole suite)
# The phone is phone-emulator in a namespace of the script's, started with --boot-delay BOOT and
# --restart-delay RESTART (phonelab never starts it: power: web restarts it through its web UI).
# A third run, planned, against a phone that boots in 0.3 s measures the protocol waits (its wall
# time less its boots and its link bounces' 3 s down). Prints per run: boots (fresh boots the
# harness gave), bounces (network starts by a link bounce instead: lab NIC down and up),
# restarts (the scenarios' own: a setting that needs one, /admin/reboot, the DHCP reset), wall
# time, and the floor: the boots the plan cannot avoid x BOOT + the restarts x RESTART + the
# protocol waits (a bounce's down time is the planned run's own overhead, not in the floor).
# Everything it made (namespaces, links, phones) is removed when it ends, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
bin=$src/build/bin
[ -x "$bin/phonelab" ] || { echo "bench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench: needs jq (lab/install-deps.sh installs it)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 2; }
boot=${1:-60}
restart=${2:-$boot}
shift $(($# < 2 ? $# : 2))
paths=("$@")
for v in "$boot" "$restart"; do
  awk -v v="$v" 'BEGIN {exit !(v + 0 > 0)}' || { echo "bench: bad time '$v' (seconds, e.g. 60)" >&2; exit 2; }
done
out=$src/out/bench-time
rm -rf "$out"; mkdir -p "$out"
tag=$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for run in planned fresh fast; do
    ip link del "phb${run:0:2}$tag" 2>/dev/null || true
    ip netns del "phl-bt$tag-$run-phone" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The phone's factory certificate (a manufacturer CA of the script's own, which the lab knows
# nothing of): the phone presents it when a TLS server asks for one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Bench Manufacturing CA" \
  -keyout "$out/factory-ca.key" -out "$out/factory-ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=CP-8832-3PCC-FCH2300BNCH" \
  -keyout "$out/device.key" -out "$out/device.csr" 2>/dev/null
openssl x509 -req -in "$out/device.csr" -CA "$out/factory-ca.crt" -CAkey "$out/factory-ca.key" -CAcreateserial \
  -days 30 -out "$out/device.crt" 2>/dev/null

# One wire, phone and lab file per run: run name, subnet, the phone's boot and restart delays.
start_bench() {
  local run=$1 subnet=$2 b=$3 r=$4
  local ns=phl-bt$tag-$run-phone nic=phb${run:0:2}$tag phone=php${run:0:2}$tag dir=$out/$run
  mkdir -p "$dir"
  ip netns add "$ns"
  ip link add "$nic" type veth peer name "$phone"
  ip link set "$phone" netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$phone" up
  ip netns exec "$ns" "$bin/phone-emulator" --iface "$phone" --mac 02:00:c6:12:f5:0a \
    --state-dir "$dir/phone" --model CP-8832-3PCC --serial FCH2300BNCH \
    --device-cert "$out/device.crt" --device-key "$out/device.key" \
    --boot-delay "$b" --restart-delay "$r" >"$dir/phone-emulator.log" 2>&1 &
  pids+=($!)
  cat >"$dir/lab.yaml" <<EOF
lab:
  name: bench-time-$run
  segment: interface
  interface: $nic
  subnet: $subnet
  isolated: true
dut:
  driver: physical
  profile: $src/lab/devices/cisco-8832-mpp.yaml
  model: CP-8832-3PCC
  mac: "02:00:c6:12:f5:0a"
  admin: {user: admin, password: ""}
  power: web
  audio_loopback: cable
  boot_timeout: $(awk -v v="$b" -v w="$r" 'BEGIN {m = v > w ? v : w; print m + 60}')s
EOF
}

start_bench planned 198.18.226.0/24 "$boot" "$restart"
start_bench fresh 198.18.227.0/24 "$boot" "$restart"
start_bench fast 198.18.228.0/24 0.3 0.3

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "suite: $("$bin/phonelab" list "${paths[@]}" | wc -l) scenarios; the phone boots in ${boot} s, restarts in ${restart} s (power: web)"
run_one() {
  local run=$1; shift
  local s e rc=0
  s=$(date +%s.%N)
  CI=true "$bin/phonelab" run --lab "$out/$run/lab.yaml" --report "$out/$run/report" "$@" "${paths[@]}" \
    >"$out/$run/run.log" 2>&1 || rc=$?
  e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.1f\n", b - a}' >"$out/$run/wall"
  echo "$rc" >"$out/$run/rc"
}
run_one planned &
pids+=($!)
run_one fresh --fresh-boot-each &
pids+=($!)
run_one fast &
pids+=($!)
# The three phonelab runs: the last three PIDs.
for p in "${pids[@]: -3}"; do wait "$p" || true; done

# Per run: fresh boots the harness gave, the scenarios' own restarts (the phone's boots less its
# first and less the restarts the harness asked for through the web UI), wall time, verdicts.
figures() {
  local run=$1 dir=$out/$1
  local boots bounces reboots firmware restarts
  boots=$(jq '[.scenarios[] | select(.boot.fresh == "yes")] | length' "$dir/report/results.json")
  bounces=$(jq '[.scenarios[] | select(.boot.link == "bounced")] | length' "$dir/report/results.json")
  reboots=$(cat "$dir"/report/*/events.jsonl | grep -c '"power: web: reboot requested' || true)
  firmware=$(grep -c 'phone-emulator: boot [0-9]*:' "$dir/phone-emulator.log" || true)
  restarts=$((firmware - 1 - reboots))
  [ "$restarts" -ge 0 ] || restarts=0
  echo "$boots $bounces $restarts $(cat "$dir/wall") $(cat "$dir/rc")"
}
read -r pb pn pr pw prc <<<"$(figures planned)"
read -r fb fn fr fw frc <<<"$(figures fresh)"
read -r qb qn qr qw qrc <<<"$(figures fast)"
# The protocol waits: the 0.3 s phone's run less its boots and restarts and its bounces' 3 s down.
waits=$(awk -v w="$qw" -v b="$qb" -v r="$qr" -v n="$qn" 'BEGIN {printf "%.1f", w - (b + r) * 0.3 - n * 3}')
# The floor: the boots the plan cannot avoid (the planned run's, on a phone that passes) and the
# scenarios' own restarts, at the bench's boot and restart times, plus the protocol waits.
floor=$(awk -v b="$pb" -v r="$pr" -v bt="$boot" -v rt="$restart" -v w="$waits" 'BEGIN {printf "%.1f", b * bt + r * rt + w}')
echo
printf '%-26s %6s %8s %9s %10s %10s %8s  %s\n' run boots bounces restarts "wall (s)" "floor (s)" "x floor" verdicts
for run in planned fresh fast; do
  case $run in
    planned) b=$pb n=$pn r=$pr w=$pw rc=$prc f=$floor ;;
    fresh) b=$fb n=$fn r=$fr w=$fw rc=$frc f=$floor ;;
    fast) b=$qb n=$qn r=$qr w=$qw rc=$qrc f=$(awk -v b="$qb" -v r="$qr" -v w="$waits" 'BEGIN {printf "%.1f", (b + r) * 0.3 + w}') ;;
  esac
  v=$(jq -r '[.scenarios[].verdict] | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$out/$run/report/results.json")
  label=$run
  [ "$run" = fresh ] && label="fresh (--fresh-boot-each)"
  [ "$run" = fast ] && label="planned, 0.3 s boot"
  printf '%-26s %6s %8s %9s %10s %10s %8s  %s (exit %s)\n' "$label" "$b" "$n" "$r" "$w" "$f" \
    "$(awk -v w="$w" -v f="$f" 'BEGIN {printf "%.2f", w / f}')" "$v" "$rc"
done
echo
echo "protocol waits: ${waits} s (the 0.3 s run less its boots, restarts and bounces' down time)"
echo "verdicts that differ between planned and fresh:"
join -t $'\t' <(jq -r '.scenarios[] | [.id, .verdict] | @tsv' "$out/planned/report/results.json" | sort) \
  <(jq -r '.scenarios[] | [.id, .verdict] | @tsv' "$out/fresh/report/results.json" | sort) |
  awk -F'\t' '$2 != $3 {print "  " $1 ": planned " $2 ", fresh " $3; n++} END {if (!n) print "  none"}'
echo "reports: $out/{planned,fresh,fast}/report"

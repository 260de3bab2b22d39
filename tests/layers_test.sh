#!/usr/bin/env bash
# The layer rule (cmake/check-layers.sh): the source tree passes it, and an include planted uphill
# in a copy of it (the base reaching into the runner, a fake into the harness, the emulator into a
# fake) fails it, naming the file, the line and the rule. Usage: tests/layers_test.sh SOURCE_DIR
set -euo pipefail
src=$1
"$src/cmake/check-layers.sh" "$src"
scratch=$(mktemp -d /tmp/phonelab-layers-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cp -r "$src/cmake" "$src/base" "$src/fakes" "$src/reports" "$src/emulator" "$src/harness" "$scratch/"
fail=0
plant() {  # plant FILE INCLUDE EXPECTED_TEXT
  cp "$src/$1" "$scratch/$1"
  echo "#include \"$2\"" >>"$scratch/$1"
  if out=$("$scratch/cmake/check-layers.sh" "$scratch" 2>&1); then
    echo "FAIL: an include of $2 in $1 passed the layer check"
    fail=1
  elif ! grep -qF "$3" <<<"$out"; then
    echo "FAIL: the layer check did not say '$3': $out"
    fail=1
  fi
  cp "$src/$1" "$scratch/$1"
}
plant base/core/text.h harness/runner/runner.h 'base/core/text.h:'
plant base/lab/process.h fakes/sip/ua.h 'base/lab/ may include only base/'
plant fakes/dns/dns.h harness/dut/dut.h 'fakes/ may include only base/ and fakes/'
plant emulator/phone.h fakes/dns/dns.h 'emulator/ may include only base/ and emulator/'
plant reports/report.h harness/scenario/loader.h 'reports/ may include only base/ and reports/'
[ $fail -eq 0 ] && echo "layers: the tree passes; 5 uphill includes planted, 5 refused"
exit $fail

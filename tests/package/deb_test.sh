#!/usr/bin/env bash
# The Debian package as a lab PC gets it: built with cpack from this (Release) build, unpacked
# into a scratch root with dpkg-deb -x, then used from a working directory outside the source
# tree: `phonelab validate` with its defaults (the installed lab file, catalog and scenarios) and
# one scenario run against the unpacked phone-emulator, its report written (root: namespaces).
# Usage: deb_test.sh BUILD_DIR VERSION
set -uo pipefail
build=$1 version=$2
out=$build/e2e-out/deb
rm -rf "$out"
mkdir -p "$out"
fail() {
  echo "deb_test: FAIL: $*"
  exit 1
}

# The package, from what is built (cpack installs into a staging folder of its own; no rebuild).
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out/pkg" >"$out/cpack.log" 2>&1 ||
  { cat "$out/cpack.log"; fail "cpack -G DEB failed"; }
deb=$out/pkg/phonelab_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { ls "$out/pkg"; fail "no $deb"; }
echo "deb_test: built $(basename "$deb")"

# Its Depends: the lab's programs by name, and the binaries' shared libraries (dpkg-shlibdeps).
dpkg-deb -I "$deb" >"$out/info.txt" || fail "dpkg-deb -I failed"
depends=$(dpkg-deb -f "$deb" Depends)
echo "deb_test: Depends: $depends"
for p in kea-dhcp4-server kamailio kamailio-tls-modules sox libsox-fmt-all tshark iproute2 \
  nftables libyaml-cpp libpcap libre2 libssl3; do
  grep -qE "(^|, )$p[^,]*" <<<"$depends" || fail "Depends has no $p"
done
grep -q '^ Depends: ' "$out/info.txt" || fail "dpkg-deb -I shows no Depends"
dpkg-deb -c "$deb" >"$out/contents.txt" || fail "dpkg-deb -c failed"
for f in ./usr/bin/phonelab ./usr/bin/phone-emulator ./usr/share/phonelab/scenarios/requirements.yaml \
  ./usr/share/phonelab/lab/emulated.yaml ./usr/share/phonelab/lab/devices/cisco-7832-mpp.yaml \
  ./usr/share/phonelab/lab/examples/bench-8832.yaml ./usr/share/phonelab/fixtures/sip-torture/ \
  ./usr/share/doc/phonelab/README.md ./usr/share/doc/phonelab/docs/lab-setup.md; do
  grep -qE " $f\$" "$out/contents.txt" || fail "the package has no $f"
done

# A scratch root and a working directory outside the source tree. The emulator runs as nobody
# and the daemons as their own accounts, so both are searchable by everyone.
scratch=$(mktemp -d /tmp/phonelab-deb.XXXXXX) || fail "mktemp"
trap 'cd /; rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
root=$scratch/root cwd=$scratch/cwd
mkdir -p "$root" "$cwd"
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x failed"
cd "$cwd"
# Only the system's programs on PATH: the emulator the run starts is the unpacked one, next to
# the unpacked phonelab, or none.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=true
if command -v phone-emulator >/dev/null; then fail "a phone-emulator on PATH would hide the test"; fi
phonelab=$root/usr/bin/phonelab

"$phonelab" validate >"$out/validate.log" 2>&1 || { cat "$out/validate.log"; fail "validate (defaults) from $cwd"; }
grep -q "lab 'emulated' are valid" "$out/validate.log" || { cat "$out/validate.log"; fail "validate said no lab"; }
cat "$out/validate.log"
# A path given on the command line means what it says, relative to the working directory.
"$phonelab" validate --lab lab/emulated.yaml >"$out/explicit.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q '^lab/emulated.yaml: cannot read file' "$out/explicit.log" ||
  { cat "$out/explicit.log"; fail "an explicit --lab lab/emulated.yaml was not taken as given (exit $rc)"; }

scenario=$root/usr/share/phonelab/scenarios/dhcp/net-conn-dhcp.yaml
"$phonelab" run --report out/r "$scenario" >"$out/run.log" 2>&1
rc=$?
cat "$out/run.log"
if [ "$rc" -ne 0 ]; then
  cp -r out/r "$out/report" 2>/dev/null
  fail "run exited $rc (its report copied to $out/report)"
fi
for f in results.json index.html junit.xml net-conn-dhcp/capture.pcap; do
  [ -s "out/r/$f" ] || fail "the report has no $f"
done
jq -e '[.scenarios[] | select(.id == "net-conn-dhcp" and .verdict == "pass")] | length == 1' \
  out/r/results.json >/dev/null || fail "results.json: net-conn-dhcp did not pass"
echo "deb_test: pass"

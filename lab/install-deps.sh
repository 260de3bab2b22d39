#!/usr/bin/env bash
# Installs the Debian 12 packages phonelab needs, only those missing. Run as root.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config clang-format clang-tidy
  # the Debian package's shared library dependencies (cpack -G DEB runs dpkg-shlibdeps)
  dpkg-dev
  # libFuzzer targets (lab/run-fuzz)
  clang libclang-rt-14-dev
  libboost-dev libssl-dev libpcap-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libpugixml-dev libgtest-dev googletest
  libspandsp-dev libfftw3-dev libsndfile1-dev
  # scenario regex conditions (RE2: linear time)
  libre2-dev
  # the lab's real peers and tools
  iproute2 procps nftables kea-dhcp4-server kea-admin kamailio kamailio-tls-modules
  sox libsox-fmt-all tshark libxml2-utils
  # power: snmp (snmpset switches a PoE port) and the fake PoE switch of its test (snmpd)
  snmp snmpd
  # benchmarks and scripts
  jq
  # the report's PDF (headless print-to-pdf) and its rendering test
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Packaged daemons must not run on their own: the harness starts its own instances per scenario.
for svc in kea-dhcp4-server kamailio snmpd; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "install-deps: done"

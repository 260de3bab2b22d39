#!/usr/bin/env bash
# Fails (exit 1, naming file:line and the rule) when an include runs uphill. The layers, from the
# ground up (docs/architecture.md, "Layers"):
#   base/core, base/proto   the model and the wire formats: include only each other
#   base/lab, base/net      namespaces, processes, capture, HTTP client: include only base/
#   fakes/, reports/, emulator/   each includes base/ and itself, never each other or harness/
#   harness/                scenarios, the DUT, the runner, the CLI: may include everything below
# Usage: cmake/check-layers.sh [SOURCE_DIR]   (tests/ and bench/ are not layers: not checked)
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
status=0
# check FOLDER ALLOWED_REGEX WHAT: every quoted include of a file under FOLDER must match ALLOWED
# (WHAT says it in words).
check() {
  local folder=$1 allowed=$2 what=$3
  [ -d "$folder" ] || return 0
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${rest#*:}")
    # An include of a file beside it (no folder) is the file's own business.
    [[ $inc == */* ]] || continue
    if ! [[ $inc =~ $allowed ]]; then
      echo "$file:$line: includes \"$inc\": $folder/ may include only $what (cmake/check-layers.sh)"
      status=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' --include='*.cc' --include='*.h' "$folder" || true)
}
check base/core '^base/(core|proto)/' "base/core/ and base/proto/"
check base/proto '^base/(core|proto)/' "base/core/ and base/proto/"
check base/lab '^base/' "base/"
check base/net '^base/' "base/"
check fakes '^(base|fakes)/' "base/ and fakes/"
check reports '^(base|reports)/' "base/ and reports/"
check emulator '^(base|emulator)/' "base/ and emulator/"
check harness '^(base|fakes|reports|harness)/' "base/, fakes/, reports/ and harness/"
exit $status

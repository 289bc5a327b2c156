#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One command from a fresh Debian machine: install, build and run every test.
# test-all.sh           release build, all tests
# test-all.sh --asan    also the AddressSanitizer + UndefinedBehaviorSanitizer build and its tests
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tools/setup/install-deps.sh"
presets=(release)
[ "${1:-}" = "--asan" ] && presets+=(asan)
jobs=$(nproc 2>/dev/null || echo 2)
for p in "${presets[@]}"; do
  "$root/tools/setup/build.sh" "$p"
  ctest --test-dir "$root/build/$p" --output-on-failure -j "$jobs" --timeout 300
done

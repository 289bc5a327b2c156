#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One command from a fresh Debian machine: install, build, run the default scenario, print its summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tools/setup/install-deps.sh"
"$root/tools/setup/build.sh" release
exec "$root/build/release/pilot" run "$root/workloads/scenarios/default.json" --out "$root/build/release/default-results.json" "$@"

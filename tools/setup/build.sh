#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds one CMake preset: build.sh [release|asan]. Used by run-default.sh and test-all.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
preset=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$root" -B "$root/build/$preset" --preset "$preset" >/dev/null
cmake --build "$root/build/$preset" -j "$jobs"

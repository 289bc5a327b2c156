#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds one CMake preset: build.sh [release|asan]. Used by run-default.sh and test-all.sh.
# The release build is profile-guided (GCC PGO): the first time, an instrumented pilot is built
# in build/pgo-train and runs tools/setup/pgo-train.sh, whose profiles (build/pgo-profile) the
# release build then compiles with. PGO changes code layout and inlining, never results (no
# fast-math): the same outputs bit for bit. Delete build/pgo-profile to train again (an old
# profile only optimises less); PILOT_PGO=off builds release without it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
preset=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
pgo=()
if [ "$preset" = release ] && [ "${PILOT_PGO:-on}" != off ]; then
  profile=$root/build/pgo-profile
  if [ ! -f "$profile/.trained" ]; then
    train=$root/build/pgo-train
    cmake -S "$root" -B "$train" -DCMAKE_BUILD_TYPE=Release -DPILOT_PGO=generate \
      -DPILOT_PGO_DIR="$profile" >/dev/null
    cmake --build "$train" --target pilot -j "$jobs"
    rm -rf "$profile"
    "$root/tools/setup/pgo-train.sh" "$train/pilot"
    touch "$profile/.trained"
    # Objects built with another profile (or none) would stay: make does not see profiles.
    [ -d "$root/build/release" ] && cmake --build "$root/build/release" --target clean >/dev/null 2>&1 || true
  fi
  pgo=(-DPILOT_PGO=use -DPILOT_PGO_DIR="$profile")
elif [ "$preset" = release ]; then
  pgo=(-DPILOT_PGO=)
fi
cmake -S "$root" -B "$root/build/$preset" --preset "$preset" "${pgo[@]}" >/dev/null
cmake --build "$root/build/$preset" -j "$jobs"

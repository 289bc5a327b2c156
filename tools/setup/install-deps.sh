#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages PILOT-VP builds with. Idempotent, and silent when all is present.
set -euo pipefail
# python3: the CLI tests check results JSON with it; python3-matplotlib: sweep plots (tools/plots);
# clang-format: the formatting check (test/cli/format.sh, .clang-format).
packages=(g++ cmake make pkg-config libsystemc-dev libboost-dev nlohmann-json3-dev catch2 libcli11-dev python3 clang-format
          python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

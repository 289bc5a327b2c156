#!/usr/bin/env bash
# The tree is formatted with the root .clang-format (STYLE.md's settings): a change that is not
# fails here. Fix with: clang-format -i $(git ls-files '*.cpp' '*.h')
source "$(dirname "$0")/common.inc"
command -v clang-format >/dev/null || fail "clang-format is not installed (tools/setup/install-deps.sh installs it)"
mapfile -t files < <(find models firmware platform tools test -name '*.cpp' -o -name '*.h' | sort)
[ "${#files[@]}" -gt 100 ] || fail "found only ${#files[@]} source files"
clang-format --dry-run --Werror "${files[@]}" 2>"$TMP/err" || { head -20 "$TMP/err" >&2; fail "not formatted"; }
echo ok

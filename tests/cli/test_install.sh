#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_install.sh - `cmake --install` of the build into a temporary prefix
# holds the shared and static library, avow.h, avow.pc, bin/avow, the man page
# and the bash completion; docs/examples/state.c builds against that tree with
# `pkg-config --cflags --libs avow` alone and prints the same tallies as
# `avow state`.
set -euo pipefail

: "${AVOW_BUILD_DIR:?AVOW_BUILD_DIR must name the build directory}"
: "${AVOW_SOURCE_DIR:?AVOW_SOURCE_DIR must name the source directory}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset AVOW_LEDGER AVOW_KEY AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
command -v pkg-config >/dev/null || fail "pkg-config is needed"
command -v jq >/dev/null || fail "jq is needed"
CC=${CC:-cc}

P="$T/prefix"
cmake --install "$AVOW_BUILD_DIR" --prefix "$P" >"$T/install.log" 2>&1 ||
    fail "cmake --install failed: $(cat "$T/install.log")"

# 1. The installed tree.
pc=$(find "$P" -name avow.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "no avow.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libavow.so" "$libdir/libavow.a" "$P/include/avow.h" "$P/bin/avow" \
    "$P/share/man/man1/avow.1" "$P/share/bash-completion/completions/avow"; do
    [ -e "$f" ] || fail "not installed: ${f#"$P"/}"
done
[ -x "$P/bin/avow" ] || fail "bin/avow is not executable"
"$P/bin/avow" --version >/dev/null || fail "the installed avow does not run"

# 2. The example builds with pkg-config alone (the .pc names the build's
# prefix: point it at this one).
export PKG_CONFIG_PATH="$(dirname "$pc")"
flags=$(pkg-config --define-variable=prefix="$P" --cflags --libs avow) ||
    fail "pkg-config does not know avow"
case "$flags" in *"$P"*) ;; *) fail "pkg-config flags do not point into the prefix: $flags" ;; esac
# A sanitized build's library needs its runtime in the program too.
san=
if grep -q '^AVOW_SANITIZE:BOOL=ON' "$AVOW_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    san=-fsanitize=address,undefined
fi
# shellcheck disable=SC2086
"$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror $san -o "$T/avow-state" \
    "$AVOW_SOURCE_DIR/docs/examples/state.c" $flags -Wl,-rpath,"$libdir" ||
    fail "docs/examples/state.c does not build against the installed tree"
# (Not `ldd | grep -q`: grep may exit first and, under pipefail, ldd's SIGPIPE
# would fail the check.)
ldd "$T/avow-state" >"$T/ldd" || fail "ldd cannot read the example"
grep -q "$libdir/libavow.so" "$T/ldd" || fail "the example is not linked to the installed libavow.so"

# 3. It prints the same tallies as `avow state`, on a ledger made by the installed avow.
avow() {
    "$P/bin/avow" -L "$T/ledger" -k "$T/key" "$@"
}
avow -q key new "$T/key" >/dev/null
avow init --origin avow.test/install >/dev/null
C=nato-sg-2024
src=https://www.example.org/install-test
avow contest new $C --title "NATO Secretary General 2024" --rule unanimity --at 2024-01-01 \
    --source $src >/dev/null
avow member add $C DE EE FR GB HU LT US --at 2024-01-01 >/dev/null
avow candidate add $C Rutte --at 2024-02-22 >/dev/null
avow candidate add $C Iohannis --at 2024-03-12 >/dev/null
for a in US GB DE FR; do
    avow declare $C $a supports Rutte --at 2024-02-22 --source $src >/dev/null
done
avow declare $C LT supports Rutte --at 2024-04-03 --source $src >/dev/null
avow declare $C EE supports Rutte --at 2024-04-03 --source $src >/dev/null
avow declare $C HU opposes Rutte --at 2024-04-03 --source $src >/dev/null
tally='. as $s | .candidates[] | "\(.name) \(.support_count)/\($s.members | length) (needs \(.needed), \(if .met then "met" else "not met" end))"'
for at in 2024-03-01 2024-04-04; do
    "$T/avow-state" "$T/ledger" $C $at >"$T/got" || fail "the example failed at $at"
    avow state $C --at $at --json | jq -r "$tally" >"$T/want"
    diff -u "$T/want" "$T/got" || fail "the example and avow state disagree at $at"
done
grep -qx 'Rutte 6/7 (needs 7, not met)' "$T/got" || fail "unexpected tally: $(cat "$T/got")"
"$T/avow-state" "$T/ledger" nosuch 2>/dev/null && fail "the example accepts an unknown contest"
echo "ok: install"

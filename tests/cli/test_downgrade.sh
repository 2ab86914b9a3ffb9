#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_downgrade.sh - the previous release (commit 560ff11, built here from
# git history into the build folder) meets v2 events: it must never
# mis-project them. It refuses them on arrival, saying plainly that it reads
# format version 1 only (the format version byte), keeps nothing of the batch
# and its ledger still verifies. Skips, with a message, only when the git
# history (or a compiler for the old tree) is absent.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
: "${AVOW_SOURCE_DIR:?}" "${AVOW_BUILD_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME="$T"
unset AVOW_LEDGER AVOW_KEY AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
PREV=560ff11
if ! git -C "$AVOW_SOURCE_DIR" cat-file -e "$PREV^{commit}" 2>/dev/null; then
    echo "SKIP: no git history with the previous release $PREV"
    exit 0
fi
D="$AVOW_BUILD_DIR/prev-$PREV"
O="$D/build/tools/avow"
if [ ! -x "$O" ]; then
    rm -rf "$D" && mkdir -p "$D/src"
    git -C "$AVOW_SOURCE_DIR" archive "$PREV" | tar -x -C "$D/src"
    cmake -S "$D/src" -B "$D/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAVOW_WERROR=OFF \
        -DAVOW_TESTS=OFF >/dev/null || fail "configure $PREV"
    cmake --build "$D/build" -j2 --target avow >/dev/null || fail "build $PREV"
fi
N=$AVOW
"$N" -q key new "$T/kn" >/dev/null
"$O" -q key new "$T/ko" >/dev/null
"$N" -L "$T/a" -k "$T/kn" -q init
"$O" -L "$T/b" -k "$T/ko" -q init
"$N" -L "$T/a" -k "$T/kn" -q contest new c --title C --rule majority --at 2024-01-01 >/dev/null
"$N" -L "$T/a" -k "$T/kn" -q member add c AA BB --at 2024-01-01 >/dev/null
"$N" -L "$T/a" -k "$T/kn" -q declare c AA supports X --at 2024-02-01 --source https://e/ \
    --confidence high --force >/dev/null
set +e
"$O" -L "$T/b" sync "$T/a" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "the previous release took v2 events: exit $rc $(cat "$T/err")"
grep -q "unknown format version 2 (this avow reads 1)" "$T/err" || fail "no plain message: $(cat "$T/err")"
[ "$("$O" -L "$T/b" --json log | wc -l)" = 0 ] || fail "the previous release kept part of a refused batch"
"$O" -L "$T/b" -q verify || fail "the previous release's ledger no longer verifies"
set +e
"$O" -L "$T/b" --json state c >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" != 0 ] || fail "the previous release projected a contest it never received: $(cat "$T/out")"
echo "ok"

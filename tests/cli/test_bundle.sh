#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_bundle.sh - air-gapped exchange: heads, bundle create/apply, damaged
# bundles rejected whole with exit 1.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset AVOW_LEDGER AVOW_KEY AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
A() { "$AVOW" -L "$T/a" -k "$T/ka" "$@"; }
B() { "$AVOW" -L "$T/b" -k "$T/kb" "$@"; }

"$AVOW" -q key new "$T/ka" >/dev/null
"$AVOW" -q key new "$T/kb" >/dev/null
A -q init
B -q init
A -q contest new nato --title "NATO SG" --rule unanimity --at 2024-01-01 >/dev/null
A -q member add nato HU NL TR --at 2024-01-01 >/dev/null

# Everything, then only what b's heads lack.
A -q bundle create "$T/all.bundle"
B -q bundle apply "$T/all.bundle"
[ "$(B log --json | wc -l)" = 4 ] || fail "b has 4 events"
A -q candidate add nato Rutte --at 2024-01-02 >/dev/null
A -q candidate add nato Iohannis --at 2024-01-02 >/dev/null
B -q heads --out "$T/b.heads"
[ "$(A --json bundle create "$T/inc.bundle" --heads "$T/b.heads" | jq .events)" = 2 ] ||
    fail "incremental bundle has 2 events"

# Truncated and altered copies are rejected whole (exit 1).
size=$(stat -c %s "$T/inc.bundle")
head -c $((size - 10)) "$T/inc.bundle" >"$T/trunc.bundle"
cp "$T/inc.bundle" "$T/alt.bundle"
# One byte changed (to Y when it already was X: the bundle holds signatures).
mid_byte=$(dd if="$T/inc.bundle" bs=1 skip=$((size / 2)) count=1 2>/dev/null | od -An -c | tr -d ' ')
sub=X
[ "$mid_byte" = X ] && sub=Y
printf '%s' "$sub" | dd of="$T/alt.bundle" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
! cmp -s "$T/alt.bundle" "$T/inc.bundle" || fail "the altered bundle did not change"
for f in trunc alt; do
    set +e
    B bundle apply "$T/$f.bundle" 2>"$T/err"
    rc=$?
    set -e
    [ $rc = 1 ] || fail "$f bundle: exit $rc"
    grep -q "nothing appended" "$T/err" || fail "$f bundle message"
    [ "$(B log --json | wc -l)" = 4 ] || fail "$f bundle changed the ledger"
done
out=$(B --json bundle apply "$T/inc.bundle")
[ "$(echo "$out" | jq .received)" = 2 ] || fail "apply: $out"
# Applying again is harmless; a fresh ledger cannot take an incremental bundle.
[ "$(B --json bundle apply "$T/inc.bundle" | jq .received)" = 0 ] || fail "apply twice"
"$AVOW" -L "$T/c" -q init
set +e
"$AVOW" -L "$T/c" bundle apply "$T/inc.bundle" 2>/dev/null
[ $? = 1 ] || fail "unlinked bundle is exit 1"
"$AVOW" -L "$T/c" bundle apply "$T/nothere" 2>/dev/null
[ $? = 2 ] || fail "missing bundle is exit 2"
set -e
# '-' reads the bundle from standard input (issue 22, item 15), spooled.
"$AVOW" -q -L "$T/stdin" init
"$AVOW" -L "$T/stdin" --json bundle apply - <"$T/all.bundle" >"$T/stdin.json" || fail "bundle apply -"
[ "$(jq .received "$T/stdin.json")" -gt 0 ] || fail "bundle apply - received nothing: $(cat "$T/stdin.json")"
[ "$("$AVOW" -L "$T/stdin" log | wc -l)" = "$(jq .received "$T/stdin.json")" ] || fail "bundle apply - appended all"
"$AVOW" -q -L "$T/stdin" verify || fail "verify after bundle apply -"
ls "${TMPDIR:-/tmp}"/avow-stdin-* >/dev/null 2>&1 && fail "bundle apply - left its spool file"
B -q verify || fail "verify b"
echo "ok"

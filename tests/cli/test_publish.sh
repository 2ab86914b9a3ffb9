#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_publish.sh - `avow publish DIR` (docs/PUBLISHING.md) without the Go
# reference (tests/interop/test_interop.sh has it): the C2SP layout of a
# 256-entry tree, entries = the canonical event bytes after a 2-byte length,
# the checkpoint verifies, a second publish writes only new tiles and leaves
# every full tile as it was, no temporary file is left, and a directory that
# holds another log is refused with exit 1 and left alone.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME AVOW_LEDGER || true
export HOME="$T/home"
export AVOW_KEY="$T/log.key"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}
expect_fail() {
    local code=$1 words=$2 rc=0
    shift 2
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = "$code" ] || fail "$* exited $rc, want $code: $(cat "$T/out" "$T/err")"
    grep -q -- "$words" "$T/err" || fail "$*: stderr does not say '$words': $(cat "$T/err")"
}
listing() {
    (cd "$1" && find . -type f | sed 's|^\./||' | sort)
}

L="$T/log" D="$T/pub"
avow -q key new >/dev/null
avow -q -L "$L" init --origin example.org/pub
avow -L "$L" contest new c --title T --rule majority --at 2023-01-01 >/dev/null
avow -L "$L" member add c $(seq -f "m%g" 1 255) >/dev/null # 256 events
avow -L "$L" publish "$D" --json >"$T/out"
jq -e '.tree_size == 256 and .old_size == 0 and .tiles_written == 2 and .bundles_written == 1' \
    "$T/out" >/dev/null || fail "first publish: $(cat "$T/out")"
printf 'checkpoint\ntile/0/000\ntile/1/000.p/1\ntile/entries/000\n' >"$T/want"
listing "$D" | diff -u "$T/want" - || fail "the tiles of 256 entries"
[ "$(stat -c %s "$D/tile/0/000")" = 8192 ] || fail "a full tile is 8,192 bytes"
[ "$(stat -c %s "$D/tile/1/000.p/1")" = 32 ] || fail "a partial tile of width 1 is 32 bytes"
avow -L "$L" verify --checkpoint "$D/checkpoint" >/dev/null || fail "the published checkpoint"
[ "$(sed -n 2p "$D/checkpoint")" = 256 ] || fail "checkpoint size"
# The level-1 tile holds the root of the first 256 leaves: the tree's root.
[ "$(od -An -tx1 -v "$D/tile/1/000.p/1" | tr -d ' \n')" = \
    "$(sed -n 3p "$D/checkpoint" | base64 -d | od -An -tx1 -v | tr -d ' \n')" ] ||
    fail "tile/1/000.p/1 is not the root"
# Entry 0 = the canonical bytes of event 0 (its raw), after a big-endian length.
avow -L "$L" export | jq -r "select(.index == 0) | .raw" | base64 -d >"$T/raw0"
n=$(stat -c %s "$T/raw0")
[ "$(head -c 2 "$D/tile/entries/000" | od -An -tu1 | awk '{ print $1 * 256 + $2 }')" = "$n" ] ||
    fail "entry 0's length"
cmp -s -n "$n" -i 2:0 "$D/tile/entries/000" "$T/raw0" || fail "entry 0's bytes"
# Event 0's id is SHA-256 of the entry; its leaf SHA-256(0x00 || entry), tile/0/000's first hash.
[ "$(sha256sum <"$T/raw0" | cut -c1-64)" = "$(avow -L "$L" log --json | jq -r "select(.index == 0) | .id")" ] ||
    fail "id = SHA-256(entry)"
[ "$( (printf '\x00'; cat "$T/raw0") | sha256sum | cut -c1-64)" = \
    "$(head -c 32 "$D/tile/0/000" | od -An -tx1 -v | tr -d ' \n')" ] || fail "leaf 0"

# Again after appends: only new files; the full tiles are the same files.
cp -a "$D" "$T/pub1"
ino=$(stat -c %i "$D/tile/0/000")
avow -L "$L" member add c $(seq -f "n%g" 1 300) >/dev/null # 556 events
avow -L "$L" publish "$D" >"$T/out"
grep -q "published 556 events .* (was 256): 3 tiles and 2 entry bundles written" "$T/out" ||
    fail "second publish: $(cat "$T/out")"
[ "$(stat -c %i "$D/tile/0/000")" = "$ino" ] || fail "a full tile was rewritten"
cmp -s "$D/tile/0/000" "$T/pub1/tile/0/000" || fail "a full tile changed"
cmp -s "$D/tile/entries/000" "$T/pub1/tile/entries/000" || fail "a full bundle changed"
for f in tile/0/001 tile/0/002.p/44 tile/1/000.p/2 tile/entries/001 tile/entries/002.p/44; do
    [ -f "$D/$f" ] || fail "$f missing after the second publish"
done
avow -L "$L" verify --checkpoint "$D/checkpoint" >/dev/null || fail "the new checkpoint"
! find "$D" -name '*.tmp*' | grep -q . || fail "temporary files left: $(find "$D" -name '*.tmp*')"
# Nothing new: nothing written but the (same) checkpoint.
avow -L "$L" publish "$D" --json | jq -e '.tiles_written == 0 and .bundles_written == 0' \
    >/dev/null || fail "publish of the same size"

# Another log's directory: refused, left alone.
O="$T/other"
# Its own key: one key writing two histories under one origin is what the
# copied-ledger guard refuses (docs/SECURITY.md "One key, one chain").
avow -q key new "$T/other.key" >/dev/null
export AVOW_KEY="$T/other.key"
avow -q -L "$O" init --origin example.org/pub
avow -L "$O" contest new c --title T --rule majority --at 2023-01-01 >/dev/null
cp "$D/checkpoint" "$T/cp.before"
expect_fail 1 "not a checkpoint of this log" avow -L "$O" publish "$D"
cmp -s "$D/checkpoint" "$T/cp.before" || fail "the checkpoint changed on a refused publish"
# Another history behind no checkpoint: a full tile differs, refused.
rm "$T/pub1/checkpoint"
avow -L "$O" member add c $(seq -f "o%g" 1 300) >/dev/null
expect_fail 1 "other bytes" avow -L "$O" publish "$T/pub1"
[ ! -f "$T/pub1/checkpoint" ] || fail "a checkpoint was written over another history's tiles"
export AVOW_KEY="$T/log.key"
expect_fail 2 "one directory" avow -L "$L" publish
touch "$T/afile"
expect_fail 2 "not a directory" avow -L "$L" publish "$T/afile"
expect_fail 3 "ledger" avow -L "$T/none" publish "$T/x"
echo "ok: test_publish"

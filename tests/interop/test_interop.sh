#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_interop.sh - the transparency-log ecosystem's reference code checks what
# avow writes (issue 17): tests/interop/interop.go, built from Debian's
# golang-go and golang-golang-x-mod-dev in GOPATH mode with no network, runs
#   1. note.Open on avow checkpoints (plain and cosigned) with the vkey of
#      `avow key show --vkey`;
#   2. tlog.CheckRecord / tlog.CheckTree on avow's inclusion and consistency
#      proofs for every size up to 300, and on random ones up to 100,000;
#   3. tlog.TileHashReader over `avow publish` trees mapped onto C2SP paths:
#      the root equals the checkpoint's, every entry hashes to its leaf, a
#      second publish after 1,000 appends keeps every full tile byte for byte
#      and is consistent with the first; trees of exactly 256, 65,536 and
#      70,000 entries have exactly the tiles tlog-tiles lists for them;
#   4. the verdicts of tests/vectors/note_open.json (Go's note_test.go cases)
#      are Go's (tests/unit/test_vkey.c checks they are avow's).
# Exit 77 (skipped) when Go or x/mod is missing.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
: "${INTEROP_LEDGER:?INTEROP_LEDGER must name the built interop_ledger}"
SRC=${AVOW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GOSRC=/usr/share/gocode
if ! command -v go >/dev/null || [ ! -d "$GOSRC/src/golang.org/x/mod/sumdb/tlog" ]; then
    echo "SKIP: golang-go and golang-golang-x-mod-dev are not installed (tools/deps.sh)"
    exit 77
fi
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

GOPATH=$GOSRC GO111MODULE=off GOFLAGS= GOCACHE="${AVOW_BUILD_DIR:-$T}/gocache" GOPROXY=off \
    go build -o "$T/interop" "$SRC/tests/interop/interop.go" || fail "cannot build interop.go"
G="$T/interop"

# 4. The note cases.
"$G" notes "$SRC/tests/vectors/note_open.json" || fail "Go disagrees with note_open.json"

# 1. note.Open with the vkey avow prints.
L="$T/l300"
"$INTEROP_LEDGER" make "$L" 300 "$AVOW_KEY" || fail "make 300"
avow -q -L "$L" checkpoint --out "$T/cp300"
VKEY=$(avow -L "$L" key show --vkey)
got=$("$G" open "$T/cp300" "$VKEY") || fail "note.Open refused avow's checkpoint"
[ "$got" = "300 $(sed -n 3p "$T/cp300")" ] || fail "Go read $got from $(cat "$T/cp300")"
W="$T/witness"
avow -q key new "$T/w.key" >/dev/null
avow -q -L "$W" init --origin witness.example/w1
avow -L "$W" -k "$T/w.key" witness cosign "$T/cp300" --trust "$VKEY" >"$T/cosigned"
"$G" open "$T/cosigned" "$VKEY" >/dev/null || fail "note.Open refused a cosigned checkpoint"
# A vkey of another key or name: refused by Go too.
other=$(avow -L "$W" -k "$T/w.key" key show --vkey)
! "$G" open "$T/cp300" "$other" >/dev/null 2>&1 || fail "Go accepted another vkey"

# 2. Every proof up to size 300, then random ones up to 100,000.
"$INTEROP_LEDGER" all "$L" 300 | "$G" proofs >"$T/out" || fail "proofs up to 300"
grep -q "^proofs: 45150 inclusion and 45150 consistency" "$T/out" || fail "$(cat "$T/out")"
# Exactly the tiles tlog-tiles lists: 256, 65,536, 70,000 entries.
enc() { # enc N: C2SP's 3-digit path elements
    local n=$1 out
    out=$(printf '%03d' $((n % 1000)))
    n=$((n / 1000))
    while [ "$n" -gt 0 ]; do
        out=$(printf 'x%03d/%s' $((n % 1000)) "$out")
        n=$((n / 1000))
    done
    echo "$out"
}
expected() { # expected SIZE: every tile path of a tree of SIZE entries
    local s=$1 l count n
    for l in entries 0 1 2 3; do
        if [ "$l" = entries ]; then count=$s; else count=$((s >> (8 * l))); fi
        [ "$count" -gt 0 ] || break
        for ((n = 0; n < count / 256; n++)); do echo "tile/$l/$(enc $n)"; done
        [ $((count % 256)) -eq 0 ] || echo "tile/$l/$(enc $((count / 256))).p/$((count % 256))"
    done | sort
}
listing() {
    (cd "$1" && find tile -type f | sort)
}
S="$T/sizes"
"$INTEROP_LEDGER" make "$S" 256 "$AVOW_KEY"
SV=$(avow -L "$S" key show --vkey)
avow -q -L "$S" publish "$T/p256"
printf 'tile/0/000\ntile/1/000.p/1\ntile/entries/000\n' >"$T/want"
listing "$T/p256" | diff -u "$T/want" - || fail "tiles of 256 entries"
"$G" tiles "$T/p256" "$SV" >/dev/null || fail "Go on 256"
# The reader can fail: one flipped bit in a tile, or in an entry.
cp -a "$T/p256" "$T/bad"
printf '\x01' | dd of="$T/bad/tile/0/000" bs=1 seek=100 conv=notrunc status=none
! "$G" tiles "$T/bad" "$SV" >/dev/null 2>&1 || fail "Go read a tampered tile"
cp "$T/p256/tile/0/000" "$T/bad/tile/0/000"
printf 'Z' | dd of="$T/bad/tile/entries/000" bs=1 seek=300 conv=notrunc status=none
! "$G" tiles "$T/bad" "$SV" >/dev/null 2>&1 || fail "Go read a tampered entry bundle"
"$INTEROP_LEDGER" make "$S" $((65536 - 256)) "$AVOW_KEY"
avow -q -L "$S" publish "$T/p65536"
expected 65536 >"$T/want"
[ "$(grep -c . "$T/want")" = $((256 + 256 + 1 + 1)) ] || fail "expected() for 65536"
listing "$T/p65536" | diff -u "$T/want" - >/dev/null || fail "tiles of 65,536 entries"
"$G" tiles "$T/p65536" "$SV" >/dev/null || fail "Go on 65536"
"$INTEROP_LEDGER" make "$S" $((70000 - 65536)) "$AVOW_KEY"
avow -q -L "$S" publish "$T/p70000"
expected 70000 >"$T/want"
# tlog-tiles: 273 full level-0 tiles, one of width 112, one full level-1 tile,
# one of width 17, one level-2 tile of width 1 (and 274 entry bundles).
grep -qx 'tile/0/273.p/112' "$T/want" && grep -qx 'tile/1/001.p/17' "$T/want" &&
    grep -qx 'tile/2/000.p/1' "$T/want" || fail "expected() for 70000"
[ "$(grep -c '^tile/0/[0-9]*$' "$T/want")" = 273 ] || fail "expected() full level-0 tiles"
listing "$T/p70000" | diff -u "$T/want" - >/dev/null || fail "tiles of 70,000 entries"
"$G" tiles "$T/p70000" "$SV" >/dev/null || fail "Go on 70000"
# The same size published incrementally over the 65,536 tree: it verifies too.
avow -q -L "$S" publish "$T/p65536"
"$G" tiles "$T/p65536" "$SV" "$T/p256/checkpoint" >/dev/null || fail "incremental 65536 -> 70000"
B="$S" # the 70,000-entry ledger grown to 100,000
"$INTEROP_LEDGER" make "$B" 30000 "$AVOW_KEY" || fail "make 100000"
"$INTEROP_LEDGER" random "$B" 2000 "$RANDOM" | "$G" proofs >"$T/out" || fail "random proofs"
grep -q "^proofs: 2000 inclusion and 2000 consistency" "$T/out" || fail "$(cat "$T/out")"

# 3. Published tiles: twice, with 1,000 appends between.
BV=$(avow -L "$B" key show --vkey)
avow -q -L "$B" publish "$T/pub"
"$G" tiles "$T/pub" "$BV" >/dev/null || fail "Go cannot read the published tiles"
cp "$T/pub/checkpoint" "$T/pub.old"
cp -a "$T/pub" "$T/pub1"
"$INTEROP_LEDGER" make "$B" 1000 "$AVOW_KEY" || fail "append 1000"
avow -L "$B" publish "$T/pub" --json >"$T/out"
grep -q '"old_size":100000' "$T/out" || fail "second publish: $(cat "$T/out")"
"$G" tiles "$T/pub" "$BV" "$T/pub.old" >"$T/out" || fail "second publish: $(cat "$T/out")"
grep -q "consistent with 100000" "$T/out" || fail "$(cat "$T/out")"
(cd "$T/pub1" && find tile -type f ! -path '*.p/*') >"$T/full1"
[ "$(wc -l <"$T/full1")" -gt 700 ] || fail "too few full tiles: $(wc -l <"$T/full1")"
while read -r f; do
    cmp -s "$T/pub1/$f" "$T/pub/$f" || fail "full tile $f changed between publishes"
done <"$T/full1"

echo "ok: test_interop"

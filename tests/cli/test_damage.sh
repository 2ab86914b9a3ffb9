#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_damage.sh - damage DIR/data.mdb as a disk, a copy or an attacker would:
# truncate it (to 8 KiB, to half, at random pages), zero pages (the last 8
# among them) and flip bytes at random places, then run the commands that
# read and write. None may crash or abort (run it on the ASan build too),
# each failure is one "avow: error:" line, `verify` reports every damage that
# changes what the file holds with exit 1, and no write lands in a ledger
# whose file fails the structural check at open (src/ledger/pages.c).
#
# A damage that changes no byte LMDB reads (a flip in free space or in the
# slack of a page) is told by `mdb_dump -a`: the dump equals the original's,
# and then verify may say ok. Fixed seed: AVOW_DAMAGE_SEED overrides it, and
# a failure prints it.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
for tool in mdb_dump; do
    command -v "$tool" >/dev/null || {
        echo "SKIP: $tool not installed (apt-get install lmdb-utils)"
        exit 0
    }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_KEY="$T/key"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"
SEED=${AVOW_DAMAGE_SEED:-22}
RANDOM=$SEED
ROUNDS=${AVOW_DAMAGE_ROUNDS:-50}
CASE=setup

fail() {
    echo "FAIL (seed $SEED, $CASE): $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}

L="$T/ledger"
avow -q key new >/dev/null
avow -q -L "$L" init --origin avow.test/damage
awk -v n=1000 'BEGIN {
    print "{\"kind\":\"contest\",\"contest\":\"big\",\"title\":\"A big vote\",\"rule\":\"majority\",\"at\":\"2024-01-01\"}"
    print "{\"kind\":\"candidate-enter\",\"contest\":\"big\",\"candidate\":\"Rutte\",\"at\":\"2024-01-02\"}"
    for (i = 0; i < n; i++) {
        if (i < 40) {
            printf "{\"kind\":\"member-join\",\"contest\":\"big\",\"actor\":\"M%03d\",\"at\":\"2024-01-03\"}\n", i
            continue
        }
        printf "{\"kind\":\"stance\",\"contest\":\"big\",\"actor\":\"M%03d\",\"stance\":\"%s\",\"candidate\":\"Rutte\",\"at\":\"2024-02-%02dT%02d:00:00Z\",\"source\":\"https://example.org/%d\"}\n",
            i % 40, (i % 3) ? "supports" : "opposes", 1 + i % 28, i % 24, i
    }
}' >"$T/records"
avow -q -L "$L" import --sign "$T/records"
avow -L "$L" checkpoint >/dev/null
avow -L "$L" verify >/dev/null || fail "the undamaged ledger verifies"
mdb_dump -a "$L" >"$T/orig.dump"
SIZE=$(stat -c %s "$L/data.mdb")
PAGES=$((SIZE / 4096))
[ "$PAGES" -gt 64 ] || fail "setup: a ledger of more than 64 pages ($PAGES)"

# run NAME ARGS...: a command on the damaged copy; rc in $rc. It must not be
# killed by a signal, abort, or trip a sanitizer, and a failure says one
# "avow: error:" line (verify's exit 1 may list its problems on stdout only).
run() {
    local name=$1
    shift
    rc=0
    timeout 60 "$AVOW" -L "$T/d" "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
    [ "$rc" -lt 124 ] || fail "$name: killed or aborted (exit $rc): $(head -c 300 "$T/$name.err")"
    ! grep -Eq 'Sanitizer|runtime error|Assertion' "$T/$name.err" ||
        fail "$name: $(head -c 600 "$T/$name.err")"
    if [ "$rc" != 0 ] && { [ -s "$T/$name.err" ] || [ "$rc" != 1 ]; }; then
        [ "$(grep -c . "$T/$name.err")" = 1 ] && grep -q '^avow: error: ' "$T/$name.err" ||
            fail "$name: exit $rc without one error line: $(head -c 300 "$T/$name.err")"
    fi
}

# check [quick]: every command on the damaged copy $T/d (quick: the random
# rounds leave out the JSON and export runs, to keep the ASan run short).
check() {
    local same=0 refused=0 quick=${1:-}
    # mdb_dump itself may die on the damage: a dump that fails counts as changed.
    if bash -c 'mdb_dump -a "$1" >"$2"' _ "$T/d" "$T/d.dump" 2>/dev/null && cmp -s "$T/d.dump" "$T/orig.dump"; then
        same=1
    fi
    run verify verify
    if [ "$same" = 1 ]; then
        [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "verify exit $rc on unchanged content"
    else
        [ "$rc" = 1 ] || fail "verify exit $rc, want 1: $(cat "$T/verify.out" "$T/verify.err" | head -c 300)"
    fi
    if grep -Eq 'ledger file (damaged|truncated)' "$T/verify.err"; then
        refused=1
    fi
    if [ -z "$quick" ]; then
        run vjson --json verify
        [ "$rc" = 1 ] || [ "$same" = 1 ] || fail "verify --json exit $rc, want 1"
        [ "$rc" = 0 ] || grep -q '"ok":false' "$T/vjson.out" || fail "verify --json: $(head -c 300 "$T/vjson.out")"
        run export export
    fi
    run info info
    run state state big
    run log log
    cp "$T/d/data.mdb" "$T/before.mdb"
    run declare declare big M001 opposes Rutte --at 2024-03-01 --source https://example.org/x
    if [ "$refused" = 1 ]; then
        [ "$rc" = 3 ] || fail "declare into a damaged file: exit $rc, want 3"
        cmp -s "$T/before.mdb" "$T/d/data.mdb" || fail "declare wrote into a damaged file"
    fi
    if [ "$same" = 0 ]; then
        run verify2 verify
        [ "$rc" = 1 ] || fail "after declare, verify exit $rc: the damage must stay reported"
    fi
}

fresh() {
    rm -rf "$T/d"
    cp -r "$L" "$T/d"
}

# The fixed cases the issue names.
CASE="truncated to 8192 bytes"
fresh
truncate -s 8192 "$T/d/data.mdb"
check
grep -q 'ledger file truncated' "$T/verify.err" || fail "verify names the truncation: $(cat "$T/verify.err")"
grep -q 'ledger file truncated' "$T/info.err" || fail "info names the truncation"
CASE="truncated to half"
fresh
truncate -s $((SIZE / 2)) "$T/d/data.mdb"
check
CASE="last 8 pages zeroed"
fresh
dd if=/dev/zero of="$T/d/data.mdb" bs=4096 seek=$((PAGES - 8)) count=8 conv=notrunc 2>/dev/null
check

for round in $(seq 1 "$ROUNDS"); do
    fresh
    page=$(((RANDOM * 32768 + RANDOM) % PAGES))
    case $((round % 3)) in
    0)
        CASE="round $round: truncated at page $page"
        truncate -s $((page * 4096 + (RANDOM % 2) * (RANDOM % 4096))) "$T/d/data.mdb"
        ;;
    1)
        n=$((1 + RANDOM % 8))
        CASE="round $round: $n pages zeroed from page $page"
        dd if=/dev/zero of="$T/d/data.mdb" bs=4096 seek="$page" count="$n" conv=notrunc 2>/dev/null
        ;;
    2)
        off=$((page * 4096 + RANDOM % 4096))
        byte=$(printf '%03o' $((1 + RANDOM % 255)))
        CASE="round $round: byte $off xored"
        old=$(od -An -tu1 -j "$off" -N1 "$T/d/data.mdb" | tr -d ' ')
        printf "\\$(printf '%03o' $(((old ^ 8#$byte) & 255)))" |
            dd of="$T/d/data.mdb" bs=1 seek="$off" conv=notrunc 2>/dev/null
        ;;
    esac
    check quick
done
echo "ok: $((ROUNDS + 3)) damaged copies, no crash, verify reported each"

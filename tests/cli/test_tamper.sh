#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_tamper.sh - change stored bytes behind avow's back with lmdb-utils
# (mdb_dump, edit the text dump, mdb_load overwrites the records) and check
# that `avow verify` exits 1 and names the event.
#
# Deleting a single index entry is not possible with lmdb-utils 0.9.24
# (mdb_load only adds or overwrites, and there is no mdb_drop): missing index
# entries are covered by tests/unit/test_store.c instead. Here an "ids" entry
# is redirected to another event.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
for tool in mdb_dump mdb_load jq; do
    command -v "$tool" >/dev/null || {
        echo "SKIP: $tool not installed (apt-get install lmdb-utils jq)"
        exit 0
    }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_KEY="$T/key"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}

L="$T/ledger"
avow -q key new >/dev/null
avow -q -L "$L" init
avow -L "$L" contest new nato-sg-2024 --title "NATO SG 2024" --rule unanimity --at 2023-10-01 >/dev/null
avow -L "$L" member add nato-sg-2024 LT HU NL >/dev/null
avow -L "$L" candidate add nato-sg-2024 Rutte >/dev/null
for a in LT HU NL; do
    avow -L "$L" declare nato-sg-2024 "$a" supports Rutte --at 2024-04-03 \
        --source "https://$a.example/" >/dev/null
done
avow -L "$L" log --json >"$T/log.jsonl"
[ "$(wc -l <"$T/log.jsonl")" = 8 ] || fail "setup: 8 events"
avow -L "$L" verify >/dev/null || fail "setup: verify"
id6=$(jq -r 'select(.index == 6) | .id' "$T/log.jsonl")

# Rewrite the value that follows the key line $3 in database $2 of ledger $1
# with the awk program $4 (applied to that value line only).
rewrite() {
    local dir=$1 db=$2 key=$3 prog=$4
    # mdb_load 0.9.24 does not know the db_pagesize header line mdb_dump writes.
    mdb_dump -s "$db" "$dir" | grep -v '^db_pagesize=' >"$T/dump"
    awk -v key=" $key" "prev == key { $prog } { print; prev = \$0 }" "$T/dump" >"$T/dump.new"
    ! cmp -s "$T/dump" "$T/dump.new" || fail "rewrite: key $key not found in $db"
    mdb_load -s "$db" -f "$T/dump.new" "$dir"
    mdb_dump -s "$db" "$dir" | grep -v '^db_pagesize=' | cmp -s - "$T/dump.new" || fail "rewrite: mdb_load did not overwrite"
}

# check_verify DIR INDEX: verify fails and names the event at INDEX.
check_verify() {
    local dir=$1 index=$2 rc=0
    avow -L "$dir" verify >"$T/verify.txt" 2>"$T/verify.err" || rc=$?
    [ "$rc" = 1 ] || fail "verify exit $rc, want 1: $(cat "$T/verify.txt" "$T/verify.err")"
    grep -q "^event #$index " "$T/verify.txt" || fail "verify does not name #$index: $(cat "$T/verify.txt")"
    grep -Eq '^FAILED: [0-9]+ problems? in 8 events$' "$T/verify.txt" ||
        fail "verify summary: $(cat "$T/verify.txt")"
    rc=0
    avow -L "$dir" verify --json >"$T/verify.json" || rc=$?
    [ "$rc" = 1 ] || fail "verify --json exit $rc, want 1"
    jq -e --argjson i "$index" '.ok == false and .events == 8 and (.problems | length) > 0 and
        any(.problems[]; .index == $i and (.what | length) > 0)' "$T/verify.json" >/dev/null ||
        fail "verify --json: $(cat "$T/verify.json")"
}

# 1. One byte of event #6's signature (the last byte of the value).
cp -r "$L" "$T/sig"
rewrite "$T/sig" events 0000000000000006 \
    '$0 = substr($0, 1, length($0) - 1) (substr($0, length($0)) == "0" ? "1" : "0")'
check_verify "$T/sig" 6
grep -q "^event #6 seq 7 " "$T/verify.txt" || fail "signature problem names seq: $(cat "$T/verify.txt")"
# show still prints the event, marks the signature, and exits 1.
rc=0
avow -L "$T/sig" show "$id6" >"$T/show.txt" 2>"$T/show.err" || rc=$?
[ "$rc" = 1 ] || fail "show of a tampered event: exit $rc"
grep -Eq '^signature +[0-9a-f]{128} \(INVALID\)$' "$T/show.txt" || fail "show: $(cat "$T/show.txt")"
[ "$(wc -l <"$T/show.err")" = 1 ] && grep -q '^avow: error: ' "$T/show.err" ||
    fail "show stderr: $(cat "$T/show.err")"

# 2. One byte of event #4's body: the last byte before its signature (the final "e"
# of the candidate "Rutte" becomes "x").
cp -r "$L" "$T/body"
rewrite "$T/body" events 0000000000000004 \
    'n = length($0) - 128; $0 = substr($0, 1, n - 2) "78" substr($0, n + 1)'
check_verify "$T/body" 4

# 3. The "ids" entry of event #6 points at event #2 instead.
cp -r "$L" "$T/ids"
rewrite "$T/ids" ids "$id6" '$0 = " 0000000000000002"'
check_verify "$T/ids" 6
jq -e --arg id "$id6" 'any(.problems[]; .id == $id)' "$T/verify.json" >/dev/null ||
    fail "the ids problem does not name $id6: $(cat "$T/verify.json")"

# The original is untouched and still verifies.
avow -L "$L" verify >/dev/null || fail "original ledger"

echo "ok: test_tamper"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_diskfull.sh - appending on a file system that fills up ends with a
# clear "disk full" error (exit 3), and the ledger still verifies with every
# committed event present. Uses a small tmpfs made by the test; skips (with a
# visible line) only where mounting one is not allowed.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
M="$T/small"
mkdir -p "$M"
cleanup() {
    umount "$M" 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

if ! mount -t tmpfs -o size=512k tmpfs "$M" 2>"$T/mount.err"; then
    echo "SKIP: cannot mount a small tmpfs here: $(cat "$T/mount.err")"
    exit 0
fi

export AVOW_LEDGER="$M/ledger" AVOW_KEY="$T/key" HOME="$T"
"$AVOW" -q init --origin test/diskfull >/dev/null
"$AVOW" -q key new "$AVOW_KEY" >/dev/null
"$AVOW" contest new c --title "Disk full" --rule majority --at 2024-01-01 >>"$T/ids"

# Records with long fields fill 512 KiB in a few hundred appends.
long=$(head -c 1500 /dev/zero | tr '\0' 'q')
status=0
for i in $(seq 1 2000); do
    "$AVOW" declare c "actor-$i" supports X --at 2024-04-03 --source "https://example.org/$i" \
        --quote "$long" >>"$T/ids" 2>"$T/err" || status=$?
    [ "$status" -eq 0 ] || break
done
[ "$status" -eq 3 ] || fail "expected exit 3 when the disk fills, got $status after $i appends"
grep -q '^avow: error: .*disk full' "$T/err" || fail "message: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "expected one error line: $(cat "$T/err")"

# The ledger verifies and holds every id that was reported as written.
"$AVOW" verify >"$T/verify" || fail "verify after disk full: $(cat "$T/verify")"
"$AVOW" log --json | jq -r .id | sort >"$T/have"
sort "$T/ids" | comm -23 - "$T/have" >"$T/missing"
[ ! -s "$T/missing" ] || fail "committed events missing: $(cat "$T/missing")"
n=$(wc -l <"$T/have")
[ "$n" -eq "$(wc -l <"$T/ids")" ] || fail "log has $n events, $(wc -l <"$T/ids") were reported"
[ "$n" -gt 10 ] || fail "only $n events fit: the test did not exercise appends"
echo "ok: disk full after $n events, exit 3, ledger verifies"

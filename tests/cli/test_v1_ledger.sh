#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_v1_ledger.sh - a ledger written by the previous release
# (tests/vectors/v1-ledger) verifies, and every read of it prints what that
# release printed, byte for byte; the current avow can then append to it and
# it still verifies.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
: "${AVOW_SOURCE_DIR:?AVOW_SOURCE_DIR must name the source tree}"
V="$AVOW_SOURCE_DIR/tests/vectors/v1-ledger"
G="$V/golden"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_LEDGER="$T/ledger" HOME="$T"
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}
same() { # golden-file command...
    local name=$1
    shift
    avow "$@" >"$T/out" || fail "avow $* exited $?"
    diff -u "$G/$name" "$T/out" >&2 || fail "avow $* differs from the previous release ($name)"
}

mkdir "$T/ledger"
mdb_load -f "$V/ledger.dump" "$T/ledger" || fail "mdb_load of the fixture"

avow verify --json --checkpoint "$V/checkpoint.txt" | jq -c 'del(.checkpoint.file)' >"$T/verify"
diff -u "$G/verify.json" "$T/verify" >&2 || fail "verify differs from the previous release"

for at in 2024-03-01 2024-05-01 2024-06-19 2024-06-21 2024-06-27; do
    same "state-nato-$at.json" state nato-sg-2024 --at "$at" --json
done
same state-nato-known.json state nato-sg-2024 --at 2024-06-27 \
    --known-at 2026-12-03T09:30:00.267913Z --json
same state-nato-all.json state nato-sg-2024 --at 2024-05-01 --all-authors --json
same state-se.json state se-nato --at 2024-01-01 --json
same state-nato.txt state nato-sg-2024 --at 2024-05-01
same history-hu.json history nato-sg-2024 --actor HU --json
same history-rutte.json history nato-sg-2024 --candidate Rutte --json
same explain-hu.json explain nato-sg-2024 HU Rutte --at 2024-06-27 --json
same log.json log --json
same export.jsonl export

# The current avow appends to the old ledger with a key of its own; the
# ledger still verifies, and the old events read the same.
export AVOW_KEY="$T/new.key"
avow -q key new "$AVOW_KEY" >/dev/null
avow trust add "$(avow key show)" "new analyst" >/dev/null
avow declare se-nato TR supports Sweden --at 2024-01-23 --source https://example.org/tr-ratifies \
    >/dev/null
avow verify --json --checkpoint "$V/checkpoint.txt" | jq -e '.ok and .events == 79' >/dev/null ||
    fail "the old ledger does not verify after an append"
same history-hu.json history nato-sg-2024 --actor HU --json
avow state se-nato --at 2024-02-01 --json | jq -e '.candidates[0].supports == ["TR"]' >/dev/null ||
    fail "the new stance does not count"
# Display names (format v2 actor-name events) change no JSON of a v1 contest:
# not its shape, not its digest; the text shows them.
avow actor name nato-sg-2024 HU Hungary >/dev/null
for at in 2024-03-01 2024-05-01 2024-06-27; do
    same "state-nato-$at.json" state nato-sg-2024 --at "$at" --json
done
same history-hu.json history nato-sg-2024 --actor HU --json
avow state nato-sg-2024 --at 2024-05-01 | grep -qx '    opposes: Hungary (HU)' ||
    fail "the text state does not show the name"
echo "v1 ledger: verified and projected as the previous release did"

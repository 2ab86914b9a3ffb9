#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_copyguard.sh - the copied-ledger guard: a key remembers the last seq
# and event it signed in ledgers of an origin (KEY.head), so writing to two
# copies of one ledger with one key is refused, exit 2, ledger byte-identical,
# before the second chain exists; a sync brings the copy up to date and
# writing there works again.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_KEY="$T/key" HOME="$T/home"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME AVOW_LEDGER || true

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() { "$AVOW" "$@"; }

avow -q key new >/dev/null
avow -L "$T/a" -q init
avow -L "$T/a" contest new c1 --title C1 --rule 1 --at 2024-01-01 >/dev/null
avow -L "$T/a" member add c1 LT HU --at 2024-01-01 >/dev/null
[ -f "$T/key.head" ] || fail "no key.head beside the key"
cp -r "$T/a" "$T/b" # the copy: same origin, same events

# writing to the original is fine; then the copy lacks seq 4 of the key
avow -L "$T/a" declare c1 LT supports X --at 2024-04-03 --source https://a.example/ >/dev/null
cp "$T/b/data.mdb" "$T/b.before"
rc=0
avow -L "$T/b" declare c1 HU supports X --at 2024-04-04 --source https://b.example/ \
    >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "signing in the stale copy: exit $rc: $(cat "$T/err")"
grep -q "^avow: error: this key last signed seq 4 (content hash [0-9a-f]\{16\}), but ledger '$T/b' has the key only up to seq 3: it is a copy or a replica that lacks the key's later events, and signing here would fork the key's chain (sync it with the ledger that has them first; see docs/SECURITY.md)$" \
    "$T/err" || fail "the refusal does not explain: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "stdout: $(cat "$T/out")"
cmp -s "$T/b/data.mdb" "$T/b.before" || fail "the refused write changed the copy"
# import --sign is guarded too
echo '{"kind":"member-join","contest":"c1","actor":"NL","at":"2024-01-01"}' >"$T/r.jsonl"
rc=0
avow -L "$T/b" import --sign "$T/r.jsonl" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "signing here would fork" "$T/err" || fail "import --sign: $rc $(cat "$T/err")"
cmp -s "$T/b/data.mdb" "$T/b.before" || fail "the refused import changed the copy"

# nothing forked: verify and trust list agree everywhere
avow -L "$T/b" sync "$T/a" -q
avow -L "$T/b" trust list | grep -q FORKED && fail "the copies forked"
# synced, the copy has the key's head: writing there works, and then the
# original is the stale one
avow -L "$T/b" declare c1 HU supports X --at 2024-04-04 --source https://b.example/ >/dev/null
rc=0
avow -L "$T/a" decide c1 X --at 2024-05-01 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q "has the key only up to seq 4" "$T/err" ||
    fail "the original after writing the copy: $rc $(cat "$T/err")"
avow -L "$T/a" sync "$T/b" -q
avow -q -L "$T/a" decide c1 X --at 2024-05-01 >/dev/null 2>&1 || fail "after sync the original refuses"

# a copy of the same chain length but another history is refused too
avow -L "$T/c" -q init
avow -L "$T/c" contest new c2 --title C2 --rule 1 --at 2024-01-01 >/dev/null
cp -r "$T/c" "$T/d"
cp "$T/key.head" "$T/key.head.c"
avow -L "$T/c" member add c2 A --at 2024-01-01 >/dev/null
cp "$T/key.head.c" "$T/key.head" # as if the head file were older than the ledger
rc=0
avow -L "$T/d" member add c2 B --at 2024-01-01 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 0 ] || fail "the copy whose head is the remembered one: $rc $(cat "$T/err")"
cp "$T/key.head" "$T/key.head.d"
rc=0
avow -L "$T/c" member add c2 C --at 2024-01-01 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q "holds a different chain of this key" "$T/err" ||
    fail "another history at the same seq: $rc $(cat "$T/err")"

# independent ledgers (other origins) with one key are followed separately
avow -L "$T/e" -q init
avow -L "$T/e" contest new c3 --title C3 --rule 1 --at 2024-01-01 >/dev/null ||
    fail "a fresh ledger of another origin refused"
avow -q -L "$T/a" member add c1 NL --at 2024-01-01 >/dev/null || fail "back to a refused"
# a malformed head file is refused, never guessed
echo garbage >"$T/key.head"
rc=0
avow -L "$T/a" member add c1 SE --at 2024-01-01 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 3 ] && grep -q "key.head is malformed" "$T/err" || fail "malformed: $rc $(cat "$T/err")"
echo "ok: test_copyguard"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_audit.sh - tamper evidence from the command line (docs/AUDIT.md):
# checkpoints and their altered lines, proofs checked by hand with sha256sum,
# a ledger rebuilt without an old event, evidence files with changed bytes,
# and a witness that refuses a rewritten history.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
command -v jq >/dev/null || {
    echo "SKIP: jq not installed"
    exit 0
}
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
# expect_fail CODE WORDS CMD...: CMD exits CODE and its stderr mentions WORDS.
expect_fail() {
    local code=$1 words=$2 rc=0
    shift 2
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = "$code" ] || fail "$* exited $rc, want $code: $(cat "$T/out" "$T/err")"
    grep -q -- "$words" "$T/err" || fail "$*: stderr does not say '$words': $(cat "$T/err")"
}

L="$T/log"
avow -q key new >/dev/null
avow -q key new "$T/b.key" >/dev/null
avow -q -L "$L" init --origin example.org/nato
avow -L "$L" contest new nato --title "NATO SG" --rule unanimity --at 2023-10-01 >/dev/null
avow -L "$L" -k "$T/b.key" member add nato HU >/dev/null # B's only event: #1
avow -L "$L" member add nato LT NL >/dev/null
avow -L "$L" checkpoint --out "$T/cp4"
[ "$(sed -n 1p "$T/cp4")" = "example.org/nato" ] || fail "origin line: $(cat "$T/cp4")"
[ "$(sed -n 2p "$T/cp4")" = "4" ] || fail "size line"
[ "$(sed -n 4p "$T/cp4")" = "" ] || fail "blank line"
sed -n 5p "$T/cp4" | grep -q '^— example.org/nato ' || fail "signature line"
avow -L "$L" checkpoint >"$T/cp4b"
cmp -s "$T/cp4" "$T/cp4b" || fail "a checkpoint of the same tree differs"
avow -L "$L" declare nato LT supports Rutte --at 2024-04-03 --source https://lt.example/ \
    >/dev/null 2>&1 || avow -L "$L" member add nato DE >/dev/null
avow -L "$L" verify --checkpoint "$T/cp4" >"$T/out" || fail "verify --checkpoint: $(cat "$T/out")"
grep -q "size 4 of 5" "$T/out" || fail "verify --checkpoint output: $(cat "$T/out")"
avow -L "$L" verify --checkpoint "$T/cp4" --json | jq -e '.ok and .checkpoint.ok' >/dev/null ||
    fail "verify --checkpoint --json"

# 4. Altered lines: exit 1, naming the line.
sed '1s|.*|example.org/other|' "$T/cp4" >"$T/bad"
expect_fail 1 "origin line" avow -L "$L" verify --checkpoint "$T/bad"
sed '2s/.*/3/' "$T/cp4" >"$T/bad"
expect_fail 1 "size line" avow -L "$L" verify --checkpoint "$T/bad"
# Change the root's first base64 character (to B when it already was A:
# the root depends on the clock, so it starts with A once in 64 runs).
sed '3s/^./A/' "$T/cp4" >"$T/bad"
cmp -s "$T/bad" "$T/cp4" && sed '3s/^./B/' "$T/cp4" >"$T/bad"
! cmp -s "$T/bad" "$T/cp4" || fail "the root line did not change"
expect_fail 1 "root line" avow -L "$L" verify --checkpoint "$T/bad"
sed '5s/.\(....\)$/A\1/' "$T/cp4" >"$T/bad"
cmp -s "$T/bad" "$T/cp4" && sed '5s/.\(....\)$/B\1/' "$T/cp4" >"$T/bad"
expect_fail 1 "signature line" avow -L "$L" verify --checkpoint "$T/bad"
expect_fail 1 "signature line" avow -L "$L" verify --checkpoint "$T/cp4" \
    --trust "$(avow -k "$T/b.key" key show)"

# Proofs: --json keys, and the leaf hash checked by hand (docs/AUDIT.md).
id=$(avow -L "$L" log --json | jq -r 'select(.index == 2) | .id')
avow -L "$L" prove "$id" --json >"$T/incl.json"
jq -e '.leaf_index == 2 and .tree_size == 5 and (.root | length) == 64 and
    (.path | length) == 3' "$T/incl.json" >/dev/null || fail "prove --json: $(cat "$T/incl.json")"
avow -L "$L" show "$id" --json | jq -r .raw | base64 -d >"$T/raw"
[ "$(sha256sum <"$T/raw" | cut -c1-64)" = "$id" ] || fail "the id is not sha256 of raw"
leaf=$( (printf '\0'; cat "$T/raw") | sha256sum | cut -c1-64)
[ "$leaf" = "$(jq -r .leaf_hash "$T/incl.json")" ] || fail "leaf hash by hand"
avow -L "$L" prove "$id" --checkpoint "$T/cp4" --json | jq -e '.tree_size == 4' >/dev/null ||
    fail "prove --checkpoint"
avow -L "$L" prove --consistency "$T/cp4" --json >"$T/cons.json"
jq -e '.old_size == 4 and .new_size == 5 and (.path | length) > 0' "$T/cons.json" >/dev/null ||
    fail "prove --consistency: $(cat "$T/cons.json")"
[ "$(jq -r .old_root "$T/cons.json" | xxd -r -p | base64)" = "$(sed -n 3p "$T/cp4")" ] ||
    fail "old_root is not the checkpoint's root"

# 3. A ledger rebuilt without B's old event fails the old checkpoint.
R="$T/rebuilt"
avow -q -L "$R" init --origin example.org/nato
avow -L "$L" export | jq -c "select(.index != 1)" >"$T/rest.jsonl"
avow -q -L "$R" import "$T/rest.jsonl" >/dev/null 2>&1
avow -L "$R" verify >/dev/null || fail "the rebuilt ledger is sound in itself"
expect_fail 1 "root line" avow -L "$R" verify --checkpoint "$T/cp4" \
    --trust "$(avow key show)"

# 3. A damaged stored node: verify exits 1 naming it (needs lmdb-utils).
if command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null; then
    D="$T/damaged"
    cp -r "$L" "$D"
    mdb_dump -s merkle "$D" | grep -v '^db_pagesize=' >"$T/dump"
    awk 'prev == " 010000000000000000" { $0 = " " substr("1111111111111111111111111111111111111111111111111111111111111111", 1, 64) } { print; prev = $0 }' \
        "$T/dump" >"$T/dump.new"
    mdb_load -s merkle -f "$T/dump.new" "$D"
    rc=0
    avow -L "$D" verify >"$T/out" || rc=$?
    [ "$rc" = 1 ] || fail "verify of a damaged node exits $rc"
    grep -q "Merkle node (1, 0)" "$T/out" || fail "verify does not name the node: $(cat "$T/out")"
fi

# 5. Evidence: verifies offline; any changed byte fails with exit 1.
avow -L "$L" evidence write --out "$T/ev.json" "$id"
rm -rf "$L.gone"
mv "$L" "$L.gone"
avow evidence verify "$T/ev.json" >"$T/out" || fail "evidence verify: $(cat "$T/out")"
grep -q "^ok: 1 event proven" "$T/out" || fail "evidence output: $(cat "$T/out")"
avow evidence verify "$T/ev.json" --trust "$(avow key show)" --json | jq -e '.ok' >/dev/null ||
    fail "evidence verify --json"
size=$(wc -c <"$T/ev.json")
for pos in 0 1 2 15 40 100 200 300 $((size / 2)) $((size - 60)) $((size - 3)) $((size - 2)) $((size - 1)); do
    cp "$T/ev.json" "$T/ev.bad"
    orig=$(dd if="$T/ev.json" bs=1 skip="$pos" count=1 2>/dev/null)
    new=X
    [ "$orig" = X ] && new=Y
    printf '%s' "$new" | dd of="$T/ev.bad" bs=1 seek="$pos" conv=notrunc 2>/dev/null
    expect_fail 1 "does not hold" avow evidence verify "$T/ev.bad"
done
expect_fail 1 "not by the trusted key" avow evidence verify "$T/ev.json" \
    --trust "$(avow -k "$T/b.key" key show)"
mv "$L.gone" "$L"

# 6. Witness: cosigns, refuses a rewritten history, accepts the honest next one.
W="$T/witness"
avow -q key new "$T/w.key" >/dev/null
avow -q -L "$W" init --origin witness.example/w1
LOGPK=$(avow key show)
WPK=$(avow -k "$T/w.key" key show)
avow -L "$W" -k "$T/w.key" witness cosign "$T/cp4" --trust "$LOGPK" >"$T/cosigned"
[ "$(grep -c '^— ' "$T/cosigned")" = 2 ] || fail "no cosignature line: $(cat "$T/cosigned")"
avow -L "$L" verify --checkpoint "$T/cosigned" --witness "$WPK" >"$T/out" ||
    fail "verify cosigned: $(cat "$T/out")"
grep -q "cosignature at .* verified" "$T/out" || fail "cosignature not listed: $(cat "$T/out")"
avow -L "$L" verify --checkpoint "$T/cosigned" >"$T/out" || fail "unknown witness must not fail"
grep -q "unknown key" "$T/out" || fail "unknown cosigner not listed: $(cat "$T/out")"

# The witness policy (issue 22, item 6): a quorum of (name, key) pairs; a
# cosignature missing, failing or under another name is a failed check.
W2PK=$(avow -q key new "$T/w2.key")
avow -L "$L" verify --checkpoint "$T/cosigned" --witness "witness.example/w1=$WPK" >"$T/out" ||
    fail "NAME=KEY witness: $(cat "$T/out")"
grep -q "witnesses: 1 of 1 cosigned, quorum 1: met" "$T/out" || fail "quorum line: $(cat "$T/out")"
expect_fail 1 "quorum" avow -L "$L" verify --checkpoint "$T/cosigned" --witness "other.example/w9=$WPK"
expect_fail 1 "quorum" avow -L "$L" verify --checkpoint "$T/cp4" --witness "$WPK"
expect_fail 1 "quorum" avow -L "$L" verify --checkpoint "$T/cosigned" --witness "$WPK" --witness "$W2PK"
avow -L "$L" verify --checkpoint "$T/cosigned" --witness "$WPK" --witness "$W2PK" --quorum 1 >/dev/null ||
    fail "quorum 1 of 2"
avow -L "$L" --json verify --checkpoint "$T/cosigned" --witness "$WPK" --witness "$W2PK" >"$T/out" &&
    fail "quorum 2 of 2 met with one cosignature"
jq -e '.ok == false and .checkpoint.ok == false and .checkpoint.witnesses ==
    {"witnesses": 2, "cosigned": 1, "quorum": 2, "met": false}' "$T/out" >/dev/null ||
    fail "verify --json witnesses: $(cat "$T/out")"
# One cosignature line twice counts once; one key twice is refused.
{ cat "$T/cosigned"; grep '^— witness.example/w1 ' "$T/cosigned"; } >"$T/twice"
expect_fail 1 "quorum" avow -L "$L" verify --checkpoint "$T/twice" --witness "$WPK" --witness "$W2PK"
expect_fail 2 "listed twice" avow -L "$L" verify --checkpoint "$T/cosigned" --witness "$WPK" \
    --witness "witness.example/w1=$WPK"
expect_fail 2 "quorum" avow -L "$L" verify --checkpoint "$T/cosigned" --witness "$WPK" --quorum 2

F="$T/fork" # same origin and key, another history
# A copy of the key file: the key itself refuses to fork its chain (KEY.head).
cp "$AVOW_KEY" "$T/fork.key"
avow -q -L "$F" init --origin example.org/nato
avow -L "$F" -k "$T/fork.key" contest new nato --title "NATO SG" --rule unanimity \
    --at 2023-10-01 >/dev/null
avow -L "$F" -k "$T/fork.key" member add nato FR IT ES PL NO >/dev/null
avow -L "$F" checkpoint --out "$T/f6"
avow -L "$F" prove --consistency 4 6 --json >"$T/fproof.json"
expect_fail 1 "not consistent" avow -L "$W" -k "$T/w.key" witness cosign "$T/f6" \
    --proof "$T/fproof.json"
expect_fail 2 "consistency proof" avow -L "$W" -k "$T/w.key" witness cosign "$T/f6"

avow -L "$L" member add nato EE >/dev/null
avow -L "$L" checkpoint --out "$T/cp6"
avow -L "$L" prove --consistency 4 6 --json >"$T/proof.json"
avow -L "$W" -k "$T/w.key" witness cosign "$T/cp6" --proof "$T/proof.json" --out "$T/cos6"
grep -q "^— witness.example/w1 " "$T/cos6" || fail "honest checkpoint not cosigned"
expect_fail 1 "forked" avow -L "$W" -k "$T/w.key" witness cosign "$T/f6"
expect_fail 1 "rollback" avow -L "$W" -k "$T/w.key" witness cosign "$T/cp4"
avow -L "$W" verify >/dev/null || fail "witness ledger verify"
avow -L "$L" verify >/dev/null || fail "log verify"
# Evidence that carries witnesses' cosignatures (issue 22, item 8), checked
# offline against a witness policy.
E="$T/ew"
avow -q -L "$E" init --origin example.org/ew
avow -L "$E" contest new c --title T --rule majority --at 2024-01-01 >/dev/null
eid=$(avow -L "$E" member add c X)
avow -L "$E" evidence write --out "$T/ev1.json" "$eid"
jq -j .checkpoint "$T/ev1.json" >"$T/ev1.cp"
avow -q -L "$T/ww" init --origin witness.example/w9
avow -L "$T/ww" -k "$T/w.key" witness cosign "$T/ev1.cp" --trust "$LOGPK" >"$T/ev1.cos"
jq -c -S --rawfile cp "$T/ev1.cos" '.checkpoint = $cp' "$T/ev1.json" >"$T/ev1c.json"
avow evidence verify "$T/ev1c.json" >/dev/null || fail "evidence with a cosignature line"
avow evidence verify "$T/ev1c.json" --witness "witness.example/w9=$WPK" >"$T/out" ||
    fail "evidence witness policy: $(cat "$T/out")"
grep -q "witnesses: 1 of 1 cosigned, quorum 1: met" "$T/out" || fail "evidence quorum: $(cat "$T/out")"
expect_fail 1 "quorum" avow evidence verify "$T/ev1.json" --witness "$WPK"
expect_fail 1 "quorum" avow evidence verify "$T/ev1c.json" --witness "other.example/x=$WPK"
expect_fail 1 "quorum" avow evidence verify "$T/ev1c.json" --witness "$WPK" --witness "$W2PK"
avow evidence verify "$T/ev1c.json" --witness "$WPK" --witness "$W2PK" --quorum 1 >/dev/null ||
    fail "evidence quorum 1 of 2"
echo "ok: test_audit"

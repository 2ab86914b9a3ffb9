#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_vkey.sh - C2SP verifier keys on the command line (docs/FORMAT.md,
# "Verifier keys"): `key show --vkey` and `--vkey --witness`, and a vkey
# everywhere a public key goes (trust add, log --author, verify --checkpoint
# --trust, prove --trust, evidence verify --trust, witness cosign --trust,
# verify --witness); a vkey of the wrong type is refused with exit 2.
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

L="$T/log" W="$T/witness"
avow -q key new >/dev/null
avow -q key new "$T/w.key" >/dev/null
avow -q -L "$L" init --origin example.org/nato
avow -q -L "$W" init --origin witness.example/w1
avow -L "$L" contest new nato --title "NATO SG" --rule unanimity --at 2023-10-01 >/dev/null
avow -L "$L" member add nato HU LT >/dev/null
avow -L "$L" candidate add nato Rutte --at 2023-10-02 >/dev/null
avow -L "$L" declare nato HU supports Rutte --at 2024-01-01 --source https://hu.example/ >/dev/null
avow -L "$L" checkpoint --out "$T/cp"

HEX=$(avow key show)
VKEY=$(avow -L "$L" key show --vkey)
WVKEY=$(avow -L "$W" -k "$T/w.key" key show --vkey --witness)
WLOGVKEY=$(avow -L "$W" -k "$T/w.key" key show --vkey)
# NAME+HEXID+BASE64: the origin, 8 hex, base64 of 0x01 (A...) or 0x04 (B...) || key.
[[ $VKEY =~ ^example\.org/nato\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$ ]] || fail "vkey: $VKEY"
[[ $WVKEY =~ ^witness\.example/w1\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}$ ]] || fail "witness vkey: $WVKEY"
# The key inside is the hex key.
B64=$(echo "$VKEY" | cut -d+ -f3-)
[ "$(echo "$B64" | base64 -d | tail -c 32 | od -An -tx1 | tr -d ' \n')" = "$HEX" ] ||
    fail "the vkey holds another key than $HEX"
avow -L "$L" key show --vkey --json | jq -e --arg v "$VKEY" '.vkey == $v and .type == "ed25519"' \
    >/dev/null || fail "key show --vkey --json"
expect_fail 2 "with --vkey" avow -L "$L" key show --witness
expect_fail 3 "ledger" avow -L "$T/none" key show --vkey

# verify --checkpoint --trust VKEY; the witness vkey is the wrong type there.
avow -L "$L" verify --checkpoint "$T/cp" --trust "$VKEY" >/dev/null || fail "verify --trust VKEY"
expect_fail 2 "type 0x04" avow -L "$L" verify --checkpoint "$T/cp" --trust "$WVKEY"
# A vkey whose key ID does not match its key: refused.
expect_fail 2 "key ID" avow -L "$L" verify --checkpoint "$T/cp" --trust "${VKEY%%+*}+00000000+$B64"

# The right key under another name is not the checkpoint's key (signed-note
# matches name and key ID): exit 1 everywhere a log vkey is taken.
RENAMED=$(avow -L "$W" key show --vkey) # the log's key, named witness.example/w1
expect_fail 1 "not the vkey's name" avow -L "$L" verify --checkpoint "$T/cp" --trust "$RENAMED"

# prove --trust VKEY.
id=$(avow -L "$L" log --json | jq -r 'select(.index == 1) | .id')
avow -L "$L" prove "$id" --checkpoint "$T/cp" --trust "$VKEY" >/dev/null || fail "prove --trust VKEY"
expect_fail 2 "type 0x04" avow -L "$L" prove "$id" --checkpoint "$T/cp" --trust "$WVKEY"

# evidence verify --trust VKEY.
avow -L "$L" explain nato HU Rutte --evidence "$T/ev.json" >/dev/null
avow evidence verify "$T/ev.json" --trust "$VKEY" >/dev/null || fail "evidence verify VKEY"
expect_fail 2 "type 0x04" avow evidence verify "$T/ev.json" --trust "$WVKEY"
expect_fail 1 "not the vkey's name" avow evidence verify "$T/ev.json" --trust "$RENAMED"
expect_fail 1 "not the vkey's name" avow -L "$L" prove "$id" --checkpoint "$T/cp" --trust "$RENAMED"

# trust add VKEY NAME, log --author VKEY.
avow -L "$L" trust add "$WLOGVKEY" "W" >/dev/null || fail "trust add VKEY"
avow -L "$L" trust list --json | grep -q "$(avow -k "$T/w.key" key show)" || fail "trust list"
avow -L "$L" log --author "$VKEY" --json | jq -s -e 'length == 5' >/dev/null || fail "log --author"
expect_fail 2 "type 0x04" avow -L "$L" trust add "$WVKEY" "W"

# witness cosign --trust VKEY (the log's), verify --witness WVKEY.
avow -L "$W" -k "$T/w.key" witness cosign "$T/cp" --trust "$VKEY" >"$T/cosigned" ||
    fail "witness cosign --trust VKEY"
expect_fail 2 "type 0x04" avow -L "$W" -k "$T/w.key" witness cosign "$T/cp" --trust "$WVKEY"
expect_fail 1 "not the vkey's name" avow -L "$W" -k "$T/w.key" witness cosign "$T/cp" \
    --trust "$RENAMED"
avow -L "$L" verify --checkpoint "$T/cosigned" --trust "$VKEY" --witness "$WVKEY" >"$T/out" ||
    fail "verify --witness WVKEY: $(cat "$T/out")"
grep -q "cosignature at .* verified" "$T/out" || fail "cosignature not verified: $(cat "$T/out")"
expect_fail 2 "type 0x01" avow -L "$L" verify --checkpoint "$T/cosigned" --witness "$WLOGVKEY"
echo "ok: test_vkey"

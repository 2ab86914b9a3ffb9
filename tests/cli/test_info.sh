#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_info.sh - avow info names the ledger: origin, size, root, owner and
# latest checkpoint, agreeing with init, key show, prove and checkpoint.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_LEDGER="$T/ledger" AVOW_KEY="$T/key" HOME="$T"
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}

avow -q init --origin test.example/info >/dev/null
avow info --json >"$T/i0"
jq -e '.origin == "test.example/info" and .events == 0 and .owner == null and
    .checkpoint_size == null and
    .root == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"' "$T/i0" \
    >/dev/null || fail "empty ledger: $(cat "$T/i0")"

pub=$(avow -q key new "$AVOW_KEY")
avow contest new c --title "Info" --rule 2/3 --at 2024-01-01 >/dev/null
id=$(avow member add c SE --at 2024-03-07)
avow checkpoint >"$T/cp"
avow info --json >"$T/i1"
root_b64=$(sed -n 3p "$T/cp")
root_hex=$(printf '%s' "$root_b64" | base64 -d | od -An -tx1 | tr -d ' \n')
jq -e --arg pub "$pub" --arg root "$root_hex" '.events == 2 and .owner == $pub and
    .checkpoint_size == 2 and .root == $root' "$T/i1" >/dev/null || fail "info: $(cat "$T/i1")"
[ "$(avow prove "$id" --json | jq -r .root)" = "$root_hex" ] || fail "root differs from prove's"
avow info | grep -q '^origin      test.example/info$' || fail "human info"
avow info --help | grep -q '^usage: avow info' || fail "info --help"
set +e
avow info extra >/dev/null 2>&1
[ $? = 2 ] || fail "info with an argument must be a usage error"
avow -L "$T/none" info >/dev/null 2>&1
[ $? = 3 ] || fail "info without a ledger must exit 3"
set -e
echo "ok: info"

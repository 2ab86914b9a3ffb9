#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_amend.sh - `avow contest amend`: a signed amendment of a contest's
# title, rule or choice, in force from its --at on (docs/PROJECTIONS.md
# "Format v2"). The state before the amendment keeps the old terms, after it
# the new ones; an amendment that changes nothing, names no contest or a bad
# rule or choice is refused with exit 2 and the ledger unchanged.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export AVOW_LEDGER="$T/ledger" AVOW_KEY="$T/key"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" -q "$@"
}
st() { # st DATE JQ-EXPR WHAT
    avow state c --at "$1" --json >"$T/st.json"
    jq -e "$2" "$T/st.json" >/dev/null || fail "$3: $(jq -c . "$T/st.json")"
}

avow key new "$AVOW_KEY" >/dev/null
avow init
avow contest new c --title "Old title" --rule unanimity --at 2024-01-01 >/dev/null
avow member add c A B C --at 2024-01-01 >/dev/null
avow candidate add c X --at 2024-01-01 >/dev/null
avow candidate add c Y --at 2024-01-01 >/dev/null
avow declare c A supports X --at 2024-02-01 --source s >/dev/null
avow declare c B supports X --at 2024-02-01 --source s >/dev/null
avow declare c A supports Y --at 2024-02-02 --source s >/dev/null

# Single choice (the default): A's later support of Y ends its support of X.
st 2024-03-01 '.rule == "unanimity" and .choice == "single" and
    (.candidates[] | select(.name == "X") | .supports == ["B"] and .needed == 3)' "before"

id=$(avow contest amend c --rule 2/3 --choice multiple --title "New title" --at 2024-04-01 \
    --source https://example.org/amendment --note "the rules committee changed the quorum")
[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "amend printed '$id', not an event id"

# Before the amendment: the old terms; from it on: the new rule and choice.
st 2024-03-31 '.rule == "unanimity" and .choice == "single" and
    (.candidates[] | select(.name == "X") | .supports == ["B"])' "the day before"
st 2024-04-01 '.rule == "2/3" and .choice == "multiple" and
    (.candidates[] | select(.name == "X") | .supports == ["A", "B"] and .needed == 2 and .met)' \
    "from the amendment on"
avow state c --at 2024-04-02 | head -1 | grep -q '"New title"' || fail "the title is not amended"
avow log --json | jq -e --arg id "$id" 'select(.id == $id) | .kind == "contest-amend" and
    .rule == "2/3" and .choice == "multiple" and .title == "New title" and
    .note == "the rules committee changed the quorum"' >/dev/null || fail "log of the amendment"
avow history c | grep -q 'contest amended: title "New title" rule 2/3 choice multiple' ||
    fail "history: $(avow history c)"
avow verify >/dev/null || fail "verify after an amendment"

# Refusals: exit 2, one error line, the ledger byte-identical.
before=$(sha256sum "$AVOW_LEDGER/data.mdb")
refuse() {
    local rc=0
    "$AVOW" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $*: exit $rc, want 2: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^avow: error: ' "$T/err" ||
        fail "avow $*: stderr: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "avow $*: stdout: $(cat "$T/out")"
    [ "$(sha256sum "$AVOW_LEDGER/data.mdb")" = "$before" ] || fail "avow $*: the ledger changed"
}
refuse contest amend c --at 2024-05-01
refuse contest amend c --rule 2/3
refuse contest amend c --rule 5/3 --at 2024-05-01
refuse contest amend c --choice several --at 2024-05-01
refuse contest amend nosuch --rule majority --at 2024-05-01
refuse contest amend --rule majority --at 2024-05-01
echo "ok: test_amend"

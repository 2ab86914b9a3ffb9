#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_logfilter.sh - `avow log` filters (--actor --candidate --kind --since
# --until --grep -n --reverse, --author by prefix or keyring name) on a ledger
# with known answers, and log shows the keyring name of a named author.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_LEDGER="$T/ledger" AVOW_KEY="$T/key" HOME="$T/home"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() { "$AVOW" "$@"; }
# want "ARGS" "EXPECTED": the log indexes (#N) that `avow log ARGS` prints, space-separated.
want() {
    local got
    # shellcheck disable=SC2086
    got=$(avow log $1 | awk '{ sub(/^#/, "", $1); printf "%s%s", sep, $1; sep = " " }')
    [ "$got" = "$2" ] || fail "log $1: got '$got', want '$2'"
}

avow -q key new >/dev/null
avow -q key new "$T/b.key" >/dev/null
avow -q init
avow contest new c1 --title "C1" --rule majority --at 2024-01-01 >/dev/null            # 0
avow member add c1 LT HU NL --at 2024-01-01 >/dev/null                                 # 1 2 3
avow candidate add c1 Rutte --at 2024-01-02 >/dev/null                                 # 4
avow candidate add c1 Iohannis --at 2024-03-14 >/dev/null                              # 5
avow declare c1 LT supports Rutte --at 2024-04-03 --source https://lrt.example/a \
    --person "Gitanas Nauseda" >/dev/null                                              # 6
avow declare c1 HU opposes Rutte --at 2024-04-04 --source https://reuters.example/hu \
    --quote "We cannot support Mr Rutte" >/dev/null                                    # 7
avow declare c1 NL supports Rutte --at 2024-04-05T10:00:00Z --source https://nos.example/ \
    >/dev/null                                                                         # 8
avow declare c1 HU supports Iohannis --at 2024-05-01 --source https://Reuters.example/io \
    >/dev/null                                                                         # 9
bad=$(avow declare c1 LT opposes Iohannis --at 2024-05-02 --source https://x.example/)  # 10
avow retract "$bad" --reason "misread" >/dev/null                                     # 11
avow -k "$T/b.key" declare c1 NL supports Rutte --at 2024-06-01 \
    --source https://other.example/ >/dev/null                                         # 12

want "" "0 1 2 3 4 5 6 7 8 9 10 11 12"
want "--actor HU" "2 7 9"
want "--actor HU --candidate Rutte" "7"
want "--candidate Iohannis" "5 9 10"
want "--kind stance" "6 7 8 9 10 12"
want "--kind retract" "11"
want "--kind candidate-enter" "4 5"
# dates are effective_at; a bare --until date includes that day
want "--since 2024-04-04 --until 2024-04-05 --kind stance" "7 8"
want "--until 2024-01-01" "0 1 2 3"
want "--since 2024-05-01T00:00:01Z" "10 11 12"
# grep: source, person and quote, ASCII letters in either case
want "--grep reuters" "7 9"
want "--grep nauseda" "6"
want "--grep Mr" "7"
want "--grep nothing-like-this" ""
# -n and --reverse
want "-n 3" "0 1 2"
want "--reverse -n 2" "12 11"
want "--max-count 2 --actor HU --reverse" "9 7"
want "--reverse --candidate Rutte" "12 8 7 6 4"
want "-n 0" ""
# filters together with --contest, and in --json
[ "$(avow log --contest c1 --actor NL --json | wc -l)" = 3 ] || fail "--json with --actor"
avow log --actor NL --json | grep -q '"actor":"HU"' && fail "--json --actor NL lists HU"

# --author: 64 hex, a prefix of 8 or more, a keyring name; the name shows in log
bkey=$(avow -k "$T/b.key" key show)
want "--author $bkey" "12"
want "--author ${bkey:0:8}" "12"
want "--author ${bkey:0:11}" "12"
avow log -n 1 --reverse | grep -q "(by ${bkey:0:8}) \[untrusted\]$" ||
    fail "an unnamed author is shown by 8 hex: $(avow log -n 1 --reverse)"
avow trust add "${bkey:0:10}" "Analyst B" >/dev/null
[ "$(avow log --author 'Analyst B' | wc -l)" = 1 ] || fail "--author by keyring name"
avow log -n 1 --reverse | grep -q '(by Analyst B)$' ||
    fail "log does not show the keyring name: $(avow log -n 1 --reverse)"
avow log -n 1 | grep -q "(by $(avow key show | cut -c1-8))$" || fail "owner shown by hex"

# refusals: exit 2, one line naming the problem
rc=0
avow log --kind stanse >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown kind 'stanse' (did you mean 'stance'?" "$T/err" ||
    fail "--kind stanse: $rc $(cat "$T/err")"
rc=0
avow log --since yesterday >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "--since yesterday: exit $rc"
rc=0
avow log -n x >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "wants a number" "$T/err" || fail "-n x: $rc $(cat "$T/err")"
rc=0
avow log --author 0000000000 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "no key '0000000000'" "$T/err" || fail "unknown key: $rc $(cat "$T/err")"
rc=0
avow log --json --csv >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "--json --csv: exit $rc"
echo "ok: test_logfilter"

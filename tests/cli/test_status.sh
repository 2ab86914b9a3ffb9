#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_status.sh - `avow status [--json]` (contests, events per author,
# untrusted and forked authors, events not counted, last checkpoint and how far
# behind the log it is) and `avow contest list [--json]`, on known ledgers.
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
command -v jq >/dev/null || { echo "skip: no jq"; exit 0; }

avow -q key new >/dev/null
avow -q key new "$T/b.key" >/dev/null
avow -q init --origin example.org/status
[ "$(avow --json status)" = '{"origin":"example.org/status","events":0,"contests":[],"authors":[],"untrusted_authors":[],"forked_authors":[],"not_counted":0,"checkpoint":null}' ] ||
    fail "empty status: $(avow --json status)"
avow contest new c1 --title "First, one" --rule unanimity --at 2024-01-01 >/dev/null
avow member add c1 LT HU --at 2024-01-01 >/dev/null
avow -q checkpoint >/dev/null
avow contest new c2 --title Second --rule 2/3 --at 2024-02-01 >/dev/null
# another analyst's ledger, synced in: untrusted
avow -L "$T/b" -k "$T/b.key" -q init
avow -L "$T/b" -k "$T/b.key" contest new c3 --title Third --rule 1 --at 2024-03-01 >/dev/null
avow -q sync "$T/b" 2>/dev/null
me=$(avow key show)
bk=$(avow -k "$T/b.key" key show)

avow --json status >"$T/s.json"
jq -e --arg me "$me" --arg bk "$bk" '
    .origin == "example.org/status" and .events == 5 and .contests == ["c1", "c2", "c3"]
    and (.authors | length) == 2
    and (.authors[] | select(.key == $me) | .events == 4 and .status == "owner")
    and (.authors[] | select(.key == $bk) | .events == 1 and .status == "untrusted")
    and .untrusted_authors == [$bk] and .forked_authors == [] and .not_counted == 1
    and .checkpoint == {"size": 3, "behind": 2}' "$T/s.json" >/dev/null ||
    fail "status --json: $(cat "$T/s.json")"
avow status >"$T/s.txt"
grep -qx 'contests: c1 c2 c3' "$T/s.txt" || fail "status: $(cat "$T/s.txt")"
grep -qx "  ${bk:0:8}  -                 untrusted  1 events" "$T/s.txt" || fail "status: $(cat "$T/s.txt")"
grep -q "^not counted: 1 events (see 'avow trust list'; 'avow trust add KEY NAME')$" "$T/s.txt" ||
    fail "status: $(cat "$T/s.txt")"
grep -qx 'checkpoint: 3 events, 2 behind the log' "$T/s.txt" || fail "status: $(cat "$T/s.txt")"
avow trust add "${bk:0:8}" colleague >/dev/null
avow --json status | jq -e '.not_counted == 0 and .untrusted_authors == []
    and (.authors[] | select(.name == "colleague") | .status == "trusted")' >/dev/null ||
    fail "status after trust add: $(avow --json status)"

# contest list
avow contest list >"$T/l.txt"
[ "$(wc -l <"$T/l.txt")" = 3 ] || fail "contest list: $(cat "$T/l.txt")"
grep -q '^c1  2024-01-01  [0-9a-f]\{8\}  rule unanimity  "First, one"$' "$T/l.txt" ||
    fail "contest list: $(cat "$T/l.txt")"
avow contest list --json | jq -s -e 'map(.contest) == ["c1", "c2", "c3"]
    and .[1].rule == "2/3" and .[1].title == "Second" and .[1].effective_at == "2024-02-01"
    and (.[0].id | length) == 64' >/dev/null || fail "contest list --json: $(avow contest list --json)"
rc=0
avow contest list extra >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "contest list extra: exit $rc"
echo "ok: test_status"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_timeline.sh - `avow timeline` (issue 15): every day row equals what
# `avow state --at DATE --json` says for that date (counts and met), the CSV
# parses with Python's csv module and agrees with --json, every step runs, and
# bad input exits 2. Data: the demo ledger (format v1 and v2 rows, an "on or
# before" date, a retraction, Sweden joining).
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
"$AVOW" -q demo "$T/d" >/dev/null
export AVOW_LEDGER=$T/d/a.ledger
C=nato-sg-2024

"$AVOW" timeline "$C" --every day --csv >"$T/day.csv"
"$AVOW" timeline "$C" --every day --json >"$T/day.jsonl"
[ "$(wc -l <"$T/day.jsonl")" -gt 50 ] || fail "too few day rows"
python3 - "$T/day.csv" "$T/day.jsonl" <<'PY' >"$T/dates"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
js = [json.loads(l) for l in open(sys.argv[2])]
assert len(rows) == len(js), (len(rows), len(js))
for r, j in zip(rows, js):
    for k in r:
        v = j[k]
        v = ("true" if v else "false") if isinstance(v, bool) else str(v)
        assert r[k] == v, (k, r[k], v)
    assert sorted(j["actors"]["supports"]) == j["actors"]["supports"]
    assert len(j["actors"]["supports"]) == j["supports"]
for d in sorted({r["date"] for r in rows}):
    print(d)
PY
# Each date against state (a sample of dates keeps the test fast: every 7th and the last).
awk 'NR % 7 == 1 { print } { last = $0 } END { print last }' "$T/dates" | sort -u >"$T/sample"
while read -r d; do
    "$AVOW" state "$C" --at "$d" --json >"$T/state.json"
    python3 - "$T/state.json" "$T/day.jsonl" "$d" <<'PY' || fail "timeline differs from state on $d"
import json, sys
st = json.load(open(sys.argv[1]))
rows = {j["candidate"]: j for j in map(json.loads, open(sys.argv[2])) if j["date"] == sys.argv[3]}
assert set(rows) == {c["name"] for c in st["candidates"]}, (rows.keys(), st["candidates"])
for c in st["candidates"]:
    r = rows[c["name"]]
    assert r["members"] == len(st["members"])
    assert r["needed"] == c["needed"] and r["met"] == c["met"] and r["status"] == c["status"]
    for k in ("supports", "opposes", "undecided"):
        assert r["actors"][k] == c[k], (k, r["actors"][k], c[k])
    assert r["supports"] == c["support_count"]
    for k in ("abstains", "no_stance"):
        if k in c:
            assert r["actors"][k] == c[k], k
PY
done <"$T/sample"

# Weeks end on Sundays, months are YYYY-MM, changes are full times; each is a state.
"$AVOW" timeline "$C" --every week --csv | tail -n +2 | cut -d, -f1 | sort -u >"$T/weeks"
while read -r d; do
    [ "$(date -u -d "$d" +%u)" = 7 ] || fail "week row $d is not a Sunday"
done <"$T/weeks"
"$AVOW" timeline "$C" --every month --csv | tail -n +2 | cut -d, -f1 | grep -qx '2024-04' ||
    fail "no month row 2024-04"
"$AVOW" timeline "$C" --every change --csv >"$T/change.csv"
grep -q '^2024-04-03T23:59:59.999999Z,Rutte,' "$T/change.csv" || fail "no change row at the end of 2024-04-03"
# --from/--to bound the rows.
"$AVOW" timeline "$C" --from 2024-04-01 --to 2024-04-05 --csv | tail -n +2 | cut -d, -f1 |
    sort -u >"$T/range"
[ "$(cat "$T/range" | tr '\n' ' ')" = "2024-04-01 2024-04-02 2024-04-03 2024-04-04 2024-04-05 " ] ||
    fail "range rows: $(cat "$T/range")"

# Bad input: exit 2, one error line.
for args in "--every fortnight" "--from 2024-05-01 --to 2024-04-01" "--from nonsense" \
    "--csv --json" "--min-confidence sure" ""; do
    # shellcheck disable=SC2086
    if [ -z "$args" ]; then set -- timeline; else set -- timeline "$C" $args; fi
    rc=0
    "$AVOW" "$@" >/dev/null 2>"$T/err" || rc=$?
    [ "$rc" = 2 ] || fail "avow $* exited $rc, not 2"
    [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^avow: error: ' "$T/err" || fail "avow $*: $(cat "$T/err")"
done
rc=0
"$AVOW" timeline no-such-contest >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "an unknown contest exited $rc"
echo "ok: test_timeline"

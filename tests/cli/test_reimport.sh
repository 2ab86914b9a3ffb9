#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_reimport.sh - `import --sign` is idempotent: a record this key already
# recorded is skipped and counted as a duplicate; --allow-duplicates appends
# anyway; --dry-run checks and writes nothing; importing a prefix of a file
# then the whole file, or re-running a killed import, appends exactly the rest.
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
count() { avow -L "${1:-$T/ledger}" log | wc -l; }

avow -q key new >/dev/null
avow -q init
{
    echo '{"kind":"contest","contest":"c1","title":"C1","rule":"majority","at":"2024-01-01"}'
    for a in LT HU NL EE; do
        echo "{\"kind\":\"member-join\",\"contest\":\"c1\",\"actor\":\"$a\",\"at\":\"2024-01-01\"}"
    done
    echo '{"kind":"candidate-enter","contest":"c1","candidate":"Rutte","at":"2024-01-02"}'
    echo '{"kind":"stance","contest":"c1","actor":"LT","stance":"supports","candidate":"Rutte","at":"2024-04-03","source":"https://x.example/"}'
    # the same record twice in one file: two events (a multiset, not a set)
    echo '{"kind":"stance","contest":"c1","actor":"HU","stance":"opposes","candidate":"Rutte","at":"2024-04-04","source":"https://x.example/"}'
    echo '{"kind":"stance","contest":"c1","actor":"HU","stance":"opposes","candidate":"Rutte","at":"2024-04-04","source":"https://x.example/"}'
    # differs only in effective_at: a different record
    echo '{"kind":"stance","contest":"c1","actor":"HU","stance":"opposes","candidate":"Rutte","at":"2024-04-05","source":"https://x.example/"}'
} >"$T/all.jsonl"
n=$(wc -l <"$T/all.jsonl")

# --dry-run: checked, nothing written
cp "$T/ledger/data.mdb" "$T/data.before"
avow --json import --sign --dry-run "$T/all.jsonl" >"$T/out"
[ "$(cat "$T/out")" = "{\"records\":$n,\"appended\":0,\"duplicates\":0,\"skipped\":0,\"dry_run\":true}" ] ||
    fail "dry run summary: $(cat "$T/out")"
cmp -s "$T/ledger/data.mdb" "$T/data.before" || fail "--dry-run changed the ledger"
avow import --sign --dry-run "$T/all.jsonl" 2>"$T/err"
grep -q "dry run, nothing written: .*: $n records, $n would be appended, 0 already present, 0 bad" \
    "$T/err" || fail "dry run message: $(cat "$T/err")"

# a prefix first (it defines the contest and has one of the twin records)
head -n 8 "$T/all.jsonl" >"$T/prefix.jsonl"
avow --json import --sign "$T/prefix.jsonl" >"$T/out"
grep -q '"appended":8,"duplicates":0' "$T/out" || fail "prefix: $(cat "$T/out")"
# then the whole file: exactly the rest
avow --json import --sign "$T/all.jsonl" >"$T/out"
[ "$(cat "$T/out")" = "{\"records\":$n,\"appended\":$((n - 8)),\"duplicates\":8,\"skipped\":0,\"dry_run\":false}" ] ||
    fail "whole after prefix: $(cat "$T/out")"
[ "$(count)" = "$n" ] || fail "after prefix + whole: $(count) events, want $n"
# and again: nothing
avow import --sign "$T/all.jsonl" 2>"$T/err"
grep -q "imported 0 events from .*, $n already present" "$T/err" || fail "re-import: $(cat "$T/err")"
[ "$(count)" = "$n" ] || fail "re-import appended"
# the state equals that of one clean import
avow -L "$T/clean" -q init
avow -L "$T/clean" -q import --sign "$T/all.jsonl"
[ "$(avow state c1 --at 2024-12-31 --json)" = "$(avow -L "$T/clean" state c1 --at 2024-12-31 --json)" ] ||
    fail "state after prefix + whole + again differs from a clean import"

# CSV records are the same records
printf 'kind,contest,actor,stance,candidate,at,source\nstance,c1,LT,supports,Rutte,2024-04-03,https://x.example/\n' \
    >"$T/one.csv"
avow --json import --sign --csv "$T/one.csv" | grep -q '"appended":0,"duplicates":1' ||
    fail "a CSV record already recorded was appended"

# another key: not a duplicate (the same record by another analyst is evidence)
avow -q key new "$T/b.key" >/dev/null
avow -k "$T/b.key" --json import --sign "$T/one.csv" --csv | grep -q '"appended":1,"duplicates":0' ||
    fail "another key's record counted as a duplicate"
# --allow-duplicates appends anyway
avow --json import --sign --csv --allow-duplicates "$T/one.csv" |
    grep -q '"appended":1,"duplicates":0' || fail "--allow-duplicates did not append"

# retractions: the same target and reason is the same record, whatever "at"
id=$(avow log --json --actor EE | head -1 | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
echo "{\"kind\":\"retract\",\"target\":\"$id\",\"reason\":\"wrong\"}" >"$T/r.jsonl"
avow -q import --sign "$T/r.jsonl"
avow --json import --sign "$T/r.jsonl" | grep -q '"appended":0,"duplicates":1' ||
    fail "a retraction imported twice"

# a killed import, re-run, appends exactly the rest
python3 - "$T/big.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"kind": "contest", "contest": "big", "title": "Big", "rule": "1", "at": "2024-01-01"}) + "\n")
    for i in range(150000):
        f.write(json.dumps({"kind": "member-join", "contest": "big", "actor": "A%06d" % i, "at": "2024-01-01"}) + "\n")
PY
avow -L "$T/k" -q init
before=$(count "$T/k")
"$AVOW" -L "$T/k" -q import --sign "$T/big.jsonl" &
pid=$!
# kill it once its first batch (65536 records, one transaction) is in
for _ in $(seq 600); do
    last=$("$AVOW" -L "$T/k" log --reverse -n 1 2>/dev/null | sed 's/^#\([0-9]*\).*/\1/')
    [ "${last:-0}" -lt 65536 ] || break
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
mid=$(count "$T/k")
avow -L "$T/k" --json import --sign "$T/big.jsonl" >"$T/out"
[ "$(count "$T/k")" = $((before + 150001)) ] ||
    fail "killed at $mid events, then re-run: $(count "$T/k") events, want $((before + 150001))"
grep -q "\"appended\":$((150001 - mid)),\"duplicates\":$mid," "$T/out" || fail "re-run: $(cat "$T/out")"
avow -L "$T/k" -q verify || fail "the ledger does not verify after a killed import"
echo "ok: test_reimport (killed at $mid of 150001)"

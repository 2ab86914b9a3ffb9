#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_csv.sh - `avow log --csv` and `avow export --csv`: a header row naming
# every key of the --json objects, one row per event whose values equal the
# JSON's, RFC 4180 quoting (commas, quotes, line breaks), read back with
# Python's csv module.
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
command -v python3 >/dev/null || { echo "skip: no python3"; exit 0; }

avow -q key new >/dev/null
avow -q init
avow contest new c1 --title 'Title, with "quotes"' --rule 2/3 --at 2024-01-01 >/dev/null
avow member add c1 LT HU --at 2024-01-01 >/dev/null
avow candidate add c1 Rutte --at 2024-01-02 >/dev/null
id=$(avow declare c1 LT supports Rutte --at 2024-04-03 --source 'https://x.example/?a=1,b=2' \
    --person 'Nauseda, G.' --quote 'He said "yes", then left, ""twice""')
avow declare c1 HU opposes Rutte --at 2024-04-04 --source https://hu.example/ --quote "ünïcødé, ok" >/dev/null
avow retract "$id" --reason 'wrong, "really"' >/dev/null

avow log --csv >"$T/log.csv"
avow log --json >"$T/log.jsonl"
avow export --csv >"$T/export.csv"
avow export >"$T/export.jsonl"
# RFC 4180 line ends, and the header names the columns
head -c 2000 "$T/log.csv" | head -1 | grep -q $'^id,index,kind,.*,status\r$' ||
    fail "log --csv header: $(head -1 "$T/log.csv")"
head -1 "$T/export.csv" | grep -q $',raw\r$' || fail "export --csv has no raw column"

python3 - "$T" <<'PY'
import csv, json, sys
t = sys.argv[1]

def check(csv_path, jsonl_path):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, strict=True))
    header, rows = rows[0], rows[1:]
    objs = [json.loads(line) for line in open(jsonl_path, encoding="utf-8")]
    assert len(rows) == len(objs), (csv_path, len(rows), len(objs))
    for row, obj in zip(rows, objs):
        assert len(row) == len(header), (csv_path, row)
        missing = set(obj) - set(header)
        assert not missing, (csv_path, "JSON keys that are no column", missing)
        for key, value in zip(header, row):
            want = obj.get(key)
            if want is None:
                want = ""
            elif isinstance(want, bool):
                want = "true" if want else "false"
            elif not isinstance(want, str):
                want = json.dumps(want, separators=(",", ":"))
            assert value == want, (csv_path, key, value, want)
    return header, rows

h, rows = check(t + "/log.csv", t + "/log.jsonl")
quote = rows[4][h.index("quote")]
assert quote == 'He said "yes", then left, ""twice""', repr(quote)
assert rows[0][h.index("title")] == 'Title, with "quotes"'
assert rows[6][h.index("reason")] == 'wrong, "really"'
assert rows[0][h.index("status")] == "trusted"
assert rows[5][h.index("quote")] == "ünïcødé, ok"
check(t + "/export.csv", t + "/export.jsonl")
PY
# filters apply to --csv too: a header and the one retraction
[ "$(avow log --csv --kind retract | python3 -c 'import csv,sys; print(len(list(csv.reader(sys.stdin))))')" = 2 ] ||
    fail "log --csv --kind retract is not a header and one row"
# an empty ledger's CSV is its header alone
avow -L "$T/empty" -q init
[ "$(avow -L "$T/empty" log --csv | wc -l)" = 1 ] || fail "empty log --csv is not one header line"
echo "ok: test_csv"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_demo.sh - `avow demo`: exits 0, fits on one screen, and leaves a ledger
# that verifies, whose state on 2024-04-04 has LT, EE, US, GB, DE and FR
# supporting Rutte (28 of 32), HU opposing, no decision; the chart, the
# checkpoint and the second analyst's ledger it names exist and check out.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset AVOW_LEDGER AVOW_KEY AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home" TMPDIR="$T"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}

D="$T/demo"
avow demo "$D" >"$T/out" || fail "avow demo exited $?"
lines=$(wc -l <"$T/out")
[ "$lines" -le 55 ] || fail "the demo prints $lines lines: more than a screen"
grep -q "Everything is in $D" "$T/out" || fail "the demo does not name its directory"
for f in a.key b.key a.ledger b.ledger checkpoint.txt nato.svg; do
    [ -e "$D/$f" ] || fail "no $f in the demo directory"
    grep -q "$f" "$T/out" || fail "the output does not mention $f"
done
[ "$(stat -c %a "$D/a.key")" = 600 ] || fail "a.key is not 0600"

# The ledger verifies, also against the demo's checkpoint.
avow -L "$D/a.ledger" verify >/dev/null || fail "the demo ledger does not verify"
avow -L "$D/a.ledger" -k "$D/a.key" verify --checkpoint "$D/checkpoint.txt" >/dev/null ||
    fail "the demo checkpoint does not verify"
avow -L "$D/b.ledger" verify >/dev/null || fail "analyst B's ledger does not verify"

# The state on 2024-04-04.
avow -L "$D/a.ledger" state nato-sg-2024 --at 2024-04-04 --json >"$T/s.json"
jq -e '.rule == "unanimity" and (.members | length) == 32 and .decision == null' "$T/s.json" \
    >/dev/null || fail "rule, members or decision: $(cat "$T/s.json")"
for a in LT EE US GB DE FR; do
    jq -e --arg a "$a" '.candidates[] | select(.name == "Rutte") | .supports | index($a) != null' \
        "$T/s.json" >/dev/null || fail "$a does not support Rutte on 2024-04-04"
done
jq -e '.candidates[] | select(.name == "Rutte") | .opposes == ["HU"] and .support_count == 28
       and .needed == 32 and .met == false' "$T/s.json" >/dev/null ||
    fail "Rutte on 2024-04-04: $(jq -c '.candidates' "$T/s.json")"
jq -e '[.candidates[].name] | sort == ["Iohannis", "Rutte"]' "$T/s.json" >/dev/null ||
    fail "the candidates are not Rutte and Iohannis"
# 31 members before Sweden joined on 2024-03-07.
[ "$(avow -L "$D/a.ledger" state nato-sg-2024 --at 2024-03-06 --json | jq '.members | length')" = 31 ] ||
    fail "not 31 members on 2024-03-06"

# Two authors, a retraction, and both ledgers hold the same events.
[ "$(avow -L "$D/a.ledger" log --json | jq -r .author | sort -u | wc -l)" = 2 ] ||
    fail "the demo ledger does not have two authors"
[ "$(avow -L "$D/a.ledger" log --json | jq -r 'select(.kind == "retract") | .id' | wc -l)" = 1 ] ||
    fail "no retraction in the demo ledger"
avow -L "$D/b.ledger" sync "$D/a.ledger" >/dev/null 2>&1 || fail "the ledgers do not sync"
[ "$(avow -L "$D/a.ledger" log --json | jq -r .id | sort | sha256sum)" = \
    "$(avow -L "$D/b.ledger" log --json | jq -r .id | sort | sha256sum)" ] ||
    fail "the two analysts' ledgers hold different events after sync"
avow -L "$D/a.ledger" trust list >"$T/trust"
grep -q "analyst B" "$T/trust" || fail "A's ledger does not trust analyst B"

# The chart is valid SVG; the output's commands to try next work as printed.
xmllint --noout "$D/nato.svg" || fail "the demo chart is not valid XML"
grep -q "^  avow -L $D/a.ledger state nato-sg-2024 --at 2024-04-04$" "$T/out" ||
    fail "no command to try next"

# Without DIR: a new directory under $TMPDIR, printed; -q prints only it.
dir=$(avow -q demo)
[ -d "$dir" ] && [ "${dir#"$T"/avow-demo.}" != "$dir" ] || fail "-q demo printed '$dir'"
avow -L "$dir/a.ledger" verify >/dev/null || fail "the default demo ledger does not verify"

# A directory that holds a demo already is refused, and left alone.
before=$(avow -L "$D/a.ledger" log --json | wc -l)
set +e
avow demo "$D" >/dev/null 2>"$T/err"
status=$?
set -e
[ $status -eq 2 ] || fail "a second demo in the same directory exits $status"
grep -q '^avow: error: ' "$T/err" || fail "no error line"
[ "$(avow -L "$D/a.ledger" log --json | wc -l)" = "$before" ] || fail "the second demo wrote"
echo "ok: demo"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_chart.sh - `avow chart`: a valid standalone SVG (xmllint), that renders
# to PNG (rsvg-convert), whose steps say what `avow state --at` says at each
# change time (every step carries a <title> "TIME: CANDIDATE S of M members
# support, N needed"), and refusals of bad arguments.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_LEDGER="$T/ledger" AVOW_KEY="$T/key"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}
for tool in xmllint rsvg-convert jq; do
    command -v $tool >/dev/null || fail "$tool is needed (tools/deps.sh installs it)"
done

avow -q key new "$T/key" >/dev/null
avow init --origin avow.test/chart >/dev/null
C=sg
src=https://www.example.org/chart-test
avow contest new $C --title 'Chart <test> & "quotes"' --rule 2/3 --at 2024-01-01 --source $src >/dev/null
avow member add $C AA BB CC DD EE --at 2024-01-01 >/dev/null
avow member add $C FF --at 2024-02-10 >/dev/null
avow candidate add $C Rutte --at 2024-01-05 >/dev/null
avow candidate add $C Iohannis --at 2024-01-20 >/dev/null
avow declare $C AA supports Rutte --at 2024-01-10 --source $src >/dev/null
avow declare $C BB supports Iohannis --at 2024-01-25 --source $src >/dev/null
avow declare $C BB supports Rutte --at 2024-02-15T12:00:00Z --source $src >/dev/null
avow declare $C CC supports Rutte --at 2024-02-15T12:00:00Z --source $src >/dev/null
wrong=$(avow declare $C DD supports Rutte --at 2024-03-01 --source $src)
avow retract "$wrong" --reason "wrong member" >/dev/null
avow declare $C EE supports Rutte --at 2024-03-05 --source $src >/dev/null
avow candidate withdraw $C Iohannis --at 2024-03-10 >/dev/null
avow decide $C Rutte --at 2024-03-20 --source $src >/dev/null

# 1. Valid standalone SVG that renders.
avow chart $C --out "$T/c.svg"
xmllint --noout "$T/c.svg" || fail "xmllint refuses the chart"
rsvg-convert "$T/c.svg" -o "$T/c.png" || fail "rsvg-convert cannot render the chart"
[ -s "$T/c.png" ] || fail "empty PNG"
grep -q 'decision: Rutte' "$T/c.svg" || fail "no decision marker"
grep -q 'Chart &lt;test&gt; &amp; &quot;quotes&quot;' "$T/c.svg" || fail "title not escaped"
grep -q '5→6 members' "$T/c.svg" || fail "no member change marker"

# 2. One step per distinct effective time of the changes, each equal to state.
grep -o '<title>[^<]*</title>' "$T/c.svg" | sed 's/<title>//; s/<\/title>//' >"$T/steps"
[ -s "$T/steps" ] || fail "no step titles"
n_times=$(cut -d' ' -f1 "$T/steps" | sort -u | wc -l)
# The axis starts shortly before the first candidacy (2024-01-05): the
# contest's founding day is its starting value, not a step.
n_changes=$(avow history $C --json | jq -r .effective_at | sort -u | grep -vcx '2024-01-01T00:00:00Z')
[ "$n_times" -eq "$n_changes" ] || fail "$n_times step times for $n_changes change times"
checked=0
while read -r when cand s _of m _rest; do
    when=${when%:}
    needed=$(sed -n 's/.*support, \([0-9]*\) needed$/\1/p' <<<"$_rest")
    avow state $C --at "$when" --json >"$T/state.json"
    want_m=$(jq '.members | length' "$T/state.json")
    want_s=$(jq --arg c "$cand" '[.candidates[] | select(.name == $c) | .support_count] | first // 0' \
        "$T/state.json")
    [ "$m" = "$want_m" ] || fail "$when: chart says $m members, state says $want_m"
    [ "$s" = "$want_s" ] || fail "$when: chart says $cand $s, state says $want_s"
    if jq -e --arg c "$cand" 'any(.candidates[]; .name == $c)' "$T/state.json" >/dev/null; then
        want_n=$(jq --arg c "$cand" '.candidates[] | select(.name == $c) | .needed' "$T/state.json")
        [ "$needed" = "$want_n" ] || fail "$when: chart says $needed needed, state says $want_n"
    fi
    checked=$((checked + 1))
done <"$T/steps"
[ "$checked" -ge 18 ] || fail "only $checked steps checked"
# The retracted declaration does not count: at most 4 of 6 for Rutte at the end.
grep -q '^2024-03-05T00:00:00Z: Rutte 4 of 6 members support, 4 needed$' "$T/steps" ||
    fail "the step of 2024-03-05 is not 4 of 6"

# 3. --from/--to narrow the axis; steps outside it carry no marker.
avow chart $C --out "$T/narrow.svg" --from 2024-02-01 --to 2024-03-01
xmllint --noout "$T/narrow.svg"
grep -q '2024-03-05T' "$T/narrow.svg" && fail "a step after --to is marked"
grep -q '2024-01-10T' "$T/narrow.svg" && fail "a step before --from is marked"
grep -q '2024-02-15T12:00:00Z: Rutte 3 of 6' "$T/narrow.svg" || fail "step inside the axis missing"
# --known-at: as the ledger stood before anything was recorded, nothing to draw.
avow chart $C --out "$T/k.svg" --known-at 2000-01-01
xmllint --noout "$T/k.svg"
grep -q '<title>' "$T/k.svg" && fail "--known-at before any record still draws steps"
avow chart $C --out - | xmllint --noout - || fail "--out - does not write the SVG to stdout"

# 4. Refusals: exit 2, nothing written.
set +e
avow chart $C --out "$T/bad.svg" --from 2024-03-01 --to 2024-02-01 2>"$T/err"
[ $? -eq 2 ] || fail "--to before --from is not a usage error"
avow chart nosuch --out "$T/bad.svg" 2>"$T/err"
[ $? -eq 2 ] || fail "an unknown contest is not a usage error"
avow chart $C 2>"$T/err"
[ $? -eq 2 ] || fail "a chart without --out is not a usage error"
grep -q '^avow: error: .*--out' "$T/err" || fail "no error line about --out"
avow chart $C --out "$T/bad.svg" --from yesterday-ish 2>"$T/err"
[ $? -eq 2 ] || fail "a bad time is not a usage error"
set -e
[ -e "$T/bad.svg" ] && fail "a refused chart wrote a file"
# 5. Issue 19: a contest dated decades before its race; the axis starts
# within a month of the first candidacy; PNG of the requested size.
avow contest new old --title Old --rule 2/3 --at 1949-04-04 --source $src >/dev/null
avow member add old AA BB CC --at 1949-04-04 >/dev/null
avow candidate add old X --at 2024-02-01 >/dev/null
avow declare old AA supports X --at 2024-03-01 --source $src >/dev/null
avow chart old --out "$T/old.svg"
xmllint --noout "$T/old.svg" || fail "the long contest's chart is not valid XML"
grep -q '>19[0-9][0-9]' "$T/old.svg" && fail "the axis of a 1949 contest still labels the 1900s"
grep -q '>2024-01-1[89]<\|>2024-01-2[0-9]<\|>2024-01-3[01]<\|>2024-02-0[1-9]<' "$T/old.svg" ||
    fail "the axis does not start within a month of the first candidacy"
avow chart old --out "$T/old.png" --width 700 --height 400 --title T --subtitle S
file "$T/old.png" | grep -q 'PNG image data, 700 x 400' || fail "PNG not 700x400"
grep -q 'Source: avow ledger avow.test/chart, ' "$T/c.svg" || fail "no default credit line"
set +e
avow chart old --out "$T/bad.svg" --width 10 2>/dev/null
[ $? -eq 2 ] || fail "a too small --width is not a usage error"
set -e
avow chart --help | grep -q 'usage: avow chart CONTEST --out' || fail "no help"
echo "ok: chart"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_research.sh - the research model of format v2 through the CLI, on the
# NATO Secretary General 2024 race (../shared/seed/): 32 members, Rutte and
# Iohannis. Iohannis signals about late February, enters 14 March, withdraws
# 20 June; Hungary opposes Rutte until 18 June, then supports; "28 of 32, say
# insiders" is a low-confidence latest-by count; Estonia's endorsement is
# dated by an interval; Romania's support is reported a week after it
# happened; the decision of 26 June takes effect 1 October. The same facts
# imported with `import --sign` (JSON Lines and CSV) give the same states;
# bad input is refused with exit 2 and the ledger unchanged; same-day lines
# of one import keep file order in every ledger.
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
    "$AVOW" "$@"
}
# st DATE [OPTIONS...]: state --json of the contest at DATE into $T/st.json
st() {
    local at=$1
    shift
    avow state $C --at "$at" --json "$@" >"$T/st.json"
}
# check JQ-EXPR WHAT: the last state satisfies the expression
check() {
    jq -e "$1" "$T/st.json" >/dev/null || fail "$2: $(jq -c . "$T/st.json")"
}
# rutte / iohannis: the candidate's object in the last state
R='(.candidates[] | select(.name == "Rutte"))'
I='(.candidates[] | select(.name == "Iohannis"))'
has() { # list element -> jq boolean
    echo "(($1) | index(\"$2\")) != null"
}

avow -q key new "$T/key" >/dev/null
avow init --origin avow.test/research >/dev/null
C=nato-sg-2024
art=https://example.org/nato-article
members=(AL BE BG CA HR CZ DK EE FI FR DE GR HU IS IT LV LT LU ME NL MK NO PL PT RO SK SE SI ES TR GB US)
# the members the insiders' count adds (28 = these 24 + US GB DE FR)
insiders=(AL BE BG CA HR CZ DK FI GR IS IT LV LU ME NL MK NO PL PT SE SI ES TR SK)

avow contest new $C --title "NATO Secretary General 2024" --rule unanimity --at 2023-10-01 \
    --source https://www.nato.int/ --note "appointed by consensus" >/dev/null
avow member add $C "${members[@]}" --at 2024-01-01 >/dev/null
avow candidate add $C Rutte --at 2023-11-01 >/dev/null
avow candidate signal $C Iohannis --at 2024-02-27~ --source $art --confidence medium \
    --note "signalled, not declared" >/dev/null
avow candidate add $C Iohannis --at 2024-03-14 --source $art >/dev/null
for a in US GB DE FR; do
    avow declare $C $a supports Rutte --at 2024-02-22~ --source $art --confidence high >/dev/null
done
avow declare $C RO supports Iohannis --at 2024-03-14 --reported-at 2024-03-21 --source $art \
    --note "reported a week later" >/dev/null
for a in "${insiders[@]}"; do
    avow declare $C "$a" supports Rutte --at ../2024-04-02 --source $art --confidence low \
        --note "28 of 32, say insiders" >/dev/null
done
avow declare $C HU opposes Rutte --at 2024-04-01 --source https://hu.example/ \
    --person "Peter Szijjarto" --confidence high >/dev/null
avow declare $C EE supports Rutte --at 2024-03-28/2024-04-03 --source $art \
    --person "Kaja Kallas" --quote "Estonia can support him as Secretary General of NATO" \
    --confidence medium --note "posted on X; date not given" >/dev/null
avow declare $C LT supports Rutte --at 2024-04-03T12:00:00Z --source $art \
    --person "Gitanas Nauseda" >/dev/null
# Slovakia first leans to Iohannis (single choice: one candidate at a time),
# then to Rutte; Turkey abstains for a while.
avow declare $C SK supports Iohannis --at 2024-04-10 --source $art --confidence medium >/dev/null
avow declare $C SK supports Rutte --at 2024-05-02 --source $art >/dev/null
avow declare $C TR abstains Rutte --at 2024-04-20 --source $art >/dev/null
avow declare $C TR supports Rutte --at 2024-04-29 --source $art >/dev/null
avow declare $C HU supports Rutte --at 2024-06-18 --source https://hu.example/ >/dev/null
avow candidate withdraw $C Iohannis --at 2024-06-20 --source $art >/dev/null
avow declare $C RO supports Rutte --at 2024-06-24 --source $art >/dev/null
avow decide $C Rutte --at 2024-06-26 --takes-effect 2024-10-01 --source https://www.nato.int/ \
    --note "from 1 October" >/dev/null

# ---- state --json ---------------------------------------------------------

# before the signal: only Rutte; v2 shape with the contest's choice
st 2024-02-20
check '.choice == "single" and .min_confidence == null and .public_at == null and
    (.members | length) == 32 and ([.candidates[].name] == ["Rutte"]) and
    '"$R"'.supports == [] and '"$R"'.support_count == 0 and '"$R"'.needed == 32' "before the signal"
# after the "about" date: signalled, not running; the about-dated supports count
st 2024-03-01
check ''"$I"'.status == "signalled" and '"$R"'.status == "running" and
    '"$R"'.supports == ["DE", "FR", "GB", "US"]' "signalled on 2024-03-01"
# entered 14 March; RO's support (dated 14 March) counts from that day on
st 2024-03-13
check ''"$I"'.status == "signalled" and '"$I"'.supports == []' "Iohannis before entering"
st 2024-03-14
check ''"$I"'.status == "running" and '"$I"'.supports == ["RO"] and '"$I"'.support_count == 1 and
    ('"$R"'.no_stance | index("RO")) != null' "Iohannis enters"
# inside EE's interval (28 March - 3 April): possible, not counted, not no_stance;
# the latest-by rows ("on or before 2 April") count only from the end of 2 April
st 2024-03-30
check ''"$R"'.possible == ["EE"] and ('"$R"'.supports | index("EE")) == null and
    ('"$R"'.no_stance | index("EE")) == null and ('"$R"'.no_stance | index("IT")) != null and
    '"$R"'.support_count == 4' "inside EE's interval, before the by date"
# before the interval: EE has no stance, nothing possible
st 2024-03-27
check ''"$R"'.possible == [] and ('"$R"'.no_stance | index("EE")) != null' "before EE's interval"
# 2 April: the insiders' 24 now count (+4 = 28), EE still possible, HU opposes
st 2024-04-02
check ''"$R"'.support_count == 28 and '"$R"'.possible == ["EE"] and '"$R"'.opposes == ["HU"] and
    ('"$R"'.supports | index("IT")) != null' "on 2 April (the insiders' count)"
# 3 April, after the interval's end: EE and LT support (30); no possible
st 2024-04-03
check ''"$R"'.support_count == 30 and '"$R"'.possible == [] and
    ('"$R"'.supports | index("EE")) != null and ('"$R"'.supports | index("LT")) != null' \
    "after EE's interval"
# single choice: SK supports Iohannis on 10 April: its Rutte support ends
st 2024-04-10
check ''"$I"'.supports == ["RO", "SK"] and ('"$R"'.supports | index("SK")) == null and
    ('"$R"'.no_stance | index("SK")) != null and '"$R"'.support_count == 29' "SK to Iohannis"
# TR abstains from 20 April to 29 April
st 2024-04-25
check ''"$R"'.abstains == ["TR"] and ('"$R"'.supports | index("TR")) == null and
    '"$R"'.support_count == 28' "TR abstains"
# SK back to Rutte on 2 May: gone from Iohannis (no_stance there), TR supports again
st 2024-05-02
check ''"$I"'.supports == ["RO"] and ('"$I"'.no_stance | index("SK")) != null and
    '"$R"'.abstains == [] and '"$R"'.support_count == 30' "SK back to Rutte"
# Hungary: opposes until 18 June, then supports
st 2024-06-17
check ''"$R"'.opposes == ["HU"] and '"$R"'.support_count == 30' "HU before 18 June"
st 2024-06-18
check ''"$R"'.opposes == [] and ('"$R"'.supports | index("HU")) != null and
    '"$R"'.support_count == 31 and '"$R"'.met == false' "HU from 18 June"
# before / after the withdrawal: RO's support lapses, not counted
st 2024-06-19
check ''"$I"'.status == "running" and '"$I"'.supports == ["RO"] and '"$I"'.lapsed == []' \
    "before the withdrawal"
st 2024-06-20
check ''"$I"'.status == "withdrawn" and '"$I"'.supports == [] and '"$I"'.lapsed == ["RO"] and
    '"$I"'.support_count == 0 and '"$I"'.met == false and ('"$R"'.no_stance | index("RO")) != null' \
    "after the withdrawal"
# RO moves to Rutte on 24 June: unanimity met, the lapse gone (single choice)
st 2024-06-24
check ''"$R"'.support_count == 32 and '"$R"'.met == true and '"$I"'.lapsed == [] and
    .decision == null' "unanimity on 24 June"
# the decision: taken 26 June, in effect from 1 October
st 2024-06-25
check '.decision == null' "before the decision"
st 2024-06-26
check '.decision.candidate == "Rutte" and .decision.at == "2024-06-26T00:00:00Z" and
    .decision.takes_effect == "2024-10-01T00:00:00Z" and .decision.in_effect == false' \
    "decided, not in effect"
st 2024-09-30
check '.decision.in_effect == false' "the day before it takes effect"
st 2024-10-01
check '.decision.in_effect == true' "in effect from 1 October"

# --min-confidence: low rows (the insiders' count) out at medium; medium rows out at high
st 2024-04-05 --min-confidence medium
check '.min_confidence == "medium" and '"$R"'.support_count == 6 and
    ('"$R"'.supports | index("IT")) == null and ('"$R"'.supports | index("EE")) != null and
    ('"$R"'.no_stance | index("IT")) != null and '"$I"'.status == "running"' "min-confidence medium"
st 2024-04-05 --min-confidence high
check '.min_confidence == "high" and ('"$R"'.supports | index("EE")) == null and
    ('"$R"'.supports | index("LT")) != null and '"$R"'.support_count == 5' "min-confidence high"
# the medium-rated signal is left out at high: Iohannis not signalled before entering
st 2024-03-01 --min-confidence high
check '([.candidates[].name] == ["Rutte"])' "min-confidence high drops the signal"
st 2024-04-05 --min-confidence low
check '.min_confidence == "low" and '"$R"'.support_count == 30' "min-confidence low keeps all"

# --public-at: RO's support (14 March, reported 21 March) is not public on 20 March
st 2024-03-20 --public-at 2024-03-20
check '.public_at == "2024-03-20T23:59:59.999999Z" and '"$I"'.supports == [] and
    ('"$I"'.no_stance | index("RO")) != null' "public-at before the report"
st 2024-03-20 --public-at 2024-03-21
check ''"$I"'.supports == ["RO"]' "public-at on the report day"
# a row without reported_at is public from its effective time: the decision
st 2024-10-02 --public-at 2024-06-25
check '.decision == null and '"$R"'.support_count == 32' "public-at before the decision"

# a contest with a choice has the v2 shape at every date
st 2024-04-05
check 'has("choice") and has("min_confidence") and ('"$R"' | has("possible") and has("lapsed"))' \
    "v2 shape"

# ---- explain ----------------------------------------------------------------

avow explain $C IT Rutte --at 2024-04-05 >"$T/ex.txt"
grep -q "on or before 2 April 2024" "$T/ex.txt" || fail "explain by: $(cat "$T/ex.txt")"
grep -q '\[confidence low\]' "$T/ex.txt" || fail "explain confidence"
grep -q '^  confidence  *low$' "$T/ex.txt" || fail "explain confidence line"
grep -q "28 of 32, say insiders" "$T/ex.txt" || fail "explain note: $(cat "$T/ex.txt")"
avow explain $C US Rutte --at 2024-04-05 >"$T/ex.txt"
grep -q "about 22 February 2024" "$T/ex.txt" || fail "explain about: $(cat "$T/ex.txt")"
avow explain $C EE Rutte --at 2024-04-05 >"$T/ex.txt"
grep -q "some time between 28 March 2024 and 3 April 2024" "$T/ex.txt" ||
    fail "explain between: $(cat "$T/ex.txt")"
grep -q "posted on X; date not given" "$T/ex.txt" || fail "explain EE note"
grep -q "Kaja Kallas" "$T/ex.txt" || fail "explain EE person"
avow explain $C RO Iohannis --at 2024-03-30 >"$T/ex.txt"
grep -q '\[reported 2024-03-21\]' "$T/ex.txt" || fail "explain reported_at: $(cat "$T/ex.txt")"
# inside the interval: no stance, the row listed as possible
avow explain $C EE Rutte --at 2024-03-30 >"$T/ex.txt"
grep -q "^EE has no stance on Rutte" "$T/ex.txt" || fail "explain no stance: $(cat "$T/ex.txt")"
grep -q "^possible" "$T/ex.txt" || fail "explain possible: $(cat "$T/ex.txt")"
avow explain $C EE Rutte --at 2024-03-30 --json >"$T/ex.json"
jq -e '.stance == null and .deciding == null and (.possible | length) == 1 and
    .possible[0].stance == "supports" and .possible[0].at == "2024-03-28/2024-04-03" and
    .possible[0].at_qualifier == "between" and .possible[0].at_from == "2024-03-28T00:00:00Z" and
    .possible[0].confidence == "medium" and .possible[0].note == "posted on X; date not given" and
    .possible[0].reported_at == null' "$T/ex.json" >/dev/null || fail "explain --json possible: $(cat "$T/ex.json")"
avow explain $C EE Rutte --at 2024-03-27 --json >"$T/ex.json"
jq -e '.stance == null and (.possible // []) == []' "$T/ex.json" >/dev/null || fail "explain before interval"
avow explain $C IT Rutte --at 2024-04-05 --json >"$T/ex.json"
jq -e '.stance == "supports" and .deciding.at == "../2024-04-02" and
    .deciding.at_qualifier == "by" and .deciding.at_from == null and .deciding.confidence == "low" and
    .deciding.note == "28 of 32, say insiders" and .possible == []' "$T/ex.json" >/dev/null ||
    fail "explain --json by: $(cat "$T/ex.json")"
avow explain $C RO Iohannis --at 2024-03-30 --json >"$T/ex.json"
jq -e '.deciding.reported_at == "2024-03-21T00:00:00Z" and .deciding.at_qualifier == "exact"' \
    "$T/ex.json" >/dev/null || fail "explain --json reported_at: $(cat "$T/ex.json")"
# filters on explain: at --min-confidence medium, IT's low row is left out
avow explain $C IT Rutte --at 2024-04-05 --min-confidence medium --json >"$T/ex.json"
jq -e '.stance == null and .deciding == null' "$T/ex.json" >/dev/null ||
    fail "explain --min-confidence: $(cat "$T/ex.json")"
avow explain $C RO Iohannis --at 2024-03-20 --public-at 2024-03-20 --json >"$T/ex.json"
jq -e '.stance == null' "$T/ex.json" >/dev/null || fail "explain --public-at: $(cat "$T/ex.json")"

# ---- history and log --------------------------------------------------------

avow history $C >"$T/h.txt"
grep -q '^2024-02-27~  Iohannis signals a candidacy \[confidence medium\] \[note: signalled, not declared\]' \
    "$T/h.txt" || fail "history signal: $(cat "$T/h.txt")"
grep -q '^\.\./2024-04-02  IT supports Rutte \[confidence low\] \[note: 28 of 32, say insiders\]' \
    "$T/h.txt" || fail "history by"
grep -q '^2024-03-28/2024-04-03  EE supports Rutte' "$T/h.txt" || fail "history between"
grep -q '^2024-03-14  RO supports Iohannis .*\[reported 2024-03-21\]' "$T/h.txt" ||
    fail "history reported"
grep -q '^2024-04-20  TR abstains Rutte' "$T/h.txt" || fail "history abstains"
grep -q '^2024-06-20  Iohannis withdraws' "$T/h.txt" || fail "history withdraws"
grep -q '^2024-06-26  decision: Rutte, takes effect 2024-10-01' "$T/h.txt" || fail "history decision"
[ "$(avow history $C --min-confidence medium | grep -c 'say insiders')" = 0 ] ||
    fail "history --min-confidence"
avow history $C --public-at 2024-03-20 >"$T/h.txt"
grep -q 'RO supports Iohannis' "$T/h.txt" && fail "history --public-at keeps an unreported row"
grep -q 'Iohannis enters' "$T/h.txt" || fail "history --public-at drops a public row"
# history --json gives the instant a row counts from (the end of the interval)
avow history $C --actor EE --json >"$T/h.json"
jq -se 'map(select(.kind == "stance")) | length == 1 and
    .[0].effective_at == "2024-04-03T23:59:59.999999Z" and .[0].at == "2024-03-28/2024-04-03" and
    .[0].stance == "supports" and .[0].person == "Kaja Kallas"' "$T/h.json" >/dev/null || fail "history --json: $(cat "$T/h.json")"
avow log --contest $C >"$T/log.txt"
grep -q 'candidate-signal .*Iohannis' "$T/log.txt" || fail "log signal: $(cat "$T/log.txt")"
grep -q 'decision .*decided Rutte, takes effect 2024-10-01' "$T/log.txt" || fail "log decision"
avow log --contest $C --json >"$T/log.json"
jq -se 'map(select(.kind == "contest"))[0].choice == "single" and
    (map(select(.kind == "decision"))[0] | .takes_effect == "2024-10-01T00:00:00Z" and
      .note == "from 1 October") and
    (map(select(.kind == "stance" and .actor == "RO" and .candidate == "Iohannis"))[0] |
      .reported_at == "2024-03-21T00:00:00Z" and .note == "reported a week later") and
    (map(select(.kind == "candidate-signal"))[0] | .at == "2024-02-27~" and
      .at_qualifier == "approximate" and .confidence == "medium")' "$T/log.json" >/dev/null ||
    fail "log --json v2 keys"
avow verify >/dev/null || fail "verify the CLI-built ledger"

# ---- every --at form, in a contest of multiple choice ----------------------------

F=forms
avow contest new $F --title "Every form" --rule 1 --choice multiple --at 2024-01-01 >/dev/null
avow member add $F A B C D E G H I --at 2024-01-01 >/dev/null
for x in X Y; do avow candidate add $F $x --at 2024-01-01 >/dev/null; done
forms=(A:2024-05 B:2024-05~ C:../2024-05 D:2024-04/2024-05
    E:2024-05-10T09:00:00Z/2024-05-10T17:00:00Z G:../2024-05-10T12:00:00Z H:2024-05-10T12:30:00Z
    I:2024-05-09/2024-05-10)
for p in "${forms[@]}"; do
    avow declare $F "${p%%:*}" supports X --at "${p#*:}" --source $art >/dev/null
done
# multiple choice: a supports of Y ends nothing
avow declare $F A supports Y --at 2024-06-01 --source $art >/dev/null
fx() { # fx AT SUPPORTS POSSIBLE NO_STANCE (comma-separated)
    avow state $F --at "$1" --json >"$T/st.json"
    check '.choice == "multiple" and (.candidates[0] | .name == "X" and
        (.supports | join(",")) == "'"$2"'" and (.possible | join(",")) == "'"$3"'" and
        (.no_stance | join(",")) == "'"$4"'" and .support_count == (.supports | length))' \
        "forms at $1"
}
fx 2024-03-31 "" "" "A,B,C,D,E,G,H,I"
fx 2024-04-01T00:00:00Z "" "D" "A,B,C,E,G,H,I"
fx 2024-05-01T00:00:00Z "A,B" "D" "C,E,G,H,I"
fx 2024-05-09T00:00:00Z "A,B" "D,I" "C,E,G,H"
# (a time given to the second means the end of that second)
fx 2024-05-10T08:59:59Z "A,B" "D,I" "C,E,G,H"
fx 2024-05-10T09:00:00Z "A,B" "D,E,I" "C,G,H"
fx 2024-05-10T11:59:59Z "A,B" "D,E,I" "C,G,H"
fx 2024-05-10T12:00:00Z "A,B,G" "D,E,I" "C,H"
fx 2024-05-10T12:30:00Z "A,B,G,H" "D,E,I" "C"
fx 2024-05-10T16:59:59Z "A,B,G,H" "D,E,I" "C"
fx 2024-05-10T17:00:00Z "A,B,E,G,H" "D,I" "C"
fx 2024-05-10 "A,B,E,G,H,I" "D" "C"
fx 2024-05-31T23:59:58Z "A,B,E,G,H,I" "D" "C"
fx 2024-05-31 "A,B,C,D,E,G,H,I" "" ""
fx 2024-06-01 "A,B,C,D,E,G,H,I" "" ""
jq -e '(.candidates[1] | .name == "Y" and .supports == ["A"])' "$T/st.json" >/dev/null ||
    fail "multiple choice keeps both supports: $(cat "$T/st.json")"
avow explain $F B X >"$T/ex.txt"
grep -q "^B supports X (member), about May 2024" "$T/ex.txt" || fail "explain about a month"
avow explain $F C X >"$T/ex.txt"
grep -q "^C supports X (member), on or before May 2024" "$T/ex.txt" || fail "explain by a month"
avow explain $F D X >"$T/ex.txt"
grep -q "^D supports X (member), some time between April 2024 and May 2024" "$T/ex.txt" ||
    fail "explain between months"
avow explain $F E X >"$T/ex.txt"
grep -q "^E supports X (member), some time between 2024-05-10T09:00:00Z and " "$T/ex.txt" ||
    fail "explain between times: $(cat "$T/ex.txt")"
avow log --contest $F --json | jq -se '(map(select(.kind == "stance" and .actor == "D"))[0] |
    .at == "2024-04/2024-05" and .effective_at == "2024-05-31T23:59:59.999999Z" and
    .at_from == "2024-04-01T00:00:00Z") and (map(select(.kind == "stance" and .actor == "C"))[0] | .at == "../2024-05")' \
    >/dev/null || fail "log --json of the month forms"

# ---- import --sign: JSON Lines and CSV with every new key ----------------------

# The records, written out from the CLI-built ledger's log (every key, in log
# order): kind, at (the uncertain forms as given), the text fields and the v2
# keys note, confidence, reported_at, choice, takes_effect.
keys='["kind","at","contest","title","rule","actor","candidate","stance","person","source",
    "quote","note","confidence","reported_at","choice","takes_effect"]'
kinds='{"contest":1,"member-join":1,"candidate-enter":1,"candidate-signal":1,
    "candidate-withdraw":1,"stance":1,"decision":1}'
avow log --contest $C --json | jq -c --argjson keys "$keys" --argjson kinds "$kinds" '
    select($kinds[.kind] == 1) | .at = (.at // .effective_at) |
    . as $e | reduce $keys[] as $k ({}; if ($e[$k] // null) != null then .[$k] = $e[$k] else . end)' \
    >"$T/records.jsonl"
[ "$(wc -l <"$T/records.jsonl")" = "$(avow log --contest $C --json | wc -l)" ] ||
    fail "every event is a record"
for k in note confidence reported_at choice takes_effect; do
    grep -q "\"$k\":" "$T/records.jsonl" || fail "records lack $k"
done
for q in '"at":"../2024-04-02"' '"at":"2024-03-28/2024-04-03"' '"at":"2024-02-27~"'; do
    grep -qF "$q" "$T/records.jsonl" || fail "records lack $q"
done
jq -r --argjson keys "$keys" '$keys | @csv' -n | tr -d '"' >"$T/records.csv"
jq -r --argjson keys "$keys" '. as $e | [$keys[] | $e[.] // ""] | @csv' "$T/records.jsonl" \
    >>"$T/records.csv"
avow -q key new "$T/key2" >/dev/null
for f in jsonl csv; do
    L="$T/imp-$f"
    avow -q -L "$L" init --origin avow.test/research-$f
    opt=()
    [ $f = csv ] && opt=(--csv)
    avow -q -L "$L" -k "$T/key2" import --sign "${opt[@]}" "$T/records.$f" ||
        fail "import --sign $f"
    avow -L "$L" verify >/dev/null || fail "verify the $f import"
    for q in 2024-02-20 2024-03-01 2024-03-14 2024-03-27 2024-03-30 2024-04-02 2024-04-03 \
        2024-04-10 2024-04-25 2024-05-02 2024-06-18 2024-06-20 2024-06-24 2024-06-26 2024-10-01; do
        for filt in "" "--min-confidence medium" "--min-confidence high" "--public-at 2024-03-20" \
            "--public-at 2024-06-25"; do
            # shellcheck disable=SC2086 # $filt is two words or none
            a=$(avow state $C --at $q $filt --json)
            # shellcheck disable=SC2086
            b=$(avow -L "$L" -k "$T/key2" state $C --at $q $filt --json)
            if [[ $q < 2024-06-26 ]]; then
                # no decision yet: the digests agree (the decision's id differs between ledgers)
                [ "$(jq -r .digest <<<"$a")" = "$(jq -r .digest <<<"$b")" ] ||
                    fail "$f import: digest at $q $filt: $a vs $b"
            fi
            [ "$(jq -c 'del(.digest, .decision.id)' <<<"$a")" = \
                "$(jq -c 'del(.digest, .decision.id)' <<<"$b")" ] ||
                fail "$f import: state at $q $filt: $a vs $b"
        done
    done
done

# ---- refusals: exit 2, one error line, the ledger byte-identical --------------------

sum() {
    sha256sum "$AVOW_LEDGER/data.mdb" | cut -d' ' -f1
}
before=$(sum)
refuse() {
    local rc=0
    avow "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $*: exit $rc, want 2: $(cat "$T/err")"
    # (import names each bad line first, then one error line)
    [ "$(wc -l <"$T/err")" = 1 ] || [ "$1" = import ] || fail "avow $*: stderr: $(cat "$T/err")"
    tail -1 "$T/err" | grep -q '^avow: error: ' ||
        fail "avow $*: stderr: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "avow $*: stdout: $(cat "$T/out")"
    [ "$(sum)" = "$before" ] || fail "avow $*: the ledger changed"
}
d=(declare "$C" LT supports Rutte --source "$art")
refuse "${d[@]}" --at 2024-04-03 --confidence certain
refuse "${d[@]}" --at 2024-04-03 --confidence ''
refuse contest new other --title T --rule majority --at 2024-01-01 --choice several
refuse "${d[@]}" --at '2024-04-?'
refuse "${d[@]}" --at '2024-04?'
refuse "${d[@]}" --at '../'
refuse "${d[@]}" --at '2024-04-02/..'
refuse "${d[@]}" --at '2024-04-05/2024-04-02'
refuse "${d[@]}" --at '2024-04-03T12:00:00Z/2024-04-03T11:00:00Z'
refuse "${d[@]}" --at 2024-04-03 --reported-at 'soon'
refuse decide $C Rutte --at 2024-06-26 --takes-effect 'autumn'
refuse state $C --min-confidence certain
refuse state $C --public-at 'yesterday-ish'
refuse explain $C LT Rutte --min-confidence none
# an attestation cannot carry a filter: verify --attestation could never recompute it
refuse state $C --attest --min-confidence medium
refuse state $C --attest --public-at 2024-05-01
# the same refusals in import --sign records: nothing appended
printf '%s\n' '{"kind":"stance","contest":"'$C'","actor":"LT","stance":"supports","candidate":"Rutte","at":"2024-04-03","source":"https://x/"}' \
    '{"kind":"stance","contest":"'$C'","actor":"LT","stance":"supports","candidate":"Rutte","at":"2024-04-03","source":"https://x/","confidence":"sure"}' \
    >"$T/bad1.jsonl"
refuse import --sign "$T/bad1.jsonl"
printf '%s\n' '{"kind":"contest","contest":"o2","title":"T","rule":"majority","at":"2024-01-01","choice":"any"}' >"$T/bad2.jsonl"
refuse import --sign "$T/bad2.jsonl"
printf '%s\n' '{"kind":"stance","contest":"'$C'","actor":"LT","stance":"supports","candidate":"Rutte","at":"2024-04-?","source":"https://x/"}' >"$T/bad3.jsonl"
refuse import --sign "$T/bad3.jsonl"
printf '%s\n' '{"kind":"stance","contest":"'$C'","actor":"LT","stance":"supports","candidate":"Rutte","at":"2024-04-09/2024-04-03","source":"https://x/"}' >"$T/bad4.jsonl"
refuse import --sign "$T/bad4.jsonl"
printf 'kind,contest,actor,stance,candidate,at,source,confidence\nstance,%s,LT,supports,Rutte,../,https://x/,low\n' $C >"$T/bad5.csv"
refuse import --sign --csv "$T/bad5.csv"

# ---- same-day order: the last line of one import is the current stance ---------------

# Hungary's three statements of one day, in file order opposes, undecided,
# supports: in every fresh ledger, with a fresh key, the stance is "supports"
# and history lists them in file order.
{
    echo '{"kind":"contest","contest":"sd","title":"Same day","rule":"unanimity","at":"2024-01-01"}'
    echo '{"kind":"member-join","contest":"sd","actor":"HU","at":"2024-01-01"}'
    echo '{"kind":"candidate-enter","contest":"sd","candidate":"Rutte","at":"2024-01-01"}'
    for s in opposes undecided supports; do
        echo '{"kind":"stance","contest":"sd","actor":"HU","stance":"'$s'","candidate":"Rutte","at":"2024-06-18","source":"https://hu.example/'$s'"}'
    done
} >"$T/sameday.jsonl"
for i in 1 2 3 4 5 6; do
    L="$T/sd$i"
    avow -q -k "$T/sd$i.key" key new "$T/sd$i.key" >/dev/null
    avow -q -L "$L" init --origin "avow.test/sd$i"
    avow -q -L "$L" -k "$T/sd$i.key" import --sign "$T/sameday.jsonl" || fail "same-day import $i"
    st=$(avow -L "$L" -k "$T/sd$i.key" state sd --at 2024-06-18 --json)
    jq -e '.candidates[0] | .supports == ["HU"] and .opposes == [] and .undecided == [] and
        .support_count == 1 and .met == true' <<<"$st" >/dev/null ||
        fail "same-day order, ledger $i: $st"
    [ "$(avow -L "$L" -k "$T/sd$i.key" history sd --actor HU | grep -o 'HU [a-z]* Rutte' | tr '\n' ,)" = \
        "HU opposes Rutte,HU undecided Rutte,HU supports Rutte," ] || fail "same-day history $i"
    avow -L "$L" -k "$T/sd$i.key" explain sd HU Rutte --at 2024-06-18 --json |
        jq -e '.stance == "supports" and .deciding.source == "https://hu.example/supports" and
            (.overridden | length) == 2' >/dev/null || fail "same-day explain $i"
done
echo "test_research: ok"

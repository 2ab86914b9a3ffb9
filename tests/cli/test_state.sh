#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_state.sh - `avow state`, `history` and `explain` on the NATO Secretary
# General 2024 race (../shared/seed/): 31 members, Sweden joins on 2024-03-07,
# Rutte and Iohannis, early support from US/GB/DE/FR, Lithuania and Estonia on
# 2024-04-03, Hungary opposes; a retraction, a non-member, the decision.
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

avow -q key new "$T/key" >/dev/null
avow init --origin avow.test/state >/dev/null
C=nato-sg-2024
avow contest new $C --title "NATO Secretary General 2024" --rule unanimity --at 2023-10-01 \
    --source https://www.nato.int/ >/dev/null
members=(AL BE BG CA HR CZ DK EE FI FR DE GR HU IS IT LV LT LU ME NL MK NO PL PT RO SK SI ES TR GB US)
avow member add $C "${members[@]}" --at 2024-01-01 >/dev/null
avow member add $C SE --at 2024-03-07 >/dev/null
avow candidate add $C Rutte --at 2023-11-01 >/dev/null
avow candidate add $C Iohannis --at 2024-03-14 >/dev/null
src=https://example.org/article
for a in US GB DE FR; do
    avow declare $C $a supports Rutte --at 2024-02-22 --source $src >/dev/null
done
for a in "${members[@]}" SE; do
    case $a in HU | SK | RO | TR | LT | EE | US | GB | DE | FR) continue ;; esac
    avow declare $C "$a" supports Rutte --at 2024-03-20 --source $src >/dev/null
done
avow declare $C RO supports Iohannis --at 2024-03-21 --source $src >/dev/null
hu=$(avow declare $C HU opposes Rutte --at 2024-04-01 --source https://hu.example/ \
    --person "Peter Szijjarto" --quote "Hungary will not support Rutte")
avow declare $C SK undecided Rutte --at 2024-04-01 --source $src >/dev/null
tr=$(avow declare $C TR supports Rutte --at 2024-04-02 --source https://wrong.example/)
avow declare $C LT supports Rutte --at 2024-04-03 --source $src --person "Gitanas Nauseda" >/dev/null
avow declare $C EE supports Rutte --at 2024-04-03 --source $src --person "Kaja Kallas" \
    --quote "Estonia can support him as Secretary General of NATO" >/dev/null
avow declare $C UA supports Rutte --at 2024-04-03 --source $src >/dev/null
retract=$(avow retract "$tr" --reason "wrong source")
avow decide $C Rutte --at 2024-06-26 --source https://www.nato.int/ >/dev/null

# --help
for c in state history explain; do
    avow "$c" --help | grep -q "^usage: avow $c" || fail "$c --help"
done

# Before Sweden joins: 31 members, 4 supporters.
avow state $C --at 2024-03-06 --json >"$T/s1.json"
jq -e '(.members | length) == 31 and (.members | index("SE")) == null and
    .at == "2024-03-06T23:59:59.999999Z" and .known_at == null and .rule == "unanimity" and
    (.candidates | length) == 1 and .candidates[0].name == "Rutte" and
    .candidates[0].supports == ["DE", "FR", "GB", "US"] and .candidates[0].support_count == 4 and
    .candidates[0].needed == 31 and .candidates[0].met == false' "$T/s1.json" >/dev/null ||
    fail "state on 2024-03-06: $(cat "$T/s1.json")"

# Sweden joins on 2024-03-07: 32 members, unanimity needs 32.
avow state $C --at 2024-03-07 --json >"$T/s2.json"
jq -e '(.members | length) == 32 and (.members | index("SE")) != null and
    .candidates[0].needed == 32' "$T/s2.json" >/dev/null || fail "state on 2024-03-07"

# After Lithuania and Estonia, 2024-04-04 (the article's day): 28 of 32.
avow state $C --at 2024-04-04 --json >"$T/s3.json"
jq -e '.candidates | map(.name) == ["Iohannis", "Rutte"]' "$T/s3.json" >/dev/null ||
    fail "candidates sorted"
jq -e '.candidates[1] | .support_count == 28 and .needed == 32 and .met == false and
    .status == "running" and .opposes == ["HU"] and .undecided == ["SK"] and .disputed == [] and
    .outside == [{"actor": "UA", "stance": "supports"}] and (.supports | index("TR")) == null and
    (.supports | index("LT")) != null and (.supports | index("EE")) != null' "$T/s3.json" \
    >/dev/null || fail "state on 2024-04-04: $(jq -c '.candidates[1]' "$T/s3.json")"
jq -e '.candidates[0] | .supports == ["RO"] and .support_count == 1' "$T/s3.json" >/dev/null ||
    fail "Iohannis on 2024-04-04"
jq -e '.decision == null and (.digest | test("^[0-9a-f]{64}$"))' "$T/s3.json" >/dev/null ||
    fail "decision null, digest"
# A contest defined now has a choice (format v2): the v2 shape of docs/PROJECTIONS.md.
# The v1 shape, of contests of format v1, is checked byte for byte by test_v1_ledger.sh.
jq -e 'keys_unsorted == ["contest", "at", "known_at", "min_confidence", "public_at", "rule",
    "choice", "members", "candidates", "decision", "digest"] and
    (.candidates[0] | keys_unsorted) == ["name", "status", "supports", "opposes", "undecided",
    "disputed", "abstains", "possible", "lapsed", "no_stance", "outside", "support_count",
    "needed", "met"]' \
    "$T/s3.json" >/dev/null || fail "key order"
# The digest is the SHA-256 of the compact JSON without it (docs/PROJECTIONS.md).
sum=$(jq -cj 'del(.digest)' "$T/s3.json" | sha256sum | cut -d' ' -f1)
[ "$sum" = "$(jq -r .digest "$T/s3.json")" ] || fail "digest is not sha256 of the canonical form"
# Same question, same answer (the second time from snapshots or not).
avow state $C --at 2024-04-04 --json | cmp -s - "$T/s3.json" || fail "state is not repeatable"
avow --json state $C --at 2024-04-04T23:59:59.999999Z | cmp -s - "$T/s3.json" ||
    fail "a bare date is the end of that day"

# Bitemporal: as known when TR's support was recorded (before its retraction).
tr_rec=$(avow show "$tr" --json | jq -r .recorded_at)
avow state $C --at 2024-04-04 --known-at "$tr_rec" --json >"$T/s4.json"
jq -e --arg k "$tr_rec" '.known_at == $k and (.candidates[1].supports | index("TR")) != null and
    (.candidates[1].supports | index("LT")) == null' "$T/s4.json" >/dev/null ||
    fail "state --known-at before the retraction: $(jq -c '.candidates[1]' "$T/s4.json")"
[ "$(jq -r .digest "$T/s4.json")" != "$(jq -r .digest "$T/s3.json")" ] || fail "digests differ"

# The decision.
avow state $C --at 2024-06-30 --json >"$T/s5.json"
jq -e --arg id "$(avow log --json | jq -r 'select(.kind == "decision") | .id')" \
    '.decision == {"candidate": "Rutte", "at": "2024-06-26T00:00:00Z", "id": $id,
        "takes_effect": null, "in_effect": true}' "$T/s5.json" \
    >/dev/null || fail "decision: $(jq -c .decision "$T/s5.json")"

# Human table.
avow state $C --at 2024-04-04 >"$T/s3.txt"
grep -Eq '^Rutte +running +28/32 support, needs 32 \(unanimity\): not met$' "$T/s3.txt" ||
    fail "human state line: $(cat "$T/s3.txt")"
grep -Eq '^ +opposes: HU$' "$T/s3.txt" || fail "human opposes"
grep -Eq '^ +undecided: SK$' "$T/s3.txt" || fail "human undecided"
grep -Eq '^ +no stance: RO TR$' "$T/s3.txt" || fail "human no stance"
grep -Eq '^ +outside: UA \(supports\)$' "$T/s3.txt" || fail "human outside"
grep -Eq '^decision: none$' "$T/s3.txt" || fail "human decision"

# history
avow history $C --actor TR >"$T/h.txt"
[ "$(wc -l <"$T/h.txt")" = 2 ] || fail "history --actor TR: $(cat "$T/h.txt")"
grep -Eq '^2024-01-01  TR joins  \(by [0-9a-f]{8}\)$' "$T/h.txt" || fail "history join line"
grep -Eq '^2024-04-02  TR supports Rutte  \(by [0-9a-f]{8}, https://wrong.example/\) \(retracted: wrong source\)$' \
    "$T/h.txt" || fail "history retracted line: $(cat "$T/h.txt")"
avow history $C --candidate Iohannis --json >"$T/h.jsonl"
jq -e -s '[.[].kind] == ["candidate-enter", "stance"] and .[1].actor == "RO" and
    .[1].retracted == null and .[0].effective_at == "2024-03-14T00:00:00Z" and
    .[0].effective_precision == "day"' "$T/h.jsonl" >/dev/null ||
    fail "history --candidate --json: $(cat "$T/h.jsonl")"
n=$(avow history $C --json | wc -l)
[ "$n" = "$(avow log --json | jq -s 'map(select(.kind != "retract")) | length')" ] ||
    fail "history lists every event but retractions"
avow history $C --json | jq -e -s 'map(.effective_at) as $e | $e == ($e | sort)' >/dev/null ||
    fail "history in effective-time order"
avow history $C | grep -q '^2024-06-26  decision: Rutte ' || fail "history decision line"

# explain
avow explain $C HU Rutte --at 2024-04-04 --json >"$T/e1.json"
jq -e --arg id "$hu" '.stance == "opposes" and .member == true and .deciding.id == $id and
    .deciding.source == "https://hu.example/" and .deciding.person == "Peter Szijjarto" and
    .deciding.quote == "Hungary will not support Rutte" and .deciding.signature == "valid" and
    .deciding.effective_at == "2024-04-01" and .overridden == [] and .dispute == []' \
    "$T/e1.json" >/dev/null || fail "explain HU: $(cat "$T/e1.json")"
avow explain $C TR Rutte --at 2024-04-04 --json >"$T/e2.json"
jq -e --arg t "$tr" --arg r "$retract" '.stance == null and .deciding == null and
    .retracted[0].event.id == $t and .retracted[0].retraction.id == $r and
    .retracted[0].retraction.reason == "wrong source"' "$T/e2.json" >/dev/null ||
    fail "explain TR: $(cat "$T/e2.json")"
avow explain $C HU Rutte --at 2024-04-04 >"$T/e1.txt"
grep -q '^HU opposes Rutte (member)$' "$T/e1.txt" || fail "explain human head: $(cat "$T/e1.txt")"
grep -Eq "^  id +$hu\$" "$T/e1.txt" || fail "explain human id"
grep -Eq '^  signature +valid$' "$T/e1.txt" || fail "explain human signature"
avow explain $C UA Rutte --at 2024-04-04 | grep -q '^UA supports Rutte (not a member: outside)$' ||
    fail "explain outside"

# state --attest: a signed note that verify --attestation recomputes and
# checks; an altered time or digest line fails with exit 1.
avow state $C --at 2024-04-04 --attest >"$T/att"
grep -q '^avow-attestation/v1$' "$T/att" || fail "attestation note: $(cat "$T/att")"
grep -q "^digest $(avow state $C --at 2024-04-04 --json | jq -r .digest)\$" "$T/att" ||
    fail "attestation digest differs from state --json"
avow verify --attestation "$T/att" >/dev/null || fail "verify --attestation"
sed 's/^at 2024-04-04/at 2024-04-03/' "$T/att" >"$T/att.bad"
set +e
avow verify --attestation "$T/att.bad" >/dev/null 2>&1
[ $? = 1 ] || fail "an altered attestation must fail verify with exit 1"
set -e

# explain --evidence: every event the answer rests on, checkable offline.
avow explain $C HU Rutte --at 2024-04-04 --evidence "$T/ev.json" >/dev/null
avow evidence verify "$T/ev.json" | grep -q "$hu" || fail "evidence lacks the deciding event"
jq -c '.' "$T/ev.json" >/dev/null || fail "evidence is not JSON"
# Change one byte in the middle of the file.
cp "$T/ev.json" "$T/ev.bad"
mid=$(($(wc -c <"$T/ev.json") / 2))
old=$(dd if="$T/ev.json" bs=1 skip="$mid" count=1 2>/dev/null)
new=A
[ "$old" != A ] || new=B
printf '%s' "$new" | dd of="$T/ev.bad" bs=1 seek="$mid" conv=notrunc 2>/dev/null
cmp -s "$T/ev.json" "$T/ev.bad" && fail "the evidence file was not altered"
set +e
avow evidence verify "$T/ev.bad" >/dev/null 2>&1
[ $? = 1 ] || fail "altered evidence must fail with exit 1"
set -e

# Once a checkpoint is signed (evidence above signed one), explain carries the
# deciding event's inclusion proof, the same as avow prove gives.
avow checkpoint >/dev/null
avow explain $C HU Rutte --at 2024-04-04 --json >"$T/e3.json"
size=$(avow log --json | wc -l)
jq -e --argjson n "$size" '.inclusion.tree_size == $n and (.inclusion.path | length) > 0' \
    "$T/e3.json" >/dev/null || fail "explain --json inclusion: $(jq -c .inclusion "$T/e3.json")"
avow prove "$hu" --json | jq -c '{leaf_index, tree_size, root, path}' >"$T/p1"
jq -c '.inclusion' "$T/e3.json" | cmp -s - "$T/p1" || fail "explain's proof differs from prove's"
avow explain $C HU Rutte --at 2024-04-04 | grep -q '^inclusion proof: leaf ' ||
    fail "explain shows no inclusion proof"

# history names an author by its keyring name once it has one.
avow trust add "$(avow key show)" "Analyst One" >/dev/null
avow history $C --actor HU | grep -q '(by Analyst One, ' || fail "history should name the author"

# Errors: unknown contest, bad time, missing arguments.
set +e
avow state nope --json >/dev/null 2>"$T/err"
[ $? = 2 ] || fail "unknown contest exit code"
grep -q '^avow: error: ' "$T/err" || fail "error format"
avow state $C --at yesterday >/dev/null 2>&1
[ $? = 2 ] || fail "bad --at exit code"
avow explain $C HU >/dev/null 2>&1
[ $? = 2 ] || fail "explain with missing arguments"
avow history >/dev/null 2>&1
[ $? = 2 ] || fail "history without contest"
set -e

# --at 9999 is the end of the year 9999, not "now" (issue 22, item 11): a
# stance dated 2999 shows at 9998 and still at 9999.
L9="$T/far"
avow -q -L "$L9" init --origin avow.test/far
avow -L "$L9" contest new far --title Far --rule majority --at 2024-01-01 >/dev/null
avow -L "$L9" member add far A >/dev/null
avow -L "$L9" candidate add far X >/dev/null
avow -L "$L9" declare far A supports X --at 2999-01-01 --source https://example.org/far >/dev/null
for y in 9998 9999; do
    avow -L "$L9" --json state far --at "$y" | jq -e '.candidates[0].supports == ["A"]' >/dev/null ||
        fail "state --at $y: the stance of 2999 is missing"
    avow -L "$L9" --json explain far A X --at "$y" | jq -e '.stance == "supports"' >/dev/null ||
        fail "explain --at $y: $(avow -L "$L9" --json explain far A X --at "$y")"
done
avow -L "$L9" --json state far | jq -e '.candidates[0].supports == []' >/dev/null ||
    fail "state without --at is now: the stance of 2999 does not count yet"

echo "ok: state, history, explain"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_flow.sh - the whole first-commands flow on the NATO Secretary General
# 2024 example: init, keys, contest, 32 members, 2 candidates, 40 declarations,
# a retraction, a decision; then log, show, verify, and every --help.
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
is_hex64() {
    [[ "$1" =~ ^[0-9a-f]{64}$ ]]
}

# --version, --help
avow --version | grep -Eq '^avow [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
avow --help | grep -q '^usage: avow' || fail "--help"
for c in init key contest member candidate declare retract decide log show verify help; do
    avow "$c" --help >"$T/help" || fail "$c --help exited non-zero"
    grep -q '^usage: avow' "$T/help" || fail "$c --help prints no usage"
    avow help "$c" | cmp -s - "$T/help" || fail "help $c differs from $c --help"
done
avow key new --help | grep -q -- '--passphrase' || fail "key new --help"
avow member add --help | grep -q 'default: now' || fail "member add --help shows defaults"

# Keys: the public key is the only stdout; key show agrees; never overwritten.
pub=$(avow -q key new "$T/key")
is_hex64 "$pub" || fail "key new printed '$pub'"
[ "$(stat -c %a "$T/key")" = 600 ] || fail "key file mode"
[ "$(avow key show)" = "$pub" ] || fail "key show"
[ "$(avow key show --json | jq -r .public_key)" = "$pub" ] || fail "key show --json"
# A default key path under $XDG_CONFIG_HOME is created with its directory.
xdgpub=$(env -u AVOW_KEY XDG_CONFIG_HOME="$T/xdg" "$AVOW" -q key new)
[ -f "$T/xdg/avow/default.key" ] || fail "default key path"
[ "$(env -u AVOW_KEY XDG_CONFIG_HOME="$T/xdg" "$AVOW" key show)" = "$xdgpub" ] || fail "default key show"

# init
out=$(avow init --origin avow.test/flow)
[ "$out" = "initialized empty ledger at $T/ledger (origin avow.test/flow)" ] ||
    fail "init printed '$out'"

members=(AL BE BG CA HR CZ DK EE FI FR DE GR HU IS IT LV LT LU ME NL MK NO PL PT RO SK SI ES SE TR GB US)
[ "${#members[@]}" = 32 ] || fail "32 members"

contest=$(avow contest new nato-sg-2024 --title "NATO Secretary General 2024" \
    --rule unanimity --at 2023-10-01 --source https://www.nato.int/)
is_hex64 "$contest" || fail "contest new printed '$contest'"

# Members in two commands (global options after the command, too).
avow member add nato-sg-2024 "${members[@]:0:16}" --at 2024-01-01 >"$T/m1"
avow member add -q nato-sg-2024 "${members[@]:16}" -L "$T/ledger" --at 2024-01-01 \
    --source https://www.nato.int/cps/en/natohq/nato_countries.htm >"$T/m2"
[ "$(wc -l <"$T/m1")" = 16 ] && [ "$(wc -l <"$T/m2")" = 16 ] || fail "member add ids"
if grep -Evq '^[0-9a-f]{64}$' "$T/m1" "$T/m2"; then fail "member add printed non-ids"; fi

rutte=$(avow candidate add nato-sg-2024 Rutte --at 2023-11-01)
iohannis=$(avow candidate add nato-sg-2024 Iohannis --at 2024-03-14T10:00:00+02:00)
is_hex64 "$rutte" && is_hex64 "$iohannis" || fail "candidate add"

# 40 declarations: members in order, dates from 2024-02-22, several time forms.
stances=(supports supports opposes undecided supports)
ids=()
for i in $(seq 0 39); do
    actor=${members[$((i % 32))]}
    stance=${stances[$((i % 5))]}
    cand=Rutte
    [ $((i % 8)) = 7 ] && cand=Iohannis
    day=$(date -u -d "2024-02-22 + $i days" +%F)
    case $((i % 3)) in
    0) at=$day ;;
    1) at="${day}T14:05:00Z" ;;
    *) at="${day}T16:05:00+02:00" ;;
    esac
    id=$(avow declare nato-sg-2024 "$actor" "$stance" "$cand" --at "$at" \
        --source "https://example.org/news/$i" --person "Minister $actor" --quote "quote $i")
    is_hex64 "$id" || fail "declare $i printed '$id'"
    ids+=("$id")
done
# The value of a command option is never taken for a global option.
q=$(avow declare nato-sg-2024 HU opposes Rutte --at 2024-04-01 --source https://hu.example/ --quote -q)
[ "$(avow show "$q" --json | jq -r .quote)" = "-q" ] || fail "--quote -q"
ids+=("$q")

# Retract by a unique prefix.
retract=$(avow retract "${ids[5]:0:12}" --reason "wrong source")
is_hex64 "$retract" || fail "retract"
decide=$(avow decide nato-sg-2024 Rutte --at 2024-06-26 --source https://www.nato.int/cps/en/natohq/news_226926.htm)
is_hex64 "$decide" || fail "decide"

# log --json: 1 contest + 32 members + 2 candidates + 41 stances + 1 retract + 1 decision.
avow log --json >"$T/log.jsonl"
n=$((1 + 32 + 2 + 41 + 1 + 1))
[ "$(wc -l <"$T/log.jsonl")" = "$n" ] || fail "log --json has $(wc -l <"$T/log.jsonl") lines"
jq -e -s --argjson n "$n" '[.[].index] == [range(0; $n)]' "$T/log.jsonl" >/dev/null ||
    fail "log indexes are not 0..N-1"
jq -e -s 'group_by(.kind) | map({key: .[0].kind, value: length}) | from_entries ==
    {"contest": 1, "member-join": 32, "candidate-enter": 2, "stance": 41, "retract": 1,
     "decision": 1}' "$T/log.jsonl" >/dev/null || fail "log kinds"
jq -e -s --arg pub "$pub" 'all(.[]; (.id | test("^[0-9a-f]{64}$")) and .author == $pub
    and (.signature | test("^[0-9a-f]{128}$")) and has("raw") == false
    and (.recorded_at | test("Z$")) and (.effective_at | test("Z$")))' "$T/log.jsonl" >/dev/null ||
    fail "log fields"
jq -e -s '[.[].seq] == [range(1; length + 1)]' "$T/log.jsonl" >/dev/null || fail "seq 1..N"
jq -e -s 'all(.[1:][]; .prev != ("0" * 64)) and .[0].prev == ("0" * 64)' "$T/log.jsonl" \
    >/dev/null || fail "prev links"
[ "$(jq -r 'select(.index == 0) | .id' "$T/log.jsonl")" = "$contest" ] || fail "first is contest"
jq -e -s 'map(select(.kind == "contest"))[0] | .contest == "nato-sg-2024" and
    .rule == "unanimity" and .title == "NATO Secretary General 2024" and
    .effective_at == "2023-10-01T00:00:00Z"' "$T/log.jsonl" >/dev/null || fail "contest fields"
jq -e -s --arg id "${ids[1]}" 'map(select(.id == $id))[0] | .kind == "stance" and
    .contest == "nato-sg-2024" and .actor == "BE" and .stance == "supports" and
    .candidate == "Rutte" and .source == "https://example.org/news/1" and
    .person == "Minister BE" and .quote == "quote 1" and
    .effective_at == "2024-02-23T14:05:00Z"' "$T/log.jsonl" >/dev/null || fail "stance fields"
jq -e -s --arg id "${ids[2]}" 'map(select(.id == $id))[0] |
    .effective_at == "2024-02-24T14:05:00Z"' "$T/log.jsonl" >/dev/null || fail "+02:00 to UTC"
jq -e -s --arg id "${ids[7]}" 'map(select(.id == $id))[0] | .candidate == "Iohannis" and
    .stance == "opposes"' "$T/log.jsonl" >/dev/null || fail "Iohannis stance"
jq -e -s --arg t "${ids[5]}" 'map(select(.kind == "retract"))[0] | .target == $t and
    .reason == "wrong source"' "$T/log.jsonl" >/dev/null || fail "retract fields"
jq -e -s 'map(select(.kind == "decision"))[0] | .candidate == "Rutte" and
    .effective_at == "2024-06-26T00:00:00Z"' "$T/log.jsonl" >/dev/null || fail "decision fields"
[ "$(jq -r 'select(.kind == "member-join") | .actor' "$T/log.jsonl" | tr '\n' ' ')" = \
    "${members[*]} " ] || fail "members in order"

# id = SHA-256 of show --json's raw, for a few events.
for id in "$contest" "${ids[0]}" "${ids[39]}" "$retract" "$decide"; do
    avow show --json "$id" >"$T/show.json"
    [ "$(jq -r .id "$T/show.json")" = "$id" ] || fail "show --json id"
    sum=$(jq -r .raw "$T/show.json" | base64 -d | sha256sum | cut -d' ' -f1)
    [ "$sum" = "$id" ] || fail "sha256(raw) $sum != id $id"
done
# show --json is the log line plus raw.
jq -cS 'del(.raw)' "$T/show.json" |
    cmp -s - <(jq -cS --arg id "$decide" 'select(.id == $id)' "$T/log.jsonl") ||
    fail "show --json differs from log --json"

# show, human: every field, one per line.
avow show "${ids[1]:0:8}" >"$T/show.txt"
for re in "^id +${ids[1]}\$" "^index +36\$" '^kind +stance$' "^author +$pub\$" '^seq +[0-9]+$' \
    '^prev +[0-9a-f]{64}$' '^recorded_at +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' \
    '^effective_at +2024-02-23T14:05:00Z \(second\)$' '^contest +nato-sg-2024$' '^actor +BE$' \
    '^stance +supports$' '^candidate +Rutte$' '^person +Minister BE$' \
    '^source +https://example.org/news/1$' '^quote +quote 1$' \
    '^signature +[0-9a-f]{128} \(valid\)$'; do
    grep -Eq "$re" "$T/show.txt" || fail "show lacks /$re/: $(cat "$T/show.txt")"
done
avow show "$retract" | grep -Eq "^target +${ids[5]}\$" || fail "show target"
avow show "$contest" | grep -Eq '^effective_at +2023-10-01 \(day\)$' || fail "show day precision"

# log, human: one line per event.
avow log >"$T/log.txt"
[ "$(wc -l <"$T/log.txt")" = "$n" ] || fail "human log lines"
short=${pub:0:8}
grep -Eq "^#36 ${ids[1]:0:8} 2024-02-23T14:05:00Z stance +nato-sg-2024 BE supports Rutte  \(by $short\)\$" \
    "$T/log.txt" || fail "human log stance line: $(sed -n 37p "$T/log.txt")"
grep -Eq "^#0 ${contest:0:8} 2023-10-01 contest +nato-sg-2024 \"NATO Secretary General 2024\" rule unanimity choice single  \(by $short\)\$" \
    "$T/log.txt" || fail "human log contest line: $(head -1 "$T/log.txt")"
grep -Eq "^#1 [0-9a-f]{8} 2024-01-01 member-join +nato-sg-2024 AL joins  \(by $short\)\$" \
    "$T/log.txt" || fail "human log member line"
grep -Eq "retract +retracts ${ids[5]:0:8}: wrong source  \(by $short\)\$" "$T/log.txt" ||
    fail "human log retract line"

# Filters.
[ "$(avow log --json --contest nato-sg-2024 | wc -l)" = "$n" ] || fail "log --contest"
[ "$(avow log --json --contest other | wc -l)" = 0 ] || fail "log --contest other"
[ "$(avow log --json --author "$pub" | wc -l)" = "$n" ] || fail "log --author"
[ "$(avow log --json --author "$xdgpub" | wc -l)" = 0 ] || fail "log --author other"

# A sealed key (passphrase from a file) signs too; its events are another author's.
printf 'correct horse\n' >"$T/pass"
chmod 600 "$T/pass"
pub2=$(AVOW_PASSPHRASE_FILE="$T/pass" avow -q key new --passphrase "$T/sealed.key")
is_hex64 "$pub2" || fail "sealed key new"
[ "$(avow -k "$T/sealed.key" key show)" = "$pub2" ] || fail "sealed key show"
id2=$(AVOW_PASSPHRASE_FILE="$T/pass" avow -k "$T/sealed.key" declare nato-sg-2024 TR undecided \
    Rutte --at 2024-05-01 --source https://tr.example/)
[ "$(avow show --json "$id2" | jq -r '.author + " " + (.seq | tostring)')" = "$pub2 1" ] ||
    fail "sealed key's event"
n=$((n + 1))

# verify
out=$(avow verify)
[ "$out" = "ok: $n events verified" ] || fail "verify printed '$out'"
avow verify --json >"$T/verify.json"
jq -e --argjson n "$n" '.ok == true and .events == $n and .problems == []' "$T/verify.json" \
    >/dev/null || fail "verify --json: $(cat "$T/verify.json")"
# Global options before the command.
avow --json -L "$T/ledger" verify | cmp -s - "$T/verify.json" || fail "global options first"

echo "ok: test_flow"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_io.sh - JSON Lines interchange end to end: a 10,000-event ledger from
# three authors built with `import --sign`, exported and imported into an
# empty ledger (same ids, same log, same state, verify passes); one altered
# byte of one raw refused naming its line with nothing appended; one bad
# record among 1,000 refused, or skipped with --skip-bad; CSV; stdin;
# malformed and oversized input; --help; and the man page renders cleanly.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
SRC=${AVOW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AVOW_LEDGER="$T/a" AVOW_KEY="$T/k1"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() {
    "$AVOW" "$@"
}
# Run, capturing the exit code without tripping set -e.
run() {
    set +e
    "$AVOW" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
}
events_in() {
    avow -L "$1" log | wc -l
}

for c in export import; do
    avow "$c" --help >"$T/help" || fail "$c --help"
    grep -q '^usage: avow' "$T/help" || fail "$c --help prints no usage"
    avow help "$c" | cmp -s - "$T/help" || fail "help $c differs from $c --help"
done

for k in 1 2 3; do
    avow -q key new "$T/k$k" >/dev/null
done
avow init --origin avow.test/io >/dev/null

# Unsigned records: author 1 defines the contest, candidates and 100 members;
# each author then declares stances (10,000 records in all).
gen() { # AUTHOR COUNT WITH_CONTEST
    awk -v a="$1" -v n="$2" -v first="$3" 'BEGIN {
        if (first) {
            print "{\"kind\":\"contest\",\"contest\":\"big\",\"title\":\"A big vote\",\"rule\":\"majority\",\"at\":\"2024-01-01\"}"
            print "{\"kind\":\"candidate-enter\",\"contest\":\"big\",\"candidate\":\"Rutte\",\"at\":\"2024-01-02\"}"
            print "{\"kind\":\"candidate-enter\",\"contest\":\"big\",\"candidate\":\"Iohannis\",\"at\":\"2024-01-02\"}"
            n -= 3
        }
        for (i = 0; i < n; i++) {
            if (first && i < 100) {
                printf "{\"kind\":\"member-join\",\"contest\":\"big\",\"actor\":\"M%03d\",\"at\":\"2024-01-03\"}\n", i
                continue
            }
            printf "{\"kind\":\"stance\",\"contest\":\"big\",\"actor\":\"M%03d\",\"stance\":\"%s\",\"candidate\":\"%s\",\"at\":\"2024-%02d-%02dT%02d:00:00Z\",\"source\":\"https://example.org/%d/%d\"}\n",
                i % 100, (i % 3 == 0) ? "opposes" : "supports", (i % 2) ? "Rutte" : "Iohannis",
                2 + i % 10, 1 + i % 28, i % 24, a, i
        }
    }'
}
gen 1 3334 1 >"$T/g1"
gen 2 3333 0 >"$T/g2"
gen 3 3333 0 >"$T/g3"
for k in 1 2 3; do
    avow -q -k "$T/k$k" import --sign "$T/g$k" || fail "import --sign by author $k"
done
[ "$(events_in "$T/a")" = 10000 ] || fail "10,000 events after import --sign"

# Export -> import into an empty ledger: same ids, same log, same state.
avow export >"$T/export.jsonl"
[ "$(wc -l <"$T/export.jsonl")" = 10000 ] || fail "export has 10,000 lines"
head -1 "$T/export.jsonl" | jq -e '.raw and .id and .signature and .index == 0' >/dev/null ||
    fail "export lines carry raw, id, signature, index"
avow -L "$T/b" init --origin avow.test/io-b >/dev/null
avow -L "$T/b" --json import "$T/export.jsonl" >"$T/summary"
jq -e '.records == 10000 and .appended == 10000 and .duplicates == 0 and .skipped == 0' \
    "$T/summary" >/dev/null || fail "import summary: $(cat "$T/summary")"
# The events are the same; "status" is each replica's own trust view (the
# copy has no owner, so it trusts no one yet).
avow log --json | jq -c 'del(.status)' >"$T/log.a"
avow -L "$T/b" log --json | jq -c 'del(.status)' >"$T/log.b"
diff -u "$T/log.a" "$T/log.b" >/dev/null || fail "log --json differs after the round trip"
[ "$(avow -L "$T/b" log --json | jq -r .status | sort -u)" = untrusted ] ||
    fail "imported events of authors not in the keyring should be untrusted"
avow -L "$T/b" verify >/dev/null || fail "verify after the round trip"
# (every author: the copy has no owner, so it trusts no one by default)
st=(state big --json --all-authors --at 2024-12-31 --known-at 2099-12-31)
if avow "${st[@]}" >"$T/state.a" 2>/dev/null; then
    jq -e '.candidates | length == 2' "$T/state.a" >/dev/null || fail "state of the original"
    avow -L "$T/b" "${st[@]}" >"$T/state.b" || fail "state on the copy"
    cmp -s "$T/state.a" "$T/state.b" || fail "state differs after the round trip"
fi
# Importing again appends nothing (duplicates), also from stdin.
avow -L "$T/b" --json import - <"$T/export.jsonl" >"$T/summary"
jq -e '.appended == 0 and .duplicates == 10000' "$T/summary" >/dev/null || fail "re-import"
# A contest filter.
avow export --contest nope | cmp -s - /dev/null || fail "export --contest of no contest"
[ "$(avow export --contest big | wc -l)" = 10000 ] || fail "export --contest big"

# --since CHECKPOINT: only the events after the checkpoint's tree size.
if avow -q checkpoint --out "$T/cp" >/dev/null 2>&1; then
    avow -q import --sign --allow-duplicates "$T/g1" 2>/dev/null && fail "the contest exists: refused"
    sed -n '4,10p' "$T/g1" >"$T/more"
    avow -q import --sign --allow-duplicates "$T/more" || fail "import --sign more"
    [ "$(avow export --since "$T/cp" | wc -l)" = 7 ] || fail "export --since"
    [ "$(avow export --since "$T/cp" | head -1 | jq .index)" = 10000 ] || fail "export --since index"
    echo tampered >>"$T/cp"
    run export --since "$T/cp"
    [ "$rc" != 0 ] || fail "export --since a damaged checkpoint"
fi
run export --since "$T/no-such-checkpoint"
[ "$rc" = 2 ] || fail "export --since a missing file: exit $rc"

# One altered byte of one raw: exit 1, the line named, nothing appended.
line=$(sed -n 5000p "$T/export.jsonl")
raw=$(jq -r .raw <<<"$line")
mid=$((${#raw} / 2))
new=A
[ "${raw:$mid:1}" = A ] && new=B
bad=$(jq -c --arg r "${raw:0:$mid}$new${raw:$((mid + 1))}" '.raw = $r' <<<"$line")
BAD="$bad" awk 'NR == 5000 { print ENVIRON["BAD"]; next } { print }' "$T/export.jsonl" >"$T/tampered.jsonl"
avow -L "$T/c" init >/dev/null
run -L "$T/c" import "$T/tampered.jsonl"
[ "$rc" = 1 ] || fail "tampered raw: exit $rc, want 1"
grep -q 'tampered.jsonl:5000:' "$T/err" || fail "tampered raw: line 5000 not named: $(head -3 "$T/err")"
grep -q '^avow: error: .*line 5000' "$T/err" || fail "tampered raw: no final error line"
[ "$(events_in "$T/c")" = 0 ] || fail "tampered raw: something was appended"

# import --sign: one bad line among 1,000 appends nothing; --skip-bad appends 999.
awk 'BEGIN {
    print "{\"kind\":\"contest\",\"contest\":\"k\",\"title\":\"K\",\"rule\":\"2/3\",\"at\":\"2024-01-01\"}"
    for (i = 2; i <= 1000; i++) {
        printf "{\"kind\":\"stance\",\"contest\":\"k\",\"actor\":\"A%d\",\"stance\":\"%s\",\"candidate\":\"X\",\"at\":\"2024-02-01\",\"source\":\"https://example.org/%d\"}\n",
            i, (i == 734) ? "maybe" : "supports", i
    }
}' >"$T/thousand.jsonl"
run -L "$T/c" import --sign "$T/thousand.jsonl"
[ "$rc" = 2 ] || fail "one bad record: exit $rc, want 2"
grep -q "thousand.jsonl:734: unknown stance 'maybe'" "$T/err" || fail "bad record not named: $(cat "$T/err")"
[ "$(grep -c 'thousand.jsonl:[0-9]' "$T/err")" = 1 ] || fail "only the bad line is reported"
[ "$(events_in "$T/c")" = 0 ] || fail "one bad record: something was appended"
run -L "$T/c" --json import --sign --skip-bad "$T/thousand.jsonl"
[ "$rc" = 0 ] || fail "--skip-bad: exit $rc: $(cat "$T/err")"
grep -q "thousand.jsonl:734: skipped: unknown stance" "$T/err" || fail "--skip-bad lists the bad line"
jq -e '.appended == 999 and .skipped == 1' "$T/out" >/dev/null || fail "--skip-bad summary: $(cat "$T/out")"
[ "$(events_in "$T/c")" = 999 ] || fail "--skip-bad appended $(events_in "$T/c")"

# CSV: header row, quoted commas, doubled quotes, CRLF, a newline in a quote.
printf 'kind,contest,title,rule,at,actor,stance,candidate,source,quote\r\n' >"$T/r.csv"
printf 'contest,csv,"Vote, final",majority,2024-01-01,,,,,\r\n' >>"$T/r.csv"
printf 'member-join,csv,,,2024-01-01,LT,,,,\r\n' >>"$T/r.csv"
printf 'stance,csv,,,2024-04-03,LT,supports,Rutte,https://example.org/lt,"He said ""yes""\nthen left"\r\n' >>"$T/r.csv"
avow -L "$T/c" -q import --sign --csv "$T/r.csv" || fail "CSV import"
avow -L "$T/c" log --json --contest csv >"$T/csvlog"
[ "$(wc -l <"$T/csvlog")" = 3 ] || fail "CSV: 3 events"
[ "$(sed -n 1p "$T/csvlog" | jq -r .title)" = "Vote, final" ] || fail "CSV: quoted comma"
[ "$(sed -n 3p "$T/csvlog" | jq -r .quote)" = $'He said "yes"\nthen left' ] || fail "CSV: quote"
# Malformed CSV: named, nothing appended.
printf 'kind,contest,title,rule,at\ncontest,x,"T"oops,majority,2024\n' >"$T/bad.csv"
run -L "$T/c" import --sign --csv "$T/bad.csv"
[ "$rc" = 2 ] || fail "malformed CSV: exit $rc"
grep -q 'bad.csv:2: malformed CSV' "$T/err" || fail "malformed CSV not named: $(cat "$T/err")"
run -L "$T/c" import --csv "$T/bad.csv"
[ "$rc" = 2 ] || fail "--csv without --sign: exit $rc"

# Malformed JSON, base64 and oversized lines: refused, nothing appended.
n_before=$(events_in "$T/c")
printf '{"kind":"contest"\n' >"$T/m1"
run -L "$T/c" import --sign "$T/m1"
[ "$rc" = 2 ] && grep -q 'm1:1: not JSON' "$T/err" || fail "malformed JSON: $rc $(cat "$T/err")"
printf '{"id":"00","raw":"***"}\n' >"$T/m2"
run -L "$T/c" import "$T/m2"
[ "$rc" = 1 ] && grep -q 'm2:1: raw is not valid base64' "$T/err" || fail "bad base64: $rc $(cat "$T/err")"
{
    head -c 70000 /dev/zero | tr '\0' 'x'
    echo
} >"$T/m3"
run -L "$T/c" import "$T/m3"
[ "$rc" = 2 ] && grep -q 'm3:1: line is longer than 65536 bytes' "$T/err" ||
    fail "oversized line: $rc $(cat "$T/err")"
run -L "$T/c" import "$T/no-such-file"
[ "$rc" = 2 ] || fail "missing file: exit $rc"
run -L "$T/c" import
[ "$rc" = 2 ] || fail "no FILE: exit $rc"
[ "$(events_in "$T/c")" = "$n_before" ] || fail "malformed input appended something"

# Bash completion.
(
    source "$SRC/tools/completion/avow.bash"
    COMP_WORDS=(avow import --s)
    COMP_CWORD=2
    _avow
    [ "${COMPREPLY[*]}" = "--sign --skip-bad" ] || fail "completion of import --s: ${COMPREPLY[*]}"
    COMP_WORDS=(avow ex)
    COMP_CWORD=1
    _avow
    [ "${COMPREPLY[*]}" = "explain export" ] || fail "completion of ex: ${COMPREPLY[*]}"
)

# The man page renders without warnings.
if command -v groff >/dev/null; then
    groff -man -Tutf8 -ww -z "$SRC/docs/avow.1" 2>"$T/groff" || fail "groff failed"
    [ ! -s "$T/groff" ] || fail "groff warnings: $(cat "$T/groff")"
fi
if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$SRC/docs/avow.1" >"$T/man" 2>"$T/manerr" || fail "man -l failed"
    grep -q 'import' "$T/man" || fail "man page lacks import"
fi
for c in init key contest member candidate declare retract decide log show state history \
    explain verify evidence witness checkpoint prove export import trust sync serve heads \
    bundle chart demo help; do
    grep -q "^\\.SS \"avow $c\"\$" "$SRC/docs/avow.1" || fail "man page lacks command $c"
done

echo "ok: test_io"

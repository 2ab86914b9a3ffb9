#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_undo.sh - undo of a batch (tools/cli/undo.c): import --sign prints the
# seqs it appended and the command that undoes them; `retract --seq A..B`
# and `retract --batch ID` retract them in one signed batch; importing the
# corrected file then gives the state of a clean import of it (digest
# included); refusals exit 2 and leave the ledger byte-identical.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" AVOW_KEY="$T/key"
unset AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
avow() { "$AVOW" "$@"; }
snap() { sha256sum <"$AVOW_LEDGER/data.mdb"; }
refused() { # refused PATTERN ARGS...: exit 2, the error, the ledger unchanged
    local pat=$1 rc=0
    shift
    snap >"$T/before"
    avow "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $*: exit $rc, want 2: $(cat "$T/err")"
    grep -q "^avow: error: .*$pat" "$T/err" || fail "avow $*: stderr: $(cat "$T/err") (want $pat)"
    snap | cmp -s - "$T/before" || fail "avow $*: the ledger changed"
}
setup() { # setup LEDGER: a contest with two members and a candidate
    export AVOW_LEDGER=$1
    avow -q init
    avow contest new c1 --title C1 --rule majority --at 2024-01-01 >/dev/null
    avow member add c1 LT HU NL --at 2024-01-01 >/dev/null
    avow candidate add c1 Rutte --at 2024-01-01 >/dev/null
}
head='kind,contest,actor,stance,candidate,at,source'
printf '%s\n%s\n%s\n%s\n' "$head" \
    'stance,c1,LT,opposes,Rutte,2024-04-03,https://x.example/lt' \
    'stance,c1,HU,supports,Rutte,2024-04-03,https://x.example/hu' \
    'stance,c1,NL,supports,Rutte,2024-04-04,https://x.example/nl' >"$T/wrong.csv"
printf '%s\n%s\n%s\n%s\n' "$head" \
    'stance,c1,LT,supports,Rutte,2024-04-03,https://x.example/lt' \
    'stance,c1,HU,opposes,Rutte,2024-04-03,https://x.example/hu' \
    'stance,c1,NL,supports,Rutte,2024-04-04,https://x.example/nl' >"$T/right.csv"
avow -q key new >/dev/null

# The clean import, for comparison.
setup "$T/clean"
avow -q import --sign --csv "$T/right.csv"
avow state c1 --at 2024-05-01 --json >"$T/want"

# The wrong file, undone with what import printed, then the right one.
setup "$T/l"
avow import --sign --csv "$T/wrong.csv" 2>"$T/err" || fail "import: $(cat "$T/err")"
undo=$(sed -n 's/.*undo with: avow \(retract --seq [0-9.]*\) --reason TEXT$/\1/p' "$T/err")
[ "$undo" = "retract --seq 6..8" ] || fail "import did not print its undo: $(cat "$T/err")"
# shellcheck disable=SC2086
avow $undo --reason "wrong file: LT and HU swapped" 2>"$T/err" ||
    fail "undo failed: $(cat "$T/err")"
grep -q 'retracted 3 events' "$T/err" || fail "undo summary: $(cat "$T/err")"
[ "$(avow log --kind retract | wc -l)" = 3 ] || fail "undo did not write 3 retractions"
avow state c1 --at 2024-05-01 --json | jq -e '.candidates[0].supports == []' >/dev/null ||
    fail "after the undo some support still counts"
refused 'nothing to retract in seq 6..8' retract --seq 6..8 --reason again
avow import --sign --csv "$T/right.csv" 2>"$T/err" || fail "re-import: $(cat "$T/err")"
grep -q 'imported 3 events' "$T/err" ||
    fail "the corrected file's unchanged row (NL) was taken as already recorded: $(cat "$T/err")"
avow state c1 --at 2024-05-01 --json | diff -u "$T/want" - >&2 ||
    fail "undo + corrected import differs from a clean import"

# --batch: the run of one append, named by any of its events.
avow import --sign --csv "$T/wrong.csv" 2>"$T/err" # appends 2 (NL is present)
grep -q "imported 2 events" "$T/err" || fail "re-import of the wrong file: $(cat "$T/err")"
mid=$(avow log --json | jq -r 'select(.seq == 16) | .id')
avow retract --batch "${mid:0:10}" --reason "again the wrong file" 2>"$T/err" ||
    fail "retract --batch: $(cat "$T/err")"
grep -q 'retracted 2 events of .* (seq 15..16)' "$T/err" || fail "--batch range: $(cat "$T/err")"
avow state c1 --at 2024-05-01 --json | diff -u "$T/want" - >&2 || fail "--batch undo"

# An undo that took the contest's definition with it: the id can be defined again
# (by the corrected file), and the state is that of a clean import.
printf '%s\n%s\n%s\n%s\n' "$head" 'contest,c2,,,,2024-01-01,' \
    'member-join,c2,LT,,,2024-01-01,' 'stance,c2,LT,supports,Rutte,2024-04-03,https://x.example/lt' \
    >"$T/c2-wrong.csv"
sed 's/^contest,c2,/contest,c2,/; s/supports,Rutte/opposes,Rutte/' "$T/c2-wrong.csv" >"$T/c2-right.csv"
for f in c2-wrong c2-right; do # the title and rule columns
    sed -i '1s/$/,title,rule/; 2s/$/,C2,majority/; 3,$s/$/,,/' "$T/$f.csv"
done
export AVOW_LEDGER=$T/clean
avow -q import --sign --csv "$T/c2-right.csv"
avow state c2 --at 2024-05-01 --json >"$T/want2"
export AVOW_LEDGER=$T/l
avow import --sign --csv "$T/c2-wrong.csv" 2>"$T/err" || fail "c2 import: $(cat "$T/err")"
undo=$(sed -n 's/.*undo with: avow \(retract --seq [0-9.]*\) --reason TEXT$/\1/p' "$T/err")
refused 'contest c2 already exists' contest new c2 --title C2 --rule majority --at 2024-01-01
# shellcheck disable=SC2086
avow -q $undo --reason "wrong file"
avow import --sign --csv "$T/c2-right.csv" 2>"$T/err" || fail "c2 redefined: $(cat "$T/err")"
avow state c2 --at 2024-05-01 --json | diff -u "$T/want2" - >&2 ||
    fail "undo + corrected import of a contest differs from a clean import"
refused 'contest c2 already exists' contest new c2 --title C2 --rule majority --at 2024-01-01
avow verify >/dev/null || fail "verify after a redefinition"

# Refusals.
refused 'give one of --seq A..B and --batch' retract --seq 1..2 --batch "${mid:0:10}" --reason x
refused "bad --seq '0..2'" retract --seq 0..2 --reason x
refused "bad --seq '5..2'" retract --seq 5..2 --reason x
refused "bad --seq '1-2'" retract --seq 1-2 --reason x
refused 'no seq 99 to retract' retract --seq 1..99 --reason x
refused 'missing --reason' retract --seq 1..2
refused 'take no EVENT_ID' retract --seq 1..2 "${mid:0:10}" --reason x
avow -q key new "$T/other.key" >/dev/null
refused 'not signed by your key' -k "$T/other.key" retract --batch "${mid:0:10}" --reason x
echo "ok"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_guard.sh - guard rails of an append-only log: refusals exit 2 with one
# error line and leave the ledger byte-identical (retract of a retraction, a
# second retraction, an unknown candidate without --force); warnings go to
# stderr with exit 0 (decide while the rule is not met, a stance by a
# non-member, --known-at before every event, untrusted events not counted).
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
snap() { sha256sum <"$T/ledger/data.mdb"; }
# refused PATTERN ARGS...: exit 2, one error line matching PATTERN, no stdout, ledger unchanged.
refused() {
    local pat=$1 rc=0
    shift
    snap >"$T/before"
    avow "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $*: exit $rc, want 2: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^avow: error: $pat" "$T/err" ||
        fail "avow $*: stderr: $(cat "$T/err") (want $pat)"
    [ ! -s "$T/out" ] || fail "avow $*: stdout: $(cat "$T/out")"
    snap | cmp -s - "$T/before" || fail "avow $*: the ledger changed"
}
# warned PATTERN ARGS...: exit 0, stdout as usual, one warning line matching PATTERN.
warned() {
    local pat=$1
    shift
    avow "$@" >"$T/out" 2>"$T/err" || fail "avow $*: exit $?: $(cat "$T/err")"
    grep -q "^avow: warning: $pat" "$T/err" || fail "avow $*: no warning '$pat': $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "avow $*: stderr is not one line: $(cat "$T/err")"
}
quiet() { # quiet ARGS...: exit 0 and nothing on stderr
    avow "$@" >"$T/out" 2>"$T/err" || fail "avow $*: exit $?: $(cat "$T/err")"
    [ ! -s "$T/err" ] || fail "avow $*: unexpected stderr: $(cat "$T/err")"
}

avow -q key new >/dev/null
avow -q key new "$T/b.key" >/dev/null
avow -q init
avow contest new c1 --title C1 --rule majority --at 2024-01-01 >/dev/null
avow member add c1 LT HU NL --at 2024-01-01 >/dev/null
avow candidate add c1 Rutte --at 2024-01-01 >/dev/null
avow candidate add c1 Iohannis --at 2024-01-01 >/dev/null
e1=$(avow declare c1 LT supports Rutte --at 2024-04-03 --source https://x.example/)

# retract: once is fine, twice is refused, a retraction cannot be retracted
r1=$(avow retract "$e1" --reason typo)
refused "event ${e1:0:12} is already retracted (by ${r1:0:16}" retract "${e1:0:12}" --reason again
refused "event $r1 is a retraction: a retraction cannot be retracted" retract "$r1" --reason undo

# declare: an unknown candidate is refused with the nearest name, --force records it
refused "contest c1 has no candidate 'Ruttte' (did you mean 'Rutte'?" \
    declare c1 LT supports Ruttte --at 2024-04-04 --source https://x.example/
refused "contest c1 has no candidate 'iohannis' (did you mean 'Iohannis'?" \
    declare c1 HU supports iohannis --at 2024-04-04 --source https://x.example/
quiet declare c1 LT supports Ruttte --at 2024-04-04 --source https://x.example/ --force
grep -qE '^[0-9a-f]{64}$' "$T/out" || fail "declare --force printed no id"
quiet declare c1 LT supports Rutte --at 2024-04-05 --source https://x.example/

# warnings (exit 0, the event recorded)
n0=$(avow log | wc -l)
warned "FR is not a member of c1 at 2024-04-05T00:00:00Z: its stance is recorded but not counted" \
    declare c1 FR supports Rutte --at 2024-04-05 --source https://x.example/
[ "$(avow log | wc -l)" = $((n0 + 1)) ] || fail "the non-member's stance was not recorded"
warned "Iohannis does not meet the rule of c1 at 2024-06-01T00:00:00Z (0 support, 2 needed)" \
    decide c1 Iohannis --at 2024-06-01
avow -q decide c1 Iohannis --at 2024-06-02 >"$T/out" 2>"$T/err"
[ ! -s "$T/err" ] || fail "-q does not silence a warning: $(cat "$T/err")"
avow declare c1 HU supports Rutte --at 2024-04-06 --source https://x.example/ >/dev/null
quiet decide c1 Rutte --at 2024-06-03
warned "no definition of c1 was recorded by --known-at 2000-01-01T23:59:59.999999Z: the answer is empty" \
    state c1 --known-at 2000-01-01
quiet state c1 --known-at 2099-01-01

# untrusted events: named in state and sync, with trust add
avow -L "$T/b" -k "$T/b.key" -q init
avow -L "$T/b" -k "$T/b.key" contest new c2 --title C2 --rule 1 --at 2024-01-01 >/dev/null
avow -L "$T/b" -k "$T/b.key" member add c2 SE FI --at 2024-01-01 >/dev/null
avow sync "$T/b" >/dev/null 2>"$T/err"
grep -q "^avow: warning: 3 events by 1 untrusted author are not counted (see 'avow trust list'; count an author with 'avow trust add KEY NAME')$" "$T/err" ||
    fail "sync: no untrusted warning: $(cat "$T/err")"
warned "3 events by 1 untrusted author are not counted" state c2
bkey=$(avow -k "$T/b.key" key show)
avow trust add "${bkey:0:12}" colleague >/dev/null
quiet state c2
grep -q '2 members' "$T/out" || fail "state c2 after trust add: $(cat "$T/out")"
echo "ok: test_guard"

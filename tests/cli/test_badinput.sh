#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_badinput.sh - malformed arguments to every command fail with exit 2
# (usage, input) or 3 (environment), one "avow: error:" line on stderr,
# nothing on stdout, and leave the ledger byte-identical.
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
checks=0
# expect CODE ARGS...: avow ARGS exits CODE with exactly one "avow: error:" line
# on stderr and nothing on stdout.
expect() {
    local want=$1 rc=0
    shift
    "$AVOW" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = "$want" ] || fail "avow $*: exit $rc, want $want; stderr: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "avow $*: stderr is not one line: $(cat "$T/err")"
    grep -q '^avow: error: ' "$T/err" || fail "avow $*: stderr: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "avow $*: stdout not empty: $(cat "$T/out")"
    checks=$((checks + 1))
}

long=$(head -c 3000 /dev/zero | tr '\0' x)

avow -q key new >/dev/null
avow -q key new "$T/other.key" >/dev/null
avow -q init
avow contest new nato-sg-2024 --title "NATO SG 2024" --rule unanimity --at 2023-10-01 >/dev/null
avow member add nato-sg-2024 LT HU NL >/dev/null
avow candidate add nato-sg-2024 Rutte >/dev/null
decl=$(avow declare nato-sg-2024 LT supports Rutte --at 2024-04-03 --source https://lt.example/)
cp "$T/key" "$T/open.key"
chmod 644 "$T/open.key"
printf 'right\n' >"$T/pass.right"
printf 'wrong\n' >"$T/pass.wrong"
: >"$T/pass.empty"
AVOW_PASSPHRASE_FILE="$T/pass.right" avow -q key new --passphrase "$T/sealed.key" >/dev/null

avow log --json >"$T/before.jsonl"
cp "$T/key" "$T/key.before"

# global options and dispatch
expect 2 frobnicate
expect 2 --frobnicate
expect 2 -L
expect 2 log -k
expect 2

# init
expect 2 init
expect 2 init --bogus
expect 2 init extra-argument
expect 2 init --origin

# key
expect 2 key
expect 2 key frob
expect 2 key new "$T/key"
expect 2 key new --force "$T/new.key"
[ ! -e "$T/new.key" ] || fail "key new --force wrote a key"
expect 2 key new "$T/a.key" "$T/b.key"
AVOW_PASSPHRASE_FILE="$T/pass.empty" expect 2 key new --passphrase "$T/empty.key"
[ ! -e "$T/empty.key" ] || fail "an empty passphrase made a key"
expect 3 -k "$T/missing.key" key show
expect 2 key show extra

# contest
expect 2 contest
expect 2 contest frob x
expect 2 contest new other --title T
expect 2 contest new other --rule unanimity
expect 2 contest new other --title T --rule most
expect 2 contest new other --title T --rule 3/2
expect 2 contest new other --title T --rule unanimity --at 2024-13-01
expect 2 contest new other --title T --rule unanimity --source "$long"
expect 2 contest new other --title "$long" --rule unanimity
expect 2 contest new nato-sg-2024 --title again --rule unanimity
expect 2 contest new "bad id with spaces" --title T --rule unanimity
expect 2 contest new --title T --rule unanimity
expect 2 contest new other --title T --rule unanimity --unknown
expect 3 -L "$T/no-ledger" contest new other --title T --rule unanimity
[ ! -e "$T/no-ledger" ] || fail "a failed command created a ledger"

# member
expect 2 member
expect 2 member add nato-sg-2024
expect 2 member add
expect 2 member add unknown-contest FR
expect 2 member add nato-sg-2024 FR --at 2024-13-01
expect 2 member add nato-sg-2024 FR --source "$long"
# All or nothing: FR is not added when the next actor is refused.
expect 2 member add nato-sg-2024 FR "$long"
expect 2 member remove nato-sg-2024 HU --at yesterday
expect 3 -k "$T/missing.key" member add nato-sg-2024 FR

# candidate
expect 2 candidate
expect 2 candidate add nato-sg-2024
expect 2 candidate add nato-sg-2024 A B
expect 2 candidate enter nato-sg-2024 Iohannis
expect 2 candidate add unknown-contest Iohannis
expect 2 candidate add nato-sg-2024 Iohannis --at 2024-13-01
expect 2 candidate withdraw nato-sg-2024 "$long"

# declare
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-13-01 --source https://hu.example/
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-04-03T10:00 --source https://hu.example/
expect 2 declare nato-sg-2024 HU maybe Rutte --at 2024-04-03 --source https://hu.example/
expect 2 declare unknown-contest HU opposes Rutte --at 2024-04-03 --source https://hu.example/
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 --source "$long"
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 --source https://hu.example/ \
    --quote "$long"
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 --source https://hu.example/ \
    --person "$long"
expect 2 declare nato-sg-2024 HU opposes Rutte --source https://hu.example/
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-04-03
expect 2 declare nato-sg-2024 HU opposes --at 2024-04-03 --source https://hu.example/
expect 2 declare nato-sg-2024 HU opposes Rutte extra --at 2024-04-03 --source https://hu.example/
expect 2 declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 --source https://hu.example/ --bogus
expect 2 declare nato-sg-2024 HU opposes Rutte --at
expect 3 -k "$T/missing.key" declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 \
    --source https://hu.example/
expect 3 -k "$T/open.key" declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 \
    --source https://hu.example/
grep -q 'readable' "$T/err" || fail "world-readable key: $(cat "$T/err")"
AVOW_PASSPHRASE_FILE="$T/pass.wrong" expect 3 -k "$T/sealed.key" declare nato-sg-2024 HU \
    opposes Rutte --at 2024-04-03 --source https://hu.example/
AVOW_PASSPHRASE_FILE="$T/missing.pass" expect 3 -k "$T/sealed.key" declare nato-sg-2024 HU \
    opposes Rutte --at 2024-04-03 --source https://hu.example/
if command -v setsid >/dev/null; then
    # No passphrase file and no terminal (setsid: no controlling tty): refused, not stuck.
    rc=0
    setsid -w "$AVOW" -k "$T/sealed.key" declare nato-sg-2024 HU opposes Rutte \
        --at 2024-04-03 --source https://hu.example/ >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 3 ] && grep -q '^avow: error: .*AVOW_PASSPHRASE_FILE' "$T/err" ||
        fail "sealed key without a terminal: $rc $(cat "$T/err")"
fi
expect 3 -L "$T/no-ledger" declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 \
    --source https://hu.example/

# retract
expect 2 retract xyz --reason "wrong"
expect 2 retract "${decl:0:7}" --reason "too short a prefix"
expect 2 retract 00000000 --reason "no such event"
expect 2 retract "$decl"
expect 2 retract "$decl" --reason "$long"
expect 2 retract "$decl" "$decl" --reason two
expect 2 -k "$T/other.key" retract "$decl" --reason "not my event"
expect 3 -k "$T/missing.key" retract "$decl" --reason "no key"

# decide
expect 2 decide nato-sg-2024 Rutte
expect 2 decide nato-sg-2024 Rutte --at 2024-13-01
expect 2 decide unknown-contest Rutte --at 2024-06-26
expect 2 decide nato-sg-2024 --at 2024-06-26
expect 2 decide nato-sg-2024 Rutte --at 2024-06-26 --source "$long"

# log
expect 2 log --author xyz
expect 2 log --author "${decl:0:63}g"
expect 2 log --contest
expect 2 log --bogus
expect 2 log extra
expect 3 -L "$T/no-ledger" log

# show
expect 2 show xyz
expect 2 show
expect 2 show "$decl" "$decl"
expect 2 show 00000000
expect 2 show --bogus "$decl"
expect 3 -L "$T/no-ledger" show "$decl"

# verify
expect 2 verify extra
expect 2 verify --bogus
expect 3 -L "$T/no-ledger" verify

# A FIFO where a file is expected: refused at once, never waited on (issue 22,
# item 3). `timeout` turns a hang into a failure.
mkfifo "$T/fifo"
fifo_expect() {
    local rc=0
    timeout 10 "$AVOW" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $* on a FIFO: exit $rc, want 2 (124: it hung): $(cat "$T/err")"
    grep -q 'not a regular file' "$T/err" || fail "avow $*: $(cat "$T/err")"
    checks=$((checks + 1))
}
fifo_expect bundle apply "$T/fifo"
fifo_expect bundle create "$T/b.out" --heads "$T/fifo"
fifo_expect verify --checkpoint "$T/fifo"
fifo_expect verify --attestation "$T/fifo"
fifo_expect evidence verify "$T/fifo"
fifo_expect prove --consistency "$T/fifo"
fifo_expect export --since "$T/fifo"
fifo_expect witness cosign "$T/fifo"
fifo_expect import "$T/fifo"
rc=0
timeout 10 "$AVOW" -k "$T/fifo" key show >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 3 ] && grep -q 'not a regular file' "$T/err" || fail "a FIFO key file: exit $rc: $(cat "$T/err")"

# A passphrase file with no newline stops at the limit (item 4); a FIFO with no
# writer reads as empty; a CRLF line end is the line end (item 5).
avow -q -L "$T/l2" init
sign2() { # the sealed key signs into a ledger of its own
    timeout 10 "$AVOW" -k "$T/sealed.key" -L "$T/l2" contest new "c$RANDOM" --title T --rule majority --at 2024-01-01
}
AVOW_PASSPHRASE_FILE=/dev/zero sign2 >/dev/null 2>"$T/err" &&
    fail "/dev/zero as passphrase file accepted"
grep -q 'passphrase longer than 1024 bytes' "$T/err" || fail "/dev/zero: $(cat "$T/err")"
rc=0
AVOW_PASSPHRASE_FILE="$T/fifo" timeout 10 "$AVOW" -k "$T/sealed.key" -L "$T/l2" contest new f --title T --rule majority --at 2024-01-01 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "a FIFO passphrase file: exit $rc"
printf 'right\r\n' >"$T/pass.crlf"
AVOW_PASSPHRASE_FILE="$T/pass.crlf" sign2 >/dev/null ||
    fail "a passphrase file with CRLF"
head -c 1024 /dev/zero | tr '\0' p >"$T/pass.max"
printf '\r\n' >>"$T/pass.max"
AVOW_PASSPHRASE_FILE="$T/pass.max" sign2 >/dev/null 2>"$T/err" &&
    fail "a wrong 1024-byte passphrase accepted"
grep -q 'wrong passphrase' "$T/err" || fail "1024 bytes and CRLF: $(cat "$T/err")"

# An origin no checkpoint could be signed under (a signed-note key name:
# no spaces, no '+') is refused at init (issue 22, item 9).
expect 2 -L "$T/bad-origin" init --origin "a b"
expect 2 -L "$T/bad-origin" init --origin "a+b"
[ ! -e "$T/bad-origin/data.mdb" ] || fail "init with a bad origin made a ledger"

# An ssh port past 65535 (or 0) is refused before ssh runs (item 15).
AVOW_SSH=false expect 2 sync ssh://localhost:65536/x
AVOW_SSH=false expect 2 sync ssh://localhost:0/x

# heads --out and bundle create refuse to replace a symbolic link (item 14),
# and the link's target is left as it was.
printf 'keep\n' >"$T/target"
ln -s "$T/target" "$T/link"
expect 2 heads --out "$T/link"
expect 2 bundle create "$T/link"
[ -L "$T/link" ] && [ "$(cat "$T/target")" = keep ] || fail "the symbolic link or its target changed"
# An escape in a malformed JSON Lines record does not reach the terminal
# through the parser's "near" text (item 14).
printf '{"kind":"stance",\033]0;pwned\007\033[2J}\n' >"$T/esc.jsonl"
rc=0
avow import --sign "$T/esc.jsonl" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "import of a line with an escape: exit $rc"
! grep -q "$(printf '\033')" "$T/err" || fail "an escape reached stderr: $(od -c "$T/err" | head -3)"
! grep -q "$(printf '\007')" "$T/err" || fail "a BEL reached stderr"

# Nothing was written by any of them.
avow log --json | cmp -s - "$T/before.jsonl" || fail "the ledger changed"
cmp -s "$T/key" "$T/key.before" || fail "the key changed"
[ ! -e "$T/no-ledger" ] || fail "a failed command created a ledger"
avow verify >/dev/null || fail "verify after bad input"

echo "ok: test_badinput ($checks refusals)"

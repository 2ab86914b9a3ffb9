#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_suggest.sh - long options match exactly (getopt's abbreviations are
# refused: `--att` is not `--attest`), and an unknown command or option names
# the nearest one. Each refusal exits 2 with one error line and leaves the
# ledger byte-identical.
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
# refused WANT_STDERR ARGS...: exit 2, nothing on stdout, stderr is exactly WANT_STDERR.
refused() {
    local want=$1 rc=0
    shift
    "$AVOW" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $*: exit $rc, want 2; stderr: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "avow $*: stdout not empty: $(cat "$T/out")"
    [ "$(cat "$T/err")" = "$want" ] || fail "avow $*: stderr
  got:  $(cat "$T/err")
  want: $want"
}

"$AVOW" -q key new >/dev/null
"$AVOW" -q init
"$AVOW" contest new c1 --title "C1" --rule unanimity --at 2024-01-01 >/dev/null
"$AVOW" member add c1 LT --at 2024-01-01 >/dev/null
"$AVOW" candidate add c1 Rutte --at 2024-01-01 >/dev/null
snap() { (cd "$T/ledger" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
snap >"$T/before"

# --att was taken as --attest (it signs an attestation); now it is refused and
# --at is suggested.
refused "avow: error: unknown option '--att' (did you mean '--at'? see 'avow state --help')" \
    state c1 --att 2024-05-01
refused "avow: error: unknown option '--atte' (did you mean '--at'? see 'avow state --help')" \
    state c1 --atte
# an abbreviation of a long option is not that option, even when it is unique
refused "avow: error: unknown option '--tit' (did you mean '--title'? see 'avow contest --help')" \
    contest new c2 --tit T --rule 1 --at 2024-01-01
refused "avow: error: unknown option '--sour' (did you mean '--source'? see 'avow declare --help')" \
    declare c1 LT supports Rutte --at 2024-01-02 --sour=https://x.example/
# a global option mistyped after the command is suggested too
refused "avow: error: unknown option '--jsno' (did you mean '--json'? see 'avow log --help')" \
    log --jsno
# nothing close: no suggestion
refused "avow: error: unknown option '--zzzzzzzz' (see 'avow log --help')" log --zzzzzzzz
# commands
refused "avow: error: unknown command 'stat' (did you mean 'state'? see 'avow --help')" stat c1
refused "avow: error: unknown command 'hisotry' (did you mean 'history'? see 'avow --help')" \
    hisotry c1
refused "avow: error: unknown command 'stat' (did you mean 'state'? see 'avow --help')" help stat
refused "avow: error: unknown command 'frobnicate' (see 'avow --help')" frobnicate
refused "avow: error: unknown option '--jsn' (did you mean '--json'? see 'avow --help')" --jsn log

# The value of an option is not an option: `--quote --att` quotes "--att".
id=$("$AVOW" declare c1 LT supports Rutte --at 2024-01-02 --source https://x.example/ --quote --att)
"$AVOW" show "$id" | grep -qx 'quote         --att' || fail "the quote '--att' was not kept"
# Exact names still work, with '=' too, and after '--' nothing is an option.
"$AVOW" state c1 --at=2024-05-01 --json | grep -q '"support_count":1' || fail "--at= failed"
"$AVOW" log --contest=c1 >/dev/null || fail "--contest= failed"
snap >"$T/before"
refused "avow: error: unknown option '--att' (did you mean '--at'? see 'avow state --help')" \
    state c1 --att
snap | cmp -s - "$T/before" || fail "a refusal changed the ledger"
echo "ok: test_suggest"

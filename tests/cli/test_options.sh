#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_options.sh - the option specs of the CLI (tools/cli, printed by the
# undocumented `avow --dump-options`) are the one list of options: the bash
# completion (tools/completion/avow.bash) and the man page (docs/avow.1) must
# name exactly the options each command has, no more, no fewer. The checks
# also run on altered copies of both files, which they must refuse.
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
SRC=${AVOW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The dump: COMMAND SUB --LONG -S METAVAR DEFAULT, tab-separated, one option a line.
"$AVOW" --dump-options >"$T/dump" || fail "--dump-options exited non-zero"
[ -s "$T/dump" ] || fail "--dump-options printed nothing"
awk -F'\t' 'NF != 6 || $3 !~ /^--[a-z][a-z-]*$/ || $4 !~ /^(-|-[a-zA-Z])$/ { bad = 1; print }
    END { exit bad }' "$T/dump" || fail "malformed --dump-options lines (above)"
# Within one spec, a long name or a short form appears once.
awk -F'\t' '{ k = $1 " " $2; if (seen[k, $3]++) { print "twice: " $0; bad = 1 }
    if ($4 != "-" && short[k, $4]++) { print "short twice: " $0; bad = 1 } } END { exit bad }' \
    "$T/dump" || fail "an option is declared twice (above)"
# A spec holds at most CLI_OPTS_MAX (16) options: the size of its getopt tables.
awk -F'\t' '$1 != "avow" { n[$1 " " $2]++ } END { for (k in n) if (n[k] > 16) { print k; bad = 1 }
    exit bad }' "$T/dump" || fail "a spec has more than 16 options (above): raise CLI_OPTS_MAX"

# The commands that `avow --help` lists, and the options of each (union over
# its subcommands); "avow" holds the global options.
"$AVOW" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' \
    >"$T/commands"
[ "$(wc -l <"$T/commands")" -gt 20 ] || fail "avow --help lists too few commands"
spec_opts() { # spec_opts COMMAND: its long options, sorted, one a line
    awk -F'\t' -v c="$1" '$1 == c { print $3 }' "$T/dump" | sort -u
}
spec_values() { # every option that takes a value (the short forms of the global ones too)
    awk -F'\t' '$5 != "-" { print $3; if ($1 == "avow" && $4 != "-") print $4 }' "$T/dump" |
        sort -u
}
spec_globals() {
    awk -F'\t' '$1 == "avow" { print $3; if ($4 != "-") print $4 }' "$T/dump" | sort -u
}

# ---- completion --------------------------------------------------------------
# What the completion offers, asked of _avow itself.
complete_words() { # complete_words FILE WORD...: COMPREPLY for the last word, one a line
    local file=$1
    shift
    (
        cd "$T/empty"
        # shellcheck disable=SC1090
        source "$file"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        _avow
        printf '%s\n' "${COMPREPLY[@]}"
    ) | sed '/^$/d' | sort -u
}
mkdir -p "$T/empty"

check_completion() { # check_completion FILE: 0, or 1 after printing each problem
    local file=$1 bad=0 c s
    complete_words "$file" avow '' >"$T/c.commands"
    if ! diff -u <(sort -u "$T/commands") "$T/c.commands" >"$T/diff"; then
        echo "completion: the commands differ from 'avow --help' (- help, + completion):"
        cat "$T/diff"
        bad=1
    fi
    complete_words "$file" avow - | grep -vx -- '--version' >"$T/c.globals" || true
    spec_globals | grep -vx -e '--version' -e '-V' >"$T/s.globals"
    if ! diff -u "$T/s.globals" "$T/c.globals" >"$T/diff"; then
        echo "completion: the global options differ (- spec, + completion):"
        cat "$T/diff"
        bad=1
    fi
    while read -r c; do
        [ "$c" = help ] && continue
        # The subcommands it offers, then the options after each (and after none).
        : >"$T/c.opts"
        for s in '' $(complete_words "$file" avow "$c" ''); do
            complete_words "$file" avow "$c" ${s:+"$s"} -- >>"$T/c.opts"
        done
        sort -u "$T/c.opts" | grep -vxFf "$T/s.globals" >"$T/c.cmd" || true
        spec_opts "$c" >"$T/s.cmd"
        if ! diff -u "$T/s.cmd" "$T/c.cmd" >"$T/diff"; then
            echo "completion: the options of '$c' differ (- spec, + completion):"
            cat "$T/diff"
            bad=1
        fi
    done <"$T/commands"
    # The options whose value it completes (the case on $prev) are those that take one.
    awk '/case \$prev in/ { on = 1; next } on && /^    esac/ { exit }
        on && /^ *-[-a-zA-Z| ]*(\)|\\)$/' "$file" |
        grep -oE -- '-?-[a-zA-Z][a-z-]*' | sort -u >"$T/c.values"
    if ! diff -u <(spec_values) "$T/c.values" >"$T/diff"; then
        echo "completion: the options whose value it completes differ from those that take"
        echo "one (- spec, + completion):"
        cat "$T/diff"
        bad=1
    fi
    return $bad
}

# ---- man page ------------------------------------------------------------------
# The synopsis of each "avow COMMAND" section: from the .SS line, the lines up
# to the first .br or .PP that is not followed by another "avow COMMAND" line.
man_synopses() { # man_synopses FILE: COMMAND --LONG, one a line
    awk '
        /^\.SS "avow [a-z]+"$/ { cmd = $3; sub(/"$/, "", cmd); syn = 1; print cmd " -"; next }
        /^\.S[HS] / { syn = 0; next }
        !syn { next }
        /^\.(br|PP)$/ { brk = 1; next }
        brk && /^\.B avow / { brk = 0 }
        brk { syn = 0; brk = 0; next }
        {
            line = $0
            gsub(/\\-/, "-", line)
            while (match(line, /--[a-z][a-z-]*/)) {
                print cmd " " substr(line, RSTART, RLENGTH)
                line = substr(line, RSTART + RLENGTH)
            }
        }' "$1" | sort -u
}

check_man() { # check_man FILE: 0, or 1 after printing each problem
    local file=$1 bad=0 c
    man_synopses "$file" >"$T/m.syn"
    while read -r c; do
        if ! grep -qx "$c -" "$T/m.syn"; then
            echo "man page: no section .SS \"avow $c\""
            bad=1
            continue
        fi
        awk -v c="$c" '$1 == c && $2 != "-" { print $2 }' "$T/m.syn" >"$T/m.cmd"
        spec_opts "$c" >"$T/s.cmd"
        if ! diff -u "$T/s.cmd" "$T/m.cmd" >"$T/diff"; then
            echo "man page: the synopsis of 'avow $c' differs from its options (- spec, + man):"
            cat "$T/diff"
            bad=1
        fi
    done <"$T/commands"
    # GLOBAL OPTIONS lists the global options, long and short.
    awk '/^\.SH GLOBAL OPTIONS/ { on = 1; next } on && /^\.SH / { exit }
        on && /^\.B[IR]? \\-/ { print }' "$file" | sed 's/\\-/-/g' |
        grep -oE -- '--?[a-zA-Z][a-z-]*' | sort -u >"$T/m.globals"
    if ! diff -u <(spec_globals) "$T/m.globals" >"$T/diff"; then
        echo "man page: GLOBAL OPTIONS differs from the global options (- spec, + man):"
        cat "$T/diff"
        bad=1
    fi
    # Anywhere in the page, an option is one that some command has.
    sed 's/\\-/-/g' "$file" | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/m.all"
    awk -F'\t' '{ print $3 }' "$T/dump" | sort -u >"$T/s.all"
    if comm -23 "$T/m.all" "$T/s.all" | grep . >"$T/diff"; then
        echo "man page: names options that no command has:"
        cat "$T/diff"
        bad=1
    fi
    return $bad
}

# main.c keeps the value of every option that takes one away from the global
# options (its list comes from the specs): '--OPT --json' gives --OPT the value
# "--json", never "needs a value". Each run has no ledger and no key.
mkdir -p "$T/work"
n=0
while IFS=$'\t' read -r cmd sub long short meta _; do
    if [ "$cmd" = avow ] || [ "$meta" = - ]; then
        continue
    fi
    words=("$cmd")
    [ "$sub" = - ] || words+=("$sub")
    for opt in "$long" "$short"; do
        [ "$opt" != - ] || continue
        n=$((n + 1))
        (cd "$T/work" && "$AVOW" -L "$T/work/l$n" -k "$T/work/k$n" "${words[@]}" "$opt" --json \
            </dev/null >/dev/null 2>"$T/err") || true
        ! grep -q 'needs a value' "$T/err" ||
            fail "avow ${words[*]} $opt --json: the value went to --json: $(cat "$T/err")"
    done
done <"$T/dump"
[ "$n" -gt 40 ] || fail "only $n options that take a value"

COMPLETION=$SRC/tools/completion/avow.bash
MAN=$SRC/docs/avow.1
check_completion "$COMPLETION" >"$T/report" || fail "$(cat "$T/report")"
check_man "$MAN" >"$T/report" || fail "$(cat "$T/report")"

# The checks refuse what they are meant to: a missing or an extra option in
# either file, a value the completion does not know is one.
sed 's/^    init) opts="--origin" ;;$/    init) opts="" ;;/' "$COMPLETION" >"$T/c1.bash"
sed 's/^    log) opts="--contest --author /    log) opts="--contest --author --frob /' \
    "$COMPLETION" >"$T/c2.bash"
sed 's/ | --keep)$/)/' "$COMPLETION" >"$T/c3.bash"
for f in c1 c2 c3; do
    ! cmp -s "$COMPLETION" "$T/$f.bash" || fail "the $f alteration of the completion did not apply"
    ! check_completion "$T/$f.bash" >/dev/null || fail "the completion check accepts $f"
done
awk '/^\.SS "avow init"$/ { init = 1 } init && /^\.RB \[ \\-\\-origin$/ { print ".RB [ \\-\\-orgin"
    init = 0; next } { print }' "$MAN" >"$T/m1.1"
awk '/^\.SS "avow log"$/ { log1 = 1 } { print } log1 && /^\.B avow log$/ {
    print ".RB [ \\-\\-frob ]"; log1 = 0 }' "$MAN" >"$T/m2.1"
sed 's/^The ledger directory\.$/The ledger directory (see \\-\\-ledgers)./' "$MAN" >"$T/m3.1"
for f in m1 m2 m3; do
    ! cmp -s "$MAN" "$T/$f.1" || fail "the $f alteration of the man page did not apply"
    ! check_man "$T/$f.1" >/dev/null || fail "the man page check accepts $f"
done

echo "ok: test_options ($(wc -l <"$T/dump") options of $(wc -l <"$T/commands") commands)"

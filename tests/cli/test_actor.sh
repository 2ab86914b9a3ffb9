#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_actor.sh - actor display names (`avow actor name`, kind actor-name):
# text state lists every group, supporters first, with "Name (CODE)" where a
# name is known; JSON keeps the codes and the digest of the same state
# without names; a name is not a change in history; the latest name wins, a
# retracted one is gone, one dated later than --at does not show; naming the
# actors of a v1 contest keeps its v1 JSON shape (test_v1_ledger.sh); bad input exits 2 with the
# ledger unchanged.
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
refused() { # refused PATTERN ARGS...: exit 2, the error, the ledger unchanged
    local pat=$1 rc=0
    shift
    snap >"$T/before"
    avow "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" = 2 ] || fail "avow $*: exit $rc, want 2: $(cat "$T/err")"
    grep -q "^avow: error: .*$pat" "$T/err" || fail "avow $*: stderr: $(cat "$T/err") (want $pat)"
    snap | cmp -s - "$T/before" || fail "avow $*: the ledger changed"
}

avow -q key new >/dev/null
avow -q init
avow contest new c1 --title C1 --rule majority --at 2024-01-01 >/dev/null
avow member add c1 LT HU NL --at 2024-01-01 >/dev/null
avow candidate add c1 Rutte --at 2024-01-01 >/dev/null
avow declare c1 LT supports Rutte --at 2024-04-03 --source https://x.example/ >/dev/null
avow declare c1 NL supports Rutte --at 2024-04-03 --source https://x.example/ >/dev/null
avow declare c1 HU opposes Rutte --at 2024-04-03 --source https://x.example/ >/dev/null

# Supporters are listed (codes only while no name is known).
avow state c1 --at 2024-05-01 >"$T/s0"
grep -qx '    supports: LT NL' "$T/s0" || fail "text state does not list supporters: $(cat "$T/s0")"
grep -qx '    opposes: HU' "$T/s0" || fail "text state: opposes: $(cat "$T/s0")"
avow state c1 --at 2024-05-01 --json >"$T/j0"

# Names: the latest wins; JSON and digest do not change; v1 shape kept.
avow actor name c1 HU Hungry >/dev/null
n_id=$(avow actor name c1 HU Hungary --source https://x.example/names)
avow actor name c1 NL "the Netherlands" >/dev/null
avow state c1 --at 2024-05-01 >"$T/s1"
grep -qx '    supports: LT, the Netherlands (NL)' "$T/s1" || fail "names in state: $(cat "$T/s1")"
grep -qx '    opposes: Hungary (HU)' "$T/s1" || fail "the latest name wins: $(cat "$T/s1")"
avow state c1 --at 2024-05-01 --json | cmp -s - "$T/j0" ||
    fail "naming actors changed state --json"
[ "$(grep '^digest' "$T/s1")" = "$(grep '^digest' "$T/s0")" ] || fail "naming changed the digest"
avow history c1 --actor HU >"$T/h"
[ "$(wc -l <"$T/h")" = 2 ] || fail "history shows a name as a change: $(cat "$T/h")"
avow log --kind actor-name >"$T/l"
[ "$(wc -l <"$T/l")" = 3 ] && grep -q 'HU is named "Hungary"' "$T/l" ||
    fail "log --kind actor-name: $(cat "$T/l")"
avow show "${n_id:0:12}" --json | jq -e '.kind == "actor-name" and .actor == "HU" and
    .title == "Hungary" and .source == "https://x.example/names"' >/dev/null ||
    fail "show --json of a name"

# A retracted name is gone (the earlier one shows again); a dated one holds from its date.
avow retract "$n_id" --reason "typo fixed the wrong way" >/dev/null
grep -q 'Hungry (HU)' <(avow state c1 --at 2024-05-01) || fail "a retracted name still shows"
avow actor name c1 LT Lithuania --at 2024-06-01 >/dev/null
grep -qx '    supports: LT, the Netherlands (NL)' <(avow state c1 --at 2024-05-01) ||
    fail "a name dated 2024-06-01 shows at 2024-05-01"
grep -qx '    supports: Lithuania (LT), the Netherlands (NL)' <(avow state c1 --at 2024-06-02) ||
    fail "a name dated 2024-06-01 does not show at 2024-06-02"

# Bad input: exit 2, nothing written.
refused 'missing the CONTEST, ACTOR or NAME' actor name c1 HU
refused 'too many arguments' actor name c1 HU Hun gary
refused 'unknown subcommand' actor rename c1 HU Hungary
refused "unknown contest 'c2'" actor name c2 HU Hungary
refused '' actor name c1 HU ""
echo "ok"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_checksrc.sh - tools/checksrc --tree refuses each kind of layering
# violation and over-long function it is given, names the file and line, and
# passes a tree that keeps the rules (README.md "Layout").
set -euo pipefail

: "${AVOW_SOURCE_DIR:?AVOW_SOURCE_DIR must name the source tree}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A small tree that keeps every rule.
good() {
    rm -rf "$T/tree"
    mkdir -p "$T/tree/src/util" "$T/tree/src/ledger" "$T/tree/src/project" "$T/tree/src/audit"
    printf '/* util */\nint util_f(void);\n' >"$T/tree/src/util/u.h"
    printf '#include <lmdb.h>\n#include "util/u.h"\nint\nledger_f(void)\n{\n    return mdb_env_create(0);\n}\n' \
        >"$T/tree/src/ledger/l.c"
    printf '#include "ledger/store.h"\n#include "project/p.h"\n/* mdb_get is named in a comment only */\nint p;\n' \
        >"$T/tree/src/project/p.c"
    printf '#include "util/u.h"\n' >"$T/tree/src/audit/a.c"
}
check() { # expected-message description
    if out=$(bash "$AVOW_SOURCE_DIR/tools/checksrc" --tree "$T/tree" 2>&1); then
        fail "checksrc passed a tree with $2"
    fi
    echo "$out" | grep -q -- "$1" || fail "$2: expected '$1' in: $out"
}

good
bash "$AVOW_SOURCE_DIR/tools/checksrc" --tree "$T/tree" >/dev/null || fail "a good tree was refused"

good
printf '#include "project/p.h"\n' >"$T/tree/src/util/bad.c"
check 'src/util/bad.c:1: util includes project/p.h, a higher layer' "an upward include"

good
printf '#include "audit/a.h"\n' >>"$T/tree/src/project/p.c"
check 'src/project/p.c:5: project includes audit/a.h, a sibling' "a sibling include"

good
printf '#include <lmdb.h>\n' >"$T/tree/src/audit/m.c"
check 'src/audit/m.c:1: only src/ledger/ includes <lmdb.h>' "LMDB included outside the ledger"

good
printf '#include "ledger/store_mdb.h"\n' >"$T/tree/src/project/m.c"
check 'only src/ledger/ includes "ledger/store_mdb.h"' "the ledger's private header outside it"

good
printf '#include "ledger/store_int.h"\n' >"$T/tree/src/audit/i.c"
check 'only src/ledger/ includes "ledger/store_int.h"' "the store's internal header outside it"

good
printf 'int\nf(void)\n{\n    return mdb_txn_abort(0);\n}\n' >"$T/tree/src/project/n.c"
check 'src/project/n.c:4: LMDB named outside src/ledger/' "an mdb_ call outside the ledger"

good
printf '#include "nosuch/x.h"\n' >"$T/tree/src/project/q.c"
check 'no such layer' "an include of an unknown folder"

good
{
    printf 'int\nlong_one(void)\n{\n'
    for i in $(seq 1 120); do printf '    (void)%d;\n' "$i"; done
    printf '    return 0;\n}\n'
} >"$T/tree/src/util/long.c"
check 'src/util/long.c:3: function of 121 lines' "a function of 121 lines"

good
{
    printf 'int\nshort_enough(void)\n{\n'
    for i in $(seq 1 118); do printf '    (void)%d;\n' "$i"; done
    printf '    return 0;\n}\n'
} >"$T/tree/src/util/ok.c"
bash "$AVOW_SOURCE_DIR/tools/checksrc" --tree "$T/tree" >/dev/null || fail "a function of 119 lines was refused"

good
printf 'void f(char *d) { sprintf(d, "x"); }\n' >"$T/tree/src/util/s.c"
check 'banned function' "a banned function"

echo "checksrc: every violation refused"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tools/demo.sh AVOW - a short scripted session in a temporary directory,
# built from the facts of the April 2024 article on the NATO Secretary
# General race (../shared/seed/). Usage: tools/demo.sh [path/to/avow]
set -euo pipefail
avow=${1:-avow}
dir=$(mktemp -d "${TMPDIR:-/tmp}/avow-demo.XXXXXX")
export AVOW_LEDGER="$dir/ledger" AVOW_KEY="$dir/analyst.key"
src="https://www.example.org/nato-sg-2024/rutte-support-2024-04-03"
run() { printf '$ avow %s\n' "$*"; "$avow" "$@"; }

echo "demo ledger: $dir"
run init --origin demo.avow/nato-sg-2024 >/dev/null
printf 'analyst key: '; "$avow" key new "$AVOW_KEY"
run contest new nato-sg-2024 --title "NATO Secretary General 2024" --rule unanimity \
    --at 2024-01-01 --source "$src" >/dev/null
# 31 members until Sweden joined on 2024-03-07.
"$avow" member add nato-sg-2024 AL BE BG CA HR CZ DK EE FI FR DE GR HU IS IT LV LT LU ME NL \
    MK NO PL PT RO SK SI ES TR GB US --at 2024-01-01 --source "$src" >/dev/null
"$avow" member add nato-sg-2024 SE --at 2024-03-07 --source "$src" >/dev/null
echo "(32 members recorded: 31 on 2024-01-01, Sweden on 2024-03-07)"
run candidate add nato-sg-2024 Rutte --at 2024-02-22 --source "$src" >/dev/null
run candidate add nato-sg-2024 Iohannis --at 2024-03-12 --source "$src" >/dev/null
for c in US GB DE FR; do
    "$avow" declare nato-sg-2024 "$c" supports Rutte --at 2024-02-22 --source "$src" >/dev/null
done
echo "(the US, the UK, Germany and France back Rutte early)"
run declare nato-sg-2024 LT supports Rutte --at 2024-04-03 --source "$src" \
    --person "Gitanas Nauseda" >/dev/null
run declare nato-sg-2024 EE supports Rutte --at 2024-04-03 --source "$src" \
    --person "Kaja Kallas" --quote "Estonia can support him as Secretary General of NATO" >/dev/null
run declare nato-sg-2024 HU opposes Rutte --at 2024-04-03 --source "$src" >/dev/null
echo
run log
echo
run verify
echo
echo "Try next:  AVOW_LEDGER=$AVOW_LEDGER AVOW_KEY=$AVOW_KEY $avow log --json"

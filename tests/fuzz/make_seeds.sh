#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# make_seeds.sh - writes the seed inputs of the jsonl, note, bundle and frame
# fuzz corpora (tests/fuzz/corpus/<x>/) with the avow CLI. Not a test; run it
# by hand when a format changes:
#
#   tests/fuzz/make_seeds.sh BUILD/tools/avow tests/fuzz/corpus
#
# Everything is signed with the fuzz key: corpus/key/plain (the seed 0..31
# key of seeds.c), which is the key the targets check signatures against.
# Times of recording are the clock's, so seeds differ from run to run; any
# run's seeds are as good. Kept small: a few events per file.
#
# Seeds:
#   jsonl/   mode byte (see fuzz_jsonl.c) + an export (signed lines), JSON
#            records and CSV records for import --sign
#   note/    a checkpoint, a cosigned checkpoint, an attestation, an evidence
#            file
#   bundle/  bundles (full, incremental, with fork evidence) and heads files,
#            without their 32-byte trailer (fuzz_bundle.c appends it)
#   frame/   mode byte (see fuzz_frame.c) + what one side of a real sync
#            session sent (captured through a fake $AVOW_SSH)
set -euo pipefail

AVOW=$(readlink -f "${1:?usage: make_seeds.sh AVOW CORPUS_DIR}")
OUT=$(readlink -f "${2:?usage: make_seeds.sh AVOW CORPUS_DIR}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset AVOW_LEDGER AVOW_KEY AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"
mkdir -p "$HOME" "$OUT"/{jsonl,note,bundle,frame}

cp "$OUT/key/plain" "$T/fuzz.key"
chmod 600 "$T/fuzz.key"
K="$T/fuzz.key"
"$AVOW" -q key new "$T/other.key" >/dev/null

a() { "$AVOW" -q -k "$K" "$@"; }
# mode byte, then a file: seed NAME MODE FILE
seed() { { printf "\\x$(printf %02x "$2")"; cat "$3"; } >"$1"; }
# a file without its 32-byte trailer
untrail() { head -c "$(($(stat -c %s "$1") - 32))" "$1"; }

L="$T/l1"
a -L "$L" init --origin fuzz.example/l1
a -L "$L" contest new nato --title "NATO SG" --rule unanimity --at 2024-01-01 --source https://e.org/a
a -L "$L" member add nato HU SE --at 2024-01-02
a -L "$L" candidate add nato Rutte --at 2024-01-03
id=$(a -L "$L" declare nato HU opposes Rutte --at 2024-04-03 --source https://e.org/hu --quote "No")

# jsonl: signed lines (mode 2: import; mode 0: parsers)
a -L "$L" export >"$T/export.jsonl"
seed "$OUT/jsonl/export-parse" 0 "$T/export.jsonl"
seed "$OUT/jsonl/export-import" 2 "$T/export.jsonl"
cat >"$T/records.jsonl" <<EOF
{"kind":"contest","contest":"c1","title":"T","rule":"2/3","at":"2024"}
{"kind":"member-join","contest":"c1","actor":"SE","at":"2024-04"}
{"kind":"stance","contest":"c1","actor":"SE","candidate":"X","stance":"supports","at":"2024-04-03T14:05:00+02:00","source":"s","person":"P","quote":"q"}
{"kind":"retract","target":"$id","reason":"wrong"}
EOF
seed "$OUT/jsonl/records-parse" 0 "$T/records.jsonl"
seed "$OUT/jsonl/records-import" 3 "$T/records.jsonl"
# format v2 kinds and stance, as import --sign takes them today (the v2
# members are not wired yet: docs/FORMAT.md "Unsigned records")
cat >"$T/records-v2.jsonl" <<EOF
{"kind":"contest","contest":"c2","title":"T","rule":"unanimity","at":"2024-01-01"}
{"kind":"candidate-signal","contest":"c2","candidate":"X","at":"2024-02","source":"s"}
{"kind":"stance","contest":"c2","actor":"SE","candidate":"X","stance":"abstains","at":"2024-04-03","source":"s"}
{"kind":"contest-amend","contest":"c2","rule":"majority","at":"2024-05"}
EOF
seed "$OUT/jsonl/records-v2-parse" 0 "$T/records-v2.jsonl"
seed "$OUT/jsonl/records-v2-import" 3 "$T/records-v2.jsonl"
printf 'kind,at,contest,title,rule,actor,candidate,stance,source,quote\r\ncontest,2024,c1,"A ""title""",majority,,,,,\r\nmember-join,2024-04-03,c1,,,SE,,,,\r\nstance,2024-04-03,c1,,,SE,X,opposes,https://e.org,"multi\nline"\r\n' >"$T/records.csv"
seed "$OUT/jsonl/csv-parse" 1 "$T/records.csv"
seed "$OUT/jsonl/csv-import" 4 "$T/records.csv"

# note: checkpoint, cosigned checkpoint, attestation, evidence
a -L "$L" checkpoint --out "$T/cp" >/dev/null
cp "$T/cp" "$OUT/note/checkpoint"
W="$T/witness"
a -L "$W" init --origin fuzz.example/witness
pk=$("$AVOW" -k "$K" key show)
a -L "$W" witness cosign "$T/cp" --trust "$pk" --out "$OUT/note/cosigned"
a -L "$L" state nato --at 2024-05-01 --attest >"$OUT/note/attestation"
a -L "$L" explain nato HU Rutte --at 2024-05-01 --evidence "$T/evidence" >/dev/null
cp "$T/evidence" "$OUT/note/evidence"

# bundle: full, heads of an empty ledger, incremental, fork evidence
E="$T/empty"
a -L "$E" init
a -L "$E" heads --out "$T/heads-empty"
untrail "$T/heads-empty" >"$OUT/bundle/heads-empty"
a -L "$L" heads --out "$T/heads-l1"
untrail "$T/heads-l1" >"$OUT/bundle/heads-l1"
a -L "$L" bundle create "$T/full" >/dev/null
untrail "$T/full" >"$OUT/bundle/full"
cp -r "$L" "$T/l2"
a -L "$T/l2" candidate add nato Iohannis --at 2024-03-01 >/dev/null
a -L "$T/l2" bundle create "$T/incr" --heads "$T/heads-l1" >/dev/null
untrail "$T/incr" >"$OUT/bundle/incremental"
# A fork: l3 is l1 plus a different seq 5 of the same author.
cp -r "$L" "$T/l3"
a -L "$T/l3" member add nato DE --at 2024-03-02 >/dev/null
a -L "$T/l2" sync "$T/l3" >/dev/null 2>&1 || true
a -L "$T/l2" bundle create "$T/fork" >/dev/null
untrail "$T/fork" >"$OUT/bundle/fork"

# frame: capture both directions of `avow sync ssh://...`
cat >"$T/fakessh" <<'EOF'
#!/bin/sh
# fakessh [-p PORT] -- HOST REMOTE_COMMAND: run it here, keep both directions.
while [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift 2
tee "$CAPTURE.c2s" | sh -c "$*" | tee "$CAPTURE.s2c"
EOF
chmod +x "$T/fakessh"
export AVOW_SSH="$T/fakessh" AVOW_REMOTE="$AVOW"
capture() { # NAME CLIENT SERVER [sync options]
    local name=$1 client=$2 server=$3
    shift 3
    CAPTURE="$T/$name" a -L "$client" sync "ssh://localhost/$server" "$@" >/dev/null 2>&1 || true
    # mode bit 0: 1 = this side is the client (reads s2c), 0 = the server (reads c2s)
    seed "$OUT/frame/$name-server" 0 "$T/$name.c2s"
    seed "$OUT/frame/$name-client" 1 "$T/$name.s2c"
}
export CAPTURE
cp -r "$E" "$T/e2"
capture push "$L" "$T/e2"
cp -r "$E" "$T/e3"
capture pull "$T/e3" "$L"
cp -r "$L" "$T/l4"
a -L "$T/l4" member add nato PL --at 2024-03-02 >/dev/null
capture fork "$T/l4" "$T/l3"
ls -l "$OUT"/{jsonl,note,bundle,frame}

/* SPDX-License-Identifier: ISC */
/*
 * cmd_audit.c - tamper evidence on the command line: `avow checkpoint`,
 * `avow prove`, `avow evidence verify|write`, `avow witness cosign`, and the
 * helpers `avow verify --checkpoint/--attestation` and `explain --evidence`
 * use (docs/AUDIT.md).
 *
 * Invariants:
 *  1. A file whose content does not hold (a checkpoint, an evidence file, a
 *     proof) exits 1 with "avow: error: ... does not hold: WHY", WHY naming
 *     the line or part that fails; a file that cannot be read exits 2.
 *  2. Every proof is verified before it is printed.
 *  3. The trusted key of a checkpoint is --trust PUBKEY when given, else the
 *     ledger owner's key, else the public key of -k (docs/AUDIT.md).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- shared helpers ----------------------------------------------------------- */

int
cli_audit_read_file(avow_buf *out, const char *path, size_t max, const char *what)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : cli_fopen_read(path);
    unsigned char chunk[8192];
    int status = 0;

    if (f == NULL) {
        return cli_fail(CLI_EXIT_USAGE, "cannot read the %s '%s': %s", what, path,
                        avow_error_last());
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0) {
            if (out->len + n > max + 1) {
                n = max + 1 - out->len;
            }
            if (out->len + n > out->maxlen) {
                size_t cap = out->maxlen ? out->maxlen : sizeof(chunk);
                while (cap < out->len + n) {
                    cap *= 2;
                }
                unsigned char *p = realloc(out->ptr, cap);
                if (p == NULL) {
                    status = cli_fail(CLI_EXIT_ENV, "out of memory reading '%s'", path);
                    break;
                }
                out->ptr = p;
                out->maxlen = cap;
            }
            memcpy(out->ptr + out->len, chunk, n);
            out->len += n;
        }
        if (out->len > max) {
            break; /* the caller reports the size: it is the content's fault */
        }
        if (n < sizeof(chunk)) {
            if (ferror(f)) {
                status = cli_fail(CLI_EXIT_USAGE, "cannot read the %s '%s'", what, path);
            }
            break;
        }
    }
    if (f != stdin) {
        (void)fclose(f); /* read only: nothing to lose */
    }
    return status;
}

int
cli_audit_write_file(const char *path, const void *data, size_t len)
{
    FILE *f;

    if (path == NULL || strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len) {
            return cli_fail(CLI_EXIT_ENV, "cannot write the output");
        }
        return 0;
    }
    if ((f = fopen(path, "wb")) == NULL) {
        return cli_fail(CLI_EXIT_ENV, "cannot create '%s': %s", path, strerror(errno));
    }
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        return cli_fail(CLI_EXIT_ENV, "cannot write '%s'", path);
    }
    return 0;
}

int
cli_audit_trusted_key(unsigned char pk[AVOW_PUBKEY_BYTES], const cli_ctx *ctx,
                      const char *trust_hex, avow_ledger *ledger, const char *command)
{
    if (trust_hex != NULL) {
        return cli_parse_pubkey(pk, trust_hex, command);
    }
    if (ledger != NULL && avow_ledger_owner(pk, ledger) == 0) {
        return 0;
    }
    if (avow_key_read_public(pk, ctx->key) == 0) {
        return 0;
    }
    return cli_fail(CLI_EXIT_USAGE, "no trusted key: give --trust PUBKEY (see 'avow %s --help')",
                    command);
}

int
cli_evidence_write(const cli_ctx *ctx, avow_ledger *ledger, const unsigned char *ids, size_t n,
                   const char *path)
{
    avow_buf out = AVOW_BUF_INIT;
    avow_key *key = NULL;
    int status, err;

    if ((status = cli_load_key(&key, ctx)) != 0) {
        goto done;
    }
    if ((err = avow_evidence_write(&out, ledger, ids, n, key)) < 0) {
        status = cli_fail_lib(err, NULL, "cannot write the evidence file");
        goto done;
    }
    status = cli_audit_write_file(path, out.ptr, out.len);
done:
    avow_key_free(key);
    avow_buf_dispose(&out);
    return status;
}

static json_t *
hex_json(const unsigned char *p, size_t n)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    avow_hex(hex, p, n);
    return json_string(hex);
}

static json_t *
path_json(const unsigned char *path, size_t count)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < count; i++) {
        if (json_array_append_new(a, hex_json(path + i * AVOW_HASH_BYTES, AVOW_HASH_BYTES)) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static void
print_path(const unsigned char *path, size_t count)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    printf("path:\n");
    for (size_t i = 0; i < count; i++) {
        avow_hex(hex, path + i * AVOW_HASH_BYTES, AVOW_HASH_BYTES);
        printf("  %s\n", hex);
    }
}

int
cli_audit_vkey_binds(const char *trust, const char *origin, size_t origin_len, const char *what)
{
    avow_vkey v;
    if (trust == NULL || avow_vkey_parse(&v, trust, strlen(trust), AVOW_SIG_ED25519) < 0 ||
        v.name[0] == '\0' ||
        (strlen(v.name) == origin_len && memcmp(v.name, origin, origin_len) == 0)) {
        return 0;
    }
    return cli_fail(CLI_EXIT_CHECK,
                    "%s does not hold: it is signed under the name '%.*s', not the vkey's name "
                    "'%s' (signed-note: a line of another name is not this key's)",
                    what, (int)origin_len, origin, v.name);
}

/* Read and check a checkpoint file against the ledger. Exit code or 0. */
static int
load_checkpoint(avow_checkpoint *cp, avow_ledger *ledger, const cli_ctx *ctx, const char *path,
                const char *trust, const char *command)
{
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_buf text = AVOW_BUF_INIT;
    int status, err;

    if ((status = cli_audit_trusted_key(pk, ctx, trust, ledger, command)) != 0 ||
        (status = cli_audit_read_file(&text, path, AVOW_NOTE_MAX_BYTES, "checkpoint")) != 0) {
        goto done;
    }
    err = avow_checkpoint_verify(cp, ledger, (const char *)text.ptr, text.len, pk);
    if (err < 0) {
        status = cli_fail_lib(err == AVOW_EFORMAT ? AVOW_EVERIFY : err, NULL,
                              "checkpoint '%s' does not hold", path);
    } else {
        status = cli_audit_vkey_binds(trust, cp->origin, strlen(cp->origin), "the checkpoint");
    }
done:
    avow_buf_dispose(&text);
    return status;
}

/* ---- avow checkpoint -------------------------------------------------------------- */

static const cli_opt checkpoint_opts[] = {
    { "out", 'o', 'o', "FILE", "write the checkpoint there", "stdout" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec checkpoint_spec = { "checkpoint", NULL, 11, 0, checkpoint_opts };
const cli_spec *const cli_checkpoint_specs[] = { &checkpoint_spec, NULL };

void
cmd_checkpoint_help(FILE *out)
{
    fprintf(out, "usage: avow checkpoint [--out FILE] [--json]\n"
                 "\n"
                 "Sign a checkpoint of the whole log with the key (-k): a C2SP tlog-checkpoint\n"
                 "signed note (origin line, tree size, base64 Merkle root, then the signature\n"
                 "line with key name = origin). The ledger stores every checkpoint it signs.\n"
                 "Writes the note to FILE, or to stdout. With --json: {\"origin\", \"tree_size\",\n"
                 "\"root\" (hex), \"checkpoint\" (the note)}.\n"
                 "\n");
    cli_help_options(out, &checkpoint_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_checkpoint(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    const char *out_path = NULL;
    avow_ledger *ledger = NULL;
    avow_key *key = NULL;
    avow_buf note = AVOW_BUF_INIT;
    avow_checkpoint cp;
    int status = 0, err, c;

    cli_getopt_init(&gs, &checkpoint_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_checkpoint_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc) {
        status = cli_usage_fail("checkpoint", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0 ||
        (status = cli_load_key(&key, ctx)) != 0) {
        goto done;
    }
    if ((err = avow_checkpoint_create(&note, &cp, ledger, key)) < 0) {
        status = cli_fail_lib(err, NULL, "cannot sign a checkpoint");
        goto done;
    }
    if (out_path != NULL && strcmp(out_path, "-") != 0) {
        if ((status = cli_audit_write_file(out_path, note.ptr, note.len)) != 0) {
            goto done;
        }
    }
    if (ctx->json) {
        status = cli_print_json(json_pack(
          "{s:s, s:I, s:o, s:s%}", "origin", cp.origin, "tree_size", (json_int_t)cp.size, "root",
          hex_json(cp.root, AVOW_HASH_BYTES), "checkpoint", (const char *)note.ptr, note.len));
    } else if (out_path == NULL || strcmp(out_path, "-") == 0) {
        status = cli_audit_write_file(NULL, note.ptr, note.len);
    } else if (!ctx->quiet) {
        fprintf(stderr, "checkpoint of %" PRIu64 " events written to %s\n", cp.size, out_path);
    }
done:
    avow_buf_dispose(&note);
    avow_key_free(key);
    avow_ledger_free(ledger);
    return status;
}

/* ---- avow prove ------------------------------------------------------------------- */

static const cli_opt prove_opts[] = {
    { "checkpoint", 'c', 'c', "FILE", "prove against this checkpoint", "the whole log" },
    { "consistency", 'C', 'C', "OLD", "a consistency proof instead", NULL },
    { "trust", 't', 't', "PUBKEY", "key that signs the checkpoints", "the ledger owner" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec prove_spec = { "prove", NULL, 17, 0, prove_opts };
const cli_spec *const cli_prove_specs[] = { &prove_spec, NULL };

void
cmd_prove_help(FILE *out)
{
    fprintf(out, "usage: avow prove EVENT_ID [--checkpoint FILE] [--trust PUBKEY] [--json]\n"
                 "       avow prove --consistency OLD [NEW] [--trust PUBKEY] [--json]\n"
                 "\n"
                 "Print an RFC 9162 inclusion proof of EVENT_ID: its leaf index, the tree size,\n"
                 "the root (hex) and the audit path (hex, nearest the leaf first), against the\n"
                 "whole log or against the checkpoint in FILE (checked first). With\n"
                 "--consistency, a consistency proof from OLD to NEW (default: the whole log);\n"
                 "each is a tree size or a checkpoint file. Every proof is verified before it\n"
                 "is printed.\n"
                 "--json keys: leaf_index, tree_size, leaf_hash, root, path; or old_size,\n"
                 "new_size, old_root, new_root, path (the --proof file of 'avow witness').\n"
                 "\n");
    cli_help_options(out, &prove_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

/* A size in decimal, or a checkpoint file. */
static int
size_or_checkpoint(uint64_t *size, avow_ledger *ledger, const cli_ctx *ctx, const char *arg,
                   const char *trust)
{
    avow_checkpoint cp;
    size_t n = strlen(arg);
    int digits = n > 0 && n <= 19;
    for (size_t i = 0; digits && i < n; i++) {
        digits = isdigit((unsigned char)arg[i]) != 0;
    }
    if (digits) {
        *size = strtoull(arg, NULL, 10);
        return 0;
    }
    int status = load_checkpoint(&cp, ledger, ctx, arg, trust, "prove");
    if (status == 0) {
        *size = cp.size;
    }
    return status;
}

int
cmd_prove(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    const char *cp_path = NULL, *old_arg = NULL, *trust = NULL;
    avow_ledger *ledger = NULL;
    avow_inclusion *ip = NULL;
    avow_consistency *cp = NULL;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[2 * AVOW_HASH_BYTES + 1];
    int status = 0, err, c;

    cli_getopt_init(&gs, &prove_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'c':
            cp_path = optarg;
            break;
        case 'C':
            old_arg = optarg;
            break;
        case 't':
            trust = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_prove_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (old_arg == NULL && optind + 1 != argc) {
        status = cli_usage_fail("prove", "give one EVENT_ID");
        goto done;
    }
    if (old_arg != NULL && (argc - optind > 1 || cp_path != NULL)) {
        status = cli_usage_fail("prove", "--consistency takes OLD and at most one NEW");
        goto done;
    }
    if ((ip = malloc(sizeof(*ip))) == NULL || (cp = malloc(sizeof(*cp))) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if (old_arg != NULL) {
        uint64_t m = 0, n = UINT64_MAX;
        if ((status = size_or_checkpoint(&m, ledger, ctx, old_arg, trust)) != 0 ||
            (optind < argc &&
             (status = size_or_checkpoint(&n, ledger, ctx, argv[optind], trust)) != 0)) {
            goto done;
        }
        if ((err = avow_ledger_prove_consistency(cp, ledger, m, n)) < 0) {
            status = cli_fail_lib(err, NULL, "no consistency proof");
            goto done;
        }
        if (ctx->json) {
            status = cli_print_json(json_pack(
              "{s:I, s:I, s:o, s:o, s:o}", "old_size", (json_int_t)cp->old_size, "new_size",
              (json_int_t)cp->new_size, "old_root", hex_json(cp->old_root, AVOW_HASH_BYTES),
              "new_root", hex_json(cp->new_root, AVOW_HASH_BYTES), "path",
              path_json(cp->path, cp->count)));
            goto done;
        }
        printf("old_size: %" PRIu64 "\nnew_size: %" PRIu64 "\n", cp->old_size, cp->new_size);
        avow_hex(hex, cp->old_root, AVOW_HASH_BYTES);
        printf("old_root: %s\n", hex);
        avow_hex(hex, cp->new_root, AVOW_HASH_BYTES);
        printf("new_root: %s\n", hex);
        print_path(cp->path, cp->count);
        goto done;
    }
    uint64_t size = UINT64_MAX;
    if ((status = cli_resolve_event(ledger, id, argv[optind])) != 0) {
        goto done;
    }
    if (cp_path != NULL) {
        avow_checkpoint k;
        if ((status = load_checkpoint(&k, ledger, ctx, cp_path, trust, "prove")) != 0) {
            goto done;
        }
        size = k.size;
    }
    if ((err = avow_ledger_prove_inclusion(ip, ledger, id, size)) < 0) {
        status = cli_fail_lib(err, NULL, "no inclusion proof for %s", argv[optind]);
        goto done;
    }
    if (ctx->json) {
        status = cli_print_json(json_pack(
          "{s:o, s:I, s:I, s:o, s:o, s:o}", "id", hex_json(id, AVOW_EVENT_ID_BYTES), "leaf_index",
          (json_int_t)ip->leaf_index, "tree_size", (json_int_t)ip->tree_size, "leaf_hash",
          hex_json(ip->leaf_hash, AVOW_HASH_BYTES), "root", hex_json(ip->root, AVOW_HASH_BYTES),
          "path", path_json(ip->path, ip->count)));
        goto done;
    }
    avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
    printf("id: %s\nleaf_index: %" PRIu64 "\ntree_size: %" PRIu64 "\n", hex, ip->leaf_index,
           ip->tree_size);
    avow_hex(hex, ip->leaf_hash, AVOW_HASH_BYTES);
    printf("leaf_hash: %s\n", hex);
    avow_hex(hex, ip->root, AVOW_HASH_BYTES);
    printf("root: %s\n", hex);
    print_path(ip->path, ip->count);
done:
    free(ip);
    free(cp);
    avow_ledger_free(ledger);
    return status;
}

/* ---- avow evidence ------------------------------------------------------------------ */

#define EVIDENCE_MAX_WITNESSES 16

static const cli_opt evidence_opts[] = {
    { "trust", 't', 't', "PUBKEY", "the key the checkpoint must be signed by", NULL },
    { "out", 'o', 'o', "FILE", "where 'write' puts the evidence (- for stdout)", NULL },
    { "witness", 'w', 'w', "[NAME=]PUBKEY",
      "a witness whose cosignature on the checkpoint counts\n"
      "(repeatable), as for verify --checkpoint",
      NULL },
    { "quorum", 'Q', 'Q', "N", "how many of the --witness keys must have cosigned", "all of them" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec evidence_spec = { "evidence", NULL, 15, 0, evidence_opts };
const cli_spec *const cli_evidence_specs[] = { &evidence_spec, NULL };

void
cmd_evidence_help(FILE *out)
{
    fprintf(out, "usage: avow evidence verify FILE [--trust PUBKEY] [--witness [NAME=]PUBKEY]...\n"
                 "                            [--quorum N] [--json]\n"
                 "       avow evidence write --out FILE EVENT_ID...\n"
                 "\n"
                 "verify: check an evidence file with no ledger at hand: the checkpoint is\n"
                 "signed by PUBKEY (default: the public key of -k), and every event in it has\n"
                 "its id, its author's signature and an inclusion proof against that\n"
                 "checkpoint. Any changed byte fails (exit 1). Prints each event, then \"ok\".\n"
                 "write: sign a fresh checkpoint with -k and write the events, their proofs and\n"
                 "the checkpoint to FILE ('explain --evidence' does the same for the events that\n"
                 "decide a stance).\n"
                 "\n");
    cli_help_options(out, &evidence_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

struct ev_print {
    int json;
    json_t *events;
};

static int
on_evidence_event(const avow_event *ev, uint64_t index, void *payload)
{
    struct ev_print *p = payload;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];

    if (p->json) {
        avow_buf b = AVOW_BUF_INIT;
        json_t *o = NULL;
        if (avow_event_to_json(&b, ev, index, 0) == 0) {
            o = json_loadb((const char *)b.ptr, b.len, 0, NULL);
        }
        if (o != NULL) {
            json_array_append_new(p->events, o);
        }
        avow_buf_dispose(&b);
        return 0;
    }
    avow_event_id(id, ev);
    avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
    printf("event #%" PRIu64 " %s %s", index, hex, avow_kind_name(ev->kind));
    if (ev->contest.ptr != NULL) {
        printf(" ");
        cli_put_str(stdout, ev->contest);
    }
    if (ev->actor.ptr != NULL) {
        printf(" ");
        cli_put_str(stdout, ev->actor);
    }
    if (ev->stance != AVOW_STANCE_NONE) {
        printf(" %s", avow_stance_name(ev->stance));
    }
    if (ev->candidate.ptr != NULL) {
        printf(" ");
        cli_put_str(stdout, ev->candidate);
    }
    printf(": proven\n");
    return 0;
}

/* The evidence's checkpoint cosigned by at least quorum of the witnesses:
 * 0, 1 or an exit code; *cosigned gets the count. */
static int
evidence_quorum(size_t *cosigned, const avow_buf *data, char *const *witnesses, size_t n,
                size_t quorum)
{
    avow_witness w[EVIDENCE_MAX_WITNESSES];
    char names[EVIDENCE_MAX_WITNESSES][AVOW_ORIGIN_MAX + 1];
    int status;
    for (size_t i = 0; i < n; i++) {
        if ((status = cli_parse_witness(&w[i], names[i], sizeof(names[i]), witnesses[i],
                                        "evidence")) != 0) {
            return status;
        }
    }
    json_t *doc = json_loadb((const char *)data->ptr, data->len, 0, NULL);
    json_t *cp = json_object_get(doc, "checkpoint");
    int err = json_is_string(cp)
                ? avow_note_witnessed(cosigned, json_string_value(cp), json_string_length(cp), w, n)
                : AVOW_EFORMAT;
    json_decref(doc);
    if (err == AVOW_EINVALID) {
        return cli_usage_fail("evidence", "%s", avow_error_last());
    }
    return err == 0 && *cosigned >= quorum ? 0 : CLI_EXIT_CHECK;
}

static int
evidence_verify(cli_ctx *ctx, const char *path, const char *trust, char *const *witnesses,
                size_t n_witnesses, size_t quorum)
{
    size_t cosigned = 0;
    int qstatus = 0;
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_buf data = AVOW_BUF_INIT;
    avow_checkpoint cp;
    struct ev_print p = { ctx->json, NULL };
    size_t n = 0;
    int status, err;

    if ((status = cli_audit_trusted_key(pk, ctx, trust, NULL, "evidence")) != 0 ||
        (status = cli_audit_read_file(&data, path, AVOW_EVIDENCE_MAX_BYTES, "evidence file")) !=
          0) {
        goto done;
    }
    if (p.json && (p.events = json_array()) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    err = avow_evidence_verify(&cp, &n, data.ptr, data.len, pk, on_evidence_event, &p);
    if (err < 0) {
        status = cli_fail_lib(err == AVOW_EVERIFY ? AVOW_EVERIFY : err, NULL,
                              "evidence '%s' does not hold", path);
        goto done;
    }
    if ((status = cli_audit_vkey_binds(trust, cp.origin, strlen(cp.origin), "the evidence")) != 0) {
        goto done;
    }
    if (n_witnesses > 0) {
        qstatus = evidence_quorum(&cosigned, &data, witnesses, n_witnesses, quorum);
        if (qstatus != 0 && qstatus != CLI_EXIT_CHECK) {
            status = qstatus;
            goto done;
        }
        if (qstatus != 0) {
            status = cli_fail(CLI_EXIT_CHECK,
                              "evidence '%s': %zu of %zu witnesses cosigned its checkpoint, "
                              "fewer than the quorum of %zu",
                              path, cosigned, n_witnesses, quorum);
            goto done;
        }
    }
    if (p.json) {
        char key[AVOW_HEX_ID_LEN + 1];
        avow_hex(key, pk, AVOW_PUBKEY_BYTES);
        status = cli_print_json(json_pack("{s:b, s:s, s:I, s:o, s:s, s:O}", "ok", 1, "origin",
                                          cp.origin, "tree_size", (json_int_t)cp.size, "root",
                                          hex_json(cp.root, AVOW_HASH_BYTES), "signer", key,
                                          "events", p.events));
    } else {
        printf("ok: %zu event%s proven against the checkpoint of %s at size %" PRIu64 "\n", n,
               n == 1 ? "" : "s", cp.origin, cp.size);
        if (n_witnesses > 0) {
            printf("witnesses: %zu of %zu cosigned, quorum %zu: met\n", cosigned, n_witnesses,
                   quorum);
        }
    }
done:
    json_decref(p.events);
    avow_buf_dispose(&data);
    return status;
}

int
cmd_evidence(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    const char *trust = NULL, *out = NULL;
    char *witnesses[EVIDENCE_MAX_WITNESSES];
    size_t n_witnesses = 0, quorum = 0;
    avow_ledger *ledger = NULL;
    unsigned char *ids = NULL;
    int status = 0, c;

    cli_getopt_init(&gs, &evidence_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 't':
            trust = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'w':
            if (n_witnesses == EVIDENCE_MAX_WITNESSES) {
                status =
                  cli_usage_fail("evidence", "at most %d --witness keys", EVIDENCE_MAX_WITNESSES);
                goto done;
            }
            witnesses[n_witnesses++] = optarg;
            break;
        case 'Q':
            if ((status = cli_parse_quorum(&quorum, optarg, EVIDENCE_MAX_WITNESSES, "evidence")) !=
                0) {
                goto done;
            }
            break;
        case CLI_OPT_HELP:
            cmd_evidence_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc && strcmp(argv[optind], "verify") == 0) {
        if (argc - optind != 2) {
            status = cli_usage_fail("evidence", "'evidence verify' takes one FILE");
            goto done;
        }
        if (quorum > n_witnesses) {
            status = cli_usage_fail("evidence", "--quorum %zu is more than the %zu --witness keys",
                                    quorum, n_witnesses);
            goto done;
        }
        status = evidence_verify(ctx, argv[optind + 1], trust, witnesses, n_witnesses,
                                 quorum ? quorum : n_witnesses);
        goto done;
    }
    if (optind < argc && strcmp(argv[optind], "write") == 0) {
        size_t n = (size_t)(argc - optind - 1);
        if (out == NULL || n == 0) {
            status = cli_usage_fail("evidence", "'evidence write' needs --out FILE and EVENT_IDs");
            goto done;
        }
        if ((ids = calloc(n, AVOW_EVENT_ID_BYTES)) == NULL) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
            goto done;
        }
        if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0) {
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            if ((status = cli_resolve_event(ledger, ids + i * AVOW_EVENT_ID_BYTES,
                                            argv[optind + 1 + (int)i])) != 0) {
                goto done;
            }
        }
        status = cli_evidence_write(ctx, ledger, ids, n, out);
        goto done;
    }
    status = cli_usage_fail("evidence", "give 'verify FILE' or 'write --out FILE EVENT_ID...'");
done:
    free(ids);
    avow_ledger_free(ledger);
    return status;
}

/* ---- avow witness --------------------------------------------------------------------- */

static const cli_opt witness_opts[] = {
    { "proof", 'p', 'p', "FILE", "consistency proof from the last cosigned size", NULL },
    { "trust", 't', 't', "PUBKEY", "the log's public key", NULL },
    { "out", 'o', 'o', "FILE", "where to write the cosigned checkpoint", "stdout" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec witness_spec = { "witness", NULL, 14, 0, witness_opts };
const cli_spec *const cli_witness_specs[] = { &witness_spec, NULL };

void
cmd_witness_help(FILE *out)
{
    fprintf(out,
            "usage: avow witness cosign CHECKPOINT [--proof FILE] [--trust PUBKEY] [--out FILE]\n"
            "\n"
            "Cosign another ledger's checkpoint (C2SP tlog-cosignature/v1) with this\n"
            "witness's key (-k), under the name of this witness's own ledger (-L), which\n"
            "keeps the last checkpoint it cosigned for each origin. The checkpoint must be\n"
            "signed by PUBKEY (needed the first time; then remembered), and extend the last\n"
            "one cosigned: same size and root, or larger with --proof FILE, the output of\n"
            "'avow prove --consistency OLD NEW --json' on the log. A checkpoint that does\n"
            "not extend it (a rewritten history, a rollback) is refused with exit 1.\n"
            "Writes the checkpoint with the new cosignature line to FILE or stdout.\n"
            "\n");
    cli_help_options(out, &witness_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

static int
json_hex32(unsigned char out[AVOW_HASH_BYTES], json_t *j)
{
    const char *s = json_string_value(j);
    return s != NULL && strlen(s) == 2 * AVOW_HASH_BYTES && avow_unhex(out, AVOW_HASH_BYTES, s) == 0
             ? 0
             : -1;
}

static int
load_proof(avow_consistency *p, const char *path)
{
    avow_buf data = AVOW_BUF_INIT;
    json_t *doc = NULL, *jpath;
    json_error_t jerr;
    int status;

    memset(p, 0, sizeof(*p));
    if ((status = cli_audit_read_file(&data, path, 65536, "proof file")) != 0) {
        goto done;
    }
    doc = json_loadb((const char *)data.ptr, data.len, JSON_REJECT_DUPLICATES, &jerr);
    jpath = json_object_get(doc, "path");
    if (doc == NULL || !json_is_integer(json_object_get(doc, "old_size")) ||
        !json_is_integer(json_object_get(doc, "new_size")) ||
        json_integer_value(json_object_get(doc, "old_size")) < 0 ||
        json_integer_value(json_object_get(doc, "new_size")) < 0 ||
        json_hex32(p->old_root, json_object_get(doc, "old_root")) < 0 ||
        json_hex32(p->new_root, json_object_get(doc, "new_root")) < 0 || !json_is_array(jpath) ||
        json_array_size(jpath) > AVOW_PROOF_MAX) {
        status = cli_fail(CLI_EXIT_CHECK,
                          "proof '%s' does not hold: not the JSON of 'avow prove --consistency "
                          "--json'",
                          path);
        goto done;
    }
    p->old_size = (uint64_t)json_integer_value(json_object_get(doc, "old_size"));
    p->new_size = (uint64_t)json_integer_value(json_object_get(doc, "new_size"));
    p->count = json_array_size(jpath);
    for (size_t i = 0; i < p->count; i++) {
        if (json_hex32(p->path + i * AVOW_HASH_BYTES, json_array_get(jpath, i)) < 0) {
            status = cli_fail(CLI_EXIT_CHECK, "proof '%s' does not hold: path entry %zu is not hex",
                              path, i);
            goto done;
        }
    }
done:
    json_decref(doc);
    avow_buf_dispose(&data);
    return status;
}

int
cmd_witness(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    const char *proof_path = NULL, *trust = NULL, *out_path = NULL;
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_ledger *ledger = NULL;
    avow_key *key = NULL;
    avow_consistency *proof = NULL;
    avow_buf text = AVOW_BUF_INIT, out = AVOW_BUF_INIT;
    int status = 0, err, c;

    cli_getopt_init(&gs, &witness_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'p':
            proof_path = optarg;
            break;
        case 't':
            trust = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_witness_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "cosign") != 0) {
        status = cli_usage_fail("witness", "give 'cosign CHECKPOINT'");
        goto done;
    }
    if (trust != NULL && (status = cli_parse_pubkey(pk, trust, "witness")) != 0) {
        goto done;
    }
    if ((status =
           cli_audit_read_file(&text, argv[optind + 1], AVOW_NOTE_MAX_BYTES, "checkpoint")) != 0) {
        goto done;
    }
    const char *nl = text.ptr == NULL ? NULL : memchr(text.ptr, '\n', text.len);
    if (nl != NULL && (status = cli_audit_vkey_binds(trust, (const char *)text.ptr,
                                                     (size_t)(nl - (const char *)text.ptr),
                                                     "the checkpoint")) != 0) {
        goto done;
    }
    if (proof_path != NULL) {
        if ((proof = malloc(sizeof(*proof))) == NULL) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
            goto done;
        }
        if ((status = load_proof(proof, proof_path)) != 0) {
            goto done;
        }
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0 ||
        (status = cli_load_key(&key, ctx)) != 0) {
        goto done;
    }
    err = avow_witness_cosign(&out, ledger, key, (const char *)text.ptr, text.len,
                              trust != NULL ? pk : NULL, proof);
    if (err < 0) {
        if (err == AVOW_EVERIFY || err == AVOW_EFORMAT) {
            status = cli_fail_lib(AVOW_EVERIFY, NULL, "refused to cosign '%s'", argv[optind + 1]);
        } else {
            status = cli_fail_lib(err, err == AVOW_EINVALID ? "see 'avow witness --help'" : NULL,
                                  "cannot cosign '%s'", argv[optind + 1]);
        }
        goto done;
    }
    status = cli_audit_write_file(out_path, out.ptr, out.len);
done:
    avow_buf_dispose(&text);
    avow_buf_dispose(&out);
    free(proof);
    avow_key_free(key);
    avow_ledger_free(ledger);
    return status;
}

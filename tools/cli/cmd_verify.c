/* SPDX-License-Identifier: ISC */
/*
 * cmd_verify.c - `avow verify`: check every signature, author chain and index
 * of the ledger, its Merkle tree and stored checkpoints, name each event that
 * fails, exit 1 when anything does. --checkpoint FILE and --attestation FILE
 * also check a checkpoint or an attestation someone kept (docs/AUDIT.md).
 *
 * Invariants:
 *  1. The ledger is opened read-only.
 *  2. Problems and the summary go to stdout (they are the result); exit 0
 *     only when the check ran to the end and found nothing.
 *  3. --json prints one object: {"ok", "events", "problems": [{"id", "seq",
 *     "index", "what"}]}, with null for what a problem does not know, plus
 *     "checkpoint" and "attestation" objects when those files are given.
 *  4. A checkpoint or attestation that does not hold makes the exit code 1, and
 *     its line says which part fails (origin, signature, size or root line).
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

typedef struct verify_state {
    int json;
    json_t *problems; /* with --json */
    int oom;
} verify_state;

static int
is_zero(const unsigned char *p, size_t n)
{
    unsigned char acc = 0;

    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static int
on_problem(const avow_problem *problem, void *payload)
{
    verify_state *st = payload;
    char hex[AVOW_HEX_ID_LEN + 1];
    int has_id = !is_zero(problem->id, AVOW_EVENT_ID_BYTES);
    const char *what = problem->what != NULL ? problem->what : "unknown problem";
    json_t *obj;

    if (has_id) {
        avow_hex(hex, problem->id, AVOW_EVENT_ID_BYTES);
    }
    if (st->json) {
        json_t *jwhat = json_string(what);
        if (jwhat == NULL) {
            jwhat = json_string("(problem text is not UTF-8)");
        }
        obj = json_pack(
          "{s:o, s:o, s:o, s:o}", "id", has_id ? json_string(hex) : json_null(), "seq",
          problem->seq != 0 ? json_integer((json_int_t)problem->seq) : json_null(), "index",
          problem->index != UINT64_MAX ? json_integer((json_int_t)problem->index) : json_null(),
          "what", jwhat);
        if (obj == NULL || json_array_append_new(st->problems, obj) != 0) {
            st->oom = 1;
        }
        return 0;
    }
    if (problem->index != UINT64_MAX) {
        printf("event #%" PRIu64, problem->index);
    } else {
        printf("ledger");
    }
    if (problem->seq != 0) {
        printf(" seq %" PRIu64, problem->seq);
    }
    if (has_id) {
        printf(" %s", hex);
    }
    printf(": ");
    cli_put_str(stdout, (avow_str){ what, strlen(what) });
    printf("\n");
    return 0;
}

#define VERIFY_MAX_WITNESSES 16

typedef struct sig_list {
    int json;
    json_t *arr;
    const char *const *witness_hex;
    int oom;
} sig_list;

static int
on_sig(const avow_note_sig *sig, void *payload)
{
    sig_list *sl = payload;
    char kid[9], when[AVOW_TIME_STRLEN] = "";
    const char *kind = sig->type == AVOW_SIG_ED25519 ? "signature"
                       : sig->type == AVOW_SIG_COSIG ? "cosignature"
                                                     : "unknown";
    (void)snprintf(kid, sizeof(kid), "%08" PRIx32, sig->key_id);
    if (sig->type == AVOW_SIG_COSIG) {
        int64_t t = sig->timestamp <= (uint64_t)(AVOW_TIME_MAX / 1000000)
                      ? (int64_t)sig->timestamp * 1000000
                      : AVOW_TIME_MAX;
        avow_time_format(when, t, AVOW_PREC_SECOND);
    }
    if (sl->json) {
        json_t *o = json_pack(
          "{s:s%, s:s, s:s, s:o, s:o, s:o}", "name", sig->name, sig->name_len, "key_id", kid,
          "type", kind, "verified",
          sig->type == AVOW_SIG_UNKNOWN ? json_null() : json_boolean(sig->verified), "key",
          sig->type == AVOW_SIG_UNKNOWN || sig->key_index == 0
            ? json_null()
            : json_string(sl->witness_hex[sig->key_index - 1]),
          "time", sig->type == AVOW_SIG_COSIG ? json_string(when) : json_null());
        if (o == NULL || json_array_append_new(sl->arr, o) != 0) {
            sl->oom = 1;
        }
        return 0;
    }
    printf("  ");
    cli_put_str(stdout, (avow_str){ sig->name, sig->name_len });
    printf(" (key %s): ", kid);
    if (sig->type == AVOW_SIG_UNKNOWN) {
        printf("unknown key, not checked\n");
    } else if (sig->type == AVOW_SIG_COSIG) {
        printf("cosignature at %s by witness %s: %s\n", when,
               sig->key_index == 0 ? "(the log key)" : sl->witness_hex[sig->key_index - 1],
               sig->verified ? "verified" : "DOES NOT VERIFY");
    } else {
        printf("%s signature: %s\n", sig->key_index == 0 ? "log" : "witness key's",
               sig->verified ? "verified" : "DOES NOT VERIFY");
    }
    return 0;
}

/* The witness policy: at least quorum of the witnesses cosigned. 0, 1 or an exit code. */
static int
check_quorum(cli_ctx *ctx, const avow_buf *text, const char *const *witnesses, size_t n,
             size_t quorum, json_t **jq)
{
    avow_witness w[VERIFY_MAX_WITNESSES];
    char names[VERIFY_MAX_WITNESSES][AVOW_ORIGIN_MAX + 1];
    size_t count = 0;
    int status;
    for (size_t i = 0; i < n; i++) {
        if ((status =
               cli_parse_witness(&w[i], names[i], sizeof(names[i]), witnesses[i], "verify")) != 0) {
            return status;
        }
    }
    int err = avow_note_witnessed(&count, (const char *)text->ptr, text->len, w, n);
    if (err == AVOW_EINVALID) {
        return cli_usage_fail("verify", "%s", avow_error_last());
    }
    int met = err == 0 && count >= quorum;
    if (ctx->json) {
        *jq = json_pack("{s:I, s:I, s:I, s:b}", "witnesses", (json_int_t)n, "cosigned",
                        (json_int_t)count, "quorum", (json_int_t)quorum, "met", met);
        if (*jq == NULL) {
            return cli_fail(CLI_EXIT_ENV, "out of memory");
        }
    } else {
        printf("witnesses: %zu of %zu cosigned, quorum %zu: %s\n", count, n, quorum,
               met ? "met" : "NOT MET");
    }
    return met ? 0 : CLI_EXIT_CHECK;
}

/* --checkpoint FILE: check it, list its signature lines. 0, 1 or an exit code. */
static int
check_checkpoint(cli_ctx *ctx, avow_ledger *ledger, const char *path, const char *trust,
                 const char *const *witnesses, size_t n_witnesses, size_t quorum, json_t **jout)
{
    json_t *jq = NULL;
    int qstatus = 0;
    unsigned char keys[(1 + VERIFY_MAX_WITNESSES) * AVOW_PUBKEY_BYTES];
    avow_buf text = AVOW_BUF_INIT;
    avow_checkpoint cp;
    sig_list sl = { ctx->json, NULL, witnesses, 0 };
    char why[1024] = "";
    uint64_t count = 0;
    int status, err;

    if ((status = cli_audit_trusted_key(keys, ctx, trust, ledger, "verify")) != 0) {
        goto done;
    }
    for (size_t i = 0; i < n_witnesses; i++) {
        avow_witness w;
        char name[AVOW_ORIGIN_MAX + 1];
        if ((status = cli_parse_witness(&w, name, sizeof(name), witnesses[i], "verify")) != 0) {
            goto done;
        }
        memcpy(keys + (1 + i) * AVOW_PUBKEY_BYTES, w.pk, AVOW_PUBKEY_BYTES);
    }
    if ((status = cli_audit_read_file(&text, path, AVOW_NOTE_MAX_BYTES, "checkpoint")) != 0) {
        goto done;
    }
    err = avow_checkpoint_verify(&cp, ledger, (const char *)text.ptr, text.len, keys);
    if (err < 0) {
        (void)snprintf(why, sizeof(why), "%s", avow_error_last());
        if (err != AVOW_EVERIFY && err != AVOW_EFORMAT) {
            status = cli_fail_lib(err, NULL, "cannot check the checkpoint '%s'", path);
            goto done;
        }
        status = CLI_EXIT_CHECK;
    } else if ((status = cli_audit_vkey_binds(trust, cp.origin, strlen(cp.origin),
                                              "the checkpoint")) != 0) {
        goto done;
    }
    (void)avow_ledger_count(&count, ledger);
    if (ctx->json && (sl.arr = json_array()) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if (!ctx->json) {
        if (status == 0) {
            printf("checkpoint %s: ok: origin %s, size %" PRIu64 " of %" PRIu64
                   ", root matches (the ledger extends it)\n",
                   path, cp.origin, cp.size, count);
        } else {
            printf("checkpoint %s: FAILED: ", path);
            cli_put_str(stdout, (avow_str){ why, strlen(why) });
            printf("\n");
        }
    }
    /* The signature lines, when the note parses at all. */
    (void)avow_note_signatures((const char *)text.ptr, text.len, keys, 1 + n_witnesses, on_sig,
                               &sl);
    if (n_witnesses > 0) {
        qstatus = check_quorum(ctx, &text, witnesses, n_witnesses, quorum, &jq);
        if (qstatus != 0 && qstatus != CLI_EXIT_CHECK) {
            status = qstatus;
            goto done;
        }
    }
    if (ctx->json) {
        *jout =
          json_pack("{s:s, s:b, s:o, s:O}", "file", path, "ok", status == 0 && qstatus == 0, "what",
                    status == 0 ? json_null() : json_string(why), "signatures", sl.arr);
        if (*jout != NULL && jq != NULL && json_object_set(*jout, "witnesses", jq) != 0) {
            json_decref(*jout);
            *jout = NULL;
        }
        if (*jout == NULL || sl.oom) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
        }
    }
    if (status == 0 && qstatus == CLI_EXIT_CHECK) {
        status = cli_fail(CLI_EXIT_CHECK,
                          "checkpoint '%s': fewer witnesses cosigned it than the quorum", path);
    }
    if (status == CLI_EXIT_CHECK) {
        cli_fail(CLI_EXIT_CHECK, "checkpoint '%s' does not hold: %s", path, why);
    }
done:
    json_decref(jq);
    json_decref(sl.arr);
    avow_buf_dispose(&text);
    return status;
}

/* --attestation FILE: signature, tree, then the state digest recomputed. */
static int
check_attestation(cli_ctx *ctx, avow_ledger *ledger, const char *path, const char *trust,
                  json_t **jout)
{
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_buf text = AVOW_BUF_INIT;
    avow_attestation a;
    avow_state *st = NULL;
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    char why[1024] = "";
    const char *digest = NULL;
    uint64_t count = 0;
    int status, err;

    memset(&a, 0, sizeof(a));
    if ((status = cli_audit_trusted_key(pk, ctx, trust, ledger, "verify")) != 0 ||
        (status = cli_audit_read_file(&text, path, AVOW_NOTE_MAX_BYTES, "attestation")) != 0) {
        goto done;
    }
    err = avow_attest_verify(&a, ledger, (const char *)text.ptr, text.len, pk);
    if (err == AVOW_EVERIFY || err == AVOW_EFORMAT) {
        (void)snprintf(why, sizeof(why), "%s", avow_error_last());
        status = CLI_EXIT_CHECK;
    } else if (err < 0) {
        status = cli_fail_lib(err, NULL, "cannot check the attestation '%s'", path);
        goto done;
    } else {
        so.at = a.at;
        so.known_at = a.known_at;
        err = avow_state_compute(&st, ledger, a.contest, &so);
        if (err < 0) {
            (void)snprintf(why, sizeof(why), "could not recompute the state of %s: %s", a.contest,
                           avow_error_last());
            status = CLI_EXIT_CHECK;
        } else if (strcmp((digest = avow_state_digest(st)), a.digest) != 0) {
            (void)avow_ledger_count(&count, ledger);
            (void)snprintf(why, sizeof(why),
                           "digest line: the state recomputed now has digest %s, not %s%s", digest,
                           a.digest,
                           count > a.tree.size
                             ? " (the ledger has grown since it was attested: an open known_at "
                               "sees the new events)"
                             : "");
            status = CLI_EXIT_CHECK;
        }
    }
    if (ctx->json) {
        *jout = json_pack("{s:s, s:b, s:o, s:o, s:o}", "file", path, "ok", status == 0, "what",
                          status == 0 ? json_null() : json_string(why), "contest",
                          a.contest[0] != '\0' ? json_string(a.contest) : json_null(), "digest",
                          a.digest[0] != '\0' ? json_string(a.digest) : json_null());
        if (*jout == NULL) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
        }
    } else if (status == 0) {
        printf("attestation %s: ok: state of %s at size %" PRIu64 " recomputed, digest %s\n", path,
               a.contest, a.tree.size, a.digest);
    } else {
        printf("attestation %s: FAILED: ", path);
        cli_put_str(stdout, (avow_str){ why, strlen(why) });
        printf("\n");
    }
    if (status == CLI_EXIT_CHECK) {
        cli_fail(CLI_EXIT_CHECK, "attestation '%s' does not hold: %s", path, why);
    }
done:
    avow_state_free(st);
    avow_buf_dispose(&text);
    return status;
}

static const cli_opt verify_opts[] = {
    { "checkpoint", 'c', 'c', "FILE",
      "also check a checkpoint someone kept: signed by the\n"
      "trusted key, same origin, size within the log, root\n"
      "equal to the ledger's root at that size (the ledger is\n"
      "an append-only extension of it); lists its signature\n"
      "lines and which cosignatures verify",
      NULL },
    { "attestation", 'a', 'a', "FILE", "also check a state attestation and recompute its digest",
      NULL },
    { "trust", 't', 't', "PUBKEY", "the key that signs checkpoints",
      "the ledger\n"
      "owner's key, else the public key of -k" },
    { "witness", 'w', 'w', "[NAME=]PUBKEY",
      "a witness of the policy (repeatable): its cosignature\n"
      "must verify under PUBKEY and, with NAME, carry that name",
      NULL },
    { "quorum", 'Q', 'Q', "N", "how many of the --witness keys must have cosigned", "all of them" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec verify_spec = { "verify", NULL, 18, 0, verify_opts };
const cli_spec *const cli_verify_specs[] = { &verify_spec, NULL };

void
cmd_verify_help(FILE *out)
{
    fprintf(out, "usage: avow verify [--checkpoint FILE] [--attestation FILE] [--trust PUBKEY]\n"
                 "                   [--witness [NAME=]PUBKEY]... [--quorum N] [--json]\n"
                 "\n"
                 "Check every event (strict decoding, signature, id), every author chain\n"
                 "(seq and prev hash), every index, the Merkle tree (recomputed from the\n"
                 "events) and every stored checkpoint against the log. Prints one line per\n"
                 "problem, then \"ok: N events verified\" or \"FAILED: K problems in N events\".\n"
                 "With --json: {\"ok\": BOOL, \"events\": N, \"problems\": [{\"id\", \"seq\", "
                 "\"index\", \"what\"}]}.\n"
                 "\n");
    cli_help_options(out, &verify_spec);
    fprintf(out, "\n"
                 "Exits 0 when all holds, 1 when a problem is found.\n"
                 "\n");
    cli_help_globals(out);
}

/* The ledger's file is damaged (AVOW_ECORRUPT at open): one problem, exit 1. */
static int
verify_damaged(verify_state *st, const char *path)
{
    char what[600];
    (void)snprintf(what, sizeof(what), "%s", avow_error_last());
    (void)cli_fail(CLI_EXIT_CHECK, "cannot open the ledger '%s': %s", path, what);
    if (st->json) {
        json_t *doc = json_pack("{s:b, s:i, s:[{s:n, s:n, s:n, s:s}]}", "ok", 0, "events", 0,
                                "problems", "id", "seq", "index", "what", what);
        return cli_print_json(doc) == CLI_EXIT_OK ? CLI_EXIT_CHECK : CLI_EXIT_ENV;
    }
    printf("%s\nFAILED: the ledger's file is damaged\n", what);
    return CLI_EXIT_CHECK;
}

int
cmd_verify(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    const char *cp_path = NULL, *att_path = NULL, *trust = NULL;
    const char *witnesses[VERIFY_MAX_WITNESSES];
    size_t n_witnesses = 0;
    size_t quorum = 0;
    int quorum_given = 0;
    json_t *jcp = NULL, *jatt = NULL;
    int extra = 0;
    avow_verify_opts opts = AVOW_VERIFY_OPTS_INIT;
    verify_state st = { 0 };
    avow_ledger *ledger = NULL;
    uint64_t events = 0;
    uint64_t problems = 0;
    int status = CLI_EXIT_OK;
    int r;
    int c;

    cli_getopt_init(&gs, &verify_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'c':
            cp_path = optarg;
            break;
        case 'a':
            att_path = optarg;
            break;
        case 't':
            trust = optarg;
            break;
        case 'w':
            if (n_witnesses == VERIFY_MAX_WITNESSES) {
                status =
                  cli_usage_fail("verify", "at most %d --witness keys", VERIFY_MAX_WITNESSES);
                goto done;
            }
            witnesses[n_witnesses++] = optarg;
            break;
        case 'Q':
            if ((status = cli_parse_quorum(&quorum, optarg, VERIFY_MAX_WITNESSES, "verify")) != 0) {
                goto done;
            }
            quorum_given = 1;
            break;
        case CLI_OPT_HELP:
            cmd_verify_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (quorum_given && quorum > n_witnesses) {
        status = cli_usage_fail("verify", "--quorum %zu is more than the %zu --witness keys given",
                                quorum, n_witnesses);
        goto done;
    }
    if (optind < argc) {
        status = cli_usage_fail("verify", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    st.json = ctx->json;
    if (st.json && (st.problems = json_array()) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    r = avow_ledger_open(&ledger, ctx->ledger, AVOW_OPEN_READONLY);
    if (r == AVOW_ECORRUPT) {
        /* A damaged or truncated file is what verify exists to report: exit 1. */
        status = verify_damaged(&st, ctx->ledger);
        goto done;
    }
    if (r < 0 && (status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    opts.on_problem = on_problem;
    opts.payload = &st;
    r = avow_ledger_verify(&events, &problems, ledger, &opts);
    if (r < 0) {
        status = cli_fail_lib(r, NULL, "verify stopped after %" PRIu64 " events", events);
        if (r == AVOW_EFORMAT || r == AVOW_EVERIFY || r == AVOW_ECHAIN || r == AVOW_ECORRUPT) {
            status = CLI_EXIT_CHECK;
        }
        goto done;
    }
    if (st.oom) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if (cp_path != NULL) {
        int r2 = check_checkpoint(ctx, ledger, cp_path, trust, witnesses, n_witnesses,
                                  quorum_given ? quorum : n_witnesses, &jcp);
        if (r2 != 0 && r2 != CLI_EXIT_CHECK) {
            status = r2;
            goto done;
        }
        extra |= r2;
    }
    if (att_path != NULL) {
        int r2 = check_attestation(ctx, ledger, att_path, trust, &jatt);
        if (r2 != 0 && r2 != CLI_EXIT_CHECK) {
            status = r2;
            goto done;
        }
        extra |= r2;
    }
    if (st.json) {
        json_t *doc = json_pack("{s:b, s:I, s:O}", "ok", problems == 0 && extra == 0, "events",
                                (json_int_t)events, "problems", st.problems);
        if (doc != NULL && jcp != NULL) {
            json_object_set(doc, "checkpoint", jcp);
        }
        if (doc != NULL && jatt != NULL) {
            json_object_set(doc, "attestation", jatt);
        }
        status = cli_print_json(doc);
    } else if (problems == 0 && extra != 0) {
        printf("FAILED: the %" PRIu64 " events verify, but the %s given does not hold\n", events,
               cp_path != NULL && att_path != NULL ? "checkpoint or attestation"
               : cp_path != NULL                   ? "checkpoint"
                                                   : "attestation");
    } else if (problems == 0) {
        printf("ok: %" PRIu64 " events verified\n", events);
    } else {
        printf("FAILED: %" PRIu64 " problem%s in %" PRIu64 " events\n", problems,
               problems == 1 ? "" : "s", events);
    }
    if (status == CLI_EXIT_OK && (problems != 0 || extra != 0)) {
        status = CLI_EXIT_CHECK;
    }

done:
    json_decref(jcp);
    json_decref(jatt);
    json_decref(st.problems);
    avow_ledger_free(ledger);
    return status;
}

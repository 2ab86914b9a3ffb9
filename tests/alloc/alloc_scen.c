/* SPDX-License-Identifier: ISC */
/*
 * alloc_scen.c - the scenarios of the allocation-failure run: each runs a
 * representative sequence of public calls, returns the first error, frees
 * everything it made, and checks its result (ALLOC_EWRONG when it is wrong).
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_scen.h"

#define T_2024 INT64_C(1712102400000000) /* 2024-04-03T00:00:00Z */

#define TRY(call)                                                                                  \
    do {                                                                                           \
        if ((error = (call)) < 0) {                                                                \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            error = ALLOC_EWRONG;                                                                  \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

/* The drafts of ledger a: a contest, 4 members, 2 candidates, 5 stances, a retraction. */
static size_t
alloc_drafts(avow_draft *d, const unsigned char *retract_target)
{
    static const char *const members[] = { "AL", "BE", "HU", "\xc3\x89ire" };
    size_t n = 0;
    for (size_t i = 0; i < ALLOC_EVENTS; i++) {
        avow_draft z = AVOW_DRAFT_INIT;
        d[i] = z;
        d[i].effective_at = T_2024 + (int64_t)i;
        d[i].contest = "c";
    }
    d[n].kind = AVOW_KIND_CONTEST;
    d[n].title = "A \"quoted\" title \\ with a backslash";
    d[n++].rule = "unanimity";
    for (size_t i = 0; i < 4; i++) {
        d[n].kind = AVOW_KIND_MEMBER_JOIN;
        d[n++].actor = members[i];
    }
    d[n].kind = AVOW_KIND_CANDIDATE_ENTER;
    d[n++].candidate = "Rutte";
    d[n].kind = AVOW_KIND_CANDIDATE_ENTER;
    d[n++].candidate = "Iohannis";
    for (size_t i = 0; i < 5; i++) {
        d[n].kind = AVOW_KIND_STANCE;
        d[n].actor = members[i % 4];
        d[n].candidate = "Rutte";
        d[n].source = "https://example.org/statement";
        d[n++].stance = i == 2 ? AVOW_STANCE_OPPOSES : AVOW_STANCE_SUPPORTS;
    }
    if (retract_target != NULL) {
        d[n].kind = AVOW_KIND_RETRACT;
        d[n].contest = NULL;
        d[n].target = retract_target;
        d[n++].reason = "misread";
    }
    return n;
}

static int
alloc_fill_a(struct alloc_ctx *ctx)
{
    avow_draft d[ALLOC_EVENTS];
    size_t n = alloc_drafts(d, NULL);
    int error = avow_ledger_append_drafts(NULL, &ctx->ids[0][0], ctx->a, ctx->key, d, n);
    if (error < 0) {
        return error;
    }
    alloc_drafts(d, ctx->ids[n - 1]);
    if ((error = avow_ledger_append(ctx->ids[n], ctx->a, ctx->key, &d[n])) < 0) {
        return error;
    }
    for (size_t i = 0; i < ALLOC_EVENTS; i++) {
        avow_buf b = { 0 };
        if ((error = avow_ledger_get(&b, NULL, ctx->a, ctx->ids[i])) < 0) {
            return error;
        }
        ctx->raw[i] = b.ptr;
        ctx->raw_len[i] = b.len;
    }
    return 0;
}

static int
alloc_new_ledger(avow_ledger **out, char *path, size_t max, const char *dir, const char *name)
{
    int error;
    (void)snprintf(path, max, "%s/%s", dir, name); /* dir is short: a temp dir */
    if ((error = avow_ledger_init(path, "alloc.avow/ledger")) < 0) {
        return error;
    }
    return avow_ledger_open(out, path, 0);
}

int
alloc_ctx_prepare(struct alloc_ctx *ctx, const struct alloc_scenario *sc)
{
    unsigned char seed[32];
    char tmpl[4096];
    const char *base = getenv("TMPDIR");
    int error;

    memset(ctx, 0, sizeof(*ctx));
    (void)snprintf(tmpl, sizeof(tmpl), "%s/avow-alloc-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(tmpl) == NULL || (ctx->dir = strdup(tmpl)) == NULL) {
        return AVOW_EIO;
    }
    (void)snprintf(ctx->file, sizeof(ctx->file), "%s/file", ctx->dir);
    memset(seed, 7, sizeof(seed));
    if ((error = avow_key_from_seed(&ctx->key, seed)) < 0) {
        return error;
    }
    if ((sc->need & ALLOC_NEED_A) != 0 &&
        ((error = alloc_new_ledger(&ctx->a, ctx->path_a, sizeof(ctx->path_a), ctx->dir, "a")) < 0 ||
         (error = alloc_fill_a(ctx)) < 0)) {
        return error;
    }
    if ((sc->need & ALLOC_NEED_B) != 0 &&
        (error = alloc_new_ledger(&ctx->b, ctx->path_b, sizeof(ctx->path_b), ctx->dir, "b")) < 0) {
        return error;
    }
    return 0;
}

static int
alloc_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
alloc_ctx_release(struct alloc_ctx *ctx)
{
    avow_ledger_free(ctx->a);
    avow_ledger_free(ctx->b);
    avow_key_free(ctx->key);
    for (size_t i = 0; i < ALLOC_EVENTS; i++) {
        free(ctx->raw[i]);
    }
    if (ctx->dir != NULL) {
        nftw(ctx->dir, alloc_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(ctx->dir);
    memset(ctx, 0, sizeof(*ctx));
}

/* ---- scenarios ------------------------------------------------------------------ */

static int
scen_key(struct alloc_ctx *ctx)
{
    avow_key_opts o = AVOW_KEY_OPTS_INIT;
    unsigned char seed[32], pk[AVOW_PUBKEY_BYTES];
    avow_key *k = NULL, *loaded = NULL;
    int error = 0;
    memset(seed, 7, sizeof(seed));
    o.seed = seed;
    TRY(avow_key_generate(&k, ctx->file, &o));
    TRY(avow_key_load(&loaded, ctx->file, NULL, NULL));
    TRY(avow_key_read_public(pk, ctx->file));
    CHECK(memcmp(pk, avow_key_public(ctx->key), sizeof(pk)) == 0);
    CHECK(memcmp(avow_key_public(loaded), avow_key_public(k), sizeof(pk)) == 0);
done:
    avow_key_free(k);
    avow_key_free(loaded);
    return error;
}

static int
scen_open(struct alloc_ctx *ctx)
{
    avow_ledger *l = NULL;
    uint64_t n = 1;
    int error = 0;
    TRY(alloc_new_ledger(&l, ctx->path_a, sizeof(ctx->path_a), ctx->dir, "new"));
    TRY(avow_ledger_count(&n, l));
    CHECK(n == 0 && strcmp(avow_ledger_origin(l), "alloc.avow/ledger") == 0);
    avow_ledger_free(l);
    l = NULL;
    TRY(avow_ledger_open(&l, ctx->path_a, AVOW_OPEN_READONLY));
done:
    avow_ledger_free(l);
    return error;
}

static int
scen_append(struct alloc_ctx *ctx)
{
    avow_draft d[ALLOC_EVENTS];
    unsigned char ids[ALLOC_EVENTS][AVOW_EVENT_ID_BYTES];
    uint64_t n = 0;
    int error = 0;
    size_t nd = alloc_drafts(d, NULL);
    TRY(avow_ledger_append(ids[0], ctx->b, ctx->key, &d[0]));
    TRY(avow_ledger_append_drafts(NULL, &ids[1][0], ctx->b, ctx->key, d + 1, nd - 1));
    alloc_drafts(d, ids[nd - 1]);
    TRY(avow_ledger_append(ids[nd], ctx->b, ctx->key, &d[nd]));
    TRY(avow_ledger_count(&n, ctx->b));
    CHECK(n == ALLOC_EVENTS);
done:
    return error;
}

static int
scen_append_signed(struct alloc_ctx *ctx)
{
    avow_append_result res;
    const unsigned char *ev[ALLOC_EVENTS];
    int error = 0;
    for (size_t i = 0; i < ALLOC_EVENTS; i++) {
        ev[i] = ctx->raw[i];
    }
    TRY(avow_ledger_append_signed(&res, ctx->b, ev, ctx->raw_len, 7));
    TRY(avow_ledger_append_signed(&res, ctx->b, ev, ctx->raw_len, ALLOC_EVENTS));
    CHECK(res.appended == ALLOC_EVENTS - 7 && res.duplicates == 7);
done:
    return error;
}

static int
count_change(const avow_change *c, void *payload)
{
    (void)c;
    (*(size_t *)payload)++;
    return 0;
}

static int
scen_project(struct alloc_ctx *ctx)
{
    static char want[AVOW_HEX_ID_LEN + 1];
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;
    avow_explain *ex = NULL;
    avow_buf j = { 0 };
    size_t changes = 0;
    int error = 0;
    o.at = T_2024 + 1000000;
    TRY(avow_state_compute(&st, ctx->a, "c", &o));
    TRY(avow_state_to_json(&j, st));
    if (want[0] == '\0') {
        memcpy(want, avow_state_digest(st), sizeof(want)); /* the run with no failure */
    }
    CHECK(strcmp(avow_state_digest(st), want) == 0);
    TRY(avow_history(ctx->a, "c", NULL, count_change, &changes));
    CHECK(changes == ALLOC_EVENTS - 1);
    TRY(avow_explain_compute(&ex, ctx->a, "c", "AL", "Rutte", &o));
    TRY(avow_explain_to_json(&j, ex));
done:
    avow_explain_free(ex);
    avow_state_free(st);
    avow_buf_dispose(&j);
    return error;
}

static int
scen_verify(struct alloc_ctx *ctx)
{
    uint64_t events = 0, problems = 1;
    int error = 0;
    TRY(avow_ledger_verify(&events, &problems, ctx->a, NULL));
    CHECK(events == ALLOC_EVENTS && problems == 0);
done:
    return error;
}

static int
write_file(const void *data, size_t len, void *payload)
{
    return fwrite(data, 1, len, payload) == len ? 0 : AVOW_EIO;
}

static int
scen_interchange(struct alloc_ctx *ctx)
{
    avow_import_result res;
    uint64_t n = 0;
    int error = 0;
    FILE *f = fopen(ctx->file, "w");
    if (f == NULL) {
        return AVOW_EIO;
    }
    error = avow_export(&n, ctx->a, write_file, f, NULL);
    if (fclose(f) != 0 && error == 0) {
        error = AVOW_EIO;
    }
    if (error < 0) {
        goto done;
    }
    CHECK(n == ALLOC_EVENTS);
    TRY(avow_import(&res, ctx->b, ctx->file, NULL));
    CHECK(res.appended == ALLOC_EVENTS);
done:
    return error;
}

static int
scen_audit(struct alloc_ctx *ctx)
{
    avow_buf note = { 0 }, ev = { 0 }, att = { 0 };
    avow_checkpoint cp;
    avow_inclusion inc;
    avow_consistency cons;
    avow_attestation at;
    size_t n_ev = 0;
    int error = 0;
    TRY(avow_checkpoint_create(&note, &cp, ctx->a, ctx->key));
    CHECK(cp.size == ALLOC_EVENTS);
    TRY(avow_ledger_prove_inclusion(&inc, ctx->a, ctx->ids[3], UINT64_MAX));
    CHECK(avow_inclusion_verify(&inc) == 0);
    TRY(avow_ledger_prove_consistency(&cons, ctx->a, 5, UINT64_MAX));
    CHECK(avow_consistency_verify(&cons) == 0);
    TRY(avow_evidence_write(&ev, ctx->a, &ctx->ids[1][0], 2, ctx->key));
    TRY(avow_evidence_verify(&cp, &n_ev, ev.ptr, ev.len, avow_key_public(ctx->key), NULL, NULL));
    CHECK(n_ev == 2);
    TRY(avow_attest_create(&att, ctx->a, ctx->key, "c", T_2024, AVOW_TIME_MAX,
                           "0000000000000000000000000000000000000000000000000000000000000000"));
    TRY(avow_attest_verify(&at, ctx->a, (const char *)att.ptr, att.len, NULL));
done:
    avow_buf_dispose(&note);
    avow_buf_dispose(&ev);
    avow_buf_dispose(&att);
    return error;
}

/* Verifier keys, a note opened against them, and avow publish (issue 17). */
static int
scen_publish(struct alloc_ctx *ctx)
{
    avow_buf note = { 0 }, vk = { 0 };
    avow_checkpoint cp;
    avow_vkey key;
    avow_publish_stats st;
    char dir[4300];
    size_t verified = 0;
    int error = 0;
    CHECK(snprintf(dir, sizeof(dir), "%s/pub", ctx->dir) < (int)sizeof(dir));
    TRY(avow_checkpoint_create(&note, &cp, ctx->a, ctx->key));
    TRY(avow_vkey_format(&vk, avow_ledger_origin(ctx->a), AVOW_SIG_ED25519,
                         avow_key_public(ctx->key)));
    TRY(avow_vkey_parse(&key, (const char *)vk.ptr, vk.len, AVOW_SIG_ED25519));
    TRY(avow_vkey_verify_note(&verified, (const char *)note.ptr, note.len, &key, 1));
    CHECK(verified == 1);
    TRY(avow_publish(&st, ctx->a, dir, ctx->key));
    CHECK(st.size == ALLOC_EVENTS);
done:
    avow_buf_dispose(&note);
    avow_buf_dispose(&vk);
    return error;
}

static int
scen_sync(struct alloc_ctx *ctx)
{
    avow_sync_stats st;
    uint64_t n = 0;
    int error = 0;
    TRY(avow_sync_local(&st, ctx->b, ctx->a, NULL));
    TRY(avow_ledger_count(&n, ctx->b));
    CHECK(n == ALLOC_EVENTS && st.received == ALLOC_EVENTS);
done:
    return error;
}

static int
scen_chart(struct alloc_ctx *ctx)
{
    avow_chart_opts o = AVOW_CHART_OPTS_INIT;
    avow_buf svg = { 0 };
    int error = 0;
    TRY(avow_chart_svg(&svg, ctx->a, "c", &o));
    CHECK(svg.len > 0 && memcmp(svg.ptr, "<", 1) == 0);
done:
    avow_buf_dispose(&svg);
    return error;
}

static int
count_trust(const avow_trust_entry *e, void *payload)
{
    (void)e;
    (*(size_t *)payload)++;
    return 0;
}

static int
scen_trust(struct alloc_ctx *ctx)
{
    unsigned char other[AVOW_PUBKEY_BYTES];
    avow_trust *t = NULL;
    size_t n = 0;
    int error = 0;
    memset(other, 0x5a, sizeof(other));
    TRY(avow_trust_add(ctx->a, avow_key_public(ctx->key), "me"));
    TRY(avow_trust_add(ctx->a, other, "other"));
    TRY(avow_trust_revoke(ctx->a, other, 0));
    TRY(avow_trust_list(ctx->a, count_trust, &n));
    CHECK(n == 2);
    TRY(avow_trust_open(&t, ctx->a));
    CHECK(avow_trust_counts(t, avow_key_public(ctx->key), 1) == 1);
done:
    avow_trust_free(t);
    return error;
}

static int
scen_bundle(struct alloc_ctx *ctx)
{
    avow_sync_stats st;
    uint64_t n = 0;
    int error = 0;
    TRY(avow_bundle_create(&n, ctx->a, ctx->file, NULL));
    CHECK(n == ALLOC_EVENTS);
    TRY(avow_bundle_apply(&st, ctx->b, ctx->file));
    TRY(avow_ledger_count(&n, ctx->b));
    CHECK(n == ALLOC_EVENTS);
done:
    return error;
}

const struct alloc_scenario alloc_scenarios[] = {
    { "key", 0, scen_key },
    { "open", 0, scen_open },
    { "append", ALLOC_NEED_B, scen_append },
    { "append_signed", ALLOC_NEED_A | ALLOC_NEED_B, scen_append_signed },
    { "project", ALLOC_NEED_A, scen_project },
    { "verify", ALLOC_NEED_A, scen_verify },
    { "interchange", ALLOC_NEED_A | ALLOC_NEED_B, scen_interchange },
    { "audit", ALLOC_NEED_A, scen_audit },
    { "sync", ALLOC_NEED_A | ALLOC_NEED_B, scen_sync },
    { "publish", ALLOC_NEED_A, scen_publish },
    { "chart", ALLOC_NEED_A, scen_chart },
    { "trust", ALLOC_NEED_A, scen_trust },
    { "bundle", ALLOC_NEED_A | ALLOC_NEED_B, scen_bundle },
    { NULL, 0, NULL },
};

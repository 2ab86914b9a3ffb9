/* SPDX-License-Identifier: ISC */
/*
 * test_interchange.c - JSON Lines export and import (src/io/export.c,
 * import.c, and the readers reader.c, jsonl.c, csv.c, record.c): round trips, the check pass that
 * appends nothing when a line is bad,
 * --sign records in JSON Lines and CSV, the strict CSV reader, malformed and
 * oversized input, batches, chains, and line numbers in every refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "io/csv.h"
#include "io/import_table.h"
#include "io/reader.h"
#include "testutil.h"

#define CONTEST "nato-sg-2024"

typedef struct fixture {
    char *dir;
    avow_ledger *a;
    avow_ledger *b;
    avow_key *k1;
    avow_key *k2;
    char path[4200];
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char p[4200];
    assert_non_null(f);
    f->dir = tu_tempdir();
    snprintf(p, sizeof(p), "%s/a", f->dir);
    assert_int_equal(avow_ledger_init(p, "test.avow/a"), 0);
    assert_int_equal(avow_ledger_open(&f->a, p, 0), 0);
    snprintf(p, sizeof(p), "%s/b", f->dir);
    assert_int_equal(avow_ledger_init(p, "test.avow/b"), 0);
    assert_int_equal(avow_ledger_open(&f->b, p, 0), 0);
    f->k1 = tu_key(1);
    f->k2 = tu_key(2);
    snprintf(f->path, sizeof(f->path), "%s/input", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    avow_ledger_free(f->a);
    avow_ledger_free(f->b);
    avow_key_free(f->k1);
    avow_key_free(f->k2);
    tu_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static uint64_t
count_of(avow_ledger *l)
{
    uint64_t n = 0;
    assert_int_equal(avow_ledger_count(&n, l), 0);
    return n;
}

static void
write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void
put_file(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static int
write_fp(const void *data, size_t len, void *payload)
{
    return fwrite(data, 1, len, payload) == len ? 0 : AVOW_EIO;
}

static void
export_to(avow_ledger *l, const char *path, uint64_t *count)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(avow_export(count, l, write_fp, fp, NULL), 0);
    assert_int_equal(fclose(fp), 0);
}

/* Sign records into ledger a with key, through avow_import --sign. */
static void
sign_into(avow_ledger *l, const avow_key *key, const char *path, const char *text)
{
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    o.flags = AVOW_IMPORT_SIGN;
    o.key = key;
    put_file(path, text);
    if (avow_import(&res, l, path, &o) != 0) {
        fail_msg("import --sign: %s", avow_error_last());
    }
}

/* A small two-author ledger: contest, members, stances, a retraction. */
static void
populate(fixture *f)
{
    char rec[512];
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    avow_draft d = AVOW_DRAFT_INIT;

    sign_into(f->a, f->k1, f->path,
              "{\"kind\":\"contest\",\"contest\":\"" CONTEST "\",\"title\":\"NATO SG 2024\","
              "\"rule\":\"unanimity\",\"at\":\"2023-10-01\"}\n"
              "{\"kind\":\"member-join\",\"contest\":\"" CONTEST "\",\"actor\":\"LT\","
              "\"at\":\"2023-10-01\"}\n"
              "{\"kind\":\"candidate-enter\",\"contest\":\"" CONTEST "\",\"candidate\":\"Rutte\","
              "\"at\":\"2023-11-01\"}\n");
    sign_into(f->a, f->k2, f->path,
              "{\"kind\":\"stance\",\"contest\":\"" CONTEST "\",\"actor\":\"LT\","
              "\"stance\":\"supports\",\"candidate\":\"Rutte\",\"at\":\"2024-04-03\","
              "\"source\":\"https://example.org/lt\",\"person\":\"G. Nauseda\","
              "\"quote\":\"line one\\nline \\\"two\\\"\"}\n"
              "{\"kind\":\"stance\",\"contest\":\"" CONTEST "\",\"actor\":\"HU\","
              "\"stance\":\"opposes\",\"candidate\":\"Rutte\",\"at\":\"2024-03-01T10:00:00Z\","
              "\"source\":\"https://example.org/hu\"}\n");
    d.kind = AVOW_KIND_MEMBER_JOIN;
    d.contest = CONTEST;
    d.actor = "EE";
    d.effective_at = 0;
    assert_int_equal(avow_ledger_append(id, f->a, f->k2, &d), 0);
    avow_hex(hex, id, sizeof(id));
    snprintf(rec, sizeof(rec), "{\"kind\":\"retract\",\"target\":\"%s\",\"reason\":\"wrong\"}\n",
             hex);
    sign_into(f->a, f->k2, f->path, rec);
    assert_int_equal(count_of(f->a), 7);
}

/* The id of every event of l, in log order, concatenated. */
static void
ids_of(avow_ledger *l, avow_buf *out)
{
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        avow_event_id(id, &ev);
        assert_int_equal(buf_put(out, id, sizeof(id)), 0);
    }
    avow_iter_free(it);
}

static void
test_interchange__export_import_round_trip_keeps_ids_and_order(void **state)
{
    fixture *f = *state;
    avow_import_result res;
    avow_buf ia = AVOW_BUF_INIT, ib = AVOW_BUF_INIT;
    uint64_t n = 0;
    char out[4300];

    populate(f);
    export_to(f->a, f->path, &n);
    assert_int_equal(n, 7);
    assert_int_equal(avow_import(&res, f->b, f->path, NULL), 0);
    assert_int_equal(res.records, 7);
    assert_int_equal(res.appended, 7);
    assert_int_equal(res.duplicates, 0);
    ids_of(f->a, &ia);
    ids_of(f->b, &ib);
    assert_int_equal(ia.len, ib.len);
    assert_memory_equal(ia.ptr, ib.ptr, ia.len);

    /* The export of the copy is byte-identical (same order, same indexes). */
    snprintf(out, sizeof(out), "%s.b", f->path);
    export_to(f->b, out, NULL);
    size_t la, lb;
    char *ta = read_file(f->path, &la);
    char *tb = read_file(out, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ta, tb, la);
    free(ta);
    free(tb);

    /* Importing again is idempotent. */
    assert_int_equal(avow_import(&res, f->b, f->path, NULL), 0);
    assert_int_equal(res.appended, 0);
    assert_int_equal(res.duplicates, 7);
    assert_int_equal(count_of(f->b), 7);
    avow_buf_dispose(&ia);
    avow_buf_dispose(&ib);
}

static void
test_interchange__export_filters_by_contest_and_start(void **state)
{
    fixture *f = *state;
    avow_export_opts o = AVOW_EXPORT_OPTS_INIT;
    FILE *fp;
    uint64_t n = 0;

    populate(f);
    o.start = 5;
    fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(avow_export(&n, f->a, write_fp, fp, &o), 0);
    fclose(fp);
    assert_int_equal(n, 2);
    o.start = 0;
    o.contest = "no-such-contest";
    fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(avow_export(&n, f->a, write_fp, fp, &o), 0);
    fclose(fp);
    assert_int_equal(n, 0);
}

/* Replace line `which` (1-based) of text by repl. */
static char *
replace_line(const char *text, int which, const char *repl)
{
    size_t cap = strlen(text) + strlen(repl) + 2;
    char *out = malloc(cap);
    const char *p = text;
    size_t o = 0;
    assert_non_null(out);
    for (int line = 1; *p != '\0'; line++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        if (line == which) {
            memcpy(out + o, repl, strlen(repl));
            o += strlen(repl);
        } else {
            memcpy(out + o, p, len);
            o += len;
        }
        out[o++] = '\n';
        p += len + (nl != NULL ? 1 : 0);
    }
    out[o] = '\0';
    return out;
}

/* Line `which` of text, copied. */
static char *
get_line(const char *text, int which)
{
    const char *p = text;
    for (int line = 1; line < which; line++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    const char *nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    char *out = malloc(len + 1);
    assert_non_null(out);
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

/* Flip one byte of the decoded raw of the line and re-encode it. */
static char *
tamper_raw(const char *line)
{
    json_error_t jerr;
    json_t *doc = json_loads(line, 0, &jerr);
    unsigned char bin[AVOW_EVENT_MAX_BYTES];
    char b64[sodium_base64_ENCODED_LEN(AVOW_EVENT_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    size_t len = 0;
    char *out;
    assert_non_null(doc);
    const char *raw = json_string_value(json_object_get(doc, "raw"));
    assert_non_null(raw);
    assert_int_equal(sodium_base642bin(bin, sizeof(bin), raw, strlen(raw), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    bin[len - 70] ^= 0x01; /* a byte of the body, just before the signature */
    sodium_bin2base64(b64, sizeof(b64), bin, len, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(doc, "raw", json_string(b64));
    out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return out;
}

static void
test_interchange__tampered_raw_fails_naming_line_and_appends_nothing(void **state)
{
    fixture *f = *state;
    avow_import_result res;
    size_t len;
    char *text, *line, *bad, *edited;

    populate(f);
    export_to(f->a, f->path, NULL);
    text = read_file(f->path, &len);
    line = get_line(text, 5);
    bad = tamper_raw(line);
    edited = replace_line(text, 5, bad);
    put_file(f->path, edited);
    assert_int_equal(avow_import(&res, f->b, f->path, NULL), AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "line 5:"));
    assert_int_equal(res.first_bad, 5);
    /* The author's later lines (6, 7) no longer follow a good event. */
    assert_int_equal(res.bad, 3);
    assert_int_equal(count_of(f->b), 0);
    free(text);
    free(line);
    free(bad);
    free(edited);
}

static void
test_interchange__member_disagreeing_with_raw_is_refused(void **state)
{
    fixture *f = *state;
    size_t len;
    char *text, *line, *edited;
    char *p;

    populate(f);
    export_to(f->a, f->path, NULL);
    text = read_file(f->path, &len);
    line = get_line(text, 4);
    p = strstr(line, "\"actor\":\"LT\"");
    assert_non_null(p);
    p[10] = 'V'; /* LT -> LV */
    edited = replace_line(text, 4, line);
    put_file(f->path, edited);
    assert_int_equal(avow_import(NULL, f->b, f->path, NULL), AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "line 4: \"actor\" does not match"));
    assert_int_equal(count_of(f->b), 0);

    /* A wrong id too. */
    free(line);
    free(edited);
    line = get_line(text, 2);
    p = strstr(line, "\"id\":\"");
    assert_non_null(p);
    p[6] = p[6] == '0' ? '1' : '0';
    edited = replace_line(text, 2, line);
    put_file(f->path, edited);
    assert_int_equal(avow_import(NULL, f->b, f->path, NULL), AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "line 2: \"id\" is not the SHA-256"));
    assert_int_equal(count_of(f->b), 0);
    free(text);
    free(line);
    free(edited);
}

static void
test_interchange__missing_chain_link_is_refused_before_appending(void **state)
{
    fixture *f = *state;
    size_t len;
    char *text, *edited;

    populate(f);
    export_to(f->a, f->path, NULL);
    text = read_file(f->path, &len);
    /* Line 4 is key 2's first event: without it, its seq 2 follows nothing. */
    edited = replace_line(text, 4, "");
    put_file(f->path, edited);
    assert_int_equal(avow_import(NULL, f->b, f->path, NULL), AVOW_ECHAIN);
    assert_non_null(strstr(avow_error_last(), "line 5:"));
    assert_non_null(strstr(avow_error_last(), "events are missing"));
    assert_int_equal(count_of(f->b), 0);
    free(text);
    free(edited);
}

static void
test_interchange__malformed_signed_lines_are_refused_with_line_numbers(void **state)
{
    fixture *f = *state;
    avow_import_result res;
    static const struct {
        const char *line;
        int code;
        const char *what;
    } cases[] = {
        { "not json", AVOW_EFORMAT, "not JSON" },
        { "[1,2]", AVOW_EFORMAT, "not a JSON object" },
        { "{\"id\":\"00\"}", AVOW_EFORMAT, "no \"raw\"" },
        { "{\"raw\":\"AAAA\"}", AVOW_EFORMAT, "no \"id\"" },
        { "{\"id\":\"00\",\"raw\":\"!!!!\"}", AVOW_EVERIFY, "not valid base64" },
        { "{\"id\":\"00\",\"raw\":\"AAAA\"}", AVOW_EVERIFY, "not a valid event" },
        { "{\"id\":\"00\",\"id\":\"00\",\"raw\":\"AAAA\"}", AVOW_EFORMAT, "not JSON" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "\n%s\n", cases[i].line);
        put_file(f->path, text);
        assert_int_equal(avow_import(&res, f->b, f->path, NULL), cases[i].code);
        assert_non_null(strstr(avow_error_last(), "line 2:"));
        assert_non_null(strstr(avow_error_last(), cases[i].what));
    }
    assert_int_equal(count_of(f->b), 0);
}

static void
test_interchange__oversized_line_is_refused_and_reading_resumes(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    size_t big = AVOW_LINE_MAX + 10;
    size_t cap = big + 1024;
    char *text = malloc(cap);
    size_t n;

    assert_non_null(text);
    n = (size_t)snprintf(text, cap,
                         "{\"kind\":\"contest\",\"contest\":\"c1\",\"title\":\"T\","
                         "\"rule\":\"majority\",\"at\":\"2024\"}\n");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)snprintf(text + n, cap - n,
                          "\n{\"kind\":\"member-join\",\"contest\":\"c1\",\"actor\":\"A\","
                          "\"at\":\"2024-01\"}\n");
    write_file(f->path, text, n);
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), AVOW_ERANGE);
    assert_non_null(strstr(avow_error_last(), "line 2: line is longer than 65536 bytes"));
    assert_int_equal(count_of(f->a), 0);
    o.flags |= AVOW_IMPORT_SKIP_BAD;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    assert_int_equal(res.appended, 2);
    assert_int_equal(res.bad, 1);
    assert_int_equal(count_of(f->a), 2);
    free(text);
}

/* count records: a contest, then stances; line `bad` (if any) is broken. */
static char *
many_records(int count, int bad)
{
    size_t cap = (size_t)count * 256;
    char *text = malloc(cap);
    size_t n = 0;
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n,
                          "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T\","
                          "\"rule\":\"2/3\",\"at\":\"2024-01-01\"}\n");
    for (int line = 2; line <= count; line++) {
        n += (size_t)snprintf(text + n, cap - n,
                              "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"A%d\","
                              "\"stance\":\"%s\",\"candidate\":\"X\",\"at\":\"2024-02-%02d\","
                              "\"source\":\"https://example.org/%d\"}\n",
                              line, line == bad ? "endorses" : "supports", 1 + line % 28, line);
    }
    return text;
}

static char *
thousand_records(int bad)
{
    return many_records(1000, bad);
}

typedef struct bad_seen {
    uint64_t lines[8];
    size_t n;
} bad_seen;

static int
on_bad(uint64_t line, int code, const char *what, void *payload)
{
    bad_seen *b = payload;
    (void)code;
    assert_non_null(what);
    if (b->n < 8) {
        b->lines[b->n++] = line;
    }
    return 0;
}

static int
stop_on_bad(uint64_t line, int code, const char *what, void *payload)
{
    (void)on_bad(line, code, what, payload);
    return -5;
}

static void
test_interchange__sign_one_bad_line_in_1000_appends_nothing(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    bad_seen seen = { { 0 }, 0 };
    char *text = thousand_records(617);

    put_file(f->path, text);
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    o.on_bad = on_bad;
    o.payload = &seen;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "line 617: unknown stance 'endorses'"));
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.lines[0], 617);
    assert_int_equal(res.records, 1000);
    assert_int_equal(count_of(f->a), 0);

    o.flags |= AVOW_IMPORT_SKIP_BAD;
    o.batch = 100; /* several batches */
    seen.n = 0;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    assert_int_equal(res.appended, 999);
    assert_int_equal(res.bad, 1);
    assert_int_equal(res.first_bad, 617);
    assert_int_equal(seen.n, 1);
    assert_int_equal(count_of(f->a), 999);
    /* A negative return of on_bad stops the import, which returns it. */
    o.on_bad = stop_on_bad;
    seen.n = 0;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), -5);
    assert_int_equal(seen.n, 1);
    assert_int_equal(count_of(f->a), 999);
    free(text);
}

/* Import --sign with $TMPDIR set to dir (NULL: unset), restored after. */
static int
import_with_tmpdir(avow_ledger *l, avow_import_result *res, const char *path,
                   const avow_import_opts *o, const char *dir)
{
    const char *old = getenv("TMPDIR");
    char *saved = old != NULL ? strdup(old) : NULL;
    int rc;
    if (dir != NULL) {
        assert_int_equal(setenv("TMPDIR", dir, 1), 0);
    } else {
        assert_int_equal(unsetenv("TMPDIR"), 0);
    }
    rc = avow_import(res, l, path, o);
    if (saved != NULL) {
        assert_int_equal(setenv("TMPDIR", saved, 1), 0);
    } else {
        assert_int_equal(unsetenv("TMPDIR"), 0);
    }
    free(saved);
    return rc;
}

/* Import --sign with $TMPDIR where no file can be made: no spill
 * (src/io/import.c invariant 5), so the append pass parses again. */
static int
import_without_spill(const fixture *f, avow_ledger *l, avow_import_result *res,
                     const avow_import_opts *o)
{
    char missing[4300];
    snprintf(missing, sizeof(missing), "%s/no/such/dir", f->dir);
    return import_with_tmpdir(l, res, f->path, o, missing);
}

static void
assert_same_str(avow_str a, avow_str b)
{
    assert_int_equal(a.ptr == NULL, b.ptr == NULL);
    assert_int_equal(a.len, b.len);
    if (a.len > 0) {
        assert_memory_equal(a.ptr, b.ptr, a.len);
    }
}

/* Every event of a and b says the same thing (their times of recording,
 * hence chains and signatures, differ). */
static void
assert_same_bodies(avow_ledger *a, avow_ledger *b)
{
    avow_iter *ia = NULL, *ib = NULL;
    avow_event x, y;
    uint64_t index;
    int ra, rb;
    assert_int_equal(avow_iter_new(&ia, a, NULL), 0);
    assert_int_equal(avow_iter_new(&ib, b, NULL), 0);
    while ((ra = avow_iter_next(&x, &index, ia)) == 1) {
        assert_int_equal(avow_iter_next(&y, &index, ib), 1);
        assert_int_equal(x.kind, y.kind);
        assert_int_equal(x.effective_at, y.effective_at);
        assert_int_equal(x.precision, y.precision);
        assert_int_equal(x.stance, y.stance);
        assert_int_equal(x.target == NULL, y.target == NULL);
        assert_same_str(x.contest, y.contest);
        assert_same_str(x.title, y.title);
        assert_same_str(x.rule, y.rule);
        assert_same_str(x.actor, y.actor);
        assert_same_str(x.candidate, y.candidate);
        assert_same_str(x.person, y.person);
        assert_same_str(x.source, y.source);
        assert_same_str(x.quote, y.quote);
        assert_same_str(x.reason, y.reason);
    }
    assert_int_equal(ra, 0);
    rb = avow_iter_next(&y, &index, ib);
    assert_int_equal(rb, 0);
    avow_iter_free(ia);
    avow_iter_free(ib);
}

/* Records are read in chunks and parsed on the worker pool (src/io/import.c
 * invariant 4): with chunks of 7, bad lines of every kind on both sides of
 * chunk edges (a reader refusal among them) are still reported in file order
 * with their own numbers, and the good lines are appended in file order. */
static void
test_interchange__sign_chunks_keep_order_and_line_numbers(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    bad_seen seen = { { 0 }, 0 };
    const size_t cap = 1200 * 256 + AVOW_LINE_MAX + 64;
    char *text = malloc(cap);
    int *want = calloc(1200, sizeof(*want));
    size_t n = 0, nwant = 0;
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;

    assert_non_null(text);
    assert_non_null(want);
    n += (size_t)snprintf(text + n, cap - n,
                          "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T\","
                          "\"rule\":\"2/3\",\"at\":\"2024-01-01\"}\n");
    for (int line = 2; line <= 1000; line++) {
        const char *stance = "supports", *at = "\"at\":\"2024-02-03\",";
        if (line == 500) {
            n += (size_t)snprintf(text + n, cap - n, "  \n"); /* blank: no record */
            continue;
        }
        if (line == 6) {
            n += (size_t)snprintf(text + n, cap - n, "{\"kind\":\n"); /* not JSON */
            continue;
        }
        if (line == 251) {
            /* Longer than AVOW_LINE_MAX: refused by the reader itself. */
            memset(text + n, ' ', AVOW_LINE_MAX + 1);
            n += AVOW_LINE_MAX + 1;
            text[n++] = 'x';
            text[n++] = '\n';
            continue;
        }
        stance = line == 5 || line == 999 ? "endorses" : stance;
        at = line == 250 ? "" : at;
        n += (size_t)snprintf(text + n, cap - n,
                              "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"A%d\","
                              "\"stance\":\"%s\",\"candidate\":\"X\",%s"
                              "\"source\":\"https://example.org/%d\"}\n",
                              line, stance, at, line);
        if (line != 5 && line != 999 && line != 250) {
            want[nwant++] = line;
        }
    }
    write_file(f->path, text, n);
    o.flags = AVOW_IMPORT_SIGN | AVOW_IMPORT_SKIP_BAD;
    o.key = f->k1;
    o.batch = 7;
    o.on_bad = on_bad;
    o.payload = &seen;
    if (avow_import(&res, f->a, f->path, &o) != 0) {
        fail_msg("import: %s", avow_error_last());
    }
    assert_int_equal(seen.n, 5);
    const uint64_t bad_lines[5] = { 5, 6, 250, 251, 999 };
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(seen.lines[i], bad_lines[i]);
    }
    assert_int_equal(res.bad, 5);
    assert_int_equal(res.first_bad, 5);
    assert_int_equal(res.appended, 1 + nwant);
    assert_int_equal(count_of(f->a), 1 + nwant);

    /* The good lines, in file order. */
    assert_int_equal(avow_iter_new(&it, f->a, NULL), 0);
    assert_int_equal(avow_iter_next(&ev, &index, it), 1);
    assert_int_equal(ev.kind, AVOW_KIND_CONTEST);
    for (size_t i = 0; i < nwant; i++) {
        char actor[16];
        int len = snprintf(actor, sizeof(actor), "A%d", want[i]);
        assert_int_equal(avow_iter_next(&ev, &index, it), 1);
        assert_int_equal(ev.actor.len, (size_t)len);
        assert_memory_equal(ev.actor.ptr, actor, (size_t)len);
    }
    assert_int_equal(avow_iter_next(&ev, &index, it), 0);
    avow_iter_free(it);

    /* Without --skip-bad the same file appends nothing and names line 5. */
    o.flags = AVOW_IMPORT_SIGN;
    seen.n = 0;
    assert_int_equal(avow_import(&res, f->b, f->path, &o), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "line 5: unknown stance 'endorses'"));
    assert_non_null(strstr(avow_error_last(), "and 4 more bad lines"));
    assert_int_equal(count_of(f->b), 0);

    /* Without a spill (invariant 5), the append pass skips the same lines. */
    o.flags = AVOW_IMPORT_SIGN | AVOW_IMPORT_SKIP_BAD;
    seen.n = 0;
    if (import_without_spill(f, f->b, &res, &o) != 0) {
        fail_msg("import without a spill: %s", avow_error_last());
    }
    assert_int_equal(res.appended, 1 + nwant);
    assert_same_bodies(f->a, f->b);
    free(text);
    free(want);
}

/* Invariant 5: the append pass signs the drafts the check pass wrote to its
 * spill. Without a spill ($TMPDIR where no file can be made) it parses the
 * input again, to the same events: every kind and field, JSON and CSV. */
static void
test_interchange__sign_without_a_spill_parses_again_to_the_same_events(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    o.key = f->k1;
    o.batch = 3; /* several chunks */

    put_file(
      f->path,
      "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T \\u00e9\",\"rule\":\"2/3\","
      "\"at\":\"2024-01-01\"}\n"
      "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"LT\",\"at\":\"2024-01\"}\n"
      "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"EE\",\"at\":\"2024\"}\n"
      "{\"kind\":\"candidate-enter\",\"contest\":\"c\",\"candidate\":\"Rutte\","
      "\"at\":\"2024-01-02T10:00Z\"}\n"
      "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"LT\",\"stance\":\"supports\","
      "\"candidate\":\"Rutte\",\"at\":\"2024-04-03T10:00:00.250Z\","
      "\"source\":\"https://example.org/lt\",\"person\":\"G. Nauseda\","
      "\"quote\":\"line one\\nline \\\"two\\\"\"}\n"
      "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"EE\",\"stance\":\"undecided\","
      "\"candidate\":\"Rutte\",\"at\":\"2024-04-03\",\"source\":\"https://e.org/ee\","
      "\"person\":null}\n"
      "{\"kind\":\"member-leave\",\"contest\":\"c\",\"actor\":\"EE\",\"at\":\"2024-05-01\"}\n"
      "{\"kind\":\"candidate-withdraw\",\"contest\":\"c\",\"candidate\":\"Rutte\","
      "\"at\":\"2024-06-01\"}\n"
      "{\"kind\":\"decision\",\"contest\":\"c\",\"candidate\":\"Rutte\","
      "\"at\":\"2024-06-26\",\"source\":\"https://example.org/d\"}\n");
    o.flags = AVOW_IMPORT_SIGN;
    if (import_with_tmpdir(f->a, &res, f->path, &o, f->dir) != 0) {
        fail_msg("import with a spill: %s", avow_error_last());
    }
    if (import_without_spill(f, f->b, &res, &o) != 0) {
        fail_msg("import without a spill: %s", avow_error_last());
    }
    assert_int_equal(res.appended, 9);
    assert_int_equal(count_of(f->a), 9);
    assert_same_bodies(f->a, f->b);

    put_file(f->path, "kind,contest,actor,stance,candidate,at,source,quote\r\n"
                      "stance,c,LT,opposes,Rutte,2024-07-01,https://e.org/a,\"a, \"\"b\"\"\"\r\n"
                      "stance,c,EE,supports,Rutte,2024-07-02T00:00:00+02:00,https://e.org/b,\r\n");
    o.flags = AVOW_IMPORT_SIGN | AVOW_IMPORT_CSV;
    assert_int_equal(import_with_tmpdir(f->a, &res, f->path, &o, NULL), 0);
    assert_int_equal(import_without_spill(f, f->b, &res, &o), 0);
    assert_int_equal(count_of(f->b), 11);
    assert_same_bodies(f->a, f->b);
}

/* A transaction of the default size takes several parse chunks from the
 * spill (invariants 4, 5); without a spill, each chunk is a transaction. */
static void
test_interchange__sign_batch_of_several_parse_chunks(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    char *text = many_records(9000, 0);
    uint64_t events = 0, problems = 0;
    put_file(f->path, text);
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    if (import_with_tmpdir(f->a, &res, f->path, &o, f->dir) != 0) {
        fail_msg("import: %s", avow_error_last());
    }
    assert_int_equal(res.appended, 9000);
    if (import_without_spill(f, f->b, &res, &o) != 0) {
        fail_msg("import without a spill: %s", avow_error_last());
    }
    assert_int_equal(res.appended, 9000);
    assert_same_bodies(f->a, f->b);
    assert_int_equal(avow_ledger_verify(&events, &problems, f->a, NULL), 0);
    assert_int_equal(events, 9000);
    assert_int_equal(problems, 0);
    free(text);
}

struct rewrite {
    const char *path;
    int done;
};

/* At the end of the check pass (half the work), replace the input. */
static int
rewrite_after_check(uint64_t done, uint64_t total, void *payload)
{
    struct rewrite *r = payload;
    if (!r->done && done == total / 2) {
        put_file(r->path, "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"XX\","
                          "\"stance\":\"endorses\"}\n");
        r->done = 1;
    }
    return 0;
}

/* Invariant 5: what is appended is what the check pass read, even when the
 * file is replaced in between; without a spill, the second reading sees the
 * change and appends nothing. */
static void
test_interchange__sign_appends_what_the_check_pass_read(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    struct rewrite r = { f->path, 0 };
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;
    const char *records =
      "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T\",\"rule\":\"unanimity\","
      "\"at\":\"2024-01-01\"}\n"
      "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"LT\",\"stance\":\"supports\","
      "\"candidate\":\"Rutte\",\"at\":\"2024-04-03\",\"source\":\"https://e.org/lt\"}\n";
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    o.on_progress = rewrite_after_check;
    o.payload = &r;

    put_file(f->path, records);
    if (import_with_tmpdir(f->a, &res, f->path, &o, f->dir) != 0) {
        fail_msg("import: %s", avow_error_last());
    }
    assert_int_equal(r.done, 1);
    assert_int_equal(res.appended, 2);
    assert_int_equal(avow_iter_new(&it, f->a, NULL), 0);
    assert_int_equal(avow_iter_next(&ev, &index, it), 1);
    assert_int_equal(avow_iter_next(&ev, &index, it), 1);
    assert_int_equal(ev.actor.len, 2);
    assert_memory_equal(ev.actor.ptr, "LT", 2);
    avow_iter_free(it);

    r.done = 0;
    put_file(f->path, records);
    assert_int_equal(import_without_spill(f, f->b, &res, &o), AVOW_EINVALID);
    assert_int_equal(r.done, 1);
    assert_non_null(strstr(avow_error_last(), "the file changed during the import?"));
    assert_int_equal(count_of(f->b), 0);
}

static void
test_interchange__sign_checks_contests_against_ledger_and_earlier_lines(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    bad_seen seen = { { 0 }, 0 };

    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    o.on_bad = on_bad;
    o.payload = &seen;
    put_file(f->path,
             "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\",\"at\":\"2024\"}\n"
             "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T\",\"rule\":\"1\","
             "\"at\":\"2024\"}\n"
             "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\",\"at\":\"2024\"}\n"
             "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T\",\"rule\":\"1\","
             "\"at\":\"2024\"}\n");
    assert_int_equal(avow_import(&res, f->a, f->path, &o), AVOW_ENOTFOUND);
    assert_non_null(strstr(avow_error_last(), "line 1: no contest c"));
    assert_int_equal(res.bad, 2);
    assert_int_equal(seen.lines[1], 4);
    assert_int_equal(count_of(f->a), 0);

    /* Lines 2-3 alone import; then the contest exists in the ledger. */
    put_file(f->path,
             "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T\",\"rule\":\"1\","
             "\"at\":\"2024\"}\n"
             "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\",\"at\":\"2024\"}\n");
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    /* The same lines again are the records already recorded: skipped. */
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    assert_int_equal(res.duplicates, 2);
    assert_int_equal(res.appended, 0);
    /* Another definition of c is refused. */
    put_file(f->path, "{\"kind\":\"contest\",\"contest\":\"c\",\"title\":\"T2\",\"rule\":\"1\","
                      "\"at\":\"2024\"}\n");
    assert_int_equal(avow_import(&res, f->a, f->path, &o), AVOW_EEXISTS);
    assert_non_null(strstr(avow_error_last(), "line 1: contest c already exists"));
    assert_int_equal(count_of(f->a), 2);
}

static void
test_interchange__sign_refuses_malformed_records(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    static const struct {
        const char *line;
        int code;
        const char *what;
    } cases[] = {
        { "{\"kind\":\"stance\"", AVOW_EFORMAT, "not JSON" },
        { "[\"stance\"]", AVOW_EFORMAT, "not a JSON object" },
        { "{\"kind\":\"stance\",\"stanse\":\"supports\"}", AVOW_EFORMAT,
          "unknown member \"stanse\"" },
        { "{\"kind\":1}", AVOW_EFORMAT, "\"kind\" is not a string" },
        { "{\"at\":\"2024\"}", AVOW_EINVALID, "no kind" },
        { "{\"kind\":\"vote\",\"at\":\"2024\"}", AVOW_EINVALID, "unknown kind 'vote'" },
        { "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\"}", AVOW_EINVALID, "no at" },
        { "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\",\"at\":\"2024-13\"}",
          AVOW_EINVALID, "at: " },
        { "{\"kind\":\"member-join\",\"contest\":\"c\",\"at\":\"2024\"}", AVOW_EINVALID,
          "needs actor" },
        { "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\",\"title\":\"T\","
          "\"at\":\"2024\"}",
          AVOW_EINVALID, "may not carry title" },
        { "{\"kind\":\"member-join\",\"contest\":\"c d\",\"actor\":\"A\",\"at\":\"2024\"}",
          AVOW_EINVALID, "contest may hold only" },
        { "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\\u0000B\",\"at\":\"2024\"}",
          AVOW_EFORMAT, "not JSON" },
        { "{\"kind\":\"member-join\",\"contest\":\"c\",\"actor\":\"A\\tB\",\"at\":\"2024\"}",
          AVOW_EINVALID, "not valid UTF-8 text" },
        { "{\"kind\":\"retract\",\"target\":\"abc\",\"reason\":\"r\"}", AVOW_EINVALID,
          "target is not an event id" },
        { "{\"kind\":\"retract\",\"target\":"
          "\"0000000000000000000000000000000000000000000000000000000000000000\","
          "\"reason\":\"r\"}",
          AVOW_ENOTFOUND, "is not in the ledger" },
    };
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "%s\n", cases[i].line);
        put_file(f->path, text);
        int rc = avow_import(NULL, f->a, f->path, &o);
        if (rc != cases[i].code || strstr(avow_error_last(), cases[i].what) == NULL ||
            strstr(avow_error_last(), "line 1: ") == NULL) {
            fail_msg("case %zu: got %d '%s'", i, rc, avow_error_last());
        }
    }
    assert_int_equal(count_of(f->a), 0);
}

static void
test_interchange__retraction_needs_an_event_of_the_same_author(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_draft d = AVOW_DRAFT_INIT;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    char text[512];

    d.kind = AVOW_KIND_CONTEST;
    d.contest = "c";
    d.title = "T";
    d.rule = "majority";
    assert_int_equal(avow_ledger_append(id, f->a, f->k1, &d), 0);
    avow_hex(hex, id, sizeof(id));
    snprintf(text, sizeof(text), "{\"kind\":\"retract\",\"target\":\"%s\",\"reason\":\"r\"}\n",
             hex);
    put_file(f->path, text);
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k2;
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "signed by another author"));
    o.key = f->k1;
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), 0);
    assert_int_equal(count_of(f->a), 2);
}

static void
test_interchange__csv_records_are_signed_like_json(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;

    /* BOM, CRLF, quoted commas, "" escapes, a newline inside a quote, empty = absent. */
    put_file(f->path,
             "\xef\xbb\xbfkind,contest,title,rule,actor,stance,candidate,at,source,quote\r\n"
             "contest,c,\"Vote, final\",majority,,,,2024-01-01,,\r\n"
             "stance,c,,,LT,supports,Rutte,2024-04-03,https://e.org/a,\"He said "
             "\"\"yes\"\"\nthen left\"\r\n"
             "\r\n"
             "stance,c,,,HU,opposes,Rutte,2024-04-03T10:00:00+02:00,https://e.org/b,\n");
    o.flags = AVOW_IMPORT_SIGN | AVOW_IMPORT_CSV;
    o.key = f->k1;
    if (avow_import(&res, f->a, f->path, &o) != 0) {
        fail_msg("csv import: %s", avow_error_last());
    }
    assert_int_equal(res.records, 3);
    assert_int_equal(res.appended, 3);
    assert_int_equal(avow_iter_new(&it, f->a, NULL), 0);
    assert_int_equal(avow_iter_next(&ev, &index, it), 1);
    assert_int_equal(ev.title.len, strlen("Vote, final"));
    assert_memory_equal(ev.title.ptr, "Vote, final", ev.title.len);
    assert_null(ev.source.ptr);
    assert_int_equal(avow_iter_next(&ev, &index, it), 1);
    assert_int_equal(ev.quote.len, strlen("He said \"yes\"\nthen left"));
    assert_memory_equal(ev.quote.ptr, "He said \"yes\"\nthen left", ev.quote.len);
    assert_int_equal(ev.precision, AVOW_PREC_DAY);
    assert_int_equal(avow_iter_next(&ev, &index, it), 1);
    assert_int_equal(ev.effective_at, INT64_C(1712131200000000)); /* 08:00Z */
    assert_int_equal(ev.precision, AVOW_PREC_SECOND);
    assert_null(ev.quote.ptr);
    avow_iter_free(it);
}

static void
test_interchange__csv_malformed_rows_are_refused_with_line_numbers(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    bad_seen seen = { { 0 }, 0 };
    int rc;

    o.flags = AVOW_IMPORT_SIGN | AVOW_IMPORT_CSV;
    o.key = f->k1;
    o.on_bad = on_bad;
    o.payload = &seen;
    put_file(f->path, "kind,contest,title,rule,at\n"
                      "contest,c,T,majority,2024\n"       /* 2: good */
                      "contest,d,\"T\"x,majority,2024\n"  /* 3: text after quote */
                      "contest,e,T\"x,majority,2024\n"    /* 4: quote in unquoted */
                      "contest,f,T,majority\n"            /* 5: 4 fields */
                      "contest,g,T,majority,2024,extra\n" /* 6: 6 fields */
                      "contest,h,T,majority,2024\rx\n"    /* 7: bare CR */
                      "contest,i,T,majority,2024\n"       /* 8: good */
                      "contest,j,\"never closed,majority,2024\n");
    rc = avow_import(NULL, f->a, f->path, &o);
    assert_int_equal(rc, AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "line 3: malformed CSV: text after the closing"));
    assert_non_null(strstr(avow_error_last(), "and 5 more bad lines"));
    assert_int_equal(seen.n, 6);
    assert_int_equal(seen.lines[0], 3);
    assert_int_equal(seen.lines[1], 4);
    assert_int_equal(seen.lines[2], 5);
    assert_int_equal(seen.lines[3], 6);
    assert_int_equal(seen.lines[4], 7);
    assert_int_equal(seen.lines[5], 9);
    assert_int_equal(count_of(f->a), 0);

    put_file(f->path, "kind,contest,colour\ncontest,c,red\n");
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "line 1: header: unknown column 'colour'"));
    put_file(f->path, "contest,at\nc,2024\n");
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "no column 'kind'"));
    put_file(f->path, "kind,at,kind\n");
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "column 'kind' twice"));
    put_file(f->path, "");
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "empty"));
    assert_int_equal(count_of(f->a), 0);
}

static void
test_interchange__csv_reader_splits_fields_strictly(void **state)
{
    fixture *f = *state;
    reader r;
    FILE *fp;

    put_file(f->path, "a,\"b,c\",\"d\"\"e\",\n"
                      "\"multi\r\nline\",x\r\n");
    fp = fopen(f->path, "rb");
    assert_non_null(fp);
    assert_int_equal(reader_init(&r, fp), 0);
    assert_int_equal(csv_read(&r), 1);
    assert_int_equal(r.nfields, 4);
    assert_string_equal(r.fields[0], "a");
    assert_string_equal(r.fields[1], "b,c");
    assert_string_equal(r.fields[2], "d\"e");
    assert_string_equal(r.fields[3], "");
    assert_int_equal(r.rec_line, 1);
    assert_int_equal(csv_read(&r), 1);
    assert_int_equal(r.nfields, 2);
    assert_string_equal(r.fields[0], "multi\r\nline");
    assert_string_equal(r.fields[1], "x");
    assert_int_equal(r.rec_line, 2);
    assert_int_equal(csv_read(&r), 0);
    /* Read again from the start. */
    assert_int_equal(reader_rewind(&r), 0);
    assert_int_equal(csv_read(&r), 1);
    assert_string_equal(r.fields[1], "b,c");
    reader_dispose(&r);
    fclose(fp);
}

static void
test_interchange__line_reader_skips_blank_lines_and_strips_crlf(void **state)
{
    fixture *f = *state;
    reader r;
    FILE *fp;

    put_file(f->path, "one\r\n\n  \t\ntwo\nthree");
    fp = fopen(f->path, "rb");
    assert_non_null(fp);
    assert_int_equal(reader_init(&r, fp), 0);
    assert_int_equal(reader_line(&r), 1);
    assert_string_equal(r.rec, "one");
    assert_int_equal(r.rec_line, 1);
    assert_int_equal(reader_line(&r), 1);
    assert_string_equal(r.rec, "two");
    assert_int_equal(r.rec_line, 4);
    assert_int_equal(reader_line(&r), 1);
    assert_string_equal(r.rec, "three");
    assert_int_equal(r.rec_line, 5);
    assert_int_equal(reader_line(&r), 0);
    reader_dispose(&r);
    fclose(fp);
}

static void
test_interchange__import_refuses_what_it_cannot_read_twice(void **state)
{
    fixture *f = *state;
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    char missing[4300];

    assert_int_equal(avow_import(NULL, f->a, "/dev/null", NULL), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "not a regular file"));
    snprintf(missing, sizeof(missing), "%s/nope", f->dir);
    assert_int_equal(avow_import(NULL, f->a, missing, NULL), AVOW_ENOTFOUND);
    o.flags = AVOW_IMPORT_SIGN;
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EINVALID);
    o.flags = AVOW_IMPORT_CSV;
    assert_int_equal(avow_import(NULL, f->a, f->path, &o), AVOW_EINVALID);
}

static void
test_interchange__record_api_parses_one_line(void **state)
{
    avow_record *rec = NULL;
    const avow_draft *d;
    const char *line = "{\"kind\":\"stance\",\"contest\":\"c\",\"actor\":\"LT\",\"stance\":"
                       "\"undecided\",\"candidate\":\"R\",\"at\":\"2024-04\",\"source\":\"s\","
                       "\"person\":null}";
    (void)state;
    assert_int_equal(avow_record_new(&rec), 0);
    assert_int_equal(avow_record_parse_json(rec, line, strlen(line), 0), 0);
    d = avow_record_draft(rec);
    assert_int_equal(d->kind, AVOW_KIND_STANCE);
    assert_int_equal(d->stance, AVOW_STANCE_UNDECIDED);
    assert_int_equal(d->precision, AVOW_PREC_MONTH);
    assert_int_equal(d->effective_at, INT64_C(1711929600000000)); /* 2024-04-01 */
    assert_string_equal(d->actor, "LT");
    assert_null(d->person);
    assert_int_equal(avow_record_parse_json(rec, "{}", 2, 0), AVOW_EINVALID);
    avow_record_free(rec);
    avow_record_free(NULL);
}

static void
test_interchange__three_authors_round_trip_in_small_batches(void **state)
{
    fixture *f = *state;
    avow_key *k3 = tu_key(3);
    avow_import_opts o = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    avow_buf ia = AVOW_BUF_INIT, ib = AVOW_BUF_INIT;
    char *text = thousand_records(0);

    put_file(f->path, text);
    o.flags = AVOW_IMPORT_SIGN;
    o.key = f->k1;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    /* Keys 2 and 3 add stances to the contest key 1 defined. */
    char *stances = strchr(text, '\n') + 1;
    put_file(f->path, stances);
    o.key = f->k2;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    o.key = k3;
    o.batch = 37;
    assert_int_equal(avow_import(&res, f->a, f->path, &o), 0);
    assert_int_equal(count_of(f->a), 1000 + 999 + 999);

    export_to(f->a, f->path, NULL);
    avow_import_opts s = AVOW_IMPORT_OPTS_INIT;
    s.batch = 101;
    assert_int_equal(avow_import(&res, f->b, f->path, &s), 0);
    assert_int_equal(res.appended, 2998);
    ids_of(f->a, &ia);
    ids_of(f->b, &ib);
    assert_int_equal(ia.len, ib.len);
    assert_memory_equal(ia.ptr, ib.ptr, ia.len);
    uint64_t problems = 1, checked = 0;
    assert_int_equal(avow_ledger_verify(&checked, &problems, f->b, NULL), 0);
    assert_int_equal(checked, 2998);
    assert_int_equal(problems, 0);
    avow_buf_dispose(&ia);
    avow_buf_dispose(&ib);
    avow_key_free(k3);
    free(text);
}

/* The check pass's table (src/io/import_table.c): every key added is found
 * with its value, through growth, and no other key is; the empty key is a
 * key like any other. */
static void
test_interchange__import_table_finds_what_was_added(void **state)
{
    import_table t = IMPORT_TABLE_INIT;
    import_table_value *v;
    char key[32];
    (void)state;

    assert_null(import_table_find(&t, "", 0));
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof(key), "contest-%d", i);
        assert_null(import_table_find(&t, key, (size_t)n));
        assert_int_equal(import_table_add(&t, key, (size_t)n, &v), 0);
        assert_int_equal(v->seq, 0);
        v->seq = (uint64_t)i;
    }
    assert_int_equal(import_table_add(&t, "", 0, &v), 0);
    v->seq = 4242;
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof(key), "contest-%d", i);
        v = import_table_find(&t, key, (size_t)n);
        assert_non_null(v);
        assert_int_equal(v->seq, (uint64_t)i);
        n = snprintf(key, sizeof(key), "contest-%d!", i);
        assert_null(import_table_find(&t, key, (size_t)n));
    }
    v = import_table_find(&t, "", 0);
    assert_non_null(v);
    assert_int_equal(v->seq, 4242);
    import_table_dispose(&t);
    assert_null(import_table_find(&t, "contest-1", 9));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
          test_interchange__export_import_round_trip_keeps_ids_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__export_filters_by_contest_and_start,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__tampered_raw_fails_naming_line_and_appends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__member_disagreeing_with_raw_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__missing_chain_link_is_refused_before_appending, setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__malformed_signed_lines_are_refused_with_line_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__oversized_line_is_refused_and_reading_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__sign_one_bad_line_in_1000_appends_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__sign_chunks_keep_order_and_line_numbers,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__sign_checks_contests_against_ledger_and_earlier_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__sign_refuses_malformed_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__retraction_needs_an_event_of_the_same_author, setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__sign_without_a_spill_parses_again_to_the_same_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__sign_appends_what_the_check_pass_read,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__sign_batch_of_several_parse_chunks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_interchange__csv_records_are_signed_like_json, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__csv_malformed_rows_are_refused_with_line_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__csv_reader_splits_fields_strictly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
          test_interchange__line_reader_skips_blank_lines_and_strips_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange__import_refuses_what_it_cannot_read_twice,
                                        setup, teardown),
        cmocka_unit_test(test_interchange__record_api_parses_one_line),
        cmocka_unit_test(test_interchange__import_table_finds_what_was_added),
        cmocka_unit_test_setup_teardown(test_interchange__three_authors_round_trip_in_small_batches,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * cmd_demo.c - `avow chart` (support over time as SVG, drawn by the library's
 * avow_chart_svg) and `avow demo` (a guided first run: two analysts record the
 * 2024 NATO Secretary General race from one news article, sync, retract,
 * trust, and the demo shows state, history, explain, verify, a checkpoint and
 * a chart).
 *
 * Invariants:
 *  1. The demo writes only inside its own directory: two unsealed keys, two
 *     ledgers, a checkpoint and a chart. It never reads -L, -k or $AVOW_*.
 *  2. The demo appends through the same library calls as the other commands
 *     (avow_ledger_append_drafts in batches, avow_ledger_append for the
 *     retraction, avow_sync_local, avow_trust_add): what it shows is what a
 *     user gets by typing the commands it lists at the end.
 *  3. The facts come from one article of 2024-04-03 (the source URL of every
 *     event), told in our own words; the 22 members it does not name are the
 *     "28 of 32" it attributes to NATO insiders.
 *  4. Its output fits on one screen (about 50 lines); every path it prints can
 *     be pasted into the commands it suggests.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

#define SHORT_HEX 8

/* ---- chart -------------------------------------------------------------- */

static const cli_opt chart_opts[] = {
    { "out", 'o', 0, "FILE", "the SVG file to write ('-': standard output)", NULL },
    { "from", 'f', 0, "TIME", "start of the time axis", "the first change" },
    { "to", 't', 0, "TIME",
      "end of the time axis; a bare date means the end of that\n"
      "day",
      "the last change plus a tenth of the span" },
    { "known-at", 'k', 0, "TIME", "draw only what the ledger knew by then", "all" },
    { "all-authors", 'A', 0, NULL, "count every author, trusted or not", "trusted only" },
    { "min-confidence", 'm', 0, "LEVEL", "leave out rows rated below LEVEL (high | medium | low)",
      "every row" },
    { "public-at", 'p', 0, "TIME", "the public record as it stood then", "not applied" },
    { "title", 'T', 0, "TEXT", "the headline", "Support over time: CONTEST TITLE" },
    { "subtitle", 'S', 0, "TEXT", "a line under the headline", "none" },
    { "credit", 'C', 0, "TEXT", "the source and credit line at the foot ('': none)",
      "the ledger's origin, event count and root" },
    { "width", 'W', 0, "PIXELS", "width of the chart, 480 to 8000", "960" },
    { "height", 'H', 0, "PIXELS", "height of the chart, 300 to 8000", "540" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec chart_spec = { "chart", NULL, 17, 0, chart_opts };
const cli_spec *const cli_chart_specs[] = { &chart_spec, NULL };

void
cmd_chart_help(FILE *out)
{
    fprintf(out, "usage: avow chart CONTEST --out FILE.svg [--from TIME] [--to TIME]\n"
                 "                  [--known-at TIME] [--all-authors] [--min-confidence LEVEL]\n"
                 "                  [--public-at TIME] [--title TEXT] [--subtitle TEXT]\n"
                 "                  [--credit TEXT] [--width PIXELS] [--height PIXELS]\n"
                 "\n"
                 "Draw the support of each candidate over time as a standalone SVG file\n"
                 "(or PNG, when FILE ends in .png):\n"
                 "a step line per candidate, the number the rule needs (dashed), member\n"
                 "count changes and the decision marked, dates on the axis, a legend.\n"
                 "Each step is the state at one effective time of the contest's changes\n"
                 "(as 'avow state --at TIME' computes it) and carries a <title> with that\n"
                 "time and the counts. A rise whose date is known only as \"on or before\"\n"
                 "or an interval is dashed, and support still possible inside an interval\n"
                 "is hatched above the line. A candidate's line runs from its entry\n"
                 "(ringed) to its withdrawal (crossed). The axis starts shortly before\n"
                 "the first candidacy or stance, however early the contest is dated.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &chart_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

static int
chart_pixels(unsigned *v, const char *text, unsigned lo, unsigned hi, const char *option)
{
    char *end = NULL;
    unsigned long n = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || n < lo || n > hi) {
        return cli_usage_fail("chart", "bad %s '%s' (a whole number of pixels, %u to %u)", option,
                              text, lo, hi);
    }
    *v = (unsigned)n;
    return 0;
}

/* FILE ends in ".png" (any case): the chart is rasterised. */
static int
chart_is_png(const char *file)
{
    size_t n = strlen(file);
    return n > 4 && strcasecmp(file + n - 4, ".png") == 0;
}

static int
chart_time(int64_t *t, const char *text, avow_time_bound bound, const char *option)
{
    if (avow_time_parse(t, NULL, text, bound) < 0) {
        return cli_usage_fail("chart", "bad %s time '%s': %s", option, text, avow_error_last());
    }
    return 0;
}

int
cmd_chart(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_chart_opts opts = AVOW_CHART_OPTS_INIT;
    avow_ledger *ledger = NULL;
    avow_buf svg = AVOW_BUF_INIT;
    const char *out = NULL;
    int status = CLI_EXIT_OK, c, r;

    cli_getopt_init(&gs, &chart_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            status = chart_time(&opts.from, optarg, AVOW_TIME_START, "--from");
            break;
        case 't':
            status = chart_time(&opts.to, optarg, AVOW_TIME_END, "--to");
            break;
        case 'k':
            status = chart_time(&opts.known_at, optarg, AVOW_TIME_END, "--known-at");
            break;
        case 'A':
            opts.all_authors = 1;
            break;
        case 'm':
            if ((opts.min_confidence = avow_confidence_parse(optarg)) == AVOW_CONFIDENCE_NONE) {
                status =
                  cli_usage_fail("chart", "unknown confidence '%s' (high, medium or low)", optarg);
            }
            break;
        case 'p':
            status = chart_time(&opts.public_at, optarg, AVOW_TIME_END, "--public-at");
            break;
        case 'T':
            opts.title = optarg;
            break;
        case 'S':
            opts.subtitle = optarg;
            break;
        case 'C':
            opts.credit = optarg;
            break;
        case 'W':
            status = chart_pixels(&opts.width, optarg, 480, 8000, "--width");
            break;
        case 'H':
            status = chart_pixels(&opts.height, optarg, 300, 8000, "--height");
            break;
        case CLI_OPT_HELP:
            cmd_chart_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
        if (status != 0) {
            goto done;
        }
    }
    if (argc - optind != 1) {
        status = cli_usage_fail("chart", "expected one CONTEST");
        goto done;
    }
    if (out == NULL) {
        status = cli_usage_fail("chart", "--out FILE.svg is required");
        goto done;
    }
    /* Writable when possible: the state computations may store snapshots. */
    if (avow_ledger_open(&ledger, ctx->ledger, 0) < 0 &&
        (status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if ((r = avow_chart_svg(&svg, ledger, argv[optind], &opts)) < 0) {
        status = cli_fail_lib(r, r == AVOW_ENOTFOUND ? "see 'avow log'" : NULL, "cannot chart '%s'",
                              argv[optind]);
        goto done;
    }
    if (chart_is_png(out)) {
        avow_buf png = AVOW_BUF_INIT;
        if ((r = avow_png_from_svg(&png, svg.ptr, svg.len)) < 0) {
            status = cli_fail_lib(r, NULL, "cannot draw '%s' as PNG", argv[optind]);
        } else {
            status = cli_audit_write_file(out, png.ptr, png.len);
        }
        avow_buf_dispose(&png);
        goto done;
    }
    status = cli_audit_write_file(out, svg.ptr, svg.len);
done:
    avow_buf_dispose(&svg);
    avow_ledger_free(ledger);
    return status;
}

/* ---- demo --------------------------------------------------------------- */

#define DEMO_CONTEST "nato-sg-2024"
#define DEMO_SOURCE  "https://www.nieuwsbericht.example/rutte-nato-2024-04-03"
#define DEMO_SWEDEN  "https://www.nieuwsbericht.example/sweden-joins-nato-2024-03-07"
#define DEMO_MAX     160

/* The 31 members before Sweden joined (ISO 3166 alpha-2 codes). */
static const char *const demo_members[] = { "AL", "BE", "BG", "CA", "HR", "CZ", "DK", "EE",
                                            "FI", "FR", "DE", "GR", "HU", "IS", "IT", "LV",
                                            "LT", "LU", "ME", "NL", "MK", "NO", "PL", "PT",
                                            "RO", "SK", "SI", "ES", "TR", "GB", "US" };
#define DEMO_N_MEMBERS (sizeof(demo_members) / sizeof(demo_members[0]))
/* Their display names (actor-name events), in the same order, then Sweden's. */
static const char *const demo_names[] = { "Albania",
                                          "Belgium",
                                          "Bulgaria",
                                          "Canada",
                                          "Croatia",
                                          "Czechia",
                                          "Denmark",
                                          "Estonia",
                                          "Finland",
                                          "France",
                                          "Germany",
                                          "Greece",
                                          "Hungary",
                                          "Iceland",
                                          "Italy",
                                          "Latvia",
                                          "Lithuania",
                                          "Luxembourg",
                                          "Montenegro",
                                          "the Netherlands",
                                          "North Macedonia",
                                          "Norway",
                                          "Poland",
                                          "Portugal",
                                          "Romania",
                                          "Slovakia",
                                          "Slovenia",
                                          "Spain",
                                          "Türkiye",
                                          "the United Kingdom",
                                          "the United States",
                                          "Sweden" };
_Static_assert(sizeof(demo_names) / sizeof(demo_names[0]) == DEMO_N_MEMBERS + 1,
               "a name per member, and Sweden");

/* Named in the article (early backers, LT, EE, HU) or not yet decided (RO SK TR). */
static const char *const demo_named[] = {
    "US", "GB", "DE", "FR", "LT", "EE", "HU", "RO", "SK", "TR"
};

typedef struct demo {
    char dir[PATH_MAX];
    char a_key[PATH_MAX], b_key[PATH_MAX], a_path[PATH_MAX], b_path[PATH_MAX];
    char checkpoint[PATH_MAX], chart[PATH_MAX];
    avow_key *ka, *kb;
    avow_ledger *a, *b;
    char a_hex[SHORT_HEX + 1], b_hex[SHORT_HEX + 1];
    avow_draft drafts[DEMO_MAX];
    size_t n;
    unsigned char ids[DEMO_MAX * AVOW_EVENT_ID_BYTES];
    int quiet;
} demo;

static int
demo_path(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX) {
        return cli_fail(CLI_EXIT_USAGE, "demo directory path too long: '%s'", dir);
    }
    return 0;
}

static int64_t
demo_day(const char *date)
{
    int64_t t = 0;
    /* Literal dates of this file: they always parse. */
    (void)avow_time_parse(&t, NULL, date, AVOW_TIME_START);
    return t;
}

static avow_draft *
demo_draft(demo *d, uint8_t kind, const char *date)
{
    avow_draft init = AVOW_DRAFT_INIT;
    avow_draft *dr = &d->drafts[d->n++];
    *dr = init;
    dr->kind = kind;
    dr->effective_at = demo_day(date);
    dr->precision = AVOW_PREC_DAY;
    dr->contest = DEMO_CONTEST;
    dr->source = DEMO_SOURCE;
    return dr;
}

static avow_draft *
demo_stance(demo *d, const char *actor, uint8_t stance, const char *candidate, const char *date)
{
    avow_draft *dr = demo_draft(d, AVOW_KIND_STANCE, date);
    dr->actor = actor;
    dr->stance = stance;
    dr->candidate = candidate;
    return dr;
}

static int
demo_append(demo *d, avow_ledger *l, const avow_key *key, const char *who)
{
    size_t failed = 0;
    int r = avow_ledger_append_drafts(&failed, d->ids, l, key, d->drafts, d->n);
    if (r < 0) {
        return cli_fail_lib(r, NULL, "demo: analyst %s's event %zu", who, failed + 1);
    }
    return 0;
}

/* Print "msg" unless quiet. */
static void say(const demo *d, const char *fmt, ...) CLI_PRINTF(2, 3);

static void
say(const demo *d, const char *fmt, ...)
{
    va_list ap;
    if (d->quiet) {
        return;
    }
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static int
demo_sync(avow_ledger *into, avow_ledger *from, uint64_t *received)
{
    avow_sync_opts so = AVOW_SYNC_OPTS_INIT;
    avow_sync_stats st;
    int r;
    so.flags = AVOW_SYNC_PULL;
    memset(&st, 0, sizeof(st));
    if ((r = avow_sync_local(&st, into, from, &so)) < 0) {
        return cli_fail_lib(r, NULL, "demo: sync between the analysts' ledgers");
    }
    *received = st.received;
    return 0;
}

static int
demo_setup(demo *d, const char *dir_arg)
{
    char tmpl[PATH_MAX];
    int r;

    if (dir_arg == NULL) {
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0') {
            tmp = "/tmp";
        }
        if ((r = demo_path(tmpl, tmp, "avow-demo.XXXXXX")) != 0) {
            return r;
        }
        if (mkdtemp(tmpl) == NULL) {
            return cli_fail(CLI_EXIT_ENV, "cannot create a directory in '%s': %s (set TMPDIR)", tmp,
                            strerror(errno));
        }
        dir_arg = tmpl;
    } else if (mkdir(dir_arg, 0700) < 0 && errno != EEXIST) {
        return cli_fail(CLI_EXIT_ENV, "cannot create '%s': %s", dir_arg, strerror(errno));
    }
    if (realpath(dir_arg, d->dir) == NULL) {
        return cli_fail(CLI_EXIT_ENV, "cannot resolve '%s': %s", dir_arg, strerror(errno));
    }
    if ((r = demo_path(d->a_key, d->dir, "a.key")) != 0 ||
        (r = demo_path(d->b_key, d->dir, "b.key")) != 0 ||
        (r = demo_path(d->a_path, d->dir, "a.ledger")) != 0 ||
        (r = demo_path(d->b_path, d->dir, "b.ledger")) != 0 ||
        (r = demo_path(d->checkpoint, d->dir, "checkpoint.txt")) != 0 ||
        (r = demo_path(d->chart, d->dir, "nato.svg")) != 0) {
        return r;
    }
    /* Unsealed keys: a demo must run without questions (invariant 1). */
    avow_key_opts ko = AVOW_KEY_OPTS_INIT;
    if ((r = avow_key_generate(&d->ka, d->a_key, &ko)) < 0 ||
        (r = avow_key_generate(&d->kb, d->b_key, &ko)) < 0) {
        return cli_fail_lib(r, "give 'avow demo' a new directory", "demo: cannot create a key");
    }
    if ((r = avow_ledger_init(d->a_path, "demo.avow/analyst-a")) < 0 ||
        (r = avow_ledger_init(d->b_path, "demo.avow/analyst-b")) < 0) {
        return cli_fail_lib(r, "give 'avow demo' a new directory", "demo: cannot create a ledger");
    }
    if ((r = avow_ledger_open(&d->a, d->a_path, 0)) < 0 ||
        (r = avow_ledger_open(&d->b, d->b_path, 0)) < 0) {
        return cli_fail_lib(r, NULL, "demo: cannot open a ledger");
    }
    avow_hex(d->a_hex, avow_key_public(d->ka), SHORT_HEX / 2);
    avow_hex(d->b_hex, avow_key_public(d->kb), SHORT_HEX / 2);
    return 0;
}

static int
is_named(const char *m)
{
    for (size_t i = 0; i < sizeof(demo_named) / sizeof(demo_named[0]); i++) {
        if (strcmp(m, demo_named[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Analyst A: the contest, members, candidates, early and reported support, and
 * one mistake, in one batch; then the retraction of the mistake. */
static int
demo_analyst_a(demo *d, unsigned char mistake[AVOW_EVENT_ID_BYTES], size_t *count)
{
    static const char *const early[] = { "US", "GB", "DE", "FR" };
    size_t others = 0, mistake_at;
    avow_draft *dr;
    int r;

    d->n = 0;
    dr = demo_draft(d, AVOW_KIND_CONTEST, "2024-01-01");
    dr->title = "NATO Secretary General 2024";
    dr->rule = "unanimity";
    dr->choice = AVOW_CHOICE_SINGLE;
    for (size_t i = 0; i < DEMO_N_MEMBERS; i++) {
        demo_draft(d, AVOW_KIND_MEMBER_JOIN, "2024-01-01")->actor = demo_members[i];
    }
    dr = demo_draft(d, AVOW_KIND_MEMBER_JOIN, "2024-03-07");
    dr->actor = "SE";
    dr->source = DEMO_SWEDEN;
    for (size_t i = 0; i <= DEMO_N_MEMBERS; i++) {
        /* Display names, for what people read; JSON keeps the codes. */
        dr = demo_draft(d, AVOW_KIND_ACTOR_NAME, "2024-01-01");
        dr->effective_at = AVOW_TIME_MIN; /* a name holds at every time */
        dr->precision = AVOW_PREC_YEAR;
        dr->source = NULL;
        dr->actor = i < DEMO_N_MEMBERS ? demo_members[i] : "SE";
        dr->title = demo_names[i];
    }
    demo_draft(d, AVOW_KIND_CANDIDATE_ENTER, "2024-02-22")->candidate = "Rutte";
    demo_draft(d, AVOW_KIND_CANDIDATE_ENTER, "2024-03-12")->candidate = "Iohannis";
    for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
        demo_stance(d, early[i], AVOW_STANCE_SUPPORTS, "Rutte", "2024-02-22")->confidence =
          AVOW_CONFIDENCE_HIGH;
    }
    /* The article: "28 of the 32" back Rutte, per NATO insiders (invariant 3):
     * a count, not 24 declarations on that day. Each row says so: on or
     * before 3 April (a latest-by bound), low confidence, and a note. */
    for (size_t i = 0; i <= DEMO_N_MEMBERS; i++) {
        const char *m = i < DEMO_N_MEMBERS ? demo_members[i] : "SE";
        if (i < DEMO_N_MEMBERS && is_named(m)) {
            continue;
        }
        dr = demo_stance(d, m, AVOW_STANCE_SUPPORTS, "Rutte", "2024-04-03");
        dr->effective_at = demo_day("2024-04-04") - 1; /* the end of 3 April */
        dr->qualifier = AVOW_AT_BY;
        dr->confidence = AVOW_CONFIDENCE_LOW;
        dr->note = "\"28 of the 32\" back Rutte, say NATO insiders: a count, not a declaration";
        others++;
    }
    /* A misreads Kallas's earlier criticism of Rutte as Estonia opposing him. */
    mistake_at = d->n;
    dr = demo_stance(d, "EE", AVOW_STANCE_OPPOSES, "Rutte", "2024-03-20");
    dr->person = "Kaja Kallas";
    if ((r = demo_append(d, d->a, d->ka, "A")) != 0) {
        return r;
    }
    memcpy(mistake, d->ids + mistake_at * AVOW_EVENT_ID_BYTES, AVOW_EVENT_ID_BYTES);
    *count = d->n;
    say(d,
        "- A records %zu events in one signed batch: the contest (rule: unanimity),\n"
        "  31 members and Sweden joining on 2024-03-07 (each with its display name),\n"
        "  the candidates Rutte and Iohannis,\n"
        "  early support from the US, the UK, Germany and France, and %zu more members\n"
        "  backing Rutte on or before 2024-04-03 (\"28 of the 32\", say NATO insiders:\n"
        "  a count, so each row is dated ../2024-04-03 with low confidence and a note).\n",
        d->n, others);

    /* The correction is a new event: nothing is rewritten. */
    avow_draft fix = AVOW_DRAFT_INIT;
    unsigned char fix_id[AVOW_EVENT_ID_BYTES];
    char hex[SHORT_HEX + 1];
    fix.kind = AVOW_KIND_RETRACT;
    fix.effective_at = avow_time_now();
    fix.target = mistake;
    fix.reason = "misread: Kallas criticised Rutte, she never said Estonia opposes him";
    if ((r = avow_ledger_append(fix_id, d->a, d->ka, &fix)) < 0) {
        return cli_fail_lib(r, NULL, "demo: analyst A's retraction");
    }
    avow_hex(hex, fix_id, SHORT_HEX / 2);
    say(d,
        "- A had also recorded \"EE opposes Rutte\" (2024-03-20), misreading Kaja Kallas's\n"
        "  earlier criticism; A retracts it with event %s. Nothing is deleted.\n",
        hex);
    *count += 1;
    return 0;
}

/* Analyst B: pulls A's ledger, records what the article reports for 2024-04-03. */
static int
demo_analyst_b(demo *d, uint64_t *pulled)
{
    avow_draft *dr;
    int r;

    if ((r = demo_sync(d->b, d->a, pulled)) != 0) {
        return r;
    }
    d->n = 0;
    dr = demo_stance(d, "LT", AVOW_STANCE_SUPPORTS, "Rutte", "2024-04-03");
    dr->person = "Gitanas Naus\xc4\x97"
                 "da";
    dr = demo_stance(d, "EE", AVOW_STANCE_SUPPORTS, "Rutte", "2024-04-03");
    dr->person = "Kaja Kallas";
    dr->quote = "Estonia can support him as Secretary General of NATO";
    demo_stance(d, "HU", AVOW_STANCE_OPPOSES, "Rutte", "2024-04-03");
    return demo_append(d, d->b, d->kb, "B");
}

static size_t
support_of(avow_ledger *l, const char *date, int *status)
{
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;
    size_t n = 0;
    (void)avow_time_parse(&so.at, NULL, date, AVOW_TIME_END);
    int r = avow_state_compute(&st, l, DEMO_CONTEST, &so);
    if (r < 0) {
        *status = cli_fail_lib(r, NULL, "demo: state at %s", date);
        return 0;
    }
    for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
        if (strcmp(avow_state_candidate_name(st, c), "Rutte") == 0) {
            n = avow_state_support_count(st, c);
        }
    }
    avow_state_free(st);
    return n;
}

static void
put_actors(const avow_state *st, size_t c, avow_state_list list)
{
    for (size_t i = 0; i < avow_state_list_count(st, c, list); i++) {
        const char *a = avow_state_list_actor(st, c, list, i);
        avow_str s = { a, strlen(a) };
        fputc(' ', stdout);
        cli_put_str(stdout, s);
    }
}

/* One line of state per date: members, needed, each candidate's support. */
static int
demo_state(demo *d, const char *date, int detail)
{
    static const char *const order[] = { "Rutte", "Iohannis" };
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;
    size_t rutte = SIZE_MAX;
    int r;

    (void)avow_time_parse(&so.at, NULL, date, AVOW_TIME_END);
    if ((r = avow_state_compute(&st, d->a, DEMO_CONTEST, &so)) < 0) {
        return cli_fail_lib(r, NULL, "demo: state at %s", date);
    }
    printf("  %s  %zu members, %2zu needed ", date, avow_state_member_count(st),
           avow_state_needed(st));
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        size_t found = SIZE_MAX;
        for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
            if (strcmp(avow_state_candidate_name(st, c), order[k]) == 0) {
                found = c;
            }
        }
        if (found == SIZE_MAX) {
            printf("  %s %-2s", order[k], "-");
        } else {
            printf("  %s %-2zu", order[k], avow_state_support_count(st, found));
        }
        if (k == 0) {
            rutte = found;
        }
    }
    printf("  decision: %s\n", avow_state_decision(NULL, NULL, NULL, st) ? "yes" : "none");
    if (detail && rutte != SIZE_MAX) {
        printf("              on Rutte: opposes:");
        put_actors(st, rutte, AVOW_LIST_OPPOSES);
        printf("; no stance:");
        put_actors(st, rutte, AVOW_LIST_NO_STANCE);
        printf("\n");
    }
    avow_state_free(st);
    return 0;
}

static int
demo_history_line(const avow_change *ch, void *payload)
{
    const avow_event *ev = ch->event;
    char when[AVOW_TIME_STRLEN], hex[SHORT_HEX + 1];
    (void)payload;
    avow_time_format(when, ev->effective_at, AVOW_PREC_DAY);
    printf("  %s  ", when);
    cli_put_str(stdout, ev->actor);
    if (ev->kind == AVOW_KIND_MEMBER_JOIN) {
        printf(" joins");
    } else if (ev->kind == AVOW_KIND_MEMBER_LEAVE) {
        printf(" leaves");
    } else if (ev->kind == AVOW_KIND_STANCE) {
        printf(" %s ", avow_stance_name(ev->stance));
        cli_put_str(stdout, ev->candidate);
    }
    avow_hex(hex, ev->author, SHORT_HEX / 2);
    printf("  (by %s)%s\n", hex, ch->retraction != NULL ? " (retracted)" : "");
    return 0;
}

static int
demo_explain(demo *d)
{
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    avow_explain *ex = NULL;
    avow_inclusion proof;
    const avow_explain_item *it;
    avow_event ev;
    char hex[SHORT_HEX + 1], when[AVOW_TIME_STRLEN];
    int r, status = 0;

    (void)avow_time_parse(&so.at, NULL, "2024-04-04", AVOW_TIME_END);
    if ((r = avow_explain_compute(&ex, d->a, DEMO_CONTEST, "EE", "Rutte", &so)) < 0) {
        status = cli_fail_lib(r, NULL, "demo: explain");
        goto done;
    }
    if ((it = avow_explain_item_at(ex, AVOW_EXPLAIN_DECIDING, 0)) == NULL ||
        avow_event_decode(&ev, it->raw, it->raw_len) < 0) {
        status = cli_fail(CLI_EXIT_CHECK, "demo: no deciding event for EE on Rutte");
        goto done;
    }
    avow_hex(hex, ev.author, SHORT_HEX / 2);
    avow_time_format(when, ev.effective_at, AVOW_PREC_DAY);
    printf("  EE %s Rutte since %s, recorded by %s (analyst %s), signature %s\n",
           avow_stance_name(ev.stance), when, hex, strcmp(hex, d->b_hex) == 0 ? "B" : "A",
           avow_event_verify(&ev) == 0 ? "valid" : "INVALID");
    printf("    ");
    cli_put_str(stdout, ev.person);
    printf(": \"");
    cli_put_str(stdout, ev.quote);
    printf("\"\n");
    for (size_t i = 0; i < avow_explain_count(ex, AVOW_EXPLAIN_RETRACTED); i++) {
        const avow_explain_item *rt = avow_explain_item_at(ex, AVOW_EXPLAIN_RETRACTION, i);
        avow_event rev;
        it = avow_explain_item_at(ex, AVOW_EXPLAIN_RETRACTED, i);
        if (rt != NULL && it != NULL && avow_event_decode(&ev, it->raw, it->raw_len) == 0 &&
            avow_event_decode(&rev, rt->raw, rt->raw_len) == 0) {
            avow_time_format(when, ev.effective_at, AVOW_PREC_DAY);
            printf("    set aside: \"EE %s Rutte\" (%s), retracted by its author:\n      ",
                   avow_stance_name(ev.stance), when);
            cli_put_str(stdout, rev.reason);
            printf("\n");
        }
    }
    it = avow_explain_item_at(ex, AVOW_EXPLAIN_DECIDING, 0);
    if ((r = avow_ledger_prove_inclusion(&proof, d->a, it->id, UINT64_MAX)) < 0 ||
        (r = avow_inclusion_verify(&proof)) < 0) {
        status = cli_fail_lib(r, NULL, "demo: inclusion proof");
        goto done;
    }
    printf("    in the log as leaf %" PRIu64 " of %" PRIu64
           ": inclusion proof of %zu hashes verified\n",
           proof.leaf_index, proof.tree_size, proof.count);
done:
    avow_explain_free(ex);
    return status;
}

static int
demo_audit(demo *d)
{
    avow_verify_opts vo = AVOW_VERIFY_OPTS_INIT;
    avow_buf note = AVOW_BUF_INIT, svg = AVOW_BUF_INIT;
    avow_chart_opts co = AVOW_CHART_OPTS_INIT;
    avow_checkpoint cp;
    uint64_t events = 0, problems = 0;
    char hex[2 * SHORT_HEX + 1];
    int r, status = 0;

    printf("\n$ avow verify\n");
    if ((r = avow_ledger_verify(&events, &problems, d->a, &vo)) < 0) {
        status = cli_fail_lib(r, NULL, "demo: verify");
        goto done;
    }
    if (problems != 0) {
        status = cli_fail(CLI_EXIT_CHECK, "demo: verify found %" PRIu64 " problems", problems);
        goto done;
    }
    printf("  %" PRIu64 " events: every signature, author chain and index holds\n", events);

    printf("$ avow checkpoint --out %s\n", d->checkpoint);
    if ((r = avow_checkpoint_create(&note, &cp, d->a, d->ka)) < 0) {
        status = cli_fail_lib(r, NULL, "demo: checkpoint");
        goto done;
    }
    if ((status = cli_audit_write_file(d->checkpoint, note.ptr, note.len)) != 0) {
        goto done;
    }
    avow_hex(hex, cp.root, SHORT_HEX);
    printf("  signed by A: \"%s has %" PRIu64 " events, Merkle root %s...\"\n", cp.origin, cp.size,
           hex);

    printf("$ avow chart %s --out %s\n", DEMO_CONTEST, d->chart);
    if ((r = avow_chart_svg(&svg, d->a, DEMO_CONTEST, &co)) < 0) {
        status = cli_fail_lib(r, NULL, "demo: chart");
        goto done;
    }
    if ((status = cli_audit_write_file(d->chart, svg.ptr, svg.len)) != 0) {
        goto done;
    }
    printf("  support over time, one step per change (open it in a browser)\n");
done:
    avow_buf_dispose(&note);
    avow_buf_dispose(&svg);
    return status;
}

static const cli_opt demo_opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec demo_spec = { "demo", NULL, 0, 0, demo_opts };
const cli_spec *const cli_demo_specs[] = { &demo_spec, NULL };

void
cmd_demo_help(FILE *out)
{
    fprintf(out, "usage: avow demo [DIR]\n"
                 "\n"
                 "Build a demo of the 2024 race for NATO Secretary General from one news\n"
                 "article, in DIR (default: a new directory avow-demo.XXXXXX under $TMPDIR\n"
                 "or /tmp): two analysts' keys (a.key, b.key, unsealed) and ledgers\n"
                 "(a.ledger, b.ledger), a sync between them, a retraction, trust, then\n"
                 "state at three dates, Hungary's history, an explanation, verify, a\n"
                 "checkpoint (checkpoint.txt) and a chart (nato.svg), and the commands to\n"
                 "try next. DIR must not hold a demo already. Ignores -L and -k.\n"
                 "With -q, prints only DIR.\n"
                 "\n");
    cli_help_globals(out);
}

int
cmd_demo(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    demo *d = NULL;
    unsigned char mistake[AVOW_EVENT_ID_BYTES];
    size_t a_count = 0, before;
    uint64_t pulled = 0, back = 0;
    int status = CLI_EXIT_OK, c, r;

    cli_getopt_init(&gs, &demo_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case CLI_OPT_HELP:
            cmd_demo_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind > 1) {
        status = cli_usage_fail("demo", "expected at most one DIR");
        goto done;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    d->quiet = ctx->quiet;
    if ((status = demo_setup(d, argc - optind == 1 ? argv[optind] : NULL)) != 0) {
        goto done;
    }
    if (ctx->quiet) {
        printf("%s\n", d->dir);
    }
    say(d,
        "avow demo: the 2024 race for NATO Secretary General, recorded by two analysts\n"
        "from one news article of 2024-04-03 (" DEMO_SOURCE ").\n"
        "Everything is in %s\n\n"
        "Analyst A (a.key, %s) and analyst B (b.key, %s) each keep a ledger.\n",
        d->dir, d->a_hex, d->b_hex);
    if ((status = demo_analyst_a(d, mistake, &a_count)) != 0 ||
        (status = demo_analyst_b(d, &pulled)) != 0) {
        goto done;
    }
    say(d,
        "- B pulls A's %" PRIu64 " events into b.ledger (sync), then records Lithuania and\n"
        "  Estonia supporting Rutte and Hungary opposing him on 2024-04-03.\n",
        pulled);
    if ((status = demo_sync(d->a, d->b, &back)) != 0) {
        goto done;
    }
    before = support_of(d->a, "2024-04-04", &status);
    if (status != 0) {
        goto done;
    }
    /* A's ledger counts only its owner until B is trusted, and B's likewise. */
    if ((r = avow_trust_add(d->a, avow_key_public(d->kb), "analyst B")) < 0 ||
        (r = avow_trust_add(d->b, avow_key_public(d->ka), "analyst A")) < 0) {
        status = cli_fail_lib(r, NULL, "demo: trust add");
        goto done;
    }
    say(d,
        "- A pulls B's %" PRIu64 " events. They count once A trusts B's key (trust add):\n"
        "  Rutte's support on 2024-04-04 goes from %zu to %zu of 32.\n",
        back, before, support_of(d->a, "2024-04-04", &status));
    if (status != 0 || d->quiet) {
        goto done;
    }

    printf("\n$ avow state %s --at DATE            (A's ledger, from here on)\n", DEMO_CONTEST);
    if ((status = demo_state(d, "2024-03-01", 0)) != 0 ||
        (status = demo_state(d, "2024-03-31", 0)) != 0 ||
        (status = demo_state(d, "2024-04-04", 1)) != 0) {
        goto done;
    }
    printf("\n$ avow history %s --actor HU\n", DEMO_CONTEST);
    avow_history_opts ho = AVOW_HISTORY_OPTS_INIT;
    ho.actor = "HU";
    if ((r = avow_history(d->a, DEMO_CONTEST, &ho, demo_history_line, NULL)) != 0) {
        status = cli_fail_lib(r, NULL, "demo: history");
        goto done;
    }
    printf("\n$ avow explain %s EE Rutte --at 2024-04-04\n", DEMO_CONTEST);
    if ((status = demo_explain(d)) != 0 || (status = demo_audit(d)) != 0) {
        goto done;
    }

    printf("\nTry next (-L names a ledger, -k a key; 'avow help' lists every command):\n"
           "  avow -L %s state %s --at 2024-04-04\n"
           "  avow -L %s state %s --at 2024-04-04 --min-confidence medium\n"
           "  avow -L %s log --json | jq -c '[.index, .kind, .actor, .stance, .candidate]'\n"
           "  avow -L %s -k %s declare %s TR supports Rutte \\\n"
           "       --at 2024-04-29 --source https://www.example.org/your-source\n"
           "  avow -L %s sync %s\n"
           "  avow -L %s verify --checkpoint %s\n",
           d->a_path, DEMO_CONTEST, d->a_path, DEMO_CONTEST, d->a_path, d->a_path, d->a_key,
           DEMO_CONTEST, d->b_path, d->a_path, d->a_path, d->checkpoint);
done:
    if (d != NULL) {
        avow_ledger_free(d->a);
        avow_ledger_free(d->b);
        avow_key_free(d->ka);
        avow_key_free(d->kb);
        free(d);
    }
    return status;
}

/* SPDX-License-Identifier: ISC */
/*
 * cmd_timeline.c - `avow timeline`: the state of a contest at each date of a
 * range, one row per (date, candidate), as a table, CSV or JSON Lines; a thin
 * layer over avow_timeline() (src/project/timeline.c).
 *
 * Invariants (tests/cli/test_timeline.sh):
 *  1. The command never appends and opens the ledger read-only.
 *  2. --csv and --json rows are the library's (avow_timeline_row_json(),
 *     avow_csv_row() of it over avow_timeline_csv_columns()), so the CSV and
 *     the JSON cannot disagree; the table prints the same values.
 *  3. Query times given as a bare date mean the END of that period, as in
 *     `state` (--to, --known-at, --public-at); --from means its start.
 *  4. Text from events reaches the terminal only through cli_put_str().
 */
#include <string.h>

#include "cli.h"

static const cli_opt timeline_opts[] = {
    { "every", 'e', 0, "STEP",
      "a row per candidate at the end of each day, week (Monday\n"
      "to Sunday, dated by its Sunday) or month, or at each change",
      "day" },
    { "from", 'f', 0, "TIME", "the first row's period holds TIME",
      "the first candidacy or stance" },
    { "to", 't', 0, "TIME", "the last row's period holds TIME (a date: its end)",
      "the decision, else the last change" },
    { "known-at", 'k', 0, "TIME", "record time: only what the ledger knew by then",
      "everything it holds" },
    { "all-authors", 'A', 0, NULL, "count every author, trusted or not", "trusted only" },
    { "min-confidence", 'm', 0, "LEVEL",
      "leave out rows rated below LEVEL (high | medium | low;\n"
      "rows with no rating count as high)",
      "every row" },
    { "public-at", 'p', 0, "TIME", "the public record as it stood then", "not applied" },
    { "csv", 'x', 0, NULL, "CSV (RFC 4180): a header row, one row per date and candidate", NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec timeline_spec = { "timeline", NULL, 17, 0, timeline_opts };
const cli_spec *const cli_timeline_specs[] = { &timeline_spec, NULL };

void
cmd_timeline_help(FILE *out)
{
    fprintf(out, "usage: avow timeline CONTEST [--every day|week|month|change] [--from TIME]\n"
                 "                     [--to TIME] [--known-at TIME] [--all-authors]\n"
                 "                     [--min-confidence LEVEL] [--public-at TIME]\n"
                 "                     [--csv | --json]\n"
                 "\n"
                 "The state of a contest over time: one row per date and candidate with\n"
                 "the members, the supports the rule needs, the counts of supports,\n"
                 "opposes, undecided, abstains and members with no stance, whether the\n"
                 "rule is met, and the candidate's status. Each row is what\n"
                 "'avow state CONTEST --at DATE' says for its DATE (with the same query\n"
                 "options). With --csv, a header row and one row per line; with --json,\n"
                 "JSON Lines with the same keys and \"actors\": the lists behind the counts.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &timeline_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

/* How the rows go out. */
struct timeline_out {
    int json, csv, header;
    avow_buf buf;
    int failed; /* an exit code, after printing */
};

static int
timeline_time(int64_t *t, const char *text, avow_time_bound bound, const char *option)
{
    if (avow_time_parse(t, NULL, text, bound) < 0) {
        return cli_usage_fail("timeline", "bad %s time '%s': %s", option, text, avow_error_last());
    }
    return 0;
}

static void
timeline_table_row(const avow_timeline_row *row, size_t c)
{
    const avow_state *st = row->state;
    const char *name = avow_state_candidate_name(st, c);
    avow_str s = { name, strlen(name) };
    printf("%-11s ", row->date);
    cli_put_str(stdout, s);
    printf("%*s %7zu %6zu %8zu %7zu %9zu %8zu %9zu %-3s %s\n", s.len < 16 ? (int)(16 - s.len) : 0,
           "", avow_state_member_count(st), avow_state_needed(st),
           avow_state_list_count(st, c, AVOW_LIST_SUPPORTS),
           avow_state_list_count(st, c, AVOW_LIST_OPPOSES),
           avow_state_list_count(st, c, AVOW_LIST_UNDECIDED),
           avow_state_list_count(st, c, AVOW_LIST_ABSTAINS),
           avow_state_list_count(st, c, AVOW_LIST_NO_STANCE), avow_state_met(st, c) ? "yes" : "no",
           avow_state_candidate_status(st, c));
}

static int
timeline_print(const avow_timeline_row *row, void *payload)
{
    struct timeline_out *to = payload;
    size_t n = avow_state_candidate_count(row->state);
    for (size_t c = 0; c < n; c++) {
        if (!to->json && !to->csv) {
            if (!to->header) {
                printf("%-11s %-16s %7s %6s %8s %7s %9s %8s %9s %-3s %s\n", "DATE", "CANDIDATE",
                       "MEMBERS", "NEEDED", "SUPPORTS", "OPPOSES", "UNDECIDED", "ABSTAINS",
                       "NO_STANCE", "MET", "STATUS");
                to->header = 1;
            }
            timeline_table_row(row, c);
            continue;
        }
        avow_buf line = AVOW_BUF_INIT;
        int r = avow_timeline_row_json(&line, row, c, to->json ? AVOW_TIMELINE_ACTORS : 0);
        to->buf.len = 0;
        if (r == 0 && to->csv) {
            r = avow_csv_row(&to->buf, line.ptr, line.len, avow_timeline_csv_columns());
        }
        if (r < 0) {
            avow_buf_dispose(&line);
            to->failed = cli_fail_lib(r, NULL, "cannot write a timeline row");
            return r;
        }
        if (to->csv) {
            fwrite(to->buf.ptr, 1, to->buf.len, stdout);
        } else {
            fwrite(line.ptr, 1, line.len, stdout);
            fputc('\n', stdout);
        }
        avow_buf_dispose(&line);
    }
    return 0;
}

/* The options into opts and out. Exit code, 0, or -1 after --help. */
static int
timeline_parse(avow_timeline_opts *opts, struct timeline_out *out, int argc, char **argv)
{
    cli_getopt_state gs;
    int c, status = 0, every;
    cli_getopt_init(&gs, &timeline_spec);
    while (status == 0 && (c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'e':
            if ((every = avow_timeline_every_parse(optarg)) < 0) {
                status = cli_usage_fail("timeline",
                                        "unknown step '%s' (day, week, month or change)", optarg);
            }
            opts->every = (uint8_t)(every < 0 ? 0 : every);
            break;
        case 'f':
            status = timeline_time(&opts->from, optarg, AVOW_TIME_START, "--from");
            break;
        case 't':
            status = timeline_time(&opts->to, optarg, AVOW_TIME_END, "--to");
            break;
        case 'k':
            status = timeline_time(&opts->known_at, optarg, AVOW_TIME_END, "--known-at");
            break;
        case 'A':
            opts->all_authors = 1;
            break;
        case 'm':
            if ((opts->min_confidence = avow_confidence_parse(optarg)) == AVOW_CONFIDENCE_NONE) {
                status = cli_usage_fail("timeline", "unknown confidence '%s' (high, medium or low)",
                                        optarg);
            }
            break;
        case 'p':
            status = timeline_time(&opts->public_at, optarg, AVOW_TIME_END, "--public-at");
            break;
        case 'x':
            out->csv = 1;
            break;
        case CLI_OPT_HELP:
            cmd_timeline_help(stdout);
            return -1;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (status == 0 && argc - optind != 1) {
        status = cli_usage_fail("timeline", "expected one CONTEST");
    }
    if (status == 0 && out->json && out->csv) {
        status = cli_usage_fail("timeline", "--json and --csv exclude each other");
    }
    if (status == 0 && opts->from != AVOW_TIME_MAX && opts->to != AVOW_TIME_MAX &&
        opts->from > opts->to) {
        status = cli_usage_fail("timeline", "--from is after --to");
    }
    return status;
}

int
cmd_timeline(cli_ctx *ctx, int argc, char **argv)
{
    avow_timeline_opts opts = AVOW_TIMELINE_OPTS_INIT;
    struct timeline_out out = { ctx->json, 0, 0, AVOW_BUF_INIT, 0 };
    avow_ledger *ledger = NULL;
    int status, r;

    if ((status = timeline_parse(&opts, &out, argc, argv)) != 0) {
        return status < 0 ? CLI_EXIT_OK : status;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if (out.csv) {
        if (avow_csv_header(&out.buf, avow_timeline_csv_columns()) < 0) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
            goto done;
        }
        fwrite(out.buf.ptr, 1, out.buf.len, stdout);
    }
    r = avow_timeline(ledger, argv[optind], &opts, timeline_print, &out);
    if (out.failed) {
        status = out.failed;
    } else if (r < 0) {
        status = cli_fail_lib(r, r == AVOW_ENOTFOUND ? "see 'avow contest list'" : NULL,
                              "cannot compute the timeline of '%s'", argv[optind]);
    }
done:
    avow_buf_dispose(&out.buf);
    avow_ledger_free(ledger);
    return status;
}

/* SPDX-License-Identifier: ISC */
/*
 * opts.c - the command-line options from their declarations: each command
 * declares its options once, in a cli_spec table next to the code that uses
 * them; this file derives the getopt_long tables, the option lines of --help,
 * the test main.c uses to keep an option's value away from the global
 * options, and `avow --dump-options`, which tests/cli/test_options.sh checks
 * the completion script and the man page against.
 *
 * Invariants:
 *  1. An option is named in one table only; -h/--help is added to every
 *     command's tables here.
 *  2. Long options and their short forms return the same id; ids differ from
 *     every short form of the same spec and from 'h' (asserted).
 *  3. The dump is one line per option: COMMAND, SUB or "-", --NAME, -X or "-",
 *     METAVAR or "-", DEFAULT or "-" (newlines as spaces), separated by tabs,
 *     in table order.
 *  4. Long options match exactly: getopt_long's abbreviations are refused
 *     before getopt sees them (`--att` is not `--attest`), and an unknown name
 *     suggests the nearest one of the spec, -h/--help and the global options.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

const cli_spec cli_globals_spec = {
    "avow",
    NULL,
    16,
    1,
    (const cli_opt[]){
      { "ledger", CLI_G_LEDGER, 'L', "DIR", "the ledger", "$AVOW_LEDGER, else ./avow.ledger" },
      { "key", CLI_G_KEY, 'k', "FILE", "the signing key",
        "$AVOW_KEY, else\n"
        "$XDG_CONFIG_HOME/avow/default.key, else ~/.config/avow/default.key" },
      { "json", CLI_G_JSON, 0, NULL, "machine-readable output", NULL },
      { "quiet", CLI_G_QUIET, 'q', NULL, "no chatter", NULL },
      { "help", CLI_OPT_HELP, 'h', NULL, "this help", NULL },
      { "version", CLI_G_VERSION, 'V', NULL, NULL, NULL },
      { NULL, 0, 0, NULL, NULL, NULL },
    },
};

/* Optimal string alignment distance of a and b (both short: option and
 * command names), capped at CLI_SUGGEST_CAP + 1. */
#define CLI_SUGGEST_CAP 3
#define CLI_SUGGEST_LEN 64

static size_t
suggest_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t d[CLI_SUGGEST_LEN + 1][CLI_SUGGEST_LEN + 1];

    if (na > CLI_SUGGEST_LEN || nb > CLI_SUGGEST_LEN) {
        return CLI_SUGGEST_CAP + 1;
    }
    for (size_t i = 0; i <= na; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= nb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v) {
                v = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < v) {
                v = d[i][j - 1] + 1;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[na][nb];
}

void
cli_suggest_init(cli_suggest *sg, const char *word, size_t len)
{
    sg->word = word;
    sg->len = len;
    sg->best = NULL;
    sg->score = SIZE_MAX;
}

void
cli_suggest_offer(cli_suggest *sg, const char *cand)
{
    size_t n = strlen(cand);
    size_t dist = suggest_distance(sg->word, sg->len, cand, n);
    /* Close enough: a typo or two (less than half the word), or the word starts
     * the candidate (`stat` for `state`); a prefix ranks after any typo. */
    size_t limit = sg->len / 2 < CLI_SUGGEST_CAP ? sg->len / 2 : CLI_SUGGEST_CAP;
    size_t score = SIZE_MAX;

    if (dist <= limit && dist > 0) {
        score = dist;
    } else if (sg->len >= 2 && n > sg->len && strncmp(cand, sg->word, sg->len) == 0) {
        score = CLI_SUGGEST_CAP + 1 + (n - sg->len);
    }
    if (score < sg->score) {
        sg->score = score;
        sg->best = cand;
    }
}

/* The long option named by arg ("--name" or "--name=value") in spec or
 * cli_globals_spec, or NULL; *name_len is the length of the name. */
static const cli_opt *
find_long(const cli_spec *spec, const char *arg, size_t *name_len)
{
    const char *eq = strchr(arg + 2, '=');
    size_t n = eq != NULL ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
    static const cli_opt help_opt = { "help", CLI_OPT_HELP, 'h', NULL, NULL, NULL };

    *name_len = n;
    for (const cli_opt *o = spec->opts; o->name != NULL; o++) {
        if (strlen(o->name) == n && memcmp(o->name, arg + 2, n) == 0) {
            return o;
        }
    }
    if (n == 4 && strncmp(arg + 2, "help", 4) == 0) {
        return &help_opt;
    }
    return NULL;
}

/* Whether the short option c of spec takes a value. */
static int
short_takes_value(const cli_spec *spec, char c)
{
    for (const cli_opt *o = spec->opts; o->name != NULL; o++) {
        if (o->short_name == c) {
            return o->metavar != NULL;
        }
    }
    return 0;
}

/* Refuse a long option that is not an exact name (invariant 4), walking argv
 * as getopt_long will (values of options that take one are skipped). 0, or
 * -2 after printing the error. */
static int
check_exact(const cli_spec *spec, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        const cli_opt *o;

        if (strcmp(arg, "--") == 0) {
            return 0;
        }
        if (arg[0] != '-' || arg[1] == '\0') {
            continue;
        }
        if (arg[1] != '-') {
            /* -abc: flags, up to the first one that takes a value (the rest of
             * the word, or the next word). */
            for (const char *p = arg + 1; *p != '\0'; p++) {
                if (short_takes_value(spec, *p)) {
                    i += p[1] == '\0' ? 1 : 0;
                    break;
                }
            }
            continue;
        }
        if ((o = find_long(spec, arg, &n)) != NULL) {
            if (o->metavar != NULL && strchr(arg, '=') == NULL) {
                i++;
            }
            continue;
        }
        {
            cli_suggest sg;
            cli_suggest_init(&sg, arg + 2, n);
            for (const cli_opt *q = spec->opts; q->name != NULL; q++) {
                cli_suggest_offer(&sg, q->name);
            }
            for (const cli_opt *q = cli_globals_spec.opts; q->name != NULL; q++) {
                cli_suggest_offer(&sg, q->name);
            }
            if (sg.best != NULL) {
                cli_fail(CLI_EXIT_USAGE,
                         "unknown option '--%.*s' (did you mean '--%s'? see 'avow %s --help')",
                         (int)n, arg + 2, sg.best, spec->command);
            } else {
                cli_usage_fail(spec->command, "unknown option '--%.*s'", (int)n, arg + 2);
            }
            return -2;
        }
    }
    return 0;
}

void
cli_getopt_init(cli_getopt_state *st, const cli_spec *spec)
{
    size_t n = 0, k = 0;

    memset(st, 0, sizeof(*st));
    st->spec = spec;
    st->optstring[k++] = ':';
    st->optstring[k++] = 'h';
    for (const cli_opt *o = spec->opts; o->name != NULL && n < CLI_OPTS_MAX; o++) {
        assert(o[1].name == NULL || n + 1 < CLI_OPTS_MAX);
        assert(o->id != CLI_OPT_HELP && o->short_name != CLI_OPT_HELP);
        for (const cli_opt *q = spec->opts; q->name != NULL; q++) {
            assert(q == o || q->short_name == 0 || q->short_name != o->id);
        }
        st->longopts[n++] =
          (struct option){ o->name, o->metavar != NULL ? required_argument : no_argument, NULL,
                           o->id };
        if (o->short_name != 0) {
            st->optstring[k++] = o->short_name;
            if (o->metavar != NULL) {
                st->optstring[k++] = ':';
            }
        }
    }
    st->longopts[n++] = (struct option){ "help", no_argument, NULL, CLI_OPT_HELP };
    st->longopts[n] = (struct option){ NULL, 0, NULL, 0 };
    st->optstring[k] = '\0';
    /* glibc: 0 also resets its internal state (the next-char pointer). */
    optind = 0;
    opterr = 0;
}

int
cli_getopt(cli_getopt_state *st, int argc, char **argv)
{
    const char *command = st->spec->command;
    int c;

    if (!st->checked) {
        st->checked = 1;
        if (check_exact(st->spec, argc, argv) < 0) {
            return -2;
        }
    }
    c = getopt_long(argc, argv, st->optstring, st->longopts, NULL);
    const char *arg = (optind > 0 && optind <= argc) ? argv[optind - 1] : "?";

    if (c == '?') {
        if (optopt != 0) {
            cli_usage_fail(command, "unknown option '-%c'", optopt);
        } else {
            cli_usage_fail(command, "unknown option '%s'", arg);
        }
        return -2;
    }
    if (c == ':') {
        if (optopt != 0 && !(arg[0] == '-' && arg[1] == '-')) {
            cli_usage_fail(command, "option '-%c' needs a value", optopt);
        } else {
            cli_usage_fail(command, "option '%s' needs a value", arg);
        }
        return -2;
    }
    for (const cli_opt *o = st->spec->opts; c > 0 && o->name != NULL; o++) {
        if (o->short_name != 0 && c == o->short_name) {
            return o->id;
        }
    }
    return c;
}

void
cli_help_options(FILE *out, const cli_spec *spec)
{
    for (const cli_opt *o = spec->opts; o->name != NULL; o++) {
        char label[64], text[1024];
        const char *line = text;
        int n;

        if (o->help == NULL) {
            continue;
        }
        if (o->dflt != NULL) {
            size_t hlen = strlen(o->help);
            int own_line = hlen > 0 && o->help[hlen - 1] == '\n';
            n = snprintf(text, sizeof(text), "%s%s(default: %s)", o->help, own_line ? "" : " ",
                         o->dflt);
        } else {
            n = snprintf(text, sizeof(text), "%s", o->help);
        }
        assert(n > 0 && (size_t)n < sizeof(text)); /* help texts are a few lines */
        (void)n;
        if (spec->show_short && o->short_name != 0) {
            n = snprintf(label, sizeof(label), "-%c, --%s%s%s", o->short_name, o->name,
                         o->metavar != NULL ? " " : "", o->metavar != NULL ? o->metavar : "");
        } else {
            n = snprintf(label, sizeof(label), "--%s%s%s", o->name, o->metavar != NULL ? " " : "",
                         o->metavar != NULL ? o->metavar : "");
        }
        assert(n > 0 && (size_t)n < sizeof(label)); /* names and metavars are short */
        (void)n;
        fprintf(out, "  %-*s  ", spec->width, label);
        for (;;) {
            const char *nl = strchr(line, '\n');
            if (nl == NULL) {
                fprintf(out, "%s\n", line);
                break;
            }
            fprintf(out, "%.*s\n%*s", (int)(nl - line), line, spec->width + 4, "");
            line = nl + 1;
        }
    }
}

int
cli_opt_takes_value(const cli_spec *const *specs, const char *arg)
{
    if (specs == NULL || arg[0] != '-') {
        return 0;
    }
    for (size_t i = 0; specs[i] != NULL; i++) {
        for (const cli_opt *o = specs[i]->opts; o->name != NULL; o++) {
            if (o->metavar == NULL) {
                continue;
            }
            if (arg[1] == '-' && strcmp(arg + 2, o->name) == 0) {
                return 1;
            }
            if (o->short_name != 0 && arg[1] == o->short_name && arg[2] == '\0') {
                return 1;
            }
        }
    }
    return 0;
}

static void
dump_spec(FILE *out, const cli_spec *spec)
{
    for (const cli_opt *o = spec->opts; o->name != NULL; o++) {
        fprintf(out, "%s\t%s\t--%s\t", spec->command, spec->sub != NULL ? spec->sub : "-", o->name);
        if (o->short_name != 0) {
            fprintf(out, "-%c", o->short_name);
        } else {
            fputc('-', out);
        }
        fprintf(out, "\t%s\t", o->metavar != NULL ? o->metavar : "-");
        if (o->dflt == NULL) {
            fputc('-', out);
        }
        for (const char *p = o->dflt; p != NULL && *p != '\0'; p++) {
            fputc(*p == '\n' || *p == '\t' ? ' ' : *p, out);
        }
        fputc('\n', out);
    }
}

void
cli_dump_options(FILE *out, const cli_cmd *commands, size_t n)
{
    dump_spec(out, &cli_globals_spec);
    for (size_t i = 0; i < n; i++) {
        if (commands[i].specs == NULL) {
            continue;
        }
        for (size_t j = 0; commands[i].specs[j] != NULL; j++) {
            dump_spec(out, commands[i].specs[j]);
        }
    }
}

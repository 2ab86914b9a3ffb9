/* SPDX-License-Identifier: ISC */
/*
 * cli.h - what the avow command-line tool shares between its commands: the
 * global context (ledger, key, output mode), error reporting with exit codes,
 * option parsing helpers, passphrases, and the command entry points.
 *
 * Invariants:
 *  1. The CLI uses only include/avow.h (and jansson, libc); never src/ headers.
 *  2. Every failure prints exactly one line "avow: error: WHAT (HINT)" on
 *     stderr and returns an exit code from the table below; stdout carries data.
 *  3. Exit codes are never renumbered: 0 ok, 1 a check failed, 2 usage or
 *     input (nothing written), 3 environment (no ledger, no key, I/O, lock).
 *  4. Each option is declared once, in its command's cli_spec (opts.c): the
 *     getopt tables, --help's option lines and main.c's options that take a
 *     value derive from it; the completion and man page are checked against it.
 */
#ifndef AVOW_CLI_H
#define AVOW_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "avow.h"

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

#define CLI_EXIT_OK    0
#define CLI_EXIT_CHECK 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_ENV   3

/* The largest path the CLI builds itself (default key path). */
#define CLI_PATH_MAX 4096

/* The longest passphrase the CLI reads (the library bounds it at 1024 too). */
#define CLI_PASSPHRASE_MAX 1024

/* Global options, resolved from argv and the environment. */
typedef struct cli_ctx {
    const char *ledger; /* -L: never NULL once resolved */
    const char *key;    /* -k: never NULL once resolved */
    int key_is_default; /* the key path came from neither -k nor $AVOW_KEY */
    int json;
    int quiet;
    char key_buf[CLI_PATH_MAX]; /* storage for a computed default key path */
} cli_ctx;

/*
 * One option of a command: the only place it is named. The getopt tables, the
 * option lists of --help, main.c's list of options that take a value and
 * `avow --dump-options` (which tests/cli/test_options.sh compares with the
 * completion script and the man page) all come from these tables.
 */
typedef struct cli_opt {
    const char *name;    /* the long name, without "--"; NULL ends a table */
    int id;              /* what cli_getopt() returns for it (never 'h') */
    char short_name;     /* the one-letter form (-o), or 0 */
    const char *metavar; /* the value's name in help (FILE, TIME), or NULL: no value */
    const char *help;    /* its lines in --help, '\n' between them; NULL: not listed */
    const char *dflt;    /* what holds without it, shown as " (default: DFLT)" after
                            the help (on a line of its own after a '\n'); NULL: none */
} cli_opt;

/* The options of one command (or subcommand); -h/--help is always added. */
typedef struct cli_spec {
    const char *command; /* "contest": names the help in errors */
    const char *sub;     /* "new", or NULL when the options are the command's */
    int width;           /* help: "--name METAVAR" is padded to width, then 2 spaces */
    int show_short;      /* help names the short form too: "  -L, --ledger DIR" */
    const cli_opt *opts; /* ends with { NULL } */
} cli_spec;

/* The most options a spec holds (the size of the getopt tables; asserted, and
 * checked on the dump by tests/cli/test_options.sh). */
#define CLI_OPTS_MAX 16

/* What cli_getopt() returns for -h and --help. */
#define CLI_OPT_HELP 'h'

/* The getopt tables of one spec, built by cli_getopt_init(). */
typedef struct cli_getopt_state {
    const cli_spec *spec;
    struct option longopts[CLI_OPTS_MAX + 2];
    char optstring[2 * CLI_OPTS_MAX + 4];
    int checked; /* argv was checked for inexact long options (opts.c invariant 4) */
} cli_getopt_state;

/* The nearest of a list of names to a mistyped word, for "did you mean". */
typedef struct cli_suggest {
    const char *word; /* the mistyped word (len bytes, no "--") */
    size_t len;
    const char *best; /* the nearest candidate offered so far, or NULL: none is close */
    size_t score;
} cli_suggest;

void cli_suggest_init(cli_suggest *sg, const char *word, size_t len);
/* Offer a candidate name (kept when it is the nearest so far and close enough). */
void cli_suggest_offer(cli_suggest *sg, const char *cand);

/* One command of the dispatch table. argv[0] is the command's name. */
typedef struct cli_cmd {
    const char *name;
    int (*run)(cli_ctx *ctx, int argc, char **argv);
    void (*help)(FILE *out);
    const char *summary;
    const cli_spec *const *specs; /* its option specs, NULL-terminated; NULL: none */
} cli_cmd;

/* Print "avow: error: MESSAGE" and a newline on stderr; return status. */
int cli_fail(int status, const char *fmt, ...) CLI_PRINTF(2, 3);

/*
 * Report a library error: "avow: error: WHAT: DETAIL (HINT)" where DETAIL is
 * avow_error_last() (or avow_strerror(err) when empty); hint may be NULL.
 * Returns cli_exit_code(err).
 */
int cli_fail_lib(int err, const char *hint, const char *fmt, ...) CLI_PRINTF(3, 4);

/* Map an AVOW_E* code to an exit code (see invariant 3). */
int cli_exit_code(int err);

/* A usage error: "avow: error: MESSAGE (see 'avow COMMAND --help')", exit 2. */
int cli_usage_fail(const char *command, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Build the getopt tables of spec into st and reset getopt for a new parse. */
void cli_getopt_init(cli_getopt_state *st, const cli_spec *spec);

/*
 * The next option of argv (getopt_long over the tables of st): the option's
 * id (for its long or its short form), CLI_OPT_HELP, -1 at the end, or -2
 * after printing a usage error for an unknown option or a missing value.
 */
int cli_getopt(cli_getopt_state *st, int argc, char **argv);

/* Print the option lines of spec (the options with help), as --help shows them. */
void cli_help_options(FILE *out, const cli_spec *spec);

/* The option spec of the global options (-L, -k, --json, -q, -h, -V). */
extern const cli_spec cli_globals_spec;

/* Ids of the global options in cli_globals_spec. */
enum {
    CLI_G_LEDGER = 'L',
    CLI_G_KEY = 'k',
    CLI_G_JSON = 'j',
    CLI_G_QUIET = 'q',
    CLI_G_VERSION = 'V'
};

/* Whether arg ("--name" or "-x") is an option of one of specs that takes a value. */
int cli_opt_takes_value(const cli_spec *const *specs, const char *arg);

/* Print every spec of every command, one option a line (`avow --dump-options`). */
void cli_dump_options(FILE *out, const cli_cmd *commands, size_t n);

/* Parse --at TIME for an appending command (start of the period). Exit code or 0. */
int cli_parse_at(int64_t *at, uint8_t *prec, const char *text, const char *command);
/* --quorum N: 1 to max witnesses. 0, or exit 2 with the message printed. */
int cli_parse_quorum(size_t *quorum, const char *text, size_t max, const char *command);
/* A row's --at: the forms of cli_parse_at() and the uncertain ones (avow_at_parse()). */
int cli_parse_uncertain_at(avow_at *at, const char *text, const char *command);
/* When a row happened, in words: "on 2 April 2024", "about 5 June 2024", "on or
 * before 2 April 2024", "some time between 28 March 2024 and 2 April 2024". */
void cli_put_when(FILE *out, const avow_event *ev);
/* " [confidence low] [reported 2024-04-03] [note: ...]": the research fields
 * present (format v2), filtered like all event text. */
void cli_put_research(FILE *out, const avow_event *ev);
/* A row's date as --at takes it: ISO 8601 for a v1 event, the uncertain
 * forms (D~, ../D, A/B) for v2. */
void cli_format_row_time(char out[AVOW_AT_STRLEN], const avow_event *ev);

/* Parse an EVENT_ID (64 hex, or a unique prefix >= 8) against the ledger. Exit code or 0. */
int cli_resolve_event(avow_ledger *ledger, unsigned char id[AVOW_EVENT_ID_BYTES], const char *text);

/* Check that text is a well-formed id or prefix (hex, 8..64 characters), before
 * the ledger is opened: 0, or exit 2 after printing the error. */
int cli_check_id_text(const char *text);

/* Parse a public key given on the command line (64 hex). 0, or exit 2 after
 * printing "bad public key" with the help of command. */
/* A public key: 64 hex or a vkey of the given type (AVOW_SIG_ED25519 for logs
 * and authors, AVOW_SIG_COSIG for witnesses); another type is a usage error. */
int cli_parse_vkey(avow_vkey *out, const char *text, int type, const char *command);
/* An author's or a log's key (hex or a type 0x01 vkey) into pk; exit 2 when bad. */
int cli_parse_pubkey(unsigned char pk[AVOW_PUBKEY_BYTES], const char *text, const char *command);
/* A witness's key (hex or a type 0x04 vkey) into pk; exit 2 when bad. */
int cli_parse_witness_key(unsigned char pk[AVOW_PUBKEY_BYTES], const char *text,
                          const char *command);

/* Resolve a key given on the command line against the ledger: 64 hex, a unique
 * prefix of 8 or more, or a keyring name (avow_keyref_resolve()). 0, or exit 2
 * (no such key; ambiguous, listing the candidates) or 3, after printing. */
int cli_resolve_key(avow_ledger *ledger, unsigned char pk[AVOW_PUBKEY_BYTES], const char *text,
                    const char *command);

/* Open the ledger of ctx (read-only or not). Exit code or 0. */
int cli_open_ledger(avow_ledger **out, const cli_ctx *ctx, unsigned int flags);

/* Load the signing key of ctx, asking a passphrase when sealed. Exit code or 0. */
int cli_load_key(avow_key **out, const cli_ctx *ctx);

/*
 * Read a passphrase: the first line of $AVOW_PASSPHRASE_FILE, else from the
 * terminal with echo off, prompting on stderr. Returns 0 or an exit code
 * (after printing the error). buf holds maxlen bytes; *len excludes any NUL.
 */
int cli_read_passphrase(char *buf, size_t maxlen, size_t *len, const char *prompt);

/* Copy stdin to a new temporary file (mkstemp in $TMPDIR) for a command that
 * reads a file twice or by size; path_out gets its name, the caller unlinks
 * it. Returns 0 or an exit code (after printing the error). */
int cli_spool_stdin(char *path_out, size_t maxlen);

/* Print msg and a newline on out: newlines inside become spaces, terminal
 * controls (C0, DEL, C1, bidirectional controls) '?'. For text that may come
 * from a file or a peer. */
void cli_put_line(FILE *out, const char *msg);

/* --witness [NAME=]PUBKEY into w (w->name points into name, namemax bytes).
 * Returns 0 or an exit code (after printing the error). */
int cli_parse_witness(avow_witness *w, char *name, size_t namemax, const char *arg,
                      const char *command);

/* fopen(path, "rb") of a regular file only, never blocking on a FIFO
 * (avow_file_open()). NULL with the library's message set. */
FILE *cli_fopen_read(const char *path);

/* Wipe a secret the compiler must not optimise away. */
void cli_wipe(void *p, size_t n);

/* Print text from an event on out, replacing control characters with '?'. */
void cli_put_str(FILE *out, avow_str s);

/* Print a JSON document on one line of stdout and release it (NULL: out of
 * memory or invalid UTF-8). Keys keep their order. Returns 0 or an exit code. */
int cli_print_json(json_t *doc);

/*
 * Parse a JSON object the library rendered (avow_event_to_json, ...), for the
 * CLI to add keys to it: the object, or NULL after printing the error.
 */
json_t *cli_json_object(const void *json, size_t len, const char *what);

/* Set key of obj to value (stolen; NULL: out of memory). Exit code or 0 (printed). */
int cli_json_set(json_t *obj, const char *key, json_t *value);

/* Print the global options block of every --help. */
void cli_help_globals(FILE *out);

/* The option specs of each command (NULL-terminated), beside its code. */
extern const cli_spec *const cli_init_specs[],
  *const cli_key_specs[],
    *const cli_contest_specs[],
      *const cli_member_specs[],
        *const cli_candidate_specs[],
          *const cli_declare_specs[],
            *const cli_actor_specs[],
              *const cli_retract_specs[],
                *const cli_decide_specs[],
                  *const cli_log_specs[],
                    *const cli_show_specs[],
                      *const cli_verify_specs[],
                        *const cli_info_specs[],
                          *const cli_state_specs[],
                            *const cli_history_specs[],
                              *const cli_explain_specs[],
                                *const cli_checkpoint_specs[],
                                  *const cli_prove_specs[],
                                    *const cli_evidence_specs[],
                                      *const cli_witness_specs[],
                                        *const cli_export_specs[],
                                          *const cli_import_specs[],
                                            *const cli_sync_specs[],
                                              *const cli_serve_specs[],
                                                *const cli_heads_specs[],
                                                  *const cli_bundle_specs[],
                                                    *const cli_trust_specs[],
                                                      *const cli_chart_specs[],
                                                        *const cli_demo_specs[];
extern const cli_spec *const cli_publish_specs[];
extern const cli_spec *const cli_timeline_specs[];

/* Command groups (one cmd_<group>.c each). */
int cmd_init(cli_ctx *ctx, int argc, char **argv);
void cmd_init_help(FILE *out);
int cmd_key(cli_ctx *ctx, int argc, char **argv);
void cmd_key_help(FILE *out);
int cmd_contest(cli_ctx *ctx, int argc, char **argv);
void cmd_contest_help(FILE *out);
int cmd_member(cli_ctx *ctx, int argc, char **argv);
void cmd_member_help(FILE *out);
int cmd_candidate(cli_ctx *ctx, int argc, char **argv);
void cmd_candidate_help(FILE *out);
/* Undo of a batch (undo.c): retract --seq A..B | --batch ID. */
int cli_undo(const cli_ctx *ctx, const char *seq_text, const char *batch_text, const char *reason);
int cmd_actor(cli_ctx *ctx, int argc, char **argv);
void cmd_actor_help(FILE *out);
int cmd_declare(cli_ctx *ctx, int argc, char **argv);
void cmd_declare_help(FILE *out);
int cmd_retract(cli_ctx *ctx, int argc, char **argv);
void cmd_retract_help(FILE *out);
int cmd_decide(cli_ctx *ctx, int argc, char **argv);
void cmd_decide_help(FILE *out);
int cmd_log(cli_ctx *ctx, int argc, char **argv);
void cmd_log_help(FILE *out);
int cmd_show(cli_ctx *ctx, int argc, char **argv);
void cmd_show_help(FILE *out);
int cmd_verify(cli_ctx *ctx, int argc, char **argv);
void cmd_verify_help(FILE *out);

/* cmd_state.c */
int cmd_state(cli_ctx *ctx, int argc, char **argv);
void cmd_state_help(FILE *out);
int cmd_history(cli_ctx *ctx, int argc, char **argv);
void cmd_history_help(FILE *out);
int cmd_explain(cli_ctx *ctx, int argc, char **argv);
void cmd_explain_help(FILE *out);

/* cmd_audit.c */
int cmd_checkpoint(cli_ctx *ctx, int argc, char **argv);
void cmd_checkpoint_help(FILE *out);
int cmd_prove(cli_ctx *ctx, int argc, char **argv);
void cmd_prove_help(FILE *out);
int cmd_evidence(cli_ctx *ctx, int argc, char **argv);
void cmd_evidence_help(FILE *out);
int cmd_witness(cli_ctx *ctx, int argc, char **argv);
void cmd_witness_help(FILE *out);

/* cmd_io.c */
int cmd_export(cli_ctx *ctx, int argc, char **argv);
void cmd_export_help(FILE *out);
int cmd_import(cli_ctx *ctx, int argc, char **argv);
void cmd_import_help(FILE *out);

/* cmd_sync.c */
int cmd_sync(cli_ctx *ctx, int argc, char **argv);
void cmd_sync_help(FILE *out);
int cmd_serve(cli_ctx *ctx, int argc, char **argv);
void cmd_serve_help(FILE *out);
int cmd_heads(cli_ctx *ctx, int argc, char **argv);
void cmd_heads_help(FILE *out);
int cmd_bundle(cli_ctx *ctx, int argc, char **argv);
void cmd_bundle_help(FILE *out);
int cmd_trust(cli_ctx *ctx, int argc, char **argv);
void cmd_trust_help(FILE *out);

/* cmd_status.c */
int cmd_status(cli_ctx *ctx, int argc, char **argv);
void cmd_status_help(FILE *out);
extern const cli_spec *const cli_status_specs[];
/* `avow contest list` (argv[0] is "list"). */
int cli_contest_list(cli_ctx *ctx, int argc, char **argv);

/* cmd_timeline.c */
int cmd_timeline(cli_ctx *ctx, int argc, char **argv);
void cmd_timeline_help(FILE *out);

/* cmd_info.c */
int cmd_info(cli_ctx *ctx, int argc, char **argv);
void cmd_info_help(FILE *out);

/* cmd_demo.c */
int cmd_chart(cli_ctx *ctx, int argc, char **argv);
void cmd_chart_help(FILE *out);
int cmd_demo(cli_ctx *ctx, int argc, char **argv);
void cmd_demo_help(FILE *out);
int cmd_publish(cli_ctx *ctx, int argc, char **argv);
void cmd_publish_help(FILE *out);

/* cmd_audit.c: helpers for verify --checkpoint/--attestation and explain --evidence. */
/* Read a whole file ("-": stdin) into out; stops after max + 1 bytes so the
 * caller can refuse an oversized file. Exit code or 0 (after printing). */
int cli_audit_read_file(avow_buf *out, const char *path, size_t max, const char *what);
/* Write data to path (NULL or "-": stdout). Exit code or 0. */
int cli_audit_write_file(const char *path, const void *data, size_t len);
/* The key trusted to sign checkpoints: trust_hex when given, else the owner
 * of ledger (may be NULL), else the public key of -k. Exit code or 0. */
/* When trust is a vkey with a name, a checkpoint signed under another name
 * (origin) is not that key's (signed-note): exit 1 naming both. 0 otherwise. */
int cli_audit_vkey_binds(const char *trust, const char *origin, size_t origin_len,
                         const char *what);
int cli_audit_trusted_key(unsigned char pk[AVOW_PUBKEY_BYTES], const cli_ctx *ctx,
                          const char *trust_hex, avow_ledger *ledger, const char *command);
/* Sign a fresh checkpoint with -k and write an evidence file of the n events
 * (ids: n * 32 bytes) to path ("-": stdout). Exit code or 0. */
int cli_evidence_write(const cli_ctx *ctx, avow_ledger *ledger, const unsigned char *ids, size_t n,
                       const char *path);

/* guard.c: refusals and warnings of an append-only log. */
/* "avow: warning: ..." on stderr, unless -q. */
void cli_warn(const cli_ctx *ctx, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Refuse (exit 2, printed) retracting a retraction or an event already
 * retracted; text names the event in the message. 0 or the exit code. */
int cli_guard_retract(avow_ledger *ledger, const unsigned char target[AVOW_EVENT_ID_BYTES],
                      const char *text);
/* Refuse (exit 2, printed, with the nearest name) a candidate the contest does
 * not have, unless force. 0 or the exit code. */
int cli_guard_candidate(avow_ledger *ledger, const char *contest, const char *candidate, int force);
/* Warn when the stance's actor is not a member at its time. */
void cli_guard_stance(const cli_ctx *ctx, avow_ledger *ledger, const avow_draft *d);
/* Warn when the decided candidate does not meet the rule at the decision's time. */
void cli_guard_decide(const cli_ctx *ctx, avow_ledger *ledger, const avow_draft *d);
/* Events of this ledger that do not count (untrusted, revoked, forked) and their authors. */
int cli_untrusted_count(avow_ledger *ledger, uint64_t *events, uint64_t *authors);
/* Warn when events of untrusted authors are not counted, naming trust add. */
void cli_guard_untrusted(const cli_ctx *ctx, avow_ledger *ledger);
/* Warn when --known-at is earlier than the contest's definition (an empty answer). */
void cli_guard_known_at(const cli_ctx *ctx, const avow_state *st);

/* keyhead.c: the copied-ledger guard. Refuse (exit 2, printed) to sign with key
 * in a ledger whose head of the key is not the last event the key signed
 * (KEY.head). 0 or the exit code. */
int cli_keyhead_check(const cli_ctx *ctx, avow_ledger *ledger, const avow_key *key);
/* Remember the ledger's head of key in KEY.head (after an append). */
void cli_keyhead_update(const cli_ctx *ctx, avow_ledger *ledger, const avow_key *key);

#endif /* AVOW_CLI_H */

/* SPDX-License-Identifier: ISC */
/*
 * util.c - helpers shared by the avow commands: error lines and exit codes,
 * option parsing, times and event ids, opening the ledger and the key,
 * reading passphrases, printing untrusted text.
 *
 * Invariants:
 *  1. Every cli_fail*() call prints exactly one line on stderr, starting with
 *     "avow: error: " (newlines inside a library message become spaces).
 *  2. A passphrase never leaves the caller's buffer: it is read with read(2)
 *     (no stdio buffer), echo is off on the terminal, and copies are wiped.
 *  3. Text from events is printed with control characters replaced, so a
 *     ledger cannot drive the user's terminal; error lines, which may carry a
 *     peer's or a file's text, also have bidirectional controls replaced.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

void
cli_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        explicit_bzero(p, n);
    }
}

/* The length of the terminal control (C1, or a bidirectional control: U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) that starts p, else 0. */
static size_t
control_len(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        return 2;
    }
    if (n >= 2 && p[0] == 0xd8 && p[1] == 0x9c) {
        return 2;
    }
    if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae))) {
        return 3;
    }
    if (n >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) {
        return 3;
    }
    return 0;
}

void
cli_put_line(FILE *out, const char *msg)
{
    const unsigned char *p = (const unsigned char *)msg;
    size_t n = strlen(msg);

    for (size_t i = 0; i < n; i++) {
        size_t c = control_len(p + i, n - i);
        if (p[i] == '\n' || p[i] == '\r') {
            fputc(' ', out);
        } else if (p[i] < 0x20 || p[i] == 0x7f || c > 0) {
            fputc('?', out);
            i += c > 0 ? c - 1 : 0;
        } else {
            fputc(p[i], out);
        }
    }
    fputc('\n', out);
    fflush(out);
}

/* Invariant 1 and 3: an error line may carry a peer's or a file's text. */
static void
put_line(const char *msg)
{
    fputs("avow: error: ", stderr);
    cli_put_line(stderr, msg);
}

int
cli_fail(int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    put_line(msg);
    return status;
}

int
cli_exit_code(int err)
{
    switch (err) {
    case AVOW_OK:
        return CLI_EXIT_OK;
    case AVOW_EVERIFY:
    case AVOW_ECHAIN:
        return CLI_EXIT_CHECK;
    case AVOW_EINVALID:
    case AVOW_EFORMAT:
    case AVOW_ERANGE:
    case AVOW_ENOTFOUND:
    case AVOW_EEXISTS:
        return CLI_EXIT_USAGE;
    case AVOW_EIO:
    case AVOW_ENOMEM:
    case AVOW_EFULL:
    case AVOW_EKEY:
    case AVOW_ELOCK:
    case AVOW_ECORRUPT:
    default:
        return CLI_EXIT_ENV;
    }
}

int
cli_fail_lib(int err, const char *hint, const char *fmt, ...)
{
    char what[512];
    char msg[1400];
    const char *detail = avow_error_last();
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (detail == NULL || detail[0] == '\0') {
        detail = avow_strerror(err);
    }
    if (hint != NULL) {
        (void)snprintf(msg, sizeof(msg), "%s: %s (%s)", what, detail, hint);
    } else {
        (void)snprintf(msg, sizeof(msg), "%s: %s", what, detail);
    }
    put_line(msg);
    return cli_exit_code(err);
}

int
cli_usage_fail(const char *command, const char *fmt, ...)
{
    char what[1024];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return cli_fail(CLI_EXIT_USAGE, "%s (see 'avow %s --help')", what, command);
}

int
cli_parse_at(int64_t *at, uint8_t *prec, const char *text, const char *command)
{
    avow_precision p = AVOW_PREC_MICRO;
    int err = avow_time_parse(at, &p, text, AVOW_TIME_START);

    if (err < 0) {
        const char *detail = avow_error_last();
        if (detail[0] != '\0') {
            /* The library names the text, the reason and the accepted forms. */
            return cli_fail(CLI_EXIT_USAGE, "%s", detail);
        }
        return cli_fail(CLI_EXIT_USAGE,
                        "bad time '%s' (ISO 8601, e.g. 2024-04-03 or 2024-04-03T14:05:00Z; "
                        "see 'avow %s --help')",
                        text, command);
    }
    *prec = (uint8_t)p;
    return 0;
}

int
cli_parse_uncertain_at(avow_at *at, const char *text, const char *command)
{
    if (avow_at_parse(at, text) < 0) {
        const char *detail = avow_error_last();
        if (detail[0] != '\0') {
            return cli_fail(CLI_EXIT_USAGE, "%s", detail);
        }
        return cli_fail(CLI_EXIT_USAGE,
                        "bad time '%s' (ISO 8601: 2024-04-03, 2024-06-05~, ../2024-04-02 or "
                        "2024-03-28/2024-04-02; see 'avow %s --help')",
                        text, command);
    }
    return 0;
}

int
cli_check_id_text(const char *text)
{
    size_t n = strlen(text);
    int ok = n >= 8 && n <= AVOW_HEX_ID_LEN;

    for (size_t i = 0; ok && i < n; i++) {
        ok = isxdigit((unsigned char)text[i]) != 0;
    }
    if (!ok) {
        return cli_fail(CLI_EXIT_USAGE,
                        "bad event id '%s' (64 hex characters, or a unique prefix of at least 8)",
                        text);
    }
    return 0;
}

int
cli_resolve_event(avow_ledger *ledger, unsigned char id[AVOW_EVENT_ID_BYTES], const char *text)
{
    char lower[AVOW_HEX_ID_LEN + 1];
    size_t n;
    int err;

    if ((err = cli_check_id_text(text)) != 0) {
        return err;
    }
    n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        lower[i] = (char)tolower((unsigned char)text[i]);
    }
    lower[n] = '\0';
    if (n == AVOW_HEX_ID_LEN) {
        err = avow_unhex(id, AVOW_EVENT_ID_BYTES, lower);
    } else {
        err = avow_ledger_resolve_id(id, ledger, lower);
    }
    if (err == AVOW_ENOTFOUND) {
        return cli_fail(CLI_EXIT_USAGE, "no event '%s' in this ledger (see 'avow log')", text);
    }
    if (err < 0) {
        /* An ambiguous prefix (the library asks for more characters), or I/O. */
        return cli_fail_lib(err, NULL, "bad event id '%s'", text);
    }
    return 0;
}

int
cli_resolve_key(avow_ledger *ledger, unsigned char pk[AVOW_PUBKEY_BYTES], const char *text,
                const char *command)
{
    int err = avow_keyref_resolve(pk, ledger, text);

    if (err == AVOW_ENOTFOUND) {
        return cli_fail(CLI_EXIT_USAGE, "%s (see 'avow trust list')", avow_error_last());
    }
    if (err == AVOW_EINVALID) {
        return cli_fail(CLI_EXIT_USAGE, "%s (give more characters; see 'avow %s --help')",
                        avow_error_last(), command);
    }
    if (err < 0) {
        return cli_fail_lib(err, NULL, "cannot read the keyring");
    }
    return 0;
}

int
cli_parse_vkey(avow_vkey *out, const char *text, int type, const char *command)
{
    if (avow_vkey_parse(out, text, strlen(text), type) < 0) {
        return cli_usage_fail(command, "bad %s '%s': %s",
                              type == AVOW_SIG_COSIG ? "witness key" : "public key", text,
                              avow_error_last());
    }
    return 0;
}

/* --witness [NAME=]PUBKEY or a cosignature vkey NAME+HEXID+BASE64: the
 * name, when given (always, in a vkey), is bound to the key. */
int
cli_parse_witness(avow_witness *w, char *name, size_t namemax, const char *arg, const char *command)
{
    size_t len = strlen(arg);
    const char *key = arg;
    avow_vkey v;
    int status;
    w->name = NULL;
    if (strchr(arg, '+') != NULL) {
        if ((status = cli_parse_vkey(&v, arg, AVOW_SIG_COSIG, command)) != 0) {
            return status;
        }
        if (strlen(v.name) >= namemax) {
            return cli_usage_fail(command, "witness name too long in '%s'", arg);
        }
        memcpy(name, v.name, strlen(v.name) + 1);
        w->name = name;
        memcpy(w->pk, v.key, AVOW_PUBKEY_BYTES);
        return 0;
    }
    if (len > AVOW_HEX_ID_LEN + 1 && arg[len - AVOW_HEX_ID_LEN - 1] == '=') {
        size_t nlen = len - AVOW_HEX_ID_LEN - 1;
        if (nlen >= namemax) {
            return cli_usage_fail(command, "witness name too long in '%s'", arg);
        }
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        w->name = name;
        key = arg + nlen + 1;
    }
    return cli_parse_witness_key(w->pk, key, command);
}

int
cli_parse_pubkey(unsigned char pk[AVOW_PUBKEY_BYTES], const char *text, const char *command)
{
    avow_vkey v;
    int status = cli_parse_vkey(&v, text, AVOW_SIG_ED25519, command);
    if (status == 0) {
        memcpy(pk, v.key, AVOW_PUBKEY_BYTES);
    }
    return status;
}

int
cli_parse_witness_key(unsigned char pk[AVOW_PUBKEY_BYTES], const char *text, const char *command)
{
    avow_vkey v;
    int status = cli_parse_vkey(&v, text, AVOW_SIG_COSIG, command);
    if (status == 0) {
        memcpy(pk, v.key, AVOW_PUBKEY_BYTES);
    }
    return status;
}

int
cli_open_ledger(avow_ledger **out, const cli_ctx *ctx, unsigned int flags)
{
    int err = avow_ledger_open(out, ctx->ledger, flags);

    if (err < 0) {
        /* Opening is environment: a ledger that does not open is not bad input.
         * AVOW_ENOTFOUND is no ledger, or a table missing from a damaged one:
         * the library's message says which. */
        cli_fail_lib(err, err == AVOW_ENOTFOUND ? "or use -L DIR" : NULL,
                     "cannot open the ledger '%s'", ctx->ledger);
        return err == AVOW_EVERIFY ? CLI_EXIT_CHECK : CLI_EXIT_ENV;
    }
    return 0;
}

/* What the passphrase callback reports back to cli_load_key(). */
typedef struct pass_state {
    int status; /* exit code when the callback failed and printed */
} pass_state;

static int
pass_cb(char *buf, size_t maxlen, size_t *len, void *payload)
{
    pass_state *st = payload;
    int status = cli_read_passphrase(buf, maxlen, len, "passphrase for the key: ");

    if (status != 0) {
        st->status = status;
        return AVOW_EKEY;
    }
    return 0;
}

int
cli_load_key(avow_key **out, const cli_ctx *ctx)
{
    pass_state st = { 0 };
    int err = avow_key_load(out, ctx->key, pass_cb, &st);

    if (err == 0) {
        return 0;
    }
    if (st.status != 0) {
        return st.status;
    }
    if (err == AVOW_ENOTFOUND) {
        return cli_fail(CLI_EXIT_ENV,
                        "no key at '%s' (create one with 'avow key new', or use -k FILE)",
                        ctx->key);
    }
    cli_fail_lib(err, NULL, "cannot load the key '%s'", ctx->key);
    return CLI_EXIT_ENV;
}

/* Read one line (without its newline, and without one CR before it: a file
 * saved with CRLF line ends) from fd, byte by byte, into buf. Reading stops
 * at maxlen bytes without a newline (*too_long): /dev/zero or an endless FIFO
 * cannot keep it reading. */
static int
read_line(int fd, char *buf, size_t maxlen, size_t *len, int *too_long)
{
    size_t n = 0;
    int cr_past = 0; /* a CR read when buf was full: only a line end may follow */
    char c;

    *too_long = 0;
    for (;;) {
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -1;
        }
        if (r == 0 || c == '\n') {
            break;
        }
        if (n == maxlen) {
            if (c != '\r' || cr_past) {
                *too_long = 1;
                break;
            }
            cr_past = 1;
            continue;
        }
        buf[n++] = c;
    }
    if (!cr_past && n > 0 && buf[n - 1] == '\r') {
        n--;
    }
    c = 0;
    *len = n;
    return 0;
}

int
cli_read_passphrase(char *buf, size_t maxlen, size_t *len, const char *prompt)
{
    const char *file = getenv("AVOW_PASSPHRASE_FILE");
    struct termios old, quiet;
    int fd = -1;
    int status = 0;
    int too_long = 0;
    int restore = 0;

    *len = 0;
    if (file != NULL && file[0] != '\0') {
        /* Non-blocking: a FIFO with no writer reads as empty, it cannot hang the open. */
        fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            int fl = fcntl(fd, F_GETFL);
            (void)(fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0);
        }
        if (fd < 0) {
            status = cli_fail(CLI_EXIT_ENV, "cannot open AVOW_PASSPHRASE_FILE '%s': %s", file,
                              strerror(errno));
            goto done;
        }
        if (read_line(fd, buf, maxlen, len, &too_long) < 0) {
            status = cli_fail(CLI_EXIT_ENV, "cannot read AVOW_PASSPHRASE_FILE '%s': %s", file,
                              strerror(errno));
            goto done;
        }
    } else {
        fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            status = cli_fail(CLI_EXIT_ENV, "no terminal to ask the passphrase "
                                            "(set AVOW_PASSPHRASE_FILE to a file holding it)");
            goto done;
        }
        if (tcgetattr(fd, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
            quiet.c_lflag |= ICANON;
            if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0) {
                restore = 1;
            }
        }
        fputs(prompt, stderr);
        fflush(stderr);
        if (read_line(fd, buf, maxlen, len, &too_long) < 0) {
            status = cli_fail(CLI_EXIT_ENV, "cannot read the passphrase: %s", strerror(errno));
        }
        if (restore) {
            tcsetattr(fd, TCSAFLUSH, &old);
        }
        fputc('\n', stderr);
        if (status != 0) {
            goto done;
        }
    }
    if (too_long) {
        status = cli_fail(CLI_EXIT_USAGE, "passphrase longer than %zu bytes", maxlen);
        goto done;
    }

done:
    if (status != 0) {
        cli_wipe(buf, maxlen);
        *len = 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return status;
}

/* Copy stdin to a new temporary file; *path_out is its path (to unlink). */
int
cli_spool_stdin(char *path_out, size_t maxlen)
{
    const char *dir = getenv("TMPDIR");
    char buf[65536];
    ssize_t n;
    int fd;
    int n2;

    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    n2 = snprintf(path_out, maxlen, "%s/avow-stdin-XXXXXX", dir);
    if (n2 < 0 || (size_t)n2 >= maxlen) {
        return cli_fail(CLI_EXIT_ENV, "temporary directory path too long ($TMPDIR)");
    }
    fd = mkstemp(path_out);
    if (fd < 0) {
        path_out[0] = '\0';
        return cli_fail(CLI_EXIT_ENV, "cannot create a temporary file in %s: %s", dir,
                        strerror(errno));
    }
    for (;;) {
        n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            close(fd);
            return cli_fail(CLI_EXIT_ENV, "cannot read stdin: %s", strerror(errno));
        }
        if (n == 0) {
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w < 0) {
                int e = errno;
                close(fd);
                return cli_fail(CLI_EXIT_ENV, "cannot write %s: %s", path_out, strerror(e));
            }
            off += w;
        }
    }
    if (close(fd) != 0) {
        return cli_fail(CLI_EXIT_ENV, "cannot write %s: %s", path_out, strerror(errno));
    }
    return 0;
}

FILE *
cli_fopen_read(const char *path)
{
    int fd = -1;
    FILE *f = NULL;

    if (avow_file_open(&fd, path) == 0 && (f = fdopen(fd, "rb")) == NULL) {
        (void)close(fd);
    }
    return f;
}

void
cli_put_str(FILE *out, avow_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;

    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            fputc('?', out);
        } else if (p[i] == 0xc2 && i + 1 < s.len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            /* C1 control characters (U+0080..U+009F) also reach the terminal. */
            fputc('?', out);
            i++;
        } else {
            fputc(p[i], out);
        }
    }
}

void
cli_help_globals(FILE *out)
{
    fprintf(out, "global options (before or after the command):\n");
    cli_help_options(out, &cli_globals_spec);
}

int
cli_print_json(json_t *doc)
{
    int status = CLI_EXIT_OK;
    char *text;
    size_t len;

    if (doc == NULL) {
        return cli_fail(CLI_EXIT_ENV, "cannot build the JSON output");
    }
    /* The library's flags (src/event/json.c): compact, keys in insertion order.
     * One write, not json_dumpf's one per token: log --json prints many. */
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text == NULL) {
        return cli_fail(CLI_EXIT_ENV, "cannot build the JSON output");
    }
    len = strlen(text);
    text[len] = '\n'; /* in place of the NUL: the length is known */
    if (fwrite(text, 1, len + 1, stdout) != len + 1) {
        status = cli_fail(CLI_EXIT_ENV, "cannot write the JSON output");
    }
    free(text);
    return status;
}

json_t *
cli_json_object(const void *json, size_t len, const char *what)
{
    json_error_t jerr;
    /* Event text may hold U+0000 (json_stringn keeps it, as \u0000). */
    json_t *doc = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);

    if (doc == NULL) {
        cli_fail(CLI_EXIT_ENV, "cannot read the JSON of %s: %s", what, jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        cli_fail(CLI_EXIT_ENV, "the JSON of %s is not an object", what);
        return NULL;
    }
    return doc;
}

int
cli_json_set(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0) {
        return cli_fail(CLI_EXIT_ENV, "cannot build the JSON output");
    }
    return 0;
}

/* "2 April 2024", "April 2024", "2024", or ISO 8601 below a day. */
static void
cli_human_date(char *out, size_t size, int64_t t, uint8_t prec)
{
    static const char *const months[12] = { "January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December" };
    char iso[AVOW_TIME_STRLEN];
    avow_time_format(iso, t, AVOW_PREC_DAY); /* YYYY-MM-DD */
    if (prec > AVOW_PREC_DAY || strlen(iso) != 10) {
        /* The start of the period: an "on or before" bound is its last microsecond. */
        int64_t unit = prec == AVOW_PREC_SECOND   ? INT64_C(1000000)
                       : prec == AVOW_PREC_MINUTE ? INT64_C(60000000)
                                                  : 1;
        int64_t r = ((t % unit) + unit) % unit;
        avow_time_format(out, t - r, prec != 0 ? (avow_precision)prec : AVOW_PREC_MICRO);
        return;
    }
    int y = 0, m = (iso[5] - '0') * 10 + (iso[6] - '0'), d = (iso[8] - '0') * 10 + (iso[9] - '0');
    for (int i = 0; i < 4; i++) {
        y = y * 10 + (iso[i] - '0');
    }
    if (m < 1 || m > 12) {
        avow_time_format(out, t, prec != 0 ? (avow_precision)prec : AVOW_PREC_MICRO);
        return;
    }
    if (prec == AVOW_PREC_YEAR) {
        (void)snprintf(out, size, "%d", y);
    } else if (prec == AVOW_PREC_MONTH) {
        (void)snprintf(out, size, "%s %d", months[m - 1], y);
    } else {
        (void)snprintf(out, size, "%d %s %d", d, months[m - 1], y);
    }
}

void
cli_put_when(FILE *out, const avow_event *ev)
{
    char a[64], b[64];
    uint8_t prec = ev->precision != 0 ? ev->precision : AVOW_PREC_MICRO;
    cli_human_date(b, sizeof(b), ev->effective_at, prec);
    switch (ev->qualifier) {
    case AVOW_AT_APPROXIMATE:
        fprintf(out, "about %s", b);
        break;
    case AVOW_AT_BY:
        fprintf(out, "on or before %s", b);
        break;
    case AVOW_AT_BETWEEN:
        cli_human_date(a, sizeof(a), ev->from, ev->from_precision);
        fprintf(out, "some time between %s and %s", a, b);
        break;
    default:
        fprintf(out, "on %s", b);
        break;
    }
}

void
cli_put_research(FILE *out, const avow_event *ev)
{
    const char *conf = avow_confidence_name(ev->confidence);
    if (conf != NULL) {
        fprintf(out, " [confidence %s]", conf);
    }
    if (ev->reported_precision != 0) {
        char when[AVOW_TIME_STRLEN];
        avow_time_format(when, ev->reported_at, (avow_precision)ev->reported_precision);
        fprintf(out, " [reported %s]", when);
    }
    if (ev->note.ptr != NULL) {
        fputs(" [note: ", out);
        cli_put_str(out, ev->note);
        fputc(']', out);
    }
}

void
cli_format_row_time(char out[AVOW_AT_STRLEN], const avow_event *ev)
{
    avow_at at = { ev->effective_at, ev->precision != 0 ? ev->precision : AVOW_PREC_MICRO,
                   ev->qualifier, ev->from, ev->from_precision };
    if (ev->version < 2) {
        avow_time_format(out, ev->effective_at, (avow_precision)at.precision);
        return;
    }
    avow_at_format(out, &at);
}

int
cli_parse_quorum(size_t *quorum, const char *text, size_t max, const char *command)
{
    char *end = NULL;
    unsigned long q = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || q == 0 || q > max) {
        return cli_usage_fail(command, "bad --quorum '%s' (1 to %zu)", text, max);
    }
    *quorum = (size_t)q;
    return 0;
}

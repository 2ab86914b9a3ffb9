/* SPDX-License-Identifier: ISC */
/*
 * export.c - a ledger's signed events as JSON Lines (docs/FORMAT.md, "JSON
 * Lines interchange"), one avow_event_to_json() line per event, in ledger
 * order; src/io/import.c reads them back.
 *
 * Invariants (tests/unit/test_interchange.c, tests/cli/test_io.sh):
 *  1. Streaming: export holds one event (and its line) at a time, whatever
 *     the size of the ledger.
 *  2. Each line carries its index and the event's raw bytes, so an import
 *     appends exactly what was exported.
 */
#include "util/common.h"

/* Progress is reported every this many events. */
#define EXPORT_PROGRESS_EVERY 1024

/* Invariant 1. */
int
avow_export(avow_ledger *ledger, uint64_t *count, avow_write_cb write, void *write_payload,
            const avow_export_opts *opts)
{
    avow_iter_opts io = AVOW_ITER_OPTS_INIT;
    avow_iter *it = NULL;
    avow_buf buf = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index = 0;
    uint64_t total = 0;
    uint64_t n = 0;
    int error;

    if (ledger == NULL || write == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_export: missing argument");
    }
    if (opts != NULL) {
        io.contest = opts->contest;
        io.start = opts->start;
    }
    if ((error = avow_ledger_count(ledger, &total)) < 0 ||
        (error = avow_iter_new(&it, ledger, &io)) < 0) {
        goto done;
    }
    while ((error = avow_iter_next(it, &ev, &index)) == 1) {
        avow_buf_clear(&buf);
        if ((error = avow_event_to_json(&buf, &ev, index, 1)) < 0 ||
            (error = avow_buf_put(&buf, "\n", 1)) < 0 ||
            (error = write(buf.ptr, buf.len, write_payload)) < 0) {
            goto done;
        }
        n++;
        if (opts != NULL && opts->on_progress != NULL && n % EXPORT_PROGRESS_EVERY == 0) {
            opts->on_progress(index + 1, total, opts->payload);
        }
    }
    if (error == 0 && opts != NULL && opts->on_progress != NULL) {
        opts->on_progress(total, total, opts->payload);
    }
done:
    if (count != NULL) {
        *count = n;
    }
    avow_buf_dispose(&buf);
    avow_iter_free(it);
    return error;
}

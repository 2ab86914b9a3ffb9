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
 *  3. With AVOW_EXPORT_CSV, a header row and one row per event of the same
 *     JSON object (src/io/csvout.c), raw included.
 */
#include "util/common.h"

/* Invariant 1. */
int
avow_export(uint64_t *count, avow_ledger *ledger, avow_write_cb write, void *write_payload,
            const avow_export_opts *opts)
{
    avow_iter_opts io = AVOW_ITER_OPTS_INIT;
    avow_iter *it = NULL;
    avow_buf buf = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index = 0;
    uint64_t total = 0;
    uint64_t n = 0;
    avow_buf row = AVOW_BUF_INIT;
    int csv = 0;
    int error;

    if (ledger == NULL || write == NULL) {
        return error_set(AVOW_EINVALID, "avow_export: missing argument");
    }
    if (opts != NULL) {
        io.contest = opts->contest;
        io.start = opts->start;
        csv = opts->version >= 2 && (opts->flags & AVOW_EXPORT_CSV) != 0;
    }
    if (csv && ((error = avow_csv_header(&row, avow_event_csv_columns())) < 0 ||
                (error = write(row.ptr, row.len, write_payload)) < 0)) {
        goto done;
    }
    if ((error = avow_ledger_count(&total, ledger)) < 0 ||
        (error = avow_iter_new(&it, ledger, &io)) < 0) {
        goto done;
    }
    while ((error = avow_iter_next(&ev, &index, it)) == 1) {
        buf_clear(&buf);
        buf_clear(&row);
        if ((error = avow_event_to_json(&buf, &ev, index, 1)) < 0) {
            goto done;
        }
        if (csv) {
            error = avow_csv_row(&row, buf.ptr, buf.len, avow_event_csv_columns());
        } else {
            error = buf_put(&buf, "\n", 1);
        }
        if (error < 0 ||
            (error = write(csv ? row.ptr : buf.ptr, csv ? row.len : buf.len, write_payload)) < 0) {
            goto done;
        }
        n++;
        if (opts != NULL && opts->on_progress != NULL && n % EXPORT_PROGRESS_EVERY == 0 &&
            (error = opts->on_progress(index + 1, total, opts->payload)) < 0) {
            goto done;
        }
    }
    if (error == 0 && opts != NULL && opts->on_progress != NULL) {
        error = opts->on_progress(total, total, opts->payload);
    }
done:
    if (count != NULL) {
        *count = n;
    }
    avow_buf_dispose(&buf);
    avow_buf_dispose(&row);
    avow_iter_free(it);
    return error;
}

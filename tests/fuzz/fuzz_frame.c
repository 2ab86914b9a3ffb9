/* SPDX-License-Identifier: ISC */
/*
 * fuzz_frame.c - fuzz target for the sync protocol reader (src/replicate/session.c,
 * wire.c and accept.c): the
 * frame reader, hello, heads and evidence lists, batches and fork frames, as
 * the receiving side of a session with a hostile peer.
 *
 * Input: one mode byte, then the bytes the peer sends. Mode bit 0: this side
 * is the client (avow_sync_client) or the server (avow_sync_serve); bits 1-2:
 * AVOW_SYNC_PULL / AVOW_SYNC_PUSH (0: both). The peer's bytes are read from a
 * file (so a session that wants more sees the connection close, never
 * blocks); what this side sends goes to /dev/null. The ledger is fresh and
 * empty each run. Seeds (corpus/frame/) are transcripts of real sessions
 * between CLI processes: what a client sent to `avow serve --stdio`
 * (server mode) and what the server sent back (client mode).
 *
 * Invariants asserted:
 *  1. The session ends (the input is finite) with 0 or a negative AVOW_E*
 *     code and a reason; it never reads past a frame or allocates past
 *     AVOW_SYNC_FRAME_MAX per frame (AddressSanitizer and the rss limit).
 *  2. Whatever the peer sent, the ledger afterwards verifies with no problem:
 *     nothing unverified was stored (invariants 1 and 2 of session.c).
 *  3. The events stored are the ones the stats say were received.
 */
#include "fuzzutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4096];
    avow_sync_opts opts = AVOW_SYNC_OPTS_INIT;
    avow_sync_stats st;
    int in_fd, out_fd, error;

    if (size == 0) {
        return 0;
    }
    unsigned int mode = data[0];
    opts.flags = (mode >> 1) & (AVOW_SYNC_PULL | AVOW_SYNC_PUSH);
    fuzz_write_file(path, "stream", data + 1, size - 1);
    in_fd = open(path, O_RDONLY | O_CLOEXEC);
    FUZZ_ASSERT(in_fd >= 0);
    out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    FUZZ_ASSERT(out_fd >= 0);

    avow_ledger *ledger = fuzz_ledger_fresh();
    memset(&st, 0, sizeof(st));
    if (mode & 1) {
        error = avow_sync_client(&st, ledger, in_fd, out_fd, &opts);
    } else {
        error = avow_sync_serve(&st, ledger, in_fd, out_fd, &opts);
    }
    if (error < 0) {
        fuzz_check_refusal(error);
    }
    FUZZ_ASSERT(st.received == fuzz_ledger_count(ledger));
    FUZZ_ASSERT(strlen(st.peer_origin) <= 256);
    fuzz_ledger_check(ledger);

    fuzz_ledger_release(ledger);
    close(in_fd);
    close(out_fd);
    return 0;
}

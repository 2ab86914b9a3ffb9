/* SPDX-License-Identifier: ISC */
/*
 * state.c - an example of libavow: open a ledger read-only and print the
 * tallies of one contest at a point in time, through include/avow.h only.
 *
 *   cc state.c $(pkg-config --cflags --libs avow) -o avow-state
 *   ./avow-state LEDGER CONTEST [TIME]      # TIME: ISO 8601, default now
 *
 * Prints one line per candidate, "NAME SUPPORT/MEMBERS (needs N, met|not met)",
 * the same numbers as `avow state CONTEST --at TIME`.
 */
#include <stdio.h>

#include <avow.h>

int
main(int argc, char **argv)
{
    avow_ledger *ledger = NULL;
    avow_state *st = NULL;
    avow_state_opts opts = AVOW_STATE_OPTS_INIT;
    const char *decided = NULL;
    int err, status = 1;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s LEDGER CONTEST [TIME]\n", argv[0]);
        return 2;
    }
    /* A bare date means the end of that day, as for `avow state --at`. */
    if (argc == 4 && (err = avow_time_parse(&opts.at, NULL, argv[3], AVOW_TIME_END)) < 0) {
        fprintf(stderr, "bad time: %s\n", avow_error_last());
        return 2;
    }
    if ((err = avow_ledger_open(&ledger, argv[1], AVOW_OPEN_READONLY)) < 0 ||
        (err = avow_state_compute(&st, ledger, argv[2], &opts)) < 0) {
        fprintf(stderr, "%s: %s\n", avow_strerror(err), avow_error_last());
        goto done;
    }
    for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
        printf("%s %zu/%zu (needs %zu, %s)\n", avow_state_candidate_name(st, c),
               avow_state_support_count(st, c), avow_state_member_count(st), avow_state_needed(st),
               avow_state_met(st, c) ? "met" : "not met");
    }
    if (avow_state_decision(&decided, NULL, NULL, st)) {
        printf("decision: %s\n", decided);
    }
    status = 0;
done:
    avow_state_free(st);
    avow_ledger_free(ledger);
    return status;
}

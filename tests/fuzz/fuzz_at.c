/* SPDX-License-Identifier: ISC */
/*
 * fuzz_at.c - fuzz target for the parser of a row's date (avow_at_parse:
 * exact, `D~`, `../D`, `A/B`; format v2) and its formatter (avow_at_format).
 * Input: the text, up to its first NUL ("now" is skipped: it reads the clock).
 *
 * Invariants asserted:
 *  1. A refusal is AVOW_EINVALID with a reason in avow_error_last().
 *  2. What is accepted has a known qualifier and a precision, lies in
 *     [AVOW_TIME_MIN, AVOW_TIME_MAX]; `from` is set exactly for between, and
 *     then starts before the start of the period effective_at ends.
 *  3. Round trip: the formatted result parses again to the same instants and
 *     qualifier (a microsecond precision with no fraction may come back as
 *     seconds, as in fuzz_time.c).
 */
#include <string.h>

#include "fuzz.h"
#include "util/common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size, 1);
    char out[AVOW_AT_STRLEN];
    avow_at at, again;

    if (strstr(text, "now") != NULL) {
        goto done;
    }
    memset(&at, 0, sizeof(at));
    if (avow_at_parse(&at, text) < 0) {
        FUZZ_ASSERT(avow_error_last()[0] != '\0'); /* invariant 1 */
        goto done;
    }
    /* Invariant 2. */
    FUZZ_ASSERT(at.qualifier <= AVOW_AT_BETWEEN);
    FUZZ_ASSERT(at.precision >= AVOW_PREC_YEAR && at.precision <= AVOW_PREC_MICRO);
    FUZZ_ASSERT(at.at >= AVOW_TIME_MIN && at.at <= AVOW_TIME_MAX);
    if (at.qualifier == AVOW_AT_BETWEEN) {
        FUZZ_ASSERT(at.from_precision != 0 && at.from < at.at);
    } else {
        FUZZ_ASSERT(at.from_precision == 0);
    }
    /* Invariant 3. */
    avow_at_format(out, &at);
    memset(&again, 0, sizeof(again));
    FUZZ_ASSERT(avow_at_parse(&again, out) == 0);
    /* A microsecond time with no fraction formats as seconds and comes back
     * so (the formatter omits a zero fraction): the same instant. */
    FUZZ_ASSERT(
      again.at == at.at && again.qualifier == at.qualifier && again.from == at.from &&
      (again.from_precision == at.from_precision ||
       (at.from_precision == AVOW_PREC_MICRO && again.from_precision == AVOW_PREC_SECOND)));
done:
    free(text);
    return 0;
}

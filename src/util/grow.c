/* SPDX-License-Identifier: ISC */
/*
 * grow.c - grow_array(): a doubling array, overflow-checked.
 *
 * Invariants:
 *  1. On success *cap >= need and *cap * size does not overflow size_t.
 *  2. On failure nothing changes: the old array and capacity stay valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"
#include "util/grow.h"

int
grow_array(void *arrp, size_t *cap, size_t need, size_t size, size_t first)
{
    void *arr, *p;
    size_t n;

    if (need <= *cap) {
        return 0;
    }
    if (size == 0 || need > SIZE_MAX / size) {
        return error_set(AVOW_ENOMEM, "an array of %zu elements is too large", need);
    }
    n = *cap == 0 ? (first == 0 ? 1 : first) : *cap;
    while (n < need) {
        n = n > SIZE_MAX / 2 ? need : n * 2;
    }
    if (n > SIZE_MAX / size) {
        n = need; /* doubling overshot; exactly what is needed fits */
    }
    memcpy(&arr, arrp, sizeof(arr));
    if ((p = realloc(arr, n * size)) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory growing an array to %zu elements", n);
    }
    memcpy(arrp, &p, sizeof(p));
    *cap = n;
    return 0;
}

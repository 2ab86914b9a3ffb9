/* SPDX-License-Identifier: ISC */
/*
 * grow.h - the one growable-array helper: room for `need` elements in an
 * array whose capacity doubles, with the size arithmetic overflow-checked
 * (every hand-rolled realloc-doubling of src/ goes through it).
 */
#ifndef AVOW_GROW_H
#define AVOW_GROW_H

#include <stddef.h>

/*
 * Ensure *arrp (a pointer to the array's pointer, of any element type) has
 * room for at least `need` elements of `size` bytes; its capacity *cap grows
 * to `first`, then doubles. New elements are not initialized.
 * @return 0; AVOW_ENOMEM when memory or the size arithmetic runs out, with
 *         *arrp and *cap unchanged.
 */
int grow_array(void *arrp, size_t *cap, size_t need, size_t size, size_t first);

#endif

/* SPDX-License-Identifier: ISC */
/* jsonutil.h - small jansson helpers shared by the modules that render JSON. */
#ifndef AVOW_JSONUTIL_H
#define AVOW_JSONUTIL_H

#include <assert.h>
#include <stdlib.h>

#include <jansson.h>

#include "util/common.h"

int jsonutil_set_hex(json_t *obj, const char *key, const unsigned char *bytes, size_t n);
int jsonutil_set_time(json_t *obj, const char *key, int64_t t);
/* The keys of a format v2 event (docs/FORMAT.md "JSON rendering of an
 * event"): note, confidence, reported_at, at, at_qualifier, at_from, and
 * takes_effect or choice by kind. @return 0 or -1 (out of memory). */
int jsonutil_set_event_v2(json_t *obj, const avow_event *ev);
/* Render doc compactly into out and release it (also when it is NULL: ENOMEM). */
int jsonutil_finish(avow_buf *out, json_t *doc);

#endif

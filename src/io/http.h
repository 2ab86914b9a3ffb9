/* SPDX-License-Identifier: ISC */
/*
 * http.h - bounded HTTP GETs with libcurl (src/io/http.c): the only module
 * that names curl.
 */
#ifndef AVOW_HTTP_H
#define AVOW_HTTP_H

#include <stddef.h>

#include "util/common.h"

typedef struct http_client http_client;

/* A client for many GETs on one connection. stall_seconds 0: HTTP_STALL_SECONDS.
 * @return 0, AVOW_ENOMEM */
int http_new(http_client **out, unsigned stall_seconds);
void http_free(http_client *c);

/*
 * GET url into out (cleared first), at most maxlen bytes after gzip decoding.
 * @return 0 (status 200), AVOW_ENOTFOUND (404), AVOW_ERANGE (more than maxlen
 *         bytes, or too many redirects), AVOW_EFORMAT (another status),
 *         AVOW_EIO (no connection, a stall, a timeout); the detail names url
 */
int http_get(http_client *c, avow_buf *out, const char *url, size_t maxlen);

#endif

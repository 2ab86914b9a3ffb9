/* SPDX-License-Identifier: ISC */
/*
 * http.c - HTTP(S) GETs of a published log's files (src/io/pull.c) with
 * libcurl, every response bounded.
 *
 * Invariants:
 *  1. No response keeps more than the caller's maxlen bytes (after gzip
 *     decoding): a server that announces or sends more is cut off at once.
 *  2. Only http and https, for the request and for redirects; at most
 *     HTTP_MAX_REDIRECTS redirects; a transfer under 1 byte/s for the stall
 *     time, or longer than HTTP_TOTAL_SECONDS, is abandoned.
 *  3. Only status 200 delivers data; 404 is AVOW_ENOTFOUND, others
 *     AVOW_EFORMAT, transport failures AVOW_EIO.
 */
#include <stdlib.h>

#include <curl/curl.h>

#include "io/http.h"
#include "util/limits.h"

struct http_client {
    CURL *curl;
    avow_buf *out;
    size_t maxlen;
    int too_big;
    char err[CURL_ERROR_SIZE];
};

static size_t
http_write(char *data, size_t size, size_t nmemb, void *payload)
{
    http_client *c = payload;
    size_t n = size * nmemb;
    if (n > c->maxlen - c->out->len) {
        c->too_big = 1; /* invariant 1 */
        return 0;
    }
    return buf_put(c->out, data, n) < 0 ? 0 : n;
}

int
http_new(http_client **out, unsigned stall_seconds)
{
    http_client *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL || (c->curl = curl_easy_init()) == NULL) {
        free(c);
        return error_set(AVOW_ENOMEM, "out of memory (curl)");
    }
    CURL *h = c->curl;
    long stall = stall_seconds > 0 ? (long)stall_seconds : HTTP_STALL_SECONDS;
    /* Invariant 2. */
    if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, stall) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)HTTP_TOTAL_SECONDS) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, "avow/" AVOW_VERSION) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->err) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK) {
        http_free(c);
        return error_set(AVOW_EIO, "libcurl refused an option (too old a libcurl?)");
    }
    *out = c;
    return 0;
}

void
http_free(http_client *c)
{
    if (c != NULL) {
        curl_easy_cleanup(c->curl);
        free(c);
    }
}

int
http_get(http_client *c, avow_buf *out, const char *url, size_t maxlen)
{
    long status = 0;
    buf_clear(out);
    c->out = out;
    c->maxlen = maxlen;
    c->too_big = 0;
    c->err[0] = '\0';
    if (curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)maxlen) != CURLE_OK) {
        return error_set(AVOW_EINVALID, "cannot request %s", url);
    }
    CURLcode rc = curl_easy_perform(c->curl);
    (void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        return error_set(AVOW_ERANGE, "%s: the response is larger than %zu bytes", url, maxlen);
    }
    if (rc == CURLE_TOO_MANY_REDIRECTS) {
        return error_set(AVOW_ERANGE, "%s: more than %d redirects", url, HTTP_MAX_REDIRECTS);
    }
    if (rc == CURLE_OUT_OF_MEMORY) {
        return error_set(AVOW_ENOMEM, "out of memory reading %s", url);
    }
    if (rc != CURLE_OK) {
        return error_set(AVOW_EIO, "%s: %s", url, c->err[0] ? c->err : curl_easy_strerror(rc));
    }
    if (status == 404) {
        return error_set(AVOW_ENOTFOUND, "%s: not found (404)", url);
    }
    if (status != 200) {
        return error_set(AVOW_EFORMAT, "%s: HTTP status %ld", url, status);
    }
    return 0;
}

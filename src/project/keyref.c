/* SPDX-License-Identifier: ISC */
/*
 * keyref.c - avow_keyref_resolve(): a key named on the command line as 64 hex
 * characters, a C2SP verifier key (NAME+HEXID+BASE64, Ed25519), a unique
 * prefix of 8 or more hex characters, or a keyring name, among
 * the authors this ledger knows (avow_trust_list(): events here or keyring).
 *
 * Invariants (tests/cli/test_prefix.sh):
 *  1. 64 hex characters, or a verifier key (checked: type and key ID), name
 *     that key, known or not (`trust add` of a key whose events have not
 *     arrived yet).
 *  2. A shorter reference names a key only when exactly one known key
 *     matches it (by hex prefix, any case, or by its whole keyring name);
 *     otherwise the error lists the candidates (at most KEYREF_LIST_MAX).
 */
#include <ctype.h>
#include <stdio.h>

#include "util/common.h"

/* Candidates an ambiguous reference lists in its error. */
#define KEYREF_LIST_MAX 8

typedef struct keyref_scan {
    const char *text;
    size_t len;
    int is_hex;
    size_t matches;
    unsigned char key[AVOW_PUBKEY_BYTES];
    char list[KEYREF_LIST_MAX * (16 + 3 + AVOW_TRUST_NAME_MAX + 3)];
    size_t list_len;
} keyref_scan;

static int
keyref_one(const avow_trust_entry *e, void *payload)
{
    keyref_scan *s = payload;
    char hex[AVOW_HEX_ID_LEN + 1];
    int match;
    int n;

    avow_hex(hex, e->key, AVOW_PUBKEY_BYTES);
    match = s->is_hex && strncasecmp(hex, s->text, s->len) == 0;
    match = match || (e->name[0] != '\0' && strcmp(e->name, s->text) == 0);
    if (!match) {
        return 0;
    }
    if (s->matches == 0) {
        memcpy(s->key, e->key, AVOW_PUBKEY_BYTES);
    }
    if (s->matches < KEYREF_LIST_MAX) {
        n = snprintf(s->list + s->list_len, sizeof(s->list) - s->list_len, "%s%.16s%s%s%s",
                     s->matches > 0 ? ", " : "", hex, e->name[0] != '\0' ? " (" : "", e->name,
                     e->name[0] != '\0' ? ")" : "");
        if (n > 0 && (size_t)n < sizeof(s->list) - s->list_len) {
            s->list_len += (size_t)n;
        }
    }
    s->matches++;
    return 0;
}

int
avow_keyref_resolve(unsigned char key[AVOW_PUBKEY_BYTES], avow_ledger *ledger, const char *text)
{
    keyref_scan s;
    int error;

    if (ledger == NULL || key == NULL || text == NULL || text[0] == '\0') {
        return error_set(AVOW_EINVALID, "avow_keyref_resolve: missing argument");
    }
    memset(&s, 0, sizeof(s));
    s.text = text;
    s.len = strlen(text);
    s.is_hex = s.len >= 8 && s.len <= AVOW_HEX_ID_LEN;
    for (size_t i = 0; s.is_hex && i < s.len; i++) {
        s.is_hex = isxdigit((unsigned char)text[i]) != 0;
    }
    if (strchr(text, '+') != NULL) { /* a C2SP verifier key names its key */
        avow_vkey v;
        if ((error = avow_vkey_parse(&v, text, s.len, AVOW_SIG_ED25519)) < 0) {
            return error;
        }
        memcpy(key, v.key, AVOW_PUBKEY_BYTES);
        return 0;
    }
    if (s.is_hex && s.len == AVOW_HEX_ID_LEN) { /* invariant 1 */
        return avow_unhex(key, AVOW_PUBKEY_BYTES, text) < 0
                 ? error_set(AVOW_EINVALID, "bad public key %s", text)
                 : 0;
    }
    if ((error = avow_trust_list(ledger, keyref_one, &s)) < 0) {
        return error;
    }
    if (s.matches == 0) {
        return error_set(AVOW_ENOTFOUND,
                         "no key '%s' in this ledger or its keyring (64 hex characters, "
                         "a unique prefix of 8 or more, or a keyring name)",
                         text);
    }
    if (s.matches > 1) {
        return error_set(AVOW_EINVALID, "key '%s' is ambiguous: %zu keys match: %s%s", text,
                         s.matches, s.list, s.matches > KEYREF_LIST_MAX ? ", ..." : "");
    }
    memcpy(key, s.key, AVOW_PUBKEY_BYTES);
    return 0;
}

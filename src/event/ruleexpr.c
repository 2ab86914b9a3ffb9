/* SPDX-License-Identifier: ISC */
/*
 * ruleexpr.c - the parser of rule expressions (docs/PROJECTIONS.md, "Rule
 * expressions") and the table of built-in rules written in the language.
 *
 *   expr  := conj ("or" conj)*
 *   conj  := unary ("and" unary)*
 *   unary := "not" unary | "(" expr ")" | "no" NAME "opposes" | cmp
 *   cmp   := MEASURE "." SET OP threshold
 *   threshold := PCT "%" ["of" SET] | P "/" Q ["of" SET] | COUNT
 *   MEASURE := "members" | NAME (a weight);  SET := for | against |
 *   abstaining | voting | present | notfor | all;  OP := >= | > | <= | < | =
 *
 * Invariants (tests/unit/test_ruleexpr.c, tests/fuzz/fuzz_ruleexpr.c):
 *  1. Total: every input of any bytes ends in 0 or -1 within
 *     RULEEXPR_MAX_LEN bytes, RULEEXPR_MAX_NODES nodes and
 *     RULEEXPR_MAX_DEPTH levels, without allocating.
 *  2. Strict: one spelling per rule (lower-case words, numbers without sign
 *     or leading zero, a percentage at most 100 with at most 4 decimals, a
 *     fraction P/Q with P <= Q <= RULEEXPR_MAX_SCALE, a count at most
 *     RULEEXPR_MAX_TOTAL); anything else is refused with its position and
 *     what was expected there.
 *  3. Every built-in is an expression of the language (ruleexpr_builtin()),
 *     parsed by the same code, so a built-in means exactly its text.
 *  4. A share threshold is kept as num/den with den <= RULEEXPR_MAX_SCALE.
 */
#include <stdio.h>
#include <string.h>

#include "event/rule.h"
#include "event/ruleexpr.h"

static const struct {
    const char *name, *expr;
} builtins[] = {
    /* Every member (the existing rule). */
    { "unanimity", "members.for >= 100%" },
    /* More than half of the members (the existing rule: members / 2 + 1). */
    { "majority", "members.for > 50%" },
    /* Art. 16(4) TEU, Art. 238(3) TFEU: 55 % of the members and 65 % of the
     * population; a blocking minority needs at least four members, failing
     * which the qualified majority is deemed attained; an abstention is not for. */
    { "eu-qmv", "members.for >= 55% and (population.for >= 65% or members.notfor < 4)" },
    /* Art. 238(2) TFEU: 72 % of the members and 65 % of the population. */
    { "eu-qmv-reinforced", "members.for >= 72% and population.for >= 65%" },
    /* Art. 27(3) UN Charter: nine members, the concurring votes of the
     * permanent members; in practice an abstention is no veto. */
    { "unsc", "members.for >= 9 and no permanent opposes" },
    /* Two thirds of those present and voting (abstentions not counted). */
    { "two-thirds-present", "members.for >= 2/3 of voting" },
};

static const char *const set_names[] = { NULL,     "for",     "against", "abstaining",
                                         "voting", "present", "notfor",  "all" };

const char *
ruleexpr_builtin(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strlen(builtins[i].name) == len && memcmp(builtins[i].name, name, len) == 0) {
            return builtins[i].expr;
        }
    }
    return NULL;
}

int
ruleexpr_is_classic(const char *text, size_t len)
{
    rule r;
    return text != NULL && rule_parse(&r, text, len) == 0;
}

typedef struct rx_parser {
    const char *s;
    size_t len, pos;
    int depth;
    ruleexpr *out;
    ruleexpr_error *err;
} rx_parser;

static int
rx_fail(rx_parser *p, const char *expected)
{
    if (p->err != NULL) {
        p->err->pos = p->pos;
        if (p->pos >= p->len) {
            (void)snprintf(p->err->msg, sizeof(p->err->msg), "expected %s at the end", expected);
        } else {
            (void)snprintf(p->err->msg, sizeof(p->err->msg), "expected %s at byte %zu", expected,
                           p->pos + 1);
        }
    }
    return -1;
}

static void
rx_space(rx_parser *p)
{
    while (p->pos < p->len && p->s[p->pos] == ' ') {
        p->pos++;
    }
}

static int
rx_is_word(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') || c == '_' || c == '-'));
}

/* The word at pos (not consumed): its length, 0 when none. */
static size_t
rx_peek_word(const rx_parser *p)
{
    size_t n = 0;
    while (p->pos + n < p->len && rx_is_word(p->s[p->pos + n], n == 0)) {
        n++;
    }
    return n;
}

static int
rx_word_is(const rx_parser *p, const char *w)
{
    size_t n = rx_peek_word(p);
    return n == strlen(w) && memcmp(p->s + p->pos, w, n) == 0;
}

static int
rx_take(rx_parser *p, const char *w)
{
    if (!rx_word_is(p, w)) {
        return 0;
    }
    p->pos += strlen(w);
    rx_space(p);
    return 1;
}

static int
rx_node(rx_parser *p, uint8_t op, size_t pos, uint8_t *id)
{
    ruleexpr *e = p->out;
    if (e->nnodes >= RULEEXPR_MAX_NODES) {
        return rx_fail(p, "a shorter rule (too many terms)");
    }
    memset(&e->nodes[e->nnodes], 0, sizeof(e->nodes[0]));
    e->nodes[e->nnodes].op = op;
    e->nodes[e->nnodes].pos = pos;
    *id = (uint8_t)e->nnodes++;
    return 0;
}

/* A weight or group name: its index + 1 in out->names. */
static int
rx_name(rx_parser *p, uint8_t *idx)
{
    ruleexpr *e = p->out;
    size_t n = rx_peek_word(p);
    if (n == 0 || n > RULEEXPR_MAX_NAME) {
        return rx_fail(p, "a name (a-z, then a-z, 0-9, _ or -, at most 32)");
    }
    for (size_t i = 0; i < e->nnames; i++) {
        if (strlen(e->names[i]) == n && memcmp(e->names[i], p->s + p->pos, n) == 0) {
            *idx = (uint8_t)(i + 1);
            p->pos += n;
            return 0;
        }
    }
    memcpy(e->names[e->nnames], p->s + p->pos, n);
    e->names[e->nnames][n] = '\0';
    *idx = (uint8_t)++e->nnames;
    p->pos += n;
    return 0;
}

static int
rx_set(rx_parser *p, uint8_t *set)
{
    for (unsigned i = RX_FOR; i <= RX_ALL; i++) {
        if (rx_word_is(p, set_names[i])) {
            p->pos += strlen(set_names[i]);
            *set = (uint8_t)i;
            return 0;
        }
    }
    return rx_fail(p, "for, against, abstaining, voting, present, notfor or all");
}

static int
rx_op(rx_parser *p, uint8_t *cmp)
{
    const char *s = p->s + p->pos;
    size_t left = p->len - p->pos;
    if (left >= 2 && (s[0] == '>' || s[0] == '<') && s[1] == '=') {
        *cmp = s[0] == '>' ? RX_GE : RX_LE;
        p->pos += 2;
    } else if (left >= 1 && (s[0] == '>' || s[0] == '<' || s[0] == '=')) {
        *cmp = s[0] == '>' ? RX_GT : s[0] == '<' ? RX_LT : RX_EQ;
        p->pos += 1;
    } else {
        return rx_fail(p, "a comparison (>=, >, <=, < or =)");
    }
    return 0;
}

/* Decimal digits without leading zero (a lone 0 is fine), at most max. */
static int
rx_digits(rx_parser *p, unsigned long long max, unsigned long long *out, size_t *ndigits)
{
    size_t start = p->pos;
    unsigned long long v = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        v = v * 10 + (unsigned long long)(p->s[p->pos] - '0');
        p->pos++;
        if (v > max || p->pos - start > 15) {
            p->pos = start;
            return rx_fail(p, "a smaller number");
        }
    }
    *ndigits = p->pos - start;
    if (*ndigits == 0 || (*ndigits > 1 && p->s[start] == '0')) {
        p->pos = start;
        return rx_fail(p, "a number (digits, no sign, no leading zero)");
    }
    *out = v;
    return 0;
}

/* After "NUMBER.": 1 to 4 decimals, not ending in 0, then '%'. */
static int
rx_percent(rx_parser *p, ruleexpr_node *n, unsigned long long whole)
{
    unsigned long long frac = 0, den = 100;
    size_t k = 0;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9' && k < 4) {
            frac = frac * 10 + (unsigned long long)(p->s[p->pos++] - '0');
            den *= 10;
            k++;
        }
        if (k == 0 || p->s[p->pos - 1] == '0') {
            return rx_fail(p, "decimals not ending in 0 (at most 4)");
        }
    }
    if (p->pos >= p->len || p->s[p->pos] != '%') {
        return rx_fail(p, "'%'");
    }
    n->num = whole * (den / 100) + frac;
    n->den = den;
    if (n->num > n->den) {
        return rx_fail(p, "a percentage of at most 100");
    }
    p->pos++;
    n->is_share = 1;
    return 0;
}

static int
rx_threshold(rx_parser *p, ruleexpr_node *n)
{
    unsigned long long v;
    size_t nd;
    if (rx_digits(p, RULEEXPR_MAX_TOTAL, &v, &nd) < 0) {
        return -1;
    }
    if (p->pos < p->len && (p->s[p->pos] == '.' || p->s[p->pos] == '%')) {
        if (v > 100) {
            return rx_fail(p, "a percentage of at most 100");
        }
        if (rx_percent(p, n, v) < 0) {
            return -1;
        }
    } else if (p->pos < p->len && p->s[p->pos] == '/') {
        p->pos++;
        if (v > RULEEXPR_MAX_SCALE || rx_digits(p, RULEEXPR_MAX_SCALE, &n->den, &nd) < 0) {
            return rx_fail(p, "a fraction P/Q with P <= Q <= 1000000");
        }
        if (n->den == 0 || v > n->den) {
            return rx_fail(p, "a fraction P/Q with 1 <= Q and P <= Q");
        }
        n->num = v;
        n->is_share = 1;
    } else {
        n->num = v;
        return 0;
    }
    n->base = RX_ALL;
    rx_space(p);
    if (rx_take(p, "of")) {
        return rx_set(p, &n->base);
    }
    return 0;
}

static int
rx_cmp(rx_parser *p, uint8_t *id)
{
    size_t start = p->pos;
    uint8_t name = 0;
    if (!rx_take(p, "members")) {
        if (rx_peek_word(p) == 0) {
            return rx_fail(p, "a measure (members or a weight's name), 'no', 'not' or '('");
        }
        if (rx_name(p, &name) < 0) {
            return -1;
        }
    }
    if (p->pos >= p->len || p->s[p->pos] != '.') {
        return rx_fail(p, "'.' and a set (for, against, ...)");
    }
    p->pos++;
    if (rx_node(p, RX_CMP, start, id) < 0) {
        return -1;
    }
    ruleexpr_node *n = &p->out->nodes[*id];
    n->name = name;
    if (rx_set(p, &n->set) < 0) {
        return -1;
    }
    rx_space(p);
    if (rx_op(p, &n->cmp) < 0) {
        return -1;
    }
    rx_space(p);
    if (rx_threshold(p, n) < 0) {
        return -1;
    }
    rx_space(p);
    return 0;
}

static int rx_expr(rx_parser *p, uint8_t *id);

static int
rx_unary(rx_parser *p, uint8_t *id)
{
    size_t start = p->pos;
    if (++p->depth > RULEEXPR_MAX_DEPTH) {
        return rx_fail(p, "less nesting");
    }
    int rc;
    if (rx_take(p, "not")) {
        uint8_t sub = 0;
        rc = rx_unary(p, &sub);
        if (rc == 0 && (rc = rx_node(p, RX_NOT, start, id)) == 0) {
            p->out->nodes[*id].lhs = sub;
        }
    } else if (p->pos < p->len && p->s[p->pos] == '(') {
        p->pos++;
        rx_space(p);
        rc = rx_expr(p, id);
        if (rc == 0 && (p->pos >= p->len || p->s[p->pos] != ')')) {
            rc = rx_fail(p, "')', 'and' or 'or'");
        } else if (rc == 0) {
            p->pos++;
            rx_space(p);
        }
    } else if (rx_take(p, "no")) {
        uint8_t g = 0;
        if ((rc = rx_name(p, &g)) == 0 && (rc = rx_node(p, RX_VETO, start, id)) == 0) {
            p->out->nodes[*id].name = g;
            rx_space(p);
            if (!rx_take(p, "opposes")) {
                rc = rx_fail(p, "'opposes' after the group's name");
            }
        }
    } else {
        rc = rx_cmp(p, id);
    }
    p->depth--;
    return rc;
}

/* conj ("and" conj)* when op is RX_OR, unary ("and" unary)* when RX_AND. */
static int
rx_chain(rx_parser *p, uint8_t op, uint8_t *id)
{
    size_t start = p->pos;
    const char *word = op == RX_OR ? "or" : "and";
    int rc = op == RX_OR ? rx_chain(p, RX_AND, id) : rx_unary(p, id);
    while (rc == 0 && rx_take(p, word)) {
        uint8_t rhs = 0, node = 0;
        rc = op == RX_OR ? rx_chain(p, RX_AND, &rhs) : rx_unary(p, &rhs);
        if (rc == 0 && (rc = rx_node(p, op, start, &node)) == 0) {
            p->out->nodes[node].lhs = *id;
            p->out->nodes[node].rhs = rhs;
            *id = node;
        }
    }
    return rc;
}

static int
rx_expr(rx_parser *p, uint8_t *id)
{
    return rx_chain(p, RX_OR, id);
}

/* Expand a built-in or one of today's rules into dst; copy an expression. */
static int
rx_expand(char dst[RULEEXPR_MAX_LEN + 1], const char *text, size_t len)
{
    const char *b = ruleexpr_builtin(text, len);
    rule r;
    int n;
    if (b != NULL) {
        n = snprintf(dst, RULEEXPR_MAX_LEN + 1, "%s", b);
    } else if (rule_parse(&r, text, len) == 0 && r.kind == RULE_FRACTION) {
        n = snprintf(dst, RULEEXPR_MAX_LEN + 1, "members.for >= %lu/%lu", r.p, r.q);
    } else if (rule_parse(&r, text, len) == 0 && r.kind == RULE_COUNT) {
        n = snprintf(dst, RULEEXPR_MAX_LEN + 1, "members.for >= %lu", r.p);
    } else {
        if (len > RULEEXPR_MAX_LEN) {
            return -1;
        }
        memcpy(dst, text, len);
        dst[len] = '\0';
        return (int)len;
    }
    return n < 0 || n > RULEEXPR_MAX_LEN ? -1 : n;
}

int
ruleexpr_parse(ruleexpr *out, const char *text, size_t len, ruleexpr_error *err)
{
    rx_parser p = { NULL, 0, 0, 0, out, err };
    memset(out, 0, sizeof(*out));
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
    if (text == NULL) {
        return rx_fail(&p, "a rule");
    }
    int n = rx_expand(out->text, text, len);
    if (n < 0) {
        p.pos = RULEEXPR_MAX_LEN;
        return rx_fail(&p, "a rule of at most 256 bytes");
    }
    if (memchr(text, '\0', len) != NULL) {
        p.pos = (size_t)((const char *)memchr(text, '\0', len) - text);
        return rx_fail(&p, "text without NUL");
    }
    p.s = out->text;
    p.len = (size_t)n;
    uint8_t root = 0;
    if (rx_expr(&p, &root) < 0) {
        return -1;
    }
    if (p.pos != p.len) {
        return rx_fail(&p, "'and', 'or' or the end");
    }
    out->root = root;
    return 0;
}

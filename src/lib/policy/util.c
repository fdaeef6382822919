/*
 * util.c - small pieces the policy lexer, parser and evaluator share: the arena, error
 * records (MAA's PolicyParsingError / PolicyEvaluationError wording), limits, names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

/* ---- arena ---- */

struct pol_arena_block {
    struct pol_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define POL_ARENA_BLOCK 4096u

void pol_arena_init(struct pol_arena *a, size_t cap)
{
    a->head = NULL;
    a->used_total = 0;
    a->cap = cap;
    a->capped = false;
}

void pol_arena_release(struct pol_arena *a)
{
    struct pol_arena_block *b = a->head;
    while (b != NULL) {
        struct pol_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}

_Thread_local uint64_t maat__pol_arena_zeroed;

void *pol_arena_alloc_uninit(struct pol_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2) return NULL;
    size_t need = (n + 15u) & ~(size_t)15u;
    if (need == 0) need = 16;
    if (a->cap != 0 && (a->used_total > a->cap || need > a->cap - a->used_total)) {
        a->capped = true;
        return NULL;
    }
    struct pol_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t size = need > POL_ARENA_BLOCK ? need : POL_ARENA_BLOCK;
        b = malloc(sizeof *b + size);
        if (b == NULL) return NULL;
        b->size = size;
        b->used = 0;
        /* A big one-off block goes behind the current one so the current block's free
         * space stays usable. */
        if (a->head != NULL && need > POL_ARENA_BLOCK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used_total += need;
    return p;
}

void *pol_arena_alloc(struct pol_arena *a, size_t n)
{
    void *p = pol_arena_alloc_uninit(a, n);
    if (p != NULL) {
        size_t need = n != 0 ? (n + 15u) & ~(size_t)15u : 16;
        memset(p, 0, need);
        maat__pol_arena_zeroed += need;
    }
    return p;
}

char *pol_arena_strndup(struct pol_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX) return NULL;
    char *d = pol_arena_alloc_uninit(a, n + 1); /* written in full below */
    if (d == NULL) return NULL;
    if (n != 0) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- limits and names ---- */

void maat__policy_limits_default(struct maat_policy_limits *l)
{
    l->max_text = 256u << 10;
    l->max_rules = 1024;
    l->max_conditions = 32;
    l->max_tests = 16;
    l->max_depth = 8;
    l->max_string = 64u << 10;
    l->max_claims = 4096;
    l->max_set = 1024;
    l->max_steps = 1000000;
    l->max_issued_claims = 256;
    l->max_claim_value = 256u << 10;
    l->max_issued_bytes = 1u << 20;
    l->max_memory = 16u << 20;
}

const char *maat__claim_kind_name(enum maat_claim_kind kind)
{
    switch (kind) {
    case MAAT_CLAIM_INTEGER: return "Integer";
    case MAAT_CLAIM_BOOLEAN: return "Boolean";
    case MAAT_CLAIM_SET: return "Set";
    case MAAT_CLAIM_STRING:
    case MAAT_CLAIM_JSON:
    default: return "String";
    }
}

const char *pol_section_name(enum maat_policy_section s)
{
    switch (s) {
    case MAAT_POLICY_CONFIGURATION: return "configurationrules";
    case MAAT_POLICY_AUTHORIZATION: return "authorizationrules";
    case MAAT_POLICY_ISSUANCE: return "issuancerules";
    }
    return "?";
}

const char *pol_fn_name(enum pol_fn fn)
{
    static const char *const names[FN__COUNT] = {
        [FN_JMESPATH] = "JmesPath",     [FN_JSONTOCLAIMVALUE] = "JsonToClaimValue",
        [FN_ISSUBSETOF] = "IsSubsetOf", [FN_APPENDSTRING] = "AppendString",
        [FN_NEGATEBOOL] = "NegateBool", [FN_CONTAINSONLYVALUE] = "ContainsOnlyValue",
    };
    return (unsigned)fn < FN__COUNT ? names[fn] : "?";
}

bool pol_keyword_eq(const char *s, size_t n, const char *kw)
{
    size_t k = strlen(kw);
    if (n != k) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)kw[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

/* ---- errors ---- */

static void copy_str(char *dst, size_t n, const char *src)
{
    if (n == 0) return;
    size_t l = src != NULL ? strlen(src) : 0;
    if (l >= n) l = n - 1;
    if (l != 0) memcpy(dst, src, l);
    dst[l] = '\0';
}

void pol_error_parse(struct maat_policy_error *e, unsigned line, unsigned col,
                     const char *offending, const char *rule, const char *fmt, ...)
{
    if (e == NULL || e->kind != MAAT_POLICY_ERR_NONE) return;
    e->kind = MAAT_POLICY_ERR_PARSING;
    e->line = line;
    e->column = col;
    copy_str(e->offending, sizeof e->offending, offending);
    copy_str(e->rule, sizeof e->rule, rule);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    maat_error_set(&e->err, MAAT_ERR_VALUE, "line %u:%u %s", line, col, e->detail);
}

void pol_error_eval(struct maat_policy_error *e, unsigned line, unsigned col, const char *fmt, ...)
{
    if (e == NULL || e->kind != MAAT_POLICY_ERR_NONE) return;
    e->kind = MAAT_POLICY_ERR_EVALUATION;
    e->line = line;
    e->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    maat_error_set(&e->err, MAAT_ERR_VALUE, "%s", e->detail);
}

void pol_error_internal(struct maat_policy_error *e, maat_err code, const char *fmt, ...)
{
    if (e == NULL || e->kind != MAAT_POLICY_ERR_NONE) return;
    e->kind = MAAT_POLICY_ERR_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    maat_error_set(&e->err, code, "%s", e->detail);
}

const char *maat__policy_error_code(const struct maat_policy_error *e)
{
    if (e == NULL) return "InternalError";
    switch (e->kind) {
    case MAAT_POLICY_ERR_PARSING: return "PolicyParsingError";
    case MAAT_POLICY_ERR_EVALUATION: return "PolicyEvaluationError";
    case MAAT_POLICY_ERR_NONE:
    case MAAT_POLICY_ERR_INTERNAL:
    default: return "InternalError";
    }
}

size_t maat__policy_error_format(const struct maat_policy_error *e, char *buf, size_t n)
{
    int r;
    if (e != NULL && e->kind == MAAT_POLICY_ERR_PARSING)
        /* Layout of MAA's native message (troubleshoot-guide.md, section 2.5). */
        r = snprintf(buf, n,
                     "Policy Parser Exception Thrown: Offending symbol: '%s'\nLine: '%u', "
                     "Column: '%u'\nFailure message: '%s'\nFailing rule: '%s'",
                     e->offending, e->line, e->column, e->detail, e->rule);
    else if (e != NULL && e->kind == MAAT_POLICY_ERR_EVALUATION)
        r = snprintf(buf, n, "Policy Engine Exception: %s", e->detail);
    else
        r = snprintf(buf, n, "%s", e != NULL ? e->detail : "");
    return r < 0 ? 0 : (size_t)r;
}

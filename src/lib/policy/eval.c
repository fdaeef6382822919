/*
 * eval.c - evaluation of a parsed MAA policy over an incoming claim set
 * (claim-rule-grammar.md, policy-version-1-x.md, claim-rule-functions.md):
 *
 *   configurationrules -> property claims (issueproperty), e.g. x-ms-sgx-tcbidentifier
 *   authorizationrules -> permit / deny; any deny fails, no permit fails
 *   issuancerules      -> outgoing claims (issue), only after a permit
 *
 * Each rule runs once, in order, and sees the claims earlier rules added (never the
 * ones it adds itself, so no rule set can loop). A condition holds when at least one
 * visible claim passes all its property tests; a negated one (1.2) when none does. An
 * action that uses a tag fires once per combination of claims matched by the tagged
 * conditions it uses; other actions fire once. Every evaluation is bounded by
 * maat_policy_limits (claims, string sizes, steps) and so is its output (issued claims,
 * one value's size, all issued bytes, memory), checked before anything is copied.
 * Decisions: docs/policy.md.
 *
 * Hot path: the default SGX policy evaluates with a handful of allocations (one arena
 * block and three claim arrays) and no JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

/* A value that carries no claim (JsonToClaimValue of JSON null): adding or issuing it is
 * a no-op, comparing with it never matches. */
#define KIND_EMPTY ((enum maat_claim_kind)100)

struct claimvec {
    struct maat_claim *v;
    size_t *tlen; /* strlen of each type (incoming set only) */
    size_t n, cap;
};

/* What a result owns. */
struct result_store {
    struct pol_arena arena;
    struct claimvec in, out, props;
};

struct eval {
    const struct maat_policy *pol;
    const struct maat_policy_limits *lim;
    struct maat_policy_error *perr;
    struct result_store *st;
    uint64_t steps;
    size_t issued_bytes; /* types + values issued so far (max_issued_bytes) */
    size_t visible;      /* claims the current rule may match */
    bool permit, deny;
    const struct pol_rule *rule;
    size_t *bind;                 /* claim index bound to each condition */
    struct maat_claim_value *rhs; /* evaluated right-hand sides, per test */
    unsigned *rhs_off;            /* first rhs slot of each condition */
};

/* ---- errors ---- */

static int fail(struct eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct eval *ev, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = ev->rule ? ev->rule->line : 0, col = ev->rule ? ev->rule->col : 0;
    pol_error_eval(ev->perr, line, col, "rule at line %u:%u: %s", line, col, msg);
    return -1;
}

/* An arena allocation failed: over max_memory is the policy's doing (an evaluation
 * error naming the bound), anything else is out of memory. */
static int nomem(struct eval *ev)
{
    if (ev->st->arena.capped)
        return fail(ev,
                    "the evaluation's values exceed the limit of %zu bytes of memory "
                    "(max_memory)",
                    ev->lim->max_memory);
    pol_error_internal(ev->perr, MAAT_ERR_NOMEM, "policy evaluation: out of memory");
    return -1;
}

static int step(struct eval *ev, uint64_t n)
{
    ev->steps += n;
    if (ev->steps > ev->lim->max_steps)
        return fail(ev, "evaluation exceeded the limit of %llu steps",
                    (unsigned long long)ev->lim->max_steps);
    return 0;
}

/* ---- values ---- */

static enum maat_claim_kind norm(enum maat_claim_kind k)
{
    return k == MAAT_CLAIM_JSON ? MAAT_CLAIM_STRING : k;
}

static struct maat_claim_value str_value(const char *s, size_t len)
{
    struct maat_claim_value v = {.kind = MAAT_CLAIM_STRING, .str = s, .len = len};
    return v;
}

static bool scalar_equal(const struct maat_claim_value *a, const struct maat_claim_value *b)
{
    if (norm(a->kind) != norm(b->kind)) return false;
    switch (norm(a->kind)) {
    case MAAT_CLAIM_STRING:
        return a->len == b->len && (a->len == 0 || memcmp(a->str, b->str, a->len) == 0);
    case MAAT_CLAIM_INTEGER: return a->integer == b->integer;
    case MAAT_CLAIM_BOOLEAN: return a->boolean == b->boolean;
    default: return false;
    }
}

static bool value_equal(const struct maat_claim_value *a, const struct maat_claim_value *b)
{
    if (a->kind == MAAT_CLAIM_SET && b->kind == MAAT_CLAIM_SET) {
        if (a->count != b->count) return false;
        for (size_t i = 0; i < a->count; i++)
            if (!scalar_equal(&a->items[i], &b->items[i])) return false;
        return true;
    }
    return scalar_equal(a, b);
}

/* A property test: typed, a type mismatch never matches (for == and != alike);
 * ordering only between Integers. */
static bool compare(const struct maat_claim_value *a, enum pol_op op,
                    const struct maat_claim_value *b)
{
    if (a->kind == KIND_EMPTY || b->kind == KIND_EMPTY) return false;
    if (norm(a->kind) != norm(b->kind)) return false;
    switch (op) {
    case OP_EQ: return value_equal(a, b);
    case OP_NE: return !value_equal(a, b);
    default: break;
    }
    if (a->kind != MAAT_CLAIM_INTEGER) return false;
    switch (op) {
    case OP_LT: return a->integer < b->integer;
    case OP_LE: return a->integer <= b->integer;
    case OP_GT: return a->integer > b->integer;
    case OP_GE: return a->integer >= b->integer;
    default: return false;
    }
}

/* The members of a value seen as a set (a scalar is a set of one). */
static const struct maat_claim_value *members(const struct maat_claim_value *v, size_t *n)
{
    if (v->kind == MAAT_CLAIM_SET) {
        *n = v->count;
        return v->items;
    }
    *n = v->kind == KIND_EMPTY ? 0 : 1;
    return v;
}

static bool contains(const struct maat_claim_value *set, size_t n, const struct maat_claim_value *x)
{
    for (size_t i = 0; i < n; i++)
        if (scalar_equal(&set[i], x)) return true;
    return false;
}

/* ---- JsonToClaimValue ---- */

static int json_scalar(struct eval *ev, json_t *j, struct maat_claim_value *out)
{
    memset(out, 0, sizeof *out);
    switch (json_typeof(j)) {
    case JSON_STRING: {
        size_t len = json_string_length(j);
        char *s = pol_arena_strndup(&ev->st->arena, json_string_value(j), len);
        if (s == NULL) return nomem(ev);
        *out = str_value(s, len);
        return 0;
    }
    case JSON_INTEGER:
        out->kind = MAAT_CLAIM_INTEGER;
        out->integer = (int64_t)json_integer_value(j);
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        out->kind = MAAT_CLAIM_BOOLEAN;
        out->boolean = json_is_true(j);
        return 0;
    case JSON_NULL: out->kind = KIND_EMPTY; return 0;
    case JSON_REAL: return fail(ev, "JsonToClaimValue: a fraction cannot be a claim value");
    case JSON_OBJECT: return fail(ev, "JsonToClaimValue: a JSON object cannot be a claim value");
    case JSON_ARRAY:
    default:
        return fail(ev,
                    "JsonToClaimValue: arrays may only hold numbers, Booleans, strings and null");
    }
}

static int fn_json_to_claim_value(struct eval *ev, const struct maat_claim_value *arg,
                                  struct maat_claim_value *out)
{
    if (norm(arg->kind) != MAAT_CLAIM_STRING)
        return fail(ev, "JsonToClaimValue: the argument is %s, expected a String holding JSON",
                    maat__claim_kind_name(arg->kind));
    json_error_t jerr;
    json_t *j = json_loadb(arg->str, arg->len, JSON_DECODE_ANY, &jerr);
    if (j == NULL)
        return fail(ev, "JsonToClaimValue: the argument is not valid JSON (%s)", jerr.text);
    int rc = 0;
    if (json_is_array(j)) {
        size_t n = json_array_size(j);
        if (n > ev->lim->max_set) {
            rc = fail(ev, "JsonToClaimValue: an array of %zu members exceeds the limit of %zu", n,
                      ev->lim->max_set);
        } else {
            struct maat_claim_value *items = pol_arena_alloc(&ev->st->arena,
                                                             (n ? n : 1) * sizeof *items);
            size_t k = 0;
            if (items == NULL) rc = nomem(ev);
            for (size_t i = 0; rc == 0 && i < n; i++) {
                json_t *m = json_array_get(j, i);
                if (json_is_array(m) || json_is_object(m)) {
                    rc = fail(ev, "JsonToClaimValue: arrays may only hold numbers, Booleans, "
                                  "strings and null");
                    break;
                }
                rc = json_scalar(ev, m, &items[k]);
                if (rc == 0 && items[k].kind != KIND_EMPTY) k++;
            }
            if (rc == 0) {
                memset(out, 0, sizeof *out);
                out->kind = MAAT_CLAIM_SET;
                out->items = items;
                out->count = k;
            }
        }
    } else {
        rc = json_scalar(ev, j, out);
    }
    json_decref(j);
    return rc;
}

/* ---- expressions ---- */

static int eval_expr(struct eval *ev, const struct pol_expr *e, struct maat_claim_value *out);

static int need_string(struct eval *ev, const char *fn, unsigned i, const struct maat_claim_value *v)
{
    if (norm(v->kind) == MAAT_CLAIM_STRING) return 0;
    return fail(ev, "%s: argument %u is %s, expected String", fn, i + 1,
                v->kind == KIND_EMPTY ? "empty" : maat__claim_kind_name(v->kind));
}

static int eval_call(struct eval *ev, const struct pol_expr *e, struct maat_claim_value *out)
{
    struct maat_claim_value a[2];
    uint64_t cost = 1;
    for (unsigned i = 0; i < e->nargs && i < 2; i++) {
        MAAT_TRY(eval_expr(ev, e->args[i], &a[i]));
        if (norm(a[i].kind) == MAAT_CLAIM_STRING) cost += a[i].len / 64;
        if (a[i].kind == MAAT_CLAIM_SET) cost += a[i].count;
    }
    MAAT_TRY(step(ev, cost));
    const char *fn = pol_fn_name(e->fn);
    memset(out, 0, sizeof *out);
    switch (e->fn) {
    case FN_APPENDSTRING: {
        MAAT_TRY(need_string(ev, fn, 0, &a[0]));
        MAAT_TRY(need_string(ev, fn, 1, &a[1]));
        size_t len = a[0].len + a[1].len;
        if (len > ev->lim->max_string)
            return fail(ev, "AppendString: a string of %zu bytes exceeds the limit of %zu", len,
                        ev->lim->max_string);
        char *s = pol_arena_alloc(&ev->st->arena, len + 1);
        if (s == NULL) return nomem(ev);
        if (a[0].len) memcpy(s, a[0].str, a[0].len);
        if (a[1].len) memcpy(s + a[0].len, a[1].str, a[1].len);
        *out = str_value(s, len);
        return 0;
    }
    case FN_NEGATEBOOL:
        if (a[0].kind != MAAT_CLAIM_BOOLEAN)
            return fail(ev, "NegateBool: the argument is %s, expected Boolean",
                        a[0].kind == KIND_EMPTY ? "empty" : maat__claim_kind_name(a[0].kind));
        out->kind = MAAT_CLAIM_BOOLEAN;
        out->boolean = !a[0].boolean;
        return 0;
    case FN_ISSUBSETOF: {
        size_t n0, n1;
        const struct maat_claim_value *s0 = members(&a[0], &n0), *s1 = members(&a[1], &n1);
        MAAT_TRY(step(ev, (uint64_t)n0 * n1 / 16));
        out->kind = MAAT_CLAIM_BOOLEAN;
        out->boolean = true;
        for (size_t i = 0; i < n0; i++)
            if (!contains(s1, n1, &s0[i])) out->boolean = false;
        return 0;
    }
    case FN_CONTAINSONLYVALUE: {
        if (a[1].kind == MAAT_CLAIM_SET || a[1].kind == KIND_EMPTY)
            return fail(ev, "ContainsOnlyValue: argument 2 must be a single value");
        size_t n0;
        const struct maat_claim_value *s0 = members(&a[0], &n0);
        out->kind = MAAT_CLAIM_BOOLEAN;
        out->boolean = n0 > 0;
        for (size_t i = 0; i < n0; i++)
            if (!scalar_equal(&s0[i], &a[1])) out->boolean = false;
        return 0;
    }
    case FN_JSONTOCLAIMVALUE: return fn_json_to_claim_value(ev, &a[0], out);
    case FN_JMESPATH:
        MAAT_TRY(need_string(ev, fn, 0, &a[0]));
        MAAT_TRY(need_string(ev, fn, 1, &a[1]));
        return fail(ev, "JmesPath is not supported by maat (it serves TPM event-log "
                        "policies; see docs/policy.md)");
    case FN__COUNT: break;
    }
    return fail(ev, "unknown function");
}

static int eval_expr(struct eval *ev, const struct pol_expr *e, struct maat_claim_value *out)
{
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case EX_STRING: *out = str_value(e->str, e->len); return 0;
    case EX_INTEGER:
        out->kind = MAAT_CLAIM_INTEGER;
        out->integer = e->integer;
        return 0;
    case EX_BOOL:
        out->kind = MAAT_CLAIM_BOOLEAN;
        out->boolean = e->boolean;
        return 0;
    case EX_REF: {
        const struct maat_claim *c = &ev->st->in.v[ev->bind[e->ref_cond]];
        if (e->ref_prop == PROP_TYPE)
            *out = str_value(c->type, strlen(c->type));
        else
            *out = c->value;
        return 0;
    }
    case EX_CALL: return eval_call(ev, e, out);
    }
    return fail(ev, "bad expression");
}

/* ---- claims ---- */

static int push(struct eval *ev, struct claimvec *v, const struct maat_claim *c)
{
    size_t total = ev->st->in.n + ev->st->out.n + ev->st->props.n;
    if (total >= ev->lim->max_claims)
        return fail(ev, "the claim sets grew beyond the limit of %zu claims", ev->lim->max_claims);
    bool in = v == &ev->st->in;
    if (v->n == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 16;
        struct maat_claim *nv = realloc(v->v, ncap * sizeof *nv);
        if (nv == NULL) return nomem(ev);
        v->v = nv;
        if (in) {
            size_t *nt = realloc(v->tlen, ncap * sizeof *nt);
            if (nt == NULL) return nomem(ev);
            v->tlen = nt;
        }
        v->cap = ncap;
    }
    if (in) v->tlen[v->n] = strlen(c->type);
    v->v[v->n++] = *c;
    return 0;
}

/* Bytes a value adds to the token: a String's length, a Set's members' lengths (20 for
 * an Integer, 5 for a Boolean: their longest text). */
static size_t value_bytes(const struct maat_claim_value *v)
{
    switch (v->kind) {
    case MAAT_CLAIM_STRING:
    case MAAT_CLAIM_JSON: return v->len;
    case MAAT_CLAIM_INTEGER: return 20;
    case MAAT_CLAIM_BOOLEAN: return 5;
    case MAAT_CLAIM_SET: {
        size_t n = 0;
        for (size_t i = 0; i < v->count; i++) n += value_bytes(&v->items[i]) + 1;
        return n;
    }
    default: return 0;
    }
}

/* The output bounds, checked before an issued claim is copied or recorded: the number of
 * issued claims, one value's size and all issued bytes together. */
static int check_issue(struct eval *ev, const struct maat_claim *c)
{
    size_t issued = ev->st->out.n + ev->st->props.n;
    if (issued >= ev->lim->max_issued_claims)
        return fail(ev,
                    "issuing claim '%.40s' would exceed the limit of %zu issued claims "
                    "(max_issued_claims)",
                    c->type, ev->lim->max_issued_claims);
    size_t vb = value_bytes(&c->value), tb = strlen(c->type);
    if (vb > ev->lim->max_claim_value)
        return fail(ev,
                    "claim '%.40s': a value of %zu bytes exceeds the limit of %zu bytes "
                    "(max_claim_value)",
                    c->type, vb, ev->lim->max_claim_value);
    size_t add = vb + tb;
    if (add > ev->lim->max_issued_bytes || ev->issued_bytes > ev->lim->max_issued_bytes - add)
        return fail(ev,
                    "issuing claim '%.40s' would bring the issued claims to %zu bytes, over "
                    "the limit of %zu bytes (max_issued_bytes)",
                    c->type, ev->issued_bytes + add, ev->lim->max_issued_bytes);
    ev->issued_bytes += add;
    return 0;
}

/* A NUL-terminated arena copy of a String/JSON value, so issued claims never point into
 * memory without a terminator. */
static int own_string(struct eval *ev, struct maat_claim_value *v)
{
    if (norm(v->kind) != MAAT_CLAIM_STRING) return 0;
    char *s = pol_arena_strndup(&ev->st->arena, v->str != NULL ? v->str : "", v->len);
    if (s == NULL) return nomem(ev);
    v->str = s;
    return 0;
}

/* Applies an issue/add valueType ("String", "Integer", "Boolean"). */
static int convert(struct eval *ev, const struct maat_claim_value *vt, struct maat_claim_value *v)
{
    if (norm(vt->kind) != MAAT_CLAIM_STRING)
        return fail(ev, "valueType must be a String, got %s", maat__claim_kind_name(vt->kind));
    if (v->kind == MAAT_CLAIM_SET) return fail(ev, "a Set value cannot be given a valueType");
    if (pol_keyword_eq(vt->str, vt->len, "String")) {
        if (v->kind == MAAT_CLAIM_INTEGER) {
            char buf[24];
            int n = snprintf(buf, sizeof buf, "%lld", (long long)v->integer);
            char *s = pol_arena_strndup(&ev->st->arena, buf, (size_t)n);
            if (s == NULL) return nomem(ev);
            *v = str_value(s, (size_t)n);
        } else if (v->kind == MAAT_CLAIM_BOOLEAN) {
            *v = v->boolean ? str_value("true", 4) : str_value("false", 5);
        } else {
            v->kind = MAAT_CLAIM_STRING;
        }
        return 0;
    }
    if (pol_keyword_eq(vt->str, vt->len, "Integer")) {
        if (v->kind == MAAT_CLAIM_INTEGER) return 0;
        if (norm(v->kind) == MAAT_CLAIM_STRING && v->len > 0 && v->len < 21) {
            char buf[24];
            memcpy(buf, v->str, v->len);
            buf[v->len] = '\0';
            char *end;
            errno = 0;
            long long x = strtoll(buf, &end, 10);
            bool digits = (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'));
            if (errno == 0 && *end == '\0' && digits) {
                v->kind = MAAT_CLAIM_INTEGER;
                v->integer = x;
                return 0;
            }
        }
        return fail(ev, "the value cannot be converted to Integer");
    }
    if (pol_keyword_eq(vt->str, vt->len, "Boolean")) {
        if (v->kind == MAAT_CLAIM_BOOLEAN) return 0;
        if (norm(v->kind) == MAAT_CLAIM_STRING &&
            (pol_keyword_eq(v->str, v->len, "true") || pol_keyword_eq(v->str, v->len, "false"))) {
            bool b = pol_keyword_eq(v->str, v->len, "true");
            memset(v, 0, sizeof *v);
            v->kind = MAAT_CLAIM_BOOLEAN;
            v->boolean = b;
            return 0;
        }
        return fail(ev, "the value cannot be converted to Boolean");
    }
    return fail(ev, "valueType must be \"String\", \"Integer\" or \"Boolean\"");
}

/* Executes the rule's action for the current bindings. Returns 1 (fired), 2 (fired and
 * the rule is done: permit/deny), -1 on error. */
static int fire(struct eval *ev)
{
    const struct pol_action *a = &ev->rule->action;
    switch (a->kind) {
    case ACT_PERMIT: ev->permit = true; return 2;
    case ACT_DENY: ev->deny = true; return 2;
    default: break;
    }
    struct maat_claim c = {.issuer = MAAT_ISSUER_POLICY};
    if (a->by_claim) {
        const struct maat_claim *src = &ev->st->in.v[ev->bind[a->claim_cond]];
        c.type = src->type;
        c.value = src->value;
    } else {
        struct maat_claim_value t;
        MAAT_TRY(eval_expr(ev, a->type, &t));
        if (norm(t.kind) != MAAT_CLAIM_STRING)
            return fail(ev, "a claim type must be a String, got %s",
                        t.kind == KIND_EMPTY ? "an empty value" : maat__claim_kind_name(t.kind));
        if (t.len > ev->lim->max_string || memchr(t.str, '\0', t.len) != NULL)
            return fail(ev, "a claim type must be a String without NUL characters");
        if (a->type->kind == EX_STRING) {
            c.type = t.str; /* literals are NUL-terminated */
        } else {
            c.type = pol_arena_strndup(&ev->st->arena, t.str, t.len);
            if (c.type == NULL) return nomem(ev);
        }
        MAAT_TRY(eval_expr(ev, a->value, &c.value));
        if (c.value.kind == KIND_EMPTY) return 1; /* claim-rule-functions.md: a no-op */
        if (a->value_type != NULL) {
            struct maat_claim_value vt;
            MAAT_TRY(eval_expr(ev, a->value_type, &vt));
            MAAT_TRY(convert(ev, &vt, &c.value));
        }
    }
    if (a->kind != ACT_ADD) {
        MAAT_TRY(check_issue(ev, &c));
        MAAT_TRY(own_string(ev, &c.value));
    }
    MAAT_TRY(push(ev, &ev->st->in, &c));
    if (a->kind == ACT_ISSUE) MAAT_TRY(push(ev, &ev->st->out, &c));
    if (a->kind == ACT_ISSUEPROPERTY) MAAT_TRY(push(ev, &ev->st->props, &c));
    return 1;
}

static bool satisfies(const struct eval *ev, const struct pol_cond *cond,
                      const struct maat_claim_value *rhs, size_t k)
{
    const struct maat_claim *c = &ev->st->in.v[k];
    for (unsigned t = 0; t < cond->ntests; t++) {
        if ((int)t == cond->type_test) continue; /* already checked by match() */
        const struct pol_test *pt = &cond->tests[t];
        /* Fast path for the common [type=="literal"]: literals hold no NUL (the lexer
         * rejects \u0000), so strcmp on the two C strings is exact. */
        if ((pt->prop == PROP_TYPE || pt->prop == PROP_ISSUER) && pt->rhs->kind == EX_STRING &&
            (pt->op == OP_EQ || pt->op == OP_NE)) {
            bool eq = pt->prop == PROP_TYPE ? ev->st->in.tlen[k] == pt->rhs->len &&
                                                  memcmp(c->type, pt->rhs->str, pt->rhs->len) == 0
                                            : strcmp(c->issuer, pt->rhs->str) == 0;
            if (eq != (pt->op == OP_EQ)) return false;
            continue;
        }
        struct maat_claim_value lhs;
        switch (pt->prop) {
        case PROP_TYPE: lhs = str_value(c->type, strlen(c->type)); break;
        case PROP_ISSUER: lhs = str_value(c->issuer, strlen(c->issuer)); break;
        case PROP_VALUETYPE: {
            const char *n = maat__claim_kind_name(c->value.kind);
            lhs = str_value(n, strlen(n));
            break;
        }
        case PROP_VALUE:
        default: lhs = c->value; break;
        }
        if (!compare(&lhs, pt->op, &rhs[t])) return false;
    }
    return true;
}

/* Backtracking over the rule's conditions from `ci`. Returns 0 (nothing fired),
 * 1 (fired), 2 (fired, rule done), -1 (error). */
static int match(struct eval *ev, unsigned ci)
{
    const struct pol_rule *r = ev->rule;
    if (ci == r->nconds) return fire(ev);
    const struct pol_cond *cond = &r->conds[ci];
    struct maat_claim_value *rhs = ev->rhs + ev->rhs_off[ci];
    bool impossible = false;
    for (unsigned t = 0; t < cond->ntests; t++) {
        MAAT_TRY(eval_expr(ev, cond->tests[t].rhs, &rhs[t]));
        if (rhs[t].kind == KIND_EMPTY) impossible = true;
    }
    size_t n = ev->visible;
    /* One step per claim looked at, charged up front: the scan below is bounded by n. */
    MAAT_TRY(step(ev, n));
    /* The usual condition names a literal type: compare lengths, then bytes, before
     * anything else (this loop is most of the cost of the default policy). */
    const char *lit = NULL;
    size_t lit_len = 0;
    if (cond->type_test >= 0) {
        lit = cond->tests[cond->type_test].rhs->str;
        lit_len = cond->tests[cond->type_test].rhs->len;
    }
    /* No cached pointers into the incoming set: firing the action may grow (move) it. */
    if (cond->negated) {
        for (size_t k = 0; k < n && !impossible; k++) {
            if (lit != NULL &&
                (ev->st->in.tlen[k] != lit_len || memcmp(ev->st->in.v[k].type, lit, lit_len) != 0))
                continue;
            if (satisfies(ev, cond, rhs, k)) return 0;
        }
        return match(ev, ci + 1);
    }
    if (impossible) return 0;
    int any = 0;
    for (size_t k = 0; k < n; k++) {
        if (lit != NULL &&
            (ev->st->in.tlen[k] != lit_len || memcmp(ev->st->in.v[k].type, lit, lit_len) != 0))
            continue;
        if (!satisfies(ev, cond, rhs, k)) continue;
        ev->bind[ci] = k;
        int rc = match(ev, ci + 1);
        if (rc < 0 || rc == 2) return rc;
        if (rc == 1) {
            any = 1;
            if (!cond->tag_used) break; /* existence is enough; don't fire again */
        }
    }
    return any;
}

static int run_section(struct eval *ev, enum maat_policy_section s)
{
    const struct pol_section *sec = &ev->pol->sections[s];
    for (size_t i = 0; i < sec->nrules; i++) {
        ev->rule = &sec->rules[i];
        ev->visible = ev->st->in.n;
        unsigned off = 0;
        for (unsigned c = 0; c < ev->rule->nconds; c++) {
            ev->rhs_off[c] = off;
            off += ev->rule->conds[c].ntests;
        }
        if (match(ev, 0) < 0) return -1;
        if (ev->deny) break;
    }
    ev->rule = NULL;
    return 0;
}

/* ---- public ---- */

void maat__policy_result_cleanup(struct maat_policy_result *res)
{
    if (res == NULL) return;
    struct result_store *st = res->priv_;
    if (st != NULL) {
        pol_arena_release(&st->arena);
        free(st->in.v);
        free(st->in.tlen);
        free(st->out.v);
        free(st->props.v);
        free(st);
    }
    memset(res, 0, sizeof *res);
}

const char *maat__policy_result_property(const struct maat_policy_result *res, const char *type)
{
    if (res == NULL || type == NULL) return NULL;
    for (size_t i = 0; i < res->nproperties; i++) {
        const struct maat_claim *c = &res->properties[i];
        if (strcmp(c->type, type) == 0)
            return norm(c->value.kind) == MAAT_CLAIM_STRING ? c->value.str : NULL;
    }
    return NULL;
}

int maat__policy_evaluate(const struct maat_policy *p, const struct maat_claim *incoming, size_t n,
                         const struct maat_policy_limits *lim, struct maat_policy_result *res,
                         struct maat_policy_error *perr)
{
    struct maat_policy_limits dl;
    if (lim == NULL) {
        maat__policy_limits_default(&dl);
        lim = &dl;
    }
    if (res == NULL) {
        pol_error_internal(perr, MAAT_ERR_USAGE, "maat__policy_evaluate: no result");
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->outcome = MAAT_POLICY_ERROR;
    if (p == NULL || (incoming == NULL && n != 0)) {
        pol_error_internal(perr, MAAT_ERR_USAGE, "maat__policy_evaluate: no policy or claims");
        return -1;
    }
    struct result_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        pol_error_internal(perr, MAAT_ERR_NOMEM, "policy evaluation: out of memory");
        return -1;
    }
    res->priv_ = st;
    /* Results hold computed and issued strings: bounded by max_memory (0 = unbounded). */
    pol_arena_init(&st->arena, lim->max_memory);

    struct eval ev = {.pol = p, .lim = lim, .perr = perr, .st = st};
    if (n > lim->max_claims) {
        pol_error_eval(perr, 0, 0, "%zu incoming claims exceed the limit of %zu", n, lim->max_claims);
        return -1;
    }
    /* Scratch sized for the largest rule. */
    unsigned maxc = 1, maxt = 1;
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < p->sections[s].nrules; i++) {
            const struct pol_rule *r = &p->sections[s].rules[i];
            unsigned t = 0;
            for (unsigned c = 0; c < r->nconds; c++) t += r->conds[c].ntests;
            if (r->nconds > maxc) maxc = r->nconds;
            if (t > maxt) maxt = t;
        }
    ev.bind = pol_arena_alloc(&st->arena, maxc * sizeof *ev.bind);
    ev.rhs_off = pol_arena_alloc(&st->arena, maxc * sizeof *ev.rhs_off);
    ev.rhs = pol_arena_alloc(&st->arena, maxt * sizeof *ev.rhs);
    st->in.cap = n + 16;
    st->in.v = malloc(st->in.cap * sizeof *st->in.v);
    st->in.tlen = malloc(st->in.cap * sizeof *st->in.tlen);
    if (ev.bind == NULL || ev.rhs_off == NULL || ev.rhs == NULL || st->in.v == NULL ||
        st->in.tlen == NULL) {
        pol_error_internal(perr, MAAT_ERR_NOMEM, "policy evaluation: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct maat_claim *c = &incoming[i];
        if (c->type == NULL ||
            ((c->value.kind == MAAT_CLAIM_STRING || c->value.kind == MAAT_CLAIM_JSON) &&
             c->value.str == NULL && c->value.len != 0) ||
            (unsigned)c->value.kind > MAAT_CLAIM_SET) {
            pol_error_internal(perr, MAAT_ERR_USAGE, "incoming claim %zu is malformed", i);
            return -1;
        }
        st->in.v[i] = *c;
        st->in.tlen[i] = strlen(c->type);
        if (st->in.v[i].issuer == NULL) st->in.v[i].issuer = MAAT_ISSUER_SERVICE;
        if (st->in.v[i].value.str == NULL) st->in.v[i].value.str = "";
    }
    st->in.n = n;

    int rc = run_section(&ev, MAAT_POLICY_CONFIGURATION);
    if (rc == 0) rc = run_section(&ev, MAAT_POLICY_AUTHORIZATION);
    if (rc == 0) {
        if (ev.deny) {
            res->outcome = MAAT_POLICY_DENY;
            pol_error_eval(perr, 0, 0, "A Deny claim was issued, authorization failed.");
        } else if (!ev.permit) {
            res->outcome = MAAT_POLICY_NO_PERMIT;
            pol_error_eval(perr, 0, 0,
                           "No Permit claim was issued in the authorizationrules section, "
                           "authorization failed.");
        } else {
            rc = run_section(&ev, MAAT_POLICY_ISSUANCE);
            if (rc == 0) res->outcome = MAAT_POLICY_PERMIT;
        }
    }
    res->incoming = st->in.v;
    res->nincoming = st->in.n;
    res->outgoing = st->out.v;
    res->noutgoing = st->out.n;
    res->properties = st->props.v;
    res->nproperties = st->props.n;
    return rc == 0 && res->outcome == MAAT_POLICY_PERMIT ? 0 : -1;
}

/*
 * parser.c - recursive-descent parser for MAA's policy language (maa.md section 4,
 * claim-rule-grammar.md, policy-version-1-0/1-1/1-2.md, claim-rule-functions.md).
 *
 *   policy  = "version" "=" VER ";" [cfg] auth [issue] EOF
 *   block   = "{" { rule } "}" ";"
 *   rule    = [ cond { "&&" cond } ] "=>" action ";"
 *   cond    = [ "!" ] [ ident ":" ] "[" test { "," test } "]"
 *   test    = ( type | value | valueType | issuer ) op expr      op: == = != < <= > >=
 *   action  = permit() | deny() | (add|issue|issueproperty) "(" claim=ident |
 *             type=expr, value=expr [, valueType=expr] ")"
 *   expr    = string | integer | true | false | ident "." (value|type) | fn "(" args ")"
 *
 * Keywords are case-insensitive. The first error stops parsing and is reported at the
 * offending token in ANTLR's words ("mismatched input '[' expecting ';'") with the path
 * of grammar rules, as MAA's PolicyParsingError does. Every decision: docs/policy.md.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

#define RULE_DEPTH 8

struct parser {
    struct pol_lexer lx;
    struct pol_token tok;
    struct maat_policy *pol;
    const struct maat_policy_limits *lim;
    struct maat_policy_error *perr;
    const char *rules[RULE_DEPTH]; /* grammar rule path for messages */
    unsigned nrules_path;
    bool failed;
    size_t total_rules;
    enum maat_policy_section section;
    /* the rule being parsed */
    struct pol_cond *conds; /* scratch, lim->max_conditions entries */
    unsigned nconds;
    struct pol_test *tests; /* scratch, lim->max_tests entries */
    unsigned cur_cond;      /* index of the condition being parsed */
    bool in_action;
};

/* ---- errors ---- */

static void path_str(const struct parser *p, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < p->nrules_path && o < n; i++) {
        int r = snprintf(buf + o, n - o, "%s%s", i ? " > " : "", p->rules[i]);
        if (r < 0) break;
        o += (size_t)r;
    }
}

/* An error at token t. */
static int fail_at(struct parser *p, const struct pol_token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct parser *p, const struct pol_token *t, const char *fmt, ...)
{
    if (p->failed) return -1;
    p->failed = true;
    char path[96], shown[64], detail[300];
    path_str(p, path, sizeof path);
    if (t->kind == TK_ERROR) {
        if (p->lx.nomem) {
            pol_error_internal(p->perr, MAAT_ERR_NOMEM, "policy parser: out of memory");
            return -1;
        }
        pol_error_parse(p->perr, t->line, t->col, p->lx.err_offending, path, "%s", p->lx.err_detail);
        return -1;
    }
    pol_token_display(&p->lx, t, shown, sizeof shown);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    pol_error_parse(p->perr, t->line, t->col, shown, path, "%s", detail);
    return -1;
}

/* ANTLR's "mismatched input 'X' expecting Y" at the current token. */
static int mismatch(struct parser *p, const char *expecting)
{
    char shown[64];
    pol_token_display(&p->lx, &p->tok, shown, sizeof shown);
    return fail_at(p, &p->tok, "mismatched input '%s' expecting %s", shown, expecting);
}

static int nomem(struct parser *p)
{
    if (!p->failed) {
        p->failed = true;
        pol_error_internal(p->perr, MAAT_ERR_NOMEM, "policy parser: out of memory");
    }
    return -1;
}

static void push_rule(struct parser *p, const char *name)
{
    if (p->nrules_path < RULE_DEPTH) p->rules[p->nrules_path] = name;
    p->nrules_path++;
}

static void pop_rule(struct parser *p)
{
    p->nrules_path--;
}

/* ---- tokens ---- */

static int next(struct parser *p)
{
    pol_lexer_next(&p->lx, &p->tok);
    if (p->tok.kind == TK_ERROR) return fail_at(p, &p->tok, "lexical error");
    return 0;
}

static bool is_kw(const struct parser *p, const char *kw)
{
    return p->tok.kind == TK_IDENT && pol_keyword_eq(p->lx.text + p->tok.off, p->tok.len, kw);
}

/* Consumes a token of `kind` or fails with "expecting <shown>". */
static int expect(struct parser *p, enum pol_tok kind, const char *shown)
{
    if (p->tok.kind != kind) return mismatch(p, shown);
    return next(p);
}

static int expect_kw(struct parser *p, const char *kw)
{
    if (!is_kw(p, kw)) {
        char e[48];
        snprintf(e, sizeof e, "'%s'", kw);
        return mismatch(p, e);
    }
    return next(p);
}

static const char *op_text(enum pol_op op)
{
    static const char *const t[] = {"==", "!=", "<", "<=", ">", ">="};
    return t[op];
}

/* ---- expressions ---- */

static int parse_expr(struct parser *p, unsigned depth, struct pol_expr **out);

/* Resolves a tag used at token t: in a condition it must name an earlier condition of
 * the rule, in the action any condition; never a negated one. */
static int resolve_tag(struct parser *p, const struct pol_token *t, unsigned *index)
{
    const char *name = p->lx.text + t->off;
    /* In a condition, conds[nconds] is the condition being parsed (its tag is set). */
    unsigned n = p->in_action ? p->nconds : p->nconds + 1;
    for (unsigned i = 0; i < n; i++) {
        const char *tag = p->conds[i].tag;
        if (tag == NULL || strlen(tag) != t->len || memcmp(tag, name, t->len) != 0) continue;
        if (!p->in_action && i == p->cur_cond)
            return fail_at(p, t,
                           "identifier '%s' refers to its own condition: a condition can only "
                           "refer to conditions to its left",
                           tag);
        if (p->conds[i].negated)
            return fail_at(p, t,
                           "identifier '%s' names a negated condition, which matches no "
                           "claim",
                           tag);
        *index = i;
        return 0;
    }
    char shown[64];
    pol_token_display(&p->lx, t, shown, sizeof shown);
    return fail_at(p, t, "unknown identifier '%s': no condition of this rule is tagged '%s:'",
                   shown, shown);
}

static const struct {
    const char *name;
    enum pol_fn fn;
    unsigned arity;
} fn_table[] = {
    {"JmesPath", FN_JMESPATH, 2},     {"JsonToClaimValue", FN_JSONTOCLAIMVALUE, 1},
    {"IsSubsetOf", FN_ISSUBSETOF, 2}, {"AppendString", FN_APPENDSTRING, 2},
    {"NegateBool", FN_NEGATEBOOL, 1}, {"ContainsOnlyValue", FN_CONTAINSONLYVALUE, 2},
};

static int parse_call(struct parser *p, const struct pol_token *name, unsigned depth,
                      struct pol_expr *e)
{
    const char *s = p->lx.text + name->off;
    size_t fi = sizeof fn_table / sizeof fn_table[0];
    for (size_t i = 0; i < sizeof fn_table / sizeof fn_table[0]; i++)
        if (pol_keyword_eq(s, name->len, fn_table[i].name)) fi = i;
    char shown[64];
    pol_token_display(&p->lx, name, shown, sizeof shown);
    if (fi == sizeof fn_table / sizeof fn_table[0])
        return fail_at(p, name,
                       "unknown function '%s' (expected JmesPath, JsonToClaimValue, "
                       "IsSubsetOf, AppendString, NegateBool or ContainsOnlyValue)",
                       shown);
    if (p->pol->version < 12)
        return fail_at(p, name, "function '%s' needs policy version 1.2 (this policy is %u.%u)",
                       shown, p->pol->version / 10, p->pol->version % 10);
    if (depth >= p->lim->max_depth)
        return fail_at(p, name, "function calls nested deeper than the limit of %zu",
                       p->lim->max_depth);
    push_rule(p, "functionCall");
    MAAT_TRY(next(p)); /* '(' */
    struct pol_expr *args[8];
    unsigned n = 0;
    if (p->tok.kind != TK_RPAREN) {
        for (;;) {
            if (n == 8) return fail_at(p, &p->tok, "too many arguments to '%s'", shown);
            MAAT_TRY(parse_expr(p, depth + 1, &args[n]));
            n++;
            if (p->tok.kind != TK_COMMA) break;
            MAAT_TRY(next(p));
        }
    }
    if (p->tok.kind != TK_RPAREN) return mismatch(p, "{',', ')'}");
    if (n != fn_table[fi].arity)
        return fail_at(p, name, "function '%s' takes %u argument%s, got %u", fn_table[fi].name,
                       fn_table[fi].arity, fn_table[fi].arity == 1 ? "" : "s", n);
    MAAT_TRY(next(p));
    e->kind = EX_CALL;
    e->fn = fn_table[fi].fn;
    e->nargs = n;
    e->args = pol_arena_alloc(&p->pol->arena, n * sizeof *e->args + 1);
    if (e->args == NULL) return nomem(p);
    for (unsigned i = 0; i < n; i++) e->args[i] = args[i];
    pop_rule(p);
    return 0;
}

static int parse_expr(struct parser *p, unsigned depth, struct pol_expr **out)
{
    struct pol_expr *e = pol_arena_alloc(&p->pol->arena, sizeof *e);
    if (e == NULL) return nomem(p);
    e->line = p->tok.line;
    e->col = p->tok.col;
    *out = e;
    switch (p->tok.kind) {
    case TK_STRING:
        e->kind = EX_STRING;
        e->str = p->tok.str;
        e->len = p->tok.str_len;
        return next(p);
    case TK_INTEGER:
        e->kind = EX_INTEGER;
        e->integer = p->tok.integer;
        return next(p);
    case TK_IDENT: break;
    default: return mismatch(p, "{STRING, INTEGER, 'true', 'false', IDENTIFIER}");
    }
    if (is_kw(p, "true") || is_kw(p, "false")) {
        e->kind = EX_BOOL;
        e->boolean = is_kw(p, "true");
        return next(p);
    }
    struct pol_token name = p->tok;
    MAAT_TRY(next(p));
    if (p->tok.kind == TK_LPAREN) return parse_call(p, &name, depth, e);
    if (p->tok.kind != TK_DOT) return mismatch(p, "{'.', '('}");
    MAAT_TRY(next(p));
    if (is_kw(p, "value"))
        e->ref_prop = PROP_VALUE;
    else if (is_kw(p, "type"))
        e->ref_prop = PROP_TYPE;
    else
        return mismatch(p, "{'value', 'type'}");
    e->kind = EX_REF;
    MAAT_TRY(resolve_tag(p, &name, &e->ref_cond));
    if (p->in_action) p->conds[e->ref_cond].tag_used = true;
    return next(p);
}

/* ---- conditions ---- */

static int parse_test(struct parser *p, struct pol_test *t)
{
    push_rule(p, "claimPropertyCondition");
    struct pol_token prop_tok = p->tok;
    if (is_kw(p, "type"))
        t->prop = PROP_TYPE;
    else if (is_kw(p, "value"))
        t->prop = PROP_VALUE;
    else if (is_kw(p, "valueType"))
        t->prop = PROP_VALUETYPE;
    else if (is_kw(p, "issuer"))
        t->prop = PROP_ISSUER;
    else
        return mismatch(p, "{'type', 'value', 'valueType', 'issuer'}");
    MAAT_TRY(next(p));
    struct pol_token op_tok = p->tok;
    switch (p->tok.kind) {
    case TK_EQ:
    case TK_ASSIGN: t->op = OP_EQ; break; /* '=' as '==': MAA's docs use both */
    case TK_NE: t->op = OP_NE; break;
    case TK_LT: t->op = OP_LT; break;
    case TK_LE: t->op = OP_LE; break;
    case TK_GT: t->op = OP_GT; break;
    case TK_GE: t->op = OP_GE; break;
    default: return mismatch(p, "{'==', '!=', '<', '<=', '>', '>='}");
    }
    MAAT_TRY(next(p));
    MAAT_TRY(parse_expr(p, 0, &t->rhs));
    bool ordering = t->op >= OP_LT;
    if (ordering && t->prop != PROP_VALUE) {
        char shown[16];
        pol_token_display(&p->lx, &prop_tok, shown, sizeof shown);
        return fail_at(p, &op_tok, "operator '%s' cannot be applied to '%s' (a String): use == or !=",
                       op_text(t->op), shown);
    }
    if (ordering && (t->rhs->kind == EX_STRING || t->rhs->kind == EX_BOOL))
        return fail_at(p, &op_tok,
                       "operator '%s' is not defined for %s values (only Integer values are "
                       "ordered)",
                       op_text(t->op), t->rhs->kind == EX_STRING ? "String" : "Boolean");
    if (t->prop != PROP_VALUE && (t->rhs->kind == EX_INTEGER || t->rhs->kind == EX_BOOL))
        return fail_at(p, &op_tok, "the claim's %s is a String; compare it with a String",
                       t->prop == PROP_TYPE     ? "type"
                       : t->prop == PROP_ISSUER ? "issuer"
                                                : "valueType");
    pop_rule(p);
    return 0;
}

static int parse_cond(struct parser *p)
{
    push_rule(p, "condition");
    if (p->nconds >= p->lim->max_conditions)
        return fail_at(p, &p->tok, "more than %zu conditions in one rule", p->lim->max_conditions);
    struct pol_cond *c = &p->conds[p->nconds];
    memset(c, 0, sizeof *c);
    p->cur_cond = p->nconds;
    c->line = p->tok.line;
    c->col = p->tok.col;
    if (p->tok.kind == TK_NOT) {
        if (p->pol->version < 12)
            return fail_at(p, &p->tok,
                           "the '!' (absence) operator needs policy version 1.2 (this policy "
                           "is %u.%u)",
                           p->pol->version / 10, p->pol->version % 10);
        c->negated = true;
        MAAT_TRY(next(p));
    }
    if (p->tok.kind == TK_IDENT) {
        struct pol_token tag = p->tok;
        for (unsigned i = 0; i < p->nconds; i++)
            if (p->conds[i].tag != NULL && strlen(p->conds[i].tag) == tag.len &&
                memcmp(p->conds[i].tag, p->lx.text + tag.off, tag.len) == 0)
                return fail_at(p, &tag, "identifier '%s' already tags a condition of this rule",
                               p->conds[i].tag);
        c->tag = pol_arena_strndup(&p->pol->arena, p->lx.text + tag.off, tag.len);
        if (c->tag == NULL) return nomem(p);
        MAAT_TRY(next(p));
        MAAT_TRY(expect(p, TK_COLON, "':'"));
    }
    if (p->tok.kind != TK_LBRACK)
        return mismatch(p, c->tag != NULL || c->negated ? "'['" : "{'[', '!', IDENTIFIER}");
    MAAT_TRY(next(p));
    unsigned n = 0;
    for (;;) {
        if (n >= p->lim->max_tests)
            return fail_at(p, &p->tok, "more than %zu property conditions in one condition",
                           p->lim->max_tests);
        MAAT_TRY(parse_test(p, &p->tests[n]));
        n++;
        if (p->tok.kind != TK_COMMA) break;
        MAAT_TRY(next(p));
    }
    if (p->tok.kind != TK_RBRACK) return mismatch(p, "{',', ']'}");
    MAAT_TRY(next(p));
    c->tests = pol_arena_alloc(&p->pol->arena, n * sizeof *c->tests);
    if (c->tests == NULL) return nomem(p);
    memcpy(c->tests, p->tests, n * sizeof *c->tests);
    c->ntests = n;
    c->type_test = -1;
    for (unsigned i = 0; i < n && c->type_test < 0; i++)
        if (c->tests[i].prop == PROP_TYPE && c->tests[i].op == OP_EQ &&
            c->tests[i].rhs->kind == EX_STRING)
            c->type_test = (int)i;
    p->nconds++;
    pop_rule(p);
    return 0;
}

/* ---- actions ---- */

static const char *allowed_actions(enum maat_policy_section s)
{
    switch (s) {
    case MAAT_POLICY_CONFIGURATION: return "issueproperty";
    case MAAT_POLICY_AUTHORIZATION: return "permit, deny, add";
    case MAAT_POLICY_ISSUANCE: return "add, issue, issueproperty";
    }
    return "";
}

static bool action_allowed(enum maat_policy_section s, enum pol_action_kind k)
{
    switch (s) {
    case MAAT_POLICY_CONFIGURATION: return k == ACT_ISSUEPROPERTY;
    case MAAT_POLICY_AUTHORIZATION: return k == ACT_PERMIT || k == ACT_DENY || k == ACT_ADD;
    case MAAT_POLICY_ISSUANCE: return k == ACT_ADD || k == ACT_ISSUE || k == ACT_ISSUEPROPERTY;
    }
    return false;
}

static int parse_action(struct parser *p, struct pol_action *a)
{
    push_rule(p, "action");
    p->in_action = true;
    struct pol_token name = p->tok;
    a->line = name.line;
    a->col = name.col;
    if (is_kw(p, "permit"))
        a->kind = ACT_PERMIT;
    else if (is_kw(p, "deny"))
        a->kind = ACT_DENY;
    else if (is_kw(p, "add"))
        a->kind = ACT_ADD;
    else if (is_kw(p, "issue"))
        a->kind = ACT_ISSUE;
    else if (is_kw(p, "issueproperty"))
        a->kind = ACT_ISSUEPROPERTY;
    else
        return mismatch(p, "{'permit', 'deny', 'add', 'issue', 'issueproperty'}");
    if (!action_allowed(p->section, a->kind)) {
        char shown[32];
        pol_token_display(&p->lx, &name, shown, sizeof shown);
        return fail_at(p, &name, "action '%s' is not allowed in %s (allowed: %s)", shown,
                       pol_section_name(p->section), allowed_actions(p->section));
    }
    MAAT_TRY(next(p));
    MAAT_TRY(expect(p, TK_LPAREN, "'('"));
    if (a->kind == ACT_PERMIT || a->kind == ACT_DENY) {
        MAAT_TRY(expect(p, TK_RPAREN, "')'"));
        pop_rule(p);
        return 0;
    }
    if (is_kw(p, "claim")) {
        MAAT_TRY(next(p));
        MAAT_TRY(expect(p, TK_ASSIGN, "'='"));
        if (p->tok.kind != TK_IDENT) return mismatch(p, "IDENTIFIER");
        MAAT_TRY(resolve_tag(p, &p->tok, &a->claim_cond));
        p->conds[a->claim_cond].tag_used = true;
        a->by_claim = true;
        MAAT_TRY(next(p));
        MAAT_TRY(expect(p, TK_RPAREN, "')'"));
        pop_rule(p);
        return 0;
    }
    if (!is_kw(p, "type")) return mismatch(p, "{'type', 'claim'}");
    MAAT_TRY(next(p));
    MAAT_TRY(expect(p, TK_ASSIGN, "'='"));
    struct pol_token type_tok = p->tok;
    MAAT_TRY(parse_expr(p, 0, &a->type));
    if (a->type->kind == EX_INTEGER || a->type->kind == EX_BOOL)
        return fail_at(p, &type_tok, "a claim type must be a String");
    MAAT_TRY(expect(p, TK_COMMA, "','"));
    MAAT_TRY(expect_kw(p, "value"));
    MAAT_TRY(expect(p, TK_ASSIGN, "'='"));
    MAAT_TRY(parse_expr(p, 0, &a->value));
    if (p->tok.kind == TK_COMMA) {
        MAAT_TRY(next(p));
        MAAT_TRY(expect_kw(p, "valueType"));
        MAAT_TRY(expect(p, TK_ASSIGN, "'='"));
        struct pol_token vt = p->tok;
        MAAT_TRY(parse_expr(p, 0, &a->value_type));
        if (a->value_type->kind == EX_STRING &&
            !pol_keyword_eq(a->value_type->str, a->value_type->len, "String") &&
            !pol_keyword_eq(a->value_type->str, a->value_type->len, "Integer") &&
            !pol_keyword_eq(a->value_type->str, a->value_type->len, "Boolean"))
            return fail_at(p, &vt, "valueType must be \"String\", \"Integer\" or \"Boolean\"");
        if (a->value_type->kind == EX_INTEGER || a->value_type->kind == EX_BOOL)
            return fail_at(p, &vt, "valueType must be \"String\", \"Integer\" or \"Boolean\"");
    }
    if (p->tok.kind != TK_RPAREN) return mismatch(p, a->value_type ? "')'" : "{',', ')'}");
    MAAT_TRY(next(p));
    pop_rule(p);
    return 0;
}

/* ---- rules and sections ---- */

static int parse_rule(struct parser *p, struct pol_rule *r)
{
    push_rule(p, "rule");
    if (p->total_rules >= p->lim->max_rules)
        return fail_at(p, &p->tok, "more than %zu rules in the policy", p->lim->max_rules);
    p->total_rules++;
    r->line = p->tok.line;
    r->col = p->tok.col;
    p->nconds = 0;
    p->in_action = false;
    if (p->tok.kind != TK_ARROW) {
        if (p->tok.kind != TK_LBRACK && p->tok.kind != TK_NOT && p->tok.kind != TK_IDENT)
            return mismatch(p, "{'}', '=>', '[', '!', IDENTIFIER}");
        MAAT_TRY(parse_cond(p));
        while (p->tok.kind == TK_AND) {
            MAAT_TRY(next(p));
            MAAT_TRY(parse_cond(p));
        }
        if (p->tok.kind != TK_ARROW) return mismatch(p, "{'&&', '=>'}");
    }
    MAAT_TRY(next(p));
    MAAT_TRY(parse_action(p, &r->action));
    MAAT_TRY(expect(p, TK_SEMI, "';'"));
    r->nconds = p->nconds;
    r->conds = pol_arena_alloc(&p->pol->arena, p->nconds * sizeof *r->conds);
    if (r->conds == NULL) return nomem(p);
    memcpy(r->conds, p->conds, p->nconds * sizeof *r->conds);
    for (unsigned i = 0; i < r->nconds; i++)
        if (r->conds[i].tag_used) r->enumerate = true;
    pop_rule(p);
    return 0;
}

static int parse_section(struct parser *p, enum maat_policy_section s)
{
    static const char *const names[] = {"configurationRules", "authorizationRules", "issuanceRules"};
    push_rule(p, names[s]);
    p->section = s;
    struct pol_section *sec = &p->pol->sections[s];
    sec->present = true;
    MAAT_TRY(next(p)); /* the section name */
    MAAT_TRY(expect(p, TK_LBRACE, "'{'"));
    size_t cap = 0;
    struct pol_rule *tmp = NULL;
    int rc = 0;
    while (p->tok.kind != TK_RBRACE) {
        if (sec->nrules == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct pol_rule *nt = realloc(tmp, ncap * sizeof *nt);
            if (nt == NULL) {
                rc = nomem(p);
                break;
            }
            tmp = nt;
            cap = ncap;
        }
        memset(&tmp[sec->nrules], 0, sizeof tmp[0]);
        if (parse_rule(p, &tmp[sec->nrules]) != 0) {
            rc = -1;
            break;
        }
        sec->nrules++;
    }
    if (rc == 0 && sec->nrules != 0) {
        sec->rules = pol_arena_alloc(&p->pol->arena, sec->nrules * sizeof *sec->rules);
        if (sec->rules == NULL)
            rc = nomem(p);
        else
            memcpy(sec->rules, tmp, sec->nrules * sizeof *sec->rules);
    }
    free(tmp);
    if (rc != 0) return -1;
    MAAT_TRY(next(p)); /* '}' */
    MAAT_TRY(expect(p, TK_SEMI, "';'"));
    pop_rule(p);
    return 0;
}

static int parse_version(struct parser *p)
{
    push_rule(p, "versionInfo");
    MAAT_TRY(expect_kw(p, "version"));
    MAAT_TRY(expect(p, TK_ASSIGN, "'='"));
    if (p->tok.kind != TK_DECIMAL) return mismatch(p, "a version number (1.0, 1.1 or 1.2)");
    const char *v = p->lx.text + p->tok.off;
    if (p->tok.len == 3 && memcmp(v, "1.0", 3) == 0)
        p->pol->version = 10;
    else if (p->tok.len == 3 && memcmp(v, "1.1", 3) == 0)
        p->pol->version = 11;
    else if (p->tok.len == 3 && memcmp(v, "1.2", 3) == 0)
        p->pol->version = 12;
    else {
        char shown[64];
        pol_token_display(&p->lx, &p->tok, shown, sizeof shown);
        return fail_at(p, &p->tok, "unsupported policy version '%s' (expected 1.0, 1.1 or 1.2)",
                       shown);
    }
    MAAT_TRY(next(p));
    MAAT_TRY(expect(p, TK_SEMI, "';'"));
    pop_rule(p);
    return 0;
}

/* Which section keyword the current token is, or -1. */
static int section_kw(const struct parser *p)
{
    if (is_kw(p, "configurationrules")) return MAAT_POLICY_CONFIGURATION;
    if (is_kw(p, "authorizationrules")) return MAAT_POLICY_AUTHORIZATION;
    if (is_kw(p, "issuancerules")) return MAAT_POLICY_ISSUANCE;
    return -1;
}

static int parse_policy(struct parser *p)
{
    push_rule(p, "policy");
    MAAT_TRY(next(p));
    MAAT_TRY(parse_version(p));
    int done = -1; /* last section parsed */
    for (;;) {
        int s = section_kw(p);
        bool cfg_ok = p->pol->version >= 11 && done < MAAT_POLICY_CONFIGURATION;
        const char *expecting;
        if (done < MAAT_POLICY_AUTHORIZATION)
            expecting = cfg_ok ? "{'configurationrules', 'authorizationrules'}"
                               : "'authorizationrules'";
        else if (done < MAAT_POLICY_ISSUANCE)
            expecting = "{'issuancerules', <EOF>}";
        else
            expecting = "<EOF>";
        if (p->tok.kind == TK_EOF && done >= MAAT_POLICY_AUTHORIZATION) break;
        if (s == MAAT_POLICY_CONFIGURATION && p->pol->version < 11 && done < 0)
            return fail_at(p, &p->tok,
                           "configurationrules needs policy version 1.1 or later (this policy "
                           "is 1.0)");
        if (s < 0 || s <= done || (s == MAAT_POLICY_ISSUANCE && done < MAAT_POLICY_AUTHORIZATION)) {
            if (done == MAAT_POLICY_ISSUANCE) {
                char shown[64];
                pol_token_display(&p->lx, &p->tok, shown, sizeof shown);
                return fail_at(p, &p->tok, "extraneous input '%s' expecting <EOF>", shown);
            }
            return mismatch(p, expecting);
        }
        MAAT_TRY(parse_section(p, (enum maat_policy_section)s));
        done = s;
    }
    pop_rule(p);
    return 0;
}

int maat__policy_parse(const char *text, size_t len, const struct maat_policy_limits *lim,
                      struct maat_policy **out, struct maat_policy_error *perr)
{
    struct maat_policy_limits dl;
    if (lim == NULL) {
        maat__policy_limits_default(&dl);
        lim = &dl;
    }
    if (out == NULL || (text == NULL && len != 0)) {
        pol_error_internal(perr, MAAT_ERR_USAGE, "maat__policy_parse: no text or no output");
        return -1;
    }
    *out = NULL;
    if (len > lim->max_text) {
        pol_error_parse(perr, 1, 1, "", "policy",
                        "policy text of %zu bytes exceeds the limit of %zu", len, lim->max_text);
        return -1;
    }
    if (lim->max_conditions == 0 || lim->max_tests == 0 || lim->max_conditions > 4096 ||
        lim->max_tests > 4096) {
        pol_error_internal(perr, MAAT_ERR_USAGE, "maat__policy_parse: invalid limits");
        return -1;
    }
    struct maat_policy *pol = calloc(1, sizeof *pol);
    struct parser p;
    memset(&p, 0, sizeof p);
    p.conds = calloc(lim->max_conditions, sizeof *p.conds);
    p.tests = calloc(lim->max_tests, sizeof *p.tests);
    if (pol == NULL || p.conds == NULL || p.tests == NULL) {
        free(pol);
        free(p.conds);
        free(p.tests);
        pol_error_internal(perr, MAAT_ERR_NOMEM, "policy parser: out of memory");
        return -1;
    }
    /* The tree of a policy is a small multiple of its text; the cap stops pathological
     * inputs from growing it without bound. */
    pol_arena_init(&pol->arena, 64 * (len + 4096));
    p.pol = pol;
    p.lim = lim;
    p.perr = perr;
    pol_lexer_init(&p.lx, text != NULL ? text : "", len, &pol->arena, lim->max_string);
    int rc = parse_policy(&p);
    free(p.conds);
    free(p.tests);
    if (rc != 0) {
        if (!p.failed) pol_error_internal(perr, MAAT_ERR_INTERNAL, "policy parser: failed");
        maat__policy_free(pol);
        return -1;
    }
    *out = pol;
    return 0;
}

void maat__policy_free(struct maat_policy *p)
{
    if (p == NULL) return;
    pol_arena_release(&p->arena);
    free(p);
}

unsigned maat__policy_version(const struct maat_policy *p)
{
    return p != NULL ? p->version : 0;
}

bool maat__policy_has_section(const struct maat_policy *p, enum maat_policy_section s)
{
    return p != NULL && (unsigned)s <= MAAT_POLICY_ISSUANCE && p->sections[s].present;
}

bool maat__policy_memo_load(const struct maat_policy *p, uint32_t *value)
{
    uint64_t m = atomic_load_explicit(&((struct maat_policy *)p)->memo, memory_order_acquire);
    if (m == 0) return false;
    *value = (uint32_t)(m - 1);
    return true;
}

void maat__policy_memo_store(const struct maat_policy *p, uint32_t value)
{
    atomic_store_explicit(&((struct maat_policy *)p)->memo, (uint64_t)value + 1,
                          memory_order_release);
}

size_t maat__policy_rule_count(const struct maat_policy *p, enum maat_policy_section s)
{
    return maat__policy_has_section(p, s) ? p->sections[s].nrules : 0;
}

/*
 * policy_internal.h - shared internals of the policy language: the arena every policy
 * and result allocates from, the lexer's tokens, the syntax tree the parser builds and
 * the evaluator walks, and error helpers. See src/include/maat/policy.h and docs/policy.md.
 */
#ifndef MAAT_POLICY_INTERNAL_H
#define MAAT_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/bytes.h"
#include "maat/policy.h"

/* ---- arena: many small allocations, one release ---- */

struct pol_arena_block;
struct pol_arena {
    struct pol_arena_block *head;
    size_t used_total; /* bytes handed out, for the memory bound */
    size_t cap;        /* 0 = unbounded */
    bool capped;       /* an allocation was refused for the cap (not for malloc) */
};

void pol_arena_init(struct pol_arena *a, size_t cap);
void pol_arena_release(struct pol_arena *a);
/* Zeroed, 16-byte aligned memory; NULL when out of memory or over the cap. */
void *pol_arena_alloc(struct pol_arena *a, size_t n);
/* The same, not zeroed: for memory the caller writes in full before anything reads it
 * (copies, arrays filled up to a count). */
void *pol_arena_alloc_uninit(struct pol_arena *a, size_t n);
/* Bytes pol_arena_alloc zeroed so far, by the calling thread (a test hook: the claim
 * list and string copies must not pay for zeroing what they overwrite). */
extern _Thread_local uint64_t maat__pol_arena_zeroed;
/* A NUL-terminated copy of n bytes. */
char *pol_arena_strndup(struct pol_arena *a, const char *s, size_t n);

/* ---- tokens ---- */

enum pol_tok {
    TK_EOF = 0,
    TK_IDENT,   /* [A-Za-z_][A-Za-z0-9_]*; keywords are identifiers, compared
                        case-insensitively by the parser */
    TK_STRING,  /* "..." with escapes resolved into `str` */
    TK_INTEGER, /* -?[0-9]+ */
    TK_DECIMAL, /* [0-9]+.[0-9]+ (only meaningful as the version number) */
    TK_SEMI,
    TK_LBRACE,
    TK_RBRACE,
    TK_LBRACK,
    TK_RBRACK,
    TK_LPAREN,
    TK_RPAREN,
    TK_COMMA,
    TK_COLON,
    TK_DOT,
    TK_ARROW,  /* => */
    TK_AND,    /* && */
    TK_NOT,    /* ! */
    TK_ASSIGN, /* = */
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_ERROR, /* lexical error: see lexer.err */
};

struct pol_token {
    enum pol_tok kind;
    unsigned line, col; /* 1-based; col in code points */
    size_t off, len;    /* raw span in the text */
    const char *str;    /* TK_STRING: decoded value (arena, NUL-terminated) */
    size_t str_len;
    int64_t integer; /* TK_INTEGER */
};

struct pol_lexer {
    struct maat_reader r;   /* bounded cursor over the policy text */
    struct maat_error rerr; /* the reader's own error record (unused by design) */
    const char *text;
    size_t len;
    unsigned line, col;
    struct pol_arena *arena;
    size_t max_string;
    /* lexical error */
    char err_detail[160];
    char err_offending[64];
    bool nomem;
};

void pol_lexer_init(struct pol_lexer *lx, const char *text, size_t len, struct pol_arena *arena,
                    size_t max_string);
/* Scans the next token (TK_ERROR on a lexical error; TK_EOF repeats at the end). */
void pol_lexer_next(struct pol_lexer *lx, struct pol_token *t);
/* Renders a token the way ANTLR quotes it in messages: its text, "<EOF>" at the end,
 * control characters escaped, long texts shortened. */
void pol_token_display(const struct pol_lexer *lx, const struct pol_token *t, char *buf, size_t n);

/* ---- syntax tree ---- */

enum pol_prop { PROP_TYPE = 0, PROP_VALUE, PROP_VALUETYPE, PROP_ISSUER };
enum pol_op { OP_EQ = 0, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

enum pol_fn {
    FN_JMESPATH = 0,
    FN_JSONTOCLAIMVALUE,
    FN_ISSUBSETOF,
    FN_APPENDSTRING,
    FN_NEGATEBOOL,
    FN_CONTAINSONLYVALUE,
    FN__COUNT
};

enum pol_expr_kind { EX_STRING = 0, EX_INTEGER, EX_BOOL, EX_REF, EX_CALL };

struct pol_expr {
    enum pol_expr_kind kind;
    unsigned line, col;
    const char *str; /* EX_STRING (NUL-terminated, no NUL inside) */
    size_t len;
    int64_t integer;        /* EX_INTEGER */
    bool boolean;           /* EX_BOOL */
    unsigned ref_cond;      /* EX_REF: index of the referenced condition in the rule */
    enum pol_prop ref_prop; /* EX_REF: PROP_VALUE or PROP_TYPE */
    enum pol_fn fn;         /* EX_CALL */
    struct pol_expr **args;
    unsigned nargs;
};

struct pol_test {
    enum pol_prop prop;
    enum pol_op op;
    struct pol_expr *rhs;
};

struct pol_cond {
    bool negated;
    const char *tag; /* NULL when untagged */
    unsigned line, col;
    struct pol_test *tests;
    unsigned ntests;
    bool tag_used; /* the action refers to this condition's tag */
    int type_test; /* index of a `type == "literal"` test, or -1: the
                                    evaluator filters claims by type length + bytes first */
};

enum pol_action_kind { ACT_PERMIT = 0, ACT_DENY, ACT_ADD, ACT_ISSUE, ACT_ISSUEPROPERTY };

struct pol_action {
    enum pol_action_kind kind;
    unsigned line, col;
    bool by_claim; /* issue(claim=c) */
    unsigned claim_cond;
    struct pol_expr *type, *value, *value_type; /* value_type optional */
};

struct pol_rule {
    unsigned line, col;
    struct pol_cond *conds;
    unsigned nconds;
    struct pol_action action;
    bool enumerate; /* the action uses a tag: fire once per matching
                                    combination of tagged conditions, not just once */
};

struct pol_section {
    bool present;
    struct pol_rule *rules;
    size_t nrules;
};

struct maat_policy {
    struct pol_arena arena;
    unsigned version; /* 10, 11, 12 */
    struct pol_section sections[3];
    /* maat_policy_memo_*: a value derived from the policy alone, kept once computed
     * (0 = not yet; else the value + 1). Atomic: a stored policy is shared by threads. */
    _Atomic uint64_t memo;
};

/* MAA's display name of a section ("authorizationrules"). */
const char *pol_section_name(enum maat_policy_section s);
/* Function names as documented (claim-rule-functions.md). */
const char *pol_fn_name(enum pol_fn fn);

/* ---- errors ---- */

void pol_error_parse(struct maat_policy_error *e, unsigned line, unsigned col, const char *offending,
                     const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void pol_error_eval(struct maat_policy_error *e, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pol_error_internal(struct maat_policy_error *e, maat_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Case-insensitive ASCII comparison of a token's raw text with a keyword. */
bool pol_keyword_eq(const char *s, size_t n, const char *kw);

#endif /* MAAT_POLICY_INTERNAL_H */

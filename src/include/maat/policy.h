/*
 * policy.h - MAA's attestation policy language (claim rules), versions 1.0, 1.1 and 1.2:
 * parse a policy text once, then evaluate it against an incoming claim set per request.
 *
 *   struct maat_policy *p;
 *   struct maat_policy_error perr = {0};
 *   if (maat__policy_parse(text, len, NULL, &p, &perr) != 0)
 *       -> 400 "PolicyParsingError", perr.err.msg = "line 2:1 mismatched input '[' expecting ';'"
 *   struct maat_policy_result res;
 *   if (maat__policy_evaluate(p, claims, n, NULL, &res, &perr) != 0)
 *       -> 400 "PolicyEvaluationError", perr.detail = "No Permit claim was issued in the
 *          authorizationrules section, authorization failed."
 *   res.outgoing / res.properties -> token;  maat__policy_result_cleanup(&res);
 *
 * Semantics, limits and every compatibility decision (with its source): docs/policy.md.
 * No I/O; a parsed policy is immutable and may be evaluated from several threads at once.
 */
#ifndef MAAT_POLICY_H
#define MAAT_POLICY_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- claims ---- */

/* The value types of the policy language (claim-rule-grammar.md: String, Integer,
 * Boolean; 1.2 adds Set). JSON is a String whose text is a JSON object or array (e.g.
 * x-ms-runtime): policies compare it as that string; it is issued back as JSON. */
enum maat_claim_kind {
    MAAT_CLAIM_STRING = 0,
    MAAT_CLAIM_INTEGER,
    MAAT_CLAIM_BOOLEAN,
    MAAT_CLAIM_JSON,
    MAAT_CLAIM_SET,
};

/* A claim value. Strings carry a length (they may hold any bytes, NUL included). */
struct maat_claim_value {
    enum maat_claim_kind kind;
    bool boolean;    /* BOOLEAN */
    int64_t integer; /* INTEGER */
    const char *str; /* STRING, JSON (compact JSON text) */
    size_t len;
    const struct maat_claim_value *items; /* SET: the members (never SETs themselves) */
    size_t count;
};

/* Issuers (claim-rule-grammar.md). */
#define MAAT_ISSUER_SERVICE "AttestationService" /* derived from the evidence */
#define MAAT_ISSUER_POLICY "AttestationPolicy"   /* created by add/issue/issueproperty */
#define MAAT_ISSUER_CUSTOM "CustomClaim"         /* supplied by the attester */

/* A claim: a type, a value and an issuer (NULL issuer = MAAT_ISSUER_SERVICE). All
 * pointers are borrowed from whoever built the claim. */
struct maat_claim {
    const char *type;
    const char *issuer;
    struct maat_claim_value value;
};

/* MAA's name of a value type: "String", "Integer", "Boolean" or "Set" (JSON -> "String"). */
const char *maat__claim_kind_name(enum maat_claim_kind kind);

/* ---- limits ---- */

/* Bounds applied while parsing and evaluating (MAA publishes none). Every limit is a
 * hard error, never a silent truncation. */
struct maat_policy_limits {
    size_t max_text;       /* policy text, bytes (default 256 KiB) */
    size_t max_rules;      /* rules in all sections together (default 1024) */
    size_t max_conditions; /* conditions in one rule (default 32) */
    size_t max_tests;      /* property tests in one condition (default 16) */
    size_t max_depth;      /* nesting of function calls in an expression (default 8) */
    size_t max_string;     /* a string literal or any computed string, bytes
                                     (default 64 KiB) */
    size_t max_claims;     /* incoming claims plus claims added, issued, issued as
                                     properties (default 4096) */
    size_t max_set;        /* members of a Set value (default 1024) */
    uint64_t max_steps;    /* claim tests + function calls per evaluation
                                     (default 1,000,000) */
    /* Output bounds: what one evaluation may issue (issue + issueproperty), checked
     * before each claim is copied, so a self-multiplying rule set stops at the bound
     * instead of growing the token (docs/policy.md "Limits"). */
    size_t max_issued_claims; /* claims issued and issued as properties
                                     (default 256) */
    size_t max_claim_value;   /* bytes of one issued value: a String's length, a
                                     Set's members' total (default 256 KiB) */
    size_t max_issued_bytes;  /* types + values of all issued claims together
                                     (default 1 MiB) */
    size_t max_memory;        /* bytes one evaluation may allocate for computed and
                                     issued values (default 16 MiB) */
};

/* Fills `l` with the defaults above. Passing NULL limits to the functions below means
 * these defaults. */
void maat__policy_limits_default(struct maat_policy_limits *l);

/* ---- errors ---- */

enum maat_policy_error_kind {
    MAAT_POLICY_ERR_NONE = 0,
    MAAT_POLICY_ERR_PARSING,    /* MAA: 400 PolicyParsingError */
    MAAT_POLICY_ERR_EVALUATION, /* MAA: 400 PolicyEvaluationError (deny, no permit, a
                                     function failure, a limit reached while evaluating) */
    MAAT_POLICY_ERR_INTERNAL,   /* out of memory, misuse: not the policy's fault */
};

/* A parsing or evaluation failure. Zero-initialise; the first failure wins.
 * err.msg holds the one-line form: "line L:C <detail>" for parsing errors (ANTLR's
 * console format; L and C 1-based, C counts Unicode code points, a tab is one column),
 * the bare detail for evaluation errors. */
struct maat_policy_error {
    struct maat_error err;
    enum maat_policy_error_kind kind;
    unsigned line;      /* 1-based; 0 when no position applies */
    unsigned column;    /* 1-based, code points */
    char offending[64]; /* the offending token as MAA quotes it ("[", "<EOF>") */
    char rule[96];      /* grammar rule path, e.g. "policy > versionInfo" */
    char detail[320];   /* "mismatched input '[' expecting ';'" or MAA's
                                     evaluation message */
};

/* MAA's error code for the failure: "PolicyParsingError", "PolicyEvaluationError", or
 * "InternalError". */
const char *maat__policy_error_code(const struct maat_policy_error *e);

/* Renders the failure the way MAA's policy engine words it inside its error message:
 *   Policy Parser Exception Thrown: Offending symbol: '['\nLine: '2', Column: '1'\n
 *   Failure message: 'mismatched input '[' expecting ';''\nFailing rule: 'policy > versionInfo'
 * or "Policy Engine Exception: <detail>" for evaluation errors. Truncates to `n`
 * (always NUL-terminated when n > 0); returns the length it needed. */
size_t maat__policy_error_format(const struct maat_policy_error *e, char *buf, size_t n);

/* ---- parsing ---- */

struct maat_policy;

enum maat_policy_section {
    MAAT_POLICY_CONFIGURATION = 0, /* configurationrules (1.1+) */
    MAAT_POLICY_AUTHORIZATION,     /* authorizationrules (required) */
    MAAT_POLICY_ISSUANCE,          /* issuancerules (optional) */
};

/*
 * Parses a policy text (UTF-8; `len` bytes, no NUL needed). Checks syntax and the rules
 * MAA states in prose: section order and presence per version, actions allowed per
 * section, claim references (`c.value`) naming a condition of the same rule, function
 * names and argument counts, operators allowed for the literal's type. Returns 0 and a
 * new policy in *out, or -1 with perr filled (kind PARSING, line and column of the
 * offending token). `lim` NULL = defaults.
 */
MAAT_MUST_CHECK int maat__policy_parse(const char *text, size_t len,
                                      const struct maat_policy_limits *lim,
                                      struct maat_policy **out, struct maat_policy_error *perr);

/* Releases a parsed policy. NULL is fine. */
void maat__policy_free(struct maat_policy *p);

/* The policy's version: 10, 11 or 12 (for 1.0, 1.1, 1.2). */
unsigned maat__policy_version(const struct maat_policy *p);

/* Whether the section appears in the text (an empty "issuancerules{};" counts). */
bool maat__policy_has_section(const struct maat_policy *p, enum maat_policy_section s);
/* One value derived from the policy text alone (its configurationrules' TCB baseline,
 * tcb_identifier.c), kept with the policy once computed so that a stored policy shared by
 * threads is not evaluated again per request. _load returns false until _store was called. */
bool maat__policy_memo_load(const struct maat_policy *p, uint32_t *value);
void maat__policy_memo_store(const struct maat_policy *p, uint32_t value);

/* Number of rules in a section (0 when absent). */
size_t maat__policy_rule_count(const struct maat_policy *p, enum maat_policy_section s);

/* ---- evaluation ---- */

enum maat_policy_outcome {
    MAAT_POLICY_PERMIT = 0, /* a permit() fired and no deny(): token may be issued */
    MAAT_POLICY_DENY,       /* a deny() fired */
    MAAT_POLICY_NO_PERMIT,  /* authorizationrules issued no permit() */
    MAAT_POLICY_ERROR,      /* evaluation stopped with an error */
};

/* The result of one evaluation. Everything it points to is owned by it (values may also
 * point into the caller's incoming claims, which must outlive it). */
struct maat_policy_result {
    enum maat_policy_outcome outcome;
    const struct maat_claim *properties; /* issueproperty claims, in order */
    size_t nproperties;
    const struct maat_claim *outgoing; /* issue claims (the token's policy claims) */
    size_t noutgoing;
    const struct maat_claim *incoming; /* the final incoming set: the caller's claims
                                              followed by every claim the rules added */
    size_t nincoming;
    void *priv_; /* storage; do not touch */
};

/*
 * Runs the policy over `incoming` (n claims): configurationrules, then
 * authorizationrules, then (only on permit) issuancerules; each rule once, in order,
 * seeing claims added by the rules before it. Always fills *res (release it with
 * maat__policy_result_cleanup, also on failure). Returns 0 when the outcome is PERMIT;
 * otherwise -1 with perr filled (kind EVALUATION): for DENY and NO_PERMIT detail is MAA's
 * message ("A Deny claim was issued, authorization failed." / "No Permit claim was issued
 * in the authorizationrules section, authorization failed."), for ERROR it names the rule
 * (line:column) and what went wrong. `lim` NULL = defaults.
 */
MAAT_MUST_CHECK int maat__policy_evaluate(const struct maat_policy *p,
                                         const struct maat_claim *incoming, size_t n,
                                         const struct maat_policy_limits *lim,
                                         struct maat_policy_result *res,
                                         struct maat_policy_error *perr);

/* Releases what a result owns and zeroes it. Safe on a zeroed result. */
void maat__policy_result_cleanup(struct maat_policy_result *res);

/* The string value of the first property claim of `type` (e.g. "x-ms-sgx-tcbidentifier"),
 * NUL-terminated, or NULL when there is none or it is not a String. */
const char *maat__policy_result_property(const struct maat_policy_result *res, const char *type);

/* ---- JSON bridges (the claim sets of attest.h) ---- */

/* A list of claims that owns its storage (built from JSON). */
struct maat_claim_list {
    struct maat_claim *claims;
    size_t count;
    void *priv_;
};

/*
 * Converts a JSON claim object to claims, issuer `issuer` (NULL = AttestationService):
 * {"type": value} or {"type": [value, ...]} (attest.h's incoming form, one claim per array
 * member). Strings -> String, integers -> Integer, true/false -> Boolean, objects, arrays
 * inside the value list and reals -> JSON (compact text, sorted keys); null members are
 * skipped. The claims borrow strings from `obj`, which must outlive the list. Returns 0
 * or -1 (MAAT_ERR_VALUE / MAAT_ERR_TOO_LARGE / MAAT_ERR_NOMEM).
 */
MAAT_MUST_CHECK int maat__claim_list_from_json(const json_t *obj, const char *issuer,
                                              struct maat_claim_list *out, struct maat_error *err);

/* Releases a claim list and zeroes it. Safe on a zeroed list. */
void maat__claim_list_cleanup(struct maat_claim_list *l);

/* A claim value as JSON (Set -> array, JSON -> the parsed object). New reference or NULL. */
json_t *maat__claim_value_to_json(const struct maat_claim_value *v);

/*
 * Claims as one JSON object {type: value} (for attest.h's `issued`): a type issued once
 * maps to its value; a type issued several times maps to an array of its values in
 * issue order. New reference or NULL on failure (err set).
 */
json_t *maat__claims_to_json(const struct maat_claim *claims, size_t n, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_POLICY_H */

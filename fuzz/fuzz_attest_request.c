/* fuzz_attest_request.c - libFuzzer harness for MAA attestation requests: the first byte
 * picks the route (SgxEnclave / OpenEnclave / TdxVm), the rest is the JSON body, run
 * through maat__attest_run (the pipeline maatd uses: parse, draft policy, quote, bindings,
 * PCK chain, verification without collateral; Intel's root only, so chains of the fuzzer's
 * making fail there) with outcome invariants checked. Requests whose SGX quote parsed go
 * on through both claim builders, so every path from request bytes to a token payload
 * runs under ASan/UBSan; the payload text
 * writer and the incoming claim list are checked against the JSON routes byte for byte
 * (the request's JSON runtime data doubles as issued claims with arbitrary keys), and so
 * is the payload written from a policy result's claims (issued_result). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "maat/quote.h"
#include "maat/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* maat__claims_payload_text must write exactly jansson's text of build + finish. */
static void same_text(const struct maat_claims_input *in)
{
    static const char jti[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct maat_error err = {0};
    json_t *p = maat__claims_build(in, &err);
    if (p == NULL) __builtin_trap();
    if (maat__claims_finish(p, "https://fuzz.example", 1700000000, 28800, jti, &err) != 0)
        __builtin_trap();
    char *want = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    struct maat_buf b;
    maat_buf_init(&b);
    int rc = maat__claims_payload_text(in, "https://fuzz.example", 1700000000, 28800, jti, &b, &err);
    if (want == NULL || rc != 0 || b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
        __builtin_trap();
    maat_buf_cleanup(&b);
    free(want);
    json_decref(p);
}

/* maat__claims_incoming_list must give the claims the JSON incoming set gives. */
static void same_incoming(const struct maat_claims_input *in, const json_t *inc)
{
    struct maat_error err = {0};
    struct maat_claim_list a, b;
    if (maat__claim_list_from_json(inc, NULL, &a, &err) != 0) __builtin_trap();
    if (maat__claims_incoming_list(in, &b, &err) != 0 || a.count != b.count) __builtin_trap();
    for (size_t i = 0; i < a.count; i++) {
        const struct maat_claim_value *x = &a.claims[i].value, *y = &b.claims[i].value;
        if (strcmp(a.claims[i].type, b.claims[i].type) != 0 || x->kind != y->kind ||
            x->boolean != y->boolean || x->integer != y->integer || x->len != y->len ||
            (x->len && memcmp(x->str, y->str, x->len) != 0))
            __builtin_trap();
    }
    maat__claim_list_cleanup(&a);
    maat__claim_list_cleanup(&b);
}

/* Issued claims given as a policy result (maatd's path) must give the payload text that
 * the object maat__claims_to_json() makes of the same claims gives. */
static void same_issued(struct maat_claims_input in, const struct maat_claim *c, size_t n)
{
    static const char jti[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct maat_error err = {0};
    struct maat_policy_result r = {.outgoing = c, .noutgoing = n};
    json_t *obj = maat__claims_to_json(c, n, &err);
    struct maat_buf a, b;
    maat_buf_init(&a);
    maat_buf_init(&b);
    in.issued = obj;
    in.issued_result = NULL;
    int ra = obj ? maat__claims_payload_text(&in, "https://f.example", 1, 2, jti, &a, &err) : -1;
    in.issued = NULL;
    in.issued_result = &r;
    int rb = maat__claims_payload_text(&in, "https://f.example", 1, 2, jti, &b, &err);
    if (ra != rb || (ra == 0 && (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)))
        __builtin_trap();
    maat_buf_cleanup(&a);
    maat_buf_cleanup(&b);
    json_decref(obj);
}

static void claims(const struct maat_attest_request *req, const struct maat_quote *q)
{
    static const struct maat_collateral_hashes hashes; /* zeros: values do not matter */
    struct maat_verdict v;
    memset(&v, 0, sizeof v);
    v.ok = true;
    v.trusted_root_simulated = true;
    struct maat_claims_input in = {
        .route = req->route,
        .req = req,
        .quote = q,
        .verdict = &v,
        .collateral = &hashes,
        .policy_hash = "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc",
    };
    struct maat_error err = {0};
    json_t *inc = maat__claims_incoming(&in, &err);
    if (inc == NULL) __builtin_trap(); /* a parsed SGX quote always yields claims */
    json_t *issued = maat__claims_default_issued(inc, &err);
    if (issued == NULL) __builtin_trap();
    in.issued = issued;
    json_t *p = maat__claims_build(&in, &err);
    if (p == NULL) __builtin_trap();
    char *s = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    if (s == NULL) __builtin_trap(); /* every claim must serialise */
    free(s);
    json_decref(p);
    same_text(&in);
    /* the request's own JSON runtime data as issued claims: arbitrary keys and values
     * through the payload text writer */
    if (req->runtime.present && req->runtime.type == MAAT_DATA_JSON) {
        in.issued = req->runtime.json;
        same_text(&in);
    }
    same_incoming(&in, inc);
    /* issued claims as a policy result: the default policy's output (from the incoming
     * set), and the request's JSON runtime data read as claims (arbitrary types, values,
     * repeated types, sets, JSON values) */
    struct maat_claim_list dl;
    json_t *dflt = maat__claims_default_issued(inc, &err);
    if (dflt == NULL || maat__claim_list_from_json(dflt, NULL, &dl, &err) != 0) __builtin_trap();
    same_issued(in, dl.claims, dl.count);
    maat__claim_list_cleanup(&dl);
    json_decref(dflt);
    struct maat_claim_list rl;
    if (req->runtime.present && req->runtime.type == MAAT_DATA_JSON &&
        maat__claim_list_from_json(req->runtime.json, NULL, &rl, &err) == 0) {
        same_issued(in, rl.claims, rl.count);
        maat__claim_list_cleanup(&rl);
    }
    json_decref(issued);
    json_decref(inc);
}

/* What the pipeline needs, made once: Intel's root, the default policies. */
static struct maat_trust *trust;
static struct maat_policy *policies[2];
static char hashes[2][MAAT_POLICY_HASH_LEN + 1];

static void init_once(void)
{
    if (trust != NULL) return;
    struct maat_error err = {0};
    struct maat_policy_error perr = {0};
    trust = maat_trust_new_intel(&err);
    const char *t[2] = {maat_policy_default_sgx(), maat_policy_default_tdx()};
    for (int i = 0; i < 2; i++)
        if (maat__policy_parse(t[i], strlen(t[i]), NULL, &policies[i], &perr) != 0 ||
            maat_policy_hash(t[i], strlen(t[i]), hashes[i], &err) != 0)
            __builtin_trap();
    if (trust == NULL) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    init_once();
    enum maat_attest_route route = data[0] % 3 == 2   ? MAAT_ROUTE_TDX_VM
                                   : data[0] % 3 == 1 ? MAAT_ROUTE_OPEN_ENCLAVE
                                                      : MAAT_ROUTE_SGX_ENCLAVE;
    /* A copy of exactly size-1 bytes, so ASan catches any read past the body. */
    size_t n = size - 1;
    char *body = malloc(n ? n : 1);
    if (body == NULL) return 0;
    memcpy(body, data + 1, n);
    const bool tdx = route == MAAT_ROUTE_TDX_VM;
    const struct maat_attest_ctx ctx = {
        .trust = trust,
        .at = 1700000000,
        .policy = policies[tdx],
        .policy_hash = hashes[tdx],
        .issuer = "https://fuzz.example",
        .jti = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    };
    static struct maat_attest_result r;
    int rc = maat__attest_run(&ctx, body, n, route, &r);
    /* the outcome and its detail agree */
    if ((rc == 0) != (r.outcome == MAAT_ATTEST_OK)) __builtin_trap();
    if ((r.outcome == MAAT_ATTEST_BAD_REQUEST || r.outcome == MAAT_ATTEST_TCB_BASELINE) &&
        (r.aerr.code == MAAT_MAA_OK || r.aerr.err.msg[0] == '\0'))
        __builtin_trap();
    if (r.outcome == MAAT_ATTEST_POLICY_FAILED && r.perr.err.msg[0] == '\0' &&
        r.perr.kind != MAAT_POLICY_ERR_EVALUATION)
        __builtin_trap();
    if (r.outcome == MAAT_ATTEST_VERIFY_FAILED && (!r.verdict_reached || r.verdict.reason[0] == '\0'))
        __builtin_trap();
    if (rc == 0 && r.payload.len == 0) __builtin_trap();
    if (r.outcome != MAAT_ATTEST_BAD_REQUEST || r.quote_parsed) {
        /* the body parsed: what the pipeline kept is consistent */
        if (r.req.evidence == NULL || r.req.evidence_len == 0) __builtin_trap();
        if (r.req.runtime.present && r.req.runtime.type == MAAT_DATA_JSON &&
            !json_is_object(r.req.runtime.json))
            __builtin_trap();
    } else if (r.req.evidence != NULL) {
        /* the body parsed and the quote did not: the message says so */
        if (strncmp(r.aerr.err.msg, "quote: ", 7) && strncmp(r.aerr.err.msg, "report: ", 8))
            __builtin_trap();
    } else if (r.req.nonce != NULL || r.req.runtime.data != NULL) {
        __builtin_trap(); /* a rejected body leaves nothing behind */
    }
    if (r.quote_parsed && r.quote.body_type == MAAT_BODY_SGX && !tdx) claims(&r.req, &r.quote);
    maat__attest_result_cleanup(&r);
    free(body);
    return 0;
}

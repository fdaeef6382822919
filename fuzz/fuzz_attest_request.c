/* fuzz_attest_request.c - libFuzzer harness for MAA attestation requests: the first byte
 * picks the route (SgxEnclave / OpenEnclave), the rest is the JSON body. Accepted requests
 * go on through the quote parser, the binding checks and both claim builders, so every
 * path from request bytes to a token payload runs under ASan/UBSan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    json_t *inc = maat_claims_incoming(&in, &err);
    if (inc == NULL) __builtin_trap(); /* a parsed SGX quote always yields claims */
    json_t *issued = maat_claims_default_issued(inc, &err);
    if (issued == NULL) __builtin_trap();
    in.issued = issued;
    json_t *p = maat_claims_build(&in, &err);
    if (p == NULL) __builtin_trap();
    char *s = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    if (s == NULL) __builtin_trap(); /* every claim must serialise */
    free(s);
    json_decref(p);
    json_decref(issued);
    json_decref(inc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    enum maat_attest_route route = (data[0] & 1) ? MAAT_ROUTE_OPEN_ENCLAVE : MAAT_ROUTE_SGX_ENCLAVE;
    /* A copy of exactly size-1 bytes, so ASan catches any read past the body. */
    size_t n = size - 1;
    char *body = malloc(n ? n : 1);
    if (body == NULL) return 0;
    memcpy(body, data + 1, n);
    struct maat_attest_request req;
    struct maat_attest_error a = {0};
    if (maat_attest_request_parse(body, n, route, &req, &a) == 0) {
        if (req.evidence == NULL || req.evidence_len == 0) __builtin_trap();
        if (req.runtime.present && req.runtime.type == MAAT_DATA_JSON &&
            !json_is_object(req.runtime.json))
            __builtin_trap();
        struct maat_quote q;
        struct maat_error err = {0};
        if (maat_quote_parse(req.evidence, req.evidence_len, &q, &err) == 0) {
            struct maat_attest_error b = {0};
            int rc = maat_attest_check_bindings(&req, &q, &b);
            if (rc != 0 && (b.code == MAAT_MAA_OK || b.err.msg[0] == '\0')) __builtin_trap();
            if (q.body_type == MAAT_BODY_SGX) claims(&req, &q);
        }
    } else {
        /* every rejection must carry an MAA code and say why */
        if (a.code == MAAT_MAA_OK || a.err.msg[0] == '\0') __builtin_trap();
        if (req.evidence != NULL || req.nonce != NULL || req.runtime.data != NULL) __builtin_trap();
    }
    maat_attest_request_cleanup(&req);
    free(body);
    return 0;
}

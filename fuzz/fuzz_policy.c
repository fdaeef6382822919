/*
 * fuzz_policy.c - libFuzzer harness for the policy language: parse arbitrary text, and
 * when it parses, evaluate it over a fixed SGX-like claim set (Integer, Boolean, String,
 * JSON and Set values, three issuers) and turn the outgoing claims into JSON. Every
 * rejection must carry a message and a position; every evaluation must end (limits).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "maat/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct maat_claim_value set_items[] = {
    {.kind = MAAT_CLAIM_INTEGER, .integer = 0},
    {.kind = MAAT_CLAIM_STRING, .str = "abc", .len = 3},
    {.kind = MAAT_CLAIM_BOOLEAN, .boolean = true},
};

static const struct maat_claim claims[] = {
    {.type = "x-ms-attestation-type", .value = {.kind = MAAT_CLAIM_STRING, .str = "sgx", .len = 3}},
    {.type = "x-ms-sgx-is-debuggable", .value = {.kind = MAAT_CLAIM_BOOLEAN, .boolean = true}},
    {.type = "x-ms-sgx-mrsigner",
     .value = {.kind = MAAT_CLAIM_STRING,
               .str = "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c",
               .len = 64}},
    {.type = "x-ms-sgx-product-id", .value = {.kind = MAAT_CLAIM_INTEGER, .integer = 1}},
    {.type = "x-ms-sgx-svn", .value = {.kind = MAAT_CLAIM_INTEGER, .integer = 1}},
    {.type = "x-ms-runtime", .value = {.kind = MAAT_CLAIM_JSON, .str = "{\"a\":[1,2]}", .len = 11}},
    {.type = "json", .value = {.kind = MAAT_CLAIM_STRING, .str = "[0,\"abc\",true,null]", .len = 19}},
    {.type = "set", .value = {.kind = MAAT_CLAIM_SET, .items = set_items, .count = 3}},
    {.type = "a", .issuer = MAAT_ISSUER_CUSTOM, .value = {.kind = MAAT_CLAIM_INTEGER, .integer = -7}},
    {.type = "a",
     .issuer = MAAT_ISSUER_POLICY,
     .value = {.kind = MAAT_CLAIM_STRING, .str = "a", .len = 1}},
    {.type = "a", .value = {.kind = MAAT_CLAIM_STRING, .str = "", .len = 0}},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    lim.max_steps = 20000; /* keep each input fast; the bound itself is what is tested */
    lim.max_claims = 512;
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    if (maat__policy_parse((const char *)data, size, &lim, &p, &perr) != 0) {
        if (perr.detail[0] == '\0' || perr.err.msg[0] == '\0') __builtin_trap();
        if (perr.kind == MAAT_POLICY_ERR_PARSING && (perr.line == 0 || perr.column == 0))
            __builtin_trap();
        char buf[64];
        (void)maat__policy_error_format(&perr, buf, sizeof buf);
        return 0;
    }
    struct maat_policy_result res;
    memset(&perr, 0, sizeof perr);
    int rc = maat__policy_evaluate(p, claims, sizeof claims / sizeof claims[0], &lim, &res, &perr);
    if ((rc == 0) != (res.outcome == MAAT_POLICY_PERMIT)) __builtin_trap();
    if (rc != 0 && perr.detail[0] == '\0') __builtin_trap();
    json_t *out = maat__claims_to_json(res.outgoing, res.noutgoing, NULL);
    json_decref(out);
    (void)maat__policy_result_property(&res, "x-ms-sgx-tcbidentifier");
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
    return 0;
}

/*
 * test_policy_vectors.c - the policy engine against real MAA material: the recorded
 * draftPolicyForAttestation requests (permit and deny, 12 recordings) evaluated over the
 * claims of the recorded quote, the stored default policy MAA returned from GET
 * /policies, the default policies of policy_default.h, and the sample policies of
 * Azure-Samples (shared vectors: maa-recordings, azure-samples).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "testutil.h"

#define DRAFT_HASH "1wKUrF_E0X5CZUM9OMIF1PH3qn5iykWY_bWgBbiWJZ0"
#define MRSIGNER "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c"

static json_t *load_json(const char *rel)
{
    size_t len;
    char *txt = (char *)tu_read_vector(rel, &len);
    if (txt == NULL) return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(txt, len, 0, &jerr);
    free(txt);
    assert_non_null(j);
    return j;
}

/* The incoming claims MAA derived from the recorded quote: the service claims of a
 * recorded token, as {type: [value]} like maat__claims_incoming() builds them. */
static json_t *incoming_from_token(const json_t *payload)
{
    static const char *const names[] = {
        "x-ms-ver",           "x-ms-attestation-type", "x-ms-sgx-is-debuggable",
        "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner",     "x-ms-sgx-product-id",
        "x-ms-sgx-svn",       "x-ms-sgx-report-data",  "x-ms-sgx-collateral"};
    json_t *in = json_object();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *v = json_object_get(payload, names[i]);
        assert_non_null(v);
        assert_int_equal(json_object_set_new(in, names[i], json_pack("[O]", v)), 0);
    }
    return in;
}

static void check_draft(const char *route, const char *kind)
{
    char rel[160];
    snprintf(rel, sizeof rel, "maa-recordings/attest/%s-%s-draft-permit.request.json", route, kind);
    json_t *preq = load_json(rel);
    TU_REQUIRE_VECTOR(preq);
    snprintf(rel, sizeof rel, "maa-recordings/attest/%s-%s-draft-permit.token.json", route, kind);
    json_t *ptok = load_json(rel);
    snprintf(rel, sizeof rel, "maa-recordings/attest/%s-%s-draft-deny.request.json", route, kind);
    json_t *dreq = load_json(rel);
    snprintf(rel, sizeof rel, "maa-recordings/attest/%s-%s-draft-deny.response.json", route, kind);
    json_t *dresp = load_json(rel);
    snprintf(rel, sizeof rel, "maa-recordings/attest/%s-%s-plain.token.json", route, kind);
    json_t *plain = load_json(rel);
    assert_non_null(ptok);
    assert_non_null(dreq);
    assert_non_null(dresp);
    assert_non_null(plain);

    json_t *in_json = incoming_from_token(json_object_get(plain, "payload"));
    struct maat_claim_list in = {0};
    struct maat_error err = {0};
    assert_int_equal(maat__claim_list_from_json(in_json, NULL, &in, &err), 0);
    assert_int_equal(in.count, 9);

    /* Permit draft: parses, hashes as MAA hashed it, issues exactly x-ms-policy. */
    const char *text = json_string_value(
        json_object_get(json_object_get(preq, "body"), "draftPolicyForAttestation"));
    assert_non_null(text);
    json_t *payload = json_object_get(ptok, "payload");
    char hash[MAAT_POLICY_HASH_LEN + 1];
    assert_int_equal(maat_policy_hash(text, strlen(text), hash, &err), 0);
    assert_string_equal(hash, DRAFT_HASH);
    assert_string_equal(hash, json_string_value(json_object_get(payload, "x-ms-policy-hash")));
    struct maat_policy *pol = NULL;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_parse(text, strlen(text), NULL, &pol, &perr), 0);
    assert_int_equal(maat__policy_version(pol), 10);
    assert_int_equal(maat__policy_rule_count(pol, MAAT_POLICY_AUTHORIZATION), 1);
    assert_int_equal(maat__policy_rule_count(pol, MAAT_POLICY_ISSUANCE), 1);
    struct maat_policy_result res;
    assert_int_equal(maat__policy_evaluate(pol, in.claims, in.count, NULL, &res, &perr), 0);
    assert_int_equal(res.outcome, MAAT_POLICY_PERMIT);
    assert_int_equal(res.noutgoing, 1);
    assert_string_equal(res.outgoing[0].type, "custom-name");
    assert_string_equal(res.outgoing[0].value.str, MRSIGNER);
    assert_int_equal(res.nproperties, 0); /* no configurationrules: the service default applies */
    json_t *issued = maat__claims_to_json(res.outgoing, res.noutgoing, &err);
    assert_non_null(issued);
    assert_true(json_equal(issued, json_object_get(payload, "x-ms-policy")));
    assert_true(json_equal(json_object_get(issued, "custom-name"),
                           json_object_get(payload, "custom-name")));
    json_decref(issued);
    maat__policy_result_cleanup(&res);
    maat__policy_free(pol);

    /* Deny draft: parses; no permit; MAA's code and message. */
    text = json_string_value(
        json_object_get(json_object_get(dreq, "body"), "draftPolicyForAttestation"));
    assert_non_null(text);
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_parse(text, strlen(text), NULL, &pol, &perr), 0);
    assert_int_equal(maat__policy_evaluate(pol, in.claims, in.count, NULL, &res, &perr), -1);
    assert_int_equal(res.outcome, MAAT_POLICY_NO_PERMIT);
    assert_int_equal(res.noutgoing, 0);
    json_t *error = json_object_get(json_object_get(dresp, "body"), "error");
    assert_string_equal(maat__policy_error_code(&perr),
                        json_string_value(json_object_get(error, "code")));
    const char *msg = json_string_value(json_object_get(error, "message"));
    assert_non_null(strstr(msg, perr.detail));
    char native[512];
    maat__policy_error_format(&perr, native, sizeof native);
    assert_non_null(strstr(msg, native)); /* "Policy Engine Exception: No Permit claim ..." */
    maat__policy_result_cleanup(&res);
    maat__policy_free(pol);

    maat__claim_list_cleanup(&in);
    json_decref(in_json);
    json_decref(preq);
    json_decref(ptok);
    json_decref(dreq);
    json_decref(dresp);
    json_decref(plain);
}

static void test_drafts_sgx(void **state)
{
    (void)state;
    check_draft("sgx", "shared");
    check_draft("sgx", "aad");
    check_draft("sgx", "isolated");
}

static void test_drafts_oe(void **state)
{
    (void)state;
    check_draft("oe", "shared");
    check_draft("oe", "aad");
    check_draft("oe", "isolated");
}

/* The default policy MAA stores (GET /policies/SgxEnclave and OpenEnclave): an unsigned JWS
 * whose AttestationPolicy is base64url(text). It must be policy_default.h's text, parse,
 * and evaluate over the recorded quote's claims to what every recorded token carries. */
static void test_stored_default(void **state)
{
    (void)state;
    static const char *const gets[] = {"get-sgx-shared", "get-sgx-aad", "get-sgx-isolated",
                                       "get-oe-shared",  "get-oe-aad",  "get-oe-isolated"};
    json_t *plain = load_json("maa-recordings/attest/sgx-shared-plain.token.json");
    TU_REQUIRE_VECTOR(plain);
    json_t *payload = json_object_get(plain, "payload");
    json_t *in_json = incoming_from_token(payload);
    struct maat_claim_list in = {0};
    struct maat_error err = {0};
    assert_int_equal(maat__claim_list_from_json(in_json, NULL, &in, &err), 0);
    for (size_t g = 0; g < sizeof gets / sizeof gets[0]; g++) {
        char rel[128];
        snprintf(rel, sizeof rel, "maa-recordings/policy/%s.token.json", gets[g]);
        json_t *tok = load_json(rel);
        assert_non_null(tok);
        const char *jws = json_string_value(
            json_object_get(json_object_get(tok, "payload"), "x-ms-policy"));
        assert_non_null(jws);
        const char *p1 = strchr(jws, '.'), *p2 = p1 ? strchr(p1 + 1, '.') : NULL;
        assert_non_null(p2);
        uint8_t *body;
        size_t blen;
        assert_int_equal(
            maat_base64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), "jws", &body, &blen, &err), 0);
        json_t *stored = json_loadb((const char *)body, blen, 0, NULL);
        free(body);
        const char *b64 = json_string_value(json_object_get(stored, "AttestationPolicy"));
        assert_non_null(b64);
        uint8_t *text;
        size_t tlen;
        assert_int_equal(maat_base64url_decode(b64, strlen(b64), "policy", &text, &tlen, &err), 0);
        assert_int_equal(tlen, strlen(maat_policy_default_sgx_2022));
        assert_memory_equal(text, maat_policy_default_sgx_2022, tlen);

        struct maat_policy *pol = NULL;
        struct maat_policy_error perr = {0};
        assert_int_equal(maat__policy_parse((const char *)text, tlen, NULL, &pol, &perr), 0);
        struct maat_policy_result res;
        assert_int_equal(maat__policy_evaluate(pol, in.claims, in.count, NULL, &res, &perr), 0);
        assert_string_equal(maat__policy_result_property(&res, "x-ms-sgx-tcbidentifier"),
                            json_string_value(json_object_get(payload, "x-ms-sgx-tcbidentifier")));
        json_t *issued = maat__claims_to_json(res.outgoing, res.noutgoing, &err);
        assert_true(json_equal(issued, json_object_get(payload, "x-ms-policy")));
        /* ... and what claims.c's stand-in for the default policy computes. */
        json_t *stand_in = maat__claims_default_issued(in_json, &err);
        assert_non_null(stand_in);
        assert_true(json_equal(issued, stand_in));
        json_decref(stand_in);
        json_decref(issued);
        maat__policy_result_cleanup(&res);
        maat__policy_free(pol);
        free(text);
        json_decref(stored);
        json_decref(tok);
    }
    maat__claim_list_cleanup(&in);
    json_decref(in_json);
    json_decref(plain);
}

/* policy_default.h's texts parse and hash to MAA's recorded values (maa.md section 4). */
static void test_default_texts(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned version;
        const char *hash;
    } cases[] = {
        {maat_policy_default_sgx_2021, 10, "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw"},
        {maat_policy_default_sgx_2022, 11, "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc"},
        {"version=1.0; authorizationrules{=> permit();}; issuancerules{};", 10,
         "z0FRjKS0ssQTNur1V6BV8WIrh9M3fzgTo0EfHRvapWU"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hash[MAAT_POLICY_HASH_LEN + 1];
        struct maat_error err = {0};
        assert_int_equal(maat_policy_hash(cases[i].text, strlen(cases[i].text), hash, &err), 0);
        assert_string_equal(hash, cases[i].hash);
        struct maat_policy *pol = NULL;
        struct maat_policy_error perr = {0};
        assert_int_equal(maat__policy_parse(cases[i].text, strlen(cases[i].text), NULL, &pol, &perr),
                         0);
        assert_int_equal(maat__policy_version(pol), cases[i].version);
        maat__policy_free(pol);
    }
    assert_ptr_equal(maat_policy_default_sgx(), maat_policy_default_sgx_2022);
}

static struct maat_policy *parse_vector(const char *rel)
{
    size_t len;
    char *txt = (char *)tu_read_vector(rel, &len);
    if (txt == NULL) return NULL;
    struct maat_policy *pol = NULL;
    struct maat_policy_error perr = {0};
    int rc = maat__policy_parse(txt, len, NULL, &pol, &perr);
    if (rc != 0) fprintf(stderr, "%s: %s\n", rel, perr.err.msg);
    assert_int_equal(rc, 0);
    free(txt);
    return pol;
}

/* Azure-Samples maa.signing.tool.sample/policy/ (the three .txt policies). */
static void test_sample_policies(void **state)
{
    (void)state;
    struct maat_claim on = {.type = "secureBootEnabled",
                            .value = {.kind = MAAT_CLAIM_BOOLEAN, .boolean = true}};
    struct maat_claim off = on;
    off.value.boolean = false;
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};

    struct maat_policy *add = parse_vector("azure-samples/policies/add.custom.claim.txt");
    TU_REQUIRE_VECTOR(add);
    assert_int_equal(maat__policy_evaluate(add, &on, 1, NULL, &res, &perr), 0);
    assert_int_equal(res.noutgoing, 1);
    assert_string_equal(res.outgoing[0].type, "SecurityLevelValue");
    assert_int_equal(res.outgoing[0].value.kind, MAAT_CLAIM_INTEGER);
    assert_int_equal(res.outgoing[0].value.integer, 100);
    assert_string_equal(res.outgoing[0].issuer, MAAT_ISSUER_POLICY);
    maat__policy_result_cleanup(&res);
    assert_int_equal(maat__policy_evaluate(add, &off, 1, NULL, &res, &perr), -1);
    assert_int_equal(res.outcome, MAAT_POLICY_NO_PERMIT);
    maat__policy_result_cleanup(&res);
    maat__policy_free(add);

    struct maat_policy *deny = parse_vector("azure-samples/policies/deny.all.txt");
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(deny, &on, 1, NULL, &res, &perr), -1);
    assert_int_equal(res.outcome, MAAT_POLICY_DENY);
    assert_string_equal(perr.detail, "A Deny claim was issued, authorization failed.");
    assert_string_equal(maat__policy_error_code(&perr), "PolicyEvaluationError");
    maat__policy_result_cleanup(&res);
    maat__policy_free(deny);

    struct maat_policy *permit = parse_vector("azure-samples/policies/permit.secure.boot.txt");
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(permit, &on, 1, NULL, &res, &perr), 0);
    assert_int_equal(res.noutgoing, 0);
    maat__policy_result_cleanup(&res);
    on.issuer = MAAT_ISSUER_CUSTOM; /* the rule requires issuer AttestationService */
    assert_int_equal(maat__policy_evaluate(permit, &on, 1, NULL, &res, &perr), -1);
    assert_int_equal(res.outcome, MAAT_POLICY_NO_PERMIT);
    maat__policy_result_cleanup(&res);
    maat__policy_free(permit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drafts_sgx),      cmocka_unit_test(test_drafts_oe),
        cmocka_unit_test(test_stored_default),  cmocka_unit_test(test_default_texts),
        cmocka_unit_test(test_sample_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_recorded_claims.c - maat's claim set against tokens recorded from the real MAA
 * service (maa-recordings/attest, Azure SDK for C++ recordings, 2022-11-17).
 *
 * For every successful attest case: parse the recorded request body, parse its quote,
 * re-quote the same report body on the simulated platform (MAA's Intel collateral is not
 * in the recordings), verify the re-quote with the sim's collateral, build claims with
 * MAA's default policy, and compare with the recorded token payload: the same claim names
 * (apart from maat's x-maat-*), the same JSON type for every claim, and the same value for
 * every claim that does not depend on time, keys, randomness, collateral or the issuer.
 * quotehash is compared for the ORIGINAL evidence bytes. Draft-policy cases need the
 * policy engine and are listed as skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/collateral.h"
#include "maat/crypto.h"
#include "maat/policy_default.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1668716000  /* the platform's creation time: the recording day */
#define AT (NOW + 3600) /* verification time */
#include "tcb_fixture.h"

static const char *const cases[] = {
    "sgx-shared-plain",   "sgx-shared-runtime-binary",   "sgx-shared-runtime-json",
    "sgx-aad-plain",      "sgx-aad-runtime-binary",      "sgx-aad-runtime-json",
    "sgx-isolated-plain", "sgx-isolated-runtime-binary", "sgx-isolated-runtime-json",
    "oe-shared-plain",    "oe-shared-runtime-binary",    "oe-shared-runtime-json",
    "oe-aad-plain",       "oe-aad-runtime-binary",       "oe-aad-runtime-json",
    "oe-isolated-plain",  "oe-isolated-runtime-binary",  "oe-isolated-runtime-json",
};
/* 200 tokens whose issued claims come from a draft policy: need src/lib/policy/. */
static const char *const skipped[] = {
    "sgx-shared-draft-permit", "sgx-aad-draft-permit", "sgx-isolated-draft-permit",
    "oe-shared-draft-permit",  "oe-aad-draft-permit",  "oe-isolated-draft-permit",
};

/* Claims that depend on time, randomness or the issuer: not compared at all. */
static const char *const unstable[] = {"iat", "nbf", "exp", "jti", "iss"};
/* Claims whose values depend on the collateral MAA used: names and types compared,
 * values only for quotehash (from the original evidence). */
static const char *const collateral_claims[] = {"x-ms-sgx-collateral", "maa-attestationcollateral"};

/* The sim platform, its root and its collateral verified at AT (tcb_fixture.h), and that
 * collateral's hashes (the x-ms-sgx-collateral claims). */
static struct maat_collateral_hashes hashes;

static int recorded_setup(void **state)
{
    if (setup(state) != 0) return -1;
    maat_verified_collateral_hashes(E.vc, &hashes);
    return 0;
}

static bool in_list(const char *k, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, list[i]) == 0) return true;
    return false;
}

static json_t *load_json_vector(const char *name, const char *suffix)
{
    char rel[256];
    snprintf(rel, sizeof rel, "maa-recordings/attest/%s.%s.json", name, suffix);
    size_t n;
    uint8_t *p = tu_read_vector(rel, &n);
    if (p == NULL) return NULL;
    json_error_t je;
    json_t *j = json_loadb((const char *)p, n, 0, &je);
    free(p);
    if (j == NULL) fail_msg("%s: %s", rel, je.text);
    return j;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Compares one case's claims; returns the number of claims compared by value. */
static size_t compare(const char *name, const json_t *mine, const json_t *mine_orig,
                      const json_t *recorded)
{
    size_t by_value = 0;
    const char *k;
    json_t *rv;
    /* Every recorded claim: present in maat's, same type, same value where stable. */
    json_object_foreach ((json_t *)recorded, k, rv) {
        if (in_list(k, unstable, sizeof unstable / sizeof unstable[0])) continue;
        json_t *mv = json_object_get(mine, k);
        if (mv == NULL) fail_msg("%s: maat lacks claim %s", name, k);
        if (strcmp(type_name(mv), type_name(rv)) != 0)
            fail_msg("%s: %s is %s in maat's token, %s in MAA's", name, k, type_name(mv),
                     type_name(rv));
        if (in_list(k, collateral_claims, 2)) {
            /* Same seven keys, 64 lowercase hex each; quotehash of the original evidence
             * must equal MAA's. */
            assert_int_equal(json_object_size(mv), json_object_size(rv));
            const char *ck;
            json_t *cv;
            json_object_foreach (rv, ck, cv) {
                json_t *m = json_object_get(mv, ck);
                if (m == NULL) fail_msg("%s: %s lacks %s", name, k, ck);
                assert_true(json_is_string(m));
                assert_int_equal(strlen(json_string_value(m)), 64);
                assert_int_equal(strspn(json_string_value(m), "0123456789abcdef"), 64);
            }
            json_t *oq = json_object_get(json_object_get(mine_orig, k), "quotehash");
            json_t *rq = json_object_get(rv, "quotehash");
            assert_non_null(oq);
            assert_string_equal(json_string_value(oq), json_string_value(rq));
            /* The re-quoted evidence differs (new signatures), so must its hash. */
            assert_string_not_equal(json_string_value(json_object_get(mv, "quotehash")),
                                    json_string_value(rq));
            continue;
        }
        if (!json_equal(mv, rv)) {
            char *a = json_dumps(mv, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            char *b = json_dumps(rv, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            fail_msg("%s: %s differs:\n  maat: %s\n  MAA:  %s", name, k, a, b);
        }
        /* And the claims built from the original quote agree too. */
        if (!json_equal(json_object_get(mine_orig, k), rv))
            fail_msg("%s: %s differs (original quote)", name, k);
        by_value++;
    }
    /* Every maat claim is in MAA's token, except maat's own. */
    json_t *mv;
    json_object_foreach ((json_t *)mine, k, mv) {
        if (strncmp(k, "x-maat-", 7) == 0) continue;
        if (json_object_get(recorded, k) == NULL)
            fail_msg("%s: maat emits %s, MAA did not", name, k);
    }
    return by_value;
}

/* The OpenEnclave report envelope: u32 version 1, u32 type 2 (remote), u64 size. */
static void oe_wrap(const struct maat_buf *q, struct maat_buf *out)
{
    maat_buf_init(out);
    assert_int_equal(maat_buf_put_u32le(out, 1), 0);
    assert_int_equal(maat_buf_put_u32le(out, 2), 0);
    assert_int_equal(maat_buf_put_u64le(out, q->len), 0);
    assert_int_equal(maat_buf_put(out, q->data, q->len), 0);
}

static void run_case(const char *name)
{
    struct maat_error err = {0};
    json_t *rec_req = load_json_vector(name, "request");
    json_t *rec_tok = load_json_vector(name, "token");
    TU_REQUIRE_VECTOR(rec_req);
    TU_REQUIRE_VECTOR(rec_tok);
    const json_t *recorded = json_object_get(rec_tok, "payload");
    assert_true(json_is_object(recorded));

    /* 1. The request body, exactly as the parser sees it. */
    enum maat_attest_route route = strncmp(name, "oe-", 3) == 0 ? MAAT_ROUTE_OPEN_ENCLAVE
                                                                : MAAT_ROUTE_SGX_ENCLAVE;
    const char *path = json_string_value(json_object_get(rec_req, "path"));
    assert_non_null(path);
    assert_non_null(strstr(path, route == MAAT_ROUTE_OPEN_ENCLAVE ? "/attest/OpenEnclave"
                                                                  : "/attest/SgxEnclave"));
    char *body = json_dumps(json_object_get(rec_req, "body"), JSON_COMPACT);
    assert_non_null(body);
    struct maat_attest_request req;
    struct maat_attest_error aerr = {0};
    if (maat__attest_request_parse(body, strlen(body), route, &req, &aerr) != 0)
        fail_msg("%s: request: %s", name, aerr.err.msg);
    free(body);
    assert_int_equal(req.evidence_len, route == MAAT_ROUTE_OPEN_ENCLAVE ? 4600 : 4584);
    if (strstr(name, "runtime") != NULL) {
        assert_true(req.runtime.present);
        assert_int_equal(req.runtime.len, 287);
        assert_int_equal(req.runtime.data[286], 0); /* the trailing NUL, kept */
        assert_int_equal(req.runtime.type, strstr(name, "json") ? MAAT_DATA_JSON : MAAT_DATA_BINARY);
    } else {
        assert_false(req.runtime.present);
    }

    /* 2. The recorded quote: structure and bindings (real MAA accepted it). */
    struct maat_quote q0;
    if (maat_quote_parse(req.evidence, req.evidence_len, &q0, &err) != 0)
        fail_msg("%s: quote: %s", name, err.msg);
    if (maat__attest_check_bindings(&req, &q0, &aerr) != 0)
        fail_msg("%s: bindings: %s", name, aerr.err.msg);

    /* 3. Re-quote the same report body on the simulated platform and verify it. */
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    maat_sim_quote_opts_set_body(&o, q0.report_body.raw);
    struct maat_buf sq, ev;
    maat_buf_init(&sq);
    if (maat_sim_quote(E.sim, &o, &sq, &err) != 0) fail_msg("sim quote: %s", err.msg);
    if (route == MAAT_ROUTE_OPEN_ENCLAVE) {
        oe_wrap(&sq, &ev);
        maat_buf_cleanup(&sq);
    } else {
        ev = sq;
    }
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(ev.data, ev.len, &q, &err), 0);
    assert_memory_equal(q.report_body.raw, q0.report_body.raw, MAAT_SGX_REPORT_BODY_SIZE);
    assert_int_equal(maat__attest_check_bindings(&req, &q, &aerr), 0);
    struct maat_verify_opts vo = {.at = AT};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, &vo, &v, &err), 0);
    if (!v.ok) fail_msg("%s: verify: %s", name, v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_true(v.trusted_root_simulated);

    /* 4. Claims with MAA's default policy. */
    char hash[MAAT_POLICY_HASH_LEN + 1];
    const char *pol = maat_policy_default_sgx();
    assert_int_equal(maat_policy_hash(pol, strlen(pol), hash, &err), 0);
    struct maat_claims_input in = {
        .route = route,
        .req = &req,
        .quote = &q,
        .evidence = ev.data,
        .evidence_len = ev.len,
        .verdict = &v,
        .collateral = &hashes,
        .policy_hash = hash,
    };
    json_t *incoming = maat__claims_incoming(&in, &err);
    if (incoming == NULL) fail_msg("%s: incoming: %s", name, err.msg);
    json_t *issued = maat__claims_default_issued(incoming, &err);
    assert_non_null(issued);
    in.issued = issued;
    json_t *mine = maat__claims_build(&in, &err);
    if (mine == NULL) fail_msg("%s: claims: %s", name, err.msg);
    assert_true(json_is_true(json_object_get(mine, "x-maat-simulated-platform")));
    assert_string_equal(json_string_value(json_object_get(mine, "x-maat-tcb-status")), "UpToDate");

    /* The same claims computed from the original quote and evidence (for quotehash). */
    struct maat_claims_input in0 = in;
    in0.quote = &q0;
    in0.evidence = NULL; /* = req.evidence, the bytes MAA hashed */
    json_t *mine_orig = maat__claims_build(&in0, &err);
    assert_non_null(mine_orig);

    size_t by_value = compare(name, mine, mine_orig, recorded);
    /* plain: 17 stable claims; Binary adds 3 ehd claims, JSON adds x-ms-runtime. */
    size_t want = strstr(name, "binary") ? 20 : strstr(name, "json") ? 18 : 17;
    assert_int_equal(by_value, want);

    /* Also: the payload finishes and serialises with MAA's shape. */
    assert_int_equal(maat__claims_finish(mine, "https://maat.example", 1668716907,
                                        MAAT_CLAIMS_TOKEN_LIFETIME, NULL, &err),
                     0);
    assert_int_equal(json_integer_value(json_object_get(mine, "exp")), 1668745707);

    json_decref(mine);
    json_decref(mine_orig);
    json_decref(issued);
    json_decref(incoming);
    maat_buf_cleanup(&ev);
    maat__attest_request_cleanup(&req);
    json_decref(rec_req);
    json_decref(rec_tok);
}

static void test_recorded_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(cases[i]);
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        fprintf(stderr, "SKIPPED (needs the policy engine): attest/%s\n", skipped[i]);
}

/* The recorded policy hash is the default policy's, on every instance and route. */
static void test_recorded_policy_hash(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char hash[MAAT_POLICY_HASH_LEN + 1];
    const char *pol = maat_policy_default_sgx();
    assert_int_equal(maat_policy_hash(pol, strlen(pol), hash, &err), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *tok = load_json_vector(cases[i], "token");
        TU_REQUIRE_VECTOR(tok);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(tok, "payload"), "x-ms-policy-hash")),
            hash);
        json_decref(tok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_cases),
        cmocka_unit_test(test_recorded_policy_hash),
    };
    return cmocka_run_group_tests(tests, recorded_setup, teardown);
}

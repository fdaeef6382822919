/* test_claims.c - MAA's default policy texts and policy hash (MAA's recorded hashes), and
 * the claim set: incoming claims, the default policy's issuance, the token payload (KSS
 * claims, nonce echo, runtime / init-time data, legacy names, x-ms-policy, maat's own
 * x-maat-* claims) and the registered claims. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/policy_default.h"
#include "maat/quote.h"
#include "sim.h"
#include "sim_fixture.h"
#include "testutil.h"

#define NOW 1700000000

static struct sim_fixture E; /* tests/lib/sim_fixture.h */

static int setup(void **state)
{
    (void)state;
    sim_fixture_setup(&E, NOW, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_fixture_teardown(&E);
    return 0;
}

/* ---- policy texts and hash ---- */

static void hash_of(const char *text, char out[MAAT_POLICY_HASH_LEN + 1])
{
    struct maat_error err = {0};
    assert_int_equal(maat_policy_hash(text, strlen(text), out, &err), 0);
}

static void test_policy_hash_vectors(void **state)
{
    (void)state;
    char h[MAAT_POLICY_HASH_LEN + 1];
    hash_of(maat_policy_default_sgx_2022, h);
    assert_string_equal(h, "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc");
    hash_of(maat_policy_default_sgx(), h);
    assert_string_equal(h, "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc");
    hash_of(maat_policy_default_sgx_2021, h);
    assert_string_equal(h, "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw");
    hash_of("version=1.0; authorizationrules{=> permit();}; issuancerules{};", h);
    assert_string_equal(h, "z0FRjKS0ssQTNur1V6BV8WIrh9M3fzgTo0EfHRvapWU");
    /* The hash covers base64url(text) ("YQ"), not the text ("a": ypeBEsobvcr6wjGzmiPcTaeG7_gUfE5yuYB3ha_uSLs). */
    hash_of("a", h);
    assert_string_equal(h, "8NX4mu6PSkhiPRwDQxEypr9eDikZbovdJHvQcNTjFLA");
    hash_of("", h);
    assert_string_equal(h, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"); /* SHA-256("") */
    assert_int_equal(strlen(maat_policy_default_sgx_2022), 592);
    assert_null(strchr(maat_policy_default_sgx_2022, '\n'));
}

/* The draft policy of the recordings hashes to the recorded x-ms-policy-hash. */
static void test_policy_hash_draft(void **state)
{
    (void)state;
    size_t n;
    uint8_t *p = tu_read_vector("maa-recordings/attest/sgx-aad-draft-permit.request.json", &n);
    TU_REQUIRE_VECTOR(p);
    json_t *j = json_loadb((const char *)p, n, 0, NULL);
    assert_non_null(j);
    json_t *pol = json_object_get(json_object_get(j, "body"), "draftPolicyForAttestation");
    char h[MAAT_POLICY_HASH_LEN + 1];
    struct maat_error err = {0};
    assert_int_equal(maat_policy_hash(json_string_value(pol), json_string_length(pol), h, &err), 0);
    assert_string_equal(h, "1wKUrF_E0X5CZUM9OMIF1PH3qn5iykWY_bWgBbiWJZ0");
    json_decref(j);
    free(p);
}

/* The default text is byte-identical to what MAA's GET /policies/SgxEnclave returned. */
static void test_default_policy_matches_recorded_get(void **state)
{
    (void)state;
    const char *files[] = {"maa-recordings/policy/get-sgx-shared.token.json",
                           "maa-recordings/policy/get-oe-isolated.token.json"};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        uint8_t *p = tu_read_vector(files[f], &n);
        TU_REQUIRE_VECTOR(p);
        json_t *j = json_loadb((const char *)p, n, 0, NULL);
        assert_non_null(j);
        const char *jws = json_string_value(
            json_object_get(json_object_get(j, "payload"), "x-ms-policy"));
        assert_non_null(jws);
        const char *d1 = strchr(jws, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
        assert_non_null(d2);
        struct maat_error err = {0};
        uint8_t *body;
        size_t blen;
        assert_int_equal(
            maat_base64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), "jws", &body, &blen, &err), 0);
        json_t *stored = json_loadb((const char *)body, blen, 0, NULL);
        assert_non_null(stored);
        json_t *ap = json_object_get(stored, "AttestationPolicy");
        uint8_t *text;
        size_t tlen;
        assert_int_equal(maat_base64url_decode(json_string_value(ap), json_string_length(ap),
                                               "AttestationPolicy", &text, &tlen, &err),
                         0);
        assert_int_equal(tlen, strlen(maat_policy_default_sgx()));
        assert_memory_equal(text, maat_policy_default_sgx(), tlen);
        free(text);
        json_decref(stored);
        free(body);
        json_decref(j);
        free(p);
    }
}

/* ---- claims ---- */

struct fixture {
    struct maat_buf buf;
    struct maat_quote q;
    struct maat_attest_request req;
    struct maat_verdict v;
    struct maat_collateral_hashes h;
    struct maat_claims_input in;
};

/* A sim quote with the given flags; KSS fields filled with recognisable bytes. */
static void fixture_init(struct fixture *f, uint64_t flags, const char *body_json)
{
    struct maat_error err = {0};
    memset(f, 0, sizeof *f);
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    for (int i = 0; i < 16; i++) o.base_body[32 + i] = (uint8_t)(0xE0 + i); /* isv_ext_prod_id */
    for (int i = 0; i < 64; i++) o.base_body[192 + i] = (uint8_t)i;         /* config_id */
    o.base_body[260] = 0x34;                                                /* config_svn */
    o.base_body[261] = 0x12;
    for (int i = 0; i < 16; i++) o.base_body[304 + i] = (uint8_t)(0xF0 + i); /* isv_family_id */
    o.attributes_flags = flags;
    o.isv_prod_id = 0x1234;
    o.isv_svn = 0xFFFF;
    for (int i = 0; i < 64; i++) o.report_data[i] = (uint8_t)(0x80 + i);
    maat_buf_init(&f->buf);
    assert_int_equal(maat_sim_quote(E.sim, &o, &f->buf, &err), 0);
    assert_int_equal(maat_quote_parse(f->buf.data, f->buf.len, &f->q, &err), 0);

    const char *body = body_json;
    char *gen = NULL;
    if (body == NULL) {
        char *b64 = maat_base64url_encode(f->buf.data, f->buf.len);
        size_t n = strlen(b64) + 32;
        gen = malloc(n);
        snprintf(gen, n, "{\"quote\":\"%s\"}", b64);
        free(b64);
        body = gen;
    }
    struct maat_attest_error a = {0};
    if (maat__attest_request_parse(body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, &f->req, &a) != 0)
        fail_msg("%s", a.err.msg);
    free(gen);

    f->v.ok = true;
    f->v.status = MAAT_TCB_SW_HARDENING_NEEDED;
    f->v.advisory_count = 2;
    strcpy(f->v.advisory_ids[0], "INTEL-SA-00334");
    strcpy(f->v.advisory_ids[1], "INTEL-SA-00615");
    f->v.tcb_date = 1691539200; /* 2023-08-09T00:00:00Z */
    f->v.trusted_root_simulated = false;
    for (int i = 0; i < 32; i++) {
        f->h.tcbinfohash[i] = 1;
        f->h.tcbinfocertshash[i] = 2;
        f->h.tcbinfocrlhash[i] = 3;
        f->h.qeidhash[i] = 4;
        f->h.qeidcertshash[i] = 2;
        f->h.qeidcrlhash[i] = 3;
    }
    f->in.route = MAAT_ROUTE_SGX_ENCLAVE;
    f->in.req = &f->req;
    f->in.quote = &f->q;
    f->in.evidence = f->buf.data;
    f->in.evidence_len = f->buf.len;
    f->in.verdict = &f->v;
    f->in.collateral = &f->h;
    f->in.policy_hash = "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc";
}

static void fixture_cleanup(struct fixture *f)
{
    maat__attest_request_cleanup(&f->req);
    maat_buf_cleanup(&f->buf);
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Request bodies for the variant tests (the fixture supplies the quote when NULL): none;
 * Binary runtime data, JSON init-time data and a nonce with escapes and non-ASCII; JSON
 * runtime data with a real, non-ASCII and nested values. */
static const char *const variant_bodies[] = {
    NULL,
    "{\"quote\":\"AwACAA\",\"runtimeData\":{\"data\":\"AQIDAA\",\"dataType\":\"Binary\"},"
    "\"initTimeData\":{\"data\":\"eyJiIjoxLCJhIjp7InoiOnRydWV9fQ\",\"dataType\":\"JSON\"},"
    "\"nonce\":\"n\\u00e9 \\\"1\\\"\\n\"}",
    "{\"quote\":\"AwACAA\",\"runtimeData\":{\"data\":"
    "\"eyJqd2siOnsia3R5IjoiRUMifSwiYSI6W10sIlx1MDBlOSI6MS41fQ\","
    "\"dataType\":\"JSON\"}}",
};

/* Runs fn on a fresh fixture for every variant body, release and debug+KSS; fn gets the
 * fixture's incoming JSON set too. */
typedef void (*variant_fn)(struct fixture *f, json_t *incoming, void *arg);
static void for_each_variant(variant_fn fn, void *arg)
{
    for (size_t bi = 0; bi < sizeof variant_bodies / sizeof variant_bodies[0]; bi++)
        for (int kss = 0; kss < 2; kss++) {
            struct fixture f;
            fixture_init(&f, kss ? 0x07 | MAAT_SGX_FLAGS_KSS : 0x05, variant_bodies[bi]);
            struct maat_error err = {0};
            json_t *inc = maat__claims_incoming(&f.in, &err);
            assert_non_null(inc);
            fn(&f, inc, arg);
            json_decref(inc);
            fixture_cleanup(&f);
        }
}

/* quote_hash, when given, is what x-ms-sgx-collateral's quotehash says in the incoming set
 * and the payload (so maatd hashes the evidence once); given as the real hash, nothing
 * changes. */
static void test_quote_hash(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 0x05, NULL);
    struct maat_error err = {0};
    json_t *alone = maat__claims_build(&f.in, &err);
    json_t *inc0 = maat__claims_incoming(&f.in, &err);
    assert_non_null(alone);
    assert_non_null(inc0);
    uint8_t h[32], want[32];
    maat__claims_quote_hash(&f.in, h);
    maat__sha256(f.buf.data, f.buf.len, want);
    assert_memory_equal(h, want, 32);
    f.in.quote_hash = h;
    json_t *p = maat__claims_build(&f.in, &err), *inc = maat__claims_incoming(&f.in, &err);
    assert_true(json_equal(p, alone));
    assert_true(json_equal(inc, inc0));
    json_decref(p);
    json_decref(inc);
    uint8_t other[32];
    memset(other, 0xab, sizeof other);
    f.in.quote_hash = other;
    p = maat__claims_build(&f.in, &err);
    inc = maat__claims_incoming(&f.in, &err);
    const char *ab = "abababababababababababababababababababababababababababababababab";
    assert_string_equal(str(json_object_get(p, "x-ms-sgx-collateral"), "quotehash"), ab);
    assert_string_equal(str(json_object_get(p, "maa-attestationcollateral"), "quotehash"), ab);
    assert_string_equal(
        str(json_array_get(json_object_get(inc, "x-ms-sgx-collateral"), 0), "quotehash"), ab);
    json_decref(p);
    json_decref(inc);
    json_decref(inc0);
    json_decref(alone);
    fixture_cleanup(&f);
}

/* maat__claims_incoming_list() gives the very claims, in the same order, that the JSON
 * incoming set gives through maat__claim_list_from_json(). */
static void same_list(const struct maat_claim_list *a, const struct maat_claim_list *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const struct maat_claim *x = &a->claims[i], *y = &b->claims[i];
        assert_string_equal(x->type, y->type);
        assert_string_equal(x->issuer, y->issuer);
        assert_int_equal(x->value.kind, y->value.kind);
        assert_int_equal(x->value.boolean, y->value.boolean);
        assert_int_equal(x->value.integer, y->value.integer);
        assert_int_equal(x->value.len, y->value.len);
        if (x->value.len) assert_memory_equal(x->value.str, y->value.str, x->value.len);
    }
}

static void incoming_list_case(struct fixture *f, json_t *inc, void *arg)
{
    size_t *seen_kinds = arg;
    struct maat_error err = {0};
    struct maat_claim_list a, b;
    assert_int_equal(maat__claim_list_from_json(inc, NULL, &a, &err), 0);
    assert_int_equal(maat__claims_incoming_list(&f->in, &b, &err), 0);
    same_list(&a, &b);
    for (size_t i = 0; i < b.count; i++) *seen_kinds |= 1u << b.claims[i].value.kind;
    maat__claim_list_cleanup(&a);
    maat__claim_list_cleanup(&b);
}

static void test_incoming_list(void **state)
{
    (void)state;
    size_t seen_kinds = 0;
    for_each_variant(incoming_list_case, &seen_kinds);
    /* strings, integers, booleans and JSON text all occurred */
    assert_true(seen_kinds & (1u << MAAT_CLAIM_STRING));
    assert_true(seen_kinds & (1u << MAAT_CLAIM_INTEGER));
    assert_true(seen_kinds & (1u << MAAT_CLAIM_BOOLEAN));
    assert_true(seen_kinds & (1u << MAAT_CLAIM_JSON));
    struct maat_claim_list l;
    struct maat_error err = {0};
    assert_int_equal(maat__claims_incoming_list(NULL, &l, &err), -1);
    assert_int_equal(l.count, 0);
}

/* maat__claims_payload_text() writes exactly what jansson writes for maat__claims_build() +
 * maat__claims_finish() with JSON_SORT_KEYS | JSON_COMPACT (jansson itself is the reference
 * here), appending to what `out` holds; on failure `out` is left as it was. */
static void check_text(const struct maat_claims_input *in, const char *jti)
{
    struct maat_error err = {0};
    json_t *p = maat__claims_build(in, &err);
    if (p == NULL) fail_msg("build: %s", err.msg);
    assert_int_equal(maat__claims_finish(p, "https://maat.example/x", 1700000000, 28800, jti, &err),
                     0);
    char *want = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(want);
    struct maat_buf b;
    maat_buf_init(&b);
    assert_int_equal(maat_buf_put_str(&b, "prefix:"), 0);
    if (maat__claims_payload_text(in, "https://maat.example/x", 1700000000, 28800, jti, &b, &err) != 0)
        fail_msg("text: %s", err.msg);
    assert_true(b.len >= 7 && memcmp(b.data, "prefix:", 7) == 0);
    if (b.len - 7 != strlen(want) || memcmp(b.data + 7, want, b.len - 7) != 0)
        fail_msg("payload text differs:\n got %.*s\nwant %s", (int)(b.len - 7),
                 (const char *)b.data + 7, want);
    maat_buf_cleanup(&b);
    free(want);
    json_decref(p);
}

static void payload_text_case(struct fixture *f, json_t *inc, void *arg)
{
    (void)arg;
    static const char jti[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct maat_error err = {0};
    check_text(&f->in, jti);
    check_text(&f->in, NULL);
    json_t *iss = maat__claims_default_issued(inc, &err);
    f->in.issued = iss;
    check_text(&f->in, jti);
    /* issued claims that clash with service and registered claims, keys that sort at the
     * edges, an embedded NUL, non-ASCII, nested values, a real */
    json_t *evil = json_loads("{\"x-ms-ver\":\"9.9\",\"iss\":\"me\",\"exp\":1,\"jti\":\"j\","
                              "\"nonce\":\"x\",\"\":0,\"~\":[1,{\"b\":2,\"a\":null}],"
                              "\"caf\\u00e9\":\"\\u00e9t\\u00e9\",\"ab\":\"a\\u0000b\","
                              "\"r\":1.25,\"x-ms-policy\":\"no\"}",
                              JSON_ALLOW_NUL, NULL);
    assert_non_null(evil);
    json_object_setn_new(evil, "a\0b", 3, json_true()); /* a key with a NUL */
    f->in.issued = evil;
    json_t *signer = json_pack("{s:s, s:[s]}", "kty", "RSA", "x5c", "MIIB");
    f->in.policy_signer = signer;
    f->in.tcb_identifier = "15";
    check_text(&f->in, jti);
    f->v.trusted_root_simulated = true;
    f->v.tcb_date = 0;
    f->v.advisory_count = 0;
    check_text(&f->in, jti);
    /* failures leave the buffer as it was */
    struct maat_buf b;
    maat_buf_init(&b);
    assert_int_equal(maat_buf_put_str(&b, "keep"), 0);
    assert_int_equal(maat__claims_payload_text(&f->in, NULL, 1, 1, jti, &b, &err), -1);
    assert_int_equal(maat__claims_payload_text(&f->in, "i", 1, 1, "short", &b, &err), -1);
    f->v.ok = false;
    assert_int_equal(maat__claims_payload_text(&f->in, "i", 1, 1, jti, &b, &err), -1);
    assert_int_equal(b.len, 4);
    maat_buf_cleanup(&b);
    json_decref(signer);
    json_decref(evil);
    json_decref(iss);
}

static void test_payload_text(void **state)
{
    (void)state;
    for_each_variant(payload_text_case, NULL);
}

/* The issued claims given as a policy result (issued_result, maatd's path: text written
 * from the claims) give the very payload that the object maat__claims_to_json() makes of
 * the same claims gives (issued), in text and in tree mode. */
static void check_issued_result(struct fixture *f, const struct maat_claim *c, size_t n)
{
    static const char jti[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct maat_error err = {0};
    struct maat_policy_result r = {.outgoing = c, .noutgoing = n};
    json_t *obj = maat__claims_to_json(c, n, &err);
    if (obj == NULL) fail_msg("to_json: %s", err.msg);
    f->in.issued = obj;
    f->in.issued_result = NULL;
    struct maat_buf want, got;
    maat_buf_init(&want);
    maat_buf_init(&got);
    if (maat__claims_payload_text(&f->in, "https://i.example", 1700000000, 28800, jti, &want, &err) !=
        0)
        fail_msg("reference: %s", err.msg);
    json_t *tree_want = maat__claims_build(&f->in, &err);
    assert_non_null(tree_want);
    f->in.issued = NULL;
    f->in.issued_result = &r;
    if (maat__claims_payload_text(&f->in, "https://i.example", 1700000000, 28800, jti, &got, &err) != 0)
        fail_msg("from result: %s", err.msg);
    if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
        fail_msg("payload from the result differs:\n got %.*s\nwant %.*s", (int)got.len,
                 (const char *)got.data, (int)want.len, (const char *)want.data);
    json_t *tree_got = maat__claims_build(&f->in, &err);
    assert_non_null(tree_got);
    assert_true(json_equal(tree_got, tree_want));
    /* both at once is a usage error */
    f->in.issued = obj;
    assert_int_equal(maat__claims_payload_text(&f->in, "i", 1, 1, jti, &got, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    f->in.issued = NULL;
    f->in.issued_result = NULL;
    json_decref(tree_got);
    json_decref(tree_want);
    json_decref(obj);
    maat_buf_cleanup(&want);
    maat_buf_cleanup(&got);
}

/* x-maat-tcb-date is what strftime("%Y-%m-%dT%H:%M:%SZ") writes, across the range. */
static void test_tcb_date_text(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 0x05, NULL);
    const time_t dates[] = {1691539200,
                            1,
                            59,
                            951782400 /* 2000-02-29 */,
                            946684799,
                            4102444799 /* 2099-12-31T23:59:59 */,
                            -30610224000 /* 1000-01-01 */,
                            253402300799 /* 9999-12-31T23:59:59 */,
                            -30610224001 /* 999 */,
                            253402300800 /* 10000 */,
                            -62167219200 /* year 0 */};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        struct tm tm;
        char want[64];
        assert_non_null(gmtime_r(&dates[i], &tm));
        assert_true(strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
        f.v.tcb_date = dates[i];
        struct maat_error err = {0};
        struct maat_buf b;
        maat_buf_init(&b);
        if (maat__claims_payload_text(&f.in, "i", 1, 1, NULL, &b, &err) != 0)
            fail_msg("%s", err.msg);
        json_t *p = json_loadb((const char *)b.data, b.len, 0, NULL);
        assert_non_null(p);
        if (strcmp(str(p, "x-maat-tcb-date"), want) != 0)
            fail_msg("%lld: %s, strftime says %s", (long long)dates[i], str(p, "x-maat-tcb-date"),
                     want);
        json_t *tree = maat__claims_build(&f.in, &err);
        assert_non_null(tree);
        assert_string_equal(str(tree, "x-maat-tcb-date"), want);
        json_decref(tree);
        json_decref(p);
        maat_buf_cleanup(&b);
    }
    fixture_cleanup(&f);
}

static void test_payload_issued_result(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 0x05, NULL);
#define S(t, s)                                                                         \
    {                                                                                   \
        .type = t, .value = {.kind = MAAT_CLAIM_STRING, .str = s, .len = sizeof s - 1 } \
    }
#define I(t, i)                                                         \
    {                                                                   \
        .type = t, .value = {.kind = MAAT_CLAIM_INTEGER, .integer = i } \
    }
#define B(t, b)                                                         \
    {                                                                   \
        .type = t, .value = {.kind = MAAT_CLAIM_BOOLEAN, .boolean = b } \
    }
    /* MAA's default policy's output */
    const struct maat_claim dflt[] = {B("is-debuggable", false),
                                      S("sgx-mrsigner", "ab01"),
                                      S("sgx-mrenclave", "cd02"),
                                      I("product-id", 1),
                                      I("svn", 2),
                                      S("tee", "sgx")};
    check_issued_result(&f, dflt, sizeof dflt / sizeof dflt[0]);
    check_issued_result(&f, NULL, 0); /* a policy that issues nothing: x-ms-policy {} */
    /* repeated types become arrays in claim order; names clashing with service and
     * registered claims; keys at the sort edges; escapes, controls, an embedded NUL */
    const struct maat_claim_value set_items[] = {
        {.kind = MAAT_CLAIM_INTEGER, .integer = -7},
        {.kind = MAAT_CLAIM_STRING, .str = "q\"\\/\n\x01", .len = 6},
        {.kind = MAAT_CLAIM_BOOLEAN, .boolean = true}};
    const struct maat_claim mixed[] = {
        S("b", "2"),
        I("a", INT64_MIN),
        S("b", "1"),
        B("a", true),
        I("x-ms-ver", 9),
        S("iss", "me"),
        S("nonce", "n"),
        S("", "empty"),
        S("~", "tilde"),
        S("ab", "a\0b"),
        I("exp", 1),
        S("x-ms-policy", "no"),
        S("b", ""),
        I("big", INT64_MAX),
        {.type = "set", .value = {.kind = MAAT_CLAIM_SET, .items = set_items, .count = 3}},
        {.type = "set", .value = {.kind = MAAT_CLAIM_SET, .items = NULL, .count = 0}},
        {.type = "s\"k\x7f", .value = {.kind = MAAT_CLAIM_STRING, .str = NULL, .len = 0}}};
    check_issued_result(&f, mixed, sizeof mixed / sizeof mixed[0]);
    /* values the direct writer leaves to jansson: JSON claims, non-ASCII text or names */
    const struct maat_claim other[] = {
        S("a", "1"),
        {.type = "j", .value = {.kind = MAAT_CLAIM_JSON, .str = "{\"z\":1,\"a\":[2.5]}", .len = 17}},
        S("caf\xc3\xa9", "\xc3\xa9t\xc3\xa9")};
    check_issued_result(&f, other, sizeof other / sizeof other[0]);
    check_issued_result(&f, other + 2, 1);
    /* more claims than the writer's stack room */
    struct maat_claim many[150];
    char names[150][8];
    for (size_t i = 0; i < 150; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", (i * 37) % 100); /* repeats too */
        many[i] = (struct maat_claim){.type = names[i],
                                      .value = {.kind = MAAT_CLAIM_INTEGER, .integer = (int64_t)i}};
    }
    check_issued_result(&f, many, 150);
    /* a claim jansson cannot hold (invalid UTF-8) is refused as before */
    const struct maat_claim bad[] = {S("x", "\xff")};
    struct maat_policy_result r = {.outgoing = bad, .noutgoing = 1};
    struct maat_buf b;
    maat_buf_init(&b);
    struct maat_error err = {0};
    f.in.issued_result = &r;
    assert_int_equal(maat__claims_payload_text(&f.in, "i", 1, 1, NULL, &b, &err), -1);
    assert_non_null(strstr(err.msg, "cannot be JSON"));
    assert_int_equal(b.len, 0);
    f.in.issued_result = NULL;
    maat_buf_cleanup(&b);
#undef S
#undef I
#undef B
    fixture_cleanup(&f);
}

static void test_payload_basic(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 0x05, NULL); /* release, no KSS */
    struct maat_error err = {0};
    json_t *p = maat__claims_build(&f.in, &err);
    if (p == NULL) fail_msg("%s", err.msg);
    assert_string_equal(str(p, "x-ms-ver"), "1.0");
    assert_string_equal(str(p, "x-ms-attestation-type"), "sgx");
    assert_string_equal(str(p, "x-ms-policy-hash"), "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc");
    assert_true(json_is_false(json_object_get(p, "x-ms-sgx-is-debuggable")));
    char hex[129];
    maat_hex_encode(f.q.report_body.mr_enclave, 32, hex);
    assert_string_equal(str(p, "x-ms-sgx-mrenclave"), hex);
    maat_hex_encode(f.q.report_body.mr_signer, 32, hex);
    assert_string_equal(str(p, "x-ms-sgx-mrsigner"), hex);
    assert_int_equal(json_integer_value(json_object_get(p, "x-ms-sgx-product-id")), 0x1234);
    assert_int_equal(json_integer_value(json_object_get(p, "x-ms-sgx-svn")), 0xFFFF);
    assert_string_equal(str(p, "x-ms-sgx-report-data"),
                        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
    assert_string_equal(str(p, "x-ms-sgx-tcbidentifier"), "azuredefault");
    /* Collateral: seven hashes, quotehash over the evidence. */
    json_t *c = json_object_get(p, "x-ms-sgx-collateral");
    assert_int_equal(json_object_size(c), 7);
    assert_string_equal(str(c, "tcbinfohash"),
                        "0101010101010101010101010101010101010101010101010101010101010101");
    assert_string_equal(str(c, "qeidcrlhash"), str(c, "tcbinfocrlhash"));
    assert_string_equal(str(c, "qeidcertshash"), str(c, "tcbinfocertshash"));
    uint8_t qh[32];
    maat__sha256(f.buf.data, f.buf.len, qh);
    maat_hex_encode(qh, 32, hex);
    assert_string_equal(str(c, "quotehash"), hex);
    assert_true(json_equal(c, json_object_get(p, "maa-attestationcollateral")));
    /* Absent: no runtime data, no nonce, no KSS, no issued claims, no signer. */
    static const char *absent[] = {"x-ms-sgx-ehd",
                                   "aas-ehd",
                                   "maa-ehd",
                                   "x-ms-runtime",
                                   "x-ms-inittime",
                                   "nonce",
                                   "x-ms-sgx-config-id",
                                   "x-ms-sgx-config-svn",
                                   "x-ms-sgx-isv-extended-product-id",
                                   "x-ms-sgx-isv-family-id",
                                   "x-ms-policy",
                                   "x-ms-policy-signer",
                                   "x-maat-simulated-platform",
                                   "iss",
                                   "iat",
                                   "exp",
                                   "nbf",
                                   "jti"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        if (json_object_get(p, absent[i]) != NULL) fail_msg("unexpected claim %s", absent[i]);
    /* maat's own claims. */
    assert_string_equal(str(p, "x-maat-tcb-status"), "SWHardeningNeeded");
    assert_string_equal(str(p, "x-maat-tcb-date"), "2023-08-09T00:00:00Z");
    json_t *adv = json_object_get(p, "x-maat-advisory-ids");
    assert_int_equal(json_array_size(adv), 2);
    assert_string_equal(json_string_value(json_array_get(adv, 1)), "INTEL-SA-00615");
    assert_true(json_is_array(json_object_get(p, "x-maat-qe-advisory-ids")));
    assert_int_equal(json_object_size(p), 16);
    json_decref(p);

    /* A simulated root is flagged; no TCB date, no advisories. */
    f.v.trusted_root_simulated = true;
    f.v.tcb_date = 0;
    f.v.advisory_count = 0;
    f.v.status = MAAT_TCB_UP_TO_DATE;
    p = maat__claims_build(&f.in, &err);
    assert_true(json_is_true(json_object_get(p, "x-maat-simulated-platform")));
    assert_null(json_object_get(p, "x-maat-tcb-date"));
    assert_int_equal(json_array_size(json_object_get(p, "x-maat-advisory-ids")), 0);
    assert_string_equal(str(p, "x-maat-tcb-status"), "UpToDate");
    json_decref(p);
    fixture_cleanup(&f);
}

static void test_kss_claims(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 0x07 | MAAT_SGX_FLAGS_KSS, NULL);
    struct maat_error err = {0};
    json_t *p = maat__claims_build(&f.in, &err);
    assert_non_null(p);
    assert_true(json_is_true(json_object_get(p, "x-ms-sgx-is-debuggable")));
    assert_string_equal(str(p, "x-ms-sgx-config-id"),
                        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    assert_int_equal(json_integer_value(json_object_get(p, "x-ms-sgx-config-svn")), 0x1234);
    assert_string_equal(str(p, "x-ms-sgx-isv-extended-product-id"),
                        "e0e1e2e3e4e5e6e7e8e9eaebecedeeef");
    assert_string_equal(str(p, "x-ms-sgx-isv-family-id"), "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    json_t *inc = maat__claims_incoming(&f.in, &err);
    assert_non_null(inc);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(inc, "x-ms-sgx-config-id"), 0)),
        str(p, "x-ms-sgx-config-id"));
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(inc, "x-ms-sgx-config-svn"), 0)), 0x1234);
    json_decref(inc);
    json_decref(p);
    fixture_cleanup(&f);
}

static void test_request_data_claims(void **state)
{
    (void)state;
    /* Binary runtime data, JSON init-time data, a nonce. */
    const char *body = "{\"quote\":\"AwACAA\",\"runtimeData\":{\"data\":\"AQIDAA\",\"dataType\":"
                       "\"Binary\"},\"initTimeData\":{\"data\":\"eyJiIjoxLCJhIjp7InoiOnRydWV9fQ\","
                       "\"dataType\":\"JSON\"},\"nonce\":\"n\\u00e9 \\\"1\\\"\"}";
    struct fixture f;
    fixture_init(&f, 0x05, body);
    struct maat_error err = {0};
    json_t *p = maat__claims_build(&f.in, &err);
    assert_non_null(p);
    assert_string_equal(str(p, "x-ms-sgx-ehd"), "AQIDAA");
    assert_string_equal(str(p, "aas-ehd"), "AQIDAA");
    assert_string_equal(str(p, "maa-ehd"), "AQIDAA");
    assert_null(json_object_get(p, "x-ms-runtime"));
    json_t *it = json_object_get(p, "x-ms-inittime");
    assert_true(json_is_object(it));
    /* Serialised with sorted keys, as MAA re-sorts them. */
    char *s = json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"a\":{\"z\":true},\"b\":1}");
    free(s);
    assert_string_equal(str(p, "nonce"), "n\xc3\xa9 \"1\"");
    json_decref(p);
    fixture_cleanup(&f);

    /* JSON runtime data, Binary init-time data: x-ms-runtime only (init-time Binary data
     * has no claim of its own). */
    body = "{\"quote\":\"AwACAA\",\"runtimeData\":{\"data\":\"eyJrIjpbMV19AA\",\"dataType\":"
           "\"JSON\"},\"initTimeData\":{\"data\":\"AQID\",\"dataType\":\"Binary\"}}";
    fixture_init(&f, 0x05, body);
    p = maat__claims_build(&f.in, &err);
    assert_non_null(p);
    s = json_dumps(json_object_get(p, "x-ms-runtime"), JSON_COMPACT);
    assert_string_equal(s, "{\"k\":[1]}");
    free(s);
    static const char *absent[] = {"x-ms-sgx-ehd", "aas-ehd", "maa-ehd", "x-ms-inittime", "nonce"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        if (json_object_get(p, absent[i]) != NULL) fail_msg("unexpected claim %s", absent[i]);
    /* quotehash defaults to the request's evidence when none is given. */
    f.in.evidence = NULL;
    json_decref(p);
    p = maat__claims_build(&f.in, &err);
    {
        uint8_t h[32];
        char hex[65];
        maat__sha256("\x03\x00\x02\x00", 4, h);
        maat_hex_encode(h, 32, hex);
        assert_string_equal(str(json_object_get(p, "x-ms-sgx-collateral"), "quotehash"), hex);
    }
    json_decref(p);
    fixture_cleanup(&f);
}

static void test_incoming_and_default_issued(void **state)
{
    (void)state;
    const char *body = "{\"quote\":\"AwACAA\",\"runtimeData\":{\"data\":\"AQID\"}}";
    struct fixture f;
    fixture_init(&f, 0x07, body);
    struct maat_error err = {0};
    json_t *inc = maat__claims_incoming(&f.in, &err);
    assert_non_null(inc);
    static const char *names[] = {
        "x-ms-ver",
        "x-ms-attestation-type",
        "x-ms-sgx-is-debuggable",
        "x-ms-sgx-mrenclave",
        "x-ms-sgx-mrsigner",
        "x-ms-sgx-product-id",
        "x-ms-sgx-svn",
        "x-ms-sgx-report-data",
        "x-ms-sgx-ehd",
        "x-ms-sgx-collateral",
        "$is-debuggable",
        "$sgx-mrsigner",
        "$sgx-mrenclave",
        "$product-id",
        "$svn",
        "$tee",
    };
    /* MAA's names exactly; maat's own x-maat-* claims besides (test_attest_pipeline_tcb_settings.c) */
    size_t maa = 0;
    const char *key;
    json_t *val;
    json_object_foreach (inc, key, val)
        if (strncmp(key, "x-maat-", 7) != 0) maa++;
    assert_int_equal(maa, sizeof names / sizeof names[0]);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *l = json_object_get(inc, names[i]);
        if (!json_is_array(l) || json_array_size(l) != 1) fail_msg("incoming %s", names[i]);
    }
#define FIRST(k) json_array_get(json_object_get(inc, k), 0)
    assert_true(json_equal(FIRST("$sgx-mrsigner"), FIRST("x-ms-sgx-mrsigner")));
    assert_true(json_is_true(FIRST("$is-debuggable")));
    assert_string_equal(json_string_value(FIRST("$tee")), "sgx");
    assert_string_equal(json_string_value(FIRST("x-ms-sgx-ehd")), "AQID");
    assert_int_equal(json_integer_value(FIRST("$svn")), 0xFFFF);

    json_t *iss = maat__claims_default_issued(inc, &err);
    assert_non_null(iss);
    assert_int_equal(json_object_size(iss), 6);
    assert_true(json_is_true(json_object_get(iss, "is-debuggable")));
    assert_true(json_equal(json_object_get(iss, "sgx-mrsigner"), FIRST("x-ms-sgx-mrsigner")));
    assert_true(json_equal(json_object_get(iss, "sgx-mrenclave"), FIRST("x-ms-sgx-mrenclave")));
    assert_int_equal(json_integer_value(json_object_get(iss, "product-id")), 0x1234);
    assert_int_equal(json_integer_value(json_object_get(iss, "svn")), 0xFFFF);
    assert_string_equal(str(iss, "tee"), "sgx");
#undef FIRST

    /* Issued claims go top-level and under x-ms-policy. */
    f.in.issued = iss;
    json_t *p = maat__claims_build(&f.in, &err);
    assert_non_null(p);
    assert_true(json_equal(json_object_get(p, "x-ms-policy"), iss));
    assert_string_equal(str(p, "tee"), "sgx");
    assert_int_equal(json_integer_value(json_object_get(p, "svn")), 0xFFFF);
    json_decref(p);

    /* A clash: the service claim wins top-level; x-ms-policy shows what was issued. */
    json_t *evil = json_pack("{s:s, s:i, s:s}", "x-ms-ver", "9.9", "custom", 7, "nonce", "x");
    f.in.issued = evil;
    json_t *signer = json_pack("{s:s, s:[s]}", "kty", "RSA", "x5c", "MIIB");
    f.in.policy_signer = signer;
    f.in.tcb_identifier = "15";
    p = maat__claims_build(&f.in, &err);
    assert_non_null(p);
    assert_string_equal(str(p, "x-ms-ver"), "1.0");
    assert_int_equal(json_integer_value(json_object_get(p, "custom")), 7);
    assert_string_equal(str(p, "nonce"), "x"); /* no request nonce: the issued one stays */
    assert_true(json_equal(json_object_get(p, "x-ms-policy"), evil));
    assert_true(json_equal(json_object_get(p, "x-ms-policy-signer"), signer));
    assert_string_equal(str(p, "x-ms-sgx-tcbidentifier"), "15");
    json_decref(p);
    json_decref(signer);
    json_decref(evil);
    json_decref(iss);

    /* Not an object. */
    json_t *arr = json_array();
    assert_null(maat__claims_default_issued(arr, &err));
    json_decref(arr);
    json_decref(inc);
    fixture_cleanup(&f);
}

static void test_build_rejects(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 0x05, NULL);
    struct maat_error err = {0};
    f.v.ok = false;
    strcpy(f.v.reason, "quote signature invalid");
    assert_null(maat__claims_build(&f.in, &err));
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "quote signature invalid"));
    f.v.ok = true;
    maat_error_clear(&err);
    f.in.collateral = NULL;
    assert_null(maat__claims_build(&f.in, &err));
    assert_null(maat__claims_incoming(&f.in, &err));
    f.in.collateral = &f.h;
    f.in.policy_hash = NULL;
    maat_error_clear(&err);
    assert_null(maat__claims_build(&f.in, &err));
    assert_non_null(strstr(err.msg, "policy hash"));
    f.in.policy_hash = "x";
    f.in.verdict = NULL;
    assert_null(maat__claims_build(&f.in, &err));
    assert_null(maat__claims_build(NULL, &err));
    assert_null(maat__claims_incoming(NULL, &err));
    json_t *arr = json_array();
    f.in.verdict = &f.v;
    f.in.issued = arr;
    assert_null(maat__claims_build(&f.in, &err));
    json_decref(arr);
    fixture_cleanup(&f);
}

/* jtis from several threads are all distinct. */
#define JTI_THREADS 4
#define JTI_EACH 2000
static char jtis[JTI_THREADS * JTI_EACH][65];
static void *jti_worker(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg;
    struct maat_error err = {0};
    for (size_t i = 0; i < JTI_EACH; i++)
        if (maat__claims_new_jti(jtis[t * JTI_EACH + i], &err) != 0) jtis[t * JTI_EACH + i][0] = 0;
    return NULL;
}
static int cmp_jti(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_jti_unique(void **state)
{
    (void)state;
    pthread_t th[JTI_THREADS];
    for (size_t t = 0; t < JTI_THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, jti_worker, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < JTI_THREADS; t++) pthread_join(th[t], NULL);
    qsort(jtis, JTI_THREADS * JTI_EACH, sizeof jtis[0], cmp_jti);
    for (size_t i = 0; i < JTI_THREADS * JTI_EACH; i++) {
        assert_int_equal(strlen(jtis[i]), 64);
        assert_int_equal(strspn(jtis[i], "0123456789abcdef"), 64);
        if (i > 0) assert_string_not_equal(jtis[i - 1], jtis[i]);
    }
}

static void test_finish_and_jti(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char jti[65], jti2[65];
    assert_int_equal(maat__claims_new_jti(jti, &err), 0);
    assert_int_equal(maat__claims_new_jti(jti2, &err), 0);
    assert_int_equal(strlen(jti), 64);
    assert_int_equal(strspn(jti, "0123456789abcdef"), 64);
    assert_string_not_equal(jti, jti2);

    json_t *p = json_object();
    assert_int_equal(maat__claims_finish(p, "https://maat.example", 1668716907,
                                        MAAT_CLAIMS_TOKEN_LIFETIME, jti, &err),
                     0);
    assert_string_equal(str(p, "iss"), "https://maat.example");
    assert_int_equal(json_integer_value(json_object_get(p, "iat")), 1668716907);
    assert_int_equal(json_integer_value(json_object_get(p, "nbf")), 1668716907);
    assert_int_equal(json_integer_value(json_object_get(p, "exp")), 1668745707); /* MAA's */
    assert_string_equal(str(p, "jti"), jti);
    json_decref(p);

    /* Management tokens: +3600, no jti. */
    p = json_object();
    assert_int_equal(maat__claims_finish(p, "i", 100, 3600, NULL, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "exp")), 3700);
    assert_null(json_object_get(p, "jti"));
    /* Bad jti / arguments. */
    assert_int_equal(maat__claims_finish(p, "i", 100, 3600, "ABCDEF", &err), -1);
    char upper[65];
    memset(upper, 'A', 64);
    upper[64] = 0;
    assert_int_equal(maat__claims_finish(p, "i", 100, 3600, upper, &err), -1);
    assert_int_equal(maat__claims_finish(p, NULL, 100, 3600, NULL, &err), -1);
    assert_int_equal(maat__claims_finish(NULL, "i", 100, 3600, NULL, &err), -1);
    assert_int_equal(maat__claims_finish(p, "i", INT64_MAX, 3600, NULL, &err), -1);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_hash),
        cmocka_unit_test(test_incoming_list),
        cmocka_unit_test(test_payload_text),
        cmocka_unit_test(test_payload_issued_result),
        cmocka_unit_test(test_tcb_date_text),
        cmocka_unit_test(test_policy_hash_vectors),
        cmocka_unit_test(test_policy_hash_draft),
        cmocka_unit_test(test_default_policy_matches_recorded_get),
        cmocka_unit_test(test_payload_basic),
        cmocka_unit_test(test_kss_claims),
        cmocka_unit_test(test_request_data_claims),
        cmocka_unit_test(test_incoming_and_default_issued),
        cmocka_unit_test(test_build_rejects),
        cmocka_unit_test(test_finish_and_jti),
        cmocka_unit_test(test_jti_unique),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

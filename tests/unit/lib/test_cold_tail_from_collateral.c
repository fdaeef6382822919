/* test_cold_tail_from_collateral.c - issue 16, cold path: maat_collateral_verify verifies
 * the PCK CRL issuer chain (PCK CA + root) to a trust anchor; the trust set now remembers
 * it as a verified issuer tail, so a quote whose PCK chain carries the same CA and root
 * after its leaf (whitespace and NUL padding around them aside) has only its leaf checked
 * (trust.c, pck_cache.c). Every verdict must be the full path's: a differential against a
 * trust set that does not learn from collateral, on Intel's real quote and collateral and
 * on tampered variants. */
#include "cold_fixture.h"

/* learn_from_collateral false: the reference, a trust set that learns no issuer tail from
 * the collateral (the full path) */
static void env_open(struct cold_env *e, bool learn_from_collateral, const uint8_t *coll, size_t len)
{
    struct maat_trust *t = cold_trust_intel();
    if (!learn_from_collateral) maat__trust_issuer_learn_ca_chains_off(t);
    *e = (struct cold_env){0};
    if (cold_env_open(e, t, coll, len) != 0) fail_msg("%s", e->coll.msg);
}

static void env_close(struct cold_env *e)
{
    cold_env_close(e);
    maat_trust_free(e->trust);
}

static void stats(const struct cold_env *e, uint64_t *hits, size_t *count)
{
    maat__trust_issuer_stats(e->trust, hits, count);
}

static void verify_in(struct cold_env *e, const uint8_t *quote, size_t len, struct maat_verdict *v)
{
    cold_quote_verify(quote, len, e->vc, e->trust, NULL, v);
}

/* The quote verified cold with the tail learned from the collateral, and in a trust set
 * that learned nothing (the full path): the same verdict. Returns the issuer-tail hits of
 * the first. */
static uint64_t same_verdict(const uint8_t *quote, size_t len, struct maat_verdict *v)
{
    struct cold_env cold, full;
    struct maat_verdict f;
    uint64_t hits, full_hits;
    size_t count;
    env_open(&cold, true, g_coll, g_coll_len);
    env_open(&full, false, g_coll, g_coll_len);
    verify_in(&cold, quote, len, v);
    verify_in(&full, quote, len, &f);
    stats(&cold, &hits, &count);
    stats(&full, &full_hits, &count);
    assert_int_equal(full_hits, 0); /* the reference did take the full path */
    cold_assert_same_verdict(v, &f);
    env_close(&cold);
    env_close(&full);
    return hits;
}

/* Defect: a cold verification (new trust set, collateral verified, empty PCK cache)
 * decoded and verified the PCK CA and root of the quote's chain again right after the
 * collateral had verified the very same certificates as its PCK CRL issuer chain. */
static void test_cold_quote_reverified_collateral_pck_ca_chain(void **state)
{
    (void)state;
    struct cold_env e;
    uint64_t hits;
    size_t count;
    env_open(&e, true, g_coll, g_coll_len);
    stats(&e, &hits, &count);
    assert_int_equal(count, 1); /* learned from the collateral */
    assert_int_equal(hits, 0);
    env_close(&e);

    struct maat_verdict v;
    assert_int_equal(same_verdict(g_quote, g_quote_len, &v), 1); /* leaf-only path */
    assert_true(v.ok);
    assert_int_equal(v.status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
}

/* The quote's tail differs from the collateral's text only by the line break before it
 * and the NUL after it; anything inside the certificates must not match. */
static const uint8_t *pem_tail(const uint8_t *q, size_t len, size_t *off)
{
    static const char end[] = "-----END CERTIFICATE-----";
    for (size_t i = 0; i + sizeof end - 1 <= len; i++)
        if (memcmp(q + i, end, sizeof end - 1) == 0) {
            *off = i + sizeof end - 1;
            return q + *off;
        }
    fail_msg("no PEM block in the quote");
    return NULL;
}

static void test_cold_altered_ca_text_takes_full_path(void **state)
{
    (void)state;
    size_t off;
    uint8_t *q = malloc(g_quote_len);
    assert_non_null(q);
    const size_t probes[] = {30, 200, 700, 1000, 1500};
    for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
        memcpy(q, g_quote, g_quote_len);
        pem_tail(q, g_quote_len, &off);
        size_t at = off + probes[k];
        if (q[at] == '\n' || q[at] == '-') at++;
        q[at] = q[at] == 'A' ? 'B' : 'A';
        struct maat_verdict v;
        assert_int_equal(same_verdict(q, g_quote_len, &v), 0); /* no tail match */
        assert_false(v.ok);
        assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    }
    free(q);
}

/* The leaf altered (a byte of its signature text): the leaf-only path refuses it as the
 * full path does. */
static void test_cold_altered_leaf_refused_like_full_path(void **state)
{
    (void)state;
    size_t off;
    uint8_t *q = malloc(g_quote_len);
    assert_non_null(q);
    memcpy(q, g_quote, g_quote_len);
    pem_tail(q, g_quote_len, &off);
    size_t at = off - 60; /* inside the leaf's last base64 lines: its signature */
    if (q[at] == '\n') at++;
    q[at] = q[at] == 'A' ? 'B' : 'A';
    struct maat_verdict v;
    same_verdict(q, g_quote_len, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    free(q);
}

/* A collateral whose PCK CRL issuer chain carries a spare copy of the root (which the
 * chain check lets through: it is on the path) teaches no tail: its text is not exactly
 * the verified path, so no quote tail could be compared with it. */
static void test_cold_spare_cert_in_collateral_chain_not_learned(void **state)
{
    (void)state;
    const char key[] = "\"pck_crl_issuer_chain\":";
    char *c = malloc(g_coll_len * 2 + 1);
    assert_non_null(c);
    memcpy(c, g_coll, g_coll_len);
    c[g_coll_len] = 0;
    char *k = strstr(c, key);
    if (k == NULL) {
        /* spacing differs: locate the value start generically */
        k = strstr(c, "\"pck_crl_issuer_chain\"");
        assert_non_null(k);
    }
    char *v = strchr(k + 22, '"');
    assert_non_null(v);
    v++;
    /* the value's last certificate (root), duplicated at its end */
    char *vend = v;
    while (*vend && !(vend[0] == '"' && vend[-1] != '\\')) vend++;
    const char *marker = "-----BEGIN CERTIFICATE-----";
    char *last = NULL;
    for (char *p = v; (p = strstr(p, marker)) != NULL && p < vend; p++) last = p;
    assert_non_null(last);
    size_t dup = (size_t)(vend - last), tail = strlen(vend);
    memmove(vend + dup, vend, tail + 1);
    memcpy(vend, last, dup);
    struct maat_trust *t = maat_trust_new_intel(&(struct maat_error){0});
    struct maat_collateral_bundle b;
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    int rc = maat_collateral_bundle_parse(c, strlen(c), &b, &err);
    if (rc == 0) {
        struct maat_collateral_input in;
        maat_collateral_input_from_bundle(&b, &in);
        rc = maat_collateral_verify(&in, t, AT, &vc, &err);
        maat_collateral_bundle_cleanup(&b);
    }
    (void)rc;
    uint64_t hits;
    size_t count;
    maat__trust_issuer_stats(t, &hits, &count);
    assert_int_equal(count, 0);
    maat_verified_collateral_free(vc);
    maat_trust_free(t);
    free(c);
}

/* Defect: `maat verify` resolves the quote's PCK chain before it reads the collateral, so
 * the chain was verified in full and then the collateral's PCK CRL issuer chain (the same
 * PCK CA and root) was decoded and verified again. It is now taken from the verified
 * issuer tail; the verified collateral (its dated items) is the same as from scratch. */
static void test_chain_first_collateral_reverified_pck_ca_chain(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = cold_trust_intel();
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(g_quote, g_quote_len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT};
    struct maat_pck_chain *chain = NULL;
    struct maat_verdict v;
    assert_int_equal(maat_pck_chain_resolve(&q, t, &vo, &chain, &v, &err), 0);
    assert_non_null(chain);
    uint64_t hits;
    size_t count;
    maat__trust_issuer_stats(t, &hits, &count);
    assert_int_equal(count, 1); /* learned from the quote's chain */
    assert_int_equal(hits, 0);

    struct cold_env ce = {0};
    assert_int_equal(cold_env_open(&ce, t, g_coll, g_coll_len), 0);
    struct maat_verified_collateral *vc = ce.vc;
    maat__trust_issuer_stats(t, &hits, &count);
    assert_int_equal(hits, 1); /* the PCK CRL issuer chain was that tail */
    assert_int_equal(count, 1);

    struct cold_env ref;
    env_open(&ref, false, g_coll, g_coll_len);
    struct maat_collateral_window w, wr;
    maat_verified_collateral_window(vc, &w);
    maat_verified_collateral_window(ref.vc, &wr);
    assert_int_equal(w.not_before, wr.not_before);
    assert_int_equal(w.not_after, wr.not_after);
    assert_string_equal(w.limiting, wr.limiting);
    assert_int_equal(maat_verified_collateral_pck_ca(vc), maat_verified_collateral_pck_ca(ref.vc));

    struct maat_verdict vr;
    vo.pck_chain = chain;
    assert_int_equal(maat_quote_verify(&q, vc, t, &vo, &v, &err), 0);
    verify_in(&ref, g_quote, g_quote_len, &vr);
    assert_true(v.ok);
    assert_int_equal(v.status, vr.status);
    assert_memory_equal(v.steps, vr.steps, sizeof vr.steps);
    env_close(&ref);
    cold_env_close(&ce);
    maat_pck_chain_release(chain);
    maat_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_quote_reverified_collateral_pck_ca_chain),
        cmocka_unit_test(test_cold_altered_ca_text_takes_full_path),
        cmocka_unit_test(test_cold_altered_leaf_refused_like_full_path),
        cmocka_unit_test(test_cold_spare_cert_in_collateral_chain_not_learned),
        cmocka_unit_test(test_chain_first_collateral_reverified_pck_ca_chain),
    };
    return cmocka_run_group_tests(tests, cold_setup_quote, cold_teardown);
}

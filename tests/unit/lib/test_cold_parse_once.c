/* test_cold_parse_once.c - cold path (issue 16): what a cold verification no longer does
 * twice: maat_collateral_verify takes over the TCB info and QE identity that
 * maat_collateral_bundle_parse already parsed (deep copies re-pointed at its own copy of
 * the signed text) instead of parsing the same bytes again; views that are not exactly
 * the bundle's (another body, another signature) are parsed as before. */
#include "cold_fixture.h"

static void same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_true(a == b);
    else
        assert_string_equal(a, b);
}

static void same_strings(char **a, size_t na, char **b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) same_str(a[i], b[i]);
}

static void same_components(const struct maat_tcb_component *a, const struct maat_tcb_component *b)
{
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++) {
        assert_int_equal(a[i].svn, b[i].svn);
        same_str(a[i].category, b[i].category);
        same_str(a[i].type, b[i].type);
    }
}

static void same_enclave_levels(const struct maat_enclave_tcb_level *a, size_t na,
                                const struct maat_enclave_tcb_level *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].isvsvn, b[i].isvsvn);
        assert_int_equal(a[i].has_tcb_date, b[i].has_tcb_date);
        assert_int_equal(a[i].tcb_date, b[i].tcb_date);
        assert_int_equal(a[i].status, b[i].status);
        same_strings(a[i].advisory_ids, a[i].advisory_id_count, b[i].advisory_ids,
                     b[i].advisory_id_count);
    }
}

/* a (in verified collateral) equals b (parsed afresh), its strings its own */
static void same_tcb_info(const struct maat_tcb_info *a, const struct maat_tcb_info *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->issue_date, b->issue_date);
    assert_int_equal(a->next_update, b->next_update);
    assert_memory_equal(a->fmspc, b->fmspc, 6);
    assert_int_equal(a->has_pce_id, b->has_pce_id);
    assert_memory_equal(a->pce_id, b->pce_id, 2);
    assert_int_equal(a->tcb_evaluation_data_number, b->tcb_evaluation_data_number);
    assert_int_equal(a->level_count, b->level_count);
    assert_true(a->level_count > 1);
    for (size_t i = 0; i < a->level_count; i++) {
        const struct maat_tcb_level *x = &a->levels[i], *y = &b->levels[i];
        same_components(x->sgx_components, y->sgx_components);
        same_components(x->tdx_components, y->tdx_components);
        assert_int_equal(x->pcesvn, y->pcesvn);
        assert_int_equal(x->has_tcb_date, y->has_tcb_date);
        assert_int_equal(x->tcb_date, y->tcb_date);
        assert_int_equal(x->status, y->status);
        same_strings(x->advisory_ids, x->advisory_id_count, y->advisory_ids, y->advisory_id_count);
        if (x->sgx_components[0].category)
            assert_ptr_not_equal(x->sgx_components[0].category, y->sgx_components[0].category);
    }
    assert_int_equal(a->tdx_module_identity_count, b->tdx_module_identity_count);
    assert_int_equal(a->signed_body.len, b->signed_body.len);
    assert_memory_equal(a->signed_body.ptr, b->signed_body.ptr, a->signed_body.len);
    assert_memory_equal(a->signature, b->signature, 64);
}

static void same_identity(const struct maat_enclave_identity *a,
                          const struct maat_enclave_identity *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->issue_date, b->issue_date);
    assert_int_equal(a->next_update, b->next_update);
    assert_memory_equal(a->mrsigner, b->mrsigner, 32);
    assert_memory_equal(a->attributes_mask, b->attributes_mask, 16);
    assert_int_equal(a->isvprodid, b->isvprodid);
    same_enclave_levels(a->levels, a->level_count, b->levels, b->level_count);
    assert_int_equal(a->signed_body.len, b->signed_body.len);
    assert_memory_equal(a->signed_body.ptr, b->signed_body.ptr, a->signed_body.len);
    assert_memory_equal(a->signature, b->signature, 64);
}

struct outcome {
    struct cold_outcome c;
    unsigned long parses;
    struct maat_collateral_hashes h;
};

/* Verifies `in`; the collateral is checked against `b`'s texts parsed afresh and freed. */
static struct outcome verify(const struct maat_collateral_input *in,
                             const struct maat_collateral_bundle *b)
{
    struct maat_error err = {0};
    struct maat_trust *trust = cold_trust_intel();
    struct maat_verified_collateral *vc = NULL;
    struct outcome o = {0};
    unsigned long before = maat__collateral_body_parses;
    cold_collateral_verify(in, trust, &vc, &o.c);
    o.parses = maat__collateral_body_parses - before;
    if (vc) {
        struct maat_tcb_info ti;
        struct maat_enclave_identity ei;
        char sig[129];
        maat_hex_encode(b->tcb_info.signature, 64, sig);
        assert_int_equal(
            maat_tcb_info_parse_body(b->tcb_info_text, b->tcb_info_text_len, sig, 128, &ti, &err), 0);
        maat_hex_encode(b->qe_identity.signature, 64, sig);
        assert_int_equal(maat_enclave_identity_parse_body(
                             b->qe_identity_text, b->qe_identity_text_len, sig, 128, &ei, &err),
                         0);
        const struct maat_tcb_info *vt = maat_verified_collateral_tcb_info(vc);
        const struct maat_enclave_identity *ve = maat_verified_collateral_qe_identity(vc);
        same_tcb_info(vt, &ti);
        same_identity(ve, &ei);
        /* the verified collateral owns its signed bytes: not the caller's */
        assert_ptr_not_equal(vt->signed_body.ptr, b->tcb_info_text);
        assert_ptr_not_equal(ve->signed_body.ptr, b->qe_identity_text);
        maat_tcb_info_cleanup(&ti);
        maat_enclave_identity_cleanup(&ei);
        maat_verified_collateral_hashes(vc, &o.h);
    }
    maat_verified_collateral_free(vc);
    maat_trust_free(trust);
    return o;
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
    cold_assert_same(&a->c, &b->c);
    assert_memory_equal(&a->h, &b->h, sizeof a->h);
}

/* The defect: the bundle's TCB info and QE identity were parsed again by
 * maat_collateral_verify (~2.5 M instructions of a cold verification). */
static void test_cold_bundle_bodies_parsed_once(void **state)
{
    (void)state;
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    struct outcome taken = verify(&in, &g_bundle);
    assert_int_equal(taken.c.rc, 0);
    assert_int_equal(taken.parses, 0);

    /* the full path (no parsed bodies offered) reaches the same collateral */
    struct maat_collateral_input full = in;
    full.tcb_info_parsed = NULL;
    full.qe_identity_parsed = NULL;
    struct outcome parsed = verify(&full, &g_bundle);
    assert_int_equal(parsed.parses, 2);
    assert_same(&taken, &parsed);
}

/* The verified collateral outlives the bundle it took the bodies from. */
static void test_cold_taken_bodies_outlive_bundle(void **state)
{
    (void)state;
    struct cold_env e = {0};
    assert_int_equal(cold_env_open(&e, cold_trust_intel(), g_coll, g_coll_len), 0);
    char *text = strdup(e.bundle.tcb_info_text);
    assert_non_null(text);
    size_t levels = e.bundle.tcb_info.level_count;
    maat_collateral_bundle_cleanup(&e.bundle); /* ASan: any view left into the bundle is a UAF */
    const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(e.vc);
    assert_int_equal(ti->level_count, levels);
    assert_memory_equal(ti->signed_body.ptr, text, ti->signed_body.len);
    for (size_t i = 0; i < ti->level_count; i++)
        if (ti->levels[i].sgx_components[0].category)
            assert_true(strlen(ti->levels[i].sgx_components[0].category) > 0);
    const struct maat_enclave_identity *ei = maat_verified_collateral_qe_identity(e.vc);
    assert_true(ei->level_count > 0 && ei->signed_body.len > 0);
    free(text);
    cold_env_close(&e);
    maat_trust_free(e.trust);
}

/* Views that are not the bundle's own are parsed: another signature (refused by the
 * signature check, exactly as with nothing offered) and another copy of the body. */
static void test_cold_parse_once_other_views_parsed(void **state)
{
    (void)state;
    const struct maat_collateral_bundle *b = &g_bundle;
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(b, &in);

    struct maat_collateral_input t = in;
    t.sig_hex_storage[0][7] = t.sig_hex_storage[0][7] == '0' ? '1' : '0';
    t.tcb_info_signature.ptr = (const uint8_t *)t.sig_hex_storage[0];
    struct outcome o = verify(&t, b);
    assert_int_not_equal(o.c.rc, 0);
    assert_int_equal(o.c.code, MAAT_ERR_CRYPTO);
    assert_int_equal(o.parses, 1); /* the TCB info only: the QE identity is taken over */
    t.tcb_info_parsed = NULL;
    t.qe_identity_parsed = NULL;
    struct outcome f = verify(&t, b);
    assert_same(&o, &f);

    t = in;
    t.sig_hex_storage[1][100] = t.sig_hex_storage[1][100] == 'a' ? 'b' : 'a';
    t.qe_identity_signature.ptr = (const uint8_t *)t.sig_hex_storage[1];
    o = verify(&t, b);
    assert_int_not_equal(o.c.rc, 0);
    assert_int_equal(o.parses, 1); /* the QE identity only */

    char *copy = strdup(b->qe_identity_text);
    assert_non_null(copy);
    t = in;
    t.qe_identity_body.ptr = (const uint8_t *)copy;
    o = verify(&t, b);
    assert_int_equal(o.c.rc, 0);
    assert_int_equal(o.parses, 1);
    free(copy);

    /* an upper-case copy of the same signature is parsed too (and verifies) */
    t = in;
    char up[129];
    for (int i = 0; i < 128; i++)
        up[i] = (char)((in.sig_hex_storage[0][i] >= 'a' && in.sig_hex_storage[0][i] <= 'f')
                           ? in.sig_hex_storage[0][i] - 32
                           : in.sig_hex_storage[0][i]);
    up[128] = '\0';
    t.tcb_info_signature.ptr = (const uint8_t *)up;
    o = verify(&t, b);
    assert_int_equal(o.c.rc, 0);
    assert_int_equal(o.parses, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_bundle_bodies_parsed_once),
        cmocka_unit_test(test_cold_taken_bodies_outlive_bundle),
        cmocka_unit_test(test_cold_parse_once_other_views_parsed),
    };
    return cmocka_run_group_tests(tests, cold_setup_bundle, cold_teardown);
}

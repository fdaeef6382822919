/* test_attest_run_zeroes_large_members_once.c - issue 16 (maatd's per-request CPU):
 * maat__attest_run zeroed the whole 19 KB maat_attest_result before filling it, although
 * the steps that fill its three large members zero them again (maat_quote_parse the quote,
 * maat_pck_chain_resolve and maat_quote_verify the verdict, maat_tcb_fix_compute the fix):
 * 15.7 KB memset twice per request. Now only the rest is zeroed up front; a failed run
 * zeroes the large members no step reached, and a run without a fix leaves the fix "not
 * needed" (needed false, no counts). */
#include "attest_pipeline_fixture.h"

#define JUNK 0xA5

static bool all_bytes(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v) return false;
    return true;
}

static char *run_payload(struct maat_attest_result *r, const struct maat_attest_ctx *ctx,
                         const char *body)
{
    int rc = maat__attest_run(ctx, body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, r);
    if (rc != 0) fail_msg("outcome %d: %s / %s", (int)r->outcome, r->err.msg, r->verdict.reason);
    char *text = malloc(r->payload.len + 1);
    assert_non_null(text);
    memcpy(text, r->payload.data, r->payload.len);
    text[r->payload.len] = '\0';
    return text;
}

/* Defect: the fix (7.8 KB) and the rest of the large members were zeroed before the
 * steps zeroed them again; an UpToDate run never writes the fix's arrays at all. */
static void test_attest_run_zeroes_large_members_once(void **state)
{
    (void)state;
    char *q = quote_b64(false, false, -1);
    char *body = body_for(q, NULL);
    struct maat_attest_ctx ctx = ctx_for(false, NULL);
    ctx.jti = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    ctx.iat = NOW;

    struct maat_attest_result *ref = calloc(1, sizeof *ref), *r = malloc(sizeof *r);
    assert_non_null(ref);
    assert_non_null(r);
    char *want = run_payload(ref, &ctx, body);
    memset(r, JUNK, sizeof *r);
    char *got = run_payload(r, &ctx, body);
    assert_string_equal(got, want); /* the same payload from a dirty result */
    assert_true(r->quote_parsed);
    assert_true(r->verdict_reached);
    assert_true(r->verdict.ok);
    assert_memory_equal(&r->verdict, &ref->verdict, sizeof r->verdict);
    assert_int_equal(r->quote.body_type, MAAT_BODY_SGX);
    assert_false(r->have_tcb_fix);
    /* no fix: it says so, without 7.8 KB of zeroes */
    assert_false(r->tcb_fix.needed);
    assert_int_equal(r->tcb_fix.component_count, 0);
    assert_int_equal(r->tcb_fix.advisory_count, 0);
    assert_int_equal(r->tcb_fix.update_count, 0);
    assert_true(all_bytes(r->tcb_fix.update, sizeof r->tcb_fix.update, JUNK));
    /* everything else was zeroed up front */
    assert_true(all_bytes(&r->tdx, sizeof r->tdx, 0));
    assert_true(all_bytes(&r->aerr, sizeof r->aerr, 0));
    assert_true(all_bytes(&r->perr, sizeof r->perr, 0));
    assert_true(all_bytes(&r->err, sizeof r->err, 0));
    maat__attest_result_cleanup(r);
    maat__attest_result_cleanup(ref);
    free(got);
    free(want);

    /* A failed run's result: the large members no step reached are zeroes, as before. */
    const char bad[] = "{\"quote\":\"AAAA\"}";
    memset(r, JUNK, sizeof *r);
    assert_int_equal(maat__attest_run(&ctx, bad, sizeof bad - 1, MAAT_ROUTE_SGX_ENCLAVE, r), -1);
    assert_int_equal(r->outcome, MAAT_ATTEST_BAD_REQUEST);
    assert_false(r->quote_parsed);
    assert_false(r->verdict_reached);
    assert_true(all_bytes(&r->quote, sizeof r->quote, 0));
    assert_true(all_bytes(&r->verdict, sizeof r->verdict, 0));
    assert_true(all_bytes(&r->tcb_fix, sizeof r->tcb_fix, 0));
    maat__attest_result_cleanup(r);

    /* Parsed and verified as far as the PCK chain, then no collateral: the verdict is the
     * chain's, the fix zeroes. */
    cb.fail = MAAT_ERR_IO;
    memset(r, JUNK, sizeof *r);
    assert_int_equal(maat__attest_run(&ctx, body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, r), -1);
    cb.fail = 0;
    assert_int_equal(r->outcome, MAAT_ATTEST_COLLATERAL_UNAVAILABLE);
    assert_true(r->quote_parsed);
    assert_true(r->verdict_reached);
    assert_true(r->verdict.ok);
    assert_true(all_bytes(&r->tcb_fix, sizeof r->tcb_fix, 0));
    maat__attest_result_cleanup(r);

    free(r);
    free(ref);
    free(body);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_run_zeroes_large_members_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

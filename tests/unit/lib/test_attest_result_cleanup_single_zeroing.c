/* test_attest_result_cleanup_single_zeroing.c - issue 16 (maatd speed): the 19 KB
 * maat_attest_result was zeroed twice per request, by maat__attest_run before filling it and
 * again by maat__attest_result_cleanup. Cleanup now releases and resets only what the result
 * owns (priv_, payload, req): a second cleanup is a no-op, the result can run again, and the
 * plain members (quote, verdict, outcome) keep their values instead of being zeroed again. */
#include "attest_pipeline_fixture.h"

/* Defect: cleanup memset the whole result (a second 19 KB memset per maatd request). */
static void test_attest_result_cleanup_no_second_zeroing(void **state)
{
    (void)state;
    char *q = quote_b64(false, false, -1);
    char *body = body_for(q, NULL);
    struct maat_attest_ctx ctx = ctx_for(false, NULL);
    struct maat_attest_result *r = malloc(sizeof *r);
    assert_non_null(r);
    for (int round = 0; round < 3; round++) { /* the same result runs again after cleanup */
        int rc = maat__attest_run(&ctx, body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, r);
        if (rc != 0) fail_msg("run %d: outcome %d: %s", round, (int)r->outcome, r->err.msg);
        assert_true(r->payload.len > 0);
        json_t *p = payload_json(r);
        assert_string_equal(json_string_value(json_object_get(p, "x-ms-attestation-type")), "sgx");
        json_decref(p);
        const uint8_t *raw = r->quote.report_body.raw; /* points into the freed evidence */
        assert_non_null(raw);
        struct maat_verdict v = r->verdict;
        maat__attest_result_cleanup(r);
        /* what it owned is released and reset */
        assert_null(r->priv_);
        assert_null(r->payload.data);
        assert_int_equal(r->payload.len, 0);
        assert_null(r->req.evidence);
        assert_null(r->req.runtime.data);
        assert_null(r->req.runtime.json);
        /* the rest is not zeroed a second time */
        assert_int_equal(r->outcome, MAAT_ATTEST_OK);
        assert_true(r->quote_parsed);
        assert_true(r->verdict_reached);
        assert_true(r->verdict.ok);
        assert_true(r->have_pck);
        assert_ptr_equal(r->quote.report_body.raw, raw); /* compared, not read */
        assert_int_equal(r->quote.body_type, MAAT_BODY_SGX);
        assert_memory_equal(&r->verdict, &v, sizeof v);
        maat__attest_result_cleanup(r); /* a no-op (ASan: no double free) */
        assert_null(r->priv_);
    }
    /* a failed run's result too */
    const char bad[] = "{\"quote\":\"AAAA\"}";
    assert_int_equal(maat__attest_run(&ctx, bad, sizeof bad - 1, MAAT_ROUTE_SGX_ENCLAVE, r), -1);
    assert_int_equal(r->outcome, MAAT_ATTEST_BAD_REQUEST);
    maat__attest_result_cleanup(r);
    assert_int_equal(r->outcome, MAAT_ATTEST_BAD_REQUEST);
    maat__attest_result_cleanup(r);
    free(r);
    free(body);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_result_cleanup_no_second_zeroing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

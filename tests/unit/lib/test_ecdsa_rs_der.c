/* test_ecdsa_rs_der.c - regression test for the r||s -> DER encoding that
 * maat__ecdsa_verify_rs_ctx now does itself (issue 15 item I.1: the warm TD path spent its
 * non-floor time on BIGNUM/ECDSA_SIG allocations per signature). Real P-256 signatures with
 * r or s of every shape (high bit set: 0x00 prefix; leading zero bytes: shorter INTEGERs)
 * verify, a flipped bit does not, and out-of-range values (zero, all 0xff) are refused, never
 * accepted or crashed on. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "maat/crypto.h"
#include "testutil.h"

static EVP_PKEY *p256_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

static void sign_rs(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t rs[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t dl = sizeof der;
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(md, der, &dl, msg, len), 1);
    EVP_MD_CTX_free(md);
    assert_int_equal(maat__ecdsa_der_to_rs(der, dl, rs), 0);
}

static void test_ecdsa_rs_der_every_integer_shape_verifies(void **state)
{
    (void)state;
    EVP_PKEY *k = p256_key();
    /* high bit set in r or s: about half of all signatures; a leading zero byte: 1/256 per
     * value, so bounded at 4000 signatures (P(no leading zero seen) < 1e-13) */
    int high = 0, zero_lead = 0, n = 0;
    uint8_t msg[40] = "maat ecdsa rs der";
    for (uint32_t i = 0; i < 4000 && (high < 4 || zero_lead < 2); i++, n++) {
        memcpy(msg + 32, &i, sizeof i);
        uint8_t rs[64];
        sign_rs(k, msg, sizeof msg, rs);
        for (int h = 0; h < 2; h++) {
            if (rs[32 * h] & 0x80) high++;
            if (rs[32 * h] == 0) zero_lead++;
        }
        bool shape = (rs[0] & 0x80) || (rs[32] & 0x80) || rs[0] == 0 || rs[32] == 0;
        if (!shape && i > 8) continue; /* verify the interesting ones (and a few others) */
        assert_int_equal(maat__ecdsa_verify_rs(k, msg, sizeof msg, rs), 1);
        rs[63] ^= 1;
        assert_int_equal(maat__ecdsa_verify_rs(k, msg, sizeof msg, rs), 0);
    }
    assert_true(high >= 4);
    assert_true(zero_lead >= 2);
    (void)n;
    EVP_PKEY_free(k);
}

static void test_ecdsa_rs_der_out_of_range_refused(void **state)
{
    (void)state;
    EVP_PKEY *k = p256_key();
    uint8_t msg[] = "m", rs[64];
    sign_rs(k, msg, sizeof msg, rs);
    uint8_t bad[64];
    memcpy(bad, rs, 64);
    memset(bad, 0, 32); /* r = 0 */
    assert_int_not_equal(maat__ecdsa_verify_rs(k, msg, sizeof msg, bad), 1);
    memcpy(bad, rs, 64);
    memset(bad + 32, 0, 32); /* s = 0 */
    assert_int_not_equal(maat__ecdsa_verify_rs(k, msg, sizeof msg, bad), 1);
    memset(bad, 0xff, 64); /* r, s >= n */
    assert_int_not_equal(maat__ecdsa_verify_rs(k, msg, sizeof msg, bad), 1);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdsa_rs_der_every_integer_shape_verifies),
        cmocka_unit_test(test_ecdsa_rs_der_out_of_range_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

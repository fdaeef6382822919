/* test_bundle_root_block.c - cold path (issue 16): maat_collateral_bundle_parse checks that
 * every PEM block of the issuer chains is a certificate; a block whose DER is byte for byte
 * the compiled-in Intel root (twice in every Intel bundle) is known to decode and is not
 * decoded again. Any other block, an altered root included, is decoded as before, and the
 * refusals stay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "cold_fixture.h"
#include "verify_internal.h"

static int parse(const char *t, unsigned long *known, struct maat_error *err)
{
    struct maat_collateral_bundle b;
    unsigned long before = maat__bundle_root_blocks_known;
    int rc = maat_collateral_bundle_parse(t, strlen(t), &b, err);
    *known = maat__bundle_root_blocks_known - before;
    if (rc == 0) maat_collateral_bundle_cleanup(&b);
    return rc;
}

/* The root's PEM body in the bundle text: the second block of the PCK CRL issuer chain. */
static char *root_body(char *t)
{
    char *k = strstr(t, "\"pck_crl_issuer_chain\"");
    assert_non_null(k);
    char *second = strstr(strstr(k, "-----END CERTIFICATE-----") + 1,
                          "-----BEGIN CERTIFICATE-----");
    assert_non_null(second);
    return second + strlen("-----BEGIN CERTIFICATE-----\\n");
}

/* The defect: the root was decoded in each chain of every bundle parse. */
static void test_bundle_root_block_not_decoded_again(void **state)
{
    (void)state;
    struct maat_error err = {0};
    unsigned long known;
    assert_int_equal(parse((const char *)g_coll, &known, &err), 0);
    assert_int_equal(known, 2); /* PCK CRL issuer chain and TCB info chain (QE: the same text) */
}

static void test_bundle_root_block_altered_still_checked(void **state)
{
    (void)state;
    char *t = strdup((const char *)g_coll);
    assert_non_null(t);
    char *body = root_body(t);
    struct maat_error err = {0};
    unsigned long known;
    /* a changed byte deep in the signature: still a certificate, decoded, not the root */
    char *end = strstr(body, "-----END");
    assert_non_null(end);
    char *p = end - 12;
    *p = *p == 'A' ? 'B' : 'A';
    assert_int_equal(parse(t, &known, &err), 0);
    assert_int_equal(known, 1);
    /* an altered DER header: not a certificate, refused as before */
    memcpy(t, g_coll, g_coll_len + 1);
    body = root_body(t);
    body[0] = body[0] == 'A' ? 'B' : 'A';
    assert_int_not_equal(parse(t, &known, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    assert_non_null(strstr(err.msg, "pck_crl_issuer_chain"));
    assert_non_null(strstr(err.msg, "undecodable PEM block"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_root_block_not_decoded_again),
        cmocka_unit_test(test_bundle_root_block_altered_still_checked),
    };
    return cmocka_run_group_tests(tests, cold_setup, cold_teardown);
}

/* test_bundle_root_block.c - cold path (issue 16): maat_collateral_bundle_parse checks that
 * every PEM block of the issuer chains is a certificate; a block whose DER is byte for byte
 * the compiled-in Intel root (twice in every Intel bundle) is known to decode and is not
 * decoded again. Any other block, an altered root included, is decoded as before, and the
 * refusals stay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "testutil.h"
#include "verify_internal.h"

static uint8_t *g_buf;
static size_t g_len;

static int setup(void **state)
{
    (void)state;
    uint8_t *b = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &g_len);
    if (b == NULL) return -1;
    g_buf = realloc(b, g_len + 1);
    if (g_buf == NULL) return -1;
    g_buf[g_len] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_buf);
    return 0;
}

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
    assert_int_equal(parse((const char *)g_buf, &known, &err), 0);
    assert_int_equal(known, 2); /* PCK CRL issuer chain and TCB info chain (QE: the same text) */
}

static void test_bundle_root_block_altered_still_checked(void **state)
{
    (void)state;
    char *t = strdup((const char *)g_buf);
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
    memcpy(t, g_buf, g_len + 1);
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
    return cmocka_run_group_tests(tests, setup, teardown);
}

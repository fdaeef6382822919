/* test_cold_hash_once.c - cold path (issue 16), defect: maat_collateral_verify hashed the
 * TCB info and QE identity bodies twice (for their signatures and again for the recorded
 * tcbinfohash / qeidhash) and Intel's one TCB Signing chain text twice (tcbinfocertshash,
 * qeidcertshash). SHA-256 input from libmaat is counted through the linker's --wrap of
 * EVP_Digest and EVP_DigestUpdate: every one of those texts is now hashed once, and the
 * recorded hashes are still the SHA-256 of the exact bytes (the CRLs' of the two DER
 * CRLs one after the other). Tampered bodies are still refused by their signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "cold_fixture.h"

static bool g_count;
static struct maat_view g_watch[3];
static int g_seen[3];

static void note(const void *p, size_t n)
{
    if (!g_count) return;
    for (int i = 0; i < 3; i++)
        if (n == g_watch[i].len && memcmp(p, g_watch[i].ptr, n) == 0) g_seen[i]++;
}

int __real_EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size,
                      const EVP_MD *type, ENGINE *impl);
int __wrap_EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size,
                      const EVP_MD *type, ENGINE *impl);
int __wrap_EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size,
                      const EVP_MD *type, ENGINE *impl)
{
    note(data, count);
    return __real_EVP_Digest(data, count, md, size, type, impl);
}

int __real_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int __wrap_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int __wrap_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
    note(d, cnt);
    return __real_EVP_DigestUpdate(ctx, d, cnt);
}

static void test_cold_bodies_hashed_twice(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    struct maat_trust *t = cold_trust_intel();
    g_watch[0] = in.tcb_info_body;
    g_watch[1] = in.qe_identity_body;
    g_watch[2] = in.tcb_info_issuer_chain;
    assert_true(in.qe_identity_issuer_chain.len == in.tcb_info_issuer_chain.len &&
                memcmp(in.qe_identity_issuer_chain.ptr, in.tcb_info_issuer_chain.ptr,
                       in.tcb_info_issuer_chain.len) == 0);
    memset(g_seen, 0, sizeof g_seen);
    struct maat_verified_collateral *vc = NULL;
    g_count = true;
    int rc = maat_collateral_verify(&in, t, AT, &vc, &err);
    g_count = false;
    assert_int_equal(rc, 0);
    assert_int_equal(g_seen[0], 1); /* was 2 */
    assert_int_equal(g_seen[1], 1); /* was 2 */
    assert_int_equal(g_seen[2], 1); /* was 2 */

    struct maat_collateral_hashes h;
    maat_verified_collateral_hashes(vc, &h);
    uint8_t want[32];
    SHA256(in.tcb_info_body.ptr, in.tcb_info_body.len, want);
    assert_memory_equal(h.tcbinfohash, want, 32);
    SHA256(in.qe_identity_body.ptr, in.qe_identity_body.len, want);
    assert_memory_equal(h.qeidhash, want, 32);
    SHA256(in.tcb_info_issuer_chain.ptr, in.tcb_info_issuer_chain.len, want);
    assert_memory_equal(h.tcbinfocertshash, want, 32);
    assert_memory_equal(h.qeidcertshash, want, 32);
    size_t n = in.root_ca_crl.len + in.pck_crl.len;
    uint8_t *crls = malloc(n);
    assert_non_null(crls);
    memcpy(crls, in.root_ca_crl.ptr, in.root_ca_crl.len);
    memcpy(crls + in.root_ca_crl.len, in.pck_crl.ptr, in.pck_crl.len);
    SHA256(crls, n, want);
    free(crls);
    assert_memory_equal(h.tcbinfocrlhash, want, 32);
    assert_memory_equal(h.qeidcrlhash, want, 32);
    maat_verified_collateral_free(vc);

    /* a different QE identity chain text (a trailing newline more) is hashed on its own */
    char *qe = malloc(in.tcb_info_issuer_chain.len + 1);
    assert_non_null(qe);
    memcpy(qe, in.tcb_info_issuer_chain.ptr, in.tcb_info_issuer_chain.len);
    qe[in.tcb_info_issuer_chain.len] = '\n';
    struct maat_collateral_input in2 = in;
    in2.qe_identity_issuer_chain.ptr = (const uint8_t *)qe;
    in2.qe_identity_issuer_chain.len = in.tcb_info_issuer_chain.len + 1;
    vc = NULL;
    if (maat_collateral_verify(&in2, t, AT, &vc, &err) == 0) {
        maat_verified_collateral_hashes(vc, &h);
        SHA256((const uint8_t *)qe, in2.qe_identity_issuer_chain.len, want);
        assert_memory_equal(h.qeidcertshash, want, 32);
        maat_verified_collateral_free(vc);
    }
    free(qe);
    maat_trust_free(t);
}

/* the digest taken once still decides the signature: any changed body byte is refused */
static void test_cold_hash_once_tampered_body(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = cold_trust_intel();
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    const struct maat_view *bodies[2] = {&in.tcb_info_body, &in.qe_identity_body};
    for (int b = 0; b < 2; b++) {
        struct maat_view orig = *bodies[b];
        uint8_t *m = malloc(orig.len);
        assert_non_null(m);
        for (size_t i = 0; i < orig.len; i += orig.len / 7 + 1) {
            memcpy(m, orig.ptr, orig.len);
            m[i] = m[i] == ' ' ? '\t' : ' ';
            struct maat_collateral_input x = in;
            struct maat_view *v = b == 0 ? &x.tcb_info_body : &x.qe_identity_body;
            v->ptr = m;
            struct maat_verified_collateral *vc = NULL;
            int rc = maat_collateral_verify(&x, t, AT, &vc, &err);
            assert_int_not_equal(rc, 0);
            assert_null(vc);
        }
        free(m);
    }
    maat_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_bodies_hashed_twice),
        cmocka_unit_test(test_cold_hash_once_tampered_body),
    };
    return cmocka_run_group_tests(tests, cold_setup_bundle, cold_teardown);
}

/* test_bundle_pem_fast.c - cold path (issue 16), defect: the bundle check read every PEM
 * block of the issuer chains through OpenSSL's BIO reader (PEM_bytes_read_bio, 6 calls
 * per Intel bundle, ~40k instructions each). Canonical chains are now read directly
 * (collateral.c check_chain_fast); PEM_bytes_read_bio is counted through the linker's
 * --wrap. Differential: for the real chains and ~4,000 single-byte changes of them, the
 * bundle parse gives the same return code, error code, message, kept certificate and
 * known-root count with the direct reader on and off (maat__pem_fast_off). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "maat/collateral.h"
#include "cold_fixture.h"
#include "verify_internal.h"

static unsigned long g_pem_reads;

int __real_PEM_bytes_read_bio(unsigned char **data, long *len, char **name, const char *type,
                              BIO *bp, pem_password_cb *cb, void *u);
int __wrap_PEM_bytes_read_bio(unsigned char **data, long *len, char **name, const char *type,
                              BIO *bp, pem_password_cb *cb, void *u);
int __wrap_PEM_bytes_read_bio(unsigned char **data, long *len, char **name, const char *type,
                              BIO *bp, pem_password_cb *cb, void *u)
{
    g_pem_reads++;
    return __real_PEM_bytes_read_bio(data, len, name, type, bp, cb, u);
}

struct outcome {
    int rc;
    maat_err code;
    char msg[MAAT_ERROR_MSG_MAX];
    unsigned long roots;
    uint8_t kept[2][2048];
    int kept_len[2];
};

static void run(const char *t, size_t n, bool off, struct outcome *o)
{
    struct maat_collateral_bundle b;
    struct maat_error err = {0};
    memset(o, 0, sizeof *o);
    unsigned long before = maat__bundle_root_blocks_known;
    maat__pem_fast_off = off;
    o->rc = maat_collateral_bundle_parse(t, n, &b, &err);
    maat__pem_fast_off = false;
    o->roots = maat__bundle_root_blocks_known - before;
    o->code = err.code;
    snprintf(o->msg, sizeof o->msg, "%s", err.msg);
    if (o->rc != 0) return;
    void *k[2] = {b.decoded[MAAT__DECODED_PCK_CA], b.decoded[MAAT__DECODED_TCB_SIGNER]};
    for (int i = 0; i < 2; i++) {
        if (k[i] == NULL) continue;
        unsigned char *p = o->kept[i];
        int l = i2d_X509(k[i], NULL);
        assert_true(l > 0 && l <= (int)sizeof o->kept[i]);
        o->kept_len[i] = i2d_X509(k[i], &p);
    }
    maat_collateral_bundle_cleanup(&b);
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->code, b->code);
    assert_string_equal(a->msg, b->msg);
    assert_int_equal(a->roots, b->roots);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(a->kept_len[i], b->kept_len[i]);
        assert_memory_equal(a->kept[i], b->kept[i], (size_t)a->kept_len[i]);
    }
}

static void test_bundle_pem_read_by_bio(void **state)
{
    (void)state;
    struct outcome on, off;
    unsigned long blocks = maat__pem_fast_blocks;
    g_pem_reads = 0;
    run((const char *)g_coll, g_coll_len, false, &on);
    assert_int_equal(on.rc, 0);
    assert_int_equal(g_pem_reads, 0); /* was 6: 4 blocks and 2 clean ends */
    assert_int_equal(maat__pem_fast_blocks - blocks, 4);
    assert_int_equal(on.roots, 2);
    assert_true(on.kept_len[0] > 0 && on.kept_len[1] > 0);
    run((const char *)g_coll, g_coll_len, true, &off);
    assert_true(g_pem_reads >= 6);
    assert_same(&on, &off);
}

/* The bundle with one chain member replaced. */
static char *with_chain(const char *key, const char *chain, size_t n, size_t *out_len)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)g_coll, g_coll_len, 0, &je);
    assert_non_null(root);
    assert_int_equal(json_object_set_new(root, key, json_stringn(chain, n)), 0);
    char *t = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    assert_non_null(t);
    *out_len = strlen(t);
    return t;
}

static void differential(const char *key, const char *chain, size_t n, unsigned long *taken)
{
    size_t tl = 0;
    char *t = with_chain(key, chain, n, &tl);
    struct outcome on, off;
    unsigned long blocks = maat__pem_fast_blocks;
    run(t, tl, false, &on);
    if (maat__pem_fast_blocks != blocks) (*taken)++;
    run(t, tl, true, &off);
    assert_same(&on, &off);
    free(t);
}

static void test_bundle_pem_fast_differential(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_loadb((const char *)g_coll, g_coll_len, 0, &je);
    assert_non_null(root);
    static const char *const keys[] = {"pck_crl_issuer_chain", "tcb_info_issuer_chain"};
    static const char repl[] = {'\r', ' ', 'A', '=', ':', '-', '\n', '\0', '!', 'g'};
    unsigned long cases = 0, taken = 0;
    for (int ki = 0; ki < 2; ki++) {
        const char *orig = json_string_value(json_object_get(root, keys[ki]));
        assert_non_null(orig);
        size_t n = strlen(orig);
        char *m = malloc(n + 2);
        assert_non_null(m);
        for (size_t i = 0; i < n; i++) {
            /* a replacement (cycling through repl), a deletion, an inserted newline */
            memcpy(m, orig, n);
            m[i] = repl[(i + (size_t)ki) % sizeof repl];
            if (m[i] != orig[i]) differential(keys[ki], m, n, &taken), cases++;
            if (i % 2 == (size_t)ki) {
                memcpy(m, orig, i);
                memcpy(m + i, orig + i + 1, n - i - 1);
                differential(keys[ki], m, n - 1, &taken), cases++;
            } else {
                memcpy(m, orig, i);
                m[i] = '\n';
                memcpy(m + i + 1, orig + i, n - i);
                differential(keys[ki], m, n + 1, &taken), cases++;
            }
        }
        /* shapes: no trailing newline, CRLF, a third copy of the root, 17 blocks, text before */
        const char *shapes[6];
        char *owned[6] = {0};
        owned[0] = strndup(orig, n - 1);
        owned[1] = malloc(2 * n + 1);
        assert_non_null(owned[1]);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (orig[i] == '\n') owned[1][k++] = '\r';
            owned[1][k++] = orig[i];
        }
        owned[1][k] = '\0';
        const char *second = strstr(orig + 1, "-----BEGIN");
        assert_non_null(second);
        owned[2] = malloc(2 * n + 1);
        assert_non_null(owned[2]);
        snprintf(owned[2], 2 * n + 1, "%s%s", orig, second);
        owned[3] = malloc(20 * n);
        assert_non_null(owned[3]);
        owned[3][0] = '\0';
        for (int b = 0; b < 9; b++) strcat(owned[3], orig); /* 18 blocks */
        owned[4] = malloc(n + 8);
        assert_non_null(owned[4]);
        snprintf(owned[4], n + 8, "x\n%s", orig);
        owned[5] = malloc(n + 8);
        assert_non_null(owned[5]);
        snprintf(owned[5], n + 8, "%s\n", orig);
        for (int s = 0; s < 6; s++) {
            shapes[s] = owned[s];
            differential(keys[ki], shapes[s], strlen(shapes[s]), &taken), cases++;
            free(owned[s]);
        }
        free(m);
    }
    json_decref(root);
    printf("pem differential: %lu chains, %lu read directly\n", cases, taken);
    assert_true(cases > 3000);
    assert_true(taken > 100); /* the direct reader takes the unchanged-shape cases */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_pem_read_by_bio),
        cmocka_unit_test(test_bundle_pem_fast_differential),
    };
    return cmocka_run_group_tests(tests, cold_setup, cold_teardown);
}

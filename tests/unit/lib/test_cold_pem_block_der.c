/* test_cold_pem_block_der.c - cold path (issue 16): maat__pem_block_der dropped the line
 * breaks of a PEM body a byte at a time and find_str (maat__pem_split_first) compared at
 * every byte; both now skip with memchr (5 calls per cold verification: the two issuer
 * chains' blocks in the direct checks and the PCK leaf). Differential against the former
 * byte-by-byte code, kept here as the reference: the same result and bytes for the real
 * chains' blocks and ~6,000 variants (CRLF, '\r' inside lines, lone '\r', bodies over the
 * 4 KB stack buffer, single-byte changes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cold_fixture.h"
#include "maat/bytes.h"

static int ref_block_der(const uint8_t *body, size_t len, uint8_t **der, size_t *der_len)
{
    char *b64 = malloc(len + 1);
    assert_non_null(b64);
    size_t k = 0;
    for (size_t j = 0; j < len; j++)
        if (body[j] != '\n' && body[j] != '\r') b64[k++] = (char)body[j];
    struct maat_error e = {0};
    int rc = maat_base64_decode(b64, k, "PEM body", der, der_len, &e);
    free(b64);
    return rc == 0 ? 0 : -1;
}

static const uint8_t *ref_find(const uint8_t *p, size_t n, const char *s)
{
    size_t m = strlen(s);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(p + i, s, m) == 0) return p + i;
    return NULL;
}

static unsigned long g_cases;

static void same_block(const uint8_t *body, size_t len)
{
    uint8_t *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    int ra = maat__pem_block_der(body, len, &a, &al);
    int rb = ref_block_der(body, len, &b, &bl);
    assert_int_equal(ra, rb);
    if (ra == 0) {
        assert_int_equal(al, bl);
        assert_memory_equal(a, b, al);
    }
    free(a);
    free(b);
    g_cases++;
}

/* maat__pem_split_first against a reference built on ref_find */
static void same_split(const uint8_t *p, size_t n)
{
    size_t body = 0, blen = 0, end = 0;
    int rc = maat__pem_split_first(p, n, &body, &blen, &end);
    static const char begin[] = "-----BEGIN CERTIFICATE-----", fin[] = "-----END CERTIFICATE-----";
    const uint8_t *b = ref_find(p, n, begin);
    const uint8_t *e = b ? ref_find(b + strlen(begin), n - (size_t)(b - p) - strlen(begin), fin)
                         : NULL;
    if (rc == 0) {
        assert_non_null(e);
        assert_int_equal(body, (size_t)(b - p) + strlen(begin));
        assert_int_equal(body + blen, (size_t)(e - p));
        assert_int_equal(end, (size_t)(e - p) + strlen(fin));
    } else {
        /* refused only for what looks_pem and the leading-space rule refuse, or no block */
        bool lead_ok = b != NULL;
        for (const uint8_t *q = p; lead_ok && q < b; q++)
            lead_ok = *q == ' ' || *q == '\n' || *q == '\r' || *q == '\t';
        assert_false(lead_ok && e != NULL);
    }
    g_cases++;
}

static void test_cold_pem_block_der_same(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_loadb((const char *)g_coll, g_coll_len, 0, &je);
    assert_non_null(root);
    const char *keys[] = {"pck_crl_issuer_chain", "tcb_info_issuer_chain"};
    for (int ki = 0; ki < 2; ki++) {
        const char *chain = json_string_value(json_object_get(root, keys[ki]));
        size_t n = strlen(chain);
        same_split((const uint8_t *)chain, n);
        size_t body, blen, end;
        assert_int_equal(maat__pem_split_first((const uint8_t *)chain, n, &body, &blen, &end), 0);
        const uint8_t *b = (const uint8_t *)chain + body;
        same_block(b, blen);
        uint8_t *m = malloc(3 * blen + 8);
        assert_non_null(m);
        /* CRLF, and '\r' doubled, lone '\r' for '\n' */
        for (int v = 0; v < 3; v++) {
            size_t k = 0;
            for (size_t i = 0; i < blen; i++) {
                if (b[i] == '\n' && v == 2) {
                    m[k++] = '\r';
                    continue;
                }
                if (b[i] == '\n') m[k++] = '\r';
                if (b[i] == '\n' && v == 1) m[k++] = '\r';
                m[k++] = b[i];
            }
            same_block(m, k);
        }
        static const uint8_t repl[] = {'\r', '\n', 'A', '=', '-', ' ', 0};
        for (size_t i = 0; i < blen; i++) {
            memcpy(m, b, blen);
            m[i] = repl[(i + (size_t)ki) % sizeof repl];
            same_block(m, blen);
            memcpy(m, b, i); /* '\r' inserted */
            m[i] = '\r';
            memcpy(m + i + 1, b + i, blen - i);
            same_block(m, blen + 1);
            memcpy(m, b, i); /* deleted */
            memcpy(m + i, b + i + 1, blen - i - 1);
            same_block(m, blen - 1);
        }
        for (size_t i = 0; i < n; i += 3) {
            uint8_t *c = malloc(n);
            assert_non_null(c);
            memcpy(c, chain, n);
            c[i] = repl[i % sizeof repl];
            same_split(c, n);
            free(c);
        }
        free(m);
        /* over the 4 KB stack buffer: the body repeated past 4,096 bytes */
        size_t reps = 4096 / blen + 2, big = blen * reps;
        uint8_t *bb = malloc(big);
        assert_non_null(bb);
        for (size_t r = 0; r < reps; r++) memcpy(bb + r * blen, b, blen);
        same_block(bb, big);
        same_block(bb, 4096);
        same_block(bb, 4095);
        free(bb);
    }
    static const char *edge[] = {"",         "\r",           "\n",      "\r\n",
                                 "QUFB",     "QUFB\r",       "\rQUFB",  "QU\rFB\n",
                                 "QUFB\n\n", "QUFBQQ==\r\n", "Q\r\rUFB"};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        same_block((const uint8_t *)edge[i], strlen(edge[i]));
    json_decref(root);
    printf("pem block/split differential: %lu cases\n", g_cases);
    assert_true(g_cases > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cold_pem_block_der_same)};
    return cmocka_run_group_tests(tests, cold_setup, cold_teardown);
}

/* test_claim_list_arena_not_zeroed.c - issue 16 (maatd's per-request cost): the incoming
 * claim list zeroed its whole claim array (~9 KB for the incoming set, every request) and
 * every string it copied into its arena, then overwrote them. Both now take unzeroed arena
 * memory (pol_arena_alloc_uninit); the list must still read back exactly what was pushed,
 * and pol_arena_alloc itself still hands out zeroed memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_list_internal.h"
#include "policy/policy_internal.h"
#include "testutil.h"

/* Defect: maat__claim_list_begin and pol_arena_strndup zeroed memory they overwrite. */
static void test_claim_list_arena_not_zeroed(void **state)
{
    (void)state;
    struct maat_claim_list l;
    struct maat_error err = {0};
    uint64_t before = maat__pol_arena_zeroed;
    assert_int_equal(maat__claim_list_begin(&l, 200, &err), 0);
    static const char *const types[4] = {"x-ms-sgx-mrenclave", "x-ms-sgx-is-debuggable",
                                         "x-ms-sgx-svn", "x-ms-sgx-collateral"};
    char text[64][80];
    for (int i = 0; i < 64; i++) {
        struct maat_claim_value v = {0};
        int t = i % 4;
        if (t == 0 || t == 3) {
            snprintf(text[i], sizeof text[i], t == 0 ? "%064x" : "{\"n\":%d}", i);
            v.kind = t == 0 ? MAAT_CLAIM_STRING : MAAT_CLAIM_JSON;
            v.str = text[i];
            v.len = strlen(text[i]);
        } else if (t == 1) {
            v.kind = MAAT_CLAIM_BOOLEAN;
            v.boolean = i & 2;
        } else {
            v.kind = MAAT_CLAIM_INTEGER;
            v.integer = -1000 * i;
        }
        assert_int_equal(maat__claim_list_push(&l, types[t], &v, &err), 0);
    }
    assert_int_equal(maat__pol_arena_zeroed - before, 0); /* nothing zeroed */
    assert_int_equal(l.count, 64);
    for (int i = 0; i < 64; i++) {
        const struct maat_claim *c = &l.claims[i];
        int t = i % 4;
        assert_ptr_equal(c->type, types[t]);
        assert_string_equal(c->issuer, MAAT_ISSUER_SERVICE);
        if (t == 0 || t == 3) {
            assert_int_equal(c->value.kind, t == 0 ? MAAT_CLAIM_STRING : MAAT_CLAIM_JSON);
            assert_int_equal(c->value.len, strlen(text[i]));
            assert_ptr_not_equal(c->value.str, text[i]); /* copied */
            assert_string_equal(c->value.str, text[i]);  /* and NUL-terminated */
        } else if (t == 1) {
            assert_int_equal(c->value.kind, MAAT_CLAIM_BOOLEAN);
            assert_int_equal(c->value.boolean, (i & 2) != 0);
        } else {
            assert_int_equal(c->value.kind, MAAT_CLAIM_INTEGER);
            assert_int_equal(c->value.integer, -1000 * i);
        }
    }
    maat__claim_list_cleanup(&l);

    /* pol_arena_alloc still zeroes, and counts it */
    struct pol_arena a;
    pol_arena_init(&a, 0);
    for (int round = 0; round < 2; round++) {
        unsigned char *s = pol_arena_alloc_uninit(&a, 300);
        assert_non_null(s);
        memset(s, 0xab, 300); /* dirty memory for the next blocks */
    }
    pol_arena_release(&a);
    pol_arena_init(&a, 0);
    before = maat__pol_arena_zeroed;
    unsigned char *z = pol_arena_alloc(&a, 1000);
    assert_non_null(z);
    for (int i = 0; i < 1000; i++) assert_int_equal(z[i], 0);
    assert_int_equal(maat__pol_arena_zeroed - before, 1008);
    pol_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claim_list_arena_not_zeroed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_claims_payload_sort_prefix.c - defect: the payload writer ordered its ~35 entries
 * with a full memcmp per comparison (~340 per token) and wrote each key through the
 * escaping string writer (maat__claims_payload_text, bench/README.md maatd "Fourth pass").
 * Entries now carry their key's first 8 bytes as a number, which decides most comparisons,
 * and plain keys are written in one step. The text must stay exactly jansson's
 * JSON_SORT_KEYS | JSON_COMPACT: keys that tie on the prefix, that are prefixes of each
 * other, hold NUL bytes, UTF-8 or characters to escape, in random mixes. */
#include "claims_fixture.h"

static const char jti[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void test_claims_payload_keys_that_tie_on_the_prefix(void **state)
{
    (void)state;
    struct maat_claims_input in;
    input(&in, NULL);
    in.issued_result = NULL;
    json_t *iss = json_object();
    /* same first 8 bytes ("x-ms-sgx"), prefixes of each other, of maat's own claim names */
    static const char *const keys[] = {"x-ms-sgx",
                                       "x-ms-sgx-",
                                       "x-ms-sgx-a",
                                       "x-ms-sgx-is-debuggable2",
                                       "x-ms-sgx-mrsignex",
                                       "x-ms-sgx-mrsigner",
                                       "x-ms-sgx-mrsigne",
                                       "x-ms-ver0",
                                       "x-ms-ve",
                                       "x-ms-",
                                       "x",
                                       "",
                                       "x-ms-sgx\"q",
                                       "x-ms-sgx\\",
                                       "x-ms-sgx\t",
                                       "iat2",
                                       "ia",
                                       "jtj",
                                       "nonce"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_int_equal(json_object_set_new(iss, keys[i], json_integer((json_int_t)i)), 0);
    /* NUL bytes: "x\0" and "x\0\0" pad like "x" */
    assert_int_equal(json_object_setn_new(iss, "x\0", 2, json_true()), 0);
    assert_int_equal(json_object_setn_new(iss, "x\0\0", 3, json_false()), 0);
    assert_int_equal(json_object_setn_new(iss, "x-ms-sgx\0z", 10, json_null()), 0);
    in.issued = iss;
    assert_payload_text_is_janssons(&in, jti);
    json_decref(iss);
}

static void test_claims_payload_random_keys(void **state)
{
    (void)state;
    static const char *const parts[] = {"a",    "b", "x-ms-", "\0", "\xc3\xa9",
                                        "\x7f", "-", "~",     "\"", "\n"};
    static const size_t plen[] = {1, 1, 5, 1, 2, 1, 1, 1, 1, 1};
    uint64_t rng = 0x5017;
    for (int round = 0; round < 60; round++) {
        struct maat_claims_input in;
        input(&in, NULL);
        in.issued_result = NULL;
        json_t *iss = json_object();
        int nkeys = 1 + (int)(tu_xorshift(&rng) % 60);
        for (int k = 0; k < nkeys; k++) {
            char key[64];
            size_t kl = 0;
            int np = (int)(tu_xorshift(&rng) % 7);
            for (int j = 0; j < np; j++) {
                size_t w = (size_t)(tu_xorshift(&rng) % (sizeof parts / sizeof *parts));
                memcpy(key + kl, parts[w], plen[w]);
                kl += plen[w];
            }
            json_object_setn_new(iss, key, kl, json_integer(k)); /* a repeat replaces */
        }
        in.issued = iss;
        assert_payload_text_is_janssons(&in, jti);
        json_decref(iss);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_payload_keys_that_tie_on_the_prefix),
        cmocka_unit_test(test_claims_payload_random_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

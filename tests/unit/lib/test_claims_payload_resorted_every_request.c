/* test_claims_payload_resorted_every_request.c - issue 16 (maatd's per-request CPU): the
 * payload writer (maat__claims_payload_text) sorted its ~40 entries by insertion sort on
 * every request, moving 48-byte entries (~5k instructions per token), although under one
 * policy and issuer every payload has the same keys added in the same order. It now sorts
 * indices and first tries the calling thread's previous order, kept only when all n - 1
 * neighbouring pairs are in order. The text must stay exactly jansson's JSON_SORT_KEYS |
 * JSON_COMPACT whatever the previous payload was: same keys, same count of other keys,
 * keys moved, more entries than the remembered order holds. */
#include "claims_fixture.h"
#include "claims_test_hooks.h"

static const char jti[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/* issued claims named keys[0..n) (each an integer) */
static json_t *issued_of(const char *const *keys, size_t n)
{
    json_t *o = json_object();
    assert_non_null(o);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(json_object_set_new(o, keys[i], json_integer((json_int_t)i)), 0);
    return o;
}

/* Defect: the same payload shape was sorted again on every request. */
static void test_claims_payload_resorted_every_request(void **state)
{
    (void)state;
    struct maat_claims_input in;
    input(&in, NULL);
    in.issued_result = NULL;
    static const char *const k1[] = {"x-ms-sgx-is-debuggable", "custom", "aaa"};
    json_t *iss = issued_of(k1, 3);
    in.issued = iss;
    assert_payload_text_is_janssons(&in, jti); /* sorted once: remembered */
    uint64_t before = maat__claims_order_reused;
    for (int i = 0; i < 5; i++) assert_payload_text_is_janssons(&in, jti);
    assert_int_equal(maat__claims_order_reused - before, 5); /* not sorted again */
    json_decref(iss);

    /* As many entries, other keys in other places: the remembered order does not hold. */
    static const char *const k2[] = {"zzz", "b", "nonce2"};
    iss = issued_of(k2, 3);
    in.issued = iss;
    before = maat__claims_order_reused;
    assert_payload_text_is_janssons(&in, jti);
    assert_int_equal(maat__claims_order_reused, before);
    assert_payload_text_is_janssons(&in, jti);
    assert_int_equal(maat__claims_order_reused - before, 1);
    json_decref(iss);

    /* The same keys added in another order: equal keys tie-break on the order of addition */
    static const char *const k3[] = {"aaa", "custom", "x-ms-sgx-is-debuggable"};
    iss = issued_of(k3, 3);
    in.issued = iss;
    assert_payload_text_is_janssons(&in, jti);
    json_decref(iss);
}

/* Random issued key sets, many of the same size, one after the other in one thread. */
static void test_claims_payload_order_random_shapes(void **state)
{
    (void)state;
    static const char *const names[] = {
        "a", "iat", "x-ms-ver", "x-ms-sgx-svn", "zz",      "maa-ehd",     "nonce", "x-maat-tcb",
        "b", "jti", "x-ms-sgx", "exp",          "aas-ehd", "x-ms-policy", "~"};
    const size_t nn = sizeof names / sizeof *names;
    uint64_t rng = 0x16a8;
    for (int round = 0; round < 200; round++) {
        struct maat_claims_input in;
        input(&in, NULL);
        in.issued_result = NULL;
        json_t *iss = json_object();
        size_t n = 1 + (size_t)(tu_xorshift(&rng) % 4); /* few sizes: same counts recur */
        for (size_t i = 0; i < n; i++)
            json_object_set_new(iss, names[tu_xorshift(&rng) % nn], json_integer((json_int_t)i));
        in.issued = iss;
        assert_payload_text_is_janssons(&in, jti);
        if (tu_xorshift(&rng) % 2) assert_payload_text_is_janssons(&in, jti);
        json_decref(iss);
    }
}

/* More entries than the remembered order holds: sorted in a heap array, not remembered. */
static void test_claims_payload_order_many_entries(void **state)
{
    (void)state;
    struct maat_claims_input in;
    input(&in, NULL);
    in.issued_result = NULL;
    json_t *iss = json_object();
    for (int i = 0; i < 300; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%03d", (i * 7919) % 300);
        json_object_set_new(iss, key, json_integer(i));
    }
    in.issued = iss;
    uint64_t before = maat__claims_order_reused;
    assert_payload_text_is_janssons(&in, jti);
    assert_payload_text_is_janssons(&in, jti);
    assert_int_equal(maat__claims_order_reused, before);
    json_decref(iss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_payload_resorted_every_request),
        cmocka_unit_test(test_claims_payload_order_random_shapes),
        cmocka_unit_test(test_claims_payload_order_many_entries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

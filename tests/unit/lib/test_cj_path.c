/* test_cj_path.c - the JSON paths the collateral parsers build for every field they read
 * (cj_child "parent.key", cj_index "parent[i]") are built without snprintf (issue 16: path
 * formatting was ~0.6 M instructions of a cold verification); they must be exactly what
 * snprintf gave, including the cut at MAAT_JSON_PATH_MAX - 1 characters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_json.h"
#include "testutil.h"

static void test_cj_path_same_as_snprintf(void **state)
{
    (void)state;
    char parent[400], key[300], got[MAAT_JSON_PATH_MAX], want[1024];
    static const size_t plen[] = {0, 1, 7, 100, 185, 189, 190, 191, 192, 250, 399};
    static const size_t klen[] = {1, 5, 10, 60, 200, 299};
    static const size_t idx[] = {0, 9, 10, 123, 4095, (size_t)-1};
    for (size_t a = 0; a < sizeof plen / sizeof *plen; a++) {
        memset(parent, 'p', plen[a]);
        parent[plen[a]] = '\0';
        for (size_t b = 0; b < sizeof klen / sizeof *klen; b++) {
            memset(key, 'k', klen[b]);
            key[klen[b]] = '\0';
            memset(got, 'x', sizeof got);
            cj_child(got, parent, key);
            snprintf(want, sizeof want, "%s%s%s", parent, parent[0] ? "." : "", key);
            want[MAAT_JSON_PATH_MAX - 1] = '\0'; /* where snprintf into the path cut it */
            assert_string_equal(got, want);
        }
        for (size_t b = 0; b < sizeof idx / sizeof *idx; b++) {
            memset(got, 'x', sizeof got);
            cj_index(got, parent, idx[b]);
            snprintf(want, sizeof want, "%s[%zu]", parent, idx[b]);
            want[MAAT_JSON_PATH_MAX - 1] = '\0';
            assert_string_equal(got, want);
        }
    }
    cj_child(got, "tcbInfo", "tcbLevels");
    assert_string_equal(got, "tcbInfo.tcbLevels");
    cj_index(want, got, 3);
    assert_string_equal(want, "tcbInfo.tcbLevels[3]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cj_path_same_as_snprintf)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * policy_default.c - MAA's default SGX/OpenEnclave policy texts, byte-exact as MAA
 * returns them from GET /policies/{type} (maa.md section 4), maat's default TdxVm policy
 * (MAA's is unpublished), and MAA's policy hash.
 * The texts are checked against MAA's recorded hashes in tests/unit/lib/test_claims.c.
 */
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/policy_default.h"

/* The six issuance rules of both defaults: no newlines, a space on each side of "=>"
 * and after ",". */
#define MAAT__DEFAULT_ISSUANCE                                                              \
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);" \
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);"       \
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);"     \
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);"       \
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);"                     \
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);"

const char maat_policy_default_sgx_2022[] =
    "version= 1.1;"
    "configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", "
    "value=\"azuredefault\");};"
    "authorizationrules{=> permit();};"
    "issuancerules{" MAAT__DEFAULT_ISSUANCE "};";

const char maat_policy_default_sgx_2021[] = "version= 1.0;"
                                            "authorizationrules{=> permit();};"
                                            "issuancerules{" MAAT__DEFAULT_ISSUANCE "};";

/* maat's own: MAA does not publish its default TdxVm policy (maa-2025.md section 3). The
 * TD is appraised before any policy runs (tdx.h: DEBUG, reserved attribute bits,
 * SEPT_VE_DISABLE, MRSERVICETD refused unless maatd was started with an opt-in), so the
 * default permits what verified and issues nothing beyond the TdxVm claim set. */
const char maat_policy_default_tdx_text[] = "version= 1.0;"
                                            "authorizationrules{=> permit();};"
                                            "issuancerules{};";

const char *maat_policy_default_tdx(void)
{
    return maat_policy_default_tdx_text;
}

const char *maat_policy_default_sgx(void)
{
    return maat_policy_default_sgx_2022;
}

int maat_policy_hash(const char *text, size_t len, char out[MAAT_POLICY_HASH_LEN + 1],
                     struct maat_error *err)
{
    if (text == NULL && len != 0)
        return maat_error_set(err, MAAT_ERR_USAGE, "policy hash: no text");
    /* MAA hashes the base64url form of the text (as stored in StoredAttestationPolicy),
     * not the text itself. */
    char *b64 = maat_base64url_encode((const uint8_t *)(text != NULL ? text : ""), len);
    if (b64 == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "policy hash: out of memory");
    uint8_t digest[32];
    maat__sha256(b64, strlen(b64), digest);
    free(b64);
    char *h = maat_base64url_encode(digest, sizeof digest);
    if (h == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "policy hash: out of memory");
    if (strlen(h) != MAAT_POLICY_HASH_LEN) {
        free(h);
        return maat_error_set(err, MAAT_ERR_INTERNAL, "policy hash: unexpected encoding length");
    }
    memcpy(out, h, MAAT_POLICY_HASH_LEN + 1);
    free(h);
    return 0;
}

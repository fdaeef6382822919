/*
 * policy_default.h - MAA's default SGX/OpenEnclave attestation policy texts (byte-exact)
 * and MAA's policy hash (x-ms-policy-hash). The policy language itself lives in
 * src/include/maat/policy.h (later milestone); this header only holds the constants every
 * token needs.
 */
#ifndef MAAT_POLICY_DEFAULT_H
#define MAAT_POLICY_DEFAULT_H

#include "maat/must_check.h"

#include <stddef.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of a policy hash: base64url (unpadded) of 32 bytes. */
#define MAAT_POLICY_HASH_LEN 43

/* The default policy MAA returns (and applies) for SgxEnclave and OpenEnclave since late
 * 2022 (version 1.1, configurationrules set x-ms-sgx-tcbidentifier "azuredefault");
 * hash ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc. NUL-terminated, no newline. */
extern const char maat_policy_default_sgx_2022[];
/* The 2021 default (version 1.0, same issuance rules, no configurationrules); hash
 * bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw. */
extern const char maat_policy_default_sgx_2021[];

/* The current default policy text (= maat_policy_default_sgx_2022). */
const char *maat_policy_default_sgx(void);

/* maat's default TdxVm policy: "version= 1.0;authorizationrules{=> permit();};
 * issuancerules{};" (MAA's text is unpublished; docs/policy.md "TdxVm"). maat's TD
 * appraisal (include/maat/tdx.h) runs before it. */
extern const char maat_policy_default_tdx_text[];
const char *maat_policy_default_tdx(void);

/* MAA's x-ms-policy-hash of a policy text: base64url(SHA-256(ASCII(base64url(text)))),
 * unpadded, written NUL-terminated to out. The text is hashed as given (UTF-8 bytes). */
MAAT_MUST_CHECK int maat_policy_hash(const char *text, size_t len,
                                     char out[MAAT_POLICY_HASH_LEN + 1], struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_POLICY_DEFAULT_H */

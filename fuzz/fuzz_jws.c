/* fuzz_jws.c - libFuzzer harness for compact JWS parsing and the key material a token can
 * carry: maat__jws_parse(_ex), maat__jws_header_x5c, maat__jwk_to_pkey on header "jwk" and
 * on the header itself, maat__jwks_find over the payload, and maat__jws_verify with every key
 * obtained (algorithm/key-type mismatches must fail cleanly). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/x509.h>

#include "maat/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_explain(const struct maat_error *err)
{
    if (err->code == MAAT_OK || err->msg[0] == '\0')
        __builtin_trap(); /* every rejection says why */
}

static void try_key(const struct maat_jws *j, const json_t *jwk)
{
    struct maat_error err = {0};
    EVP_PKEY *k = maat__jwk_to_pkey(jwk, &err);
    if (k == NULL) {
        must_explain(&err);
        return;
    }
    maat_error_clear(&err);
    if (maat__jws_verify(j, k, &err) != 0) must_explain(&err);
    EVP_PKEY_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct maat_jws j;
    struct maat_error err = {0};
    unsigned flags = size > 0 && (data[0] & 1) ? MAAT_JWS_ALLOW_RSA256 : 0;
    if (maat__jws_parse_ex((const char *)data, size, flags, &j, &err) != 0) {
        must_explain(&err);
        return 0;
    }
    /* touch what the parse produced so ASan checks the bounds */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < j.signature_len; i++) sink ^= j.signature[i];
    for (size_t i = 0; i <= j.payload_len; i++) sink ^= (uint8_t)j.payload_text[i];
    for (size_t i = 0; i <= j.signing_input_len; i++) sink ^= (uint8_t)j.signing_input[i];
    (void)sink;
    if (j.alg_text == NULL || j.header == NULL || (j.payload_len > 0) != (j.payload != NULL))
        __builtin_trap();

    maat_error_clear(&err);
    STACK_OF(X509) *sk = maat__jws_header_x5c(&j, &err);
    if (sk != NULL) {
        maat_error_clear(&err);
        if (maat__jws_verify(&j, X509_get0_pubkey(sk_X509_value(sk, 0)), &err) != 0)
            must_explain(&err);
        sk_X509_pop_free(sk, X509_free);
    } else if (err.code != MAAT_OK && err.msg[0] == '\0') {
        __builtin_trap();
    }

    const json_t *jwk = json_object_get(j.header, "jwk");
    if (jwk != NULL) try_key(&j, jwk);
    try_key(&j, j.header); /* a header that looks like a JWK (kty/n/e/crv/x/y) */

    const json_t *kid = json_object_get(j.header, "kid");
    if (j.payload != NULL && json_is_string(kid)) {
        const json_t *found = maat__jwks_find(j.payload, json_string_value(kid));
        if (found != NULL) try_key(&j, found);
    }
    const json_t *keys = j.payload ? json_object_get(j.payload, "keys") : NULL;
    size_t i;
    const json_t *k;
    json_array_foreach (keys, i, k) {
        if (i >= 4) break;
        try_key(&j, k);
    }
    maat__jws_cleanup(&j);
    return 0;
}

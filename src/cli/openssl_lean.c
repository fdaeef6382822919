/* openssl_lean.c - OpenSSL set-up for `maat verify` (issue 16, process start): libcrypto
 * is initialised without its legacy cipher and digest name database, which holds
 * only the digests certificate and CRL signatures name (SHA-1, SHA-2). OpenSSL 3.0 copies
 * that database into the name map of every library context on its first use (the default
 * one and libmaat's keyless one): ~5.5 M instructions of a `maat verify` process. Fetches
 * by name go to the providers as before; a legacy lookup of anything else fails (a
 * verification error, never an acceptance). It also skips OPENSSL_cleanup at exit (~0.4 M
 * instructions freeing what the process is about to drop) except in sanitizer builds, whose
 * leak check must see libcrypto's memory freed. See bench/README.md, fourth pass. */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cli.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LEAN_ATEXIT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LEAN_ATEXIT 0
#endif
#endif
#ifndef LEAN_ATEXIT
#define LEAN_ATEXIT OPENSSL_INIT_NO_ATEXIT
#endif

int cli_openssl_init_verify(void)
{
    const EVP_MD *mds[] = {EVP_sha1(), EVP_sha224(), EVP_sha256(), EVP_sha384(), EVP_sha512()};
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
                                OPENSSL_INIT_LOAD_CONFIG | LEAN_ATEXIT,
                            NULL) != 1)
        return -1;
    for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++)
        if (mds[i] == NULL || EVP_add_digest(mds[i]) != 1) return -1;
    ERR_clear_error();
    return 0;
}

/* openssl_lean.c - OpenSSL set-up for `maat verify` (issue 16, process start): libcrypto
 * is initialised without its legacy cipher and digest name database, which holds
 * only the digests certificate and CRL signatures name (SHA-1, SHA-2). OpenSSL 3.0 copies
 * that database into the name map of every library context on its first use (the default
 * one and libmaat's keyless one): ~5.5 M instructions of a `maat verify` process. Fetches
 * by name go to the providers as before; a legacy lookup of anything else fails (a
 * verification error, never an acceptance). See bench/README.md, fourth pass. */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cli.h"

int cli_openssl_init_verify(void)
{
    const EVP_MD *mds[] = {EVP_sha1(), EVP_sha224(), EVP_sha256(), EVP_sha384(), EVP_sha512()};
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
                                OPENSSL_INIT_LOAD_CONFIG,
                            NULL) != 1)
        return -1;
    for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++)
        if (mds[i] == NULL || EVP_add_digest(mds[i]) != 1) return -1;
    ERR_clear_error();
    return 0;
}

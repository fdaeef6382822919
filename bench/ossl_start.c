/*
 * ossl_start.c - the process-start baseline of bench_process.sh: a C program that only
 * loads OpenSSL (libcrypto, its default configuration and provider, one digest fetch)
 * and exits. `maat verify` as a whole process is compared with this plus the in-process
 * cold verification time (issue 16).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>

int main(void)
{
    if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1) return 1;
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (md == NULL) return 1;
    EVP_MD_free(md);
    return 0;
}

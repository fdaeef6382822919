/*
 * enclave_app.c - maat-enclave-app: the enclave side of Microsoft's MAA SGX sample, in C.
 *
 * Run inside an SGX enclave (Gramine, see enclave-app.manifest.template) or against the
 * simulated platform, it does what the sample's OpenEnclave enclave does:
 *   1. generates a key pair inside the enclave (RSA-2048 by default, or P-256);
 *   2. takes the public key's PEM text as the enclave-held data (EHD), NUL-padded to 512
 *      bytes as the OE sample's buffer is (--no-pad: the PEM text alone);
 *   3. obtains a quote with report_data = SHA-256(EHD) || 32 zero bytes, MAA's binding of
 *      runtime data, through the attester API (src/include/maat/attester.h);
 *   4. writes the sample's EnclaveInfo JSON (Intel-SDK layout: the bare quote, Attributes =
 *      SGX attributes.flags), which `maat quote inspect`, `maat verify` and MAA accept.
 * The private key stays in memory unless --key-out asks for it (a demonstration aid: a
 * real enclave keeps it, or seals it).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "maat/attester.h"
#include "maat/enclave_info.h"
#include "maat/quote.h"

#define PROG "maat-enclave-app"
#define EHD_PAD 512 /* the OE sample's EHD buffer: PEM text, then NUL bytes */

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " [--provider auto|sim|gramine] [--sim DIR] [--key rsa|p256]\n"
               "                        [--no-pad] [-o FILE] [--key-out FILE] [--ehd-out FILE]\n"
               "\n"
               "Generates a key pair, binds its public key (PEM) into an SGX quote as MAA\n"
               "enclave-held data (report_data = SHA-256(EHD) || 32 zero bytes) and writes the\n"
               "MAA sample's EnclaveInfo JSON.\n"
               "\n"
               "  --provider P   quote provider: gramine (inside Gramine-SGX), sim (simulated\n"
               "                 platform) or auto (default: gramine if /dev/attestation offers\n"
               "                 DCAP quotes, else sim if a platform directory is named)\n"
               "  --sim DIR      simulated platform directory (default $MAAT_SIM_DIR, else\n"
               "                 ~/.maat/sim; created on first use)\n"
               "  --key K        rsa (RSA-2048, as the OE sample; default) or p256\n"
               "  --no-pad       EHD = the PEM text only (default: NUL-padded to 512 bytes)\n"
               "  -o FILE        EnclaveInfo JSON output (default: standard output)\n"
               "  --key-out F    also write the private key (PKCS#8 PEM, mode 0600)\n"
               "  --ehd-out F    also write the enclave-held data bytes\n"
               "\n"
               "exit codes: 0 written, 1 no quote provider / quote failed, 2 usage, 4 I/O\n");
}

static int write_file(const char *path, const void *p, size_t n, bool secret)
{
    FILE *f = stdout;
    if (strcmp(path, "-") != 0) {
        /* a private key is created 0600 from the start, never readable in between */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
        f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (f == NULL) {
            perror(path);
            if (fd >= 0) close(fd);
            return -1;
        }
    }
    int bad = fwrite(p, 1, n, f) != n;
    bad |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) fprintf(stderr, PROG ": %s: write failed\n", path);
    return bad ? -1 : 0;
}

/* PEM of the SubjectPublicKeyInfo, or (private) PKCS#8 PEM, into a malloc'd buffer. */
static char *pem_of(EVP_PKEY *k, bool private_key, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b == NULL) return NULL;
    int ok = private_key ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PUBKEY(b, k);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    if (ok == 1 && n > 0 && (out = malloc((size_t)n + 1)) != NULL) {
        memcpy(out, p, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(b);
    return out;
}

int main(int argc, char **argv)
{
    struct maat_attester_config cfg = {0};
    const char *out_path = "-", *key_out = NULL, *ehd_out = NULL, *key = "rsa";
    bool pad = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--no-pad")) {
            pad = false;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, PROG ": %s needs a value\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        if (!strcmp(a, "--provider")) {
            if (maat_attester_kind_from_name(v, &cfg.kind) != 0) {
                fprintf(stderr, PROG ": --provider %s: expected auto, sim or gramine\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--sim")) {
            cfg.sim_dir = v;
        } else if (!strcmp(a, "--key")) {
            if (strcmp(v, "rsa") && strcmp(v, "p256")) {
                fprintf(stderr, PROG ": --key %s: expected rsa or p256\n", v);
                return 2;
            }
            key = v;
        } else if (!strcmp(a, "-o")) {
            out_path = v;
        } else if (!strcmp(a, "--key-out")) {
            key_out = v;
        } else if (!strcmp(a, "--ehd-out")) {
            ehd_out = v;
        } else {
            fprintf(stderr, PROG ": unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }

    int rc = 4;
    struct maat_error err = {0};
    struct maat_attester *att = NULL;
    struct maat_buf quote;
    maat_buf_init(&quote);
    char *pub = NULL, *json = NULL;
    uint8_t *ehd = NULL;
    size_t pub_len = 0, ehd_len = 0;

    /* 1. the key pair, generated inside the enclave */
    EVP_PKEY *pk = !strcmp(key, "rsa") ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                       : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (pk == NULL || (pub = pem_of(pk, false, &pub_len)) == NULL) {
        fprintf(stderr, PROG ": key generation failed\n");
        goto done;
    }
    /* 2. EHD = public key PEM (NUL-padded as the OE sample) */
    ehd_len = pad && pub_len < EHD_PAD ? EHD_PAD : pub_len;
    ehd = calloc(1, ehd_len);
    if (ehd == NULL) goto done;
    memcpy(ehd, pub, pub_len);

    /* 3. the quote over SHA-256(EHD) || 0^32 */
    if (maat_attester_open(&cfg, &att, &err) != 0 ||
        maat_attester_quote_ehd(att, ehd, ehd_len, &quote, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        rc = 1;
        goto done;
    }
    fprintf(stderr, PROG ": %s key, %zu-byte EHD, %zu-byte quote from the %s provider (%s)\n",
            !strcmp(key, "rsa") ? "RSA-2048" : "P-256", ehd_len, quote.len,
            maat_attester_kind_name(maat_attester_kind(att)), maat_attester_location(att));

    /* 4. the sample's EnclaveInfo JSON */
    if (maat_enclave_info_to_json(quote.data, quote.len, ehd, ehd_len, &json, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        goto done;
    }
    if (write_file(out_path, json, strlen(json), false) != 0) goto done;
    if (ehd_out != NULL && write_file(ehd_out, ehd, ehd_len, false) != 0) goto done;
    if (key_out != NULL) {
        size_t n = 0;
        char *priv = pem_of(pk, true, &n);
        int w = priv ? write_file(key_out, priv, n, true) : -1;
        if (priv) OPENSSL_cleanse(priv, n);
        free(priv);
        if (w != 0) goto done;
    }
    rc = 0;
done:
    free(json);
    free(ehd);
    free(pub);
    EVP_PKEY_free(pk);
    maat_attester_free(att);
    maat_buf_cleanup(&quote);
    return rc;
}

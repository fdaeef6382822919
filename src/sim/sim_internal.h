/* sim_internal.h - helpers shared by the simulated platform's source files (not an API). */
#ifndef MAAT_SIM_INTERNAL_H
#define MAAT_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/error.h"
#include "sim.h"

#define SIM_SERIAL_LEN 20
#define SIM_DAY 86400
#define SIM_CRL_BASE_URL "https://sim.maat.invalid/sgx/certification/v4"

/* The loaded platform. */
struct maat_sim {
    EVP_PKEY *root_key, *processor_key, *platform_key, *tcb_key, *pck_key;
    X509 *root, *processor_ca, *platform_ca, *tcb_signer;
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    uint8_t ppid[16];
    uint8_t platform_instance_id[16];
    uint8_t qe_id[16];  /* header user_data[0:16] */
    uint8_t cpusvn[16]; /* UpToDate level */
    uint16_t pcesvn;
    uint16_t qe_svn;
    int64_t not_before, not_after;
    uint8_t revoked_processor[SIM_SERIAL_LEN];
    uint8_t revoked_platform[SIM_SERIAL_LEN];
};

/* --- sim_util.c: files, paths, errors --- */
/* Joins dir and rel into a malloc'd path. */
char *sim_path(const char *dir, const char *rel);
int sim_mkdir(const char *path, unsigned mode, struct maat_error *err);
/* Writes dir/rel with the given mode (applied even when the file existed). */
int sim_write(const char *dir, const char *rel, const void *data, size_t len, unsigned mode,
              struct maat_error *err);
int sim_read(const char *dir, const char *rel, uint8_t **out, size_t *len, struct maat_error *err);
/* Records an OpenSSL failure: the message plus OpenSSL's error queue (then clears it). */
int sim_ossl_error(struct maat_error *err, const char *what);
/* Upper-case hex (dst holds 2n+1). */
void sim_hex_upper(const uint8_t *p, size_t n, char *dst);

/* --- sim_crypto.c: keys, raw ECDSA, PEM --- */
EVP_PKEY *sim_keygen(struct maat_error *err);
int sim_random(uint8_t *p, size_t n, struct maat_error *err);
/* Raw r‖s ECDSA-P256/SHA-256 signature. */
int sim_sign_raw(EVP_PKEY *key, const void *data, size_t len, uint8_t sig[64],
                 struct maat_error *err);
/* Uncompressed public point without the 0x04 prefix. */
int sim_pubkey_raw(EVP_PKEY *key, uint8_t xy[64], struct maat_error *err);
int sim_sha256(const void *data, size_t len, uint8_t out[32], struct maat_error *err);
int sim_key_pem(EVP_PKEY *key, struct maat_buf *out, struct maat_error *err);
EVP_PKEY *sim_key_from_pem(const uint8_t *pem, size_t len, struct maat_error *err);
int sim_cert_pem(X509 *cert, struct maat_buf *out, struct maat_error *err);
X509 *sim_cert_from_pem(const uint8_t *pem, size_t len, struct maat_error *err);

/* --- sim_asn1.c: the SGX extension of PCK certificates --- */
struct sim_sgx_ext {
    uint8_t ppid[16];
    uint8_t cpusvn[16]; /* components 1..16 and the CPUSVN octet string */
    uint16_t pcesvn;
    uint8_t pce_id[2];
    uint8_t fmspc[6];
    int sgx_type;
    bool platform; /* add .6 platform instance id and .7 configuration */
    uint8_t platform_instance_id[16];
};
/* DER of the extension value (SEQUENCE of SEQUENCE { OID, value }); *der is malloc'd. */
int sim_sgx_ext_der(const struct sim_sgx_ext *e, uint8_t **der, size_t *len, struct maat_error *err);

/* --- sim_pki.c: certificates and CRLs --- */
enum sim_cert_kind { SIM_CERT_ROOT, SIM_CERT_CA, SIM_CERT_SIGNER, SIM_CERT_LEAF };
struct sim_cert_spec {
    enum sim_cert_kind kind;
    const char *cn;
    EVP_PKEY *key; /* subject key */
    X509 *issuer;  /* NULL for the self-signed root */
    EVP_PKEY *issuer_key;
    const uint8_t *serial; /* SIM_SERIAL_LEN bytes, or NULL for a random one */
    int64_t not_before, not_after;
    const char *crl_url;    /* CRL distribution point (NULL: none) */
    const uint8_t *sgx_ext; /* DER value of the SGX extension (leaves) */
    size_t sgx_ext_len;
};
X509 *sim_cert_issue(const struct sim_cert_spec *spec, struct maat_error *err);
/* A v2 CRL with CRL number and AKI, listing `n` serials (SIM_SERIAL_LEN bytes each). */
int sim_crl_der(X509 *issuer, EVP_PKEY *key, int64_t this_update, int64_t next_update,
                const uint8_t (*serials)[SIM_SERIAL_LEN], size_t n, struct maat_buf *out,
                struct maat_error *err);
/* Big-endian serial of a certificate, left-padded to SIM_SERIAL_LEN. */
int sim_cert_serial(X509 *cert, uint8_t out[SIM_SERIAL_LEN], struct maat_error *err);
/* A random positive 20-byte serial (top bit clear, first byte non-zero). */
int sim_random_serial(uint8_t out[SIM_SERIAL_LEN], struct maat_error *err);

/* --- sim_collateral.c: TCB levels, signed JSON, CRLs, PCS layout, bundle --- */
void sim_tcb_level(const uint8_t base[16], uint16_t base_pcesvn, enum maat_sim_tcb t,
                   uint8_t cpusvn[16], uint16_t *pcesvn);
struct sim_collateral_opts {
    int64_t issue_date, next_update;
    uint32_t tcb_evaluation_data_number;
    int eval_svn_step; /* component-1 SVN added per evaluation number of a variant (>= 1) */
    bool revoke_processor_ca, revoke_platform_ca;
};
int sim_write_collateral(const char *dir, const struct maat_sim *s,
                         const struct sim_collateral_opts *o, struct maat_error *err);

#endif

/*
 * sim_fleet.c - a fleet of simulated platforms under one simulated PKI: platform k of the
 * fleet has its own PCK key, PPID and platform instance id, derived deterministically from
 * the platform directory's PPID and k, and its own PCK leaf certificate, issued and signed
 * by the directory's PCK CA like any sim leaf. FMSPC, TCB, QE and collateral are the
 * directory's, so one collateral set serves the whole fleet (bench/bench_fleet.sh).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "sim_internal.h"

/* SHA-256(label ‖ base PPID ‖ k, big-endian). */
static int derive(const struct maat_sim *s, const char *label, uint64_t k, uint8_t out[32],
                  struct maat_error *err)
{
    uint8_t in[32 + 16 + 8];
    size_t n = strlen(label);
    memset(in, 0, sizeof in);
    memcpy(in, label, n < 32 ? n : 32);
    memcpy(in + 32, s->ppid, 16);
    for (int i = 0; i < 8; i++) in[48 + i] = (uint8_t)(k >> (56 - 8 * i));
    return sim_sha256(in, sizeof in, out, err);
}

/* The P-256 key whose private scalar is 1 + (d mod (order - 1)): never zero, below the order. */
static EVP_PKEY *key_from_seed(const uint8_t d[32], struct maat_error *err)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *pc = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    BN_CTX *bc = BN_CTX_new();
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    BIGNUM *priv = BN_bin2bn(d, 32, NULL), *om1 = BN_new();
    uint8_t pub[65];
    if (bc == NULL || pt == NULL || priv == NULL || om1 == NULL ||
        !BN_sub(om1, EC_GROUP_get0_order(g), BN_value_one()) || !BN_mod(priv, priv, om1, bc) ||
        !BN_add_word(priv, 1) || !EC_POINT_mul(g, pt, priv, NULL, NULL, bc) ||
        EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, bc) != 65 ||
        (bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(pc) != 1 || EVP_PKEY_fromdata(pc, &key, EVP_PKEY_KEYPAIR, params) != 1)
        sim_ossl_error(err, "fleet platform PCK key derivation");
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(priv);
    BN_free(om1);
    EC_POINT_free(pt);
    EC_GROUP_free(g);
    BN_CTX_free(bc);
    return key;
}

int maat_sim_fleet_quote(const struct maat_sim *s, uint64_t platform,
                         const struct maat_sim_quote_opts *o, struct maat_buf *out,
                         struct maat_error *err)
{
    struct maat_sim member = *s; /* shares the PKI: only the platform's own fields change */
    uint8_t d[32];
    MAAT_TRY(derive(s, "maat sim fleet ppid", platform, d, err));
    memcpy(member.ppid, d, 16);
    memcpy(member.platform_instance_id, d + 16, 16);
    MAAT_TRY(derive(s, "maat sim fleet qe id", platform, d, err));
    memcpy(member.qe_id, d, 16);
    MAAT_TRY(derive(s, "maat sim fleet pck key", platform, d, err));
    member.pck_key = key_from_seed(d, err);
    memset(d, 0, sizeof d);
    if (member.pck_key == NULL) return -1;
    int rc = maat_sim_quote(&member, o, out, err);
    EVP_PKEY_free(member.pck_key);
    if (rc != 0) maat_error_prefix(err, "fleet platform %llu", (unsigned long long)platform);
    return rc;
}

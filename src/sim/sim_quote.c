/*
 * sim_quote.c - the software quoting enclave. Issues a PCK leaf (SGX extension carrying
 * the requested TCB, FMSPC, PCE-ID) under the chosen PCK CA, makes a fresh P-256
 * attestation key, a QE report binding it (report_data = SHA-256(AK ‖ QE auth data) ‖ 0³²)
 * signed by the PCK key, and signs header ‖ report body with the AK. Layout is Intel's
 * (sgx_quote_3.h / sgx_quote_4.h), as produced on Azure: v3 with certification data
 * type 5, v4 with type 6 wrapping QE report, auth data and the type-5 chain. The PEM
 * chain is leaf, PCK CA, root, then a NUL, as Intel's QE writes it. TD quotes: v4 with a
 * TD report 1.0, or v5 (header ‖ body type ‖ body size ‖ TD report 1.0 or 1.5), tee_type
 * 0x81, the same type-6 signature data (docs/sim.md, "TDX").
 */
#include <stdlib.h>
#include <string.h>

#include "maat/quote.h"
#include "sim_internal.h"

const uint8_t maat_sim_qe_mr_signer[32] = {
    /* SHA-256("maat simulated quoting enclave signer") */
    0x0f, 0x82, 0x93, 0x3e, 0xe9, 0x7b, 0x93, 0x8c, 0x88, 0xa7, 0xef, 0xe9, 0xc8, 0x20, 0x47, 0xc7,
    0x52, 0x42, 0xa9, 0x52, 0xf7, 0xb1, 0x13, 0xa8, 0x9a, 0xfb, 0x87, 0xe4, 0x58, 0x94, 0x60, 0xee};
const uint8_t maat_sim_qe_mr_enclave[32] = {
    /* SHA-256("maat simulated quoting enclave") */
    0x80, 0x2a, 0x7c, 0xe2, 0x7e, 0x40, 0xb3, 0x65, 0x9d, 0x19, 0xf7, 0xe4, 0x05, 0xb6, 0xb1, 0x03,
    0x0a, 0x62, 0x29, 0x00, 0x20, 0xaa, 0x33, 0xdf, 0x30, 0x44, 0xda, 0x34, 0x25, 0xe5, 0xa3, 0x29};
const uint8_t maat_sim_qe_vendor_id[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                           0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
/* Defaults of the ISV enclave: SHA-256("maat simulated enclave") and (".. signer"). */
static const uint8_t default_mr_enclave[32] = {
    0x12, 0xa0, 0xab, 0xfc, 0xf2, 0xbf, 0x02, 0x50, 0x66, 0xb9, 0x45, 0x86, 0x85, 0x0b, 0x70, 0x39,
    0xec, 0x60, 0x39, 0x43, 0xb2, 0x5f, 0x16, 0x2d, 0xf7, 0x4b, 0x1f, 0x96, 0xb1, 0x2c, 0x56, 0xec};
static const uint8_t default_mr_signer[32] = {
    0xcf, 0x85, 0x47, 0x58, 0x83, 0x46, 0x81, 0x85, 0x77, 0x9e, 0x19, 0x90, 0x97, 0x4e, 0x44, 0x6e,
    0x28, 0xa8, 0x20, 0xfe, 0x6c, 0x83, 0xd2, 0x1e, 0xeb, 0x59, 0x69, 0x05, 0xdb, 0xa9, 0x59, 0x93};

/* Report body offsets (sgx_report_body_t). */
enum {
    RB_CPU_SVN = 0,
    RB_MISC_SELECT = 16,
    RB_ATTRIBUTES = 48,
    RB_MR_ENCLAVE = 64,
    RB_MR_SIGNER = 128,
    RB_ISV_PROD_ID = 256,
    RB_ISV_SVN = 258,
    RB_REPORT_DATA = 320,
    RB_SIZE = 384,
};

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* TD report offsets (sgx_report2_body_t, 1.5 additions). */
enum {
    TD_TEE_TCB_SVN = 0,
    TD_MR_SEAM = 16,
    TD_MR_SIGNER_SEAM = 64,
    TD_SEAM_ATTRIBUTES = 112,
    TD_TD_ATTRIBUTES = 120,
    TD_XFAM = 128,
    TD_MR_TD = 136,
    TD_MR_CONFIG_ID = 184,
    TD_MR_OWNER = 232,
    TD_MR_OWNER_CONFIG = 280,
    TD_RTMR = 328,
    TD_REPORT_DATA = 520,
    TD_SIZE_10 = 584,
    TD_TEE_TCB_SVN2 = 584,
    TD_MR_SERVICETD = 600,
    TD_SIZE_15 = 648,
};

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

void maat_sim_quote_opts_defaults(const struct maat_sim *s, struct maat_sim_quote_opts *o)
{
    memset(o, 0, sizeof *o);
    o->version = 3;
    memcpy(o->mr_enclave, default_mr_enclave, 32);
    memcpy(o->mr_signer, default_mr_signer, 32);
    o->isv_prod_id = 1;
    o->isv_svn = 1;
    o->attributes_flags = MAAT_SGX_FLAGS_INIT | MAAT_SGX_FLAGS_MODE64BIT;
    o->attributes_xfrm = 0x07;
    o->body_cpu_svn_from_pck = true;
    o->qe_svn = s->qe_svn;
    o->qe_auth_data_len = 32;
    for (uint8_t i = 0; i < 32; i++) o->qe_auth_data[i] = i;
    o->pck_ca = MAAT_PCK_CA_PROCESSOR;
    sim_tcb_level(s->cpusvn, s->pcesvn, MAAT_SIM_TCB_UP_TO_DATE, o->cpusvn, &o->pcesvn);
    memcpy(o->fmspc, s->fmspc, 6);
    memcpy(o->pce_id, s->pce_id, 2);
    o->sgx_type = -1;
    o->pck_not_before = s->not_before;
    o->pck_not_after = s->not_after;
    o->qe_isv_prod_id = MAAT_SIM_QE_ISV_PROD_ID;
}

/* Fills a 48-byte measurement with a recognisable pattern: tag, then 0x00.. counting. */
static void pattern48(uint8_t m[48], uint8_t tag)
{
    for (int i = 0; i < 48; i++) m[i] = (uint8_t)(tag + i);
}

void maat_sim_quote_opts_set_tdx(struct maat_sim_quote_opts *o)
{
    o->tdx = true;
    o->version = 4;
    o->td_version = 10;
    o->qe_isv_prod_id = MAAT_SIM_TD_QE_ISV_PROD_ID;
    memset(o->tee_tcb_svn, 0, 16);
    o->tee_tcb_svn[0] = MAAT_SIM_TDX_MODULE_SVN_UP_TO_DATE;
    o->tee_tcb_svn[1] = 1;
    o->tee_tcb_svn[2] = MAAT_SIM_TDX_TCB_BASE;
    memcpy(o->tee_tcb_svn2, o->tee_tcb_svn, 16);
    pattern48(o->mr_seam, 0x50);
    memset(o->mr_signer_seam, 0, 48);
    memset(o->seam_attributes, 0, 8);
    o->td_attributes = 0x10000000ull; /* SEPT_VE_DISABLE, as QEMU's default */
    o->xfam = 0x602e7ull;
    pattern48(o->mr_td, 0xa0);
    memset(o->mr_config_id, 0, 48);
    memset(o->mr_owner, 0, 48);
    memset(o->mr_owner_config, 0, 48);
    for (int i = 0; i < 4; i++) pattern48(o->rtmr[i], (uint8_t)(0x10 * (i + 1)));
    memset(o->mr_servicetd, 0, 48);
}

void maat_sim_quote_opts_set_tdx_tcb(struct maat_sim_quote_opts *o, int t)
{
    int launch = t, current = t;
    if (t == MAAT_SIM_TDX_RELAUNCH_ADVISED) {
        launch = MAAT_SIM_TCB_OUT_OF_DATE;
        current = MAAT_SIM_TCB_UP_TO_DATE;
    } else if (t == MAAT_SIM_TDX_RELAUNCH_ADVISED_CONFIGURATION_NEEDED) {
        launch = MAAT_SIM_TCB_OUT_OF_DATE;
        current = MAAT_SIM_TCB_CONFIGURATION_NEEDED;
    }
    o->tee_tcb_svn[2] = (uint8_t)(MAAT_SIM_TDX_TCB_BASE - launch);
    memcpy(o->tee_tcb_svn2, o->tee_tcb_svn, 16);
    o->tee_tcb_svn2[2] = (uint8_t)(MAAT_SIM_TDX_TCB_BASE - current);
}

void maat_sim_quote_opts_set_body(struct maat_sim_quote_opts *o, const uint8_t body[384])
{
    memcpy(o->base_body, body, RB_SIZE);
    memcpy(o->mr_enclave, body + RB_MR_ENCLAVE, 32);
    memcpy(o->mr_signer, body + RB_MR_SIGNER, 32);
    o->isv_prod_id = (uint16_t)get_le(body + RB_ISV_PROD_ID, 2);
    o->isv_svn = (uint16_t)get_le(body + RB_ISV_SVN, 2);
    o->attributes_flags = get_le(body + RB_ATTRIBUTES, 8);
    o->attributes_xfrm = get_le(body + RB_ATTRIBUTES + 8, 8);
    o->misc_select = (uint32_t)get_le(body + RB_MISC_SELECT, 4);
    memcpy(o->report_data, body + RB_REPORT_DATA, 64);
    o->body_cpu_svn_from_pck = false;
}

void maat_sim_quote_opts_set_tcb(const struct maat_sim *s, struct maat_sim_quote_opts *o,
                                 enum maat_sim_tcb t)
{
    sim_tcb_level(s->cpusvn, s->pcesvn, t, o->cpusvn, &o->pcesvn);
}

int maat_sim_quote_opts_set_ehd(struct maat_sim_quote_opts *o, const uint8_t *data, size_t len,
                                struct maat_error *err)
{
    memset(o->report_data, 0, 64);
    return sim_sha256(data, len, o->report_data, err);
}

static X509 *issue_leaf(const struct maat_sim *s, const struct maat_sim_quote_opts *o,
                        struct maat_error *err)
{
    bool platform = o->pck_ca == MAAT_PCK_CA_PLATFORM;
    struct sim_sgx_ext e = {.pcesvn = o->pcesvn, .platform = platform};
    memcpy(e.ppid, s->ppid, 16);
    memcpy(e.cpusvn, o->cpusvn, 16);
    memcpy(e.pce_id, o->pce_id, 2);
    memcpy(e.fmspc, o->fmspc, 6);
    memcpy(e.platform_instance_id, s->platform_instance_id, 16);
    e.sgx_type = o->sgx_type >= 0 ? o->sgx_type : platform ? 1 : 0;
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (sim_sgx_ext_der(&e, &der, &der_len, err) != 0) return NULL;
    struct sim_cert_spec spec = {
        .kind = SIM_CERT_LEAF,
        .cn = "Intel SGX PCK Certificate",
        .key = s->pck_key,
        .issuer = platform ? s->platform_ca : s->processor_ca,
        .issuer_key = platform ? s->platform_key : s->processor_key,
        .serial = o->revoked ? (platform ? s->revoked_platform : s->revoked_processor) : NULL,
        .not_before = o->pck_not_before,
        .not_after = o->pck_not_after,
        .crl_url = platform ? SIM_CRL_BASE_URL "/pckcrl?ca=platform&encoding=der"
                            : SIM_CRL_BASE_URL "/pckcrl?ca=processor&encoding=der",
        .sgx_ext = der,
        .sgx_ext_len = der_len,
    };
    X509 *leaf = sim_cert_issue(&spec, err);
    free(der);
    return leaf;
}

/* PEM leaf ‖ PCK CA ‖ root ‖ NUL (certification data type 5). */
static int pck_chain(const struct maat_sim *s, const struct maat_sim_quote_opts *o,
                     struct maat_buf *out, struct maat_error *err)
{
    X509 *leaf = issue_leaf(s, o, err);
    if (leaf == NULL) return -1;
    int rc = sim_cert_pem(leaf, out, err);
    X509_free(leaf);
    MAAT_TRY(rc);
    MAAT_TRY(sim_cert_pem(o->pck_ca == MAAT_PCK_CA_PLATFORM ? s->platform_ca : s->processor_ca, out,
                          err));
    MAAT_TRY(sim_cert_pem(s->root, out, err));
    if (maat_buf_put_u8(out, 0) != 0) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

static void isv_body(const struct maat_sim_quote_opts *o, uint8_t b[RB_SIZE])
{
    memcpy(b, o->base_body, RB_SIZE);
    if (o->body_cpu_svn_from_pck) memcpy(b + RB_CPU_SVN, o->cpusvn, 16);
    le32(b + RB_MISC_SELECT, o->misc_select);
    le64(b + RB_ATTRIBUTES, o->attributes_flags);
    le64(b + RB_ATTRIBUTES + 8, o->attributes_xfrm);
    memcpy(b + RB_MR_ENCLAVE, o->mr_enclave, 32);
    memcpy(b + RB_MR_SIGNER, o->mr_signer, 32);
    le16(b + RB_ISV_PROD_ID, o->isv_prod_id);
    le16(b + RB_ISV_SVN, o->isv_svn);
    memcpy(b + RB_REPORT_DATA, o->report_data, 64);
}

/* The QE's own report, bound to the attestation key. */
static int qe_report(const struct maat_sim_quote_opts *o, const uint8_t ak[64], uint8_t b[RB_SIZE],
                     struct maat_error *err)
{
    memset(b, 0, RB_SIZE);
    memcpy(b + RB_CPU_SVN, o->cpusvn, 16);
    le64(b + RB_ATTRIBUTES, MAAT_SIM_QE_ATTR_FLAGS);
    le64(b + RB_ATTRIBUTES + 8, MAAT_SIM_QE_ATTR_XFRM);
    memcpy(b + RB_MR_ENCLAVE, maat_sim_qe_mr_enclave, 32);
    memcpy(b + RB_MR_SIGNER, maat_sim_qe_mr_signer, 32);
    le16(b + RB_ISV_PROD_ID, o->qe_isv_prod_id);
    le16(b + RB_ISV_SVN, o->qe_svn);
    uint8_t bound[64 + sizeof o->qe_auth_data];
    memcpy(bound, ak, 64);
    memcpy(bound + 64, o->qe_auth_data, o->qe_auth_data_len);
    return sim_sha256(bound, 64 + (size_t)o->qe_auth_data_len, b + RB_REPORT_DATA, err);
}

static void header(const struct maat_sim *s, const struct maat_sim_quote_opts *o,
                   uint8_t h[MAAT_QUOTE_HEADER_SIZE])
{
    memset(h, 0, MAAT_QUOTE_HEADER_SIZE);
    le16(h, (uint16_t)o->version);
    le16(h + 2, MAAT_ATT_KEY_ECDSA_P256);
    le32(h + 4, o->tdx ? MAAT_TEE_TYPE_TDX : MAAT_TEE_TYPE_SGX);
    le16(h + 8, o->qe_svn);
    le16(h + 10, o->pcesvn);
    memcpy(h + 12, maat_sim_qe_vendor_id, 16);
    memcpy(h + 28, s->qe_id, 16);
}

/* QE report ‖ QE report signature ‖ auth data ‖ type 5 chain (v3 tail; v4 type-6 payload). */
static int qe_part(const struct maat_sim *s, const struct maat_sim_quote_opts *o,
                   const uint8_t ak[64], struct maat_buf *out, struct maat_error *err)
{
    uint8_t rep[RB_SIZE], sig[64];
    MAAT_TRY(qe_report(o, ak, rep, err));
    MAAT_TRY(sim_sign_raw(s->pck_key, rep, RB_SIZE, sig, err));
    struct maat_buf chain;
    maat_buf_init(&chain);
    int rc = pck_chain(s, o, &chain, err);
    if (rc == 0 &&
        (maat_buf_put(out, rep, RB_SIZE) || maat_buf_put(out, sig, 64) ||
         maat_buf_put_u16le(out, o->qe_auth_data_len) ||
         maat_buf_put(out, o->qe_auth_data, o->qe_auth_data_len) ||
         maat_buf_put_u16le(out, MAAT_CERT_PCK_CHAIN) ||
         maat_buf_put_u32le(out, (uint32_t)chain.len) || maat_buf_put(out, chain.data, chain.len)))
        rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    maat_buf_cleanup(&chain);
    return rc;
}

/* The TD report (584 or 648 bytes); returns its size. */
static size_t td_body(const struct maat_sim_quote_opts *o, uint8_t b[TD_SIZE_15])
{
    memset(b, 0, TD_SIZE_15);
    memcpy(b + TD_TEE_TCB_SVN, o->tee_tcb_svn, 16);
    memcpy(b + TD_MR_SEAM, o->mr_seam, 48);
    memcpy(b + TD_MR_SIGNER_SEAM, o->mr_signer_seam, 48);
    memcpy(b + TD_SEAM_ATTRIBUTES, o->seam_attributes, 8);
    le64(b + TD_TD_ATTRIBUTES, o->td_attributes);
    le64(b + TD_XFAM, o->xfam);
    memcpy(b + TD_MR_TD, o->mr_td, 48);
    memcpy(b + TD_MR_CONFIG_ID, o->mr_config_id, 48);
    memcpy(b + TD_MR_OWNER, o->mr_owner, 48);
    memcpy(b + TD_MR_OWNER_CONFIG, o->mr_owner_config, 48);
    for (int i = 0; i < 4; i++) memcpy(b + TD_RTMR + 48 * i, o->rtmr[i], 48);
    memcpy(b + TD_REPORT_DATA, o->report_data, 64);
    if (o->td_version != 15) return TD_SIZE_10;
    memcpy(b + TD_TEE_TCB_SVN2, o->tee_tcb_svn2, 16);
    memcpy(b + TD_MR_SERVICETD, o->mr_servicetd, 48);
    return TD_SIZE_15;
}

static int check_opts(const struct maat_sim_quote_opts *o, struct maat_error *err)
{
    if (o->tdx) {
        MAAT_ENSURE(o->version == 4 || o->version == 5, err, MAAT_ERR_USAGE,
                    "quote version %d: the simulator makes TD quotes v4 or v5", o->version);
        MAAT_ENSURE(o->td_version == 10 || o->td_version == 15, err, MAAT_ERR_USAGE,
                    "TD report version must be 1.0 or 1.5");
        MAAT_ENSURE(o->td_version == 10 || o->version == 5, err, MAAT_ERR_USAGE,
                    "a TD report 1.5 needs quote version 5 (v4 carries TD report 1.0 only)");
    } else {
        MAAT_ENSURE(o->version == 3 || o->version == 4, err, MAAT_ERR_USAGE,
                    "quote version %d: the simulator makes SGX quotes v3 or v4", o->version);
    }
    MAAT_ENSURE(o->qe_auth_data_len <= sizeof o->qe_auth_data, err, MAAT_ERR_USAGE,
                "QE auth data of %u bytes: at most %zu", o->qe_auth_data_len, sizeof o->qe_auth_data);
    MAAT_ENSURE(o->pck_ca == MAAT_PCK_CA_PROCESSOR || o->pck_ca == MAAT_PCK_CA_PLATFORM, err,
                MAAT_ERR_USAGE, "PCK CA must be processor or platform");
    return 0;
}

int maat_sim_quote(const struct maat_sim *s, const struct maat_sim_quote_opts *o,
                   struct maat_buf *out, struct maat_error *err)
{
    MAAT_TRY(check_opts(o, err));
    uint8_t signed_part[MAAT_QUOTE_HEADER_SIZE + 6 + TD_SIZE_15], ak[64], sig[64];
    size_t signed_len;
    header(s, o, signed_part);
    if (!o->tdx) {
        isv_body(o, signed_part + MAAT_QUOTE_HEADER_SIZE);
        signed_len = MAAT_QUOTE_HEADER_SIZE + RB_SIZE;
    } else if (o->version == 4) {
        signed_len = MAAT_QUOTE_HEADER_SIZE + td_body(o, signed_part + MAAT_QUOTE_HEADER_SIZE);
    } else {
        uint8_t *d = signed_part + MAAT_QUOTE_HEADER_SIZE;
        size_t n = td_body(o, d + 6);
        le16(d, o->td_version == 15 ? 3 : 2); /* body type: TD report 1.0 = 2, 1.5 = 3 */
        le32(d + 2, (uint32_t)n);
        signed_len = MAAT_QUOTE_HEADER_SIZE + 6 + n;
    }
    EVP_PKEY *ak_key = sim_keygen(err);
    if (ak_key == NULL) return -1;
    struct maat_buf tail;
    maat_buf_init(&tail);
    int rc = -1;
    if (sim_pubkey_raw(ak_key, ak, err) ||
        sim_sign_raw(ak_key, signed_part, signed_len, sig, err) || qe_part(s, o, ak, &tail, err))
        goto done;
    bool type6 = o->version >= 4;
    size_t sig_len = 128 + (type6 ? 6 : 0) + tail.len;
    int bad = maat_buf_put(out, signed_part, signed_len) ||
              maat_buf_put_u32le(out, (uint32_t)sig_len) || maat_buf_put(out, sig, 64) ||
              maat_buf_put(out, ak, 64);
    if (type6)
        bad = bad || maat_buf_put_u16le(out, MAAT_CERT_QE_REPORT) ||
              maat_buf_put_u32le(out, (uint32_t)tail.len);
    bad = bad || maat_buf_put(out, tail.data, tail.len);
    if (bad) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = 0;
done:
    maat_buf_cleanup(&tail);
    EVP_PKEY_free(ak_key);
    return rc;
}

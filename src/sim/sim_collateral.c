/*
 * sim_collateral.c - the simulated platform's collateral: TCB info (v3 and v2) and QE
 * identity (v2) in Intel's exact JSON layout and key order, signed (hex r‖s) by the TCB
 * Signing key over the exact bytes written; the Root CA CRL and the PCK Processor /
 * Platform CA CRLs (DER); the Intel PCS response bodies with their issuer chains under
 * DIR/pcs/; and the dcap-qvl style bundles DIR/collateral.json (Processor CA CRL) and
 * DIR/collateral-platform.json (Platform CA CRL). For TDX: TDX TCB info v3 (tdxModule,
 * tdxModuleIdentities TDX_01 and TDX_03, tdxtcbcomponents), the TD_QE identity, and the
 * bundles DIR/collateral-tdx.json / collateral-tdx-platform.json. Evaluation numbers:
 * DIR/pcs/eval-N/ for the platform's number and up to two older and two newer ones (each
 * level needs `shift` more on component 1 and the TDX late microcode SVN; tcbDates move by
 * 30 days per number), and the signed lists pcs/tcbevaluationdatanumbers-{sgx,tdx}.json.
 *
 * TCB levels: one per status, highest first. Level k (k = enum maat_sim_tcb) has the
 * UpToDate components with component 1 lowered by k, so a PCK carrying level k's
 * components fails every earlier level on component 1 and meets level k: the FIRST
 * matching level has status k.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim_internal.h"

static const char *const tcb_names[MAAT_SIM_TCB__COUNT] = {
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "Revoked",
};

/* Advisory IDs per status (empty for UpToDate, as Intel omits the key there). */
static const char *const tcb_advisories[MAAT_SIM_TCB__COUNT] = {
    NULL,
    "\"INTEL-SA-00615\"",
    "\"INTEL-SA-00289\"",
    "\"INTEL-SA-00289\",\"INTEL-SA-00615\"",
    "\"INTEL-SA-00828\",\"INTEL-SA-00615\"",
    "\"INTEL-SA-00289\",\"INTEL-SA-00828\",\"INTEL-SA-00615\"",
    "\"INTEL-SA-00233\",\"INTEL-SA-00289\",\"INTEL-SA-00828\",\"INTEL-SA-00615\"",
};

/* Component categories/types as Intel's v3 SGX TCB info names the first ones. */
static const char *const comp_desc[16] = {
    ",\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"",
    ",\"category\":\"OS/VMM\",\"type\":\"SGX Late Microcode Update\"",
    ",\"category\":\"OS/VMM\",\"type\":\"TXT SINIT\"",
    ",\"category\":\"BIOS\"",
    ",\"category\":\"BIOS\"",
    ",\"category\":\"BIOS\"",
};

const char *maat_sim_tcb_name(enum maat_sim_tcb t)
{
    return (unsigned)t < MAAT_SIM_TCB__COUNT ? tcb_names[t] : "unknown";
}

int maat_sim_tcb_from_name(const char *name)
{
    for (int i = 0; i < MAAT_SIM_TCB__COUNT; i++)
        if (strcmp(name, tcb_names[i]) == 0) return i;
    return -1;
}

void sim_tcb_level(const uint8_t base[16], uint16_t base_pcesvn, enum maat_sim_tcb t,
                   uint8_t cpusvn[16], uint16_t *pcesvn)
{
    memcpy(cpusvn, base, 16);
    cpusvn[0] = (uint8_t)(base[0] - (uint8_t)t);
    *pcesvn = base_pcesvn;
}

/* printf into a growing buffer; records the first failure in *ok. */
__attribute__((format(printf, 3, 4))) static void jput(struct maat_buf *b, int *ok, const char *fmt,
                                                       ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp || maat_buf_put(b, tmp, (size_t)n) != 0) *ok = 0;
}

static void put_dates(struct maat_buf *b, int *ok, const struct sim_collateral_opts *o)
{
    char issue[21], next[21];
    maat_sim_format_time(o->issue_date, issue);
    maat_sim_format_time(o->next_update, next);
    jput(b, ok, "\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",", issue, next);
}

/* The evaluation-number variant being written: 0 = the platform's own number; -2..+2 =
 * that many numbers older/newer (pcs/eval-N/): every TCB level's component 1 (and TDX
 * late microcode SVN) needs `shift` x eval_svn_step more, every tcbDate moves by shift x
 * 30 days. */
#define EVAL_SHIFT_MIN (-2)
#define EVAL_SHIFT_MAX 2
#define EVAL_SHIFT_DAYS 30

/* tcbDate of level k: midnight of the issue date, 90 days earlier per level, moved by
 * shift * EVAL_SHIFT_DAYS. */
static void tcb_date_shift(const struct sim_collateral_opts *o, int k, int shift, char out[21])
{
    int64_t day = o->issue_date - (o->issue_date % SIM_DAY + SIM_DAY) % SIM_DAY;
    maat_sim_format_time(
        day - (int64_t)k * 90 * SIM_DAY + (int64_t)shift * EVAL_SHIFT_DAYS * SIM_DAY, out);
}

static void tcb_date(const struct sim_collateral_opts *o, int k, char out[21])
{
    tcb_date_shift(o, k, 0, out);
}

static void put_level_tail(struct maat_buf *b, int *ok, const struct sim_collateral_opts *o, int k,
                           int shift)
{
    char date[21];
    tcb_date_shift(o, k, shift, date);
    jput(b, ok, "\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"", date, tcb_names[k]);
    if (tcb_advisories[k] != NULL) jput(b, ok, ",\"advisoryIDs\":[%s]", tcb_advisories[k]);
    jput(b, ok, "}");
}

/* The exact text of the `tcbInfo` value, version 3 or 2. */
static char *tcb_info_text(const struct maat_sim *s, const struct sim_collateral_opts *o,
                           int version, int shift)
{
    struct maat_buf b;
    maat_buf_init(&b);
    int ok = 1;
    char fmspc[13], pce[5];
    sim_hex_upper(s->fmspc, 6, fmspc);
    sim_hex_upper(s->pce_id, 2, pce);
    jput(&b, &ok, "{");
    if (version == 3) jput(&b, &ok, "\"id\":\"SGX\",");
    jput(&b, &ok, "\"version\":%d,", version);
    put_dates(&b, &ok, o);
    jput(&b, &ok, "\"fmspc\":\"%s\",\"pceId\":\"%s\",\"tcbType\":0,", fmspc, pce);
    jput(&b, &ok, "\"tcbEvaluationDataNumber\":%u,\"tcbLevels\":[",
         o->tcb_evaluation_data_number + (uint32_t)shift);
    for (int k = 0; k < MAAT_SIM_TCB__COUNT; k++) {
        uint8_t comps[16];
        uint16_t pcesvn;
        sim_tcb_level(s->cpusvn, s->pcesvn, (enum maat_sim_tcb)k, comps, &pcesvn);
        comps[0] = (uint8_t)(comps[0] + shift * o->eval_svn_step);
        jput(&b, &ok, "%s{\"tcb\":{", k ? "," : "");
        if (version == 3) jput(&b, &ok, "\"sgxtcbcomponents\":[");
        for (int i = 0; i < 16; i++) {
            if (version == 3)
                jput(&b, &ok, "%s{\"svn\":%u%s}", i ? "," : "", comps[i],
                     comp_desc[i] ? comp_desc[i] : "");
            else
                jput(&b, &ok, "\"sgxtcbcomp%02dsvn\":%u,", i + 1, comps[i]);
        }
        jput(&b, &ok, "%s\"pcesvn\":%u},", version == 3 ? "]," : "", pcesvn);
        put_level_tail(&b, &ok, o, k, shift);
    }
    jput(&b, &ok, "]}");
    char *text = ok ? maat_buf_take_str(&b) : NULL;
    maat_buf_cleanup(&b);
    return text;
}

/* The exact text of the `enclaveIdentity` value (QE identity v2). Levels: UpToDate at
 * the current QE SVN, OutOfDate at SVN-2, Revoked at SVN-4 (those that are >= 0). */
static char *qe_identity_text(const struct maat_sim *s, const struct sim_collateral_opts *o,
                              bool td, int shift)
{
    static const struct {
        int delta;
        enum maat_sim_tcb status;
        const char *advisories;
    } levels[MAAT_SIM_QE_LEVELS_MAX] = {
        {0, MAAT_SIM_TCB_UP_TO_DATE, NULL},
        {2, MAAT_SIM_TCB_OUT_OF_DATE, "\"INTEL-SA-00615\""},
        {4, MAAT_SIM_TCB_REVOKED, "\"INTEL-SA-00477\",\"INTEL-SA-00615\""},
    };
    struct maat_buf b;
    maat_buf_init(&b);
    int ok = 1;
    char mrsigner[65];
    sim_hex_upper(maat_sim_qe_mr_signer, 32, mrsigner);
    jput(&b, &ok, "{\"id\":\"%s\",\"version\":2,", td ? "TD_QE" : "QE");
    put_dates(&b, &ok, o);
    jput(&b, &ok, "\"tcbEvaluationDataNumber\":%u,", o->tcb_evaluation_data_number + (uint32_t)shift);
    jput(&b, &ok, "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\",");
    jput(&b, &ok, "\"attributes\":\"11000000000000000000000000000000\",");
    jput(&b, &ok, "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",");
    jput(&b, &ok, "\"mrsigner\":\"%s\",\"isvprodid\":%d,\"tcbLevels\":[", mrsigner,
         td ? MAAT_SIM_TD_QE_ISV_PROD_ID : MAAT_SIM_QE_ISV_PROD_ID);
    for (int i = 0; i < MAAT_SIM_QE_LEVELS_MAX; i++) {
        if (levels[i].delta > s->qe_svn) break;
        char date[21];
        tcb_date_shift(o, i * 2, shift, date);
        jput(&b, &ok, "%s{\"tcb\":{\"isvsvn\":%d},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"",
             i ? "," : "", s->qe_svn - levels[i].delta, date, tcb_names[levels[i].status]);
        if (levels[i].advisories) jput(&b, &ok, ",\"advisoryIDs\":[%s]", levels[i].advisories);
        jput(&b, &ok, "}");
    }
    jput(&b, &ok, "]}");
    char *text = ok ? maat_buf_take_str(&b) : NULL;
    maat_buf_cleanup(&b);
    return text;
}

/* tdxtcbcomponents of TDX level k: byte 0 (module minor SVN) 2, byte 1 (module version)
 * 0, byte 2 (TDX late microcode) MAAT_SIM_TDX_TCB_BASE - k: a TEE_TCB_SVN carrying level
 * k's byte 2 fails every earlier level on it and meets level k. */
static void tdx_level(int k, int shift, uint8_t comps[16])
{
    memset(comps, 0, 16);
    comps[0] = MAAT_SIM_TDX_MODULE_MIN_SVN;
    comps[2] = (uint8_t)(MAAT_SIM_TDX_TCB_BASE - k + shift);
}

static const char *const tdx_comp_desc[3] = {
    ",\"category\":\"OS/VMM\",\"type\":\"TDX Module\"",
    ",\"category\":\"OS/VMM\",\"type\":\"TDX Module\"",
    ",\"category\":\"OS/VMM\",\"type\":\"TDX Late Microcode Update\"",
};

/* One tdxModuleIdentities entry: mrsigner zero, attributes zero, mask all ones, levels
 * (isvsvn, status) highest first. */
static void put_module_identity(struct maat_buf *b, int *ok, const struct sim_collateral_opts *o,
                                const char *id, const int *svns, const enum maat_sim_tcb *st, int n)
{
    char zero[97];
    memset(zero, '0', 96);
    zero[96] = '\0';
    jput(b, ok, "{\"id\":\"%s\",\"mrsigner\":\"%s\",", id, zero);
    jput(b, ok, "\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\",");
    jput(b, ok, "\"tcbLevels\":[");
    for (int i = 0; i < n; i++) {
        char date[21];
        tcb_date(o, (int)st[i], date);
        jput(b, ok, "%s{\"tcb\":{\"isvsvn\":%d},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"",
             i ? "," : "", svns[i], date, tcb_names[st[i]]);
        if (st[i] != MAAT_SIM_TCB_UP_TO_DATE) jput(b, ok, ",\"advisoryIDs\":[\"INTEL-SA-01036\"]");
        jput(b, ok, "}");
    }
    jput(b, ok, "]}");
}

/* The exact text of the TDX `tcbInfo` value (version 3, id TDX). Levels as the SGX TCB
 * info's (SGX components lowered by k) with tdxtcbcomponents from tdx_level(k). */
static char *tdx_tcb_info_text(const struct maat_sim *s, const struct sim_collateral_opts *o,
                               int shift)
{
    static const int tdx01_svns[] = {MAAT_SIM_TDX_MODULE_SVN_UP_TO_DATE,
                                     MAAT_SIM_TDX_MODULE_SVN_OUT_OF_DATE,
                                     MAAT_SIM_TDX_MODULE_SVN_REVOKED};
    static const enum maat_sim_tcb tdx01_st[] = {MAAT_SIM_TCB_UP_TO_DATE, MAAT_SIM_TCB_OUT_OF_DATE,
                                                 MAAT_SIM_TCB_REVOKED};
    static const int tdx03_svns[] = {MAAT_SIM_TDX_MODULE_SVN_UP_TO_DATE};
    static const enum maat_sim_tcb tdx03_st[] = {MAAT_SIM_TCB_UP_TO_DATE};
    struct maat_buf b;
    maat_buf_init(&b);
    int ok = 1;
    char fmspc[13], pce[5], zero[97];
    memset(zero, '0', 96);
    zero[96] = '\0';
    sim_hex_upper(s->fmspc, 6, fmspc);
    sim_hex_upper(s->pce_id, 2, pce);
    jput(&b, &ok, "{\"id\":\"TDX\",\"version\":3,");
    put_dates(&b, &ok, o);
    jput(&b, &ok, "\"fmspc\":\"%s\",\"pceId\":\"%s\",\"tcbType\":0,", fmspc, pce);
    jput(&b, &ok, "\"tcbEvaluationDataNumber\":%u,", o->tcb_evaluation_data_number + (uint32_t)shift);
    jput(&b, &ok,
         "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
         "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},\"tdxModuleIdentities\":[",
         zero);
    put_module_identity(&b, &ok, o, "TDX_03", tdx03_svns, tdx03_st, 1);
    jput(&b, &ok, ",");
    put_module_identity(&b, &ok, o, "TDX_01", tdx01_svns, tdx01_st, 3);
    jput(&b, &ok, "],\"tcbLevels\":[");
    for (int k = 0; k < MAAT_SIM_TCB__COUNT; k++) {
        uint8_t comps[16], tdx[16];
        uint16_t pcesvn;
        sim_tcb_level(s->cpusvn, s->pcesvn, (enum maat_sim_tcb)k, comps, &pcesvn);
        comps[0] = (uint8_t)(comps[0] + shift * o->eval_svn_step);
        tdx_level(k, shift * o->eval_svn_step, tdx);
        jput(&b, &ok, "%s{\"tcb\":{\"sgxtcbcomponents\":[", k ? "," : "");
        for (int i = 0; i < 16; i++)
            jput(&b, &ok, "%s{\"svn\":%u%s}", i ? "," : "", comps[i],
                 comp_desc[i] ? comp_desc[i] : "");
        jput(&b, &ok, "],\"pcesvn\":%u,\"tdxtcbcomponents\":[", pcesvn);
        for (int i = 0; i < 16; i++)
            jput(&b, &ok, "%s{\"svn\":%u%s}", i ? "," : "", tdx[i], i < 3 ? tdx_comp_desc[i] : "");
        jput(&b, &ok, "]},");
        put_level_tail(&b, &ok, o, k, shift);
    }
    jput(&b, &ok, "]}");
    char *text = ok ? maat_buf_take_str(&b) : NULL;
    maat_buf_cleanup(&b);
    return text;
}

/* A signed collateral item: the exact body text and its hex r‖s signature. */
struct signed_json {
    char *body;
    char sig_hex[129];
};

static int sign_json(const struct maat_sim *s, char *body, struct signed_json *out,
                     struct maat_error *err)
{
    out->body = body;
    if (body == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    uint8_t sig[64];
    MAAT_TRY(sim_sign_raw(s->tcb_key, body, strlen(body), sig, err));
    maat_hex_encode(sig, 64, out->sig_hex);
    return 0;
}

/* Writes pcs/NAME ({"KEY":body,"signature":"hex"}) and pcs/STEM.issuer-chain.pem. */
static int write_signed(const char *dir, const char *stem, const char *key,
                        const struct signed_json *j, const struct maat_buf *chain,
                        struct maat_error *err)
{
    struct maat_buf b;
    maat_buf_init(&b);
    char rel[128];
    int rc = -1;
    if (maat_buf_put_str(&b, "{\"") || maat_buf_put_str(&b, key) || maat_buf_put_str(&b, "\":") ||
        maat_buf_put_str(&b, j->body) || maat_buf_put_str(&b, ",\"signature\":\"") ||
        maat_buf_put_str(&b, j->sig_hex) || maat_buf_put_str(&b, "\"}")) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(rel, sizeof rel, "pcs/%s.json", stem);
    if (sim_write(dir, rel, b.data, b.len, 0644, err) != 0) goto done;
    snprintf(rel, sizeof rel, "pcs/%s.issuer-chain.pem", stem);
    if (sim_write(dir, rel, chain->data, chain->len, 0644, err) != 0) goto done;
    rc = 0;
done:
    maat_buf_cleanup(&b);
    return rc;
}

/* issuer PEM ‖ root PEM */
static int chain_pem(const struct maat_sim *s, X509 *issuer, struct maat_buf *out,
                     struct maat_error *err)
{
    MAAT_TRY(sim_cert_pem(issuer, out, err));
    return sim_cert_pem(s->root, out, err);
}

struct crls {
    struct maat_buf root, processor, platform;
    struct maat_buf root_chain, processor_chain, platform_chain, tcb_chain;
};

static int make_crls(const struct maat_sim *s, const struct sim_collateral_opts *o, struct crls *c,
                     struct maat_error *err)
{
    uint8_t ca_serials[2][SIM_SERIAL_LEN];
    size_t n = 0;
    if (o->revoke_processor_ca) MAAT_TRY(sim_cert_serial(s->processor_ca, ca_serials[n++], err));
    if (o->revoke_platform_ca) MAAT_TRY(sim_cert_serial(s->platform_ca, ca_serials[n++], err));
    MAAT_TRY(sim_crl_der(s->root, s->root_key, o->issue_date, o->next_update,
                         (const uint8_t(*)[SIM_SERIAL_LEN])ca_serials, n, &c->root, err));
    MAAT_TRY(sim_crl_der(s->processor_ca, s->processor_key, o->issue_date, o->next_update,
                         (const uint8_t(*)[SIM_SERIAL_LEN])s->revoked_processor, 1, &c->processor,
                         err));
    MAAT_TRY(sim_crl_der(s->platform_ca, s->platform_key, o->issue_date, o->next_update,
                         (const uint8_t(*)[SIM_SERIAL_LEN])s->revoked_platform, 1, &c->platform, err));
    MAAT_TRY(sim_cert_pem(s->root, &c->root_chain, err));
    MAAT_TRY(chain_pem(s, s->processor_ca, &c->processor_chain, err));
    MAAT_TRY(chain_pem(s, s->platform_ca, &c->platform_chain, err));
    return chain_pem(s, s->tcb_signer, &c->tcb_chain, err);
}

static int write_crls(const char *dir, const struct crls *c, struct maat_error *err)
{
    MAAT_TRY(sim_write(dir, "pcs/rootcacrl.der", c->root.data, c->root.len, 0644, err));
    MAAT_TRY(sim_write(dir, "pcs/rootcacrl.issuer-chain.pem", c->root_chain.data, c->root_chain.len,
                       0644, err));
    MAAT_TRY(
        sim_write(dir, "pcs/pckcrl-processor.der", c->processor.data, c->processor.len, 0644, err));
    MAAT_TRY(sim_write(dir, "pcs/pckcrl-processor.issuer-chain.pem", c->processor_chain.data,
                       c->processor_chain.len, 0644, err));
    MAAT_TRY(sim_write(dir, "pcs/pckcrl-platform.der", c->platform.data, c->platform.len, 0644, err));
    return sim_write(dir, "pcs/pckcrl-platform.issuer-chain.pem", c->platform_chain.data,
                     c->platform_chain.len, 0644, err);
}

static json_t *jstr_n(const struct maat_buf *b)
{
    return json_stringn((const char *)b->data, b->len);
}

static json_t *jhex(const struct maat_buf *b)
{
    char *h = maat_hex_encode_alloc(b->data, b->len);
    json_t *j = h ? json_string(h) : NULL;
    free(h);
    return j;
}

/* The dcap-qvl collateral layout (same key order as its sample files). */
static int write_bundle(const char *dir, const char *rel, const struct crls *c,
                        const struct maat_buf *pck_crl, const struct maat_buf *pck_chain,
                        const struct signed_json *tcb, const struct signed_json *qe,
                        struct maat_error *err)
{
    json_t *o = json_object();
    int bad = o == NULL;
    bad |= json_object_set_new(o, "pck_crl_issuer_chain", jstr_n(pck_chain));
    bad |= json_object_set_new(o, "root_ca_crl", jhex(&c->root));
    bad |= json_object_set_new(o, "pck_crl", jhex(pck_crl));
    bad |= json_object_set_new(o, "tcb_info_issuer_chain", jstr_n(&c->tcb_chain));
    bad |= json_object_set_new(o, "tcb_info", json_string(tcb->body));
    bad |= json_object_set_new(o, "tcb_info_signature", json_string(tcb->sig_hex));
    bad |= json_object_set_new(o, "qe_identity_issuer_chain", jstr_n(&c->tcb_chain));
    bad |= json_object_set_new(o, "qe_identity", json_string(qe->body));
    bad |= json_object_set_new(o, "qe_identity_signature", json_string(qe->sig_hex));
    char *text = bad ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "building %s failed", rel);
    int rc = sim_write(dir, rel, text, strlen(text), 0644, err);
    free(text);
    return rc;
}

/* Whether the variant `shift` fits the platform's SVNs (no level's SVN below 0 or above
 * 255) and numbers (>= 1). */
static bool shift_fits(const struct maat_sim *s, const struct sim_collateral_opts *o, int shift)
{
    int d = shift * o->eval_svn_step;
    int lo = (int)s->cpusvn[0] - (MAAT_SIM_TCB__COUNT - 1) + d, hi = (int)s->cpusvn[0] + d;
    int tlo = MAAT_SIM_TDX_TCB_BASE - (MAAT_SIM_TCB__COUNT - 1) + d;
    return lo >= 0 && hi <= 255 && tlo >= 0 && (int64_t)o->tcb_evaluation_data_number + shift >= 1;
}

/* One variant's signed TCB infos and identities under pcs/eval-N/. */
static int write_eval_variant(const char *dir, const struct maat_sim *s,
                              const struct sim_collateral_opts *o, int shift,
                              const struct maat_buf *chain, struct maat_error *err)
{
    struct signed_json tcb = {0}, qe = {0}, tdx = {0}, tdqe = {0};
    char fmspc[13], sub[48], stem[96];
    sim_hex_upper(s->fmspc, 6, fmspc);
    unsigned n = o->tcb_evaluation_data_number + (unsigned)shift;
    snprintf(sub, sizeof sub, "pcs/eval-%u", n);
    char *path = sim_path(dir, sub);
    int rc = -1;
    if (path == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (sim_mkdir(path, 0755, err) != 0 ||
        sign_json(s, tcb_info_text(s, o, 3, shift), &tcb, err) != 0 ||
        sign_json(s, qe_identity_text(s, o, false, shift), &qe, err) != 0 ||
        sign_json(s, tdx_tcb_info_text(s, o, shift), &tdx, err) != 0 ||
        sign_json(s, qe_identity_text(s, o, true, shift), &tdqe, err) != 0)
        goto done;
    snprintf(stem, sizeof stem, "eval-%u/tcb-%s", n, fmspc);
    if (write_signed(dir, stem, "tcbInfo", &tcb, chain, err) != 0) goto done;
    snprintf(stem, sizeof stem, "eval-%u/qe-identity", n);
    if (write_signed(dir, stem, "enclaveIdentity", &qe, chain, err) != 0) goto done;
    snprintf(stem, sizeof stem, "eval-%u/tdx-tcb-%s", n, fmspc);
    if (write_signed(dir, stem, "tcbInfo", &tdx, chain, err) != 0) goto done;
    snprintf(stem, sizeof stem, "eval-%u/td-qe-identity", n);
    if (write_signed(dir, stem, "enclaveIdentity", &tdqe, chain, err) != 0) goto done;
    rc = 0;
done:
    free(path);
    free(tcb.body);
    free(qe.body);
    free(tdx.body);
    free(tdqe.body);
    return rc;
}

/* The signed list of evaluation numbers (Intel's /tcbevaluationdatanumbers shape), newest
 * first: tcbDate = the variant's newest level date, tcbRecoveryEventDate one day earlier. */
static char *eval_list_text(const struct maat_sim *s, const struct sim_collateral_opts *o,
                            const char *id)
{
    struct maat_buf b;
    maat_buf_init(&b);
    int ok = 1;
    bool first = true;
    jput(&b, &ok, "{\"id\":\"%s\",\"version\":1,", id);
    put_dates(&b, &ok, o);
    jput(&b, &ok, "\"tcbEvalNumbers\":[");
    for (int shift = EVAL_SHIFT_MAX; shift >= EVAL_SHIFT_MIN; shift--) {
        if (!shift_fits(s, o, shift)) continue;
        char date[21], rec[21];
        tcb_date_shift(o, 0, shift, date);
        struct sim_collateral_opts prev = *o;
        prev.issue_date -= SIM_DAY;
        tcb_date_shift(&prev, 0, shift, rec);
        jput(&b, &ok,
             "%s{\"tcbEvaluationDataNumber\":%u,\"tcbRecoveryEventDate\":\"%s\","
             "\"tcbDate\":\"%s\"}",
             first ? "" : ",", o->tcb_evaluation_data_number + (unsigned)shift, rec, date);
        first = false;
    }
    jput(&b, &ok, "]}");
    char *text = ok ? maat_buf_take_str(&b) : NULL;
    maat_buf_cleanup(&b);
    return text;
}

/* pcs/eval-N/ for the platform's number and its neighbours, and the two signed lists
 * pcs/tcbevaluationdatanumbers-{sgx,tdx}.json (+ .issuer-chain.pem): what `maat sim pccs`
 * serves for update=, tcbEvaluationDataNumber= and /tcbevaluationdatanumbers. */
static int write_eval_variants(const char *dir, const struct maat_sim *s,
                               const struct sim_collateral_opts *o, const struct maat_buf *chain,
                               struct maat_error *err)
{
    for (int shift = EVAL_SHIFT_MIN; shift <= EVAL_SHIFT_MAX; shift++)
        if (shift_fits(s, o, shift)) MAAT_TRY(write_eval_variant(dir, s, o, shift, chain, err));
    struct signed_json sgx = {0}, tdx = {0};
    int rc = -1;
    if (sign_json(s, eval_list_text(s, o, "SGX"), &sgx, err) == 0 &&
        sign_json(s, eval_list_text(s, o, "TDX"), &tdx, err) == 0 &&
        write_signed(dir, "tcbevaluationdatanumbers-sgx", "tcbEvaluationDataNumbers", &sgx, chain,
                     err) == 0 &&
        write_signed(dir, "tcbevaluationdatanumbers-tdx", "tcbEvaluationDataNumbers", &tdx, chain,
                     err) == 0)
        rc = 0;
    free(sgx.body);
    free(tdx.body);
    return rc;
}

int sim_write_collateral(const char *dir, const struct maat_sim *s,
                         const struct sim_collateral_opts *o, struct maat_error *err)
{
    struct signed_json tcb3 = {0}, tcb2 = {0}, qe = {0}, tdx = {0}, tdqe = {0};
    struct crls c;
    maat_buf_init(&c.root);
    maat_buf_init(&c.processor);
    maat_buf_init(&c.platform);
    maat_buf_init(&c.root_chain);
    maat_buf_init(&c.processor_chain);
    maat_buf_init(&c.platform_chain);
    maat_buf_init(&c.tcb_chain);
    char fmspc[13], stem[64];
    sim_hex_upper(s->fmspc, 6, fmspc);
    int rc = -1;
    if (sign_json(s, tcb_info_text(s, o, 3, 0), &tcb3, err) != 0 ||
        sign_json(s, tcb_info_text(s, o, 2, 0), &tcb2, err) != 0 ||
        sign_json(s, qe_identity_text(s, o, false, 0), &qe, err) != 0 ||
        sign_json(s, tdx_tcb_info_text(s, o, 0), &tdx, err) != 0 ||
        sign_json(s, qe_identity_text(s, o, true, 0), &tdqe, err) != 0 ||
        make_crls(s, o, &c, err) != 0)
        goto done;
    snprintf(stem, sizeof stem, "tcb-%s", fmspc);
    if (write_signed(dir, stem, "tcbInfo", &tcb3, &c.tcb_chain, err) != 0) goto done;
    snprintf(stem, sizeof stem, "tcb-v2-%s", fmspc);
    if (write_signed(dir, stem, "tcbInfo", &tcb2, &c.tcb_chain, err) != 0 ||
        write_signed(dir, "qe-identity", "enclaveIdentity", &qe, &c.tcb_chain, err) != 0 ||
        write_crls(dir, &c, err) != 0 ||
        write_bundle(dir, "collateral.json", &c, &c.processor, &c.processor_chain, &tcb3, &qe,
                     err) != 0 ||
        write_bundle(dir, "collateral-platform.json", &c, &c.platform, &c.platform_chain, &tcb3,
                     &qe, err) != 0)
        goto done;
    snprintf(stem, sizeof stem, "tdx-tcb-%s", fmspc);
    if (write_signed(dir, stem, "tcbInfo", &tdx, &c.tcb_chain, err) != 0 ||
        write_signed(dir, "td-qe-identity", "enclaveIdentity", &tdqe, &c.tcb_chain, err) != 0 ||
        write_bundle(dir, "collateral-tdx.json", &c, &c.processor, &c.processor_chain, &tdx, &tdqe,
                     err) != 0 ||
        write_bundle(dir, "collateral-tdx-platform.json", &c, &c.platform, &c.platform_chain, &tdx,
                     &tdqe, err) != 0 ||
        write_eval_variants(dir, s, o, &c.tcb_chain, err) != 0)
        goto done;
    rc = 0;
done:
    free(tcb3.body);
    free(tcb2.body);
    free(qe.body);
    free(tdx.body);
    free(tdqe.body);
    maat_buf_cleanup(&c.root);
    maat_buf_cleanup(&c.processor);
    maat_buf_cleanup(&c.platform);
    maat_buf_cleanup(&c.root_chain);
    maat_buf_cleanup(&c.processor_chain);
    maat_buf_cleanup(&c.platform_chain);
    maat_buf_cleanup(&c.tcb_chain);
    return rc;
}

/*
 * sim_platform.c - creates a simulated platform directory (keys, certificates, settings,
 * collateral) and loads it back. Settings live in DIR/platform.json; private keys in
 * DIR/keys/ (mode 0600); certificates in DIR/certs/; the trust anchor is DIR/root-ca.pem.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim_internal.h"

#define SIM_FORMAT "maat-sim-platform/1"

/* Default TCB: the components of the Azure DCsv2 sample PCK (FMSPC 00906ED50000). */
static const uint8_t default_cpusvn[16] = {20, 20, 2, 4, 1, 128, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t default_fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};

static const struct {
    const char *rel;
    size_t key_off, cert_off;
} files[] = {
    {"root-ca", offsetof(struct maat_sim, root_key), offsetof(struct maat_sim, root)},
    {"pck-processor-ca", offsetof(struct maat_sim, processor_key),
     offsetof(struct maat_sim, processor_ca)},
    {"pck-platform-ca", offsetof(struct maat_sim, platform_key),
     offsetof(struct maat_sim, platform_ca)},
    {"tcb-signing", offsetof(struct maat_sim, tcb_key), offsetof(struct maat_sim, tcb_signer)},
    {"pck", offsetof(struct maat_sim, pck_key), 0},
};
#define NFILES (sizeof files / sizeof files[0])

static EVP_PKEY **key_slot(struct maat_sim *s, size_t i)
{
    return (EVP_PKEY **)(void *)((char *)s + files[i].key_off);
}

static X509 **cert_slot(struct maat_sim *s, size_t i)
{
    return files[i].cert_off ? (X509 **)(void *)((char *)s + files[i].cert_off) : NULL;
}

void maat_sim_init_opts_defaults(struct maat_sim_init_opts *o, int64_t now)
{
    memset(o, 0, sizeof *o);
    o->now = now;
    o->not_before = now;
    o->not_after = now + (int64_t)3653 * SIM_DAY;
    o->issue_date = now;
    o->next_update = now + 30 * SIM_DAY;
    memcpy(o->fmspc, default_fmspc, 6);
    memcpy(o->cpusvn, default_cpusvn, 16);
    o->pcesvn = 13;
    o->qe_svn = 8;
    o->tcb_evaluation_data_number = 17;
}

void maat_sim_free(struct maat_sim *s)
{
    if (s == NULL) return;
    for (size_t i = 0; i < NFILES; i++) {
        EVP_PKEY_free(*key_slot(s, i));
        if (cert_slot(s, i)) X509_free(*cert_slot(s, i));
    }
    free(s);
}

static int issue_pki(struct maat_sim *s, struct maat_error *err)
{
    struct sim_cert_spec spec = {
        .kind = SIM_CERT_ROOT,
        .cn = "Intel SGX Root CA",
        .key = s->root_key,
        .not_before = s->not_before,
        .not_after = s->not_after,
        .crl_url = SIM_CRL_BASE_URL "/rootcacrl",
    };
    if ((s->root = sim_cert_issue(&spec, err)) == NULL) return -1;
    spec.issuer = s->root;
    spec.issuer_key = s->root_key;
    spec.kind = SIM_CERT_CA;
    spec.cn = "Intel SGX PCK Processor CA";
    spec.key = s->processor_key;
    if ((s->processor_ca = sim_cert_issue(&spec, err)) == NULL) return -1;
    spec.cn = "Intel SGX PCK Platform CA";
    spec.key = s->platform_key;
    if ((s->platform_ca = sim_cert_issue(&spec, err)) == NULL) return -1;
    spec.kind = SIM_CERT_SIGNER;
    spec.cn = "Intel SGX TCB Signing";
    spec.key = s->tcb_key;
    if ((s->tcb_signer = sim_cert_issue(&spec, err)) == NULL) return -1;
    return 0;
}

static int save_pki(const char *dir, struct maat_sim *s, struct maat_error *err)
{
    char rel[64];
    for (size_t i = 0; i < NFILES; i++) {
        struct maat_buf b;
        maat_buf_init(&b);
        snprintf(rel, sizeof rel, "keys/%s.key", files[i].rel);
        int rc = sim_key_pem(*key_slot(s, i), &b, err);
        if (rc == 0) rc = sim_write(dir, rel, b.data, b.len, 0600, err);
        b.len = 0;
        if (rc == 0 && cert_slot(s, i)) {
            snprintf(rel, sizeof rel, "certs/%s.pem", files[i].rel);
            rc = sim_cert_pem(*cert_slot(s, i), &b, err);
            if (rc == 0) rc = sim_write(dir, rel, b.data, b.len, 0644, err);
            if (rc == 0 && i == 0) rc = sim_write(dir, "root-ca.pem", b.data, b.len, 0644, err);
        }
        maat_buf_cleanup(&b);
        MAAT_TRY(rc);
    }
    return 0;
}

static json_t *hexj(const uint8_t *p, size_t n)
{
    char h[2 * 32 + 1];
    sim_hex_upper(p, n, h);
    return json_string(h);
}

static int save_settings(const char *dir, const struct maat_sim *s,
                         const struct maat_sim_init_opts *o, struct maat_error *err)
{
    json_t *j = json_object();
    int bad = j == NULL;
    bad |= json_object_set_new(j, "format", json_string(SIM_FORMAT));
    bad |= json_object_set_new(j, "fmspc", hexj(s->fmspc, 6));
    bad |= json_object_set_new(j, "pce_id", hexj(s->pce_id, 2));
    bad |= json_object_set_new(j, "cpusvn", hexj(s->cpusvn, 16));
    bad |= json_object_set_new(j, "pcesvn", json_integer(s->pcesvn));
    bad |= json_object_set_new(j, "qe_svn", json_integer(s->qe_svn));
    bad |= json_object_set_new(j, "ppid", hexj(s->ppid, 16));
    bad |= json_object_set_new(j, "platform_instance_id", hexj(s->platform_instance_id, 16));
    bad |= json_object_set_new(j, "qe_id", hexj(s->qe_id, 16));
    bad |= json_object_set_new(j, "revoked_serial_processor",
                               hexj(s->revoked_processor, SIM_SERIAL_LEN));
    bad |= json_object_set_new(j, "revoked_serial_platform",
                               hexj(s->revoked_platform, SIM_SERIAL_LEN));
    bad |= json_object_set_new(j, "now", json_integer(o->now));
    bad |= json_object_set_new(j, "not_before", json_integer(s->not_before));
    bad |= json_object_set_new(j, "not_after", json_integer(s->not_after));
    bad |= json_object_set_new(j, "issue_date", json_integer(o->issue_date));
    bad |= json_object_set_new(j, "next_update", json_integer(o->next_update));
    bad |= json_object_set_new(j, "tcb_evaluation_data_number",
                               json_integer(o->tcb_evaluation_data_number));
    char *text = bad ? NULL : json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (text == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "building platform.json");
    int rc = sim_write(dir, "platform.json", text, strlen(text), 0644, err);
    free(text);
    return rc;
}

int maat_sim_init(const char *dir, const struct maat_sim_init_opts *o, struct maat_error *err)
{
    MAAT_ENSURE(o->cpusvn[0] >= MAAT_SIM_TCB__COUNT - 1, err, MAAT_ERR_USAGE,
                "cpusvn component 1 is %u: it must be at least %d (one TCB level per status "
                "lowers it by one)",
                o->cpusvn[0], MAAT_SIM_TCB__COUNT - 1);
    struct maat_sim *s = calloc(1, sizeof *s);
    if (s == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    memcpy(s->fmspc, o->fmspc, 6);
    memcpy(s->pce_id, o->pce_id, 2);
    memcpy(s->cpusvn, o->cpusvn, 16);
    s->pcesvn = o->pcesvn;
    s->qe_svn = o->qe_svn;
    s->not_before = o->not_before;
    s->not_after = o->not_after;
    struct sim_collateral_opts co = {
        .issue_date = o->issue_date,
        .next_update = o->next_update,
        .tcb_evaluation_data_number = o->tcb_evaluation_data_number,
        .eval_svn_step = o->eval_svn_step != 0 ? o->eval_svn_step : 1,
        .revoke_processor_ca = o->revoke_processor_ca,
        .revoke_platform_ca = o->revoke_platform_ca,
    };
    int rc = -1;
    char *keys = sim_path(dir, "keys"), *certs = sim_path(dir, "certs"), *pcs = sim_path(dir, "pcs");
    if (keys == NULL || certs == NULL || pcs == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* keys/ is private; the rest is public material */
    if (sim_mkdir(dir, 0755, err) || sim_mkdir(keys, 0700, err) || sim_mkdir(certs, 0755, err) ||
        sim_mkdir(pcs, 0755, err))
        goto done;
    for (size_t i = 0; i < NFILES; i++)
        if ((*key_slot(s, i) = sim_keygen(err)) == NULL) goto done;
    if (sim_random(s->ppid, 16, err) || sim_random(s->platform_instance_id, 16, err) ||
        sim_random(s->qe_id, 16, err) || sim_random_serial(s->revoked_processor, err) ||
        sim_random_serial(s->revoked_platform, err) || issue_pki(s, err) || save_pki(dir, s, err) ||
        save_settings(dir, s, o, err) || sim_write_collateral(dir, s, &co, err))
        goto done;
    rc = 0;
done:
    free(keys);
    free(certs);
    free(pcs);
    maat_sim_free(s);
    return rc;
}

/* Reads a fixed-size hex setting. */
static int get_hex(json_t *j, const char *key, uint8_t *dst, size_t n, struct maat_error *err)
{
    json_t *v = json_object_get(j, key);
    MAAT_ENSURE(json_is_string(v), err, MAAT_ERR_VALUE,
                "platform.json: \"%s\" missing or not a string", key);
    return maat_hex_decode_fixed(json_string_value(v), json_string_length(v), key, dst, n, err);
}

static int get_int(json_t *j, const char *key, int64_t lo, int64_t hi, int64_t *out,
                   struct maat_error *err)
{
    json_t *v = json_object_get(j, key);
    MAAT_ENSURE(json_is_integer(v), err, MAAT_ERR_VALUE,
                "platform.json: \"%s\" missing or not an integer", key);
    *out = (int64_t)json_integer_value(v);
    MAAT_ENSURE(*out >= lo && *out <= hi, err, MAAT_ERR_VALUE,
                "platform.json: \"%s\" = %lld outside %lld..%lld", key, (long long)*out,
                (long long)lo, (long long)hi);
    return 0;
}

static int load_settings(const char *dir, struct maat_sim *s, struct maat_error *err)
{
    uint8_t *text = NULL;
    size_t len = 0;
    MAAT_TRY(sim_read(dir, "platform.json", &text, &len, err));
    json_error_t je;
    json_t *j = json_loadb((const char *)text, len, 0, &je);
    free(text);
    if (j == NULL)
        return maat_error_set(err, MAAT_ERR_ENCODING, "platform.json line %d: %s", je.line, je.text);
    int64_t pcesvn = 0, qe_svn = 0;
    json_t *fmt = json_object_get(j, "format");
    int rc = -1;
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), SIM_FORMAT) != 0) {
        maat_error_set(err, MAAT_ERR_UNSUPPORTED, "platform.json: format is not %s", SIM_FORMAT);
        goto done;
    }
    if (get_hex(j, "fmspc", s->fmspc, 6, err) || get_hex(j, "pce_id", s->pce_id, 2, err) ||
        get_hex(j, "cpusvn", s->cpusvn, 16, err) || get_hex(j, "ppid", s->ppid, 16, err) ||
        get_hex(j, "platform_instance_id", s->platform_instance_id, 16, err) ||
        get_hex(j, "qe_id", s->qe_id, 16, err) ||
        get_hex(j, "revoked_serial_processor", s->revoked_processor, SIM_SERIAL_LEN, err) ||
        get_hex(j, "revoked_serial_platform", s->revoked_platform, SIM_SERIAL_LEN, err) ||
        get_int(j, "pcesvn", 0, 65535, &pcesvn, err) || get_int(j, "qe_svn", 0, 65535, &qe_svn, err) ||
        get_int(j, "not_before", INT64_MIN, INT64_MAX, &s->not_before, err) ||
        get_int(j, "not_after", INT64_MIN, INT64_MAX, &s->not_after, err))
        goto done;
    s->pcesvn = (uint16_t)pcesvn;
    s->qe_svn = (uint16_t)qe_svn;
    rc = 0;
done:
    json_decref(j);
    return rc;
}

int maat_sim_load(const char *dir, struct maat_sim **out, struct maat_error *err)
{
    *out = NULL;
    struct maat_sim *s = calloc(1, sizeof *s);
    if (s == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    char rel[64];
    if (load_settings(dir, s, err) != 0) goto fail;
    for (size_t i = 0; i < NFILES; i++) {
        uint8_t *pem = NULL;
        size_t len = 0;
        snprintf(rel, sizeof rel, "keys/%s.key", files[i].rel);
        if (sim_read(dir, rel, &pem, &len, err) != 0) goto fail;
        *key_slot(s, i) = sim_key_from_pem(pem, len, err);
        free(pem);
        if (*key_slot(s, i) == NULL) goto fail;
        if (cert_slot(s, i) == NULL) continue;
        snprintf(rel, sizeof rel, "certs/%s.pem", files[i].rel);
        if (sim_read(dir, rel, &pem, &len, err) != 0) goto fail;
        *cert_slot(s, i) = sim_cert_from_pem(pem, len, err);
        free(pem);
        if (*cert_slot(s, i) == NULL) goto fail;
    }
    *out = s;
    return 0;
fail:
    maat_error_prefix(err, "loading the simulated platform in %s", dir);
    maat_sim_free(s);
    return -1;
}

void maat_sim_get_fmspc(const struct maat_sim *s, uint8_t fmspc[6])
{
    memcpy(fmspc, s->fmspc, 6);
}

void maat_sim_get_pce_id(const struct maat_sim *s, uint8_t pce_id[2])
{
    memcpy(pce_id, s->pce_id, 2);
}

uint16_t maat_sim_get_qe_svn(const struct maat_sim *s)
{
    return s->qe_svn;
}

void maat_sim_tcb_level(const struct maat_sim *s, enum maat_sim_tcb t, uint8_t cpusvn[16],
                        uint16_t *pcesvn)
{
    sim_tcb_level(s->cpusvn, s->pcesvn, t, cpusvn, pcesvn);
}

void maat_sim_revoked_serial(const struct maat_sim *s, enum maat_pck_ca ca, uint8_t serial[20])
{
    memcpy(serial, ca == MAAT_PCK_CA_PLATFORM ? s->revoked_platform : s->revoked_processor,
           SIM_SERIAL_LEN);
}

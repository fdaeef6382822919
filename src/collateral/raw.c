/*
 * raw.c - struct maat_collateral_raw (owned collateral bytes), its persistence encoding,
 * and the source interface's dispatch functions.
 */
#include <string.h>

#include "collateral_source.h"

#define RAW_MAGIC "MAATCOL1"
#define RAW_FIELDS 11

static struct maat_buf *field(struct maat_collateral_raw *r, size_t i)
{
    struct maat_buf *f[RAW_FIELDS] = {
        &r->pck_crl_issuer_chain,
        &r->root_ca_crl,
        &r->pck_crl,
        &r->tcb_info_issuer_chain,
        &r->tcb_info_json,
        &r->tcb_info_body,
        &r->tcb_info_signature,
        &r->qe_identity_issuer_chain,
        &r->qe_identity_json,
        &r->qe_identity_body,
        &r->qe_identity_signature,
    };
    return f[i];
}

static const char *const field_names[RAW_FIELDS] = {
    "pck_crl_issuer_chain",
    "root_ca_crl",
    "pck_crl",
    "tcb_info_issuer_chain",
    "tcb_info_json",
    "tcb_info_body",
    "tcb_info_signature",
    "qe_identity_issuer_chain",
    "qe_identity_json",
    "qe_identity_body",
    "qe_identity_signature",
};

void maat_collateral_raw_init(struct maat_collateral_raw *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < RAW_FIELDS; i++) maat_buf_init(field(r, i));
}

void maat_collateral_raw_cleanup(struct maat_collateral_raw *r)
{
    if (r == NULL) return;
    for (size_t i = 0; i < RAW_FIELDS; i++) maat_buf_cleanup(field(r, i));
    memset(r, 0, sizeof *r);
}

static struct maat_view view(const struct maat_buf *b)
{
    struct maat_view v = {b->data, b->len};
    return v;
}

void maat_collateral_raw_input(const struct maat_collateral_raw *r, struct maat_collateral_input *in)
{
    memset(in, 0, sizeof *in);
    in->pck_crl_issuer_chain = view(&r->pck_crl_issuer_chain);
    in->root_ca_crl = view(&r->root_ca_crl);
    in->pck_crl = view(&r->pck_crl);
    in->tcb_info_issuer_chain = view(&r->tcb_info_issuer_chain);
    in->tcb_info_json = view(&r->tcb_info_json);
    in->tcb_info_body = view(&r->tcb_info_body);
    in->tcb_info_signature = view(&r->tcb_info_signature);
    in->qe_identity_issuer_chain = view(&r->qe_identity_issuer_chain);
    in->qe_identity_json = view(&r->qe_identity_json);
    in->qe_identity_body = view(&r->qe_identity_body);
    in->qe_identity_signature = view(&r->qe_identity_signature);
}

int maat_collateral_raw_serialize(const struct maat_collateral_raw *r, struct maat_buf *out,
                                  struct maat_error *err)
{
    struct maat_collateral_raw *m = (struct maat_collateral_raw *)(uintptr_t)r;
    size_t olen = strnlen(r->origin, sizeof r->origin);
    int bad = maat_buf_put(out, RAW_MAGIC, 8) || maat_buf_put_u32le(out, (uint32_t)olen) ||
              maat_buf_put(out, r->origin, olen);
    for (size_t i = 0; !bad && i < RAW_FIELDS; i++) {
        const struct maat_buf *f = field(m, i);
        MAAT_ENSURE(f->len <= MAAT_COLLATERAL_MAX_INPUT, err, MAAT_ERR_TOO_LARGE,
                    "collateral %s is %zu bytes, more than %u", field_names[i], f->len,
                    MAAT_COLLATERAL_MAX_INPUT);
        bad = maat_buf_put_u32le(out, (uint32_t)f->len) || maat_buf_put(out, f->data, f->len);
    }
    MAAT_ENSURE(!bad, err, MAAT_ERR_NOMEM, "out of memory serialising collateral");
    return 0;
}

int maat_collateral_raw_deserialize(const uint8_t *p, size_t len, struct maat_collateral_raw *r,
                                    struct maat_error *err)
{
    maat_collateral_raw_init(r);
    struct maat_reader rd;
    maat_reader_init(&rd, p, len, "stored collateral", err);
    const uint8_t *magic;
    uint32_t n;
    struct maat_view v;
    if (maat_read_fixed(&rd, "magic", 8, &magic) != 0) goto fail;
    if (memcmp(magic, RAW_MAGIC, 8) != 0) {
        maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                       "stored collateral: magic at offset 0 is not " RAW_MAGIC);
        goto fail;
    }
    if (maat_read_u32le(&rd, "origin length", &n) != 0) goto fail;
    if (n >= sizeof r->origin) {
        maat_error_set(err, MAAT_ERR_LENGTH, "stored collateral: origin length %u exceeds %zu", n,
                       sizeof r->origin - 1);
        goto fail;
    }
    if (maat_read_copy(&rd, "origin", r->origin, n) != 0) goto fail;
    r->origin[n] = '\0';
    for (size_t i = 0; i < RAW_FIELDS; i++) {
        if (maat_read_u32le(&rd, field_names[i], &n) != 0 ||
            maat_read_view(&rd, field_names[i], n, &v) != 0)
            goto fail;
        if (maat_buf_put(field(r, i), v.ptr, v.len) != 0) {
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory loading collateral");
            goto fail;
        }
    }
    if (maat_reader_expect_end(&rd) != 0) goto fail;
    return 0;
fail:
    maat_collateral_raw_cleanup(r);
    return -1;
}

int maat_collateral_source_fetch(struct maat_collateral_source *s, const uint8_t fmspc[6],
                                 enum maat_pck_ca ca, time_t at, struct maat_collateral_raw *out,
                                 struct maat_error *err)
{
    MAAT_ENSURE(s != NULL && fmspc != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "collateral source: fetch needs a source, an FMSPC and an output");
    MAAT_ENSURE(ca == MAAT_PCK_CA_PROCESSOR || ca == MAAT_PCK_CA_PLATFORM, err, MAAT_ERR_USAGE,
                "collateral source: PCK CA must be processor or platform");
    maat_collateral_raw_init(out);
    if (s->ops->fetch(s, fmspc, ca, at, out, err) == 0) return 0;
    maat_collateral_raw_cleanup(out);
    maat_collateral_raw_init(out);
    return -1;
}

const char *maat_collateral_tee_name(enum maat_collateral_tee tee)
{
    return tee == MAAT_COLLATERAL_TDX ? "tdx" : "sgx";
}

int maat_collateral_source_fetch_tee(struct maat_collateral_source *s, enum maat_collateral_tee tee,
                                     const uint8_t fmspc[6], enum maat_pck_ca ca, time_t at,
                                     struct maat_collateral_raw *out, struct maat_error *err)
{
    if (tee == MAAT_COLLATERAL_SGX) return maat_collateral_source_fetch(s, fmspc, ca, at, out, err);
    MAAT_ENSURE(tee == MAAT_COLLATERAL_TDX, err, MAAT_ERR_USAGE,
                "collateral source: unknown TEE %d", (int)tee);
    MAAT_ENSURE(s != NULL && fmspc != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "collateral source: fetch needs a source, an FMSPC and an output");
    MAAT_ENSURE(ca == MAAT_PCK_CA_PROCESSOR || ca == MAAT_PCK_CA_PLATFORM, err, MAAT_ERR_USAGE,
                "collateral source: PCK CA must be processor or platform");
    maat_collateral_raw_init(out);
    MAAT_ENSURE(s->ops->fetch_tdx != NULL, err, MAAT_ERR_UNSUPPORTED,
                "%s: has no TDX collateral (TDX TCB info and TD_QE identity come from a sim "
                "platform directory or a PCS/PCCS)",
                s->desc);
    if (s->ops->fetch_tdx(s, fmspc, ca, at, out, err) == 0) return 0;
    maat_collateral_raw_cleanup(out);
    maat_collateral_raw_init(out);
    return -1;
}

int maat_collateral_source_fetch_pinned(struct maat_collateral_source *s,
                                        enum maat_collateral_tee tee, const uint8_t fmspc[6],
                                        enum maat_pck_ca ca, uint32_t eval_num, time_t at,
                                        struct maat_collateral_raw *out, struct maat_error *err)
{
    if (eval_num == 0) return maat_collateral_source_fetch_tee(s, tee, fmspc, ca, at, out, err);
    MAAT_ENSURE(tee == MAAT_COLLATERAL_SGX || tee == MAAT_COLLATERAL_TDX, err, MAAT_ERR_USAGE,
                "collateral source: unknown TEE %d", (int)tee);
    MAAT_ENSURE(s != NULL && fmspc != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "collateral source: fetch needs a source, an FMSPC and an output");
    MAAT_ENSURE(ca == MAAT_PCK_CA_PROCESSOR || ca == MAAT_PCK_CA_PLATFORM, err, MAAT_ERR_USAGE,
                "collateral source: PCK CA must be processor or platform");
    maat_collateral_raw_init(out);
    MAAT_ENSURE(s->ops->fetch_pinned != NULL, err, MAAT_ERR_UNSUPPORTED,
                "%s: cannot be asked for TCB evaluation data number %u (only a PCS, PCCS, "
                "THIM or directory source can)",
                s->desc, eval_num);
    if (s->ops->fetch_pinned(s, tee, fmspc, ca, eval_num, at, out, err) == 0) return 0;
    maat_collateral_raw_cleanup(out);
    maat_collateral_raw_init(out);
    return -1;
}

bool maat_collateral_source_can_pin(const struct maat_collateral_source *s)
{
    return s != NULL && s->ops->fetch_pinned != NULL;
}

void maat_collateral_source_free(struct maat_collateral_source *s)
{
    if (s != NULL) s->ops->free(s);
}

const char *maat_collateral_source_describe(const struct maat_collateral_source *s)
{
    return s != NULL ? s->desc : "(no source)";
}

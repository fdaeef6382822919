/*
 * quote.c - structural parser for SGX/TDX DCAP quotes v3, v4, v5 and the OpenEnclave
 * report envelope.
 *
 * A straight list of bounded reads in wire order (Intel sgx_quote_3.h / _4.h / _5.h).
 * Nothing here is trusted yet: signatures, certificates and TCB are the verifier's job.
 * Every view in struct maat_quote points into the caller's buffer.
 */
#include "maat/quote.h"

#include <string.h>

#define SIG_SIZE 64
#define KEY_SIZE 64
#define VENDOR_ID_SIZE 16
#define USER_DATA_SIZE 20

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

const char *maat_cert_type_name(uint16_t type)
{
    switch (type) {
    case MAAT_CERT_PPID_CLEARTEXT: return "PPID in clear";
    case MAAT_CERT_PPID_RSA2048: return "PPID encrypted with RSA-2048-OAEP";
    case MAAT_CERT_PPID_RSA3072: return "PPID encrypted with RSA-3072-OAEP";
    case MAAT_CERT_PCK_CLEARTEXT: return "PCK certificate in clear";
    case MAAT_CERT_PCK_CHAIN: return "PCK certificate chain";
    case MAAT_CERT_QE_REPORT: return "QE report certification data";
    case MAAT_CERT_PLATFORM_MANIFEST: return "platform manifest";
    default: return "unknown";
    }
}

const char *maat_tee_type_name(uint32_t tee_type)
{
    switch (tee_type) {
    case MAAT_TEE_TYPE_SGX: return "SGX";
    case MAAT_TEE_TYPE_TDX: return "TDX";
    default: return "unknown";
    }
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int maat_sgx_report_body_parse(struct maat_reader *r, const char *field,
                               struct maat_sgx_report_body *out)
{
    const uint8_t *b;
    MAAT_TRY(maat_read_fixed(r, field, MAAT_SGX_REPORT_BODY_SIZE, &b));
    /* Offsets per sgx_report_body_t; the region is known to be 384 bytes long. */
    out->raw = b;
    out->cpu_svn = b + 0;
    out->misc_select = (uint32_t)b[16] | (uint32_t)b[17] << 8 | (uint32_t)b[18] << 16 |
                       (uint32_t)b[19] << 24;
    out->isv_ext_prod_id = b + 32;
    out->attributes = b + 48;
    out->attributes_flags = le64(b + 48);
    out->attributes_xfrm = le64(b + 56);
    out->mr_enclave = b + 64;
    out->mr_signer = b + 128;
    out->config_id = b + 192;
    out->isv_prod_id = le16(b + 256);
    out->isv_svn = le16(b + 258);
    out->config_svn = le16(b + 260);
    out->isv_family_id = b + 304;
    out->report_data = b + 320;
    return 0;
}

static int td_report_parse(struct maat_reader *r, size_t size, struct maat_td_report *out)
{
    const uint8_t *b;
    MAAT_TRY(maat_read_fixed(r,
                             size == MAAT_TD15_EX_REPORT_SIZE ? "TD report (TDX 1.5 Ex)"
                             : size == MAAT_TD15_REPORT_SIZE  ? "TD report (TDX 1.5)"
                                                              : "TD report (TDX 1.0)",
                             size, &b));
    /* Offsets per sgx_report2_body_t (TDX 1.0) and sgx_report2_body_v1_5_t. */
    out->raw = b;
    out->size = size;
    out->tee_tcb_svn = b + 0;
    out->mr_seam = b + 16;
    out->mr_signer_seam = b + 64;
    out->seam_attributes = b + 112;
    out->td_attributes = b + 120;
    out->xfam = b + 128;
    out->mr_td = b + 136;
    out->mr_config_id = b + 184;
    out->mr_owner = b + 232;
    out->mr_owner_config = b + 280;
    for (int i = 0; i < 4; i++) out->rtmr[i] = b + 328 + 48 * i;
    out->report_data = b + 520;
    if (size >= MAAT_TD15_REPORT_SIZE) {
        out->tee_tcb_svn2 = b + 584;
        out->mr_servicetd = b + 600;
    }
    if (size == MAAT_TD15_EX_REPORT_SIZE) {
        out->vm_id = b + 648;
        out->td_id = b + 649;
        out->dev_info = b + 681;
        out->init_servtd_hash = b + 729;
        out->init_servtd_attributes = b + 777;
        out->init_cpu_svn = b + 785;
        out->init_tee_tcb_svn = b + 801;
        out->init_tee_fmspc = b + 817;
        out->cur_servtd_hash = b + 829;
        out->cur_servtd_attributes = b + 877;
    }
    return 0;
}

/* Bounded search for `needle` (nl >= 1) in [hay, hay+n): memmem without relying on
 * _GNU_SOURCE. memchr skips to each candidate first byte (the PEM base64 body between two
 * '-' runs is skipped in one call). */
static const uint8_t *find_bytes(const uint8_t *hay, size_t n, const char *needle, size_t nl)
{
    if (nl == 0 || nl > n) return NULL;
    const uint8_t *p = hay, *last = hay + (n - nl); /* last possible start */
    while (p <= last) {
        p = memchr(p, (unsigned char)needle[0], (size_t)(last - p) + 1);
        if (p == NULL) return NULL;
        if (memcmp(p, needle, nl) == 0) return p;
        p++;
    }
    return NULL;
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Type 5 as Intel's QE writes it: PEM blocks (leaf, PCK CA, root), optionally separated
 * by whitespace and followed by NUL padding. */
static int split_pem_chain(struct maat_reader *r, struct maat_cert_data *cd)
{
    const uint8_t *p = cd->data.ptr;
    size_t n = cd->data.len, i = 0;
    while (i < n) {
        if (is_space(p[i])) {
            i++;
            continue;
        }
        if (p[i] == 0) {
            if (!maat_is_zero(p + i, n - i))
                return maat_error_set(r->err, MAAT_ERR_VALUE,
                                      "%s: certification data (PCK chain): byte after NUL padding "
                                      "at offset %zu (expected only NUL bytes to the end)",
                                      r->what, cd->offset + i);
            break;
        }
        size_t bl = sizeof pem_begin - 1, el = sizeof pem_end - 1;
        if (n - i < bl || memcmp(p + i, pem_begin, bl) != 0)
            return maat_error_set(r->err, MAAT_ERR_ENCODING,
                                  "%s: certification data (PCK chain): unexpected byte 0x%02x at "
                                  "offset %zu (expected \"%s\")",
                                  r->what, p[i], cd->offset + i, pem_begin);
        const uint8_t *end = find_bytes(p + i + bl, n - i - bl, pem_end, el);
        if (end == NULL)
            return maat_error_set(r->err, MAAT_ERR_ENCODING,
                                  "%s: certification data (PCK chain): certificate %zu starting "
                                  "at offset %zu has no \"%s\"",
                                  r->what, cd->chain_len + 1, cd->offset + i, pem_end);
        size_t stop = (size_t)(end - p) + el;
        if (cd->chain_len == MAAT_PCK_CHAIN_MAX)
            return maat_error_set(r->err, MAAT_ERR_VALUE,
                                  "%s: certification data (PCK chain): more than %d certificates "
                                  "(next one at offset %zu)",
                                  r->what, MAAT_PCK_CHAIN_MAX, cd->offset + i);
        cd->chain[cd->chain_len].ptr = p + i;
        cd->chain[cd->chain_len].len = stop - i;
        cd->chain_len++;
        i = stop;
    }
    return 0;
}

/* Some producers (Intel's generated TDX sample) concatenate DER certificates instead. */
static int split_der_chain(struct maat_reader *outer, struct maat_cert_data *cd)
{
    struct maat_reader r;
    maat_reader_init(&r, cd->data.ptr, cd->data.len, outer->what, outer->err);
    r.base = cd->offset;
    while (maat_reader_left(&r) > 0) {
        if (maat_is_zero(r.buf + r.off, maat_reader_left(&r))) break; /* NUL padding */
        size_t start = r.off;
        uint8_t tag, l0;
        MAAT_TRY(maat_read_u8(&r, "DER certificate tag", &tag));
        MAAT_ENSURE(tag == 0x30, r.err, MAAT_ERR_ENCODING,
                    "%s: certification data (PCK chain, DER): tag 0x%02x at offset %zu "
                    "(expected 0x30, SEQUENCE)",
                    r.what, tag, r.base + start);
        MAAT_TRY(maat_read_u8(&r, "DER certificate length", &l0));
        size_t body = l0;
        if (l0 & 0x80) {
            unsigned nbytes = l0 & 0x7fu;
            MAAT_ENSURE(nbytes >= 1 && nbytes <= 3, r.err, MAAT_ERR_ENCODING,
                        "%s: certification data (PCK chain, DER): length form 0x%02x at offset "
                        "%zu (expected 1 to 3 length bytes)",
                        r.what, l0, r.base + start + 1);
            body = 0;
            for (unsigned k = 0; k < nbytes; k++) {
                uint8_t b;
                MAAT_TRY(maat_read_u8(&r, "DER certificate length", &b));
                body = body << 8 | b;
            }
        }
        MAAT_TRY(maat_read_skip(&r, "DER certificate", body));
        MAAT_ENSURE(cd->chain_len < MAAT_PCK_CHAIN_MAX, r.err, MAAT_ERR_VALUE,
                    "%s: certification data (PCK chain, DER): more than %d certificates", r.what,
                    MAAT_PCK_CHAIN_MAX);
        cd->chain[cd->chain_len].ptr = r.buf + start;
        cd->chain[cd->chain_len].len = r.off - start;
        cd->chain_len++;
    }
    cd->chain_is_der = true;
    return 0;
}

static int ppid_parse(struct maat_reader *r, uint16_t type, struct maat_cert_data *cd)
{
    size_t ppid_len = type == MAAT_CERT_PPID_CLEARTEXT ? 16
                      : type == MAAT_CERT_PPID_RSA2048 ? 256
                                                       : 384;
    struct maat_reader s;
    maat_reader_init(&s, cd->data.ptr, cd->data.len, r->what, r->err);
    s.base = cd->offset;
    /* Intel's layout is PPID ‖ CPUSVN ‖ PCESVN ‖ PCE-ID; Intel's own 2019 sample quote
     * stops after PCESVN (34 bytes for type 1), so the PCE-ID is optional. */
    size_t full = ppid_len + 16 + 2 + 2;
    MAAT_ENSURE(cd->data.len == full || cd->data.len == full - 2, r->err, MAAT_ERR_LENGTH,
                "%s: certification data type %u (%s): size %zu at offset %zu (expected %zu, or "
                "%zu without PCE-ID)",
                r->what, type, maat_cert_type_name(type), cd->data.len, cd->offset, full, full - 2);
    MAAT_TRY(maat_read_view(&s, "PPID", ppid_len, &cd->ppid.ppid));
    MAAT_TRY(maat_read_fixed(&s, "CPUSVN", 16, &cd->ppid.cpu_svn));
    MAAT_TRY(maat_read_u16le(&s, "PCESVN", &cd->ppid.pce_svn));
    if (maat_reader_left(&s) == 2) {
        MAAT_TRY(maat_read_u16le(&s, "PCE-ID", &cd->ppid.pce_id));
        cd->ppid.has_pce_id = true;
    }
    return 0;
}

/* Reads `type u16 ‖ size u32 ‖ data` and interprets the data by type. */
static int cert_data_parse(struct maat_reader *r, bool nested, struct maat_cert_data *cd,
                           uint16_t *type_out)
{
    uint16_t type;
    uint32_t size;
    size_t type_at = maat_reader_pos(r);
    MAAT_TRY(maat_read_u16le(r, "certification data type", &type));
    MAAT_TRY(maat_read_u32le(r, "certification data size", &size));
    struct maat_reader s;
    MAAT_TRY(maat_read_sub(r, "certification data", size, NULL, &s));
    if (type_out) *type_out = type;
    if (type == MAAT_CERT_QE_REPORT && !nested) return 0; /* caller descends */
    MAAT_ENSURE(type >= MAAT_CERT_PPID_CLEARTEXT && type <= MAAT_CERT_PLATFORM_MANIFEST &&
                    !(nested && type == MAAT_CERT_QE_REPORT),
                r->err, MAAT_ERR_UNSUPPORTED,
                "%s: certification data type %u at offset %zu is not supported (expected 1-7%s)",
                r->what, type, type_at, nested ? ", not 6 inside 6" : "");
    cd->type = type;
    cd->data.ptr = s.buf;
    cd->data.len = s.len;
    cd->offset = s.base;
    switch (type) {
    case MAAT_CERT_PCK_CHAIN: {
        size_t i = 0;
        while (i < s.len && (is_space(s.buf[i]))) i++;
        if (i < s.len && s.buf[i] == '-')
            MAAT_TRY(split_pem_chain(r, cd));
        else
            MAAT_TRY(split_der_chain(r, cd));
        MAAT_ENSURE(cd->chain_len > 0, r->err, MAAT_ERR_VALUE,
                    "%s: certification data type 5 at offset %zu holds no certificate", r->what,
                    cd->offset);
        return 0;
    }
    case MAAT_CERT_PPID_CLEARTEXT:
    case MAAT_CERT_PPID_RSA2048:
    case MAAT_CERT_PPID_RSA3072: return ppid_parse(r, type, cd);
    default: return 0; /* types 4 and 7: kept as an opaque view */
    }
}

/* QE report certification data (type 6): QE report ‖ signature ‖ auth data ‖ nested
 * certification data. Also the tail of v3 signature data, which has the same fields. */
static int qe_section_parse(struct maat_reader *r, struct maat_quote *q)
{
    uint16_t auth_len;
    MAAT_TRY(maat_sgx_report_body_parse(r, "QE report", &q->qe_report));
    MAAT_TRY(maat_read_fixed(r, "QE report signature", SIG_SIZE, &q->qe_report_signature));
    MAAT_TRY(maat_read_u16le(r, "QE authentication data size", &auth_len));
    MAAT_TRY(maat_read_view(r, "QE authentication data", auth_len, &q->qe_auth_data));
    return 0;
}

static int signature_data_parse(struct maat_reader *r, struct maat_quote *q)
{
    MAAT_TRY(maat_read_fixed(r, "quote signature", SIG_SIZE, &q->signature));
    MAAT_TRY(maat_read_fixed(r, "attestation key", KEY_SIZE, &q->attest_pub_key));
    if (q->version == 3) {
        MAAT_TRY(qe_section_parse(r, q));
        MAAT_TRY(cert_data_parse(r, true, &q->cert_data, &q->outer_cert_type));
        return maat_reader_expect_end(r);
    }
    /* v4 / v5: certification data type 6 wraps the QE section. */
    size_t at = maat_reader_pos(r);
    uint16_t type;
    size_t before = r->off;
    MAAT_TRY(cert_data_parse(r, false, &q->cert_data, &type));
    q->outer_cert_type = type;
    MAAT_ENSURE(type == MAAT_CERT_QE_REPORT, r->err, MAAT_ERR_UNSUPPORTED,
                "%s: certification data type %u at offset %zu: a v%u quote must carry type 6 "
                "(QE report certification data)",
                r->what, type, at, q->version);
    /* Re-read the type-6 payload, now knowing its bounds. */
    struct maat_reader outer;
    maat_reader_init(&outer, r->buf + before + 6, r->off - before - 6, r->what, r->err);
    outer.base = r->base + before + 6;
    MAAT_TRY(qe_section_parse(&outer, q));
    MAAT_TRY(cert_data_parse(&outer, true, &q->cert_data, NULL));
    MAAT_TRY(maat_reader_expect_end(&outer));
    return maat_reader_expect_end(r);
}

static int header_parse(struct maat_reader *r, struct maat_quote *q)
{
    uint32_t tee;
    MAAT_TRY(maat_read_u16le(r, "version", &q->version));
    MAAT_ENSURE(q->version >= 3 && q->version <= 5, r->err, MAAT_ERR_UNSUPPORTED,
                "%s header: version %u at offset %zu is not supported (expected 3, 4 or 5)",
                r->what, q->version, maat_reader_pos(r) - 2);
    MAAT_TRY(maat_read_u16le(r, "attestation key type", &q->att_key_type));
    MAAT_ENSURE(q->att_key_type == MAAT_ATT_KEY_ECDSA_P256, r->err,
                q->att_key_type == MAAT_ATT_KEY_ECDSA_P384 ? MAAT_ERR_UNSUPPORTED : MAAT_ERR_VALUE,
                "%s header: attestation key type %u at offset %zu is not supported (expected 2, "
                "ECDSA-256-with-P-256)",
                r->what, q->att_key_type, maat_reader_pos(r) - 2);
    MAAT_TRY(maat_read_u32le(r, "tee type", &tee));
    if (q->version == 3) {
        q->tee_type = MAAT_TEE_TYPE_SGX; /* v3: 4 reserved bytes, always SGX */
    } else {
        MAAT_ENSURE(tee == MAAT_TEE_TYPE_SGX || tee == MAAT_TEE_TYPE_TDX, r->err, MAAT_ERR_VALUE,
                    "%s header: tee type 0x%08x at offset %zu (expected 0x00000000 SGX or "
                    "0x00000081 TDX)",
                    r->what, tee, maat_reader_pos(r) - 4);
        q->tee_type = tee;
    }
    MAAT_TRY(maat_read_u16le(r, "qe_svn", &q->qe_svn));
    MAAT_TRY(maat_read_u16le(r, "pce_svn", &q->pce_svn));
    MAAT_TRY(maat_read_fixed(r, "qe_vendor_id", VENDOR_ID_SIZE, &q->qe_vendor_id));
    MAAT_TRY(maat_read_fixed(r, "user_data", USER_DATA_SIZE, &q->user_data));
    return 0;
}

static int body_parse(struct maat_reader *r, struct maat_quote *q)
{
    size_t size;
    if (q->version == 5) {
        uint16_t type;
        size_t at = maat_reader_pos(r);
        MAAT_TRY(maat_read_u16le(r, "body type", &type));
        MAAT_TRY(maat_read_u32le(r, "body size", &q->body_size));
        MAAT_ENSURE(type >= MAAT_BODY_SGX && type <= MAAT_BODY_TD15_EX, r->err, MAAT_ERR_UNSUPPORTED,
                    "%s: body type %u at offset %zu is not supported (expected 1 SGX, 2 TDX 1.0, "
                    "3 TDX 1.5 or 4 TDX 1.5 Ex)",
                    r->what, type, at);
        q->body_type = (enum maat_body_type)type;
        size = type == MAAT_BODY_SGX    ? MAAT_SGX_REPORT_BODY_SIZE
               : type == MAAT_BODY_TD10 ? MAAT_TD10_REPORT_SIZE
               : type == MAAT_BODY_TD15 ? MAAT_TD15_REPORT_SIZE
                                        : MAAT_TD15_EX_REPORT_SIZE;
        MAAT_ENSURE(q->body_size == size, r->err, MAAT_ERR_LENGTH,
                    "%s: body size %u at offset %zu does not match body type %u (expected %zu)",
                    r->what, q->body_size, at + 2, type, size);
        bool tdx_body = type != MAAT_BODY_SGX;
        MAAT_ENSURE(tdx_body == (q->tee_type == MAAT_TEE_TYPE_TDX), r->err, MAAT_ERR_VALUE,
                    "%s: body type %u at offset %zu does not fit tee type 0x%08x", r->what, type,
                    at, q->tee_type);
    } else if (q->tee_type == MAAT_TEE_TYPE_TDX) {
        q->body_type = MAAT_BODY_TD10;
        size = MAAT_TD10_REPORT_SIZE;
        q->body_size = (uint32_t)size;
    } else {
        q->body_type = MAAT_BODY_SGX;
        size = MAAT_SGX_REPORT_BODY_SIZE;
        q->body_size = (uint32_t)size;
    }
    if (q->body_type == MAAT_BODY_SGX)
        return maat_sgx_report_body_parse(r, "report body", &q->report_body);
    return td_report_parse(r, size, &q->td_report);
}

int maat_quote_parse(const uint8_t *buf, size_t len, struct maat_quote *q, struct maat_error *err)
{
    memset(q, 0, sizeof *q);
    struct maat_reader in;
    maat_reader_init(&in, buf, len, "quote", err);
    MAAT_ENSURE(len <= MAAT_QUOTE_MAX_SIZE + MAAT_OE_HEADER_SIZE, err, MAAT_ERR_TOO_LARGE,
                "quote: %zu bytes exceed the %u-byte limit", len, MAAT_QUOTE_MAX_SIZE);

    /* OpenEnclave report envelope: version 1, report type 2 (remote), u64 size. A quote
     * cannot start this way (its first u16 is the version, 3..5). */
    size_t quote_len = len;
    if (len >= 8 && buf[0] == 1 && !buf[1] && !buf[2] && !buf[3] && buf[4] == 2 && !buf[5] &&
        !buf[6] && !buf[7]) {
        in.what = "OpenEnclave report";
        MAAT_TRY(maat_read_u32le(&in, "header version", &q->oe_version));
        MAAT_TRY(maat_read_u32le(&in, "report type", &q->oe_report_type));
        MAAT_TRY(maat_read_u64le(&in, "report size", &q->oe_report_size));
        MAAT_ENSURE(q->oe_report_size <= maat_reader_left(&in), err, MAAT_ERR_LENGTH,
                    "OpenEnclave report truncated: report size %llu at offset 8 exceeds the "
                    "%zu bytes left at offset 16",
                    (unsigned long long)q->oe_report_size, maat_reader_left(&in));
        q->oe_envelope = true;
        quote_len = (size_t)q->oe_report_size;
    }

    struct maat_reader r;
    MAAT_TRY(maat_read_sub(&in, "quote", quote_len, "quote", &r));
    size_t start = r.off;
    MAAT_TRY(header_parse(&r, q));
    MAAT_TRY(body_parse(&r, q));
    q->signed_data.ptr = r.buf + start;
    q->signed_data.len = r.off - start;

    MAAT_TRY(maat_read_u32le(&r, "signature data length", &q->signature_data_len));
    q->signature_data_offset = r.off;
    struct maat_reader sig;
    MAAT_TRY(maat_read_sub(&r, "signature data", q->signature_data_len, "quote", &sig));
    MAAT_TRY(signature_data_parse(&sig, q));

    q->quote.ptr = r.buf;
    q->quote.len = r.off;
    /* Bytes after the signature data are covered by no signature: keep them apart. */
    q->trailing.ptr = r.buf + r.off;
    q->trailing.len = (len - in.off) + maat_reader_left(&r);
    q->trailing_all_zero = maat_is_zero(q->trailing.ptr, q->trailing.len);
    return 0;
}

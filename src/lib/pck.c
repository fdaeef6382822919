/*
 * pck.c - the Intel SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1).
 *
 * The extension is three levels of SEQUENCE OF SEQUENCE { OBJECT IDENTIFIER, value }:
 * the top level (PPID, TCB, PCE-ID, FMSPC, SGX type, platform instance id,
 * configuration), the TCB sequence (16 component SVNs, PCESVN, CPUSVN) and the
 * configuration sequence (three BOOLEANs). Each level is described by a table; one
 * walker decodes a level with OpenSSL (d2i_ASN1_SEQUENCE_ANY), checks every entry
 * against the table and hands the checked value to the level's store function.
 *
 * Strictness, and how it compares with Intel's QVL (QuoteVerification/QVL/Src/
 * AttestationParsers/src/X509/{PckCertificate,Tcb,Configuration,...}.cpp):
 *  - DER only: every level is re-encoded with i2d and must equal the input bytes, so
 *    BER forms (long-form short lengths, indefinite lengths, constructed strings) and
 *    trailing bytes are rejected. QVL ignores bytes after the top SEQUENCE.
 *  - Integers are range-checked (component SVNs 0..255, PCESVN 0..65535, SGX type
 *    0..2). QVL truncates them with a cast.
 *  - Every known sub-OID must appear at most once; required ones exactly once. QVL
 *    accepts a repeated sub-OID (the later one wins) as long as the element counts fit.
 *  - Unknown sub-OIDs are REJECTED at the top level and in the TCB sequence, and
 *    IGNORED inside the configuration sequence. This mirrors what QVL does in effect:
 *    it skips unknown names while iterating, but it also requires exactly 5 (Processor
 *    CA) or 7 (Platform CA) top-level entries and exactly 18 TCB entries, so an extra
 *    entry there always fails; its configuration parser has no count check. A TCB
 *    entry maat does not understand would change what "TCB level" means, so silently
 *    ignoring one would be unsafe.
 *  - Configuration sub-fields are each optional (Intel's PCK certificate spec marks
 *    them optional; QVL requires all three): the has_* flags say which were present.
 *  - At the certificate level, a Platform-CA-issued leaf must carry .6 and .7 and a
 *    Processor-CA-issued leaf must carry neither (QVL: PlatformPckCertificate requires
 *    7 entries, ProcessorPckCertificate exactly 5).
 */
#include "maat/pck.h"
#include "maat/crypto.h"
#include "verify_internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define EXT "PCK SGX extension"
#define OID_BASE MAAT_OID_SGX_EXTENSION

/* How a value must be encoded. */
enum val_kind { V_OCTETS, V_INT, V_ENUM, V_BOOL, V_SEQ };

struct field {
    const char *oid;
    const char *name;
    enum val_kind kind;
    int64_t limit; /* V_OCTETS: exact length; V_INT / V_ENUM: largest allowed value */
    bool required;
};

struct level;
typedef int (*store_fn)(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                        size_t voff, struct maat_error *err);

struct level {
    const char *seq_name; /* the SEQUENCE, for messages: "TCB sequence 1.2...2" */
    const char *label;    /* prefix of a field name in messages: "TCB component " */
    const struct field *fields;
    size_t nfields;
    bool ignore_unknown;
    store_fn store;
};

/* --- the three tables --------------------------------------------------------- */

enum { T_PPID, T_TCB, T_PCEID, T_FMSPC, T_SGXTYPE, T_PIID, T_CONFIG, T__N };
static const struct field top_fields[T__N] = {
    [T_PPID] = {OID_BASE ".1", "PPID", V_OCTETS, 16, true},
    [T_TCB] = {OID_BASE ".2", "TCB", V_SEQ, 0, true},
    [T_PCEID] = {OID_BASE ".3", "PCE-ID", V_OCTETS, 2, true},
    [T_FMSPC] = {OID_BASE ".4", "FMSPC", V_OCTETS, 6, true},
    [T_SGXTYPE] = {OID_BASE ".5", "SGX type", V_ENUM, 2, true},
    [T_PIID] = {OID_BASE ".6", "PlatformInstanceID", V_OCTETS, 16, false},
    [T_CONFIG] = {OID_BASE ".7", "Configuration", V_SEQ, 0, false},
};

#define COMP(n)                                                       \
    {                                                                 \
        OID_BASE ".2." #n, "SGX TCB comp" #n " SVN", V_INT, 255, true \
    }
enum { TCB_PCESVN = 16, TCB_CPUSVN = 17, TCB__N = 18 };
static const struct field tcb_fields[TCB__N] = {
    COMP(1),
    COMP(2),
    COMP(3),
    COMP(4),
    COMP(5),
    COMP(6),
    COMP(7),
    COMP(8),
    COMP(9),
    COMP(10),
    COMP(11),
    COMP(12),
    COMP(13),
    COMP(14),
    COMP(15),
    COMP(16),
    [TCB_PCESVN] = {OID_BASE ".2.17", "PCESVN", V_INT, 65535, true},
    [TCB_CPUSVN] = {OID_BASE ".2.18", "CPUSVN", V_OCTETS, 16, true},
};
#undef COMP

enum { C_DYNAMIC, C_CACHED, C_SMT, C__N };
static const struct field config_fields[C__N] = {
    [C_DYNAMIC] = {OID_BASE ".7.1", "dynamicPlatform", V_BOOL, 0, false},
    [C_CACHED] = {OID_BASE ".7.2", "cachedKeys", V_BOOL, 0, false},
    [C_SMT] = {OID_BASE ".7.3", "SMTEnabled", V_BOOL, 0, false},
};

static int store_top(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                     size_t voff, struct maat_error *err);
static int store_tcb(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                     size_t voff, struct maat_error *err);
static int store_config(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                        size_t voff, struct maat_error *err);

static const struct level top_level = {
    "extension SEQUENCE", "", top_fields, T__N, false, store_top};
static const struct level tcb_level = {
    "TCB sequence " OID_BASE ".2", "TCB component ", tcb_fields, TCB__N, false, store_tcb};
static const struct level config_level = {"Configuration sequence " OID_BASE ".7",
                                          "Configuration ",
                                          config_fields,
                                          C__N,
                                          true,
                                          store_config};

/* --- DER helpers ---------------------------------------------------------------- */

static const char *tag_name(int type)
{
    const char *s = ASN1_tag2str(type);
    return (s != NULL && strcmp(s, "(unknown)") != 0) ? s : "an unexpected tag";
}

static const char *kind_name(enum val_kind k)
{
    switch (k) {
    case V_OCTETS: return "OCTET STRING";
    case V_INT: return "INTEGER";
    case V_ENUM: return "ENUMERATED";
    case V_BOOL: return "BOOLEAN";
    case V_SEQ: return "SEQUENCE";
    }
    return "?";
}

static int kind_tag(enum val_kind k)
{
    switch (k) {
    case V_OCTETS: return V_ASN1_OCTET_STRING;
    case V_INT: return V_ASN1_INTEGER;
    case V_ENUM: return V_ASN1_ENUMERATED;
    case V_BOOL: return V_ASN1_BOOLEAN;
    case V_SEQ: return V_ASN1_SEQUENCE;
    }
    return -1;
}

/* Drains OpenSSL's error queue; says whether the decoder ran out of input and keeps
 * the first reason for the message. */
static bool drain_openssl_errors(char *why, size_t whylen)
{
    bool short_input = false;
    why[0] = '\0';
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        if (ERR_GET_LIB(e) == ERR_LIB_ASN1 &&
            (ERR_GET_REASON(e) == ASN1_R_TOO_LONG || ERR_GET_REASON(e) == ASN1_R_HEADER_TOO_LONG ||
             ERR_GET_REASON(e) == ASN1_R_NOT_ENOUGH_DATA))
            short_input = true;
        if (why[0] == '\0') {
            const char *r = ERR_reason_error_string(e);
            if (r != NULL) snprintf(why, whylen, "%s", r);
        }
    }
    if (why[0] == '\0') snprintf(why, whylen, "malformed DER");
    return short_input;
}

/* Decodes `p[0..len)` as exactly one DER SEQUENCE OF ANY. `off` is the offset of p[0]
 * in the extension; `outer` says whether p is the whole extension (a short read is
 * then truncation rather than a bad inner length). */
static int decode_seq(const unsigned char *p, size_t len, size_t off, const char *what, bool outer,
                      STACK_OF(ASN1_TYPE) **out, struct maat_error *err)
{
    *out = NULL;
    if (len == 0)
        return maat_error_set(err, outer ? MAAT_ERR_TRUNCATED : MAAT_ERR_LENGTH,
                              EXT ": %s at offset %zu is empty, expected a DER SEQUENCE", what, off);
    if (len > LONG_MAX)
        return maat_error_set(err, MAAT_ERR_TOO_LARGE, EXT ": %s of %zu bytes is too large", what,
                              len);
    const unsigned char *q = p;
    STACK_OF(ASN1_TYPE) *sk = d2i_ASN1_SEQUENCE_ANY(NULL, &q, (long)len);
    if (sk == NULL) {
        char why[128];
        bool short_input = drain_openssl_errors(why, sizeof why);
        if (short_input)
            return maat_error_set(err, outer ? MAAT_ERR_TRUNCATED : MAAT_ERR_LENGTH,
                                  EXT ": %s at offset %zu: %s (%zu bytes, a length runs past "
                                      "the end)",
                                  what, off, outer ? "truncated" : "bad length", len);
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              EXT ": %s at offset %zu is not a DER SEQUENCE of "
                                  "SEQUENCE { OBJECT IDENTIFIER, value } (%s)",
                              what, off, why);
    }
    size_t used = (size_t)(q - p);
    if (used != len) {
        sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
        return maat_error_set(err, MAAT_ERR_TRAILING,
                              EXT ": %zu unexpected bytes after the %s at offset %zu, "
                                  "expected the %s to end there",
                              len - used, what, off + used, outer ? "input" : "entry");
    }
    /* DER, not BER: the canonical re-encoding must be the very same bytes. */
    unsigned char *enc = NULL;
    int n = i2d_ASN1_SEQUENCE_ANY(sk, &enc);
    bool same = n >= 0 && (size_t)n == len && memcmp(enc, p, len) == 0;
    OPENSSL_free(enc);
    if (!same) {
        sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              EXT ": %s at offset %zu is BER but not DER (a non-minimal "
                                  "length, indefinite length or constructed string)",
                              what, off);
    }
    *out = sk;
    return 0;
}

/* Encoded size of one decoded element (exact, because every level passed the DER
 * round trip); used to report offsets. */
static size_t der_size(const ASN1_TYPE *t)
{
    int n = i2d_ASN1_TYPE(t, NULL);
    return n > 0 ? (size_t)n : 0;
}

/* Appends "." (unless first) and the decimal of v at out[*at]; false when it does not fit. */
static bool put_arc(char *out, size_t outlen, size_t *at, uint64_t v, bool first)
{
    char d[24];
    size_t k = 0;
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (*at + k + 2 > outlen) return false;
    if (!first) out[(*at)++] = '.';
    while (k) out[(*at)++] = d[--k];
    out[*at] = '\0';
    return true;
}

/* Dotted text of an OID, as OBJ_obj2txt(.., 1) writes it; decoded here from the content
 * bytes because OBJ_obj2txt formats through BIO_snprintf (a tenth of a leaf's checks).
 * Arcs beyond 64 bits or malformed content go to OBJ_obj2txt. */
static void oid_text(const ASN1_OBJECT *obj, char *out, size_t outlen)
{
    const unsigned char *p = OBJ_get0_data(obj);
    size_t n = OBJ_length(obj), at = 0;
    uint64_t arc = 0;
    bool first = true, ok = p != NULL && n > 0 && (p[n - 1] & 0x80) == 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (arc == 0 && p[i] == 0x80) ok = false; /* non-minimal arc */
        if (arc >> 57) ok = false;                /* would overflow */
        arc = (arc << 7) | (p[i] & 0x7f);
        if (!ok || (p[i] & 0x80)) continue;
        if (first) {
            unsigned top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            ok = put_arc(out, outlen, &at, top, true) &&
                 put_arc(out, outlen, &at, arc - 40u * top, false);
            first = false;
        } else {
            ok = put_arc(out, outlen, &at, arc, false);
        }
        arc = 0;
    }
    if (ok) return;
    int olen = OBJ_obj2txt(out, (int)outlen, obj, 1);
    if (olen <= 0 || (size_t)olen >= outlen) snprintf(out, outlen, "(too long)");
}

/* Checks a value against its field: tag, length, range, DER booleans. */
static int check_value(const struct level *lv, const struct field *f, const ASN1_TYPE *v,
                       size_t voff, int64_t *iv, struct maat_error *err)
{
    *iv = 0;
    if (v->type != kind_tag(f->kind))
        return maat_error_set(err, MAAT_ERR_VALUE,
                              EXT ": %s%s (%s) is %s, expected %s (value at offset %zu)", lv->label,
                              f->oid, f->name, tag_name(v->type), kind_name(f->kind), voff);
    switch (f->kind) {
    case V_OCTETS: {
        int n = ASN1_STRING_length(v->value.octet_string);
        if (n != f->limit)
            return maat_error_set(err, MAAT_ERR_LENGTH,
                                  EXT ": %s%s (%s) OCTET STRING has %d bytes, expected %lld "
                                      "(value at offset %zu)",
                                  lv->label, f->oid, f->name, n, (long long)f->limit, voff);
        return 0;
    }
    case V_INT:
    case V_ENUM: {
        int ok = f->kind == V_INT ? ASN1_INTEGER_get_int64(iv, v->value.integer)
                                  : ASN1_ENUMERATED_get_int64(iv, v->value.enumerated);
        if (ok != 1)
            return maat_error_set(err, MAAT_ERR_VALUE,
                                  EXT ": %s%s (%s) value does not fit in 64 bits, expected "
                                      "0..%lld (value at offset %zu)",
                                  lv->label, f->oid, f->name, (long long)f->limit, voff);
        if (*iv < 0 || *iv > f->limit)
            return maat_error_set(err, MAAT_ERR_VALUE,
                                  EXT ": %s%s (%s) value %lld out of range 0..%lld "
                                      "(value at offset %zu)",
                                  lv->label, f->oid, f->name, (long long)*iv, (long long)f->limit,
                                  voff);
        return 0;
    }
    case V_BOOL:
        /* X.690 11.1: DER encodes TRUE as 0xFF. OpenSSL keeps the raw byte. */
        if (v->value.boolean != 0 && v->value.boolean != 0xff)
            return maat_error_set(err, MAAT_ERR_ENCODING,
                                  EXT ": %s%s (%s) BOOLEAN byte 0x%02x is not DER, expected "
                                      "0x00 or 0xff (value at offset %zu)",
                                  lv->label, f->oid, f->name, (unsigned)v->value.boolean & 0xffu,
                                  voff);
        *iv = v->value.boolean != 0;
        return 0;
    case V_SEQ: return 0;
    }
    return maat_error_set(err, MAAT_ERR_INTERNAL, EXT ": bad field table");
}

/* Decodes one level (a DER SEQUENCE at extension offset `off`), checks each entry
 * against the level's table and stores the values. */
static int parse_level(const struct level *lv, const unsigned char *p, size_t len, size_t off,
                       bool outer, struct maat_pck_info *o, struct maat_error *err)
{
    STACK_OF(ASN1_TYPE) *sk = NULL;
    MAAT_TRY(decode_seq(p, len, off, lv->seq_name, outer, &sk, err));

    int seen[TCB__N]; /* entry index + 1 of each field; 0 = not seen. TCB__N is the max. */
    memset(seen, 0, sizeof seen);
    int rc = 0;
    int count = sk_ASN1_TYPE_num(sk);
    size_t body = 0;
    for (int i = 0; i < count; i++) body += der_size(sk_ASN1_TYPE_value(sk, i));
    size_t eoff = off + (len - body); /* first entry follows the SEQUENCE header */

    for (int i = 0; i < count && rc == 0; i++) {
        const ASN1_TYPE *entry = sk_ASN1_TYPE_value(sk, i);
        size_t esize = der_size(entry);
        if (entry->type != V_ASN1_SEQUENCE) {
            rc = maat_error_set(err, MAAT_ERR_VALUE,
                                EXT ": %s entry %d at offset %zu is %s, expected SEQUENCE "
                                    "{ OBJECT IDENTIFIER, value }",
                                lv->seq_name, i, eoff, tag_name(entry->type));
            break;
        }
        STACK_OF(ASN1_TYPE) *tuple = NULL;
        char what[96];
        snprintf(what, sizeof what, "%s entry %d", lv->seq_name, i);
        rc = decode_seq(entry->value.sequence->data, (size_t)entry->value.sequence->length, eoff,
                        what, false, &tuple, err);
        if (rc != 0) break;
        const ASN1_TYPE *name = sk_ASN1_TYPE_num(tuple) > 0 ? sk_ASN1_TYPE_value(tuple, 0) : NULL;
        const ASN1_TYPE *val = sk_ASN1_TYPE_num(tuple) > 1 ? sk_ASN1_TYPE_value(tuple, 1) : NULL;
        if (sk_ASN1_TYPE_num(tuple) != 2) {
            rc = maat_error_set(err, MAAT_ERR_VALUE,
                                EXT ": %s entry %d at offset %zu has %d elements, expected 2 "
                                    "(OBJECT IDENTIFIER, value)",
                                lv->seq_name, i, eoff, sk_ASN1_TYPE_num(tuple));
        } else if (name->type != V_ASN1_OBJECT) {
            rc = maat_error_set(err, MAAT_ERR_VALUE,
                                EXT ": %s entry %d at offset %zu starts with %s, expected "
                                    "OBJECT IDENTIFIER",
                                lv->seq_name, i, eoff, tag_name(name->type));
        } else {
            size_t voff = eoff + (esize - der_size(name) - der_size(val)) + der_size(name);
            char oid[128];
            oid_text(name->value.object, oid, sizeof oid);
            size_t k = 0;
            while (k < lv->nfields && strcmp(lv->fields[k].oid, oid) != 0) k++;
            if (k == lv->nfields) {
                if (!lv->ignore_unknown)
                    rc = maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                                        EXT ": %s entry %d at offset %zu has unknown sub-OID "
                                            "%s, expected one of %s .. %s",
                                        lv->seq_name, i, eoff, oid, lv->fields[0].oid,
                                        lv->fields[lv->nfields - 1].oid);
            } else if (seen[k] != 0) {
                rc = maat_error_set(err, MAAT_ERR_VALUE,
                                    EXT ": %s%s (%s) appears twice (entries %d and %d of the "
                                        "%s), expected once (entry at offset %zu)",
                                    lv->label, lv->fields[k].oid, lv->fields[k].name, seen[k] - 1,
                                    i, lv->seq_name, eoff);
            } else {
                int64_t iv = 0;
                seen[k] = i + 1;
                rc = check_value(lv, &lv->fields[k], val, voff, &iv, err);
                if (rc == 0) rc = lv->store(o, k, val, iv, voff, err);
            }
        }
        sk_ASN1_TYPE_pop_free(tuple, ASN1_TYPE_free);
        eoff += esize;
    }
    sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
    if (rc != 0) return -1;

    for (size_t k = 0; k < lv->nfields; k++) {
        if (lv->fields[k].required && seen[k] == 0)
            return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                                  EXT ": %s%s (%s) missing from the %s at offset %zu, "
                                      "required exactly once",
                                  lv->label, lv->fields[k].oid, lv->fields[k].name, lv->seq_name,
                                  off);
    }
    return 0;
}

/* --- store functions (values already checked) ------------------------------------ */

static void copy_octets(uint8_t *dst, const ASN1_TYPE *v, size_t n)
{
    memcpy(dst, ASN1_STRING_get0_data(v->value.octet_string), n);
}

static int store_top(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                     size_t voff, struct maat_error *err)
{
    switch (idx) {
    case T_PPID: copy_octets(o->ppid, v, sizeof o->ppid); return 0;
    case T_PCEID: copy_octets(o->pce_id, v, sizeof o->pce_id); return 0;
    case T_FMSPC: copy_octets(o->fmspc, v, sizeof o->fmspc); return 0;
    case T_SGXTYPE: o->sgx_type = (enum maat_sgx_type)iv; return 0;
    case T_PIID:
        copy_octets(o->platform_instance_id, v, sizeof o->platform_instance_id);
        o->has_platform_instance_id = true;
        return 0;
    case T_TCB:
        return parse_level(&tcb_level, v->value.sequence->data, (size_t)v->value.sequence->length,
                           voff, false, o, err);
    case T_CONFIG:
        o->has_configuration = true;
        return parse_level(&config_level, v->value.sequence->data,
                           (size_t)v->value.sequence->length, voff, false, o, err);
    }
    return maat_error_set(err, MAAT_ERR_INTERNAL, EXT ": bad top-level index %zu", idx);
}

static int store_tcb(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                     size_t voff, struct maat_error *err)
{
    (void)voff;
    (void)err;
    if (idx < 16)
        o->tcb_components[idx] = (uint8_t)iv;
    else if (idx == TCB_PCESVN)
        o->pcesvn = (uint16_t)iv;
    else
        copy_octets(o->cpusvn, v, sizeof o->cpusvn);
    return 0;
}

static int store_config(struct maat_pck_info *o, size_t idx, const ASN1_TYPE *v, int64_t iv,
                        size_t voff, struct maat_error *err)
{
    (void)v;
    (void)voff;
    (void)err;
    bool b = iv != 0;
    switch (idx) {
    case C_DYNAMIC:
        o->dynamic_platform = b;
        o->has_dynamic_platform = true;
        break;
    case C_CACHED:
        o->cached_keys = b;
        o->has_cached_keys = true;
        break;
    default:
        o->smt_enabled = b;
        o->has_smt_enabled = true;
        break;
    }
    return 0;
}

/* --- the common case without OpenSSL's decoder ------------------------------------
 *
 * The table-driven parser above decodes every entry with d2i_ASN1_SEQUENCE_ANY and checks
 * DER by re-encoding it: about a fifth of a first-seen leaf's checks. fast_level() reads
 * the same structure directly, accepting only what the parser above accepts (strict DER:
 * definite minimal lengths, primitive strings, minimal non-negative integers, BOOLEAN
 * 0x00/0xFF; every sub-OID known, none twice, required ones present) and filling the same
 * fields. On anything else it returns false and the parser above decides and names the
 * error, so messages and verdicts are the same (test_pck_first_seen_ext.c compares the
 * two on mutated extensions). */

struct der_rd {
    const uint8_t *p;
    size_t n;
};

/* The next TLV: tag and contents. False unless strict DER with a one-byte tag. */
static bool rd_tlv(struct der_rd *r, uint8_t *tag, struct der_rd *c)
{
    if (r->n < 2 || (r->p[0] & 0x1f) == 0x1f) return false;
    size_t l = r->p[1], h = 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 2 || r->n < 2 + k || r->p[2] == 0) return false;
        l = k == 1 ? r->p[2] : ((size_t)r->p[2] << 8 | r->p[3]);
        if (l < 128) return false;
        h += k;
    }
    if (l > r->n - h) return false;
    *tag = r->p[0];
    c->p = r->p + h;
    c->n = l;
    r->p += h + l;
    r->n -= h + l;
    return true;
}

/* DER contents of OID_BASE (1.2.840.113741.1.13.1); every sub-arc used here is < 128. */
static const uint8_t oid_base_der[9] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

/* The field index of an OID's contents at this level (fields are OID_BASE.k, or
 * OID_BASE.2.k / OID_BASE.7.k), or -1. */
static int fast_field(const struct level *lv, const struct der_rd *oid)
{
    size_t extra = lv == &top_level ? 1 : 2;
    if (oid->n != sizeof oid_base_der + extra || memcmp(oid->p, oid_base_der, 9) != 0) return -1;
    if (extra == 2 && oid->p[9] != (lv == &tcb_level ? 2 : 7)) return -1;
    unsigned k = oid->p[sizeof oid_base_der + extra - 1];
    return k >= 1 && k <= lv->nfields ? (int)k - 1 : -1;
}

static bool fast_level(const struct level *lv, const uint8_t *p, size_t len, struct maat_pck_info *o)
{
    struct der_rd all = {p, len}, seq, entry, oid, val;
    uint8_t tag, vtag;
    bool seen[TCB__N] = {false};
    if (!rd_tlv(&all, &tag, &seq) || tag != 0x30 || all.n != 0) return false;
    while (seq.n > 0) {
        const uint8_t *vstart;
        if (!rd_tlv(&seq, &tag, &entry) || tag != 0x30) return false;
        if (!rd_tlv(&entry, &tag, &oid) || tag != 0x06) return false;
        vstart = entry.p;
        if (!rd_tlv(&entry, &vtag, &val) || entry.n != 0) return false;
        int k = fast_field(lv, &oid);
        if (k < 0 || seen[k]) return false;
        seen[k] = true;
        const struct field *f = &lv->fields[k];
        int64_t iv = 0;
        switch (f->kind) {
        case V_OCTETS:
            if (vtag != V_ASN1_OCTET_STRING || val.n != (size_t)f->limit) return false;
            break;
        case V_INT:
        case V_ENUM:
            if (vtag != (f->kind == V_INT ? V_ASN1_INTEGER : V_ASN1_ENUMERATED) || val.n == 0 ||
                val.n > 3 || (val.p[0] & 0x80) || (val.n > 1 && val.p[0] == 0 && !(val.p[1] & 0x80)))
                return false;
            for (size_t i = 0; i < val.n; i++) iv = (iv << 8) | val.p[i];
            if (iv > f->limit) return false;
            break;
        case V_BOOL:
            if (vtag != V_ASN1_BOOLEAN || val.n != 1 || (val.p[0] != 0 && val.p[0] != 0xff))
                return false;
            iv = val.p[0] != 0;
            break;
        case V_SEQ:
            if (vtag != 0x30) return false;
            break;
        }
        if (lv == &top_level) {
            switch (k) {
            case T_PPID: memcpy(o->ppid, val.p, 16); break;
            case T_PCEID: memcpy(o->pce_id, val.p, 2); break;
            case T_FMSPC: memcpy(o->fmspc, val.p, 6); break;
            case T_SGXTYPE: o->sgx_type = (enum maat_sgx_type)iv; break;
            case T_PIID:
                memcpy(o->platform_instance_id, val.p, 16);
                o->has_platform_instance_id = true;
                break;
            case T_TCB:
            case T_CONFIG:
                if (k == T_CONFIG) o->has_configuration = true;
                if (!fast_level(k == T_TCB ? &tcb_level : &config_level, vstart,
                                (size_t)(val.p + val.n - vstart), o))
                    return false;
                break;
            }
        } else if (lv == &tcb_level) {
            if (k < 16)
                o->tcb_components[k] = (uint8_t)iv;
            else if (k == TCB_PCESVN)
                o->pcesvn = (uint16_t)iv;
            else
                memcpy(o->cpusvn, val.p, 16);
        } else {
            bool b = iv != 0;
            if (k == C_DYNAMIC)
                o->dynamic_platform = b, o->has_dynamic_platform = true;
            else if (k == C_CACHED)
                o->cached_keys = b, o->has_cached_keys = true;
            else
                o->smt_enabled = b, o->has_smt_enabled = true;
        }
    }
    for (size_t k = 0; k < lv->nfields; k++)
        if (lv->fields[k].required && !seen[k]) return false;
    return true;
}

/* --- public API ------------------------------------------------------------------ */

int maat__pck_ext_parse_generic(const uint8_t *der, size_t len, struct maat_pck_info *out,
                                struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    struct maat_pck_info tmp;
    memset(&tmp, 0, sizeof tmp);
    ERR_clear_error(); /* the queue is read to classify failures */
    int rc = parse_level(&top_level, der, len, 0, true, &tmp, err);
    ERR_clear_error();
    if (rc != 0) return -1;
    *out = tmp;
    return 0;
}

int maat_pck_ext_parse(const uint8_t *der, size_t len, struct maat_pck_info *out,
                       struct maat_error *err)
{
    if (out == NULL || (der == NULL && len != 0))
        return maat_error_set(err, MAAT_ERR_USAGE, "maat_pck_ext_parse: NULL argument");
    struct maat_pck_info tmp;
    memset(&tmp, 0, sizeof tmp);
    if (len > 0 && fast_level(&top_level, der, len, &tmp)) {
        *out = tmp;
        return 0;
    }
    return maat__pck_ext_parse_generic(der, len, out, err);
}

enum maat_pck_ca maat_pck_ca_from_cn(const char *cn, size_t len)
{
    static const char processor[] = "Intel SGX PCK Processor CA";
    static const char platform[] = "Intel SGX PCK Platform CA";
    if (len == sizeof processor - 1 && memcmp(cn, processor, len) == 0)
        return MAAT_PCK_CA_PROCESSOR;
    if (len == sizeof platform - 1 && memcmp(cn, platform, len) == 0) return MAAT_PCK_CA_PLATFORM;
    return MAAT_PCK_CA_UNKNOWN;
}

/* The CA from the issuer CN (exactly one CN, compared byte for byte). */
static enum maat_pck_ca issuer_ca(const X509 *x)
{
    const X509_NAME *name = X509_get_issuer_name(x);
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0)
        return MAAT_PCK_CA_UNKNOWN;
    const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    const unsigned char *s = ASN1_STRING_get0_data(cn);
    size_t n = (size_t)ASN1_STRING_length(cn);
    return maat_pck_ca_from_cn((const char *)s, n);
}

static int parse_x509(const X509 *x, struct maat_pck_info *out, struct maat_error *err)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(MAAT_OID_SGX_EXTENSION, 1);
    if (oid == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, EXT ": OBJ_txt2obj failed");
    int at = X509_get_ext_by_OBJ(x, oid, -1);
    int again = at >= 0 ? X509_get_ext_by_OBJ(x, oid, at) : -1;
    ASN1_OBJECT_free(oid);
    if (at < 0)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              "PCK certificate: no SGX extension (" MAAT_OID_SGX_EXTENSION
                              "); is this a PCK leaf rather than a CA certificate?");
    if (again >= 0)
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "PCK certificate: SGX extension (" MAAT_OID_SGX_EXTENSION
                              ") appears twice (extensions %d and %d), expected once",
                              at, again);
    const ASN1_OCTET_STRING *val = X509_EXTENSION_get_data(X509_get_ext(x, at));
    struct maat_pck_info tmp;
    if (maat_pck_ext_parse(ASN1_STRING_get0_data(val), (size_t)ASN1_STRING_length(val), &tmp, err) !=
        0)
        return -1;
    tmp.ca = issuer_ca(x);
    bool platform_fields = tmp.has_platform_instance_id || tmp.has_configuration;
    if (tmp.ca == MAAT_PCK_CA_PLATFORM && !tmp.has_platform_instance_id)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              EXT ": " OID_BASE ".6 (PlatformInstanceID) missing, required in "
                                  "a certificate issued by the Intel SGX PCK Platform CA");
    if (tmp.ca == MAAT_PCK_CA_PLATFORM && !tmp.has_configuration)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              EXT ": " OID_BASE ".7 (Configuration) missing, required in a "
                                  "certificate issued by the Intel SGX PCK Platform CA");
    if (tmp.ca == MAAT_PCK_CA_PROCESSOR && platform_fields)
        return maat_error_set(err, MAAT_ERR_VALUE,
                              EXT ": %s present in a certificate issued by the Intel SGX PCK "
                                  "Processor CA, expected only in Platform CA certificates",
                              tmp.has_platform_instance_id ? OID_BASE ".6 (PlatformInstanceID)"
                                                           : OID_BASE ".7 (Configuration)");
    *out = tmp;
    return 0;
}

/* d2i_X509 over exactly der[0..len). */
static int decode_cert(const uint8_t *der, size_t len, X509 **out, struct maat_error *err)
{
    *out = NULL;
    if (len > LONG_MAX)
        return maat_error_set(err, MAAT_ERR_TOO_LARGE, "PCK certificate: %zu bytes is too large",
                              len);
    const unsigned char *p = der;
    X509 *x = len ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x == NULL) {
        char why[128];
        bool short_input = drain_openssl_errors(why, sizeof why);
        return maat_error_set(err, short_input || len == 0 ? MAAT_ERR_TRUNCATED : MAAT_ERR_ENCODING,
                              "PCK certificate: not a DER X.509 certificate (%zu bytes: %s)", len,
                              len == 0 ? "empty" : why);
    }
    size_t used = (size_t)(p - der);
    if (used != len) {
        X509_free(x);
        return maat_error_set(err, MAAT_ERR_TRAILING,
                              "PCK certificate: %zu unexpected bytes after the certificate at "
                              "offset %zu",
                              len - used, used);
    }
    *out = x;
    return 0;
}

int maat_pck_cert_parse_der(const uint8_t *der, size_t len, struct maat_pck_info *out,
                            struct maat_error *err)
{
    if (out == NULL || (der == NULL && len != 0))
        return maat_error_set(err, MAAT_ERR_USAGE, "maat_pck_cert_parse_der: NULL argument");
    memset(out, 0, sizeof *out);
    ERR_clear_error(); /* the queue is read to classify failures */
    X509 *x = NULL;
    int rc = decode_cert(der, len, &x, err);
    if (rc == 0) rc = parse_x509(x, out, err);
    X509_free(x);
    ERR_clear_error();
    return rc;
}

/* The SGX extension of an already decoded certificate (verify.c, pck_cache.c): no DER
 * round trip. */
int maat__pck_info_from_x509(const X509 *x, struct maat_pck_info *out, struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    ERR_clear_error();
    int rc = parse_x509(x, out, err);
    ERR_clear_error();
    return rc;
}

int maat_pck_info_from_chain(const uint8_t *chain, size_t len, struct maat_pck_info *out,
                             struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    STACK_OF(X509) *sk = maat__x509_load_all(chain, len, "PCK certificate chain", err);
    if (sk == NULL) return -1;
    X509 *leaf = maat__x509_find_leaf(sk);
    int rc = leaf ? parse_x509(leaf, out, err)
                  : maat_error_set(err, MAAT_ERR_VALUE, "PCK certificate chain: no leaf certificate");
    sk_X509_pop_free(sk, X509_free);
    ERR_clear_error();
    return rc;
}

/* Only whitespace (and the NULs that end type-5 quote chains) may follow the block. */
static size_t skip_blank(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' || s[i] == '\0'))
        i++;
    return i;
}

int maat_pck_cert_parse_pem(const char *pem, size_t len, struct maat_pck_info *out,
                            struct maat_error *err)
{
    if (out == NULL || (pem == NULL && len != 0))
        return maat_error_set(err, MAAT_ERR_USAGE, "maat_pck_cert_parse_pem: NULL argument");
    memset(out, 0, sizeof *out);
    if (len > INT_MAX)
        return maat_error_set(err, MAAT_ERR_TOO_LARGE,
                              "PCK certificate PEM: %zu bytes is too large", len);
    ERR_clear_error(); /* the queue is read to classify failures */
    int rc;
    char *name = NULL, *header = NULL;
    unsigned char *body = NULL;
    long blen = 0;
    X509 *x = NULL;
    BIO *bio = BIO_new_mem_buf(len ? pem : "", (int)len);
    if (bio == NULL) {
        rc = maat_error_set(err, MAAT_ERR_NOMEM, "PCK certificate PEM: BIO_new_mem_buf failed");
    } else if (!PEM_read_bio(bio, &name, &header, &body, &blen)) {
        char why[128];
        drain_openssl_errors(why, sizeof why);
        rc = maat_error_set(err, MAAT_ERR_ENCODING,
                            "PCK certificate PEM: no readable \"-----BEGIN CERTIFICATE-----\" "
                            "block (%s)",
                            why);
    } else if (strcmp(name, PEM_STRING_X509) != 0 && strcmp(name, PEM_STRING_X509_OLD) != 0) {
        rc = maat_error_set(err, MAAT_ERR_ENCODING,
                            "PCK certificate PEM: first block is \"%.64s\", expected "
                            "\"CERTIFICATE\"",
                            name);
    } else if (header != NULL && header[0] != '\0') {
        rc = maat_error_set(err, MAAT_ERR_ENCODING,
                            "PCK certificate PEM: unexpected PEM headers (\"%.64s\")", header);
    } else {
        size_t at = len - (size_t)BIO_pending(bio), i = skip_blank(pem, at, len);
        if (i < len) {
            rc = maat_error_set(err, MAAT_ERR_TRAILING,
                                "PCK certificate PEM: unexpected text at offset %zu after the "
                                "certificate (pass one certificate, not a chain)",
                                i);
        } else if ((rc = decode_cert(body, (size_t)blen, &x, err)) != 0) {
            maat_error_prefix(err, "PCK certificate PEM: base64 body");
        } else {
            rc = parse_x509(x, out, err);
        }
    }
    X509_free(x);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(body);
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

const char *maat_sgx_type_name(enum maat_sgx_type t)
{
    switch (t) {
    case MAAT_SGX_TYPE_STANDARD: return "Standard";
    case MAAT_SGX_TYPE_SCALABLE: return "Scalable";
    case MAAT_SGX_TYPE_SCALABLE_WITH_INTEGRITY: return "ScalableWithIntegrity";
    }
    return "unknown";
}

const char *maat_pck_ca_name(enum maat_pck_ca ca)
{
    switch (ca) {
    case MAAT_PCK_CA_PROCESSOR: return "processor";
    case MAAT_PCK_CA_PLATFORM: return "platform";
    case MAAT_PCK_CA_UNKNOWN: break;
    }
    return "unknown";
}

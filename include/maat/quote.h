/*
 * quote.h - SGX and TDX quotes (v3, v4, v5) and the OpenEnclave report envelope.
 *
 * maat_quote_parse() checks structure only (sizes, versions, types): no signature, no
 * certificate, no time. The result points into the caller's buffer; keep the buffer
 * alive as long as the struct. Field names follow Intel's sgx_quote_3.h / sgx_quote_4.h
 * / sgx_quote_5.h; offsets are given relative to the start of each structure.
 */
#ifndef MAAT_QUOTE_H
#define MAAT_QUOTE_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/bytes.h"
#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_QUOTE_HEADER_SIZE 48
#define MAAT_SGX_REPORT_BODY_SIZE 384
#define MAAT_TD10_REPORT_SIZE 584
#define MAAT_TD15_REPORT_SIZE 648
#define MAAT_TD15_EX_REPORT_SIZE 885 /* v5 body type 4, "TD Report 1.5 Ex" (QVL26) */
#define MAAT_OE_HEADER_SIZE 16
#define MAAT_QUOTE_MAX_SIZE (1u << 20) /* 1 MiB: far above any real quote */
#define MAAT_PCK_CHAIN_MAX 8           /* certificates kept from a type-5 chain */

#define MAAT_ATT_KEY_ECDSA_P256 2
#define MAAT_ATT_KEY_ECDSA_P384 3
#define MAAT_TEE_TYPE_SGX 0x00000000u
#define MAAT_TEE_TYPE_TDX 0x00000081u

/* SGX attributes.flags bits */
#define MAAT_SGX_FLAGS_INIT 0x01u
#define MAAT_SGX_FLAGS_DEBUG 0x02u
#define MAAT_SGX_FLAGS_MODE64BIT 0x04u
#define MAAT_SGX_FLAGS_PROVISION_KEY 0x10u
#define MAAT_SGX_FLAGS_EINITTOKEN_KEY 0x20u
#define MAAT_SGX_FLAGS_KSS 0x80u

/* Certification data types (Intel's sgx_ql_cert_key_type_t). */
enum maat_cert_type {
    MAAT_CERT_PPID_CLEARTEXT = 1,
    MAAT_CERT_PPID_RSA2048 = 2,
    MAAT_CERT_PPID_RSA3072 = 3,
    MAAT_CERT_PCK_CLEARTEXT = 4,
    MAAT_CERT_PCK_CHAIN = 5,
    MAAT_CERT_QE_REPORT = 6,
    MAAT_CERT_PLATFORM_MANIFEST = 7,
};

/* sgx_report_body_t, 384 bytes. */
struct maat_sgx_report_body {
    const uint8_t *raw;             /* all 384 bytes (signed region) */
    const uint8_t *cpu_svn;         /*   0, 16 */
    uint32_t misc_select;           /*  16,  4 */
    const uint8_t *isv_ext_prod_id; /*  32, 16 */
    const uint8_t *attributes;      /*  48, 16 (flags u64 ‖ xfrm u64) */
    uint64_t attributes_flags;
    uint64_t attributes_xfrm;
    const uint8_t *mr_enclave;    /*  64, 32 */
    const uint8_t *mr_signer;     /* 128, 32 */
    const uint8_t *config_id;     /* 192, 64 */
    uint16_t isv_prod_id;         /* 256 */
    uint16_t isv_svn;             /* 258 */
    uint16_t config_svn;          /* 260 */
    const uint8_t *isv_family_id; /* 304, 16 */
    const uint8_t *report_data;   /* 320, 64 */
};

/* sgx_report2_body_t (TDX 1.0, 584 bytes) and its TDX 1.5 extension (648 bytes). */
struct maat_td_report {
    const uint8_t *raw;
    size_t size;                    /* 584 or 648 */
    const uint8_t *tee_tcb_svn;     /*   0, 16 */
    const uint8_t *mr_seam;         /*  16, 48 */
    const uint8_t *mr_signer_seam;  /*  64, 48 */
    const uint8_t *seam_attributes; /* 112,  8 */
    const uint8_t *td_attributes;   /* 120,  8 */
    const uint8_t *xfam;            /* 128,  8 */
    const uint8_t *mr_td;           /* 136, 48 */
    const uint8_t *mr_config_id;    /* 184, 48 */
    const uint8_t *mr_owner;        /* 232, 48 */
    const uint8_t *mr_owner_config; /* 280, 48 */
    const uint8_t *rtmr[4];         /* 328, 4 x 48 */
    const uint8_t *report_data;     /* 520, 64 */
    const uint8_t *tee_tcb_svn2;    /* 584, 16 (TDX 1.5 only, else NULL) */
    const uint8_t *mr_servicetd;    /* 600, 48 (TDX 1.5 only, else NULL) */
    /* body type 4 ("TD Report 1.5 Ex", 885 bytes) only, else NULL; Intel's QVL parses
     * them and checks none of them */
    const uint8_t *vm_id;                  /* 648,  1 */
    const uint8_t *td_id;                  /* 649, 32 */
    const uint8_t *dev_info;               /* 681, 48 */
    const uint8_t *init_servtd_hash;       /* 729, 48 */
    const uint8_t *init_servtd_attributes; /* 777,  8 */
    const uint8_t *init_cpu_svn;           /* 785, 16 */
    const uint8_t *init_tee_tcb_svn;       /* 801, 16 */
    const uint8_t *init_tee_fmspc;         /* 817, 12 */
    const uint8_t *cur_servtd_hash;        /* 829, 48 */
    const uint8_t *cur_servtd_attributes;  /* 877,  8 */
};

/* Certification data type 1 (PPID in clear; also the tail layout of types 2 and 3). */
struct maat_ppid_info {
    struct maat_view ppid;  /* 16 bytes (type 1) or encrypted 256/384 (types 2/3) */
    const uint8_t *cpu_svn; /* 16 */
    uint16_t pce_svn;
    uint16_t pce_id;
    bool has_pce_id; /* Intel's old sample omits it (34-byte type 1) */
};

/* Certification data after type dispatch (the innermost one, i.e. the one that
 * identifies the PCK, for type 6 the nested data). */
struct maat_cert_data {
    uint16_t type;
    struct maat_view data;
    size_t offset; /* absolute offset of data within the quote */
    /* type 5: the chain split into certificates, in the order they appear (for Intel:
     * leaf, PCK CA, root). Each view is one PEM block ("-----BEGIN...END...-----") or,
     * where a producer concatenated DER, one DER certificate. */
    size_t chain_len;
    struct maat_view chain[MAAT_PCK_CHAIN_MAX];
    bool chain_is_der;
    /* types 1, 2, 3 */
    struct maat_ppid_info ppid;
};

enum maat_body_type {
    MAAT_BODY_SGX = 1,     /* sgx_report_body_t, 384 B */
    MAAT_BODY_TD10 = 2,    /* TDX 1.0 TD report, 584 B */
    MAAT_BODY_TD15 = 3,    /* TDX 1.5 TD report, 648 B */
    MAAT_BODY_TD15_EX = 4, /* TDX 1.5 "Ex" TD report, 885 B (QVL26) */
};

struct maat_quote {
    /* input as given */
    bool oe_envelope; /* an OpenEnclave report header preceded the quote */
    uint32_t oe_version, oe_report_type;
    uint64_t oe_report_size;
    struct maat_view quote;    /* the quote proper: header .. end of signature data */
    struct maat_view trailing; /* bytes after the signature data (not signed) */
    bool trailing_all_zero;

    /* sgx_quote_header_t, 48 bytes */
    uint16_t version;      /* 3, 4 or 5 */
    uint16_t att_key_type; /* 2 = ECDSA P-256 */
    uint32_t tee_type;     /* v4+: 0 SGX, 0x81 TDX; v3: reserved (0) */
    uint16_t qe_svn;       /* v3/v4: qe_svn; (v4 TDX calls it reserved) */
    uint16_t pce_svn;
    const uint8_t *qe_vendor_id; /* 12, 16 */
    const uint8_t *user_data;    /* 28, 20 */

    /* body */
    enum maat_body_type body_type;
    uint32_t body_size;                      /* v5 descriptor size, else implied */
    struct maat_sgx_report_body report_body; /* SGX quotes */
    struct maat_td_report td_report;         /* TDX quotes */
    struct maat_view signed_data;            /* what the quote signature covers */

    /* signature data */
    uint32_t signature_data_len;
    size_t signature_data_offset;
    const uint8_t *signature;      /* 64: r ‖ s */
    const uint8_t *attest_pub_key; /* 64: x ‖ y */
    uint16_t outer_cert_type;      /* v3: as cert_data.type; v4/v5: normally 6 */
    struct maat_sgx_report_body qe_report;
    const uint8_t *qe_report_signature; /* 64: r ‖ s */
    struct maat_view qe_auth_data;
    struct maat_cert_data cert_data; /* innermost certification data */
};

/* Parses a binary quote, optionally preceded by an OpenEnclave report header (detected
 * when the first 8 bytes are version 1, type 2). Structure only; every rejection names
 * the field and offset. Bytes after the signature data are not part of the quote: they
 * are reported in q->trailing, never parsed. */
MAAT_MUST_CHECK int maat_quote_parse(const uint8_t *buf, size_t len, struct maat_quote *q,
                                     struct maat_error *err);

/* Parses a 384-byte SGX report body (also used for the QE report). */
MAAT_MUST_CHECK int maat_sgx_report_body_parse(struct maat_reader *r, const char *field,
                                               struct maat_sgx_report_body *out);

/* Human-readable name of a certification data type ("PCK certificate chain"). */
const char *maat_cert_type_name(uint16_t type);
/* "SGX" / "TDX" / "unknown". */
const char *maat_tee_type_name(uint32_t tee_type);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_QUOTE_H */

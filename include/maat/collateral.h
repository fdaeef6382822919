/*
 * collateral.h - Intel DCAP collateral: TCB info, enclave (QE/QVE/TD_QE) identity, the
 * dcap-qvl style collateral bundle, and TCB level matching (Intel QVL semantics).
 *
 * Parsing is strict: required fields present, keys case-sensitive, exact JSON types,
 * integers non-negative and in range (no fraction, exponent, sign or overflow), hex of
 * exact length, RFC 3339 UTC dates that exist on the calendar, duplicate keys rejected,
 * input at most MAAT_COLLATERAL_MAX_INPUT bytes and nested at most 32 levels. Unknown
 * fields are ignored (Intel adds fields over time). Every rejection names the field by
 * its JSON path (e.g. "tcbInfo.tcbLevels[3].tcb.pcesvn") and its byte offset.
 *
 * Nothing here checks a signature or a time window. Each parsed item keeps the exact
 * signed bytes (`signed_body`: the `tcbInfo` / `enclaveIdentity` value exactly as it
 * appears in the input) and the decoded 64-byte r||s signature, for the verifier.
 *
 * Ownership: *_parse fill caller memory and allocate; *_cleanup release (safe on a
 * zeroed or failed struct). `signed_body` is a view into the input passed to *_parse
 * (keep that buffer alive), or, for a bundle, into the bundle's own copy.
 */
#ifndef MAAT_COLLATERAL_H
#define MAAT_COLLATERAL_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/bytes.h"
#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_COLLATERAL_MAX_INPUT (1u << 20) /* 1 MiB: real collateral is < 64 KiB */
#define MAAT_TCB_COMPONENTS 16
#define MAAT_COLLATERAL_SIG_SIZE 64 /* ECDSA P-256 r||s */

/* TCB level status, as Intel names it in JSON ("UpToDate", ...). */
enum maat_tcb_status {
    MAAT_TCB_UP_TO_DATE = 0,
    MAAT_TCB_SW_HARDENING_NEEDED,
    MAAT_TCB_CONFIGURATION_NEEDED,
    MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    MAAT_TCB_OUT_OF_DATE,
    MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    MAAT_TCB_REVOKED,
    /* Verdict-only statuses (TDX relaunch, QVL26); never accepted in collateral. */
    MAAT_TCB_TD_RELAUNCH_ADVISED,
    MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
    MAAT_TCB_STATUS__COUNT
};

/* The JSON name of a status ("UpToDate"); "unknown" for a value outside the enum. */
const char *maat_tcb_status_name(enum maat_tcb_status s);
/* Parses a status name (exact, case-sensitive). 0 on success, -1 if not a status. */
MAAT_MUST_CHECK int maat_tcb_status_from_name(const char *s, size_t len, enum maat_tcb_status *out);

/* TCB info `id` (v3). Versions 1 and 2 have no id and are SGX. */
enum maat_tcb_id { MAAT_TCB_ID_SGX = 0, MAAT_TCB_ID_TDX = 1 };
/* "SGX" / "TDX". */
const char *maat_tcb_id_name(enum maat_tcb_id id);

/* Enclave identity `id` (v2). Version 1 (`qeIdentity`) is always the QE. */
enum maat_enclave_id { MAAT_ENCLAVE_ID_QE = 0, MAAT_ENCLAVE_ID_QVE = 1, MAAT_ENCLAVE_ID_TD_QE = 2 };
/* "QE" / "QVE" / "TD_QE". */
const char *maat_enclave_id_name(enum maat_enclave_id id);

/* One TCB component: v3 `{svn, category?, type?}`; v1/v2 only fill svn. */
struct maat_tcb_component {
    uint8_t svn;
    char *category; /* NULL when absent */
    char *type;     /* NULL when absent */
};

/* One entry of tcbInfo.tcbLevels. */
struct maat_tcb_level {
    struct maat_tcb_component sgx_components[MAAT_TCB_COMPONENTS];
    uint16_t pcesvn;
    bool has_tdx_components; /* v3 `tdxtcbcomponents` (required when id is TDX) */
    struct maat_tcb_component tdx_components[MAAT_TCB_COMPONENTS];
    bool has_tcb_date; /* v1 levels have none */
    time_t tcb_date;
    enum maat_tcb_status status; /* v1 `status`, v2/v3 `tcbStatus` */
    char **advisory_ids;         /* `advisoryIDs` (optional; count 0 when absent) */
    size_t advisory_id_count;
};

/* One level of an enclave identity or a TDX module identity. */
struct maat_enclave_tcb_level {
    uint16_t isvsvn;
    bool has_tcb_date; /* false only for the levels synthesized for v1 */
    time_t tcb_date;
    enum maat_tcb_status status;
    char **advisory_ids;
    size_t advisory_id_count;
};

/* tcbInfo.tdxModule (v3, TDX). */
struct maat_tdx_module {
    uint8_t mrsigner[48];
    uint8_t attributes[8];
    uint8_t attributes_mask[8];
};

/* One entry of tcbInfo.tdxModuleIdentities (v3, TDX; optional). isvsvn is 0..255. */
struct maat_tdx_module_identity {
    char *id; /* e.g. "TDX_01" */
    uint8_t mrsigner[48];
    uint8_t attributes[8];
    uint8_t attributes_mask[8];
    struct maat_enclave_tcb_level *levels;
    size_t level_count;
};

/* A parsed TCB info (versions 1, 2, 3). */
struct maat_tcb_info {
    uint32_t version;
    enum maat_tcb_id id; /* SGX unless v3 says TDX */
    time_t issue_date;
    time_t next_update;
    uint8_t fmspc[6];
    bool has_pce_id; /* required in v3; v1/v2 files may omit it */
    uint8_t pce_id[2];
    uint32_t tcb_type;                   /* always 0 (v1: absent, reported as 0) */
    bool has_tcb_evaluation_data_number; /* v2 and v3 */
    uint32_t tcb_evaluation_data_number;
    bool has_tdx_module; /* v3 TDX: required */
    struct maat_tdx_module tdx_module;
    struct maat_tdx_module_identity *tdx_module_identities;
    size_t tdx_module_identity_count;
    struct maat_tcb_level *levels;               /* SGX: document order (Intel: best first); TDX:
                                            sorted as Intel's QVL sorts them (SGX SVNs,
                                            pcesvn, TDX SVNs; higher first), duplicates
                                            refused; module identity levels: isvsvn
                                            descending, duplicates refused */
    size_t level_count;                          /* >= 1 */
    struct maat_view signed_body;                /* exact bytes the signature covers */
    uint8_t signature[MAAT_COLLATERAL_SIG_SIZE]; /* r||s, big-endian, 32 bytes each */
};

/* A parsed enclave identity (v2 `enclaveIdentity`, v1 `qeIdentity`). */
struct maat_enclave_identity {
    uint32_t version;
    enum maat_enclave_id id;
    time_t issue_date;
    time_t next_update;
    bool has_tcb_evaluation_data_number; /* v2 */
    uint32_t tcb_evaluation_data_number;
    /* Hex strings decoded byte-for-byte in text order: compare with the report's raw
     * (little-endian) bytes, as Intel's QVL does. */
    uint8_t miscselect[4];
    uint8_t miscselect_mask[4];
    uint8_t attributes[16];
    uint8_t attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    /* v2: the document's tcbLevels. v1 has a single `isvsvn` N instead; it is kept in
     * v1_isvsvn and expressed as two synthesized levels {N: UpToDate}, {0: OutOfDate}
     * (QVL's EnclaveIdentityV1::getTcbStatus), so matching works the same way. */
    uint16_t v1_isvsvn;
    struct maat_enclave_tcb_level *levels;
    size_t level_count; /* >= 1 */
    struct maat_view signed_body;
    uint8_t signature[MAAT_COLLATERAL_SIG_SIZE];
};

/*
 * Parses a PCS TCB info response: {"tcbInfo": {...}, "signature": "<128 hex>"}.
 * signed_body views the `tcbInfo` value inside `json`.
 */
MAAT_MUST_CHECK int maat_tcb_info_parse(const void *json, size_t len, struct maat_tcb_info *out,
                                        struct maat_error *err);

/*
 * Parses a bare tcbInfo body (the object text that was signed, as carried by a
 * collateral bundle) with a separate hex signature. signed_body views all of `body`.
 */
MAAT_MUST_CHECK int maat_tcb_info_parse_body(const void *body, size_t len, const char *sig_hex,
                                             size_t sig_hex_len, struct maat_tcb_info *out,
                                             struct maat_error *err);

/* Releases what maat_tcb_info_parse* allocated and zeroes the struct. */
void maat_tcb_info_cleanup(struct maat_tcb_info *ti);

/*
 * Parses {"enclaveIdentity": {...}, "signature"} (v2) or {"qeIdentity": {...},
 * "signature"} (v1). signed_body views the identity value inside `json`.
 */
MAAT_MUST_CHECK int maat_enclave_identity_parse(const void *json, size_t len,
                                                struct maat_enclave_identity *out,
                                                struct maat_error *err);

/* Parses a bare identity body (v1 or v2, chosen by its `version`) with a separate hex
 * signature. signed_body views all of `body`. */
MAAT_MUST_CHECK int maat_enclave_identity_parse_body(const void *body, size_t len,
                                                     const char *sig_hex, size_t sig_hex_len,
                                                     struct maat_enclave_identity *out,
                                                     struct maat_error *err);

/* Releases what maat_enclave_identity_parse* allocated and zeroes the struct. */
void maat_enclave_identity_cleanup(struct maat_enclave_identity *ei);

/*
 * TCB level matching (Intel QVL, SGX): the FIRST level whose 16 sgxtcbcomponents are
 * each <= comps[i] (the PCK certificate's component SVNs) and whose pcesvn <= pcesvn.
 * Returns that level (and its position in *index when index is not NULL), or NULL when
 * no level matches: Intel's "TCB not supported", which is not a status.
 */
const struct maat_tcb_level *maat_tcb_info_match_sgx(const struct maat_tcb_info *ti,
                                                     const uint8_t comps[MAAT_TCB_COMPONENTS],
                                                     uint16_t pcesvn, size_t *index);

/*
 * Enclave identity matching (Intel QVL): the FIRST level with isvsvn <= the enclave's
 * (QE report) isvsvn; NULL when none matches.
 */
const struct maat_enclave_tcb_level *
maat_enclave_identity_match(const struct maat_enclave_identity *ei, uint16_t isvsvn, size_t *index);

/* The collateral bundle layout used by Phala's dcap-qvl (see docs/collateral.md). */
struct maat_collateral_bundle {
    char *pck_crl_issuer_chain; /* PEM text, NUL-terminated */
    uint8_t *root_ca_crl;       /* DER */
    size_t root_ca_crl_len;
    uint8_t *pck_crl; /* DER */
    size_t pck_crl_len;
    char *tcb_info_issuer_chain; /* PEM text */
    char *tcb_info_text;         /* the signed tcbInfo body, NUL-terminated */
    size_t tcb_info_text_len;
    char *qe_identity_issuer_chain; /* PEM text */
    char *qe_identity_text;         /* the signed enclaveIdentity body */
    size_t qe_identity_text_len;
    struct maat_tcb_info tcb_info;            /* signed_body views tcb_info_text */
    struct maat_enclave_identity qe_identity; /* signed_body views qe_identity_text */
    /* The bundle check's decodings, handed to maat_collateral_verify through
     * maat_collateral_input_from_bundle (opaque, owned by the bundle; NULL when not kept):
     * the first certificate of pck_crl_issuer_chain and of tcb_info_issuer_chain (decoded
     * without their keys), root_ca_crl and pck_crl. */
    void *decoded[4];
};

/*
 * Parses a bundle: {"pck_crl_issuer_chain": PEM, "root_ca_crl": hex DER, "pck_crl": hex
 * DER, "tcb_info_issuer_chain": PEM, "tcb_info": string, "tcb_info_signature": hex,
 * "qe_identity_issuer_chain": PEM, "qe_identity": string, "qe_identity_signature": hex}.
 * The CRLs must decode as X.509 CRLs and each chain must hold at least one PEM
 * certificate (not verified here); the bodies are parsed with *_parse_body.
 */
MAAT_MUST_CHECK int maat_collateral_bundle_parse(const void *json, size_t len,
                                                 struct maat_collateral_bundle *out,
                                                 struct maat_error *err);

/* Releases everything the bundle owns and zeroes it. */
void maat_collateral_bundle_cleanup(struct maat_collateral_bundle *b);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_COLLATERAL_H */

/*
 * pck.h - the Intel SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1).
 *
 * The extension value is a SEQUENCE of SEQUENCE { OBJECT IDENTIFIER, value } naming the
 * platform's PPID, TCB (16 component SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type and,
 * for Platform-CA-issued certificates, the platform instance id and configuration.
 * Parsing uses OpenSSL's DER decoder; every rejection names the sub-OID and what was
 * expected.
 */
#ifndef MAAT_PCK_H
#define MAAT_PCK_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_OID_SGX_EXTENSION "1.2.840.113741.1.13.1"

enum maat_sgx_type {
    MAAT_SGX_TYPE_STANDARD = 0,
    MAAT_SGX_TYPE_SCALABLE = 1,
    MAAT_SGX_TYPE_SCALABLE_WITH_INTEGRITY = 2,
};

/* Which CA issued the PCK leaf, from its issuer CN. */
enum maat_pck_ca {
    MAAT_PCK_CA_UNKNOWN = 0,
    MAAT_PCK_CA_PROCESSOR = 1, /* "Intel SGX PCK Processor CA" */
    MAAT_PCK_CA_PLATFORM = 2,  /* "Intel SGX PCK Platform CA" */
};

struct maat_pck_info {
    uint8_t ppid[16];
    uint8_t tcb_components[16]; /* sgxtcbcomp01svn .. sgxtcbcomp16svn */
    uint16_t pcesvn;
    uint8_t cpusvn[16];
    uint8_t pce_id[2];
    uint8_t fmspc[6];
    enum maat_sgx_type sgx_type;
    /* Platform CA certificates only */
    bool has_platform_instance_id;
    uint8_t platform_instance_id[16];
    bool has_configuration;
    bool dynamic_platform, cached_keys, smt_enabled; /* valid when present */
    bool has_dynamic_platform, has_cached_keys, has_smt_enabled;
    enum maat_pck_ca ca; /* set by the certificate-level parsers */
};

/* Parses the DER value (the extnValue contents) of the SGX extension. Strict DER; .1-.5
 * and .2.1-.2.18 exactly once, .6/.7/.7.x at most once; unknown sub-OIDs are rejected
 * (MAAT_ERR_UNSUPPORTED) except inside .7, where they are ignored. Errors name the
 * sub-OID and the offset within `der`. On failure *out is zeroed. All three parsers
 * clear the calling thread's OpenSSL error queue. */
MAAT_MUST_CHECK int maat_pck_ext_parse(const uint8_t *der, size_t len, struct maat_pck_info *out,
                                       struct maat_error *err);

/* Finds the SGX extension in a DER certificate and parses it; also sets out->ca from the
 * issuer common name. */
MAAT_MUST_CHECK int maat_pck_cert_parse_der(const uint8_t *der, size_t len,
                                            struct maat_pck_info *out, struct maat_error *err);

/* Same for one PEM certificate (text before BEGIN is skipped; anything but whitespace or
 * NULs after its END line is MAAT_ERR_TRAILING: pass one certificate, not a chain).
 * Both reject a Platform-CA-issued leaf without .6/.7 and a Processor-CA-issued leaf
 * with either; an unrecognised issuer CN gives ca = MAAT_PCK_CA_UNKNOWN, not an error.
 * No SGX extension: MAAT_ERR_NOT_FOUND. */
MAAT_MUST_CHECK int maat_pck_cert_parse_pem(const char *pem, size_t len, struct maat_pck_info *out,
                                            struct maat_error *err);

/* "Standard", "Scalable", "ScalableWithIntegrity" (Intel's names), else "unknown". */
/* The PCK information of a whole chain (PEM, or concatenated DER as in some type-5
 * certification data): its leaf — the certificate that issued none of the others — is
 * parsed as by maat_pck_cert_parse_der. Nothing is verified here. */
MAAT_MUST_CHECK int maat_pck_info_from_chain(const uint8_t *chain, size_t len,
                                             struct maat_pck_info *out, struct maat_error *err);

const char *maat_sgx_type_name(enum maat_sgx_type t);

/* The PCK CA named by a common name: "Intel SGX PCK Processor CA" or "Intel SGX PCK
 * Platform CA", compared byte for byte; MAAT_PCK_CA_UNKNOWN otherwise. The one place maat
 * tells the two CAs apart by name (PCK leaves, PCK CRLs, CRL issuer chains). */
enum maat_pck_ca maat_pck_ca_from_cn(const char *cn, size_t len);

/* "processor", "platform" (the PCS `ca=` parameter), else "unknown". */
const char *maat_pck_ca_name(enum maat_pck_ca ca);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_PCK_H */

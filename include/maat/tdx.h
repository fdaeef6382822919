/*
 * tdx.h - Intel TDX quote verification (Intel QVL semantics) and maat's TD appraisal.
 *
 * maat_tdx_quote_verify() runs the DCAP pipeline of verify.h on a TD quote (v4 or v5,
 * TD report 1.0, 1.5 or 1.5 "Ex", certification data type 6) with the TDX rules of
 * Intel's QVL: TD_QE identity (never QE), TDX TCB info v3 (id TDX, never SGX), the TDX
 * module identity (MRSIGNERSEAM, SEAMATTRIBUTES, "TDX_%02X"), TCB level matching with
 * TEE_TCB_SVN, convergence of platform, module and QE statuses, and the TD relaunch
 * statuses. Then maat's appraisal defaults (what Intel leaves to policy): DEBUG TDs,
 * reserved TD attribute bits, a TD without SEPT_VE_DISABLE and a non-zero MRSERVICETD
 * are refused unless the caller opts in. maat_quote_verify() dispatches TD quotes here
 * with the defaults. The lower-level functions (level matching, convergence, relaunch,
 * appraisal) take parsed collateral and are pure: no signature, no time, no I/O.
 * See docs/verify.md, "TDX".
 */
#ifndef MAAT_TDX_H
#define MAAT_TDX_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TDATTRIBUTES bits (u64, little-endian in the TD report). */
#define MAAT_TD_ATTR_DEBUG (1ull << 0)
#define MAAT_TD_ATTR_SEPT_VE_DISABLE (1ull << 28)
#define MAAT_TD_ATTR_PKS (1ull << 30)
#define MAAT_TD_ATTR_KL (1ull << 31)
#define MAAT_TD_ATTR_PERFMON (1ull << 63)
/* Bits maat treats as reserved: 7:1 (TUD), 27:8, 29 and 62:32 (Phala dcap-qvl's set). */
#define MAAT_TD_ATTR_RESERVED 0x7FFFFFFF2FFFFFFEull

/* maat's appraisal opt-ins. All false (the zeroed struct) = maat's defaults. */
struct maat_tdx_opts {
    bool allow_debug_td;               /* accept TDATTRIBUTES.DEBUG (bit 0) */
    bool allow_reserved_td_attributes; /* accept bits of MAAT_TD_ATTR_RESERVED */
    bool allow_sept_ve_enabled;        /* accept a TD without SEPT_VE_DISABLE (bit 28) */
    bool allow_service_td;             /* accept a non-zero MRSERVICETD (TD report 1.5) */
};

/* Result of one TDX TCB evaluation (QVL26 tdxEvaluateTCB) for one TEE_TCB_SVN. */
struct maat_tdx_tcb_eval {
    bool supported;              /* false: Intel's STATUS_TCB_NOT_SUPPORTED (or an
                                         unrecognized module status); see reason */
    enum maat_tcb_status status; /* converged platform + module + QE */
    enum maat_tcb_status platform_status, module_status, qe_status;
    bool has_module_status; /* TEE_TCB_SVN[1] > 0: a module identity was used */
    const struct maat_tcb_level *platform_level;
    size_t platform_index; /* in the (QVL-sorted) tcbLevels */
    const struct maat_tdx_module_identity *module_identity;
    const struct maat_enclave_tcb_level *module_level;
    const struct maat_enclave_tcb_level *qe_level;
    time_t tcb_date;  /* min of the matched levels' tcbDates */
    char reason[160]; /* when !supported: what did not match */
};

/*
 * Intel's TDX TCB evaluation: the platform level (first of the sorted tcbLevels whose SGX
 * components, PCESVN and tdxtcbcomponents[start..15] are all <= the PCK's / TEE_TCB_SVN's,
 * start = 2 when TEE_TCB_SVN[1] > 0), the module identity "TDX_%02X" of TEE_TCB_SVN[1]
 * and its level (TEE_TCB_SVN[0] >= isvsvn), the TD_QE level (isvsvn <= QE ISVSVN), and
 * their convergence. `ti` must be a v3 TCB info with id TDX. Returns 0 (see out->supported)
 * or -1 on bad arguments.
 */
MAAT_MUST_CHECK int maat_tdx_evaluate_tcb(const struct maat_tcb_info *ti,
                                          const struct maat_enclave_identity *qe_id,
                                          const uint8_t pck_comps[MAAT_TCB_COMPONENTS],
                                          uint16_t pck_pcesvn, uint16_t qe_isvsvn,
                                          const uint8_t tee_tcb_svn[16],
                                          struct maat_tdx_tcb_eval *out);

/* The platform level alone (see above); NULL when none matches. */
const struct maat_tcb_level *maat_tdx_match_platform(const struct maat_tcb_info *ti,
                                                     const uint8_t pck_comps[MAAT_TCB_COMPONENTS],
                                                     uint16_t pck_pcesvn,
                                                     const uint8_t tee_tcb_svn[16], size_t *index);

/* The module identity "TDX_%02X" for `major` (= TEE_TCB_SVN[1]); ids compared
 * case-insensitively, as QVL upper-cases them. NULL when absent. */
const struct maat_tdx_module_identity *maat_tdx_module_identity_find(const struct maat_tcb_info *ti,
                                                                     uint8_t major);

/* QVL's module identity check (MRSIGNERSEAM, SEAMATTRIBUTES) for a TD report: expected
 * values from tdxModule, or from the TDX_%02X identity when quote version > 3 and
 * TEE_TCB_SVN[1] > 0. SEAMATTRIBUTES must be all zero and equal `attributes` (Intel never
 * applies attributesMask). 0 when it matches; -1 with `reason` (STATUS_TDX_MODULE_MISMATCH).
 * `used` (may be NULL) receives "TDX_nn" or "tdxModule". */
MAAT_MUST_CHECK int maat_tdx_module_check(const struct maat_tcb_info *ti,
                                          const struct maat_td_report *td, uint16_t quote_version,
                                          char used[16], char *reason, size_t reason_len);

/* QVL26 convergeTcbStatuses: an OutOfDate module or QE turns UpToDate/SWHardeningNeeded
 * into OutOfDate and ConfigurationNeeded/ConfigurationAndSWHardeningNeeded into
 * OutOfDateConfigurationNeeded; then a Revoked module or QE makes it Revoked. */
enum maat_tcb_status maat_tdx_converge(enum maat_tcb_status platform, bool has_module,
                                       enum maat_tcb_status module, bool has_qe,
                                       enum maat_tcb_status qe);

/* QVL26 TD relaunch: launch (TEE_TCB_SVN) OutOfDate[ConfigurationNeeded] while current
 * (TEE_TCB_SVN_2) is UpToDate, SWHardeningNeeded, ConfigurationNeeded or
 * ConfigurationAndSWHardeningNeeded gives TDRelaunchAdvised, or
 * TDRelaunchAdvisedConfigurationNeeded when either is a configuration-needed status;
 * otherwise the launch status. */
enum maat_tcb_status maat_tdx_relaunch_status(enum maat_tcb_status launch,
                                              enum maat_tcb_status current);

/* maat's TD appraisal defaults over a TD report. 0 when accepted; -1 with a reason
 * naming the field, the bit and the opt-in. */
MAAT_MUST_CHECK int maat_tdx_appraise(const struct maat_td_report *td,
                                      const struct maat_tdx_opts *opts, char *reason,
                                      size_t reason_len);

/* TD report fields copied out of the quote (names as `maat quote inspect` prints them). */
struct maat_td_report_fields {
    uint8_t tee_tcb_svn[16];
    uint8_t mr_seam[48];
    uint8_t mr_signer_seam[48];
    uint8_t seam_attributes[8];
    uint8_t td_attributes[8];
    uint8_t xfam[8];
    uint8_t mr_td[48];
    uint8_t mr_config_id[48];
    uint8_t mr_owner[48];
    uint8_t mr_owner_config[48];
    uint8_t rtmr[4][48];
    uint8_t report_data[64];
    bool has_td15; /* TD report 1.5 (body types 3 and 4) */
    uint8_t tee_tcb_svn2[16];
    uint8_t mr_servicetd[48];
};

/* One TCB evaluation as the verdict reports it (QVL26's Ex API: launch and current). */
struct maat_tdx_tcb_summary {
    bool evaluated;
    enum maat_tcb_status status;
    time_t tcb_date;
};

/* What a TD quote's verdict adds to struct maat_verdict. */
struct maat_tdx_verdict {
    enum maat_body_type body_type;
    struct maat_td_report_fields td;
    uint64_t td_attributes;   /* TDATTRIBUTES as an integer */
    bool td_debug;            /* bit 0 */
    bool td_sept_ve_disable;  /* bit 28 */
    char module_identity[16]; /* "TDX_01", "tdxModule" (version 0), "" if not run */
    bool tcb_evaluated;       /* the statuses below are meaningful */
    enum maat_tcb_status platform_status, module_status, qe_status;
    bool has_module_status;
    struct maat_tdx_tcb_summary launch, current; /* current: TD report 1.5 only */
    enum maat_step_outcome module_step;          /* MRSIGNERSEAM / SEAMATTRIBUTES / TDX_nn */
    enum maat_step_outcome appraisal_step;       /* maat's TD appraisal defaults */
    char appraisal_reason[MAAT_ERROR_MSG_MAX];
};

/*
 * Verifies a TD quote. Same contract as maat_quote_verify() (returns 0 when a verdict was
 * reached, -1 only when the verifier could not run); `v` gets the common verdict (status
 * = the converged TDX status, or a relaunch status; Revoked is a failure; appraisal
 * refusals fail at step `status` with Intel's qvl_result kept), `tv` (may be NULL) the TDX
 * details. `tdx` NULL = maat's defaults. An SGX quote is refused at step `structure`.
 */
MAAT_MUST_CHECK int maat_tdx_quote_verify(const struct maat_quote *q,
                                          const struct maat_verified_collateral *vc,
                                          const struct maat_trust *trust,
                                          const struct maat_verify_opts *opts,
                                          const struct maat_tdx_opts *tdx, struct maat_verdict *v,
                                          struct maat_tdx_verdict *tv, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_TDX_H */

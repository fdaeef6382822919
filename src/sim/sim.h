/*
 * sim.h - the simulated SGX platform: a test PKI shaped like Intel's, signed collateral
 * (TCB info v2/v3, QE identity, CRLs) and a software quoting enclave that emits quotes
 * byte-compatible with real DCAP quotes (v3 and v4).
 *
 * A platform lives in a directory (layout in docs/sim.md). maat_sim_init() creates it,
 * maat_sim_load() reads it back, maat_sim_quote() produces a quote. The simulated root
 * is an ordinary self-signed certificate: nothing in maat trusts it unless configured to.
 * Every time used is an input (no hidden clock), so tests are reproducible.
 */
#ifndef MAAT_SIM_H
#define MAAT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/bytes.h"
#include "maat/error.h"
#include "maat/pck.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TCB statuses, in the order of the simulated TCB info's levels (highest TCB first). */
enum maat_sim_tcb {
    MAAT_SIM_TCB_UP_TO_DATE = 0,
    MAAT_SIM_TCB_SW_HARDENING_NEEDED,
    MAAT_SIM_TCB_CONFIGURATION_NEEDED,
    MAAT_SIM_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    MAAT_SIM_TCB_OUT_OF_DATE,
    MAAT_SIM_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    MAAT_SIM_TCB_REVOKED,
    MAAT_SIM_TCB__COUNT
};

/* Intel's spelling ("UpToDate", ...). */
const char *maat_sim_tcb_name(enum maat_sim_tcb t);
/* Parses Intel's spelling; -1 if unknown. */
int maat_sim_tcb_from_name(const char *name);

/* Simulated QE identity constants (what the sim's QE identity JSON and QE reports say). */
extern const uint8_t maat_sim_qe_mr_signer[32];
extern const uint8_t maat_sim_qe_mr_enclave[32];
extern const uint8_t maat_sim_qe_vendor_id[16]; /* Intel's 939A7233F79C4CA9940A0DB3957F0607 */
#define MAAT_SIM_QE_ISV_PROD_ID 1
#define MAAT_SIM_QE_ATTR_FLAGS 0x15u /* INIT | MODE64BIT | PROVISIONKEY */
#define MAAT_SIM_QE_ATTR_XFRM 0x07u

#define MAAT_SIM_TD_QE_ISV_PROD_ID 2 /* the TD_QE identity's isvprodid (Intel's value) */

/* TDX (docs/sim.md, "TDX"): tdxtcbcomponents of TDX TCB level k are (2, 0, BASE - k, 0..);
 * module identities TDX_01 (isvsvn 4 UpToDate, 2 OutOfDate, 1 Revoked) and TDX_03 (4
 * UpToDate), both with MRSIGNERSEAM zero and SEAMATTRIBUTES zero. */
#define MAAT_SIM_TDX_TCB_BASE 10
#define MAAT_SIM_TDX_MODULE_MIN_SVN 2
#define MAAT_SIM_TDX_MODULE_SVN_UP_TO_DATE 4
#define MAAT_SIM_TDX_MODULE_SVN_OUT_OF_DATE 2
#define MAAT_SIM_TDX_MODULE_SVN_REVOKED 1

/* Levels in the QE identity: UpToDate at qe_svn, OutOfDate at qe_svn-2, Revoked at qe_svn-4. */
#define MAAT_SIM_QE_LEVELS_MAX 3

struct maat_sim_init_opts {
    int64_t now;         /* base time (unix seconds) */
    int64_t not_before;  /* CA / TCB Signing / PCK validity start (default now) */
    int64_t not_after;   /* ... end (default now + 10 years) */
    int64_t issue_date;  /* TCB info / QE identity issueDate, CRL thisUpdate (now) */
    int64_t next_update; /* ... nextUpdate (default issue_date + 30 days) */
    uint8_t fmspc[6];    /* default 00906ED50000 (Azure DCsv2) */
    uint8_t pce_id[2];   /* default 0000 */
    uint8_t cpusvn[16];  /* CPUSVN / TCB components of the UpToDate level;
                                    cpusvn[0] must be >= MAAT_SIM_TCB__COUNT - 1 */
    uint16_t pcesvn;     /* PCESVN of every level (default 13) */
    uint16_t qe_svn;     /* QE ISVSVN of the UpToDate QE identity level (default 8) */
    uint32_t tcb_evaluation_data_number; /* default 17 */
    /* pcs/eval-N/ variants: N = E + d needs d * eval_svn_step more of component 1 at every
     * level (default 0 = 1; 1..8) */
    uint8_t eval_svn_step;
    bool revoke_processor_ca;            /* list the PCK Processor CA's serial in the root CA CRL */
    bool revoke_platform_ca;             /* list the PCK Platform CA's serial in the root CA CRL */
};

/* Fills defaults relative to `now`. */
void maat_sim_init_opts_defaults(struct maat_sim_init_opts *o, int64_t now);

/* Creates a platform in `dir` (created if absent; existing sim files are overwritten).
 * Private keys go to dir/keys/ with mode 0600. */
int maat_sim_init(const char *dir, const struct maat_sim_init_opts *o, struct maat_error *err);

/* A loaded platform (keys, certificates, settings). */
struct maat_sim;

int maat_sim_load(const char *dir, struct maat_sim **out, struct maat_error *err);
void maat_sim_free(struct maat_sim *s);

/* Platform settings as loaded. */
void maat_sim_get_fmspc(const struct maat_sim *s, uint8_t fmspc[6]);
void maat_sim_get_pce_id(const struct maat_sim *s, uint8_t pce_id[2]);
uint16_t maat_sim_get_qe_svn(const struct maat_sim *s);
/* PCK leaf CPUSVN components and PCESVN whose first matching TCB info level has status t. */
void maat_sim_tcb_level(const struct maat_sim *s, enum maat_sim_tcb t, uint8_t cpusvn[16],
                        uint16_t *pcesvn);
/* Serial number (big-endian bytes) that the PCK CRL of `ca` lists as revoked. */
void maat_sim_revoked_serial(const struct maat_sim *s, enum maat_pck_ca ca, uint8_t serial[20]);

struct maat_sim_quote_opts {
    int version; /* 3 or 4 */
    /* ISV enclave report body: written over `base_body` (zeros unless set by
     * maat_sim_quote_opts_set_body) */
    uint8_t base_body[384];
    uint8_t mr_enclave[32];
    uint8_t mr_signer[32];
    uint16_t isv_prod_id;
    uint16_t isv_svn;
    uint64_t attributes_flags; /* 0x05 release, 0x07 debug */
    uint64_t attributes_xfrm;
    uint32_t misc_select;
    uint8_t report_data[64];
    bool body_cpu_svn_from_pck; /* body cpu_svn := the PCK leaf's CPUSVN (default) */
    /* quoting enclave */
    uint16_t qe_svn; /* QE report isv_svn and header qe_svn */
    uint8_t qe_auth_data[64];
    uint16_t qe_auth_data_len; /* default 32 (00 01 .. 1f, as on Azure) */
    /* PCK leaf */
    enum maat_pck_ca pck_ca; /* PROCESSOR (default) or PLATFORM */
    uint8_t cpusvn[16];      /* default: the UpToDate level */
    uint16_t pcesvn;
    uint8_t fmspc[6]; /* default: the platform's (another value = wrong FMSPC) */
    uint8_t pce_id[2];
    int sgx_type;           /* -1: 0 for Processor CA, 1 (Scalable) for Platform CA */
    bool revoked;           /* issue the leaf under the serial the PCK CRL revokes */
    int64_t pck_not_before; /* default: the platform's certificate window */
    int64_t pck_not_after;
    uint16_t qe_isv_prod_id; /* QE report isvprodid (default 1; TDX: 2, the TD QE's) */
    /* TDX (tdx = true, set by maat_sim_quote_opts_set_tdx): a TD quote, v4 (TD report
     * 1.0) or v5 (body type 2 = TD report 1.0, 3 = TD report 1.5); report_data above */
    bool tdx;
    int td_version; /* 10 (TD report 1.0) or 15 (1.5) */
    uint8_t tee_tcb_svn[16];
    uint8_t mr_seam[48];
    uint8_t mr_signer_seam[48];
    uint8_t seam_attributes[8];
    uint64_t td_attributes;
    uint64_t xfam;
    uint8_t mr_td[48];
    uint8_t mr_config_id[48];
    uint8_t mr_owner[48];
    uint8_t mr_owner_config[48];
    uint8_t rtmr[4][48];
    uint8_t tee_tcb_svn2[16]; /* TD report 1.5 */
    uint8_t mr_servicetd[48]; /* TD report 1.5 */
};

/* Defaults: v3, release enclave (flags 0x05, xfrm 0x07), the documented default
 * mrenclave/mrsigner, prod id 1, svn 1, zero report data, UpToDate TCB, current QE. */
void maat_sim_quote_opts_defaults(const struct maat_sim *s, struct maat_sim_quote_opts *o);

/* Uses an existing 384-byte report body as the base and copies its fields into the
 * options (callers override fields afterwards). The body's cpu_svn is kept. */
void maat_sim_quote_opts_set_body(struct maat_sim_quote_opts *o, const uint8_t body[384]);

/* Sets TCB components / PCESVN so that the first matching TCB level has status t. */
void maat_sim_quote_opts_set_tcb(const struct maat_sim *s, struct maat_sim_quote_opts *o,
                                 enum maat_sim_tcb t);

/* Switches to a TD quote with maat's documented TD defaults: v4, TD report 1.0, TDX
 * module TDX_01 at its UpToDate SVN (TEE_TCB_SVN 04 01 0A 00..), TDX TCB UpToDate,
 * TDATTRIBUTES = SEPT_VE_DISABLE only, XFAM 0x602E7, QE isvprodid 2 (TD_QE). */
void maat_sim_quote_opts_set_tdx(struct maat_sim_quote_opts *o);

/* TD relaunch pseudo-statuses for maat_sim_quote_opts_set_tdx_tcb (after the real ones). */
#define MAAT_SIM_TDX_RELAUNCH_ADVISED MAAT_SIM_TCB__COUNT
#define MAAT_SIM_TDX_RELAUNCH_ADVISED_CONFIGURATION_NEEDED (MAAT_SIM_TCB__COUNT + 1)

/* Sets TEE_TCB_SVN[2] (and TEE_TCB_SVN_2) so that the first matching TDX TCB level has
 * status t; the relaunch pseudo-statuses set launch OutOfDate and current UpToDate or
 * ConfigurationNeeded (they need TD report 1.5). */
void maat_sim_quote_opts_set_tdx_tcb(struct maat_sim_quote_opts *o, int t);

/* report_data := SHA-256(data) ‖ 32 zero bytes (MAA's enclave-held-data binding). */
int maat_sim_quote_opts_set_ehd(struct maat_sim_quote_opts *o, const uint8_t *data, size_t len,
                                struct maat_error *err);

/* Generates a quote (appended to out). */
int maat_sim_quote(const struct maat_sim *s, const struct maat_sim_quote_opts *o,
                   struct maat_buf *out, struct maat_error *err);

/* A quote from platform `platform` of the fleet under this directory's PKI (sim_fleet.c):
 * its own PCK key, PPID, platform instance id and QE id, derived from the directory's PPID
 * and `platform`, and a new PCK leaf signed by the directory's PCK CA; everything else
 * (FMSPC, TCB, QE, collateral) is the directory's. */
int maat_sim_fleet_quote(const struct maat_sim *s, uint64_t platform,
                         const struct maat_sim_quote_opts *o, struct maat_buf *out,
                         struct maat_error *err);

/* Helpers for programs: times as unix seconds or "YYYY-MM-DDTHH:MM:SSZ". */
int maat_sim_parse_time(const char *s, int64_t *out, struct maat_error *err);
/* Formats as Intel does in collateral ("2025-06-19T10:56:11Z"); buf >= 21 bytes. */
void maat_sim_format_time(int64_t t, char buf[21]);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_SIM_H */

/* quote_check.h - is an enclave quote acceptable? The DCAP verification a relying party
 * makes of one quote (the token signer's own quote, a quote checked offline) with the
 * fail-closed list of what the accepted verification could not check. Collateral comes
 * from the caller through a callback, asked for only once the quote's PCK chain verified
 * to a trusted root (so that nothing else chooses the FMSPC looked up). No I/O; no
 * jansson or OpenSSL types. */
#ifndef MAAT_QUOTE_CHECK_H
#define MAAT_QUOTE_CHECK_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/error.h"
#include "maat/pck.h"
#include "maat/quote.h"
#include "maat/tcb_fix.h"
#include "maat/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Collateral for (fmspc, ca): 0 with *out set (owned by the caller's ctx, valid until the
 * maat_quote_check()/maat_token_validate() call returns), or -1 with err set (the check
 * could not run: the caller's message is passed on unchanged). */
typedef int (*maat_collateral_fn)(void *ctx, const uint8_t fmspc[6], enum maat_pck_ca ca,
                                  const struct maat_collateral_input **out, struct maat_error *err);

struct maat_quote_check_opts {
    const struct maat_trust *trust; /* required */
    time_t at;                      /* verification time (required) */
    maat_collateral_fn collateral;  /* NULL: no collateral (only the cryptographic steps) */
    void *collateral_ctx;
    /* Collateral whose TCB info is for another FMSPC counts as absent (the cryptographic
     * steps decide) instead of failing the verification. */
    bool foreign_tcb_is_absent;
};

#define MAAT_NOT_CHECKED_MAX 16 /* items in maat_quote_check.not_checked */
#define MAAT_NOT_CHECKED_LEN 160

struct maat_quote_check {
    bool ran;           /* the verifier ran: verdict, fmspc_hex are meaningful */
    bool accepted;      /* the cryptographic steps passed and, when TCB
                                      collateral for the FMSPC is present, the verdict is ok
                                      and not Revoked */
    bool crypto_ok;     /* structure, PCK chain, validity, QE report signature,
                                      AK binding, quote signature all passed */
    bool chain_refused; /* the PCK chain failed: no collateral was asked for */
    bool tcb_absent;    /* no TCB collateral for the quote's FMSPC */
    struct maat_verdict verdict;
    char fmspc_hex[13];            /* the quote's FMSPC, lower-case hex ("" if !ran) */
    char collateral_fmspc_hex[13]; /* the collateral's TCB info FMSPC ("" without) */
    /* Fail closed: what an accepted verification could not check, one item each ("TCB
     * status (no collateral)", "revocation (no collateral)", "QE identity (no collateral)",
     * any other verifier step that did not pass); none = every check ran and passed. */
    size_t not_checked_count;
    char not_checked[MAAT_NOT_CHECKED_MAX][MAAT_NOT_CHECKED_LEN];
    char reason[MAAT_ERROR_MSG_MAX]; /* why not accepted ("" when accepted) */
    /* What to update (issue 14): computed when the verifier ran with TCB collateral and
     * the verdict is below UpToDate (ok, Revoked, or refused by a TCB policy check). */
    bool fix_computed;                  /* fix or fix_error below is meaningful */
    struct maat_tcb_fix fix;            /* fix.needed false: nothing to name */
    char fix_error[MAAT_ERROR_MSG_MAX]; /* why it could not be computed ("" when it was) */
};

/* Verifies q and decides whether it is acceptable. Returns 0 when the check ran to a
 * result (out->accepted; out->reason names the failing step), -1 when it could not run
 * (bad arguments, out of memory, the collateral callback failed: err set). Collateral that
 * does not verify is a result (not accepted, out->ran false, reason "collateral: ..."). */
MAAT_MUST_CHECK int maat_quote_check(const struct maat_quote *q,
                                     const struct maat_quote_check_opts *o,
                                     struct maat_quote_check *out, struct maat_error *err);

/* out->not_checked joined as "A, B, C" into buf (n bytes); "" when empty. Returns buf. */
char *maat_quote_check_not_checked_text(const struct maat_quote_check *c, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_QUOTE_CHECK_H */

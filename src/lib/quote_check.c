/*
 * quote_check.c - maat_quote_check(): whether an enclave quote is acceptable to a relying
 * party (the signer's own quote of a token, a quote checked offline), with the fail-closed
 * "not checked" list. Moved from the CLI (src/cli/token_check.c), which now prints from
 * struct maat_quote_check. The PCK chain is verified before collateral is asked for.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/quote_check.h"

/* The cryptographic steps that must pass whether or not collateral is present. */
static const enum maat_verify_step crypto_steps[] = {
    MAAT_STEP_STRUCTURE,           MAAT_STEP_PCK_CHAIN,  MAAT_STEP_VALIDITY,
    MAAT_STEP_QE_REPORT_SIGNATURE, MAAT_STEP_AK_BINDING, MAAT_STEP_QUOTE_SIGNATURE,
};

static void set_reason(struct maat_quote_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_reason(struct maat_quote_check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
}

static void not_checked_add(struct maat_quote_check *c, const char *item)
{
    if (c->not_checked_count >= MAAT_NOT_CHECKED_MAX) return; /* cannot happen: < 16 steps */
    snprintf(c->not_checked[c->not_checked_count++], MAAT_NOT_CHECKED_LEN, "%s", item);
}

/* What an accepted verification could not check (fail closed): without TCB collateral for
 * the quote's FMSPC the TCB status is not determined; without collateral revocation and QE
 * identity do not run; with expired collateral the CRLs are not current; any other step
 * that did not pass is named. */
static void not_checked(struct maat_quote_check *c)
{
    const struct maat_verdict *v = &c->verdict;
    const char *why = v->collateral_present ? "" : " (no collateral)";
    char buf[MAAT_NOT_CHECKED_LEN];
    bool expired = v->steps[MAAT_STEP_COLLATERAL_TIME] == MAAT_STEP_FAILED;
    if (c->tcb_absent || v->steps[MAAT_STEP_TCB_INFO] != MAAT_STEP_PASSED ||
        v->steps[MAAT_STEP_STATUS] != MAAT_STEP_PASSED) {
        if (!v->collateral_present)
            snprintf(buf, sizeof buf, "TCB status (no collateral)");
        else if (c->tcb_absent)
            snprintf(buf, sizeof buf, "TCB status (no TCB info for the quote's FMSPC %s)",
                     c->fmspc_hex);
        else
            snprintf(buf, sizeof buf, "TCB status");
        not_checked_add(c, buf);
    }
    if (v->steps[MAAT_STEP_CRL] != MAAT_STEP_PASSED) {
        snprintf(buf, sizeof buf, "revocation%s", why);
        not_checked_add(c, buf);
    } else if (expired) {
        not_checked_add(c, "revocation (the collateral is expired: its CRLs are not current)");
    }
    if (v->steps[MAAT_STEP_QE_IDENTITY] != MAAT_STEP_PASSED) {
        snprintf(buf, sizeof buf, "QE identity%s", why);
        not_checked_add(c, buf);
    }
    for (int st = 0; st < MAAT_STEP__COUNT; st++) {
        if (st == MAAT_STEP_TCB_INFO || st == MAAT_STEP_STATUS || st == MAAT_STEP_CRL ||
            st == MAAT_STEP_QE_IDENTITY ||
            (st == MAAT_STEP_COLLATERAL_TIME && (!v->collateral_present || expired)) ||
            v->steps[st] == MAAT_STEP_PASSED)
            continue;
        not_checked_add(c, maat_verify_step_name((enum maat_verify_step)st));
    }
}

char *maat_quote_check_not_checked_text(const struct maat_quote_check *c, char *buf, size_t n)
{
    if (n == 0) return buf;
    buf[0] = '\0';
    for (size_t i = 0; c != NULL && i < c->not_checked_count; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n > l ? n - l : 0, "%s%s", l ? ", " : "", c->not_checked[i]);
    }
    return buf;
}

int maat_quote_check(const struct maat_quote *q, const struct maat_quote_check_opts *o,
                     struct maat_quote_check *out, struct maat_error *err)
{
    MAAT_ENSURE(out != NULL, err, MAAT_ERR_USAGE, "quote check: no result");
    memset(out, 0, sizeof *out);
    MAAT_ENSURE(q != NULL && o != NULL && o->trust != NULL, err, MAAT_ERR_USAGE,
                "quote check: the quote, the options and a trust set are required");
    struct maat_error e = {0};
    struct maat_verdict *v = &out->verdict;
    struct maat_verify_opts vo = {.at = o->at};
    struct maat_pck_chain *chain = NULL;
    struct maat_verified_collateral *vc = NULL;
    int rc = -1;
    if (o->collateral != NULL) {
        /* the PCK chain first: only a leaf verified to a trusted root chooses (by its FMSPC
         * and PCK CA) what collateral is asked for (issue 12) */
        if (maat_pck_chain_resolve(q, o->trust, &vo, &chain, v, &e) != 0) {
            maat_error_set(err, e.code ? e.code : MAAT_ERR_INTERNAL, "%s", e.msg);
            goto done;
        }
        out->chain_refused = !v->ok;
    }
    if (o->collateral != NULL && !out->chain_refused) {
        const struct maat_pck_info *pi = maat_pck_chain_info(chain);
        const struct maat_collateral_input *in = NULL;
        if (o->collateral(o->collateral_ctx, pi->fmspc, pi->ca, &in, err) != 0) goto done;
        if (in == NULL) {
            maat_error_set(err, MAAT_ERR_INTERNAL,
                           "quote check: the collateral callback "
                           "returned no collateral");
            goto done;
        }
        if (maat_collateral_verify(in, o->trust, o->at, &vc, &e) != 0) {
            if (e.code == MAAT_ERR_NOMEM) {
                maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
                goto done;
            }
            set_reason(out, "collateral: %s", e.msg);
            rc = 0; /* a result: the collateral was refused */
            goto done;
        }
        vo.pck_chain = chain;
    }
    if (!out->chain_refused && maat_quote_verify(q, vc, o->trust, &vo, v, &e) != 0) {
        maat_error_set(err, e.code ? e.code : MAAT_ERR_INTERNAL, "%s", e.msg);
        goto done;
    }
    out->ran = true;
    maat_hex_encode(v->fmspc, 6, out->fmspc_hex);
    bool crypto_ok = true;
    for (size_t i = 0; i < sizeof crypto_steps / sizeof crypto_steps[0]; i++)
        crypto_ok &= v->steps[crypto_steps[i]] == MAAT_STEP_PASSED;
    out->crypto_ok = crypto_ok;
    /* collateral given, but its TCB info is for another platform (FMSPC) */
    const struct maat_tcb_info *ti = vc ? maat_verified_collateral_tcb_info(vc) : NULL;
    out->tcb_absent = !v->collateral_present ||
                      (o->foreign_tcb_is_absent && ti != NULL && !v->ok &&
                       v->failed_step == MAAT_STEP_TCB_INFO && memcmp(ti->fmspc, v->fmspc, 6) != 0);
    if (ti != NULL) maat_hex_encode(ti->fmspc, 6, out->collateral_fmspc_hex);
    if (!crypto_ok)
        set_reason(out, "verification failed at %s: %s", maat_verify_step_name(v->failed_step),
                   v->reason);
    else if (v->collateral_present && !out->tcb_absent && !v->ok)
        set_reason(out, "%s", v->reason);
    else if (v->collateral_present && !out->tcb_absent && v->status == MAAT_TCB_REVOKED)
        set_reason(out, "the platform's TCB is Revoked");
    else
        out->accepted = true;
    if (out->accepted) not_checked(out);
    if (vc != NULL && maat_tcb_fix_wanted(v)) {
        struct maat_error fe = {0};
        out->fix_computed = true;
        if (maat_tcb_fix_compute(v, q, vc, &out->fix, &fe) != 0) {
            memset(&out->fix, 0, sizeof out->fix);
            snprintf(out->fix_error, sizeof out->fix_error, "%s", fe.msg);
        }
    }
    rc = 0;
done:
    maat_pck_chain_release(chain);
    maat_verified_collateral_free(vc);
    return rc;
}

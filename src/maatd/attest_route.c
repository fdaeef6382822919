/*
 * attest_route.c - POST /attest/SgxEnclave, /attest/OpenEnclave and /attest/TdxVm.
 *
 * The request itself runs through libmaat's pipeline (maat__attest_run, attest.h: parse ->
 * quote -> bindings -> PCK chain -> collateral -> verify -> claims -> policy -> payload);
 * this file supplies what only maatd has: the active policy of the route (the stored one,
 * parsed once, or the default; a request's draftPolicyForAttestation is parsed by the
 * pipeline and never stored), verified collateral from the shared caches (SGX or TDX, per
 * the quote's TEE), the TD appraisal opt-ins (--allow-debug-td ...), time = now, and the
 * signature: the token is signed with the current key (iat = nbf = now, exp = now + 8 h,
 * jti random), or for a draft policy issued UNSIGNED (same header, alg "none", empty
 * signature), as MAA.
 *
 * Failures answer MAA's 400 InvalidParameter with maat's reason (which check failed and
 * why; a TCB failure also names the fix, from the pipeline's quote and the collateral the
 * callback returned); a Revoked verdict is a failure too. A policy selecting a TCB baseline
 * (x-ms-sgx-tcbidentifier) the held collateral is not fails closed (tcb_baseline_error). Collateral that is not available now (source
 * unreachable or still being fetched: MAAT_ATTEST_COLLATERAL_UNAVAILABLE) is the
 * service's problem: 503. TdxVm exists from api-version 2025-06-01 only (routes.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "collateral_source.h"
#include "maat/attest.h"
#include "maat/pck.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "maat/tcb_fix.h" /* verdict_error names the fix */
#include "maatd.h"

/* A failed verdict (or a Revoked one) in MAA's error form, with the step and reason; when
 * the TCB is what failed (Revoked, or a TCB check at step status), the fix it names
 * (issue 14: components need/have, what to update), or that it is unknown. */
static void verdict_error(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                          const struct maat_verdict *v, const struct maat_quote *q,
                          const struct maat_verified_collateral *vc)
{
    rq->verdict = v->ok ? maat_tcb_status_name(v->status) : "failed";
    maatd_metrics_verdict(&d->metrics, v->ok ? (int)v->status : -1);
    char fixmsg[1024] = "";
    bool tcb_failure = v->status < MAAT_TCB_STATUS__COUNT && v->status != MAAT_TCB_UP_TO_DATE &&
                       (v->ok || v->status == MAAT_TCB_REVOKED || v->failed_step == MAAT_STEP_STATUS);
    if (tcb_failure && q != NULL) {
        struct maat_tcb_fix fix;
        struct maat_error ferr = {0};
        char text[900];
        if (maat_tcb_fix_compute(v, q, vc, &fix, &ferr) == 0 && fix.needed) {
            maat_tcb_fix_text(&fix, text, sizeof text);
            snprintf(fixmsg, sizeof fixmsg, " Fix: %s.", text);
        } else if (ferr.msg[0]) {
            snprintf(fixmsg, sizeof fixmsg, " Fix unknown: %s.", ferr.msg);
        }
    }
    if (v->ok)
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "Quote verification failed: TCB status Revoked (%s).%s",
                    maat_qvl_result_name(v->qvl_result), fixmsg);
    else
        maatd_error(rq, rs, 400, "InvalidParameter", "Quote verification failed at step %s: %s.%s",
                    maat_verify_step_name(v->failed_step), v->reason, fixmsg);
}

/* {"token":"<JWT>"}. A compact JWS is base64url characters and dots only, which JSON
 * needs no escaping for, so the answer is assembled directly: the signed token is
 * written straight after the prefix (no copy), an unsigned one copied in. */
static const char token_pre[] = "{\"token\":\"", token_post[] = "\"}";

static void token_response(struct maatd_request *rq, struct maatd_response *rs, struct maat_buf *body)
{
    if (maat_buf_put(body, token_post, sizeof token_post - 1) != 0) {
        maatd_error(rq, rs, 500, "InternalError", "out of memory");
        return;
    }
    free(rs->body);
    rs->len = body->len;
    rs->body = maat_buf_take_str(body);
    if (rs->body == NULL) {
        maatd_error(rq, rs, 500, "InternalError", "out of memory");
        return;
    }
    rs->status = 200;
    rs->content_type = NULL;
}

static void attest_error(struct maatd_request *rq, struct maatd_response *rs,
                         const struct maat_attest_error *ae)
{
    enum maat_maa_error code = ae->code == MAAT_MAA_OK ? MAAT_MAA_INTERNAL_ERROR : ae->code;
    maatd_error(rq, rs, (unsigned)maat__maa_error_http_status(code), maat__maa_error_name(code), "%s",
                ae->err.msg);
}

/* PolicyParsingError (draft policy text) / PolicyEvaluationError (deny, no permit, a rule
 * failing) with MAA's wording; anything else is the service's fault. */
static void policy_error(struct maatd_request *rq, struct maatd_response *rs,
                         const struct maat_policy_error *perr)
{
    if (perr->kind == MAAT_POLICY_ERR_PARSING) {
        char msg[1024];
        maat__policy_error_format(perr, msg, sizeof msg);
        maatd_error(rq, rs, 400, "PolicyParsingError", "%s (%s)", msg, perr->err.msg);
    } else if (perr->kind == MAAT_POLICY_ERR_EVALUATION) {
        char msg[1024];
        maat__policy_error_format(perr, msg, sizeof msg);
        maatd_error(rq, rs, 400, "PolicyEvaluationError", "%s", msg);
    } else {
        maatd_error(rq, rs, 500, "InternalError", "policy: %s", perr->err.msg);
    }
}

/* The policy engine's limits with this instance's output bounds (--policy-max-*). */
static void policy_limits(const struct maatd *d, struct maat_policy_limits *lim)
{
    maat__policy_limits_default(lim);
    lim->max_issued_claims = (size_t)d->cfg.policy_max_issued_claims;
    lim->max_claim_value = (size_t)d->cfg.policy_max_claim_value;
    lim->max_issued_bytes = (size_t)d->cfg.policy_max_issued_bytes;
}

/* The collateral callback: the cache of the quote's TEE; the lookup is held until the
 * request is answered. */
struct coll_arg {
    struct maatd *d;
    struct maatd_request *rq;
    bool suspended; /* the request waits for a fetch (collateral_wait.c): no answer now */
    time_t now;
    struct maat_collateral_cache *cache;
    struct maat_collateral_lookup lk;
    bool have;
    struct maat_collateral_lookup lk_prev; /* the grace period's previous number */
    bool have_prev;
};

/* (ctx.collateral_num, issue 14) The baseline the policy selects: a pinned number is its
 * own cache item, fetched from the source by number; a source that cannot be asked for a
 * number (files) gives its one set, which the check after the policy refuses when it is
 * not the number. The newest number and its recovery date come from the cache's copy of
 * the source's /tcbevaluationdatanumbers list (unknown: 0; with --tcb-grace-days the
 * verdict then fails closed). A second call for the same request is the grace period's
 * previous number (the pipeline's grace_fallback): held in lk_prev, with its own wait. */
static int collateral(void *arg, enum maat_attest_tee tee, const uint8_t fmspc[6],
                      enum maat_pck_ca ca, uint32_t eval_num,
                      const struct maat_verified_collateral **vc, uint32_t *newest,
                      time_t *recovery, struct maat_error *err)
{
    struct coll_arg *a = arg;
    struct maat_collateral_cache *c = tee == MAAT_ATTEST_TEE_TDX ? a->d->cache_tdx : a->d->cache;
    *vc = NULL;
    if (c == NULL) return 0; /* no source: the verdict fails for lack of collateral */
    /* a second call: the grace period's previous number */
    if (a->have) {
        if (a->have_prev || !maat_collateral_source_can_pin(a->d->source))
            return maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                                  "the %s collateral source cannot be asked for TCB evaluation "
                                  "data number %u",
                                  a->d->source->ops->kind, eval_num);
        int rc = maatd_collateral_get_second(a->d, a->rq, c, fmspc, ca, eval_num, a->now,
                                             &a->lk_prev, err);
        if (rc > 0) {
            a->suspended = true;
            return maat_error_set(err, MAAT_ERR_IO, "waiting for a collateral fetch");
        }
        if (rc != 0) { /* the reason reaches the answer: no source URL in it */
            char why[MAAT_ERROR_MSG_MAX];
            maat_collateral_scrub_urls(err->msg, false, why, sizeof why);
            snprintf(err->msg, sizeof err->msg, "%s", why);
            return -1;
        }
        a->have_prev = true;
        *vc = a->lk_prev.vc;
        return 0;
    }
    if (!maat_collateral_source_can_pin(a->d->source)) eval_num = 0;
    int rc = maatd_collateral_get(a->d, a->rq, c, fmspc, ca, eval_num, a->now, &a->lk, err);
    if (rc > 0) { /* suspended until the fetch ends; routed again when resumed */
        a->suspended = true;
        return maat_error_set(err, MAAT_ERR_IO, "waiting for a collateral fetch");
    }
    if (rc != 0) return -1;
    a->cache = c;
    a->have = true;
    *vc = a->lk.vc;
    maatd_metrics_collateral(&a->d->metrics, fmspc, (int)ca, a->lk.fetched_at,
                             a->lk.window.not_after, a->lk.stale);
    maatd_collateral_newest(c, a->now, newest, recovery); /* unknown: 0, no message */
    return 0;
}

/* The policy's x-ms-sgx-tcbidentifier (checked by the pipeline, maat__attest_check_tcb_identifier):
 * a value that is no baseline answers the library's PolicyEvaluationError; a number the
 * collateral does not carry (a source of files, which cannot be asked for a number, serves
 * one set per FMSPC and PCK CA) fails closed with 400 InvalidParameter saying what to do. */
static void tcb_baseline_error(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                               const struct maat_attest_result *r)
{
    if (r->aerr.code != MAAT_MAA_INVALID_PARAMETER || r->tcb_baseline == 0) {
        attest_error(rq, rs, &r->aerr);
        return;
    }
    const struct maat_tcb_policy_verdict *p = &r->verdict.tcb_policy;
    char fm[13];
    maat_hex_encode(r->verdict.fmspc, 6, fm);
    rq->verdict = "failed";
    maatd_metrics_verdict(&d->metrics, -1);
    maatd_error(rq, rs, 400, "InvalidParameter",
                "The policy selects TCB baseline %u (x-ms-sgx-tcbidentifier) but the collateral "
                "maatd holds for FMSPC %s has tcbEvaluationDataNumber %u (TCB info) and %u (QE "
                "identity); its collateral source (%s) cannot be asked for another number: serve "
                "number %u from it, use a PCS, PCCS or THIM source, or select \"azuredefault\".",
                r->tcb_baseline, fm, p->tcb_info_eval_num, p->qe_identity_eval_num,
                d->source != NULL ? d->source->ops->kind : "none", r->tcb_baseline);
}

/* Collateral that could not be had: 503 when not available now, 400 when bad. */
static void collateral_error(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                             const struct maat_attest_result *r, bool tdx)
{
    char fm[13], why[MAAT_ERROR_MSG_MAX]; /* no source URL in the body */
    maat_hex_encode(r->fmspc, 6, fm);
    maat_collateral_scrub_urls(r->err.msg, false, why, sizeof why);
    rq->verdict = "failed";
    maatd_metrics_verdict(&d->metrics, -1);
    const char *kind = tdx ? "TDX collateral" : "Collateral";
    if (r->outcome == MAAT_ATTEST_COLLATERAL_UNAVAILABLE)
        maatd_error(rq, rs, 503, "ServiceUnavailable",
                    "%s for FMSPC %s (%s CA) could not be fetched: %s", kind, fm,
                    maat_pck_ca_name(r->ca), why);
    else if (r->tcb_baseline != 0 && maat_collateral_source_can_pin(d->source))
        /* the pinned number's collateral: refused by the source (404/410) or bad */
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "The policy selects TCB baseline %u (x-ms-sgx-tcbidentifier), but %s for "
                    "FMSPC %s (%s CA) at TCB evaluation data number %u cannot be had: %s",
                    r->tcb_baseline, tdx ? "TDX collateral" : "collateral", fm,
                    maat_pck_ca_name(r->ca), r->tcb_baseline, why);
    else
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "The quote was invalid due to an error in the quote collateral for "
                    "FMSPC %s (%s CA): %s",
                    fm, maat_pck_ca_name(r->ca), why);
}

void maatd_attest(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                  enum maat_attest_route route)
{
    struct maat_error err = {0};
    struct maat_buf answer = {0};
    char *token = NULL;
    time_t now = time(NULL);
    time_t at = d->verify_at != 0 ? d->verify_at : now; /* --test-verification-time */
    struct maatd_policy *pol = maatd_policy_acquire(d, (unsigned)route);
    struct coll_arg ca = {.d = d, .rq = rq, .now = at};
    struct maat_policy_limits lim;
    policy_limits(d, &lim);
    const struct maat_tdx_opts tdx = {
        .allow_debug_td = d->cfg.allow_debug_td,
        .allow_reserved_td_attributes = d->cfg.allow_reserved_td_attributes,
        .allow_sept_ve_enabled = d->cfg.allow_sept_ve,
        .allow_service_td = d->cfg.allow_service_td,
    };
    const struct maat_attest_ctx ctx = {
        .trust = d->trust,
        .pck_cache = d->pck_cache,
        .at = at,
        .iat = (int64_t)now,
        .collateral_num = collateral,
        .collateral_arg = &ca,
        .tcb_grace = d->cfg.tcb_grace_days >= 0,
        .tcb_grace_days = d->cfg.tcb_grace_days >= 0 ? (uint32_t)d->cfg.tcb_grace_days : 0,
        .tdx = &tdx,
        .verify = &d->cfg.tcb_opts, /* --min-tcb-status, --max-collateral-age, --allow-advisory */
        .policy = pol->parsed,
        .policy_hash = pol->hash,
        .policy_signer = pol->signer,
        .limits = &lim,
        .max_payload = (size_t)d->cfg.max_token_size,
        .issuer = rq->issuer,
        .lifetime = MAATD_TOKEN_LIFETIME,
    };
    struct maat_attest_result *r = malloc(sizeof *r); /* large (quote, TD verdict) */
    if (r == NULL) {
        maatd_error(rq, rs, 500, "InternalError", "out of memory");
        maatd_policy_release(pol);
        return;
    }
    int rc = maat__attest_run(&ctx, (const char *)rq->body.data, rq->body.len, route, r);
    if (ca.suspended) goto out; /* answered when resumed (collateral_wait.c) */
    if (rc != 0) {
        switch (r->outcome) {
        case MAAT_ATTEST_BAD_REQUEST: attest_error(rq, rs, &r->aerr); break;
        case MAAT_ATTEST_POLICY_FAILED: policy_error(rq, rs, &r->perr); break;
        case MAAT_ATTEST_VERIFY_FAILED: /* the fix from the quote and the collateral used */
            verdict_error(d, rq, rs, &r->verdict, r->quote_parsed ? &r->quote : NULL,
                          ca.have ? ca.lk.vc : NULL);
            break;
        case MAAT_ATTEST_COLLATERAL_UNAVAILABLE:
        case MAAT_ATTEST_COLLATERAL_INVALID:
            collateral_error(d, rq, rs, r, route == MAAT_ROUTE_TDX_VM);
            break;
        case MAAT_ATTEST_TCB_BASELINE: tcb_baseline_error(d, rq, rs, r); break;
        case MAAT_ATTEST_TOO_LARGE: /* the token bound (--max-token-size) */
            maatd_error(rq, rs, 400, "PolicyEvaluationError",
                        "The attestation token would exceed the limit of %ld bytes "
                        "(--max-token-size): %s",
                        d->cfg.max_token_size, r->err.msg);
            break;
        default:
            maatd_error(rq, rs, 500, "InternalError", "attestation could not run: %s",
                        r->aerr.code == MAAT_MAA_INTERNAL_ERROR ? r->aerr.err.msg : r->err.msg);
            break;
        }
        goto out;
    }
    rq->verdict = maat_tcb_status_name(r->verdict.status);
    maatd_metrics_verdict(&d->metrics, (int)r->verdict.status);
    const char *ptext = (const char *)r->payload.data;
    int trc = 0;
    if (maat_buf_reserve(&answer, 4096) != 0 || maat_buf_put_str(&answer, token_pre) != 0)
        trc = maat_error_set(&err, MAAT_ERR_NOMEM, "out of memory");
    else if (!r->draft)
        trc = maatd_keys_sign_into(d, rq->issuer, ptext, r->payload.len, &answer, &err);
    else if ((token = maatd_keys_unsigned_text(d, rq->issuer, ptext, r->payload.len, &err)) == NULL)
        trc = -1;
    else if (maat_buf_put_str(&answer, token) != 0)
        trc = maat_error_set(&err, MAAT_ERR_NOMEM, "out of memory");
    if (trc != 0) {
        maatd_error(rq, rs, 500, "InternalError", "token signing: %s", err.msg);
        goto out;
    }
    token_response(rq, rs, &answer);
    atomic_fetch_add_explicit(&d->metrics.tokens_issued, 1, memory_order_relaxed);
out:
    free(token);
    maat_buf_cleanup(&answer);
    maat__attest_result_cleanup(r);
    free(r);
    if (ca.have) maat_collateral_lookup_release(ca.cache, &ca.lk);
    if (ca.have_prev) maat_collateral_lookup_release(ca.cache, &ca.lk_prev);
    maatd_policy_release(pol);
}

/*
 * attest_pipeline.c - one attestation request from body to token payload (attest.h,
 * maat__attest_run): the steps maatd's /attest routes, bench_attest and the request fuzzer
 * share, for SgxEnclave, OpenEnclave and TdxVm.
 *
 * Order (cheap checks before signatures; nothing but a chain to a trusted root chooses
 * which collateral is asked for): request body -> draft policy (a syntax error needs no
 * quote) -> quote -> runtime/init-time bindings -> PCK chain (maat_pck_chain_resolve) ->
 * collateral from the caller for the verified leaf's FMSPC and CA -> verdict (Revoked is
 * a failure; so is a TCB policy option of ctx->verify that fails; with the grace period, a
 * verdict at the newest number that is worse than acceptable is reached again with the
 * previous number's collateral, grace_fallback) -> the fix below UpToDate -> incoming
 * claims (maat's x-maat-* TCB claims included, so that a policy can decide on them) ->
 * policy -> the TCB baseline the policy selects (x-ms-sgx-tcbidentifier, both routes) ->
 * payload text.
 *
 * TdxVm tokens carry MAA's TdxVm claim set (claims_tdx.h) plus x-ms-policy-hash, the
 * policy's issued claims (top-level, where service claims win a clash, and as x-ms-policy)
 * and x-ms-policy-signer, then iss/iat/nbf/exp/jti; keys sorted, compact (docs/claims.md).
 * Both routes carry x-maat-tcb-fix below UpToDate (maat_tcb_fix_compute handles TD quotes).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/claims_tdx.h"
#include "tcb_policy_internal.h" /* the grace period's fallback to N - 1 */

struct priv {
    struct maat_policy *draft; /* parsed draftPolicyForAttestation */
    struct maat_pck_chain *chain;
    struct maat_claim_list claims; /* incoming */
    struct maat_policy_result pres;
    json_t *tdx_claims; /* TdxVm: the claim set (incoming claims borrow it) */
};

/* Every exit of a failed run: the large members no step filled are zeroed here (a
 * failure's result reads as it did when the whole result was zeroed up front). */
static int failed(struct maat_attest_result *r, enum maat_attest_outcome o)
{
    r->outcome = o;
    if (!r->quote_parsed) memset(&r->quote, 0, sizeof r->quote);
    if (!r->verdict_reached) memset(&r->verdict, 0, sizeof r->verdict);
    if (!r->have_tcb_fix) memset(&r->tcb_fix, 0, sizeof r->tcb_fix);
    return -1;
}

/* Zeroes the result except its three large members (quote 0.8 KB, verdict 7 KB, fix 7.8
 * KB of its 19 KB), which the step that fills each zeroes first: maat_quote_parse,
 * maat_pck_chain_resolve (and maat_quote_verify again), maat_tcb_fix_compute. A run that
 * fails zeroes those no step reached (failed()); one that succeeds has reached quote and
 * verdict, and without have_tcb_fix the fix says "not needed" (needed false, no counts),
 * its arrays left unwritten. Members added later are zeroed (the ranges are by offset). */
static void result_reset(struct maat_attest_result *r)
{
    char *b = (char *)r;
    const size_t q = offsetof(struct maat_attest_result, quote), qe = q + sizeof r->quote;
    const size_t v = offsetof(struct maat_attest_result, verdict), ve = v + sizeof r->verdict;
    const size_t f = offsetof(struct maat_attest_result, tcb_fix), fe = f + sizeof r->tcb_fix;
    memset(b, 0, q);
    memset(b + qe, 0, v - qe);
    memset(b + ve, 0, f - ve);
    memset(b + fe, 0, sizeof *r - fe);
    r->tcb_fix.needed = false;
    r->tcb_fix.component_count = 0;
    r->tcb_fix.advisory_count = 0;
    r->tcb_fix.update_count = 0;
}

static int internal(struct maat_attest_result *r)
{
    return failed(r, MAAT_ATTEST_INTERNAL);
}

/* Quote parse errors and the certification-data requirement are request errors. */
static int bad_quote(struct maat_attest_result *r, const char *what)
{
    r->aerr.code = MAAT_MAA_INVALID_PARAMETER;
    r->aerr.err = r->err;
    maat_error_prefix(&r->aerr.err, "%s", what);
    return failed(r, MAAT_ATTEST_BAD_REQUEST);
}

/* The grace period (issue 14, docs/verify.md "Grace period in maatd"): r->verdict was reached
 * with the newest number N; while R + D days last and it is worse than acceptable
 * (maat__tcb_grace_previous), the collateral of N - 1 is asked for and the quote verified
 * again; that verdict (in grace) replaces N's when better (maat__tcb_grace_prefer), and *vc
 * then points to N - 1's collateral. Fail closed: N - 1 not available now -> the request
 * fails as COLLATERAL_UNAVAILABLE (the caller may retry); N - 1 not to be had, or no better
 * -> N's verdict stands, its reason saying why grace did not help. */
static int grace_fallback(const struct maat_attest_ctx *ctx, struct maat_attest_result *r,
                          const struct maat_verify_opts *vo, bool tdx,
                          const struct maat_verified_collateral **vc)
{
    uint32_t prev = maat__tcb_grace_previous(vo, &r->verdict);
    if (prev == 0) return 0;
    const struct maat_verified_collateral *pvc = NULL;
    uint32_t nn = 0;
    time_t nr = 0;
    struct maat_error ge = {0};
    struct maat_verdict *v = &r->verdict;
    size_t n = strnlen(v->reason, sizeof v->reason);
    if (ctx->collateral_num(ctx->collateral_arg, tdx ? MAAT_ATTEST_TEE_TDX : MAAT_ATTEST_TEE_SGX,
                            r->fmspc, r->ca, prev, &pvc, &nn, &nr, &ge) != 0 ||
        pvc == NULL) {
        if (ge.code == MAAT_ERR_IO) {
            r->err = ge;
            return failed(r, MAAT_ATTEST_COLLATERAL_UNAVAILABLE);
        }
        if (!v->ok)
            snprintf(v->reason + n, sizeof v->reason - n,
                     "; grace period: the previous tcbEvaluationDataNumber %u cannot be had: %s",
                     prev, pvc == NULL && ge.msg[0] == '\0' ? "none from the source" : ge.msg);
        return 0;
    }
    struct grace_verdict {
        struct maat_verdict v;
        struct maat_tdx_verdict t;
    } *g = calloc(1, sizeof *g);
    if (g == NULL) {
        maat_error_set(&r->err, MAAT_ERR_NOMEM, "out of memory");
        return internal(r);
    }
    int vrc = tdx ? maat_tdx_quote_verify(&r->quote, pvc, ctx->trust, vo, ctx->tdx, &g->v, &g->t,
                                          &r->err)
                  : maat_quote_verify(&r->quote, pvc, ctx->trust, vo, &g->v, &r->err);
    if (vrc != 0) {
        free(g);
        return internal(r);
    }
    if (maat__tcb_grace_prefer(v, &g->v)) {
        *v = g->v;
        r->tdx = g->t;
        *vc = pvc;
    } else if (!v->ok) {
        snprintf(v->reason + n, sizeof v->reason - n,
                 "; grace period: the verdict with the previous tcbEvaluationDataNumber %u is "
                 "no better (%s%s%s)",
                 prev, maat_tcb_status_name(g->v.status), g->v.ok ? "" : ": ",
                 g->v.ok ? "" : g->v.reason);
    }
    free(g);
    return 0;
}

/* The TdxVm payload: claim set + policy claims + registered claims, sorted, compact. */
static int tdx_payload(const struct maat_attest_ctx *ctx, struct maat_attest_result *r,
                       struct priv *p, const struct maat_policy_result *pres, const char *jti)
{
    json_t *o = json_deep_copy(p->tdx_claims);
    json_t *issued = o ? maat__claims_to_json(pres->outgoing, pres->noutgoing, &r->err) : NULL;
    int rc = -1;
    if (o == NULL || issued == NULL) goto out;
    const char *k;
    json_t *v;
    json_object_foreach (issued, k, v) /* service claims win a name clash */
        if (json_object_get(o, k) == NULL && json_object_set(o, k, v) != 0) goto nomem;
    if (json_object_size(issued) > 0 && json_object_set(o, "x-ms-policy", issued) != 0) goto nomem;
    if (json_object_set_new(o, "x-ms-policy-hash", json_string(r->policy_hash)) != 0) goto nomem;
    if (!r->draft && ctx->policy_signer != NULL &&
        json_object_set(o, "x-ms-policy-signer", (json_t *)ctx->policy_signer) != 0)
        goto nomem;
    int64_t life = ctx->lifetime > 0 ? ctx->lifetime : MAAT_CLAIMS_TOKEN_LIFETIME;
    int64_t iat = ctx->iat != 0 ? ctx->iat : (int64_t)ctx->at;
    if (maat__claims_finish(o, ctx->issuer, iat, life, jti, &r->err) != 0) goto out;
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL) goto nomem;
    size_t n = strlen(text), max = ctx->max_payload ? ctx->max_payload : MAAT_CLAIMS_PAYLOAD_MAX;
    if (n > max) {
        free(text);
        maat_error_set(&r->err, MAAT_ERR_TOO_LARGE,
                       "token payload: %zu bytes exceed the limit of %zu", n, max);
        goto out;
    }
    rc = maat_buf_put(&r->payload, text, n);
    free(text);
    if (rc != 0) goto nomem;
    rc = 0;
    goto out;
nomem:
    rc = maat_error_set(&r->err, MAAT_ERR_NOMEM, "TdxVm payload: out of memory");
out:
    json_decref(issued);
    json_decref(o);
    return rc;
}

int maat__attest_run(const struct maat_attest_ctx *ctx, const char *body, size_t len,
                    enum maat_attest_route route, struct maat_attest_result *r)
{
    result_reset(r); /* not all 19 KB: the steps zero their large members (issue 16) */
    maat_buf_init(&r->payload);
    struct priv *p = calloc(1, sizeof *p);
    if (p == NULL) {
        maat_error_set(&r->err, MAAT_ERR_NOMEM, "out of memory");
        return internal(r);
    }
    r->priv_ = p;
    if (ctx == NULL || ctx->trust == NULL || ctx->policy == NULL || ctx->policy_hash == NULL ||
        ctx->issuer == NULL) {
        maat_error_set(&r->err, MAAT_ERR_USAGE,
                       "attestation: trust set, policy, policy hash and issuer are required");
        return internal(r);
    }
    const bool tdx = route == MAAT_ROUTE_TDX_VM;
    const char *ev_name = route == MAAT_ROUTE_OPEN_ENCLAVE ? "report" : "quote";

    if (maat__attest_request_parse(body, len, route, &r->req, &r->aerr) != 0)
        return failed(r, r->aerr.code == MAAT_MAA_INTERNAL_ERROR ? MAAT_ATTEST_INTERNAL
                                                                 : MAAT_ATTEST_BAD_REQUEST);
    /* The policy: a draft is parsed first (a syntax error needs no quote verification). */
    const struct maat_policy *pol = ctx->policy;
    memcpy(r->policy_hash, ctx->policy_hash, sizeof r->policy_hash - 1);
    if (r->req.draft_policy != NULL) {
        r->draft = true;
        if (maat__policy_parse(r->req.draft_policy, r->req.draft_policy_len, NULL, &p->draft,
                              &r->perr) != 0)
            return failed(r, MAAT_ATTEST_POLICY_FAILED);
        if (maat_policy_hash(r->req.draft_policy, r->req.draft_policy_len, r->policy_hash,
                             &r->err) != 0)
            return internal(r);
        pol = p->draft;
    }

    if (maat_quote_parse(r->req.evidence, r->req.evidence_len, &r->quote, &r->err) != 0)
        return bad_quote(r, ev_name);
    r->quote_parsed = true;
    if (maat__attest_check_bindings(&r->req, &r->quote, &r->aerr) != 0)
        return failed(r, r->aerr.code == MAAT_MAA_INTERNAL_ERROR ? MAAT_ATTEST_INTERNAL
                                                                 : MAAT_ATTEST_BAD_REQUEST);
    const struct maat_cert_data *cd = &r->quote.cert_data;
    if (cd->type != MAAT_CERT_PCK_CHAIN || cd->chain_len == 0) {
        maat_error_set(&r->err, MAAT_ERR_UNSUPPORTED,
                       "certification data type %u (%s) carries no PCK certificate chain; "
                       "type 5 is needed",
                       cd->type, maat_cert_type_name(cd->type));
        return bad_quote(r, ev_name);
    }

    /* The PCK chain first: only a chain to a trusted root names the collateral to get. */
    struct maat_verify_opts vo = {0};
    if (ctx->verify != NULL) vo = *ctx->verify; /* the TCB policy options (issue 14) */
    vo.at = ctx->at;
    vo.pck_cache = ctx->pck_cache;
    vo.pck_chain = NULL;
    vo.pck_chain_pem = (struct maat_view){0};
    if (maat_pck_chain_resolve(&r->quote, ctx->trust, &vo, &p->chain, &r->verdict, &r->err) != 0)
        return internal(r);
    r->verdict_reached = true;
    if (!r->verdict.ok) return failed(r, MAAT_ATTEST_VERIFY_FAILED);
    vo.pck_chain = p->chain;
    const struct maat_pck_info *pck = maat_pck_chain_info(p->chain);
    memcpy(r->fmspc, pck->fmspc, 6);
    r->ca = pck->ca == MAAT_PCK_CA_UNKNOWN ? MAAT_PCK_CA_PROCESSOR : pck->ca;
    r->have_pck = true;

    const struct maat_verified_collateral *vc = NULL;
    if (ctx->collateral_num != NULL) { /* the baseline the policy selects, then the grace */
        enum maat_attest_tee tee = tdx ? MAAT_ATTEST_TEE_TDX : MAAT_ATTEST_TEE_SGX;
        uint32_t newest = 0;
        time_t recovery = 0;
        if (maat__attest_selected_baseline(pol, ctx->limits, &r->tcb_baseline) != 0) {
            maat_error_set(&r->err, MAAT_ERR_NOMEM,
                           "policy: the configurationrules could not be evaluated");
            return internal(r);
        }
        if (ctx->collateral_num(ctx->collateral_arg, tee, r->fmspc, r->ca, r->tcb_baseline, &vc,
                                &newest, &recovery, &r->err) != 0)
            return failed(r, r->err.code == MAAT_ERR_IO ? MAAT_ATTEST_COLLATERAL_UNAVAILABLE
                                                        : MAAT_ATTEST_COLLATERAL_INVALID);
        vo.tcb_grace = ctx->tcb_grace;
        vo.tcb_grace_days = ctx->tcb_grace_days;
        vo.tcb_eval_num_newest = newest;
        vo.tcb_newest_recovery_date = recovery;
    } else if (ctx->collateral != NULL) {
        enum maat_attest_tee tee = tdx ? MAAT_ATTEST_TEE_TDX : MAAT_ATTEST_TEE_SGX;
        if (ctx->collateral(ctx->collateral_arg, tee, r->fmspc, r->ca, &vc, &r->err) != 0)
            return failed(r, r->err.code == MAAT_ERR_IO ? MAAT_ATTEST_COLLATERAL_UNAVAILABLE
                                                        : MAAT_ATTEST_COLLATERAL_INVALID);
    }

    int vrc = tdx ? maat_tdx_quote_verify(&r->quote, vc, ctx->trust, &vo, ctx->tdx, &r->verdict,
                                          &r->tdx, &r->err)
                  : maat_quote_verify(&r->quote, vc, ctx->trust, &vo, &r->verdict, &r->err);
    if (vrc != 0) return internal(r);
    if (ctx->collateral_num != NULL && r->tcb_baseline == 0 && /* a pinned baseline is kept */
        grace_fallback(ctx, r, &vo, tdx, &vc) != 0)
        return -1;
    if (!r->verdict.ok || r->verdict.status == MAAT_TCB_REVOKED)
        return failed(r, MAAT_ATTEST_VERIFY_FAILED);
    /* Below UpToDate: what to update (x-maat-tcb-fix). A fix that cannot be computed (the
     * collateral matches no level) is left out of the token; the status claims stay. */
    if (r->verdict.status != MAAT_TCB_UP_TO_DATE && vc != NULL) {
        struct maat_error ferr = {0};
        r->have_tcb_fix = maat_tcb_fix_compute(&r->verdict, &r->quote, vc, &r->tcb_fix, &ferr) == 0 &&
                          r->tcb_fix.needed;
    }
    const struct maat_tcb_fix *fix = r->have_tcb_fix ? &r->tcb_fix : NULL;

    /* incoming claims */
    struct maat_collateral_hashes hashes;
    struct maat_claims_input in = {0};
    uint8_t quote_hash[32];
    if (tdx) {
        struct maat_tdx_claims_input ti = {
            .verdict = &r->verdict,
            .tdx = &r->tdx,
            .runtime_json = r->req.runtime.json,
            .inittime_json = r->req.inittime.json,
            .nonce = r->req.nonce,
            .tcb_fix = fix,
        };
        if ((p->tdx_claims = maat__tdx_claims_build(&ti, &r->err)) == NULL ||
            maat__claim_list_from_json(p->tdx_claims, NULL, &p->claims, &r->err) != 0)
            return internal(r);
    } else {
        maat_verified_collateral_hashes(vc, &hashes);
        in = (struct maat_claims_input){
            .route = route,
            .req = &r->req,
            .quote = &r->quote,
            .verdict = &r->verdict,
            .collateral = &hashes,
            .policy_hash = r->policy_hash,
            .policy_signer = r->draft ? NULL : ctx->policy_signer,
            .max_payload = ctx->max_payload,
            .tcb_fix = fix,
        };
        maat__claims_quote_hash(&in, quote_hash); /* once: incoming set and payload need it */
        in.quote_hash = quote_hash;
        if (maat__claims_incoming_list(&in, &p->claims, &r->err) != 0) return internal(r);
    }

    /* the policy */
    struct maat_policy_limits lim;
    if (ctx->limits != NULL)
        lim = *ctx->limits;
    else
        maat__policy_limits_default(&lim);
    if (maat__policy_evaluate(pol, p->claims.claims, p->claims.count, &lim, &p->pres, &r->perr) != 0)
        return failed(r, r->perr.kind == MAAT_POLICY_ERR_INTERNAL ? MAAT_ATTEST_INTERNAL
                                                                  : MAAT_ATTEST_POLICY_FAILED);
    /* the TCB baseline the configurationrules select: the collateral used must be it */
    const char *tcb_id = maat__policy_result_property(&p->pres, "x-ms-sgx-tcbidentifier");
    if (maat__attest_check_tcb_identifier(tcb_id, &r->verdict, &r->tcb_baseline, &r->aerr) != 0)
        return failed(r, MAAT_ATTEST_TCB_BASELINE);

    /* the payload */
    char jti[65];
    const char *j = ctx->jti;
    if (j == NULL) {
        if (maat__claims_new_jti(jti, &r->err) != 0) return internal(r);
        j = jti;
    }
    int prc;
    if (tdx) {
        prc = tdx_payload(ctx, r, p, &p->pres, j);
    } else {
        in.issued_result = &p->pres;
        in.tcb_identifier = tcb_id;
        int64_t life = ctx->lifetime > 0 ? ctx->lifetime : MAAT_CLAIMS_TOKEN_LIFETIME;
        int64_t iat = ctx->iat != 0 ? ctx->iat : (int64_t)ctx->at;
        prc = maat__claims_payload_text(&in, ctx->issuer, iat, life, j, &r->payload, &r->err);
    }
    if (prc != 0)
        return failed(r, r->err.code == MAAT_ERR_TOO_LARGE ? MAAT_ATTEST_TOO_LARGE
                                                           : MAAT_ATTEST_INTERNAL);
    r->outcome = MAAT_ATTEST_OK;
    return 0;
}

void maat__attest_result_cleanup(struct maat_attest_result *r)
{
    if (r == NULL) return;
    struct priv *p = r->priv_;
    if (p != NULL) {
        maat__policy_result_cleanup(&p->pres);
        maat__claim_list_cleanup(&p->claims);
        json_decref(p->tdx_claims);
        maat_pck_chain_release(p->chain);
        maat__policy_free(p->draft);
        free(p);
    }
    r->priv_ = NULL;
    maat_buf_cleanup(&r->payload);
    maat__attest_request_cleanup(&r->req);
    /* Only what the result owns is reset (a second call is a no-op): the quote, verdict
     * and messages are left as they were, not zeroed a second time (19 KB per request;
     * maat__attest_run zeroes the whole result before it fills it). */
}

/*
 * attest_route.c - POST /attest/SgxEnclave and /attest/OpenEnclave.
 *
 * parse the request (attest.h) -> parse the quote -> check the runtime/init-time data
 * bindings (cheap, so before any signature) -> the PCK chain to a trusted root
 * (maat_pck_chain_resolve: from the shared PCK chain cache, or verified and cached now) ->
 * verified collateral for the verified leaf's FMSPC and PCK CA from the shared cache ->
 * maat_quote_verify (the resolved chain, time = now) -> incoming claims -> the policy (the stored one for the
 * route's type, parsed once; MAA's default when none is set; or the request's
 * draftPolicyForAttestation, parsed per request and never stored) -> its issued claims,
 * x-ms-sgx-tcbidentifier from configurationrules, x-ms-policy-hash of the text used,
 * x-ms-policy-signer when the stored policy was set signed -> token signed with the
 * current key (iat = nbf = now, exp = now + 8 h, jti random), or for a draft policy an
 * UNSIGNED token (same header, alg "none", empty signature), as MAA.
 *
 * Failures answer MAA's 400 InvalidParameter with maat's reason (which check failed and
 * why); a Revoked verdict is a failure too. Collateral that cannot be fetched because the
 * source is unreachable is the service's problem: 503.
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
#include "maat/tcb_fix.h"
#include "maatd.h"

/* maatd takes the PCK chain from the quote (certification data type 5). */
static int need_chain(const struct maat_quote *q, struct maat_error *err)
{
    const struct maat_cert_data *cd = &q->cert_data;
    MAAT_ENSURE(cd->type == MAAT_CERT_PCK_CHAIN && cd->chain_len > 0, err, MAAT_ERR_UNSUPPORTED,
                "quote: certification data type %u (%s) carries no PCK certificate chain; maatd "
                "needs type 5", cd->type, maat_cert_type_name(cd->type));
    return 0;
}

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

/* configurationrules' x-ms-sgx-tcbidentifier (maa-2025.md section 5): "azuredefault" (or
 * none) takes what the collateral source serves; a decimal evaluation number N requires
 * that the collateral the verdict used carries N in both TCB info and QE identity. maatd's
 * cache holds one collateral set per FMSPC and PCK CA, so a pinned number it does not hold
 * fails closed (docs/verify.md). Returns 0, or -1 after answering the error. */
static int check_tcb_identifier(struct maatd_request *rq, struct maatd_response *rs,
                                const char *id, const struct maat_verdict *v)
{
    if (id == NULL || strcmp(id, MAAT_DEFAULT_TCB_IDENTIFIER) == 0) return 0;
    char *end = NULL;
    unsigned long n = (*id >= '1' && *id <= '9') ? strtoul(id, &end, 10) : 0;
    if (n == 0 || end == NULL || *end != '\0' || n > 0x7fffffffUL) {
        maatd_error(rq, rs, 400, "PolicyEvaluationError",
                    "The policy's configurationrules select the TCB baseline \"%.64s\" "
                    "(x-ms-sgx-tcbidentifier): not \"azuredefault\" nor a TCB evaluation data "
                    "number (see GET /tcbbaselines/SgxEnclave).", id);
        return -1;
    }
    const struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    if (p->tcb_info_eval_num == n && p->qe_identity_eval_num == n) return 0;
    char fm[13];
    maat_hex_encode(v->fmspc, 6, fm);
    rq->verdict = "failed";
    maatd_error(rq, rs, 400, "InvalidParameter",
                "The policy selects TCB baseline %lu (x-ms-sgx-tcbidentifier) but the collateral "
                "maatd holds for FMSPC %s has tcbEvaluationDataNumber %u (TCB info) and %u (QE "
                "identity); maatd keeps one evaluation number per FMSPC: serve number %lu from its "
                "collateral source, or select \"azuredefault\".",
                n, fm, p->tcb_info_eval_num, p->qe_identity_eval_num, n);
    return -1;
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
    maatd_error(rq, rs, (unsigned)maat_maa_error_http_status(code), maat_maa_error_name(code), "%s",
                ae->err.msg);
}

/* PolicyParsingError (draft policy text) / PolicyEvaluationError (deny, no permit, a rule
 * failing) with MAA's wording; anything else is the service's fault. */
static void policy_error(struct maatd_request *rq, struct maatd_response *rs,
                         const struct maat_policy_error *perr)
{
    if (perr->kind == MAAT_POLICY_ERR_PARSING) {
        char msg[1024];
        maat_policy_error_format(perr, msg, sizeof msg);
        maatd_error(rq, rs, 400, "PolicyParsingError", "%s (%s)", msg, perr->err.msg);
    } else if (perr->kind == MAAT_POLICY_ERR_EVALUATION) {
        char msg[1024];
        maat_policy_error_format(perr, msg, sizeof msg);
        maatd_error(rq, rs, 400, "PolicyEvaluationError", "%s", msg);
    } else {
        maatd_error(rq, rs, 500, "InternalError", "policy: %s", perr->err.msg);
    }
}

/* The policy engine's limits with this instance's output bounds (--policy-max-*). */
static void policy_limits(const struct maatd *d, struct maat_policy_limits *lim)
{
    maat_policy_limits_default(lim);
    lim->max_issued_claims = (size_t)d->cfg.policy_max_issued_claims;
    lim->max_claim_value = (size_t)d->cfg.policy_max_claim_value;
    lim->max_issued_bytes = (size_t)d->cfg.policy_max_issued_bytes;
}

void maatd_attest(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                  bool open_enclave)
{
    enum maat_attest_route route = open_enclave ? MAAT_ROUTE_OPEN_ENCLAVE : MAAT_ROUTE_SGX_ENCLAVE;
    struct maat_attest_request req = {0};
    struct maat_attest_error ae = {0};
    struct maat_error err = {0};
    struct maat_collateral_lookup lk = {0};
    bool have_lk = false;
    struct maat_buf payload = {0}, answer = {0};
    char *token = NULL;
    struct maatd_policy *pol = NULL;
    struct maat_claim_list claims = {0};
    struct maat_policy_result pres = {0};
    struct maat_pck_chain *chain = NULL;
    time_t now = time(NULL);

    if (maat_attest_request_parse((const char *)rq->body.data, rq->body.len, route, &req, &ae) != 0) {
        attest_error(rq, rs, &ae);
        goto out;
    }
    /* The policy: a draft is parsed first (a syntax error needs no quote verification). */
    if (req.draft_policy != NULL) {
        struct maat_policy_error perr = {0};
        pol = maatd_policy_new(req.draft_policy, req.draft_policy_len, "", NULL, 0, &perr);
        if (pol == NULL) {
            policy_error(rq, rs, &perr);
            goto out;
        }
    } else {
        pol = maatd_policy_acquire(d, (unsigned)route);
    }
    struct maat_quote q;
    if (maat_quote_parse(req.evidence, req.evidence_len, &q, &err) != 0) {
        maatd_error(rq, rs, 400, "InvalidParameter", "%s: %s", open_enclave ? "report" : "quote",
                    err.msg);
        goto out;
    }
    if (maat_attest_check_bindings(&req, &q, &ae) != 0) {
        attest_error(rq, rs, &ae);
        goto out;
    }

    /* The PCK chain first: only a chain to a trusted root (verified now, or earlier and
     * cached) names the FMSPC and PCK CA whose collateral is fetched. */
    struct maat_verify_opts vo = {.at = now, .pck_cache = d->pck_cache};
    struct maat_verdict v;
    if (need_chain(&q, &err) != 0) {
        maatd_error(rq, rs, 400, "InvalidParameter", "%s", err.msg);
        goto out;
    }
    if (maat_pck_chain_resolve(&q, d->trust, &vo, &chain, &v, &err) != 0) {
        maatd_error(rq, rs, 500, "InternalError", "quote verification could not run: %s", err.msg);
        goto out;
    }
    if (!v.ok) {
        verdict_error(d, rq, rs, &v, NULL, NULL);
        goto out;
    }
    vo.pck_chain = chain;

    const struct maat_verified_collateral *vc = NULL;
    if (d->cache != NULL) {
        const struct maat_pck_info *pck = maat_pck_chain_info(chain);
        enum maat_pck_ca ca = pck->ca == MAAT_PCK_CA_UNKNOWN ? MAAT_PCK_CA_PROCESSOR : pck->ca;
        if (maat_collateral_cache_get(d->cache, pck->fmspc, ca, now, &lk, &err) != 0) {
            char fm[13], why[MAAT_ERROR_MSG_MAX]; /* no source URL in the body */
            maat_hex_encode(pck->fmspc, 6, fm);
            maat_collateral_scrub_urls(err.msg, false, why, sizeof why);
            rq->verdict = "failed";
            maatd_metrics_verdict(&d->metrics, -1);
            if (err.code == MAAT_ERR_IO)
                maatd_error(rq, rs, 503, "ServiceUnavailable",
                            "Collateral for FMSPC %s (%s CA) could not be fetched: %s", fm,
                            maat_pck_ca_name(ca), why);
            else
                maatd_error(rq, rs, 400, "InvalidParameter",
                            "The quote was invalid due to an error in the quote collateral for "
                            "FMSPC %s (%s CA): %s", fm, maat_pck_ca_name(ca), why);
            goto out;
        }
        have_lk = true;
        vc = lk.vc;
        maatd_metrics_collateral(&d->metrics, pck->fmspc, (int)ca, lk.fetched_at,
                                 lk.window.not_after, lk.stale);
    }

    if (maat_quote_verify(&q, vc, d->trust, &vo, &v, &err) != 0) {
        maatd_error(rq, rs, 500, "InternalError", "quote verification could not run: %s", err.msg);
        goto out;
    }
    if (!v.ok || v.status == MAAT_TCB_REVOKED) {
        verdict_error(d, rq, rs, &v, &q, vc);
        goto out;
    }
    struct maat_tcb_fix fix; /* x-maat-tcb-fix below UpToDate (issue 14) */
    bool have_fix = v.status != MAAT_TCB_UP_TO_DATE && vc != NULL &&
                    maat_tcb_fix_compute(&v, &q, vc, &fix, &err) == 0 && fix.needed;
    rq->verdict = maat_tcb_status_name(v.status);
    maatd_metrics_verdict(&d->metrics, (int)v.status);

    struct maat_collateral_hashes hashes;
    maat_verified_collateral_hashes(vc, &hashes);
    struct maat_claims_input in = {
        .route = route,
        .req = &req,
        .quote = &q,
        .verdict = &v,
        .collateral = &hashes,
        .policy_hash = pol->hash,
        .policy_signer = req.draft_policy ? NULL : pol->signer,
        .max_payload = (size_t)d->cfg.max_token_size,
        .tcb_fix = have_fix ? &fix : NULL,
    };
    uint8_t quote_hash[32]; /* hashed once: the incoming set and the payload both need it */
    maat_claims_quote_hash(&in, quote_hash);
    in.quote_hash = quote_hash;
    if (maat_claims_incoming_list(&in, &claims, &err) != 0) {
        maatd_error(rq, rs, 500, "InternalError", "claims: %s", err.msg);
        goto out;
    }
    struct maat_policy_error perr = {0};
    struct maat_policy_limits lim;
    policy_limits(d, &lim);
    if (maat_policy_evaluate(pol->parsed, claims.claims, claims.count, &lim, &pres, &perr) != 0) {
        policy_error(rq, rs, &perr);
        goto out;
    }
    in.issued_result = &pres;
    in.tcb_identifier = maat_policy_result_property(&pres, "x-ms-sgx-tcbidentifier");
    if (check_tcb_identifier(rq, rs, in.tcb_identifier, &v) != 0) goto out;
    char jti[65];
    if (maat_claims_new_jti(jti, &err) != 0 ||
        maat_claims_payload_text(&in, rq->issuer, (int64_t)now, MAATD_TOKEN_LIFETIME, jti,
                                 &payload, &err) != 0) {
        if (err.code == MAAT_ERR_TOO_LARGE) /* the token bound (--max-token-size) */
            maatd_error(rq, rs, 400, "PolicyEvaluationError",
                        "The attestation token would exceed the limit of %ld bytes "
                        "(--max-token-size): %s", d->cfg.max_token_size, err.msg);
        else
            maatd_error(rq, rs, 500, "InternalError", "claims: %s", err.msg);
        goto out;
    }
    const char *ptext = (const char *)payload.data;
    int trc = 0;
    if (maat_buf_reserve(&answer, 4096) != 0 || maat_buf_put_str(&answer, token_pre) != 0)
        trc = maat_error_set(&err, MAAT_ERR_NOMEM, "out of memory");
    else if (!req.draft_policy)
        trc = maatd_keys_sign_into(d, rq->issuer, ptext, payload.len, &answer, &err);
    else if ((token = maatd_keys_unsigned_text(d, rq->issuer, ptext, payload.len, &err)) == NULL)
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
    maat_buf_cleanup(&payload);
    maat_buf_cleanup(&answer);
    if (have_lk) maat_collateral_lookup_release(d->cache, &lk);
    maat_pck_chain_release(chain);
    maat_policy_result_cleanup(&pres);
    maat_claim_list_cleanup(&claims);
    maatd_policy_release(pol);
    maat_attest_request_cleanup(&req);
}

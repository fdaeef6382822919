/*
 * tcb_identifier.c - configurationrules' x-ms-sgx-tcbidentifier (maa-2025.md section 5):
 * which TCB baseline a policy selects, and whether the verdict's collateral is that baseline
 * (attest.h: maat__tcb_identifier_parse, maat__attest_check_tcb_identifier). maat__attest_run
 * applies the check after the policy; maatd's GET /tcbbaselines parses with the same rule.
 * maat__attest_selected_baseline reads the number before the quote's claims exist, so that
 * the pipeline can ask for that baseline's collateral (ctx->collateral_num).
 */
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"

int maat__tcb_identifier_parse(const char *id, uint32_t *num)
{
    *num = 0;
    if (id == NULL || strcmp(id, MAAT_DEFAULT_TCB_IDENTIFIER) == 0) return 0;
    /* a decimal number without sign, leading zero or space, 1 .. 2^31-1 */
    if (*id < '1' || *id > '9') return -1;
    char *end = NULL;
    unsigned long n = strtoul(id, &end, 10);
    if (end == NULL || *end != '\0' || n > 0x7fffffffUL) return -1;
    *num = (uint32_t)n;
    return 0;
}

int maat__attest_check_tcb_identifier(const char *id, const struct maat_verdict *v,
                                     uint32_t *selected, struct maat_attest_error *err)
{
    uint32_t n;
    if (maat__tcb_identifier_parse(id, &n) != 0) {
        if (selected != NULL) *selected = 0;
        err->code = MAAT_MAA_POLICY_EVALUATION_ERROR;
        maat_error_set(&err->err, MAAT_ERR_VALUE,
                       "The policy's configurationrules select the TCB baseline \"%.64s\" "
                       "(x-ms-sgx-tcbidentifier): not \"azuredefault\" nor a TCB evaluation "
                       "data number (see GET /tcbbaselines/SgxEnclave).",
                       id);
        return -1;
    }
    if (selected != NULL) *selected = n;
    if (n == 0) return 0; /* azuredefault: what the collateral source serves */
    const struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    if (p->tcb_info_eval_num == n && p->qe_identity_eval_num == n) return 0;
    char fm[13];
    maat_hex_encode(v->fmspc, 6, fm);
    err->code = MAAT_MAA_INVALID_PARAMETER;
    maat_error_set(&err->err, MAAT_ERR_VALUE,
                   "The policy selects TCB baseline %u (x-ms-sgx-tcbidentifier) but the "
                   "collateral for FMSPC %s has tcbEvaluationDataNumber %u (TCB info) and %u "
                   "(QE identity).",
                   n, fm, p->tcb_info_eval_num, p->qe_identity_eval_num);
    return -1;
}

int maat__attest_selected_baseline(const struct maat_policy *p, const struct maat_policy_limits *lim,
                                  uint32_t *num)
{
    *num = 0;
    if (p == NULL || !maat__policy_has_section(p, MAAT_POLICY_CONFIGURATION)) return 0;
    /* the configurationrules see no claims here: the number is the policy's alone */
    if (maat__policy_memo_load(p, num)) return 0;
    struct maat_policy_result res = {0};
    struct maat_policy_error perr = {0};
    /* authorization may refuse the empty claim set: only the configuration's property
     * matters here */
    if (maat__policy_evaluate(p, NULL, 0, lim, &res, &perr) != 0 &&
        perr.kind == MAAT_POLICY_ERR_INTERNAL) {
        maat__policy_result_cleanup(&res);
        return -1;
    }
    if (maat__tcb_identifier_parse(maat__policy_result_property(&res, "x-ms-sgx-tcbidentifier"),
                                  num) != 0)
        *num = 0;
    maat__policy_result_cleanup(&res);
    maat__policy_memo_store(p, *num);
    return 0;
}

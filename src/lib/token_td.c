/*
 * token_td.c - the claims of a TdxVm token against the TD quote it was issued for, the
 * optional check ENCLAVE_CLAIMS of maat_token_validate() when x->td_quote is given: the TD
 * report's MRTD, RTMR0-3, MRCONFIGID and report data, which the token carries as
 * lower-case hex strings (maa-2025.md section 3), and the attestation type "tdxvm". The
 * results and the first-mismatch reason are those of the EnclaveInfo comparison
 * (enclave_compare.c). Moved here from `maat attest` (src/cli/cmd_attest.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/bytes.h"
#include "enclave_compare_internal.h"
#include "token_internal.h"

bool maat__token_td_quote_usable(const struct maat_quote *q)
{
    const struct maat_td_report *td = &q->td_report;
    if (q->body_type != MAAT_BODY_TD10 && q->body_type != MAAT_BODY_TD15 &&
        q->body_type != MAAT_BODY_TD15_EX)
        return false;
    if (td->mr_td == NULL || td->mr_config_id == NULL || td->report_data == NULL) return false;
    for (size_t i = 0; i < 4; i++)
        if (td->rtmr[i] == NULL) return false;
    return true;
}

static char *dump(const json_t *v) /* NULL stays NULL */
{
    return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
}

int maat__token_check_td_claims(const json_t *claims, const struct maat_token_expect *x,
                                struct maat_token_result *r, struct maat_error *err)
{
    const struct maat_td_report *td = &x->td_quote->td_report;
    const struct {
        const char *name, *claim;
        const uint8_t *p;
        size_t n;
    } f[MAAT_TOKEN_TD_CLAIMS - 1] = {
        {"MRTD", "tdx_mrtd", td->mr_td, 48},
        {"RTMR0", "tdx_rtmr0", td->rtmr[0], 48},
        {"RTMR1", "tdx_rtmr1", td->rtmr[1], 48},
        {"RTMR2", "tdx_rtmr2", td->rtmr[2], 48},
        {"RTMR3", "tdx_rtmr3", td->rtmr[3], 48},
        {"MRCONFIGID", "tdx_mrconfigid", td->mr_config_id, 48},
        {"ReportData", "tdx_report_data", td->report_data, 64},
    };
    size_t failed = 0;
    char first[MAAT_ERROR_MSG_MAX - 32] = "";
    for (size_t i = 0; i < MAAT_TOKEN_TD_CLAIMS; i++) {
        char hex[129];
        const char *name = "AttestationType", *claim = "x-ms-attestation-type", *want = "tdxvm";
        if (i < MAAT_TOKEN_TD_CLAIMS - 1) {
            maat_hex_encode(f[i].p, f[i].n, hex);
            name = f[i].name;
            claim = f[i].claim;
            want = hex;
        }
        const json_t *v = json_object_get(claims, claim);
        json_t *file = json_string(want);
        struct maat_token_claim_match *m = &r->enclave_claims[i];
        m->name = name;
        m->claim = claim;
        m->file_json = dump(file);
        m->token_json = dump(v);
        m->pass = json_is_string(v) && !strcmp(json_string_value(v), want);
        r->enclave_claims_count = i + 1;
        json_decref(file);
        if (m->file_json == NULL || (v != NULL && m->token_json == NULL))
            return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        if (m->pass || failed++ > 0) continue;
        maat__ei_mismatch_text(name, m->file_json, "token", m->token_json, claim, first,
                               sizeof first);
    }
    if (failed == 0) {
        r->checks[MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS] = MAAT_TOKEN_PASSED;
        return 0;
    }
    snprintf(r->reason, sizeof r->reason, "%s%s", first,
             failed > 1 ? " (and more, see the report)" : "");
    r->checks[MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS] = MAAT_TOKEN_FAILED;
    r->failed_check = MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS;
    r->failed_code = MAAT_ERR_VALUE;
    return 1;
}

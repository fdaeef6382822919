/*
 * tcbbaselines.c - GET /tcbbaselines/SgxEnclave?api-version=2025-06-01: MAA's
 * TcbBaselineResult {tcbBaselines: [{tcbIdentifier, tcbEvaluationDataNumber,
 * tcbReleaseDate, minimumPswLinuxVersion, minimumPswWindowsVersion, isSelectedTcb}]}
 * (maa-2025.md section 5) with the baselines maat knows, newest first: MAA's documented
 * ones (10-13), the numbers the SGX collateral cache holds or knows from the source's
 * /tcbevaluationdatanumbers list, and the number the SgxEnclave policy pins. For numbers
 * MAA does not document, the minimum PSW versions are null (unknown: a quote does not
 * carry the PSW version) and tcbReleaseDate is the number's tcbDate (from the list, else
 * the held TCB info's newest level), null when unknown. isSelectedTcb marks the number the active SgxEnclave policy's
 * configurationrules select (x-ms-sgx-tcbidentifier, evaluated with no incoming claims);
 * with "azuredefault" none is marked, because maat's default is whatever its collateral
 * source serves, not a fixed number (docs/verify.md, "TCB baselines in maatd").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "maat/attest.h"
#include "collateral_source.h"
#include "maat/policy.h"
#include "maatd.h"

/* MAA's list (custom-tcb-baseline-enforcement doc; release dates of 10 and 11 as in the
 * 2025-06-01 spec example, which the doc's list contradicts by a day). */
static const struct {
    int num;
    const char *date, *linux_psw, *windows_psw;
} known[] = {
    {13, "2022-08-09T00:00:00", "2.17", "2.16"},
    {12, "2021-11-10T00:00:00", "2.13.3", "2.13.100.2"},
    {11, "2021-06-09T00:00:00", "2.13.3", "2.13.100.2"},
    {10, "2020-11-11T00:00:00", "2.9", "2.7.101.2"},
};

static json_t *baseline(int num, const char *date, const char *lin, const char *win, bool selected)
{
    char id[16];
    snprintf(id, sizeof id, "%d", num);
    return json_pack("{s:b, s:o, s:o, s:i, s:s, s:o}", "isSelectedTcb", selected,
                     "minimumPswLinuxVersion", lin ? json_string(lin) : json_null(),
                     "minimumPswWindowsVersion", win ? json_string(win) : json_null(),
                     "tcbEvaluationDataNumber", num, "tcbIdentifier", id, "tcbReleaseDate",
                     date ? json_string(date) : json_null());
}

/* The evaluation number the policy's configurationrules select: 0 for azuredefault or
 * none, -1 when the value is neither (then *raw is it). */
static long selected_number(const struct maatd_policy *pol, const char **raw,
                            struct maat_policy_result *res)
{
    struct maat_policy_error perr = {0};
    /* configurationrules run first and need no incoming claim; authorization may refuse an
     * empty set, which does not matter here */
    int rc = maat__policy_evaluate(pol->parsed, NULL, 0, NULL, res, &perr);
    (void)rc;
    const char *id = maat__policy_result_property(res, "x-ms-sgx-tcbidentifier");
    *raw = id;
    uint32_t n; /* the rule the attestation pipeline applies */
    if (maat__tcb_identifier_parse(id, &n) != 0) return -1;
    return (long)n;
}

void maatd_tcbbaselines(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    if (!rq->api_2025) {
        maatd_error(rq, rs, 400, "UnsupportedApiVersionValue",
                    "%s exists from api-version 2025-06-01 on.", rq->path);
        return;
    }
    struct maatd_policy *pol = maatd_policy_acquire(d, 0u); /* SgxEnclave */
    struct maat_policy_result res = {0};
    const char *raw = NULL;
    long sel = pol != NULL ? selected_number(pol, &raw, &res) : 0;
    if (sel < 0) {
        maatd_error(rq, rs, 400, "PolicyEvaluationError",
                    "The SgxEnclave policy selects the TCB baseline \"%.64s\" "
                    "(x-ms-sgx-tcbidentifier): not \"azuredefault\" nor a TCB evaluation data "
                    "number.",
                    raw ? raw : "");
        goto out;
    }
    /* the numbers the cache holds or its list names, newest first (at most 64) */
    struct maat_collateral_number held[64];
    time_t now = d->verify_at != 0 ? d->verify_at : time(NULL);
    size_t nheld = d->cache != NULL ? maat_collateral_cache_numbers(d->cache, now, held, 64) : 0;
    json_t *list = json_array();
    size_t ih = 0, ik = 0;
    long prev = -1;
    bool sel_done = sel == 0; /* azuredefault: nothing to add */
    for (;;) { /* merge held (descending), known (descending) and the selected number */
        long hn = ih < nheld ? (long)held[ih].number : -1;
        long kn = ik < sizeof known / sizeof known[0] ? known[ik].num : -1;
        long sn = sel_done ? -1 : sel;
        long n = hn > kn ? hn : kn;
        if (sn > n) n = sn;
        if (n < 0) break;
        if (n == hn) ih++;
        if (n == sn) sel_done = true;
        if (n == prev) continue;
        prev = n;
        if (n == kn) {
            ik++;
            json_array_append_new(list, baseline(known[ik - 1].num, known[ik - 1].date,
                                                 known[ik - 1].linux_psw, known[ik - 1].windows_psw,
                                                 n == sel));
            continue;
        }
        char date[24] = "";
        time_t td = n == hn ? held[ih - 1].tcb_date : 0;
        struct tm tm;
        if (td > 0 && gmtime_r(&td, &tm) != NULL)
            strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm); /* no zone, as MAA */
        json_array_append_new(list, baseline((int)n, date[0] ? date : NULL, NULL, NULL, n == sel));
    }
    json_t *body = json_pack("{s:o}", "tcbBaselines", list);
    maatd_json_response(rs, 200, body);
    json_decref(body);
out:
    maat__policy_result_cleanup(&res);
    maatd_policy_release(pol);
}

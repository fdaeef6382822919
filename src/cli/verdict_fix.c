/*
 * verdict_fix.c - text and JSON for the fix a verdict names (see verdict_fix.h).
 */
#include "verdict_fix.h"
#include "maat/tcb_fix_json.h"

#include <time.h>

#include "json_out.h"
#include "textout.h"

static void fmt_date(time_t t, char buf[32])
{
    struct tm tm;
    if (t == 0 || gmtime_r(&t, &tm) == NULL)
        snprintf(buf, 32, "-");
    else
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *cli_fix_json(const struct maat_tcb_fix *fix)
{
    json_t *o = maat__tcb_fix_json(fix); /* the same object tokens carry as x-maat-tcb-fix */
    return o != NULL ? o : json_null();
}

void cli_fix_print(FILE *f, const struct maat_tcb_fix *fix)
{
    char t[32];
    fmt_date(fix->target_tcb_date, t);
    fprintf(f, "fix:           reach %s (TCB level of %s)\n",
            maat_tcb_status_name(fix->target_status), t);
    for (size_t i = 0; i < fix->component_count; i++) {
        const struct maat_tcb_fix_component *c = &fix->components[i];
        fprintf(f, "%s", i ? "               " : "  raise:       ");
        cli_fputs_safe(c->name, f);
        if (c->index >= 0)
            fprintf(f, " [%s%d]", c->array && c->array[0] == 't' ? "TDX " : "", c->index);
        fprintf(f, ": %u -> %u\n", c->have, c->need);
    }
    fprintf(f, "  closes:      ");
    for (size_t i = 0; i < fix->advisory_count; i++) {
        fprintf(f, "%s", i ? ", " : "");
        cli_fputs_safe(fix->advisory_ids_closed[i], f);
    }
    fprintf(f, "%s\n", fix->advisory_count ? "" : "none");
    fprintf(f, "  update:      ");
    for (size_t i = 0; i < fix->update_count; i++)
        fprintf(f, "%s%s", i ? "; " : "", fix->update[i]);
    fprintf(f, "%s\n", fix->update_count ? "" : "nothing maat can name");
}

void cli_fix_attach(json_t *o, const struct maat_verdict *v, const struct maat_quote *q,
                    const struct maat_verified_collateral *vc)
{
    if (!maat_tcb_fix_wanted(v)) return;
    struct maat_tcb_fix fix;
    struct maat_error err = {0};
    if (maat_tcb_fix_compute(v, q, vc, &fix, &err) != 0)
        json_object_set_new(o, "fix_error", cli_json_text(err.msg));
    else if (fix.needed)
        json_object_set_new(o, "fix", cli_fix_json(&fix));
}

void cli_fix_attach_check(json_t *o, const struct maat_quote_check *c)
{
    if (!c->fix_computed) return;
    if (c->fix_error[0] != '\0')
        json_object_set_new(o, "fix_error", cli_json_text(c->fix_error));
    else if (c->fix.needed)
        json_object_set_new(o, "fix", cli_fix_json(&c->fix));
}

void cli_fix_print_for(FILE *f, const struct maat_verdict *v, const struct maat_quote *q,
                       const struct maat_verified_collateral *vc)
{
    if (!maat_tcb_fix_wanted(v)) return;
    struct maat_tcb_fix fix;
    struct maat_error err = {0};
    if (maat_tcb_fix_compute(v, q, vc, &fix, &err) != 0) {
        fprintf(f, "fix:           unknown: ");
        cli_fputs_safe(err.msg, f);
        fprintf(f, "\n");
    } else if (fix.needed) {
        cli_fix_print(f, &fix);
    }
}

void cli_qe_advisories_json(json_t *o, const struct maat_verdict *v)
{
    json_t *adv = json_array();
    for (size_t i = 0; i < v->qe_advisory_count; i++)
        json_array_append_new(adv, cli_json_text(v->qe_advisory_ids[i]));
    json_object_set_new(o, "qe_advisory_ids", adv);
}

void cli_qe_advisories_print(FILE *f, const struct maat_verdict *v)
{
    fprintf(f, "qe advisories: ");
    for (size_t i = 0; i < v->qe_advisory_count; i++) {
        fprintf(f, "%s", i ? ", " : "");
        cli_fputs_safe(v->qe_advisory_ids[i], f);
    }
    fprintf(f, "%s\n", v->qe_advisory_count ? "" : "none");
}

/* A time as JSON (null for 0). */
static json_t *time_json(time_t t)
{
    char b[32];
    fmt_date(t, b);
    return t ? json_string(b) : json_null();
}

void cli_tcb_policy_json(json_t *o, const struct maat_verdict *v)
{
    if (!v->collateral_present) return;
    const struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    json_object_set_new(o, "tcb_eval_num",
                        v->tcb_evaluation_data_number ? json_integer(v->tcb_evaluation_data_number)
                                                      : json_null());
    json_object_set_new(o, "tcb_eval_num_newest",
                        p->eval_num_newest ? json_integer(p->eval_num_newest) : json_null());
    json_t *t = json_object();
    json_object_set_new(t, "tcb_info_eval_num",
                        p->tcb_info_eval_num ? json_integer(p->tcb_info_eval_num) : json_null());
    json_object_set_new(t, "qe_identity_eval_num",
                        p->qe_identity_eval_num ? json_integer(p->qe_identity_eval_num)
                                                : json_null());
    json_object_set_new(t, "tcb_eval_num_pinned",
                        p->eval_num_pinned ? json_integer(p->eval_num_pinned) : json_null());
    const char *up = maat_tcb_update_name(p->update);
    json_object_set_new(t, "update", up ? json_string(up) : json_null());
    if (p->grace) {
        json_t *g = json_object();
        json_object_set_new(g, "days", json_integer(p->grace_days));
        json_object_set_new(g, "until", time_json(p->grace_until));
        json_object_set_new(g, "in_grace", json_boolean(p->in_grace));
        json_object_set_new(t, "grace", g);
    } else {
        json_object_set_new(t, "grace", json_null());
    }
    json_object_set_new(t, "collateral_age_seconds", json_integer(p->collateral_age));
    json_object_set_new(t, "collateral_oldest", json_string(p->collateral_oldest));
    json_object_set_new(t, "max_collateral_age_days",
                        p->max_collateral_age_days ? json_integer(p->max_collateral_age_days)
                                                   : json_null());
    json_object_set_new(t, "min_tcb_status",
                        p->has_min_status ? json_string(maat_tcb_status_name(p->min_status))
                                          : json_null());
    if (p->advisory_allow_list) {
        json_t *na = json_array();
        for (size_t i = 0; i < p->advisories_not_allowed_count; i++)
            json_array_append_new(na, cli_json_text(p->advisories_not_allowed[i]));
        json_object_set_new(t, "advisories_not_allowed", na);
    } else {
        json_object_set_new(t, "advisories_not_allowed", json_null());
    }
    json_object_set_new(t, "passed", json_boolean(!p->failed));
    json_object_set_new(o, "tcb_policy", t);
}

void cli_tcb_policy_print(FILE *f, const struct maat_verdict *v)
{
    if (!v->collateral_present) return;
    const struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    fprintf(f, "tcb eval num:  %u (TCB info %u, QE identity %u)", v->tcb_evaluation_data_number,
            p->tcb_info_eval_num, p->qe_identity_eval_num);
    if (p->eval_num_newest) fprintf(f, "; newest known %u", p->eval_num_newest);
    if (p->eval_num_pinned) fprintf(f, "; pinned %u", p->eval_num_pinned);
    if (maat_tcb_update_name(p->update)) fprintf(f, "; update %s", maat_tcb_update_name(p->update));
    fprintf(f, "\n");
    bool any = p->grace || p->max_collateral_age_days || p->has_min_status || p->advisory_allow_list;
    if (!any) return;
    fprintf(f, "tcb policy:    %s\n", p->failed ? "FAILED" : "passed");
    if (p->grace) {
        char t[32];
        fmt_date(p->grace_until, t);
        fprintf(f, "  grace:       %u days, until %s%s\n", p->grace_days, t,
                p->in_grace ? " (accepted in grace)" : "");
    }
    if (p->max_collateral_age_days)
        fprintf(f, "  max age:     %u days (oldest: %s, %lld s old)\n", p->max_collateral_age_days,
                p->collateral_oldest, (long long)p->collateral_age);
    if (p->has_min_status) fprintf(f, "  min status:  %s\n", maat_tcb_status_name(p->min_status));
    if (p->advisory_allow_list) {
        fprintf(f, "  not allowed: ");
        for (size_t i = 0; i < p->advisories_not_allowed_count; i++) {
            fprintf(f, "%s", i ? ", " : "");
            cli_fputs_safe(p->advisories_not_allowed[i], f);
        }
        fprintf(f, "%s\n", p->advisories_not_allowed_count ? "" : "none");
    }
}

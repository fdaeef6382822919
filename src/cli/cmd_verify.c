/*
 * cmd_verify.c - `maat verify`: an offline DCAP quote verifier, like Intel's and
 * dcap-qvl's tools. Prints the status, advisories, TCB date, the report body and each
 * step passed or the one that failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "maat/crypto.h"
#include "maat/evidence.h"
#include "maat/quote_json.h"
#include "maat/tdx.h"
#include "maat/verify.h"
#include "cli.h"
#include "collateral_load.h"
#include "json_out.h"
#include "textout.h"
#include "verdict_fix.h"

#define MAX_ROOTS 8

static void usage(FILE *f)
{
    fprintf(
        f, "usage: maat verify QUOTE [--collateral BUNDLE|DIR | --pccs URL] [--trust-root PEM]...\n"
           "                   [--pck-cert PEM] [--at TIME] [--json]\n"
           "                   [--allow-debug-td] [--allow-reserved-td-attributes]\n"
           "                   [--allow-sept-ve] [--allow-service-td]\n"
           "                   [--tcb-eval-num N] [--update early|standard]\n"
           "                   [--tcb-eval-num-newest N [--tcb-recovery-date TIME]\n"
           "                    [--tcb-grace-days N]] [--max-collateral-age DAYS]\n"
           "                   [--min-tcb-status STATUS] [--allow-advisory ID]...\n"
           "\n"
           "Verifies a DCAP quote (any format `maat quote inspect` reads) against Intel\n"
           "collateral, with Intel QVL semantics. Intel's SGX Root CA is always trusted;\n"
           "--trust-root adds another root (a test PKI such as `maat sim init`'s root-ca.pem),\n"
           "which the output then reports as a non-production root.\n"
           "\n"
           "  --collateral B|D  a collateral bundle (dcap-qvl JSON layout, as `maat sim init`\n"
           "                    writes DIR/collateral.json) or a directory of Intel PCS files\n"
           "  --pccs URL        fetch collateral from an Intel PCS / PCCS (API v4)\n"
           "  --trust-root PEM  also trust this root certificate (repeatable)\n"
           "  --pck-cert PEM    the PCK leaf and its chain, for quotes without one (types 1-4);\n"
           "                    repeatable (e.g. pckCert.pem then pckSignChain.pem)\n"
           "  --at TIME         verification time: unix seconds or RFC 3339 with Z or an\n"
           "                    offset (2025-07-19T10:01:17Z, 2025-07-19 12:01:17.5+02:00);\n"
           "                    default now\n"
           "  --json            machine-readable output, failures included ({\"verified\":\n"
           "                    false, \"failed_step\", \"error\": {\"code\", \"message\"}})\n"
           "\n"
           "TCB policy (docs/verify.md, \"TCB policy\"; each fails the verdict at step status):\n"
           "  --tcb-eval-num N        the TCB info and QE identity must carry\n"
           "                          tcbEvaluationDataNumber N\n"
           "  --update early|standard which number the source serves (recorded)\n"
           "  --tcb-eval-num-newest N the newest number known (/tcbevaluationdatanumbers)\n"
           "  --tcb-recovery-date T   that number's tcbRecoveryEventDate\n"
           "  --tcb-grace-days N      require the newest number, but accept the previous one\n"
           "                          (newest - 1) until recovery date + N days\n"
           "  --max-collateral-age D  TCB info, QE identity and CRLs issued at most D days\n"
           "                          before the verification time\n"
           "  --min-tcb-status S      fail a status worse than S (UpToDate <\n"
           "                          SWHardeningNeeded < ConfigurationNeeded <\n"
           "                          ConfigurationAndSWHardeningNeeded < OutOfDate <\n"
           "                          OutOfDateConfigurationNeeded < Revoked)\n"
           "  --allow-advisory ID     allow-list (repeatable): any other advisory fails\n"
           "\n"
           "TD quotes (TDX) are verified with Intel QVL's TDX rules (TDX TCB info v3 and TD_QE\n"
           "identity: a TDX collateral bundle such as `maat sim init`'s DIR/collateral-tdx.json),\n"
           "then maat's appraisal defaults, each with an opt-in (docs/verify.md, \"TDX\"):\n"
           "  --allow-debug-td                accept a DEBUG TD (TDATTRIBUTES bit 0)\n"
           "  --allow-reserved-td-attributes  accept reserved TDATTRIBUTES bits\n"
           "  --allow-sept-ve                 accept a TD without SEPT_VE_DISABLE (bit 28)\n"
           "  --allow-service-td              accept a non-zero MRSERVICETD (TD report 1.5)\n"
           "The verdict adds the TD report fields, the module identity used and the TCB status\n"
           "of platform, module and QE separately.\n"
           "\n"
           "Without collateral, the cryptographic steps still run and the output says that\n"
           "the TCB status cannot be determined. With collateral, the PCK chain is verified\n"
           "first: only a leaf verified to a trusted root chooses what is read or fetched.\n"
           "Colour only on a terminal (and not with NO_COLOR set).\n"
           "\n"
           "exit codes: 0 verified (any TCB status except Revoked; read `status`),\n"
           "            1 verification failed or Revoked, 2 usage, 3 unreadable input,\n"
           "            4 I/O or internal error\n");
}

static void fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (t == 0 || gmtime_r(&t, &tm) == NULL)
        snprintf(buf, 32, "-");
    else
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A decimal uint32 >= min, nothing else. */
static int parse_u32(const char *s, uint32_t min, uint32_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') return -1;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (*end != '\0' || n > UINT32_MAX || n < min) return -1;
    *out = (uint32_t)n;
    return 0;
}

static const char *status_string(const struct maat_verdict *v)
{
    if (v->status < MAAT_TCB_STATUS__COUNT) return maat_tcb_status_name(v->status);
    return "Unknown";
}

static json_t *hexj(const uint8_t *p, size_t n)
{
    char hex[129];
    maat_hex_encode(p, n, hex);
    return json_string(hex);
}

/* The TD report fields, named as `maat quote inspect --json` names them. */
static json_t *td_fields_json(const struct maat_td_report_fields *f)
{
    static const char *const rtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    json_t *o = json_object();
    json_object_set_new(o, "tee_tcb_svn", hexj(f->tee_tcb_svn, 16));
    json_object_set_new(o, "mr_seam", hexj(f->mr_seam, 48));
    json_object_set_new(o, "mr_signer_seam", hexj(f->mr_signer_seam, 48));
    json_object_set_new(o, "seam_attributes", hexj(f->seam_attributes, 8));
    json_object_set_new(o, "td_attributes", hexj(f->td_attributes, 8));
    json_object_set_new(o, "xfam", hexj(f->xfam, 8));
    json_object_set_new(o, "mr_td", hexj(f->mr_td, 48));
    json_object_set_new(o, "mr_config_id", hexj(f->mr_config_id, 48));
    json_object_set_new(o, "mr_owner", hexj(f->mr_owner, 48));
    json_object_set_new(o, "mr_owner_config", hexj(f->mr_owner_config, 48));
    for (int i = 0; i < 4; i++) json_object_set_new(o, rtmr[i], hexj(f->rtmr[i], 48));
    json_object_set_new(o, "report_data", hexj(f->report_data, 64));
    if (f->has_td15) {
        json_object_set_new(o, "tee_tcb_svn2", hexj(f->tee_tcb_svn2, 16));
        json_object_set_new(o, "mr_servicetd", hexj(f->mr_servicetd, 48));
    }
    return o;
}

static const char *const step_outcome[] = {"not_run", "passed", "failed"};

static json_t *tcb_summary_json(const struct maat_tdx_tcb_summary *s)
{
    char t[32];
    if (!s->evaluated) return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(maat_tcb_status_name(s->status)));
    fmt_time(s->tcb_date, t);
    json_object_set_new(o, "tcb_date", s->tcb_date ? json_string(t) : json_null());
    return o;
}

/* The opt-in flags that would lift maat's TD appraisal refusals of this TD report
 * (computed from the fields, whatever the library's message says); n of them. */
static size_t appraisal_flags(const struct maat_tdx_verdict *tv, const char *flags[4])
{
    static const uint8_t zero48[48];
    size_t n = 0;
    if (tv->td_debug) flags[n++] = "--allow-debug-td";
    if (tv->td_attributes & MAAT_TD_ATTR_RESERVED) flags[n++] = "--allow-reserved-td-attributes";
    if (!tv->td_sept_ve_disable) flags[n++] = "--allow-sept-ve";
    if (tv->td.has_td15 && memcmp(tv->td.mr_servicetd, zero48, 48) != 0)
        flags[n++] = "--allow-service-td";
    return n;
}

/* What a TD quote's verdict adds: module identity, the three statuses, appraisal. */
static json_t *tdx_json(const struct maat_tdx_verdict *tv)
{
    json_t *o = json_object();
    json_object_set_new(o, "td_report_version", json_string(tv->td.has_td15 ? "1.5" : "1.0"));
    json_object_set_new(o, "td_attributes_debug", json_boolean(tv->td_debug));
    json_object_set_new(o, "td_attributes_sept_ve_disable", json_boolean(tv->td_sept_ve_disable));
    json_object_set_new(o, "module_identity",
                        tv->module_identity[0] ? json_string(tv->module_identity) : json_null());
    json_object_set_new(o, "module_check", json_string(step_outcome[tv->module_step]));
    json_object_set_new(o, "platform_tcb_status",
                        tv->tcb_evaluated ? json_string(maat_tcb_status_name(tv->platform_status))
                                          : json_null());
    json_object_set_new(o, "module_tcb_status",
                        tv->tcb_evaluated && tv->has_module_status
                            ? json_string(maat_tcb_status_name(tv->module_status))
                            : json_null());
    json_object_set_new(o, "qe_tcb_status",
                        tv->tcb_evaluated ? json_string(maat_tcb_status_name(tv->qe_status))
                                          : json_null());
    json_object_set_new(o, "launch", tcb_summary_json(&tv->launch));
    json_object_set_new(o, "current", tcb_summary_json(&tv->current));
    json_object_set_new(o, "appraisal", json_string(step_outcome[tv->appraisal_step]));
    json_object_set_new(o, "appraisal_reason",
                        tv->appraisal_reason[0] ? cli_json_text(tv->appraisal_reason) : json_null());
    /* the flags a refusal needs (empty when the appraisal passed) */
    json_t *need = json_array();
    const char *flags[4];
    size_t n = tv->appraisal_step == MAAT_STEP_FAILED ? appraisal_flags(tv, flags) : 0;
    for (size_t i = 0; i < n; i++) json_array_append_new(need, json_string(flags[i]));
    json_object_set_new(o, "appraisal_opt_ins", need);
    return o;
}

static json_t *verdict_json(const struct maat_verdict *v, const struct maat_quote *q,
                            const struct maat_tdx_verdict *tv)
{
    char hex[64], t[32];
    json_t *o = json_object();
    json_object_set_new(o, "verified", json_boolean(v->ok));
    json_object_set_new(o, "status", json_string(status_string(v)));
    json_object_set_new(o, "qvl_result", json_string(maat_qvl_result_name(v->qvl_result)));
    json_t *adv = json_array();
    for (size_t i = 0; i < v->advisory_count; i++)
        json_array_append_new(adv, json_string(v->advisory_ids[i]));
    json_object_set_new(o, "advisory_ids", adv);
    cli_qe_advisories_json(o, v);
    fmt_time(v->tcb_date, t);
    json_object_set_new(o, "tcb_date", v->tcb_date ? json_string(t) : json_null());
    fmt_time(v->qe_tcb_date, t);
    json_object_set_new(o, "qe_tcb_date", v->qe_tcb_date ? json_string(t) : json_null());
    json_object_set_new(o, "tcb_evaluation_data_number",
                        v->tcb_evaluation_data_number ? json_integer(v->tcb_evaluation_data_number)
                                                      : json_null());
    json_object_set_new(o, "platform_tcb_status",
                        v->steps[MAAT_STEP_TCB_INFO] == MAAT_STEP_PASSED
                            ? json_string(maat_tcb_status_name(v->platform_status))
                            : json_null());
    json_object_set_new(o, "qe_tcb_status",
                        v->steps[MAAT_STEP_QE_IDENTITY] == MAAT_STEP_PASSED
                            ? json_string(maat_tcb_status_name(v->qe_status))
                            : json_null());
    bool have_pck = v->steps[MAAT_STEP_PCK_CHAIN] == MAAT_STEP_PASSED;
    maat_hex_encode(v->fmspc, 6, hex);
    json_object_set_new(o, "fmspc", have_pck ? json_string(hex) : json_null());
    maat_hex_encode(v->pce_id, 2, hex);
    json_object_set_new(o, "pce_id", have_pck ? json_string(hex) : json_null());
    json_object_set_new(o, "collateral_present", json_boolean(v->collateral_present));
    json_object_set_new(o, "trusted_root", have_pck ? json_string(v->root_label) : json_null());
    json_object_set_new(o, "trusted_root_is_production",
                        have_pck ? json_boolean(!v->trusted_root_simulated) : json_null());
    if (q->body_type == MAAT_BODY_SGX)
        json_object_set_new(o, "report_body", maat__quote_json_report_body(&q->report_body));
    if (tv != NULL) {
        json_object_set_new(o, "td_report", td_fields_json(&tv->td));
        json_object_set_new(o, "tdx", tdx_json(tv));
    }
    json_t *steps = json_array();
    for (int s = 0; s < MAAT_STEP__COUNT; s++) {
        static const char *const outcome[] = {"not_run", "passed", "failed"};
        json_t *st = json_object();
        json_object_set_new(st, "name", json_string(maat_verify_step_name((enum maat_verify_step)s)));
        json_object_set_new(st, "outcome", json_string(outcome[v->steps[s]]));
        json_array_append_new(steps, st);
    }
    json_object_set_new(o, "steps", steps);
    if (!v->ok) {
        json_object_set_new(o, "failed_step", json_string(maat_verify_step_name(v->failed_step)));
        json_object_set_new(o, "reason", cli_json_text(v->reason));
        json_object_set_new(o, "error", cli_json_error("verification_failed", v->reason));
    } else if (v->status == MAAT_TCB_REVOKED) {
        /* exit 1: a failure like any other for programs reading `verified` */
        json_object_set_new(o, "verified", json_false());
        json_object_set_new(o, "failed_step", json_string(maat_verify_step_name(MAAT_STEP_STATUS)));
        json_object_set_new(o, "error", cli_json_error("revoked", "TCB status Revoked"));
    }
    return o;
}

/* ANSI colour codes, used only when cli_use_colour(stdout). */
#define GREEN "\033[32m"
#define RED "\033[31m"
#define PLAIN "\033[0m"

static void print_hex_line(const char *name, const uint8_t *p, size_t n)
{
    char hex[129];
    maat_hex_encode(p, n, hex);
    printf("  %-16s %s\n", name, hex);
}

static void print_tdx(const struct maat_tdx_verdict *tv)
{
    const struct maat_td_report_fields *f = &tv->td;
    printf("tdx:\n");
    printf("  module identity  %s (check %s)\n", tv->module_identity[0] ? tv->module_identity : "-",
           step_outcome[tv->module_step]);
    if (tv->tcb_evaluated) {
        printf("  platform tcb     %s\n", maat_tcb_status_name(tv->platform_status));
        printf("  module tcb       %s\n",
               tv->has_module_status ? maat_tcb_status_name(tv->module_status) : "- (version 0)");
        printf("  qe tcb           %s\n", maat_tcb_status_name(tv->qe_status));
        printf("  launch           %s\n", maat_tcb_status_name(tv->launch.status));
        if (tv->current.evaluated)
            printf("  current          %s\n", maat_tcb_status_name(tv->current.status));
    } else {
        printf("  platform tcb     -\n  module tcb       -\n  qe tcb           -\n");
    }
    printf("  appraisal        %s%s", step_outcome[tv->appraisal_step],
           tv->appraisal_reason[0] ? ": " : "");
    cli_fputs_safe(tv->appraisal_reason, stdout);
    printf("\n");
    const char *flags[4];
    size_t nf = tv->appraisal_step == MAAT_STEP_FAILED ? appraisal_flags(tv, flags) : 0;
    if (nf > 0) {
        printf("  opt-in           ");
        for (size_t i = 0; i < nf; i++) printf("%s%s", i ? " " : "", flags[i]);
        printf("\n");
    }
    printf("td report (%s):\n", f->has_td15 ? "1.5" : "1.0");
    print_hex_line("tee_tcb_svn", f->tee_tcb_svn, 16);
    print_hex_line("mr_seam", f->mr_seam, 48);
    print_hex_line("mr_signer_seam", f->mr_signer_seam, 48);
    print_hex_line("seam_attributes", f->seam_attributes, 8);
    printf("  %-16s ", "td_attributes");
    for (int i = 0; i < 8; i++) printf("%02x", f->td_attributes[i]);
    printf("%s%s\n", tv->td_debug ? " (DEBUG)" : "",
           tv->td_sept_ve_disable ? " (SEPT_VE_DISABLE)" : "");
    print_hex_line("xfam", f->xfam, 8);
    print_hex_line("mr_td", f->mr_td, 48);
    print_hex_line("mr_config_id", f->mr_config_id, 48);
    print_hex_line("mr_owner", f->mr_owner, 48);
    print_hex_line("mr_owner_config", f->mr_owner_config, 48);
    static const char *const rtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    for (int i = 0; i < 4; i++) print_hex_line(rtmr[i], f->rtmr[i], 48);
    print_hex_line("report_data", f->report_data, 64);
    if (f->has_td15) {
        print_hex_line("tee_tcb_svn2", f->tee_tcb_svn2, 16);
        print_hex_line("mr_servicetd", f->mr_servicetd, 48);
    }
}

static void print_text(const struct maat_verdict *v, const struct maat_quote *q, const char *file,
                       const struct maat_tdx_verdict *tv)
{
    char hex[130], t[32];
    bool colour = cli_use_colour(stdout);
    printf("quote:         %s (%s quote v%u)\n", file, maat_tee_type_name(q->tee_type), q->version);
    if (v->ok) {
        printf("verification:  %sOK%s\n", colour ? GREEN : "", colour ? PLAIN : "");
    } else {
        printf("verification:  %sFAILED%s at %s: ", colour ? RED : "", colour ? PLAIN : "",
               maat_verify_step_name(v->failed_step));
        cli_fputs_safe(v->reason, stdout);
        printf("\n");
    }
    printf("status:        %s (%s)\n", status_string(v), maat_qvl_result_name(v->qvl_result));
    printf("advisories:    ");
    for (size_t i = 0; i < v->advisory_count; i++)
        printf("%s%s", i ? ", " : "", v->advisory_ids[i]);
    printf("%s\n", v->advisory_count ? "" : "none");
    cli_qe_advisories_print(stdout, v);
    fmt_time(v->tcb_date, t);
    printf("tcb date:      %s\n", t);
    if (v->steps[MAAT_STEP_PCK_CHAIN] == MAAT_STEP_PASSED) {
        maat_hex_encode(v->fmspc, 6, hex);
        printf("fmspc:         %s (PCE-ID %02x%02x)\n", hex, v->pce_id[0], v->pce_id[1]);
        printf("trusted root:  %s%s\n", v->root_label,
               v->trusted_root_simulated ? " (NOT Intel's production root)" : "");
    }
    printf("steps:\n");
    for (int s = 0; s < MAAT_STEP__COUNT; s++) {
        static const char *const mark[] = {"[ -- ]", "[ ok ]", "[FAIL]"};
        static const char *const hue[] = {"", GREEN, RED};
        printf("  %s%s%s %s\n", colour ? hue[v->steps[s]] : "", mark[v->steps[s]],
               colour && v->steps[s] != MAAT_STEP_NOT_RUN ? PLAIN : "",
               maat_verify_step_name((enum maat_verify_step)s));
    }
    if (q->body_type == MAAT_BODY_SGX) {
        const struct maat_sgx_report_body *rb = &q->report_body;
        printf("report body:\n");
        maat_hex_encode(rb->mr_enclave, 32, hex);
        printf("  mr_enclave   %s\n", hex);
        maat_hex_encode(rb->mr_signer, 32, hex);
        printf("  mr_signer    %s\n", hex);
        printf("  isv_prod_id  %u\n  isv_svn      %u\n", rb->isv_prod_id, rb->isv_svn);
        printf("  attributes   flags 0x%016llx%s xfrm 0x%016llx\n",
               (unsigned long long)rb->attributes_flags,
               rb->attributes_flags & MAAT_SGX_FLAGS_DEBUG ? " (DEBUG)" : "",
               (unsigned long long)rb->attributes_xfrm);
        maat_hex_encode(rb->report_data, 64, hex);
        printf("  report_data  %s\n", hex);
    }
    if (tv != NULL) print_tdx(tv);
}

/* A failure before a verdict: the message to stderr, and with --json the failure object
 * (verified false) on stdout, with "reason" as a verdict has it. Returns rc. */
static int report(bool json, const char *step, const char *code, const char *msg, int rc)
{
    fprintf(stderr, "maat verify: ");
    cli_fputs_safe(msg, stderr);
    fputc('\n', stderr);
    if (json) {
        json_t *o = cli_json_fail("verified", step, code, msg);
        json_object_set_new(o, "reason", cli_json_text(msg));
        cli_json_print(o);
        json_decref(o);
    }
    return rc;
}

static int usage_error(bool json, const char *msg, bool show_usage)
{
    if (msg) fprintf(stderr, "maat verify: %s\n", msg);
    if (show_usage) usage(stderr);
    if (json)
        cli_json_fail_print("verified", NULL, "usage",
                            msg ? msg : "bad command line (see maat verify --help)");
    return MAAT_EXIT_USAGE;
}

static void print_verdict(bool json, const struct maat_verdict *v, const struct maat_quote *q,
                          const char *file, const struct maat_verified_collateral *vc,
                          const struct maat_tdx_verdict *tv)
{
    if (json) {
        json_t *o = verdict_json(v, q, tv);
        cli_tcb_policy_json(o, v);
        cli_fix_attach(o, v, q, vc);
        cli_json_print(o);
        json_decref(o);
    } else {
        print_text(v, q, file, tv);
        cli_tcb_policy_print(stdout, v);
        cli_fix_print_for(stdout, v, q, vc);
    }
}

/* The command line of `maat verify`. */
struct verify_args {
    const char *file, *collateral, *pccs, *roots[MAX_ROOTS], *pck_certs[MAX_ROOTS];
    size_t nroots, npck;
    bool json;
    time_t at;
    struct maat_tdx_opts tdx_opts;
    struct maat_verify_opts opts;
    const char *allow[MAAT_VERDICT_MAX_ADVISORIES];
};

/* A number option (--tcb-eval-num, --tcb-eval-num-newest, --tcb-grace-days,
 * --max-collateral-age) into a. 0, or the usage exit code (message printed). */
static int number_option(int c, struct verify_args *a, bool *have_grace)
{
    uint32_t n;
    const char *name = c == 'N'   ? "--tcb-eval-num"
                       : c == 'W' ? "--tcb-eval-num-newest"
                       : c == 'G' ? "--tcb-grace-days"
                                  : "--max-collateral-age";
    if (parse_u32(optarg, c == 'G' ? 0 : 1, &n) != 0) {
        char msg[MAAT_ERROR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "%s: \"%s\" is not a%s number", name, optarg,
                 c == 'G' ? " non-negative" : " positive");
        return usage_error(a->json, msg, false);
    }
    if (c == 'N')
        a->opts.tcb_eval_num = n;
    else if (c == 'W')
        a->opts.tcb_eval_num_newest = n;
    else if (c == 'G')
        a->opts.tcb_grace_days = n, *have_grace = true;
    else
        a->opts.max_collateral_age_days = n;
    return 0;
}

/* The command line into a: 0, -1 after --help (usage printed), or the usage exit code
 * (message printed, and with --json the failure object). */
static int parse_args(int argc, char **argv, struct verify_args *a)
{
    static const struct option longopts[] = {
        {"collateral", required_argument, NULL, 'c'},
        {"pccs", required_argument, NULL, 'p'},
        {"trust-root", required_argument, NULL, 'r'},
        {"pck-cert", required_argument, NULL, 'k'},
        {"at", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"allow-debug-td", no_argument, NULL, 'D'},
        {"allow-reserved-td-attributes", no_argument, NULL, 'R'},
        {"allow-sept-ve", no_argument, NULL, 'S'},
        {"allow-service-td", no_argument, NULL, 'T'},
        {"tcb-eval-num", required_argument, NULL, 'N'},
        {"update", required_argument, NULL, 'U'},
        {"tcb-eval-num-newest", required_argument, NULL, 'W'},
        {"tcb-recovery-date", required_argument, NULL, 'E'},
        {"tcb-grace-days", required_argument, NULL, 'G'},
        {"max-collateral-age", required_argument, NULL, 'A'},
        {"min-tcb-status", required_argument, NULL, 'M'},
        {"allow-advisory", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    struct maat_verify_opts *opts = &a->opts;
    struct maat_error err = {0};
    char msg[MAAT_ERROR_MSG_MAX + 64];
    bool have_grace = false, have_recovery = false;
    int rc = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': a->collateral = optarg; break;
        case 'p': a->pccs = optarg; break;
        case 'k':
            if (a->npck == MAX_ROOTS) CLI_FAIL(usage_error(a->json, "at most 8 --pck-cert", false));
            a->pck_certs[a->npck++] = optarg;
            break;
        case 'j': a->json = true; break;
        case 'r':
            if (a->nroots == MAX_ROOTS)
                CLI_FAIL(usage_error(a->json, "at most 8 --trust-root", false));
            a->roots[a->nroots++] = optarg;
            break;
        case 't':
            if (cli_parse_time_err("--at", optarg, &a->at, &err) != 0)
                CLI_FAIL(usage_error(a->json, err.msg, false));
            break;
        case 'D': a->tdx_opts.allow_debug_td = true; break;
        case 'R': a->tdx_opts.allow_reserved_td_attributes = true; break;
        case 'S': a->tdx_opts.allow_sept_ve_enabled = true; break;
        case 'T': a->tdx_opts.allow_service_td = true; break;
        case 'N':
        case 'W':
        case 'G':
        case 'A': CLI_TRY(number_option(c, a, &have_grace), MAAT_EXIT_USAGE); break;
        case 'U':
            if (maat_tcb_update_parse(optarg, &opts->tcb_update) != 0)
                CLI_FAIL(usage_error(a->json, "--update: expected early or standard", false));
            break;
        case 'E': {
            time_t t;
            if (cli_parse_time_err("--tcb-recovery-date", optarg, &t, &err) != 0)
                CLI_FAIL(usage_error(a->json, err.msg, false));
            opts->tcb_newest_recovery_date = t;
            have_recovery = true;
            break;
        }
        case 'M':
            if (maat_tcb_status_from_name(optarg, strlen(optarg), &opts->min_tcb_status) != 0) {
                snprintf(msg, sizeof msg,
                         "--min-tcb-status: \"%s\" is not a TCB status (UpToDate, "
                         "SWHardeningNeeded, ConfigurationNeeded, ...)",
                         optarg);
                CLI_FAIL(usage_error(a->json, msg, false));
            }
            opts->has_min_tcb_status = true;
            break;
        case 'L':
            if (opts->allowed_advisory_count == MAAT_VERDICT_MAX_ADVISORIES)
                CLI_FAIL(usage_error(a->json, "at most 64 --allow-advisory", false));
            a->allow[opts->allowed_advisory_count++] = optarg;
            opts->advisory_allow_list = true;
            opts->allowed_advisories = a->allow;
            break;
        case 'h': usage(stdout); CLI_FAIL(-1);
        default: CLI_FAIL(usage_error(a->json, NULL, true));
        }
    }
    if (optind != argc - 1) CLI_FAIL(usage_error(a->json, "expected exactly one QUOTE", true));
    if (a->collateral && a->pccs)
        CLI_FAIL(usage_error(a->json, "--collateral and --pccs exclude each other", true));
    if (have_grace && (opts->tcb_eval_num_newest == 0 || !have_recovery))
        CLI_FAIL(usage_error(
            a->json, "--tcb-grace-days needs --tcb-eval-num-newest and --tcb-recovery-date", false));
    if (have_recovery && !have_grace)
        CLI_FAIL(
            usage_error(a->json, "--tcb-recovery-date is used only with --tcb-grace-days", false));
    opts->tcb_grace = have_grace;
    a->file = argv[optind];
out:
    return rc;
}

/* Intel's root and each --trust-root into *trust; 0, or an exit code (reported). */
static int load_trust(const struct verify_args *a, struct maat_trust **trust)
{
    struct maat_error err = {0};
    char msg[MAAT_ERROR_MSG_MAX + 64];
    *trust = maat_trust_new_intel(&err);
    if (*trust == NULL)
        return report(a->json, NULL, maat_err_name(err.code), err.msg, MAAT_EXIT_INTERNAL);
    for (size_t i = 0; i < a->nroots; i++) {
        uint8_t *pem;
        size_t n;
        if (cli_read_file(a->roots[i], 1 << 20, &pem, &n, &err) != 0) {
            snprintf(msg, sizeof msg, "--trust-root: %s", err.msg);
            return report(a->json, NULL, maat_err_name(err.code), msg, MAAT_EXIT_INPUT);
        }
        char label[160];
        snprintf(label, sizeof label, "%s", a->roots[i]);
        int r = maat_trust_add_root(*trust, pem, n, label, !maat_trust_is_intel_root(pem, n), &err);
        free(pem);
        if (r != 0) {
            snprintf(msg, sizeof msg, "--trust-root %s: %s", a->roots[i], err.msg);
            return report(a->json, NULL, maat_err_name(err.code), msg, MAAT_EXIT_INPUT);
        }
    }
    return 0;
}

/* The --pck-cert files concatenated (the leaf and its chain, in one file or several) into
 * *pem / *len; 0, or an exit code (reported). */
static int load_pck_certs(const struct verify_args *a, uint8_t **pck_pem, size_t *pck_len)
{
    struct maat_error err = {0};
    char msg[MAAT_ERROR_MSG_MAX + 64];
    for (size_t i = 0; i < a->npck; i++) {
        uint8_t *pem;
        size_t n;
        if (cli_read_file(a->pck_certs[i], 1 << 20, &pem, &n, &err) != 0) {
            snprintf(msg, sizeof msg, "--pck-cert: %s", err.msg);
            return report(a->json, NULL, maat_err_name(err.code), msg, MAAT_EXIT_INPUT);
        }
        uint8_t *grown = realloc(*pck_pem, *pck_len + n + 2);
        if (grown == NULL) {
            free(pem);
            return report(a->json, NULL, maat_err_name(MAAT_ERR_NOMEM), "out of memory",
                          MAAT_EXIT_INTERNAL);
        }
        *pck_pem = grown;
        memcpy(*pck_pem + *pck_len, pem, n);
        *pck_len += n;
        (*pck_pem)[(*pck_len)++] = '\n';
        free(pem);
    }
    return 0;
}

/* `maat verify QUOTE ...` (a command without verbs: this is its one verb function). */
int cmd_verify(int argc, char **argv)
{
    static struct maat_tdx_verdict tv; /* large; one per process */
    struct verify_args a = {.json = cli_wants_json(argc, argv), .at = time(NULL)};
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) return rc < 0 ? MAAT_EXIT_OK : rc;
    struct maat_verify_opts *opts = &a.opts;
    struct maat_error err = {0};
    char msg[MAAT_ERROR_MSG_MAX + 64];
    uint8_t *raw = NULL, *pck_pem = NULL;
    size_t raw_len = 0, pck_len = 0;
    struct maat_evidence ev = {0};
    struct maat_quote q;
    struct maat_trust *trust = NULL;
    struct maat_verified_collateral *vc = NULL;
    struct maat_pck_chain *chain = NULL;
    struct cli_collateral loaded = {0};
    struct maat_verdict v;

    if (cli_read_file(a.file, MAAT_EVIDENCE_MAX_SIZE, &raw, &raw_len, &err) != 0)
        CLI_FAIL(report(a.json, NULL, maat_err_name(err.code), err.msg, MAAT_EXIT_INPUT));
    if (maat_evidence_decode(raw, raw_len, &ev, &err) != 0 ||
        maat_quote_parse(ev.quote, ev.quote_len, &q, &err) != 0) {
        snprintf(msg, sizeof msg, "%s: %s", a.file, err.msg);
        CLI_FAIL(report(a.json, maat_verify_step_name(MAAT_STEP_STRUCTURE), maat_err_name(err.code),
                        msg, MAAT_EXIT_INPUT));
    }
    int r = load_trust(&a, &trust);
    if (r != 0) CLI_FAIL(r);
    r = load_pck_certs(&a, &pck_pem, &pck_len);
    if (r != 0) CLI_FAIL(r);

    opts->at = a.at;
    opts->pck_chain_pem.ptr = pck_pem;
    opts->pck_chain_pem.len = pck_len;
    if (a.collateral || a.pccs) {
        /* A bundle file is read without the FMSPC and fetches nothing, so it is read and
         * verified before the chain: the trust set then holds the bundle's verified PCK CA
         * chain and the quote's chain takes the leaf-only path instead of a full chain
         * verification (bench/README.md, "maat verify as a process"). What is reported
         * is what the chain-first order reports: a chain that fails is the verdict
         * whatever the collateral; a collateral failure only after a good chain. */
        struct stat cst;
        bool early = a.pccs == NULL && stat(a.collateral, &cst) == 0 && !S_ISDIR(cst.st_mode);
        int early_rc = 0; /* 0, or -1 / -2: the bundle could not be loaded / verified */
        struct maat_error cerr = {0};
        if (early) {
            static const uint8_t no_fmspc[6];
            if (cli_collateral_load_tee(a.collateral, NULL, q.body_type != MAAT_BODY_SGX,
                                        no_fmspc, MAAT_PCK_CA_UNKNOWN, &loaded, &cerr) != 0)
                early_rc = -1;
            else if (maat_collateral_verify(&loaded.input, trust, a.at, &vc, &cerr) != 0)
                early_rc = -2;
        }
        /* The PCK chain first (in what is reported): only a leaf verified to a trusted root
         * chooses (by its FMSPC and PCK CA) what collateral is looked up or fetched. A
         * chain that fails is the verdict, and nothing is fetched. */
        if (maat_pck_chain_resolve(&q, trust, opts, &chain, &v, &err) != 0)
            CLI_FAIL(report(a.json, NULL, maat_err_name(err.code), err.msg, MAAT_EXIT_INTERNAL));
        if (!v.ok) {
            print_verdict(a.json, &v, &q, a.file, NULL, NULL);
            CLI_FAIL(MAAT_EXIT_FAIL);
        }
        const struct maat_pck_info *pi = maat_pck_chain_info(chain);
        if (early_rc == -1 ||
            (!early && cli_collateral_load_tee(a.collateral, a.pccs, q.body_type != MAAT_BODY_SGX,
                                               pi->fmspc, pi->ca, &loaded, &err) != 0)) {
            if (early_rc == -1) err = cerr;
            snprintf(msg, sizeof msg, "collateral: %s", err.msg);
            report(a.json, NULL, "collateral_unavailable", msg, 0);
            CLI_FAIL(cli_collateral_exit(a.pccs, &err));
        }
        if (early_rc == -2 ||
            (!early && maat_collateral_verify(&loaded.input, trust, a.at, &vc, &err) != 0)) {
            if (early_rc == -2) err = cerr;
            snprintf(msg, sizeof msg, "collateral: %s", err.msg);
            CLI_FAIL(report(a.json, NULL, "collateral_invalid", msg, MAAT_EXIT_FAIL));
        }
        opts->pck_chain = chain;
    }

    bool is_td = q.tee_type == MAAT_TEE_TYPE_TDX;
    r = is_td ? maat_tdx_quote_verify(&q, vc, trust, opts, &a.tdx_opts, &v, &tv, &err)
              : maat_quote_verify(&q, vc, trust, opts, &v, &err);
    if (r != 0)
        CLI_FAIL(report(a.json, NULL, maat_err_name(err.code), err.msg, MAAT_EXIT_INTERNAL));
    print_verdict(a.json, &v, &q, a.file, vc, is_td ? &tv : NULL);
    rc = v.ok && v.status != MAAT_TCB_REVOKED ? MAAT_EXIT_OK : MAAT_EXIT_FAIL;
out:
    maat_pck_chain_release(chain);
    maat_verified_collateral_free(vc);
    cli_collateral_cleanup(&loaded);
    maat_trust_free(trust);
    maat_evidence_cleanup(&ev);
    free(raw);
    free(pck_pem);
    return rc;
}

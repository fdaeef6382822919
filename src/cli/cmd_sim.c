/*
 * cmd_sim.c - `maat sim init DIR` and `maat sim quote DIR`: a simulated SGX platform
 * (test PKI, signed collateral, software quoting enclave) for tests. See docs/sim.md.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "maat/enclave_info.h"
#include "maat/evidence.h"
#include "maat/quote.h"
#include "sim.h"

static const char usage_text[] =
    "usage: maat sim init DIR [options]\n"
    "       maat sim quote DIR -o FILE [options]\n"
    "       maat sim pccs DIR [--listen HOST:PORT]   (see maat sim pccs --help)\n"
    "\n"
    "A simulated SGX platform for tests. Its root CA (DIR/root-ca.pem) is trusted by\n"
    "nothing unless you configure it as a trust anchor. TIME is unix seconds or\n"
    "YYYY-MM-DDTHH:MM:SSZ.\n"
    "\n"
    "sim init DIR: creates keys (DIR/keys, mode 0600), certificates, TCB info v3/v2, QE\n"
    "identity, CRLs, DIR/collateral.json and the PCS responses in DIR/pcs/; for TDX, TDX\n"
    "TCB info v3 and the TD_QE identity (DIR/collateral-tdx.json, DIR/pcs/tdx-tcb-*.json).\n"
    "  --fmspc HEX          FMSPC, 6 bytes (default 00906ED50000)\n"
    "  --pce-id HEX         PCE-ID, 2 bytes (default 0000)\n"
    "  --cpusvn HEX         TCB components of the UpToDate level, 16 bytes\n"
    "                       (default 1414020401800E000000000000000000; byte 0 >= 6)\n"
    "  --pcesvn N           PCESVN of every TCB level (default 13)\n"
    "  --qe-svn N           QE ISVSVN of the UpToDate QE identity level (default 8;\n"
    "                       N-2 is OutOfDate, N-4 Revoked)\n"
    "  --now TIME, --at TIME  base time (default: the current time)\n"
    "  --not-before TIME    certificate validity start (default: now)\n"
    "  --not-after TIME     certificate validity end (default: now + 3653 days)\n"
    "  --issue-date TIME    collateral issueDate / CRL thisUpdate (default: now)\n"
    "  --next-update TIME   collateral nextUpdate (default: issue date + 30 days)\n"
    "  --tcb-eval-num N     tcbEvaluationDataNumber (default 17)\n"
    "  --eval-svn-step K    pcs/eval-N/ variants: number E+d needs d*K more of TCB\n"
    "                       component 1 at every level (default 1; 1..8)\n"
    "  --revoke-ca processor|platform  list that PCK CA in the root CA CRL (repeatable)\n"
    "\n"
    "sim quote DIR -o FILE: a quote from the simulated quoting enclave.\n"
    "  --ehd FILE           report_data = SHA-256(file) || 32 zero bytes\n"
    "  --report-data HEX    report_data (up to 64 bytes, zero-padded)\n"
    "  --mrenclave HEX  --mrsigner HEX  --prod-id N  --svn N\n"
    "  --debug / --no-debug set / clear the DEBUG attribute (default: release)\n"
    "  --report-body-from QUOTE  start from another quote's report body (binary, hex,\n"
    "                       base64, EnclaveInfo JSON, OE envelope); options above override\n"
    "  --quote-version 3|4  (default 3)\n"
    "  --tcb STATUS         PCK TCB whose first matching TCB info level has STATUS:\n"
    "                       UpToDate SWHardeningNeeded ConfigurationNeeded\n"
    "                       ConfigurationAndSWHardeningNeeded OutOfDate\n"
    "                       OutOfDateConfigurationNeeded Revoked (default UpToDate)\n"
    "  --cpusvn HEX  --pcesvn N  PCK TCB values directly (override --tcb)\n"
    "  --qe-svn N           QE ISVSVN (default: the platform's current one)\n"
    "  --qe-auth-data HEX   QE authentication data (default 000102..1F, 32 bytes)\n"
    "  --pck-ca processor|platform  issuing PCK CA (default processor)\n"
    "  --revoked-pck        issue the PCK under the serial its CA's CRL revokes\n"
    "  --fmspc HEX  --pce-id HEX  PCK values (default: the platform's; another FMSPC\n"
    "                       gives a quote the collateral does not match)\n"
    "  --sgx-type N         PCK SGX type (default 0 processor, 1 platform)\n"
    "  --pck-not-before TIME  --pck-not-after TIME  PCK validity (default: the platform's)\n"
    "  --enclave-info       write the MAA sample's EnclaveInfo JSON instead of raw bytes\n"
    "  --qe-prod-id N       QE report isvprodid (default 1; with --tee tdx 2, the TD QE's)\n"
    "  -o FILE              output file ('-' = stdout)\n"
    "\n"
    "TD quotes (--tee tdx; collateral: DIR/collateral-tdx.json, docs/sim.md \"TDX\"):\n"
    "  --tee sgx|tdx        (default sgx)\n"
    "  --td-version 1.0|1.5 TD report version (default 1.0; 1.5 implies --quote-version 5)\n"
    "  --quote-version 4|5  (default 4)\n"
    "  --mrtd HEX  --rtmr0..--rtmr3 HEX  --mrconfigid HEX  --mrowner HEX\n"
    "  --mrownerconfig HEX  --mrseam HEX  --mrsignerseam HEX  --mrservicetd HEX  (48 bytes)\n"
    "  --td-attributes HEX  --xfam HEX  --seam-attributes HEX  8 bytes as the TD report\n"
    "                       holds them (little-endian, as `maat quote inspect` prints);\n"
    "                       default TD attributes 0000001000000000 (SEPT_VE_DISABLE)\n"
    "  --debug              set TDATTRIBUTES.DEBUG (bit 0)\n"
    "  --tee-tcb-svn HEX  --tee-tcb-svn2 HEX  16 bytes (default 04010A00..)\n"
    "  --module-version N   TEE_TCB_SVN[1]: module identity TDX_%02X (default 1; 0 = the\n"
    "                       base tdxModule, no module identity; the sim knows 1 and 3)\n"
    "  --module-svn N       TEE_TCB_SVN[0], the module's minor SVN\n"
    "  --module-tcb STATUS  module SVN whose TDX_01 level has STATUS: UpToDate (4),\n"
    "                       OutOfDate (2), Revoked (1)\n"
    "  --tdx-tcb STATUS     TEE_TCB_SVN[2] whose first matching TDX level has STATUS (the\n"
    "                       --tcb names), or TDRelaunchAdvised (launch OutOfDate, current\n"
    "                       UpToDate) / TDRelaunchAdvisedConfigurationNeeded (launch\n"
    "                       OutOfDate, current ConfigurationNeeded): need --td-version 1.5\n"
    "  --qe-prod-id N       e.g. 1 for a QE report the TD_QE identity does not match\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "maat sim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see `maat sim --help`)\n");
    return MAAT_EXIT_USAGE;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (s == NULL || *s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max) return -1;
    *out = v;
    return 0;
}

static int parse_hex(const char *s, uint8_t *dst, size_t n, const char *what)
{
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_hex_decode_fixed(s, strlen(s), what, dst, n, &err) != 0) {
        fprintf(stderr, "maat sim: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Looks up the value of an option taking an argument; NULL (and a message) if missing. */
static const char *value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "maat sim: %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int fail(const struct maat_error *err, int code)
{
    fprintf(stderr, "maat sim: %s\n", err->msg);
    return code;
}

static int exit_for(const struct maat_error *err)
{
    switch (err->code) {
    case MAAT_ERR_USAGE: return MAAT_EXIT_USAGE;
    case MAAT_ERR_IO:
    case MAAT_ERR_NOMEM:
    case MAAT_ERR_CRYPTO:
    case MAAT_ERR_INTERNAL: return MAAT_EXIT_INTERNAL;
    default: return MAAT_EXIT_INPUT;
    }
}

static int get_time(const char *s, int64_t *out)
{
    struct maat_error err;
    maat_error_clear(&err);
    if (s == NULL) return -1;
    if (maat_sim_parse_time(s, out, &err) != 0) {
        fprintf(stderr, "maat sim: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* `maat sim init DIR [options]`: a new simulated platform in DIR. */
static int sim_init(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') return usage_error("%s", "init needs a directory");
    const char *dir = argv[1];
    /* The base time comes first: the other defaults are relative to it. */
    int64_t now = (int64_t)time(NULL);
    for (int i = 2; i < argc; i++)
        if ((!strcmp(argv[i], "--now") || !strcmp(argv[i], "--at")) && i + 1 < argc &&
            get_time(argv[i + 1], &now) != 0)
            return MAAT_EXIT_USAGE;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, now);
    bool next_set = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        unsigned long n;
        if (!strcmp(a, "--now") || !strcmp(a, "--at")) {
            if (value(argc, argv, &i) == NULL) return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--fmspc")) {
            if ((v = value(argc, argv, &i)) == NULL || parse_hex(v, o.fmspc, 6, "--fmspc"))
                return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--pce-id")) {
            if ((v = value(argc, argv, &i)) == NULL || parse_hex(v, o.pce_id, 2, "--pce-id"))
                return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--cpusvn")) {
            if ((v = value(argc, argv, &i)) == NULL || parse_hex(v, o.cpusvn, 16, "--cpusvn"))
                return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--pcesvn") || !strcmp(a, "--qe-svn")) {
            if ((v = value(argc, argv, &i)) == NULL || parse_uint(v, 65535, &n))
                return usage_error("%s needs an integer 0..65535", a);
            if (!strcmp(a, "--pcesvn"))
                o.pcesvn = (uint16_t)n;
            else
                o.qe_svn = (uint16_t)n;
        } else if (!strcmp(a, "--tcb-eval-num")) {
            if ((v = value(argc, argv, &i)) == NULL || parse_uint(v, UINT32_MAX, &n))
                return usage_error("%s needs a non-negative integer", a);
            o.tcb_evaluation_data_number = (uint32_t)n;
        } else if (!strcmp(a, "--eval-svn-step")) {
            if ((v = value(argc, argv, &i)) == NULL || parse_uint(v, 8, &n) || n == 0)
                return usage_error("%s needs an integer 1..8", a);
            o.eval_svn_step = (uint8_t)n;
        } else if (!strcmp(a, "--not-before")) {
            if (get_time(value(argc, argv, &i), &o.not_before)) return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--not-after")) {
            if (get_time(value(argc, argv, &i), &o.not_after)) return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--issue-date")) {
            if (get_time(value(argc, argv, &i), &o.issue_date)) return MAAT_EXIT_USAGE;
        } else if (!strcmp(a, "--next-update")) {
            if (get_time(value(argc, argv, &i), &o.next_update)) return MAAT_EXIT_USAGE;
            next_set = true;
        } else if (!strcmp(a, "--revoke-ca")) {
            if ((v = value(argc, argv, &i)) == NULL) return MAAT_EXIT_USAGE;
            if (!strcmp(v, "processor"))
                o.revoke_processor_ca = true;
            else if (!strcmp(v, "platform"))
                o.revoke_platform_ca = true;
            else
                return usage_error("--revoke-ca: '%s' is not processor or platform", v);
        } else {
            return usage_error("init: unknown option '%s'", a);
        }
    }
    if (!next_set) o.next_update = o.issue_date + 30 * 86400;
    struct maat_error err;
    maat_error_clear(&err);
    return maat_sim_init(dir, &o, &err) == 0 ? MAAT_EXIT_OK : fail(&err, exit_for(&err));
}

/* Reads a quote in any form `maat quote inspect` reads and copies its SGX report body. */
static int body_from(const char *path, uint8_t body[384], struct maat_error *err)
{
    uint8_t *in = NULL;
    size_t len = 0;
    struct maat_evidence ev;
    memset(&ev, 0, sizeof ev);
    struct maat_quote q;
    int rc = -1;
    if (cli_read_file(path, MAAT_EVIDENCE_MAX_SIZE, &in, &len, err) != 0) goto done;
    if (maat_evidence_decode(in, len, &ev, err) != 0 ||
        maat_quote_parse(ev.quote, ev.quote_len, &q, err) != 0) {
        maat_error_prefix(err, "%s", path);
        goto done;
    }
    if (q.body_type != MAAT_BODY_SGX) {
        maat_error_set(err, MAAT_ERR_UNSUPPORTED, "%s: not an SGX quote (TDX has no report body)",
                       path);
        goto done;
    }
    memcpy(body, q.report_body.raw, 384);
    rc = 0;
done:
    maat_evidence_cleanup(&ev);
    free(in);
    return rc;
}

struct quote_args {
    const char *out, *ehd_path, *body_path, *report_data, *tcb, *cpusvn, *pcesvn;
    const char *tee, *tdx_tcb;
    bool enclave_info, version_set;
};

/* TDX options: measurement-sized HEX fields of the TD report. */
static uint8_t *td_field(struct maat_sim_quote_opts *o, const char *a, size_t *n)
{
    static const char *const rtmr[4] = {"--rtmr0", "--rtmr1", "--rtmr2", "--rtmr3"};
    *n = 48;
    if (!strcmp(a, "--mrtd")) return o->mr_td;
    if (!strcmp(a, "--mrconfigid")) return o->mr_config_id;
    if (!strcmp(a, "--mrowner")) return o->mr_owner;
    if (!strcmp(a, "--mrownerconfig")) return o->mr_owner_config;
    if (!strcmp(a, "--mrseam")) return o->mr_seam;
    if (!strcmp(a, "--mrsignerseam")) return o->mr_signer_seam;
    if (!strcmp(a, "--mrservicetd")) return o->mr_servicetd;
    for (int i = 0; i < 4; i++)
        if (!strcmp(a, rtmr[i])) return o->rtmr[i];
    *n = 16;
    if (!strcmp(a, "--tee-tcb-svn")) return o->tee_tcb_svn;
    if (!strcmp(a, "--tee-tcb-svn2")) return o->tee_tcb_svn2;
    *n = 8;
    if (!strcmp(a, "--seam-attributes")) return o->seam_attributes;
    return NULL;
}

/* --td-attributes / --xfam: 8 bytes as the TD report holds them (little-endian), the
 * form `maat quote inspect` prints. */
static int parse_le64(const char *v, uint64_t *out, const char *what)
{
    uint8_t b[8];
    if (parse_hex(v, b, 8, what)) return -1;
    *out = 0;
    for (int i = 7; i >= 0; i--) *out = *out << 8 | b[i];
    return 0;
}

static int module_tcb_svn(const char *v)
{
    if (!strcmp(v, "UpToDate")) return MAAT_SIM_TDX_MODULE_SVN_UP_TO_DATE;
    if (!strcmp(v, "OutOfDate")) return MAAT_SIM_TDX_MODULE_SVN_OUT_OF_DATE;
    if (!strcmp(v, "Revoked")) return MAAT_SIM_TDX_MODULE_SVN_REVOKED;
    return -1;
}

static int tdx_tcb_from_name(const char *v)
{
    if (!strcmp(v, "TDRelaunchAdvised")) return MAAT_SIM_TDX_RELAUNCH_ADVISED;
    if (!strcmp(v, "TDRelaunchAdvisedConfigurationNeeded"))
        return MAAT_SIM_TDX_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
    return maat_sim_tcb_from_name(v);
}

/* The TDX-only options; 1 = not one of them. */
static int tdx_option(const char *a, const char *v, struct maat_sim_quote_opts *o)
{
    size_t n;
    unsigned long u;
    uint8_t *field = td_field(o, a, &n);
    if (field == NULL && strcmp(a, "--td-attributes") && strcmp(a, "--xfam") &&
        strcmp(a, "--td-version") && strcmp(a, "--module-version") && strcmp(a, "--module-svn") &&
        strcmp(a, "--module-tcb") && strcmp(a, "--tdx-tcb"))
        return 1;
    if (!o->tdx) return usage_error("%s is a TDX option (add --tee tdx)", a), -1;
    if (field != NULL) return parse_hex(v, field, n, a);
    if (!strcmp(a, "--td-attributes")) return parse_le64(v, &o->td_attributes, a);
    if (!strcmp(a, "--xfam")) return parse_le64(v, &o->xfam, a);
    if (!strcmp(a, "--td-version")) {
        if (!strcmp(v, "1.0"))
            o->td_version = 10;
        else if (!strcmp(v, "1.5"))
            o->td_version = 15;
        else
            return usage_error("--td-version %s: 1.0 or 1.5", v), -1;
        return 0;
    }
    if (!strcmp(a, "--module-tcb")) {
        int svn = module_tcb_svn(v);
        if (svn < 0) return usage_error("--module-tcb %s: UpToDate, OutOfDate or Revoked", v), -1;
        o->tee_tcb_svn[0] = o->tee_tcb_svn2[0] = (uint8_t)svn;
        return 0;
    }
    if (!strcmp(a, "--tdx-tcb")) return 0; /* handled in the first pass */
    if (parse_uint(v, 255, &u)) return usage_error("%s needs an integer 0..255", a), -1;
    if (!strcmp(a, "--module-version"))
        o->tee_tcb_svn[1] = o->tee_tcb_svn2[1] = (uint8_t)u;
    else
        o->tee_tcb_svn[0] = o->tee_tcb_svn2[0] = (uint8_t)u;
    return 0;
}

/* Options applied after the base body and TCB defaults. */
static int quote_option(int argc, char **argv, int *i, struct maat_sim_quote_opts *o,
                        struct quote_args *qa)
{
    const char *a = argv[*i], *v;
    unsigned long n;
    if (!strcmp(a, "--debug")) {
        o->attributes_flags |= MAAT_SGX_FLAGS_DEBUG;
        if (o->tdx) o->td_attributes |= 1; /* TDATTRIBUTES.DEBUG */
        return 0;
    }
    if (!strcmp(a, "--no-debug")) {
        o->attributes_flags &= ~(uint64_t)MAAT_SGX_FLAGS_DEBUG;
        if (o->tdx) o->td_attributes &= ~(uint64_t)1;
        return 0;
    }
    if (!strcmp(a, "--revoked-pck")) {
        o->revoked = true;
        return 0;
    }
    if (!strcmp(a, "--enclave-info")) {
        qa->enclave_info = true;
        return 0;
    }
    if ((v = value(argc, argv, i)) == NULL) return -1;
    int t = tdx_option(a, v, o);
    if (t <= 0) return t;
    if (!strcmp(a, "-o"))
        qa->out = v;
    else if (!strcmp(a, "--ehd"))
        qa->ehd_path = v;
    else if (!strcmp(a, "--report-data"))
        qa->report_data = v;
    else if (!strcmp(a, "--report-body-from") || !strcmp(a, "--tcb") || !strcmp(a, "--cpusvn") ||
             !strcmp(a, "--pcesvn") || !strcmp(a, "--tee"))
        return 0; /* handled in the first pass */
    else if (!strcmp(a, "--mrenclave"))
        return parse_hex(v, o->mr_enclave, 32, a);
    else if (!strcmp(a, "--mrsigner"))
        return parse_hex(v, o->mr_signer, 32, a);
    else if (!strcmp(a, "--fmspc"))
        return parse_hex(v, o->fmspc, 6, a);
    else if (!strcmp(a, "--pce-id"))
        return parse_hex(v, o->pce_id, 2, a);
    else if (!strcmp(a, "--prod-id") || !strcmp(a, "--svn") || !strcmp(a, "--qe-svn")) {
        if (parse_uint(v, 65535, &n)) return usage_error("%s needs an integer 0..65535", a), -1;
        if (!strcmp(a, "--prod-id"))
            o->isv_prod_id = (uint16_t)n;
        else if (!strcmp(a, "--svn"))
            o->isv_svn = (uint16_t)n;
        else
            o->qe_svn = (uint16_t)n;
    } else if (!strcmp(a, "--qe-prod-id")) {
        if (parse_uint(v, 65535, &n)) return usage_error("%s needs an integer 0..65535", a), -1;
        o->qe_isv_prod_id = (uint16_t)n;
    } else if (!strcmp(a, "--quote-version")) {
        if (strcmp(v, "3") && strcmp(v, "4") && strcmp(v, "5"))
            return usage_error("--quote-version %s: 3, 4 or 5 (5: TDX)", v), -1;
        o->version = v[0] - '0';
        qa->version_set = true;
    } else if (!strcmp(a, "--sgx-type")) {
        if (parse_uint(v, 2, &n)) return usage_error("--sgx-type %s: 0, 1 or 2", v), -1;
        o->sgx_type = (int)n;
    } else if (!strcmp(a, "--pck-ca")) {
        if (!strcmp(v, "processor"))
            o->pck_ca = MAAT_PCK_CA_PROCESSOR;
        else if (!strcmp(v, "platform"))
            o->pck_ca = MAAT_PCK_CA_PLATFORM;
        else
            return usage_error("--pck-ca %s: processor or platform", v), -1;
    } else if (!strcmp(a, "--qe-auth-data")) {
        size_t len = strlen(v) / 2;
        if (len > sizeof o->qe_auth_data)
            return usage_error("--qe-auth-data: at most 64 bytes (%s)", v), -1;
        if (parse_hex(v, o->qe_auth_data, len, a)) return -1;
        o->qe_auth_data_len = (uint16_t)len;
    } else if (!strcmp(a, "--pck-not-before")) {
        return get_time(v, &o->pck_not_before);
    } else if (!strcmp(a, "--pck-not-after")) {
        return get_time(v, &o->pck_not_after);
    } else {
        return usage_error("quote: unknown option '%s'", a), -1;
    }
    return 0;
}

/* First pass: the options that set defaults others may override. */
static int quote_first_pass(int argc, char **argv, struct quote_args *qa)
{
    for (int i = 2; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--report-body-from") ? &qa->body_path
                            : !strcmp(argv[i], "--tcb")            ? &qa->tcb
                            : !strcmp(argv[i], "--cpusvn")         ? &qa->cpusvn
                            : !strcmp(argv[i], "--pcesvn")         ? &qa->pcesvn
                            : !strcmp(argv[i], "--tee")            ? &qa->tee
                            : !strcmp(argv[i], "--tdx-tcb")        ? &qa->tdx_tcb
                                                                   : NULL;
        if (slot != NULL) {
            if ((*slot = value(argc, argv, &i)) == NULL) return -1;
        } else if (i + 1 < argc && argv[i][0] == '-' && strcmp(argv[i], "--debug") &&
                   strcmp(argv[i], "--no-debug") && strcmp(argv[i], "--revoked-pck") &&
                   strcmp(argv[i], "--enclave-info")) {
            i++; /* skip the value */
        }
    }
    return 0;
}

static int apply_defaults(const struct maat_sim *s, struct maat_sim_quote_opts *o,
                          const struct quote_args *qa, struct maat_error *err)
{
    if (qa->tee != NULL && strcmp(qa->tee, "sgx") && strcmp(qa->tee, "tdx"))
        return usage_error("--tee %s: sgx or tdx", qa->tee);
    if (qa->tee != NULL && !strcmp(qa->tee, "tdx")) {
        if (qa->body_path != NULL)
            return usage_error("%s",
                               "--report-body-from copies an SGX report body: not with --tee tdx");
        maat_sim_quote_opts_set_tdx(o);
        if (qa->tdx_tcb != NULL) {
            int t = tdx_tcb_from_name(qa->tdx_tcb);
            if (t < 0)
                return usage_error("--tdx-tcb %s: not a TDX TCB status (see --help)", qa->tdx_tcb);
            maat_sim_quote_opts_set_tdx_tcb(o, t);
        }
    } else if (qa->tdx_tcb != NULL) {
        return usage_error("%s", "--tdx-tcb is a TDX option (add --tee tdx)");
    }
    if (qa->body_path != NULL) {
        uint8_t body[384];
        if (body_from(qa->body_path, body, err) != 0) return fail(err, exit_for(err));
        maat_sim_quote_opts_set_body(o, body);
    }
    if (qa->tcb != NULL) {
        int t = maat_sim_tcb_from_name(qa->tcb);
        if (t < 0) return usage_error("--tcb %s: not a TCB status (see --help)", qa->tcb);
        maat_sim_quote_opts_set_tcb(s, o, (enum maat_sim_tcb)t);
    }
    unsigned long n;
    if (qa->cpusvn != NULL && parse_hex(qa->cpusvn, o->cpusvn, 16, "--cpusvn"))
        return MAAT_EXIT_USAGE;
    if (qa->pcesvn != NULL) {
        if (parse_uint(qa->pcesvn, 65535, &n))
            return usage_error("--pcesvn %s: an integer 0..65535", qa->pcesvn);
        o->pcesvn = (uint16_t)n;
    }
    return 0;
}

static int write_quote(const struct quote_args *qa, struct maat_sim_quote_opts *o,
                       const struct maat_sim *s, struct maat_error *err)
{
    uint8_t *ehd = NULL;
    size_t ehd_len = 0;
    struct maat_buf q;
    maat_buf_init(&q);
    char *json = NULL;
    int rc = MAAT_EXIT_INTERNAL;
    if (qa->ehd_path != NULL) {
        CLI_TRY(cli_read_file(qa->ehd_path, MAAT_ENCLAVE_INFO_EHD_MAX, &ehd, &ehd_len, err) != 0 ||
                    maat_sim_quote_opts_set_ehd(o, ehd, ehd_len, err) != 0,
                fail(err, MAAT_EXIT_INPUT));
    } else if (qa->report_data != NULL) {
        size_t len = strlen(qa->report_data) / 2;
        if (len > 64)
            CLI_FAIL(usage_error("--report-data: at most 64 bytes (%s)", qa->report_data));
        memset(o->report_data, 0, 64);
        CLI_TRY(parse_hex(qa->report_data, o->report_data, len, "--report-data"), MAAT_EXIT_USAGE);
    }
    CLI_TRY(maat_sim_quote(s, o, &q, err), fail(err, exit_for(err)));
    if (qa->enclave_info) {
        CLI_TRY(maat_enclave_info_to_json(q.data, q.len, ehd, ehd_len, &json, err),
                fail(err, MAAT_EXIT_INTERNAL));
        CLI_TRY(cli_write_file(qa->out, json, strlen(json), err), fail(err, MAAT_EXIT_INTERNAL));
    } else {
        CLI_TRY(cli_write_file(qa->out, q.data, q.len, err), fail(err, MAAT_EXIT_INTERNAL));
    }
    rc = MAAT_EXIT_OK;
out:
    free(json);
    free(ehd);
    maat_buf_cleanup(&q);
    return rc;
}

/* `maat sim quote DIR -o FILE [options]`: a quote from the simulated platform in DIR. */
static int sim_quote(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') return usage_error("%s", "quote needs a directory");
    struct quote_args qa;
    memset(&qa, 0, sizeof qa);
    if (quote_first_pass(argc, argv, &qa) != 0) return MAAT_EXIT_USAGE;
    struct maat_error err;
    maat_error_clear(&err);
    struct maat_sim *s = NULL;
    if (maat_sim_load(argv[1], &s, &err) != 0) return fail(&err, MAAT_EXIT_INPUT);
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(s, &o);
    int rc = apply_defaults(s, &o, &qa, &err);
    for (int i = 2; rc == 0 && i < argc; i++)
        if (quote_option(argc, argv, &i, &o, &qa) != 0) rc = MAAT_EXIT_USAGE;
    if (rc == 0 && qa.ehd_path != NULL && qa.report_data != NULL)
        rc = usage_error("%s", "--ehd and --report-data exclude each other");
    if (rc == 0 && qa.out == NULL) rc = usage_error("%s", "quote needs -o FILE");
    /* a TD report 1.5 travels in a v5 quote: --td-version 1.5 implies it unless given */
    if (rc == 0 && o.tdx && o.td_version == 15 && !qa.version_set) o.version = 5;
    if (rc == 0 && o.tdx && qa.enclave_info)
        rc = usage_error("%s", "--enclave-info is the SGX sample's format: not with --tee tdx");
    if (rc == 0) rc = write_quote(&qa, &o, s, &err);
    maat_sim_free(s);
    return rc;
}

static void usage(FILE *f)
{
    fputs(usage_text, f);
}

static const struct cli_verb verbs[] = {
    {"init", sim_init, usage},
    {"quote", sim_quote, usage},
    {"pccs", cmd_sim_pccs, usage}, /* cmd_sim_pccs.c */
};

int cmd_sim(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MAAT_EXIT_USAGE : MAAT_EXIT_OK;
    }
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0], argv[1]);
    if (v == NULL) return usage_error("unknown sub-command '%s' (init, quote)", argv[1]);
    return v->run(argc - 1, argv + 1);
}

/*
 * cmd_collateral.c - `maat collateral fetch`: fetches one collateral set (TCB info, QE
 * identity, Root CA and PCK CA CRLs, issuer chains) from Intel PCS v4, Azure's THIM
 * cache or any PCCS (src/collateral/pccs.c), verifies it to the trust roots
 * (maat_collateral_verify) and writes it as a dcap-qvl bundle or a PCS directory
 * (src/collateral/fetch_write.c). Given a QUOTE, the FMSPC and PCK CA come from its PCK
 * chain only after that chain verified to the trust roots (maat_pck_chain_resolve), so
 * an untrusted quote never makes a request.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "maat/bytes.h"
#include "maat/evidence.h"
#include "maat/pck.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "cli.h"
#include "collateral_load.h"
#include "collateral_source.h"

#define INTEL_PCS_BASE "https://api.trustedservices.intel.com"
#define AZURE_THIM_BASE "https://global.acccache.azure.net"
#define MAX_ROOTS 8

static void usage(FILE *f)
{
    fputs("usage: maat collateral fetch QUOTE|--fmspc HEX [--ca processor|platform]\n"
          "           [--tee sgx|tdx] [--source intel|azure|URL]\n"
          "           [--azure-url URL | --azure-region REGION]\n"
          "           [--update early|standard | --tcb-eval-num N] [--trust-root PEM]...\n"
          "           [--at TIME] [--api-key KEY] -o BUNDLE|DIR\n"
          "       maat collateral eval-nums [--tee sgx|tdx] [--source intel|azure|URL]\n"
          "           [--azure-url URL | --azure-region REGION] [--trust-root PEM]...\n"
          "           [--at TIME] [--api-key KEY] [--json]\n"
          "\n"
          "Fetches TCB info, QE identity, the Root CA and PCK CA CRLs and the issuer chains\n"
          "for one FMSPC and PCK CA, verifies them to the trust roots (Intel's SGX Root CA,\n"
          "plus each --trust-root) at TIME (default now), and writes a dcap-qvl bundle\n"
          "(-o FILE) or a PCS directory (-o DIR/, or an existing directory), either of which\n"
          "`maat verify --collateral` reads.\n"
          "  QUOTE           take FMSPC and PCK CA from the quote's PCK chain, verified first\n"
          "  --source        intel (" INTEL_PCS_BASE ", default), azure (THIM:\n"
          "                  SGX " AZURE_THIM_BASE ", TDX needs --azure-region\n"
          "                  or --azure-url), or a PCS/PCCS URL in any form:\n"
          "                  https://host[:port][/sgx/certification/v4/]\n"
          "  --azure-url     speak THIM's URL scheme to this base (implies --source azure)\n"
          "  --azure-region  THIM's regional base https://REGION.thim.azure.net (TDX),\n"
          "                  also sent as region=REGION in THIM's customParameter\n"
          "  --update        early or standard baseline (Intel PCS v4 update=; not THIM)\n"
          "  --tcb-eval-num  a given TCB evaluation data number (tcbEvaluationDataNumber=,\n"
          "                  THIM: customParameter); the answer must carry that number\n"
          "  --ca            PCK CA for --fmspc (default processor)\n"
          "  --tee           sgx or tdx (TDX TCB info and TD_QE identity); default: the\n"
          "                  QUOTE's TEE, else sgx\n"
          "eval-nums fetches and verifies /tcbevaluationdatanumbers and prints the list.\n",
          f);
}

/* Every message of both verbs says "maat collateral fetch: " (eval-nums shares the
 * options and, for the command line, the messages). */
#define PROG "maat collateral fetch"

static int parse_fmspc(const char *s, uint8_t out[6])
{
    struct maat_error e = {0};
    return maat_hex_decode_fixed(s, strlen(s), "--fmspc", out, 6, &e);
}

/* FMSPC and CA from QUOTE's PCK chain, verified to `trust` first. 0, or an exit code. */
static int from_quote(const char *file, const struct maat_trust *trust, time_t at, uint8_t fmspc[6],
                      enum maat_pck_ca *ca, bool *is_td)
{
    struct maat_error err = {0};
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    struct maat_evidence ev = {0};
    struct maat_quote q;
    struct maat_pck_chain *chain = NULL;
    struct maat_verdict v;
    int rc = MAAT_EXIT_INPUT;
    CLI_ENSURE(cli_read_file(file, MAAT_EVIDENCE_MAX_SIZE, &raw, &raw_len, &err) == 0 &&
                   maat_evidence_decode(raw, raw_len, &ev, &err) == 0 &&
                   maat_quote_parse(ev.quote, ev.quote_len, &q, &err) == 0,
               MAAT_EXIT_INPUT, PROG ": %s: %s", file, err.msg);
    *is_td = q.body_type != MAAT_BODY_SGX;
    struct maat_verify_opts opts = {.at = at};
    CLI_ENSURE(maat_pck_chain_resolve(&q, trust, &opts, &chain, &v, &err) == 0, MAAT_EXIT_INTERNAL,
               PROG ": %s: %s", file, err.msg);
    CLI_ENSURE(v.ok, MAAT_EXIT_FAIL,
               PROG ": %s: the quote's PCK chain did not verify to the trust roots (%s); "
                    "nothing was fetched",
               file, v.reason);
    const struct maat_pck_info *pi = maat_pck_chain_info(chain);
    memcpy(fmspc, pi->fmspc, 6);
    *ca = pi->ca == MAAT_PCK_CA_UNKNOWN ? MAAT_PCK_CA_PROCESSOR : pi->ca;
    rc = 0;
out:
    maat_pck_chain_release(chain);
    maat_evidence_cleanup(&ev);
    free(raw);
    return rc;
}

static int print_eval_nums(const struct maat_tcb_eval_nums *l, bool json);

static int run_fetch(int argc, char **argv, bool list_only)
{
    static const struct option longopts[] = {
        {"fmspc", required_argument, NULL, 'f'},
        {"ca", required_argument, NULL, 'c'},
        {"tee", required_argument, NULL, 'T'},
        {"source", required_argument, NULL, 's'},
        {"update", required_argument, NULL, 'u'},
        {"tcb-eval-num", required_argument, NULL, 'n'},
        {"trust-root", required_argument, NULL, 'r'},
        {"at", required_argument, NULL, 't'},
        {"api-key", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"azure-url", required_argument, NULL, 'A'},
        {"azure-region", required_argument, NULL, 'R'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *fmspc_hex = NULL, *ca_name = NULL, *tee = "sgx", *source = "intel", *update = NULL,
               *out_path = NULL, *api_key = NULL, *roots[MAX_ROOTS], *azure_url = NULL,
               *azure_region = NULL;
    bool json = false, source_given = false, tee_given = false;
    long eval_num = 0;
    size_t nroots = 0;
    time_t at = time(NULL);
    struct maat_error err = {0};
    int rc = MAAT_EXIT_INTERNAL, c;
    struct maat_trust *trust = NULL;
    struct maat_collateral_source *src = NULL;
    struct maat_collateral_raw raw;
    struct maat_verified_collateral *vc = NULL;
    struct maat_buf bundle;
    maat_collateral_raw_init(&raw);
    maat_buf_init(&bundle);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmspc_hex = optarg; break;
        case 'c': ca_name = optarg; break;
        case 'T':
            tee = optarg;
            tee_given = true;
            break;
        case 's':
            source = optarg;
            source_given = true;
            break;
        case 'A': azure_url = optarg; break;
        case 'R': azure_region = optarg; break;
        case 'j': json = true; break;
        case 'u': update = optarg; break;
        case 'n': {
            char *end = NULL;
            errno = 0;
            eval_num = strtol(optarg, &end, 10);
            CLI_ENSURE(!errno && !*end && eval_num >= 1 && eval_num <= 1000000, MAAT_EXIT_USAGE,
                       PROG ": --tcb-eval-num wants a number 1..1000000, not '%s'", optarg);
            break;
        }
        case 'r':
            CLI_ENSURE(nroots < MAX_ROOTS, MAAT_EXIT_USAGE, PROG ": at most 8 --trust-root");
            roots[nroots++] = optarg;
            break;
        case 't':
            CLI_ENSURE(cli_parse_time_err("--at", optarg, &at, &err) == 0, MAAT_EXIT_USAGE,
                       PROG ": %s", err.msg);
            break;
        case 'k': api_key = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': usage(stdout); CLI_FAIL(MAAT_EXIT_OK);
        default: usage(stderr); CLI_FAIL(MAAT_EXIT_USAGE);
        }
    }
    const char *quote = optind < argc ? argv[optind] : NULL;
    CLI_ENSURE(optind + 1 >= argc, MAAT_EXIT_USAGE, PROG ": unexpected argument '%s'",
               argv[optind + 1]);
    if (list_only) {
        CLI_ENSURE(quote == NULL && fmspc_hex == NULL && out_path == NULL && ca_name == NULL &&
                       update == NULL && eval_num == 0,
                   MAAT_EXIT_USAGE,
                   PROG
                   ": eval-nums takes no QUOTE, --fmspc, --ca, --update, --tcb-eval-num or -o");
    } else {
        CLI_ENSURE((quote == NULL) != (fmspc_hex == NULL), MAAT_EXIT_USAGE,
                   PROG ": give exactly one of QUOTE and --fmspc HEX");
        CLI_ENSURE(out_path != NULL, MAAT_EXIT_USAGE, PROG ": -o BUNDLE|DIR is required");
        CLI_ENSURE(!json, MAAT_EXIT_USAGE, PROG ": --json goes with eval-nums");
    }
    CLI_ENSURE(update == NULL || eval_num == 0, MAAT_EXIT_USAGE,
               PROG ": --update and --tcb-eval-num exclude each other");
    CLI_ENSURE(update == NULL || !strcmp(update, "early") || !strcmp(update, "standard"),
               MAAT_EXIT_USAGE, PROG ": --update wants early or standard, not '%s'", update);
    CLI_ENSURE(!strcmp(tee, "sgx") || !strcmp(tee, "tdx"), MAAT_EXIT_USAGE,
               PROG ": --tee wants sgx or tdx, not '%s'", tee);
    bool tdx = !strcmp(tee, "tdx");
    CLI_ENSURE(azure_url == NULL || azure_region == NULL, MAAT_EXIT_USAGE,
               PROG ": --azure-url and --azure-region exclude each other");
    CLI_ENSURE((azure_url == NULL && azure_region == NULL) || !source_given ||
                   !strcmp(source, "azure"),
               MAAT_EXIT_USAGE,
               PROG ": --azure-url/--azure-region go with --source azure, not '%s'", source);
    if (azure_url != NULL || azure_region != NULL) source = "azure";
    bool thim = !strcmp(source, "azure");
    char region_base[128];
    if (azure_region != NULL) {
        CLI_ENSURE(strlen(azure_region) > 0 && strlen(azure_region) <= 40 &&
                       strspn(azure_region, "abcdefghijklmnopqrstuvwxyz0123456789") ==
                           strlen(azure_region),
                   MAAT_EXIT_USAGE,
                   PROG ": --azure-region wants a region name like eastus, not '%s'", azure_region);
        snprintf(region_base, sizeof region_base, "https://%s.thim.azure.net", azure_region);
    }
    /* no global TDX base */
    CLI_ENSURE(!thim || !tdx || azure_url != NULL || azure_region != NULL, MAAT_EXIT_USAGE,
               PROG ": --source azure --tee tdx needs --azure-region REGION (the VM's region: "
                    "https://REGION.thim.azure.net) or --azure-url URL");
    CLI_ENSURE(!thim || update == NULL, MAAT_EXIT_USAGE,
               PROG ": --update %s: Azure THIM is not known to honour update= (unconfirmed); pin "
                    "--tcb-eval-num N, or omit it for THIM's default",
               update);
    enum maat_pck_ca ca = MAAT_PCK_CA_PROCESSOR;
    if (ca_name != NULL) {
        CLI_ENSURE(!strcmp(ca_name, "processor") || !strcmp(ca_name, "platform"), MAAT_EXIT_USAGE,
                   PROG ": --ca wants processor or platform, not '%s'", ca_name);
        ca = !strcmp(ca_name, "processor") ? MAAT_PCK_CA_PROCESSOR : MAAT_PCK_CA_PLATFORM;
        CLI_ENSURE(quote == NULL, MAAT_EXIT_USAGE,
                   PROG ": --ca goes with --fmspc (a QUOTE's PCK chain names its CA)");
    }
    uint8_t fmspc[6];
    CLI_ENSURE(fmspc_hex == NULL || parse_fmspc(fmspc_hex, fmspc) == 0, MAAT_EXIT_USAGE,
               PROG ": --fmspc wants 12 hex digits, not '%s'", fmspc_hex);
    const char *base = !strcmp(source, "intel") ? INTEL_PCS_BASE
                       : azure_url != NULL      ? azure_url
                       : azure_region != NULL   ? region_base
                       : thim                   ? AZURE_THIM_BASE
                                                : source;

    trust = maat_trust_new_intel(&err);
    CLI_ENSURE(trust != NULL, MAAT_EXIT_INTERNAL, PROG ": %s", err.msg);
    for (size_t i = 0; i < nroots; i++) {
        uint8_t *pem;
        size_t n;
        CLI_ENSURE(cli_read_file(roots[i], 1 << 20, &pem, &n, &err) == 0, MAAT_EXIT_INPUT,
                   PROG ": --trust-root: %s", err.msg);
        int r = maat_trust_add_root(trust, pem, n, roots[i], !maat_trust_is_intel_root(pem, n), &err);
        free(pem);
        CLI_ENSURE(r == 0, MAAT_EXIT_INPUT, PROG ": --trust-root %s: %s", roots[i], err.msg);
    }
    bool is_td = false;
    if (quote != NULL) {
        /* from_quote's 0 is no exit code: every failure below sets its own */
        int q = from_quote(quote, trust, at, fmspc, &ca, &is_td);
        if (q != 0) CLI_FAIL(q);
    }
    if (quote != NULL && !tee_given && is_td != tdx) {
        CLI_ENSURE(!thim || !is_td || azure_url != NULL || azure_region != NULL, MAAT_EXIT_USAGE,
                   PROG ": %s is a TD quote: --source azure needs --azure-region REGION or "
                        "--azure-url URL for TDX",
                   quote);
        tdx = is_td; /* the quote's TEE, when --tee is not given */
    } else {
        CLI_ENSURE(quote == NULL || is_td == tdx, MAAT_EXIT_USAGE, /* never the other TEE's */
                   PROG ": %s is %s quote, not what --tee asks for", quote,
                   is_td ? "a TD" : "an SGX enclave");
    }

    struct maat_pccs_opts o;
    maat_pccs_opts_defaults(&o);
    o.base_url = base;
    o.update = update;
    o.tcb_eval_num = eval_num;
    o.api_key = api_key;
    o.tdx = tdx;
    o.scheme = thim ? MAAT_PCCS_SCHEME_THIM : MAAT_PCCS_SCHEME_PCS;
    o.thim_region = thim ? azure_region : NULL; /* also region= in customParameter */
    CLI_ENSURE(maat_collateral_pccs_source_new(&o, &src, &err) == 0, MAAT_EXIT_USAGE,
               PROG ": --source: %s", err.msg);
    if (list_only) {
        struct maat_tcb_eval_nums l;
        CLI_ENSURE(maat_collateral_fetch_eval_nums(src, trust, at, &l, NULL, NULL, &err) == 0,
                   err.code == MAAT_ERR_IO || err.code == MAAT_ERR_NOMEM ? MAAT_EXIT_INTERNAL
                   : err.code == MAAT_ERR_CRYPTO                         ? MAAT_EXIT_FAIL
                                                                         : MAAT_EXIT_INPUT,
                   "maat collateral eval-nums: %s", err.msg);
        rc = print_eval_nums(&l, json);
        maat_tcb_eval_nums_cleanup(&l);
        goto out;
    }
    CLI_ENSURE(maat_collateral_source_fetch(src, fmspc, ca, at, &raw, &err) == 0,
               err.code == MAAT_ERR_IO || err.code == MAAT_ERR_NOMEM ? MAAT_EXIT_INTERNAL
                                                                     : MAAT_EXIT_INPUT,
               PROG ": %s", err.msg);
    struct maat_collateral_input in;
    maat_collateral_raw_input(&raw, &in);
    CLI_ENSURE(maat_collateral_verify(&in, trust, at, &vc, &err) == 0, MAAT_EXIT_FAIL,
               PROG ": collateral from %s did not verify: %s", maat_collateral_source_describe(src),
               err.msg);
    struct stat st;
    size_t plen = strlen(out_path);
    bool as_dir = (plen > 0 && out_path[plen - 1] == '/') ||
                  (stat(out_path, &st) == 0 && S_ISDIR(st.st_mode));
    if (as_dir)
        CLI_ENSURE(maat_collateral_raw_write_dir(&raw, out_path, fmspc, ca, &err) == 0,
                   MAAT_EXIT_INTERNAL, PROG ": %s", err.msg);
    else
        CLI_ENSURE(maat_collateral_raw_write_bundle(&raw, &bundle, &err) == 0 &&
                       cli_write_file(out_path, bundle.data, bundle.len, &err) == 0,
                   MAAT_EXIT_INTERNAL, PROG ": %s", err.msg);
    char hex[13];
    maat_hex_encode(fmspc, 6, hex);
    const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(vc);
    fprintf(stderr,
            PROG ": %s FMSPC %s, PCK %s CA, TCB evaluation data number "
                 "%u, from %s: verified, written to %s\n",
            tdx ? "TDX" : "SGX", hex, maat_pck_ca_name(ca),
            ti != NULL ? ti->tcb_evaluation_data_number : 0u, maat_collateral_source_describe(src),
            out_path);
    rc = MAAT_EXIT_OK;
out:
    maat_verified_collateral_free(vc);
    maat_buf_cleanup(&bundle);
    maat_collateral_raw_cleanup(&raw);
    maat_collateral_source_free(src);
    maat_trust_free(trust);
    return rc;
}

static void fmt_date(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 21, "?");
}

/* The verified list on stdout: text, or JSON {"id","issue_date","next_update","newest",
 * "numbers":[{"tcb_evaluation_data_number","tcb_recovery_event_date","tcb_date"}]}. */
static int print_eval_nums(const struct maat_tcb_eval_nums *l, bool json)
{
    char a[21], b[21];
    fmt_date(l->issue_date, a);
    fmt_date(l->next_update, b);
    if (json)
        printf("{\"id\": \"%s\", \"issue_date\": \"%s\", \"next_update\": \"%s\", "
               "\"newest\": %u, \"numbers\": [",
               l->id, a, b, l->newest);
    else
        printf("%s TCB evaluation data numbers (verified; issued %s, next update %s), newest %u:\n",
               l->id, a, b, l->newest);
    for (size_t i = 0; i < l->n; i++) {
        fmt_date(l->items[i].tcb_recovery_event_date, a);
        fmt_date(l->items[i].tcb_date, b);
        if (json)
            printf("%s{\"tcb_evaluation_data_number\": %u, \"tcb_recovery_event_date\": \"%s\", "
                   "\"tcb_date\": \"%s\"}",
                   i ? ", " : "", l->items[i].number, a, b);
        else
            printf("  %u  tcbRecoveryEventDate %s  tcbDate %s\n", l->items[i].number, a, b);
    }
    if (json) printf("]}\n");
    return fflush(stdout) == 0 ? MAAT_EXIT_OK : MAAT_EXIT_INTERNAL;
}

/* `maat collateral fetch` and `maat collateral eval-nums`: argv[0] is the verb. */
static int collateral_fetch(int argc, char **argv)
{
    return run_fetch(argc, argv, false);
}

static int collateral_eval_nums(int argc, char **argv)
{
    return run_fetch(argc, argv, true);
}

static const struct cli_verb verbs[] = {
    {"fetch", collateral_fetch, usage},
    {"eval-nums", collateral_eval_nums, usage},
};

int cmd_collateral(int argc, char **argv)
{
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0],
                                             argc >= 2 ? argv[1] : NULL);
    if (v == NULL) {
        bool help = argc >= 2 && cli_is_help(argv[1]);
        usage(help ? stdout : stderr);
        return help ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}

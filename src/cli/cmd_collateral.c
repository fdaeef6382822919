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
          "           [--update early|standard | --tcb-eval-num N] [--trust-root PEM]...\n"
          "           [--at TIME] [--api-key KEY] -o BUNDLE|DIR\n"
          "\n"
          "Fetches TCB info, QE identity, the Root CA and PCK CA CRLs and the issuer chains\n"
          "for one FMSPC and PCK CA, verifies them to the trust roots (Intel's SGX Root CA,\n"
          "plus each --trust-root) at TIME (default now), and writes a dcap-qvl bundle\n"
          "(-o FILE) or a PCS directory (-o DIR/, or an existing directory), either of which\n"
          "`maat verify --collateral` reads.\n"
          "  QUOTE           take FMSPC and PCK CA from the quote's PCK chain, verified first\n"
          "  --source        intel (" INTEL_PCS_BASE ", default), azure\n"
          "                  (" AZURE_THIM_BASE "), or a PCS/PCCS URL in any form:\n"
          "                  https://host[:port][/sgx/certification/v4/]\n"
          "  --update        early or standard baseline (Intel PCS v4 update=)\n"
          "  --tcb-eval-num  a given TCB evaluation data number (tcbEvaluationDataNumber=)\n"
          "  --ca            PCK CA for --fmspc (default processor)\n"
          "  --tee           sgx (default); tdx is not supported yet\n",
          f);
}

static int fail(int code, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "maat collateral fetch: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return code;
}

static int parse_fmspc(const char *s, uint8_t out[6])
{
    struct maat_error e = {0};
    return maat_hex_decode_fixed(s, strlen(s), "--fmspc", out, 6, &e);
}

/* FMSPC and CA from QUOTE's PCK chain, verified to `trust` first. 0, or an exit code. */
static int from_quote(const char *file, const struct maat_trust *trust, time_t at,
                      uint8_t fmspc[6], enum maat_pck_ca *ca)
{
    struct maat_error err = {0};
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    struct maat_evidence ev = {0};
    struct maat_quote q;
    struct maat_pck_chain *chain = NULL;
    struct maat_verdict v;
    int rc = MAAT_EXIT_INPUT;
    if (cli_read_file(file, MAAT_EVIDENCE_MAX_SIZE, &raw, &raw_len, &err) != 0 ||
        maat_evidence_decode(raw, raw_len, &ev, &err) != 0 ||
        maat_quote_parse(ev.quote, ev.quote_len, &q, &err) != 0) {
        fprintf(stderr, "maat collateral fetch: %s: %s\n", file, err.msg);
        goto out;
    }
    struct maat_verify_opts opts = {.at = at};
    if (maat_pck_chain_resolve(&q, trust, &opts, &chain, &v, &err) != 0) {
        fprintf(stderr, "maat collateral fetch: %s: %s\n", file, err.msg);
        rc = MAAT_EXIT_INTERNAL;
        goto out;
    }
    if (!v.ok) {
        fprintf(stderr,
                "maat collateral fetch: %s: the quote's PCK chain did not verify to the trust "
                "roots (%s); nothing was fetched\n",
                file, v.reason);
        rc = MAAT_EXIT_FAIL;
        goto out;
    }
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

static int run_fetch(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fmspc", required_argument, NULL, 'f'},      {"ca", required_argument, NULL, 'c'},
        {"tee", required_argument, NULL, 'T'},        {"source", required_argument, NULL, 's'},
        {"update", required_argument, NULL, 'u'},     {"tcb-eval-num", required_argument, NULL, 'n'},
        {"trust-root", required_argument, NULL, 'r'}, {"at", required_argument, NULL, 't'},
        {"api-key", required_argument, NULL, 'k'},    {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    const char *fmspc_hex = NULL, *ca_name = NULL, *tee = "sgx", *source = "intel",
               *update = NULL, *out_path = NULL, *api_key = NULL, *roots[MAX_ROOTS];
    long eval_num = 0;
    size_t nroots = 0;
    time_t at = time(NULL);
    struct maat_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmspc_hex = optarg; break;
        case 'c': ca_name = optarg; break;
        case 'T': tee = optarg; break;
        case 's': source = optarg; break;
        case 'u': update = optarg; break;
        case 'n': {
            char *end = NULL;
            errno = 0;
            eval_num = strtol(optarg, &end, 10);
            if (errno || *end || eval_num < 1 || eval_num > 1000000)
                return fail(MAAT_EXIT_USAGE, "--tcb-eval-num wants a number 1..1000000, not '%s'%s",
                            optarg, "");
            break;
        }
        case 'r':
            if (nroots == MAX_ROOTS) return fail(MAAT_EXIT_USAGE, "at most 8 --trust-root%s%s", "", "");
            roots[nroots++] = optarg;
            break;
        case 't':
            if (cli_parse_time_err("--at", optarg, &at, &err) != 0)
                return fail(MAAT_EXIT_USAGE, "%s%s", err.msg, "");
            break;
        case 'k': api_key = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    const char *quote = optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc) return fail(MAAT_EXIT_USAGE, "unexpected argument '%s'%s", argv[optind + 1], "");
    if ((quote == NULL) == (fmspc_hex == NULL))
        return fail(MAAT_EXIT_USAGE, "give exactly one of QUOTE and --fmspc HEX%s%s", "", "");
    if (out_path == NULL) return fail(MAAT_EXIT_USAGE, "-o BUNDLE|DIR is required%s%s", "", "");
    if (update != NULL && eval_num > 0)
        return fail(MAAT_EXIT_USAGE, "--update and --tcb-eval-num exclude each other%s%s", "", "");
    if (update != NULL && strcmp(update, "early") && strcmp(update, "standard"))
        return fail(MAAT_EXIT_USAGE, "--update wants early or standard, not '%s'%s", update, "");
    if (strcmp(tee, "sgx") && strcmp(tee, "tdx"))
        return fail(MAAT_EXIT_USAGE, "--tee wants sgx or tdx, not '%s'%s", tee, "");
    if (!strcmp(tee, "tdx")) /* fail closed rather than write SGX collateral for a TD */
        return fail(MAAT_EXIT_USAGE, "--tee tdx is not supported yet; fetch SGX collateral%s%s",
                    "", "");
    enum maat_pck_ca ca = MAAT_PCK_CA_PROCESSOR;
    if (ca_name != NULL) {
        if (!strcmp(ca_name, "processor")) ca = MAAT_PCK_CA_PROCESSOR;
        else if (!strcmp(ca_name, "platform")) ca = MAAT_PCK_CA_PLATFORM;
        else return fail(MAAT_EXIT_USAGE, "--ca wants processor or platform, not '%s'%s", ca_name, "");
        if (quote != NULL)
            return fail(MAAT_EXIT_USAGE, "--ca goes with --fmspc (a QUOTE's PCK chain names its CA)%s%s",
                        "", "");
    }
    uint8_t fmspc[6];
    if (fmspc_hex != NULL && parse_fmspc(fmspc_hex, fmspc) != 0)
        return fail(MAAT_EXIT_USAGE, "--fmspc wants 12 hex digits, not '%s'%s", fmspc_hex, "");
    const char *base = !strcmp(source, "intel")   ? INTEL_PCS_BASE
                       : !strcmp(source, "azure") ? AZURE_THIM_BASE
                                                  : source;

    int rc = MAAT_EXIT_INTERNAL;
    struct maat_trust *trust = maat_trust_new_intel(&err);
    struct maat_collateral_source *src = NULL;
    struct maat_collateral_raw raw;
    struct maat_verified_collateral *vc = NULL;
    struct maat_buf bundle;
    maat_collateral_raw_init(&raw);
    maat_buf_init(&bundle);
    if (trust == NULL) {
        fprintf(stderr, "maat collateral fetch: %s\n", err.msg);
        goto out;
    }
    for (size_t i = 0; i < nroots; i++) {
        uint8_t *pem;
        size_t n;
        if (cli_read_file(roots[i], 1 << 20, &pem, &n, &err) != 0) {
            rc = fail(MAAT_EXIT_INPUT, "--trust-root: %s%s", err.msg, "");
            goto out;
        }
        int r = maat_trust_add_root(trust, pem, n, roots[i], !maat_trust_is_intel_root(pem, n),
                                    &err);
        free(pem);
        if (r != 0) {
            rc = fail(MAAT_EXIT_INPUT, "--trust-root %s: %s", roots[i], err.msg);
            goto out;
        }
    }
    if (quote != NULL && (rc = from_quote(quote, trust, at, fmspc, &ca)) != 0) goto out;

    struct maat_pccs_opts o;
    maat_pccs_opts_defaults(&o);
    o.base_url = base;
    o.update = update;
    o.tcb_eval_num = eval_num;
    o.api_key = api_key;
    if (maat_collateral_pccs_source_new(&o, &src, &err) != 0) {
        rc = fail(MAAT_EXIT_USAGE, "--source: %s%s", err.msg, "");
        goto out;
    }
    if (maat_collateral_source_fetch(src, fmspc, ca, at, &raw, &err) != 0) {
        fprintf(stderr, "maat collateral fetch: %s\n", err.msg);
        rc = err.code == MAAT_ERR_IO || err.code == MAAT_ERR_NOMEM ? MAAT_EXIT_INTERNAL
                                                                  : MAAT_EXIT_INPUT;
        goto out;
    }
    struct maat_collateral_input in;
    maat_collateral_raw_input(&raw, &in);
    if (maat_collateral_verify(&in, trust, at, &vc, &err) != 0) {
        fprintf(stderr, "maat collateral fetch: collateral from %s did not verify: %s\n",
                maat_collateral_source_describe(src), err.msg);
        rc = MAAT_EXIT_FAIL;
        goto out;
    }
    struct stat st;
    size_t plen = strlen(out_path);
    bool as_dir = (plen > 0 && out_path[plen - 1] == '/') ||
                  (stat(out_path, &st) == 0 && S_ISDIR(st.st_mode));
    if (as_dir) {
        if (maat_collateral_raw_write_dir(&raw, out_path, fmspc, ca, &err) != 0) {
            fprintf(stderr, "maat collateral fetch: %s\n", err.msg);
            goto out;
        }
    } else if (maat_collateral_raw_write_bundle(&raw, &bundle, &err) != 0 ||
               cli_write_file(out_path, bundle.data, bundle.len, &err) != 0) {
        fprintf(stderr, "maat collateral fetch: %s\n", err.msg);
        goto out;
    }
    char hex[13];
    maat_hex_encode(fmspc, 6, hex);
    fprintf(stderr, "maat collateral fetch: FMSPC %s, PCK %s CA, from %s: verified, written to %s\n",
            hex, maat_pck_ca_name(ca), maat_collateral_source_describe(src), out_path);
    rc = MAAT_EXIT_OK;
out:
    maat_verified_collateral_free(vc);
    maat_buf_cleanup(&bundle);
    maat_collateral_raw_cleanup(&raw);
    maat_collateral_source_free(src);
    maat_trust_free(trust);
    return rc;
}

int cmd_collateral(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "fetch")) return run_fetch(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return MAAT_EXIT_OK;
    }
    usage(stderr);
    return MAAT_EXIT_USAGE;
}

/*
 * test_verify_corpus.c - runs every verification case in tests/data/verify/ (*.case files,
 * format: tests/data/verify/README.md): loads the quote and collateral a case names (shared
 * vectors, or the simulated platform), applies its mutations, verifies at its time and
 * checks each expectation, naming the file and line of the one that does not hold.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/evidence.h"
#include "maat/tdx.h"
#include "maat/time_parse.h"
#include "maat/verify.h"
#include "sim.h"
#include "sim_fixture.h"
#include "testutil.h"

#define MIN_FILES 20 /* the corpus must not silently vanish */
#define MIN_CASES 119
#define MAX_LINES 512
#define SIM_NOW 1700000000 /* 2023-11-14T22:13:20Z: the simulated platform's creation */

static int failures, skipped, cases_run;

/* ---- the simulated platform, created once (as test_verify_sim.c's: cpusvn[15] = 5) ---- */

static struct sim_fixture SIM;
static bool sim_ready;

static struct sim_fixture *sim_get(void)
{
    if (!sim_ready) {
        struct maat_sim_init_opts o;
        maat_sim_init_opts_defaults(&o, SIM_NOW);
        o.cpusvn[15] = 5; /* a non-zero 16th component, so all 16 must be compared */
        sim_fixture_setup(&SIM, SIM_NOW, &o);
        sim_ready = true;
    }
    return &SIM;
}

/* ---- one case being run ---- */

enum item {
    IT_PCK_CRL_CHAIN,
    IT_ROOT_CA_CRL,
    IT_PCK_CRL,
    IT_TCB_INFO_CHAIN,
    IT_TCB_INFO_JSON,
    IT_TCB_INFO_BODY,
    IT_TCB_INFO_SIG,
    IT_QE_ID_CHAIN,
    IT_QE_ID_JSON,
    IT_QE_ID_BODY,
    IT_QE_ID_SIG,
    IT__COUNT
};

static const char *const item_names[IT__COUNT] = {
    "pck-crl-chain",      "root-ca-crl",           "pck-crl",
    "tcb-info-chain",     "tcb-info-json",         "tcb-info-body",
    "tcb-info-signature", "qe-identity-chain",     "qe-identity-json",
    "qe-identity-body",   "qe-identity-signature",
};

struct run {
    const char *file; /* for messages */
    const char *label;
    bool missing; /* a vector was missing (skipped, or exit(1) under REQUIRE) */
    bool bad;     /* the case itself is malformed (counted as a failure) */
    /* quote */
    uint8_t *quote;
    size_t quote_len;
    bool sim;
    struct maat_sim_quote_opts sim_opts;
    /* collateral: owned copies of every view */
    uint8_t *items[IT__COUNT];
    size_t item_len[IT__COUNT];
    bool have_collateral;
    bool no_collateral;
    /* trust, options */
    struct maat_trust *trust;
    uint8_t *pck_chain;
    size_t pck_chain_len;
    bool tdx;
    struct maat_tdx_opts tdx_opts;
    time_t at;
    bool at_set;
    /* results */
    bool verified;
    int coll_rc;
    struct maat_error coll_err;
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
};

#define CASE_FAIL(r, line, ...)                                                \
    do {                                                                       \
        fprintf(stderr, "  FAIL %s:%d [%s]: ", (r)->file, (line), (r)->label); \
        fprintf(stderr, __VA_ARGS__);                                          \
        fprintf(stderr, "\n");                                                 \
        failures++;                                                            \
    } while (0)

static void set_item(struct run *r, enum item it, const uint8_t *p, size_t n)
{
    free(r->items[it]);
    r->items[it] = NULL;
    r->item_len[it] = 0;
    if (p == NULL) return;
    r->items[it] = malloc(n + 1);
    assert_non_null(r->items[it]);
    memcpy(r->items[it], p, n);
    r->items[it][n] = 0;
    r->item_len[it] = n;
    r->have_collateral = true;
}

/* The collateral input's views, in enum item order. */
static void input_views(const struct maat_collateral_input *in, struct maat_view *v[IT__COUNT])
{
    struct maat_collateral_input *w = (struct maat_collateral_input *)in;
    struct maat_view *all[IT__COUNT] = {
        &w->pck_crl_issuer_chain,
        &w->root_ca_crl,
        &w->pck_crl,
        &w->tcb_info_issuer_chain,
        &w->tcb_info_json,
        &w->tcb_info_body,
        &w->tcb_info_signature,
        &w->qe_identity_issuer_chain,
        &w->qe_identity_json,
        &w->qe_identity_body,
        &w->qe_identity_signature,
    };
    memcpy(v, all, sizeof all);
}

/* Copies every view of `in` into the case's own items. */
static void set_input(struct run *r, const struct maat_collateral_input *in)
{
    struct maat_view *v[IT__COUNT];
    input_views(in, v);
    for (int i = 0; i < IT__COUNT; i++) set_item(r, (enum item)i, v[i]->ptr, v[i]->len);
}

/* The case's items as a collateral input (views into them). */
static void get_input(const struct run *r, struct maat_collateral_input *in)
{
    memset(in, 0, sizeof *in);
    struct maat_view *v[IT__COUNT];
    input_views(in, v);
    for (int i = 0; i < IT__COUNT; i++) {
        v[i]->ptr = r->items[i];
        v[i]->len = r->item_len[i];
    }
}

static int item_by_name(const char *s)
{
    for (int i = 0; i < IT__COUNT; i++)
        if (strcmp(s, item_names[i]) == 0) return i;
    return -1;
}

static int step_by_name(const char *s)
{
    for (int i = 0; i < MAAT_STEP__COUNT; i++)
        if (strcmp(s, maat_verify_step_name((enum maat_verify_step)i)) == 0) return i;
    return -1;
}

static const char *outcome_name(enum maat_step_outcome o)
{
    return o == MAAT_STEP_PASSED ? "passed" : o == MAAT_STEP_FAILED ? "failed" : "not-run";
}

/* "436+64+3" or "0x10" -> a number; -1 on junk. */
static long long parse_sum(const char *s)
{
    long long total = 0;
    while (*s) {
        char *end;
        long long t = strtoll(s, &end, 0);
        if (end == s || t < 0) return -1;
        total += t;
        s = end;
        if (*s == '+')
            s++;
        else if (*s != '\0')
            return -1;
    }
    return total;
}

/* Unescapes \n and \\ in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            *w++ = '\n';
            p++;
        } else if (p[0] == '\\' && p[1] == '\\') {
            *w++ = '\\';
            p++;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

/* Reads a vector; NULL (and the case is marked skipped) when it is missing. */
static uint8_t *vec(struct run *r, const char *rel, size_t *len)
{
    uint8_t *p = tu_read_vector(rel, len);
    if (p == NULL) r->missing = true;
    return p;
}

static struct maat_trust *trust_get(struct run *r)
{
    struct maat_error err = {0};
    if (r->trust == NULL) r->trust = maat_trust_new_intel(&err);
    assert_non_null(r->trust);
    return r->trust;
}

/* ---- inputs and mutations: applied in file order ---- */

static bool sim_quote_opt(struct run *r, int line, char *kv)
{
    struct sim_fixture *f = sim_get();
    struct maat_sim_quote_opts *o = &r->sim_opts;
    char *eq = strchr(kv, '=');
    if (eq == NULL) {
        CASE_FAIL(r, line, "sim option '%s' is not key=value", kv);
        return false;
    }
    *eq = '\0';
    const char *k = kv, *val = eq + 1;
    long long n = strtoll(val, NULL, 0);
    if (strcmp(k, "version") == 0) {
        o->version = (int)n;
    } else if (strcmp(k, "tcb") == 0) {
        int t;
        for (t = 0; t < MAAT_SIM_TCB__COUNT; t++)
            if (strcmp(val, maat_sim_tcb_name((enum maat_sim_tcb)t)) == 0) break;
        if (t == MAAT_SIM_TCB__COUNT) {
            CASE_FAIL(r, line, "unknown sim tcb '%s'", val);
            return false;
        }
        maat_sim_quote_opts_set_tcb(f->sim, o, (enum maat_sim_tcb)t);
    } else if (strcmp(k, "pck-ca") == 0) {
        o->pck_ca = strcmp(val, "platform") == 0 ? MAAT_PCK_CA_PLATFORM : MAAT_PCK_CA_PROCESSOR;
    } else if (strcmp(k, "revoked") == 0) {
        o->revoked = n != 0;
    } else if (strcmp(k, "qe-svn") == 0) {
        o->qe_svn = (uint16_t)n;
    } else if (strcmp(k, "pcesvn") == 0) {
        o->pcesvn = (uint16_t)n;
    } else if (strncmp(k, "cpusvn[", 7) == 0) {
        o->cpusvn[atoi(k + 7) & 15] = (uint8_t)n;
    } else if (strncmp(k, "fmspc[", 6) == 0) {
        o->fmspc[atoi(k + 6) % 6] = (uint8_t)n;
    } else if (strcmp(k, "pck-not-after") == 0) {
        int64_t t;
        struct maat_error err = {0};
        if (maat_time_parse("pck-not-after", val, &t, &err) != 0) {
            CASE_FAIL(r, line, "%s", err.msg);
            return false;
        }
        o->pck_not_after = t;
    } else {
        CASE_FAIL(r, line, "unknown sim option '%s'", k);
        return false;
    }
    return true;
}

/* Applies one input/mutation/option directive (is_input()). Returns 1, or -1 on a
 * malformed line. */
static int apply(struct run *r, int line, char *d, char *arg)
{
    struct maat_error err = {0};
    if (strcmp(d, "@quote") == 0) {
        free(r->quote);
        r->quote = vec(r, arg, &r->quote_len);
    } else if (strcmp(d, "@evidence") == 0) {
        size_t n;
        uint8_t *b = vec(r, arg, &n);
        if (b == NULL) return 1;
        struct maat_evidence ev;
        if (maat_evidence_decode(b, n, &ev, &err) != 0) {
            CASE_FAIL(r, line, "evidence %s: %s", arg, err.msg);
            free(b);
            return -1;
        }
        free(r->quote);
        r->quote = malloc(ev.quote_len);
        assert_non_null(r->quote);
        memcpy(r->quote, ev.quote, ev.quote_len);
        r->quote_len = ev.quote_len;
        maat_evidence_cleanup(&ev);
        free(b);
    } else if (strcmp(d, "@bundle") == 0) {
        size_t n;
        uint8_t *b = vec(r, arg, &n);
        if (b == NULL) return 1;
        struct maat_collateral_bundle bundle;
        if (maat_collateral_bundle_parse(b, n, &bundle, &err) != 0) {
            CASE_FAIL(r, line, "bundle %s: %s", arg, err.msg);
            free(b);
            return -1;
        }
        struct maat_collateral_input in;
        maat_collateral_input_from_bundle(&bundle, &in);
        set_input(r, &in);
        maat_collateral_bundle_cleanup(&bundle);
        free(b);
    } else if (strcmp(d, "@item") == 0 || strcmp(d, "@item-copy") == 0) {
        char *sp = strchr(arg, ' ');
        if (sp) *sp++ = '\0';
        int it = item_by_name(arg);
        if (it < 0 || sp == NULL) {
            CASE_FAIL(r, line, "%s needs ITEM and a source", d);
            return -1;
        }
        if (d[5] == '-') { /* @item-copy ITEM FROM */
            int from = item_by_name(sp);
            if (from < 0) {
                CASE_FAIL(r, line, "unknown item '%s'", sp);
                return -1;
            }
            uint8_t *copy = r->items[from] ? malloc(r->item_len[from]) : NULL;
            if (copy) memcpy(copy, r->items[from], r->item_len[from]);
            set_item(r, (enum item)it, copy, r->item_len[from]);
            free(copy);
            return 1;
        }
        size_t n;
        uint8_t *b = vec(r, sp, &n);
        if (b == NULL) return 1;
        set_item(r, (enum item)it, b, n);
        free(b);
        /* a PCS response replaces the bundle's body and signature */
        if (it == IT_TCB_INFO_JSON) {
            set_item(r, IT_TCB_INFO_BODY, NULL, 0);
            set_item(r, IT_TCB_INFO_SIG, NULL, 0);
        } else if (it == IT_QE_ID_JSON) {
            set_item(r, IT_QE_ID_BODY, NULL, 0);
            set_item(r, IT_QE_ID_SIG, NULL, 0);
        }
    } else if (strcmp(d, "@pck-chain") == 0) { /* replaces; empty: none */
        free(r->pck_chain);
        r->pck_chain = NULL;
        r->pck_chain_len = 0;
        char *save = NULL;
        for (char *p = strtok_r(arg, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
            size_t n;
            uint8_t *b = vec(r, p, &n);
            if (b == NULL) return 1;
            r->pck_chain = realloc(r->pck_chain, r->pck_chain_len + n);
            assert_non_null(r->pck_chain);
            memcpy(r->pck_chain + r->pck_chain_len, b, n);
            r->pck_chain_len += n;
            free(b);
        }
    } else if (strcmp(d, "@trust") == 0) {
        maat_trust_free(r->trust);
        r->trust = NULL;
        if (strcmp(arg, "intel") == 0)
            r->trust = maat_trust_new_intel(&err);
        else if (strcmp(arg, "empty") == 0)
            r->trust = maat_trust_new_empty(&err);
        else {
            CASE_FAIL(r, line, "@trust intel|empty, not '%s'", arg);
            return -1;
        }
    } else if (strcmp(d, "@root") == 0) {
        char *label = strchr(arg, ' ');
        if (label) *label++ = '\0';
        size_t n;
        uint8_t *b = vec(r, arg, &n);
        if (b == NULL) return 1;
        if (maat_trust_add_root(trust_get(r), b, n, label ? label : arg, true, &err) != 0)
            CASE_FAIL(r, line, "root %s: %s", arg, err.msg);
        free(b);
    } else if (strcmp(d, "@sim") == 0) {
        struct sim_fixture *f = sim_get();
        r->sim = true;
        maat_trust_free(r->trust);
        r->trust = NULL; /* the fixture's (Intel + the sim root) */
        maat_sim_quote_opts_defaults(f->sim, &r->sim_opts);
        set_input(r, &f->in[0]);
    } else if (strcmp(d, "@sim-collateral") == 0) {
        if (!r->sim) {
            CASE_FAIL(r, line, "@sim-collateral without @sim");
            return -1;
        }
        set_input(r, &sim_get()->in[strcmp(arg, "platform") == 0 ? 1 : 0]);
    } else if (strcmp(d, "@sim-quote") == 0) {
        if (!r->sim) {
            CASE_FAIL(r, line, "@sim-quote without @sim");
            return -1;
        }
        char *save = NULL;
        for (char *p = strtok_r(arg, " ", &save); p; p = strtok_r(NULL, " ", &save))
            if (!sim_quote_opt(r, line, p)) return -1;
    } else if (strcmp(d, "@no-collateral") == 0) {
        r->no_collateral = true;
    } else if (strcmp(d, "@tdx") == 0) {
        r->tdx = true;
    } else if (strcmp(d, "@tdx-allow-sept-ve") == 0) {
        r->tdx_opts.allow_sept_ve_enabled = true;
    } else if (strcmp(d, "@at") == 0) {
        int64_t t;
        if (maat_time_parse("@at", arg, &t, &err) != 0) {
            CASE_FAIL(r, line, "%s", err.msg);
            return -1;
        }
        r->at = (time_t)t;
        r->at_set = true;
    } else if (strcmp(d, "@flip") == 0) {
        /* the quote: generated now if it comes from the sim */
        if (r->sim && r->quote == NULL) {
            struct maat_buf b;
            sim_fixture_quote(sim_get(), &r->sim_opts, &b);
            r->quote = malloc(b.len);
            assert_non_null(r->quote);
            memcpy(r->quote, b.data, b.len);
            r->quote_len = b.len;
            maat_buf_cleanup(&b);
        }
        char *x = strchr(arg, ' ');
        if (x) *x++ = '\0';
        long long off = parse_sum(arg), mask = x ? parse_sum(x) : 1;
        if (off < 0 || mask <= 0 || mask > 255) {
            CASE_FAIL(r, line, "@flip OFFSET [XOR]: '%s'", arg);
            return -1;
        }
        if (r->quote == NULL) return 1; /* missing vector */
        if ((size_t)off >= r->quote_len) {
            CASE_FAIL(r, line, "@flip %lld: the quote has %zu bytes", off, r->quote_len);
            return -1;
        }
        r->quote[off] ^= (uint8_t)mask;
    } else if (strcmp(d, "@flip-item") == 0) {
        char *sp = strchr(arg, ' ');
        if (sp) *sp++ = '\0';
        int it = item_by_name(arg);
        char *x = sp ? strchr(sp, ' ') : NULL;
        if (x) *x++ = '\0';
        long long off = sp ? parse_sum(sp) : -1, mask = x ? parse_sum(x) : 1;
        if (it < 0 || off < 0 || mask <= 0 || mask > 255) {
            CASE_FAIL(r, line, "@flip-item ITEM OFFSET [XOR]");
            return -1;
        }
        if (r->items[it] == NULL) {
            if (r->missing) return 1;
            CASE_FAIL(r, line, "no %s to change", arg);
            return -1;
        }
        if ((size_t)off >= r->item_len[it]) {
            CASE_FAIL(r, line, "%s has %zu bytes", arg, r->item_len[it]);
            return -1;
        }
        r->items[it][off] ^= (uint8_t)mask;
    } else if (strcmp(d, "@replace") == 0) {
        char *sp = strchr(arg, ' ');
        if (sp) *sp++ = '\0';
        int it = item_by_name(arg);
        char *arrow = sp ? strstr(sp, " => ") : NULL;
        if (it < 0 || arrow == NULL) {
            CASE_FAIL(r, line, "@replace ITEM FROM => TO");
            return -1;
        }
        *arrow = '\0';
        char *from = sp, *to = arrow + 4;
        unescape(from);
        unescape(to);
        if (r->items[it] == NULL) {
            if (r->missing) return 1;
            CASE_FAIL(r, line, "no %s to change", arg);
            return -1;
        }
        const char *p = strstr((const char *)r->items[it], from);
        if (p == NULL) {
            CASE_FAIL(r, line, "%s does not contain '%s'", arg, from);
            return -1;
        }
        size_t len = r->item_len[it], pre = (size_t)(p - (const char *)r->items[it]);
        size_t fl = strlen(from), tl = strlen(to);
        uint8_t *out = malloc(len - fl + tl + 1);
        assert_non_null(out);
        memcpy(out, r->items[it], pre);
        memcpy(out + pre, to, tl);
        memcpy(out + pre + tl, r->items[it] + pre + fl, len - pre - fl);
        set_item(r, (enum item)it, out, len - fl + tl);
        free(out);
    } else if (strcmp(d, "@case") == 0) {
        /* the label was taken by the caller */
    } else {
        return 0;
    }
    return 1;
}

/* ---- verification ---- */

static void verify(struct run *r, int line)
{
    struct maat_error err = {0};
    struct maat_trust *trust = r->sim && r->trust == NULL ? sim_get()->trust : trust_get(r);
    if (r->sim && r->quote == NULL) {
        struct maat_buf b;
        sim_fixture_quote(sim_get(), &r->sim_opts, &b);
        r->quote = malloc(b.len);
        assert_non_null(r->quote);
        memcpy(r->quote, b.data, b.len);
        r->quote_len = b.len;
        maat_buf_cleanup(&b);
    }
    if (!r->at_set) {
        CASE_FAIL(r, line, "no @at");
        r->bad = true;
        return;
    }
    struct maat_verified_collateral *vc = NULL;
    r->coll_rc = 0;
    if (r->have_collateral && !r->no_collateral) {
        struct maat_collateral_input in;
        get_input(r, &in);
        r->coll_rc = maat_collateral_verify(&in, trust, r->at, &vc, &r->coll_err);
    }
    if (r->coll_rc == 0 && r->quote != NULL) {
        if (maat_quote_parse(r->quote, r->quote_len, &r->q, &err) != 0) {
            CASE_FAIL(r, line, "the quote does not parse: %s", err.msg);
            r->bad = true;
            maat_verified_collateral_free(vc);
            return;
        }
        struct maat_verify_opts opts = {.at = r->at};
        if (r->pck_chain) opts.pck_chain_pem = (struct maat_view){r->pck_chain, r->pck_chain_len};
        int rc = r->tdx ? maat_tdx_quote_verify(&r->q, vc, trust, &opts, &r->tdx_opts, &r->v,
                                                &r->tv, &err)
                        : maat_quote_verify(&r->q, vc, trust, &opts, &r->v, &err);
        if (rc != 0) {
            CASE_FAIL(r, line, "verify returned %d: %s", rc, err.msg);
            r->bad = true;
        }
        r->verified = rc == 0;
    }
    maat_verified_collateral_free(vc);
}

/* ---- expectations ---- */

static void hex(const uint8_t *p, size_t n, char *out)
{
    maat_hex_encode(p, n, out);
}

static void ids(char (*a)[MAAT_VERDICT_ADVISORY_LEN], size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    if (n == 0) snprintf(out, cap, "none");
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? " " : "", a[i]);
    }
}

static const char *yes(bool b)
{
    return b ? "true" : "false";
}

static const char *body_name(enum maat_body_type t)
{
    return t == MAAT_BODY_SGX       ? "SGX"
           : t == MAAT_BODY_TD10    ? "TD10"
           : t == MAAT_BODY_TD15    ? "TD15"
           : t == MAAT_BODY_TD15_EX ? "TD15_EX"
                                    : "?";
}

/* The verdict's field `key` as text; false if there is no such field. */
static bool field(const struct run *r, const char *key, char *out, size_t cap)
{
    const struct maat_verdict *v = &r->v;
    const struct maat_tdx_verdict *tv = &r->tv;
    char(*adv)[MAAT_VERDICT_ADVISORY_LEN] = (char(*)[MAAT_VERDICT_ADVISORY_LEN])v->advisory_ids;
    char(*qadv)[MAAT_VERDICT_ADVISORY_LEN] = (char(*)[MAAT_VERDICT_ADVISORY_LEN])v->qe_advisory_ids;
    char hx[129];
#define FIELD(name, fmt, value)         \
    if (strcmp(key, name) == 0) {       \
        snprintf(out, cap, fmt, value); \
        return true;                    \
    }
#define HEX(name, p, n)               \
    if (strcmp(key, name) == 0) {     \
        hex(p, n, hx);                \
        snprintf(out, cap, "%s", hx); \
        return true;                  \
    }
    /* the verdict */
    FIELD("status", "%s", maat_tcb_status_name(v->status))
    FIELD("qvl", "%s", maat_qvl_result_name(v->qvl_result))
    FIELD("platform-status", "%s", maat_tcb_status_name(v->platform_status))
    FIELD("qe-status", "%s", maat_tcb_status_name(v->qe_status))
    FIELD("advisory-count", "%zu", v->advisory_count)
    FIELD("qe-advisory-count", "%zu", v->qe_advisory_count)
    FIELD("eval-num", "%u", v->tcb_evaluation_data_number)
    HEX("fmspc", v->fmspc, 6)
    FIELD("root-simulated", "%s", yes(v->trusted_root_simulated))
    FIELD("root-label", "%s", v->root_label)
    FIELD("pck-ca", "%s", v->pck.ca == MAAT_PCK_CA_PLATFORM ? "platform" : "processor")
    FIELD("tcb-date-set", "%s", yes(v->tcb_date != 0))
    FIELD("quote-version", "%u", (unsigned)r->q.version)
    /* the TDX verdict */
    FIELD("tdx-module-identity", "%s", tv->module_identity)
    FIELD("tdx-module-step", "%s", outcome_name(tv->module_step))
    FIELD("tdx-appraisal-step", "%s", outcome_name(tv->appraisal_step))
    FIELD("tdx-tcb-evaluated", "%s", yes(tv->tcb_evaluated))
    FIELD("tdx-has-module-status", "%s", yes(tv->has_module_status))
    FIELD("tdx-platform-status", "%s", maat_tcb_status_name(tv->platform_status))
    FIELD("tdx-module-status", "%s", maat_tcb_status_name(tv->module_status))
    FIELD("tdx-qe-status", "%s", maat_tcb_status_name(tv->qe_status))
    FIELD("tdx-body-type", "%s", body_name(tv->body_type))
    FIELD("tdx-td15", "%s", yes(tv->td.has_td15))
    FIELD("tdx-launch-evaluated", "%s", yes(tv->launch.evaluated))
    FIELD("tdx-current-evaluated", "%s", yes(tv->current.evaluated))
    HEX("tdx-tee-tcb-svn", tv->td.tee_tcb_svn, 16)
    FIELD("tdx-td-attributes", "0x%llx", (unsigned long long)tv->td_attributes)
    FIELD("tdx-debug", "%s", yes(tv->td_debug))
    FIELD("tdx-sept-ve-disable", "%s", yes(tv->td_sept_ve_disable))
    FIELD("tdx-report-data-is-quote-s", "%s",
          yes(memcmp(tv->td.report_data, r->q.td_report.report_data, 64) == 0))
#undef FIELD
#undef HEX
    if (strcmp(key, "advisories") == 0 || strcmp(key, "qe-advisories") == 0) {
        bool qe = key[0] == 'q';
        ids(qe ? qadv : adv, qe ? v->qe_advisory_count : v->advisory_count, out, cap);
        return true;
    }
    return false;
}

/* Checks one expectation line against the result. */
static void expect(struct run *r, int line, const char *d, const char *arg)
{
    const struct maat_verdict *v = &r->v;
    if (strcmp(d, "@expect") == 0) {
        if (strncmp(arg, "collateral-error", 16) == 0) {
            const char *sub = arg[16] == ' ' ? arg + 17 : "";
            if (r->coll_rc == 0)
                CASE_FAIL(r, line, "collateral verified, expected an error containing '%s'", sub);
            else if (strstr(r->coll_err.msg, sub) == NULL)
                CASE_FAIL(r, line, "collateral error '%s' lacks '%s'", r->coll_err.msg, sub);
            return;
        }
        if (r->coll_rc != 0) {
            CASE_FAIL(r, line, "collateral refused: %s (expected %s)", r->coll_err.msg, arg);
            return;
        }
        if (strcmp(arg, "collateral-ok") == 0) return;
        if (!r->verified) {
            CASE_FAIL(r, line, "no verdict (no quote?)");
            return;
        }
        if (strncmp(arg, "ok", 2) == 0) {
            if (!v->ok) {
                CASE_FAIL(r, line, "refused at %s: %s (expected ok)",
                          maat_verify_step_name(v->failed_step), v->reason);
            } else if (arg[2] == ' ' && strcmp(maat_tcb_status_name(v->status), arg + 3) != 0) {
                CASE_FAIL(r, line, "status %s, expected %s", maat_tcb_status_name(v->status),
                          arg + 3);
            }
        } else if (strncmp(arg, "fail", 4) == 0) {
            if (v->ok)
                CASE_FAIL(r, line, "accepted (%s), expected a failure",
                          maat_tcb_status_name(v->status));
            else if (arg[4] == ' ' && strcmp(maat_verify_step_name(v->failed_step), arg + 5) != 0)
                CASE_FAIL(r, line, "failed at %s (%s), expected %s",
                          maat_verify_step_name(v->failed_step), v->reason, arg + 5);
        } else {
            CASE_FAIL(r, line,
                      "@expect ok [STATUS] | fail [STEP] | collateral-ok | "
                      "collateral-error SUBSTR, not '%s'",
                      arg);
        }
        return;
    }
    if (strcmp(d, "@collateral-error-contains") == 0) {
        if (r->coll_rc == 0 || strstr(r->coll_err.msg, arg) == NULL)
            CASE_FAIL(r, line, "collateral error '%s' lacks '%s'", r->coll_err.msg, arg);
        return;
    }
    if (strcmp(d, "@error-code") == 0) {
        if (strcmp(maat_err_name(r->coll_err.code), arg) != 0)
            CASE_FAIL(r, line, "error code %s, expected %s", maat_err_name(r->coll_err.code), arg);
        return;
    }
    if (!r->verified) {
        CASE_FAIL(r, line, "%s: there is no verdict", d);
        return;
    }
    if (strcmp(d, "@reason-contains") == 0) {
        if (strstr(v->reason, arg) == NULL)
            CASE_FAIL(r, line, "reason '%s' lacks '%s'", v->reason, arg);
    } else if (strcmp(d, "@reason") == 0) {
        if (strcmp(v->reason, arg) != 0)
            CASE_FAIL(r, line, "reason '%s', expected '%s'", v->reason, arg);
    } else if (strcmp(d, "@tdx-appraisal-reason-contains") == 0) {
        if (strstr(r->tv.appraisal_reason, arg) == NULL)
            CASE_FAIL(r, line, "appraisal reason '%s' lacks '%s'", r->tv.appraisal_reason, arg);
    } else if (strcmp(d, "@step") == 0) {
        /* @step NAME[,NAME...] passed|failed|not-run, or @step all passed */
        char names[256];
        snprintf(names, sizeof names, "%s", arg);
        char *sp = strrchr(names, ' ');
        if (sp == NULL) {
            CASE_FAIL(r, line, "@step NAME[,NAME...] OUTCOME");
            return;
        }
        *sp++ = '\0';
        const char *want = sp;
        if (strcmp(names, "all") == 0) {
            for (int s = 0; s < MAAT_STEP__COUNT; s++)
                if (strcmp(outcome_name(v->steps[s]), want) != 0)
                    CASE_FAIL(r, line, "step %s %s, expected %s (%s)",
                              maat_verify_step_name((enum maat_verify_step)s),
                              outcome_name(v->steps[s]), want, v->reason);
            return;
        }
        char *save = NULL;
        for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
            int s = step_by_name(n);
            if (s < 0)
                CASE_FAIL(r, line, "unknown step '%s'", n);
            else if (strcmp(outcome_name(v->steps[s]), want) != 0)
                CASE_FAIL(r, line, "step %s %s, expected %s (%s)", n, outcome_name(v->steps[s]),
                          want, v->reason);
        }
    } else if (strcmp(d, "@status-not") == 0) {
        if (strcmp(maat_tcb_status_name(v->status), arg) == 0)
            CASE_FAIL(r, line, "status is %s", arg);
    } else {
        char got[1024];
        if (!field(r, d + 1, got, sizeof got)) {
            CASE_FAIL(r, line, "unknown directive '%s'", d);
            return;
        }
        if (strcmp(got, arg) != 0) CASE_FAIL(r, line, "%s is '%s', expected '%s'", d + 1, got, arg);
    }
}

/* ---- files ---- */

static bool is_input(const char *d)
{
    static const char *const in[] = {
        "@quote",     "@evidence",          "@bundle",    "@item",
        "@item-copy", "@pck-chain",         "@trust",     "@root",
        "@sim",       "@sim-collateral",    "@sim-quote", "@no-collateral",
        "@tdx",       "@tdx-allow-sept-ve", "@at",        "@flip",
        "@flip-item", "@replace",           "@case",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        if (strcmp(d, in[i]) == 0) return true;
    return false;
}

struct line {
    int no;
    char *d, *arg;
};

static void run_case(const char *file, const char *label, int case_line, const struct line *base,
                     size_t nbase, const struct line *mine, size_t nmine)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.file = file;
    r.label = label;
    int f0 = failures;
    const struct line *all[2] = {base, mine};
    size_t counts[2] = {nbase, nmine};
    bool has_expect = false;
    /* inputs and mutations in file order (arguments are modified: work on copies) */
    for (int pass = 0; pass < 2 && !r.bad; pass++)
        for (size_t i = 0; i < counts[pass] && !r.bad; i++) {
            const struct line *l = &all[pass][i];
            if (!is_input(l->d)) {
                if (strcmp(l->d, "@expect") == 0) has_expect = true;
                continue;
            }
            char *a = strdup(l->arg);
            if (apply(&r, l->no, l->d, a) < 0) r.bad = true;
            free(a);
        }
    if (!has_expect && !r.bad) CASE_FAIL(&r, case_line, "no @expect");
    if (r.missing) {
        fprintf(stderr, "  SKIPPED %s [%s]: vectors missing\n", file, label);
        skipped++;
    } else if (!r.bad && f0 == failures) {
        verify(&r, case_line);
        for (int pass = 0; pass < 2 && !r.bad; pass++)
            for (size_t i = 0; i < counts[pass]; i++)
                if (!is_input(all[pass][i].d))
                    expect(&r, all[pass][i].no, all[pass][i].d, all[pass][i].arg);
        cases_run++;
    }
    for (int i = 0; i < IT__COUNT; i++) free(r.items[i]);
    free(r.quote);
    free(r.pck_chain);
    maat_trust_free(r.trust);
}

/* A file: directives before the first @case are shared by every case; each @case [label]
 * starts one (a file without @case is one case). Returns the number of cases. */
static size_t run_file(const char *dir, const char *fname)
{
    char path[2048];
    size_t len;
    char *buf = NULL;
    if (snprintf(path, sizeof path, "%s/%s", dir, fname) < (int)sizeof path)
        buf = (char *)tu_read_file(path, &len);
    if (buf == NULL) {
        fprintf(stderr, "  FAIL %s: cannot read\n", fname);
        failures++;
        return 0;
    }
    struct line *lines = calloc(MAX_LINES, sizeof *lines);
    assert_non_null(lines);
    size_t n = 0;
    int no = 0;
    for (char *p = buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        no++;
        if (p[0] != '@') continue; /* comments, blank lines */
        if (n == MAX_LINES) {
            fprintf(stderr, "  FAIL %s:%d: more than %d directives\n", fname, no, MAX_LINES);
            failures++;
            break;
        }
        size_t l = strlen(p);
        if (l > 0 && p[l - 1] == '\r') p[--l] = '\0'; /* trailing spaces are kept */
        char *sp = strchr(p, ' ');
        if (sp) *sp++ = '\0';
        lines[n++] = (struct line){no, p, sp ? sp : p + l};
    }
    size_t first = 0;
    while (first < n && strcmp(lines[first].d, "@case") != 0) first++;
    size_t ncases = 0;
    if (first == n) {
        run_case(fname, "-", 1, lines, n, NULL, 0);
        ncases = 1;
    }
    for (size_t i = first; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(lines[j].d, "@case") != 0) j++;
        const char *label = lines[i].arg[0] ? lines[i].arg : "case";
        run_case(fname, label, lines[i].no, lines, first, lines + i, j - i);
        ncases++;
        i = j;
    }
    free(lines);
    free(buf);
    return ncases;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_verify_corpus(void **state)
{
    (void)state;
    const char *src = getenv("MAAT_SOURCE");
    assert_non_null(src); /* ctest sets it; the corpus is part of the project */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/verify", src);
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".case") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    size_t ncases = 0;
    for (size_t i = 0; i < n; i++) {
        ncases += run_file(dir, names[i]);
        free(names[i]);
    }
    if (sim_ready) sim_fixture_teardown(&SIM);
    fprintf(stderr, "verify corpus: %zu files, %zu cases, %d run, %d skipped, %d failures\n", n,
            ncases, cases_run, skipped, failures);
    if (n < MIN_FILES) fail_msg("only %zu case files (at least %d expected)", n, MIN_FILES);
    if (ncases < MIN_CASES) fail_msg("only %zu cases (at least %d expected)", ncases, MIN_CASES);
    assert_int_equal(failures, 0);
    if (skipped > 0) skip(); /* loudly: some cases could not run (vectors missing) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

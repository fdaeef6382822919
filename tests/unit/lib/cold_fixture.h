/* cold_fixture.h - the fixture of the cold-path tests (issue 16: test_cold_*.c,
 * test_bundle_*.c, test_pck_first_seen.c): Intel's dcap-qvl collateral and quote read once
 * per group (cold_setup*, cold_teardown; the bundle parsed where asked), the two trust sets a
 * differential compares (the compiled-in Intel root; the same bytes added as a root), the
 * cold sequence (bundle parse, trust, collateral verify, quote verify) with its outcome kept
 * for comparison, and the tamper loop: every step-th base64 character of a PEM chain changed
 * in turn, two paths run on each text and asserted to agree, the cases counted. The includer
 * may define AT first (default: the vectors' verification time). Included by one test file
 * each; every helper is static inline so that a file uses what it needs. */
#ifndef MAAT_TEST_COLD_FIXTURE_H
#define MAAT_TEST_COLD_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel_root.h"
#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

#ifndef AT
#define AT ((time_t)1752919277) /* the dcap-qvl vectors' verification time */
#endif

/* the vectors, NUL-terminated (tu_read_file), and the collateral's bundle */
static uint8_t *g_coll, *g_quote;
static size_t g_coll_len, g_quote_len;
static struct maat_collateral_bundle g_bundle;

static inline int cold_load(bool quote, bool bundle)
{
    struct maat_error err = {0};
    g_coll = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &g_coll_len);
    if (g_coll == NULL) return -1;
    if (quote && (g_quote = tu_read_vector("dcap-qvl/sgx_quote", &g_quote_len)) == NULL) return -1;
    if (bundle && maat_collateral_bundle_parse(g_coll, g_coll_len, &g_bundle, &err) != 0) return -1;
    return 0;
}

/* group set-ups: the collateral; with the quote; with the bundle parsed; with both */
static inline int cold_setup(void **state)
{
    (void)state;
    return cold_load(false, false);
}

static inline int cold_setup_quote(void **state)
{
    (void)state;
    return cold_load(true, false);
}

static inline int cold_setup_bundle(void **state)
{
    (void)state;
    return cold_load(false, true);
}

static inline int cold_setup_quote_bundle(void **state)
{
    (void)state;
    return cold_load(true, true);
}

static inline int cold_teardown(void **state)
{
    (void)state;
    maat_collateral_bundle_cleanup(&g_bundle); /* zeroes: harmless when never parsed */
    free(g_coll);
    free(g_quote);
    g_coll = g_quote = NULL;
    return 0;
}

/* The direct (cold) path's trust set: the compiled-in Intel root. */
static inline struct maat_trust *cold_trust_intel(void)
{
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    return t;
}

/* The full path's: the same root bytes added with maat_trust_add_root (not the shared
 * compiled-in certificate), under `label`. */
static inline struct maat_trust *cold_trust_added(const char *label)
{
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_empty(&err);
    assert_non_null(t);
    assert_int_equal(maat_trust_add_root(t, (const uint8_t *)maat__intel_sgx_root_ca_pem,
                                         strlen(maat__intel_sgx_root_ca_pem), label, false, &err),
                     0);
    return t;
}

/* One side of a differential: full, the root added from bytes (the full path); else the
 * compiled-in root (the direct path). */
static inline struct maat_trust *cold_trust(bool full)
{
    return full ? cold_trust_added("Intel SGX Root CA") : cold_trust_intel();
}

/* What a collateral verification gave, comparable after the collateral is freed. */
struct cold_outcome {
    int rc;
    maat_err code;
    char msg[MAAT_ERROR_MSG_MAX]; /* "" on success */
    time_t nb, na;
    char limiting[128]; /* the window's limiting item (its pointer dies with the collateral) */
};

/* maat_collateral_verify(in, t, AT): the outcome in *o, the collateral in *vc (NULL when
 * refused) for the caller to use and free. Returns o->rc. */
static inline int cold_collateral_verify(const struct maat_collateral_input *in,
                                         struct maat_trust *t, struct maat_verified_collateral **vc,
                                         struct cold_outcome *o)
{
    struct maat_error err = {0};
    memset(o, 0, sizeof *o);
    *vc = NULL;
    o->rc = maat_collateral_verify(in, t, AT, vc, &err);
    o->code = o->rc == 0 ? MAAT_OK : err.code;
    snprintf(o->msg, sizeof o->msg, "%s", o->rc == 0 ? "" : err.msg);
    if (*vc) {
        struct maat_collateral_window w;
        maat_verified_collateral_window(*vc, &w);
        o->nb = w.not_before;
        o->na = w.not_after;
        snprintf(o->limiting, sizeof o->limiting, "%s", w.limiting ? w.limiting : "");
    }
    return o->rc;
}

/* cold_collateral_verify of in under t, then the collateral and t freed; returns how far
 * the thread's *counter moved during the verification. */
static inline unsigned long cold_verify_counted(const struct maat_collateral_input *in,
                                                struct maat_trust *t, const unsigned long *counter,
                                                struct cold_outcome *o)
{
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = *counter;
    cold_collateral_verify(in, t, &vc, o);
    unsigned long moved = *counter - before;
    maat_verified_collateral_free(vc);
    maat_trust_free(t);
    return moved;
}

/* The verdict-level equality of two collateral outcomes: success, error code, validity
 * window (the wording of a refusal is compared by the tests that pin it). */
static inline void cold_assert_same(const struct cold_outcome *a, const struct cold_outcome *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->nb, b->nb);
    assert_int_equal(a->na, b->na);
    assert_string_equal(a->limiting, b->limiting);
}

/* The quote parsed and verified under vc and t (opts NULL: at AT, nothing else); both
 * must run (the verdict, good or bad, in *v). */
static inline void cold_quote_verify(const uint8_t *quote, size_t len,
                                     const struct maat_verified_collateral *vc, struct maat_trust *t,
                                     const struct maat_verify_opts *opts, struct maat_verdict *v)
{
    struct maat_error err = {0};
    struct maat_quote q;
    struct maat_verify_opts at = {.at = AT};
    assert_int_equal(maat_quote_parse(quote, len, &q, &err), 0);
    assert_int_equal(maat_quote_verify(&q, vc, t, opts ? opts : &at, v, &err), 0);
}

/* Two verdicts of one quote are the same verdict (the reason where it failed). */
static inline void cold_assert_same_verdict(const struct maat_verdict *v,
                                            const struct maat_verdict *full)
{
    assert_int_equal(v->ok, full->ok);
    assert_int_equal(v->status, full->status);
    assert_int_equal(v->qvl_result, full->qvl_result);
    if (!full->ok) {
        assert_int_equal(v->failed_step, full->failed_step);
        assert_string_equal(v->reason, full->reason);
    }
    assert_memory_equal(v->steps, full->steps, sizeof full->steps);
    assert_memory_equal(&v->pck, &full->pck, sizeof full->pck);
    assert_memory_equal(v->fmspc, full->fmspc, 6);
}

/* One cold verification's state: the bundle parsed from a collateral text, its collateral
 * verified under `trust` at AT. The trust set stays the caller's; buf (if set) is freed
 * with the environment. */
struct cold_env {
    struct maat_trust *trust;
    uint8_t *buf;
    struct maat_collateral_bundle bundle;
    struct maat_verified_collateral *vc;
    struct cold_outcome coll;
};

/* Parses coll (a refusal fails the test) and verifies its collateral; returns e->coll.rc. */
static inline int cold_env_open(struct cold_env *e, struct maat_trust *trust, const uint8_t *coll,
                                size_t len)
{
    struct maat_error err = {0};
    uint8_t *buf = e->buf; /* set by the caller before, or not */
    memset(e, 0, sizeof *e);
    e->trust = trust;
    e->buf = buf;
    if (maat_collateral_bundle_parse(coll, len, &e->bundle, &err) != 0) fail_msg("%s", err.msg);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&e->bundle, &in);
    return cold_collateral_verify(&in, trust, &e->vc, &e->coll);
}

static inline void cold_env_close(struct cold_env *e)
{
    maat_verified_collateral_free(e->vc);
    e->vc = NULL;
    maat_collateral_bundle_cleanup(&e->bundle);
    free(e->buf);
    e->buf = NULL;
}

/* Runs the two paths on one tampered text; the loop asserts their outcomes agree. */
typedef void (*cold_paths_fn)(void *arg, const char *tampered, struct cold_outcome *a,
                              struct cold_outcome *b);

/* Every step-th character of chain that is a base64 letter (or digit, with digits) is
 * swapped in turn (swap[0] becomes swap[1], anything else swap[0]); paths() runs path A and
 * path B on the text and cold_assert_same holds. Adds the cases run to *tried and those
 * path A refused to *refused. */
static inline void cold_tamper_chain(const char *chain, size_t step, bool digits, const char swap[2],
                                     cold_paths_fn paths, void *arg, size_t *tried, size_t *refused)
{
    assert_non_null(chain);
    size_t n = strlen(chain);
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i += step) {
        memcpy(t, chain, n + 1);
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (digits && c >= '0' && c <= '9')))
            continue;
        t[i] = c == swap[0] ? swap[1] : swap[0];
        struct cold_outcome a, b;
        paths(arg, t, &a, &b);
        cold_assert_same(&a, &b);
        (*tried)++;
        *refused += a.rc != 0;
    }
    free(t);
}

/* The shapes of a two-certificate chain [first, root] that the direct paths leave to the
 * full path: the root alone, the first alone, the two swapped, the root twice (malloc'd). */
static inline void cold_chain_shapes(const char *chain, char *alt[4])
{
    size_t n = strlen(chain);
    const char *root_start = strstr(chain + 1, "-----BEGIN CERTIFICATE-----");
    assert_non_null(root_start);
    size_t sl = (size_t)(root_start - chain), rl = strlen(root_start);
    alt[0] = strdup(root_start);
    alt[1] = strndup(chain, sl);
    alt[2] = malloc(n + 2);
    alt[3] = malloc(n + rl + 2);
    assert_true(alt[0] && alt[1] && alt[2] && alt[3]);
    snprintf(alt[2], n + 2, "%s\n%.*s", root_start, (int)sl, chain);
    snprintf(alt[3], n + rl + 2, "%s\n%s", chain, root_start);
}

#endif /* MAAT_TEST_COLD_FIXTURE_H */

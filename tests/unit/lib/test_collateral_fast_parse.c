/* test_collateral_fast_parse.c - cold path (issue 16): the TCB info and QE identity parsers
 * built a jansson DOM of the whole document (~2,000 allocations and frees for the real
 * Intel TCB info, 1.76 M instructions per cold verification) to read a fixed schema.
 * Intel's usual shape is now read in one pass (collateral_fast.c). The defect is shown by
 * counting jansson's allocations per parse (0 now); the behaviour is shown unchanged by a
 * differential against the jansson path (maat__collateral_fast_off) on the real Intel
 * documents, hand-made edge cases and thousands of single-byte mutations: same return
 * code, same error code and message, and when accepted an equal struct. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "collateral_fast.h"
#include "maat/bytes.h"
#include "maat/collateral.h"
#include "collateral_compare.h"
#include "testutil.h"

#define SET "intel-collateral-00906ed50000/set-A-2026-07/"

static char *g_tcb, *g_qe;
static size_t g_tcb_len, g_qe_len;
/* the bodies (signed bytes) and their signatures, from the jansson path */
static char *g_tcb_body, *g_qe_body;
static size_t g_tcb_body_len, g_qe_body_len;
static char g_tcb_sig[2 * MAAT_COLLATERAL_SIG_SIZE + 1], g_qe_sig[2 * MAAT_COLLATERAL_SIG_SIZE + 1];

static char *dup_view(struct maat_view v)
{
    char *p = malloc(v.len);
    if (p) memcpy(p, v.ptr, v.len);
    return p;
}

static int setup(void **state)
{
    (void)state;
    g_tcb = (char *)tu_read_vector(SET "tcb_info.json", &g_tcb_len);
    g_qe = (char *)tu_read_vector(SET "qe_identity.json", &g_qe_len);
    if (g_tcb == NULL || g_qe == NULL) return -1;
    struct maat_error err = {0};
    struct maat_tcb_info ti;
    struct maat_enclave_identity ei;
    maat__collateral_fast_off = true;
    if (maat_tcb_info_parse(g_tcb, g_tcb_len, &ti, &err) != 0) return -1;
    if (maat_enclave_identity_parse(g_qe, g_qe_len, &ei, &err) != 0) return -1;
    maat__collateral_fast_off = false;
    g_tcb_body = dup_view(ti.signed_body);
    g_tcb_body_len = ti.signed_body.len;
    maat_hex_encode(ti.signature, MAAT_COLLATERAL_SIG_SIZE, g_tcb_sig);
    g_qe_body = dup_view(ei.signed_body);
    g_qe_body_len = ei.signed_body.len;
    maat_hex_encode(ei.signature, MAAT_COLLATERAL_SIG_SIZE, g_qe_sig);
    maat_tcb_info_cleanup(&ti);
    maat_enclave_identity_cleanup(&ei);
    return g_tcb_body && g_qe_body ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(g_tcb);
    free(g_qe);
    free(g_tcb_body);
    free(g_qe_body);
    return 0;
}

/* ---- the differential: one text through both paths ---- */

enum form { TCB_DOC, TCB_BODY, QE_DOC, QE_BODY };

/* Parses t[0, n) as `form` with the fast reader allowed and with the jansson path only;
 * asserts the same outcome. Returns 1 when the fast reader took it, 0 when it left it to
 * jansson (which accepted or refused it). */
static int differential(enum form form, const char *t, size_t n)
{
    struct maat_error e1 = {0}, e2 = {0};
    int r1, r2;
    unsigned long before = maat__collateral_fast_taken;
    bool same;
    if (form == TCB_DOC || form == TCB_BODY) {
        struct maat_tcb_info a, b;
        for (int pass = 0; pass < 2; pass++) {
            maat__collateral_fast_off = pass == 1;
            struct maat_tcb_info *o = pass ? &b : &a;
            struct maat_error *e = pass ? &e2 : &e1;
            int *r = pass ? &r2 : &r1;
            *r = form == TCB_DOC
                     ? maat_tcb_info_parse(t, n, o, e)
                     : maat_tcb_info_parse_body(t, n, g_tcb_sig, strlen(g_tcb_sig), o, e);
        }
        same = r1 != 0 || same_tcb_info(&a, &b);
        maat_tcb_info_cleanup(&a);
        maat_tcb_info_cleanup(&b);
    } else {
        struct maat_enclave_identity a, b;
        for (int pass = 0; pass < 2; pass++) {
            maat__collateral_fast_off = pass == 1;
            struct maat_enclave_identity *o = pass ? &b : &a;
            struct maat_error *e = pass ? &e2 : &e1;
            int *r = pass ? &r2 : &r1;
            *r = form == QE_DOC
                     ? maat_enclave_identity_parse(t, n, o, e)
                     : maat_enclave_identity_parse_body(t, n, g_qe_sig, strlen(g_qe_sig), o, e);
        }
        same = r1 != 0 || same_identity(&a, &b);
        maat_enclave_identity_cleanup(&a);
        maat_enclave_identity_cleanup(&b);
    }
    maat__collateral_fast_off = false;
    int taken = (int)(maat__collateral_fast_taken - before);
    if (r1 != r2 || e1.code != e2.code || strcmp(e1.msg, e2.msg) != 0 || !same) {
        fprintf(stderr, "form %d differs: fast %d [%s] / jansson %d [%s]; text: %.*s\n", form, r1,
                e1.msg, r2, e2.msg, (int)(n > 300 ? 300 : n), t);
        fail();
    }
    /* taken means accepted, but for TDX levels the shared sort refuses as duplicates */
    if (taken && r1 != 0) assert_non_null(strstr(e1.msg, "duplicated"));
    return taken;
}

/* ---- jansson's allocations, counted through its allocator hooks ---- */

static unsigned long g_jansson_allocs;

static void *counting_malloc(size_t n)
{
    g_jansson_allocs++;
    return malloc(n);
}

static unsigned long jansson_allocs_tcb(const char *t, size_t n, bool body)
{
    struct maat_error err = {0};
    struct maat_tcb_info ti;
    json_set_alloc_funcs(counting_malloc, free);
    g_jansson_allocs = 0;
    int rc = body ? maat_tcb_info_parse_body(t, n, g_tcb_sig, strlen(g_tcb_sig), &ti, &err)
                  : maat_tcb_info_parse(t, n, &ti, &err);
    unsigned long count = g_jansson_allocs;
    json_set_alloc_funcs(malloc, free);
    assert_int_equal(rc, 0);
    assert_int_equal(ti.level_count, 21);
    maat_tcb_info_cleanup(&ti);
    return count;
}

static unsigned long jansson_allocs_qe(const char *t, size_t n, bool body)
{
    struct maat_error err = {0};
    struct maat_enclave_identity ei;
    json_set_alloc_funcs(counting_malloc, free);
    g_jansson_allocs = 0;
    int rc = body ? maat_enclave_identity_parse_body(t, n, g_qe_sig, strlen(g_qe_sig), &ei, &err)
                  : maat_enclave_identity_parse(t, n, &ei, &err);
    unsigned long count = g_jansson_allocs;
    json_set_alloc_funcs(malloc, free);
    assert_int_equal(rc, 0);
    assert_int_equal(ei.level_count, 6);
    maat_enclave_identity_cleanup(&ei);
    return count;
}

/* The defect: parsing the real Intel TCB info built a jansson DOM (thousands of
 * allocations, freed again at once) to fill a struct. */
static void test_tcb_info_parse_builds_jansson_dom(void **state)
{
    (void)state;
    unsigned long taken = maat__collateral_fast_taken;
    assert_int_equal(jansson_allocs_tcb(g_tcb_body, g_tcb_body_len, true), 0);
    assert_int_equal(jansson_allocs_tcb(g_tcb, g_tcb_len, false), 0);
    assert_int_equal(maat__collateral_fast_taken - taken, 2);
    /* the jansson path, for scale: what each parse cost before */
    maat__collateral_fast_off = true;
    unsigned long old = jansson_allocs_tcb(g_tcb_body, g_tcb_body_len, true);
    maat__collateral_fast_off = false;
    assert_true(old > 1000);
}

static void test_qe_identity_parse_builds_jansson_dom(void **state)
{
    (void)state;
    unsigned long taken = maat__collateral_fast_taken;
    assert_int_equal(jansson_allocs_qe(g_qe_body, g_qe_body_len, true), 0);
    assert_int_equal(jansson_allocs_qe(g_qe, g_qe_len, false), 0);
    assert_int_equal(maat__collateral_fast_taken - taken, 2);
    maat__collateral_fast_off = true;
    unsigned long old = jansson_allocs_qe(g_qe_body, g_qe_body_len, true);
    maat__collateral_fast_off = false;
    assert_true(old > 50);
}

/* Every real Intel TCB info and QE identity in the vectors: same struct both ways. */
static void test_collateral_fast_parse_real_documents(void **state)
{
    (void)state;
    static const char *const tcbs[] = {
        "tcb-ev15-2023-05-10", "tcb-ev15-2023-07-12", "tcb-ev17-2025-09-28", "tcb-ev17-2025-09-28b",
        "tcb-ev18-2025-04-28", "tcb-ev19-2025-06-04", "tcb-ev19-2026-07-10", "tcb-ev19-2026-07-16"};
    static const char *const qes[] = {
        "qe-ev15-2023-06-14", "qe-ev15-2023-07-12", "qe-ev17-2025-06-04", "qe-ev17-2025-06-06",
        "qe-ev17-2025-06-19", "qe-ev17-2025-08-15", "qe-ev18-2025-06-06", "qe-ev18-2026-01-07",
        "qe-ev19-2025-06-03", "qe-ev19-2025-06-06", "qe-ev19-2026-07-08", "qe-ev19-2026-07-16"};
    char rel[256];
    size_t taken = 0;
    for (size_t i = 0; i < sizeof tcbs / sizeof *tcbs; i++) {
        snprintf(rel, sizeof rel, "intel-collateral-00906ed50000/items/tcb_info/%s.json", tcbs[i]);
        size_t n;
        char *t = (char *)tu_read_vector(rel, &n);
        assert_non_null(t);
        taken += (size_t)differential(TCB_DOC, t, n);
        free(t);
    }
    for (size_t i = 0; i < sizeof qes / sizeof *qes; i++) {
        snprintf(rel, sizeof rel, "intel-collateral-00906ed50000/items/qe_identity/%s.json", qes[i]);
        size_t n;
        char *t = (char *)tu_read_vector(rel, &n);
        assert_non_null(t);
        taken += (size_t)differential(QE_DOC, t, n);
        free(t);
    }
    assert_int_equal(differential(TCB_BODY, g_tcb_body, g_tcb_body_len), 1);
    assert_int_equal(differential(QE_BODY, g_qe_body, g_qe_body_len), 1);
    /* every one of them (SGX TCB info v3, QE identity v2) has the usual shape */
    assert_int_equal(taken, 8 + 12);
}

static int diff_str(enum form f, const char *t)
{
    return differential(f, t, strlen(t));
}

/* Hand-made edges: each is either taken into the same struct or left to jansson, which
 * refuses or accepts it as before (the differential asserts which is the same). */
static void test_collateral_fast_parse_edges(void **state)
{
    (void)state;
    const char *lv = "{\"tcb\":{\"sgxtcbcomponents\":[{\"svn\":1},{\"svn\":2},{\"svn\":3},"
                     "{\"svn\":4},{\"svn\":5},{\"svn\":6},{\"svn\":7},{\"svn\":8},{\"svn\":9},"
                     "{\"svn\":10},{\"svn\":11},{\"svn\":12},{\"svn\":13},{\"svn\":14},"
                     "{\"svn\":15},{\"svn\":255}],\"pcesvn\":13},\"tcbDate\":"
                     "\"2025-05-14T00:00:00Z\",\"tcbStatus\":\"UpToDate\"";
    const char *head = "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"2026-07-16T02:06:49Z\","
                       "\"nextUpdate\":\"2026-08-15T02:06:49Z\",\"fmspc\":\"00906ED50000\","
                       "\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":19,";
    struct {
        const char *mid, *tail;
        int taken;
    } cases[] = {
        {"", "}]}", 1},
        {",\"advisoryIDs\":[]", "}]}", 1},
        {",\"advisoryIDs\":[\"INTEL-SA-00001\",\"x\"]", "}]}", 1},
        {",\"advisoryIDs\":[\"\"]", "}]}", 0},         /* empty id: refused */
        {",\"advisoryIDs\":[\"A\",]", "}]}", 0},       /* trailing comma: refused */
        {",\"advisoryIDs\":null", "}]}", 0},           /* not an array: refused */
        {",\"advisoryIDs\":[\"A\\u0042\"]", "}]}", 0}, /* escape: jansson accepts */
        {",\"tcbStatus\":\"Revoked\"", "}]}", 0},      /* repeated: refused */
        {",\"extra\":1", "}]}", 0},                    /* unknown: jansson ignores */
        {"", "},{\"tcb\":{}}]}", 0},                   /* level without components */
        {"", "}]} x", 0},                              /* trailing bytes */
        {"", "}] , \"tcbLevels\":[]}", 0},             /* repeated tcbLevels */
        {"", "} ]\n}\r\n\t ", 1},                      /* whitespace */
    };
    char buf[4096];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(buf, sizeof buf, "%s\"tcbLevels\":[%s%s%s", head, lv, cases[i].mid, cases[i].tail);
        if (differential(TCB_BODY, buf, strlen(buf)) != cases[i].taken) {
            fprintf(stderr, "case %zu: %s\n", i, buf);
            fail();
        }
    }
    /* values the jansson path refuses or reads differently are never taken */
    static const char *const swaps[][2] = {
        {"\"version\":3", "\"version\":2"},
        {"\"version\":3", "\"version\":03"},
        {"\"version\":3", "\"version\":3.0"},
        {"\"version\":3", "\"version\":-3"},
        {"\"id\":\"SGX\"", "\"id\":\"TDX\""},
        {"\"id\":\"SGX\"", "\"id\":\"sgx\""},
        {"\"tcbType\":0", "\"tcbType\":1"},
        {"\"pceId\":\"0000\"", "\"pceId\":\"000\""},
        {"\"pceId\":\"0000\"", "\"pceId\":\"00g0\""},
        {"\"fmspc\":\"00906ED50000\"", "\"fmspc\":\"00906ed50000\""}, /* taken: lower case */
        {"\"tcbEvaluationDataNumber\":19", "\"tcbEvaluationDataNumber\":4294967296"},
        {"\"tcbEvaluationDataNumber\":19", "\"tcbEvaluationDataNumber\":4294967295"},
        {"\"issueDate\":\"2026-07-16T02:06:49Z\"", "\"issueDate\":\"2026-02-30T02:06:49Z\""},
        {"{\"svn\":255}", "{\"svn\":256}"},
        {"{\"svn\":255}", "{\"svn\":255,\"svn\":1}"},
        {"{\"svn\":255}", "{\"svn\":255,\"category\":\"BIOS\",\"type\":\"\"}"},
        {"{\"svn\":255}", "{\"category\":\"BIOS\"}"},
        {"{\"svn\":255}", "{\"svn\":255},{\"svn\":0}"},
        {"\"pcesvn\":13", "\"pcesvn\":65536"},
        {"\"UpToDate\"", "\"uptodate\""},
        {"\"UpToDate\"", "\"TDRelaunchAdvised\""},
    };
    for (size_t i = 0; i < sizeof swaps / sizeof *swaps; i++) {
        snprintf(buf, sizeof buf, "%s\"tcbLevels\":[%s}]}", head, lv);
        char *at = strstr(buf, swaps[i][0]);
        assert_non_null(at);
        char rest[4096];
        snprintf(rest, sizeof rest, "%s", at + strlen(swaps[i][0]));
        snprintf(at, sizeof buf - (size_t)(at - buf), "%s%s", swaps[i][1], rest);
        int expect = i == 9 || i == 11 || i == 15;
        if (differential(TCB_BODY, buf, strlen(buf)) != expect) {
            fprintf(stderr, "swap %zu: %s\n", i, buf);
            fail();
        }
    }
    /* enclave identity: v1 and the other wrapper are left to jansson */
    assert_int_equal(diff_str(QE_DOC, "{\"qeIdentity\":{\"version\":1},\"signature\":\"00\"}"), 0);
    assert_int_equal(diff_str(QE_BODY, "{\"version\":1}"), 0);
    assert_int_equal(diff_str(QE_BODY, "{}"), 0);
    assert_int_equal(diff_str(TCB_BODY, ""), 0);
    assert_int_equal(differential(TCB_BODY, "{\0}", 3), 0);
}

/* Single-byte changes all over the real documents (replaced, deleted, inserted): the fast
 * reader never accepts what the jansson path refuses, never builds another struct, and
 * everything it leaves is refused in the same words. */
static void mutate(enum form f, const char *src, size_t n, size_t stride, size_t *taken, size_t *left)
{
    static const char repl[] = {'0',    '9',    '"', '}', ',', ':', ' ', 'x', '\\', '[',
                                '\x80', '\x01', '{', ']', 'A', '-', '.', 'e', '\n', 'u'};
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0, k = 0; i < n; i += stride, k++) {
        char ch = repl[k % sizeof repl];
        memcpy(t, src, n);
        t[i] = ch;
        int r = differential(f, t, n);
        *taken += (size_t)r;
        *left += (size_t)!r;
        if (k % 5 == 0) { /* delete byte i */
            memcpy(t, src, i);
            memcpy(t + i, src + i + 1, n - i - 1);
            r = differential(f, t, n - 1);
            *taken += (size_t)r;
            *left += (size_t)!r;
        }
        if (k % 5 == 2) { /* insert ch before byte i */
            memcpy(t, src, i);
            t[i] = ch;
            memcpy(t + i + 1, src + i, n - i);
            r = differential(f, t, n + 1);
            *taken += (size_t)r;
            *left += (size_t)!r;
        }
    }
    free(t);
}

/* Every member of a compact document removed in turn (name, value and one comma): a
 * required member missing is never taken, an optional one missing is taken as jansson
 * reads it (single-byte mutations cannot remove a whole member). */
static void drop_members(enum form f, const char *src, size_t n, size_t *taken, size_t *left)
{
    char *t = malloc(n);
    assert_non_null(t);
    for (size_t i = 1; i < n; i++) {
        if (src[i] != '"' || (src[i - 1] != '{' && src[i - 1] != ',')) continue;
        const char *q = memchr(src + i + 1, '"', n - i - 1);
        if (q == NULL || (size_t)(q - src) + 1 >= n || q[1] != ':') continue;
        size_t k = (size_t)(q - src) + 2, depth = 0;
        bool in_string = false;
        for (; k < n; k++) {
            char ch = src[k];
            if (in_string) {
                in_string = ch != '"';
                continue;
            }
            if (ch == '"') {
                in_string = true;
            } else if (ch == '{' || ch == '[') {
                depth++;
            } else if (ch == '}' || ch == ']' || ch == ',') {
                if (depth == 0) break;
                if (ch != ',') depth--;
            }
        }
        assert_true(k < n);
        size_t a = i, b = k;
        if (src[k] == ',')
            b = k + 1; /* and the comma after it */
        else if (src[i - 1] == ',')
            a = i - 1; /* the last member: the comma before it */
        memcpy(t, src, a);
        memcpy(t + a, src + b, n - b);
        int r = differential(f, t, n - (b - a));
        *taken += (size_t)r;
        *left += (size_t)!r;
    }
    free(t);
}

static void test_collateral_fast_parse_members_dropped(void **state)
{
    (void)state;
    size_t taken = 0, left = 0;
    drop_members(TCB_BODY, g_tcb_body, g_tcb_body_len, &taken, &left);
    drop_members(TCB_DOC, g_tcb, g_tcb_len, &taken, &left);
    drop_members(QE_BODY, g_qe_body, g_qe_body_len, &taken, &left);
    drop_members(QE_DOC, g_qe, g_qe_len, &taken, &left);
    fprintf(stderr, "members dropped: %zu taken by the fast reader, %zu left to jansson\n", taken,
            left);
    assert_true(taken > 20); /* advisoryIDs are optional */
    assert_true(left > 400);
}

static void test_collateral_fast_parse_mutations(void **state)
{
    (void)state;
    size_t taken = 0, left = 0;
    mutate(TCB_BODY, g_tcb_body, g_tcb_body_len, 3, &taken, &left);
    mutate(TCB_DOC, g_tcb, g_tcb_len, 17, &taken, &left);
    mutate(QE_BODY, g_qe_body, g_qe_body_len, 1, &taken, &left);
    mutate(QE_DOC, g_qe, g_qe_len, 2, &taken, &left);
    fprintf(stderr, "mutations: %zu taken by the fast reader, %zu left to jansson\n", taken, left);
    assert_true(taken > 500);
    assert_true(left > 2000);
}

/* Replaces the first occurrence of `what` in `src` by `with` (malloc'd result). */
static char *replaced(const char *src, size_t n, const char *what, const char *with, size_t *out_len)
{
    const char *at = memmem(src, n, what, strlen(what));
    assert_non_null(at);
    size_t head = (size_t)(at - src), wl = strlen(what), nl = strlen(with);
    char *t = malloc(n - wl + nl + 1);
    assert_non_null(t);
    memcpy(t, src, head);
    memcpy(t + head, with, nl);
    memcpy(t + head + nl, at + wl, n - head - wl);
    *out_len = n - wl + nl;
    t[*out_len] = '\0';
    return t;
}

/* Removes from `src` the first `from` up to and including the next `until` after it. */
static char *cut(const char *src, size_t n, const char *from, const char *until, size_t *out_len)
{
    const char *at = memmem(src, n, from, strlen(from));
    assert_non_null(at);
    size_t skip = (size_t)(at - src) + strlen(from);
    const char *end = memmem(src + skip, n - skip, until, strlen(until));
    assert_non_null(end);
    end += strlen(until);
    char *t = malloc(n);
    assert_non_null(t);
    size_t head = (size_t)(at - src), tail = n - (size_t)(end - src);
    memcpy(t, src, head);
    memcpy(t + head, end, tail);
    *out_len = head + tail;
    return t;
}

/* TDX TCB info (Intel's sample, and with module identities added): taken, sorted and
 * checked for duplicate levels by the same function as the jansson path. */
static void test_collateral_fast_parse_tdx(void **state)
{
    (void)state;
    size_t n, qn, n2, n3, n4;
    char *t = (char *)tu_read_vector("tdx/sample_tcbInfo_response", &n);
    char *q = (char *)tu_read_vector("tdx/sample_qeIdentity_response", &qn);
    TU_REQUIRE_VECTOR(t);
    TU_REQUIRE_VECTOR(q);
    assert_int_equal(differential(TCB_DOC, t, n), 1);
    assert_int_equal(differential(QE_DOC, q, qn), 1);
    const char *ids =
        "\"tdxModuleIdentities\":[{\"id\":\"TDX_01\",\"mrsigner\":\""
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000"
        "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\","
        "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":1},\"tcbDate\":\"2023-02-15T00:00:00Z\","
        "\"tcbStatus\":\"OutOfDate\"},{\"tcb\":{\"isvsvn\":2},\"tcbDate\":"
        "\"2023-02-15T00:00:00Z\",\"tcbStatus\":\"UpToDate\",\"advisoryIDs\":[\"INTEL-SA-1\"]}]}],"
        "\"tcbLevels\":[";
    char *t2 = replaced(t, n, "\"tcbLevels\":[", ids, &n2);
    assert_int_equal(differential(TCB_DOC, t2, n2), 1);
    /* a repeated module level: read, then refused by the shared sort in its words */
    char *t3 = replaced(t2, n2, "\"isvsvn\":2", "\"isvsvn\":1", &n3);
    assert_int_equal(differential(TCB_DOC, t3, n3), 1);
    struct maat_tcb_info ti;
    struct maat_error err = {0};
    assert_int_not_equal(maat_tcb_info_parse(t3, n3, &ti, &err), 0);
    assert_non_null(strstr(err.msg, "duplicated module TCB level"));
    /* a module id of 65 characters, isvsvn 256: left to jansson, which refuses them */
    char *t4 = replaced(t2, n2, "\"isvsvn\":2", "\"isvsvn\":256", &n4);
    assert_int_equal(differential(TCB_DOC, t4, n4), 0);
    free(t4);
    t4 = replaced(t2, n2, "TDX_01",
                  "TDX_0123456789012345678901234567890123456789012345678901234567890", &n4);
    assert_int_equal(differential(TCB_DOC, t4, n4), 0);
    free(t4);
    /* a TDX level without tdxtcbcomponents, a TDX TCB info without tdxModule: refused by
     * the jansson path, left by the reader */
    t4 = cut(t, n, ",\"tdxtcbcomponents\":[", "]", &n4);
    assert_int_equal(differential(TCB_DOC, t4, n4), 0);
    free(t4);
    t4 = cut(t, n, "\"tdxModule\":{", "},", &n4);
    assert_int_equal(differential(TCB_DOC, t4, n4), 0);
    free(t4);
    /* tdxModule in an SGX TCB info: the jansson path ignores it, the reader leaves it */
    t4 = replaced(t, n, "\"id\":\"TDX\"", "\"id\":\"SGX\"", &n4);
    assert_int_equal(differential(TCB_DOC, t4, n4), 0);
    free(t4);
    size_t taken = 0, left = 0;
    drop_members(TCB_DOC, t2, n2, &taken, &left);
    fprintf(stderr, "TDX members dropped: %zu taken, %zu left to jansson\n", taken, left);
    assert_true(left > 100);
    mutate(TCB_DOC, t, n, 3, &taken, &left);
    mutate(TCB_DOC, t2, n2, 5, &taken, &left);
    mutate(QE_DOC, q, qn, 2, &taken, &left);
    fprintf(stderr, "TDX mutations: %zu taken by the fast reader, %zu left to jansson\n", taken,
            left);
    assert_true(taken > 100);
    assert_true(left > 500);
    free(t);
    free(t2);
    free(t3);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcb_info_parse_builds_jansson_dom),
        cmocka_unit_test(test_qe_identity_parse_builds_jansson_dom),
        cmocka_unit_test(test_collateral_fast_parse_real_documents),
        cmocka_unit_test(test_collateral_fast_parse_edges),
        cmocka_unit_test(test_collateral_fast_parse_members_dropped),
        cmocka_unit_test(test_collateral_fast_parse_mutations),
        cmocka_unit_test(test_collateral_fast_parse_tdx),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

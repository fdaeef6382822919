/*
 * test_policy_corpus.c - runs every policy case in tests/data/policy/ (*.policy files) (format:
 * tests/data/policy/README.md): the parse result or the exact line:column error, the
 * version, the policy hash, and for each @eval block the outcome and the exact
 * outgoing and property claims for the given incoming claims.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/policy.h"
#include "maat/policy_default.h"
#include "testutil.h"

#define MAX_LINES 256
#define MAX_CLAIMS 64

struct expect_claim {
    char *type;
    struct maat_claim_value value;
    json_t *json; /* keeps parsed JSON/set values alive */
};

struct eval_case {
    const char *label;
    struct maat_claim in[MAX_CLAIMS];
    size_t nin;
    json_t *recorded; /* claim object from a vector (owns strings) */
    struct maat_claim_list recorded_list;
    bool needs_vector;
    const char *outcome; /* permit | deny | no-permit | error */
    const char *error_substr;
    struct expect_claim out[MAX_CLAIMS], props[MAX_CLAIMS];
    size_t nout, nprops;
};

static int failures;

#define CHECK(cond, ...)                          \
    do {                                          \
        if (!(cond)) {                            \
            fprintf(stderr, "  FAIL %s: ", name); \
            fprintf(stderr, __VA_ARGS__);         \
            fprintf(stderr, "\n");                \
            failures++;                           \
        }                                         \
    } while (0)

/* "<kind> <value>" -> a claim value; strings borrowed from `s` (which stays alive). */
static int parse_value(char *s, struct maat_claim_value *v, json_t **keep)
{
    memset(v, 0, sizeof *v);
    char *sp = strchr(s, ' ');
    char *rest = sp ? sp + 1 : s + strlen(s);
    size_t klen = sp ? (size_t)(sp - s) : strlen(s);
    if (klen == 6 && strncmp(s, "string", 6) == 0) {
        v->kind = MAAT_CLAIM_STRING;
        v->str = rest;
        v->len = strlen(rest);
        return 0;
    }
    if (klen == 7 && strncmp(s, "integer", 7) == 0) {
        v->kind = MAAT_CLAIM_INTEGER;
        v->integer = strtoll(rest, NULL, 10);
        return 0;
    }
    if (klen == 7 && strncmp(s, "boolean", 7) == 0) {
        v->kind = MAAT_CLAIM_BOOLEAN;
        v->boolean = strcmp(rest, "true") == 0;
        return 0;
    }
    if ((klen == 4 && strncmp(s, "json", 4) == 0) || (klen == 3 && strncmp(s, "set", 3) == 0)) {
        json_t *j = json_loads(rest, JSON_DECODE_ANY, NULL);
        if (j == NULL) return -1;
        *keep = j;
        if (s[0] == 'j') {
            v->kind = MAAT_CLAIM_JSON;
            v->str = rest;
            v->len = strlen(rest);
            return 0;
        }
        /* set: a JSON array of scalars */
        size_t n = json_array_size(j);
        struct maat_claim_value *items = calloc(n ? n : 1, sizeof *items);
        for (size_t i = 0; i < n; i++) {
            json_t *m = json_array_get(j, i);
            if (json_is_string(m)) {
                items[i].kind = MAAT_CLAIM_STRING;
                items[i].str = json_string_value(m);
                items[i].len = json_string_length(m);
            } else if (json_is_integer(m)) {
                items[i].kind = MAAT_CLAIM_INTEGER;
                items[i].integer = json_integer_value(m);
            } else {
                items[i].kind = MAAT_CLAIM_BOOLEAN;
                items[i].boolean = json_is_true(m);
            }
        }
        v->kind = MAAT_CLAIM_SET;
        v->items = items;
        v->count = n;
        return 0;
    }
    return -1;
}

static bool same_value(const struct maat_claim_value *a, const struct maat_claim_value *b)
{
    if (a->kind == MAAT_CLAIM_SET || b->kind == MAAT_CLAIM_SET) {
        if (a->kind != b->kind || a->count != b->count) return false;
        for (size_t i = 0; i < a->count; i++)
            if (!same_value(&a->items[i], &b->items[i])) return false;
        return true;
    }
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case MAAT_CLAIM_INTEGER: return a->integer == b->integer;
    case MAAT_CLAIM_BOOLEAN: return a->boolean == b->boolean;
    default: return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
    }
}

static void show_value(const struct maat_claim_value *v, char *buf, size_t n)
{
    json_t *j = maat__claim_value_to_json(v);
    char *s = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    snprintf(buf, n, "%s %s", maat__claim_kind_name(v->kind), s ? s : "?");
    free(s);
    json_decref(j);
}

/* The incoming claims MAA derived from the recorded SGX quote (before any policy): the
 * service claims of a recorded draft-permit token, minus what the policy and the token
 * machinery added. */
static int load_recorded(struct eval_case *ec)
{
    size_t len;
    char *txt = (char *)tu_read_vector("maa-recordings/attest/sgx-shared-plain.token.json", &len);
    if (txt == NULL) return -1;
    json_t *tok = json_loads(txt, 0, NULL);
    free(txt);
    assert_non_null(tok);
    json_t *payload = json_object_get(tok, "payload");
    json_t *in = json_object();
    static const char *const keep[] = {
        "x-ms-ver",           "x-ms-attestation-type", "x-ms-sgx-is-debuggable",
        "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner",     "x-ms-sgx-product-id",
        "x-ms-sgx-svn",       "x-ms-sgx-report-data",  "x-ms-sgx-collateral"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *v = json_object_get(payload, keep[i]);
        assert_non_null(v);
        json_object_set_new(in, keep[i], json_pack("[O]", v));
    }
    json_decref(tok);
    struct maat_error err = {0};
    assert_int_equal(maat__claim_list_from_json(in, NULL, &ec->recorded_list, &err), 0);
    ec->recorded = in;
    for (size_t i = 0; i < ec->recorded_list.count && ec->nin < MAX_CLAIMS; i++)
        ec->in[ec->nin++] = ec->recorded_list.claims[i];
    return 0;
}

static void check_claims(const char *name, const char *label, const char *what,
                         const struct maat_claim *got, size_t ngot, const struct expect_claim *want,
                         size_t nwant)
{
    CHECK(ngot == nwant, "[%s] %zu %s claims, expected %zu", label, ngot, what, nwant);
    for (size_t i = 0; i < ngot && i < nwant; i++) {
        char a[200], b[200];
        show_value(&got[i].value, a, sizeof a);
        show_value(&want[i].value, b, sizeof b);
        CHECK(strcmp(got[i].type, want[i].type) == 0 && same_value(&got[i].value, &want[i].value),
              "[%s] %s claim %zu is %s = %s, expected %s = %s", label, what, i, got[i].type, a,
              want[i].type, b);
    }
}

static void run_eval(const char *name, const struct maat_policy *pol, struct eval_case *ec)
{
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    int rc = maat__policy_evaluate(pol, ec->in, ec->nin, NULL, &res, &perr);
    const char *got = res.outcome == MAAT_POLICY_PERMIT      ? "permit"
                      : res.outcome == MAAT_POLICY_DENY      ? "deny"
                      : res.outcome == MAAT_POLICY_NO_PERMIT ? "no-permit"
                                                             : "error";
    CHECK(ec->outcome != NULL, "[%s] no @outcome", ec->label);
    if (ec->outcome != NULL)
        CHECK(strcmp(got, ec->outcome) == 0, "[%s] outcome %s (%s), expected %s", ec->label, got,
              perr.detail, ec->outcome);
    CHECK((rc == 0) == (res.outcome == MAAT_POLICY_PERMIT), "[%s] return code %d", ec->label, rc);
    if (res.outcome == MAAT_POLICY_DENY)
        CHECK(strcmp(perr.detail, "A Deny claim was issued, authorization failed.") == 0 &&
                  strcmp(maat__policy_error_code(&perr), "PolicyEvaluationError") == 0,
              "[%s] deny message '%s'", ec->label, perr.detail);
    if (res.outcome == MAAT_POLICY_NO_PERMIT)
        CHECK(strcmp(perr.detail, "No Permit claim was issued in the authorizationrules section, "
                                  "authorization failed.") == 0,
              "[%s] no-permit message '%s'", ec->label, perr.detail);
    if (ec->error_substr != NULL)
        CHECK(strstr(perr.detail, ec->error_substr) != NULL, "[%s] error '%s' lacks '%s'",
              ec->label, perr.detail, ec->error_substr);
    check_claims(name, ec->label, "outgoing", res.outgoing, res.noutgoing, ec->out, ec->nout);
    check_claims(name, ec->label, "property", res.properties, res.nproperties, ec->props, ec->nprops);
    maat__policy_result_cleanup(&res);
}

static void free_eval(struct eval_case *ec)
{
    for (size_t i = 0; i < ec->nin; i++)
        if (ec->in[i].value.kind == MAAT_CLAIM_SET) free((void *)ec->in[i].value.items);
    for (size_t i = 0; i < ec->nout; i++) {
        if (ec->out[i].value.kind == MAAT_CLAIM_SET) free((void *)ec->out[i].value.items);
        json_decref(ec->out[i].json);
    }
    for (size_t i = 0; i < ec->nprops; i++) json_decref(ec->props[i].json);
    maat__claim_list_cleanup(&ec->recorded_list);
    json_decref(ec->recorded);
}

static void run_file(const char *dir, const char *fname)
{
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s", dir, fname) >= (int)sizeof path) {
        fprintf(stderr, "  FAIL %s: path too long\n", fname);
        return;
    }
    const char *name = fname;
    size_t len;
    char *buf = (char *)tu_read_file(path, &len);
    if (buf == NULL) {
        fprintf(stderr, "  FAIL %s: cannot read\n", name);
        failures++;
        return;
    }
    char *marker = strstr(buf, "\n@policy\n");
    if (marker == NULL && strncmp(buf, "@policy\n", 8) == 0) marker = buf - 1;
    if (marker == NULL) {
        fprintf(stderr, "  FAIL %s: no @policy line\n", name);
        failures++;
        free(buf);
        return;
    }
    char *text = marker + 9;
    size_t tlen = len - (size_t)(text - buf);
    bool keep_nl = false;
    *(marker + 1) = '\0';

    const char *expect = NULL, *hash = NULL;
    unsigned version = 0;
    struct eval_case *evals = calloc(16, sizeof *evals);
    size_t nevals = 0;
    struct json_t *keep[MAX_LINES];
    size_t nkeep = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] != '@') continue; /* comments, blank lines */
        struct eval_case *ec = nevals ? &evals[nevals - 1] : NULL;
        if (strncmp(line, "@expect ", 8) == 0)
            expect = line + 8;
        else if (strncmp(line, "@version ", 9) == 0)
            version = (unsigned)atoi(line + 9);
        else if (strncmp(line, "@hash ", 6) == 0)
            hash = line + 6;
        else if (strcmp(line, "@keep-final-newline") == 0)
            keep_nl = true;
        else if (strncmp(line, "@eval", 5) == 0) {
            assert_true(nevals < 16);
            evals[nevals].label = line[5] == ' ' ? line + 6 : "eval";
            nevals++;
        } else if (ec == NULL) {
            CHECK(false, "directive '%s' before @eval", line);
        } else if (strcmp(line, "@claims recorded-sgx") == 0) {
            if (load_recorded(ec) != 0) ec->needs_vector = true;
        } else if (strncmp(line, "@claim ", 7) == 0 || strncmp(line, "@claim-issuer ", 14) == 0) {
            char *p = strchr(line, ' ') + 1;
            const char *issuer = NULL;
            if (line[6] == '-') {
                issuer = p;
                p = strchr(p, ' ');
                *p++ = '\0';
            }
            char *sp = strchr(p, ' ');
            assert_non_null(sp);
            *sp = '\0';
            struct maat_claim *c = &ec->in[ec->nin++];
            c->type = p;
            c->issuer = issuer;
            json_t *k = NULL;
            CHECK(parse_value(sp + 1, &c->value, &k) == 0, "bad claim line value '%s'", sp + 1);
            if (k) keep[nkeep++] = k;
        } else if (strncmp(line, "@outcome ", 9) == 0) {
            ec->outcome = line + 9;
            char *sp = strchr(line + 9, ' ');
            if (sp != NULL) {
                *sp = '\0';
                ec->error_substr = sp + 1;
            }
        } else if (strncmp(line, "@out ", 5) == 0 || strncmp(line, "@prop ", 6) == 0) {
            bool prop = line[1] == 'p';
            char *p = line + (prop ? 6 : 5);
            char *sp = strchr(p, ' ');
            assert_non_null(sp);
            *sp = '\0';
            struct expect_claim *x = prop ? &ec->props[ec->nprops++] : &ec->out[ec->nout++];
            x->type = p;
            CHECK(parse_value(sp + 1, &x->value, &x->json) == 0, "bad @out value '%s'", sp + 1);
        } else {
            CHECK(false, "unknown directive '%s'", line);
        }
    }
    if (!keep_nl && tlen > 0 && text[tlen - 1] == '\n') tlen--;

    CHECK(expect != NULL, "no @expect");
    struct maat_policy *pol = NULL;
    struct maat_policy_error perr = {0};
    int rc = maat__policy_parse(text, tlen, NULL, &pol, &perr);
    if (expect != NULL && strcmp(expect, "ok") == 0) {
        CHECK(rc == 0, "expected to parse, got %s", perr.err.msg);
    } else if (expect != NULL && strncmp(expect, "error ", 6) == 0) {
        char got[400];
        snprintf(got, sizeof got, "%u:%u %s", perr.line, perr.column, perr.detail);
        CHECK(rc != 0 && strcmp(got, expect + 6) == 0, "expected error '%s', got %s", expect + 6,
              rc == 0 ? "success" : got);
        if (rc != 0) {
            CHECK(perr.kind == MAAT_POLICY_ERR_PARSING &&
                      strcmp(maat__policy_error_code(&perr), "PolicyParsingError") == 0,
                  "error kind %d", (int)perr.kind);
            char one[400];
            snprintf(one, sizeof one, "line %u:%u %s", perr.line, perr.column, perr.detail);
            CHECK(strcmp(perr.err.msg, one) == 0, "err.msg '%s'", perr.err.msg);
        }
    } else if (expect != NULL) {
        CHECK(false, "bad @expect '%s'", expect);
    }
    if (rc == 0 && version != 0)
        CHECK(maat__policy_version(pol) == version, "version %u, expected %u",
              maat__policy_version(pol), version);
    if (hash != NULL) {
        char h[MAAT_POLICY_HASH_LEN + 1];
        struct maat_error err = {0};
        assert_int_equal(maat_policy_hash(text, tlen, h, &err), 0);
        CHECK(strcmp(h, hash) == 0, "policy hash %s, expected %s (text not byte-exact?)", h, hash);
    }
    for (size_t i = 0; i < nevals; i++) {
        if (evals[i].needs_vector) {
            fprintf(stderr, "  SKIPPED %s [%s]: vectors missing\n", name, evals[i].label);
        } else if (pol != NULL) {
            run_eval(name, pol, &evals[i]);
        } else {
            CHECK(false, "@eval on a policy that does not parse");
        }
        free_eval(&evals[i]);
    }
    for (size_t i = 0; i < nkeep; i++) json_decref(keep[i]);
    free(evals);
    maat__policy_free(pol);
    free(buf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *src = getenv("MAAT_SOURCE");
    assert_non_null(src); /* ctest sets it; the corpus is part of the project */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/policy", src);
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512) {
        size_t l = strlen(e->d_name);
        if (l > 7 && strcmp(e->d_name + l - 7, ".policy") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    assert_true(n >= 40); /* the corpus must not silently vanish */
    for (size_t i = 0; i < n; i++) {
        run_file(dir, names[i]);
        free(names[i]);
    }
    fprintf(stderr, "policy corpus: %zu files, %d failures\n", n, failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

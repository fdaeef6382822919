/*
 * cmd_store.c - `maat store copy SRC DST` and `maat store check URI`: move every record
 * (signing keys, policies, policy signers, cached collateral) between stores of any
 * backend (SQLite <-> PostgreSQL), and show what a store holds.
 *
 * Each namespace gets a digest: SHA-256 over its records in key order, each as
 * u32 key length, key, u64 version, u64 value length, value (big-endian lengths). copy
 * writes records with their versions unchanged (maat_store_restore), then compares the
 * digests of SRC and DST and fails unless every namespace matches; check prints them, so
 * two stores can be compared by eye or by script.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "maat/bytes.h"
#include "cli.h"
#include "store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat store check URI [--json]\n"
            "       maat store copy SRC DST\n"
            "\n"
            "check   print what the store holds: backend, schema version, namespaces with\n"
            "        record counts and a SHA-256 digest of each namespace's records\n"
            "copy    copy every record of SRC into DST (which must hold no records), keeping\n"
            "        versions, then check that both stores' digests match\n"
            "\n"
            "URI: sqlite:PATH or PATH (an existing file for check and for SRC), or\n"
            "     postgresql://USER:PASSWORD@HOST:PORT/DB?sslmode=... (also postgres://; libpq's\n"
            "     PG* environment variables apply). Passwords are printed as ***.\n"
            "     Stop maatd (every replica) before copying: writes during a copy may be lost.\n"
            "\n"
            "exit codes: 0 done, 1 DST is not empty or the copy does not match SRC, 2 usage,\n"
            "            4 a store could not be opened, read or written\n");
}

struct ns_info {
    char *name;
    uint64_t count;  /* as the backend counts */
    uint64_t listed; /* as listing found */
    uint8_t digest[32];
};

struct ns_list {
    struct ns_info *v;
    size_t n, cap;
};

static void ns_list_free(struct ns_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i].name);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int ns_add(void *ctx, const char *ns, uint64_t count)
{
    struct ns_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct ns_info *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) return -1;
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[l->n]);
    l->v[l->n].name = strdup(ns);
    if (l->v[l->n].name == NULL) return -1;
    l->v[l->n++].count = count;
    return 0;
}

static void put_be(EVP_MD_CTX *md, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++) b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    EVP_DigestUpdate(md, b, (size_t)bytes);
}

struct walk {
    EVP_MD_CTX *md;
    struct ns_info *ns;
    struct maat_store *dst; /* copy: write each record here */
    struct maat_error *err;
};

static int walk_cb(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    struct walk *w = ctx;
    size_t kl = strlen(key);
    put_be(w->md, kl, 4);
    EVP_DigestUpdate(w->md, key, kl);
    put_be(w->md, version, 8);
    put_be(w->md, len, 8);
    EVP_DigestUpdate(w->md, val, len);
    w->ns->listed++;
    if (w->dst != NULL && maat_store_restore(w->dst, w->ns->name, key, val, len, version, w->err) != 0)
        return -1;
    return 0;
}

/* Namespaces of s with counts and digests; with dst, copies every record on the way. */
static int scan(struct maat_store *s, struct maat_store *dst, struct ns_list *l,
                struct maat_error *err)
{
    memset(l, 0, sizeof *l);
    if (maat_store_namespaces(s, ns_add, l, err) != 0) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory listing namespaces");
        return -1;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    MAAT_ENSURE(md != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        struct walk w = {md, &l->v[i], dst, err};
        if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
            rc = maat_error_set(err, MAAT_ERR_CRYPTO, "SHA-256 unavailable");
            break;
        }
        if (maat_store_list(s, l->v[i].name, "", walk_cb, &w, err) != 0) {
            maat_error_set(err, MAAT_ERR_IO, "listing namespace %s failed", l->v[i].name);
            rc = -1;
            break;
        }
        EVP_DigestFinal_ex(md, l->v[i].digest, NULL);
        if (l->v[i].listed != l->v[i].count)
            rc = maat_error_set(err, MAAT_ERR_IO,
                                "namespace %s: %llu records counted but %llu listed (the store "
                                "changed while it was read?)",
                                l->v[i].name, (unsigned long long)l->v[i].count,
                                (unsigned long long)l->v[i].listed);
    }
    EVP_MD_CTX_free(md);
    return rc;
}

static uint64_t total(const struct ns_list *l)
{
    uint64_t t = 0;
    for (size_t i = 0; i < l->n; i++) t += l->v[i].count;
    return t;
}

/* Opens a store; `must_exist` refuses a SQLite path that is not there (no empty file is
 * created by a typo in check or copy's SRC). */
static int open_uri(const char *uri, bool must_exist, struct maat_store **s, struct maat_error *err)
{
    if (must_exist && strncmp(uri, "postgres://", 11) && strncmp(uri, "postgresql://", 13)) {
        const char *path = !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri;
        struct stat st;
        MAAT_ENSURE(stat(path, &st) == 0, err, MAAT_ERR_NOT_FOUND, "no store at %s", path);
    }
    return maat_store_open(uri, s, err);
}

/* The options of `maat store VERB` (argv[0] is the verb); returns -1 to go on, else the exit
 * code to end the verb with. */
static int store_options(int argc, char **argv, bool *json)
{
    static const struct option lo[] = {{"json", no_argument, NULL, 'J'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c;
    *json = false;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'J': *json = true; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    return -1;
}

/* The report of `store check`, as JSON or text. */
static void store_print_check(struct maat_store *s, const char *shown, const char *schema,
                              const struct ns_list *l, bool json)
{
    char hex[65];
    if (json) {
        json_t *o = json_object(), *a = json_array();
        json_object_set_new(o, "store", json_string(shown));
        json_object_set_new(o, "backend", json_string(maat_store_backend(s)));
        json_object_set_new(o, "schema", json_integer(atoi(schema)));
        json_object_set_new(o, "records", json_integer((json_int_t)total(l)));
        for (size_t i = 0; i < l->n; i++) {
            maat_hex_encode(l->v[i].digest, 32, hex);
            json_array_append_new(a, json_pack("{s:s, s:I, s:s}", "name", l->v[i].name, "records",
                                               (json_int_t)l->v[i].count, "sha256", hex));
        }
        json_object_set_new(o, "namespaces", a);
        char *txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt != NULL) printf("%s\n", txt);
        free(txt);
        json_decref(o);
        return;
    }
    printf("store       %s\n", shown);
    printf("backend     %s\n", maat_store_backend(s));
    printf("schema      %s\n", schema);
    printf("records     %llu in %zu namespace%s\n", (unsigned long long)total(l), l->n,
           l->n == 1 ? "" : "s");
    for (size_t i = 0; i < l->n; i++) {
        maat_hex_encode(l->v[i].digest, 32, hex);
        printf("  %-20s %8llu  sha256:%s\n", l->v[i].name, (unsigned long long)l->v[i].count, hex);
    }
}

/* `maat store check URI [--json]`: backend, schema, records and a digest per namespace. */
static int store_check(int argc, char **argv)
{
    struct maat_error err = {0};
    struct maat_store *s = NULL;
    struct ns_list l = {0};
    char shown[1024], schema[32] = "";
    bool json;
    int rc = store_options(argc, argv, &json);
    if (rc >= 0) return rc;
    CLI_ENSURE(optind + 1 == argc, MAAT_EXIT_USAGE, "maat store check: needs one URI");
    const char *uri = argv[optind];
    maat_store_redacted_uri(uri, shown, sizeof shown);
    CLI_ENSURE(open_uri(uri, true, &s, &err) == 0 &&
                   maat_store_info(s, "schema", schema, sizeof schema, &err) == 0 &&
                   scan(s, NULL, &l, &err) == 0,
               MAAT_EXIT_INTERNAL, "maat store check: %s", err.msg);
    store_print_check(s, shown, schema, &l, json);
    rc = MAAT_EXIT_OK;
out:
    ns_list_free(&l);
    maat_store_close(s);
    return rc;
}

/* `maat store copy SRC DST`: every record of SRC into an empty DST, then both digests
 * compared. */
static int store_copy(int argc, char **argv)
{
    struct maat_error err = {0};
    struct maat_store *src = NULL, *dst = NULL;
    struct ns_list a = {0}, b = {0}, d = {0};
    char ss[1024], ds[1024];
    bool json;
    int rc = store_options(argc, argv, &json);
    if (rc >= 0) return rc;
    CLI_ENSURE(optind + 2 == argc && !json, MAAT_EXIT_USAGE,
               "maat store copy: needs SRC and DST (and no other options)");
    const char *src_uri = argv[optind], *dst_uri = argv[optind + 1];
    maat_store_redacted_uri(src_uri, ss, sizeof ss);
    maat_store_redacted_uri(dst_uri, ds, sizeof ds);
    const char *sp = !strncmp(src_uri, "sqlite:", 7) ? src_uri + 7 : src_uri;
    const char *dp = !strncmp(dst_uri, "sqlite:", 7) ? dst_uri + 7 : dst_uri;
    CLI_ENSURE(strcmp(sp, dp) != 0, MAAT_EXIT_USAGE,
               "maat store copy: SRC and DST are the same store (%s)", ss);
    CLI_ENSURE(open_uri(src_uri, true, &src, &err) == 0 && open_uri(dst_uri, false, &dst, &err) == 0 &&
                   maat_store_namespaces(dst, ns_add, &d, &err) == 0,
               MAAT_EXIT_INTERNAL, "maat store copy: %s", err.msg[0] ? err.msg : "out of memory");
    CLI_ENSURE(d.n == 0, MAAT_EXIT_FAIL,
               "maat store copy: DST %s already holds %llu records (namespace %s, ...); copy "
               "only into an empty store, nothing was written",
               ds, (unsigned long long)total(&d), d.n ? d.v[0].name : "");
    CLI_ENSURE(scan(src, dst, &a, &err) == 0, MAAT_EXIT_INTERNAL,
               "maat store copy: %s\nmaat store copy: DST %s is incomplete; empty it "
               "before copying again",
               err.msg, ds);
    CLI_ENSURE(scan(dst, NULL, &b, &err) == 0, MAAT_EXIT_INTERNAL,
               "maat store copy: reading DST back: %s", err.msg);
    bool same = a.n == b.n;
    for (size_t i = 0; same && i < a.n; i++)
        same = !strcmp(a.v[i].name, b.v[i].name) && a.v[i].count == b.v[i].count &&
               !memcmp(a.v[i].digest, b.v[i].digest, 32);
    CLI_ENSURE(same, MAAT_EXIT_FAIL,
               "maat store copy: DST %s does not match SRC %s after the copy (did "
               "something write to either meanwhile?)",
               ds, ss);
    printf("copied %llu records in %zu namespace%s from %s to %s; digests match\n",
           (unsigned long long)total(&a), a.n, a.n == 1 ? "" : "s", ss, ds);
    for (size_t i = 0; i < a.n; i++)
        printf("  %-20s %8llu\n", a.v[i].name, (unsigned long long)a.v[i].count);
    rc = MAAT_EXIT_OK;
out:
    ns_list_free(&a);
    ns_list_free(&b);
    ns_list_free(&d);
    maat_store_close(src);
    maat_store_close(dst);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"check", store_check, usage},
    {"copy", store_copy, usage},
};

int cmd_store(int argc, char **argv)
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

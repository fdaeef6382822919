/*
 * lazy_libs.c - libcurl, libpq, libmicrohttpd and SQLite loaded by the `maat` binary on
 * first use.
 *
 * `maat` is one binary whose commands need very different libraries: `maat verify` needs
 * only libcrypto and jansson, while `collateral fetch` / `--pccs` use libcurl, the
 * PostgreSQL store libpq, `sim pccs` libmicrohttpd and the SQLite store libsqlite3. Linked
 * normally, every invocation maps them and their dependencies (gnutls, krb5, ldap, nghttp2,
 * ssh2, ...), relocates them and runs their constructors: several milliseconds, more than
 * the verification itself (issue 16, bench/bench_process.sh); libsqlite3 alone is ~1,600
 * symbol relocations, ~0.3 ms per process. This file defines the functions the CLI's
 * libraries call; each resolves its real counterpart with dlopen/dlsym the first time it
 * is called, and the link uses --as-needed so the libraries are not loaded at start.
 *
 * A library that cannot be loaded is a fatal error with its name (exit status 70): the
 * command that needed it cannot run, and no caller is left with a half-working handle.
 * Only maat_cli links this file (CMakeLists.txt); maatd and the tests link the libraries.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <sqlite3.h>

#ifndef MAAT_SONAME_CURL
#define MAAT_SONAME_CURL "libcurl.so.4"
#endif
#ifndef MAAT_SONAME_PQ
#define MAAT_SONAME_PQ "libpq.so.5"
#endif
#ifndef MAAT_SONAME_MHD
#define MAAT_SONAME_MHD "libmicrohttpd.so.12"
#endif
#ifndef MAAT_SONAME_SQLITE
#define MAAT_SONAME_SQLITE "libsqlite3.so.0"
#endif

struct lazy_lib {
    const char *soname;
    void *handle; /* atomic */
};

static struct lazy_lib lib_curl = {MAAT_SONAME_CURL, NULL};
static struct lazy_lib lib_pq = {MAAT_SONAME_PQ, NULL};
static struct lazy_lib lib_mhd = {MAAT_SONAME_MHD, NULL};
static struct lazy_lib lib_sqlite = {MAAT_SONAME_SQLITE, NULL};

static void *lazy_sym(struct lazy_lib *lib, const char *name)
{
    void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
    if (h == NULL) {
        /* dlopen of the same library twice returns the same handle, so a race between
         * two first calls is harmless */
        h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) {
            const char *e = dlerror();
            fprintf(stderr, "maat: cannot load %s (needed by %s): %s\n", lib->soname, name,
                    e ? e : "unknown error");
            exit(70);
        }
        __atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
    }
    void *f = dlsym(h, name);
    if (f == NULL) {
        fprintf(stderr, "maat: %s has no symbol %s\n", lib->soname, name);
        exit(70);
    }
    return f;
}

/* One resolved pointer per function, looked up once (a benign race: every thread stores
 * the same address). */
#define LAZY_FN(lib, ret, name, params, args)                    \
    ret(name) params                                             \
    {                                                            \
        static ret(*fn) params;                                  \
        ret(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE); \
        if (f == NULL) {                                         \
            *(void **)&f = lazy_sym(&lib, #name);                \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);          \
        }                                                        \
        return f args;                                           \
    }
#define LAZY_VOID(lib, name, params, args)                        \
    void(name) params                                             \
    {                                                             \
        static void(*fn) params;                                  \
        void(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE); \
        if (f == NULL) {                                          \
            *(void **)&f = lazy_sym(&lib, #name);                 \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);           \
        }                                                         \
        f args;                                                   \
    }

/* ---- libcurl ---- */

LAZY_FN(lib_curl, CURLcode, curl_global_init, (long flags), (flags))
LAZY_VOID(lib_curl, curl_global_cleanup, (void), ())
LAZY_FN(lib_curl, CURL *, curl_easy_init, (void), ())
LAZY_VOID(lib_curl, curl_easy_cleanup, (CURL * c), (c))
LAZY_VOID(lib_curl, curl_easy_reset, (CURL * c), (c))
LAZY_FN(lib_curl, CURLcode, curl_easy_perform, (CURL * c), (c))
LAZY_FN(lib_curl, const char *, curl_easy_strerror, (CURLcode e), (e))
LAZY_FN(lib_curl, char *, curl_easy_unescape, (CURL * c, const char *s, int n, int *out),
        (c, s, n, out))
LAZY_FN(lib_curl, char *, curl_easy_escape, (CURL * c, const char *s, int n), (c, s, n))
LAZY_VOID(lib_curl, curl_free, (void *p), (p))
LAZY_FN(lib_curl, struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s),
        (l, s))
LAZY_VOID(lib_curl, curl_slist_free_all, (struct curl_slist * l), (l))

/* curl_easy_setopt's third argument has the type its option number says (curl.h:
 * CURLOPTTYPE_*): a long, an object pointer, a function pointer, a curl_off_t or a blob
 * pointer. It is read with that type and passed on with it. */
CURLcode(curl_easy_setopt)(CURL *c, CURLoption opt, ...)
{
    static CURLcode (*fn)(CURL *, CURLoption, ...);
    CURLcode (*f)(CURL *, CURLoption, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (f == NULL) {
        *(void **)&f = lazy_sym(&lib_curl, "curl_easy_setopt");
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    va_list ap;
    va_start(ap, opt);
    CURLcode rc;
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        rc = f(c, opt, v);
    } else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
        void *v = va_arg(ap, void *);
        rc = f(c, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void (*v)(void) = va_arg(ap, void (*)(void));
        rc = f(c, opt, v);
    } else if (opt < CURLOPTTYPE_BLOB) {
        curl_off_t v = va_arg(ap, curl_off_t);
        rc = f(c, opt, v);
    } else {
        void *v = va_arg(ap, void *);
        rc = f(c, opt, v);
    }
    va_end(ap);
    return rc;
}

/* curl_easy_getinfo's third argument is always a pointer to the result. */
CURLcode(curl_easy_getinfo)(CURL *c, CURLINFO info, ...)
{
    static CURLcode (*fn)(CURL *, CURLINFO, ...);
    CURLcode (*f)(CURL *, CURLINFO, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (f == NULL) {
        *(void **)&f = lazy_sym(&lib_curl, "curl_easy_getinfo");
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    va_list ap;
    va_start(ap, info);
    void *p = va_arg(ap, void *);
    va_end(ap);
    return f(c, info, p);
}

/* ---- libpq ---- */

LAZY_FN(lib_pq, PGconn *, PQconnectdbParams,
        (const char *const *keywords, const char *const *values, int expand_dbname),
        (keywords, values, expand_dbname))
LAZY_VOID(lib_pq, PQfinish, (PGconn * c), (c))
LAZY_FN(lib_pq, ConnStatusType, PQstatus, (const PGconn *c), (c))
LAZY_FN(lib_pq, char *, PQerrorMessage, (const PGconn *c), (c))
LAZY_FN(lib_pq, char *, PQhost, (const PGconn *c), (c))
LAZY_FN(lib_pq, char *, PQport, (const PGconn *c), (c))
LAZY_FN(lib_pq, int, PQsocket, (const PGconn *c), (c))
LAZY_FN(lib_pq, const char *, PQparameterStatus, (const PGconn *c, const char *name), (c, name))
LAZY_FN(lib_pq, PQnoticeProcessor, PQsetNoticeProcessor,
        (PGconn * c, PQnoticeProcessor proc, void *arg), (c, proc, arg))
LAZY_FN(lib_pq, PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg),
        (conninfo, errmsg))
LAZY_VOID(lib_pq, PQconninfoFree, (PQconninfoOption * o), (o))
LAZY_FN(lib_pq, PGresult *, PQexec, (PGconn * c, const char *q), (c, q))
LAZY_FN(lib_pq, PGresult *, PQexecParams,
        (PGconn * c, const char *command, int n, const Oid *types, const char *const *values,
         const int *lengths, const int *formats, int result_format),
        (c, command, n, types, values, lengths, formats, result_format))
LAZY_FN(lib_pq, int, PQsendQueryParams,
        (PGconn * c, const char *command, int n, const Oid *types, const char *const *values,
         const int *lengths, const int *formats, int result_format),
        (c, command, n, types, values, lengths, formats, result_format))
LAZY_FN(lib_pq, int, PQsetSingleRowMode, (PGconn * c), (c))
LAZY_FN(lib_pq, PGresult *, PQgetResult, (PGconn * c), (c))
LAZY_FN(lib_pq, int, PQconsumeInput, (PGconn * c), (c))
LAZY_FN(lib_pq, PGnotify *, PQnotifies, (PGconn * c), (c))
LAZY_VOID(lib_pq, PQclear, (PGresult * r), (r))
LAZY_VOID(lib_pq, PQfreemem, (void *p), (p))
LAZY_FN(lib_pq, ExecStatusType, PQresultStatus, (const PGresult *r), (r))
LAZY_FN(lib_pq, char *, PQresultErrorMessage, (const PGresult *r), (r))
LAZY_FN(lib_pq, char *, PQresultErrorField, (const PGresult *r, int code), (r, code))
LAZY_FN(lib_pq, char *, PQcmdTuples, (PGresult * r), (r))
LAZY_FN(lib_pq, int, PQntuples, (const PGresult *r), (r))
LAZY_FN(lib_pq, char *, PQgetvalue, (const PGresult *r, int row, int col), (r, row, col))
LAZY_FN(lib_pq, int, PQgetlength, (const PGresult *r, int row, int col), (r, row, col))

/* ---- libmicrohttpd ---- */

LAZY_FN(lib_mhd, struct MHD_Response *, MHD_create_response_from_buffer,
        (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))
LAZY_VOID(lib_mhd, MHD_destroy_response, (struct MHD_Response * r), (r))
LAZY_FN(lib_mhd, enum MHD_Result, MHD_add_response_header,
        (struct MHD_Response * r, const char *header, const char *content), (r, header, content))
LAZY_FN(lib_mhd, enum MHD_Result, MHD_queue_response,
        (struct MHD_Connection * c, unsigned int status, struct MHD_Response *r), (c, status, r))
LAZY_FN(lib_mhd, const char *, MHD_lookup_connection_value,
        (struct MHD_Connection * c, enum MHD_ValueKind kind, const char *key), (c, kind, key))
LAZY_FN(lib_mhd, int, MHD_get_connection_values,
        (struct MHD_Connection * c, enum MHD_ValueKind kind, MHD_KeyValueIterator it, void *cls),
        (c, kind, it, cls))
LAZY_VOID(lib_mhd, MHD_stop_daemon, (struct MHD_Daemon * d), (d))

/* MHD_start_daemon's options are passed on through MHD_start_daemon_va. */
struct MHD_Daemon *(MHD_start_daemon)(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                      void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    static struct MHD_Daemon *(*fn)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                    MHD_AccessHandlerCallback, void *, va_list);
    struct MHD_Daemon *(*f)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                            MHD_AccessHandlerCallback, void *,
                            va_list) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (f == NULL) {
        *(void **)&f = lazy_sym(&lib_mhd, "MHD_start_daemon_va");
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = f(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

/* The CLI asks only for information types that take no further argument (the listening
 * port, sim_pccs.c), so none is passed on. */
const union MHD_DaemonInfo *(MHD_get_daemon_info)(struct MHD_Daemon *d,
                                                  enum MHD_DaemonInfoType type, ...)
{
    static const union MHD_DaemonInfo *(*fn)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
    const union MHD_DaemonInfo *(*f)(struct MHD_Daemon *, enum MHD_DaemonInfoType,
                                     ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (f == NULL) {
        *(void **)&f = lazy_sym(&lib_mhd, "MHD_get_daemon_info");
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    return f(d, type);
}

/* ---- SQLite (src/store/sqlite.c) ---- */

LAZY_FN(lib_sqlite, int, sqlite3_open_v2,
        (const char *filename, sqlite3 **db, int flags, const char *vfs), (filename, db, flags, vfs))
LAZY_FN(lib_sqlite, int, sqlite3_close_v2, (sqlite3 * db), (db))
LAZY_FN(lib_sqlite, int, sqlite3_busy_timeout, (sqlite3 * db, int ms), (db, ms))
LAZY_FN(lib_sqlite, int, sqlite3_exec,
        (sqlite3 * db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg,
         char **errmsg),
        (db, sql, cb, arg, errmsg))
LAZY_VOID(lib_sqlite, sqlite3_free, (void *p), (p))
LAZY_FN(lib_sqlite, int, sqlite3_prepare_v2,
        (sqlite3 * db, const char *sql, int n, sqlite3_stmt **st, const char **tail),
        (db, sql, n, st, tail))
LAZY_FN(lib_sqlite, int, sqlite3_step, (sqlite3_stmt * st), (st))
LAZY_FN(lib_sqlite, int, sqlite3_finalize, (sqlite3_stmt * st), (st))
LAZY_FN(lib_sqlite, int, sqlite3_bind_blob64,
        (sqlite3_stmt * st, int i, const void *p, sqlite3_uint64 n, void (*d)(void *)),
        (st, i, p, n, d))
LAZY_FN(lib_sqlite, int, sqlite3_bind_int64, (sqlite3_stmt * st, int i, sqlite3_int64 v), (st, i, v))
LAZY_FN(lib_sqlite, int, sqlite3_bind_text,
        (sqlite3_stmt * st, int i, const char *p, int n, void (*d)(void *)), (st, i, p, n, d))
LAZY_FN(lib_sqlite, const void *, sqlite3_column_blob, (sqlite3_stmt * st, int i), (st, i))
LAZY_FN(lib_sqlite, int, sqlite3_column_bytes, (sqlite3_stmt * st, int i), (st, i))
LAZY_FN(lib_sqlite, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * st, int i), (st, i))
LAZY_FN(lib_sqlite, const unsigned char *, sqlite3_column_text, (sqlite3_stmt * st, int i), (st, i))
LAZY_FN(lib_sqlite, int, sqlite3_changes, (sqlite3 * db), (db))
LAZY_FN(lib_sqlite, const char *, sqlite3_errmsg, (sqlite3 * db), (db))
LAZY_FN(lib_sqlite, int, sqlite3_extended_errcode, (sqlite3 * db), (db))

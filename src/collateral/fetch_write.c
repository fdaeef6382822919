/*
 * fetch_write.c - writes fetched raw collateral (maat collateral fetch) as a dcap-qvl
 * bundle (the layout maat verify --collateral FILE reads: chains as PEM, CRLs as hex
 * DER, the exact signed tcbInfo / enclaveIdentity text and its hex signature) or as a
 * PCS directory in the sim's layout (maat verify --collateral DIR, dir.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "../lib/json_span.h"
#include "source_internal.h"

static json_t *jtext(const struct maat_buf *b)
{
    return json_stringn((const char *)b->data, b->len);
}

static json_t *jhex_der(const struct maat_buf *b, const char *name, struct maat_error *err)
{
    if (b->len == 0 || b->data[0] != 0x30) { /* DER SEQUENCE; PEM would need decoding */
        maat_error_set(err, MAAT_ERR_ENCODING, "%s: expected a DER CRL (byte 0x30 at offset 0)",
                       name);
        return NULL;
    }
    char *h = maat_hex_encode_alloc(b->data, b->len);
    json_t *j = h ? json_string(h) : NULL;
    free(h);
    if (j == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return j;
}

/* The signed body (exact bytes of member `key`) and the hex "signature" of a PCS response. */
static int split_signed(const struct maat_buf *b, const char *key, json_t **body, json_t **sig,
                        struct maat_error *err)
{
    bool found = false, ambiguous = false;
    struct maat_json_span span;
    MAAT_TRY(maat__json_scan_object_find((const char *)b->data, b->len, key, &found, &span,
                                         &ambiguous, NULL, key, err));
    MAAT_ENSURE(found && !ambiguous, err, MAAT_ERR_VALUE,
                "%s response: member \"%s\" missing or ambiguous at top level", key, key);
    json_error_t je;
    json_t *o = json_loadb((const char *)b->data, b->len, 0, &je);
    json_t *s = o ? json_object_get(o, "signature") : NULL;
    if (!json_is_string(s)) {
        json_decref(o);
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "%s response: \"signature\" must be a hex string", key);
    }
    *sig = json_string(json_string_value(s));
    json_decref(o);
    *body = json_stringn((const char *)b->data + span.start, span.end - span.start);
    MAAT_ENSURE(*sig != NULL && *body != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

int maat_collateral_raw_write_bundle(const struct maat_collateral_raw *r, struct maat_buf *out,
                                     struct maat_error *err)
{
    json_t *tb = NULL, *ts = NULL, *qb = NULL, *qs = NULL, *rc = NULL, *pc = NULL;
    int rv = -1;
    if (split_signed(&r->tcb_info_json, "tcbInfo", &tb, &ts, err) != 0 ||
        split_signed(&r->qe_identity_json, "enclaveIdentity", &qb, &qs, err) != 0 ||
        (rc = jhex_der(&r->root_ca_crl, "Root CA CRL", err)) == NULL ||
        (pc = jhex_der(&r->pck_crl, "PCK CRL", err)) == NULL)
        goto done;
    json_t *o = json_object();
    int bad = o == NULL;
    bad |= json_object_set_new(o, "pck_crl_issuer_chain", jtext(&r->pck_crl_issuer_chain));
    bad |= json_object_set_new(o, "root_ca_crl", rc);
    bad |= json_object_set_new(o, "pck_crl", pc);
    bad |= json_object_set_new(o, "tcb_info_issuer_chain", jtext(&r->tcb_info_issuer_chain));
    bad |= json_object_set_new(o, "tcb_info", tb);
    bad |= json_object_set_new(o, "tcb_info_signature", ts);
    bad |= json_object_set_new(o, "qe_identity_issuer_chain", jtext(&r->qe_identity_issuer_chain));
    bad |= json_object_set_new(o, "qe_identity", qb);
    bad |= json_object_set_new(o, "qe_identity_signature", qs);
    rc = pc = tb = ts = qb = qs = NULL; /* owned by o now */
    char *text = bad ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "building the bundle failed");
        goto done;
    }
    bad = maat_buf_put_str(out, text) != 0 || maat_buf_put_str(out, "\n") != 0;
    free(text);
    if (bad) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    rv = 0;
done:
    json_decref(tb);
    json_decref(ts);
    json_decref(qb);
    json_decref(qs);
    json_decref(rc);
    json_decref(pc);
    return rv;
}

static int write_one(const char *dir, const char *name, const struct maat_buf *b,
                     struct maat_error *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    MAAT_ENSURE(n > 0 && (size_t)n < sizeof path, err, MAAT_ERR_USAGE, "path too long: %s/%s", dir,
                name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    MAAT_ENSURE(fd >= 0, err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(e));
        }
        off += (size_t)w;
    }
    MAAT_ENSURE(close(fd) == 0, err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    return 0;
}

int maat_collateral_raw_write_dir(const struct maat_collateral_raw *r, const char *dir,
                                  const uint8_t fmspc[6], enum maat_pck_ca ca, struct maat_error *err)
{
    MAAT_ENSURE(mkdir(dir, 0755) == 0 || errno == EEXIST, err, MAAT_ERR_IO, "%s: %s", dir,
                strerror(errno));
    char hex[13], tcb[64], tcb_chain[64], crl[64], crl_chain[64];
    src_fmspc_hex(fmspc, hex);
    snprintf(tcb, sizeof tcb, "tcb-%s.json", hex);
    snprintf(tcb_chain, sizeof tcb_chain, "tcb-%s.issuer-chain.pem", hex);
    snprintf(crl, sizeof crl, "pckcrl-%s.der", maat_pck_ca_name(ca));
    snprintf(crl_chain, sizeof crl_chain, "pckcrl-%s.issuer-chain.pem", maat_pck_ca_name(ca));
    MAAT_ENSURE(r->pck_crl.len > 0 && r->pck_crl.data[0] == 0x30 && r->root_ca_crl.len > 0 &&
                    r->root_ca_crl.data[0] == 0x30,
                err, MAAT_ERR_ENCODING, "CRLs: expected DER (byte 0x30 at offset 0)");
    MAAT_TRY(write_one(dir, tcb, &r->tcb_info_json, err));
    MAAT_TRY(write_one(dir, tcb_chain, &r->tcb_info_issuer_chain, err));
    MAAT_TRY(write_one(dir, "qe-identity.json", &r->qe_identity_json, err));
    MAAT_TRY(write_one(dir, "qe-identity.issuer-chain.pem", &r->qe_identity_issuer_chain, err));
    MAAT_TRY(write_one(dir, crl, &r->pck_crl, err));
    MAAT_TRY(write_one(dir, crl_chain, &r->pck_crl_issuer_chain, err));
    return write_one(dir, "rootcacrl.der", &r->root_ca_crl, err);
}

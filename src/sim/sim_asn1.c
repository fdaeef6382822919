/*
 * sim_asn1.c - builds the Intel SGX extension of PCK certificates (OID
 * 1.2.840.113741.1.13.1) with OpenSSL's ASN.1 types: a SEQUENCE of SEQUENCE { OID, value }
 * holding PPID (.1), TCB (.2: .2.1-.2.16 component SVNs, .2.17 PCESVN, .2.18 CPUSVN),
 * PCE-ID (.3), FMSPC (.4), SGX type (.5) and, for Platform CA leaves, platform instance id
 * (.6) and configuration (.7: dynamic platform, cached keys, SMT enabled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include "maat/pck.h"
#include "sim_internal.h"

/* Wraps a string-typed value (INTEGER, ENUMERATED, OCTET STRING, SEQUENCE encoding);
 * ownership passes in, freed on failure. */
static ASN1_TYPE *wrap_string(int type, ASN1_STRING *s)
{
    ASN1_TYPE *t = s ? ASN1_TYPE_new() : NULL;
    if (t == NULL) {
        ASN1_STRING_free(s);
        return NULL;
    }
    ASN1_TYPE_set(t, type, s);
    return t;
}

static ASN1_TYPE *integer_new(long v)
{
    ASN1_INTEGER *i = ASN1_INTEGER_new();
    if (i != NULL && ASN1_INTEGER_set(i, v) != 1) {
        ASN1_INTEGER_free(i);
        i = NULL;
    }
    return wrap_string(V_ASN1_INTEGER, i);
}

static ASN1_TYPE *enumerated_new(long v)
{
    ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
    if (e != NULL && ASN1_ENUMERATED_set(e, v) != 1) {
        ASN1_ENUMERATED_free(e);
        e = NULL;
    }
    return wrap_string(V_ASN1_ENUMERATED, e);
}

static ASN1_TYPE *octets_new(const uint8_t *p, size_t n)
{
    ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
    if (s != NULL && ASN1_OCTET_STRING_set(s, p, (int)n) != 1) {
        ASN1_OCTET_STRING_free(s);
        s = NULL;
    }
    return wrap_string(V_ASN1_OCTET_STRING, s);
}

static ASN1_TYPE *boolean_new(bool v)
{
    static int yes = 1;
    ASN1_TYPE *t = ASN1_TYPE_new();
    if (t != NULL) ASN1_TYPE_set(t, V_ASN1_BOOLEAN, v ? &yes : NULL);
    return t;
}

static ASN1_TYPE *object_new(const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_TYPE *t = obj ? ASN1_TYPE_new() : NULL;
    if (t == NULL) {
        ASN1_OBJECT_free(obj);
        return NULL;
    }
    ASN1_TYPE_set(t, V_ASN1_OBJECT, obj);
    return t;
}

/* DER-encodes the items as a SEQUENCE and wraps it as one value; frees the stack. */
static ASN1_TYPE *sequence_new(ASN1_SEQUENCE_ANY *items)
{
    if (items == NULL) return NULL;
    unsigned char *der = NULL;
    int n = i2d_ASN1_SEQUENCE_ANY(items, &der);
    sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
    if (n <= 0) return NULL;
    ASN1_STRING *s = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    if (s != NULL && ASN1_STRING_set(s, der, n) != 1) {
        ASN1_STRING_free(s);
        s = NULL;
    }
    OPENSSL_free(der);
    return wrap_string(V_ASN1_SEQUENCE, s);
}

/* Appends v to the list (v consumed). Once anything failed the list is NULL. */
static ASN1_SEQUENCE_ANY *push(ASN1_SEQUENCE_ANY *list, ASN1_TYPE *v)
{
    if (list == NULL || v == NULL || sk_ASN1_TYPE_push(list, v) <= 0) {
        ASN1_TYPE_free(v);
        sk_ASN1_TYPE_pop_free(list, ASN1_TYPE_free);
        return NULL;
    }
    return list;
}

/* SEQUENCE { OBJECT IDENTIFIER 1.2.840.113741.1.13.1<suffix>, value } (value consumed). */
static ASN1_TYPE *pair_new(const char *suffix, ASN1_TYPE *value)
{
    char oid[64];
    snprintf(oid, sizeof oid, "%s%s", MAAT_OID_SGX_EXTENSION, suffix);
    ASN1_SEQUENCE_ANY *l = sk_ASN1_TYPE_new_null();
    l = push(l, object_new(oid));
    l = push(l, value);
    return sequence_new(l);
}

static ASN1_TYPE *tcb_new(const struct sim_sgx_ext *e)
{
    ASN1_SEQUENCE_ANY *l = sk_ASN1_TYPE_new_null();
    char suffix[16];
    for (int i = 0; i < 16; i++) {
        snprintf(suffix, sizeof suffix, ".2.%d", i + 1);
        l = push(l, pair_new(suffix, integer_new(e->cpusvn[i])));
    }
    l = push(l, pair_new(".2.17", integer_new(e->pcesvn)));
    l = push(l, pair_new(".2.18", octets_new(e->cpusvn, 16)));
    return sequence_new(l);
}

static ASN1_TYPE *configuration_new(void)
{
    ASN1_SEQUENCE_ANY *l = sk_ASN1_TYPE_new_null();
    l = push(l, pair_new(".7.1", boolean_new(false))); /* dynamicPlatform */
    l = push(l, pair_new(".7.2", boolean_new(true)));  /* cachedKeys */
    l = push(l, pair_new(".7.3", boolean_new(true)));  /* SMTEnabled */
    return sequence_new(l);
}

int sim_sgx_ext_der(const struct sim_sgx_ext *e, uint8_t **der, size_t *len, struct maat_error *err)
{
    *der = NULL;
    *len = 0;
    ASN1_SEQUENCE_ANY *l = sk_ASN1_TYPE_new_null();
    l = push(l, pair_new(".1", octets_new(e->ppid, 16)));
    l = push(l, pair_new(".2", tcb_new(e)));
    l = push(l, pair_new(".3", octets_new(e->pce_id, 2)));
    l = push(l, pair_new(".4", octets_new(e->fmspc, 6)));
    l = push(l, pair_new(".5", enumerated_new(e->sgx_type)));
    if (e->platform) {
        l = push(l, pair_new(".6", octets_new(e->platform_instance_id, 16)));
        l = push(l, pair_new(".7", configuration_new()));
    }
    if (l == NULL) return sim_ossl_error(err, "building the SGX extension");
    unsigned char *out = NULL;
    int n = i2d_ASN1_SEQUENCE_ANY(l, &out);
    sk_ASN1_TYPE_pop_free(l, ASN1_TYPE_free);
    if (n <= 0) return sim_ossl_error(err, "encoding the SGX extension");
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(out);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    memcpy(*der, out, (size_t)n);
    OPENSSL_free(out);
    *len = (size_t)n;
    return 0;
}

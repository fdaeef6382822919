/*
 * test_quote_vectors.c - golden tests: every quote under the shared vectors decodes
 * (evidence.c), parses (quote.c) and is described (quote_json.c) with the values that
 * the vector READMEs state.
 *
 * Where a README gives no value, the value was computed independently from the raw
 * file with Python (struct.unpack at the offsets of Intel's sgx_quote_3.h / _4.h / _5.h,
 * hashlib for SHA-256) and is hard-coded with a comment "(computed: python)".
 */
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/enclave_info.h"
#include "maat/evidence.h"
#include "maat/quote.h"
#include "maat/quote_json.h"
#include "testutil.h"

/* ---- helpers ---- */

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    assert_non_null(p);
    char *got = maat_hex_encode_alloc(p, n);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Prefix / suffix checks for values the READMEs abbreviate ("6363b804…5cbb"). */
static void assert_hex_ends(const uint8_t *p, size_t n, const char *prefix, const char *suffix)
{
    char *got = maat_hex_encode_alloc(p, n);
    assert_non_null(got);
    assert_int_equal(strncmp(got, prefix, strlen(prefix)), 0);
    if (suffix) assert_string_equal(got + 2 * n - strlen(suffix), suffix);
    free(got);
}

static void assert_zero(const uint8_t *p, size_t n)
{
    assert_true(maat_is_zero(p, n));
}

/* report_data = SHA-256(data) ‖ 0³² (the MAA binding). */
static void assert_report_data_binds(const uint8_t *rd, const uint8_t *data, size_t n)
{
    uint8_t h[32];
    SHA256(data ? data : (const uint8_t *)"", n, h);
    assert_memory_equal(rd, h, 32);
    assert_zero(rd + 32, 32);
}

struct loaded {
    uint8_t *file;
    size_t file_len;
    struct maat_evidence ev;
    struct maat_quote q;
    json_t *j;
};

/* Reads a vector, decodes it as evidence, parses the quote, builds the JSON. Returns
 * false (after a loud SKIPPED line) when the vectors are absent. */
static bool load(const char *rel, struct loaded *L)
{
    memset(L, 0, sizeof *L);
    L->file = tu_read_vector(rel, &L->file_len);
    if (L->file == NULL) return false;
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_evidence_decode(L->file, L->file_len, &L->ev, &err) != 0)
        fail_msg("%s: evidence: %s", rel, err.msg);
    if (maat_quote_parse(L->ev.quote, L->ev.quote_len, &L->q, &err) != 0)
        fail_msg("%s: quote: %s", rel, err.msg);
    L->j = maat__quote_to_json(&L->q, L->ev.quote, &err);
    if (L->j == NULL) fail_msg("%s: json: %s", rel, err.msg);
    return true;
}

static void unload(struct loaded *L)
{
    json_decref(L->j);
    maat_evidence_cleanup(&L->ev);
    free(L->file);
}

/* JSON path lookup: "certification_data.certificates.0.not_after". */
static json_t *jget(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, strtoul(tok, NULL, 10));
        else
            j = json_object_get(j, tok);
    }
    return j;
}

static void assert_jstr(json_t *j, const char *path, const char *want)
{
    json_t *v = jget(j, path);
    if (!json_is_string(v)) fail_msg("JSON %s: not a string", path);
    assert_string_equal(json_string_value(v), want);
}

static void assert_jint(json_t *j, const char *path, long long want)
{
    json_t *v = jget(j, path);
    if (!json_is_integer(v)) fail_msg("JSON %s: not an integer", path);
    assert_int_equal(json_integer_value(v), want);
}

static void assert_pem_chain_of_3(const struct maat_quote *q)
{
    assert_int_equal(q->cert_data.type, MAAT_CERT_PCK_CHAIN);
    assert_int_equal(q->cert_data.chain_len, 3);
    assert_false(q->cert_data.chain_is_der);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(memcmp(q->cert_data.chain[i].ptr, "-----BEGIN CERTIFICATE-----", 27), 0);
}

static const char intel_qe_vendor[] = "939a7233f79c4ca9940a0db3957f0607"; /* dcap.md */
static const char intel_sgx_qe_mrsigner[] =                               /* dcap.md, QVL */
    "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";

/* ---- azure-samples: 8 EnclaveInfo files ---- */

struct azure_case {
    const char *file;
    bool oe;
    uint16_t prod, svn;
    bool debug;
};

static const struct azure_case azure_cases[] = {
    {"azure-samples/intel-sdk/enclave.info.debug.json", false, 1, 1, true},
    {"azure-samples/intel-sdk/enclave.info.release.json", false, 1, 1, false},
    {"azure-samples/intel-sdk/enclave.info.prodid.json", false, 9999, 1, false},
    {"azure-samples/intel-sdk/enclave.info.securityversion.json", false, 1, 8888, false},
    {"azure-samples/oe-sdk/enclave.info.debug.json", true, 1, 1, true},
    {"azure-samples/oe-sdk/enclave.info.release.json", true, 1, 1, false},
    {"azure-samples/oe-sdk/enclave.info.prodid.json", true, 9999, 1, false},
    {"azure-samples/oe-sdk/enclave.info.securityversion.json", true, 1, 8888, false},
};

static void check_azure(const struct azure_case *c)
{
    struct loaded L;
    if (!load(c->file, &L)) skip();
    const struct maat_quote *q = &L.q;
    const struct maat_enclave_info *ei = &L.ev.enclave_info;
    assert_int_equal(L.ev.format, MAAT_EVIDENCE_ENCLAVE_INFO);
    assert_true(L.ev.has_enclave_info);
    assert_int_equal(ei->type, 2);
    assert_int_equal(ei->quote_len, 4600);

    assert_int_equal(q->version, 3);
    assert_int_equal(q->att_key_type, MAAT_ATT_KEY_ECDSA_P256);
    assert_int_equal(q->qe_svn, c->oe ? 5 : 9);
    assert_int_equal(q->pce_svn, c->oe ? 10 : 14);
    assert_hex(q->qe_vendor_id, 16, intel_qe_vendor);
    assert_int_equal(q->body_type, MAAT_BODY_SGX);
    assert_int_equal(q->oe_envelope, c->oe);
    if (c->oe) {
        assert_int_equal(q->oe_version, 1);
        assert_int_equal(q->oe_report_type, 2);
        assert_int_equal(q->oe_report_size, 4584);
        assert_int_equal(q->quote.len, 4584);
    } else {
        assert_int_equal(q->quote.len, 4600);
    }
    assert_int_equal(q->trailing.len, 0);

    const struct maat_sgx_report_body *rb = &q->report_body;
    assert_int_equal(rb->isv_prod_id, c->prod);
    assert_int_equal(rb->isv_svn, c->svn);
    assert_int_equal(ei->security_version, c->svn);
    assert_int_equal(ei->product_id[0] | ei->product_id[1] << 8, c->prod);
    assert_memory_equal(rb->mr_enclave, ei->mr_enclave, 32);
    assert_memory_equal(rb->mr_signer, ei->mr_signer, 32);
    assert_int_equal((rb->attributes_flags & MAAT_SGX_FLAGS_DEBUG) != 0, c->debug);
    /* README: intel-sdk Attributes = SGX flags, debug 7 / others 5; oe-sdk Attributes =
     * OE bits, debug 3 / others 2. The SGX flags in the OE quotes are 7 / 5 as well
     * (computed: python, report body offset 48). */
    assert_int_equal(rb->attributes_flags, c->debug ? 7 : 5);
    assert_int_equal(ei->attributes, c->oe ? (c->debug ? 3 : 2) : (c->debug ? 7 : 5));
    assert_report_data_binds(rb->report_data, ei->ehd, ei->ehd_len);
    if (c->oe) {
        assert_int_equal(ei->ehd_len, 512);
        assert_int_equal(memcmp(ei->ehd, "-----BEGIN PUBLIC KEY-----", 26), 0);
    } else {
        assert_int_equal(ei->ehd_len, 6);
        assert_hex(ei->ehd, 6, "010203040506");
    }
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_check(ei, q, &err), 0);

    assert_int_equal(q->qe_auth_data.len, 32);
    assert_int_equal(q->outer_cert_type, MAAT_CERT_PCK_CHAIN);
    assert_pem_chain_of_3(q);
    assert_hex(q->qe_report.mr_signer, 32, intel_sgx_qe_mrsigner);
    /* QE report data = SHA-256(attestation key ‖ QE auth data) ‖ 0³² (README). */
    uint8_t buf[64 + 32];
    memcpy(buf, q->attest_pub_key, 64);
    memcpy(buf + 64, q->qe_auth_data.ptr, 32);
    assert_report_data_binds(q->qe_report.report_data, buf, sizeof buf);

    /* PCK leaf (README): FMSPC 00906ED50000, PCE-ID 0000, valid until 2030-02-27
     * (intel-sdk) / 2028-02-22 (oe-sdk). */
    assert_jstr(L.j, "pck.fmspc", "00906ed50000");
    assert_jstr(L.j, "pck.pce_id", "0000");
    json_t *na = jget(L.j, "certification_data.certificates.0.not_after");
    assert_true(json_is_string(na));
    assert_int_equal(strncmp(json_string_value(na), c->oe ? "2028-02-22" : "2030-02-27", 10), 0);
    assert_jint(L.j, "report_body.isv_prod_id", c->prod);
    assert_jint(L.j, "report_body.attributes.flags", c->debug ? 7 : 5);
    assert_true(json_is_boolean(jget(L.j, "oe_envelope")));
    assert_int_equal(json_is_true(jget(L.j, "oe_envelope")), c->oe);
    assert_null(jget(L.j, "warnings"));
    unload(&L);
}

static void test_azure_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof azure_cases / sizeof azure_cases[0]; i++)
        check_azure(&azure_cases[i]);
}

/* ---- dcap-qvl ---- */

static void test_dcap_qvl_sgx_quote(void **state)
{
    (void)state;
    struct loaded L;
    if (!load("dcap-qvl/sgx_quote", &L)) skip();
    const struct maat_quote *q = &L.q;
    assert_int_equal(L.ev.format, MAAT_EVIDENCE_BINARY);
    assert_int_equal(L.file_len, 4600); /* README */
    assert_int_equal(q->version, 3);
    assert_int_equal(q->quote.len, 4600);
    assert_int_equal(q->trailing.len, 0);
    assert_false(q->oe_envelope);
    /* computed: python */
    assert_int_equal(q->qe_svn, 10);
    assert_int_equal(q->pce_svn, 15);
    assert_int_equal(q->signature_data_len, 4164);
    assert_hex(q->report_body.mr_enclave, 32,
               "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
    assert_hex(q->report_body.mr_signer, 32,
               "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
    assert_int_equal(q->report_body.attributes_flags, 5);
    assert_int_equal(q->report_body.attributes_xfrm, 231);
    assert_int_equal(q->report_body.isv_prod_id, 0);
    assert_int_equal(q->report_body.isv_svn, 0);
    /* report_data is "Hello, world!" zero-padded (computed: python). */
    assert_memory_equal(q->report_body.report_data, "Hello, world!", 13);
    assert_zero(q->report_body.report_data + 13, 51);
    assert_int_equal(q->qe_auth_data.len, 32);
    assert_pem_chain_of_3(q);
    assert_hex(q->qe_report.mr_signer, 32, intel_sgx_qe_mrsigner);
    assert_int_equal(q->qe_report.isv_svn, 10);
    assert_jstr(L.j, "pck.fmspc", "00a067110000"); /* README: FMSPC 00A067110000 */
    unload(&L);
}

static void test_dcap_qvl_tdx_quote(void **state)
{
    (void)state;
    struct loaded L;
    if (!load("dcap-qvl/tdx_quote", &L)) skip();
    const struct maat_quote *q = &L.q;
    assert_int_equal(L.file_len, 5006); /* README */
    assert_int_equal(q->version, 4);
    assert_int_equal(q->tee_type, MAAT_TEE_TYPE_TDX);
    assert_int_equal(q->body_type, MAAT_BODY_TD10);
    assert_int_equal(q->td_report.size, MAAT_TD10_REPORT_SIZE);
    assert_null(q->td_report.tee_tcb_svn2);
    /* README: signature data ends at offset 4936 of 5006; 70 zero bytes follow. */
    assert_int_equal(q->quote.len, 4936);
    assert_int_equal(q->trailing.len, 70);
    assert_true(q->trailing_all_zero);
    assert_int_equal(q->outer_cert_type, MAAT_CERT_QE_REPORT);
    assert_pem_chain_of_3(q);
    /* computed: python */
    assert_int_equal(q->signature_data_len, 4300);
    assert_hex(q->td_report.tee_tcb_svn, 16, "06010300000000000000000000000000");
    assert_hex(q->td_report.mr_td, 48,
               "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27"
               "428b2538873118b7");
    assert_hex(q->qe_report.mr_signer, 32,
               "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
    assert_int_equal(q->qe_report.isv_prod_id, 2);
    assert_int_equal(q->qe_report.isv_svn, 6);
    assert_jstr(L.j, "pck.fmspc", "b0c06f000000"); /* README */
    assert_jint(L.j, "trailing_bytes.count", 70);
    assert_jint(L.j, "trailing_bytes.offset", 4936);
    assert_true(json_is_true(jget(L.j, "trailing_bytes.all_zero")));
    assert_null(jget(L.j, "warnings")); /* zero padding is not worth a warning */
    assert_jint(L.j, "certification_data.type", 6);
    assert_jint(L.j, "certification_data.certification_data.type", 5);
    assert_null(jget(L.j, "report_body"));
    assert_non_null(jget(L.j, "td_report.rtmr3"));
    assert_null(jget(L.j, "td_report.mr_servicetd"));
    unload(&L);
}

static void test_dcap_qvl_tdx_quote_outdated(void **state)
{
    (void)state;
    struct loaded L;
    if (!load("dcap-qvl/tdx_quote_outdated", &L)) skip();
    const struct maat_quote *q = &L.q;
    assert_int_equal(q->version, 5); /* README: v5, TDX 1.5 body, 648 B */
    assert_int_equal(q->tee_type, MAAT_TEE_TYPE_TDX);
    assert_int_equal(q->body_type, MAAT_BODY_TD15);
    assert_int_equal(q->body_size, 648);
    assert_int_equal(q->td_report.size, 648);
    assert_non_null(q->td_report.tee_tcb_svn2);
    assert_non_null(q->td_report.mr_servicetd);
    /* computed: python (file 5006 B, all of it quote) */
    assert_int_equal(L.file_len, 5006);
    assert_int_equal(q->quote.len, 5006);
    assert_int_equal(q->trailing.len, 0);
    assert_hex(q->td_report.tee_tcb_svn, 16, "07010300000000000000000000000000");
    assert_hex(q->td_report.mr_td, 48,
               "273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1ae451d382d5a9b1b"
               "4c0ed0e5ae9a3dbd");
    assert_int_equal(q->qe_report.isv_svn, 7);
    assert_jstr(L.j, "pck.fmspc", "90c06f000000"); /* README */
    assert_jint(L.j, "body_type", 3);
    assert_jint(L.j, "body_size", 648);
    assert_non_null(jget(L.j, "td_report.tee_tcb_svn2"));
    assert_non_null(jget(L.j, "td_report.mr_servicetd"));
    unload(&L);
}

/* ---- intel-qvl-sample ---- */

static void test_intel_qvl_sgx_quote(void **state)
{
    (void)state;
    struct loaded L;
    if (!load("intel-qvl-sample/quote.dat", &L)) skip();
    const struct maat_quote *q = &L.q;
    /* README: v3, 1054 B, qe_svn 0, pce_svn 3, ISV report all zeros, QE auth empty,
     * certification data type 1 (34 B). */
    assert_int_equal(L.file_len, 1054);
    assert_int_equal(q->version, 3);
    assert_int_equal(q->quote.len, 1054);
    assert_int_equal(q->qe_svn, 0);
    assert_int_equal(q->pce_svn, 3);
    assert_zero(q->report_body.raw, MAAT_SGX_REPORT_BODY_SIZE);
    assert_int_equal(q->qe_auth_data.len, 0);
    assert_int_equal(q->cert_data.type, MAAT_CERT_PPID_CLEARTEXT);
    assert_int_equal(q->cert_data.data.len, 34);
    assert_hex(q->cert_data.ppid.ppid.ptr, q->cert_data.ppid.ppid.len,
               "8461863bb7ece31f64c8e9b77fd31cad");
    assert_hex(q->cert_data.ppid.cpu_svn, 16, "00030000000101000000000000000000");
    assert_int_equal(q->cert_data.ppid.pce_svn, 3);
    assert_false(q->cert_data.ppid.has_pce_id);
    /* README: QE report mrsigner 8C4F5775…, isvprodid 1, isvsvn 1, attributes 70C8CBF4…,
     * miscselect bytes d1 82 b1 8c (little-endian 0x8cb182d1). */
    assert_hex(q->qe_report.mr_signer, 32, intel_sgx_qe_mrsigner);
    assert_int_equal(q->qe_report.isv_prod_id, 1);
    assert_int_equal(q->qe_report.isv_svn, 1);
    assert_int_equal(q->qe_report.misc_select, 0x8cb182d1u);
    assert_hex_ends(q->qe_report.attributes, 16, "70c8cbf4", NULL);
    /* QE report data = SHA-256(attestation key ‖ empty auth data) ‖ 0³² (README). */
    assert_report_data_binds(q->qe_report.report_data, q->attest_pub_key, 64);

    assert_jint(L.j, "certification_data.type", 1);
    assert_jint(L.j, "certification_data.size", 34);
    assert_jstr(L.j, "certification_data.ppid", "8461863bb7ece31f64c8e9b77fd31cad");
    assert_jstr(L.j, "certification_data.cpu_svn", "00030000000101000000000000000000");
    assert_jint(L.j, "certification_data.pce_svn", 3);
    assert_null(jget(L.j, "certification_data.pce_id"));
    assert_null(jget(L.j, "pck")); /* no certificate in the quote */
    assert_jstr(L.j, "qe_auth_data", "");
    /* The QE report's attributes have bits above 2^53 set, so they are hex strings
     * (flags = LE u64 of bytes 70c8cbf48bd76eab; computed: python). */
    assert_jstr(L.j, "qe_report.attributes.flags", "0xab6ed78bf4cbc870");
    assert_jint(L.j, "report_body.attributes.flags", 0);
    unload(&L);
}

static void test_intel_qvl_tdx_quote(void **state)
{
    (void)state;
    struct loaded L;
    if (!load("intel-qvl-sample/tdx/quote.dat", &L)) skip();
    const struct maat_quote *q = &L.q;
    /* README: v4, 3696 B, tee_type 0x81, type 6 holding type 5 as concatenated DER
     * (root, CA, leaf); QE report mrsigner e4bd9fc2…. */
    assert_int_equal(L.file_len, 3696);
    assert_int_equal(q->version, 4);
    assert_int_equal(q->tee_type, MAAT_TEE_TYPE_TDX);
    assert_int_equal(q->quote.len, 3696);
    assert_int_equal(q->outer_cert_type, MAAT_CERT_QE_REPORT);
    assert_int_equal(q->cert_data.type, MAAT_CERT_PCK_CHAIN);
    assert_true(q->cert_data.chain_is_der);
    assert_int_equal(q->cert_data.chain_len, 3);
    assert_hex_ends(q->qe_report.mr_signer, 32, "e4bd9fc2", NULL);
    assert_jstr(L.j, "certification_data.certification_data.encoding", "der");
    const char *order[3] = {"CN=Intel SGX Root CA", "CN=Intel SGX PCK Processor CA",
                            "CN=Intel SGX PCK Certificate"};
    for (int i = 0; i < 3; i++) {
        char path[96];
        snprintf(path, sizeof path, "certification_data.certification_data.certificates.%d.subject",
                 i);
        json_t *s = jget(L.j, path);
        assert_true(json_is_string(s));
        assert_non_null(strstr(json_string_value(s), order[i]));
    }
    /* The leaf is found although it comes last; its FMSPC is the tcbInfo's (README). */
    assert_jstr(L.j, "pck.fmspc", "ed742af8adf5");
    /* README: the time window ends at the PCK leaf's notAfter, 2028-08-06T13:55:14Z. */
    assert_jstr(L.j, "certification_data.certification_data.certificates.2.not_after",
                "2028-08-06T13:55:14Z");
    unload(&L);
}

/* ---- tdx (go-tdx-guest) ---- */

static void test_tdx_spr_e4(void **state)
{
    (void)state;
    struct loaded L;
    if (!load("tdx/tdx_prod_quote_SPR_E4.dat", &L)) skip();
    const struct maat_quote *q = &L.q;
    /* README: v4 TDX, quote proper 4935 B, then 39 appended bytes. */
    assert_int_equal(q->version, 4);
    assert_int_equal(q->tee_type, MAAT_TEE_TYPE_TDX);
    assert_int_equal(q->quote.len, 4935);
    assert_int_equal(q->trailing.len, 39);
    assert_false(q->trailing_all_zero);
    assert_memory_equal(q->trailing.ptr, "\nextra bytes(only for testing purpose)\n", 39);
    const struct maat_td_report *td = &q->td_report;
    assert_hex(td->tee_tcb_svn, 16, "03000400000000000000000000000000");
    assert_hex_ends(td->mr_seam, 48, "2fd279c1", "c656");
    assert_zero(td->mr_signer_seam, 48);
    assert_zero(td->seam_attributes, 8);
    assert_hex(td->td_attributes, 8, "0000004000000000");
    assert_hex(td->xfam, 8, "e71a060000000000");
    assert_hex_ends(td->mr_td, 48, "6363b804", "5cbb");
    assert_hex_ends(td->report_data, 64, "6c62dec1", "1113");
    /* QE report (README): mrsigner DC9E2A7C…, isvprodid 2, isvsvn 4, miscselect 0. Its
     * attributes bytes are 15 00.. ‖ e7 00.. (computed: python; the README's
     * "15000000000000000e70…" has a misplaced digit). */
    assert_hex_ends(q->qe_report.mr_signer, 32, "dc9e2a7c", NULL);
    assert_int_equal(q->qe_report.isv_prod_id, 2);
    assert_int_equal(q->qe_report.isv_svn, 4);
    assert_int_equal(q->qe_report.misc_select, 0);
    assert_hex(q->qe_report.attributes, 16, "1500000000000000e700000000000000");
    assert_int_equal(q->qe_auth_data.len, 32);
    assert_int_equal(q->cert_data.type, MAAT_CERT_PCK_CHAIN);
    assert_int_equal(q->cert_data.chain_len, 3);

    /* PCK leaf (README): FMSPC 50806F000000, PCE-ID 0000, Scalable, comps 3,3,2,2,2,1,0,2,
     * PCESVN 11, PPID 089ddfdb…, Platform CA, dynamicPlatform/SMT on, cachedKeys off. */
    assert_jstr(L.j, "pck.fmspc", "50806f000000");
    assert_jstr(L.j, "pck.pce_id", "0000");
    assert_jstr(L.j, "pck.sgx_type", "Scalable");
    assert_jstr(L.j, "pck.ca", "platform");
    assert_jint(L.j, "pck.pcesvn", 11);
    static const int comps[16] = {3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 16; i++) {
        char path[48];
        snprintf(path, sizeof path, "pck.tcb_components.%d", i);
        assert_jint(L.j, path, comps[i]);
    }
    json_t *ppid = jget(L.j, "pck.ppid");
    assert_true(json_is_string(ppid));
    assert_int_equal(strncmp(json_string_value(ppid), "089ddfdb", 8), 0);
    assert_true(json_is_true(jget(L.j, "pck.dynamic_platform")));
    assert_true(json_is_false(jget(L.j, "pck.cached_keys")));
    assert_true(json_is_true(jget(L.j, "pck.smt_enabled")));
    /* Leaf 2022-09-20..2029-09-20 (README). */
    assert_jstr(L.j, "certification_data.certification_data.certificates.0.not_before",
                "2022-09-20T13:20:31Z");
    assert_jstr(L.j, "certification_data.certification_data.certificates.0.not_after",
                "2029-09-20T13:20:31Z");

    assert_jint(L.j, "trailing_bytes.count", 39);
    assert_jint(L.j, "trailing_bytes.offset", 4935);
    assert_true(json_is_false(jget(L.j, "trailing_bytes.all_zero")));
    json_t *w = jget(L.j, "warnings.0");
    assert_true(json_is_string(w));
    assert_non_null(strstr(json_string_value(w), "offset 4935"));
    unload(&L);
}

/* ---- maa-recordings: the quote and OE report inside attest requests ---- */

static void check_maa_request(const char *rel, bool oe)
{
    size_t len;
    uint8_t *file = tu_read_vector(rel, &len);
    if (file == NULL) skip();
    json_error_t je;
    json_t *rec = json_loadb((const char *)file, len, 0, &je);
    assert_non_null(rec);
    /* The recording stores the request body parsed under "body"; feed the body text to
     * the evidence decoder as a client would send it. */
    char *body = json_dumps(json_object_get(rec, "body"), JSON_COMPACT);
    assert_non_null(body);
    struct maat_evidence ev;
    struct maat_quote q;
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_evidence_decode((const uint8_t *)body, strlen(body), &ev, &err) != 0)
        fail_msg("%s: %s", rel, err.msg);
    assert_int_equal(ev.format, MAAT_EVIDENCE_MAA_REQUEST);
    assert_string_equal(ev.request_field, oe ? "report" : "quote");
    if (maat_quote_parse(ev.quote, ev.quote_len, &q, &err) != 0) fail_msg("%s", err.msg);

    /* README: quote 4584 B v3, ECDSA-P256, type 5, qe_svn 5, pce_svn 10, debug
     * (flags 0x7); OE report 4600 B = header 01000000 02000000 e811000000000000 + quote. */
    assert_int_equal(ev.quote_len, oe ? 4600 : 4584);
    assert_int_equal(q.oe_envelope, oe);
    if (oe) assert_hex(ev.quote, 16, "0100000002000000e811000000000000");
    assert_int_equal(q.quote.len, 4584);
    assert_int_equal(q.version, 3);
    assert_int_equal(q.qe_svn, 5);
    assert_int_equal(q.pce_svn, 10);
    assert_int_equal(q.report_body.attributes_flags, 0x7);
    assert_int_equal(q.cert_data.type, MAAT_CERT_PCK_CHAIN);
    assert_int_equal(q.cert_data.chain_len, 3);
    /* README claims: mrenclave, mrsigner, product id 1, svn 1, report_data. */
    assert_hex(q.report_body.mr_enclave, 32,
               "292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e");
    assert_hex(q.report_body.mr_signer, 32,
               "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c");
    assert_int_equal(q.report_body.isv_prod_id, 1);
    assert_int_equal(q.report_body.isv_svn, 1);
    assert_hex_ends(q.report_body.report_data, 64,
                    "28542e44fe7e73f6610f6b31ae7576925f09ccdbb4c5646583ecc1561337a8ff",
                    "0000000000000000000000000000000000000000000000000000000000000000");
    /* report_data = SHA-256(runtimeData.data) ‖ 0³², when the request carries it. */
    json_t *rd = json_object_get(json_object_get(json_object_get(rec, "body"), "runtimeData"),
                                 "data");
    if (json_is_string(rd)) {
        uint8_t *data;
        size_t dlen;
        assert_int_equal(maat_base64url_decode(json_string_value(rd), json_string_length(rd),
                                               "runtimeData", &data, &dlen, &err),
                         0);
        assert_int_equal(dlen, 287); /* README */
        assert_report_data_binds(q.report_body.report_data, data, dlen);
        free(data);
    }
    /* README: quotehash = SHA-256 of the quote (4f9aa62e…) or of the whole OE report,
     * header included (928c12bc…). */
    uint8_t h[32];
    SHA256(ev.quote, ev.quote_len, h);
    assert_hex_ends(h, 32, oe ? "928c12bc" : "4f9aa62e", NULL);

    json_t *j = maat__quote_to_json(&q, ev.quote, &err);
    assert_non_null(j);
    assert_jstr(j, "pck.fmspc", "00906ed50000"); /* README */
    /* PCK leaf valid 2021-03-19..2028-03-19 (README). */
    json_t *nb = jget(j, "certification_data.certificates.0.not_before");
    json_t *na = jget(j, "certification_data.certificates.0.not_after");
    assert_int_equal(strncmp(json_string_value(nb), "2021-03-19", 10), 0);
    assert_int_equal(strncmp(json_string_value(na), "2028-03-19", 10), 0);
    json_decref(j);
    maat_evidence_cleanup(&ev);
    free(body);
    json_decref(rec);
    free(file);
}

static void test_maa_recordings(void **state)
{
    (void)state;
    check_maa_request("maa-recordings/attest/sgx-shared-plain.request.json", false);
    check_maa_request("maa-recordings/attest/sgx-aad-runtime-binary.request.json", false);
    check_maa_request("maa-recordings/attest/oe-shared-plain.request.json", true);
    check_maa_request("maa-recordings/attest/oe-isolated-runtime-json.request.json", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_azure_samples),
        cmocka_unit_test(test_dcap_qvl_sgx_quote),
        cmocka_unit_test(test_dcap_qvl_tdx_quote),
        cmocka_unit_test(test_dcap_qvl_tdx_quote_outdated),
        cmocka_unit_test(test_intel_qvl_sgx_quote),
        cmocka_unit_test(test_intel_qvl_tdx_quote),
        cmocka_unit_test(test_tdx_spr_e4),
        cmocka_unit_test(test_maa_recordings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

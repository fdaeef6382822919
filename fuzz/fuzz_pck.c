/*
 * fuzz_pck.c - libFuzzer harness for the PCK SGX extension parser (src/lib/pck.c).
 *
 * Each input is fed to maat_pck_ext_parse, maat_pck_cert_parse_der and
 * maat_pck_cert_parse_pem. Beyond "no crash, no leak, no out-of-bounds read", it checks
 * the parser's promises: success leaves the error record clean and the values in range;
 * failure sets a code and a message and leaves the output zeroed.
 *
 * Seeds: the SGX extension values and DER/PEM PCK leaves from the shared vectors, e.g.
 *   openssl x509 -in pckCert.pem -outform DER -out seeds/qvl.der
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/pck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const struct maat_pck_info *info, const struct maat_error *err, bool cert)
{
    if (rc == 0) {
        if (err->code != MAAT_OK || err->msg[0] != '\0') abort();
        if ((unsigned)info->sgx_type > MAAT_SGX_TYPE_SCALABLE_WITH_INTEGRITY) abort();
        if ((info->has_dynamic_platform || info->has_cached_keys || info->has_smt_enabled) &&
            !info->has_configuration)
            abort();
        if (!cert && info->ca != MAAT_PCK_CA_UNKNOWN) abort();
        if (cert && info->ca == MAAT_PCK_CA_PLATFORM &&
            !(info->has_platform_instance_id && info->has_configuration))
            abort();
        if (cert && info->ca == MAAT_PCK_CA_PROCESSOR &&
            (info->has_platform_instance_id || info->has_configuration))
            abort();
    } else {
        if (rc != -1 || err->code == MAAT_OK || err->msg[0] == '\0') abort();
        if (!maat_is_zero((const uint8_t *)info, sizeof *info)) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct maat_pck_info info;
    struct maat_error err;

    maat_error_clear(&err);
    check(maat_pck_ext_parse(data, size, &info, &err), &info, &err, false);

    maat_error_clear(&err);
    check(maat_pck_cert_parse_der(data, size, &info, &err), &info, &err, true);

    maat_error_clear(&err);
    check(maat_pck_cert_parse_pem((const char *)data, size, &info, &err), &info, &err, true);
    return 0;
}

/*
 * fuzz_evidence.c - libFuzzer harness over evidence decoding (every input form), the
 * EnclaveInfo parser and writer, the quote parser and the quote -> JSON description.
 *
 * Seeds: the shared vectors (binary quotes, EnclaveInfo JSON) and their hex/base64 forms.
 *   fuzz_evidence -max_total_time=30 CORPUS_DIR
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maat/enclave_info.h"
#include "maat/evidence.h"
#include "maat/quote.h"
#include "maat/quote_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void describe(const uint8_t *buf, size_t len)
{
    struct maat_quote q;
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_quote_parse(buf, len, &q, &err) != 0) return;
    json_t *j = maat__quote_to_json(&q, buf, &err);
    if (j != NULL) {
        char *s = json_dumps(j, JSON_COMPACT);
        free(s);
        json_decref(j);
    }
    char *ei = NULL;
    if (maat_enclave_info_to_json(buf, len, (const uint8_t *)"ehd", 3, &ei, &err) == 0) {
        /* What we write must parse back, with the same quote. */
        struct maat_enclave_info back;
        struct maat_error e2;
        maat_error_clear(&e2);
        if (maat_enclave_info_parse(ei, strlen(ei), &back, &e2) != 0) abort();
        if (back.quote_len != len || memcmp(back.quote, buf, len) != 0) abort();
        if (maat_enclave_info_check(&back, &q, &e2) != 0) abort();
        maat_enclave_info_cleanup(&back);
        free(ei);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct maat_error err;
    maat_error_clear(&err);
    struct maat_evidence ev;
    if (maat_evidence_decode(data, size, &ev, &err) == 0) {
        describe(ev.quote, ev.quote_len);
        if (ev.has_enclave_info) {
            json_t *j = maat__quote_json_enclave_info(&ev.enclave_info);
            json_decref(j);
            struct maat_quote q;
            if (maat_quote_parse(ev.quote, ev.quote_len, &q, &err) == 0)
                (void)maat_enclave_info_check(&ev.enclave_info, &q, &err);
        }
    } else if (err.msg[0] == '\0') {
        abort(); /* every failure must explain itself */
    }
    maat_evidence_cleanup(&ev);

    /* The EnclaveInfo parser on its own, over any text. */
    struct maat_enclave_info ei;
    maat_error_clear(&err);
    if (maat_enclave_info_parse((const char *)data, size, &ei, &err) == 0)
        maat_enclave_info_cleanup(&ei);
    else if (err.msg[0] == '\0')
        abort();
    return 0;
}

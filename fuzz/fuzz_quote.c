/* fuzz_quote.c - libFuzzer harness for the quote parser (SGX/TDX v3-v5, OE envelope). */
#include <stddef.h>
#include <stdint.h>

#include "maat/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct maat_quote q;
    struct maat_error err = {0};
    if (maat_quote_parse(data, size, &q, &err) == 0) {
        /* Touch every view so ASan checks its bounds. */
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < q.quote.len; i++) sink ^= q.quote.ptr[i];
        for (size_t i = 0; i < q.trailing.len; i++) sink ^= q.trailing.ptr[i];
        for (size_t c = 0; c < q.cert_data.chain_len; c++)
            for (size_t i = 0; i < q.cert_data.chain[c].len; i++)
                sink ^= q.cert_data.chain[c].ptr[i];
        for (size_t i = 0; i < q.qe_auth_data.len; i++) sink ^= q.qe_auth_data.ptr[i];
        (void)sink;
    } else if (err.code == MAAT_OK || err.msg[0] == '\0') {
        __builtin_trap(); /* every rejection must say why */
    }
    return 0;
}

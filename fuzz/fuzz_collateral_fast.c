/*
 * fuzz_collateral_fast.c - libFuzzer differential for the one-pass collateral reader
 * (src/lib/collateral_fast.c): every input is parsed as a TCB info document and body and
 * as an enclave identity document and body, once with the fast reader allowed and once on
 * the jansson path only. Any difference (return code, error code, message, or a field of
 * an accepted struct) aborts; so does the fast reader taking an input jansson refuses.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lib/collateral_fast.h"
#include "../tests/lib/collateral_compare.h"
#include "maat/collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sig_hex[] = "62d181c4ba863213b825d1c0b66b92a3dbdb27b8ff7c7250cb2b2ab87a8f90d5"
                              "e5a1416914369d8f82c56cd3d875caa54ae4b917caf4af7a93dec52067cbfd7b";

static void same_outcome(int r1, const struct maat_error *e1, int r2, const struct maat_error *e2)
{
    if (r1 != r2 || e1->code != e2->code || strcmp(e1->msg, e2->msg) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so ASan sees any over-read */
    char *buf = malloc(size ? size : 1);
    if (buf == NULL) return 0;
    if (size) memcpy(buf, data, size);
    for (int form = 0; form < 4; form++) {
        struct maat_error e[2];
        int r[2];
        unsigned long taken = maat__collateral_fast_taken;
        if (form < 2) {
            struct maat_tcb_info t[2];
            for (int pass = 0; pass < 2; pass++) {
                maat__collateral_fast_off = pass == 1;
                maat_error_clear(&e[pass]);
                r[pass] = form == 0 ? maat_tcb_info_parse(buf, size, &t[pass], &e[pass])
                                    : maat_tcb_info_parse_body(buf, size, sig_hex, strlen(sig_hex),
                                                               &t[pass], &e[pass]);
            }
            same_outcome(r[0], &e[0], r[1], &e[1]);
            if (r[0] == 0 && !same_tcb_info(&t[0], &t[1])) abort();
            maat_tcb_info_cleanup(&t[0]);
            maat_tcb_info_cleanup(&t[1]);
        } else {
            struct maat_enclave_identity t[2];
            for (int pass = 0; pass < 2; pass++) {
                maat__collateral_fast_off = pass == 1;
                maat_error_clear(&e[pass]);
                r[pass] = form == 2 ? maat_enclave_identity_parse(buf, size, &t[pass], &e[pass])
                                    : maat_enclave_identity_parse_body(
                                          buf, size, sig_hex, strlen(sig_hex), &t[pass], &e[pass]);
            }
            same_outcome(r[0], &e[0], r[1], &e[1]);
            if (r[0] == 0 && !same_identity(&t[0], &t[1])) abort();
            maat_enclave_identity_cleanup(&t[0]);
            maat_enclave_identity_cleanup(&t[1]);
        }
        maat__collateral_fast_off = false;
        /* taken means accepted, except TDX levels the shared sort refuses as duplicates */
        if (maat__collateral_fast_taken != taken && r[0] != 0 &&
            strstr(e[0].msg, "duplicated") == NULL)
            abort();
    }
    free(buf);
    return 0;
}

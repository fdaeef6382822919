/*
 * collateral_fast.h - (internal) a single-pass reader for the usual shape of Intel's SGX
 * and TDX TCB info (v3) and enclave identity (v2) bodies, straight into the parsed structs
 * without jansson (issue 16: jansson's DOM cost ~1.5 M instructions of a cold
 * verification). It takes a text or gives up; what it gives up on is parsed by the jansson
 * path as before.
 */
#ifndef MAAT_COLLATERAL_FAST_H
#define MAAT_COLLATERAL_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include "json_span.h"
#include "maat/collateral.h"

/* Tests: when set, the parsers skip the fast reader on this thread (the jansson path). */
extern _Thread_local bool maat__collateral_fast_off;
/* Texts the fast reader took on this thread (tests). */
extern _Thread_local unsigned long maat__collateral_fast_taken;

/*
 * text[0, len) as a bare `tcbInfo` object (body) or a whole {"tcbInfo", "signature"}
 * document (`wrapped`). True: *ti holds exactly what the jansson path builds from the same
 * text (for `wrapped`, with *span the tcbInfo value's byte range, as the scanner reports
 * it); the signature and signed_body are left to the caller for a body. False: the text is
 * not the simple case (or memory ran out); *ti may hold partial allocations: the caller
 * cleans it up and parses the text with jansson, which accepts or refuses it in its words.
 */
bool maat__tcb_info_fast(const char *text, size_t len, bool wrapped, struct maat_tcb_info *ti,
                         struct maat_json_span *span);
/* The same for an `enclaveIdentity` v2 object or {"enclaveIdentity", "signature"}. */
bool maat__enclave_identity_fast(const char *text, size_t len, bool wrapped,
                                 struct maat_enclave_identity *ei, struct maat_json_span *span);

#endif

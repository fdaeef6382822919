/* enclave_compare_internal.h - the one comparison of an EnclaveInfo with the enclave it
 * claims (enclave_compare.c), for its two sources: a token's claims (token_enclave.c) and
 * the parsed quote (maat_enclave_info_compare_quote, maat/enclave_compare.h). The fields,
 * their names and order, the EnclaveInfo's side and the first-mismatch reason live here;
 * a source says what it has for each field and whether that matches. */
#ifndef MAAT_ENCLAVE_COMPARE_INTERNAL_H
#define MAAT_ENCLAVE_COMPARE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "maat/enclave_compare.h"

/* The compared fields, in report order. */
enum maat__ei_field {
    MAAT__EI_DEBUGGABLE,
    MAAT__EI_MRENCLAVE,
    MAAT__EI_MRSIGNER,
    MAAT__EI_PRODUCT_ID,
    MAAT__EI_SVN,
    MAAT__EI_EHD,
    MAAT__EI__COUNT
};

/* The EnclaveInfo's side, as both sources compare it. */
struct maat__ei_want {
    const struct maat_enclave_info *ei;
    bool debuggable;         /* Attributes: OE bits or SGX flags, DEBUG */
    char mr_enclave_hex[65]; /* lower case, as the sample's ToLower() */
    char mr_signer_hex[65];
    uint64_t product_id; /* ProductIdHex[0..8), little-endian */
};

/* A source's answer for field f: returns whether it matches w, with *got its value (a new
 * reference; NULL = the source has none). *file arrives as the EnclaveInfo's value as both
 * sources show it (NULL for EHD, which each source shows its own way: the token base64url,
 * the quote SHA-256) and may be set when NULL. */
typedef bool (*maat__ei_observe_fn)(const void *ctx, enum maat__ei_field f,
                                    const struct maat__ei_want *w, json_t **file, json_t **got);

struct maat__ei_source {
    const char *word;                    /* "token", "quote": named in the reason */
    const char *labels[MAAT__EI__COUNT]; /* the source's name of each field (static) */
    maat__ei_observe_fn observe;
    const void *ctx;
};

/* The comparison: per field its name, the source's label, the two values as compact JSON
 * text (owned; got_json NULL = absent) and pass; the reason as in maat/enclave_compare.h
 * ("" when every field matches). */
struct maat__ei_result {
    size_t count, failed;
    const char *name[MAAT__EI__COUNT], *label[MAAT__EI__COUNT];
    char *file_json[MAAT__EI__COUNT], *got_json[MAAT__EI__COUNT];
    bool pass[MAAT__EI__COUNT];
    char reason[MAAT_ERROR_MSG_MAX];
};

/* Runs the comparison of ei (oe: Attributes are OpenEnclave bits) against src into *out
 * (zeroed here). 0, or -1 with err (MAAT_ERR_NOMEM; *out then empty). */
int maat__ei_compare(const struct maat_enclave_info *ei, bool oe, const struct maat__ei_source *src,
                     struct maat__ei_result *out, struct maat_error *err);

/* The first mismatch as the reason names it: "<name> mismatch: the file says <file>, the
 * <word> says <got> (<label>)", or "... the <word> has no <label> claim" when got_json is
 * NULL; a value longer than 90 characters is cut (the report has it whole). Also the TD
 * quote's comparison with a TdxVm token (token_td.c). */
void maat__ei_mismatch_text(const char *name, const char *file_json, const char *word,
                            const char *got_json, const char *label, char *out, size_t n);

/* Frees the texts of a result that was not handed on. */
void maat__ei_result_cleanup(struct maat__ei_result *r);

#endif

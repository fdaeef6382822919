/* collateral_load.h - the CLI's way to get collateral: a bundle file, a PCS directory or a
 * PCCS URL, into a struct maat_collateral_input it owns. */
#ifndef MAAT_CLI_COLLATERAL_LOAD_H
#define MAAT_CLI_COLLATERAL_LOAD_H

#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"

struct cli_collateral {
    struct maat_collateral_input input;
    uint8_t *raw; /* bundle file bytes */
    size_t raw_len;
    struct maat_collateral_bundle bundle;
    void *raw_source; /* struct maat_collateral_raw * (dir / PCCS) */
};

/* FMSPC and PCK CA of the quote's PCK leaf (or of the supplied PCK chain), for sources
 * that serve collateral by FMSPC. Leaves the outputs unchanged when not found. */
void cli_quote_pck_hint(const struct maat_quote *q, const uint8_t *pck_pem, size_t pck_len,
                        uint8_t fmspc[6], enum maat_pck_ca *ca);

/* path: a bundle JSON file or a directory; url: a PCCS/PCS base URL (one of them), or
 * "intel" (Intel PCS v4) or "azure" (Azure THIM's SGX cache, its URL scheme). */
int cli_collateral_load(const char *path, const char *url, const uint8_t fmspc[6],
                        enum maat_pck_ca ca, struct cli_collateral *out, struct maat_error *err);
/* The same for a TEE: with tdx, a PCCS is asked for TDX TCB info and the TD_QE identity
 * (/tdx/certification/v4/); "azure" has no global TDX base and is refused for TDX. */
int cli_collateral_load_tee(const char *path, const char *url, bool tdx, const uint8_t fmspc[6],
                            enum maat_pck_ca ca, struct cli_collateral *out, struct maat_error *err);
void cli_collateral_cleanup(struct cli_collateral *c);

/* The exit code for a failed cli_collateral_load: MAAT_EXIT_INTERNAL (4) when a PCCS
 * (`url`) could not be reached or answered with a server error (MAAT_ERR_IO), and for
 * internal errors; MAAT_EXIT_INPUT (3) when the collateral could not be read or parsed. */
int cli_collateral_exit(const char *url, const struct maat_error *err);

/* Parses unix seconds or any RFC 3339 date-time (maat_time_parse(), maat/time_parse.h). */
int cli_parse_time(const char *s, time_t *out);
/* The same with the reason for a refusal (field, offset, expectation) in *err. */
int cli_parse_time_err(const char *field, const char *s, time_t *out, struct maat_error *err);

#endif

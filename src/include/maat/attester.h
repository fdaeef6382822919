/*
 * attester.h - the attester side: obtain an SGX quote over 64 bytes of report data from
 * whatever quote provider the program runs on.
 *
 * Providers:
 *   sim      the simulated platform of src/sim (docs/sim.md): a platform directory, by
 *            default $MAAT_SIM_DIR, else $HOME/.maat/sim; created with default settings on
 *            first use when absent. Its quotes chain to the simulated root, which nothing
 *            trusts unless told to (`maat verify --trust-root DIR/root-ca.pem`).
 *   gramine  inside a Gramine SGX enclave with `sgx.remote_attestation = "dcap"`: the 64
 *            bytes are written to /dev/attestation/user_report_data, the quote is read
 *            from /dev/attestation/quote. The directory can be overridden with
 *            $MAAT_GRAMINE_ATTESTATION_DIR (tests fake it with a directory of files).
 *   auto     gramine when <dir>/quote exists and <dir>/attestation_type reads "dcap";
 *            otherwise sim when a platform directory was named (config or $MAAT_SIM_DIR);
 *            otherwise no provider: an error that says what was looked for. Auto never
 *            falls back silently to the simulator.
 *
 * This is a program-side library (libmaat_attester): it reads and writes files. It is not
 * thread-safe per handle (Gramine's /dev/attestation is a process-wide pair of files).
 */
#ifndef MAAT_ATTESTER_H
#define MAAT_ATTESTER_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/bytes.h"
#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum maat_attester_kind { MAAT_ATTESTER_AUTO = 0, MAAT_ATTESTER_SIM, MAAT_ATTESTER_GRAMINE };

#define MAAT_ATTESTER_GRAMINE_DIR "/dev/attestation"
#define MAAT_ATTESTER_GRAMINE_DIR_ENV "MAAT_GRAMINE_ATTESTATION_DIR"
#define MAAT_ATTESTER_SIM_DIR_ENV "MAAT_SIM_DIR"
#define MAAT_ATTESTER_QUOTE_MAX (1u << 20) /* largest quote read from a provider */

struct maat_attester_config {
    enum maat_attester_kind kind;
    const char *sim_dir;     /* NULL: $MAAT_SIM_DIR, else $HOME/.maat/sim (sim only) */
    const char *gramine_dir; /* NULL: $MAAT_GRAMINE_ATTESTATION_DIR, else /dev/attestation */
    bool sim_no_create;      /* sim: fail instead of creating an absent platform */
};

/* An open quote provider (opaque). */
struct maat_attester;

/* "auto", "sim", "gramine". */
const char *maat_attester_kind_name(enum maat_attester_kind k);
/* Parses a provider name; -1 if unknown. */
MAAT_MUST_CHECK int maat_attester_kind_from_name(const char *name, enum maat_attester_kind *out);

/* The directory the gramine provider uses: `dir` when given, else
 * $MAAT_GRAMINE_ATTESTATION_DIR, else /dev/attestation (not copied). */
const char *maat_attester_gramine_dir(const char *dir);

/* True when `dir` (NULL: the default / environment) looks like Gramine's DCAP attestation
 * interface: dir/quote exists and dir/attestation_type reads "dcap". */
bool maat_attester_gramine_available(const char *dir);

/* Opens the provider the config asks for (auto: see above). A NULL config means auto
 * with defaults. Fails with MAAT_ERR_NOT_FOUND and a message naming what was looked for
 * when no provider is available. */
MAAT_MUST_CHECK int maat_attester_open(const struct maat_attester_config *cfg,
                                       struct maat_attester **out, struct maat_error *err);
void maat_attester_free(struct maat_attester *a);

/* The provider actually opened (never MAAT_ATTESTER_AUTO). */
enum maat_attester_kind maat_attester_kind(const struct maat_attester *a);
/* Where it works: the sim platform directory or the Gramine attestation directory. */
const char *maat_attester_location(const struct maat_attester *a);

/* Obtains a quote whose report_data equals `report_data`, appended to `out`. The quote is
 * parsed (structure only) and its report_data compared with the request before it is
 * returned, so a garbled or foreign quote is an error, not a result. */
MAAT_MUST_CHECK int maat_attester_quote(struct maat_attester *a, const uint8_t report_data[64],
                                        struct maat_buf *out, struct maat_error *err);

/* MAA's binding of enclave-held data: report_data = SHA-256(ehd) || 32 zero bytes. */
void maat_attester_ehd_report_data(const uint8_t *ehd, size_t len, uint8_t report_data[64]);

/* maat_attester_quote() with report_data = SHA-256(ehd) || 32 zero bytes. */
MAAT_MUST_CHECK int maat_attester_quote_ehd(struct maat_attester *a, const uint8_t *ehd, size_t len,
                                            struct maat_buf *out, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_ATTESTER_H */

/* cli.h - sub-command entry points of the `maat` tool and the helpers they share. */
#ifndef MAAT_CLI_H
#define MAAT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

/* Exit codes shared by every sub-command (documented in `maat --help`). */
enum {
    MAAT_EXIT_OK = 0,
    MAAT_EXIT_FAIL = 1,    /* the check ran and said no (verification failed, mismatch) */
    MAAT_EXIT_USAGE = 2,   /* bad command line */
    MAAT_EXIT_INPUT = 3,   /* input could not be read or parsed */
    MAAT_EXIT_INTERNAL = 4, /* I/O error or bug */
    MAAT_EXIT_INCOMPLETE = 5 /* what ran passed, but not every check could run (maat attest
                                --offline without current TCB collateral for the quote) */
};

int cmd_quote(int argc, char **argv); /* cmd_quote.c: `maat quote inspect` */
int cmd_quote_get(int argc, char **argv); /* cmd_quote_get.c: `maat quote get` */
int cmd_sim(int argc, char **argv);   /* cmd_sim.c:   `maat sim init|quote` */
int cmd_sim_pccs(int argc, char **argv); /* cmd_sim_pccs.c: `maat sim pccs DIR` */
int cmd_collateral(int argc, char **argv); /* cmd_collateral.c: `maat collateral fetch` */
int cmd_verify(int argc, char **argv); /* cmd_verify.c: `maat verify` */
int cmd_token(int argc, char **argv); /* cmd_token.c: `maat token verify` */
int cmd_attest(int argc, char **argv); /* cmd_attest.c: `maat attest` (the MAA sample's relying party) */
int cmd_sign(int argc, char **argv);  /* cmd_sign.c: `maat sign create-cert|policy|cert` */
int cmd_jwt(int argc, char **argv);   /* cmd_jwt.c: `maat jwt decode` */
int cmd_policy(int argc, char **argv); /* cmd_policy.c: `maat policy get|set|reset` */
int cmd_cert(int argc, char **argv);  /* cmd_cert.c: `maat cert list|add|remove` */
int cmd_store(int argc, char **argv); /* cmd_store.c: `maat store check|copy` */
int cmd_key(int argc, char **argv);   /* cmd_key.c: `maat key rotate --store URI` */

/* Reads a whole file (or "-" for stdin) into a NUL-terminated malloc'd buffer, refusing
 * files larger than max bytes. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                  struct maat_error *err);
/* Writes a file atomically enough for a CLI (open, write, close; "-" = stdout). */
int cli_write_file(const char *path, const void *data, size_t len, struct maat_error *err);

#endif

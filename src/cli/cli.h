/* cli.h - sub-command entry points of the `maat` tool and the helpers they share. */
#ifndef MAAT_CLI_H
#define MAAT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "maat/error.h"

/* Exit codes shared by every sub-command (documented in `maat --help`). */
enum {
    MAAT_EXIT_OK = 0,
    MAAT_EXIT_FAIL = 1,      /* the check ran and said no (verification failed, mismatch) */
    MAAT_EXIT_USAGE = 2,     /* bad command line */
    MAAT_EXIT_INPUT = 3,     /* input could not be read or parsed */
    MAAT_EXIT_INTERNAL = 4,  /* I/O error or bug */
    MAAT_EXIT_INCOMPLETE = 5 /* what ran passed, but not every check could run (maat attest
                                --offline without current TCB collateral for the quote) */
};

int cmd_quote(int argc, char **argv);      /* cmd_quote.c: `maat quote inspect` */
int cmd_quote_get(int argc, char **argv);  /* cmd_quote_get.c: `maat quote get` */
int cmd_sim(int argc, char **argv);        /* cmd_sim.c:   `maat sim init|quote` */
int cmd_sim_pccs(int argc, char **argv);   /* cmd_sim_pccs.c: `maat sim pccs DIR` */
int cmd_collateral(int argc, char **argv); /* cmd_collateral.c: `maat collateral fetch` */
int cmd_verify(int argc, char **argv);     /* cmd_verify.c: `maat verify` */
int cli_openssl_init_verify(void);         /* openssl_lean.c: before `maat verify` */
int cmd_token(int argc, char **argv);      /* cmd_token.c: `maat token verify` */
int cmd_attest(int argc, char **argv); /* cmd_attest.c: `maat attest` (the MAA sample's relying party) */
int cmd_sign(int argc, char **argv);   /* cmd_sign.c: `maat sign create-cert|policy|cert` */
int cmd_jwt(int argc, char **argv);    /* cmd_jwt.c: `maat jwt decode` */
int cmd_policy(int argc, char **argv); /* cmd_policy.c: `maat policy get|set|reset` */
int cmd_cert(int argc, char **argv);   /* cmd_cert.c: `maat cert list|add|remove` */
int cmd_store(int argc, char **argv);  /* cmd_store.c: `maat store check|copy` */
int cmd_key(int argc, char **argv);    /* cmd_key.c: `maat key rotate --store URI` */

/* Reads a whole file (or "-" for stdin) into a NUL-terminated malloc'd buffer, refusing
 * files larger than max bytes. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, struct maat_error *err);
/* Writes a file atomically enough for a CLI (open, write, close; "-" = stdout). */
int cli_write_file(const char *path, const void *data, size_t len, struct maat_error *err);

/* Guard macros for the `maat` tool, the CLI form of the library's MAAT_TRY / MAAT_ENSURE: a
 * verb function returns an exit code (above), keeps it in `int rc` and releases what it holds
 * at a label `out:` (so a failure still frees, as the library's `goto out` functions do).
 *   CLI_TRY(call, code)           a 0 / -1 call failed: end the verb with exit code `code`
 *                                 (the callee, or the code at `out:`, says why);
 *   CLI_ENSURE(cond, code, ...)   `cond` does not hold: print "maat ...: message\n" (printf
 *                                 arguments, no newline) to stderr and end with `code`;
 *   CLI_FAIL(code)                end the verb with `code` (the message went out already). */
#define CLI_FAIL(code) \
    do {               \
        rc = (code);   \
        goto out;      \
    } while (0)

#define CLI_TRY(call, code)              \
    do {                                 \
        if ((call) != 0) CLI_FAIL(code); \
    } while (0)

#define CLI_ENSURE(cond, code, ...)       \
    do {                                  \
        if (!(cond)) {                    \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr);          \
            CLI_FAIL(code);               \
        }                                 \
    } while (0)

/* One verb of a sub-command (`maat cert add`): its name, the function that runs it (argv[0]
 * is the verb, options follow; returns an exit code) and the command's usage printer. Each
 * cmd_*.c dispatches through a table of these. */
struct cli_verb {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *f);
};

/* The verb named `name` in table[0..n), NULL when there is none (or name is NULL). */
static inline const struct cli_verb *cli_verb_find(const struct cli_verb *table, size_t n,
                                                   const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

/* true when arg is --help or -h */
static inline bool cli_is_help(const char *arg)
{
    return arg != NULL && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0);
}

#endif

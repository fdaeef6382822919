/*
 * cmd_key.c - `maat key rotate --store URI [--alg ALG]`: makes a new current token-signing
 * key in maatd's store (keyring.c: a new key record, then keys/current moved to it by
 * compare-and-swap, then the previous key marked retired). Every running replica on that
 * store picks the change up within a second and serves the new key (and the retired one, for
 * --key-retention) at /certs; a reload (SIGHUP) never rotates.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "keyring.h"
#include "store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat key rotate --store URI [--alg RS256|ES256|PS256]\n"
            "\n"
            "rotate  make a new current signing key in maatd's store; running maatd replicas\n"
            "        on the store serve it within a second, and keep the previous key in /certs\n"
            "        for their --key-retention. --alg: the new key's algorithm (default: the\n"
            "        current key's, RS256 when there is none).\n"
            "\n"
            "URI: sqlite:PATH or PATH (an existing store), or postgresql://... (as maatd's\n"
            "     --store). Passwords are printed as ***.\n"
            "\n"
            "exit codes: 0 rotated, 1 another rotation won the race (nothing changed), 2 usage,\n"
            "            4 the store could not be opened, read or written\n");
}

/* `maat key rotate`: argv[0] is "rotate". */
static int key_rotate(int argc, char **argv)
{
    static const struct option lo[] = {{"store", required_argument, NULL, 's'},
                                       {"alg", required_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *uri = NULL, *alg_name = NULL;
    struct maat_error err = {0};
    struct maat_store *s = NULL;
    int rc = MAAT_EXIT_OK, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': uri = optarg; break;
        case 'a': alg_name = optarg; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    CLI_ENSURE(uri != NULL && optind == argc, MAAT_EXIT_USAGE,
               "maat key rotate: needs --store URI (and no other arguments)");
    enum maat_jws_alg alg = MAAT_JWS_RS256;
    CLI_ENSURE(alg_name == NULL || maat__jws_alg_from_name(alg_name, &alg) == 0, MAAT_EXIT_USAGE,
               "maat key rotate: --alg %s: expected RS256, ES256 or PS256", alg_name);
    char shown[1024];
    maat_store_redacted_uri(uri, shown, sizeof shown);
    /* no empty SQLite file from a typo: the store must be maatd's existing one */
    if (strncmp(uri, "postgres://", 11) && strncmp(uri, "postgresql://", 13)) {
        const char *path = !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri;
        struct stat st;
        CLI_ENSURE(stat(path, &st) == 0, MAAT_EXIT_INTERNAL, "maat key rotate: no store at %s", path);
    }
    CLI_ENSURE(maat_store_open(uri, &s, &err) == 0, MAAT_EXIT_INTERNAL, "maat key rotate: %s",
               err.msg);
    char kid[128], prev[128];
    bool conflict = false;
    CLI_ENSURE(maat_keyring_rotate(s, alg, alg_name == NULL, UINT64_MAX, (int64_t)time(NULL),
                                   &conflict, kid, sizeof kid, prev, sizeof prev, &err) == 0,
               conflict ? MAAT_EXIT_FAIL : MAAT_EXIT_INTERNAL, "maat key rotate: %s: %s", shown,
               err.msg);
    printf("rotated: new kid %s%s%s (store %s)\n", kid, prev[0] ? ", previous kid " : "", prev,
           shown);
out:
    maat_store_close(s);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"rotate", key_rotate, usage},
};

int cmd_key(int argc, char **argv)
{
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0],
                                             argc >= 2 ? argv[1] : NULL);
    if (v == NULL) {
        bool help = argc >= 2 && cli_is_help(argv[1]);
        usage(help ? stdout : stderr);
        return help ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}

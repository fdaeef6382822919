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

int cmd_key(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "rotate")) {
        bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        usage(help ? stdout : stderr);
        return help ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;
    }
    static const struct option lo[] = {{"store", required_argument, NULL, 's'},
                                       {"alg", required_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *uri = NULL, *alg_name = NULL;
    int c;
    optind = 1;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': uri = optarg; break;
        case 'a': alg_name = optarg; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    if (uri == NULL || optind != argc) {
        fprintf(stderr, "maat key rotate: needs --store URI (and no other arguments)\n");
        return MAAT_EXIT_USAGE;
    }
    enum maat_jws_alg alg = MAAT_JWS_RS256;
    if (alg_name != NULL && maat_jws_alg_from_name(alg_name, &alg) != 0) {
        fprintf(stderr, "maat key rotate: --alg %s: expected RS256, ES256 or PS256\n", alg_name);
        return MAAT_EXIT_USAGE;
    }
    char shown[1024];
    maat_store_redacted_uri(uri, shown, sizeof shown);
    /* no empty SQLite file from a typo: the store must be maatd's existing one */
    if (strncmp(uri, "postgres://", 11) && strncmp(uri, "postgresql://", 13)) {
        const char *path = !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri;
        struct stat st;
        if (stat(path, &st) != 0) {
            fprintf(stderr, "maat key rotate: no store at %s\n", path);
            return MAAT_EXIT_INTERNAL;
        }
    }
    struct maat_error err = {0};
    struct maat_store *s = NULL;
    if (maat_store_open(uri, &s, &err) != 0) {
        fprintf(stderr, "maat key rotate: %s\n", err.msg);
        return MAAT_EXIT_INTERNAL;
    }
    char kid[128], prev[128];
    bool conflict = false;
    int rc = maat_keyring_rotate(s, alg, alg_name == NULL, UINT64_MAX, (int64_t)time(NULL),
                                 &conflict, kid, sizeof kid, prev, sizeof prev, &err);
    maat_store_close(s);
    if (rc != 0) {
        fprintf(stderr, "maat key rotate: %s: %s\n", shown, err.msg);
        return conflict ? MAAT_EXIT_FAIL : MAAT_EXIT_INTERNAL;
    }
    printf("rotated: new kid %s%s%s (store %s)\n", kid, prev[0] ? ", previous kid " : "", prev,
           shown);
    return MAAT_EXIT_OK;
}

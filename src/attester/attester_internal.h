/* attester_internal.h - the provider table behind src/include/maat/attester.h (sim, gramine). */
#ifndef MAAT_ATTESTER_INTERNAL_H
#define MAAT_ATTESTER_INTERNAL_H

#include <stdbool.h>

#include "maat/attester.h"

struct maat_sim;

struct maat_attester {
    enum maat_attester_kind kind;
    char *location;       /* sim platform dir or Gramine attestation dir (malloc'd) */
    struct maat_sim *sim; /* sim only */
};

/* sim.c: resolves nothing (dir is final); creates the platform when absent unless
 * no_create. */
int maat__attester_sim_open(struct maat_attester *a, const char *dir, bool no_create,
                            struct maat_error *err);
int maat__attester_sim_quote(struct maat_attester *a, const uint8_t report_data[64],
                             struct maat_buf *out, struct maat_error *err);
void maat__attester_sim_close(struct maat_attester *a);
/* The default platform directory: $MAAT_SIM_DIR, else $HOME/.maat/sim (malloc'd). */
char *maat__attester_sim_default_dir(struct maat_error *err);

/* gramine.c (its directory: maat_attester_gramine_dir, attester.h) */
/* 1: dir/quote exists and attestation_type reads "dcap"; 0: dir/quote absent;
 * -1: present but unusable (err says why: wrong attestation type, unreadable). */
int maat__attester_gramine_probe(const char *dir, struct maat_error *err);
int maat__attester_gramine_quote(struct maat_attester *a, const uint8_t report_data[64],
                                 struct maat_buf *out, struct maat_error *err);

#endif

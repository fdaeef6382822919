/* cmd_sim.c - placeholder until the owner lands the real command (replace this file). */
#include <stdio.h>

#include "cli.h"

int cmd_sim(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "maat sim: not implemented yet\n");
    return MAAT_EXIT_INTERNAL;
}

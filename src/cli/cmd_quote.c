/* cmd_quote.c - placeholder until the owner lands the real command (replace this file). */
#include <stdio.h>

#include "cli.h"

int cmd_quote(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "maat quote: not implemented yet\n");
    return MAAT_EXIT_INTERNAL;
}

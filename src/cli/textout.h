/* textout.h - printing untrusted text for people: claims, header fields (kid, alg), issuers,
 * certificate subjects, service messages and error reasons that carry them. A value chosen by
 * an attester or a service must not be able to move the cursor, recolour the terminal or
 * paint a line of its own (a nonce "\nresult : PASS"): C0 controls (ESC included), DEL and
 * bytes that are not UTF-8 are written as \xNN, C1 controls and the bidirectional overrides
 * (U+202A..U+202E, U+2066..U+2069) as \uNNNN. Everything else, UTF-8 included, is kept.
 * Backslashes are not doubled: the escapes are for display, not for parsing back.
 * Used by `maat attest`, `maat token verify` and `maat jwt decode` (jws_show.c). These
 * commands write no colour codes at all, on a terminal or not (NO_COLOR is thus honoured). */
#ifndef MAAT_CLI_TEXTOUT_H
#define MAAT_CLI_TEXTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Keep '\n' and '\t' as they are (multi-line text such as a policy, where the lines are the
 * content); every other control is still escaped. */
#define CLI_TEXT_KEEP_LINES 1u

/* Escapes s[0..n) into out (always NUL-terminated when outlen > 0, cut at a whole escape or
 * character). Returns the length the whole escaped text needs (without the NUL). */
size_t cli_text_escape(char *out, size_t outlen, const char *s, size_t n, unsigned flags);

/* Writes s[0..n) (or the NUL-terminated s; NULL prints "(null)") escaped to f. */
void cli_text_putn(FILE *f, const char *s, size_t n, unsigned flags);
void cli_text_put(FILE *f, const char *s, unsigned flags);

/* printf whose whole output is escaped, except one final '\n' of the format result: for
 * lines that interpolate untrusted values. */
void cli_text_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* malloc'd escaped copy of s (NULL when out of memory). */
char *cli_text_escaped(const char *s, unsigned flags);

/* Writes s to f with control bytes (ESC and all below 0x20 but tab and newline, and 0x7f)
 * written as \xNN: server messages and certificate names cannot drive the terminal. */
void cli_fputs_safe(const char *s, FILE *f);

/* Colour (ANSI SGR) only when f is a terminal, NO_COLOR is unset or empty
 * (https://no-color.org) and TERM is not "dumb". */
bool cli_use_colour(FILE *f);

#endif

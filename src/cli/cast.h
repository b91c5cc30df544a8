/*
 * `dsmig replay FILE --cast OUT`: the replay console recorded as an
 * asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/),
 * for demos. See cast.c.
 */
#ifndef DSMIG_CLI_CAST_H
#define DSMIG_CLI_CAST_H

#include "ui/console.h"

/* Default and bounds of the pseudo-terminal's size (--cast-size WxH). */
#define CAST_WIDTH      120
#define CAST_HEIGHT     40
#define CAST_MIN_WIDTH  40
#define CAST_MAX_WIDTH  400
#define CAST_MIN_HEIGHT 10
#define CAST_MAX_HEIGHT 200

/* The bounds of a recording: it stops there, the cast kept as far as it
 * got, with a message and exit status 1. */
#define CAST_MAX_BYTES   (64u << 20)   /* of the console's output */
#define CAST_MAX_SECONDS 1800

/* Run the replay console of o (o->replay set) in a pseudo-terminal of
 * width x height until it quits (o->exit_after, or 1 s after the end of
 * the log when it is negative), and write what it draws to out with the
 * time of each chunk. Returns an exit status (enum cli_exit): 0, or 1
 * when out cannot be written, the console failed (out removed) or a
 * bound was reached (out kept as far as it got). */
int cast_record(const struct console_opts *o, const char *out, int width, int height);

#endif /* DSMIG_CLI_CAST_H */

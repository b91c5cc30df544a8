/*
 * Following a growing JSON-lines file (the engine's telemetry while it
 * runs): return each complete line as a JSON value once, keep a partial
 * last line until its newline arrives. A line that is not JSON, or longer
 * than the buffer, is skipped and counted in bad (docs/telemetry.md,
 * "Reading"): the caller tallies it with what the decoder refuses.
 */
#ifndef DSMIG_COMMON_JSONL_TAIL_H
#define DSMIG_COMMON_JSONL_TAIL_H

#include <jansson.h>
#include <stdio.h>

struct jsonl_tail {
	char path[512];
	FILE *f;               /* opened lazily: the file may not exist yet */
	char line[65536];
	size_t len;
	int overlong;          /* the current line did not fit in line */
	unsigned long bad;     /* lines skipped: not JSON, or too long */
};

void jsonl_tail_init(struct jsonl_tail *t, const char *path);

/* The next complete line as JSON (new reference), or NULL if none has
 * arrived yet. Lines that do not parse, or are longer than the buffer,
 * are skipped and counted in t->bad; empty lines are ignored. */
json_t *jsonl_tail_next(struct jsonl_tail *t);

/* Close the file; a partial last line still waiting for its newline
 * counts as bad (the writer was cut short). t->bad stays readable. */
void jsonl_tail_close(struct jsonl_tail *t);

#endif /* DSMIG_COMMON_JSONL_TAIL_H */

/*
 * Following a growing JSON-lines file (the engine's telemetry while it
 * runs): return each complete line as a JSON value once, keep a partial
 * last line until its newline arrives.
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
};

void jsonl_tail_init(struct jsonl_tail *t, const char *path);

/* The next complete line as JSON (new reference), or NULL if none has
 * arrived yet. Lines that do not parse are skipped. */
json_t *jsonl_tail_next(struct jsonl_tail *t);

void jsonl_tail_close(struct jsonl_tail *t);

#endif /* DSMIG_COMMON_JSONL_TAIL_H */

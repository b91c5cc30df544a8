/*
 * The engine's telemetry stream: JSON lines, one event per line, each with
 * the schema version "v", a wall-clock timestamp "t" (ns since the UNIX
 * epoch) and a "type". Schema: docs/telemetry.md. Written by rank 0 only;
 * safe to call from several threads.
 */
#ifndef DSMIG_ENGINE_TELEMETRY_H
#define DSMIG_ENGINE_TELEMETRY_H

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>

#include "common/telemetry_read.h"   /* TELEMETRY_VERSION, shared with the reader */

struct telemetry {
	FILE *f;                 /* NULL: telemetry off */
	pthread_mutex_t lock;
};

/* path: a file (created or truncated), "fd:N" for an inherited descriptor,
 * or NULL for none. Returns 0 or -errno. */
int telemetry_open(struct telemetry *t, const char *path);

/* Write {"v":1,"t":...,"type":type, ...fields}. Steals fields (an object or
 * NULL). */
void telemetry_emit(struct telemetry *t, const char *type, json_t *fields);

void telemetry_close(struct telemetry *t);

#endif /* DSMIG_ENGINE_TELEMETRY_H */

/*
 * Session logs (docs/telemetry.md, "Console session logs"): the recorder
 * the live console writes every record through. A record is a JSON object
 * with "v", "t" (wall-clock ns) and "src"; common/session_log.h reads them
 * back (replay, the model, `dsmig report`).
 */
#ifndef DSMIG_UI_SESSION_H
#define DSMIG_UI_SESSION_H

#include <jansson.h>
#include <stdio.h>

#include "common/session_log.h"   /* SESSION_VERSION and the reader */

struct session_writer {
	FILE *f;
	char path[512];
};

/* Open path, or a new file in the default directory when path is NULL
 * ($XDG_STATE_HOME/dsmig or ~/.local/state/dsmig, created as needed).
 * Returns 0 or -1 with a message in err. */
int session_writer_open(struct session_writer *w, const char *path, char *err,
			size_t errlen);

/* Stamp rec with v, t (now, unless it has one) and src; write it as one
 * line. Takes a reference of its own; the caller keeps rec. */
void session_write(struct session_writer *w, const char *src, json_t *rec);

void session_writer_close(struct session_writer *w);

#endif /* DSMIG_UI_SESSION_H */

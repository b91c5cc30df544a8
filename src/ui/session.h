/*
 * Session logs (docs/telemetry.md, "Console session logs"): the recorder
 * the live console writes every record through, and the loader replay and
 * report read them back with. A record is a JSON object with "v", "t"
 * (wall-clock ns) and "src".
 */
#ifndef DSMIG_UI_SESSION_H
#define DSMIG_UI_SESSION_H

#include <jansson.h>
#include <stdio.h>

#define SESSION_VERSION 1

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

/* A whole log in memory, in file order. */
struct session_log {
	json_t **recs;
	size_t n;
	unsigned bad;          /* lines that were not valid records */
	unsigned first_bad;    /* line number of the first, 0 if none */
};

/* Load path. Returns 0 if at least one valid record was read (bad lines
 * counted), or -1 with a message in err. */
int session_load(struct session_log *l, const char *path, char *err, size_t errlen);

void session_log_free(struct session_log *l);

/* Time of record i in seconds (wall clock). */
double session_time(const struct session_log *l, size_t i);

#endif /* DSMIG_UI_SESSION_H */

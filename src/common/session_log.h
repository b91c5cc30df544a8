/*
 * Reading console session logs (docs/telemetry.md, "Console session
 * logs"): the one reader that replay, the console's model and `dsmig
 * report` share. The writer is src/ui/session.c.
 *
 * A record is a JSON object with the session version "v", the wall-clock
 * time "t" (ns) and a source "src"; engine records carry a telemetry event
 * under "ev", decoded here by telemetry_read_decode(). A log is hostile
 * input: lines longer than SESSION_LINE_MAX, lines that are not JSON and
 * malformed records are refused and counted (the first one named with its
 * reason); records of an unknown src or engine event type are kept for
 * the caller to skip, and counted; a record of another session version
 * (a positive integer other than SESSION_VERSION) refuses the whole log,
 * since nothing in it can be trusted to mean what this reader thinks; a
 * "v" that is no positive integer is just a malformed record.
 */
#ifndef DSMIG_COMMON_SESSION_LOG_H
#define DSMIG_COMMON_SESSION_LOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/telemetry_read.h"

/* The session log's major version, written in every record's "v". */
#define SESSION_VERSION 1

/* The longest line read; a longer one is refused (and skipped). */
#define SESSION_LINE_MAX (1024 * 1024)

enum session_src {
	SESSION_SRC_UNKNOWN,     /* a src this reader does not know: skip */
	SESSION_SRC_SESSION,
	SESSION_SRC_PROBE,
	SESSION_SRC_ENGINE,
	SESSION_SRC_MIGRATION,
	SESSION_SRC_OPERATOR,
};

/* A record's envelope, decoded. */
struct session_rec {
	int64_t v;               /* the version it claims (0: none, or not a
				    positive integer) */
	int64_t t;               /* wall clock, ns since the epoch */
	enum session_src src;
	int64_t mig;             /* engine and migration records: the migration */
	struct tel_event ev;     /* engine records: the event (TEL_UNKNOWN: skip) */
};

/* Decode one record. Returns 0, or -1 with the reason in why: not an
 * object, no integer v, t or string src, another version (out->v tells
 * which), an engine or migration record without an integer "mig", an
 * engine record whose "ev" telemetry_read_decode() refuses. */
int session_log_decode(json_t *rec, struct session_rec *out, char *why, size_t len);

/* 1 if a decoded record is one the caller should skip (unknown src or
 * engine event type), else 0. */
int session_log_skipped(const struct session_rec *r);

/* Count the result rc of session_log_decode() (with its why and record)
 * in *tl as telemetry_read_tally() does: refused, skipped (unknown src or
 * engine event type) or decoded. Returns 1 if the record is to be used. */
int session_log_tally(struct tel_tally *tl, int rc, const struct session_rec *r,
		      const char *why);

/* A whole log in memory. */
struct session_log {
	json_t **recs;           /* the records decode accepted, in file order */
	size_t n;
	unsigned lines;
	unsigned bad;            /* lines refused */
	unsigned first_bad;      /* line number of the first, 0 if none */
	char first_bad_why[160];
	unsigned skipped;        /* records of an unknown src or event type */
};

/* Load path. Returns 0 if at least one record was accepted, or -1 with a
 * message in why: unreadable, out of memory, a record of another session
 * version, or no valid record at all. */
int session_log_load(struct session_log *l, const char *path, char *why, size_t len);

void session_log_free(struct session_log *l);

/* Time of record i in seconds (wall clock). */
double session_log_time(const struct session_log *l, size_t i);

#endif /* DSMIG_COMMON_SESSION_LOG_H */

/*
 * Replaying a session log into the model on a virtual clock: play, pause,
 * speed, seek (backwards by rebuilding the model from the start).
 */
#ifndef DSMIG_UI_REPLAY_H
#define DSMIG_UI_REPLAY_H

#include "ui/model.h"
#include "ui/session.h"

struct replay {
	struct session_log log;
	size_t next;            /* next record to apply */
	double *at;             /* each record's replay time: s since the first
				   record, never decreasing (replay.c) */
	double duration;        /* of the whole log: the last record's at, s */
	double vt;              /* virtual time, on the scale of at */
	double speed;
	int paused;
};

/* Load path (bad lines are counted in r->log.bad). Returns 0 or -1. */
int replay_open(struct replay *r, const char *path, double speed, char *err,
		size_t errlen);

/* Advance by real_dt seconds of wall time and apply what is due. */
void replay_tick(struct replay *r, struct model *m, double real_dt);

/* Jump to virtual time vt (clamped to the log). */
void replay_seek(struct replay *r, struct model *m, double vt);

int replay_done(const struct replay *r);

void replay_close(struct replay *r);

#endif /* DSMIG_UI_REPLAY_H */

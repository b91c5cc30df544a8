/*
 * Session replay on a virtual clock (see replay.h). Records are applied
 * in file order, each when the virtual clock reaches its replay time:
 * the time since the first record, except that the wall clock of a
 * recording may jump backwards (a record written after a clock step, or
 * one record stamped later than those after it), and replay time never
 * does: a record earlier than its predecessor is due together with it,
 * and the gaps after it count from there. So every record is applied and
 * the replay ends once the clock reaches the last record's replay time.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ui/replay.h"

int replay_open(struct replay *r, const char *path, double speed, char *err,
		size_t errlen)
{
	double prev, t;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (session_log_load(&r->log, path, err, errlen))
		return -1;
	r->at = malloc(r->log.n * sizeof(*r->at));
	if (!r->at) {
		session_log_free(&r->log);
		return errbuf_set(err, errlen, "%s: out of memory", path);
	}
	prev = session_log_time(&r->log, 0);
	r->at[0] = 0;
	for (i = 1; i < r->log.n; i++) {
		t = session_log_time(&r->log, i);
		r->at[i] = r->at[i - 1] + (t > prev ? t - prev : 0);
		prev = t;
	}
	r->duration = r->at[r->log.n - 1];
	r->speed = speed > 0 ? speed : 1;
	return 0;
}

static void apply_until(struct replay *r, struct model *m)
{
	while (r->next < r->log.n && r->at[r->next] <= r->vt)
		model_apply(m, r->log.recs[r->next++]);
}
void replay_tick(struct replay *r, struct model *m, double real_dt)
{
	if (!r->paused)
		r->vt += real_dt * r->speed;
	if (r->vt > r->duration)
		r->vt = r->duration;
	apply_until(r, m);
}

void replay_seek(struct replay *r, struct model *m, double vt)
{
	if (vt < 0)
		vt = 0;
	if (vt > r->duration)
		vt = r->duration;
	if (vt < r->vt) {
		model_reset(m);
		r->next = 0;
	}
	r->vt = vt;
	apply_until(r, m);
}

int replay_done(const struct replay *r)
{
	return r->next >= r->log.n;
}

void replay_close(struct replay *r)
{
	session_log_free(&r->log);
	free(r->at);
	r->at = NULL;
}

/* Session replay on a virtual clock (see replay.h). */
#include <string.h>

#include "ui/replay.h"

int replay_open(struct replay *r, const char *path, double speed, char *err,
		size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (session_log_load(&r->log, path, err, errlen))
		return -1;
	r->t_first = session_log_time(&r->log, 0);
	r->duration = session_log_time(&r->log, r->log.n - 1) - r->t_first;
	if (r->duration < 0)
		r->duration = 0;
	r->speed = speed > 0 ? speed : 1;
	return 0;
}

static void apply_until(struct replay *r, struct model *m)
{
	while (r->next < r->log.n &&
	       session_log_time(&r->log, r->next) - r->t_first <= r->vt)
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
}

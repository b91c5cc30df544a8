/* The guest's view of a migration from sampled counters (guest_watch.h). */
#include <string.h>

#include "engine/guest_watch.h"

void guest_watch_init(struct guest_watch *w, double rate_before)
{
	memset(w, 0, sizeof(*w));
	w->rate_before = rate_before;
	w->window_ns = GUEST_WATCH_WINDOW_MAX_NS;
	if (rate_before > 0) {
		double ns = GUEST_WATCH_WINDOW_UNITS / rate_before * 1e9;

		if (ns < (double)GUEST_WATCH_WINDOW_MAX_NS)
			w->window_ns = ns < (double)GUEST_WATCH_WINDOW_MIN_NS
				? GUEST_WATCH_WINDOW_MIN_NS : (uint64_t)ns;
	}
}

static const struct guest_watch_point *point(const struct guest_watch *w, unsigned back)
{
	return &w->ring[(w->head + GUEST_WATCH_RING - 1 - back) % GUEST_WATCH_RING];
}

/* The rate over the trailing window ending at the newest point: the
 * oldest point at least a window back, else the oldest held if it spans
 * at least half a window. Returns 0 and *rate, or -1 (too little yet). */
static int window_rate(const struct guest_watch *w, double *rate)
{
	const struct guest_watch_point *now = point(w, 0), *from = NULL;
	unsigned i;

	for (i = 1; i < w->count; i++) {
		from = point(w, i);
		if (now->t_ns - from->t_ns >= w->window_ns)
			break;
	}
	if (!from || now->t_ns - from->t_ns < w->window_ns / 2)
		return -1;
	*rate = (double)(now->progress - from->progress) * 1e9 /
		(double)(now->t_ns - from->t_ns);
	return 0;
}

void guest_watch_sample(struct guest_watch *w, const struct hv_stats *st)
{
	double rate;

	if (!st->has_counters)
		return;
	if (st->heartbeat_ns && st->guest_ns > st->heartbeat_ns &&
	    st->guest_ns - st->heartbeat_ns > w->stale_max_ns)
		w->stale_max_ns = st->guest_ns - st->heartbeat_ns;
	if (w->count && (st->time_ns <= point(w, 0)->t_ns ||
			 st->progress < point(w, 0)->progress))
		return;   /* not later, or a counter that went back: no interval */
	w->ring[w->head] = (struct guest_watch_point){ st->time_ns, st->progress };
	w->head = (w->head + 1) % GUEST_WATCH_RING;
	if (w->count < GUEST_WATCH_RING)
		w->count++;
	if (w->rate_before > 0 && w->count > 1 && window_rate(w, &rate) == 0 &&
	    rate < w->rate_before / 2)
		w->degraded_ns += point(w, 0)->t_ns - point(w, 1)->t_ns;
}

void guest_watch_stop(struct guest_watch *w, uint64_t stop_ns)
{
	w->degraded_ns += stop_ns;
	w->count = 0;
	w->head = 0;
}

int guest_watch_has_degraded(const struct guest_watch *w)
{
	return w->rate_before > 0;
}

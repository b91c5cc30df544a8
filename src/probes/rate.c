/* Sliding-window rate meter (see rate.h): a ring of (time, counter)
 * readings; the rate is the counter's growth from the oldest kept reading
 * to the newest. */
#include "probes/rate.h"

void rate_meter_init(struct rate_meter *m, uint64_t window_ns)
{
	m->window_ns = window_ns;
	m->first = 0;
	m->count = 0;
}

static struct rate_sample *rate_meter_at(struct rate_meter *m, unsigned i)
{
	return &m->s[(m->first + i) % RATE_METER_SLOTS];
}

static void rate_meter_drop_oldest(struct rate_meter *m)
{
	m->first = (m->first + 1) % RATE_METER_SLOTS;
	m->count--;
}

double rate_meter_update(struct rate_meter *m, uint64_t bytes, uint64_t now_ns)
{
	const struct rate_sample *last, *base;
	uint64_t start;

	if (m->count) {
		last = rate_meter_at(m, m->count - 1);
		if (bytes < last->bytes || now_ns <= last->t_ns)
			m->count = 0;
	}
	if (m->count == RATE_METER_SLOTS)
		rate_meter_drop_oldest(m);
	*rate_meter_at(m, m->count) = (struct rate_sample){ now_ns, bytes };
	m->count++;

	/* Keep one reading at or before the window's start, none older. */
	start = now_ns > m->window_ns ? now_ns - m->window_ns : 0;
	while (m->count > 2 && rate_meter_at(m, 1)->t_ns <= start)
		rate_meter_drop_oldest(m);
	if (m->count < 2)
		return 0.0;
	base = rate_meter_at(m, 0);
	return (double)(bytes - base->bytes) * 8.0 * 1e9 /
	       (double)(now_ns - base->t_ns);
}

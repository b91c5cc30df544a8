/* Rank 0's progress sampler (sampler.h). */
#include <time.h>

#include "common/log.h"
#include "engine/sampler.h"

/* One "sample" event: the interval since the last one. Returns the bytes
 * on the wire it reported. */
static uint64_t emit_sample(struct sampler *s, const struct hv_stats *prev,
			const struct hv_stats *cur, uint64_t prev_bytes, double dt)
{
	struct sampler_view v = { 0 };
	double vcpu = 0;

	s->view(s->arg, &v);
	if (prev->time_ns && cur->time_ns > prev->time_ns && cur->nr_vcpus)
		vcpu = 100.0 * (double)(cur->cpu_ns - prev->cpu_ns) /
		       (double)(cur->time_ns - prev->time_ns) / cur->nr_vcpus;
	telemetry_emit(&s->e->tel, "sample",
		json_pack("{s:s, s:i, s:I, s:f, s:I, s:f, s:I}",
			  "phase", v.phase, "round", (int)v.round,
			  "bytes", (json_int_t)v.bytes,
			  "rate_bps", dt > 0 ? (double)(v.bytes - prev_bytes) * 8 / dt : 0.0,
			  "dirty_pages", (json_int_t)v.dirty,
			  "vcpu_pct", vcpu,
			  "progress", (json_int_t)cur->progress));
	return v.bytes;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	struct engine *e = s->e;
	struct hv_vm *vm = NULL;
	struct hv_vm_info info;
	struct hv_stats prev = { 0 }, cur = { 0 };
	uint64_t prev_bytes = 0, prev_t = time_mono_ns();
	struct timespec nap = { 0, SAMPLER_POLL_MS * 1000000L };
	unsigned polls = 0;
	char why[512];

	if (e->hv->attach(&vm, e->opt.req.from, e->opt.req.vm, &info, why, sizeof(why))) {
		log_error("sampler: %s", why);
		return NULL;
	}
	if (e->hv->query_stats(vm, &prev))
		prev.time_ns = 0;
	cur = prev;
	while (!s->stop) {
		struct hv_stats st;
		uint64_t now;

		nanosleep(&nap, NULL);
		if (e->hv->query_stats(vm, &st) == 0) {
			cur = st;
			if (s->watch && st.running)
				guest_watch_sample(s->watch, &st);
		}
		if (++polls % (SAMPLER_INTERVAL_MS / SAMPLER_POLL_MS))
			continue;
		now = time_mono_ns();
		prev_bytes = emit_sample(s, &prev, &cur, prev_bytes,
					 (double)(now - prev_t) / 1e9);
		prev = cur;
		prev_t = now;
	}
	e->hv->detach(vm);
	return NULL;
}

void sampler_start(struct sampler *s, struct engine *e,
		   void (*view)(void *arg, struct sampler_view *v), void *arg,
		   struct guest_watch *watch)
{
	s->e = e;
	s->watch = watch;
	s->view = view;
	s->arg = arg;
	s->stop = 0;
	s->running = pthread_create(&s->thread, NULL, sampler_main, s) == 0;
	if (!s->running)
		log_warn("no progress samples: cannot start the sampler thread");
}

void sampler_stop(struct sampler *s)
{
	if (!s->running)
		return;
	s->stop = 1;
	pthread_join(s->thread, NULL);
	s->running = 0;
}

/*
 * Rank 0, the source coordinator: the pre-copy loop, read top to bottom.
 *
 *   measure the workload's rate (baseline)
 *   round 0: every page;  rounds 1..: pages dirtied during the previous one
 *   until the stop policy says so; then pause the source, final round,
 *   state (+ hashes for --verify) to rank 1
 *   READY from rank 1  ->  GO (the switch-over)  ->  CONFIRM  ->  release
 *
 * Until GO is sent every failure resumes the source and discards the
 * destination. After GO the destination may own the VM, so the source is
 * never resumed by the engine: it stays paused and the failure is reported
 * (exit status 3) for the caller to settle from the VMMs' own state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "engine/blob.h"
#include "engine/engine.h"
#include "engine/estimate.h"
#include "engine/method.h"
#include "engine/postcopy.h"
#include "engine/sampler.h"

enum phase { PH_BASELINE, PH_PRECOPY, PH_STOP_AND_COPY, PH_SWITCHOVER, PH_POSTCOPY };

static const char *const phase_names[] = {
	[PH_BASELINE] = "baseline", [PH_PRECOPY] = "precopy",
	[PH_STOP_AND_COPY] = "stop-and-copy", [PH_SWITCHOVER] = "switch-over",
	[PH_POSTCOPY] = "post-copy",
};

/* What the sampler thread reads while the main thread works. */
struct progress {
	_Atomic int phase;
	_Atomic unsigned round;
	_Atomic uint64_t done_bytes;      /* bytes of completed rounds, all ranks */
	_Atomic uint64_t rank0_at_round;  /* rank 0's bytes_sent at round start */
	_Atomic uint64_t last_dirty;
};

struct source {
	struct engine *e;
	struct progress prog;
	struct sampler sampler;
	/* the paper's metrics */
	uint64_t t_start, t_pause, t_resume, t_end;          /* wall ns */
	uint64_t bytes_rounds, bytes_state, bytes_verify, bytes_control, bytes_postcopy;
	uint64_t guest_gap_ns;
	int has_counters;          /* the guest publishes a counter block */
	struct guest_watch watch;  /* what the guest lived through (sampler, after) */
	unsigned iterations;
	double est_percent;         /* the progress shown so far (estimate.h) */
	uint64_t working_set;       /* the most pages a round had to send */
	enum precopy_stop_reason why;
	double rate_before, rate_during, rate_after;
	uint64_t progress_start, progress_pause, start_mono;
	uint64_t selfcheck_fail_after;
	int paused, switched;
	int final_sent;            /* ROUND_FINAL broadcast: followers left the loop */
	struct method_ctx mctx;
	/* Methods that sync halfway through round 0 (method.h) */
	const uint64_t *shared;    /* the backend's dirty bitmap */
	uint64_t *halfway;         /* what the halfway sync found */
	int halfway_taken;         /* in this round, halfway holds a sync */
	int halfway_failed;
	int timed_out;             /* rank 1 did not answer in time */
	struct hv_stats paused_st; /* the source right after the pause */
	/* post-copy methods */
	uint64_t *missing;         /* pages the destination will lack */
	uint64_t *order, nr_missing;   /* ... in push order */
	struct postcopy_tally pc;
	struct handshake confirm;  /* CONFIRM from rank 1 */
};

static void phase(struct source *s, enum phase p, json_t *extra)
{
	json_t *f = json_pack("{s:s}", "phase", phase_names[p]);

	s->prog.phase = p;
	if (extra) {
		json_object_update(f, extra);
		json_decref(extra);
	}
	telemetry_emit(&s->e->tel, "phase", f);
}

static void method_fini(struct source *s)
{
	if (s->mctx.nwords)
		s->e->method->fini(&s->mctx);
	memset(&s->mctx, 0, sizeof(s->mctx));
	free(s->halfway);
	s->halfway = NULL;
}

/* What the sampler reads (sampler.h): published by the main thread. */
static void source_view(void *arg, struct sampler_view *v)
{
	struct source *s = arg;

	v->phase = phase_names[s->prog.phase];
	v->round = s->prog.round;
	v->bytes = s->prog.done_bytes +
		   (atomic_load(&s->e->bytes_sent) - s->prog.rank0_at_round);
	v->dirty = s->prog.last_dirty;
}

static double rate_between(const struct hv_stats *a, const struct hv_stats *b)
{
	if (b->time_ns <= a->time_ns)
		return 0;
	return (double)(b->progress - a->progress) * 1e9 / (double)(b->time_ns - a->time_ns);
}

void engine_emit_start(struct engine *e, int compress, int delta)
{
	telemetry_emit(&e->tel, "start",
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:I, s:i, s:i, s:I, s:b, s:i, s:i, s:b, s:b}",
			  "vm", e->opt.req.vm, "method", e->opt.req.method, "hv", e->hv->name,
			  "src", e->opt.req.from, "dst", e->opt.req.to,
			  "ranks", e->nranks, "bandwidth_bps", e->opt.req.bandwidth_bps,
			  "mem_bytes", (json_int_t)e->info.mem_bytes,
			  "vcpus", (int)e->info.nr_vcpus,
			  "max_iters", (int)e->opt.policy.max_iterations,
			  "target_dirty", (json_int_t)e->opt.policy.target_dirty,
			  "verify", e->opt.req.verify,
			  "hot_window", (int)e->opt.req.hot_window,
			  "hot_threshold", (int)e->opt.req.hot_threshold,
			  "compress", compress, "delta", delta));
}

/* The workload's own rate before the migration, over at least
 * baseline_ms: from dsmig migrate's sample (--baseline-from), taken before
 * it started the engine, so that only what is left of the window is
 * waited here; else from a sample now. A sample from the future, from
 * more than a minute ago or with more progress than now (another guest)
 * is not used. Leaves the window's end in *b. 0, or -1 as query_stats. */
static int measure_baseline(struct source *s, struct hv_stats *b)
{
	struct engine *e = s->e;
	uint64_t window = (uint64_t)e->opt.baseline_ms * 1000000ull, waited;
	struct hv_stats a;

	if (e->hv->query_stats(e->vm, b))
		return -1;
	a = *b;
	if (e->opt.has_baseline_from && b->has_counters &&
	    e->opt.baseline_time_ns < b->time_ns &&
	    b->time_ns - e->opt.baseline_time_ns < 60000000000ull &&
	    e->opt.baseline_progress <= b->progress) {
		a.time_ns = e->opt.baseline_time_ns;
		a.progress = e->opt.baseline_progress;
	}
	waited = b->time_ns - a.time_ns;
	if (waited < window) {
		struct timespec ts = { (time_t)((window - waited) / 1000000000ull),
				       (long)((window - waited) % 1000000000ull) };

		nanosleep(&ts, NULL);
		if (e->hv->query_stats(e->vm, b))
			return -1;
	}
	s->rate_before = rate_between(&a, b);
	return 0;
}

/* Everything before round 0: the workload's own rate, dirty logging.
 * Returns 0, or -1 with the reason in e->hv->error(e->vm). */
static int source_prepare(struct source *s, const uint64_t **shared)
{
	struct engine *e = s->e;
	struct hv_stats b;

	engine_emit_start(e, e->codec.compress, e->codec.delta);
	phase(s, PH_BASELINE, NULL);
	if (measure_baseline(s, &b))
		return -1;
	s->has_counters = b.has_counters;
	guest_watch_init(&s->watch, b.has_counters ? s->rate_before : 0);
	s->progress_start = b.progress;
	s->start_mono = b.time_ns;
	s->t_start = time_wall_ns();
	if (e->hv->dirty_log_start(e->vm, shared))
		return -1;
	memset(e->bitmap, 0xff, e->bitmap_words * sizeof(uint64_t));
	if (e->npages % 64)
		e->bitmap[e->bitmap_words - 1] = (1ull << (e->npages % 64)) - 1;
	s->prog.phase = PH_PRECOPY;
	sampler_start(&s->sampler, e, source_view, s, &s->watch);
	phase(s, PH_PRECOPY, NULL);
	return 0;
}

/* Refresh the shared dirty bitmap: pages dirtied since the last sync.
 * Returns their number, or -errno as the backend's dirty_sync. */
static int64_t sync_dirty(struct source *s)
{
	int64_t n = s->e->hv->dirty_sync(s->e->vm);

	s->prog.last_dirty = n < 0 ? 0 : (uint64_t)n;
	return n;
}

/* Pause the source and note its progress. Returns 0, or -1 with the reason
 * in e->hv->error(e->vm). */
static int source_pause(struct source *s)
{
	struct hv_stats st;

	s->t_pause = time_wall_ns();
	if (s->e->hv->pause(s->e->vm))
		return -1;
	s->paused = 1;
	if (s->e->hv->query_stats(s->e->vm, &st) == 0 && st.time_ns > s->start_mono) {
		s->paused_st = st;
		s->progress_pause = st.progress;
		s->rate_during = (double)(st.progress - s->progress_start) * 1e9 /
				 (double)(st.time_ns - s->start_mono);
	}
	return 0;
}

/* The vCPU and device state to rank 1. Returns 0 or -1 with a reason. */
static int source_send_state(struct source *s, char *why, size_t len)
{
	struct engine *e = s->e;
	void *blob, *msg;
	size_t blob_len, msg_len;
	int rc;

	if (e->hv->save_state(e->vm, &blob, &blob_len))
		return errbuf_set(why, len, "cannot save the source VM's state: %s",
				  e->hv->error(e->vm));
	/* Compressed like the pages: it is on the downtime's critical path. */
	msg = blob_pack(e->codec.compress, blob, blob_len, &msg_len);
	free(blob);
	if (!msg)
		return snprintf(why, len, "cannot pack the state"), -1;
	rc = engine_send(e, msg, msg_len, 1, TAG_STATE);
	free(msg);
	if (rc)
		return snprintf(why, len, "cannot send the state"), -1;
	s->bytes_state = msg_len;
	return 0;
}

/* Post-copy: the final set becomes the pages the destination will pull,
 * and the final round itself carries none. Returns 0 or -1. */
static int source_plan_postcopy(struct source *s)
{
	struct engine *e = s->e;
	size_t bytes = e->bitmap_words * sizeof(uint64_t);

	s->missing = malloc(bytes);
	s->order = malloc(e->npages * sizeof(uint64_t));
	if (!s->missing || !s->order)
		return -1;
	memcpy(s->missing, e->bitmap, bytes);
	s->nr_missing = e->method->push_order(&s->mctx, s->missing, s->order);
	memset(e->bitmap, 0, bytes);
	return 0;
}

/* After a pre-copy round: what is left, re-predicted from what it
 * measured, as an "estimate" record (docs/telemetry.md). */
static void emit_estimate(struct source *s, const struct precopy_stats *ps,
			  const struct round_stats *tot, uint64_t bytes, uint64_t dur_ns)
{
	struct engine *e = s->e;
	struct hv_stats st = { 0 };
	struct estimate_in in = {
		.bytes_done = s->bytes_rounds, .iteration = ps->iteration,
		.next_pages = ps->dirty_count, .held = ps->held,
		/* Later rounds resend pages the guest wrote: a zero page
		 * (a header, in round 0 most of them) is not what they cost. */
		.bytes_per_page = tot->pages > tot->zero_pages ?
				  (double)bytes / (double)(tot->pages - tot->zero_pages) : 0,
		.dirty_pps = ps->dirty_rate,
		.postcopy = e->method->postcopy,
	};
	struct estimate_out out;

	/* Pages a later round sends per second: the link's byte rate over
	 * what such a page costs (round 0's zero pages went by faster). */
	if (in.bytes_per_page > 0 && dur_ns)
		in.send_pps = (double)bytes * 1e9 / (double)dur_ns / in.bytes_per_page;
	if (e->hv->query_stats(e->vm, &st) == 0)
		in.dirty_pps_1s = st.dirty_pps;
	s->working_set = ps->dirty_count > s->working_set ? ps->dirty_count : s->working_set;
	in.working_set = s->working_set;
	if (estimate_precopy(&e->opt.policy, &in, &out))
		return;
	s->est_percent = estimate_percent(s->est_percent, s->bytes_rounds, out.final_bytes);
	telemetry_emit(&e->tel, "estimate",
		json_pack("{s:i, s:f, s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:f, s:f}",
			  "round", (int)ps->iteration - 1, "percent", s->est_percent,
			  "bytes_done", (json_int_t)s->bytes_rounds,
			  "final_bytes", (json_int_t)out.final_bytes,
			  "bytes_left", (json_int_t)(out.final_bytes > s->bytes_rounds ?
						     out.final_bytes - s->bytes_rounds : 0),
			  "rounds", (int)out.rounds,
			  "until_resume_ns", (json_int_t)(out.until_resume_s * 1e9),
			  "downtime_ns", (json_int_t)(out.downtime_s * 1e9),
			  "downtime_now_ns", (json_int_t)(out.downtime_now_s * 1e9),
			  "dirty_pps", ps->dirty_rate, "send_pps", in.send_pps));
}

/* Rank 0's sender half way through round 0 (engine.h): sync, so that the
 * method sees which pages the guest rewrote within the round. */
static void source_halfway(void *arg)
{
	struct source *s = arg;

	if (sync_dirty(s) < 0) {
		s->halfway_failed = 1;
		return;
	}
	memcpy(s->halfway, s->shared, s->e->bitmap_words * sizeof(uint64_t));
	s->halfway_taken = 1;
}

/* Arm the halfway sync for this round if the method wants one. Returns 0
 * or -1 (out of memory). */
static int arm_halfway(struct source *s, unsigned round)
{
	struct engine *e = s->e;

	s->halfway_taken = 0;
	if (round != 0 || !e->method->halfway_sync)
		return 0;
	s->halfway = calloc(e->bitmap_words, sizeof(uint64_t));
	if (!s->halfway)
		return -1;
	e->halfway = source_halfway;
	e->halfway_arg = s;
	return 0;
}

/* The pages dirtied during the round: the last sync's, and the halfway
 * sync's if there was one. */
static int64_t round_dirty_count(const struct source *s, int64_t dirty)
{
	uint64_t i, n = 0;

	if (dirty < 0 || !s->halfway_taken)
		return dirty;
	for (i = 0; i < s->e->bitmap_words; i++)
		n += (uint64_t)__builtin_popcountll(s->halfway[i] | s->shared[i]);
	return (int64_t)n;
}

/* The iterative rounds and the final one, the method choosing each
 * round's pages. Returns 0 or -1 with a reason. */
static int source_rounds(struct source *s, const uint64_t *shared, char *why, size_t len)
{
	struct engine *e = s->e;
	const struct method *m = e->method;
	struct round_ctl ctl = { .round = 0, .kind = ROUND_ITERATE };
	struct round_stats tot;
	uint64_t held_now = 0;   /* pages held back when this round's set was chosen */
	int rc;

	s->shared = shared;
	heat_map_init(&e->heat, &s->mctx.dir, e->npages);
	for (;;) {
		uint64_t t0 = time_mono_ns(), dur, bytes, held_next = 0, next = 0;
		int64_t dirty = -1;
		struct precopy_stats ps;

		ctl.nr_pages = bitmap_weight(e->bitmap, e->bitmap_words);
		s->prog.round = ctl.round;
		s->prog.rank0_at_round = atomic_load(&e->bytes_sent);
		if (MPI_Bcast(&ctl, sizeof(ctl), MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
			return snprintf(why, len, "round control failed"), -1;
		s->final_sent = round_is_final(ctl.kind);
		s->bytes_control += sizeof(ctl) * (uint64_t)(e->nranks - 1);
		/* The state first, at high priority, when the method wants it. */
		if (round_state_first(ctl.kind) && source_send_state(s, why, len))
			return -1;
		/* Post-copy's final round sends no pages: its records follow. */
		if (!s->missing)
			heat_map_round(&e->heat, &e->tel, ctl.round, &s->mctx.dir, e->bitmap,
				       round_is_final(ctl.kind) ? NULL : s->mctx.pending);
		if (arm_halfway(s, ctl.round))
			return snprintf(why, len, "out of memory"), -1;
		rc = engine_round(e, &ctl, &tot);
		e->halfway = NULL;
		if (rc || tot.errors)
			return snprintf(why, len, "round %u failed (%llu invalid messages)",
					ctl.round, (unsigned long long)tot.errors), -1;
		if (s->halfway_failed)
			return errbuf_set(why, len, "dirty-log sync failed: %s",
					  e->hv->error(e->vm));
		m->sent(&s->mctx, e->bitmap, ctl.round);
		dur = time_mono_ns() - t0;
		bytes = tot.payload_bytes + tot.header_bytes;
		s->bytes_rounds += bytes;
		s->prog.done_bytes = s->bytes_rounds;
		s->iterations = ctl.round + 1;
		if (!s->final_sent) {
			dirty = sync_dirty(s);
			if (dirty < 0)
				return errbuf_set(why, len, "dirty-log sync failed: %s",
						  e->hv->error(e->vm));
			next = m->next(&s->mctx, s->halfway_taken ? s->halfway : NULL, shared,
				       e->bitmap, &held_next);
			dirty = round_dirty_count(s, dirty);
		}
		telemetry_emit(&e->tel, "iteration",
			json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I}",
				  "round", (int)ctl.round,
				  "kind", s->final_sent ? "final" : "precopy",
				  "pages_in_set", (json_int_t)ctl.nr_pages,
				  "pages_sent", (json_int_t)tot.pages,
				  "zero_pages", (json_int_t)tot.zero_pages,
				  "payload_bytes", (json_int_t)tot.payload_bytes,
				  "header_bytes", (json_int_t)tot.header_bytes,
				  "bytes", (json_int_t)bytes,
				  "duration_ns", (json_int_t)dur,
				  "dirty_rate_pps", dirty < 0 ? 0.0 : (double)dirty * 1e9 / (double)dur,
				  "dirtied_pages", (json_int_t)(dirty < 0 ? 0 : dirty),
				  "hot_deferred", (json_int_t)held_now));
		if (tot.recv_pages != tot.pages)
			return snprintf(why, len, "round %u: %llu pages sent but %llu applied",
					ctl.round, (unsigned long long)tot.pages,
					(unsigned long long)tot.recv_pages), -1;
		if (s->final_sent)
			return 0;

		ps = (struct precopy_stats) {
			.iteration = ctl.round + 1, .dirty_count = next,
			.held = held_next,
			.dirty_rate = (double)dirty * 1e9 / (double)dur,
			.send_rate = (double)tot.pages * 1e9 / (double)dur,
			.data_send_rate = (double)(tot.pages - tot.zero_pages) * 1e9 /
					  (double)dur,
		};
		held_now = held_next;
		ctl.round++;
		emit_estimate(s, &ps, &tot, bytes, dur);
		if (precopy_decide(&e->opt.policy, &ps, &s->why) == PRECOPY_CONTINUE)
			continue;
		phase(s, PH_STOP_AND_COPY,
		      json_pack("{s:s, s:I}", "reason", precopy_stop_reason_name(s->why),
				"hot_pages", (json_int_t)held_next));
		if (source_pause(s))
			return errbuf_set(why, len, "cannot pause the source: %s",
					  e->hv->error(e->vm));
		fault_hold("paused");
		if (sync_dirty(s) < 0)
			return errbuf_set(why, len, "dirty-log sync failed: %s",
					  e->hv->error(e->vm));
		m->final(&s->mctx, shared, e->bitmap);
		held_now = 0;
		ctl.kind = m->state_first ? ROUND_FINAL_STATE_FIRST : ROUND_FINAL;
		if (m->postcopy) {
			if (source_plan_postcopy(s))
				return snprintf(why, len, "out of memory"), -1;
			ctl.kind = ROUND_FINAL_POSTCOPY;
		}
	}
}

/* State and hashes to rank 1, then READY. Returns 0 or -1 with a reason. */
static int source_handoff(struct source *s, char *why, size_t len)
{
	struct engine *e = s->e;
	struct handshake h;
	long n;

	if (!e->method->state_first && source_send_state(s, why, len))
		return -1;
	if (s->missing && postcopy_source_send_missing(e, s->missing, &s->paused_st))
		return snprintf(why, len, "cannot send the missing-page list"), -1;
	if (e->opt.req.verify) {
		uint64_t count = engine_hash_count(e);
		uint64_t *hashes = calloc(count, sizeof(*hashes));

		if (!hashes)
			return snprintf(why, len, "out of memory"), -1;
		engine_hash_memory(e, e->mem, hashes);
		n = engine_send(e, hashes, count * sizeof(*hashes), 1, TAG_HASHES);
		free(hashes);
		if (n)
			return snprintf(why, len, "cannot send the hashes"), -1;
		s->bytes_verify = count * sizeof(uint64_t);
	}
	n = engine_recv_deadline(&h, sizeof(h), 1, TAG_READY, e->opt.req.switch_timeout_ms);
	if (n == -ETIMEDOUT) {
		s->timed_out = 1;
		return snprintf(why, len, "the destination did not get ready within %u ms",
				e->opt.req.switch_timeout_ms), -1;
	}
	if (n != (long)sizeof(h))
		return snprintf(why, len, "no READY from the destination"), -1;
	s->bytes_control += sizeof(h);
	if (!h.ok) {
		h.reason[sizeof(h.reason) - 1] = '\0';
		return snprintf(why, len, "destination: %s", h.reason), -1;
	}
	return 0;
}

/* A nullable integer: JSON null unless known. */
static json_t *ns_or_null(int known, uint64_t ns)
{
	return known ? json_integer((json_int_t)ns) : json_null();
}

static json_t *rate_or_null(int known, double rate)
{
	return known ? json_real(rate) : json_null();
}

/* The guest runs on the destination: the downtime is known. */
static void source_resumed(void *arg, const struct handshake *h)
{
	struct source *s = arg;

	s->t_resume = h->wall_ns;
	s->guest_gap_ns = h->guest_gap_ns;
	telemetry_emit(&s->e->tel, "phase",
		       json_pack("{s:s, s:I, s:o}", "phase", "resumed",
				 "downtime_ns", (json_int_t)(s->t_resume - s->t_pause),
				 "guest_downtime_ns", ns_or_null(s->has_counters, s->guest_gap_ns)));
}

/* GO, then CONFIRM. Returns 0, or -1 (destination failed and discarded
 * itself: safe to resume the source), or -2 (state unknown). */
static int source_switchover(struct source *s, char *why, size_t len)
{
	struct engine *e = s->e;
	struct handshake h;
	long n;

	phase(s, PH_SWITCHOVER, NULL);
	s->switched = 1;
	if (engine_send(e, NULL, 0, 1, TAG_GO))
		return snprintf(why, len, "cannot send GO"), -2;
	if (s->missing) {
		/* The guest runs on the destination while pages still come. */
		phase(s, PH_POSTCOPY, json_pack("{s:I}", "missing_pages",
						(json_int_t)s->nr_missing));
		fault_hold("post-copy");
		n = postcopy_source_serve(e, s->order, s->nr_missing, s->missing,
					  source_resumed, s, &s->pc, why, len);
		s->bytes_control += s->pc.confirmed ? sizeof(h) : 0;
		/* rank 1's page requests and acknowledgements */
		s->bytes_control += (s->pc.pull_requests + s->pc.acks) * sizeof(uint64_t);
		s->bytes_postcopy = s->pc.st.payload_bytes + s->pc.st.header_bytes;
		return (int)n;
	}
	fault_hold("after-go");
	n = engine_recv_deadline(&h, sizeof(h), 1, TAG_CONFIRM, e->opt.req.switch_timeout_ms);
	if (n != (long)sizeof(h))
		return snprintf(why, len, "no confirmation from the destination after switch-over"), -2;
	s->bytes_control += sizeof(h);
	h.reason[sizeof(h.reason) - 1] = '\0';
	if (!h.ok && h.wall_ns == 0)
		return snprintf(why, len, "destination: %s", h.reason), -1;
	if (!h.ok)
		return snprintf(why, len, "destination: %s", h.reason), -2;
	s->confirm = h;
	return 0;
}

/* What the guest lived through, into the summary: its own longest stall
 * (counter block), the one derived from its heartbeat, the degraded time,
 * or nulls and the reason. after is rank 1's report (NULL: none came). */
static void summary_guest(struct source *s, json_t *sum, const struct after_report *after)
{
	struct guest_watch *w = &s->watch;
	int64_t stop = (int64_t)(s->t_resume - s->t_pause);
	uint64_t hb_stall;
	uint32_t i;
	const char *na = NULL;

	if (!s->has_counters)
		na = "the guest publishes no counter block";
	else if (!after)
		na = "no report from the destination after the switch-over";
	if (na) {
		json_object_set_new(sum, "guest_stall_ns", json_null());
		json_object_set_new(sum, "guest_stall_hb_ns", json_null());
		json_object_set_new(sum, "degraded_ns", json_null());
		json_object_set_new(sum, "guest_na", json_string(na));
		return;
	}
	/* Stopped: paused to running on the destination. From the resume on,
	 * rank 1's readings (during post-copy too); the first, at the resume,
	 * is the progress at the pause, so that a guest not yet seen to
	 * progress (its counter page still missing) counts as degraded. */
	guest_watch_stop(w, stop > 0 ? (uint64_t)stop : 0);
	guest_watch_sample(w, &(struct hv_stats){ .time_ns = after->resumed_ns,
						 .has_counters = 1,
						 .progress = s->progress_pause });
	for (i = 0; i < after->nr_samples && i < AFTER_SAMPLES_MAX; i++) {
		const struct after_sample *a = &after->samples[i];
		struct hv_stats st = { .time_ns = a->t_ns, .has_counters = 1,
				       .progress = a->progress, .guest_ns = a->guest_ns,
				       .heartbeat_ns = a->heartbeat_ns };

		guest_watch_sample(w, &st);
	}
	hb_stall = w->stale_max_ns > s->guest_gap_ns ? w->stale_max_ns : s->guest_gap_ns;
	json_object_set_new(sum, "guest_stall_ns",
			    ns_or_null(after->flags & AFTER_HAS_STALL, after->stall_ns));
	json_object_set_new(sum, "guest_stall_hb_ns", json_integer((json_int_t)hb_stall));
	json_object_set_new(sum, "degraded_ns",
			    ns_or_null(guest_watch_has_degraded(w), w->degraded_ns));
	json_object_set_new(sum, "degraded_window_ns", json_integer((json_int_t)w->window_ns));
	if (!(after->flags & AFTER_HAS_STALL))
		json_object_set_new(sum, "guest_na", json_string(
			"the guest's counter block has no stall_max_ns for this migration"));
	else if (!guest_watch_has_degraded(w))
		json_object_set_new(sum, "guest_na", json_string(
			"the guest made no progress before the migration: no degraded time"));
}

static void source_summary(struct source *s)
{
	struct engine *e = s->e;
	struct after_report *after = calloc(1, sizeof(*after));
	uint64_t total = s->bytes_rounds + s->bytes_state + s->bytes_verify + s->bytes_control +
			 s->bytes_postcopy;
	int c = s->has_counters;
	json_t *sum;

	if (after && engine_recv_deadline(after, sizeof(*after), 1, TAG_AFTER,
					  e->opt.after_ms + e->opt.req.switch_timeout_ms) ==
		     (long)sizeof(*after)) {
		s->rate_after = after->progress_per_s;
		s->selfcheck_fail_after = after->selfcheck_fail;
	} else {
		free(after);
		after = NULL;
	}
	sum = json_pack("{s:b, s:I, s:I, s:o, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:i, s:s, s:{s:o, s:o, s:o}, s:o, s:s, s:o}",
			  "ok", 1,
			  "total_time_ns", (json_int_t)(s->t_end - s->t_start),
			  "downtime_ns", (json_int_t)(s->t_resume - s->t_pause),
			  "guest_downtime_ns", ns_or_null(c, s->guest_gap_ns),
			  "bytes_total", (json_int_t)total,
			  "bytes", "rounds", (json_int_t)s->bytes_rounds,
			  "state", (json_int_t)s->bytes_state,
			  "verify", (json_int_t)s->bytes_verify,
			  "control", (json_int_t)s->bytes_control,
			  "postcopy", (json_int_t)s->bytes_postcopy,
			  "iterations", (int)s->iterations,
			  "stop_reason", precopy_stop_reason_name(s->why),
			  "progress_rate", "before", rate_or_null(c, s->rate_before),
			  "during", rate_or_null(c, s->rate_during),
			  "after", rate_or_null(c && after, s->rate_after),
			  "slowdown_pct", rate_or_null(c && s->rate_before > 0,
				100.0 * (1.0 - s->rate_during / s->rate_before)),
			  "verify", e->opt.req.verify ? "clean" : "off",
			  "selfcheck_fail", ns_or_null(c && after, s->selfcheck_fail_after));
	if (sum)
		summary_guest(s, sum, after);
	free(after);
	if (sum && s->missing)
		json_object_set_new(sum, "postcopy",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				  "missing_pages", (json_int_t)s->nr_missing,
				  "faults", (json_int_t)s->pc.rep.faults,
				  "pulled_pages", (json_int_t)s->pc.pulled,
				  "pushed_pages", (json_int_t)s->pc.pushed,
				  "fault_median_ns", (json_int_t)s->pc.rep.fault_median_ns,
				  "fault_max_ns", (json_int_t)s->pc.rep.fault_max_ns,
				  "resident_ns", (json_int_t)s->pc.rep.resident_ns));
	telemetry_emit(&e->tel, "summary", sum);
}

/* The one failure path, run once. why says what failed, rc is what the
 * failed step returned. Before GO (and when the destination refused GO
 * and discarded itself: source_switchover's -1) the source runs again:
 * rank 1 is told to discard the destination, by the round control while
 * it waits for a round, by TAG_ABORT once the final round has gone, not
 * at all if it refused GO. After GO otherwise, the destination may own
 * the VM: the source stays paused. A destination that answers neither
 * READY (it is stuck) nor CONFIRM ends the MPI job. Returns the engine's
 * exit status. */
static int source_fail(struct source *s, const char *why, int rc)
{
	struct engine *e = s->e;
	int running = !s->switched || rc == -1;

	if (running) {
		log_error("migration failed: %s", why);
		if (!s->final_sent) {
			struct round_ctl ctl = { .kind = ROUND_ABORT };

			MPI_Bcast(&ctl, sizeof(ctl), MPI_BYTE, 0, MPI_COMM_WORLD);
		} else if (!s->switched) {
			engine_send(e, NULL, 0, 1, TAG_ABORT);
		}
	} else {
		log_error("migration failed after the switch-over: %s; the source stays paused", why);
	}
	sampler_stop(&s->sampler);
	if (running && s->paused && e->hv->resume(e->vm))
		log_error("could not resume the source VM: %s", e->hv->error(e->vm));
	else if (running)
		log_info("the source VM keeps running");
	telemetry_emit(&e->tel, "phase",
		       json_pack("{s:s, s:s, s:b}", "phase", "failed", "error", why,
				 "source_running", running));
	if (s->timed_out || !running) {
		/* Rank 1 is stuck, or may run the guest: end the job so that
		 * nothing waits on it; the caller settles the VMs. */
		telemetry_close(&e->tel);
		MPI_Abort(MPI_COMM_WORLD, running ? 1 : 3);
	}
	return running ? 1 : 3;
}

/* The migration, top to bottom; every failure goes to source_fail. */
static int source_run(struct source *s)
{
	struct engine *e = s->e;
	const uint64_t *shared = NULL;
	char why[256] = "";
	int rc;

	rc = e->method->init(&s->mctx, e->npages, e->opt.req.hot_window, e->opt.req.hot_threshold);
	if (rc) {
		snprintf(why, sizeof(why), "out of memory for the method's page directory");
		goto err;
	}
	rc = source_prepare(s, &shared);
	if (rc) {
		snprintf(why, sizeof(why), "cannot start dirty logging on the source: %s",
			 e->hv->error(e->vm));
		goto err;
	}
	rc = source_rounds(s, shared, why, sizeof(why));
	if (rc)
		goto err;
	rc = source_handoff(s, why, sizeof(why));
	if (rc)
		goto err;
	rc = source_switchover(s, why, sizeof(why));
	if (rc)
		goto err;

	sampler_stop(&s->sampler);
	if (!s->missing)
		source_resumed(s, &s->confirm);
	/* The source stays paused: dsmig migrate releases it once the
	 * destination's VMM itself says it runs the VM (cli/settle.c), so a
	 * destination that dies right after the switch-over leaves a source
	 * to roll back to instead of a lost VM. */
	s->t_end = time_wall_ns();
	telemetry_emit(&e->tel, "phase", json_pack("{s:s}", "phase", "done"));
	source_summary(s);
	goto out;
err:
	rc = source_fail(s, why, rc);
out:
	method_fini(s);
	return rc;
}

int engine_run_source(struct engine *e)
{
	struct source s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.e = e;
	rc = source_run(&s);
	free(s.missing);
	free(s.order);
	return rc;
}

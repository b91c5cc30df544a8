/*
 * Rank 0 of a carried migration (carry.h), read top to bottom:
 *
 *   attach; the VM's configuration to rank 1
 *   the backend's save in a thread, writing into a pipe; here, each unit
 *   of the stream is checked and gathered into blobs for rank 1, dsm
 *   keeping hot pages back; at each iteration boundary the save waits
 *   until this thread has read everything before it, and the engine's
 *   stop rule answers (continue / stop and copy)
 *   end of stream  ->  READY from rank 1 (restored, --verify compared)
 *   source steps aside  ->  GO  ->  CONFIRM  ->  destroy the source
 *
 * Until GO every failure ends the save, tells rank 1 to discard what it
 * built, and resumes the source (suspend cancelled, name restored).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "dsm/holdback.h"
#include "engine/blob.h"
#include "engine/carry.h"
#include "engine/sampler.h"
#include "hv/xen_stream.h"

#include <xxhash.h>

struct round_tally {
	uint64_t seen, sent, zero, bytes_at_start, t0;
};

struct carrier {
	struct engine *e;
	const struct hv_stream_ops *so;
	struct xs_parser ps;
	uint8_t *in, *out;
	size_t in_len, out_len, out_cap;
	uint64_t raw_carried;
	int dsm;
	struct holdback hb;
	uint64_t *page_hash;             /* --verify: each frame as carried */
	uint64_t nchunks;
	uint64_t *words;                 /* a rewritten PAGE_DATA record */
	const uint8_t **pages;

	/* the save thread and the boundary hand-shake */
	pthread_t saver;
	int saver_running, save_rc, pipe_r, wake[2];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int answered, answer, aborting;
	int64_t ask_dirty;

	/* progress */
	unsigned round;
	int started;                     /* the save asked its first question */
	int round_closed;                /* this round's pages are all sent */
	uint64_t round_ns;               /* ... and took this long */
	int final;                       /* stop-and-copy decided */
	struct round_tally tally;
	_Atomic uint64_t last_dirty;
	_Atomic int phase_final;
	struct sampler sampler;

	/* the metrics */
	uint64_t t_start, t_pause, t_stream_end, t_ready, t_resume, t_end;
	uint64_t bytes_rounds, bytes_config, bytes_verify, bytes_control;
	unsigned iterations;
	enum precopy_stop_reason why;
	int switched;
};

/* ---- telemetry ----------------------------------------------------------- */

static void phase(struct carrier *c, const char *name)
{
	telemetry_emit(&c->e->tel, "phase", json_pack("{s:s}", "phase", name));
}

/* What the sampler reads (sampler.h). */
static void carry_view(void *arg, struct sampler_view *v)
{
	struct carrier *c = arg;

	v->phase = c->phase_final ? "stop-and-copy" : "precopy";
	v->round = c->round;
	v->bytes = atomic_load(&c->e->bytes_sent);
	v->dirty = c->last_dirty;
}

static void round_report(struct carrier *c, const char *kind, int64_t dirtied)
{
	struct engine *e = c->e;
	uint64_t dur = c->round_closed ? c->round_ns : time_mono_ns() - c->tally.t0;
	uint64_t bytes = atomic_load(&e->bytes_sent) - c->tally.bytes_at_start;

	c->bytes_rounds += bytes;
	c->iterations = c->round + 1;
	telemetry_emit(&e->tel, "iteration",
		json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I}",
			  "round", (int)c->round, "kind", kind,
			  "pages_in_set", (json_int_t)c->tally.seen,
			  "pages_sent", (json_int_t)c->tally.sent,
			  "zero_pages", (json_int_t)c->tally.zero,
			  "payload_bytes", (json_int_t)bytes,
			  "header_bytes", (json_int_t)0,
			  "bytes", (json_int_t)bytes,
			  "duration_ns", (json_int_t)dur,
			  "dirty_rate_pps", dirtied < 0 || !dur ? 0.0 : (double)dirtied * 1e9 / (double)dur,
			  "dirtied_pages", (json_int_t)(dirtied < 0 ? 0 : dirtied),
			  "hot_deferred", (json_int_t)(c->dsm ? c->hb.held : 0)));
}

static void round_start(struct carrier *c)
{
	memset(&c->tally, 0, sizeof(c->tally));
	c->tally.t0 = time_mono_ns();
	c->tally.bytes_at_start = atomic_load(&c->e->bytes_sent);
}

/* ---- the stream to rank 1 -------------------------------------------------- */

/* Send what is gathered, in blobs of CARRY_BLOB_BYTES (all: the tail too).
 * Returns 0 or -1. */
static int flush_out(struct carrier *c, int all)
{
	size_t off = 0;

	while (c->out_len - off >= CARRY_BLOB_BYTES || (all && off < c->out_len)) {
		size_t n = c->out_len - off < CARRY_BLOB_BYTES ? c->out_len - off : CARRY_BLOB_BYTES;
		size_t packed_len;
		void *packed = blob_pack(c->e->opt.req.compress != MIGREQ_CODEC_OFF,
					 c->out + off, n, &packed_len);
		int rc;

		if (!packed)
			return -1;
		rc = engine_send(c->e, packed, packed_len, 1, TAG_CARRY);
		free(packed);
		if (rc)
			return -1;
		c->raw_carried += n;
		off += n;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
	return 0;
}

static int append(struct carrier *c, const void *p, size_t n)
{
	if (c->out_len + n > c->out_cap)
		return -1;      /* cannot happen: flush keeps out below a blob */
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return flush_out(c, 0);
}

/* Append a PAGE_DATA record of n entries from c->words / c->pages. */
static int append_pages(struct carrier *c, uint32_t n)
{
	size_t bytes = xs_page_data_record_bytes(c->words, n);

	if (!n)
		return 0;
	if (c->out_len + bytes > c->out_cap)
		return -1;
	c->out_len += xs_page_data_write(c->out + c->out_len, c->words, c->pages, n);
	return flush_out(c, 0);
}

static const uint8_t zero_page[XS_PAGE_SIZE];

static int page_is_zero(const uint8_t *p)
{
	return !memcmp(p, zero_page, XS_PAGE_SIZE);
}

/* What the destination will hold at this frame: the data; a zeroed page
 * for XALLOC (allocate only); nothing (0) for a hole. */
static uint64_t frame_hash(uint64_t word, const uint8_t *page)
{
	if (page)
		return XXH3_64bits(page, XS_PAGE_SIZE);
	if ((word >> XS_PFN_TYPE_SHIFT) == 0xe)
		return XXH3_64bits(zero_page, XS_PAGE_SIZE);
	return 0;
}

/* One PAGE_DATA record: dsm keeps hot pages back; the rest goes on, as
 * the record itself when nothing was kept. */
static int carry_pages(struct carrier *c, const struct xs_unit *u, const uint8_t *raw,
		       size_t raw_len, char *why, size_t len)
{
	struct xs_page_data pd;
	const uint8_t *data;
	uint32_t i, n = 0;

	if (xs_page_data_parse(u->body, u->body_len, c->e->info.frames, &pd, why, len))
		return -1;
	data = pd.data;
	for (i = 0; i < pd.count; i++) {
		uint64_t word = xs_page_data_word(&pd, i);
		int has_data = xs_type_has_data((unsigned)(word >> XS_PFN_TYPE_SHIFT));
		const uint8_t *page = has_data ? data : NULL;
		int kept = 0;

		c->tally.seen++;
		if (has_data) {
			data += XS_PAGE_SIZE;
			c->tally.zero += page_is_zero(page);
		}
		if (c->page_hash)
			c->page_hash[word & XS_PFN_MASK] = frame_hash(word, page);
		/* Round 0, the full copy, is no dirty round; the final one
		 * comes after every kept page went. */
		if (c->dsm && c->round > 0 && !c->final)
			kept = holdback_offer(&c->hb, word & XS_PFN_MASK, word, page, has_data);
		if (kept)
			continue;
		c->words[n] = word;
		c->pages[n++] = page;
	}
	c->tally.sent += n;
	if (n == pd.count)
		return append(c, raw, raw_len) ? snprintf(why, len, "cannot send to rank 1"), -1 : 0;
	return append_pages(c, n) ? snprintf(why, len, "cannot send to rank 1"), -1 : 0;
}

/* Everything kept back goes now, ahead of the final round's pages. */
static int release_held(struct carrier *c)
{
	uint32_t n;

	while ((n = holdback_take(&c->hb, c->words, c->pages, XS_PAGE_DATA_MAX_COUNT))) {
		c->tally.sent += n;
		if (append_pages(c, n))
			return -1;
	}
	return 0;
}

/* Parse and carry what the pipe holds. Returns 1 at end of stream, 0 if
 * it would block, -1 on error. */
static int read_stream(struct carrier *c, char *why, size_t len)
{
	for (;;) {
		size_t off = 0;
		ssize_t got = read(c->pipe_r, c->in + c->in_len, XS_UNIT_MAX_BYTES + 65536 - c->in_len);
		struct xs_unit u;
		long n;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return 0;
		if (got < 0)
			return errbuf_set(why, len, "reading the save stream: %s", strerror(errno));
		if (got == 0) {
			if (c->ps.state != XS_DONE || c->in_len)
				return errbuf_set(why, len, "the save stream ended early");
			return 1;
		}
		c->in_len += (size_t)got;
		while ((n = xs_parse_unit(&c->ps, c->in + off, c->in_len - off, &u)) > 0) {
			int rc;

			if (u.kind == XS_U_LIBXC_REC && u.type == XS_REC_PAGE_DATA)
				rc = carry_pages(c, &u, c->in + off, (size_t)n, why, len);
			else if (append(c, c->in + off, (size_t)n))
				rc = errbuf_set(why, len, "cannot send to rank 1");
			else
				rc = 0;
			if (rc)
				return -1;
			off += (size_t)n;
		}
		if (n < 0)
			return errbuf_set(why, len, "bad save stream: %s", c->ps.why);
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

/* ---- the save thread and its boundaries -------------------------------- */

/* In the save thread: hand the boundary to the main thread, wait for its
 * answer. */
static int hook_iteration(void *arg, unsigned iteration, int64_t dirty)
{
	struct carrier *c = arg;
	int answer;

	pthread_mutex_lock(&c->lock);
	c->ask_dirty = dirty;
	c->answered = 0;
	if (!c->aborting && write(c->wake[1], "b", 1) != 1)
		c->aborting = 1;
	while (!c->answered && !c->aborting)
		pthread_cond_wait(&c->cond, &c->lock);
	answer = c->aborting ? -1 : c->answer;
	pthread_mutex_unlock(&c->lock);
	return answer;
}

static void hook_suspended(void *arg)
{
	struct carrier *c = arg;

	c->t_pause = time_wall_ns();
	c->phase_final = 1;
	telemetry_emit(&c->e->tel, "phase",
		       json_pack("{s:s, s:s, s:I}", "phase", "stop-and-copy",
				 "reason", precopy_stop_reason_name(c->why),
				 "dirty_pages", (json_int_t)c->last_dirty));
}

struct save_job {
	struct carrier *c;
	struct hv_save_hooks hooks;
	int fd;
};

static void *saver_main(void *arg)
{
	struct save_job *job = arg;
	struct carrier *c = job->c;

	c->save_rc = c->so->save(c->e->vm, job->fd, &job->hooks);
	close(job->fd);
	return NULL;
}

/* In the main thread: the save wrote everything before the boundary
 * (it waits), so the pipe is read dry first. libxenguest asks its policy
 * three ways: once before the first page (dirty = every frame), after
 * each round's pages (dirty -1: the round is over) and after the
 * log-dirty CLEAN that follows (dirty known): the stop rule decides
 * there. Returns 0, or -1 with a reason. */
static int boundary(struct carrier *c, char *why, size_t len)
{
	struct engine *e = c->e;
	struct precopy_stats ps = { 0 };
	enum precopy_decision d = PRECOPY_CONTINUE;
	int64_t dirty;
	char byte;
	int rc;

	if (read(c->wake[0], &byte, 1) != 1)
		return errbuf_set(why, len, "lost the save thread");
	rc = read_stream(c, why, len);
	if (rc)
		return rc < 0 ? -1 : errbuf_set(why, len, "the save stream ended at a boundary");
	pthread_mutex_lock(&c->lock);
	dirty = c->ask_dirty;
	pthread_mutex_unlock(&c->lock);

	if (!c->started) {
		c->started = 1;
	} else if (dirty < 0 || !c->round_closed) {
		/* The round's pages are all here. */
		if (flush_out(c, 1))
			return errbuf_set(why, len, "cannot send to rank 1");
		c->round_ns = time_mono_ns() - c->tally.t0;
		c->round_closed = 1;
	}
	if (c->started && dirty >= 0 && c->round_closed) {
		double secs = (double)c->round_ns / 1e9;

		c->last_dirty = (uint64_t)dirty;
		round_report(c, "precopy", dirty);
		if (c->dsm && c->round > 0)
			holdback_round_end(&c->hb);
		ps.iteration = c->round + 1;
		ps.dirty_count = (uint64_t)dirty;
		ps.held = c->dsm ? c->hb.held : 0;
		ps.dirty_rate = secs > 0 ? (double)dirty / secs : 0;
		ps.send_rate = secs > 0 ? (double)c->tally.sent / secs : 0;
		/* libxenguest's stream does not say which pages were zero. */
		ps.data_send_rate = ps.send_rate;
		d = precopy_decide(&e->opt.policy, &ps, &c->why);
		c->round++;
		c->round_closed = 0;
		round_start(c);
	}
	if (d == PRECOPY_STOP_AND_COPY) {
		c->final = 1;
		if (c->dsm && release_held(c))
			return errbuf_set(why, len, "cannot send the held pages");
	}
	if (fault_injected("carry-abort-round1") && c->round == 1)
		return errbuf_set(why, len, "fault injected: carry-abort-round1");
	pthread_mutex_lock(&c->lock);
	c->answer = d == PRECOPY_STOP_AND_COPY;
	c->answered = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* Stop the save thread (it fails on the closed pipe or the abort answer)
 * and wait for it. */
static void saver_stop(struct carrier *c)
{
	if (!c->saver_running)
		return;
	pthread_mutex_lock(&c->lock);
	c->aborting = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (c->pipe_r >= 0) {
		close(c->pipe_r);
		c->pipe_r = -1;
	}
	pthread_join(c->saver, NULL);
	c->saver_running = 0;
}

/* Run the save and carry its stream to the end. Returns 0 or -1. */
static int carry_stream(struct carrier *c, char *why, size_t len)
{
	static struct save_job job;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) || pipe2(c->wake, O_CLOEXEC))
		return errbuf_set(why, len, "pipe: %s", strerror(errno));
	c->pipe_r = fds[0];
	if (fcntl(c->pipe_r, F_SETFL, O_NONBLOCK) || fcntl(c->wake[0], F_SETFL, O_NONBLOCK)) {
		close(fds[1]);
		return errbuf_set(why, len, "fcntl: %s", strerror(errno));
	}
	job.c = c;
	job.fd = fds[1];
	job.hooks.iteration = hook_iteration;
	job.hooks.suspended = hook_suspended;
	job.hooks.arg = c;
	round_start(c);
	if (pthread_create(&c->saver, NULL, saver_main, &job)) {
		close(fds[1]);
		return errbuf_set(why, len, "cannot start the save thread");
	}
	c->saver_running = 1;
	for (;;) {
		struct pollfd p[2] = { { c->pipe_r, POLLIN, 0 }, { c->wake[0], POLLIN, 0 } };
		int rc;

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			return errbuf_set(why, len, "poll: %s", strerror(errno));
		if (p[1].revents && boundary(c, why, len))
			return -1;
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		rc = read_stream(c, why, len);
		if (rc < 0)
			return -1;
		if (rc == 1)
			break;
	}
	pthread_join(c->saver, NULL);
	c->saver_running = 0;
	if (c->save_rc)
		return errbuf_set(why, len, "save failed: %s", c->e->hv->error(c->e->vm));
	if (flush_out(c, 1))
		return errbuf_set(why, len, "cannot send to rank 1");
	round_report(c, "final", -1);
	return 0;
}

/* ---- hand-off and switch-over --------------------------------------------- */

static int send_config(struct carrier *c, char *why, size_t len)
{
	char *cfg = NULL;
	void *packed;
	size_t packed_len;
	int rc;

	if (c->so->config(c->e->vm, &cfg))
		return errbuf_set(why, len, "%s", c->e->hv->error(c->e->vm));
	packed = blob_pack(1, cfg, strlen(cfg) + 1, &packed_len);
	free(cfg);
	if (!packed)
		return errbuf_set(why, len, "out of memory");
	rc = engine_send(c->e, packed, packed_len, 1, TAG_CONFIG);
	free(packed);
	c->bytes_config = packed_len;
	return rc ? errbuf_set(why, len, "cannot send the configuration") : 0;
}

/* End of stream, hashes (--verify), READY. Returns 0 or -1. */
static int handoff(struct carrier *c, char *why, size_t len)
{
	struct engine *e = c->e;
	struct carry_end end = { CARRY_END_MAGIC, 0, c->raw_carried };
	struct handshake h;
	long n;

	c->t_stream_end = time_wall_ns();
	if (engine_send(e, &end, sizeof(end), 1, TAG_CARRY_END))
		return errbuf_set(why, len, "cannot end the stream");
	c->bytes_control += sizeof(end);
	if (c->page_hash) {
		uint64_t skip[CARRY_VERIFY_MAX_SKIP], *chunks, i;
		int nskip = c->so->unstable_pages(e->vm, skip, CARRY_VERIFY_MAX_SKIP), rc;

		if (nskip < 0)
			return errbuf_set(why, len, "verify: %s", e->hv->error(e->vm));
		chunks = malloc(c->nchunks * sizeof(*chunks));
		if (!chunks)
			return errbuf_set(why, len, "verify: out of memory");
		for (i = 0; i < c->nchunks; i++)
			chunks[i] = carry_verify_fold(c->page_hash + i * CARRY_VERIFY_CHUNK,
						      i * CARRY_VERIFY_CHUNK, skip, (unsigned)nskip);
		rc = engine_send(e, chunks, c->nchunks * sizeof(*chunks), 1, TAG_HASHES);
		free(chunks);
		if (rc)
			return errbuf_set(why, len, "cannot send the hashes");
		c->bytes_verify = c->nchunks * sizeof(uint64_t);
	}
	n = engine_recv_deadline(&h, sizeof(h), 1, TAG_READY, CARRY_IDLE_TIMEOUT_MS);
	if (n != (long)sizeof(h))
		return errbuf_set(why, len, "no READY from the destination");
	c->bytes_control += sizeof(h);
	h.reason[sizeof(h.reason) - 1] = '\0';
	if (!h.ok)
		return errbuf_set(why, len, "destination: %s", h.reason);
	c->t_ready = time_wall_ns();
	return 0;
}

/* Returns 0, -1 (the destination discarded itself: resume the source) or
 * -2 (state unknown). */
static int switchover(struct carrier *c, char *why, size_t len)
{
	struct engine *e = c->e;
	struct handshake h;
	long n;

	if (c->so->retire(e->vm))
		return errbuf_set(why, len, "%s", e->hv->error(e->vm));
	phase(c, "switch-over");
	c->switched = 1;
	if (engine_send(e, NULL, 0, 1, TAG_GO))
		return snprintf(why, len, "cannot send GO"), -2;
	n = engine_recv_deadline(&h, sizeof(h), 1, TAG_CONFIRM, e->opt.req.switch_timeout_ms);
	if (n != (long)sizeof(h))
		return snprintf(why, len, "no confirmation from the destination after switch-over"), -2;
	c->bytes_control += sizeof(h);
	h.reason[sizeof(h.reason) - 1] = '\0';
	if (!h.ok)
		return snprintf(why, len, "destination: %s", h.reason), h.wall_ns ? -2 : -1;
	c->t_resume = h.wall_ns;
	/* Where the downtime went: the final copy, the restore finishing
	 * (and --verify's hashing), the switch-over itself. */
	telemetry_emit(&e->tel, "phase",
		       json_pack("{s:s, s:I, s:n, s:{s:I, s:I, s:I}}", "phase", "resumed",
				 "downtime_ns", (json_int_t)(c->t_resume - c->t_pause),
				 "guest_downtime_ns",
				 "downtime_parts",
				 "final_copy_ns", (json_int_t)(c->t_stream_end - c->t_pause),
				 "restore_ns", (json_int_t)(c->t_ready - c->t_stream_end),
				 "switch_ns", (json_int_t)(c->t_resume - c->t_ready)));
	return 0;
}

static void summary(struct carrier *c)
{
	struct engine *e = c->e;
	uint64_t total = c->bytes_rounds + c->bytes_config + c->bytes_verify + c->bytes_control;

	/* No guest counters on Xen: what the guest saw is not known (null). */
	telemetry_emit(&e->tel, "summary",
		json_pack("{s:b, s:I, s:I, s:n, s:I, s:{s:I, s:I, s:I, s:I}, s:i, s:s, s:{s:n, s:n, s:n}, s:n, s:s, s:n, s:n, s:n, s:n, s:s}",
			  "ok", 1,
			  "total_time_ns", (json_int_t)(c->t_end - c->t_start),
			  "downtime_ns", (json_int_t)(c->t_resume - c->t_pause),
			  "guest_downtime_ns",
			  "bytes_total", (json_int_t)total,
			  "bytes", "rounds", (json_int_t)c->bytes_rounds,
			  "state", (json_int_t)c->bytes_config,
			  "verify", (json_int_t)c->bytes_verify,
			  "control", (json_int_t)c->bytes_control,
			  "iterations", (int)c->iterations,
			  "stop_reason", precopy_stop_reason_name(c->why),
			  "progress_rate", "before", "during", "after",
			  "slowdown_pct",
			  "verify", e->opt.req.verify ? "clean" : "off",
			  "selfcheck_fail", "guest_stall_ns", "guest_stall_hb_ns", "degraded_ns",
			  "guest_na", "xen: the guest publishes no counter block to the engine"));
}

/* The one failure path. Before GO (or when the destination refused GO
 * and discarded itself, rc -1) the source runs again; otherwise it stays
 * suspended and the job ends with status 3. */
static int carry_fail(struct carrier *c, const char *why, int rc)
{
	struct engine *e = c->e;
	int running = !c->switched || rc == -1;

	saver_stop(c);
	sampler_stop(&c->sampler);
	if (running) {
		log_error("migration failed: %s", why);
		if (!c->switched)
			engine_send(e, NULL, 0, 1, TAG_ABORT);
		if (e->hv->resume(e->vm))
			log_error("could not resume the source VM: %s", e->hv->error(e->vm));
		else
			log_info("the source VM keeps running");
	} else {
		log_error("migration failed after the switch-over: %s; the source stays suspended", why);
	}
	telemetry_emit(&e->tel, "phase",
		       json_pack("{s:s, s:s, s:b}", "phase", "failed", "error", why,
				 "source_running", running));
	if (!running) {
		telemetry_close(&e->tel);
		MPI_Abort(MPI_COMM_WORLD, 3);
	}
	return 1;
}

static int carrier_init(struct carrier *c, struct engine *e)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->so = e->hv->stream;
	c->pipe_r = c->wake[0] = c->wake[1] = -1;
	c->dsm = strcmp(e->opt.req.method, "precopy") != 0;
	xs_parser_init(&c->ps);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->out_cap = CARRY_BLOB_BYTES + XS_UNIT_MAX_BYTES;
	c->in = malloc(XS_UNIT_MAX_BYTES + 65536);
	c->out = malloc(c->out_cap);
	c->words = malloc(XS_PAGE_DATA_MAX_COUNT * sizeof(*c->words));
	c->pages = malloc(XS_PAGE_DATA_MAX_COUNT * sizeof(*c->pages));
	if (!c->in || !c->out || !c->words || !c->pages)
		return -1;
	if (e->opt.req.verify) {
		c->nchunks = (e->info.frames + CARRY_VERIFY_CHUNK - 1) / CARRY_VERIFY_CHUNK;
		c->page_hash = calloc(c->nchunks * CARRY_VERIFY_CHUNK, sizeof(uint64_t));
		if (!c->page_hash)
			return -1;
	}
	if (c->dsm && holdback_init(&c->hb, e->info.frames, e->opt.req.hot_window,
				    e->opt.req.hot_threshold, CARRY_HOLD_MAX_PAGES))
		return -1;
	return 0;
}

static void carrier_fini(struct carrier *c)
{
	if (c->dsm)
		holdback_free(&c->hb);
	if (c->pipe_r >= 0)
		close(c->pipe_r);
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->in);
	free(c->out);
	free(c->page_hash);
	free(c->words);
	free(c->pages);
}

int carry_run_source(struct engine *e)
{
	static struct carrier c;
	char why[512] = "";
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (e->hv->attach(&e->vm, e->opt.req.from, e->opt.req.vm, &e->info, why, sizeof(why))) {
		log_error("%s", why);
		log_error("migration failed during set-up; the source VM is untouched");
		engine_send(e, NULL, 0, 1, TAG_ABORT);
		telemetry_emit(&e->tel, "phase",
			       json_pack("{s:s, s:s, s:b}", "phase", "failed",
					 "error", "set-up failed", "source_running", 1));
		return 1;
	}
	if (carrier_init(&c, e)) {
		snprintf(why, sizeof(why), "out of memory");
		rc = -1;
		goto err;
	}
	engine_emit_start(e, e->opt.req.compress != MIGREQ_CODEC_OFF, 0);
	c.t_start = time_wall_ns();
	rc = send_config(&c, why, sizeof(why));
	if (rc)
		goto err;
	phase(&c, "precopy");
	sampler_start(&c.sampler, e, carry_view, &c, NULL);
	rc = carry_stream(&c, why, sizeof(why));
	if (rc)
		goto err;
	rc = handoff(&c, why, sizeof(why));
	if (rc)
		goto err;
	rc = switchover(&c, why, sizeof(why));
	if (rc)
		goto err;
	sampler_stop(&c.sampler);
	if (e->hv->destroy(e->vm))
		log_warn("could not destroy the source domain: %s", e->hv->error(e->vm));
	c.t_end = time_wall_ns();
	phase(&c, "done");
	summary(&c);
	rc = 0;
	goto out;
err:
	rc = carry_fail(&c, why, rc);
out:
	carrier_fini(&c);
	return rc;
}

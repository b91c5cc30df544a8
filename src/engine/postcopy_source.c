/*
 * Post-copy, rank 0's half (postcopy.h): the source is paused and holds
 * the pages the destination lacks. Before GO it sends their bitmap
 * (TAG_MISSING); after GO one loop answers the destination's pulls at
 * once and otherwise pushes: the readahead of the latest fault, then the
 * method's push order (hot pages first), in batches of push_batch_pages(),
 * only while fewer than push_window() bytes are unacknowledged.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "engine/blob.h"
#include "engine/postcopy.h"

#define PC_PUSH_PAGES     8     /* pages per push batch under a cap, at
				   most ... */
#define PC_PUSH_MS        3     /* ... and no more than the cap sends in
				   this long: a pull that arrives while a
				   push batch goes through the rate limiter
				   waits for all of it (at 12 Mbit/s, one
				   page: 2.7 ms) */
#define PC_WINDOW_MS      25    /* pushed but not acknowledged: a pull
				   waits behind at most this long at the
				   engine's cap, however deep the link's
				   queues are (a tc-shaped link without an
				   engine cap buffers seconds) */
#define PC_WINDOW_MIN     (32 * 1024)   /* ... but at least this much, */
#define PC_WINDOW_MAX     (128 * 1024)  /* and at most; without a cap, */
#define PC_WINDOW_NOCAP   (32u << 20)   /* PC_WINDOW_MS of the rate rank 1
					   acknowledges at, from
					   PC_WINDOW_MAX up to this */
#define PC_RATE_MS        20    /* that rate, over at least this long */
#define PC_PROGRESS_MS    100   /* telemetry "postcopy" records */

int postcopy_source_send_missing(struct engine *e, const uint64_t *missing,
				 const struct hv_stats *paused)
{
	size_t bytes = e->bitmap_words * sizeof(uint64_t), packed_len;
	/* Mostly zeros: packed (LZ4) like the state when the codecs are on. */
	void *packed = blob_pack(e->codec.compress, missing, bytes, &packed_len);
	struct postcopy_hdr *h = packed ? malloc(sizeof(*h) + packed_len) : NULL;
	int rc;

	if (!h) {
		free(packed);
		return -1;
	}
	*h = (struct postcopy_hdr) {
		.magic = STREAM_MAGIC,
		.flags = (paused->has_counters ? POSTCOPY_HAS_COUNTERS : 0) |
			 (e->sent_copy ? POSTCOPY_DELTA : 0),
		.nr_missing = bitmap_weight(missing, e->bitmap_words),
		.heartbeat = paused->heartbeat,
		.heartbeat_ns = paused->heartbeat_ns,
	};
	memcpy(h + 1, packed, packed_len);
	rc = engine_send(e, h, sizeof(*h) + packed_len, 1, TAG_MISSING);
	free(packed);
	free(h);
	return rc;
}

static void progress_record(struct engine *e, uint64_t n, const struct postcopy_tally *t)
{
	telemetry_emit(&e->tel, "postcopy",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			  "missing_pages", (json_int_t)n,
			  "sent_pages", (json_int_t)(t->pushed + t->pulled),
			  "pushed_pages", (json_int_t)t->pushed,
			  "pulled_pages", (json_int_t)t->pulled,
			  "faults", (json_int_t)t->pull_requests,
			  "bytes", (json_int_t)(t->st.payload_bytes + t->st.header_bytes)));
}

/* Send those of pfns[0..n) still pending, mark them sent and count them
 * in *count. Returns 0 or -1. */
static int send_pending(struct engine *e, uint64_t *pending, uint64_t *pfns,
			uint64_t n, uint64_t *count, struct round_stats *st)
{
	uint64_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (pfns[i] >= e->npages || !bitmap_test(pending, pfns[i]))
			continue;
		bitmap_clear(pending, pfns[i]);
		pfns[k++] = pfns[i];
	}
	*count += k;
	return k ? engine_send_pages(e, POSTCOPY_ROUND, pfns, k, 1, st) : 0;
}

/* Pages per push batch: at the engine's cap, what it sends in PC_PUSH_MS
 * (1..PC_PUSH_PAGES); without one, the engine's batch. */
static unsigned push_batch_pages(const struct engine *e)
{
	double pages = e->opt.req.bandwidth_bps / 8 * PC_PUSH_MS / 1000 / STREAM_PAGE_SIZE;

	if (e->opt.req.bandwidth_bps <= 0)
		return e->opt.batch_pages;
	if (pages >= PC_PUSH_PAGES)
		return PC_PUSH_PAGES;
	return pages < 1 ? 1 : (unsigned)pages;
}

/* How many pushed bytes may be unacknowledged: PC_WINDOW_MS of the cap;
 * without a cap, PC_WINDOW_MS of the rate at which rank 1 acknowledges
 * (delivered_Bps), so that the window grows as far as the link and rank 1
 * take pages (at 128 KiB in flight, loopback moved 27 MB/s) and a pull
 * still waits behind no more than PC_WINDOW_MS of pushes, however slow a
 * link without an engine cap is. */
static uint64_t push_window(const struct engine *e, double delivered_Bps)
{
	double bytes = e->opt.req.bandwidth_bps / 8 * PC_WINDOW_MS / 1000;

	if (e->opt.req.bandwidth_bps <= 0) {
		bytes = delivered_Bps * PC_WINDOW_MS / 1000;
		if (bytes >= PC_WINDOW_NOCAP)
			return PC_WINDOW_NOCAP;
		return bytes <= PC_WINDOW_MAX ? PC_WINDOW_MAX : (uint64_t)bytes;
	}
	if (bytes >= PC_WINDOW_MAX)
		return PC_WINDOW_MAX;
	return bytes <= PC_WINDOW_MIN ? PC_WINDOW_MIN : (uint64_t)bytes;
}

unsigned postcopy_source_readahead(struct postcopy_readahead *ra, uint64_t p)
{
	if (ra->run && p > ra->last && p <= ra->last + 2 * ra->run)
		ra->run = ra->run * 2 > POSTCOPY_AHEAD_MAX ? POSTCOPY_AHEAD_MAX : ra->run * 2;
	else
		ra->run = POSTCOPY_AHEAD_MIN;
	ra->last = p;
	return ra->run;
}

/* Rank 0's post-copy loop state. */
struct serve {
	uint64_t acked;              /* TAG_ACK: batch bytes rank 1 has */
	uint64_t rate_t0, rate_acked0;   /* where the rate's interval began */
	double delivered_Bps;        /* acknowledged bytes per second */
	uint64_t *pending;           /* pages not sent yet */
	uint64_t *req;               /* a TAG_PULL message */
	uint64_t *ahead, nahead;     /* readahead, a stack pushed before
					order[]: the latest fault's pages
					first, in ascending order */
	struct postcopy_readahead ra;
	unsigned batch_pages;        /* push_batch_pages() */
	void (*resumed)(void *arg, const struct handshake *confirm);
	void *arg;
};

/* Answer a TAG_PULL of m pages in sv->req: send those pages now (a vCPU
 * waits on each) and stack the ones after each that are still pending,
 * to be pushed next (readahead). Returns 0 or -1. */
static int serve_pull(struct engine *e, struct serve *sv, uint64_t m,
		      struct postcopy_tally *t)
{
	for (uint64_t i = 0; i < m; i++) {
		uint64_t p = sv->req[i], q = p + postcopy_source_readahead(&sv->ra, p);

		heat_map_fault(&e->heat, p);

		if (q > e->npages)
			q = e->npages;
		while (--q > p && sv->nahead < e->npages)
			if (bitmap_test(sv->pending, q))
				sv->ahead[sv->nahead++] = q;
	}
	return send_pending(e, sv->pending, sv->req, m, &t->pulled, &t->st);
}

/* Push the next batch: readahead first, then order[*idx..n). */
static int push_batch(struct engine *e, struct serve *sv, const uint64_t *order,
		      uint64_t n, uint64_t *idx, struct postcopy_tally *t)
{
	uint64_t batch[STREAM_MAX_BATCH_PAGES], k = 0, max = sv->batch_pages;

	while (sv->nahead && k < max)
		batch[k++] = sv->ahead[--sv->nahead];
	while (*idx < n && k < max)
		batch[k++] = order[(*idx)++];
	return send_pending(e, sv->pending, batch, k, &t->pushed, &t->st);
}

/* Fold an acknowledgement into the delivery rate, once PC_RATE_MS have
 * passed since the interval began. */
static void ack_rate(struct serve *sv, uint64_t now)
{
	if (!sv->rate_t0) {
		sv->rate_t0 = now;
		sv->rate_acked0 = sv->acked;
	} else if (now - sv->rate_t0 >= PC_RATE_MS * 1000000ull) {
		sv->delivered_Bps = (double)(sv->acked - sv->rate_acked0) * 1e9 /
				    (double)(now - sv->rate_t0);
		sv->rate_t0 = now;
		sv->rate_acked0 = sv->acked;
	}
}

/* Why a send to rank 1 failed: it took nothing for the switch timeout,
 * or MPI failed (what). Returns -2, as postcopy_source_serve. */
static int send_failed(const struct engine *e, const char *what, char *why, size_t len)
{
	if (e->send_timed_out)
		return snprintf(why, len, "post-copy: no word from the destination for %u ms",
				e->send_timeout_ms), -2;
	return snprintf(why, len, "%s", what), -2;
}

/* One message from rank 1. Returns 1 (done: RESIDENT), 0 (go on), or
 * -1/-2 as postcopy_source_serve. */
static int serve_message(struct engine *e, const MPI_Status *st, struct serve *sv,
			 struct postcopy_tally *t, char *why, size_t len)
{
	struct handshake confirm;
	int n = 0;

	MPI_Get_count(st, MPI_BYTE, &n);
	switch (st->MPI_TAG) {
	case TAG_PULL:
		if (n < 0 || (size_t)n > e->npages * sizeof(uint64_t) || n % sizeof(uint64_t))
			break;
		MPI_Recv(sv->req, n, MPI_BYTE, 1, TAG_PULL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		t->pull_requests += (uint64_t)n / sizeof(uint64_t);
		return serve_pull(e, sv, (uint64_t)n / sizeof(uint64_t), t) < 0
		       ? send_failed(e, "cannot send pulled pages", why, len) : 0;
	case TAG_ACK:
		if (n != (int)sizeof(sv->acked))
			break;
		MPI_Recv(&sv->acked, n, MPI_BYTE, 1, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		t->acks++;
		ack_rate(sv, time_mono_ns());
		return 0;
	case TAG_CONFIRM:
		if (n != (int)sizeof(confirm))
			break;
		MPI_Recv(&confirm, n, MPI_BYTE, 1, TAG_CONFIRM, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		confirm.reason[sizeof(confirm.reason) - 1] = '\0';
		t->confirmed = 1;
		if (!confirm.ok)
			return snprintf(why, len, "destination: %s", confirm.reason),
			       confirm.wall_ns ? -2 : -1;
		sv->resumed(sv->arg, &confirm);
		return 0;
	case TAG_RESIDENT:
		if (n != (int)sizeof(t->rep))
			break;
		MPI_Recv(&t->rep, n, MPI_BYTE, 1, TAG_RESIDENT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		t->rep.reason[sizeof(t->rep.reason) - 1] = '\0';
		if (!t->rep.ok)
			return snprintf(why, len, "destination, in post-copy: %s", t->rep.reason), -2;
		return 1;
	}
	MPI_Recv(NULL, 0, MPI_BYTE, 1, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	return snprintf(why, len, "post-copy: unexpected message (tag %d, %d bytes)",
			st->MPI_TAG, n), -2;
}

int postcopy_source_serve(struct engine *e, const uint64_t *order, uint64_t n,
			  const uint64_t *missing,
			  void (*resumed)(void *arg, const struct handshake *confirm),
			  void *arg, struct postcopy_tally *t, char *why, size_t len)
{
	struct serve sv = {
		.pending = malloc(e->bitmap_words * sizeof(uint64_t)),
		.req = malloc(e->npages * sizeof(uint64_t)),
		.ahead = malloc(e->npages * sizeof(uint64_t)),
		.resumed = resumed, .arg = arg,
		.batch_pages = push_batch_pages(e),
	};
	uint64_t idx = 0, now, last_heard = time_mono_ns(), last_progress = 0;
	struct timespec nap = { 0, 200000 };
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!sv.pending || !sv.req || !sv.ahead) {
		rc = (snprintf(why, len, "out of memory"), -2);
		goto out;
	}
	memcpy(sv.pending, missing, e->bitmap_words * sizeof(uint64_t));
	e->send_timeout_ms = e->opt.req.switch_timeout_ms;
	heat_map_postcopy(&e->heat, &e->tel, sv.pending, 1);   /* every page missing */
	while (rc == 0) {
		MPI_Status st;
		int flag = 0;

		if (MPI_Iprobe(1, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS) {
			rc = (snprintf(why, len, "post-copy: lost the destination"), -2);
			break;
		}
		now = time_mono_ns();
		if (flag) {
			rc = serve_message(e, &st, &sv, t, why, len);
			last_heard = now;
		} else if ((idx < n || sv.nahead) &&
			   t->st.payload_bytes + t->st.header_bytes - sv.acked <
			   push_window(e, sv.delivered_Bps)) {
			if (push_batch(e, &sv, order, n, &idx, t) < 0)
				rc = send_failed(e, "cannot push pages", why, len);
		} else if (now - last_heard > (uint64_t)e->opt.req.switch_timeout_ms * 1000000u) {
			rc = (snprintf(why, len, "post-copy: no word from the destination "
				       "for %u ms", e->opt.req.switch_timeout_ms), -2);
		} else {
			nanosleep(&nap, NULL);
		}
		if (now - last_progress >= PC_PROGRESS_MS * 1000000ull) {
			progress_record(e, n, t);
			last_progress = now;
		}
		heat_map_postcopy(&e->heat, &e->tel, sv.pending, 0);
	}
	e->send_timeout_ms = 0;
	progress_record(e, n, t);
	heat_map_postcopy(&e->heat, &e->tel, sv.pending, 1);
out:
	free(sv.pending);
	free(sv.req);
	free(sv.ahead);
	return rc > 0 ? 0 : rc;
}


/*
 * Moving pages: the part of a round every rank runs. Senders walk their
 * block-cyclic share of the round's bitmap, pack pages into batches
 * (src/dsm/batch.h; zero pages as payload-less records) and send them
 * through the rate limiter; receivers validate each batch completely and
 * write it into destination RAM. Also the small MPI helpers the
 * coordinators share.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "common/log.h"
#include "dsm/batch.h"
#include "engine/engine.h"
#include "engine/method.h"
#include "engine/stream_auth.h"

/* MPI_Send, but giving up after e->send_timeout_ms: a message larger
 * than the eager limit waits for its receiver. The request is left
 * behind: the caller fails the migration and the job ends. */
static int send_deadline(struct engine *e, const void *buf, size_t len, int dst, int tag)
{
	uint64_t deadline = time_mono_ns() + (uint64_t)e->send_timeout_ms * 1000000u;
	struct timespec nap = { 0, 20000 };
	MPI_Request req;
	int done = 0;

	if (MPI_Isend(buf, (int)len, MPI_BYTE, dst, tag, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
		return -1;
	for (;;) {
		if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
			return -1;
		if (done)
			return 0;
		if (time_mono_ns() > deadline) {
			e->send_timed_out = 1;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
}

int engine_send(struct engine *e, const void *buf, size_t len, int dst, int tag)
{
	int rc;

	ratelimit_take(&e->rl, len);
	if (e->send_timeout_ms)
		rc = send_deadline(e, buf, len, dst, tag);
	else
		rc = MPI_Send(buf, (int)len, MPI_BYTE, dst, tag, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
	if (rc)
		return -1;
	atomic_fetch_add(&e->bytes_sent, len);
	return 0;
}

long engine_recv_deadline(void *buf, size_t len, int src, int tag,
			  unsigned timeout_ms)
{
	uint64_t deadline = time_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	MPI_Request req;
	MPI_Status st;
	int done = 0, n;
	struct timespec nap = { 0, 1000000 };

	if (MPI_Irecv(buf, (int)len, MPI_BYTE, src, tag, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
		return -EIO;
	while (!done) {
		if (MPI_Test(&req, &done, &st) != MPI_SUCCESS)
			return -EIO;
		if (done)
			break;
		if (timeout_ms && time_mono_ns() > deadline) {
			MPI_Cancel(&req);
			MPI_Wait(&req, MPI_STATUS_IGNORE);
			return -ETIMEDOUT;
		}
		nanosleep(&nap, NULL);
	}
	MPI_Get_count(&st, MPI_BYTE, &n);
	return n;
}

/* The receiver rank a sender feeds, and how many senders feed a receiver. */
static int receiver_of(const struct engine *e, int sender_rank)
{
	return 2 * ((sender_rank / 2) % e->nreceivers) + 1;
}

static int senders_of(const struct engine *e, int receiver_rank)
{
	int k, n = 0;

	for (k = 0; k < e->nsenders; k++)
		n += 2 * (k % e->nreceivers) + 1 == receiver_rank;
	return n;
}

/* A batch on its way to one receiver, packed in e->buf. */
struct outbox {
	struct batch b;
	int dst;
};

/* Send the batch, if it has pages, counted in *st. Returns 0 or -1. */
static int outbox_flush(struct engine *e, struct outbox *o, struct round_stats *st)
{
	uint64_t payload;
	size_t len = batch_seal(&o->b, &payload);

	if (!len)
		return 0;
	len = stream_auth_seal(e->buf, len);
	st->payload_bytes += payload;
	st->header_bytes += len - payload;
	return engine_send(e, e->buf, len, o->dst, TAG_PAGES);
}

/* Is page pfn known never written (e->unwritten, engine.h)? */
static int unwritten(const struct engine *e, uint64_t pfn)
{
	return e->unwritten && bitmap_test(e->unwritten, pfn);
}

/* Encode page pfn into the batch (as a delta when the destination holds
 * an earlier copy), sending the batch when it is full. A page never
 * written is not read: it is zeros. */
static int outbox_add(struct engine *e, struct outbox *o, uint64_t pfn,
		      struct round_stats *st)
{
	uint8_t snap[STREAM_PAGE_SIZE];
	const uint8_t *prev = NULL;
	uint32_t kind;

	/* One snapshot: what is encoded is exactly what the delta copy
	 * remembers, even while the guest keeps writing. */
	if (unwritten(e, pfn))
		memset(snap, 0, STREAM_PAGE_SIZE);
	else
		memcpy(snap, e->mem + pfn * STREAM_PAGE_SIZE, STREAM_PAGE_SIZE);
	if (e->sent_copy && bitmap_test(e->sent_valid, pfn))
		prev = e->sent_copy + pfn * STREAM_PAGE_SIZE;
	kind = batch_add_page(&o->b, &e->codec, pfn, snap, prev);
	if (e->sent_copy) {
		memcpy(e->sent_copy + pfn * STREAM_PAGE_SIZE, snap, STREAM_PAGE_SIZE);
		bitmap_set(e->sent_valid, pfn);
	}
	st->zero_pages += kind == PAGE_ZERO;
	st->pages++;
	if (batch_full(&o->b))
		return outbox_flush(e, o, st);
	return 0;
}

/* An empty batch of round `round` for rank dst. */
static void outbox_start(struct engine *e, struct outbox *o, uint32_t round, int dst)
{
	batch_start(&o->b, e->buf, e->opt.batch_pages, round);
	o->dst = dst;
}

int engine_send_pages(struct engine *e, uint32_t round, const uint64_t *pfns,
		      uint64_t n, int dst, struct round_stats *st)
{
	struct outbox o;
	uint64_t i;

	outbox_start(e, &o, round, dst);
	for (i = 0; i < n; i++)
		if (outbox_add(e, &o, pfns[i], st))
			return -1;
	return outbox_flush(e, &o, st);
}

/* Before round 0: the pages never written, where the backend can tell
 * (hv.h). A sender need not read them, a receiver need not write zeros
 * into them. Without, every page is read and written. */
static void find_unwritten(struct engine *e)
{
	int64_t n;

	if (!e->hv->unwritten_pages)
		return;
	e->unwritten = calloc(e->bitmap_words, sizeof(uint64_t));
	if (!e->unwritten)
		return;
	n = e->hv->unwritten_pages(e->vm, e->unwritten);
	if (n < 0) {
		log_warn("rank %d: reading all RAM: %s", e->rank, e->hv->error(e->vm));
		free(e->unwritten);
		e->unwritten = NULL;
	}
}

/* Does this sender read page pfn in this round (not a page of another
 * sender's, not out of the set, not known to be zeros)? */
static int sender_reads(const struct engine *e, uint64_t pfn)
{
	return pagedir_owner(pfn, (uint64_t)e->nsenders) == (uint64_t)(e->rank / 2) &&
	       bitmap_test(e->bitmap, pfn) && !unwritten(e, pfn);
}

/* The pages this sender will read in this round, halved: when the
 * halfway hook (engine.h) runs, by time rather than by address, for the
 * zero pages cost next to nothing. */
static uint64_t halfway_mark(const struct engine *e)
{
	uint64_t pfn, n = 0;

	for (pfn = 0; pfn < e->npages; pfn++)
		n += (uint64_t)sender_reads(e, pfn);
	return n / 2;
}

static int send_round(struct engine *e, const struct round_ctl *ctl,
		      struct round_stats *st)
{
	struct outbox o;
	uint64_t pfn, reads = 0, mark = 0;
	int me = e->rank / 2, rc = 0;
	struct round_end end;

	if (ctl->round == 0)
		find_unwritten(e);
	if (e->halfway)
		mark = halfway_mark(e);
	outbox_start(e, &o, ctl->round, receiver_of(e, e->rank));
	for (pfn = 0; pfn < e->npages; pfn++) {
		if (pagedir_owner(pfn, (uint64_t)e->nsenders) != (uint64_t)me)
			continue;
		if (!bitmap_test(e->bitmap, pfn))
			continue;
		if (e->halfway && reads >= mark) {
			e->halfway(e->halfway_arg);
			e->halfway = NULL;
		}
		reads += (uint64_t)!unwritten(e, pfn);
		rc = outbox_add(e, &o, pfn, st);
		if (rc)
			break;
	}
	free(e->unwritten);
	e->unwritten = NULL;
	if (rc || outbox_flush(e, &o, st))
		return -1;
	end = (struct round_end) { .magic = STREAM_MAGIC, .round = ctl->round,
				   .pages = st->pages, .zero_pages = st->zero_pages,
				   .bytes = st->payload_bytes + st->header_bytes };
	st->header_bytes += sizeof(end);
	return engine_send(e, &end, sizeof(end), o.dst, TAG_ROUND_END);
}

int engine_codec_setup(struct engine *e)
{
	const uint8_t *sample[64];
	double link, speed;
	uint64_t pfn;
	int n = 0, me = e->rank / 2, want;

	/* The compressor's speed on this sender's own non-zero pages. */
	for (pfn = 0; pfn < e->npages && n < 64; pfn++) {
		const uint8_t *p = e->mem + pfn * STREAM_PAGE_SIZE;

		if (pagedir_owner(pfn, (uint64_t)e->nsenders) == (uint64_t)me &&
		    !pagecodec_is_zero(p))
			sample[n++] = p;
	}
	speed = pagecodec_speed(sample, n);
	link = e->opt.req.bandwidth_bps / 8 / e->nsenders;
	want = e->opt.req.bandwidth_bps > 0 && speed > 2 * link;
	e->codec.compress = e->opt.req.compress == MIGREQ_CODEC_AUTO ? want
			    : e->opt.req.compress == MIGREQ_CODEC_ON;
	e->codec.delta = e->opt.req.delta == MIGREQ_CODEC_AUTO ? want
			 : e->opt.req.delta == MIGREQ_CODEC_ON;
	if (!e->codec.delta)
		return 0;
	e->sent_copy = malloc(e->npages * STREAM_PAGE_SIZE);
	e->sent_valid = calloc(e->bitmap_words, sizeof(uint64_t));
	return e->sent_copy && e->sent_valid ? 0 : -1;
}

/* batch_unpack's callback in a round: the record straight into
 * destination RAM (a checked record always decodes). A zero page where
 * destination RAM was never written is zeros already: writing it would
 * only allocate it. */
static int apply_page(void *arg, const struct page_rec *rec, const uint8_t *payload)
{
	struct engine *e = arg;

	if (unwritten(e, rec->pfn)) {
		if (rec->kind == PAGE_ZERO)
			return 0;
		bitmap_clear(e->unwritten, rec->pfn);
	}
	return pagecodec_decode(rec->kind, payload, rec->len,
				e->mem + rec->pfn * STREAM_PAGE_SIZE);
}

/* A checked batch straight into destination RAM. Returns 0 or -1. */
static int apply_batch(struct engine *e, uint32_t round, size_t len,
		       struct round_stats *st)
{
	struct batch_rules rules = {
		.round = round, .max = e->opt.batch_pages, .npages = e->npages,
		.allow_delta = 1,
	};
	long n = stream_auth_open(e->buf, len);

	if (n < 0) {
		log_error("rank %d: a page batch failed its check against the migration key", e->rank);
		return -1;
	}
	n = batch_unpack(e->buf, (size_t)n, &rules, apply_page, e);
	if (n < 0)
		return -1;
	st->recv_pages += (uint64_t)n;
	return 0;
}

static int recv_round(struct engine *e, const struct round_ctl *ctl,
		      struct round_stats *st)
{
	int pending = senders_of(e, e->rank);
	MPI_Status status;
	int n;

	/* The incoming VM's RAM is all holes now. Post-copy takes a hole
	 * for a page still to come (docs/dsm.md, "Post-copy"), so it gets every
	 * zero page written. */
	if (ctl->round == 0 && !e->method->postcopy)
		find_unwritten(e);
	while (pending > 0) {
		if (MPI_Recv(e->buf, (int)e->buf_size, MPI_BYTE, MPI_ANY_SOURCE,
			     MPI_ANY_TAG, MPI_COMM_WORLD, &status) != MPI_SUCCESS)
			return -1;
		MPI_Get_count(&status, MPI_BYTE, &n);
		if (status.MPI_TAG == TAG_ROUND_END) {
			pending--;
		} else if (status.MPI_TAG != TAG_PAGES ||
			   apply_batch(e, ctl->round, (size_t)n, st)) {
			log_error("rank %d: invalid message (tag %d, %d bytes) from rank %d in round %u",
				  e->rank, status.MPI_TAG, n, status.MPI_SOURCE, ctl->round);
			st->errors++;
		}
	}
	return 0;
}

int engine_round(struct engine *e, const struct round_ctl *ctl,
		 struct round_stats *total)
{
	struct round_stats mine;
	int rc = 0;

	memset(&mine, 0, sizeof(mine));
	if (engine_is_sender(e)) {
		if (MPI_Bcast(e->bitmap, (int)e->bitmap_words, MPI_UINT64_T, 0,
			      e->senders) != MPI_SUCCESS)
			return -1;
		rc = send_round(e, ctl, &mine);
	} else {
		rc = recv_round(e, ctl, &mine);
	}
	/* Rank 1 checks that its VMM still answers: a dead destination is
	 * found at the end of the round, before the source is paused. */
	if (e->rank == 1 && !rc) {
		struct hv_stats alive;

		if (e->hv->query_stats(e->vm, &alive)) {
			log_error("the destination VMM does not answer: %s",
				  e->hv->error(e->vm));
			rc = -1;
		}
	}
	if (rc)
		mine.errors++;
	if (MPI_Reduce(&mine, total, ROUND_STATS_WORDS, MPI_UINT64_T, MPI_SUM, 0,
		       MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	return rc;
}

int fault_injected(const char *name)
{
	const char *f = getenv("DSMIG_FAULT");

	return f && !strcmp(f, name);
}

void fault_hold(const char *point)
{
	const char *h = getenv("DSMIG_HOLD"), *ms = getenv("DSMIG_HOLD_MS");
	long wait = ms ? strtol(ms, NULL, 10) : 3000;
	struct timespec ts;

	if (!h || strcmp(h, point))
		return;
	if (wait <= 0 || wait > 60000)
		wait = 3000;
	/* On stderr first: the fault matrix kills a process when it sees it. */
	log_info("holding at %s for %ld ms (DSMIG_HOLD)", point, wait);
	ts.tv_sec = wait / 1000;
	ts.tv_nsec = (wait % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t engine_hash_count(const struct engine *e)
{
	return (e->npages + ENGINE_HASH_CHUNK_PAGES - 1) / ENGINE_HASH_CHUNK_PAGES;
}

void engine_hash_memory(const struct engine *e, const uint8_t *mem, uint64_t *out)
{
	uint64_t i, n = engine_hash_count(e);
	uint64_t chunk = (uint64_t)ENGINE_HASH_CHUNK_PAGES * STREAM_PAGE_SIZE;
	uint64_t bytes = e->npages * STREAM_PAGE_SIZE;

	for (i = 0; i < n; i++) {
		uint64_t len = bytes - i * chunk < chunk ? bytes - i * chunk : chunk;

		out[i] = XXH3_64bits(mem + i * chunk, len);
	}
}

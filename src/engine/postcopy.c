/* Post-copy: rank 0 serves and pushes, rank 1 installs pages (postcopy.h). */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "engine/postcopy.h"

#define PC_PUSH_PAGES     8     /* pages per push batch */
#define PC_WINDOW_MS      25    /* pushed but not acknowledged: a pull
				   waits behind at most this long at the
				   engine's cap, however deep the link's
				   queues are (a tc-shaped link without an
				   engine cap buffers seconds) */
#define PC_WINDOW_MIN     (32 * 1024)   /* ... but at least this much, */
#define PC_WINDOW_MAX     (128 * 1024)  /* and at most (no cap: this) */
#define PC_PROGRESS_MS    100   /* telemetry "postcopy" records */
#define PC_POLL_MS        1     /* rank 1's wait for a fault or a page */

/* ---- rank 0 ------------------------------------------------------------ */

int postcopy_send_missing(struct engine *e, const uint64_t *missing,
			  const struct hv_stats *paused)
{
	size_t bytes = e->bitmap_words * sizeof(uint64_t), packed_len;
	/* Mostly zeros: packed (LZ4) like the state when the codecs are on. */
	void *packed = pagecodec_pack_blob(e->codec.compress, missing, bytes, &packed_len);
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

/* How many pushed bytes may be unacknowledged: PC_WINDOW_MS of the cap. */
static uint64_t push_window(const struct engine *e)
{
	double bytes = e->opt.bandwidth_bps / 8 * PC_WINDOW_MS / 1000;

	if (e->opt.bandwidth_bps <= 0 || bytes >= PC_WINDOW_MAX)
		return PC_WINDOW_MAX;
	return bytes <= PC_WINDOW_MIN ? PC_WINDOW_MIN : (uint64_t)bytes;
}

unsigned readahead_next(struct readahead *ra, uint64_t p)
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
	uint64_t *pending;           /* pages not sent yet */
	uint64_t *req;               /* a TAG_PULL message */
	uint64_t *ahead, nahead;     /* readahead, a stack pushed before
					order[]: the latest fault's pages
					first, in ascending order */
	struct readahead ra;
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
		uint64_t p = sv->req[i], q = p + readahead_next(&sv->ra, p);

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
	uint64_t batch[PC_PUSH_PAGES], k = 0;

	while (sv->nahead && k < PC_PUSH_PAGES)
		batch[k++] = sv->ahead[--sv->nahead];
	while (*idx < n && k < PC_PUSH_PAGES)
		batch[k++] = order[(*idx)++];
	return send_pending(e, sv->pending, batch, k, &t->pushed, &t->st);
}

/* One message from rank 1. Returns 1 (done: RESIDENT), 0 (go on), or
 * -1/-2 as postcopy_serve. */
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
		       ? (snprintf(why, len, "cannot send pulled pages"), -2) : 0;
	case TAG_ACK:
		if (n != (int)sizeof(sv->acked))
			break;
		MPI_Recv(&sv->acked, n, MPI_BYTE, 1, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		t->acks++;
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

int postcopy_serve(struct engine *e, const uint64_t *order, uint64_t n,
		   const uint64_t *missing,
		   void (*resumed)(void *arg, const struct handshake *confirm), void *arg,
		   struct postcopy_tally *t, char *why, size_t len)
{
	struct serve sv = {
		.pending = malloc(e->bitmap_words * sizeof(uint64_t)),
		.req = malloc(e->npages * sizeof(uint64_t)),
		.ahead = malloc(e->npages * sizeof(uint64_t)),
		.resumed = resumed, .arg = arg,
	};
	uint64_t idx = 0, now, last_heard = time_mono_ns(), last_progress = 0;
	uint64_t window = push_window(e);
	struct timespec nap = { 0, 200000 };
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!sv.pending || !sv.req || !sv.ahead) {
		rc = (snprintf(why, len, "out of memory"), -2);
		goto out;
	}
	memcpy(sv.pending, missing, e->bitmap_words * sizeof(uint64_t));
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
			   t->st.payload_bytes + t->st.header_bytes - sv.acked < window) {
			if (push_batch(e, &sv, order, n, &idx, t) < 0)
				rc = (snprintf(why, len, "cannot push pages"), -2);
		} else if (now - last_heard > (uint64_t)e->opt.confirm_timeout_ms * 1000000u) {
			rc = (snprintf(why, len, "post-copy: no word from the destination "
				       "for %u ms", e->opt.confirm_timeout_ms), -2);
		} else {
			nanosleep(&nap, NULL);
		}
		if (now - last_progress >= PC_PROGRESS_MS * 1000000ull) {
			progress_record(e, n, t);
			last_progress = now;
		}
	}
	progress_record(e, n, t);
out:
	free(sv.pending);
	free(sv.req);
	free(sv.ahead);
	return rc > 0 ? 0 : rc;
}

/* ---- rank 1 ------------------------------------------------------------ */

struct postcopy_dest {
	struct engine *e;
	struct postcopy_hdr hdr;
	uint64_t *missing;        /* pages not yet installed */
	uint64_t *fault_ns;       /* per page: when its first fault was read (0: not asked for) */
	uint64_t *lat, nlat;      /* fault-to-install latencies */
	uint64_t installed, faults;
	uint64_t received;        /* bytes of page batches, acknowledged */
	int uffd;
	uint64_t hva;             /* guest RAM in the VMM's address space */
	uint8_t *stale;           /* delta bases: the punched-out pages' old
				     contents, in pfn order of the missing set */
	uint32_t *stale_idx;      /* pfn -> index in stale */
	uint64_t *hashes;         /* --verify: the source's */
	long hashes_len;
	uint8_t *shadow;          /* --verify: what was installed, page by page */
	char why[216];
};

void postcopy_dest_free(struct postcopy_dest *pc)
{
	if (!pc)
		return;
	if (pc->uffd >= 0)
		close(pc->uffd);
	free(pc->missing);
	free(pc->fault_ns);
	free(pc->lat);
	free(pc->hashes);
	free(pc->shadow);
	free(pc->stale);
	free(pc->stale_idx);
	free(pc);
}

/* Keep the old contents of the missing pages before they are punched out:
 * rank 0 may send them as deltas against what it sent before. */
static int keep_stale(struct postcopy_dest *pc)
{
	struct engine *e = pc->e;
	uint64_t pfn, k = 0;

	pc->stale = malloc((pc->hdr.nr_missing ? pc->hdr.nr_missing : 1) * STREAM_PAGE_SIZE);
	pc->stale_idx = malloc(e->npages * sizeof(*pc->stale_idx));
	if (!pc->stale || !pc->stale_idx)
		return -1;
	for (pfn = 0; pfn < e->npages; pfn++) {
		if (!bitmap_test(pc->missing, pfn))
			continue;
		memcpy(pc->stale + k * STREAM_PAGE_SIZE, e->mem + pfn * STREAM_PAGE_SIZE,
		       STREAM_PAGE_SIZE);
		pc->stale_idx[pfn] = (uint32_t)k++;
	}
	return 0;
}

/* Drop the backing of every missing page, in runs. Only rank 1's own
 * mapping is used, and never to read a missing page: a read through an
 * unregistered mapping would fill the hole with zeros. */
static int punch_missing(struct postcopy_dest *pc)
{
	struct engine *e = pc->e;
	uint64_t pfn = 0, run;

	while (pfn < e->npages) {
		if (!bitmap_test(pc->missing, pfn)) {
			pfn++;
			continue;
		}
		for (run = 1; pfn + run < e->npages && bitmap_test(pc->missing, pfn + run); run++)
			;
		if (madvise(e->mem + pfn * STREAM_PAGE_SIZE, run * STREAM_PAGE_SIZE,
			    MADV_REMOVE) < 0)
			return -errno;
		pfn += run;
	}
	return 0;
}

static int receive_missing(struct postcopy_dest *pc, char *why, size_t len)
{
	struct engine *e = pc->e;
	size_t bytes = e->bitmap_words * sizeof(uint64_t);
	void *msg = NULL, *bitmap = NULL;
	long n = dest_recv_alloc(TAG_MISSING, &msg);

	if (n == -ECANCELED)
		return snprintf(why, len, "aborted by the source"), -ECANCELED;
	if (n < (long)sizeof(pc->hdr) ||
	    pagecodec_unpack_blob((uint8_t *)msg + sizeof(pc->hdr), (size_t)n - sizeof(pc->hdr),
				  &bitmap) != (long)bytes) {
		free(msg);
		free(bitmap);
		return snprintf(why, len, "post-copy: bad missing-page list (%ld bytes)", n), -1;
	}
	memcpy(&pc->hdr, msg, sizeof(pc->hdr));
	memcpy(pc->missing, bitmap, bytes);
	free(msg);
	free(bitmap);
	if (e->npages % 64)
		pc->missing[e->bitmap_words - 1] &= (1ull << (e->npages % 64)) - 1;
	if (pc->hdr.magic != STREAM_MAGIC ||
	    pc->hdr.nr_missing != bitmap_weight(pc->missing, e->bitmap_words))
		return snprintf(why, len, "post-copy: inconsistent missing-page list"), -1;
	return 0;
}

int postcopy_dest_prepare(struct engine *e, struct postcopy_dest **out,
			  char *why, size_t len)
{
	struct postcopy_dest *pc = calloc(1, sizeof(*pc));
	uint64_t pfn;
	int rc;

	*out = pc;
	if (!pc)
		return snprintf(why, len, "out of memory"), -1;
	pc->e = e;
	pc->uffd = -1;
	pc->missing = calloc(e->bitmap_words, sizeof(uint64_t));
	pc->fault_ns = calloc(e->npages, sizeof(uint64_t));
	pc->lat = calloc(e->npages, sizeof(uint64_t));
	if (!pc->missing || !pc->fault_ns || !pc->lat)
		return snprintf(why, len, "out of memory"), -1;
	rc = receive_missing(pc, why, len);
	if (rc)
		return rc;
	if (e->opt.verify) {
		pc->hashes_len = dest_recv_alloc(TAG_HASHES, (void **)&pc->hashes);
		if (pc->hashes_len < 0)
			return snprintf(why, len, "verify: cannot receive hashes"), -1;
	}
	if (!e->hv->userfault_arm)
		return snprintf(why, len, "the %s backend cannot do post-copy", e->hv->name), -1;
	rc = e->hv->userfault_arm(e->vm, &pc->uffd, &pc->hva);
	if (rc)
		return snprintf(why, len, "the destination VMM cannot arm post-copy: %s",
				strerror(-rc)), -1;
	if ((pc->hdr.flags & POSTCOPY_DELTA) && keep_stale(pc))
		return snprintf(why, len, "out of memory"), -1;
	rc = punch_missing(pc);
	if (rc)
		return snprintf(why, len, "post-copy: cannot drop stale pages: %s",
				strerror(-rc)), -1;
	if (e->opt.verify) {
		pc->shadow = malloc(e->npages * STREAM_PAGE_SIZE);
		if (!pc->shadow)
			return snprintf(why, len, "out of memory"), -1;
		for (pfn = 0; pfn < e->npages; pfn++)
			if (!bitmap_test(pc->missing, pfn))
				memcpy(pc->shadow + pfn * STREAM_PAGE_SIZE,
				       e->mem + pfn * STREAM_PAGE_SIZE, STREAM_PAGE_SIZE);
	}
	return 0;
}

/* engine_unpack_batch's callback: decode one page (a delta against its
 * stale copy) and place it in the guest. */
static int install_page(void *arg, const struct page_rec *rec, const uint8_t *payload)
{
	struct postcopy_dest *pc = arg;
	uint64_t pfn = rec->pfn;
	uint8_t page[STREAM_PAGE_SIZE];
	struct uffdio_copy c = {
		.dst = pc->hva + pfn * STREAM_PAGE_SIZE,
		.src = (uintptr_t)page,
		.len = STREAM_PAGE_SIZE,
	};

	if (!bitmap_test(pc->missing, pfn))
		return 0;   /* pulled and pushed both: the first one won */
	if (rec->kind == PAGE_DELTA)
		memcpy(page, pc->stale + (uint64_t)pc->stale_idx[pfn] * STREAM_PAGE_SIZE,
		       STREAM_PAGE_SIZE);
	pagecodec_decode(rec->kind, payload, rec->len, page);
	while (ioctl(pc->uffd, UFFDIO_COPY, &c) < 0) {
		if (errno == EAGAIN && c.copy <= 0) {
			c.copy = 0;
			continue;
		}
		if (errno == EEXIST)
			break;
		snprintf(pc->why, sizeof(pc->why), "UFFDIO_COPY of page %llu: %s",
			 (unsigned long long)pfn, strerror(errno));
		return -1;
	}
	bitmap_clear(pc->missing, pfn);
	pc->installed++;
	if (pc->fault_ns[pfn])
		pc->lat[pc->nlat++] = time_mono_ns() - pc->fault_ns[pfn];
	if (pc->shadow)
		memcpy(pc->shadow + pfn * STREAM_PAGE_SIZE, page, STREAM_PAGE_SIZE);
	return 0;
}

/* Read the faults queued on the userfaultfd and ask rank 0 for the pages
 * not asked for yet. Returns 0 or -1. */
static int pull_faults(struct postcopy_dest *pc, uint64_t *req)
{
	struct engine *e = pc->e;
	struct uffd_msg msgs[64];
	uint64_t k = 0, now = time_mono_ns();
	ssize_t n, i;

	while ((n = read(pc->uffd, msgs, sizeof(msgs))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(msgs[0]); i++) {
			uint64_t addr = msgs[i].arg.pagefault.address, pfn;

			if (msgs[i].event != UFFD_EVENT_PAGEFAULT || addr < pc->hva)
				continue;
			pfn = (addr - pc->hva) / STREAM_PAGE_SIZE;
			/* fault_ns also says whether it was asked for */
			if (pfn >= e->npages || !bitmap_test(pc->missing, pfn) ||
			    pc->fault_ns[pfn])
				continue;
			pc->fault_ns[pfn] = now;
			pc->faults++;
			req[k++] = pfn;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		snprintf(pc->why, sizeof(pc->why), "reading the userfaultfd: %s", strerror(errno));
		return -1;
	}
	return k ? engine_send(e, req, k * sizeof(uint64_t), 0, TAG_PULL) : 0;
}

/* Take every page batch that has arrived. Returns 0 or -1. */
static int take_pages(struct postcopy_dest *pc)
{
	struct engine *e = pc->e;
	MPI_Status st;
	int flag = 1, n;

	while (flag) {
		if (MPI_Iprobe(0, TAG_PAGES, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
			return snprintf(pc->why, sizeof(pc->why), "lost the source"), -1;
		if (!flag)
			break;
		MPI_Get_count(&st, MPI_BYTE, &n);
		if (n < 0 || (size_t)n > e->buf_size ||
		    MPI_Recv(e->buf, n, MPI_BYTE, 0, TAG_PAGES, MPI_COMM_WORLD,
			     MPI_STATUS_IGNORE) != MPI_SUCCESS)
			return snprintf(pc->why, sizeof(pc->why), "bad page message"), -1;
		if (engine_unpack_batch(e, POSTCOPY_ROUND, (size_t)n,
					(pc->hdr.flags & POSTCOPY_DELTA) != 0, install_page, pc) < 0) {
			if (!pc->why[0])
				snprintf(pc->why, sizeof(pc->why), "invalid page batch");
			return -1;
		}
		pc->received += (uint64_t)n;
		if (engine_send(e, &pc->received, sizeof(pc->received), 0, TAG_ACK))
			return snprintf(pc->why, sizeof(pc->why), "lost the source"), -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int postcopy_dest_run(struct engine *e, struct postcopy_dest *pc)
{
	struct postcopy_report rep = { .ok = 1 };
	struct hv_stats before;
	struct pollfd pfd = { .fd = pc->uffd, .events = POLLIN };
	uint64_t *req = malloc(e->npages * sizeof(uint64_t));
	uint64_t resumed, resumed_mono, gap = 0, deadline, installed;
	int confirmed = 0, rc;

	if (!req || e->hv->query_stats(e->vm, &before) || e->hv->resume(e->vm)) {
		free(req);
		e->hv->destroy(e->vm);
		dest_reply(e, TAG_CONFIRM, 0, 0, 0, "the destination VM did not resume");
		return 1;
	}
	resumed = time_wall_ns();
	resumed_mono = time_mono_ns();
	deadline = resumed_mono + DEST_CONFIRM_POLL_MS * 1000000ull;
	/* The guest's last heartbeat on the source, not what (little) of
	 * the counters page the destination has. */
	before.has_counters = (pc->hdr.flags & POSTCOPY_HAS_COUNTERS) != 0;
	before.heartbeat = pc->hdr.heartbeat;
	before.heartbeat_ns = pc->hdr.heartbeat_ns;

	while (pc->installed < pc->hdr.nr_missing || !confirmed) {
		if (poll(&pfd, 1, PC_POLL_MS) < 0 && errno != EINTR) {
			snprintf(pc->why, sizeof(pc->why), "poll: %s", strerror(errno));
			break;
		}
		installed = pc->installed;
		if (pull_faults(pc, req) || take_pages(pc))
			break;
		/* A guest that waits for its pages is not a dead guest: the
		 * deadline counts from the last page installed. */
		if (pc->installed != installed)
			deadline = time_mono_ns() + DEST_CONFIRM_POLL_MS * 1000000ull;
		if (!confirmed) {
			rc = dest_guest_active(e, &before, &gap);
			if (rc > 0) {
				dest_reply(e, TAG_CONFIRM, 1, resumed, gap, NULL);
				confirmed = 1;
			} else if (rc < 0 || time_mono_ns() > deadline) {
				snprintf(pc->why, sizeof(pc->why),
					 "the destination guest shows no activity after resume");
				break;
			}
		}
	}
	free(req);
	if (!confirmed) {
		/* Resumed but silent: it owns the VM now; say so, do not discard. */
		dest_reply(e, TAG_CONFIRM, 0, resumed, 0, pc->why);
		return 3;
	}
	rep.resident_ns = time_mono_ns() - resumed_mono;
	if (pc->installed < pc->hdr.nr_missing)
		rep.ok = 0;
	else if (e->hv->userfault_done(e->vm))
		rep.ok = 0, snprintf(pc->why, sizeof(pc->why),
				     "the destination VMM still misses pages");
	else if (pc->shadow && dest_compare_hashes(e, pc->hashes, pc->hashes_len, pc->shadow,
						   pc->why, sizeof(pc->why)))
		rep.ok = 0;
	rep.faults = pc->faults;
	rep.installed = pc->installed;
	if (pc->nlat) {
		qsort(pc->lat, pc->nlat, sizeof(*pc->lat), cmp_u64);
		rep.fault_median_ns = pc->lat[pc->nlat / 2];
		rep.fault_max_ns = pc->lat[pc->nlat - 1];
	}
	snprintf(rep.reason, sizeof(rep.reason), "%s", rep.ok ? "" : pc->why);
	if (engine_send(e, &rep, sizeof(rep), 0, TAG_RESIDENT))
		return 3;
	if (!rep.ok) {
		log_error("post-copy failed: %s", pc->why);
		return 3;
	}
	dest_report_after(e);
	return 0;
}

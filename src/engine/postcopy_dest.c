/*
 * Post-copy, rank 1's half (postcopy.h): before READY, arm the destination
 * VM's userfaultfd and punch the missing pages out of guest RAM (keeping
 * their stale contents as delta bases when asked); after GO, one loop
 * polls the userfaultfd and MPI: faults become pulls to rank 0, arriving
 * page batches are checked and installed with UFFDIO_COPY, each batch
 * acknowledged. When no page is missing, end post-copy, verify and report.
 */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "dsm/batch.h"
#include "engine/stream_auth.h"
#include "engine/blob.h"
#include "engine/dest.h"
#include "engine/postcopy.h"

/* The wait for a fault or a page (pages come over MPI, which cannot be
 * polled): while pages are still missing short, so that a page that
 * arrives does not wait behind it while a vCPU waits for the page (with
 * 1 ms, a guest rewriting 32 MiB at once stalled 200 ms after resume). */
#define PC_POLL_NS         1000000
#define PC_POLL_MISSING_NS 50000

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
	    blob_unpack((uint8_t *)msg + sizeof(pc->hdr), (size_t)n - sizeof(pc->hdr),
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
	if (e->opt.req.verify) {
		pc->hashes_len = dest_recv_alloc(TAG_HASHES, (void **)&pc->hashes);
		if (pc->hashes_len == -ECANCELED)
			return snprintf(why, len, "aborted by the source"), -ECANCELED;
		if (pc->hashes_len < 0)
			return snprintf(why, len, "verify: cannot receive hashes"), -1;
	}
	if (!e->hv->userfault_arm)
		return snprintf(why, len, "the %s backend cannot do post-copy", e->hv->name), -1;
	rc = e->hv->userfault_arm(e->vm, &pc->uffd, &pc->hva);
	if (rc)
		return errbuf_set(why, len, "the destination VMM cannot arm post-copy: %s",
				  e->hv->error(e->vm));
	if ((pc->hdr.flags & POSTCOPY_DELTA) && keep_stale(pc))
		return snprintf(why, len, "out of memory"), -1;
	rc = punch_missing(pc);
	if (rc)
		return snprintf(why, len, "post-copy: cannot drop stale pages: %s",
				strerror(-rc)), -1;
	if (e->opt.req.verify) {
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

/* batch_unpack's callback: decode one page (a delta against its
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
	struct batch_rules rules = {
		.round = POSTCOPY_ROUND, .max = e->opt.batch_pages, .npages = e->npages,
		.allow_delta = (pc->hdr.flags & POSTCOPY_DELTA) != 0,
	};
	MPI_Status st;
	int flag = 1, n;
	long body;

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
		body = stream_auth_open(e->buf, (size_t)n);
		if (body < 0)
			return snprintf(pc->why, sizeof(pc->why),
					"a page batch failed its check against the migration key"), -1;
		if (batch_unpack(e->buf, (size_t)body, &rules, install_page, pc) < 0) {
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
	/* The guest as it lives through post-copy, for rank 0's guest watch. */
	struct after_report *after = calloc(1, sizeof(*after));
	struct hv_stats now;
	uint64_t resumed, resumed_mono, gap = 0, deadline, installed, next_sample;
	int confirmed = 0, rc;

	if (!req || !after || e->hv->query_stats(e->vm, &before) || e->hv->resume(e->vm)) {
		snprintf(pc->why, sizeof(pc->why), "the destination VM did not resume: %s",
			 req && after ? e->hv->error(e->vm) : "out of memory");
		free(req);
		free(after);
		e->hv->destroy(e->vm);
		dest_reply(e, TAG_CONFIRM, 0, 0, 0, pc->why);
		return 1;
	}
	resumed = time_wall_ns();
	resumed_mono = time_mono_ns();
	deadline = resumed_mono + DEST_CONFIRM_POLL_MS * 1000000ull;
	next_sample = resumed_mono;
	after->resumed_ns = resumed_mono;
	/* The guest's last heartbeat on the source, not what (little) of
	 * the counters page the destination has. */
	before.has_counters = (pc->hdr.flags & POSTCOPY_HAS_COUNTERS) != 0;
	before.heartbeat = pc->hdr.heartbeat;
	before.heartbeat_ns = pc->hdr.heartbeat_ns;

	while (pc->installed < pc->hdr.nr_missing || !confirmed) {
		struct timespec wait = {
			0, pc->installed < pc->hdr.nr_missing ? PC_POLL_MISSING_NS : PC_POLL_NS
		};

		if (ppoll(&pfd, 1, &wait, NULL) < 0 && errno != EINTR) {
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
		if (confirmed && time_mono_ns() >= next_sample) {
			if (dest_after_sample(e, after, &now))
				log_warn("post-copy: no reading of the guest: %s", e->hv->error(e->vm));
			next_sample = time_mono_ns() + AFTER_POLL_MS * 1000000ull;
		}
		if (!confirmed) {
			rc = dest_guest_active(e, &before, &gap);
			if (rc < 0)
				log_error("%s", e->hv->error(e->vm));
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
		free(after);
		/* Resumed but silent: it owns the VM now; say so, do not discard. */
		dest_reply(e, TAG_CONFIRM, 0, resumed, 0, pc->why);
		return 3;
	}
	rep.resident_ns = time_mono_ns() - resumed_mono;
	if (pc->installed < pc->hdr.nr_missing)
		rep.ok = 0;
	else if (e->hv->userfault_done(e->vm))
		rep.ok = 0, snprintf(pc->why, sizeof(pc->why),
				     "the destination VMM still misses pages: %s",
				     e->hv->error(e->vm));
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
	/* A failure's reason goes to rank 0, which prints it. */
	if (engine_send(e, &rep, sizeof(rep), 0, TAG_RESIDENT)) {
		if (!rep.ok)
			log_error("post-copy failed: %s (rank 0 cannot be told)", pc->why);
		free(after);
		return 3;
	}
	if (!rep.ok) {
		free(after);
		return 3;
	}
	dest_report_after(e, after);
	return 0;
}

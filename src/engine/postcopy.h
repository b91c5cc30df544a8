/*
 * Post-copy, the tail of the dsm-pull method: the destination guest runs
 * before all of its memory has arrived. Two halves, one per side, as
 * Xen's save and restore: postcopy_source.c (rank 0, postcopy_source_*)
 * and postcopy_dest.c (rank 1, postcopy_dest_*). What they send each
 * other is in stream.h (TAG_MISSING with struct postcopy_hdr and its
 * flags, TAG_PULL, TAG_PAGES of POSTCOPY_ROUND, TAG_ACK, TAG_RESIDENT with
 * struct postcopy_report) and docs/migration-stream.md.
 *
 * Rank 0 (source, paused) sends the bitmap of pages the destination lacks
 * (TAG_MISSING). Rank 1 has the destination VM register its RAM with a
 * userfaultfd, punches those pages out of the memfd (so a stale copy can
 * never be read), loads the state and, on GO, resumes the guest. From then
 * on rank 1 reads faults from the userfaultfd and asks rank 0 for those
 * pages (TAG_PULL), and installs every page that arrives with UFFDIO_COPY,
 * which wakes the faulting vCPU. Rank 0 answers pulls first and pushes
 * the rest: the pages after the latest fault (readahead), then hot pages
 * first, through the same rate limit. When no page is missing, rank 1
 * sends TAG_RESIDENT and the source is released.
 *
 * If either side dies in between, the destination VM pauses itself (see
 * src/vmm/userfault.h): the source is paused too, and neither can run the
 * guest. docs/dsm.md describes this risk, the same as QEMU's postcopy.
 */
#ifndef DSMIG_ENGINE_POSTCOPY_H
#define DSMIG_ENGINE_POSTCOPY_H

#include "engine/engine.h"

/* ---- rank 0: postcopy_source.c ---- */

/* What the source side counted. */
struct postcopy_tally {
	uint64_t pushed, pulled;     /* pages sent each way */
	uint64_t pull_requests;      /* pfns rank 1 asked for */
	uint64_t acks;               /* TAG_ACK messages from rank 1 */
	struct round_stats st;       /* bytes of the page batches */
	int confirmed;               /* CONFIRM arrived */
	struct postcopy_report rep;  /* TAG_RESIDENT, once it arrived */
};

/* Readahead: a fault on page p puts the missing pages after it at the
 * head of rank 0's pushes, POSTCOPY_AHEAD_MIN with the faulting one,
 * doubling up to POSTCOPY_AHEAD_MAX while each fault lies in or just past
 * the previous one's pages, as the kernel reads a file ahead: guest code
 * and buffers are touched in runs, and one round trip per page is what
 * stalls a vCPU (QEMU's postcopy prefetches alike). As pushes they stay
 * inside the push window, so a fault elsewhere never waits behind them. */
#define POSTCOPY_AHEAD_MIN 8
#define POSTCOPY_AHEAD_MAX 32

struct postcopy_readahead {
	uint64_t last;               /* the last faulting page, ... */
	unsigned run;                /* ... and its readahead (0: none yet) */
};

/* The readahead for a fault on page p, counting p itself; ra starts
 * zeroed and is updated. Pure: unit-tested. */
unsigned postcopy_source_readahead(struct postcopy_readahead *ra, uint64_t p);

/* Before the hashes and READY: send TAG_MISSING, the pages of missing (a
 * bitmap of e->npages bits, the caller's) and the paused source's last
 * heartbeat (paused). Returns 0 or -1 (no memory, or the send failed). */
int postcopy_source_send_missing(struct engine *e, const uint64_t *missing,
				 const struct hv_stats *paused);

/* After GO: serve pulls and push order[0..n) (each page of missing
 * once; both stay the caller's), until rank 1 reports every page
 * resident; resumed(arg, confirm) is called when its CONFIRM says the
 * guest runs. *t is zeroed first, then counts what was sent. Returns 0;
 * -1 if the destination failed without running the guest (the source may
 * resume); -2 otherwise (the source must stay paused), with a reason in
 * why. */
int postcopy_source_serve(struct engine *e, const uint64_t *order, uint64_t n,
			  const uint64_t *missing,
			  void (*resumed)(void *arg, const struct handshake *confirm),
			  void *arg, struct postcopy_tally *t, char *why, size_t len);

/* ---- rank 1: postcopy_dest.c ---- */

struct postcopy_dest;

/* Before READY, after the final round and the state: receive TAG_MISSING
 * (and, with --verify, the hashes), arm the VM's userfaultfd and punch
 * the missing pages out. Returns 0, -1 with a reason, or -ECANCELED (rank
 * 0 sent ABORT). The VM has not run: on failure it can be discarded. *pc
 * is set even on failure; the caller frees it with postcopy_dest_free. */
int postcopy_dest_prepare(struct engine *e, struct postcopy_dest **pc,
			  char *why, size_t len);

/* After GO, on a prepared pc: resume the guest, serve its faults until
 * every page is resident, end post-copy, verify, and send CONFIRM and
 * TAG_RESIDENT (then TAG_AFTER). Returns the engine's exit status (0 ok,
 * 1 failed before the guest ran: the VM is destroyed, 3 failed after).
 * pc stays the caller's. */
int postcopy_dest_run(struct engine *e, struct postcopy_dest *pc);

/* Close the userfaultfd and free pc; NULL is accepted. */
void postcopy_dest_free(struct postcopy_dest *pc);

#endif /* DSMIG_ENGINE_POSTCOPY_H */

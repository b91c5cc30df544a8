/*
 * Rank 1's helpers, shared by the destination's two endings: dest.c
 * (stop-and-copy: resume on GO and watch the guest) and postcopy_dest.c
 * (dsm-pull: resume on GO, then install the pages the guest lacks). They
 * speak for rank 1 to rank 0 over MPI_COMM_WORLD (stream.h); none of them
 * keeps state between calls.
 */
#ifndef DSMIG_ENGINE_DEST_H
#define DSMIG_ENGINE_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

struct after_report;

/* After the resume, the guest must show life this soon (ms); post-copy
 * counts it from the last page installed. */
#define DEST_CONFIRM_POLL_MS 2000

/* Send TAG_READY or TAG_CONFIRM (tag) to rank 0: a struct handshake with
 * ok, the destination's resume time and the guest-observed gap (CONFIRM;
 * 0 for READY) and reason (NULL: none; truncated to fit). A send that
 * fails is logged, not returned: rank 0 then times out on its side. */
void dest_reply(struct engine *e, int tag, int ok, uint64_t wall_ns,
		uint64_t gap_ns, const char *reason);

/* Receive the next message from rank 0, which must carry tag, whatever
 * its size, into a malloc'd buffer *out that the caller frees. Returns
 * its size; -ECANCELED if rank 0 sent TAG_ABORT instead (consumed);
 * -EPROTO for another tag or -ENOMEM (neither consumed), or -EIO. *out
 * is valid only on success. */
long dest_recv_alloc(int tag, void **out);

/* Compare the source's chunk hashes (theirs, got bytes as dest_recv_alloc
 * returned them: got < 0 means none came) with those of mem (guest RAM
 * or a shadow of it, e->npages pages). Returns 0 if all are equal, or -1
 * with why describing the first difference or the failure. */
int dest_compare_hashes(struct engine *e, const uint64_t *theirs, long got,
			const uint8_t *mem, char *why, size_t len);

/* Has the destination guest run since before (its heartbeat moved, or,
 * for a guest without counters, its vCPU time grew)? Returns 1 with the
 * guest-observed gap in *gap_ns (heartbeat guests; left alone otherwise),
 * 0 not yet, or -1 if the VMM does not answer (e->hv->error(e->vm) says
 * why). */
int dest_guest_active(struct engine *e, const struct hv_stats *before, uint64_t *gap_ns);

/* One reading of the destination guest into r's samples (post-copy takes
 * them while pages still come; dest_report_after afterwards). *st gets
 * the reading. 0, or -1 if the VMM does not answer. */
int dest_after_sample(struct engine *e, struct after_report *r, struct hv_stats *st);

/* The last word after a successful switch-over: sample the guest every
 * AFTER_POLL_MS for --after-ms (into r, which may hold earlier samples
 * and has resumed_ns set; NULL: out of memory, nothing is sent), and send its progress rate, the samples and its own
 * longest stall to rank 0 as TAG_AFTER (zeros if the VMM does not
 * answer; a failed send is not reported: rank 0 waits for it with a
 * deadline). Frees r. */
void dest_report_after(struct engine *e, struct after_report *r);

#endif /* DSMIG_ENGINE_DEST_H */

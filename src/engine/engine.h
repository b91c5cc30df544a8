/*
 * The migration engine: one MPI program, dsmig-engine, whose ranks split
 * the work. Rank 0 coordinates on the source host, rank 1 on the
 * destination host; further ranks are helpers, even ones on the source
 * (senders), odd ones on the destination (receivers). Every round, each
 * sender moves its block-cyclic share of the round's pages to one
 * receiver, in parallel with the others.
 */
#ifndef DSMIG_ENGINE_ENGINE_H
#define DSMIG_ENGINE_ENGINE_H

#include <mpi.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/bitmap.h"
#include "common/migreq.h"
#include "dsm/pagecodec.h"
#include "dsm/pagedir.h"
#include "engine/heat.h"
#include "engine/policy.h"
#include "engine/ratelimit.h"
#include "engine/stream.h"
#include "engine/telemetry.h"
#include "hv/hv.h"

#define ENGINE_HASH_CHUNK_PAGES 256

/* The command line: the migration request (common/migreq.h: VM, hosts,
 * method, cap, codecs, hot-page window, stop policy, switch-over timeout)
 * and the engine's own options. */
struct engine_opts {
	struct migreq req;
	const char *hv;                 /* backend name */
	struct precopy_params policy;   /* from req: max_iters, target_dirty */
	unsigned batch_pages;
	unsigned baseline_ms;           /* workload rate measured before start */
	/* --baseline-from: the source's progress and VMM clock sampled by
	 * dsmig migrate before it started the engine (has_baseline_from) */
	int has_baseline_from;
	uint64_t baseline_progress, baseline_time_ns;
	unsigned after_ms;              /* ... and after the switch-over */
	const char *telemetry;          /* path, fd:N or NULL */
	const char *key_file;           /* --key-file, or NULL: untagged */
};

/* Per-rank counters of one round, summed over ranks by MPI_Reduce. */
struct round_stats {
	uint64_t pages;          /* pages sent (records) */
	uint64_t zero_pages;     /* of which zero records */
	uint64_t payload_bytes;  /* page data */
	uint64_t header_bytes;   /* batch headers, records, round ends */
	uint64_t recv_pages;     /* records applied by receivers */
	uint64_t errors;         /* invalid messages seen by receivers */
};
#define ROUND_STATS_WORDS (sizeof(struct round_stats) / sizeof(uint64_t))

struct engine {
	struct engine_opts opt;
	int rank, nranks, nsenders, nreceivers;
	MPI_Comm senders;               /* the sender ranks; MPI_COMM_NULL elsewhere */
	const struct hv_ops *hv;
	const struct method *method;
	struct hv_vm *vm;               /* source VM on senders, destination on receivers */
	struct hv_vm_info info;
	uint8_t *mem;                   /* guest RAM of that VM */
	uint64_t npages;
	uint64_t *bitmap;               /* this round's pages (senders) */
	uint64_t *unwritten;            /* pages never written: a sender's in round 0,
					 * a receiver's still so (pre-copy only) */
	uint64_t bitmap_words;
	struct ratelimit rl;
	uint8_t *buf;                   /* one batch message */
	size_t buf_size;
	struct pagecodec_opts codec;    /* what this sender uses */
	uint8_t *sent_copy;             /* delta: what the destination holds */
	uint64_t *sent_valid;           /* delta: pages in sent_copy */
	struct telemetry tel;           /* rank 0 only */
	/* Rank 0: called once when its share of a round passes half of RAM
	 * (set for round 0 by methods that sync halfway, else NULL). */
	void (*halfway)(void *arg);
	void *halfway_arg;
	struct heat_map heat;           /* rank 0: the "heat" records (dsm methods) */
	_Atomic uint64_t bytes_sent;    /* everything this rank put on the wire */
	/* If not 0, engine_send gives up on a message its receiver has not
	 * taken within this many ms and sets send_timed_out (post-copy's
	 * source: a stalled destination must not hold it forever). */
	unsigned send_timeout_ms;
	int send_timed_out;
};

static inline int engine_is_sender(const struct engine *e) { return e->rank % 2 == 0; }

static inline int round_is_final(uint32_t kind)
{
	return kind == ROUND_FINAL || kind == ROUND_FINAL_STATE_FIRST ||
	       kind == ROUND_FINAL_POSTCOPY;
}

/* The state blob travels before the round's pages. */
static inline int round_state_first(uint32_t kind)
{
	return kind == ROUND_FINAL_STATE_FIRST || kind == ROUND_FINAL_POSTCOPY;
}

struct method;

/* Run one round on every rank: rank 0 has filled e->bitmap; senders get it,
 * send their share and a round end; receivers apply what arrives. Sums of
 * all ranks' counters land in *total on rank 0. Returns 0 or -1. */
int engine_round(struct engine *e, const struct round_ctl *ctl,
		 struct round_stats *total);

/* Send the pages pfns[0..n) of e->mem to rank dst as TAG_PAGES batches
 * of round `round` (as deltas where this rank sent the page before);
 * counted in *st. Returns 0 or -1. */
int engine_send_pages(struct engine *e, uint32_t round, const uint64_t *pfns,
		      uint64_t n, int dst, struct round_stats *st);

/* Hash guest RAM in ENGINE_HASH_CHUNK_PAGES chunks (xxh3). out has
 * engine_hash_count() entries. */
uint64_t engine_hash_count(const struct engine *e);
void engine_hash_memory(const struct engine *e, const uint8_t *mem, uint64_t *out);

/* Send a message to rank dst through the rate limiter, counted in
 * e->bytes_sent. Returns 0 or -1 (send_timed_out set if it waited
 * send_timeout_ms). */
int engine_send(struct engine *e, const void *buf, size_t len, int dst, int tag);

/* Receive from src with a deadline (ms; 0 = none) while polling. Returns
 * the byte count, -ETIMEDOUT, or -EIO. */
long engine_recv_deadline(void *buf, size_t len, int src, int tag,
			  unsigned timeout_ms);

/* Rank 0: the telemetry's "start" event (the request, the VM's shape,
 * the page encodings in use). */
void engine_emit_start(struct engine *e, int compress, int delta);

/* Fault injection for tests: true if $DSMIG_FAULT names this fault.
 * Documented in docs/testing.md; never set in production. */
int fault_injected(const char *name);

/* Fault matrix (tests/faults/): if $DSMIG_HOLD names this point
 * ("paused", "after-go", "post-copy"), say so on stderr and wait
 * $DSMIG_HOLD_MS (3000) so that a process can be killed there. */
void fault_hold(const char *point);

/* Decide and set up a sender's page encodings (e->codec; the delta copy).
 * Returns 0 or -1 (out of memory). */
int engine_codec_setup(struct engine *e);

/* The coordinators' whole migration, after set-up: rank 0's (source.c)
 * and rank 1's (dest.c). Each returns the engine's exit status: 0 moved,
 * 1 failed with the source running (or the destination discarded), 3
 * failed after the switch-over. */
int engine_run_source(struct engine *e);
int engine_run_dest(struct engine *e);

#endif /* DSMIG_ENGINE_ENGINE_H */

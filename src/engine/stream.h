/*
 * The migration stream between engine ranks: what travels over MPI, with
 * fixed-width little-endian fields, explicit padding and a version. Spec:
 * docs/migration-stream.md. Every receiver validates every field before
 * touching guest memory. The page messages (TAG_PAGES: struct batch_hdr,
 * struct page_rec, enum page_kind) and the stream's magic, version and
 * page size are the DSM's, in dsm/wire.h.
 */
#ifndef DSMIG_ENGINE_STREAM_H
#define DSMIG_ENGINE_STREAM_H

#include <stdint.h>

#include "dsm/wire.h"

/* MPI tags: one per message kind. */
enum stream_tag {
	TAG_PAGES = 1,      /* sender -> receiver: a batch of page records */
	TAG_ROUND_END,      /* sender -> receiver: no more pages this round */
	TAG_STATE,          /* rank 0 -> 1: the vCPU/device state blob */
	TAG_HASHES,         /* rank 0 -> 1: per-chunk hashes for --verify */
	TAG_READY,          /* rank 1 -> 0: state loaded, ready to resume */
	TAG_GO,             /* rank 0 -> 1: resume now (the switch-over) */
	TAG_ABORT,          /* rank 0 -> 1: discard the destination */
	TAG_CONFIRM,        /* rank 1 -> 0: the guest runs on the destination */
	TAG_AFTER,          /* rank 1 -> 0: progress rate after the migration */
	TAG_MISSING,        /* rank 0 -> 1, post-copy: struct postcopy_hdr and
			       the bitmap of pages the destination lacks */
	TAG_PULL,           /* rank 1 -> 0, post-copy: uint64_t pfns faulted on */
	TAG_RESIDENT,       /* rank 1 -> 0, post-copy: every page is in place */
	TAG_ACK,            /* rank 1 -> 0, post-copy: uint64_t, bytes of page
			       batches received so far (flow control) */
	TAG_CONFIG,         /* rank 0 -> 1, carried streams: the VM's
			       toolstack configuration, a blob */
	TAG_CARRY,          /* rank 0 -> 1, carried streams: a blob of the
			       hypervisor's own stream (engine/carry.h) */
	TAG_CARRY_END,      /* rank 0 -> 1: struct carry_end, no more blobs */
};

/* TAG_CARRY_END: how much of the stream was carried, for a check. */
struct carry_end {
	uint32_t magic;
	uint32_t pad;
	uint64_t raw_bytes;      /* the unpacked blobs, summed */
};
#define CARRY_END_MAGIC 0x43524e44u      /* "CRND" */
/* One TAG_CARRY blob's stream bytes, at most (rank 1 receives no more). */
#define CARRY_CHUNK_MAX (1u << 20)

/* Round control, broadcast by rank 0 to every rank before each round. */
enum round_kind {
	ROUND_ITERATE = 1,  /* a pre-copy round; the source runs */
	ROUND_FINAL,        /* stop-and-copy: the source is paused */
	ROUND_ABORT,        /* give up: no more rounds */
	ROUND_FINAL_STATE_FIRST, /* stop-and-copy; the state blob (TAG_STATE)
				    comes to rank 1 before the pages */
	ROUND_FINAL_POSTCOPY,    /* the state first, no pages: the destination
				    resumes and pulls what it lacks */
};

/* The round number of post-copy page batches. */
#define POSTCOPY_ROUND 0xffffffffu

struct round_ctl {
	uint32_t round;
	uint32_t kind;      /* enum round_kind */
	uint64_t nr_pages;  /* pages in this round's set */
};

/* TAG_ROUND_END: what the sender sent this round. */
struct round_end {
	uint32_t magic;
	uint32_t round;
	uint64_t pages, zero_pages, bytes;
};

/* A blob on the wire (the state, TAG_STATE; the missing-page bitmap after
 * a postcopy_hdr, TAG_MISSING): this header, then the blob, compressed
 * with LZ4 when lz4 is 1. */
struct blob_hdr {
	uint32_t magic;
	uint32_t lz4;
	uint64_t raw_len;        /* the blob's length, at most BLOB_MAX_BYTES */
	uint64_t xxh3;           /* XXH3-64 of the blob: LZ4 has no checksum */
};
#define BLOB_MAX_BYTES (16u << 20)

/* TAG_READY and TAG_CONFIRM carry a status and a reason. */
struct handshake {
	uint32_t ok;
	uint32_t pad;
	uint64_t wall_ns;        /* CONFIRM: destination resume time */
	uint64_t guest_gap_ns;   /* CONFIRM: guest-observed downtime (0 if unknown) */
	char reason[232];
};

/* TAG_AFTER: the guest on the destination after the migration: its
 * progress rate over --after-ms, the samples rank 1 took of it meanwhile
 * (every AFTER_POLL_MS; rank 0 feeds them to its guest watch), and the
 * guest's own longest stall since the migration began, read at the end. */
#define AFTER_SAMPLES_MAX 512
#define AFTER_POLL_MS 10
struct after_sample {
	uint64_t t_ns;           /* destination host's monotonic clock */
	uint64_t guest_ns, progress, heartbeat_ns;
};
enum after_flags {
	AFTER_HAS_COUNTERS = 1,  /* the guest publishes a counter block */
	AFTER_HAS_STALL = 2,     /* stall_ns is the guest's stall_max_ns */
};
struct after_report {
	double progress_per_s;
	uint64_t selfcheck_fail;
	uint32_t flags;          /* enum after_flags */
	uint32_t nr_samples;     /* at most AFTER_SAMPLES_MAX */
	uint64_t stall_ns;
	uint64_t resumed_ns;     /* destination's monotonic clock at the resume */
	struct after_sample samples[AFTER_SAMPLES_MAX];
};

/* TAG_MISSING: followed by ceil(npages / 64) uint64_t bitmap words. The
 * source's last heartbeat lets the destination measure the guest's gap. */
enum postcopy_flags {
	POSTCOPY_HAS_COUNTERS = 1,   /* heartbeat fields are valid */
	POSTCOPY_DELTA = 2,          /* pages may come as deltas against the
					destination's stale copies */
};
struct postcopy_hdr {
	uint32_t magic;
	uint32_t flags;          /* enum postcopy_flags */
	uint64_t nr_missing;     /* set bits in the bitmap */
	uint64_t heartbeat, heartbeat_ns;
};

/* TAG_RESIDENT: how post-copy went, seen from the destination. */
struct postcopy_report {
	uint32_t ok;
	uint32_t pad;
	uint64_t faults;         /* distinct pages the guest faulted on */
	uint64_t fault_median_ns, fault_max_ns;
	uint64_t installed;      /* pages placed with UFFDIO_COPY */
	uint64_t resident_ns;    /* from resume until the last page */
	char reason[216];
};

_Static_assert(sizeof(struct blob_hdr) == 24, "blob_hdr layout");
_Static_assert(sizeof(struct carry_end) == 16, "carry_end layout");
_Static_assert(sizeof(struct postcopy_hdr) == 32, "postcopy_hdr layout");
_Static_assert(sizeof(struct postcopy_report) == 264, "postcopy_report layout");
_Static_assert(sizeof(struct round_ctl) == 16, "round_ctl layout");
_Static_assert(sizeof(struct round_end) == 32, "round_end layout");
_Static_assert(sizeof(struct handshake) == 256, "handshake layout");

#endif /* DSMIG_ENGINE_STREAM_H */

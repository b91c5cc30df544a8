/*
 * Carried migrations: for a backend whose own toolstack writes and reads
 * the migration stream (hv.h, hv_stream_ops; xen), rank 0 runs the
 * backend's save in a thread, reads the stream it writes, checks it unit
 * by unit (hv/xen_stream.h), and sends it to rank 1 in LZ4-packed blobs
 * (TAG_CARRY) through the --bandwidth cap; rank 1 feeds them to the
 * backend's restore. The engine keeps what it does for every method:
 * its stop rule is the save's precopy policy, dsm holds hot pages back to
 * stop-and-copy (dsm/holdback.h), and the switch-over, failure semantics,
 * --verify and telemetry are those of docs/architecture.md. Two ranks
 * only: a toolstack stream is one ordered byte stream.
 */
#ifndef DSMIG_ENGINE_CARRY_H
#define DSMIG_ENGINE_CARRY_H

#include "engine/engine.h"

/* Bytes of stream gathered into one TAG_CARRY blob before it is sent. */
#define CARRY_BLOB_BYTES (256u * 1024)
/* Pages dsm may hold back at once (64 MiB); past it pages go at once. */
#define CARRY_HOLD_MAX_PAGES 16384u
/* Longest rank 1 waits for the next message of the stream. */
#define CARRY_IDLE_TIMEOUT_MS 120000u

/* --verify of a carried migration: the destination must hold, page for
 * page, what the save wrote, the engine's reordering (dsm) undone: the
 * latest copy of each frame in stream order. Rank 0 hashes each frame as
 * it carries it (XXH3-64; 0 for a hole); rank 1 hashes its restored
 * memory; both fold the hashes of CARRY_VERIFY_CHUNK frames into one,
 * with the backend's unstable frames (hv.h) counted as their number. */
#define CARRY_VERIFY_CHUNK 256u
#define CARRY_VERIFY_MAX_SKIP 8u
uint64_t carry_verify_fold(const uint64_t *page_hash, uint64_t first,
			   const uint64_t *skip, unsigned nskip);

/* Rank 0 and rank 1 of a carried migration; exit status as
 * engine_run_source / engine_run_dest. */
int carry_run_source(struct engine *e);
int carry_run_dest(struct engine *e);

#endif /* DSMIG_ENGINE_CARRY_H */

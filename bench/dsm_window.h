/*
 * The DSM benchmark's global page space (bench/dsm.c only: the engine
 * moves pages with messages, src/dsm/batch.h, docs/dsm.md says why): the
 * source VM's RAM and the destination VM's RAM exposed as one MPI-3 RMA
 * window, so that any rank can read or write any guest page by its global
 * address (side, guest frame number).
 *
 * Every rank maps its side's guest RAM (the memfd) and exposes that mapping
 * in the window (MPI_Win_create, displacement unit 1 byte). Several ranks
 * of one side map the same memfd, so a page can be reached through any of
 * them; each page has one home rank that all accesses go to: page p of side
 * s lives at rank home(s, p), the ((p / 64) mod N_s)-th rank of side s in
 * rank order (block-cyclic in chunks of PAGEDIR_CHUNK_PAGES, as the
 * engine's senders split RAM), at displacement p * DSM_PAGE_SIZE.
 *
 * Accesses are passive-target one-sided operations: dsm_get_pages and
 * dsm_put_pages lock each home rank they need (MPI_LOCK_SHARED), issue one
 * MPI_Get/MPI_Put per run of consecutive pages with the same home, and
 * unlock; the data has arrived (get) or is in the target's memory (put)
 * when they return. With Open MPI 4.1 over the tcp btl the window is served
 * by the osc pt2pt component (docs/dsm.md): a target makes progress only
 * while it is inside an MPI call, so ranks that are accessed must not sit
 * outside MPI for long (waiting in MPI_Barrier is enough).
 */
#ifndef DSMIG_BENCH_DSM_WINDOW_H
#define DSMIG_BENCH_DSM_WINDOW_H

#include <mpi.h>
#include <stdint.h>

#include "dsm/pagedir.h"

#define DSM_PAGE_SIZE   4096u

enum dsm_side {
	DSM_SIDE_SOURCE = 0,      /* the source VM's RAM (even ranks in the engine) */
	DSM_SIDE_DEST = 1,        /* the destination VM's RAM (odd ranks) */
};

struct dsm_space;

/* Collective over comm: every rank passes its side and its mapping of that
 * side's guest RAM (base, bytes: a multiple of DSM_PAGE_SIZE; all ranks of
 * one side must pass the same size). Both sides must have at least one
 * rank. The mapping must stay valid until dsm_space_free. On success *out
 * owns a duplicate of comm and the window. Returns 0, or -1 on every rank
 * (after logging why) with *out NULL. */
int dsm_space_create(struct dsm_space **out, MPI_Comm comm, int side,
		     void *base, uint64_t bytes);

/* Collective: free the window and the space. NULL is accepted (on every
 * rank alike). */
void dsm_space_free(struct dsm_space *space);

/* Pages of a side's RAM, and the number of ranks on a side. */
uint64_t dsm_side_pages(const struct dsm_space *space, int side);
int dsm_side_ranks(const struct dsm_space *space, int side);

/* What this rank's accesses have issued so far (origin side). */
struct dsm_space_stats {
	uint64_t ops;             /* MPI_Get and MPI_Put calls */
	uint64_t bytes;           /* page data they moved */
	uint64_t epochs;          /* lock/unlock pairs */
};

void dsm_space_stats(const struct dsm_space *space, struct dsm_space_stats *out);

/* The home rank (in the space's communicator, numbered as in comm) of page
 * pfn on side, or -1 if side or pfn is out of range. */
int dsm_home(const struct dsm_space *space, int side, uint64_t pfn);

/* Read n pages (pfns[0..n-1] of side) from their homes into dst, page i at
 * dst + i * DSM_PAGE_SIZE. Not collective; the homes must make MPI progress
 * meanwhile. Returns 0, or -1 (logged) for a bad argument or an MPI error;
 * then dst is undefined. */
int dsm_get_pages(struct dsm_space *space, int side, const uint64_t *pfns,
		  int n, void *dst);

/* Write n pages from src (page i at src + i * DSM_PAGE_SIZE) to pfns[i] of
 * side at their homes. The pages are in the target memory on return.
 * Returns 0 or -1 (logged), as dsm_get_pages. */
int dsm_put_pages(struct dsm_space *space, int side, const uint64_t *pfns,
		  int n, const void *src);

#endif /* DSMIG_BENCH_DSM_WINDOW_H */

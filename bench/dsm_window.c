/*
 * The global page space (see dsm_window.h): one RMA window over every rank's
 * mapping of its side's guest RAM, the block-cyclic home of each page, and
 * page reads and writes as passive-target MPI_Get/MPI_Put grouped per home
 * rank, one operation per run of consecutive pages.
 */
#include <stdlib.h>

#include "common/log.h"
#include "dsm_window.h"

struct dsm_space {
	MPI_Comm comm;            /* a duplicate of the creator's communicator */
	MPI_Win win;
	uint64_t npages[2];       /* per side */
	int nranks[2];            /* ranks per side */
	int *ranks[2];            /* those ranks, ascending */
	struct dsm_space_stats st;
};

/* What each rank contributes at creation, gathered by every rank. */
struct dsm_rank_info {
	int32_t side;             /* enum dsm_side, or -1 if its arguments were bad */
	int32_t pad;
	uint64_t bytes;
};

/* Check every rank's contribution and fill the side tables. The same
 * gathered data on every rank gives the same verdict everywhere. */
static int space_layout(struct dsm_space *s, const struct dsm_rank_info *all,
			int n)
{
	int i, sd;

	for (i = 0; i < n; i++) {
		if (all[i].side != DSM_SIDE_SOURCE && all[i].side != DSM_SIDE_DEST) {
			log_error("dsm: rank %d passed a bad side or mapping", i);
			return -1;
		}
		sd = all[i].side;
		if (s->nranks[sd] && all[i].bytes != s->npages[sd] * DSM_PAGE_SIZE) {
			log_error("dsm: rank %d maps %llu bytes of side %d, others %llu",
				  i, (unsigned long long)all[i].bytes, sd,
				  (unsigned long long)(s->npages[sd] * DSM_PAGE_SIZE));
			return -1;
		}
		s->npages[sd] = all[i].bytes / DSM_PAGE_SIZE;
		s->nranks[sd]++;
	}
	for (sd = 0; sd < 2; sd++) {
		if (!s->nranks[sd]) {
			log_error("dsm: no rank holds side %d", sd);
			return -1;
		}
		s->ranks[sd] = calloc((size_t)s->nranks[sd], sizeof(int));
		if (!s->ranks[sd]) {
			log_error("dsm: out of memory");
			return -1;
		}
		s->nranks[sd] = 0;
	}
	for (i = 0; i < n; i++)
		s->ranks[all[i].side][s->nranks[all[i].side]++] = i;
	return 0;
}

int dsm_space_create(struct dsm_space **out, MPI_Comm comm, int side,
		     void *base, uint64_t bytes)
{
	struct dsm_rank_info me = { .side = side, .bytes = bytes };
	struct dsm_rank_info *all = NULL;
	struct dsm_space *s;
	int n, rc = -1;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("dsm: out of memory");
		return -1;
	}
	s->comm = MPI_COMM_NULL;
	s->win = MPI_WIN_NULL;
	if ((side != DSM_SIDE_SOURCE && side != DSM_SIDE_DEST) || !base ||
	    !bytes || bytes % DSM_PAGE_SIZE)
		me.side = -1;
	if (MPI_Comm_dup(comm, &s->comm) != MPI_SUCCESS ||
	    MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_RETURN) != MPI_SUCCESS ||
	    MPI_Comm_size(s->comm, &n) != MPI_SUCCESS) {
		log_error("dsm: cannot set up the communicator");
		goto out;
	}
	all = calloc((size_t)n, sizeof(*all));
	if (!all) {
		log_error("dsm: out of memory");
		goto out;
	}
	if (MPI_Allgather(&me, sizeof(me), MPI_BYTE, all, sizeof(me), MPI_BYTE,
			  s->comm) != MPI_SUCCESS) {
		log_error("dsm: gathering the ranks' mappings failed");
		goto out;
	}
	if (space_layout(s, all, n))
		goto out;
	if (MPI_Win_create(base, (MPI_Aint)bytes, 1, MPI_INFO_NULL, s->comm,
			   &s->win) != MPI_SUCCESS ||
	    MPI_Win_set_errhandler(s->win, MPI_ERRORS_RETURN) != MPI_SUCCESS) {
		log_error("dsm: MPI_Win_create over %llu bytes failed",
			  (unsigned long long)bytes);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	free(all);
	dsm_space_free(s);
	return rc;
}

void dsm_space_free(struct dsm_space *space)
{
	if (!space)
		return;
	if (space->win != MPI_WIN_NULL)
		MPI_Win_free(&space->win);
	if (space->comm != MPI_COMM_NULL)
		MPI_Comm_free(&space->comm);
	free(space->ranks[0]);
	free(space->ranks[1]);
	free(space);
}

uint64_t dsm_side_pages(const struct dsm_space *space, int side)
{
	return side == DSM_SIDE_SOURCE || side == DSM_SIDE_DEST ?
	       space->npages[side] : 0;
}

int dsm_side_ranks(const struct dsm_space *space, int side)
{
	return side == DSM_SIDE_SOURCE || side == DSM_SIDE_DEST ?
	       space->nranks[side] : 0;
}

void dsm_space_stats(const struct dsm_space *space, struct dsm_space_stats *out)
{
	*out = space->st;
}

/* Index of the home among the side's ranks; side and pfn already checked. */
static int home_index(const struct dsm_space *space, int side, uint64_t pfn)
{
	return (int)pagedir_owner(pfn, (uint64_t)space->nranks[side]);
}

int dsm_home(const struct dsm_space *space, int side, uint64_t pfn)
{
	if ((side != DSM_SIDE_SOURCE && side != DSM_SIDE_DEST) ||
	    pfn >= space->npages[side])
		return -1;
	return space->ranks[side][home_index(space, side, pfn)];
}

static int check_pfns(const struct dsm_space *space, int side,
		      const uint64_t *pfns, int n, const void *buf)
{
	int i;

	if ((side != DSM_SIDE_SOURCE && side != DSM_SIDE_DEST) || n < 0 ||
	    (n && (!pfns || !buf))) {
		log_error("dsm: bad page access (side %d, %d pages)", side, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (pfns[i] >= space->npages[side]) {
			log_error("dsm: page %llu is outside side %d (%llu pages)",
				  (unsigned long long)pfns[i], side,
				  (unsigned long long)space->npages[side]);
			return -1;
		}
	}
	return 0;
}

/* The operations of one access bound for the k-th rank of side, inside one
 * shared-lock epoch on that rank: gets into dst, or puts from src when src
 * is not NULL. A run of consecutive pages never crosses a chunk (the home
 * changes there), so it is at most PAGEDIR_CHUNK_PAGES long and its byte count
 * fits an int. Returns 0 or -1. */
static int access_home(struct dsm_space *space, int side, int k,
		       const uint64_t *pfns, int n, uint8_t *dst,
		       const uint8_t *src)
{
	int target = space->ranks[side][k];
	int i, j, len, locked = 0, rc = 0;
	MPI_Aint disp;

	for (i = 0; i < n && !rc; i = j) {
		j = i + 1;
		if (home_index(space, side, pfns[i]) != k)
			continue;
		while (j < n && pfns[j] == pfns[j - 1] + 1 &&
		       pfns[j] % PAGEDIR_CHUNK_PAGES)
			j++;
		if (!locked) {
			if (MPI_Win_lock(MPI_LOCK_SHARED, target, 0, space->win) !=
			    MPI_SUCCESS) {
				rc = -1;
				break;
			}
			locked = 1;
			space->st.epochs++;
		}
		len = (j - i) * (int)DSM_PAGE_SIZE;
		disp = (MPI_Aint)(pfns[i] * DSM_PAGE_SIZE);
		if (src)
			rc = MPI_Put(src + (size_t)i * DSM_PAGE_SIZE, len, MPI_BYTE,
				     target, disp, len, MPI_BYTE, space->win);
		else
			rc = MPI_Get(dst + (size_t)i * DSM_PAGE_SIZE, len, MPI_BYTE,
				     target, disp, len, MPI_BYTE, space->win);
		rc = rc == MPI_SUCCESS ? 0 : -1;
		space->st.ops++;
		space->st.bytes += (uint64_t)len;
	}
	if (locked && MPI_Win_unlock(target, space->win) != MPI_SUCCESS)
		rc = -1;
	if (rc)
		log_error("dsm: %s of side %d pages at rank %d failed",
			  src ? "MPI_Put" : "MPI_Get", side, target);
	return rc;
}

static int access_pages(struct dsm_space *space, int side, const uint64_t *pfns,
			int n, uint8_t *dst, const uint8_t *src)
{
	int k;

	if (check_pfns(space, side, pfns, n, src ? (const void *)src : dst))
		return -1;
	for (k = 0; k < space->nranks[side]; k++)
		if (access_home(space, side, k, pfns, n, dst, src))
			return -1;
	return 0;
}

int dsm_get_pages(struct dsm_space *space, int side, const uint64_t *pfns,
		  int n, void *dst)
{
	return access_pages(space, side, pfns, n, dst, NULL);
}

int dsm_put_pages(struct dsm_space *space, int side, const uint64_t *pfns,
		  int n, const void *src)
{
	return access_pages(space, side, pfns, n, NULL, src);
}

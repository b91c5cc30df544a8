/*
 * dsmig-dsm-bench: the DSM's measurements on this machine, without a VM.
 * Each side's "guest RAM" is an anonymous memfd (64 MiB by default; the
 * source filled with a per-page pattern, the destination zero) that every
 * rank of the side maps, as engine ranks map a VMM's memfd, and that is
 * exposed in the global page space (bench/dsm_window.c). A fixed-seed dirty
 * set then moves from the source side to the destination side:
 *
 *   A. aggregation: source ranks send each page to its destination home
 *      as messages of Grappa's 32 bytes, one 4 KiB page, or batches of
 *      pages (bench/dsm_aggregate.c), over MPI_Send; destination ranks
 *      reassemble them into their RAM;
 *   B. push vs pull: source ranks push the same pages with MPI_Put into
 *      the destination window, or destination ranks pull them with MPI_Get
 *      from the source window, both `--batch` pages per call.
 *
 * Every run starts from a zeroed destination and ends with the destination
 * ranks checking that the dirty pages equal the source pattern and that
 * nothing else was written. Rank 0 prints one line per configuration,
 * "A | ..." or "B | ...", the rows of bench/dsm.sh's tables. Exit status 1
 * if any run failed verification.
 */
#include <fcntl.h>
#include <getopt.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "dsm_aggregate.h"
#include "dsm_window.h"

#define TAG_DATA 101            /* an aggregated message */
#define TAG_END  102            /* u64: pages this sender sent to this receiver */
#define MAX_REPS 16

struct bench {
	int rank, nranks, side;
	uint64_t npages, bytes;
	uint8_t *ram;                /* this side's RAM, shared by its ranks */
	int side_leader;             /* first rank of the side: owns the memfd */
	struct dsm_space *space;
	uint64_t *dirty;             /* the dirty set, ascending */
	int ndirty;
	int batch, reps;
	uint64_t *share;             /* scratch: this rank's part of the set */
	uint8_t *stage;              /* batch pages for MPI_Put / MPI_Get */
};

/* Per-rank counters of one run, summed at rank 0. */
struct run_stats {
	uint64_t messages, payload_bytes, header_bytes;
	uint64_t rma_ops, rma_epochs;
	uint64_t errors;             /* invalid messages, lost pages, failed calls */
	uint64_t mismatches;         /* destination pages that are wrong */
};
#define RUN_STATS_WORDS (sizeof(struct run_stats) / sizeof(uint64_t))

/* One configuration's results over the repetitions (rank 0). */
struct result {
	const char *table, *name, *mover;
	struct run_stats sum;        /* of the last repetition */
	double ms[MAX_REPS];
	uint64_t failures;           /* summed over repetitions */
};

__attribute__((noreturn)) static void bench_die(const char *what)
{
	log_error("%s", what);
	MPI_Abort(MPI_COMM_WORLD, 2);
	exit(2);
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The source pattern: every 8-byte word differs by page and position. */
static void pattern_page(uint64_t pfn, uint64_t *out)
{
	unsigned w;

	for (w = 0; w < DSM_PAGE_SIZE / 8; w++)
		out[w] = splitmix64(pfn * (DSM_PAGE_SIZE / 8) + w);
}

/* Map this side's RAM: the side's first rank creates the memfd, the others
 * open it through /proc (one machine), and everyone maps it shared. */
static void ram_map(struct bench *b)
{
	MPI_Comm side_comm;
	int who[2] = { (int)getpid(), -1 }, srank, fd = -1;
	char path[64];
	uint64_t p;

	if (MPI_Comm_split(MPI_COMM_WORLD, b->side, b->rank, &side_comm) != MPI_SUCCESS)
		bench_die("MPI_Comm_split failed");
	MPI_Comm_rank(side_comm, &srank);
	b->side_leader = srank == 0;
	if (b->side_leader) {
		fd = memfd_create(b->side ? "dsm-bench-dest" : "dsm-bench-source",
				  MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)b->bytes))
			bench_die("cannot create the RAM memfd");
		who[1] = fd;
	}
	MPI_Bcast(who, 2, MPI_INT, 0, side_comm);
	if (!b->side_leader) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", who[0], who[1]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			bench_die("cannot open the side leader's memfd");
	}
	b->ram = mmap(NULL, b->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b->ram == MAP_FAILED)
		bench_die("cannot map the RAM memfd");
	MPI_Barrier(side_comm);          /* all opened: the leader may close */
	close(fd);
	MPI_Comm_free(&side_comm);
	if (b->side_leader && b->side == DSM_SIDE_SOURCE)
		for (p = 0; p < b->npages; p++)
			pattern_page(p, (uint64_t *)(b->ram + p * DSM_PAGE_SIZE));
}

/* n distinct pages out of npages by a fixed-seed xorshift64*, ascending. */
static void dirty_pick(struct bench *b, uint64_t seed)
{
	uint8_t *chosen = calloc(b->npages, 1);
	uint64_t x = seed ? seed : 1, p;
	int n = 0;

	b->dirty = calloc((size_t)b->ndirty, sizeof(*b->dirty));
	b->share = calloc((size_t)b->ndirty, sizeof(*b->share));
	if (!chosen || !b->dirty || !b->share)
		bench_die("out of memory");
	while (n < b->ndirty) {
		x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
		p = (x * 0x2545f4914f6cdd1dull) % b->npages;
		n += !chosen[p];
		chosen[p] = 1;
	}
	for (p = 0, n = 0; p < b->npages; p++)
		if (chosen[p])
			b->dirty[n++] = p;
	free(chosen);
}

/* The dirty pages whose home on side is this rank, into b->share. */
static int share_of(struct bench *b, int side)
{
	int i, n = 0;

	for (i = 0; i < b->ndirty; i++)
		if (dsm_home(b->space, side, b->dirty[i]) == b->rank)
			b->share[n++] = b->dirty[i];
	return n;
}

static int mpi_send_cb(void *ctx, int dst, const void *msg, size_t len)
{
	return MPI_Send(msg, (int)len, MPI_BYTE, dst, TAG_DATA,
			MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

/* A: source ranks aggregate their pages into one aggregator per
 * destination home and end with a TAG_END to every destination rank. The
 * bench puts the destination side on the odd ranks: the k-th is 2k + 1. */
static void send_pages(struct bench *b, const struct dsm_agg_config *cfg,
		       struct run_stats *st)
{
	int nd = dsm_side_ranks(b->space, DSM_SIDE_DEST), i, n, k;
	struct dsm_agg *agg = calloc((size_t)nd, sizeof(*agg));
	uint64_t *sent = calloc((size_t)nd, sizeof(*sent));

	if (!agg || !sent)
		bench_die("out of memory");
	for (k = 0; k < nd; k++)
		if (dsm_agg_init(&agg[k], cfg, 2 * k + 1, mpi_send_cb, NULL))
			bench_die("aggregator set-up failed");
	n = share_of(b, DSM_SIDE_SOURCE);
	for (i = 0; i < n && !st->errors; i++) {
		k = dsm_home(b->space, DSM_SIDE_DEST, b->share[i]) / 2;
		sent[k]++;
		st->errors += dsm_agg_add_page(&agg[k], b->share[i],
					       b->ram + b->share[i] * DSM_PAGE_SIZE) != 0;
	}
	for (k = 0; k < nd; k++) {
		st->errors += dsm_agg_flush(&agg[k]) != 0;
		st->errors += MPI_Send(&sent[k], 1, MPI_UINT64_T, 2 * k + 1, TAG_END,
				       MPI_COMM_WORLD) != MPI_SUCCESS;
		st->messages += agg[k].st.messages;
		st->payload_bytes += agg[k].st.payload_bytes;
		st->header_bytes += agg[k].st.header_bytes;
		dsm_agg_destroy(&agg[k]);
	}
	free(agg);
	free(sent);
}

/* A: a destination rank applies messages until every source rank ended. */
static void recv_pages(struct bench *b, const struct dsm_agg_config *cfg,
		       struct run_stats *st)
{
	int pending = dsm_side_ranks(b->space, DSM_SIDE_SOURCE), len;
	size_t cap = dsm_agg_msg_max(cfg);
	uint8_t *buf = malloc(cap);
	uint64_t expected = 0, end;
	struct dsm_reasm r;
	MPI_Status status;

	if (!buf || dsm_reasm_init(&r, b->ram, b->npages, cfg->unit))
		bench_die("receiver set-up failed");
	while (pending > 0) {
		if (MPI_Recv(buf, (int)cap, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG,
			     MPI_COMM_WORLD, &status) != MPI_SUCCESS)
			bench_die("MPI_Recv failed");
		MPI_Get_count(&status, MPI_BYTE, &len);
		if (status.MPI_TAG == TAG_END && len == sizeof(end)) {
			memcpy(&end, buf, sizeof(end));
			expected += end;
			pending--;
		} else if (status.MPI_TAG != TAG_DATA ||
			   dsm_reasm_apply(&r, buf, (size_t)len) < 0) {
			st->errors++;
		}
	}
	st->errors += r.pages_done != expected;
	st->errors += dsm_reasm_partial(&r);
	dsm_reasm_free(&r);
	free(buf);
}

/* B: push with MPI_Put, batch pages per call, staged from this rank's RAM. */
static void put_pages(struct bench *b, struct run_stats *st)
{
	int n = share_of(b, DSM_SIDE_SOURCE), i, j, m;

	for (i = 0; i < n && !st->errors; i += m) {
		m = n - i < b->batch ? n - i : b->batch;
		for (j = 0; j < m; j++)
			memcpy(b->stage + (size_t)j * DSM_PAGE_SIZE,
			       b->ram + b->share[i + j] * DSM_PAGE_SIZE, DSM_PAGE_SIZE);
		st->errors += dsm_put_pages(b->space, DSM_SIDE_DEST, b->share + i,
					    m, b->stage) != 0;
	}
}

/* B: pull with MPI_Get, batch pages per call, into this rank's RAM. */
static void get_pages(struct bench *b, struct run_stats *st)
{
	int n = share_of(b, DSM_SIDE_DEST), i, j, m;

	for (i = 0; i < n && !st->errors; i += m) {
		m = n - i < b->batch ? n - i : b->batch;
		st->errors += dsm_get_pages(b->space, DSM_SIDE_SOURCE, b->share + i,
					    m, b->stage) != 0;
		for (j = 0; j < m; j++)
			memcpy(b->ram + b->share[i + j] * DSM_PAGE_SIZE,
			       b->stage + (size_t)j * DSM_PAGE_SIZE, DSM_PAGE_SIZE);
	}
}

/* On a destination rank: its home pages must hold the pattern if dirty and
 * zeros otherwise. Returns the number of wrong pages. */
static uint64_t verify_home(struct bench *b)
{
	static uint64_t want[DSM_PAGE_SIZE / 8], zero[DSM_PAGE_SIZE / 8];
	uint64_t p, bad = 0;
	int i = 0;

	for (p = 0; p < b->npages; p++) {
		const uint8_t *page = b->ram + p * DSM_PAGE_SIZE;
		int dirty;

		while (i < b->ndirty && b->dirty[i] < p)
			i++;
		if (dsm_home(b->space, DSM_SIDE_DEST, p) != b->rank)
			continue;
		dirty = i < b->ndirty && b->dirty[i] == p;
		if (dirty)
			pattern_page(p, want);
		bad += memcmp(page, dirty ? want : zero, DSM_PAGE_SIZE) != 0;
	}
	return bad;
}

enum method { M_SEND, M_PUT, M_GET };

/* One timed run on every rank; rank 0 records it in res. */
static void run_one(struct bench *b, enum method m,
		    const struct dsm_agg_config *cfg, struct result *res, int rep)
{
	struct run_stats st = { 0 }, sum;
	struct dsm_space_stats before, after;
	double t0, t1;

	if (b->side == DSM_SIDE_DEST && b->side_leader)
		memset(b->ram, 0, b->bytes);
	dsm_space_stats(b->space, &before);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	if (m == M_SEND && b->side == DSM_SIDE_SOURCE)
		send_pages(b, cfg, &st);
	else if (m == M_SEND)
		recv_pages(b, cfg, &st);
	else if (m == M_PUT && b->side == DSM_SIDE_SOURCE)
		put_pages(b, &st);
	else if (m == M_GET && b->side == DSM_SIDE_DEST)
		get_pages(b, &st);
	MPI_Barrier(MPI_COMM_WORLD);
	t1 = MPI_Wtime();
	dsm_space_stats(b->space, &after);
	st.rma_ops = after.ops - before.ops;
	st.rma_epochs = after.epochs - before.epochs;
	if (b->side == DSM_SIDE_DEST)
		st.mismatches = verify_home(b);
	MPI_Reduce(&st, &sum, RUN_STATS_WORDS, MPI_UINT64_T, MPI_SUM, 0,
		   MPI_COMM_WORLD);
	if (b->rank || !res)
		return;
	res->sum = sum;
	res->ms[rep] = (t1 - t0) * 1e3;
	res->failures += sum.errors + sum.mismatches;
}

static void print_result(const struct bench *b, const struct result *r)
{
	double mean = 0, lo = r->ms[0], hi = r->ms[0], mbs;
	double payload = (double)b->ndirty * DSM_PAGE_SIZE;
	uint64_t wire = r->sum.payload_bytes + r->sum.header_bytes;
	char verified[32];
	int i;

	for (i = 0; i < b->reps; i++) {
		mean += r->ms[i] / b->reps;
		lo = r->ms[i] < lo ? r->ms[i] : lo;
		hi = r->ms[i] > hi ? r->ms[i] : hi;
	}
	mbs = payload / (mean / 1e3) / 1e6;
	snprintf(verified, sizeof(verified), r->failures ? "NO (%llu bad)" : "yes",
		 (unsigned long long)r->failures);
	if (!strcmp(r->table, "A"))
		printf("A | %d | %s | %llu | %.3g | %llu | %llu | %.0f | %.2f (%.2f-%.2f) | %.1f | %s |\n",
		       b->nranks, r->name, (unsigned long long)r->sum.messages,
		       (double)r->sum.messages / b->ndirty, (unsigned long long)wire,
		       (unsigned long long)r->sum.header_bytes,
		       (double)wire / b->ndirty, mean, lo, hi, mbs, verified);
	else
		printf("B | %d | %s | %s | %llu | %llu | %.2f (%.2f-%.2f) | %.1f | %s |\n",
		       b->nranks, r->name, r->mover,
		       (unsigned long long)(r->sum.rma_ops ? r->sum.rma_ops : r->sum.messages),
		       (unsigned long long)r->sum.rma_epochs, mean, lo, hi, mbs,
		       verified);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mpirun -np N dsmig-dsm-bench [--pages N] [--dirty N] [--seed N]\n"
		"           [--reps N] [--batch N]\n"
		"  --pages  guest pages per side (16384 = 64 MiB)\n"
		"  --dirty  pages in the dirty set (2000)\n"
		"  --seed   dirty-set RNG seed (42)\n"
		"  --reps   timed runs per configuration, at most %d (3)\n"
		"  --batch  pages per batched message and per MPI_Put/MPI_Get call (64)\n",
		MAX_REPS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "dirty", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ 0 },
	};
	struct bench b = { .npages = 16384, .ndirty = 2000, .batch = 64, .reps = 3 };
	struct dsm_agg_config grappa = { .unit = DSM_AGG_GRAPPA_UNIT, .batch = 1 };
	struct dsm_agg_config page = { .unit = DSM_PAGE_SIZE, .batch = 1 };
	struct dsm_agg_config batched = { .unit = DSM_PAGE_SIZE };
	char batched_name[64], put_name[64], get_name[64];
	struct result res[] = {
		{ .table = "A", .name = "32 B (Grappa)" },
		{ .table = "A", .name = "4 KiB page (paper)" },
		{ .table = "A", .name = batched_name },
		{ .table = "B", .name = put_name, .mover = "source ranks" },
		{ .table = "B", .name = get_name, .mover = "destination ranks" },
	};
	uint64_t seed = 42, failures = 0;
	int provided, c, i, rep;

	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return 2;
	log_init("dsmig-dsm-bench");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': b.npages = strtoull(optarg, NULL, 0); break;
		case 'd': b.ndirty = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': b.reps = atoi(optarg); break;
		case 'b': b.batch = atoi(optarg); break;
		default: usage(); MPI_Finalize(); return 2;
		}
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &b.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &b.nranks);
	if (b.nranks < 2 || !b.npages || b.ndirty < 1 || (uint64_t)b.ndirty > b.npages ||
	    b.reps < 1 || b.reps > MAX_REPS || b.batch < 1 || b.batch > DSM_AGG_MAX_PIECES) {
		if (!b.rank)
			usage();
		MPI_Finalize();
		return 2;
	}
	b.side = b.rank % 2 ? DSM_SIDE_DEST : DSM_SIDE_SOURCE;
	b.bytes = b.npages * DSM_PAGE_SIZE;
	b.stage = malloc((size_t)b.batch * DSM_PAGE_SIZE);
	if (!b.stage)
		bench_die("out of memory");
	batched.batch = (uint32_t)b.batch;
	snprintf(batched_name, sizeof(batched_name), "batched, %d pages", b.batch);
	snprintf(put_name, sizeof(put_name), "push: MPI_Put, %d pages/call", b.batch);
	snprintf(get_name, sizeof(get_name), "pull: MPI_Get, %d pages/call", b.batch);
	ram_map(&b);
	dirty_pick(&b, seed);
	if (dsm_space_create(&b.space, MPI_COMM_WORLD, b.side, b.ram, b.bytes))
		bench_die("cannot create the global page space");

	/* Untimed: opens every connection the timed runs use. */
	run_one(&b, M_SEND, &page, NULL, 0);
	run_one(&b, M_PUT, NULL, NULL, 0);
	run_one(&b, M_GET, NULL, NULL, 0);
	for (rep = 0; rep < b.reps; rep++) {
		run_one(&b, M_SEND, &grappa, &res[0], rep);
		run_one(&b, M_SEND, &page, &res[1], rep);
		run_one(&b, M_SEND, &batched, &res[2], rep);
		run_one(&b, M_PUT, NULL, &res[3], rep);
		run_one(&b, M_GET, NULL, &res[4], rep);
	}
	if (!b.rank) {
		printf("# %d ranks, %llu pages per side, %d dirty pages (seed %llu), "
		       "%d runs, osc %s\n", b.nranks, (unsigned long long)b.npages,
		       b.ndirty, (unsigned long long)seed, b.reps,
		       getenv("OMPI_MCA_osc") ? getenv("OMPI_MCA_osc") : "default");
		for (i = 0; i < (int)(sizeof(res) / sizeof(res[0])); i++) {
			print_result(&b, &res[i]);
			failures += res[i].failures;
		}
		/* The batched MPI_Send run is also the push-by-message row of B. */
		res[2].table = "B";
		res[2].mover = "source ranks";
		snprintf(batched_name, sizeof(batched_name),
			 "push: MPI_Send, %d pages/message", b.batch);
		print_result(&b, &res[2]);
	}
	dsm_space_free(b.space);
	munmap(b.ram, b.bytes);
	free(b.dirty);
	free(b.share);
	free(b.stage);
	MPI_Finalize();
	return failures ? 1 : 0;
}

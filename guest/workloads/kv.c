/*
 * kv — an in-memory key-value store (a cache, a session store) under a
 * steady stream of updates with a hot set: a few megabytes of pages
 * rewritten all the time, the rest of the store touched now and then.
 *
 * How: the store is size bytes of 256-byte records (key, version, stamp,
 * payload, checksum), addressed directly by key. Its pages are split evenly
 * between the vCPUs; each vCPU owns its share (its partition) and is the
 * only one to update or check it, so nothing but the counter block is
 * shared and nothing is locked. Each vCPU does its share of rate updates
 * per second: it sleeps one tick at a time (nr_vcpus ms, so that all vCPUs
 * together make about 1000 hypercalls a second), then does the updates
 * that have come due. Updates more than BACKLOG_MS late (a pause, a
 * migration's downtime) are dropped, as their clients gave up, and
 * counted. hot percent of the updates go to the partition's hot set, its
 * first hot_set percent of records; the rest go to its other records,
 * uniformly. An update reads the record's version and writes version + 1,
 * the partition's update number (the stamp), a payload derived from
 * (seed, key, stamp) and the checksum (hash64 of the rest), then appends
 * (key, version, checksum, update number) to the partition's update log, a
 * ring holding its last log/nr_vcpus bytes of updates.
 *
 * Checks, every verify_s seconds by each vCPU over its own partition:
 * - every record: its key is its slot's and its checksum its content's.
 *   A page that arrives as zeroes (or torn, or misplaced) fails here.
 * - every log entry: it holds the update number of its place in the ring
 *   and a key of the partition, and its record holds at least the logged
 *   version, with the logged checksum if the version is the same. An old
 *   copy of a page holds records that are whole but behind: an update the
 *   log still holds is missing from it. A later update of such a record
 *   does not hide that: it writes another stamp, so another checksum.
 * - the versions of all records add up to the updates done, so an update
 *   lost long enough ago to have left the log still shows.
 * Corrupt records, contradicted log entries and a wrong sum (when nothing
 * else was found) count into selfcheck_fail.
 *
 * Args: rate=20000 (updates/s, all vCPUs together) hot=50 (percent of
 *       updates to the hot set) hot_set=5 (percent of records) size=32M
 *       log=2M verify_s=2 seed=1 duration_ms=0 (0 = forever) inject_ms
 *       (vCPU 0 then puts an old copy back over its first page and zeroes
 *       its last one, to test the checks).
 * Progress = updates done.
 */
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "hash.h"
#include "rng.h"
#include "workload.h"

#define KV_KEY_TAG    ((uint64_t)0x4b56535400000000) /* "KVST": no key 0 */
#define PAYLOAD_WORDS 28
#define BACKLOG_MS    100   /* updates later than this are dropped */
#define CHECK_BATCH   1024  /* first guess of items checked per clock read */

struct kv_record {
	uint64_t key;         /* KV_KEY_TAG ^ key */
	uint64_t version;     /* updates of this record so far */
	uint64_t stamp;       /* update number that wrote it; 0 = initial */
	uint64_t payload[PAYLOAD_WORDS];
	uint64_t sum;         /* hash64 of the fields above */
};
_Static_assert(sizeof(struct kv_record) == 256, "record size");

struct kv_log_entry {
	uint64_t key;         /* as in the record */
	uint64_t version;
	uint64_t sum;
	uint64_t update;      /* the partition's update number (the stamp) */
};

#define RECS_PER_PAGE (DSMIG_PAGE_SIZE / sizeof(struct kv_record))
#define LOG_PER_PAGE  (DSMIG_PAGE_SIZE / sizeof(struct kv_log_entry))

struct kv {                   /* set by vCPU 0, then read-only */
	uint64_t seed, rate, verify_ns;
	unsigned hot, hot_set, nparts;
	uint64_t npages;          /* record pages in the store */
	uint64_t nlog;            /* log entries per partition */
	struct kv_record *rec;
	struct kv_log_entry *log; /* nparts * nlog entries */
};

struct part {                 /* one vCPU's share; only it touches it */
	unsigned id;
	uint64_t first;           /* key of its first record */
	uint64_t nrec, nhot;
	struct kv_record *rec;
	struct kv_log_entry *log;
	uint64_t rate;            /* its updates per second */
	uint64_t backlog;         /* most updates owed; more are dropped */
	uint64_t updates;         /* done: the sum of its records' versions */
	uint64_t issued;          /* come due so far, done or dropped */
	uint64_t dropped;
	uint64_t rng;
	uint64_t check_batch;     /* items checked between clock reads */
} __attribute__((aligned(64)));

static struct kv kv;
static struct part parts[DSMIG_MAX_VCPUS];
static uint32_t kv_ready, parts_done;

/* ---- records and updates ------------------------------------------------------ */
static uint64_t record_sum(const struct kv_record *r)
{
	return hash64(r, offsetof(struct kv_record, sum), kv.seed);
}

static void record_write(struct kv_record *r, uint64_t key, uint64_t version,
			 uint64_t stamp)
{
	uint64_t s = rng_seed(mix2(mix2(kv.seed, key), stamp));

	r->key = KV_KEY_TAG ^ key;
	r->version = version;
	r->stamp = stamp;
	for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
		r->payload[i] = rng_next(&s);
	r->sum = record_sum(r);
}

static int record_ok(const struct part *p, uint64_t i)
{
	const struct kv_record *r = &p->rec[i];

	return r->key == (KV_KEY_TAG ^ (p->first + i)) && r->sum == record_sum(r);
}

static void update_record(struct part *p, uint64_t i)
{
	struct kv_record *r = &p->rec[i];
	uint64_t u = ++p->updates;
	struct kv_log_entry *e = &p->log[(u - 1) % kv.nlog];

	record_write(r, p->first + i, r->version + 1, u);
	e->key = r->key;
	e->version = r->version;
	e->sum = r->sum;
	e->update = u;
}

static uint64_t pick_record(struct part *p)
{
	if (p->nhot == p->nrec ||
	    (p->nhot && rng_below(&p->rng, 100) < kv.hot))
		return rng_below(&p->rng, p->nhot);
	return p->nhot + rng_below(&p->rng, p->nrec - p->nhot);
}

/* Do the updates that have come due elapsed_ns into the run. */
static void part_run(struct part *p, uint64_t elapsed_ns)
{
	uint64_t due = (uint64_t)((unsigned __int128)p->rate * elapsed_ns /
				  NS_PER_S);
	uint64_t n = due - p->issued;

	if (n > p->backlog) {
		p->dropped += n - p->backlog;
		n = p->backlog;
	}
	p->issued = due;
	for (uint64_t k = 0; k < n; k++)
		update_record(p, pick_record(p));
	counters_progress(n);
}

/* ---- checks ------------------------------------------------------------------- */
/* In a long check: read the clock (and tick) about once a tick period. */
static void check_pace(struct part *p, struct ticker *t, uint64_t *left)
{
	uint64_t before = t->now;

	if (--*left)
		return;
	ticker_update(t);
	ticker_pace(t, before, &p->check_batch);
	*left = p->check_batch;
}

/* Count the records that are not whole; *versions gets their sum. */
static uint64_t check_records(struct part *p, struct ticker *t,
			      uint64_t *versions)
{
	uint64_t bad = 0, left = p->check_batch;

	*versions = 0;
	for (uint64_t i = 0; i < p->nrec; i++) {
		const struct kv_record *r = &p->rec[i];

		*versions += r->version;
		if (!record_ok(p, i)) {
			if (!bad)
				gprintf("CORRUPT kv vcpu %u record %lu (gpa %p): key 0x%lx (expected 0x%lx) version %lu; checksum stored 0x%lx actual 0x%lx\n",
					p->id, p->first + i, (const void *)r,
					r->key, KV_KEY_TAG ^ (p->first + i),
					r->version, r->sum, record_sum(r));
			bad++;
		}
		check_pace(p, t, &left);
	}
	return bad;
}

/* Is the log entry of update u contradicted by its record? A record that
 * is not whole does not count here: check_records counted it. */
static int log_entry_bad(const struct part *p, uint64_t u, int report)
{
	const struct kv_log_entry *e = &p->log[(u - 1) % kv.nlog];
	uint64_t i = (e->key ^ KV_KEY_TAG) - p->first;
	const struct kv_record *r;

	if (e->update != u || i >= p->nrec) {
		if (report)
			gprintf("CORRUPT kv vcpu %u update log (gpa %p): entry of update %lu holds update %lu, key 0x%lx\n",
				p->id, (const void *)e, u, e->update, e->key);
		return 1;
	}
	r = &p->rec[i];
	if (r->version > e->version ||
	    (r->version == e->version && r->sum == e->sum) || !record_ok(p, i))
		return 0;
	if (report)
		gprintf("CORRUPT kv vcpu %u record %lu (gpa %p): lost update %lu (version %lu, checksum 0x%lx): holds version %lu stamp %lu checksum 0x%lx\n",
			p->id, p->first + i, (const void *)r, u, e->version,
			e->sum, r->version, r->stamp, r->sum);
	return 1;
}

static uint64_t check_log(struct part *p, struct ticker *t)
{
	uint64_t bad = 0, left = p->check_batch;
	uint64_t u = p->updates > kv.nlog ? p->updates - kv.nlog + 1 : 1;

	for (; u <= p->updates; u++) {
		bad += (uint64_t)log_entry_bad(p, u, bad == 0);
		check_pace(p, t, &left);
	}
	return bad;
}

static void part_verify(struct part *p, struct ticker *t)
{
	uint64_t versions, bad = check_records(p, t, &versions);

	bad += check_log(p, t);
	if (!bad && versions != p->updates) {
		gprintf("CORRUPT kv vcpu %u: the versions of its records add up to %lu, but it did %lu updates\n",
			p->id, versions, p->updates);
		bad = 1;
	}
	counters_selfcheck(bad);
}

/* inject_ms: both faces of a lost page. Put an old copy back over the
 * first page (hot), as a page a migration did not resend; zero the last
 * one, as a page it never sent. */
static void inject(struct part *p)
{
	struct kv_record old[RECS_PER_PAGE];
	struct kv_record *last = p->rec + p->nrec - RECS_PER_PAGE;

	memcpy(old, p->rec, sizeof(old));
	update_record(p, 0);
	memcpy(p->rec, old, sizeof(old));
	memset(last, 0, DSMIG_PAGE_SIZE);
	gprintf("inject: put an old copy back over kv vcpu %u's page at gpa %p and zeroed its page at gpa %p on purpose\n",
		p->id, (void *)p->rec, (void *)last);
}

/* ---- setup and main loop ------------------------------------------------------ */
static unsigned arg_pct(const char *cmdline, const char *key, uint64_t def)
{
	uint64_t v = arg_u64(cmdline, key, def);

	return (unsigned)(v < 100 ? v : 100);
}

/* vCPU 0: read the arguments and allocate the store and the logs. */
static void kv_init(const struct dsmig_boot_info *bi)
{
	const char *cl = bi->cmdline;
	uint64_t log = arg_u64(cl, "log", 2 << 20);

	kv.nparts = bi->nr_vcpus;
	kv.seed = arg_u64(cl, "seed", 1);
	kv.rate = arg_u64(cl, "rate", 20000);
	kv.hot = arg_pct(cl, "hot", 50);
	kv.hot_set = arg_pct(cl, "hot_set", 5);
	kv.verify_ns = arg_u64(cl, "verify_s", 2) * NS_PER_S;
	kv.npages = arg_u64(cl, "size", 32 << 20) / DSMIG_PAGE_SIZE;
	if (kv.npages < kv.nparts)
		kv.npages = kv.nparts;
	kv.nlog = log / kv.nparts / sizeof(struct kv_log_entry) /
		  LOG_PER_PAGE * LOG_PER_PAGE;
	if (kv.nlog == 0)
		kv.nlog = LOG_PER_PAGE;
	gprintf("kv: vcpus=%u records=%lu size=%luK rate=%lu hot=%u hot_set=%u log=%luK verify_s=%lu\n",
		kv.nparts, kv.npages * RECS_PER_PAGE,
		kv.npages * DSMIG_PAGE_SIZE >> 10, kv.rate, kv.hot, kv.hot_set,
		kv.nlog * kv.nparts * sizeof(struct kv_log_entry) >> 10,
		kv.verify_ns / NS_PER_S);
	kv.rec = galloc_must(kv.npages * DSMIG_PAGE_SIZE, DSMIG_PAGE_SIZE,
			     "kv records");
	kv.log = galloc_must(kv.nlog * kv.nparts * sizeof(struct kv_log_entry),
			     DSMIG_PAGE_SIZE, "kv update log");
	counters_add_region_pages(kv.npages + kv.nlog * kv.nparts / LOG_PER_PAGE);
}

/* Each vCPU: take its share of the pages and the rate, write its records. */
static void part_init(struct part *p, unsigned id)
{
	uint64_t pg0 = kv.npages * id / kv.nparts;
	uint64_t pg1 = kv.npages * (id + 1) / kv.nparts;

	p->id = id;
	p->first = pg0 * RECS_PER_PAGE;
	p->nrec = (pg1 - pg0) * RECS_PER_PAGE;
	p->nhot = p->nrec * kv.hot_set / 100;
	if (kv.hot_set && p->nhot == 0)
		p->nhot = 1;
	p->rec = kv.rec + p->first;
	p->log = kv.log + id * kv.nlog;
	p->rate = kv.rate / kv.nparts + (id < kv.rate % kv.nparts);
	p->backlog = p->rate * BACKLOG_MS / 1000 + 1;
	p->updates = p->issued = p->dropped = 0;
	p->rng = rng_seed(mix2(kv.seed, id));
	p->check_batch = CHECK_BATCH;
	for (uint64_t i = 0; i < p->nrec; i++)
		record_write(&p->rec[i], p->first + i, 0, 0);
}

static int kv_finish(uint64_t run_ns)
{
	uint64_t ms = run_ns / NS_PER_MS, dropped = 0;
	char extra[96];

	for (unsigned i = 0; i < kv.nparts; i++)
		dropped += parts[i].dropped;
	gsnprintf(extra, sizeof(extra), "updates_per_s=%lu dropped=%lu vcpus=%u",
		  ms ? counters_read(&guest_counters.progress) * 1000 / ms : 0,
		  dropped, kv.nparts);
	return wl_finish(extra);
}

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	struct part *p = &parts[vcpu];
	uint64_t start, end_ns, next_verify, inject_ns;
	struct ticker t;

	if (vcpu == 0) {
		counters_init("kv");
		kv_init(bi);
		wl_flag_raise(&kv_ready);
	}
	wl_wait_flag(&kv_ready, 1);
	part_init(p, vcpu);

	ticker_init(&t, vcpu, kv.nparts * NS_PER_MS);
	start = t.now;
	end_ns = wl_end_ns(bi, start);
	next_verify = start + kv.verify_ns;
	inject_ns = vcpu == 0 ? wl_inject_ns(bi, start) : 0;
	while (t.now < end_ns) {
		ticker_sleep_until(&t, t.next_tick < end_ns ? t.next_tick : end_ns);
		part_run(p, t.now - start);
		if (inject_ns && t.now >= inject_ns) {
			/* Check at once, while the report can name both pages. */
			inject(p);
			inject_ns = 0;
			next_verify = t.now;
		}
		if (kv.verify_ns && t.now >= next_verify) {
			part_verify(p, &t);
			next_verify = ticker_update(&t) + kv.verify_ns;
		}
	}
	part_verify(p, &t);
	wl_flag_raise(&parts_done);
	if (vcpu != 0)
		wl_park();
	wl_wait_flag(&parts_done, kv.nparts);
	return kv_finish(t.now - start);
}

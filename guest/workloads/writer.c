/*
 * writer — a synthetic page writer for comparing migration engines
 * (bench/peer.sh): it rewrites pages of a working set at a chosen rate and
 * reports, from inside the guest, how many it wrote and the longest gap
 * between two turns of its loop. The same object file runs under dsmig-vmm
 * and, linked with guest/qemu, under QEMU.
 *
 * How: vCPU 0 allocates ws bytes and writes every page once. Then, in a
 * loop, it reads the clock, writes the pages earned since its last turn
 * (rate pages/s; rate=max: as many as it can, in batches of about a
 * millisecond) and sleeps a millisecond. Pages not written during a stall
 * are not made up afterwards. Each write
 * picks a random page of the working set and gives it a new version:
 *   fill=word    one 64-bit word (word 0) derived from page and version;
 *                the rest of the page stays zero (compresses ~500x);
 *   fill=random  all 512 words from a generator seeded by page and version
 *                (does not compress).
 * A version table beside the working set lets verify_s check every page.
 *
 * Every hb_ms it prints one line
 *   writer: t_ms=T pages=P gap_us=G
 * T the guest's monotonic time, P the writes so far, G the longest gap
 * between two turns of the loop since the previous line: what the guest
 * lived through, whichever engine moved it.
 *
 * Args: ws=32M rate=1000 (pages/s, or "max") fill=word hb_ms=100
 *       verify_s=0 (0 = only at the end) seed=1 duration_ms=0.
 * Progress = pages written.
 */
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "rng.h"
#include "workload.h"

#define PAGE_WORDS (DSMIG_PAGE_SIZE / 8)
#define LOOP_NS    NS_PER_MS          /* one turn of the loop when idle */

struct writer {
	uint64_t *pages;
	uint32_t *version;
	uint64_t npages, rate, seed, written;
	int unlimited, random_fill;
	uint64_t rng;
	struct ticker ticker;
};

/* What page p holds at a version: word 0 (never 0) for fill=word, the
 * generator's seed for fill=random. */
static uint64_t page_value(const struct writer *w, uint64_t p, uint32_t version)
{
	uint64_t v = mix2(mix2(w->seed, p), version);

	return w->random_fill ? rng_seed(v) : v | 1;
}

static void fill_page(const struct writer *w, uint64_t p, uint32_t version)
{
	uint64_t *page = w->pages + p * PAGE_WORDS, v = page_value(w, p, version);

	if (w->random_fill) {
		for (unsigned i = 0; i < PAGE_WORDS; i++)
			page[i] = rng_next(&v);
	} else {
		page[0] = v;
	}
}

static void write_pages(struct writer *w, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = rng_below(&w->rng, w->npages);

		fill_page(w, p, ++w->version[p]);
	}
	w->written += n;
	counters_progress(n);
}

/* Returns the pages whose contents do not match their version. */
static uint64_t verify(const struct writer *w)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < w->npages; p++) {
		const uint64_t *page = w->pages + p * PAGE_WORDS;
		uint64_t want = page_value(w, p, w->version[p]);

		if (w->random_fill)
			want = rng_next(&want);

		if (page[0] == want &&
		    (w->random_fill || page[PAGE_WORDS - 1] == 0))
			continue;
		if (!bad)
			gprintf("CORRUPT writer page %lu (gpa %p): word 0x%lx, expected 0x%lx (version %u)\n",
				p, (const void *)page, page[0], want, w->version[p]);
		bad++;
	}
	counters_selfcheck(bad);
	return bad;
}

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	static struct writer w;
	uint64_t start, end_ns, hb_ns, next_hb, verify_ns, next_verify;
	uint64_t prev, gap_max = 0, batch = 64, credit = 0, credit_cap;
	size_t len;
	const char *rate = arg_str(bi->cmdline, "rate", &len);
	const char *fill = arg_str(bi->cmdline, "fill", &len);

	if (vcpu != 0)
		wl_park();

	w.unlimited = rate && arg_u64(bi->cmdline, "rate", 0) == 0 &&
		      strncmp(rate, "max", 3) == 0;
	w.rate = arg_u64(bi->cmdline, "rate", 1000);
	w.random_fill = fill && len == 6 && strncmp(fill, "random", 6) == 0;
	w.seed = arg_u64(bi->cmdline, "seed", 1);
	w.npages = arg_u64(bi->cmdline, "ws", 32 << 20) / DSMIG_PAGE_SIZE;
	hb_ns = arg_u64(bi->cmdline, "hb_ms", 100) * NS_PER_MS;
	verify_ns = arg_u64(bi->cmdline, "verify_s", 0) * NS_PER_S;
	if (w.npages == 0)
		w.npages = 1;
	if (hb_ns == 0)
		hb_ns = 100 * NS_PER_MS;
	credit_cap = w.rate * 2 > 1000 ? w.rate * 2 : 1000;
	gprintf("writer: ws=%luK rate=%s fill=%s hb_ms=%lu verify_s=%lu\n",
		w.npages * (DSMIG_PAGE_SIZE / 1024),
		w.unlimited ? "max" : "paced", w.random_fill ? "random" : "word",
		hb_ns / NS_PER_MS, verify_ns / NS_PER_S);
	if (!w.unlimited)
		gprintf("writer: rate=%lu pages/s\n", w.rate);

	counters_init("writer");
	w.pages = galloc_must(w.npages * DSMIG_PAGE_SIZE, DSMIG_PAGE_SIZE,
			      "working set");
	w.version = galloc_must(w.npages * sizeof(*w.version), 64, "versions");
	w.rng = rng_seed(w.seed ^ 0x777269746572ull); /* "writer" */
	for (uint64_t p = 0; p < w.npages; p++) {
		memset(w.pages + p * PAGE_WORDS, 0, DSMIG_PAGE_SIZE);
		w.version[p] = 0;
		fill_page(&w, p, 0);
	}

	ticker_init(&w.ticker, 0, LOOP_NS);
	start = prev = w.ticker.now;
	end_ns = wl_end_ns(bi, start);
	next_hb = start + hb_ns;
	next_verify = verify_ns ? start + verify_ns : UINT64_MAX;
	while (w.ticker.now < end_ns) {
		uint64_t now = w.ticker.now, delta = now - prev;

		if (delta > gap_max)
			gap_max = delta;
		prev = now;
		if (now >= next_hb) {
			gprintf("writer: t_ms=%lu pages=%lu gap_us=%lu\n",
				now / NS_PER_MS, w.written, gap_max / 1000);
			gap_max = 0;
			next_hb += hb_ns * ((now - next_hb) / hb_ns + 1);
		}
		if (now >= next_verify) {
			verify(&w);
			next_verify = now + verify_ns;
		}
		if (w.unlimited) {
			write_pages(&w, batch);
			ticker_update(&w.ticker);
			ticker_pace(&w.ticker, now, &batch);
			continue;
		}
		/* Paced: credit in thousandths of a page, earned at rate pages/s
		 * and capped at 2 ms' worth (at least one page), so that pages not
		 * written during a stall are lost, as a paced application loses
		 * frames, rather than made up later in a burst. */
		credit += (uint64_t)((unsigned __int128)delta * w.rate / NS_PER_MS);
		if (credit > credit_cap)
			credit = credit_cap;
		if (credit >= 1000) {
			write_pages(&w, credit / 1000);
			credit %= 1000;
		}
		ticker_sleep_until(&w.ticker, now + LOOP_NS);
	}
	{
		char extra[96];

		verify(&w);
		gsnprintf(extra, sizeof(extra), "pages=%lu", w.written);
		return wl_finish(extra);
	}
}

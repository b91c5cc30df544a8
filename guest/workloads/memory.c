/*
 * memory — models the paper's memory-intensive workload (Table 2: playing a
 * video): large buffers rewritten again and again at a steady frame rate,
 * the case where pre-copy has the most trouble converging.
 *
 * How: vCPU 0 plays a "video" at fps frames per second. Frame k is due at
 * start + k / fps. For each frame it "decodes" into the next slot of a ring
 * of decoded frames (ring) and then "presents" it by copying it into the
 * display frame buffer; both writes cover every pixel (width x height,
 * 32-bit). Decoding is a cheap deterministic generator: the frame's
 * "bitstream" (xorshift seeded from (seed, k)) chooses for every 16x16
 * macroblock a moving gradient, a flat colour or a texture. Between frames
 * the player sleeps until the next deadline. If it wakes more than a frame
 * late (a pause, a migration's downtime) it drops the frames whose time has
 * passed, as a player does, and counts them. Each frame also rewrites a few
 * pages of a self-verifying region (player and audio state).
 *
 * Checks: every ring slot has its frame number and checksum in tables
 * apart; verification regenerates each frame row by row and compares both
 * the pixels and the checksum, and checks that the display holds the last
 * presented frame. Done every verify_s seconds along with the region.
 *
 * Args: fps=25 width=640 height=360 ring=8 region=2M rewrite=2 (pages per
 *       frame) tick_ms=10 verify_s=2 seed=1 duration_ms=0 (0 = forever)
 *       inject_ms (corrupt one pixel of a ring frame then, to test the
 *       checks).
 * Progress = frames decoded.
 */
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "hash.h"
#include "region.h"
#include "rng.h"
#include "workload.h"

#define MB 16                       /* macroblock size in pixels */
#define NO_FRAME UINT64_MAX

struct video {
	uint32_t width, height;
	unsigned ring;
	uint64_t seed, period_ns;
	unsigned rewrite;
	size_t frame_bytes;
	uint32_t *fb;          /* display frame buffer */
	uint32_t *slots;       /* ring decoded frames, one after the other */
	uint64_t *slot_frame;  /* frame number in each slot, or NO_FRAME */
	uint64_t *slot_sum;    /* checksum of each slot */
	uint64_t fb_frame;     /* frame on display, or NO_FRAME */
	uint32_t *mode;        /* macroblock modes of one macroblock row */
	uint32_t *row;         /* one row of pixels, for verification */
	struct region region;
	uint64_t decoded, dropped;
};

static uint32_t *slot_pixels(const struct video *v, unsigned slot)
{
	return v->slots + (size_t)slot * v->width * v->height;
}

/* The frame's bitstream for macroblock row mby: one word per macroblock. */
static void mb_modes(const struct video *v, uint64_t k, uint32_t mby)
{
	uint64_t bs = rng_seed(mix2(mix2(v->seed, k), mby));
	uint32_t n = (v->width + MB - 1) / MB;

	for (uint32_t i = 0; i < n; i++)
		v->mode[i] = (uint32_t)rng_next(&bs);
}

/* Pixel row y of frame k, given that row's macroblock modes. */
static void decode_row(const struct video *v, uint64_t k, uint32_t y,
		       uint32_t *dst)
{
	uint32_t gy = (uint32_t)(y + 2 * k) & 0xff;

	for (uint32_t x = 0; x < v->width; x++) {
		uint32_t m = v->mode[x / MB];
		uint32_t gx = (uint32_t)(x + 3 * k) & 0xff;
		uint32_t px;

		switch (m & 7) {
		case 5:
		case 6:                                 /* flat colour */
			px = m >> 8;
			break;
		case 7:                                 /* texture */
			px = (gx ^ gy) * 0x010101u ^ (m >> 8);
			break;
		default:                                /* moving gradient */
			px = gx | gy << 8 | ((gx + gy) & 0xff) << 16;
		}
		dst[x] = px | 0xff000000u;
	}
}

static void decode_frame(const struct video *v, uint64_t k, uint32_t *dst)
{
	for (uint32_t y = 0; y < v->height; y++) {
		if (y % MB == 0)
			mb_modes(v, k, y / MB);
		decode_row(v, k, y, dst + (size_t)y * v->width);
	}
}

static uint64_t frame_sum(const struct video *v, const uint32_t *px)
{
	return hash64(px, v->frame_bytes, v->seed);
}

/* Decode frame k into its ring slot and put it on display. */
static void play_frame(struct video *v, uint64_t k)
{
	unsigned slot = (unsigned)(k % v->ring);
	uint32_t *px = slot_pixels(v, slot);

	v->slot_frame[slot] = NO_FRAME;
	decode_frame(v, k, px);
	v->slot_sum[slot] = frame_sum(v, px);
	v->slot_frame[slot] = k;
	memcpy(v->fb, px, v->frame_bytes);
	v->fb_frame = k;
	region_rewrite_random(&v->region, v->rewrite);
	v->decoded++;
	counters_progress(1);
}

/* Returns 1 if the slot does not hold exactly its frame. */
static int verify_slot(const struct video *v, unsigned slot, int report)
{
	const uint32_t *px = slot_pixels(v, slot);
	uint64_t k = v->slot_frame[slot], sum;

	if (k == NO_FRAME)
		return 0;
	for (uint32_t y = 0; y < v->height; y++) {
		const uint32_t *row = px + (size_t)y * v->width;

		if (y % MB == 0)
			mb_modes(v, k, y / MB);
		decode_row(v, k, y, v->row);
		for (uint32_t x = 0; x < v->width; x++) {
			if (row[x] == v->row[x])
				continue;
			if (report)
				gprintf("CORRUPT memory ring slot %u frame %lu (gpa %p): pixel (%u,%u) is 0x%x, expected 0x%x\n",
					slot, k, (const void *)&row[x], x, y,
					row[x], v->row[x]);
			return 1;
		}
	}
	sum = frame_sum(v, px);
	if (sum == v->slot_sum[slot])
		return 0;
	if (report)
		gprintf("CORRUPT memory ring slot %u frame %lu: pixels right but checksum stored 0x%lx, actual 0x%lx\n",
			slot, k, v->slot_sum[slot], sum);
	return 1;
}

static uint64_t verify_all(const struct video *v)
{
	uint64_t bad = 0;

	for (unsigned s = 0; s < v->ring; s++)
		bad += (uint64_t)verify_slot(v, s, bad == 0);
	if (v->fb_frame != NO_FRAME) {
		unsigned slot = (unsigned)(v->fb_frame % v->ring);
		uint64_t sum = frame_sum(v, v->fb);

		if (sum != v->slot_sum[slot]) {
			if (!bad)
				gprintf("CORRUPT memory display (gpa %p): checksum 0x%lx, frame %lu has 0x%lx\n",
					(const void *)v->fb, sum, v->fb_frame,
					v->slot_sum[slot]);
			bad++;
		}
	}
	counters_selfcheck(bad);
	return bad + region_verify_all(&v->region);
}

static void video_init(struct video *v, const struct dsmig_boot_info *bi)
{
	uint64_t fps = arg_u64(bi->cmdline, "fps", 25);

	v->width = (uint32_t)arg_u64(bi->cmdline, "width", 640);
	v->height = (uint32_t)arg_u64(bi->cmdline, "height", 360);
	v->ring = (unsigned)arg_u64(bi->cmdline, "ring", 8);
	v->rewrite = (unsigned)arg_u64(bi->cmdline, "rewrite", 2);
	v->seed = arg_u64(bi->cmdline, "seed", 1);
	if (v->width == 0 || v->width > 8192)
		v->width = 640;
	if (v->height == 0 || v->height > 8192)
		v->height = 360;
	if (v->ring == 0)
		v->ring = 1;
	if (fps == 0)
		fps = 1;
	v->period_ns = NS_PER_S / fps;
	v->frame_bytes = (size_t)v->width * v->height * 4;
	gprintf("memory: fps=%lu width=%u height=%u ring=%u frame=%luK region=%luK rewrite=%u verify_s=%lu\n",
		fps, v->width, v->height, v->ring,
		(uint64_t)v->frame_bytes >> 10,
		arg_u64(bi->cmdline, "region", 2 << 20) >> 10, v->rewrite,
		arg_u64(bi->cmdline, "verify_s", 2));

	v->fb = galloc_must(v->frame_bytes, DSMIG_PAGE_SIZE, "frame buffer");
	v->slots = galloc_must(v->frame_bytes * v->ring, DSMIG_PAGE_SIZE,
			       "frame ring");
	v->slot_frame = galloc_must(v->ring * 8, 64, "ring table");
	v->slot_sum = galloc_must(v->ring * 8, 64, "ring table");
	v->mode = galloc_must((v->width / MB + 1) * 4, 64, "modes");
	v->row = galloc_must((size_t)v->width * 4, 64, "row");
	for (unsigned s = 0; s < v->ring; s++)
		v->slot_frame[s] = NO_FRAME;
	v->fb_frame = NO_FRAME;
	region_init(&v->region, "memory", arg_u64(bi->cmdline, "region", 2 << 20),
		    mix64(v->seed));
	counters_add_region_pages((v->frame_bytes * (v->ring + 1)) / DSMIG_PAGE_SIZE);
}

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	static struct video v;
	uint64_t verify_ns = arg_u64(bi->cmdline, "verify_s", 2) * NS_PER_S;
	uint64_t tick_ns = arg_u64(bi->cmdline, "tick_ms", 10) * NS_PER_MS;
	uint64_t start, end_ns, next_verify, inject_ns, k = 0;
	struct ticker t;

	if (vcpu != 0)
		wl_park();
	counters_init("memory");
	video_init(&v, bi);

	ticker_init(&t, 0, tick_ns ? tick_ns : NS_PER_MS);
	start = t.now;
	end_ns = wl_end_ns(bi, start);
	next_verify = start + verify_ns;
	inject_ns = wl_inject_ns(bi, start);
	for (;;) {
		uint64_t due = start + k * v.period_ns;

		if (due >= end_ns)
			break;
		ticker_sleep_until(&t, due);
		/* More than a frame late: drop the frames already past. */
		while (t.now >= due + v.period_ns) {
			v.dropped++;
			k++;
			due += v.period_ns;
		}
		if (due >= end_ns)
			break;
		play_frame(&v, k++);
		if (inject_ns && t.now >= inject_ns) {
			/* The frame just played; check at once, before the
			 * ring comes round to it again. */
			unsigned slot = (unsigned)((k - 1) % v.ring);

			slot_pixels(&v, slot)[v.width * 7 + 5] ^= 0x10101u;
			gprintf("inject: corrupted ring slot %u pixel (5,7) on purpose\n",
				slot);
			inject_ns = 0;
			next_verify = t.now;
		}
		if (verify_ns && t.now >= next_verify) {
			verify_all(&v);
			next_verify = ticker_update(&t) + verify_ns;
		}
	}
	ticker_sleep_until(&t, end_ns < t.now ? t.now : end_ns);
	verify_all(&v);
	{
		char extra[96];

		gsnprintf(extra, sizeof(extra), "dropped=%lu fps_target=%lu",
			  v.dropped, NS_PER_S / v.period_ns);
		return wl_finish(extra);
	}
}

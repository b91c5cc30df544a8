/*
 * Unit tests of the aggregated page messages (src/dsm/batch.c): a batch
 * of zero, full, LZ4 and delta records packs to exactly the layout of
 * docs/migration-stream.md and unpacks to the same pages; a full batch
 * says so and seals empty afterwards; and every kind of malformed batch
 * (truncated, bad header, bad counts, out-of-range pfn, oversized or
 * inconsistent lengths, unknown kinds, refused deltas, corrupt LZ4) is
 * refused before a single record is installed. Messages under test are
 * copied to buffers of their exact size, so that an overread shows under
 * ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsm/batch.h"
#include "random_page.h"

#define NPAGES 64
#define ROUND  7
#define PAGE   STREAM_PAGE_SIZE
#define HDR    sizeof(struct batch_hdr)
#define REC    sizeof(struct page_rec)

static uint8_t *buf;               /* batch_msg_max(8) bytes */
static uint8_t full_page[PAGE], text_page[PAGE], old_page[PAGE], new_page[PAGE];
static uint8_t ram[NPAGES * PAGE];

static const struct batch_rules rules = {
	.round = ROUND, .max = 8, .npages = NPAGES, .allow_delta = 1,
};

/* What the install callback saw, and the RAM it wrote to. */
struct sink {
	unsigned calls;
	uint64_t pfns[8];
	uint32_t kinds[8];
	int fail_at;              /* return -1 on this call (1-based; 0: never) */
};

static int install(void *arg, const struct page_rec *rec, const uint8_t *payload)
{
	struct sink *s = arg;

	s->pfns[s->calls] = rec->pfn;
	s->kinds[s->calls] = rec->kind;
	if (++s->calls == (unsigned)s->fail_at)
		return -1;
	return pagecodec_decode(rec->kind, payload, rec->len, ram + rec->pfn * PAGE);
}

static int setup(void **state)
{
	free(buf);
	buf = malloc(batch_msg_max(8));
	assert_non_null(buf);
	fill_random(full_page, 1);
	for (unsigned i = 0; i < PAGE; i++)
		text_page[i] = (uint8_t)("source text "[i % 12]);
	fill_random(old_page, 2);
	memcpy(new_page, old_page, PAGE);
	new_page[100] ^= 0xff;
	new_page[3000] ^= 0x55;
	memset(ram, 0xcc, sizeof(ram));
	/* the receiver's copy the delta is made against */
	memcpy(ram + 40 * PAGE, old_page, PAGE);
	return 0;
}

/* The sample batch: zero (pfn 3), full (10), LZ4 (20), delta (40), in
 * buf. Returns its length and the page data in *payload. */
static size_t pack_sample(uint64_t *payload)
{
	const struct pagecodec_opts plain = { 0, 0 }, lz4 = { 1, 0 }, delta = { 0, 1 };
	static const uint8_t zero[PAGE];
	struct batch b;

	batch_start(&b, buf, 8, ROUND);
	assert_int_equal(batch_add_page(&b, &plain, 3, zero, NULL), PAGE_ZERO);
	assert_int_equal(batch_add_page(&b, &plain, 10, full_page, NULL), PAGE_FULL);
	assert_int_equal(batch_add_page(&b, &lz4, 20, text_page, NULL), PAGE_LZ4);
	assert_int_equal(batch_add_page(&b, &delta, 40, new_page, old_page), PAGE_DELTA);
	assert_false(batch_full(&b));
	return batch_seal(&b, payload);
}

/* A malloc'd copy of msg of exactly len bytes. */
static uint8_t *copy_of(const uint8_t *msg, size_t len)
{
	uint8_t *m = malloc(len ? len : 1);

	assert_non_null(m);
	memcpy(m, msg, len);
	return m;
}

/* Unpack an exact-size copy of msg; the sink must see nothing. */
static void assert_refused(const uint8_t *msg, size_t len, const struct batch_rules *r)
{
	uint8_t *m = copy_of(msg, len);
	struct sink s = { 0 };

	assert_int_equal(batch_unpack(m, len, r, install, &s), -1);
	assert_int_equal(s.calls, 0);
	free(m);
}

static void test_layout_is_the_wire_format(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);
	const struct batch_hdr *h = (const struct batch_hdr *)buf;
	const struct page_rec *r = (const struct page_rec *)(buf + HDR);

	assert_int_equal(HDR, 24);
	assert_int_equal(REC, 16);
	assert_int_equal(batch_msg_max(1), HDR + REC + PAGECODEC_MAX);
	assert_int_equal(h->magic, 0x474d5344u);
	assert_int_equal(h->version, 1);
	assert_int_equal(h->pad, 0);
	assert_int_equal(h->round, ROUND);
	assert_int_equal(h->nr_records, 4);
	assert_int_equal(h->payload_bytes, payload);
	assert_int_equal(len, HDR + 4 * REC + payload);
	assert_int_equal(r[0].pfn, 3);
	assert_int_equal(r[0].kind, PAGE_ZERO);
	assert_int_equal(r[0].len, 0);
	assert_int_equal(r[1].pfn, 10);
	assert_int_equal(r[1].len, PAGE);
	assert_true(r[2].len > 0 && r[2].len < 200);
	assert_true(r[3].len > 0 && r[3].len < 200);
	assert_int_equal(payload, r[1].len + r[2].len + r[3].len);
	/* payloads right after the records, in record order */
	assert_memory_equal(buf + HDR + 4 * REC, full_page, PAGE);
}

static void test_round_trip(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);
	uint8_t *m = copy_of(buf, len);
	struct sink s = { 0 };
	static const uint8_t zero[PAGE];

	assert_int_equal(batch_unpack(m, len, &rules, install, &s), 4);
	assert_int_equal(s.calls, 4);
	assert_int_equal(s.pfns[0], 3);
	assert_int_equal(s.pfns[3], 40);
	assert_int_equal(s.kinds[2], PAGE_LZ4);
	assert_int_equal(s.kinds[3], PAGE_DELTA);
	assert_memory_equal(ram + 3 * PAGE, zero, PAGE);
	assert_memory_equal(ram + 10 * PAGE, full_page, PAGE);
	assert_memory_equal(ram + 20 * PAGE, text_page, PAGE);
	assert_memory_equal(ram + 40 * PAGE, new_page, PAGE);
	free(m);
}

static void test_full_batch_seals_and_starts_over(void **state)
{
	const struct pagecodec_opts plain = { 0, 0 };
	struct batch b;
	uint64_t payload = 1;

	batch_start(&b, buf, 2, ROUND);
	assert_int_equal(batch_seal(&b, &payload), 0);
	assert_int_equal(payload, 0);
	batch_add_page(&b, &plain, 1, full_page, NULL);
	batch_add_page(&b, &plain, 2, full_page, NULL);
	assert_true(batch_full(&b));
	assert_int_equal(batch_seal(&b, &payload), HDR + 2 * REC + 2 * PAGE);
	assert_int_equal(payload, 2 * PAGE);
	assert_false(batch_full(&b));
	assert_int_equal(batch_seal(&b, &payload), 0);
	/* the next message is a complete batch of its own */
	batch_add_page(&b, &plain, 5, full_page, NULL);
	assert_int_equal(batch_seal(&b, &payload), HDR + REC + PAGE);
	assert_int_equal(((const struct batch_hdr *)buf)->nr_records, 1);
	assert_int_equal(((const struct page_rec *)(buf + HDR))->pfn, 5);
}

static void test_install_failure_stops(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);
	struct sink s = { .fail_at = 2 };

	assert_int_equal(batch_unpack(buf, len, &rules, install, &s), -1);
	assert_int_equal(s.calls, 2);
}

static void test_truncated_refused(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);

	assert_refused(buf, len - 1, &rules);          /* a payload short */
	assert_refused(buf, HDR + 4 * REC - 1, &rules); /* records cut */
	assert_refused(buf, HDR, &rules);               /* header only */
	assert_refused(buf, HDR - 1, &rules);           /* not even that */
	assert_refused(buf, 0, &rules);
}

static void test_bad_header_refused(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);
	struct batch_hdr *h = (struct batch_hdr *)buf;
	struct batch_rules later = rules;

	h->magic ^= 1;
	assert_refused(buf, len, &rules);
	h->magic ^= 1;
	h->version = 2;
	assert_refused(buf, len, &rules);
	h->version = STREAM_VERSION;
	later.round = ROUND + 1;
	assert_refused(buf, len, &later);
	h->payload_bytes++;
	assert_refused(buf, len, &rules);
}

static void test_bad_counts_refused(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);
	struct batch_hdr *h = (struct batch_hdr *)buf;
	struct batch_rules small = rules;

	small.max = 3;                    /* 4 records: one too many */
	assert_refused(buf, len, &small);
	h->nr_records = 0;
	assert_refused(buf, len, &rules);
	h->nr_records = 3;                /* the fourth record read as payload */
	assert_refused(buf, len, &rules);
	h->nr_records = 5;
	assert_refused(buf, len, &rules);
	h->nr_records = 0xffffffffu;      /* records far past the message */
	assert_refused(buf, len, &rules);
}

static void test_out_of_range_pfn_refused(void **state)
{
	uint64_t payload;
	size_t len = pack_sample(&payload);
	struct page_rec *r = (struct page_rec *)(buf + HDR);
	struct batch_rules fewer = rules;

	fewer.npages = 40;                /* the delta page, 40, is just out */
	assert_refused(buf, len, &fewer);
	r[1].pfn = NPAGES;
	assert_refused(buf, len, &rules);
	r[1].pfn = ~0ull;
	assert_refused(buf, len, &rules);
}

/* A batch of one record with payload_bytes bytes of payload (0x5a). */
static size_t one_record(uint64_t pfn, uint32_t kind, uint32_t len, uint64_t payload_bytes)
{
	struct batch_hdr *h = (struct batch_hdr *)buf;
	struct page_rec *r = (struct page_rec *)(h + 1);

	*h = (struct batch_hdr) {
		.magic = STREAM_MAGIC, .version = STREAM_VERSION, .round = ROUND,
		.nr_records = 1, .payload_bytes = payload_bytes,
	};
	*r = (struct page_rec) { .pfn = pfn, .kind = kind, .len = len };
	memset(r + 1, 0x5a, payload_bytes);
	return HDR + REC + payload_bytes;
}

static void test_lengths_refused(void **state)
{
	struct sink s = { 0 };
	size_t len = one_record(1, PAGE_FULL, PAGE, PAGE);

	/* the helper's own batch is valid: the refusals below are real */
	assert_int_equal(batch_unpack(buf, len, &rules, install, &s), 1);
	assert_refused(buf, one_record(1, PAGE_FULL, PAGE + 1, PAGE + 1), &rules);
	assert_refused(buf, one_record(1, PAGE_FULL, PAGE - 1, PAGE - 1), &rules);
	assert_refused(buf, one_record(1, PAGE_LZ4, PAGECODEC_MAX + 1, PAGECODEC_MAX + 1),
		       &rules);
	assert_refused(buf, one_record(1, PAGE_ZERO, 1, 1), &rules);
	/* a record longer than the payload the header declares */
	len = one_record(1, PAGE_FULL, PAGE, PAGE);
	((struct batch_hdr *)buf)->payload_bytes = PAGE - 1;
	assert_refused(buf, len - 1, &rules);
	/* payload left over after the records */
	len = one_record(1, PAGE_ZERO, 0, 8);
	assert_refused(buf, len, &rules);
	/* a record length that wraps around */
	assert_refused(buf, one_record(1, PAGE_FULL, 0xffffffffu, PAGE), &rules);
}

static void test_bad_kinds_refused(void **state)
{
	uint64_t payload;
	size_t len;
	struct batch_rules no_delta = rules;

	assert_refused(buf, one_record(1, PAGE_DELTA + 1, 0, 0), &rules);
	assert_refused(buf, one_record(1, 0xffffffffu, PAGE, PAGE), &rules);
	/* an LZ4 block that does not decode to a page */
	assert_refused(buf, one_record(1, PAGE_LZ4, 100, 100), &rules);
	assert_refused(buf, one_record(1, PAGE_DELTA, 100, 100), &rules);
	/* a delta where the receiver holds no old copy */
	len = pack_sample(&payload);
	no_delta.allow_delta = 0;
	assert_refused(buf, len, &no_delta);
	/* the sample's LZ4 record with its block overwritten */
	len = pack_sample(&payload);
	memset(buf + HDR + 4 * REC + PAGE, 0xff, ((struct page_rec *)(buf + HDR))[2].len);
	assert_refused(buf, len, &rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout_is_the_wire_format, setup),
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_full_batch_seals_and_starts_over, setup),
		cmocka_unit_test_setup(test_install_failure_stops, setup),
		cmocka_unit_test_setup(test_truncated_refused, setup),
		cmocka_unit_test_setup(test_bad_header_refused, setup),
		cmocka_unit_test_setup(test_bad_counts_refused, setup),
		cmocka_unit_test_setup(test_out_of_range_pfn_refused, setup),
		cmocka_unit_test_setup(test_lengths_refused, setup),
		cmocka_unit_test_setup(test_bad_kinds_refused, setup),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(buf);
	return rc;
}

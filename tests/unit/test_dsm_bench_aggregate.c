/*
 * Unit tests of the DSM benchmark's update aggregation
 * (bench/dsm_aggregate.c): exact message counts and byte totals for
 * Grappa's 32-byte messages, one page per message and batched pages,
 * captured by a fake send callback; pages reassembled from 32-byte pieces
 * in any arrival order; every kind of invalid message rejected with
 * nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsm_aggregate.h"

#define NPAGES 64
#define PAGE DSM_AGG_PAGE_SIZE
#define HDR sizeof(struct dsm_msg_hdr)
#define PIECE sizeof(struct dsm_piece)

/* What the fake send callback saw: every message, copied. */
struct capture {
	int dst;
	unsigned n, cap;
	uint8_t **msg;
	size_t *len;
	uint64_t bytes;
	int fail_at;               /* fail the send of this message (1-based), 0 = never */
};

static int capture_send(void *ctx, int dst, const void *msg, size_t len)
{
	struct capture *c = ctx;

	if (c->fail_at && c->n + 1 == (unsigned)c->fail_at)
		return -1;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->msg = realloc(c->msg, c->cap * sizeof(*c->msg));
		c->len = realloc(c->len, c->cap * sizeof(*c->len));
		assert_non_null(c->msg);
		assert_non_null(c->len);
	}
	c->msg[c->n] = malloc(len);
	assert_non_null(c->msg[c->n]);
	memcpy(c->msg[c->n], msg, len);
	c->len[c->n++] = len;
	c->bytes += len;
	c->dst = dst;
	return 0;
}

static void capture_free(struct capture *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		free(c->msg[i]);
	free(c->msg);
	free(c->len);
	memset(c, 0, sizeof(*c));
}

/* Source RAM with a distinct byte pattern in every page. */
static uint8_t *make_ram(void)
{
	uint8_t *m = malloc((size_t)NPAGES * PAGE);
	size_t i;

	assert_non_null(m);
	for (i = 0; i < (size_t)NPAGES * PAGE; i++)
		m[i] = (uint8_t)(i * 131 + i / PAGE * 7 + 1);
	return m;
}

/* The synthetic dirty set: every third page, 22 of them. */
static unsigned dirty_set(uint64_t *pfns)
{
	unsigned n = 0;
	uint64_t p;

	for (p = 0; p < NPAGES; p += 3)
		pfns[n++] = p;
	return n;
}

/* Aggregate the dirty set with cfg into c; returns the aggregator's stats. */
static struct dsm_agg_stats run_agg(const struct dsm_agg_config *cfg,
				    const uint8_t *ram, struct capture *c)
{
	uint64_t pfns[NPAGES];
	unsigned i, n = dirty_set(pfns);
	struct dsm_agg a;
	struct dsm_agg_stats st;

	assert_int_equal(dsm_agg_init(&a, cfg, 5, capture_send, c), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(dsm_agg_add_page(&a, pfns[i], ram + pfns[i] * PAGE), 0);
	assert_int_equal(dsm_agg_flush(&a), 0);
	assert_int_equal(dsm_agg_flush(&a), 0);   /* nothing pending: no message */
	st = a.st;
	dsm_agg_destroy(&a);
	assert_int_equal(c->dst, 5);
	assert_int_equal(st.messages, c->n);
	assert_int_equal(st.payload_bytes + st.header_bytes, c->bytes);
	return st;
}

static void test_counts_grappa_32(void **state)
{
	struct dsm_agg_config cfg = { .unit = 32, .batch = 1 };
	struct capture c = { 0 };
	uint8_t *ram = make_ram();
	struct dsm_agg_stats st = run_agg(&cfg, ram, &c);
	unsigned i;

	/* 22 pages x 128 messages, each 16 + 16 + 32 bytes */
	assert_int_equal(st.pages, 22);
	assert_int_equal(st.messages, 22 * 128);
	assert_int_equal(st.payload_bytes, 22 * PAGE);
	assert_int_equal(st.header_bytes, 22 * 128 * (HDR + PIECE));
	assert_int_equal(c.bytes, 22 * 128 * 64);
	for (i = 0; i < c.n; i++)
		assert_int_equal(c.len[i], 64);
	assert_int_equal(dsm_agg_msg_max(&cfg), 64);
	capture_free(&c);
	free(ram);
}

static void test_counts_page(void **state)
{
	struct dsm_agg_config cfg = { .unit = PAGE, .batch = 1 };
	struct capture c = { 0 };
	uint8_t *ram = make_ram();
	struct dsm_agg_stats st = run_agg(&cfg, ram, &c);

	assert_int_equal(st.messages, 22);
	assert_int_equal(c.bytes, 22 * (HDR + PIECE + PAGE));
	assert_int_equal(st.header_bytes, 22 * 32);
	assert_int_equal(c.len[0], 4128);
	capture_free(&c);
	free(ram);
}

static void test_counts_batched(void **state)
{
	struct dsm_agg_config cfg = { .unit = PAGE, .batch = 8 };
	struct capture c = { 0 };
	uint8_t *ram = make_ram();
	struct dsm_agg_stats st = run_agg(&cfg, ram, &c);

	/* 22 pages in messages of 8, 8 and 6 */
	assert_int_equal(st.messages, 3);
	assert_int_equal(c.len[0], HDR + 8 * (PIECE + PAGE));
	assert_int_equal(c.len[1], HDR + 8 * (PIECE + PAGE));
	assert_int_equal(c.len[2], HDR + 6 * (PIECE + PAGE));
	assert_int_equal(st.header_bytes, 3 * HDR + 22 * PIECE);
	assert_int_equal(c.bytes, 3 * HDR + 22 * (PIECE + PAGE));
	assert_int_equal(dsm_agg_msg_max(&cfg), HDR + 8 * (PIECE + PAGE));
	capture_free(&c);
	free(ram);
}

/* Apply the captured messages in the order given by idx; every page of the
 * dirty set must then equal the source and nothing else be written. */
static void reassemble(const struct capture *c, const unsigned *idx,
		       uint32_t unit, const uint8_t *ram)
{
	uint8_t *dst = calloc(NPAGES, PAGE), zero[PAGE] = { 0 };
	uint64_t pfns[NPAGES], p;
	unsigned i, n = dirty_set(pfns);
	struct dsm_reasm r;
	int done = 0, rc;

	assert_non_null(dst);
	assert_int_equal(dsm_reasm_init(&r, dst, NPAGES, unit), 0);
	for (i = 0; i < c->n; i++) {
		rc = dsm_reasm_apply(&r, c->msg[idx[i]], c->len[idx[i]]);
		assert_true(rc >= 0);
		done += rc;
	}
	assert_int_equal(done, n);
	assert_int_equal(r.pages_done, n);
	assert_int_equal(r.pieces, n * (PAGE / unit));
	assert_int_equal(dsm_reasm_partial(&r), 0);
	for (p = 0; p < NPAGES; p++) {
		if (p % 3 == 0)
			assert_memory_equal(dst + p * PAGE, ram + p * PAGE, PAGE);
		else
			assert_memory_equal(dst + p * PAGE, zero, PAGE);
	}
	dsm_reasm_free(&r);
	free(dst);
}

static void test_reassemble_32_in_order_and_shuffled(void **state)
{
	struct dsm_agg_config cfg = { .unit = 32, .batch = 1 };
	struct capture c = { 0 };
	uint8_t *ram = make_ram();
	unsigned *idx, i, j, t;
	uint64_t x = 12345;

	run_agg(&cfg, ram, &c);
	idx = malloc(c.n * sizeof(*idx));
	assert_non_null(idx);
	for (i = 0; i < c.n; i++)
		idx[i] = i;
	reassemble(&c, idx, 32, ram);
	for (i = 0; i < c.n; i++)
		idx[i] = c.n - 1 - i;
	reassemble(&c, idx, 32, ram);
	for (i = c.n - 1; i > 0; i--) {      /* Fisher-Yates, fixed seed */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		j = (unsigned)(x % (i + 1));
		t = idx[i], idx[i] = idx[j], idx[j] = t;
	}
	reassemble(&c, idx, 32, ram);
	free(idx);
	capture_free(&c);
	free(ram);
}

static void test_reassemble_batched(void **state)
{
	struct dsm_agg_config cfg = { .unit = PAGE, .batch = 8 };
	struct dsm_agg_config grappa_batched = { .unit = 32, .batch = 200 };
	struct capture c = { 0 };
	uint8_t *ram = make_ram();
	unsigned idx[NPAGES * PAGE / 32 / 200 + 1], i;

	run_agg(&cfg, ram, &c);
	for (i = 0; i < c.n; i++)
		idx[i] = c.n - 1 - i;
	reassemble(&c, idx, PAGE, ram);
	capture_free(&c);
	/* 32-byte pieces, 200 to a message: pages span messages */
	run_agg(&grappa_batched, ram, &c);
	assert_int_equal(c.n, (22 * 128 + 199) / 200);
	for (i = 0; i < c.n; i++)
		idx[i] = i;
	reassemble(&c, idx, 32, ram);
	capture_free(&c);
	free(ram);
}

static void test_partial_page(void **state)
{
	struct dsm_agg_config cfg = { .unit = 32, .batch = 1 };
	struct capture c = { 0 };
	uint8_t *ram = make_ram(), *dst = calloc(NPAGES, PAGE);
	struct dsm_reasm r;
	unsigned i;

	run_agg(&cfg, ram, &c);
	assert_int_equal(dsm_reasm_init(&r, dst, NPAGES, 32), 0);
	for (i = 0; i < 127; i++)
		assert_int_equal(dsm_reasm_apply(&r, c.msg[i], c.len[i]), 0);
	assert_int_equal(dsm_reasm_partial(&r), 1);
	assert_int_equal(r.pages_done, 0);
	assert_int_equal(dsm_reasm_apply(&r, c.msg[127], c.len[127]), 1);
	assert_int_equal(dsm_reasm_partial(&r), 0);
	/* a later update of the same page assembles again */
	for (i = 0; i < 128; i++)
		assert_int_equal(dsm_reasm_apply(&r, c.msg[i], c.len[i]), i == 127);
	assert_int_equal(r.pages_done, 2);
	assert_memory_equal(dst, ram, PAGE);
	dsm_reasm_free(&r);
	capture_free(&c);
	free(dst);
	free(ram);
}

/* A valid one-piece 32-byte message for page 1, offset 64. */
struct one_msg {
	struct dsm_msg_hdr h;
	struct dsm_piece p;
	uint8_t data[32];
};

static struct one_msg good_msg(void)
{
	struct one_msg m = {
		.h = { .magic = DSM_AGG_MAGIC, .version = DSM_AGG_VERSION,
		       .nr_pieces = 1, .unit = 32 },
		.p = { .pfn = 1, .offset = 64, .len = 32 },
	};

	memset(m.data, 0xab, sizeof(m.data));
	return m;
}

static void test_reject_invalid(void **state)
{
	uint8_t *dst = calloc(NPAGES, PAGE), *zero = calloc(NPAGES, PAGE);
	struct dsm_reasm r;
	struct one_msg m;
	struct {
		struct dsm_msg_hdr h;
		struct dsm_piece p[2];
		uint8_t data[64];
	} two;
	uint8_t big[sizeof(m) + 1] = { 0 };

	assert_int_equal(dsm_reasm_init(&r, dst, NPAGES, 32), 0);

#define REJECT(field, value)                                           \
	do {                                                           \
		m = good_msg();                                        \
		m.field = value;                                       \
		assert_int_equal(dsm_reasm_apply(&r, &m, sizeof(m)), -1); \
	} while (0)
	REJECT(h.magic, 0x12345678);
	REJECT(h.version, 2);
	REJECT(h.pad, 1);
	REJECT(h.unit, 64);                    /* not the receiver's unit */
	REJECT(h.nr_pieces, 0);
	REJECT(h.nr_pieces, 2);                /* length no longer matches */
	REJECT(h.nr_pieces, DSM_AGG_MAX_PIECES + 1);
	REJECT(p.pfn, NPAGES);
	REJECT(p.pfn, UINT64_MAX);
	REJECT(p.offset, 48);                  /* not 32-aligned */
	REJECT(p.offset, 16);
	REJECT(p.offset, PAGE);                /* past the page */
	REJECT(p.offset, UINT32_MAX - 31);
	REJECT(p.len, 31);
	REJECT(p.len, 64);
#undef REJECT
	m = good_msg();
	assert_int_equal(dsm_reasm_apply(&r, &m, sizeof(m) - 1), -1);
	assert_int_equal(dsm_reasm_apply(&r, &m, 8), -1);
	assert_int_equal(dsm_reasm_apply(&r, &m, 0), -1);
	memcpy(big, &m, sizeof(m));
	assert_int_equal(dsm_reasm_apply(&r, big, sizeof(big)), -1);

	/* the same piece twice in one message: rejected, no marks left */
	two.h = m.h;
	two.h.nr_pieces = 2;
	two.p[0] = two.p[1] = m.p;
	memset(two.data, 0xcd, sizeof(two.data));
	assert_int_equal(dsm_reasm_apply(&r, &two, sizeof(two)), -1);
	assert_memory_equal(dst, zero, (size_t)NPAGES * PAGE);
	assert_int_equal(dsm_reasm_partial(&r), 0);
	assert_int_equal(r.pieces, 0);

	/* the valid message applies; sent again before the page is complete,
	 * it is a duplicate */
	assert_int_equal(dsm_reasm_apply(&r, &m, sizeof(m)), 0);
	assert_int_equal(dsm_reasm_partial(&r), 1);
	assert_int_equal(dsm_reasm_apply(&r, &m, sizeof(m)), -1);
	/* a message whose second piece duplicates it leaves its first unmarked */
	two.p[0].offset = 0;
	assert_int_equal(dsm_reasm_apply(&r, &two, sizeof(two)), -1);
	two.p[1].offset = 32;
	assert_int_equal(dsm_reasm_apply(&r, &two, sizeof(two)), 0);
	assert_int_equal(r.pieces, 3);
	memset(zero + PAGE, 0xcd, 64);
	memset(zero + PAGE + 64, 0xab, 32);
	assert_memory_equal(dst, zero, (size_t)NPAGES * PAGE);
	dsm_reasm_free(&r);
	free(dst);
	free(zero);
}

static void test_bad_config_and_send_failure(void **state)
{
	static const struct dsm_agg_config bad[] = {
		{ 16, 1 }, { 48, 1 }, { 8192, 1 }, { 32, 0 },
		{ 4096, DSM_AGG_MAX_PIECES + 1 },
	};
	struct dsm_agg_config ok = { .unit = 32, .batch = 4 };
	struct capture c = { .fail_at = 3 };
	uint8_t page[PAGE] = { 0 }, mem[PAGE];
	struct dsm_reasm r;
	struct dsm_agg a;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dsm_agg_msg_max(&bad[i]), 0);
		assert_int_equal(dsm_agg_init(&a, &bad[i], 1, capture_send, &c), -1);
	}
	assert_int_equal(dsm_agg_init(&a, &ok, 1, NULL, &c), -1);
	assert_int_equal(dsm_reasm_init(&r, mem, 1, 100), -1);
	assert_int_equal(dsm_reasm_init(&r, mem, 0, 32), -1);
	/* the third message's send fails: the page update fails */
	assert_int_equal(dsm_agg_init(&a, &ok, 1, capture_send, &c), 0);
	assert_int_equal(dsm_agg_add_page(&a, 0, page), -1);
	assert_int_equal(c.n, 2);
	dsm_agg_destroy(&a);
	capture_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_grappa_32),
		cmocka_unit_test(test_counts_page),
		cmocka_unit_test(test_counts_batched),
		cmocka_unit_test(test_reassemble_32_in_order_and_shuffled),
		cmocka_unit_test(test_reassemble_batched),
		cmocka_unit_test(test_partial_page),
		cmocka_unit_test(test_reject_invalid),
		cmocka_unit_test(test_bad_config_and_send_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

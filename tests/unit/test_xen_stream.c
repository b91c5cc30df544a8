/* Unit tests: Xen's migration stream parser and PAGE_DATA writer
 * (hv/xen_stream), on streams built here the way xc_domain_save and libxl
 * write them. */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/xen_stream.h"

struct buf {
	uint8_t b[64 * 1024];
	size_t n;
};

static void put(struct buf *s, const void *p, size_t len)
{
	assert_true(s->n + len <= sizeof(s->b));
	if (len)      /* p may be NULL then (an empty record body) */
		memcpy(s->b + s->n, p, len);
	s->n += len;
}

static void put_be(struct buf *s, uint64_t v, int bytes)
{
	int i;

	for (i = bytes - 1; i >= 0; i--) {
		uint8_t c = (uint8_t)(v >> (8 * i));

		put(s, &c, 1);
	}
}

static void put_le(struct buf *s, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++) {
		uint8_t c = (uint8_t)(v >> (8 * i));

		put(s, &c, 1);
	}
}

static void record(struct buf *s, uint32_t type, const void *body, uint32_t len)
{
	static const uint8_t zero[8];

	put_le(s, type, 4);
	put_le(s, len, 4);
	put(s, body, len);
	put(s, zero, (8 - len % 8) % 8);
}

/* libxl header, LIBXC_CONTEXT, libxc image and domain headers. */
static void stream_head(struct buf *s, uint32_t libxc_version)
{
	uint8_t hdr[16];

	put(s, hdr, xs_write_libxl_header(hdr));
	put(s, hdr, xs_write_empty_record(hdr, XS_LIBXL_LIBXC_CONTEXT));
	put_be(s, XS_LIBXC_MARKER, 8);
	put_be(s, XS_LIBXC_ID, 4);
	put_be(s, libxc_version, 4);
	put_be(s, 0, 8);                 /* options, reserved */
	put_le(s, 2, 4);                 /* x86 HVM */
	put_le(s, 12, 2);                /* page shift */
	put_le(s, 0, 2);
	put_le(s, 4, 4);
	put_le(s, 17, 4);                /* Xen 4.17 */
}

/* A PAGE_DATA record of two data pages and a hole (XTAB). */
static void page_data(struct buf *s, uint64_t pfn)
{
	static uint8_t pages[2][XS_PAGE_SIZE];
	const uint8_t *ptrs[3] = { pages[0], NULL, pages[1] };
	uint64_t words[3] = { pfn, (pfn + 1) | (0xfull << 60), pfn + 2 };
	uint8_t rec[3 * 8 + 16 + 2 * XS_PAGE_SIZE];

	memset(pages[0], 0xa5, XS_PAGE_SIZE);
	memset(pages[1], 0x5a, XS_PAGE_SIZE);
	assert_int_equal(xs_page_data_record_bytes(words, 3), sizeof(rec));
	put(s, rec, xs_page_data_write(rec, words, ptrs, 3));
}

static void stream_tail(struct buf *s)
{
	static const uint8_t ctx[20] = { 1, 2, 3 };

	record(s, 9, ctx, sizeof(ctx));   /* HVM_CONTEXT, padded */
	record(s, XS_REC_END, NULL, 0);
	record(s, XS_LIBXL_END, NULL, 0);
}

/* Parse all of s, feeding it `step` bytes more at a time; count units.
 * Returns 0 when the stream ended cleanly, -1 on a parse error. */
static int parse_all(const struct buf *s, size_t step, unsigned *pages, unsigned *units,
		     char *why)
{
	struct xs_parser p;
	size_t off = 0, avail = 0;

	xs_parser_init(&p);
	*pages = *units = 0;
	while (p.state != XS_DONE) {
		struct xs_unit u;
		long n;

		n = xs_parse_unit(&p, s->b + off, avail, &u);
		if (n < 0) {
			strcpy(why, p.why);
			return -1;
		}
		if (n == 0) {
			if (off + avail == s->n)
				return strcpy(why, "truncated"), -1;
			avail += step;
			if (off + avail > s->n)
				avail = s->n - off;
			continue;
		}
		assert_int_equal(n % 8, 0);
		(*units)++;
		if (u.kind == XS_U_LIBXC_REC && u.type == XS_REC_PAGE_DATA) {
			struct xs_page_data pd;

			if (xs_page_data_parse(u.body, u.body_len, 1 << 20, &pd, why, 128))
				return -1;
			*pages += pd.count;
		}
		off += (size_t)n;
		avail -= (size_t)n;
	}
	if (off < s->n) {
		struct xs_unit u;

		/* The reader hands the parser what comes after the end too. */
		if (xs_parse_unit(&p, s->b + off, s->n - off, &u) < 0)
			return strcpy(why, p.why), -1;
		return strcpy(why, "bytes left, not refused"), -1;
	}
	return 0;
}

static void test_whole_stream(void **state)
{
	static struct buf s;
	unsigned pages, units, version;
	size_t steps[] = { 1, 7, 4096, sizeof(s.b) };
	char why[160];
	size_t i;

	for (version = 2; version <= 3; version++) {
		s.n = 0;
		stream_head(&s, version);
		page_data(&s, 100);
		page_data(&s, 200);
		stream_tail(&s);
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			if (parse_all(&s, steps[i], &pages, &units, why))
				fail_msg("v%u step %zu: %s", version, steps[i], why);
			/* hdr, LIBXC_CONTEXT, ihdr, dhdr, 2 PAGE_DATA, HVM_CONTEXT,
			 * libxc END, libxl END */
			assert_int_equal(units, 9);
			assert_int_equal(pages, 6);
		}
	}
}

static void expect_refused(const struct buf *s, const char *word)
{
	unsigned pages, units;
	char why[160] = "";

	if (parse_all(s, 1 << 16, &pages, &units, why) == 0)
		fail_msg("accepted a stream that should fail with '%s'", word);
	if (!strstr(why, word))
		fail_msg("reason '%s' lacks '%s'", why, word);
}

static void test_bad_streams(void **state)
{
	static struct buf s;
	uint8_t body[16 + 8];

	/* Wrong ident. */
	s.n = 0;
	put_be(&s, 0x1234, 8);
	put_be(&s, 2, 4);
	put_be(&s, 0, 4);
	expect_refused(&s, "not a libxl");

	/* A record claiming more than the limit. */
	s.n = 0;
	stream_head(&s, 3);
	put_le(&s, XS_REC_PAGE_DATA, 4);
	put_le(&s, XS_REC_MAX_BODY + 1, 4);
	expect_refused(&s, "limit");

	/* An unknown mandatory record type. */
	s.n = 0;
	stream_head(&s, 3);
	record(&s, 77, NULL, 0);
	expect_refused(&s, "unknown libxc record");

	/* PAGE_DATA whose length does not match its pfns. */
	s.n = 0;
	stream_head(&s, 3);
	memset(body, 0, sizeof(body));
	body[0] = 2;                       /* count 2, no data */
	record(&s, XS_REC_PAGE_DATA, body, sizeof(body));
	stream_tail(&s);
	expect_refused(&s, "2 pages of data");

	/* A pfn beyond the domain. */
	s.n = 0;
	stream_head(&s, 3);
	page_data(&s, (1 << 20) - 1);
	stream_tail(&s);
	expect_refused(&s, "outside the domain");

	/* Bytes after the libxl END record. */
	s.n = 0;
	stream_head(&s, 2);
	stream_tail(&s);
	put_le(&s, 0, 8);
	expect_refused(&s, "after the end");

	/* Libxc stream version 4. */
	s.n = 0;
	stream_head(&s, 4);
	expect_refused(&s, "version 4");
}

static void test_types(void **state)
{
	unsigned t;

	for (t = 0; t < 16; t++) {
		int known = t <= 4 || t >= 9;

		assert_int_equal(!!xs_type_known(t), known);
		assert_int_equal(!!xs_type_has_data(t), known && t < 0xd);
	}
	assert_false(xs_type_known(16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_stream),
		cmocka_unit_test(test_bad_streams),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

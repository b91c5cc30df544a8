/* Xen's migration stream: split into units, check, rewrite (xen_stream.h). */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "hv/xen_stream.h"

#define PAD8(n) (((n) + 7u) & ~(size_t)7u)

/* Fields of the stream: the headers are big-endian, the rest little. */
static uint64_t get64(const uint8_t *p, int big)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return big ? be64toh(v) : le64toh(v);
}

static uint32_t get32(const uint8_t *p, int big)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return big ? be32toh(v) : le32toh(v);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

void xs_parser_init(struct xs_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = XS_AT_LIBXL_HDR;
}

static long fail(struct xs_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static long fail(struct xs_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	p->state = XS_FAILED;
	return -1;
}

/* A record header and its padded body, if all there. */
static long take_record(struct xs_parser *p, const uint8_t *buf, size_t avail,
			struct xs_unit *u, enum xs_unit_kind kind)
{
	uint32_t len;

	if (avail < XS_REC_HDR_BYTES)
		return 0;
	u->kind = kind;
	u->type = get32(buf, 0);
	len = get32(buf + 4, 0);
	if (len > XS_REC_MAX_BODY)
		return fail(p, "%s record type %#x claims %u bytes (limit %u)",
			    kind == XS_U_LIBXL_REC ? "libxl" : "libxc", u->type, len,
			    XS_REC_MAX_BODY);
	if (avail < XS_REC_HDR_BYTES + PAD8(len))
		return 0;
	u->body = buf + XS_REC_HDR_BYTES;
	u->body_len = len;
	return (long)(XS_REC_HDR_BYTES + PAD8(len));
}

static long libxl_record(struct xs_parser *p, const uint8_t *buf, size_t avail,
			 struct xs_unit *u)
{
	long n = take_record(p, buf, avail, u, XS_U_LIBXL_REC);

	if (n <= 0)
		return n;
	switch (u->type) {
	case XS_LIBXL_END:
		if (u->body_len)
			return fail(p, "libxl END record with a body");
		p->state = XS_DONE;
		break;
	case XS_LIBXL_LIBXC_CONTEXT:
		if (u->body_len)
			return fail(p, "libxl LIBXC_CONTEXT record with a body");
		p->state = XS_AT_LIBXC_IHDR;
		break;
	case XS_LIBXL_EMULATOR_XENSTORE_DATA:
	case XS_LIBXL_EMULATOR_CONTEXT:
		break;
	default:
		/* Checkpoint records belong to Remus/COLO streams, which
		 * dsmig neither writes nor carries. */
		return fail(p, "unexpected libxl record type %#x", u->type);
	}
	return n;
}

static long libxc_record(struct xs_parser *p, const uint8_t *buf, size_t avail,
			 struct xs_unit *u)
{
	long n = take_record(p, buf, avail, u, XS_U_LIBXC_REC);
	uint32_t type;

	if (n <= 0)
		return n;
	type = u->type & ~XS_REC_OPTIONAL;
	if (type > XS_REC_LAST_KNOWN && !(u->type & XS_REC_OPTIONAL))
		return fail(p, "unknown libxc record type %#x", u->type);
	if (u->type == XS_REC_END) {
		if (u->body_len)
			return fail(p, "libxc END record with a body");
		p->state = XS_AT_LIBXL_REC;
	}
	return n;
}

long xs_parse_unit(struct xs_parser *p, const uint8_t *buf, size_t avail,
		   struct xs_unit *u)
{
	memset(u, 0, sizeof(*u));
	switch (p->state) {
	case XS_AT_LIBXL_HDR:
		if (avail < XS_LIBXL_HDR_BYTES)
			return 0;
		if (get64(buf, 1) != XS_LIBXL_IDENT)
			return fail(p, "not a libxl migration stream (ident %#llx)",
				    (unsigned long long)get64(buf, 1));
		if (get32(buf + 8, 1) != XS_LIBXL_VERSION)
			return fail(p, "libxl stream version %u, expected %u",
				    get32(buf + 8, 1), XS_LIBXL_VERSION);
		if (get32(buf + 12, 1) & 1u)
			return fail(p, "big-endian libxl stream");
		u->kind = XS_U_LIBXL_HDR;
		p->state = XS_AT_LIBXL_REC;
		return XS_LIBXL_HDR_BYTES;
	case XS_AT_LIBXL_REC:
		return libxl_record(p, buf, avail, u);
	case XS_AT_LIBXC_IHDR:
		if (avail < XS_LIBXC_IHDR_BYTES)
			return 0;
		if (get64(buf, 1) != XS_LIBXC_MARKER || get32(buf + 8, 1) != XS_LIBXC_ID)
			return fail(p, "LIBXC_CONTEXT not followed by a libxc image header");
		if (get32(buf + 12, 1) < 2 || get32(buf + 12, 1) > 3)
			return fail(p, "libxc stream version %u (2 or 3 expected)",
				    get32(buf + 12, 1));
		if ((buf[16] << 8 | buf[17]) & 1u)
			return fail(p, "big-endian libxc stream");
		u->kind = XS_U_LIBXC_IHDR;
		p->state = XS_AT_LIBXC_DHDR;
		return XS_LIBXC_IHDR_BYTES;
	case XS_AT_LIBXC_DHDR:
		if (avail < XS_LIBXC_DHDR_BYTES)
			return 0;
		/* page_shift: 4 KiB pages only. */
		if ((buf[4] | buf[5] << 8) != 12)
			return fail(p, "libxc stream page shift %u, expected 12",
				    buf[4] | buf[5] << 8);
		u->kind = XS_U_LIBXC_DHDR;
		p->state = XS_AT_LIBXC_REC;
		return XS_LIBXC_DHDR_BYTES;
	case XS_AT_LIBXC_REC:
		return libxc_record(p, buf, avail, u);
	case XS_DONE:
		if (!avail)
			return 0;
		return fail(p, "data after the end of the stream");
	case XS_FAILED:
		break;
	}
	return -1;
}

int xs_type_known(unsigned type)
{
	return type < 16 && !(type >= 5 && type <= 8);
}

int xs_type_has_data(unsigned type)
{
	return xs_type_known(type) && type < 0xd;
}

uint64_t xs_page_data_word(const struct xs_page_data *pd, uint32_t i)
{
	return get64(pd->pfns + (size_t)i * 8, 0);
}

int xs_page_data_parse(const uint8_t *body, uint32_t len, uint64_t pfn_limit,
		       struct xs_page_data *pd, char *why, size_t why_len)
{
	uint64_t with_data = 0, word;
	uint32_t i;

	if (len < 8)
		return errbuf_set(why, why_len, "PAGE_DATA record of %u bytes", len);
	pd->count = get32(body, 0);
	if (pd->count == 0 || pd->count > XS_PAGE_DATA_MAX_COUNT)
		return errbuf_set(why, why_len, "PAGE_DATA record with %u pfns (1..%u)",
				  pd->count, XS_PAGE_DATA_MAX_COUNT);
	if (len < 8 + (uint64_t)pd->count * 8)
		return errbuf_set(why, why_len, "PAGE_DATA record too short for %u pfns",
				  pd->count);
	pd->pfns = body + 8;
	pd->data = pd->pfns + (size_t)pd->count * 8;
	for (i = 0; i < pd->count; i++) {
		word = xs_page_data_word(pd, i);
		if (!xs_type_known((unsigned)(word >> XS_PFN_TYPE_SHIFT)))
			return errbuf_set(why, why_len, "PAGE_DATA: pfn %#llx has type %u",
					  (unsigned long long)(word & XS_PFN_MASK),
					  (unsigned)(word >> XS_PFN_TYPE_SHIFT));
		if ((word & ~(XS_PFN_MASK | (0xfull << XS_PFN_TYPE_SHIFT))) ||
		    (word & XS_PFN_MASK) >= pfn_limit)
			return errbuf_set(why, why_len,
					  "PAGE_DATA: pfn word %#llx outside the domain (limit %#llx)",
					  (unsigned long long)word,
					  (unsigned long long)pfn_limit);
		with_data += xs_type_has_data((unsigned)(word >> XS_PFN_TYPE_SHIFT));
	}
	if ((uint64_t)len != 8 + (uint64_t)pd->count * 8 + with_data * XS_PAGE_SIZE)
		return errbuf_set(why, why_len,
				  "PAGE_DATA: %u bytes for %u pfns with %llu pages of data",
				  len, pd->count, (unsigned long long)with_data);
	return 0;
}

size_t xs_page_data_record_bytes(const uint64_t *words, uint32_t n)
{
	size_t bytes = XS_REC_HDR_BYTES + 8 + (size_t)n * 8;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (xs_type_has_data((unsigned)(words[i] >> XS_PFN_TYPE_SHIFT)))
			bytes += XS_PAGE_SIZE;
	return bytes;
}

size_t xs_page_data_write(uint8_t *out, const uint64_t *words,
			  const uint8_t *const *pages, uint32_t n)
{
	size_t total = xs_page_data_record_bytes(words, n);
	uint8_t *data = out + XS_REC_HDR_BYTES + 8 + (size_t)n * 8;
	uint32_t i;

	put_le32(out, XS_REC_PAGE_DATA);
	put_le32(out + 4, (uint32_t)(total - XS_REC_HDR_BYTES));
	put_le32(out + 8, n);
	put_le32(out + 12, 0);
	for (i = 0; i < n; i++) {
		put_le64(out + 16 + (size_t)i * 8, words[i]);
		if (xs_type_has_data((unsigned)(words[i] >> XS_PFN_TYPE_SHIFT))) {
			memcpy(data, pages[i], XS_PAGE_SIZE);
			data += XS_PAGE_SIZE;
		}
	}
	return total;    /* a multiple of 8: no padding */
}

size_t xs_write_libxl_header(uint8_t *out)
{
	uint64_t ident = htobe64(XS_LIBXL_IDENT);
	uint32_t version = htobe32(XS_LIBXL_VERSION), options = 0;

	memcpy(out, &ident, 8);
	memcpy(out + 8, &version, 4);
	memcpy(out + 12, &options, 4);
	return XS_LIBXL_HDR_BYTES;
}

size_t xs_write_empty_record(uint8_t *out, uint32_t type)
{
	put_le32(out, type);
	put_le32(out + 4, 0);
	return XS_REC_HDR_BYTES;
}

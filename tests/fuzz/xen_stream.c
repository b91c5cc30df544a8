/*
 * Fuzzing the Xen migration-stream parser (src/hv/xen_stream.c): the
 * bytes are a stream as the engine receives it from libxenguest or from
 * the other host. They are cut into units as the engine does, each
 * PAGE_DATA record's body is checked and its pfn words read; the first
 * byte says how many bytes arrive at a time, so that units split across
 * reads are taken too.
 */
#include "fuzz.h"
#include "hv/xen_stream.h"

/* The pfn limit of a 1 GiB guest. */
#define PFN_LIMIT ((1ull << 30) / XS_PAGE_SIZE)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void page_data(const struct xs_unit *u)
{
	struct xs_page_data pd;
	char why[160];
	uint32_t i;

	if (xs_page_data_parse(u->body, u->body_len, PFN_LIMIT, &pd, why, sizeof(why)))
		return;
	for (i = 0; i < pd.count; i++)
		if ((xs_page_data_word(&pd, i) & XS_PFN_MASK) >= PFN_LIMIT)
			abort();    /* the check let an out-of-range pfn through */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_parser p;
	struct xs_unit u;
	size_t off = 0, avail, step;
	long n;

	if (!size)
		return 0;
	step = data[0] ? data[0] * 8u : size;
	data++;
	size--;
	xs_parser_init(&p);
	avail = step < size ? step : size;
	while (off < size) {
		n = xs_parse_unit(&p, data + off, avail - off, &u);
		if (n < 0)
			break;
		if (n == 0) {
			if (avail == size)
				break;      /* the stream ends inside a unit */
			avail = avail + step < size ? avail + step : size;
			continue;
		}
		if ((size_t)n > avail - off || n % 8)
			abort();    /* a unit longer than what was given */
		if (u.kind == XS_U_LIBXC_REC && u.type == XS_REC_PAGE_DATA)
			page_data(&u);
		off += (size_t)n;
		if (avail < off)
			avail = off;
	}
	return 0;
}

/*
 * Fuzzing the DSM's page messages (src/dsm/batch.c, src/dsm/pagecodec.c):
 * bytes as the destination receives them. The first byte chooses what
 * they are: one page record (its kind in the second byte, then the
 * payload) decoded onto a page, or a whole TAG_PAGES batch unpacked and
 * installed onto a small guest's pages, as the destination does; bit 7
 * allows delta records.
 */
#include <string.h>

#include "dsm/batch.h"
#include "dsm/pagecodec.h"
#include "fuzz.h"

#define NPAGES 64

static uint8_t pages[NPAGES][STREAM_PAGE_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static int install(void *arg, const struct page_rec *rec, const uint8_t *payload)
{
	if (rec->pfn >= NPAGES)
		abort();    /* batch_unpack let an out-of-range pfn through */
	/* Checked, so decoding must succeed. */
	if (pagecodec_decode(rec->kind, payload, rec->len, pages[rec->pfn]))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_rules rules = {
		.round = 0, .max = STREAM_MAX_BATCH_PAGES, .npages = NPAGES,
	};
	uint8_t *msg;

	if (size < 2)
		return 0;
	if (!(data[0] & 1)) {
		(void)pagecodec_decode(data[1], data + 2, (uint32_t)(size - 2), pages[0]);
		return 0;
	}
	rules.allow_delta = !!(data[0] & 0x80);
	/* Received messages sit in an aligned buffer. */
	msg = malloc(size - 1);
	if (!msg)
		fuzz_die("malloc");
	memcpy(msg, data + 1, size - 1);
	(void)batch_unpack(msg, size - 1, &rules, install, NULL);
	free(msg);
	return 0;
}

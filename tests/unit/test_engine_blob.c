/* Unit tests: packed blobs (the state, the missing-page bitmap). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/blob.h"
#include "engine/stream.h"
#include "random_page.h"

/* The state blob: compressed only when asked and smaller; what comes out
 * is what went in; a bad header or body is refused. */
static void test_state_blob(void **state)
{
	static uint8_t blob[20000], noise[STREAM_PAGE_SIZE];
	void *blob_out = NULL;
	uint8_t *msg;
	size_t len;
	long n;

	memset(blob, 0, sizeof(blob));
	memcpy(blob + 100, "the console ring", 16);
	fill_random(noise, 7);

	msg = blob_pack(1, blob, sizeof(blob), &len);
	assert_non_null(msg);
	assert_true(len < sizeof(blob) / 10);
	n = blob_unpack(msg, len, &blob_out);
	assert_int_equal(n, sizeof(blob));
	assert_memory_equal(blob_out, blob, sizeof(blob));
	free(blob_out);
	/* Corrupt the compressed body: refused, not garbage. */
	msg[len - 1] ^= 0xff;
	msg[len - 2] ^= 0xff;
	assert_int_equal(blob_unpack(msg, len, &blob_out), -1);
	assert_int_equal(blob_unpack(msg, 8, &blob_out), -1);
	free(msg);

	msg = blob_pack(0, blob, sizeof(blob), &len);
	assert_int_equal(len, sizeof(struct blob_hdr) + sizeof(blob));
	free(msg);
	/* Incompressible data travels raw even when compression is on. */
	msg = blob_pack(1, noise, sizeof(noise), &len);
	assert_int_equal(len, sizeof(struct blob_hdr) + sizeof(noise));
	assert_int_equal(blob_unpack(msg, len - 1, &blob_out), -1);
	n = blob_unpack(msg, len, &blob_out);
	assert_int_equal(n, sizeof(noise));
	assert_memory_equal(blob_out, noise, sizeof(noise));
	free(blob_out);
	((struct blob_hdr *)msg)->raw_len = BLOB_MAX_BYTES + 1;
	assert_int_equal(blob_unpack(msg, len, &blob_out), -1);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_blob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

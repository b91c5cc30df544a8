/*
 * Unit tests: the per-migration key (common/keyfile.c makes it,
 * engine/stream_auth.c loads it and tags messages): a tagged batch or blob
 * opens only with the same key and unaltered; key files that anyone else
 * could read, or that hold anything but a key, are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/keyfile.h"
#include "engine/blob.h"
#include "engine/stream_auth.h"

static char dir[] = "/tmp/dsmig-auth-XXXXXX";
static char why[256];

static const char *path_in(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Must run first: before any key is loaded, messages are untagged. */
static void test_no_key_no_tag(void **state)
{
	uint8_t msg[64] = "page batch";

	assert_false(stream_auth_on());
	assert_int_equal(stream_auth_seal(msg, 10), 10);
	assert_int_equal(stream_auth_open(msg, 10), 10);
}

static void test_key_file_made_private(void **state)
{
	const char *p = path_in("k1");
	struct stat st;

	assert_int_equal(keyfile_make(p), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 2 * KEYFILE_KEY_BYTES + 1);
	assert_int_equal(keyfile_make(p), -EEXIST);   /* never overwritten */
	assert_int_equal(stream_auth_load(p, 0, why, sizeof(why)), 0);
	assert_true(stream_auth_on());
}

static void test_bad_key_files_refused(void **state)
{
	const char *p = path_in("bad");
	char hex[80];

	memset(hex, 'a', 64);
	strcpy(hex + 64, "\n");
	write_file(p, hex, 0644);
	assert_int_equal(stream_auth_load(p, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "0600"));
	write_file(p, "not a key\n", 0600);
	assert_int_equal(stream_auth_load(p, 0, why, sizeof(why)), -1);
	strcpy(hex + 64, "ff\n");                 /* too long */
	write_file(p, hex, 0600);
	assert_int_equal(stream_auth_load(p, 0, why, sizeof(why)), -1);
	hex[63] = 'g';                             /* not hex */
	hex[64] = '\n';
	hex[65] = '\0';
	write_file(p, hex, 0600);
	assert_int_equal(stream_auth_load(p, 0, why, sizeof(why)), -1);
	assert_int_equal(symlink(path_in("k1"), path_in("link")), 0);
	assert_int_equal(stream_auth_load(path_in("link"), 0, why, sizeof(why)), -1);
	assert_int_equal(stream_auth_load(path_in("none"), 0, why, sizeof(why)), -1);
}

static void test_tag_catches_changes(void **state)
{
	uint8_t msg[100 + STREAM_AUTH_TAG_BYTES];
	size_t len;
	int i;

	for (i = 0; i < 100; i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(stream_auth_load(path_in("k1"), 0, why, sizeof(why)), 0);
	len = stream_auth_seal(msg, 100);
	assert_int_equal(len, 100 + STREAM_AUTH_TAG_BYTES);
	assert_int_equal(stream_auth_open(msg, len), 100);
	msg[37] ^= 1;                              /* a flipped bit in the data */
	assert_int_equal(stream_auth_open(msg, len), -1);
	msg[37] ^= 1;
	msg[len - 1] ^= 0x80;                      /* ... or in the tag */
	assert_int_equal(stream_auth_open(msg, len), -1);
	msg[len - 1] ^= 0x80;
	msg[100] ^= 2;                             /* ... or in the nonce */
	assert_int_equal(stream_auth_open(msg, len), -1);
	msg[100] ^= 2;
	assert_int_equal(stream_auth_open(msg, len - 1), -1);   /* cut short */
	assert_int_equal(stream_auth_open(msg, 3), -1);
	/* Another migration's key does not open it. */
	assert_int_equal(keyfile_make(path_in("k2")), 0);
	assert_int_equal(stream_auth_load(path_in("k2"), 0, why, sizeof(why)), 0);
	assert_int_equal(stream_auth_open(msg, len), -1);
}

/* Two seals of the same message carry different nonces, whoever seals:
 * a rank's count and the rank itself both go into it, and the receiver,
 * another rank, opens each. */
static void test_nonce_never_repeats(void **state)
{
	uint8_t a[8 + STREAM_AUTH_TAG_BYTES] = "batch", b[sizeof(a)] = "batch", c[sizeof(a)];

	assert_int_equal(stream_auth_load(path_in("k1"), 3, why, sizeof(why)), 0);
	assert_int_equal(stream_auth_seal(a, 8), 8 + STREAM_AUTH_TAG_BYTES);
	assert_int_equal(stream_auth_seal(b, 8), 8 + STREAM_AUTH_TAG_BYTES);
	assert_memory_not_equal(a + 8, b + 8, STREAM_AUTH_NONCE_BYTES);
	assert_int_equal(stream_auth_load(path_in("k1"), 4, why, sizeof(why)), 0);
	memcpy(c, a, 8);
	stream_auth_seal(c, 8);
	assert_memory_not_equal(a + 8, c + 8, 4);  /* another sender */
	assert_int_equal(stream_auth_open(a, sizeof(a)), 8);
	assert_int_equal(stream_auth_open(b, sizeof(b)), 8);
	assert_int_equal(stream_auth_open(c, sizeof(c)), 8);
}

/* The key in the environment's form (ranks on ssh hosts): the same 64
 * hex digits as the file; what one sealed the other opens. */
static void test_key_as_hex(void **state)
{
	uint8_t msg[10 + STREAM_AUTH_TAG_BYTES] = { 1, 2, 3 };
	char hex[KEYFILE_HEX_LEN + 1], text[KEYFILE_HEX_LEN + 2];
	size_t len;

	assert_int_equal(keyfile_hex(hex), 0);
	assert_int_equal(strlen(hex), KEYFILE_HEX_LEN);
	assert_int_equal(stream_auth_load_hex(hex, 0, why, sizeof(why)), 0);
	len = stream_auth_seal(msg, 10);
	snprintf(text, sizeof(text), "%s\n", hex);
	write_file(path_in("hex"), text, 0600);
	assert_int_equal(stream_auth_load(path_in("hex"), 0, why, sizeof(why)), 0);
	assert_int_equal(stream_auth_open(msg, len), 10);
	hex[5] = 'z';                              /* not hex */
	assert_int_equal(stream_auth_load_hex(hex, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, KEYFILE_ENV));
	assert_int_equal(stream_auth_open(msg, len), 10);   /* the key unchanged */
	hex[5] = 'a';
	hex[63] = '\0';                            /* short */
	assert_int_equal(stream_auth_load_hex(hex, 0, why, sizeof(why)), -1);
	assert_int_equal(stream_auth_load_hex("", 0, why, sizeof(why)), -1);
}

static void test_blob_tagged(void **state)
{
	char state_blob[3000];
	size_t len;
	uint8_t *msg;
	void *out = NULL;

	memset(state_blob, 'v', sizeof(state_blob));
	assert_int_equal(stream_auth_load(path_in("k1"), 0, why, sizeof(why)), 0);
	msg = blob_pack(1, state_blob, sizeof(state_blob), &len);
	assert_non_null(msg);
	assert_int_equal(blob_unpack(msg, len, &out), (long)sizeof(state_blob));
	assert_memory_equal(out, state_blob, sizeof(state_blob));
	free(out);
	msg[len / 2] ^= 4;
	assert_int_equal(blob_unpack(msg, len, &out), -1);
	free(msg);
}

static int cleanup(void **state)
{
	const char *names[] = { "k1", "k2", "bad", "link", "hex" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_in(names[i]));
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_key_no_tag),
		cmocka_unit_test(test_key_file_made_private),
		cmocka_unit_test(test_bad_key_files_refused),
		cmocka_unit_test(test_tag_catches_changes),
		cmocka_unit_test(test_nonce_never_repeats),
		cmocka_unit_test(test_key_as_hex),
		cmocka_unit_test(test_blob_tagged),
	};

	if (!mkdtemp(dir))
		return 1;
	return cmocka_run_group_tests(tests, NULL, cleanup);
}

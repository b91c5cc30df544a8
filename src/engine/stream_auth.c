/* The per-migration key and its tags (see stream_auth.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/keyfile.h"
#include "engine/stream_auth.h"

_Static_assert(STREAM_AUTH_KEY_BYTES == KEYFILE_KEY_BYTES, "one key size");

static unsigned char key[STREAM_AUTH_KEY_BYTES];
static int have_key;
/* The nonce's two parts: who seals (a rank, unique within the migration,
 * as the key is unique to it) and how many messages it sealed before. */
static uint32_t sender_id;
static _Atomic uint64_t sealed;

_Static_assert(STREAM_AUTH_NONCE_BYTES == crypto_aead_chacha20poly1305_ietf_NPUBBYTES &&
	       STREAM_AUTH_MAC_BYTES == crypto_aead_chacha20poly1305_ietf_ABYTES &&
	       STREAM_AUTH_KEY_BYTES == crypto_aead_chacha20poly1305_ietf_KEYBYTES,
	       "the trailer is ChaCha20-Poly1305's nonce and tag");

int stream_auth_load(const char *path, uint32_t sender, char *why, size_t len)
{
	char text[2 * STREAM_AUTH_KEY_BYTES + 2];
	size_t bin_len = 0;
	struct stat st;
	ssize_t n;
	int fd;

	if (sodium_init() < 0)
		return errbuf_set(why, len, "libsodium failed to start");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errbuf_set(why, len, "key file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(fd);
		return errbuf_set(why, len,
				  "key file %s must be a regular file of this user's, mode 0600",
				  path);
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	/* 64 hex digits, and a newline or nothing after them. */
	if (!(n == 2 * STREAM_AUTH_KEY_BYTES ||
	      (n == 2 * STREAM_AUTH_KEY_BYTES + 1 && text[n - 1] == '\n')) ||
	    sodium_hex2bin(key, sizeof(key), text, 2 * STREAM_AUTH_KEY_BYTES, NULL,
			   &bin_len, NULL) != 0 || bin_len != sizeof(key)) {
		sodium_memzero(text, sizeof(text));
		return errbuf_set(why, len, "key file %s does not hold a %d-byte key in hex",
				  path, STREAM_AUTH_KEY_BYTES);
	}
	sodium_memzero(text, sizeof(text));
	sender_id = sender;
	have_key = 1;
	return 0;
}

int stream_auth_load_hex(const char *hex, uint32_t sender, char *why, size_t len)
{
	unsigned char bin[STREAM_AUTH_KEY_BYTES];
	size_t bin_len = 0;

	if (sodium_init() < 0)
		return errbuf_set(why, len, "libsodium failed to start");
	/* Decoded aside: a bad value leaves the key as it was. */
	if (strlen(hex) != 2 * STREAM_AUTH_KEY_BYTES ||
	    sodium_hex2bin(bin, sizeof(bin), hex, 2 * STREAM_AUTH_KEY_BYTES, NULL,
			   &bin_len, NULL) != 0 || bin_len != sizeof(bin)) {
		sodium_memzero(bin, sizeof(bin));
		return errbuf_set(why, len, KEYFILE_ENV " does not hold a %d-byte key in hex",
				  STREAM_AUTH_KEY_BYTES);
	}
	memcpy(key, bin, sizeof(key));
	sodium_memzero(bin, sizeof(bin));
	sender_id = sender;
	have_key = 1;
	return 0;
}

int stream_auth_on(void)
{
	return have_key;
}

size_t stream_auth_seal(void *msg, size_t len)
{
	unsigned char *nonce = (unsigned char *)msg + len, none[1] = { 0 };
	uint64_t n;

	if (!have_key)
		return len;
	/* Sender, then count (in the sender's byte order; the receiver only
	 * reads them back): never the same nonce twice under one key. */
	n = atomic_fetch_add(&sealed, 1);
	memcpy(nonce, &sender_id, sizeof(sender_id));
	memcpy(nonce + sizeof(sender_id), &n, sizeof(n));
	/* The message is the AEAD's additional data; nothing is encrypted. */
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(none, nonce + STREAM_AUTH_NONCE_BYTES,
							   NULL, none, 0, msg, len, NULL,
							   nonce, key);
	return len + STREAM_AUTH_TAG_BYTES;
}

long stream_auth_open(const void *msg, size_t len)
{
	const unsigned char *nonce;
	unsigned char none[1] = { 0 };

	if (!have_key)
		return (long)len;
	if (len < STREAM_AUTH_TAG_BYTES)
		return -1;
	len -= STREAM_AUTH_TAG_BYTES;
	nonce = (const unsigned char *)msg + len;
	/* Verified in constant time: a forger learns nothing from how fast
	 * it failed. */
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
		       none, NULL, none, 0, nonce + STREAM_AUTH_NONCE_BYTES, msg, len, nonce,
		       key) == 0 ? (long)len : -1;
}

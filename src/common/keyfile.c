/* A migration's key file (see keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/keyfile.h"

int keyfile_hex(char hex[KEYFILE_HEX_LEN + 1])
{
	unsigned char raw[KEYFILE_KEY_BYTES];
	size_t got = 0, i;
	ssize_t n;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno != EINTR) {
			explicit_bzero(raw, sizeof(raw));
			return -errno;
		}
		if (n > 0)
			got += (size_t)n;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int keyfile_make(const char *path)
{
	char text[KEYFILE_HEX_LEN + 2];
	int fd, rc = keyfile_hex(text);

	if (rc)
		return rc;
	text[KEYFILE_HEX_LEN] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
	} else {
		if (write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1)
			rc = -EIO;
		if (close(fd) < 0 && !rc)
			rc = -errno;
		if (rc)
			unlink(path);
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

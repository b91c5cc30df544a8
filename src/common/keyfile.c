/* A migration's key file (see keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/keyfile.h"

int keyfile_make(const char *path)
{
	unsigned char raw[KEYFILE_KEY_BYTES];
	char text[2 * KEYFILE_KEY_BYTES + 2];
	size_t got = 0, i;
	ssize_t n;
	int fd, rc = 0;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(text + 2 * i, 3, "%02x", raw[i]);
	text[2 * KEYFILE_KEY_BYTES] = '\n';
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
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(text, sizeof(text));
	return rc;
}

/*
 * Runtime directory and control-socket paths (see rundir.h). The directory
 * is chosen from the environment and the effective uid, then created one
 * component at a time with mode 0700. The /tmp fallback is shared with
 * other users, so there the directory must be a real directory we own.
 */
#include "common/rundir.h"
#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	struct stat st;
	size_t n = strlen(path);
	char *p;

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);

	for (p = tmp + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (*p == '\0')
			break;
	}

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

int dsmig_runtime_dir(char *buf, size_t len)
{
	const char *env = getenv("DSMIG_RUNTIME_DIR");
	bool shared_tmp = false;
	struct stat st;
	int n, rc;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/dsmig");
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, len, "%s/dsmig", env);
	else {
		n = snprintf(buf, len, "/tmp/dsmig-%u", (unsigned)geteuid());
		shared_tmp = true;
	}
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;

	/* Drop trailing slashes so that "<dir>/<name>.sock" looks tidy. */
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';

	rc = mkdir_p(buf);
	if (rc < 0)
		return rc;

	if (shared_tmp) {
		if (lstat(buf, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & 0077))
			return -EPERM;
	}
	return 0;
}

int dsmig_runtime_dir_same(const char *a, const char *b, char *why, size_t len)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0)
		return errbuf_set(why, len, "cannot look at %s: %s", a, strerror(errno));
	if (stat(b, &sb) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return errbuf_set(why, len, "cannot look at %s: %s", b, strerror(errno));
	}
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool dsmig_vm_name_valid(const char *name)
{
	size_t i;

	if (name[0] == '\0' || name[0] == '.')
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= DSMIG_VM_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

int dsmig_socket_path(char *buf, size_t len, const char *dir, const char *vm_name)
{
	int n;

	if (!dsmig_vm_name_valid(vm_name))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.sock", dir, vm_name);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int dsmig_socket_vm_name(const char *file, char *buf, size_t len)
{
	size_t n = strlen(file);

	if (n <= 5 || strcmp(file + n - 5, ".sock") || n - 5 >= len)
		return -1;
	memcpy(buf, file, n - 5);
	buf[n - 5] = '\0';
	return dsmig_vm_name_valid(buf) ? 0 : -1;
}

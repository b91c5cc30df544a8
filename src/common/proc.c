/* Starting helper programs with their output in files, and making sure
 * tagged ones are gone (see proc.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"

static void redirect(const char *path, int target)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd >= 0)
		dup2(fd, target);
}

pid_t proc_spawn(const char *const argv[], const char *out, const char *err,
		 int new_group)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	if (new_group)
		setpgid(0, 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	redirect(out, STDOUT_FILENO);
	/* One file for both: share the descriptor, or the two would
	 * overwrite each other's output. */
	if (!strcmp(out, err))
		dup2(STDOUT_FILENO, STDERR_FILENO);
	else
		redirect(err, STDERR_FILENO);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int proc_run(const char *const argv[], char *out, size_t outlen)
{
	char buf[4096];
	size_t len = 0;
	int pfd[2], status, fd;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		n = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return (int)n;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (outlen && len < outlen - 1) {
			size_t k = (size_t)n < outlen - 1 - len ? (size_t)n : outlen - 1 - len;

			memcpy(out + len, buf, k);
			len += k;
		}
	}
	close(pfd[0]);
	if (outlen)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Does process pid's environment hold entry? */
static int proc_has_entry(pid_t pid, const char *entry)
{
	char path[64], buf[65536];
	size_t len = strlen(entry), off;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (off = 0; off < (size_t)n; off += strlen(buf + off) + 1)
		if (!strncmp(buf + off, entry, len) && buf[off + len] == '\0')
			return 1;
	return 0;
}

/* Signal (sig 0: count) every process holding entry; how many there are. */
static int proc_signal_tagged(const char *entry, int sig)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int found = 0;
	pid_t pid;

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		pid = (pid_t)strtol(d->d_name, NULL, 10);
		if (pid <= 1 || pid == getpid() || !proc_has_entry(pid, entry))
			continue;
		found++;
		if (sig)
			kill(pid, sig);
	}
	closedir(dir);
	return found;
}

int proc_kill_tagged(const char *entry, unsigned timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000000L };
	unsigned waited = 0;
	int left = proc_signal_tagged(entry, SIGKILL);

	while (left > 0 && waited < timeout_ms) {
		nanosleep(&nap, NULL);
		waited += 20;
		left = proc_signal_tagged(entry, 0);
	}
	return left;
}

int proc_wait(pid_t pid, unsigned ms)
{
	uint64_t end = time_mono_ns() + (uint64_t)ms * 1000000u;
	struct timespec tick = { 0, 5 * 1000000 };
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (time_mono_ns() >= end)
			break;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

int proc_self_exe(char *buf, size_t len)
{
	ssize_t n = len ? readlink("/proc/self/exe", buf, len - 1) : -1;

	if (n <= 0 || (size_t)n >= len - 1) {
		if (len)
			buf[0] = '\0';
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

void proc_sibling(char *buf, size_t len, const char *name, const char *env)
{
	const char *over = env ? getenv(env) : NULL;
	char self[PATH_MAX], *slash;

	if (over && *over) {
		snprintf(buf, len, "%s", over);
		return;
	}
	proc_self_exe(self, sizeof(self));
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/%s", slash ? self : ".", name);
}

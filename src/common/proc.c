/* Starting helper programs with their output in files (see proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

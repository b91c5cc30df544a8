/*
 * Shared by the libFuzzer harnesses of tests/fuzz/ (docs/fuzzing.md): the
 * entry points' prototypes, an in-memory file for readers that take a
 * path, and a way to silence readers that print what they read.
 */
#ifndef DSMIG_TESTS_FUZZ_H
#define DSMIG_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the harness: a broken set-up must not pass for a clean run. */
static inline void fuzz_die(const char *what)
{
	perror(what);
	abort();
}

/* data[0, size) as a file: a memfd (one per process, rewritten on each
 * call) named by its /proc/self/fd path, which fopen() opens afresh at
 * offset 0. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0)
			fuzz_die("memfd_create");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fuzz_die("fuzz input file");
	return path;
}

/* Send stdout to /dev/null (libFuzzer reports on stderr). */
static inline void fuzz_quiet_stdout(void)
{
	if (!freopen("/dev/null", "w", stdout))
		fuzz_die("/dev/null");
}

#endif /* DSMIG_TESTS_FUZZ_H */

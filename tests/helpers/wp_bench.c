/*
 * wp_bench: how long the ptrace accelerator's dirty harvest takes
 * (wp_dirty.h). A child maps SIZE MiB of a memfd (default 64) and
 * write-protects it as a vCPU stub does; the parent harvests its pagemap
 * with nothing written, with every 64th page written and with every page
 * written, three times each, and prints the times. docs/benchmarks.md.
 * Usage: wp_bench [SIZE-MiB]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/wp_dirty.h"

#define PAGE 4096ul

/* The child: write every STEP-th page on each command byte STEP/PAGE. */
static void child(int memfd, size_t size, int cmd, int ack)
{
	uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	uint64_t base = (uintptr_t)m;
	unsigned char every;
	int uffd;

	if (m == MAP_FAILED)
		_exit(2);
	memset(m, 1, size);
	uffd = wp_dirty_open();
	if (uffd < 0 || wp_dirty_protect(uffd, base, size, 0))
		_exit(3);
	if (write(ack, &base, sizeof(base)) != sizeof(base))
		_exit(4);
	while (read(cmd, &every, 1) == 1) {
		for (size_t off = 0; off < size; off += every * PAGE)
			m[off]++;
		if (write(ack, &every, 1) != 1)
			_exit(5);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	size_t size = (argc > 1 ? strtoul(argv[1], NULL, 10) : 64) << 20;
	static const unsigned char cases[] = { 0, 64, 1 };
	int memfd = memfd_create("wp-bench", MFD_CLOEXEC), to[2], from[2], pm, status;
	uint64_t base, *bm;
	char path[64];
	pid_t pid;
	unsigned r, c;

	log_init("wp_bench");
	bm = calloc(size / PAGE / 64 + 1, sizeof(*bm));
	if (!size || !bm || memfd < 0 || ftruncate(memfd, (off_t)size) < 0 ||
	    pipe(to) < 0 || pipe(from) < 0)
		log_fatal(1, "set-up failed");
	pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		child(memfd, size, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	if (read(from[0], &base, sizeof(base)) != sizeof(base))
		log_fatal(1, "the child could not write-protect its memory");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (pm < 0)
		log_fatal(1, "%s: %m", path);
	wp_dirty_scan(pm, base, base + size, 0, bm);   /* the memset's pages */
	for (r = 0; r < 3; r++) {
		for (c = 0; c < sizeof(cases); c++) {
			unsigned char every = cases[c];
			uint64_t t0;
			int64_t n;

			if (every && (write(to[1], &every, 1) != 1 ||
				      read(from[0], &every, 1) != 1))
				log_fatal(1, "the child died");
			t0 = time_mono_ns();
			n = wp_dirty_scan(pm, base, base + size, 0, bm);
			printf("%zu MiB, %s: %lld pages in %.3f ms\n", size >> 20,
			       !every ? "nothing written" : every == 1 ? "every page written" :
			       "every 64th page written", (long long)n,
			       (double)(time_mono_ns() - t0) / 1e6);
		}
	}
	close(to[1]);
	waitpid(pid, &status, 0);
	return 0;
}

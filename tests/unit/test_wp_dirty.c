/*
 * Unit tests: the ptrace accelerator's dirty log. A child process maps a
 * memfd as a vCPU stub does, registers it for asynchronous write-protect
 * and writes the pages it is told to; the parent harvests through the
 * child's /proc/PID/pagemap with PAGEMAP_SCAN and must get exactly those
 * pages, each once (the harvest protects them again), whether they were
 * populated in the child or not, and never the pages the child only read
 * or that the parent wrote through its own mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/bitmap.h"
#include "vmm/wp_dirty.h"

#define PAGES 64
#define PAGE  4096

struct child {
	pid_t pid;
	int cmd, ack, pagemap;
	uint64_t base;
	uint8_t *mine;            /* the parent's own mapping of the memfd */
};

/* A command: 'w' or 'r' and a page index; the child answers one byte. */
static void child_main(int memfd, int cmd, int ack)
{
	uint8_t *m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	uint64_t base = (uintptr_t)m;
	char op[2];
	int uffd;

	if (m == MAP_FAILED)
		_exit(2);
	m[5 * PAGE] = 1;      /* populated before protection: page 5 */
	uffd = wp_dirty_open();
	if (uffd < 0 || wp_dirty_protect(uffd, base, PAGES * PAGE, 0))
		_exit(3);
	if (write(ack, &base, sizeof(base)) != sizeof(base))
		_exit(4);
	while (read(cmd, op, 2) == 2) {
		volatile uint8_t *p = m + (size_t)(uint8_t)op[1] * PAGE;

		if (op[0] == 'w')
			*p += 1;
		else
			(void)*p;
		if (write(ack, op, 1) != 1)
			_exit(5);
	}
	_exit(0);
}

static struct child c;

static int setup(void **state)
{
	int memfd = memfd_create("wp-dirty-test", MFD_CLOEXEC), to[2], from[2];
	char path[64];

	if (memfd < 0 || ftruncate(memfd, PAGES * PAGE) < 0 ||
	    pipe(to) < 0 || pipe(from) < 0)
		return -1;
	c.pid = fork();
	if (c.pid == 0) {
		close(to[1]);
		close(from[0]);
		child_main(memfd, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	c.cmd = to[1];
	c.ack = from[0];
	if (read(c.ack, &c.base, sizeof(c.base)) != sizeof(c.base))
		return -1;      /* the child could not set up: no WP_ASYNC? */
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)c.pid);
	c.pagemap = open(path, O_RDONLY | O_CLOEXEC);
	c.mine = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	close(memfd);
	return c.pagemap < 0 || c.mine == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	int status;

	close(c.cmd);
	close(c.ack);
	close(c.pagemap);
	waitpid(c.pid, &status, 0);
	return 0;
}

static void child_do(char what, unsigned page)
{
	char op[2] = { what, (char)page }, a;

	assert_int_equal(write(c.cmd, op, 2), 2);
	assert_int_equal(read(c.ack, &a, 1), 1);
}

/* Harvest all of the child's range; the bitmap must be exactly want[]. */
static void expect_dirty(const unsigned *want, unsigned n)
{
	uint64_t bm[PAGES / 64] = { 0 }, expect[PAGES / 64] = { 0 };
	unsigned i;

	for (i = 0; i < n; i++)
		bitmap_set(expect, want[i]);
	assert_int_equal(wp_dirty_scan(c.pagemap, c.base, c.base + PAGES * PAGE, 0, bm), n);
	for (i = 0; i < PAGES / 64; i++)
		if (bm[i] != expect[i])
			fail_msg("word %u: 0x%llx, want 0x%llx", i, (unsigned long long)bm[i],
				 (unsigned long long)expect[i]);
}

static void test_exactly_the_written_pages(void **state)
{
	static const unsigned first[] = { 0, 3, 5, 7, 8, 63 };
	static const unsigned second[] = { 8 };

	expect_dirty(NULL, 0);                  /* nothing written yet */
	child_do('w', 3);
	child_do('w', 7);
	child_do('w', 8);
	child_do('w', 8);                       /* twice: one page */
	child_do('w', 0);
	child_do('w', 63);
	child_do('w', 5);                       /* populated before protection */
	child_do('r', 20);                      /* read only */
	c.mine[30 * PAGE] = 9;                  /* written by someone else */
	expect_dirty(first, 6);
	expect_dirty(NULL, 0);                  /* the harvest protected them again */
	child_do('w', 8);
	child_do('r', 3);
	expect_dirty(second, 1);
}

/* A sub-range harvest lands at first_bit and leaves the rest for later. */
static void test_sub_range(void **state)
{
	static const unsigned rest[] = { 2 };
	uint64_t bm[2] = { 0 };

	child_do('w', 2);
	child_do('w', 40);
	assert_int_equal(wp_dirty_scan(c.pagemap, c.base + 32 * PAGE, c.base + 48 * PAGE,
				       100, bm), 1);
	assert_true(bm[1] & (1ull << (100 + 8 - 64)));
	expect_dirty(rest, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exactly_the_written_pages),
		cmocka_unit_test(test_sub_range),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}

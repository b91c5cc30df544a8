/*
 * dsmig-vcpu: the process a vCPU of the ptrace accelerator runs in (see
 * vcpu_stub.h). A static PIE, so that it sits at a high random address and
 * leaves the guest's low addresses free. It maps guest RAM as told, sets
 * up write-protect dirty tracking, then makes any system call fatal and
 * stops on an int3; from then on only guest code runs in it, under the
 * VMM's ptrace. Errors before that go to stderr (the VMM's log) with exit
 * status 1.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/vcpu_stub.h"
#include "vmm/wp_dirty.h"
#include "vmm/x86_setup.h"

static void die(const char *what, int err)
{
	fprintf(stderr, VCPU_STUB_NAME ": %s: %s\n", what, strerror(err));
	exit(1);
}

static int fd_arg(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		die("bad descriptor argument", EINVAL);
	return (int)v;
}

static void read_all(int fd, void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, (char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("reading the map", n < 0 ? errno : EPIPE);
		off += (size_t)n;
	}
}

/* Every system call from here on kills the process: guest code may make
 * none. */
static void forbid_syscalls(void)
{
	struct sock_filter kill = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	struct sock_fprog prog = { .len = 1, .filter = &kill };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs", errno);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die("seccomp", errno);
}

int main(int argc, char **argv)
{
	struct vcpu_stub_hdr h;
	struct vcpu_stub_run *runs;
	int memfd, mapfd, uffd, rc;
	uint32_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: " VCPU_STUB_NAME " MEMFD MAPFD (started by dsmig-vmm)\n");
		return 2;
	}
	memfd = fd_arg(argv[1]);
	mapfd = fd_arg(argv[2]);
	read_all(mapfd, &h, sizeof(h));
	if (h.magic != VCPU_STUB_MAGIC || h.nr_runs > VCPU_STUB_MAX_RUNS)
		die("bad map header", EINVAL);
	runs = calloc(h.nr_runs ? h.nr_runs : 1, sizeof(*runs));
	if (!runs)
		die("map", ENOMEM);
	read_all(mapfd, runs, h.nr_runs * sizeof(*runs));
	uffd = wp_dirty_open();
	if (uffd < 0)
		die("userfaultfd (write-protect, async)", -uffd);
	for (i = 0; i < h.nr_runs; i++) {
		struct vcpu_stub_run *r = &runs[i];
		int prot = PROT_READ | PROT_EXEC |
			   (r->prot & X86_PAGE_WRITE ? PROT_WRITE : 0);
		void *p;

		if (r->gpa % 4096 || r->len % 4096 || !r->len || r->gpa > h.mem_size ||
		    r->len > h.mem_size - r->gpa)
			die("bad run in the map", EINVAL);
		p = mmap((void *)(uintptr_t)r->gpa, r->len, prot,
			 MAP_SHARED | MAP_FIXED_NOREPLACE, memfd, (off_t)r->gpa);
		if (p == MAP_FAILED)
			die("mapping guest RAM", errno);
		if (p != (void *)(uintptr_t)r->gpa)
			die("mapping guest RAM at its address", EEXIST);
		rc = 0;
		if (r->prot & X86_PAGE_WRITE)
			rc = wp_dirty_protect(uffd, r->gpa, r->len, h.flags & VCPU_STUB_POSTCOPY);
		else if (h.flags & VCPU_STUB_POSTCOPY)
			rc = wp_dirty_register_missing(uffd, r->gpa, r->len);
		if (rc)
			die("registering guest RAM with the userfaultfd", -rc);
	}
	free(runs);
	/* Keep only the userfaultfd, where the VMM looks for it: its
	 * registration is the dirty log (and post-copy's missing pages). */
	if ((uffd != VCPU_STUB_UFFD_FD && dup2(uffd, VCPU_STUB_UFFD_FD) < 0) ||
	    close_range(VCPU_STUB_UFFD_FD + 1, ~0u, 0) < 0)
		die("closing descriptors", errno);
	forbid_syscalls();
	__asm__ __volatile__("int3\n\tud2");
	return 1;
}

/*
 * What the ptrace accelerator (accel_ptrace.c) tells its vCPU stub,
 * dsmig-vcpu (vcpu_stub_main.c): run as `dsmig-vcpu MEMFD MAPFD`, the stub
 * reads from MAPFD one header and nr_runs runs, maps each run of guest RAM
 * (the memfd) at its guest-physical address with the protection the
 * guest's page tables give it, write-protects the writable ones for dirty
 * tracking (wp_dirty.h), forbids itself every system call (seccomp) and
 * stops on an int3 for the VMM, its tracer, to load the vCPU's registers.
 * The userfaultfd is then the stub's only descriptor beside stdio, at
 * VCPU_STUB_UFFD_FD, where the VMM takes a copy of it (pidfd_getfd). With
 * VCPU_STUB_POSTCOPY every run is also registered for missing pages, so
 * that the guest's first touch of a page not yet migrated blocks until the
 * VMM has it (pt_postcopy.h). Both ends are built from the same tree.
 */
#ifndef DSMIG_VMM_VCPU_STUB_H
#define DSMIG_VMM_VCPU_STUB_H

#include <stdint.h>

#define VCPU_STUB_NAME     "dsmig-vcpu"
#define VCPU_STUB_MAGIC    0x5043564749534d44ull   /* "DSMIGVCP" */
#define VCPU_STUB_MAX_RUNS 65536
#define VCPU_STUB_UFFD_FD  3

enum vcpu_stub_flags {
	VCPU_STUB_POSTCOPY = 1,    /* register every run for missing pages too */
};

struct vcpu_stub_hdr {
	uint64_t magic;
	uint64_t mem_size;
	uint32_t nr_runs;
	uint32_t flags;            /* enum vcpu_stub_flags */
};

/* [gpa, gpa+len) of guest RAM, page-aligned; prot: X86_PAGE_READ,
 * optionally | X86_PAGE_WRITE (x86_setup.h). */
struct vcpu_stub_run {
	uint64_t gpa, len;
	uint32_t prot;
	uint32_t pad;
};

_Static_assert(sizeof(struct vcpu_stub_hdr) == 24, "vcpu_stub_hdr layout");
_Static_assert(sizeof(struct vcpu_stub_run) == 24, "vcpu_stub_run layout");

#endif /* DSMIG_VMM_VCPU_STUB_H */

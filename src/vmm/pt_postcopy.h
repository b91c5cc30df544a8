/*
 * Post-copy for the ptrace accelerator. Its vCPUs run in their own
 * processes (dsmig-vcpu), which map guest RAM themselves, so a guest's
 * touch of a page not yet migrated faults in that process, not in the VMM
 * where the engine's userfaultfd (userfault.h) waits. Each stub therefore
 * registers its mappings for missing pages too (VCPU_STUB_POSTCOPY), and a
 * forwarder thread per vCPU reads its faults and touches the same page
 * through the VMM's own mapping of RAM: that touch is an ordinary post-copy
 * fault, which the engine resolves with UFFDIO_COPY into the shared memfd.
 * The page is then in the file for every mapping, and the forwarder wakes
 * the stub (UFFDIO_WAKE), whose fault now finds it.
 *
 * After post-copy every page is in the file, so no stub faults again; the
 * forwarder stays until its vCPU goes. If post-copy fails, the VMM's
 * registration ends (userfault_release) and a touch would read a zero
 * page: by then the VM is paused for good and cannot be resumed.
 */
#ifndef DSMIG_VMM_PT_POSTCOPY_H
#define DSMIG_VMM_PT_POSTCOPY_H

struct vm;
struct pt_fault_forwarder;

/* Take a copy of the stub's userfaultfd (VCPU_STUB_UFFD_FD of the process
 * behind pidfd) and start forwarding its missing-page faults for vCPU
 * index of vm. Returns 0 with *out set, or -errno. */
int pt_fault_forwarder_start(struct pt_fault_forwarder **out, struct vm *vm,
			     int pidfd, unsigned index);

/* Stop and free it (NULL is fine). The stub must be gone or stopped. */
void pt_fault_forwarder_stop(struct pt_fault_forwarder *f);

#endif /* DSMIG_VMM_PT_POSTCOPY_H */

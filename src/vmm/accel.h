/*
 * The accelerator seam: how dsmig-vmm runs guest code. Everything above it
 * (the run state machine of vm.c and vcpu.c, hypercalls, the control
 * commands, the console, post-copy, the dirty log's accumulators, the state
 * blob's framing) is the same for every accelerator; everything that talks
 * to KVM or to a ptrace'd vCPU process is below it, in one ops table per
 * accelerator:
 *
 *   accel_kvm.c     KVM: a VM fd, one memory slot with KVM's dirty log, a
 *                   KVM vCPU per thread (KVM_RUN)
 *   accel_ptrace.c  no virtualisation: each vCPU is a dsmig-vcpu process
 *                   that maps guest RAM at its guest-physical addresses,
 *                   may make no system call (seccomp) and is run by its
 *                   vCPU thread through ptrace; a hypercall's `out` traps
 *                   (#GP) to the tracer; dirty pages come from userfaultfd
 *                   write-protection read with PAGEMAP_SCAN
 *
 * `dsmig-vmm run --accel kvm|ptrace|auto` picks one (accel_select); auto
 * takes KVM when a VM can be created, else ptrace, like QEMU falls back
 * from kvm to tcg. The guest ABI is the same on both (docs/guest-abi.md
 * lists what a guest can observe differently).
 *
 * Threads: vm_* calls come from the main and control threads; vcpu_* from
 * that vCPU's own thread, except vcpu_kick (any thread, vm->lock held) and
 * vcpu_cpu_ns (any thread).
 */
#ifndef DSMIG_VMM_ACCEL_H
#define DSMIG_VMM_ACCEL_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* One kind of per-vCPU section of the state blob (vm_state.h). */
struct accel_section {
	uint32_t type;          /* enum vm_state_section */
	const char *name;       /* for messages: "regs", "xsave", ... */
	size_t size;            /* exact bytes of the section */
	int required;           /* a blob without it is refused */
};

struct accel_ops {
	const char *name;       /* "kvm", "ptrace": --accel, query-status */

	/* Can a guest run here? 0, or -1 with the reason in why[len]. */
	int (*probe)(char *why, size_t len);

	/* Open the accelerator for a new VM (vm->accel_priv). Returns 0 or a
	 * vmm_exit code with the reason in why[len]; vm_fini then frees what
	 * was made. */
	int (*vm_init)(struct vm *vm, char *why, size_t len);
	/* Guest RAM (vm->mem) exists: hand it to the accelerator. Same
	 * returns. */
	int (*ram_init)(struct vm *vm, char *why, size_t len);
	/* Free the VM's side, after every vCPU's vcpu_fini. */
	void (*vm_fini)(struct vm *vm);

	/* Make vCPU v (v->accel_priv); with boot set, put it into the
	 * image's entry state (otherwise vm_state_load will). 0 or -errno. */
	int (*vcpu_init)(struct vcpu *v, int boot);
	/* Called first on the vCPU's own thread. 0 or -errno. */
	int (*vcpu_thread_init)(struct vcpu *v);
	/* Enter the guest, and handle the exit that brings it back (a
	 * hypercall through hypercall_handle_io, a fault through
	 * vm_shutdown). Returns 0 to go on (also after a kick), -1 once the
	 * VM was stopped. */
	int (*vcpu_run)(struct vcpu *v);
	/* Make vcpu_run return soon. Any thread, vm->lock held. */
	void (*vcpu_kick)(struct vcpu *v);
	/* The vCPU is about to park (vm->lock held): complete the last exit
	 * and capture its state, so that a paused vCPU's state is whole for
	 * section_get. */
	void (*vcpu_park)(struct vcpu *v);
	/* Host CPU time the vCPU has used (guest code included), ns. */
	uint64_t (*vcpu_cpu_ns)(struct vcpu *v);
	/* After the vCPU thread has been joined: free v->accel_priv. */
	void (*vcpu_fini)(struct vcpu *v);

	/* OR into bitmap (one bit per guest page) the pages the guest wrote
	 * since the last call, and start over. dirty_log.c's lock held.
	 * 0 or -errno. */
	int (*dirty_fetch)(struct vm *vm, uint64_t *bitmap);

	/* The per-vCPU sections of this accelerator's state, in the order
	 * they are applied on load. get/set run on a paused (or incoming,
	 * not yet run) vCPU; 0 or -errno. */
	const struct accel_section *sections;
	size_t nr_sections;
	int (*section_get)(struct vcpu *v, const struct accel_section *s, void *dst);
	int (*section_set)(struct vcpu *v, const struct accel_section *s,
			   const void *src);
};

extern const struct accel_ops accel_kvm;
extern const struct accel_ops accel_ptrace;

/* The accelerator named kvm, ptrace or auto (NULL = auto). Auto probes
 * KVM (can a VM be created?) and falls back to ptrace. Returns NULL with
 * the reason in why[len] for an unknown name or a named accelerator that
 * cannot run here. */
const struct accel_ops *accel_select(const char *name, char *why, size_t len);

/* The accelerator whose state sections include type (NULL: none). */
const struct accel_ops *accel_of_section(uint32_t type);

#endif /* DSMIG_VMM_ACCEL_H */

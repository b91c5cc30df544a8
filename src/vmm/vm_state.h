/*
 * Saving and loading the complete state of a paused VM except its RAM:
 * every vCPU's registers, in the sections of the VM's accelerator (KVM:
 * regs, sregs2, XSAVE, XCRs, MSRs including the TSC, events, MP state,
 * debug registers; ptrace: the process's user registers and its XSAVE
 * area), and the VMM's own device state (guest clock, machine layout,
 * counter block, console, and the NIC's bridge and MAC: the destination
 * opens its own TAP on the bridge of that name). A blob carries one accelerator's sections and
 * loads only into a VM of the same accelerator. The blob format is in
 * docs/migration-stream.md; every field is checked on load, since a blob
 * may come from another host.
 */
#ifndef DSMIG_VMM_VM_STATE_H
#define DSMIG_VMM_VM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/vm.h"

#define VM_STATE_MAGIC   "DSMIGST1"
#define VM_STATE_VERSION 2
#define VM_STATE_MAX     (1u << 20)   /* largest blob accepted on load */

enum vm_state_section {
	VMS_DEVICE = 1,      /* struct vms_device */
	VMS_REGS,            /* struct kvm_regs */
	VMS_SREGS2,          /* struct kvm_sregs2 */
	VMS_XSAVE,           /* struct kvm_xsave */
	VMS_XCRS,            /* struct kvm_xcrs */
	VMS_MSRS,            /* uint32_t count, uint32_t pad, struct kvm_msr_entry[count] */
	VMS_EVENTS,          /* struct kvm_vcpu_events */
	VMS_MP_STATE,        /* struct kvm_mp_state */
	VMS_DEBUGREGS,       /* struct kvm_debugregs */
	VMS_PT_REGS,         /* ptrace: struct user_regs_struct */
	VMS_PT_XSTATE,       /* ptrace: struct vms_pt_xstate */
	VMS_NET,             /* struct vms_net: only a VM with a NIC */
	VMS_NR_SECTIONS,
};

/* Blob header; sections follow, each 8-byte aligned. */
struct vms_header {
	char magic[8];
	uint32_t version;
	uint32_t nr_vcpus;
	uint64_t mem_size;
	uint32_t nr_sections;
	uint32_t abi_version;      /* guest ABI of the running image */
};

struct vms_section {
	uint32_t type;             /* enum vm_state_section */
	uint32_t vcpu;             /* vCPU index; 0 for VMS_DEVICE */
	uint64_t len;              /* bytes of data that follow (before padding) */
};

/* The VMM's device state. */
struct vms_device {
	uint64_t guest_mono_ns;    /* guest monotonic clock when saved */
	uint64_t wall_ns;          /* host CLOCK_REALTIME when saved */
	uint64_t counters_gpa;
	uint64_t pml4, pt_start, pt_end, heap_start, heap_end;
	uint64_t stack_top[DSMIG_MAX_VCPUS];
	uint64_t console_bytes;
	char console[VM_CONSOLE_RING];
	/* Per vCPU: the TIME or SLEEP block of its last hypercall (the
	 * hypercall number, 0 = none, its address, the reading it returned):
	 * the destination takes the reading again when the vCPU first runs
	 * (hypercall_clock_retake). */
	uint32_t clock_due_nr[DSMIG_MAX_VCPUS];
	uint64_t clock_due_gpa[DSMIG_MAX_VCPUS];
	uint64_t clock_due_ns[DSMIG_MAX_VCPUS];
};

/* The NIC: what the destination needs to plug the guest in again. No
 * frame is in flight in the VMM (guest/dsmig_abi.h). */
struct vms_net {
	char bridge[16];           /* NUL-terminated interface name */
	uint8_t mac[6];
	uint8_t pad[2];
};

/* A ptrace vCPU's XSAVE area (PTRACE_GETREGSET NT_X86_XSTATE, the
 * standard format): len bytes of area, the rest zero. */
#define VMS_PT_XSTATE_MAX 8192
struct vms_pt_xstate {
	uint32_t len;
	uint32_t pad;
	uint8_t area[VMS_PT_XSTATE_MAX];
};

_Static_assert(sizeof(struct vms_header) == 32, "vms_header layout");
_Static_assert(sizeof(struct vms_section) == 16, "vms_section layout");
_Static_assert(sizeof(struct vms_device) % 8 == 0, "vms_device layout");
_Static_assert(sizeof(struct vms_net) == 24, "vms_net layout");
_Static_assert(sizeof(struct vms_pt_xstate) == 8 + VMS_PT_XSTATE_MAX, "vms_pt_xstate layout");

/* Serialise a paused VM. On success *blob is a malloc'd buffer of
 * *blob_len bytes. Returns 0, -EINVAL if the VM is not paused (running,
 * incoming, shut down), or -errno (out of memory, or from the accelerator) with the reason in
 * why[len] ("vCPU 1 xsave: ..."). */
int vm_state_save(struct vm *vm, void **blob, size_t *blob_len, char *why,
		  size_t len);

/* Load a blob into an incoming VM (vCPUs created, not running). Returns 0,
 * or -1 with a reason in why[len] (bad magic, version, sizes, a state of
 * the other accelerator, an accelerator that refused a value...). */
int vm_state_load(struct vm *vm, const void *blob, size_t blob_len, char *why,
		  size_t len);

#endif /* DSMIG_VMM_VM_STATE_H */

/*
 * vCPU threads: each runs KVM_RUN in a loop, hands port I/O to the
 * hypercall layer, parks while the VM is paused, and turns every other exit
 * (triple fault, unmapped memory, emulation failure) into a clean VM stop.
 */
#ifndef DSMIG_VMM_VCPU_H
#define DSMIG_VMM_VCPU_H

#include "vmm/vm.h"

/* Create KVM vCPU index and map its kvm_run; with boot set, put it in the
 * image's entry state (otherwise vm_state_load will). Returns 0 or -errno. */
int vcpu_create(struct vm *vm, unsigned index, int boot);

/* Start the thread (it parks until the VM leaves VM_CREATED). */
int vcpu_start(struct vcpu *v);

/* Make the vCPU leave KVM_RUN soon. Call with vm->lock held. */
void vcpu_kick(struct vcpu *v);

/* Join the thread (if started), unmap, close. */
void vcpu_destroy(struct vcpu *v);

/* CPU time the vCPU thread has used, in ns (0 if not started). */
uint64_t vcpu_cpu_ns(const struct vcpu *v);

#endif /* DSMIG_VMM_VCPU_H */

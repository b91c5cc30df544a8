/*
 * vCPU threads: each runs its vCPU through the accelerator (accel.h) in a
 * loop, parks while the VM is paused, and stops when the VM shuts down.
 * What a guest exit means (a hypercall, a fault) is the accelerator's
 * vcpu_run and the hypercall layer's business.
 */
#ifndef DSMIG_VMM_VCPU_H
#define DSMIG_VMM_VCPU_H

#include "vmm/vm.h"

/* Create vCPU index through the accelerator; with boot set, put it in the
 * image's entry state (otherwise vm_state_load will). Returns 0 or -errno. */
int vcpu_create(struct vm *vm, unsigned index, int boot);

/* Start the thread (it parks until the VM leaves VM_CREATED). */
int vcpu_start(struct vcpu *v);

/* Make the vCPU leave the guest soon. Call with vm->lock held. */
void vcpu_kick(struct vcpu *v);

/* Join the thread (if started) and free the accelerator's side. */
void vcpu_destroy(struct vcpu *v);

/* CPU time the vCPU has used, in ns (0 if not started). */
uint64_t vcpu_cpu_ns(struct vcpu *v);

#endif /* DSMIG_VMM_VCPU_H */

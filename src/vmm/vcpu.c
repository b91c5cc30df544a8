/* The vCPU run loop (see vcpu.h), above the accelerator seam (accel.h). */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "vmm/accel.h"
#include "vmm/hypercall.h"
#include "vmm/vcpu.h"

int vcpu_create(struct vm *vm, unsigned index, int boot)
{
	struct vcpu *v = &vm->vcpus[index];

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->index = index;
	return vm->accel->vcpu_init(v, boot);
}

static int vm_state_parks(enum vm_state s)
{
	return s == VM_PAUSED || s == VM_CREATED || s == VM_INCOMING;
}

/* Park while paused (or not yet started). Returns 0 to run, -1 to stop. */
static int vcpu_wait_runnable(struct vcpu *v)
{
	struct vm *vm = v->vm;
	int stop, parked = 0;

	pthread_mutex_lock(&vm->lock);
	if (vm_state_parks(vm->state)) {
		parked = 1;
		vm->accel->vcpu_park(v);
		v->activity = VCPU_PAUSED;
		vm->vcpus_parked++;
		pthread_cond_broadcast(&vm->cond);
		while (vm_state_parks(vm->state))
			pthread_cond_wait(&vm->cond, &vm->lock);
		vm->vcpus_parked--;
	}
	stop = vm->state == VM_SHUTDOWN;
	v->activity = stop ? VCPU_STOPPED : VCPU_RUNNING;
	if (stop)
		pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	if (parked && !stop)
		hypercall_clock_retake(v);
	return stop ? -1 : 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	int rc = v->vm->accel->vcpu_thread_init(v);

	if (rc)
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: cannot start: %s",
			    v->index, strerror(-rc));
	while (vcpu_wait_runnable(v) == 0)
		v->vm->accel->vcpu_run(v);
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	int rc = pthread_create(&v->thread, NULL, vcpu_thread, v);

	if (rc)
		return -rc;
	v->thread_started = 1;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (v->vm)
		v->vm->accel->vcpu_kick(v);
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->thread_started)
		pthread_join(v->thread, NULL);
	v->thread_started = 0;
	if (v->vm)
		v->vm->accel->vcpu_fini(v);
}

uint64_t vcpu_cpu_ns(struct vcpu *v)
{
	return v->thread_started ? v->vm->accel->vcpu_cpu_ns(v) : 0;
}

/* The vCPU run loop (see vcpu.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "common/log.h"
#include "vmm/hypercall.h"
#include "vmm/vcpu.h"

#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;  /* only there to make KVM_RUN return with EINTR */
}

int vcpu_create(struct vm *vm, unsigned index, int boot)
{
	struct vcpu *v = &vm->vcpus[index];
	int rc;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return -errno;
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		rc = -errno;
		v->run = NULL;
		return rc;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, vm->cpuid) < 0)
		return -errno;
	return boot ? x86_init_vcpu(v->fd, &vm->lay, vm->img.entry, index) : 0;
}

static int vm_state_parks(enum vm_state s)
{
	return s == VM_PAUSED || s == VM_CREATED || s == VM_INCOMING;
}

/* KVM finishes an I/O instruction (advances RIP, ...) only on the next
 * KVM_RUN. Do that now, with immediate_exit so the guest does not run, so
 * that a parked vCPU's saved state is complete. */
static void vcpu_complete_exit(struct vcpu *v)
{
	if (!v->exit_pending)
		return;
	v->run->immediate_exit = 1;
	if (ioctl(v->fd, KVM_RUN, 0) < 0 && errno != EINTR)
		log_warn("vCPU %u: completing the last exit: %s", v->index,
			 strerror(errno));
	v->run->immediate_exit = 0;
	v->exit_pending = 0;
}

/* Park while paused (or not yet started). Returns 0 to run, -1 to stop. */
static int vcpu_wait_runnable(struct vcpu *v)
{
	struct vm *vm = v->vm;
	int stop;

	pthread_mutex_lock(&vm->lock);
	v->run->immediate_exit = 0;
	if (vm_state_parks(vm->state)) {
		vcpu_complete_exit(v);
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
	return stop ? -1 : 0;
}

static int vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_regs regs;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return hypercall_handle_io(v, run->io.port, run->io.direction,
					   run->io.size, run->io.count,
					   (uint8_t *)run + run->io.data_offset);
	case KVM_EXIT_SHUTDOWN:
		memset(&regs, 0, sizeof(regs));
		ioctl(v->fd, KVM_GET_REGS, &regs);
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: triple fault (a guest exception; guests have no IDT) near rip 0x%llx rsp 0x%llx",
			    v->index, (unsigned long long)regs.rip,
			    (unsigned long long)regs.rsp);
		return -1;
	case KVM_EXIT_MMIO:
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: access to guest-physical 0x%llx outside RAM",
			    v->index, (unsigned long long)run->mmio.phys_addr);
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL,
			    "vCPU %u: KVM could not enter the guest (hardware reason 0x%llx)",
			    v->index,
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: KVM internal error, suberror %u (unemulatable instruction?)",
			    v->index, run->internal.suberror);
		return -1;
	default:
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: unexpected KVM exit %u",
			    v->index, run->exit_reason);
		return -1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (vcpu_wait_runnable(v) == 0) {
		int rc = ioctl(v->fd, KVM_RUN, 0);

		v->exits++;
		v->exit_pending = rc == 0 && v->run->exit_reason == KVM_EXIT_IO;
		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: KVM_RUN: %s",
				    v->index, strerror(errno));
			continue;
		}
		vcpu_handle_exit(v);
	}
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	struct sigaction sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_KICK, &sa, NULL) < 0)
		return -errno;
	rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (rc)
		return -rc;
	v->thread_started = 1;
	rc = pthread_getcpuclockid(v->thread, &v->cpu_clock);
	return -rc;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->run || !v->thread_started)
		return;
	v->run->immediate_exit = 1;
	if (!pthread_equal(v->thread, pthread_self()))
		pthread_kill(v->thread, SIG_KICK);
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->thread_started)
		pthread_join(v->thread, NULL);
	v->thread_started = 0;
	if (v->run)
		munmap(v->run, v->vm->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

uint64_t vcpu_cpu_ns(const struct vcpu *v)
{
	struct timespec ts;

	if (!v->thread_started || clock_gettime(v->cpu_clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

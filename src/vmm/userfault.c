/* Post-copy on the destination: guest RAM behind a userfaultfd (userfault.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/userfault.h"
#include "vmm/vm.h"

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (!(api.features & UFFD_FEATURE_MISSING_SHMEM)) {
		close(fd);
		return -ENOSYS;
	}
	return fd;
}

static int uffd_register(int fd, const struct guest_mem *m)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)m->base, .len = m->size },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
		return -errno;
	if (!(reg.ioctls & (1ull << _UFFDIO_COPY)))
		return -ENOSYS;
	return 0;
}

/* Unregistering wakes every thread still waiting on a fault. */
static void uffd_release_locked(struct vm *vm)
{
	struct uffdio_range r = { .start = (uintptr_t)vm->mem.base, .len = vm->mem.size };

	if (vm->uffd < 0)
		return;
	if (ioctl(vm->uffd, UFFDIO_UNREGISTER, &r) < 0)
		log_warn("post-copy: unregistering guest RAM: %s", strerror(errno));
	close(vm->uffd);
	vm->uffd = -1;
}

/* mincore() on a shared memfd mapping tells whether each page is in the
 * file (resident), mapped here or not. */
static int range_resident(const struct guest_mem *m, uint64_t first, uint64_t n,
			  uint64_t *missing)
{
	unsigned char vec[4096];
	uint64_t done = 0, i;

	*missing = 0;
	while (done < n) {
		uint64_t chunk = n - done < sizeof(vec) ? n - done : sizeof(vec);

		if (mincore(m->base + (first + done) * DSMIG_PAGE_SIZE,
			    chunk * DSMIG_PAGE_SIZE, vec) < 0)
			return -errno;
		for (i = 0; i < chunk; i++)
			*missing += !(vec[i] & 1);
		done += chunk;
	}
	return 0;
}

/* Caller holds vm->lock. */
static uint64_t missing_pages_locked(struct vm *vm)
{
	uint64_t missing;

	if (vm->userfault == USERFAULT_OFF)
		return 0;
	if (range_resident(&vm->mem, 0, vm->mem.size / DSMIG_PAGE_SIZE, &missing))
		return 0;
	return missing;
}

int userfault_arm(struct vm *vm, unsigned conn_id, int *uffd)
{
	int fd, rc;

	pthread_mutex_lock(&vm->lock);
	if (vm->userfault != USERFAULT_OFF || vm->uffd >= 0) {
		rc = -EBUSY;
		goto out;
	}
	if (vm->state != VM_INCOMING) {
		rc = -EINVAL;
		goto out;
	}
	fd = uffd_open();
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	rc = uffd_register(fd, &vm->mem);
	if (rc) {
		close(fd);
		goto out;
	}
	vm->uffd = *uffd = fd;
	vm->userfault = USERFAULT_ACTIVE;
	vm->userfault_conn = conn_id;
out:
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

int userfault_done(struct vm *vm)
{
	int rc = 0;

	pthread_mutex_lock(&vm->lock);
	if (vm->userfault != USERFAULT_ACTIVE)
		rc = -EINVAL;
	else if (missing_pages_locked(vm))
		rc = -EAGAIN;
	if (rc == 0) {
		uffd_release_locked(vm);
		vm->userfault = USERFAULT_OFF;
	}
	pthread_mutex_unlock(&vm->lock);
	if (rc == 0)
		vm_emit(vm, "POSTCOPY_DONE", NULL);
	return rc;
}

void userfault_conn_closed(struct vm *vm, unsigned conn_id)
{
	uint64_t missing;
	int paused;

	pthread_mutex_lock(&vm->lock);
	if (vm->userfault != USERFAULT_ACTIVE || vm->userfault_conn != conn_id) {
		pthread_mutex_unlock(&vm->lock);
		return;
	}
	vm->userfault = USERFAULT_FAILED;
	missing = missing_pages_locked(vm);
	pthread_mutex_unlock(&vm->lock);
	log_error("post-copy failed: the engine went away with %llu pages still on the "
		  "source; the VM is paused and cannot be resumed",
		  (unsigned long long)missing);
	/* vCPUs waiting on a missing page are woken by the kick (the fault
	 * returns to KVM_RUN with EINTR; a ptrace vCPU's process stops on the
	 * signal) and park. A VMM thread waiting on one (a hypercall's block,
	 * a clock reading taken again, a ptrace vCPU's fault forwarder) would
	 * wait forever: ending the registration lets it go on, reading zeros
	 * into a VM that never runs again (vm_resume refuses a failed
	 * post-copy), while the vCPUs stop. */
	paused = vm_pause_request(vm) > 0;
	userfault_release(vm);
	if (paused)
		vm_pause_wait(vm);
	vm_emit(vm, "USERFAULT_FAILED",
		json_pack("{s:I}", "missing_pages", (json_int_t)missing));
}

uint64_t userfault_missing_pages(struct vm *vm)
{
	uint64_t n;

	pthread_mutex_lock(&vm->lock);
	n = missing_pages_locked(vm);
	pthread_mutex_unlock(&vm->lock);
	return n;
}

int userfault_resident(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t first = gpa / DSMIG_PAGE_SIZE, missing = 0;
	uint64_t last = (gpa + (len ? len - 1 : 0)) / DSMIG_PAGE_SIZE;
	int active;

	pthread_mutex_lock(&vm->lock);
	active = vm->userfault != USERFAULT_OFF;
	pthread_mutex_unlock(&vm->lock);
	if (!active)
		return 1;
	if (gpa + len > vm->mem.size || range_resident(&vm->mem, first, last - first + 1, &missing))
		return 0;
	return missing == 0;
}

enum userfault_state userfault_state(struct vm *vm)
{
	enum userfault_state s;

	pthread_mutex_lock(&vm->lock);
	s = vm->userfault;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

const char *userfault_state_name(enum userfault_state s)
{
	static const char *const names[] = {
		[USERFAULT_OFF] = "off", [USERFAULT_ACTIVE] = "active",
		[USERFAULT_FAILED] = "failed",
	};

	return names[s];
}

void userfault_release(struct vm *vm)
{
	if (vm->uffd < 0)   /* never armed (or vm_create failed early) */
		return;
	pthread_mutex_lock(&vm->lock);
	uffd_release_locked(vm);
	pthread_mutex_unlock(&vm->lock);
}

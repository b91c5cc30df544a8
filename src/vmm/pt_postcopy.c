/* Post-copy faults of ptrace vCPU processes, forwarded (pt_postcopy.h). */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/pt_postcopy.h"
#include "vmm/vcpu_stub.h"
#include "vmm/vm.h"

#define FORWARDER_POLL_MS 100   /* how soon a stop is noticed */

struct pt_fault_forwarder {
	struct vm *vm;
	unsigned index;
	int uffd;                   /* our copy of the stub's */
	pthread_t thread;
	_Atomic int stop;
	uint64_t forwarded;
};

/* One fault of the stub at guest-physical addr: make the page resident
 * by touching it through the VMM's mapping (an ordinary post-copy fault
 * if it is missing), then wake the stub. 0, or -errno from the wake. */
static int forward_fault(struct pt_fault_forwarder *f, uint64_t addr)
{
	struct vm *vm = f->vm;
	uint64_t page = addr & ~(uint64_t)(DSMIG_PAGE_SIZE - 1);
	struct uffdio_range r = { .start = page, .len = DSMIG_PAGE_SIZE };
	const volatile uint8_t *p = gmem_ptr(&vm->mem, page, DSMIG_PAGE_SIZE);

	if (p)
		(void)*p;
	f->forwarded++;
	if (ioctl(f->uffd, UFFDIO_WAKE, &r) < 0)
		return -errno;
	return 0;
}

static void *forwarder_main(void *arg)
{
	struct pt_fault_forwarder *f = arg;
	struct uffd_msg msg;

	while (!f->stop) {
		struct pollfd pfd = { .fd = f->uffd, .events = POLLIN };
		ssize_t n;
		int rc = poll(&pfd, 1, FORWARDER_POLL_MS);

		if (rc < 0 && errno != EINTR) {
			log_error("vCPU %u: post-copy faults: poll: %s", f->index, strerror(errno));
			break;
		}
		if (rc <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP))
			break;   /* the stub's address space is gone */
		n = read(f->uffd, &msg, sizeof(msg));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n != (ssize_t)sizeof(msg)) {
			log_error("vCPU %u: post-copy faults: read: %s", f->index,
				  n < 0 ? strerror(errno) : "short");
			break;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		rc = forward_fault(f, msg.arg.pagefault.address);
		if (rc && rc != -ESRCH)
			log_error("vCPU %u: waking the fault at 0x%llx: %s", f->index,
				  (unsigned long long)msg.arg.pagefault.address, strerror(-rc));
	}
	return NULL;
}

int pt_fault_forwarder_start(struct pt_fault_forwarder **out, struct vm *vm,
			     int pidfd, unsigned index)
{
	struct pt_fault_forwarder *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return -ENOMEM;
	f->vm = vm;
	f->index = index;
	f->uffd = (int)syscall(SYS_pidfd_getfd, pidfd, VCPU_STUB_UFFD_FD, 0);
	if (f->uffd < 0) {
		rc = -errno;
		free(f);
		return rc;
	}
	rc = pthread_create(&f->thread, NULL, forwarder_main, f);
	if (rc) {
		close(f->uffd);
		free(f);
		return -rc;
	}
	*out = f;
	return 0;
}

void pt_fault_forwarder_stop(struct pt_fault_forwarder *f)
{
	if (!f)
		return;
	f->stop = 1;
	pthread_join(f->thread, NULL);
	if (f->forwarded)
		log_info("vCPU %u: %llu post-copy faults forwarded", f->index,
			 (unsigned long long)f->forwarded);
	close(f->uffd);
	free(f);
}

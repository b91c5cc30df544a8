/* Guest RAM in a memfd, and the one checked guest-address accessor. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "dsmig_abi.h"

int gmem_create(struct guest_mem *m, uint64_t size, const char *name)
{
	int rc;

	m->fd = -1;
	m->base = NULL;
	m->size = 0;
	if (size < GMEM_MIN_SIZE || size > GMEM_MAX_SIZE ||
	    size % DSMIG_PAGE_SIZE)
		return -EINVAL;
	m->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m->fd < 0)
		return -errno;
	if (ftruncate(m->fd, (off_t)size) < 0)
		goto err;
	/* Size is fixed for the VM's life: other mappers rely on it. */
	if (fcntl(m->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		goto err;
	m->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto err;
	}
	m->size = size;
	return 0;
err:
	rc = -errno;
	close(m->fd);
	m->fd = -1;
	return rc;
}

void gmem_destroy(struct guest_mem *m)
{
	if (m->base)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
	m->size = 0;
}

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->base + gpa;
}

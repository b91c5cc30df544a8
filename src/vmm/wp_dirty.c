/* Write-protect dirty tracking with userfaultfd and PAGEMAP_SCAN (wp_dirty.h). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/types.h>
#include <linux/userfaultfd.h>

#include "vmm/wp_dirty.h"

#define WP_PAGE 4096ull

/* include/uapi/linux/userfaultfd.h (Linux 6.4, 6.7) */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

/* include/uapi/linux/fs.h (Linux 6.7) */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WRITTEN (1 << 1)
struct page_region {
	__u64 start, end, categories;
};
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
struct pm_scan_arg {
	__u64 size, flags, start, end, walk_end, vec, vec_len, max_pages;
	__u64 category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

#define WP_FEATURES (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED | \
		     UFFD_FEATURE_WP_HUGETLBFS_SHMEM)

int wp_dirty_open(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = WP_FEATURES };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int rc;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		rc = errno == EINVAL ? -ENOSYS : -errno;
		close(fd);
		return rc;
	}
	if ((api.features & WP_FEATURES) != WP_FEATURES) {
		close(fd);
		return -ENOSYS;
	}
	return fd;
}

static int uffd_register(int uffd, uint64_t addr, uint64_t len, uint64_t mode)
{
	struct uffdio_register reg = {
		.range = { .start = addr, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) < 0 ? -errno : 0;
}

int wp_dirty_protect(int uffd, uint64_t addr, uint64_t len, int missing)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = addr, .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int rc = uffd_register(uffd, addr, len, UFFDIO_REGISTER_MODE_WP |
			       (missing ? UFFDIO_REGISTER_MODE_MISSING : 0));

	if (rc)
		return rc;
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) < 0)
		return -errno;
	return 0;
}

int wp_dirty_register_missing(int uffd, uint64_t addr, uint64_t len)
{
	return uffd_register(uffd, addr, len, UFFDIO_REGISTER_MODE_MISSING);
}

int64_t wp_dirty_scan(int pagemap_fd, uint64_t start, uint64_t end,
		      uint64_t first_bit, uint64_t *bitmap)
{
	struct page_region vec[256];
	struct pm_scan_arg a;
	uint64_t pos = start, p;
	int64_t total = 0;
	long n, i;

	while (pos < end) {
		a = (struct pm_scan_arg) {
			.size = sizeof(a),
			.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
			.start = pos, .end = end,
			.vec = (uintptr_t)vec, .vec_len = sizeof(vec) / sizeof(vec[0]),
			.category_mask = PAGE_IS_WRITTEN,
			.return_mask = PAGE_IS_WRITTEN,
		};
		n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			for (p = vec[i].start; p < vec[i].end; p += WP_PAGE) {
				uint64_t bit = (p - start) / WP_PAGE + first_bit;

				bitmap[bit / 64] |= 1ull << (bit % 64);
				total++;
			}
		}
		/* The walk stops early when vec fills up; go on from there. */
		if (a.walk_end <= pos)
			return -EIO;
		pos = a.walk_end;
	}
	return total;
}

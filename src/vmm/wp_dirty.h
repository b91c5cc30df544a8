/*
 * Dirty-page tracking without KVM, for the ptrace accelerator: the process
 * that maps guest RAM (a dsmig-vcpu stub) registers its writable mappings
 * with a userfaultfd in asynchronous write-protect mode (the kernel
 * resolves the first write to a protected page itself and marks the page
 * written; nobody reads the userfaultfd) and write-protects them; the VMM
 * then reads and re-protects the written pages in one step with the
 * PAGEMAP_SCAN ioctl on that process's /proc/PID/pagemap. Works on shmem
 * (the memfd) from Linux 6.7; soft-dirty is not needed.
 *
 * Debian 12's headers predate these interfaces, so their definitions are
 * here (values from the kernel's uapi headers).
 */
#ifndef DSMIG_VMM_WP_DIRTY_H
#define DSMIG_VMM_WP_DIRTY_H

#include <stdint.h>

/* Open a userfaultfd with the asynchronous write-protect features for
 * shmem. Returns the descriptor or -errno (-ENOSYS: a kernel without
 * them). The registration lasts as long as the descriptor stays open. */
int wp_dirty_open(void);

/* Register [addr, addr+len) of this process (page-aligned, one writable
 * shared mapping or several) and write-protect it, populated or not; with
 * missing set, also for missing pages (UFFDIO_REGISTER_MODE_MISSING: post-
 * copy). 0 or -errno. */
int wp_dirty_protect(int uffd, uint64_t addr, uint64_t len, int missing);

/* Register [addr, addr+len) for missing pages only (a read-only mapping
 * during post-copy). 0 or -errno. */
int wp_dirty_register_missing(int uffd, uint64_t addr, uint64_t len);

/* For the process whose /proc/PID/pagemap is pagemap_fd: find the pages of
 * [start, end) written since they were last protected, protect them again,
 * and set bit (address - start) / 4096 + first_bit in bitmap for each.
 * The range must lie in registered mappings. Returns how many pages, or
 * -errno. */
int64_t wp_dirty_scan(int pagemap_fd, uint64_t start, uint64_t end,
		      uint64_t first_bit, uint64_t *bitmap);

#endif /* DSMIG_VMM_WP_DIRTY_H */

/* Whole-file reading, shared by the image and state loaders, the hosts file,
 * themes and the kvm backend; whole-buffer writing to a descriptor (the
 * carried migration stream's pipes). */
#ifndef DSMIG_COMMON_FILEIO_H
#define DSMIG_COMMON_FILEIO_H

#include <stddef.h>

/* Read the regular file at path (at most max bytes) into a malloc'd buffer,
 * with a NUL after the last byte (not counted in *len), so that text files
 * can be used as strings.
 * Returns 0, or -errno (-EFBIG if larger than max, -EINVAL if not a
 * regular file). */
int file_read_all(const char *path, size_t max, void **buf, size_t *len);

/* Write all of buf[0..len) to fd, retrying short writes and EINTR.
 * Returns 0 or -errno. */
int fd_write_all(int fd, const void *buf, size_t len);

#endif /* DSMIG_COMMON_FILEIO_H */

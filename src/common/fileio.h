/* Whole-file reading, shared by the image loader, the state loader and the
 * engine. */
#ifndef DSMIG_COMMON_FILEIO_H
#define DSMIG_COMMON_FILEIO_H

#include <stddef.h>

/* Read the regular file at path (at most max bytes) into a malloc'd buffer.
 * Returns 0, or -errno (-EFBIG if larger than max, -EINVAL if not a
 * regular file). */
int file_read_all(const char *path, size_t max, void **buf, size_t *len);

#endif /* DSMIG_COMMON_FILEIO_H */

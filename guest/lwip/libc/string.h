/* <string.h> for lwIP in a dsmig guest: only what guest/lib/libc.c
 * provides (lwIP's sources include <string.h>; glibc's must not be used in
 * a freestanding image). */
#ifndef DSMIG_LWIP_LIBC_STRING_H
#define DSMIG_LWIP_LIBC_STRING_H

#include <stddef.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#endif /* DSMIG_LWIP_LIBC_STRING_H */

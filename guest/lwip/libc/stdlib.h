/* <stdlib.h> for lwIP in a dsmig guest: only atoi (netif.c), from
 * guest/lib/libc.c. */
#ifndef DSMIG_LWIP_LIBC_STDLIB_H
#define DSMIG_LWIP_LIBC_STDLIB_H

int atoi(const char *s);

#endif /* DSMIG_LWIP_LIBC_STDLIB_H */

/* <string.h> for lwIP in a dsmig guest: the runtime's own string functions
 * (guest/lib/dsmig_guest.h, guest/lib/libc.c). lwIP's sources include
 * <string.h>; glibc's must not be used in a freestanding image. */
#ifndef DSMIG_LWIP_LIBC_STRING_H
#define DSMIG_LWIP_LIBC_STRING_H

#include "dsmig_guest.h"

#endif /* DSMIG_LWIP_LIBC_STRING_H */

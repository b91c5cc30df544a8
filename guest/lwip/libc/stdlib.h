/* <stdlib.h> for lwIP in a dsmig guest: atoi (netif.c) from the runtime
 * (guest/lib/dsmig_guest.h, guest/lib/libc.c). */
#ifndef DSMIG_LWIP_LIBC_STDLIB_H
#define DSMIG_LWIP_LIBC_STDLIB_H

#include "dsmig_guest.h"

#endif /* DSMIG_LWIP_LIBC_STDLIB_H */

/*
 * lwIP's compiler/platform header for dsmig guests (freestanding x86-64,
 * little endian, no libc but guest/lib/libc.c). See docs/guest-net.md.
 *
 * Diagnostics go to the guest console (gprintf); a failed lwIP assertion
 * ends the VM with status 4 after printing where it failed.
 */
#ifndef DSMIG_LWIP_ARCH_CC_H
#define DSMIG_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No <inttypes.h> in a freestanding build: the printf formats lwIP uses
 * for its debug output, in terms of gprintf's subset. */
#define LWIP_NO_INTTYPES_H 1
#define X8_F  "x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

/* lwIP's own isdigit() and friends instead of <ctype.h>. */
#define LWIP_NO_CTYPE_H 1

/* gprintf and hc_exit without pulling the whole guest header into every
 * lwIP source file. */
int gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void hc_exit(int status);

/* LWIP_PLATFORM_DIAG(x): x is a parenthesised printf argument list. */
#define LWIP_PLATFORM_DIAG(x) do { gprintf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                             \
	do {                                                                \
		gprintf("lwip assertion \"%s\" failed at %s:%d\n", x,       \
			__FILE__, __LINE__);                                \
		hc_exit(4);                                                 \
	} while (0)

/* Random numbers for TCP ports and the like (guest/lwip/sys_arch.c). */
uint32_t dsmig_lwip_rand(void);
#define LWIP_RAND() dsmig_lwip_rand()

#endif /* DSMIG_LWIP_ARCH_CC_H */

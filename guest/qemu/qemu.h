/*
 * The QEMU platform layer's internals (docs/guest-abi.md, "Booting under
 * QEMU"): what the multiboot entry (multiboot.S), the CPL0 boot (boot.c),
 * the clocks (clock.c) and the hc_* functions (platform.c) share. The
 * workloads and the guest library never include it: they see only
 * dsmig_guest.h, whose hc_* functions this layer provides in place of the
 * hypercalls of guest/lib/hypercall.c.
 */
#ifndef DSMIG_QEMU_H
#define DSMIG_QEMU_H

/* Low memory the boot uses: above QEMU's multiboot info and e820 map
 * (0x9000-0x9fff), below the image (0x100000), clear of the boot info page
 * (0x1000). */
#define QEMU_PML4        0x10000
#define QEMU_PDPT        0x11000
#define QEMU_PD          0x12000  /* QEMU_MAP_GIB page directories */
#define QEMU_MAP_GIB     4        /* identity-mapped in 2 MiB pages */
#define QEMU_TSS         0x16000  /* 64-bit TSS, then its I/O bitmap */
#define QEMU_LOW_END     0x19000  /* end of the tables and the TSS */
#define QEMU_BOOT_STACK  0x20000  /* top of the CPL0 stack (from 0x19000) */

/* The TSS's I/O bitmap opens every port to CPL3, as IOPL 3 does. KVMs of
 * the PVM kind run the guest at the real IOPL 0 and check this bitmap
 * (docs/guest-abi.md, "Note on IOPL and the I/O bitmap"). 104 bytes of
 * TSS, 8 KiB of bitmap, a terminating 0xff byte: the limit is the offset
 * of that last byte. */
#define QEMU_TSS_IOMAP   104
#define QEMU_TSS_LIMIT   (QEMU_TSS_IOMAP + 65536 / 8)

/* GDT selectors, as dsmig-vmm's: user data 0x1b, user code 0x23 (RPL 3). */
#define QEMU_KERNEL_CS   0x08
#define QEMU_KERNEL_DS   0x10
#define QEMU_USER_DS     0x18
#define QEMU_USER_CS     0x20
#define QEMU_TSS_SEL     0x28     /* a 16-byte descriptor */

/* Multiboot v1: the header's magic, the header flags we ask for (modules
 * page-aligned, memory info) and what the loader leaves in eax. */
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#define MULTIBOOT_PAGE_ALIGN   (1 << 0)
#define MULTIBOOT_MEMORY_INFO  (1 << 1)
#define MULTIBOOT_BOOT_MAGIC   0x2BADB002

/* Exit statuses of a boot that cannot go on, as dsmig-vmm's own failures
 * (docs/guest-abi.md, "Exit statuses"). */
#define QEMU_EXIT_INTERNAL 1  /* a device (PIT, RTC) did not answer */
#define QEMU_EXIT_USAGE    2  /* -m or -append QEMU was given do not fit */
#define QEMU_EXIT_IMAGE    3  /* not started by a multiboot loader */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "d"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "d"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "d"(port));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* boot.c. Called once by multiboot.S, at CPL0 in long mode, with what the
 * loader left in eax and ebx: fills the dsmig boot info at
 * DSMIG_BOOT_INFO_GPA, starts the serial port and the clocks, prints the
 * boot line. Returns the CPL3 stack pointer for dsmig_guest_start (the top
 * of RAM minus 8). Does not return if the machine does not fit: prints why
 * and exits with a QEMU_EXIT_* status. */
uint64_t qemu_boot(uint32_t magic, uint32_t mbi_addr);

/* platform.c. The serial port (COM1, 115200 8N1, FIFO, no interrupts);
 * hc_puts writes to it. Call before anything prints. */
void qemu_uart_init(void);

/* clock.c. */
/* The TSC's rate, measured at boot by qemu_tsc_calibrate_khz() and set
 * by qemu_clock_start(). */
extern uint64_t qemu_tsc_khz;
/* Count TSC cycles over 50 ms of PIT channel 2; the TSC's rate in kHz, or
 * 0 if the PIT did not count down or the rate is implausible. */
uint64_t qemu_tsc_calibrate_khz(void);
/* The CMOS RTC's time of day (UTC, as QEMU sets it) in nanoseconds since
 * the UNIX epoch, to the second; 0 if the RTC does not answer sensibly. */
uint64_t qemu_rtc_read_ns(void);
/* Start the clocks: the monotonic clock counts from 0 now, at tsc_khz;
 * the wall clock is wall_ns now. Once, before any hc_* time call. */
void qemu_clock_start(uint64_t tsc_khz, uint64_t wall_ns);
/* Nanoseconds since qemu_clock_start(), from the TSC. */
uint64_t qemu_clock_ns(void);
/* qemu_clock_ns() on the wall clock (UNIX epoch). */
uint64_t qemu_wall_ns(void);
#endif /* !__ASSEMBLER__ */

#endif /* DSMIG_QEMU_H */

/*
 * The guest library's hc_* functions under QEMU (docs/guest-abi.md,
 * "Booting under QEMU"): the same prototypes as guest/lib/hypercall.c
 * (dsmig_guest.h), on the PC devices QEMU has instead of dsmig-vmm's
 * hypercalls. The console is COM1; time is the TSC (clock.c); sleeping
 * spins, since there are no interrupts to wake a halted CPU; the exit
 * goes through QEMU's isa-debug-exit device; there is no NIC.
 */
#include "dsmig_guest.h"
#include "qemu.h"

/* COM1, a 16550 UART. */
#define UART           0x3f8
#define UART_DATA      (UART + 0)
#define UART_IER       (UART + 1)
#define UART_DIV_LO    (UART + 0)   /* with LCR_DLAB */
#define UART_DIV_HI    (UART + 1)
#define UART_FCR       (UART + 2)
#define UART_LCR       (UART + 3)
#define UART_MCR       (UART + 4)
#define UART_LSR       (UART + 5)
#define LCR_DLAB       0x80
#define LCR_8N1        0x03
#define FCR_FIFO       0xc7         /* enable, clear both, 14-byte trigger */
#define MCR_DTR_RTS    0x03
#define LSR_THRE       0x20         /* the transmitter takes a byte */
#define UART_DIV_115200 1

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,
 * iosize=4): writing v makes QEMU exit with status (v << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

/* The workload's counter block. Nothing in the guest reads it back: it is
 * here for whoever inspects the guest's memory (a debugger, a migration
 * benchmark reading QEMU's RAM). */
struct dsmig_counters *qemu_counters;

void qemu_uart_init(void)
{
	outb(UART_IER, 0);
	outb(UART_LCR, LCR_DLAB);
	outb(UART_DIV_LO, UART_DIV_115200);
	outb(UART_DIV_HI, 0);
	outb(UART_LCR, LCR_8N1);
	outb(UART_FCR, FCR_FIFO);
	outb(UART_MCR, MCR_DTR_RTS);
}

void hc_puts(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (!(inb(UART_LSR) & LSR_THRE))
			cpu_relax();
		outb(UART_DATA, (uint8_t)s[i]);
	}
}

uint64_t hc_monotonic_ns(void)
{
	return qemu_clock_ns();
}

uint64_t hc_wall_ns(void)
{
	return qemu_wall_ns();
}

uint64_t hc_sleep_until(uint64_t deadline_ns)
{
	uint64_t now;

	while ((now = qemu_clock_ns()) < deadline_ns)
		cpu_relax();
	return now;
}

uint64_t hc_poll_until(uint64_t deadline_ns, uint64_t *ready)
{
	*ready = 0;
	return hc_sleep_until(deadline_ns);
}

void hc_counters(struct dsmig_counters *c)
{
	qemu_counters = c;
}

void hc_net_info(struct dsmig_hc_net_info *out)
{
	memset(out, 0, sizeof(*out));
}

uint64_t hc_net_write(const void *frame, size_t len)
{
	return DSMIG_NET_NODEV;
}

uint64_t hc_net_read(void *buf, size_t cap, size_t *len)
{
	*len = 0;
	return DSMIG_NET_NODEV;
}

void hc_exit(int status)
{
	gprintf("dsmig-exit %d\n", status);
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	/* Without the device QEMU goes on: stay here. */
	for (;;)
		cpu_relax();
}

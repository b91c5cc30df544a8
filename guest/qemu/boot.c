/*
 * The CPL0 half of booting a dsmig guest under QEMU (docs/guest-abi.md,
 * "Booting under QEMU"): turns the multiboot info QEMU's loader left into
 * the struct dsmig_boot_info dsmig-vmm would have written, starts the
 * serial port and the clocks, and prints one boot line. multiboot.S calls
 * it once, then drops to CPL3.
 *
 * QEMU puts the multiboot command line (and the info's other strings)
 * right after the image, on the page our heap starts at. So the command
 * line is copied into the boot info before anything else is written.
 */
#include "dsmig_guest.h"
#include "qemu.h"

/* The start of the multiboot info (multiboot spec 3.3); we read no
 * further than the command line. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;        /* KiB from 0, below 640 KiB */
	uint32_t mem_upper;        /* KiB from 1 MiB up, contiguous */
	uint32_t boot_device;
	uint32_t cmdline;          /* address of a NUL-terminated string */
};
#define MBI_MEMORY  (1u << 0)
#define MBI_CMDLINE (1u << 2)

#define MIB        ((uint64_t)1 << 20)
#define MAPPED_END ((uint64_t)QEMU_MAP_GIB << 30)

extern char _end[];             /* the end of the image (qemu.ld) */

/* Say why the boot cannot go on and end the VM with status. */
__attribute__((noreturn))
static void boot_fail(int status, const char *why)
{
	gprintf("dsmig-qemu: cannot boot: %s\n", why);
	hc_exit(status);
}

/* QEMU's multiboot command line is the kernel's file name, a space and
 * the -append text: keep what follows the first space. 0 on success, -1
 * if it does not fit into the boot info. */
static int copy_cmdline(char *dst, const char *mb_cmdline)
{
	const char *s = mb_cmdline;
	size_t n;

	while (*s && *s != ' ')
		s++;
	if (*s == ' ')
		s++;
	n = strlen(s);
	if (n >= DSMIG_CMDLINE_MAX)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

uint64_t qemu_boot(uint32_t magic, uint32_t mbi_addr)
{
	const struct multiboot_info *mbi = (const void *)(uintptr_t)mbi_addr;
	struct dsmig_boot_info *bi = (void *)(uintptr_t)DSMIG_BOOT_INFO_GPA;
	uint64_t heap_start = ((uintptr_t)_end + DSMIG_PAGE_SIZE - 1) &
			      ~(uint64_t)(DSMIG_PAGE_SIZE - 1);
	uint64_t min_end = heap_start + DSMIG_STACK_SIZE + MIB;
	uint64_t mem_end, tsc_khz, wall_ns;
	char why[96];

	/* The command line lives on the heap's first page: copy it into the
	 * boot info before anything writes above the image. */
	memset(bi, 0, sizeof(*bi));
	qemu_uart_init();
	if (magic != MULTIBOOT_BOOT_MAGIC) {
		gsnprintf(why, sizeof(why), "not started by a multiboot loader (eax 0x%x)", magic);
		boot_fail(QEMU_EXIT_IMAGE, why);
	}
	if ((mbi->flags & MBI_CMDLINE) &&
	    copy_cmdline(bi->cmdline, (const char *)(uintptr_t)mbi->cmdline) != 0) {
		gsnprintf(why, sizeof(why), "-append is longer than %u bytes",
			  DSMIG_CMDLINE_MAX - 1);
		boot_fail(QEMU_EXIT_USAGE, why);
	}
	if (!(mbi->flags & MBI_MEMORY))
		boot_fail(QEMU_EXIT_IMAGE, "the multiboot info has no memory size");

	/* RAM is contiguous from 1 MiB to 1 MiB + mem_upper KiB; the stack
	 * takes the top DSMIG_STACK_SIZE, the heap what lies between. */
	mem_end = (MIB + (uint64_t)mbi->mem_upper * 1024) & ~(uint64_t)(DSMIG_PAGE_SIZE - 1);
	if (mem_end > MAPPED_END || mem_end < min_end) {
		gsnprintf(why, sizeof(why), "%lu MiB of RAM: want %lu to %lu MiB (-m)",
			  mem_end / MIB, (min_end + MIB - 1) / MIB, MAPPED_END / MIB);
		boot_fail(QEMU_EXIT_USAGE, why);
	}
	bi->abi_version = DSMIG_ABI_VERSION;
	bi->nr_vcpus = 1;
	bi->mem_size = mem_end;
	bi->heap_start = heap_start;
	bi->heap_end = mem_end - DSMIG_STACK_SIZE;

	tsc_khz = qemu_tsc_calibrate_khz();
	if (tsc_khz == 0)
		boot_fail(QEMU_EXIT_INTERNAL, "cannot measure the TSC against the PIT");
	wall_ns = qemu_rtc_read_ns();
	if (wall_ns == 0)
		boot_fail(QEMU_EXIT_INTERNAL, "cannot read the CMOS clock");
	qemu_clock_start(tsc_khz, wall_ns);

	gprintf("dsmig-qemu: tsc %lu kHz, mem %lu MiB, cmdline '%s'\n",
		tsc_khz, mem_end / MIB, bi->cmdline);
	/* A return address of 0 above the entry's frame, as dsmig-vmm's
	 * stacks have. */
	*(uint64_t *)(uintptr_t)(mem_end - 8) = 0;
	return mem_end - 8;
}

/*
 * Test guest: hostile hypercall arguments, one per run, chosen by "mode=N".
 * The VMM must stop the guest with a guest-fault reason (or a triple fault
 * for mode 5) and never crash or write where it must not. The guest prints
 * what it is about to do first; if the VMM lets it go on, it says so and
 * exits with status 99.
 *
 *   mode=0  puts with a buffer outside guest RAM
 *   mode=1  puts whose argument block GPA is beyond the end of RAM
 *   mode=2  puts with a huge length (2^40)
 *   mode=3  time whose block is the boot-info page (GPA 0x1000, read-only
 *           to the guest: the VMM must not write its answer there)
 *   mode=4  an unknown hypercall number inside the hypercall port window
 *   mode=5  a guest exception: write to address 0 (unmapped) -> #PF ->
 *           triple fault, as there is no IDT
 *   mode=6  time whose block is in the GDT/page-table area (DSMIG_SYS_BASE)
 *   mode=7  I/O to a port outside the hypercall window (0x80)
 *   mode=8  time with a misaligned argument block
 *   mode=9  puts with a buffer that straddles the end of RAM
 *   mode=10 puts whose buffer address + length wraps around 2^64
 *   mode=11 time whose block is in the guest's own read-only text
 *   mode=12 time whose block is at GPA 0 (the unmapped NULL page)
 *   mode=13 time whose block is in vCPU 0's stack guard page
 *   mode=14 puts whose buffer is the page tables (supervisor only)
 *   mode=15 a system call (`syscall`): there is no kernel (KVM: #UD, a
 *           triple fault; ptrace: its vCPU process is killed by seccomp)
 */
#include "dsmig_guest.h"

static void out_port(uint16_t port, uint32_t value)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(value), "d"(port) : "memory");
}

/* The last GPA a 32-bit hypercall argument can name that is not RAM. */
static uint32_t beyond_ram(const struct dsmig_boot_info *bi)
{
	if (bi->mem_size >= (1ull << 32)) {
		gprintf("badptr: RAM is 4 GiB or more; every 32-bit GPA is RAM\n");
		return 0xfffff000u;
	}
	return (uint32_t)bi->mem_size;
}

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	static struct dsmig_hc_puts puts_arg;
	static uint64_t aligned_block[4];
	uint64_t mode = arg_u64(bi->cmdline, "mode", 0);

	if (vcpu != 0)
		return 0;
	switch (mode) {
	case 0:
		puts_arg.data = bi->mem_size + 0x10000;
		puts_arg.len = 16;
		gprintf("badptr: mode 0: puts with buffer at 0x%lx, outside RAM (%lu bytes)\n",
			puts_arg.data, bi->mem_size);
		hc_call(DSMIG_HC_PUTS, &puts_arg);
		break;
	case 1: {
		uint32_t gpa = beyond_ram(bi);

		gprintf("badptr: mode 1: puts with argument block at 0x%x, beyond RAM\n",
			gpa);
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_PUTS, gpa);
		break;
	}
	case 2:
		puts_arg.data = (uintptr_t)"x";
		puts_arg.len = 1ull << 40;
		gprintf("badptr: mode 2: puts with length 0x%lx\n", puts_arg.len);
		hc_call(DSMIG_HC_PUTS, &puts_arg);
		break;
	case 3:
		gprintf("badptr: mode 3: time with its block on the boot-info page 0x%x (read-only)\n",
			DSMIG_BOOT_INFO_GPA);
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_TIME, DSMIG_BOOT_INFO_GPA);
		if (bi->abi_version != DSMIG_ABI_VERSION)
			gprintf("badptr: the VMM overwrote the boot info!\n");
		break;
	case 4:
		gprintf("badptr: mode 4: unknown hypercall %u (port 0x%x)\n",
			DSMIG_HC_MAX, DSMIG_HC_PORT_BASE + DSMIG_HC_MAX);
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_MAX,
			 (uint32_t)(uintptr_t)aligned_block);
		break;
	case 5:
		gprintf("badptr: mode 5: writing to address 0 (page fault, no IDT: triple fault)\n");
		*(volatile uint64_t *)(uintptr_t)0 = 1;
		break;
	case 6:
		gprintf("badptr: mode 6: time with its block at 0x%x (GDT/page tables)\n",
			DSMIG_SYS_BASE);
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_TIME, DSMIG_SYS_BASE);
		break;
	case 7:
		gprintf("badptr: mode 7: I/O to port 0x80, outside the hypercall window\n");
		out_port(0x80, 0);
		break;
	case 8:
		gprintf("badptr: mode 8: time with a misaligned block at %p\n",
			(void *)((char *)aligned_block + 3));
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_TIME,
			 (uint32_t)(uintptr_t)((char *)aligned_block + 3));
		break;
	case 9:
		puts_arg.data = bi->mem_size - 8;
		puts_arg.len = 64;
		gprintf("badptr: mode 9: puts with buffer [0x%lx, +64) straddling the end of RAM\n",
			puts_arg.data);
		hc_call(DSMIG_HC_PUTS, &puts_arg);
		break;
	case 10:
		puts_arg.data = UINT64_MAX - 7;
		puts_arg.len = 64;
		gprintf("badptr: mode 10: puts with buffer at 0x%lx: address + length wraps\n",
			puts_arg.data);
		hc_call(DSMIG_HC_PUTS, &puts_arg);
		break;
	case 11:
		gprintf("badptr: mode 11: time with its block in read-only text at %p\n",
			(void *)guest_main);
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_TIME,
			 (uint32_t)((uintptr_t)guest_main & ~7ul));
		break;
	case 12:
		gprintf("badptr: mode 12: time with its block at GPA 0\n");
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_TIME, 0);
		break;
	case 13:
		gprintf("badptr: mode 13: time with its block in the stack guard page\n");
		out_port(DSMIG_HC_PORT_BASE + DSMIG_HC_TIME,
			 (uint32_t)(bi->mem_size - DSMIG_STACK_SIZE));
		break;
	case 14:
		/* The page tables start right where the heap ends. */
		puts_arg.data = bi->heap_end;
		puts_arg.len = 64;
		gprintf("badptr: mode 14: puts reading the page tables at 0x%lx\n",
			puts_arg.data);
		hc_call(DSMIG_HC_PUTS, &puts_arg);
		break;
	case 15:
		gprintf("badptr: mode 15: a system call (getpid)\n");
		__asm__ __volatile__("syscall" : : "a"(39) : "rcx", "r11", "memory");
		break;
	default:
		gprintf("badptr: unknown mode %lu (0..15)\n", mode);
		return 2;
	}
	gprintf("badptr: mode %lu: the VMM let the guest go on!\n", mode);
	return 99;
}

/*
 * The x86-64 machine a dsmig guest wakes up in (see guest/dsmig_abi.h):
 * identity-mapped 4 KiB page tables with the user bit, a GDT with 64-bit
 * CPL3 segments and a TSS, and per-vCPU registers that enter the image at
 * CPL3 with IOPL=3. No guest kernel, no real mode.
 *
 * Guest-physical layout built here:
 *   0x0000             not present (catches NULL)
 *   0x1000             boot info, user read-only
 *   0x2000             GDT + TSS, supervisor only
 *   0x3000 .. image    user read-write (unused by our guests)
 *   image              text read-only, data read-write
 *   heap               user read-write        [heap_start, heap_end)
 *   page tables        supervisor only
 *   stacks             one DSMIG_STACK_SIZE per vCPU at the top of RAM, the
 *                      lowest page of each not present (overflow guard)
 */
#ifndef DSMIG_VMM_X86_SETUP_H
#define DSMIG_VMM_X86_SETUP_H

#include <stdint.h>

#include "dsmig_abi.h"
#include "vmm/elf_loader.h"
#include "vmm/guest_mem.h"

#define X86_GDT_GPA   DSMIG_SYS_BASE
#define X86_TSS_GPA   (DSMIG_SYS_BASE + 0x800)
/* 104-byte TSS, then an I/O bitmap covering ports 0..0x7ff, then the 0xff
 * byte the architecture wants after the bitmap. */
#define X86_TSS_IOMAP_OFF 104
#define X86_TSS_LIMIT (X86_TSS_IOMAP_OFF + 0x800 / 8)
#define X86_SEL_UDATA 0x1b  /* GDT index 3, RPL 3 */
#define X86_SEL_UCODE 0x23  /* GDT index 4, RPL 3 */
#define X86_SEL_TSS   0x28

struct x86_layout {
	uint64_t pml4;                  /* CR3 */
	uint64_t pt_start, pt_end;      /* page-table area */
	uint64_t heap_start, heap_end;
	uint64_t stack_top[DSMIG_MAX_VCPUS];
};

/* Page-table area and stacks the layout reserves below mem_size. */
uint64_t x86_reserved_top(uint64_t mem_size, unsigned nr_vcpus);

/* Write GDT, TSS and page tables into guest RAM for the loaded image and
 * fill *lay. Returns 0, or -1 with a reason in why[len] (image too large for
 * the RAM, ...). */
int x86_build_tables(struct guest_mem *m, const struct elf_image *img,
		     unsigned nr_vcpus, struct x86_layout *lay, char *why,
		     size_t len);

/* May the guest itself (at CPL3, through its own page tables) read, or
 * with write set write, every byte of [gpa, gpa+len)? The VMM asks before
 * it touches guest memory on the guest's behalf, so that it never becomes
 * a way around the guest's page protections (read-only text, the NULL
 * page, stack guard pages, supervisor-only page tables). 1 or 0. */
int x86_guest_may_access(const struct guest_mem *m, const struct x86_layout *lay,
			 uint64_t gpa, uint64_t len, int write);

/* What the guest may do with one page (at CPL3, through its page
 * tables): X86_PAGE_READ (read and execute: there is no NX), with
 * X86_PAGE_WRITE, or 0 (not present, supervisor only, outside RAM). */
#define X86_PAGE_READ  1
#define X86_PAGE_WRITE 2
int x86_guest_page_prot(const struct guest_mem *m, const struct x86_layout *lay,
			uint64_t gpa);

/* The general registers a vCPU enters the image with (the rest are 0):
 * rip = entry, rsp = its stack top - 8, rdi = boot info, rsi = index,
 * rflags = IF | IOPL=3. Every accelerator starts its vCPUs so. */
struct x86_entry {
	uint64_t rip, rsp, rdi, rsi, rflags;
};
struct x86_entry x86_entry_regs(const struct x86_layout *lay, uint64_t entry,
				unsigned index);

/* The FPU's control words at entry (x87 default, SSE exceptions masked). */
#define X86_FCW_INIT   0x37f
#define X86_MXCSR_INIT 0x1f80

#endif /* DSMIG_VMM_X86_SETUP_H */

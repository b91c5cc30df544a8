/*
 * Multiboot v1 entry of a dsmig guest under QEMU (docs/guest-abi.md,
 * "Booting under QEMU"). QEMU's -kernel loader finds the header below in
 * the image's first 8 KiB, loads the image at its physical addresses and
 * jumps to qemu_mb_entry in 32-bit protected mode, paging off, interrupts
 * off, with eax = 0x2BADB002 and ebx = the multiboot info.
 *
 * We identity-map the first 4 GiB in 2 MiB pages, user-accessible as
 * dsmig-vmm's map is; load a TSS whose I/O bitmap opens every port (a
 * PVM-style KVM checks it instead of IOPL, as it checks dsmig-vmm's); enter
 * long mode at CPL0; let qemu_boot() (boot.c) fill the dsmig boot info;
 * and drop to CPL3 with IOPL 3 at the guest library's dsmig_guest_start,
 * with the registers dsmig-vmm gives vCPU 0. There is no IDT: an
 * exception is a triple fault, which ends QEMU when it runs with
 * -no-reboot.
 */
#include "dsmig_abi.h"
#include "qemu.h"

#define MB_FLAGS  (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* Page-table entry bits: present, writable, user, accessed, dirty (preset,
 * as dsmig-vmm does), 2 MiB page. */
#define PTE_TABLE (0x01 | 0x02 | 0x04)
#define PTE_2M    (PTE_TABLE | 0x20 | 0x40 | 0x80)

/* Control registers as dsmig-vmm sets them (src/vmm/accel_kvm.c). */
#define CR0_LONG  (0x1 | 0x2 | 0x10 | 0x20 | 0x10000 | 0x80000000) /* PE MP ET NE WP PG */
#define CR4_LONG  (0x20 | 0x200 | 0x400)                            /* PAE OSFXSR OSXMMEXCPT */
#define MSR_EFER  0xc0000080
#define EFER_LME  0x100
#define RFLAGS_USER 0x3002 /* IOPL 3, reserved bit 1, IF clear */

/* The low half of the TSS's 16-byte descriptor: limit, base, type
 * "available 64-bit TSS", present. */
#define TSS_DESC_LO ((QEMU_TSS_LIMIT & 0xffff) | ((QEMU_TSS & 0xffffff) << 16) | \
		     (0x89 << 40) | ((QEMU_TSS_LIMIT >> 16) << 48) | \
		     ((QEMU_TSS >> 24) << 56))

	.section .text.multiboot, "ax"
	.code32
	.p2align 2
mb_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

	.globl qemu_mb_entry
qemu_mb_entry:
	cli
	cld
	mov %eax, %esi                  /* the loader's magic, for qemu_boot */
	mov $QEMU_BOOT_STACK, %esp      /* ebx (multiboot info) stays as it is */

	/* Clear the tables and the TSS (an all-open I/O bitmap); end the
	 * bitmap; point PML4[0] at the PDPT and the PDPT's first
	 * QEMU_MAP_GIB entries at the page directories. */
	mov $QEMU_PML4, %edi
	mov $((QEMU_LOW_END - QEMU_PML4) / 4), %ecx
	xor %eax, %eax
	rep stosl
	movw $QEMU_TSS_IOMAP, QEMU_TSS + 102     /* the TSS's I/O map base */
	movb $0xff, QEMU_TSS + QEMU_TSS_LIMIT
	movl $(QEMU_PDPT | PTE_TABLE), QEMU_PML4
	mov $QEMU_PDPT, %edi
	mov $(QEMU_PD | PTE_TABLE), %eax
	mov $QEMU_MAP_GIB, %ecx
1:	mov %eax, (%edi)
	add $DSMIG_PAGE_SIZE, %eax
	add $8, %edi
	loop 1b

	/* Every page-directory entry (high halves are clear): a 2 MiB page
	 * at its own address. */
	mov $QEMU_PD, %edi
	mov $PTE_2M, %eax
	mov $(QEMU_MAP_GIB * 512), %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b

	/* Long mode: our GDT, PAE, the tables, EFER.LME, then paging. */
	lgdt qemu_gdt_desc
	mov $CR4_LONG, %eax
	mov %eax, %cr4
	mov $QEMU_PML4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov $CR0_LONG, %eax
	mov %eax, %cr0
	ljmp $QEMU_KERNEL_CS, $long_mode

	.code64
long_mode:
	mov $QEMU_KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $QEMU_TSS_SEL, %eax
	ltr %ax
	mov $QEMU_BOOT_STACK, %esp      /* 32-bit moves clear the upper halves */
	mov %esi, %edi                  /* qemu_boot(magic, multiboot info) */
	mov %ebx, %esi
	call qemu_boot                  /* rax = the CPL3 stack pointer */

	/* To CPL3 at dsmig_guest_start(boot info, vCPU 0). */
	mov $(QEMU_USER_DS | 3), %ecx
	mov %ecx, %ds
	mov %ecx, %es
	mov %ecx, %fs
	mov %ecx, %gs
	push %rcx                       /* ss */
	push %rax                       /* rsp */
	push $RFLAGS_USER               /* rflags */
	push $(QEMU_USER_CS | 3)        /* cs */
	push $dsmig_guest_start         /* rip */
	mov $DSMIG_BOOT_INFO_GPA, %edi
	xor %esi, %esi
	xor %ebp, %ebp
	iretq

/* Flat 64-bit code and data for CPL0 and CPL3 (accessed bits preset),
 * and the TSS. */
	.section .data
	.p2align 3
qemu_gdt:
	.quad 0
	.quad 0x00af9b000000ffff        /* 0x08 kernel code, 64-bit */
	.quad 0x00cf93000000ffff        /* 0x10 kernel data */
	.quad 0x00cff3000000ffff        /* 0x18 user data, DPL 3 */
	.quad 0x00affb000000ffff        /* 0x20 user code, 64-bit, DPL 3 */
	.quad TSS_DESC_LO               /* 0x28 TSS */
	.quad 0
qemu_gdt_end:
	.p2align 2
qemu_gdt_desc:
	.word qemu_gdt_end - qemu_gdt - 1
	.long qemu_gdt

	.section .note.GNU-stack, "", @progbits

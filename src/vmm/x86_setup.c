/* Page tables, GDT/TSS and vCPU entry state for CPL3 guests (x86_setup.h). */
#include <string.h>

#include "common/log.h"
#include "vmm/x86_setup.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_ADDR 0x000ffffffffff000ull

#define RFLAGS_RESERVED (1u << 1)
#define RFLAGS_IOPL3 (3u << 12)
#define RFLAGS_IF (1u << 9)

/* Bytes of page tables for mem_size bytes of identity map with 4 KiB pages:
 * one PML4, one PDPT, a PD per GiB, a PT per 2 MiB. */
static uint64_t pt_bytes(uint64_t mem_size)
{
	uint64_t pts = (mem_size + (2ull << 20) - 1) >> 21;
	uint64_t pds = (mem_size + (1ull << 30) - 1) >> 30;

	return (2 + pds + pts) * DSMIG_PAGE_SIZE;
}

uint64_t x86_reserved_top(uint64_t mem_size, unsigned nr_vcpus)
{
	return pt_bytes(mem_size) + (uint64_t)nr_vcpus * DSMIG_STACK_SIZE;
}

static uint64_t *pte_of(const struct guest_mem *m, const struct x86_layout *lay,
			uint64_t gpa)
{
	/* PTs follow PML4, PDPT and the PDs; PT i maps [i*2M, (i+1)*2M). */
	uint64_t pds = (m->size + (1ull << 30) - 1) >> 30;
	uint64_t pt = lay->pt_start + (2 + pds + (gpa >> 21)) * DSMIG_PAGE_SIZE;

	return (uint64_t *)gmem_ptr(m, pt + ((gpa >> 12) & 511) * 8, 8);
}

int x86_guest_may_access(const struct guest_mem *m, const struct x86_layout *lay,
			 uint64_t gpa, uint64_t len, int write)
{
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0), page, last;
	const uint64_t *pte;

	if (!lay->pml4 || !gmem_ptr(m, gpa, len))
		return 0;
	if (!len)
		return 1;
	last = (gpa + len - 1) & ~0xfffull;
	for (page = gpa & ~0xfffull; page <= last; page += DSMIG_PAGE_SIZE) {
		pte = pte_of(m, lay, page);
		if (!pte || (*pte & need) != need || (*pte & PTE_ADDR) != page)
			return 0;
	}
	return 1;
}

int x86_guest_page_prot(const struct guest_mem *m, const struct x86_layout *lay,
			uint64_t gpa)
{
	const uint64_t *pte;

	if (!lay->pml4 || !gmem_ptr(m, gpa, DSMIG_PAGE_SIZE))
		return 0;
	pte = pte_of(m, lay, gpa & ~0xfffull);
	if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U) ||
	    (*pte & PTE_ADDR) != (gpa & ~0xfffull))
		return 0;
	return X86_PAGE_READ | (*pte & PTE_W ? X86_PAGE_WRITE : 0);
}

static void set_range(struct guest_mem *m, const struct x86_layout *lay,
		      uint64_t start, uint64_t end, uint64_t flags)
{
	uint64_t gpa;

	for (gpa = start & ~0xfffull; gpa < end; gpa += DSMIG_PAGE_SIZE)
		*pte_of(m, lay, gpa) = gpa | flags;
}

/* GDT, and a TSS whose I/O permission bitmap opens exactly the hypercall
 * ports. IOPL=3 already allows `out` on hardware virtualisation; a
 * PVM-style KVM runs the guest with the real IOPL at 0 and its instruction
 * emulator then consults this bitmap, so both paths reach KVM_EXIT_IO. */
static void write_gdt(struct guest_mem *m)
{
	uint64_t *gdt = gmem_ptr(m, X86_GDT_GPA, 8 * 8);
	uint64_t tss = X86_TSS_GPA, limit = X86_TSS_LIMIT;
	uint8_t *tss_p = gmem_ptr(m, X86_TSS_GPA, X86_TSS_LIMIT + 1);
	uint16_t iomap = X86_TSS_IOMAP_OFF;
	unsigned port;

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull;  /* kernel code 64 (unused) */
	gdt[2] = 0x00cf93000000ffffull;  /* kernel data (unused)    */
	gdt[3] = 0x00cff3000000ffffull;  /* user data, DPL3         */
	gdt[4] = 0x00affb000000ffffull;  /* user code 64, DPL3      */
	gdt[5] = (limit & 0xffff) | ((tss & 0xffffff) << 16) |
		 (0x8bull << 40) | (((tss >> 24) & 0xff) << 56);
	gdt[6] = tss >> 32;               /* busy 64-bit TSS, upper half */
	memset(tss_p, 0, 104);
	memcpy(tss_p + 102, &iomap, sizeof(iomap));
	memset(tss_p + iomap, 0xff, X86_TSS_LIMIT + 1 - iomap); /* deny all... */
	for (port = DSMIG_HC_PORT_BASE; port < DSMIG_HC_PORT_BASE + DSMIG_HC_PORT_COUNT; port++)
		tss_p[iomap + port / 8] &= (uint8_t)~(1u << (port % 8)); /* ...but ours */
}

int x86_build_tables(struct guest_mem *m, const struct elf_image *img,
		     unsigned nr_vcpus, struct x86_layout *lay, char *why,
		     size_t len)
{
	uint64_t pds = (m->size + (1ull << 30) - 1) >> 30;
	uint64_t stacks = (uint64_t)nr_vcpus * DSMIG_STACK_SIZE;
	uint64_t *pml4, *pdpt, i;
	unsigned v;

	memset(lay, 0, sizeof(*lay));
	if (x86_reserved_top(m->size, nr_vcpus) >= m->size ||
	    img->end > m->size - x86_reserved_top(m->size, nr_vcpus)) {
		return errbuf_set(why, len,
				  "%llu MiB of RAM is too small for the image, page tables and %u stacks",
				  (unsigned long long)(m->size >> 20), nr_vcpus);
	}
	lay->pt_end = m->size - stacks;
	lay->pt_start = lay->pt_end - pt_bytes(m->size);
	lay->pml4 = lay->pt_start;
	lay->heap_start = (img->end + DSMIG_PAGE_SIZE - 1) & ~(uint64_t)(DSMIG_PAGE_SIZE - 1);
	lay->heap_end = lay->pt_start;
	for (v = 0; v < nr_vcpus; v++)
		lay->stack_top[v] = m->size - (uint64_t)v * DSMIG_STACK_SIZE;

	memset(gmem_ptr(m, lay->pt_start, pt_bytes(m->size)), 0, pt_bytes(m->size));
	pml4 = gmem_ptr(m, lay->pml4, DSMIG_PAGE_SIZE);
	pdpt = gmem_ptr(m, lay->pml4 + DSMIG_PAGE_SIZE, DSMIG_PAGE_SIZE);
	/* Upper levels allow everything; the leaf PTEs decide. A and D are
	 * preset so the CPU never writes page tables (no spurious dirtying). */
	pml4[0] = (lay->pml4 + DSMIG_PAGE_SIZE) | PTE_P | PTE_W | PTE_U | PTE_A;
	for (i = 0; i < pds; i++) {
		uint64_t pd_gpa = lay->pml4 + (2 + i) * DSMIG_PAGE_SIZE;
		uint64_t *pd = gmem_ptr(m, pd_gpa, DSMIG_PAGE_SIZE);
		uint64_t j;

		pdpt[i] = pd_gpa | PTE_P | PTE_W | PTE_U | PTE_A;
		for (j = 0; j < 512 && ((i << 30) | (j << 21)) < m->size; j++)
			pd[j] = (lay->pml4 + (2 + pds + (i << 9) + j) * DSMIG_PAGE_SIZE) |
				PTE_P | PTE_W | PTE_U | PTE_A;
	}

	/* Leaves, from the general case to the specific ones. */
	set_range(m, lay, DSMIG_PAGE_SIZE, m->size, PTE_P | PTE_W | PTE_U | PTE_A | PTE_D);
	set_range(m, lay, 0, DSMIG_PAGE_SIZE, 0);
	set_range(m, lay, DSMIG_BOOT_INFO_GPA, DSMIG_BOOT_INFO_GPA + DSMIG_PAGE_SIZE,
		  PTE_P | PTE_U | PTE_A | PTE_D);
	set_range(m, lay, DSMIG_SYS_BASE, DSMIG_SYS_BASE + DSMIG_PAGE_SIZE,
		  PTE_P | PTE_W | PTE_A | PTE_D);
	for (i = 0; i < img->nr_segments; i++)
		if (!img->seg[i].writable)
			set_range(m, lay, img->seg[i].gpa,
				  img->seg[i].gpa + img->seg[i].memsz,
				  PTE_P | PTE_U | PTE_A | PTE_D);
	set_range(m, lay, lay->pt_start, lay->pt_end, PTE_P | PTE_W | PTE_A | PTE_D);
	for (v = 0; v < nr_vcpus; v++)
		set_range(m, lay, lay->stack_top[v] - DSMIG_STACK_SIZE,
			  lay->stack_top[v] - DSMIG_STACK_SIZE + DSMIG_PAGE_SIZE, 0);
	write_gdt(m);
	return 0;
}

struct x86_entry x86_entry_regs(const struct x86_layout *lay, uint64_t entry,
				unsigned index)
{
	return (struct x86_entry) {
		.rip = entry,
		.rsp = lay->stack_top[index] - 8,
		.rdi = DSMIG_BOOT_INFO_GPA,
		.rsi = index,
		.rflags = RFLAGS_RESERVED | RFLAGS_IF | RFLAGS_IOPL3,
	};
}

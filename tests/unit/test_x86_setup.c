/* Unit tests: the guest machine's page tables, GDT/TSS, and the checked
 * accessor's refusal to let hypercalls write protected guest pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/vm.h"
#include "vmm/x86_setup.h"

#define RAM (16u << 20)
#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull

static struct vm vm;   /* only mem and lay are used */
static struct elf_image img;

static int setup(void **state)
{
	char why[256];

	memset(&vm, 0, sizeof(vm));
	if (gmem_create(&vm.mem, RAM, "x86-test"))
		return -1;
	img.entry = DSMIG_IMAGE_BASE;
	img.end = DSMIG_IMAGE_BASE + 3 * 4096;
	img.nr_segments = 2;
	img.seg[0] = (struct elf_segment) { DSMIG_IMAGE_BASE, 4096, 0 };
	img.seg[1] = (struct elf_segment) { DSMIG_IMAGE_BASE + 4096, 8192, 1 };
	return x86_build_tables(&vm.mem, &img, 2, &vm.lay, why, sizeof(why));
}

static int teardown(void **state)
{
	gmem_destroy(&vm.mem);
	return 0;
}

/* Walk the 4-level tables like the MMU: returns the leaf PTE, or 0 if an
 * upper level is not present. Also checks the leaf maps gpa to itself. */
static uint64_t walk(uint64_t va)
{
	uint64_t table = vm.lay.pml4, e = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t *t = gmem_ptr(&vm.mem, table, 4096);

		assert_non_null(t);
		e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return 0;
		if (level > 0)
			assert_true((e & PTE_U) && (e & PTE_W));
		table = e & 0x000ffffffffff000ull;
	}
	assert_int_equal(table, va & ~0xfffull);
	return e;
}

static void test_layout(void **state)
{
	assert_int_equal(vm.lay.heap_start, DSMIG_IMAGE_BASE + 3 * 4096);
	assert_int_equal(vm.lay.heap_end, vm.lay.pt_start);
	assert_int_equal(vm.lay.pt_end, RAM - 2 * DSMIG_STACK_SIZE);
	assert_int_equal(vm.lay.stack_top[0], RAM);
	assert_int_equal(vm.lay.stack_top[1], RAM - DSMIG_STACK_SIZE);
	assert_true(vm.lay.heap_start < vm.lay.heap_end);
}

static void test_page_permissions(void **state)
{
	uint64_t e;

	assert_int_equal(walk(0), 0);                        /* NULL page */
	e = walk(DSMIG_BOOT_INFO_GPA);
	assert_true((e & PTE_U) && !(e & PTE_W));             /* boot info RO */
	e = walk(DSMIG_SYS_BASE);
	assert_true((e & PTE_P) && !(e & PTE_U));             /* GDT/TSS: supervisor */
	e = walk(DSMIG_IMAGE_BASE);
	assert_true((e & PTE_U) && !(e & PTE_W));             /* text RO */
	e = walk(DSMIG_IMAGE_BASE + 4096);
	assert_true((e & PTE_U) && (e & PTE_W));              /* data RW */
	e = walk(vm.lay.heap_start);
	assert_true((e & PTE_U) && (e & PTE_W));
	e = walk(vm.lay.pt_start);
	assert_true(!(e & PTE_U));                            /* page tables */
	e = walk(vm.lay.pt_end - 4096);
	assert_true(!(e & PTE_U));
	e = walk(RAM - 8);
	assert_true((e & PTE_U) && (e & PTE_W));              /* top of stack 0 */
	assert_int_equal(walk(RAM - DSMIG_STACK_SIZE), 0);    /* guard page */
	assert_int_equal(walk(RAM - 2 * DSMIG_STACK_SIZE), 0);
	assert_int_equal(walk(RAM), 0);                       /* beyond RAM */
}

static void test_tss_io_bitmap(void **state)
{
	uint8_t *tss = gmem_ptr(&vm.mem, X86_TSS_GPA, X86_TSS_LIMIT + 1);
	uint16_t base;
	unsigned port;

	memcpy(&base, tss + 102, 2);
	assert_int_equal(base, X86_TSS_IOMAP_OFF);
	for (port = 0; port < 0x800; port++) {
		int open = !(tss[base + port / 8] & (1u << (port % 8)));
		int want = port >= DSMIG_HC_PORT_BASE &&
			   port < DSMIG_HC_PORT_BASE + DSMIG_HC_PORT_COUNT;

		if (open != want)
			fail_msg("port 0x%x is %s", port, open ? "open" : "closed");
	}
	assert_int_equal(tss[X86_TSS_LIMIT], 0xff);
}

static void test_guest_ptr_protects_system_pages(void **state)
{
	assert_non_null(vm_guest_ptr(&vm, vm.lay.heap_start, 16, 8, GUEST_WRITE));
	assert_non_null(vm_guest_ptr(&vm, DSMIG_BOOT_INFO_GPA, 16, 8, GUEST_READ));
	assert_null(vm_guest_ptr(&vm, DSMIG_BOOT_INFO_GPA, 16, 8, GUEST_WRITE));
	assert_null(vm_guest_ptr(&vm, DSMIG_SYS_BASE + 64, 16, 8, GUEST_WRITE));
	assert_null(vm_guest_ptr(&vm, vm.lay.pt_start, 16, 8, GUEST_WRITE));
	assert_null(vm_guest_ptr(&vm, vm.lay.pt_start - 8, 16, 8, GUEST_WRITE));
	assert_non_null(vm_guest_ptr(&vm, vm.lay.pt_start - 16, 16, 8, GUEST_WRITE));
	assert_null(vm_guest_ptr(&vm, vm.lay.heap_start + 4, 16, 8, GUEST_READ));
	assert_null(vm_guest_ptr(&vm, RAM - 8, 16, 8, GUEST_READ));
	assert_null(vm_guest_ptr(&vm, UINT64_MAX - 7, 16, 8, GUEST_READ));
}

static void test_too_small_ram_is_refused(void **state)
{
	struct guest_mem small;
	struct x86_layout lay;
	struct elf_image big = img;
	char why[256];

	assert_int_equal(gmem_create(&small, 4u << 20, "x86-small"), 0);
	big.end = (4u << 20) - 4096;
	assert_int_equal(x86_build_tables(&small, &big, 8, &lay, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "too small"));
	gmem_destroy(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_page_permissions),
		cmocka_unit_test(test_tss_io_bitmap),
		cmocka_unit_test(test_guest_ptr_protects_system_pages),
		cmocka_unit_test(test_too_small_ram_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

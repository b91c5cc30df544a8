/* Unit tests: the guest image loader against crafted good and bad ELFs. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dsmig_abi.h"
#include "vmm/elf_loader.h"

#define RAM (8u << 20)

/* A minimal dsmig image: ELF header, two program headers (LOAD, NOTE),
 * the note, then 64 bytes of code loaded at DSMIG_IMAGE_BASE. */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];           /* the third unused unless a test says */
	struct {
		Elf64_Nhdr nh;
		char name[8];
		uint32_t version;
	} note;
	uint8_t code[64];
};

static struct guest_mem mem;
static char why[256];

static void make_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = DSMIG_IMAGE_BASE + 4;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;
	im->ph[0].p_type = PT_LOAD;
	im->ph[0].p_flags = PF_R | PF_X;
	im->ph[0].p_offset = offsetof(struct image, code);
	im->ph[0].p_vaddr = im->ph[0].p_paddr = DSMIG_IMAGE_BASE;
	im->ph[0].p_filesz = sizeof(im->code);
	im->ph[0].p_memsz = 8192;   /* the rest is bss */
	im->ph[1].p_type = PT_NOTE;
	im->ph[1].p_offset = offsetof(struct image, note);
	im->ph[1].p_filesz = sizeof(im->note);
	im->note.nh.n_namesz = sizeof(DSMIG_NOTE_NAME);
	im->note.nh.n_descsz = 4;
	im->note.nh.n_type = DSMIG_NOTE_ABI;
	memcpy(im->note.name, DSMIG_NOTE_NAME, sizeof(DSMIG_NOTE_NAME));
	im->note.version = DSMIG_ABI_VERSION;
	memset(im->code, 0xab, sizeof(im->code));
}

static int load(const struct image *im, size_t len, struct elf_image *out)
{
	return elf_load(im, len, &mem, RAM, out, why, sizeof(why));
}

static int setup(void **state)
{
	return gmem_create(&mem, RAM, "elf-test");
}

static int teardown(void **state)
{
	gmem_destroy(&mem);
	return 0;
}

static void test_valid_image_loads(void **state)
{
	struct image im;
	struct elf_image out;
	uint8_t *p;

	make_image(&im);
	/* Dirty the bss area first: the loader must zero it. */
	memset(gmem_ptr(&mem, DSMIG_IMAGE_BASE, 8192), 0x55, 8192);
	assert_int_equal(load(&im, sizeof(im), &out), 0);
	assert_int_equal(out.entry, DSMIG_IMAGE_BASE + 4);
	assert_int_equal(out.end, DSMIG_IMAGE_BASE + 8192);
	assert_int_equal(out.nr_segments, 1);
	assert_false(out.seg[0].writable);
	p = gmem_ptr(&mem, DSMIG_IMAGE_BASE, 8192);
	assert_int_equal(p[0], 0xab);
	assert_int_equal(p[63], 0xab);
	assert_int_equal(p[64], 0);
	assert_int_equal(p[8191], 0);
}

static void expect_error(struct image *im, size_t len, const char *words)
{
	struct elf_image out;

	assert_int_equal(load(im, len, &out), -1);
	if (!strstr(why, words))
		fail_msg("error '%s' does not mention '%s'", why, words);
}

static void test_not_elf(void **state)
{
	struct image im;

	make_image(&im);
	im.eh.e_ident[1] = 'X';
	expect_error(&im, sizeof(im), "not an ELF");
	expect_error(&im, 10, "not an ELF");
}

static void test_wrong_class_or_type(void **state)
{
	struct image im;

	make_image(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	expect_error(&im, sizeof(im), "x86-64");
	make_image(&im);
	im.eh.e_type = ET_DYN;
	expect_error(&im, sizeof(im), "static executable");
}

static void test_phdrs_out_of_file(void **state)
{
	struct image im;

	make_image(&im);
	im.eh.e_phoff = sizeof(im) - 8;
	expect_error(&im, sizeof(im), "truncated");
	make_image(&im);
	im.eh.e_phoff = UINT64_MAX - 16;  /* offset + size overflows */
	expect_error(&im, sizeof(im), "truncated");
	make_image(&im);
	expect_error(&im, offsetof(struct image, ph) + 10, "truncated");
}

static void test_segment_data_beyond_file(void **state)
{
	struct image im;

	make_image(&im);
	im.ph[0].p_filesz = 4096;
	im.ph[0].p_memsz = 8192;
	expect_error(&im, sizeof(im), "beyond the end of the file");
	make_image(&im);
	im.ph[0].p_offset = UINT64_MAX - 8;
	expect_error(&im, sizeof(im), "beyond the end of the file");
}

static void test_filesz_above_memsz(void **state)
{
	struct image im;

	make_image(&im);
	im.ph[0].p_memsz = 8;
	expect_error(&im, sizeof(im), "file size exceeds");
}

static void test_segment_outside_image_area(void **state)
{
	struct image im;

	make_image(&im);
	im.ph[0].p_paddr = 0x1000;   /* over the boot info and page tables */
	expect_error(&im, sizeof(im), "outside the image area");
	make_image(&im);
	im.ph[0].p_paddr = RAM - 4096;
	expect_error(&im, sizeof(im), "outside the image area");
	make_image(&im);
	im.ph[0].p_memsz = UINT64_MAX - DSMIG_IMAGE_BASE + 2;  /* wraps */
	expect_error(&im, sizeof(im), "outside the image area");
}

/* Data that shares a page with read-only text is refused, not mapped
 * read-only under it (nor the text writable). */
static void test_shared_page_refused(void **state)
{
	struct image im;
	struct elf_image out;

	make_image(&im);
	im.eh.e_phnum = 3;
	im.ph[2] = im.ph[0];
	im.ph[2].p_flags = PF_R | PF_W;
	im.ph[2].p_paddr = im.ph[2].p_vaddr = DSMIG_IMAGE_BASE + 8192 - 64;
	im.ph[2].p_memsz = 128;
	expect_error(&im, sizeof(im), "share a page");
	/* On the next page it loads. */
	im.ph[2].p_paddr = im.ph[2].p_vaddr = DSMIG_IMAGE_BASE + 8192;
	assert_int_equal(load(&im, sizeof(im), &out), 0);
	assert_int_equal(out.nr_segments, 2);
}

static void test_abi_note(void **state)
{
	struct image im;

	make_image(&im);
	im.note.version = 99;
	expect_error(&im, sizeof(im), "ABI 99");
	make_image(&im);
	im.note.nh.n_type = 1;
	expect_error(&im, sizeof(im), "not a dsmig guest");
	make_image(&im);
	im.note.nh.n_namesz = 0xfffffff0u;  /* a lying note length */
	expect_error(&im, sizeof(im), "not a dsmig guest");
}

static void test_entry_outside_segments(void **state)
{
	struct image im;

	make_image(&im);
	im.eh.e_entry = DSMIG_IMAGE_BASE + 8192;
	expect_error(&im, sizeof(im), "entry point");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image_loads),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_wrong_class_or_type),
		cmocka_unit_test(test_phdrs_out_of_file),
		cmocka_unit_test(test_segment_data_beyond_file),
		cmocka_unit_test(test_filesz_above_memsz),
		cmocka_unit_test(test_segment_outside_image_area),
		cmocka_unit_test(test_abi_note),
		cmocka_unit_test(test_entry_outside_segments),
		cmocka_unit_test(test_shared_page_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

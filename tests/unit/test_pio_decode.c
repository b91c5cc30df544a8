/* Unit tests: decoding the port I/O instructions a guest's hypercall (or a
 * hostile guest) executes, as the ptrace accelerator sees them at rip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/pio_decode.h"

struct want {
	const char *what;
	uint8_t code[16];
	size_t avail;
	int rc;
	unsigned len, size;
	int out, dx, string, rep;
	uint8_t imm;
};

static void test_forms(void **state)
{
	static const struct want cases[] = {
		{ "outl %eax,(%dx): the hypercall", { 0xef }, 1, 0, 1, 4, 1, 1, 0, 0, 0 },
		{ "outw", { 0x66, 0xef }, 2, 0, 2, 2, 1, 1, 0, 0, 0 },
		{ "outb", { 0xee }, 1, 0, 1, 1, 1, 1, 0, 0, 0 },
		{ "out imm8, eax", { 0xe7, 0x80 }, 2, 0, 2, 4, 1, 0, 0, 0, 0x80 },
		{ "out imm8, al", { 0xe6, 0x05 }, 2, 0, 2, 1, 1, 0, 0, 0, 0x05 },
		{ "in eax, dx", { 0xed }, 1, 0, 1, 4, 0, 1, 0, 0, 0 },
		{ "in eax, imm8", { 0xe5, 0x10 }, 2, 0, 2, 4, 0, 0, 0, 0, 0x10 },
		{ "outsd", { 0x6f }, 1, 0, 1, 4, 1, 1, 1, 0, 0 },
		{ "rep outsb", { 0xf3, 0x6e }, 2, 0, 2, 1, 1, 1, 1, 1, 0 },
		{ "rep insw", { 0x66, 0xf3, 0x6d }, 3, 0, 3, 2, 0, 1, 1, 1, 0 },
		{ "REX.W does not widen", { 0x48, 0xef }, 2, 0, 2, 4, 1, 1, 0, 0, 0 },
		{ "segment prefix", { 0x2e, 0xef }, 2, 0, 2, 4, 1, 1, 0, 0, 0 },
		{ "prefix then REX", { 0x66, 0x41, 0xef }, 3, 0, 3, 2, 1, 1, 0, 0, 0 },
		{ "trailing bytes ignored", { 0xef, 0x90, 0x90 }, 3, 0, 1, 4, 1, 1, 0, 0, 0 },
		{ "nop", { 0x90 }, 1, -1, 0, 0, 0, 0, 0, 0, 0 },
		{ "syscall", { 0x0f, 0x05 }, 2, -1, 0, 0, 0, 0, 0, 0, 0 },
		{ "hlt", { 0xf4 }, 1, -1, 0, 0, 0, 0, 0, 0, 0 },
		{ "cut off imm8 (end of RAM)", { 0xe7 }, 1, -1, 0, 0, 0, 0, 0, 0, 0 },
		{ "only prefixes", { 0x66, 0x66 }, 2, -1, 0, 0, 0, 0, 0, 0, 0 },
		{ "two REX prefixes", { 0x48, 0x48, 0xef }, 3, -1, 0, 0, 0, 0, 0, 0, 0 },
		{ "nothing", { 0 }, 0, -1, 0, 0, 0, 0, 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *w = &cases[i];
		struct pio_insn insn;
		int rc = pio_decode(w->code, w->avail, &insn);

		if (rc != w->rc)
			fail_msg("%s: rc %d, want %d", w->what, rc, w->rc);
		if (rc)
			continue;
		if (insn.len != w->len || insn.size != w->size || insn.out != w->out ||
		    insn.port_in_dx != w->dx || insn.string != w->string ||
		    insn.rep != w->rep || (!w->dx && insn.imm != w->imm))
			fail_msg("%s: len %u size %u out %d dx %d string %d rep %d imm 0x%x",
				 w->what, insn.len, insn.size, insn.out, insn.port_in_dx,
				 insn.string, insn.rep, insn.imm);
	}
}

/* Fifteen bytes at most: an instruction longer than that is #GP anyway,
 * and the decoder never reads past avail nor past 15 bytes. */
static void test_length_limit(void **state)
{
	uint8_t code[32];
	struct pio_insn insn;

	memset(code, 0x66, sizeof(code));
	code[14] = 0xef;
	assert_int_equal(pio_decode(code, sizeof(code), &insn), 0);
	assert_int_equal(insn.len, 15);
	code[14] = 0x66;
	code[15] = 0xef;
	assert_int_equal(pio_decode(code, sizeof(code), &insn), -1);
	assert_int_equal(pio_decode(code, 3, &insn), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_length_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

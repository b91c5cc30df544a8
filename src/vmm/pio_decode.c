/* Port I/O instruction decoding (pio_decode.h). */
#include <string.h>

#include "vmm/pio_decode.h"

int pio_decode(const uint8_t *code, size_t avail, struct pio_insn *insn)
{
	size_t n = avail < PIO_INSN_MAX ? avail : PIO_INSN_MAX, i;
	int opsize16 = 0, rep = 0;
	uint8_t op;

	memset(insn, 0, sizeof(*insn));
	/* Legacy prefixes in any order, then at most one REX, then the
	 * opcode. REX.W does not widen port I/O. */
	for (i = 0; i < n; i++) {
		uint8_t b = code[i];

		if (b == 0x66)
			opsize16 = 1;
		else if (b == 0xf3 || b == 0xf2)
			rep = 1;
		else if (b == 0x67 || b == 0xf0 || b == 0x26 || b == 0x2e ||
			 b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65)
			continue;
		else
			break;
	}
	if (i < n && (code[i] & 0xf0) == 0x40)
		i++;
	if (i >= n)
		return -1;
	op = code[i++];
	switch (op) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:    /* in/out imm8 */
		if (i >= n)
			return -1;
		insn->imm = code[i++];
		break;
	case 0xec: case 0xed: case 0xee: case 0xef:    /* in/out dx */
		insn->port_in_dx = 1;
		break;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:    /* ins/outs */
		insn->port_in_dx = 1;
		insn->string = 1;
		insn->rep = rep;
		break;
	default:
		return -1;
	}
	/* Even opcodes move a byte, odd ones a word or a dword. */
	insn->size = !(op & 1) ? 1 : opsize16 ? 2 : 4;
	insn->out = op == 0xe6 || op == 0xe7 || op == 0xee || op == 0xef ||
		    op == 0x6e || op == 0x6f;
	insn->len = (unsigned)i;
	return 0;
}

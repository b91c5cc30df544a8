/*
 * Decoding the x86-64 port I/O instructions (in, out, ins, outs with their
 * prefixes) from guest code bytes. The ptrace accelerator needs it: there
 * a guest's `out` is a #GP the kernel reports as SIGSEGV, and the VMM
 * reads the instruction at rip to tell a hypercall (and its length, to
 * step over it) from any other fault. KVM decodes for itself.
 */
#ifndef DSMIG_VMM_PIO_DECODE_H
#define DSMIG_VMM_PIO_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define PIO_INSN_MAX 15   /* the longest x86 instruction */

struct pio_insn {
	unsigned len;         /* bytes, prefixes included */
	int out;              /* 1: out/outs, 0: in/ins */
	unsigned size;        /* operand bytes: 1, 2 or 4 */
	int port_in_dx;       /* the port is dx; else it is imm */
	uint8_t imm;
	int string;           /* ins/outs */
	int rep;              /* with a rep prefix */
};

/* Decode the instruction in code[0..avail) (avail may be short at the end
 * of RAM). Returns 0 and fills *insn if it is port I/O, -1 otherwise
 * (another instruction, or cut off). */
int pio_decode(const uint8_t *code, size_t avail, struct pio_insn *insn);

#endif /* DSMIG_VMM_PIO_DECODE_H */

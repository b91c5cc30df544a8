/* Guest entry point. The VMM starts every vCPU here at CPL3 with
 * rdi = boot info GPA, rsi = vCPU index, rsp = its stack top (see
 * dsmig_abi.h). We hand off to C and turn a return into an exit hypercall. */
#include "dsmig_abi.h"

	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call dsmig_guest_start
1:	pause
	jmp 1b

/* The ELF note that tells the VMM which ABI this image speaks. */
	.section .note.dsmig, "a"
	.p2align 2
	.long 6          /* namesz: "DSMIG\0" */
	.long 4          /* descsz */
	.long DSMIG_NOTE_ABI
	.asciz "DSMIG"
	.p2align 2
	.long DSMIG_ABI_VERSION

	.section .note.GNU-stack, "", @progbits

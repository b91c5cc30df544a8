/*
 * Hypercall dispatch: a guest's `outl` to DSMIG_HC_PORT_BASE + nr arrives
 * here from the vCPU loop. The argument block is copied in through the
 * checked accessor, handled, and copied back; any bad port, size or address
 * stops the VM with a clear reason (VMM_EXIT_GUEST_FAULT).
 */
#ifndef DSMIG_VMM_HYPERCALL_H
#define DSMIG_VMM_HYPERCALL_H

#include <stdint.h>

struct vcpu;


/* Direction of a port access. */
enum hc_io_dir { HC_IO_IN, HC_IO_OUT };

/* Handle one port access of the guest (a KVM_EXIT_IO, or an `out` the
 * ptrace accelerator decoded): direction, size in bytes, count (more than
 * 1 for string I/O), data the bytes written. Returns 0 to keep running
 * the vCPU, -1 when the VM was shut down (by the guest's exit or by a
 * fault). */
int hypercall_handle_io(struct vcpu *v, uint16_t port, int direction,
			uint8_t size, uint32_t count, const void *data);

/* The vCPU parked (paused, or migrated) since its last hypercall, a TIME
 * or SLEEP: write the clock into that block again, so that a guest that
 * has not read it yet reads the time of its return, not of the pause. A
 * kick can stop the vCPU before or after the guest read it, which the VMM
 * cannot tell apart; the block is rewritten only while it still holds the
 * reading the VMM wrote (a guest that has reused the memory is left
 * alone), so at worst a guest that read it already finds a later reading
 * there. The guest's next hypercall ends it. */
void hypercall_clock_retake(struct vcpu *v);

/* Is nr a hypercall whose block holds a clock reading (for a state blob's
 * clock_due_nr)? */
int hypercall_returns_clock(uint32_t nr);

#endif /* DSMIG_VMM_HYPERCALL_H */

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

/* The vCPU parked (paused, or migrated) after a TIME or SLEEP hypercall
 * and before the guest read its result: write the clock into the block
 * again, so that the guest reads the time of its return, not of the
 * pause. Then, and on every entry into the guest, the reading is no
 * longer due (hypercall_clock_taken). */
void hypercall_clock_retake(struct vcpu *v);
void hypercall_clock_taken(struct vcpu *v);

/* Is nr a hypercall whose block holds a clock reading (for a state blob's
 * clock_due_nr)? */
int hypercall_returns_clock(uint32_t nr);

#endif /* DSMIG_VMM_HYPERCALL_H */

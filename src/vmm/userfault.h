/*
 * Post-copy on the destination (the dsm-pull method): guest RAM registered
 * with a userfaultfd in MISSING mode, so that the first touch of a page that
 * has not arrived blocks the toucher (a vCPU inside KVM, or a VMM thread)
 * until the engine installs the page with UFFDIO_COPY.
 *
 * The engine gets a duplicate of the userfaultfd over the control socket.
 * The VMM keeps its own, so the registration outlives an engine crash: a
 * page that never arrives is never read as zeros. If the connection that
 * armed post-copy closes before "userfault-done", the VM is paused and
 * marked failed, because its missing pages now exist only on the source.
 *
 * All functions take vm->lock themselves.
 */
#ifndef DSMIG_VMM_USERFAULT_H
#define DSMIG_VMM_USERFAULT_H

#include <stdint.h>

struct vm;

enum userfault_state {
	USERFAULT_OFF,       /* never armed, or finished: all pages resident */
	USERFAULT_ACTIVE,    /* armed: missing pages fault to the engine */
	USERFAULT_FAILED,    /* the engine went away with pages missing */
};

/* Arm post-copy for the client conn_id: create the userfaultfd, register
 * all guest RAM, and return it in *uffd (borrowed: the control server
 * passes a duplicate to the client). Only an incoming VM that has not run can be armed.
 * Returns 0 or -errno (-EBUSY: already armed; -EINVAL: wrong state;
 * -ENOSYS: no userfaultfd shmem support). */
int userfault_arm(struct vm *vm, unsigned conn_id, int *uffd);

/* Every page is resident: unregister and forget the userfaultfd. */
int userfault_done(struct vm *vm);

/* The control connection conn_id closed: if it armed post-copy and did not
 * finish, fail post-copy and pause the VM. */
void userfault_conn_closed(struct vm *vm, unsigned conn_id);

/* Whether [gpa, gpa+len) is resident (always true outside post-copy):
 * VMM threads that must not block on a missing page ask first. */
int userfault_resident(struct vm *vm, uint64_t gpa, uint64_t len);

/* Guest pages not yet resident (0 outside post-copy). */
uint64_t userfault_missing_pages(struct vm *vm);

/* The VM is going away: unregister and close the userfaultfd, waking any
 * thread still waiting on a fault (vm_destroy, before joining vCPUs). */
void userfault_release(struct vm *vm);

enum userfault_state userfault_state(struct vm *vm);
const char *userfault_state_name(enum userfault_state s);

#endif /* DSMIG_VMM_USERFAULT_H */

/*
 * The operator's actions on VMs from the console: start a VM on a host,
 * stop one (its VMM's quit), pause and resume one. An action that is
 * taken is an operator record in the session log ("vm-start", "vm-stop",
 * "vm-pause", "vm-resume", with its host, VM and, for a start, image and
 * memory: docs/telemetry.md), and what became of it a vmact record
 * ("done", or "failed" with the reason); both go through live_record(),
 * written and applied to the model, whose event log shows them, so a
 * replay shows them too and acts on nothing. What would be refused is
 * refused before anything is recorded, with the reason: a VM under a
 * migration or queued for one, a name taken or one the VMM refuses,
 * memory it cannot give (vmspec.h), an image not among the guests, a
 * host whose VMs dsmig does not start (xen), one that is unreachable.
 *
 * Pause, resume and stop are control commands on the VM's socket, as
 * the host's kind reaches it (vmhost.h): each waits at most VMACT_CTL_MS
 * to connect and as long for the reply, as the VM probe does every tick.
 * A start runs the host's launcher (vmhost.h) as a child in its own
 * process group; vmact_tick() reaps it without waiting and reports it.
 */
#ifndef DSMIG_UI_VMACT_H
#define DSMIG_UI_VMACT_H

#include <stddef.h>

#include "common/hosts.h"
#include "common/vmspec.h"
#include "ui/live.h"
#include "ui/model.h"

/* The control socket's connect and reply, each. */
#define VMACT_CTL_MS 500
/* A start that has not answered by then is given up (the launcher gives
 * up after 10 s itself; ssh may take its ConnectTimeout on top). */
#define VMACT_START_MAX_MS 30000
/* Starts under way at once, and guest images listed. */
#define VMACT_MAX_STARTS 8
#define VMACT_MAX_IMAGES 32

/* A VM to start, as the operator typed it. */
struct vm_start_req {
	char host[64];
	char image[65];               /* a guest's name: idle, cpu ... */
	char name[65];
	char mem[VMSPEC_MEM_TEXT];    /* as typed: "64M" */
};

/* What a start request was refused for, so that a dialog can point at
 * the field; VM_START_OK (0) when it was taken. */
enum vm_start_field {
	VM_START_OK,
	VM_START_HOST,
	VM_START_IMAGE,
	VM_START_NAME,
	VM_START_MEM,
	VM_START_BUSY,               /* VMACT_MAX_STARTS under way */
};

struct vmact;

/* For the console over hosts (kept by pointer), recording through l
 * into m (l NULL: only the checks may be called). Finds the guest
 * images: BIN/../guest/NAME.elf beside this program (BIN/dsmig), but
 * the test guests (test-*); none is no error (a start is then refused).
 * Returns 0, or -ENOMEM. */
int vmact_open(struct vmact **out, const struct host_list *hosts, struct live *l,
	       struct model *m);

/* The guest images found, by name, sorted: i in 0..vmact_images()-1. */
int vmact_images(const struct vmact *a);
const char *vmact_image(const struct vmact *a, int i);

/* Whether r could be started now: a kvm host of the hosts file that is
 * not unreachable, an image among the guests, a name the VMM takes that
 * no VM has (on any host: VMs are found by name) and none being
 * started, memory the VMM can give. Returns VM_START_OK, or the field
 * at fault with the reason in why. */
enum vm_start_field vmact_start_check(const struct vmact *a, const struct vm_start_req *r,
				      char *why, size_t len);

/* Start r (checked again as above): the operator record, then the
 * launcher. Returns VM_START_OK with what happens in msg ("starting
 * ..."; or, when the launcher could not be run, why it failed, recorded
 * as such), or the field at fault with "nothing started: " and the
 * reason in msg (nothing was recorded). */
enum vm_start_field vmact_start(struct vmact *a, const struct vm_start_req *r, char *msg,
				size_t len);

/* Whether act (stop, pause or resume) may be done to VM vm of host now:
 * 0, or -1 with the reason in why: a host whose VMs dsmig does not stop
 * or that is unreachable, a VM the model does not have there, one that
 * is migrating or queued for a migration, or being started; pause only
 * a running VM, resume only a paused one. */
int vmact_check(const struct vmact *a, enum vm_action act, const char *host, const char *vm,
		char *why, size_t len);

/* Do act (stop, pause or resume) to VM vm of host, if vmact_check()
 * allows: the operator record, the control command, the result's record.
 * Returns 0 when done, -1 when refused or failed; msg says which. */
int vmact_control(struct vmact *a, enum vm_action act, const char *host, const char *vm,
		  char *msg, size_t len);

/* Reap the starts that ended (call at 10 Hz); gives up on one older than
 * VMACT_START_MAX_MS. Returns 1 with the latest result in msg ("fresh
 * started on hostA", "cannot start ...: why"), else 0. */
int vmact_tick(struct vmact *a, char *msg, size_t len);

/* Give up the starts under way (each recorded as failed: the console
 * closed first; their VMs may still come up) and free a. Call before
 * live_close(). NULL is allowed. */
void vmact_close(struct vmact *a);

#endif /* DSMIG_UI_VMACT_H */

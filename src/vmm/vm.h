/*
 * One virtual machine of dsmig-vmm: its accelerator (accel.h), guest RAM,
 * vCPU threads and the run state machine (running <-> paused -> shutdown). Everything the
 * control commands and the hypercalls touch goes through these functions.
 *
 * Threads: one per vCPU (vcpu.c), the control thread (control.c) and the
 * main thread. vm->lock protects the run state and the counters
 * registration; vm->cond signals every change of them. The console has a
 * lock and a writer thread of its own (console.h).
 */
#ifndef DSMIG_VMM_VM_H
#define DSMIG_VMM_VM_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "dsmig_abi.h"
#include "vmm/accel.h"
#include "vmm/console.h"
#include "vmm/dirty_log.h"
#include "vmm/elf_loader.h"
#include "vmm/footprint.h"
#include "vmm/progress_log.h"
#include "vmm/guest_mem.h"
#include "vmm/net_tap.h"
#include "vmm/x86_setup.h"

#define VM_NAME_MAX 64

/* Exit statuses of dsmig-vmm (besides a guest's own DSMIG_HC_EXIT status). */
enum vmm_exit {
	VMM_EXIT_OK = 0,
	VMM_EXIT_INTERNAL = 1,     /* host-side failure (KVM, memory, ...) */
	VMM_EXIT_USAGE = 2,        /* bad command line */
	VMM_EXIT_IMAGE = 3,        /* bad or unreadable guest image */
	VMM_EXIT_GUEST_FAULT = 4,  /* guest crashed or made a bad hypercall */
};

/* VM_INCOMING: created empty for an incoming migration; RAM is filled from
 * outside and the state loaded before the first resume. */
enum vm_state { VM_CREATED, VM_INCOMING, VM_RUNNING, VM_PAUSED, VM_SHUTDOWN };

enum vcpu_activity { VCPU_IDLE, VCPU_RUNNING, VCPU_BLOCKED, VCPU_PAUSED,
		     VCPU_STOPPED };

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned index;
	void *accel_priv;               /* the accelerator's vCPU */
	pthread_t thread;
	int thread_started;
	_Atomic int activity;           /* enum vcpu_activity */
	_Atomic uint64_t exits;         /* returns from the guest */
	_Atomic uint64_t hypercalls;
	/* The block of the vCPU's last hypercall if it was TIME or SLEEP
	 * (clock_due_nr 0: none), and the reading it returned: taken again
	 * when the vCPU parks (a pause, or a migration: vm_state carries it),
	 * see hypercall_clock_retake. Only the vCPU's own thread, or anyone
	 * while it is parked. */
	uint64_t clock_due_gpa, clock_due_ns;
	uint32_t clock_due_nr;
};

/* Called (from any thread, without vm->lock held) when something happens
 * that control clients should hear about. Steals data (may be NULL). */
typedef void (*vm_event_fn)(void *opaque, const char *event, json_t *data);

struct vm_config {
	const char *name;
	const char *image_path;         /* NULL: incoming (no image) */
	uint64_t mem_size;
	unsigned nr_vcpus;
	const char *cmdline;
	int console_fd;                 /* where guest console output goes; -1: none */
	const struct accel_ops *accel;  /* accel_select() */
	const struct net_config *net;   /* NULL: no NIC (an incoming VM gets
					   its NIC with the state) */
};

struct vm {
	char name[VM_NAME_MAX + 1];
	const struct accel_ops *accel;
	void *accel_priv;               /* the accelerator's VM */
	struct guest_mem mem;
	struct elf_image img;
	struct x86_layout lay;
	struct dirty_log dirty;
	/* query-stats' dirty rate and query-footprint: the pages dirtied
	 * in windows of at least a second, whoever asks and however often. */
	struct footprint footprint;
	/* query-stats' progress_samples: the control thread's (vm_tick). */
	struct progress_log progress;
	unsigned nr_vcpus;
	struct vcpu vcpus[DSMIG_MAX_VCPUS];
	uint64_t started_ns;            /* host monotonic at vm_start */
	int64_t clock_offset_ns;        /* guest monotonic = host + offset */

	pthread_mutex_t lock;
	pthread_cond_t cond;            /* CLOCK_MONOTONIC */
	enum vm_state state;
	unsigned vcpus_parked;          /* vCPUs out of the guest while paused */
	int state_loaded;               /* incoming: vm_state_load succeeded */
	int exit_status;
	char exit_reason[256];
	uint64_t counters_gpa;          /* 0: none registered */
	unsigned migration_conn;        /* control client migrating the VM, 0: none */
	struct vm_console console;      /* has its own lock */
	struct net_dev net;             /* the NIC, if has_net (net_tap.h) */
	int has_net;

	/* Migration source: a memfd the engine maps, filled by dirty-sync. */
	int dirty_bitmap_fd;            /* -1 until dirty-log-start */
	uint64_t *dirty_bitmap;

	/* Post-copy destination (userfault.c). */
	int uffd;                       /* -1 unless armed */
	int userfault;                  /* enum userfault_state */
	unsigned userfault_conn;        /* the control client that armed it */

	pthread_mutex_t event_lock;     /* guards on_event against vm_events_close */
	vm_event_fn on_event;
	void *event_opaque;
};

/* Create the VM: open the accelerator, make RAM, load the image, build the machine and
 * the vCPUs (not yet running). Without an image the VM is created incoming:
 * empty RAM and vCPUs whose state vm_state_load() will set. On failure
 * returns a vmm_exit code (IMAGE for image problems, INTERNAL or USAGE
 * otherwise) with the reason in why[len]; vm_destroy() then frees what was
 * made. */
int vm_create(struct vm *vm, const struct vm_config *cfg, char *why, size_t len);

/* Give the VM its NIC (at creation, or an incoming VM's with its state).
 * Returns 0, or -errno with the reason in why[len]. */
int vm_net_attach(struct vm *vm, const struct net_config *cfg, char *why, size_t len);

/* Start the vCPU threads. Returns 0 or -errno. */
int vm_start(struct vm *vm);

/* Pause: returns once no vCPU is in the guest and every vCPU's last
 * exit is completed (guest memory and vCPU state are then stable). Resume
 * undoes it, and starts an incoming VM whose state has been loaded. Both
 * return 0, or -EINVAL if the VM is not in a state that allows it (shut
 * down; incoming without state). Pausing a paused VM is a no-op. */
int vm_pause(struct vm *vm);
/* vm_pause in two steps, for a caller with something to do between
 * asking the vCPUs to park and waiting for them: request returns 1 if it
 * paused a running VM (then call wait), 0 if it was paused already,
 * -EINVAL as vm_pause. */
int vm_pause_request(struct vm *vm);
void vm_pause_wait(struct vm *vm);
int vm_resume(struct vm *vm);

/* Stop the VM for good with an exit status and a reason (first caller wins).
 * Safe from vCPU threads. */
void vm_shutdown(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Block until the VM has shut down; returns its exit status. */
int vm_wait(struct vm *vm);

/* Join threads and free everything. */
void vm_destroy(struct vm *vm);

/* Access kinds for vm_guest_ptr(). */
enum guest_access { GUEST_READ, GUEST_WRITE };

/* THE checked accessor for guest-supplied addresses: a pointer to
 * [gpa, gpa+len) in guest RAM, or NULL if it is misaligned or the guest
 * itself may not read (GUEST_READ) or write (GUEST_WRITE) every byte of
 * it through its page tables (x86_guest_may_access): the VMM must never
 * become a guest's way around its own page protections. align must be a
 * power of two. */
void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t align,
		   enum guest_access access);

/* Guest-visible monotonic time (survives pause; base for DSMIG_HC_TIME). */
uint64_t vm_guest_mono_ns(const struct vm *vm);

/* The boot info's stall epoch (guest/dsmig_abi.h): vm_stall_epoch reads
 * it (0 while the boot info page is missing in a post-copy);
 * vm_stall_epoch_begin adds one (a migration starts), so that the
 * guest's counter block restarts its stall_max_ns. */
uint64_t vm_stall_epoch(struct vm *vm);
void vm_stall_epoch_begin(struct vm *vm);

/* Copy the guest's counter block, if one is registered and valid.
 * Returns 0, or -ENOENT (none registered) / -EINVAL (bad magic). */
int vm_read_counters(struct vm *vm, struct dsmig_counters *out);

/* The control thread's tick (every PROGRESS_LOG_TICK_MS): a sample of the
 * guest's progress while it runs; the samples are forgotten when it does
 * not, or keeps no counters. */
void vm_tick(struct vm *vm);

/* The migration lock: one migration of a VM at a time. The control
 * client that starts the migration dirty log owns the VM's migration until
 * it disconnects (a dying engine releases it); meanwhile no other client
 * may start another, sync the log, pause, resume or save the VM.
 * vm_migration_claim takes it (0, or -EBUSY with *owner set), check asks
 * whether conn_id may act (0 or -EBUSY), release drops it if conn_id owns
 * it. */
int vm_migration_claim(struct vm *vm, unsigned conn_id, unsigned *owner);
int vm_migration_check(struct vm *vm, unsigned conn_id, unsigned *owner);
void vm_migration_release(struct vm *vm, unsigned conn_id);

const char *vm_state_name(enum vm_state s);
const char *vcpu_activity_name(enum vcpu_activity a);

/* Emit an event through vm->on_event, if set. */
void vm_emit(struct vm *vm, const char *event, json_t *data);

/* Route events to fn from now on (NULL: drop them). Once this returns, no
 * thread is still inside the previous handler, so its target may go. */
void vm_set_event_handler(struct vm *vm, vm_event_fn fn, void *opaque);

#endif /* DSMIG_VMM_VM_H */

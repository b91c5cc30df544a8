/*
 * The hypervisor seam of the migration engine: one ops table per backend
 * (kvm: dsmig-vmm through its control socket; xen: a domain of the dom0
 * the engine runs in). The engine only ever talks to a VM through these
 * operations.
 *
 * Call order on the source:  attach, map_memory, dirty_log_start,
 *   { dirty_sync }*, pause, dirty_sync, save_state, and finally either
 *   release (migration done) or resume (migration failed), then detach.
 * On the destination:  create_incoming, map_memory, [userfault_arm,]
 *   load_state, resume, [userfault_done,] query_stats*, detach; or discard
 *   when the migration fails.
 *
 * Errors: no member prints. The two that make a handle (attach,
 * create_incoming) put their reason in the caller's why[len], as every
 * library does; the others, which all act on a handle, leave it in the
 * handle, read with error(). The engine's helpers around these calls
 * return -1 and their callers phrase the message, so the reason is read
 * where the message is written instead of being threaded through every
 * helper, and polls whose failure does not matter (the progress sampler)
 * pass nothing. A handle is used by one thread at a time (the sampler
 * attaches its own), so its reason is never another thread's.
 */
#ifndef DSMIG_HV_HV_H
#define DSMIG_HV_HV_H

#include <stddef.h>
#include <stdint.h>

/* What the engine needs to know about a VM to recreate it elsewhere. */
struct hv_vm_info {
	char name[65];
	uint64_t mem_bytes;
	uint32_t nr_vcpus;
	uint32_t page_size;
	uint64_t frames;            /* guest frame numbers span 0..frames-1
				       (kvm: mem_bytes / page_size; xen: the
				       physmap's highest frame + 1, holes and all) */
	int running;                /* attach: the VM was running */
};

/* A snapshot of the VM's activity (all counters cumulative). */
struct hv_stats {
	uint64_t time_ns;           /* host monotonic time of the snapshot */
	uint64_t cpu_ns;            /* sum over vCPUs */
	uint32_t nr_vcpus;
	int running;                /* run state is "running" */
	int has_counters;           /* the guest publishes counters */
	uint64_t progress, heartbeat, heartbeat_ns, selfcheck_fail;
	uint64_t guest_ns;          /* the guest's clock at the snapshot; 0 unknown */
	/* The guest's own longest stall since this migration began (its
	 * counter block's stall_max_ns, when it follows the current stall
	 * epoch: guest/dsmig_abi.h). */
	int has_stall;
	uint64_t stall_ns;
	/* Distinct pages dirtied per second over the VMM's last window of a
	 * second (query-stats dirty_pps); 0 where the backend has none. */
	double dirty_pps;
};

struct hv_vm;   /* backend-private */

/* Backends whose own toolstack writes and reads the migration stream
 * (xen: libxenguest's xc_domain_save on the source, libxl's restore on
 * the destination) instead of exposing guest RAM page by page. The
 * engine carries that stream between the ranks, may hold pages of it
 * back (dsm), and decides when pre-copy stops (engine/carry.h). Backends
 * with a stream leave map_memory, dirty_log_start, dirty_sync,
 * save_state, load_state, create_incoming and the userfault members NULL.
 */
struct hv_save_hooks {
	/* At each pre-copy iteration boundary (iteration 0 before the first
	 * page), with every byte of the stream before it already written;
	 * dirty is the number of pages the next iteration would send (-1
	 * unknown). Returns 0 continue, 1 stop and copy, -1 abort. */
	int (*iteration)(void *arg, unsigned iteration, int64_t dirty);
	/* The VM was just suspended for the final copy. */
	void (*suspended)(void *arg);
	void *arg;
};

struct hv_stream_ops {
	/* Source: the VM's configuration for the destination's toolstack,
	 * as malloc'd text (xen: libxl's JSON) in *cfg. 0 or -errno. */
	int (*config)(struct hv_vm *vm, char **cfg);
	/* Source: write the whole stream to fd: live pre-copy, calling
	 * hooks, then suspend and the rest. Blocks; runs in a thread of its
	 * own, the only one using vm meanwhile. 0 or -errno; a suspended VM
	 * stays suspended until resume (or destroy). */
	int (*save)(struct hv_vm *vm, int fd, const struct hv_save_hooks *hooks);
	/* Destination: build the VM `name` on host from cfg and the stream
	 * read from fd until its end; it stays paused under a temporary name.
	 * Returns 0, or -errno with the reason in why[len] (nothing is left
	 * behind then). */
	int (*restore)(struct hv_vm **vm, const char *host, const char *name,
		       const char *cfg, int fd, char *why, size_t len);
	/* The switch-over: the source gives its name up (retire; resume
	 * takes it back), the destination takes it and runs (activate). */
	int (*retire)(struct hv_vm *vm);
	int (*activate)(struct hv_vm *vm);
	/* --verify on the destination: the XXH3-64 of frames first ..
	 * first+n-1 of the restored VM into out[n] (0 for a hole or a frame
	 * past the end). */
	int (*page_hashes)(struct hv_vm *vm, uint64_t first, uint64_t n, uint64_t *out);
	/* Frames that each host's toolstack writes after the guest stopped
	 * (xen: the xenstore and console rings), which --verify skips: up to
	 * max into pfns; returns their number or -errno. */
	int (*unstable_pages)(struct hv_vm *vm, uint64_t *pfns, unsigned max);
	/* After an engine that died (dsmig migrate's referee): from the
	 * VM's copies on host and their names, make exactly one run.
	 * Returns 0 (the source runs), 1 (the destination had taken the
	 * VM's name: it runs, the source is gone), -ENOENT (no copy is
	 * left) or another -errno, with what was done or why in why[len]. */
	int (*recover)(const char *host, const char *name, char *why, size_t len);
};

struct hv_ops {
	const char *name;

	/* Attach to the running VM `name` on host `host` (kvm: the runtime
	 * directory of its dsmig-vmm). Fills *info. Returns 0, or -errno with
	 * the reason in why[len] (kvm: "no VM 'NAME' on host HOST: ..."). */
	int (*attach)(struct hv_vm **vm, const char *host, const char *name,
		      struct hv_vm_info *info, char *why, size_t len);

	/* Create an empty VM shaped like info on host, ready for pages and
	 * state (kvm: starts dsmig-vmm --incoming, detached from the caller so
	 * that it outlives an engine crash). Returns 0, or -errno with the
	 * reason in why[len] (-EEXIST: a VM of that name runs there). */
	int (*create_incoming)(struct hv_vm **vm, const char *host,
			       const struct hv_vm_info *info, char *why, size_t len);

	/* Every member below returns 0 (or a count) on success and -errno on
	 * failure, with the reason then in error(vm). */

	/* Map all guest RAM into this process, read-write. The mapping stays
	 * valid until detach. */
	int (*map_memory)(struct hv_vm *vm, uint8_t **base, uint64_t *bytes);

	/* Start dirty logging for migration; *bitmap (one bit per page,
	 * 64-bit words) is refreshed by each dirty_sync. */
	int (*dirty_log_start)(struct hv_vm *vm, const uint64_t **bitmap);

	/* Optional (NULL if the backend cannot tell): set the bit of every
	 * page of guest RAM that was never written. Such a page reads as
	 * zeros, and reading it through the mapping would allocate it, so a
	 * sender sends it as a zero page unread. Call after dirty_log_start:
	 * a page written later is in the next sync. Returns how many or
	 * -errno. */
	int64_t (*unwritten_pages)(struct hv_vm *vm, uint64_t *bitmap);

	/* Replace the bitmap with the pages dirtied since the previous sync;
	 * returns their number or -errno. */
	int64_t (*dirty_sync)(struct hv_vm *vm);

	/* Stop / restart all vCPUs. pause returns with the VM quiescent. */
	int (*pause)(struct hv_vm *vm);
	int (*resume)(struct hv_vm *vm);

	/* vCPU and device state of a paused VM as an opaque blob (malloc'd). */
	int (*save_state)(struct hv_vm *vm, void **blob, size_t *len);
	/* Load a blob into an incoming VM. Returns 0, or -EINVAL (the VM
	 * refused the blob: error() says why) or -errno. */
	int (*load_state)(struct hv_vm *vm, const void *blob, size_t len);

	/* A snapshot of the VM's activity. */
	int (*query_stats)(struct hv_vm *vm, struct hv_stats *st);

	/* Post-copy (dsm-pull), on an incoming VM before its first resume:
	 * register guest RAM with a userfaultfd that the VM keeps, and give
	 * this process a descriptor for it (*uffd, the caller closes it) and
	 * the address of guest RAM in the VM's address space (*hva: the
	 * UFFDIO_COPY destination). If this connection closes before
	 * userfault_done, the VM pauses for good. NULL if unsupported.
	 * Returns 0 or -errno. */
	int (*userfault_arm)(struct hv_vm *vm, int *uffd, uint64_t *hva);
	/* Every page is resident: end post-copy. Returns 0 or -errno. */
	int (*userfault_done)(struct hv_vm *vm);

	/* End the VM: release the migrated-away source, or discard a failed
	 * destination. The handle stays valid for error and detach only. */
	int (*destroy)(struct hv_vm *vm);

	/* Why the last failed call on vm failed: one line naming the VM, no
	 * newline (kvm: "pause on VM 'NAME': ..."). Owned by the handle, valid
	 * until the next call on it; "" if nothing has failed. Never NULL. */
	const char *(*error)(struct hv_vm *vm);

	/* Forget the VM (unmap, disconnect); the VM itself is untouched. */
	void (*detach)(struct hv_vm *vm);

	/* NULL, or the stream of a backend whose toolstack migrates (above). */
	const struct hv_stream_ops *stream;
};

/* The backend called name ("kvm", "xen", "xen-xl"), or NULL. */
const struct hv_ops *hv_find(const char *name);

extern const struct hv_ops hv_kvm_ops;
extern const struct hv_ops hv_xen_ops;
extern const struct hv_ops hv_xen_xl_ops;   /* xen, restored by xl migrate-receive */

#endif /* DSMIG_HV_HV_H */

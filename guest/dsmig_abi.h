/*
 * dsmig guest ABI: the one contract between a dsmig guest image and the VMM
 * (dsmig-vmm). Shared verbatim by guest/ and src/vmm/; self-contained (only
 * <stdint.h>), so a guest author needs nothing else. docs/guest-abi.md
 * explains it in prose.
 *
 * Machine model. The VMM puts every vCPU straight into 64-bit long mode at
 * CPL3 with RFLAGS.IOPL=3 and no IDT. Guest-virtual == guest-physical
 * (identity map, 4 KiB pages, user bit set). The page tables, GDT and TSS
 * live in supervisor-only pages the guest cannot touch. A guest calls the
 * VMM with
 *
 *     outl(DSMIG_HC_PORT_BASE + nr, (uint32_t)gpa_of_argument_block)
 *
 * where the argument block is one of the structs below, naturally aligned,
 * entirely inside guest RAM. Any exception (there is no IDT) ends the guest
 * with a triple fault. `hlt` is not allowed at CPL3: sleep with
 * DSMIG_HC_SLEEP instead.
 *
 * Every vCPU starts at the ELF entry point with
 *     rdi = GPA of struct dsmig_boot_info (read-only to the guest)
 *     rsi = vCPU index (0 .. nr_vcpus-1)
 *     rsp = top of that vCPU's own stack, 16-byte aligned minus 8
 *           (as after a call instruction)
 *
 * Versioning: DSMIG_ABI_VERSION changes whenever a struct layout or a
 * hypercall's meaning changes. The VMM refuses images whose .note.dsmig
 * version differs.
 */
#ifndef DSMIG_ABI_H
#define DSMIG_ABI_H

#define DSMIG_ABI_VERSION 3

#ifndef __ASSEMBLER__
#include <stdint.h>

/* A guest-physical address. The guest writes it; the VMM never dereferences
 * it without going through its one checked accessor. */
typedef uint64_t dsmig_gpa_t;

#endif /* !__ASSEMBLER__ */

/* Guest-physical memory layout (fixed by this ABI). */
#define DSMIG_PAGE_SIZE        4096u
#define DSMIG_BOOT_INFO_GPA    0x1000u     /* one page, user read-only */
#define DSMIG_SYS_BASE         0x2000u     /* GDT and TSS: supervisor only */
#define DSMIG_IMAGE_BASE       0x100000u   /* lowest address an ELF may load at */
#define DSMIG_STACK_SIZE       0x10000u    /* per vCPU, at the top of RAM */
#define DSMIG_MAX_VCPUS        8
#define DSMIG_CMDLINE_MAX      512

/* Hypercall ports: base + number. 32-bit `out` carrying the argument GPA.
 * The VMM opens the whole window [BASE, BASE + COUNT) to the guest (a
 * 32-bit out touches four port addresses); numbers it does not know stop
 * the guest. */
#define DSMIG_HC_PORT_BASE     0x500u
#define DSMIG_HC_PORT_COUNT    0x100u

#ifndef __ASSEMBLER__
enum dsmig_hypercall {
	DSMIG_HC_PUTS     = 1, /* write bytes to the VM console              */
	DSMIG_HC_TIME     = 2, /* read monotonic and wall-clock time         */
	DSMIG_HC_SLEEP    = 3, /* block this vCPU until a monotonic deadline */
	DSMIG_HC_COUNTERS = 4, /* register the workload counter block        */
	DSMIG_HC_EXIT     = 5, /* stop the whole VM with a status            */
	DSMIG_HC_NET_INFO = 6, /* the NIC: present?, MAC, MTU (ABI 3)        */
	DSMIG_HC_NET_WRITE = 7, /* send one Ethernet frame (ABI 3)           */
	DSMIG_HC_NET_READ = 8, /* take one received frame, if any (ABI 3)    */
	DSMIG_HC_POLL     = 9, /* sleep until a deadline or a frame (ABI 3)  */
	DSMIG_HC_MAX      = 10,
};

/* Boot information, written by the VMM at DSMIG_BOOT_INFO_GPA. */
struct dsmig_boot_info {
	uint32_t abi_version;       /* DSMIG_ABI_VERSION */
	uint32_t nr_vcpus;
	uint64_t mem_size;          /* bytes of guest RAM starting at GPA 0 */
	dsmig_gpa_t heap_start;     /* first free page after the image */
	dsmig_gpa_t heap_end;       /* end of free memory: the page tables */
	char cmdline[DSMIG_CMDLINE_MAX]; /* NUL-terminated guest arguments */
	/* Stall epoch: the VMM adds one when a migration of the VM starts
	 * (dirty-log-start). A guest with a counter block restarts
	 * stall_max_ns when it sees a new value (struct dsmig_counters). */
	uint64_t stall_epoch;
};

/* DSMIG_HC_PUTS: IN data, len. len <= DSMIG_PUTS_MAX. */
#define DSMIG_PUTS_MAX 4096u
struct dsmig_hc_puts {
	dsmig_gpa_t data;
	uint64_t len;
};

/* DSMIG_HC_TIME: OUT monotonic_ns (since an arbitrary point that survives
 * migration: it never goes backwards for the guest), wall_ns (UNIX epoch). */
struct dsmig_hc_time {
	uint64_t monotonic_ns;
	uint64_t wall_ns;
};

/* DSMIG_HC_SLEEP: IN deadline_ns on the monotonic clock of DSMIG_HC_TIME.
 * Returns when the deadline passes (or at once if it already has); the vCPU
 * is "blocked" meanwhile and uses no host CPU. It may return early, like a
 * futex wait (when the VM is paused or migrated): loop until now_ns is past
 * the deadline. OUT now_ns on return. */
struct dsmig_hc_sleep {
	uint64_t deadline_ns;
	uint64_t now_ns;
};

/* DSMIG_HC_COUNTERS: IN counters = GPA of a struct dsmig_counters that the
 * guest keeps updating in its own memory; the VMM reads it (never writes)
 * whenever it reports statistics. Registering again replaces the block. */
#define DSMIG_COUNTERS_MAGIC 0x53544e434d534455ull /* "UDSMCNTS" */
#define DSMIG_WORKLOAD_NAME_MAX 16
struct dsmig_counters {
	uint64_t magic;            /* DSMIG_COUNTERS_MAGIC */
	char workload[DSMIG_WORKLOAD_NAME_MAX]; /* NUL-padded, e.g. "idle" */
	uint64_t progress;         /* workload units done (monotonic count)  */
	uint64_t heartbeat;        /* incremented on every tick               */
	uint64_t heartbeat_ns;     /* monotonic time of the last tick         */
	uint64_t max_gap_ns;       /* largest gap between two ticks seen      */
	uint64_t selfcheck_pass;   /* full verifications of the data region   */
	uint64_t selfcheck_fail;   /* pages found corrupt, total              */
	uint64_t region_pages;     /* size of the self-verifying region       */
	/* The longest gap between two ticks since the guest saw boot info's
	 * stall_epoch become stall_epoch (below): a migration's longest stall,
	 * as the guest lived it. */
	uint64_t stall_epoch;      /* the boot info's stall_epoch last seen   */
	uint64_t stall_max_ns;     /* largest gap between two ticks since     */
};
struct dsmig_hc_counters {
	dsmig_gpa_t counters;
};

/* DSMIG_HC_EXIT: IN status. Ends the VM; dsmig-vmm exits with this status
 * (clamped to 0..255). Does not return. */
struct dsmig_hc_exit {
	uint64_t status;
};

/*
 * The NIC (ABI 3), in the manner of Solo5's net module: no rings and no
 * interrupts; the guest moves one whole Ethernet frame per hypercall and
 * waits for frames with DSMIG_HC_POLL. Frames are plain Ethernet II
 * (destination MAC, source MAC, EtherType, payload), without FCS, of
 * DSMIG_NET_FRAME_MIN..DSMIG_NET_FRAME_MAX bytes. The VMM holds no frame
 * between hypercalls: a frame the guest has read is in guest memory (and
 * migrates with it); one still in the host's queue when the VM stops is
 * lost, as on a wire, and the guest's TCP resends it. After a migration
 * the destination's VMM announces the guest's MAC on its new port (RARP,
 * as QEMU's announce does) so that switches learn where it went.
 */
#define DSMIG_NET_FRAME_MIN 14u      /* an Ethernet header */
#define DSMIG_NET_FRAME_MAX 1514u    /* header + 1500 bytes of payload */
#define DSMIG_NET_MTU       1500u

/* DSMIG_HC_NET_INFO: OUT present (1 if the VM has a NIC, else 0 and the
 * rest zero), mac, mtu. */
struct dsmig_hc_net_info {
	uint64_t present;
	uint8_t mac[6];
	uint16_t mtu;
};

/* Results of NET_WRITE and NET_READ (field ret). */
enum dsmig_net_result {
	DSMIG_NET_OK      = 0, /* sent / a frame was read (len set)          */
	DSMIG_NET_AGAIN   = 1, /* read: no frame waiting                     */
	DSMIG_NET_DROPPED = 2, /* write: the host could not take it (queue
	                          full, link down); counted, not an error    */
	DSMIG_NET_INVALID = 3, /* write: length outside FRAME_MIN..MAX;
	                          read: buffer shorter than FRAME_MAX;
	                          counted and dropped                        */
	DSMIG_NET_NODEV   = 4, /* the VM has no NIC                          */
};

/* DSMIG_HC_NET_WRITE: IN data, len (the frame); OUT ret. */
struct dsmig_hc_net_write {
	dsmig_gpa_t data;
	uint64_t len;
	uint64_t ret;
};

/* DSMIG_HC_NET_READ: IN data, len (the buffer's size, at least
 * DSMIG_NET_FRAME_MAX); OUT ret, and len = the frame's length when ret is
 * DSMIG_NET_OK. */
struct dsmig_hc_net_read {
	dsmig_gpa_t data;
	uint64_t len;
	uint64_t ret;
};

/* DSMIG_HC_POLL: as DSMIG_HC_SLEEP, but also returns as soon as a frame
 * is waiting for NET_READ. IN deadline_ns; OUT now_ns, ready (bit 0: a
 * frame is waiting). Like SLEEP it may return early with ready 0. */
#define DSMIG_POLL_NET 1u
struct dsmig_hc_poll {
	uint64_t deadline_ns;
	uint64_t now_ns;
	uint64_t ready;
};

/* Compile-time layout checks: these structs cross the guest/host boundary. */
_Static_assert(sizeof(struct dsmig_boot_info) == 40 + DSMIG_CMDLINE_MAX,
	       "boot info layout");
_Static_assert(sizeof(struct dsmig_hc_puts) == 16, "puts layout");
_Static_assert(sizeof(struct dsmig_hc_time) == 16, "time layout");
_Static_assert(sizeof(struct dsmig_hc_sleep) == 16, "sleep layout");
_Static_assert(sizeof(struct dsmig_counters) == 96, "counters layout");
_Static_assert(sizeof(struct dsmig_hc_counters) == 8, "counters hc layout");
_Static_assert(sizeof(struct dsmig_hc_exit) == 8, "exit layout");
_Static_assert(sizeof(struct dsmig_hc_net_info) == 16, "net info layout");
_Static_assert(sizeof(struct dsmig_hc_net_write) == 24, "net write layout");
_Static_assert(sizeof(struct dsmig_hc_net_read) == 24, "net read layout");
_Static_assert(sizeof(struct dsmig_hc_poll) == 24, "poll layout");

#endif /* !__ASSEMBLER__ */

/* ELF note that marks an image as a dsmig guest of a given ABI version:
 * name "DSMIG", type DSMIG_NOTE_ABI, descriptor a uint32_t version. */
#define DSMIG_NOTE_NAME "DSMIG"
#define DSMIG_NOTE_ABI  0x64736d01u

#endif /* DSMIG_ABI_H */

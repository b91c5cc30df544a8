/*
 * A Xen domain seen from dom0 through libxenctrl, libxenforeignmemory and
 * libxenstore: the primitives the Xen backend of hv_ops (issue 11) will be
 * built on. Not a backend yet and registered nowhere; its only user so far
 * is tests/helpers/xen_dirty.c, run inside the nested Xen's dom0
 * (scripts/xen/dirty-check.sh).
 *
 * Call order: xen_dom_open, then any of xen_dom_map / xen_dom_pause /
 * xen_dom_unpause, and xen_dom_logdirty_enable, { xen_dom_logdirty_clean }*,
 * xen_dom_logdirty_off; finally xen_dom_close (which also turns log-dirty
 * off if it is still on). A handle is used by one thread at a time.
 *
 * Errors: every function returns 0 (or a count) on success and -errno on
 * failure, with one line in why[len] (errbuf_set: no newline, names the
 * domain). Nothing here prints: libxenctrl's and libxenforeignmemory's own
 * loggers are replaced by one that drops their messages, so that the
 * reason reaches the caller only through why.
 */
#ifndef DSMIG_HV_XEN_DOM_H
#define DSMIG_HV_XEN_DOM_H

#include <stddef.h>
#include <stdint.h>

/* The refusal of log-dirty on a PV domain (issue 11): Debian's Xen is built
 * without shadow paging, which PV log-dirty needs. */
#define XEN_DOM_PV_REFUSAL \
	"PV domain: live migration needs shadow paging, which this hypervisor lacks; use PVH or HVM"

enum xen_dom_type { XEN_DOM_PV, XEN_DOM_PVH, XEN_DOM_HVM };

struct xen_dom_info {
	char name[65];
	uint32_t domid;
	enum xen_dom_type type;
	uint64_t nr_pages;          /* pages the domain holds now */
	uint64_t max_gpfn;          /* highest guest frame number in its physmap */
	uint64_t max_mem_kib;
	uint32_t nr_vcpus;          /* online */
	int paused;
	int shutdown;               /* shut down ... */
	int suspended;              /* ... for a save (SHUTDOWN_suspend) */
	uint64_t cpu_time_ns;       /* all vCPUs, since creation */
};

struct xen_dom;   /* private */

/* "PV", "PVH" or "HVM". */
const char *xen_dom_type_name(enum xen_dom_type type);

/* Find the domain called name (its xenstore /local/domain/ID/name, as xl
 * list prints it) among the live domains and open it: *d is the handle,
 * *info filled. Returns 0; -ENOENT no such domain; another -errno when
 * libxenctrl, libxenforeignmemory or xenstore cannot be opened (not a
 * privileged dom0: no /dev/xen/privcmd, not root). */
int xen_dom_open(struct xen_dom **d, const char *name,
		 struct xen_dom_info *info, char *why, size_t len);

/* Refresh *info (state, page counts). Returns 0 or -errno. */
int xen_dom_info(struct xen_dom *d, struct xen_dom_info *info,
		 char *why, size_t len);

/* Map guest frames [gpfn, gpfn + n) read-only into this process, one
 * linear range of n pages; *mem is the mapping (unmap with xen_dom_unmap).
 * Frames that are holes in the physmap (or otherwise unmappable) are
 * reported in err[n] (0 mapped, else an errno, e.g. ENOENT / EINVAL), and
 * their page in *mem must not be read. Returns the number of frames
 * mapped (0..n), or -errno if nothing could be mapped at all. */
int64_t xen_dom_map(struct xen_dom *d, uint64_t gpfn, size_t n,
		    const uint8_t **mem, int *err, char *why, size_t len);
/* Undo one xen_dom_map of n pages. Returns 0 or -errno. */
int xen_dom_unmap(struct xen_dom *d, const uint8_t *mem, size_t n,
		  char *why, size_t len);

/* The frames of the domain's xenstore and console rings (HVM params
 * STORE_PFN, CONSOLE_PFN): shared with dom0's xenstored and xenconsoled,
 * which write their ring indices there, so each host's copy moves on
 * after the guest stopped. Returns 0 or -errno. */
#define XEN_DOM_RING_PAGES 2
int xen_dom_ring_pfns(struct xen_dom *d, uint64_t pfns[XEN_DOM_RING_PAGES],
		      char *why, size_t len);

/* Pause / unpause all the domain's vCPUs (xc_domain_pause: nests). */
int xen_dom_pause(struct xen_dom *d, char *why, size_t len);
int xen_dom_unpause(struct xen_dom *d, char *why, size_t len);

/* Turn log-dirty mode on (XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY) and
 * allocate the bitmap: one bit per frame 0..max_gpfn, 64-bit words, valid
 * until xen_dom_logdirty_off or close; *bitmap and *nbits say where. A PV
 * domain is refused before asking Xen, with -EOPNOTSUPP and
 * XEN_DOM_PV_REFUSAL in why. On any failure log-dirty is left off. */
int xen_dom_logdirty_enable(struct xen_dom *d, const uint64_t **bitmap,
			    uint64_t *nbits, char *why, size_t len);

/* XEN_DOMCTL_SHADOW_OP_CLEAN: fill the bitmap with the frames dirtied since
 * enable or the previous clean and reset Xen's copy. Returns the number of
 * bits set, or -errno (log-dirty is then turned off). *xen_count, if not
 * NULL, gets Xen's own dirty_count statistic. */
int64_t xen_dom_logdirty_clean(struct xen_dom *d, uint32_t *xen_count,
			       char *why, size_t len);

/* XEN_DOMCTL_SHADOW_OP_OFF and free the bitmap; a no-op when off. Returns
 * 0 or -errno. */
int xen_dom_logdirty_off(struct xen_dom *d, char *why, size_t len);

/* Turn log-dirty off if on, close the interfaces, free d (NULL ok). The
 * domain itself keeps running (it is not unpaused: pause is the caller's). */
void xen_dom_close(struct xen_dom *d);

#endif /* DSMIG_HV_XEN_DOM_H */

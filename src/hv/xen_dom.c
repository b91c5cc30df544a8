/*
 * A Xen domain seen from dom0 (contract: xen_dom.h).
 *
 * Finding the domain: xc_domain_getinfo walks the live domains (one
 * hypercall per batch) and each one's name is read from xenstore at
 * /local/domain/ID/name, where xl and xen-init-dom0 put it; the first
 * whose name matches wins. libxl would give the same answer
 * (libxl_name_to_domid does exactly this walk) but drags in its context,
 * its logger and its locks for one lookup; xenstore alone is cheap and is
 * what the Xen backend will need anyway for the console and devices.
 *
 * Type: the domctl's HVM flag tells PV from the rest; among HVM
 * containers, PVH is the one Xen emulates no device for but the local
 * APIC (libxl creates PVH with emulation_flags = XEN_X86_EMU_LAPIC, HVM
 * with XEN_X86_EMU_ALL), so any of PIC/IOAPIC/RTC/PIT emulated means HVM.
 *
 * Log-dirty: xc_shadow_control(ENABLE_LOGDIRTY) then
 * xc_logdirty_control(CLEAN) into a hypercall buffer (bounce-free,
 * page-aligned, what Xen writes the bitmap into) sized for frames
 * 0..max_gpfn; OFF on every failure after enable and in close.
 */
#include "hv/xen_dom.h"
#include "common/bitmap.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>

#define XEN_DOM_PAGE 4096u
#define XEN_DOM_GETINFO_BATCH 64u

struct xen_dom {
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	struct xs_handle *xsh;
	struct xen_dom_info info;
	int logdirty;                   /* log-dirty is on */
	xc_hypercall_buffer_t bm_hbuf;  /* the dirty bitmap, while on */
	int bm_pages;                   /* its size in pages */
	uint64_t bm_bits;               /* frames it covers */
};

/* libxenctrl and libxenforeignmemory log to stderr unless given a logger:
 * this one drops everything (the reasons come back through errno). */
static void quiet_vmessage(struct xentoollog_logger *l, xentoollog_level lv,
			   int errnoval, const char *ctx, const char *fmt,
			   va_list al)
{
}

static void quiet_progress(struct xentoollog_logger *l, const char *ctx,
			   const char *what, int pct, unsigned long done,
			   unsigned long total)
{
}

static void quiet_destroy(struct xentoollog_logger *l)
{
}

static struct xentoollog_logger quiet_logger = {
	.vmessage = quiet_vmessage,
	.progress = quiet_progress,
	.destroy = quiet_destroy,
};

const char *xen_dom_type_name(enum xen_dom_type type)
{
	switch (type) {
	case XEN_DOM_PV: return "PV";
	case XEN_DOM_PVH: return "PVH";
	case XEN_DOM_HVM: return "HVM";
	}
	return "?";
}

static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static void info_from(struct xen_dom_info *info, const xc_dominfo_t *di)
{
	info->domid = di->domid;
	if (!di->hvm)
		info->type = XEN_DOM_PV;
	else if (di->arch_config.emulation_flags &
		 (XEN_X86_EMU_PIC | XEN_X86_EMU_IOAPIC | XEN_X86_EMU_RTC |
		  XEN_X86_EMU_PIT))
		info->type = XEN_DOM_HVM;
	else
		info->type = XEN_DOM_PVH;
	info->nr_pages = di->nr_pages;
	info->max_mem_kib = di->max_memkb;
	info->nr_vcpus = di->nr_online_vcpus;
	info->paused = di->paused;
	info->shutdown = di->shutdown;
	info->suspended = di->shutdown && di->shutdown_reason == SHUTDOWN_suspend;
	info->cpu_time_ns = di->cpu_time;
}

/* The xenstore name of domid into out[65]; 0, or -errno. */
static int name_of(struct xs_handle *xsh, uint32_t domid, char *out)
{
	char path[64];
	unsigned int n = 0;
	char *v;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	v = xs_read(xsh, XBT_NULL, path, &n);
	if (!v)
		return neg_errno();
	snprintf(out, 65, "%.*s", (int)(n < 64 ? n : 64), v);
	free(v);
	return 0;
}

/* Take di (d's domain, its name already in d->info) and its max gpfn into
 * d->info; d->info is left as it was if the max gpfn cannot be read.
 * Returns 0, or -errno with the reason in why. */
static int info_take(struct xen_dom *d, const xc_dominfo_t *di, char *why,
		     size_t len)
{
	xen_pfn_t maxpfn = 0;
	int rc;

	if (xc_domain_maximum_gpfn(d->xch, di->domid, &maxpfn) < 0) {
		rc = neg_errno();
		return errbuf_set(why, len, "domain '%s' (%u): cannot read its max gpfn: %s",
				  d->info.name, di->domid, strerror(-rc)), rc;
	}
	info_from(&d->info, di);
	d->info.max_gpfn = maxpfn;
	return 0;
}

int xen_dom_open(struct xen_dom **dp, const char *name,
		 struct xen_dom_info *info, char *why, size_t len)
{
	struct xen_dom *d;
	xc_dominfo_t di[XEN_DOM_GETINFO_BATCH];
	uint32_t next = 0;
	int rc, n, i, found = -1;

	*dp = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		errbuf_set(why, len, "domain '%.64s': out of memory", name);
		return -ENOMEM;
	}
	d->bm_hbuf = (xc_hypercall_buffer_t){ .hbuf = NULL, .param_shadow = NULL,
					      HYPERCALL_BUFFER_INIT_NO_BOUNCE };
	d->xch = xc_interface_open(&quiet_logger, &quiet_logger, 0);
	if (!d->xch) {
		rc = neg_errno();
		errbuf_set(why, len, "cannot open libxenctrl (not a Xen dom0, or not root?): %s",
			   strerror(-rc));
		goto err;
	}
	d->fmem = xenforeignmemory_open(&quiet_logger, 0);
	if (!d->fmem) {
		rc = neg_errno();
		errbuf_set(why, len, "cannot open xenforeignmemory: %s", strerror(-rc));
		goto err;
	}
	d->xsh = xs_open(0);
	if (!d->xsh) {
		rc = neg_errno();
		errbuf_set(why, len, "cannot connect to xenstore: %s", strerror(-rc));
		goto err;
	}
	for (;;) {
		n = xc_domain_getinfo(d->xch, next, XEN_DOM_GETINFO_BATCH, di);
		if (n < 0) {
			rc = neg_errno();
			errbuf_set(why, len, "cannot list domains: %s", strerror(-rc));
			goto err;
		}
		for (i = 0; i < n && found < 0; i++) {
			char nm[65];
			if (di[i].dying || name_of(d->xsh, di[i].domid, nm) != 0)
				continue;
			if (strcmp(nm, name) == 0) {
				snprintf(d->info.name, sizeof(d->info.name), "%s", nm);
				found = i;
			}
		}
		if (found >= 0 || n < (int)XEN_DOM_GETINFO_BATCH)
			break;
		next = di[n - 1].domid + 1;
	}
	if (found < 0) {
		rc = -ENOENT;
		errbuf_set(why, len, "no domain '%.64s' (xl list)", name);
		goto err;
	}
	rc = info_take(d, &di[found], why, len);
	if (rc)
		goto err;
	*info = d->info;
	*dp = d;
	return 0;
err:
	xen_dom_close(d);
	return rc;
}

int xen_dom_info(struct xen_dom *d, struct xen_dom_info *info,
		 char *why, size_t len)
{
	xc_dominfo_t di;
	int rc;

	if (xc_domain_getinfo(d->xch, d->info.domid, 1, &di) != 1 ||
	    di.domid != d->info.domid) {
		rc = errno > 0 ? -errno : -ESRCH;
		return errbuf_set(why, len, "domain '%s' (%u) is gone", d->info.name,
				  d->info.domid), rc;
	}
	rc = info_take(d, &di, why, len);
	if (rc)
		return rc;
	*info = d->info;
	return 0;
}

int64_t xen_dom_map(struct xen_dom *d, uint64_t gpfn, size_t n,
		    const uint8_t **mem, int *err, char *why, size_t len)
{
	xen_pfn_t *arr;
	void *p;
	size_t i;
	int64_t ok = 0;
	int rc;

	*mem = NULL;
	if (n == 0 || gpfn > d->info.max_gpfn || n - 1 > d->info.max_gpfn - gpfn)
		return errbuf_set(why, len, "domain '%s': frames %#" PRIx64 "+%zu beyond its max gpfn %#" PRIx64,
				  d->info.name, gpfn, n, d->info.max_gpfn), -ERANGE;
	arr = malloc(n * sizeof(*arr));
	if (!arr)
		return errbuf_set(why, len, "domain '%s': out of memory", d->info.name), -ENOMEM;
	for (i = 0; i < n; i++)
		arr[i] = gpfn + i;
	p = xenforeignmemory_map(d->fmem, d->info.domid, PROT_READ, n, arr, err);
	rc = neg_errno();
	free(arr);
	if (!p)
		return errbuf_set(why, len, "domain '%s': cannot map frames %#" PRIx64 "+%zu: %s",
				  d->info.name, gpfn, n, strerror(-rc)), rc;
	for (i = 0; i < n; i++)
		if (err[i] == 0)
			ok++;
		else if (err[i] < 0)   /* the library gives -errno per page */
			err[i] = -err[i];
	*mem = p;
	return ok;
}

int xen_dom_unmap(struct xen_dom *d, const uint8_t *mem, size_t n,
		  char *why, size_t len)
{
	int rc;

	if (xenforeignmemory_unmap(d->fmem, (void *)mem, n) < 0) {
		rc = neg_errno();
		return errbuf_set(why, len, "domain '%s': cannot unmap: %s",
				  d->info.name, strerror(-rc)), rc;
	}
	return 0;
}

/* xc_domain_pause or xc_domain_unpause, said as what. */
static int pause_op(struct xen_dom *d, int (*op)(xc_interface *, uint32_t),
		    const char *what, char *why, size_t len)
{
	int rc;

	if (op(d->xch, d->info.domid) < 0) {
		rc = neg_errno();
		return errbuf_set(why, len, "%s domain '%s' (%u): %s", what, d->info.name,
				  d->info.domid, strerror(-rc)), rc;
	}
	return 0;
}

int xen_dom_pause(struct xen_dom *d, char *why, size_t len)
{
	return pause_op(d, xc_domain_pause, "pause", why, len);
}

int xen_dom_unpause(struct xen_dom *d, char *why, size_t len)
{
	return pause_op(d, xc_domain_unpause, "unpause", why, len);
}

int xen_dom_ring_pfns(struct xen_dom *d, uint64_t pfns[XEN_DOM_RING_PAGES],
		      char *why, size_t len)
{
	static const uint32_t params[XEN_DOM_RING_PAGES] = {
		HVM_PARAM_STORE_PFN, HVM_PARAM_CONSOLE_PFN,
	};
	int i;

	for (i = 0; i < XEN_DOM_RING_PAGES; i++)
		if (xc_hvm_param_get(d->xch, d->info.domid, params[i], &pfns[i]))
			return errbuf_set(why, len, "domain %u: HVM param %u: %s",
					  d->info.domid, params[i], strerror(errno)), neg_errno();
	return 0;
}

static void bitmap_free(struct xen_dom *d)
{
	DECLARE_HYPERCALL_BUFFER_SHADOW(uint8_t, bm, &d->bm_hbuf);

	xc_hypercall_buffer_free_pages(d->xch, bm, d->bm_pages);
	d->bm_hbuf.hbuf = NULL;
	d->bm_pages = 0;
	d->bm_bits = 0;
}

int xen_dom_logdirty_enable(struct xen_dom *d, const uint64_t **bitmap,
			    uint64_t *nbits, char *why, size_t len)
{
	DECLARE_HYPERCALL_BUFFER_SHADOW(uint8_t, bm, &d->bm_hbuf);
	uint64_t bits, bytes;
	int rc;

	if (d->info.type == XEN_DOM_PV)
		return errbuf_set(why, len, "domain '%s' (%u): " XEN_DOM_PV_REFUSAL,
				  d->info.name, d->info.domid), -EOPNOTSUPP;
	if (d->logdirty)
		return errbuf_set(why, len, "domain '%s': log-dirty is already on",
				  d->info.name), -EBUSY;
	bits = d->info.max_gpfn + 1;
	bytes = bitmap_words(bits) * 8;
	d->bm_pages = (int)((bytes + XEN_DOM_PAGE - 1) / XEN_DOM_PAGE);
	bm = xc_hypercall_buffer_alloc_pages(d->xch, bm, d->bm_pages);
	if (!bm) {
		rc = neg_errno();
		errbuf_set(why, len, "domain '%s': cannot allocate a %d-page dirty bitmap: %s",
			   d->info.name, d->bm_pages, strerror(-rc));
		d->bm_pages = 0;
		return rc;
	}
	memset(bm, 0, (size_t)d->bm_pages * XEN_DOM_PAGE);
	d->bm_bits = bits;
	if (xc_shadow_control(d->xch, d->info.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
			      NULL, 0) < 0) {
		rc = neg_errno();
		errbuf_set(why, len, "domain '%s' (%u): cannot enable log-dirty: %s%s",
			   d->info.name, d->info.domid, strerror(-rc),
			   rc == -EOPNOTSUPP ? " (" XEN_DOM_PV_REFUSAL ")" : "");
		/* Xen may have half-enabled it: turn it off, ignoring the result. */
		xc_shadow_control(d->xch, d->info.domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0);
		bitmap_free(d);
		return rc;
	}
	d->logdirty = 1;
	*bitmap = (const uint64_t *)d->bm_hbuf.hbuf;
	*nbits = bits;
	return 0;
}

int64_t xen_dom_logdirty_clean(struct xen_dom *d, uint32_t *xen_count,
			       char *why, size_t len)
{
	DECLARE_HYPERCALL_BUFFER_SHADOW(uint8_t, bm, &d->bm_hbuf);
	xc_shadow_op_stats_t st;
	long long got;
	uint64_t i;
	int rc;

	if (!d->logdirty)
		return errbuf_set(why, len, "domain '%s': log-dirty is off", d->info.name), -EINVAL;
	memset(&st, 0, sizeof(st));
	got = xc_logdirty_control(d->xch, d->info.domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
				  HYPERCALL_BUFFER(bm), d->bm_bits, 0, &st);
	if (got < 0) {
		rc = neg_errno();
		errbuf_set(why, len, "domain '%s' (%u): log-dirty CLEAN failed: %s",
			   d->info.name, d->info.domid, strerror(-rc));
		xen_dom_logdirty_off(d, NULL, 0);
		return rc;
	}
	/* the frames beyond Xen's answer */
	for (i = (uint64_t)got; i < d->bm_bits; i++)
		bitmap_clear((uint64_t *)bm, i);
	if (xen_count)
		*xen_count = st.dirty_count;
	return (int64_t)bitmap_weight((const uint64_t *)bm, bitmap_words(d->bm_bits));
}

int xen_dom_logdirty_off(struct xen_dom *d, char *why, size_t len)
{
	int rc = 0;

	if (!d->logdirty)
		return 0;
	d->logdirty = 0;
	if (xc_shadow_control(d->xch, d->info.domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) < 0) {
		rc = neg_errno();
		errbuf_set(why, len, "domain '%s' (%u): cannot turn log-dirty off: %s",
			   d->info.name, d->info.domid, strerror(-rc));
	}
	bitmap_free(d);
	return rc;
}

void xen_dom_close(struct xen_dom *d)
{
	if (!d)
		return;
	xen_dom_logdirty_off(d, NULL, 0);   /* the bitmap exists only while on */
	if (d->xsh)
		xs_close(d->xsh);
	if (d->fmem)
		xenforeignmemory_close(d->fmem);
	if (d->xch)
		xc_interface_close(d->xch);
	free(d);
}

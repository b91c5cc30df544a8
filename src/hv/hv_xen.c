/*
 * The xen backend of hv_ops: a PVH domain of the dom0 this process runs
 * in. Its migration is Xen's own stream (hv.h, hv_stream_ops):
 * libxenguest's xc_domain_save writes it, with the engine's stop rule as
 * its precopy_policy and libxl suspending the guest, and libxl's restore
 * (what `xl migrate-receive` runs) builds the destination from it, so
 * that xenstore, the console, event channels and grant tables come out as
 * Xen makes them. Names follow xl's dance: the destination is built as
 * NAME--incoming, the source steps aside as NAME--migratedaway at the
 * switch-over, and takes its name back if the migration fails.
 *
 * libxl and libxenctrl log their own errors to stderr (at error level);
 * error() says which call failed on which domain.
 */
#include <errno.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xxhash.h>

#include "common/fileio.h"
#include "common/log.h"
#include "hv/hv.h"
#include "hv/hv_xen_int.h"
#include "hv/xen_dom.h"
#include "hv/xen_stream.h"

int xen_vm_fail(struct hv_vm *vm, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(vm->err, sizeof(vm->err), "domain '%s': ", vm->now);
	va_start(ap, fmt);
	vsnprintf(vm->err + n, sizeof(vm->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : -EIO;
}

void xen_vm_free(struct hv_vm *vm)
{
	if (!vm)
		return;
	xen_xl_end(vm);
	xen_dom_close(vm->dom);
	libxl_ctx_free(vm->ctx);
	if (vm->log)
		xtl_logger_destroy((xentoollog_logger *)vm->log);
	free(vm);
}

struct hv_vm *xen_vm_new(const char *name, char *why, size_t len)
{
	struct hv_vm *vm = calloc(1, sizeof(*vm));

	if (!vm) {
		errbuf_set(why, len, "out of memory");
		return NULL;
	}
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	snprintf(vm->now, sizeof(vm->now), "%s", name);
	vm->xl_in = vm->xl_out = -1;
	vm->log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
	if (!vm->log || libxl_ctx_alloc(&vm->ctx, LIBXL_VERSION, 0,
					(xentoollog_logger *)vm->log)) {
		errbuf_set(why, len, "cannot open libxl (not a Xen dom0, or not root?)");
		xen_vm_free(vm);
		return NULL;
	}
	return vm;
}

static int xen_attach(struct hv_vm **out, const char *host, const char *name,
		      struct hv_vm_info *info, char *why, size_t len)
{
	struct hv_vm *vm;
	int rc;

	if (strlen(name) > NAME_MAX_LEN)
		return errbuf_set(why, len, "domain name '%.64s...' is too long", name), -EINVAL;
	vm = xen_vm_new(name, why, len);
	if (!vm)
		return -ENOMEM;
	rc = xen_dom_open(&vm->dom, name, &vm->info, why, len);
	if (rc == 0 && vm->info.type == XEN_DOM_PV) {
		errbuf_set(why, len, "%s", XEN_DOM_PV_REFUSAL);
		rc = -EOPNOTSUPP;
	}
	if (rc == 0 && vm->info.type == XEN_DOM_HVM) {
		errbuf_set(why, len, "HVM domain '%s': its device model's (QEMU's) state "
			   "is not carried by dsmig yet; use PVH", name);
		rc = -EOPNOTSUPP;
	}
	if (rc) {
		xen_vm_free(vm);
		return rc;
	}
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->mem_bytes = vm->info.max_mem_kib * 1024;
	info->nr_vcpus = vm->info.nr_vcpus;
	info->page_size = XS_PAGE_SIZE;
	info->frames = vm->info.max_gpfn + 1;
	info->running = !vm->info.paused && !vm->info.shutdown;
	*out = vm;
	return 0;
}

static int xen_query_stats(struct hv_vm *vm, struct hv_stats *st)
{
	char why[256];
	int rc;

	memset(st, 0, sizeof(*st));
	rc = xen_dom_info(vm->dom, &vm->info, why, sizeof(why));
	if (rc)
		return xen_vm_fail(vm, rc, "%s", why);
	st->time_ns = time_mono_ns();
	st->cpu_ns = vm->info.cpu_time_ns;
	st->nr_vcpus = vm->info.nr_vcpus;
	st->running = !vm->info.paused && !vm->info.shutdown;
	return 0;
}

static int xen_pause(struct hv_vm *vm)
{
	char why[256];
	int rc = xen_dom_pause(vm->dom, why, sizeof(why));

	return rc ? xen_vm_fail(vm, rc, "%s", why) : 0;
}

int xen_rename_to(struct hv_vm *vm, const char *to)
{
	if (libxl_domain_rename(vm->ctx, vm->info.domid, vm->now, to))
		return xen_vm_fail(vm, -EIO, "cannot rename it to '%s'", to);
	snprintf(vm->now, sizeof(vm->now), "%s", to);
	return 0;
}

/* A failed migration: the source takes its name back and runs on. */
static int xen_resume(struct hv_vm *vm)
{
	int rc;

	if (strcmp(vm->now, vm->name) && (rc = xen_rename_to(vm, vm->name)))
		return rc;
	if (vm->suspended) {
		/* suspend_cancel: the guest's suspend hypercall returns 1 and it
		 * carries on where it was, as `xl migrate` does on failure. */
		if (libxl_domain_resume(vm->ctx, vm->info.domid, 1, NULL))
			return xen_vm_fail(vm, -EIO, "libxl_domain_resume failed");
		vm->suspended = 0;
		return 0;
	}
	return 0;
}

static int xen_destroy(struct hv_vm *vm)
{
	if (libxl_domain_destroy(vm->ctx, vm->info.domid, NULL))
		return xen_vm_fail(vm, -EIO, "libxl_domain_destroy failed");
	return 0;
}

static const char *xen_error(struct hv_vm *vm)
{
	return vm->err;
}

static void xen_detach(struct hv_vm *vm)
{
	xen_vm_free(vm);
}

/* ---- the stream ---------------------------------------------------------- */

static int xen_config(struct hv_vm *vm, char **cfg)
{
	libxl_domain_config dc;
	char *json;

	libxl_domain_config_init(&dc);
	if (libxl_retrieve_domain_configuration(vm->ctx, vm->info.domid, &dc, NULL)) {
		libxl_domain_config_dispose(&dc);
		return xen_vm_fail(vm, -EIO, "cannot retrieve its libxl configuration");
	}
	json = libxl_domain_config_to_json(vm->ctx, &dc);
	libxl_domain_config_dispose(&dc);
	if (!json)
		return xen_vm_fail(vm, -ENOMEM, "cannot write its configuration as JSON");
	*cfg = json;
	return 0;
}

static int save_suspend(void *data)
{
	struct hv_vm *vm = data;

	if (libxl_domain_suspend_only(vm->ctx, vm->info.domid, NULL)) {
		xen_vm_fail(vm, -EIO, "libxl could not suspend it");
		return 0;           /* xc_domain_save: 0 is failure */
	}
	vm->suspended = 1;
	if (vm->hooks->suspended)
		vm->hooks->suspended(vm->hooks->arg);
	return 1;
}

static int save_policy(struct precopy_stats st, void *data)
{
	struct hv_vm *vm = data;
	int d = vm->hooks->iteration(vm->hooks->arg, st.iteration, st.dirty_count);

	return d < 0 ? XGS_POLICY_ABORT :
	       d ? XGS_POLICY_STOP_AND_COPY : XGS_POLICY_CONTINUE_PRECOPY;
}

/* A PVH domain has no device model whose log-dirty mode could switch. */
static int save_qemu_logdirty(uint32_t domid, unsigned enable, void *data)
{
	return 0;
}

static int xen_save(struct hv_vm *vm, int fd, const struct hv_save_hooks *hooks)
{
	struct save_callbacks cb = {
		.suspend = save_suspend,
		.precopy_policy = save_policy,
		.switch_qemu_logdirty = save_qemu_logdirty,
		.data = vm,
	};
	uint8_t head[XS_LIBXL_HDR_BYTES + XS_REC_HDR_BYTES];
	size_t n = xs_write_libxl_header(head);
	xc_interface *xch;
	int rc;

	vm->hooks = hooks;
	n += xs_write_empty_record(head + n, XS_LIBXL_LIBXC_CONTEXT);
	rc = fd_write_all(fd, head, n);
	if (rc)
		return xen_vm_fail(vm, rc, "cannot write the stream header: %s", strerror(-rc));
	xch = xc_interface_open((xentoollog_logger *)vm->log, NULL, 0);
	if (!xch)
		return xen_vm_fail(vm, -EIO, "cannot open libxenctrl");
	vm->err[0] = '\0';
	rc = xc_domain_save(xch, fd, vm->info.domid, XCFLAGS_LIVE, &cb, XC_STREAM_PLAIN, -1);
	xc_interface_close(xch);
	if (rc) {
		if (!vm->err[0])
			xen_vm_fail(vm, -EIO, "xc_domain_save failed (see libxc's message above)");
		return -EIO;
	}
	n = xs_write_empty_record(head, XS_LIBXL_END);
	rc = fd_write_all(fd, head, n);
	return rc ? xen_vm_fail(vm, rc, "cannot end the stream: %s", strerror(-rc)) : 0;
}

/* What dsmig lets a peer's configuration ask of this host: a PVH domain
 * without device model, boot loader or passed-through devices. The rest
 * (disks, NICs) is what `xl migrate` trusts its peer with too. */
static int config_acceptable(const libxl_domain_config *dc, char *why, size_t len)
{
	if (dc->c_info.type != LIBXL_DOMAIN_TYPE_PVH)
		return errbuf_set(why, len, "the source's configuration is not a PVH domain's");
	if (dc->num_pcidevs || dc->num_dtdevs)
		return errbuf_set(why, len, "the source's configuration passes devices through");
	if (dc->b_info.bootloader)
		return errbuf_set(why, len, "the source's configuration names a boot loader");
	if (!dc->c_info.name || strlen(dc->c_info.name) > NAME_MAX_LEN)
		return errbuf_set(why, len, "the source's configuration has no usable name");
	return 0;
}

struct hv_vm *xen_vm_incoming(const char *name, const char *cfg, libxl_domain_config *dc,
			      int *rc, char *why, size_t len)
{
	struct hv_vm *vm;

	libxl_domain_config_init(dc);
	*rc = -EINVAL;
	if (strlen(name) > NAME_MAX_LEN) {
		errbuf_set(why, len, "domain name too long");
		return NULL;
	}
	vm = xen_vm_new(name, why, len);
	if (!vm) {
		*rc = -ENOMEM;
		return NULL;
	}
	if (libxl_domain_config_from_json(vm->ctx, dc, cfg))
		errbuf_set(why, len, "the source's configuration is not libxl JSON");
	else if (config_acceptable(dc, why, len))
		;
	else if (strcmp(dc->c_info.name, name))
		errbuf_set(why, len, "the source's configuration names '%s', not '%s'",
			   dc->c_info.name, name);
	else
		return vm;
	xen_vm_free(vm);
	return NULL;
}

static int xen_restore(struct hv_vm **out, const char *host, const char *name,
		       const char *cfg, int fd, char *why, size_t len)
{
	libxl_domain_restore_params params;
	libxl_domain_config dc;
	uint32_t domid = INVALID_DOMID;
	struct hv_vm *vm;
	char incoming[NAME_MAX_LEN + 32];
	int rc;

	libxl_domain_restore_params_init(&params);
	vm = xen_vm_incoming(name, cfg, &dc, &rc, why, len);
	if (!vm)
		goto out;
	snprintf(incoming, sizeof(incoming), "%s" INCOMING_SUFFIX, name);
	free(dc.c_info.name);
	dc.c_info.name = strdup(incoming);
	params.checkpointed_stream = LIBXL_CHECKPOINTED_STREAM_NONE;
	params.stream_version = 2;
	rc = -EIO;
	if (!dc.c_info.name) {
		errbuf_set(why, len, "out of memory");
		goto out;
	}
	/* Builds the domain paused; on failure libxl destroys what it built. */
	if (libxl_domain_create_restore(vm->ctx, &dc, &domid, fd, -1, &params, NULL, NULL)) {
		errbuf_set(why, len, "libxl could not restore '%s' from the stream "
			   "(see libxl's message above)", incoming);
		goto out;
	}
	snprintf(vm->now, sizeof(vm->now), "%s", incoming);
	rc = xen_dom_open(&vm->dom, incoming, &vm->info, why, len);
	if (rc) {
		libxl_domain_destroy(vm->ctx, domid, NULL);
		goto out;
	}
	*out = vm;
	vm = NULL;
	rc = 0;
out:
	libxl_domain_restore_params_dispose(&params);
	libxl_domain_config_dispose(&dc);
	xen_vm_free(vm);
	return rc;
}

static int xen_retire(struct hv_vm *vm)
{
	char away[NAME_MAX_LEN + 32];

	snprintf(away, sizeof(away), "%s" RETIRED_SUFFIX, vm->name);
	return xen_rename_to(vm, away);
}

static int xen_activate(struct hv_vm *vm)
{
	int rc = xen_rename_to(vm, vm->name);

	if (rc)
		return rc;
	if (libxl_domain_unpause(vm->ctx, vm->info.domid, NULL))
		return xen_vm_fail(vm, -EIO, "libxl could not unpause it");
	return 0;
}

static int xen_unstable_pages(struct hv_vm *vm, uint64_t *pfns, unsigned max)
{
	uint64_t rings[XEN_DOM_RING_PAGES];
	char why[256];
	unsigned i;
	int rc = xen_dom_ring_pfns(vm->dom, rings, why, sizeof(why));

	if (rc)
		return xen_vm_fail(vm, rc, "%s", why);
	for (i = 0; i < XEN_DOM_RING_PAGES && i < max; i++)
		pfns[i] = rings[i];
	return (int)i;
}

/* Frames mapped read-only in batches; a hole (unmappable) hashes as 0. */
static int xen_page_hashes(struct hv_vm *vm, uint64_t first, uint64_t n, uint64_t *out)
{
	enum { BATCH = 256 };
	uint64_t frames = vm->info.max_gpfn + 1, done;
	int err[BATCH];
	char why[256];

	memset(out, 0, n * sizeof(*out));
	for (done = 0; done < n && first + done < frames; done += BATCH) {
		uint64_t at = first + done;
		size_t count = (size_t)(n - done < BATCH ? n - done : BATCH), i;
		const uint8_t *mem = NULL;
		int64_t got;

		if (count > frames - at)
			count = (size_t)(frames - at);
		got = xen_dom_map(vm->dom, at, count, &mem, err, why, sizeof(why));
		for (i = 0; got > 0 && i < count; i++)
			if (err[i] == 0)
				out[done + i] = XXH3_64bits(mem + i * XS_PAGE_SIZE, XS_PAGE_SIZE);
		if (got > 0 && xen_dom_unmap(vm->dom, mem, count, why, sizeof(why)))
			return xen_vm_fail(vm, -EIO, "%s", why);
	}
	return 0;
}

/* Open the copy of name with suffix (NULL: none) into *d, *info. */
static int open_copy(struct xen_dom **d, const char *name, const char *suffix,
		     struct xen_dom_info *info)
{
	char full[NAME_MAX_LEN + 32], why[256];

	snprintf(full, sizeof(full), "%s%s", name, suffix ? suffix : "");
	return xen_dom_open(d, full, info, why, sizeof(why)) == 0;
}

/* xl's names tell how far a migration got: NAME--incoming was never given
 * the name, so its guest never ran (destroyed); NAME--migratedaway beside
 * a NAME means the destination took the name after GO (it owns the VM:
 * the source is destroyed and the destination unpaused if it was not
 * yet); alone it takes its name back. A source left suspended by the
 * save is resumed (suspend cancelled). */
static int xen_recover(const char *host, const char *name, char *why, size_t len)
{
	struct xen_dom *cur = NULL, *inc = NULL, *away = NULL;
	struct xen_dom_info ci, ii, ai;
	struct hv_vm *vm;
	int rc = 0;

	if (strlen(name) > NAME_MAX_LEN)
		return errbuf_set(why, len, "domain name too long"), -EINVAL;
	vm = xen_vm_new(name, why, len);
	if (!vm)
		return -ENOMEM;
	why[0] = '\0';
	if (open_copy(&inc, name, INCOMING_SUFFIX, &ii) &&
	    libxl_domain_destroy(vm->ctx, ii.domid, NULL)) {
		rc = (errbuf_set(why, len, "cannot destroy %s" INCOMING_SUFFIX, name), -EIO);
		goto out;
	}
	open_copy(&cur, name, NULL, &ci);
	if (open_copy(&away, name, RETIRED_SUFFIX, &ai)) {
		if (cur) {
			if (ci.paused && libxl_domain_unpause(vm->ctx, ci.domid, NULL))
				rc = (errbuf_set(why, len, "cannot unpause the destination"), -EIO);
			else if (libxl_domain_destroy(vm->ctx, ai.domid, NULL))
				rc = (errbuf_set(why, len, "cannot destroy the source"), -EIO);
			else
				rc = 1;
			goto out;
		}
		snprintf(vm->now, sizeof(vm->now), "%s" RETIRED_SUFFIX, name);
		vm->info.domid = ai.domid;
		if (xen_rename_to(vm, name)) {
			rc = (errbuf_set(why, len, "%s", vm->err), -EIO);
			goto out;
		}
		cur = away;
		away = NULL;
		ci = ai;
	}
	if (!cur) {
		rc = (errbuf_set(why, len, "no domain '%s' is left", name), -ENOENT);
		goto out;
	}
	if (ci.suspended && libxl_domain_resume(vm->ctx, ci.domid, 1, NULL))
		rc = (errbuf_set(why, len, "cannot resume the suspended source"), -EIO);
out:
	xen_dom_close(cur);
	xen_dom_close(inc);
	xen_dom_close(away);
	xen_vm_free(vm);
	return rc;
}

/* The two backends differ only in their name and in who restores on the
 * destination: libxl in this process (xen) or `xl migrate-receive`
 * (xen-xl, hv_xen_xl.c). */
#define XEN_STREAM_OPS(restore_fn, activate_fn) {				\
	.config = xen_config, .save = xen_save,					\
	.restore = restore_fn, .retire = xen_retire, .activate = activate_fn,	\
	.page_hashes = xen_page_hashes, .unstable_pages = xen_unstable_pages,	\
	.recover = xen_recover,							\
}
#define XEN_HV_OPS(backend, stream_ops) {					\
	.name = backend, .attach = xen_attach, .pause = xen_pause,		\
	.resume = xen_resume, .query_stats = xen_query_stats,			\
	.destroy = xen_destroy, .error = xen_error, .detach = xen_detach,	\
	.stream = stream_ops,							\
}

static const struct hv_stream_ops xen_stream_ops =
	XEN_STREAM_OPS(xen_restore, xen_activate);
static const struct hv_stream_ops xen_xl_stream_ops =
	XEN_STREAM_OPS(xen_xl_restore, xen_xl_activate);

const struct hv_ops hv_xen_ops = XEN_HV_OPS("xen", &xen_stream_ops);
const struct hv_ops hv_xen_xl_ops = XEN_HV_OPS("xen-xl", &xen_xl_stream_ops);

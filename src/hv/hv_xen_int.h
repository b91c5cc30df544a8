/*
 * The xen backend's inside, shared by its two files: hv_xen.c (the
 * backend: attach, save, libxl's restore, recovery) and hv_xen_xl.c (the
 * same restore done by `xl migrate-receive`, speaking xl's protocol: the
 * proof that dsmig's stream is what xl expects). Not for other modules.
 */
#ifndef DSMIG_HV_HV_XEN_INT_H
#define DSMIG_HV_HV_XEN_INT_H

#include <libxl.h>
#include <sys/types.h>

#include "hv/hv.h"
#include "hv/xen_dom.h"

#define INCOMING_SUFFIX "--incoming"
#define RETIRED_SUFFIX "--migratedaway"
#define NAME_MAX_LEN 64

struct hv_vm {
	struct xen_dom *dom;
	struct xen_dom_info info;
	xentoollog_logger_stdiostream *log;
	libxl_ctx *ctx;
	char name[NAME_MAX_LEN + 1];        /* the VM's own name */
	char now[NAME_MAX_LEN + 32];        /* the name its domain has now */
	const struct hv_save_hooks *hooks;  /* during save */
	int suspended;                      /* by save: resume cancels it */
	pid_t xl_pid;                       /* hv_xen_xl.c: its xl migrate-receive */
	int xl_in, xl_out;                  /* ... stdin and stdout, or -1 */
	char err[512];
};

/* A handle with a libxl context, no domain yet (NULL: why says why). */
struct hv_vm *xen_vm_new(const char *name, char *why, size_t len);
void xen_vm_free(struct hv_vm *vm);
/* Put "domain 'NOW': " and the message in vm->err; returns rc (or -EIO). */
int xen_vm_fail(struct hv_vm *vm, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* libxl_domain_rename from vm->now to `to`. 0 or -EIO. */
int xen_rename_to(struct hv_vm *vm, const char *to);
/* A destination's handle for the VM name, with the peer's configuration
 * cfg (libxl JSON) parsed into *dc and checked: what this host takes from
 * a peer, named name. *dc is initialised in any case (the caller disposes
 * of it). NULL with *rc (-EINVAL, -ENOMEM) and why if refused. */
struct hv_vm *xen_vm_incoming(const char *name, const char *cfg, libxl_domain_config *dc,
			      int *rc, char *why, size_t len);

/* hv_xen_xl.c: end vm's xl migrate-receive, if it has one (its fds
 * closed, the process reaped). */
void xen_xl_end(struct hv_vm *vm);

/* hv_xen_xl.c: the stream ops restore and activate of backend xen-xl. */
int xen_xl_restore(struct hv_vm **vm, const char *host, const char *name,
		   const char *cfg, int fd, char *why, size_t len);
int xen_xl_activate(struct hv_vm *vm);

#endif /* DSMIG_HV_HV_XEN_INT_H */

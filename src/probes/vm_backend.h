/*
 * The VM probe's backends (private to src/probes): one ops table per
 * hypervisor, chosen per host by its hv= key (common/hosts.h). vm.c holds
 * one instance per host and calls only these members; nothing above the
 * probe layer knows which backend a host has.
 */
#ifndef DSMIG_PROBES_VM_BACKEND_H
#define DSMIG_PROBES_VM_BACKEND_H

#include <jansson.h>
#include <stddef.h>

#include "common/hosts.h"
#include "probes/vm.h"

struct vm_backend {
	const char *name;               /* "kvm", "xen", "ssh" */
	/* Start probing host h (copied). Returns 0 with *state set, or
	 * -errno with the reason in why (len may be 0). Does not block. */
	int (*open)(void **state, const struct host *h, char *why, size_t len);
	/* Append one "vm" record (docs/telemetry.md) per VM of the host to
	 * out, without "v"/"t"/"src"; a VM that disappeared gets one record
	 * with "state": "gone". Rates come from this poll and the one
	 * before (0 on a VM's first poll). Never blocks for long. */
	void (*poll)(void *state, json_t *out);
	/* Whether the host can be reached: 0 (or not known yet), or -1
	 * with the reason in why ("ssh: connect to host ... refused").
	 * Optional (NULL: always reachable, a host on this machine). Never
	 * blocks. */
	int (*reach)(void *state, char *why, size_t len);
	/* The host's own CPU and memory: 0 with *st, or -1 (none yet).
	 * Optional (NULL: the host is this machine, the host probe reads
	 * them itself). Never blocks. */
	int (*host_stats)(void *state, struct vm_host_stats *st);
	/* Free state (NULL is allowed). */
	void (*close)(void *state);
};

extern const struct vm_backend vm_backend_kvm;   /* vm_kvm.c */
extern const struct vm_backend vm_backend_xen;   /* xen.c */
extern const struct vm_backend vm_backend_ssh;   /* vm_ssh.c: a kvm host over ssh */

#endif /* DSMIG_PROBES_VM_BACKEND_H */

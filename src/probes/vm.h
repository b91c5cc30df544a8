/*
 * The VM probe: every VM on every known host, through the backend of the
 * host's hypervisor (vm_backend.h): a kvm host's VMM control sockets
 * (query-status once, query-stats each poll), a xen host's domains through
 * libxenstat (xen.h), an ssh host's VMM sockets forwarded over its ssh
 * connection (vm_ssh.c). It turns cumulative counters into rates (vCPU % from
 * CPU-time deltas, dirty pages per second, progress per second) and hands
 * each VM's sample over as a session record (docs/telemetry.md,
 * "probe": "vm").
 */
#ifndef DSMIG_PROBES_VM_H
#define DSMIG_PROBES_VM_H

#include <jansson.h>
#include <stdint.h>

#include "common/hosts.h"

struct vm_probe;

/* Open one backend per host. Returns 0, or -errno with the reason in why
 * ("host xen0 (xen): not a Xen dom0 ..."): a host whose backend cannot
 * start at all (a xen host where there is no hypervisor to read). */
int vm_probe_open(struct vm_probe **p, const struct host_list *hosts,
		  char *why, size_t len);

/* Poll every VM (finding new ones, noticing gone ones); append one record
 * per VM to out (a JSON array). Without "v"/"t"/"src": the caller stamps
 * them. Never blocks for long: each VMM gets a short timeout. */
void vm_probe_poll(struct vm_probe *p, json_t *out);

/* Whether host (by name) can be reached: 0 (a host on this machine, one
 * not known yet, or one not probed), or -1 with ssh's reason in why (an
 * ssh host whose connection failed: retried with backoff). Never blocks. */
int vm_probe_reach(const struct vm_probe *p, const char *host, char *why, size_t len);

/* A host's own CPU and memory, as its backend reads them. */
struct vm_host_stats {
	double cpu_pct;                 /* -1: not known */
	int have_mem;
	int64_t mem_used, mem_total;    /* bytes */
};

/* Host's stats from its backend (an ssh host: read on that machine).
 * 0 with *st set, or -1 when the backend has none to give (unknown host,
 * a backend without them, not read yet or unreachable). Never blocks. */
int vm_probe_host_stats(const struct vm_probe *p, const char *host, struct vm_host_stats *st);

/* The control socket of this process's ssh master to ssh host h (whether
 * it is up or not: an ssh client given it connects by itself when it is
 * not). 0, or -1 when the path does not fit. */
int vm_probe_ssh_ctl(const struct host *h, char *buf, size_t len);

/* The local socket through which this process reaches VM vm of ssh host
 * h: the forward the ssh backend keeps of its remote socket, in the
 * mirror directory beside the master's control socket (vm_ssh.c), there
 * while the master is up and the VM listed. 0, or -1 when the path does
 * not fit or vm is no VM name. */
int vm_probe_ssh_sock(const struct host *h, const char *vm, char *buf, size_t len);

void vm_probe_close(struct vm_probe *p);

#endif /* DSMIG_PROBES_VM_H */

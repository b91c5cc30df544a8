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

/* The control socket of this process's ssh master to ssh host h (whether
 * it is up or not: an ssh client given it connects by itself when it is
 * not). 0, or -1 when the path does not fit. */
int vm_probe_ssh_ctl(const struct host *h, char *buf, size_t len);

void vm_probe_close(struct vm_probe *p);

#endif /* DSMIG_PROBES_VM_H */

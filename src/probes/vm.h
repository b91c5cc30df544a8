/*
 * The VM probe: every VM on every known host, through its VMM's control
 * socket (query-status once, query-stats each poll). It turns the VMM's
 * cumulative counters into rates (vCPU % from CPU-time deltas, dirty pages
 * per second, progress per second) and hands each VM's sample over as a
 * session record (docs/telemetry.md, "probe": "vm").
 */
#ifndef DSMIG_PROBES_VM_H
#define DSMIG_PROBES_VM_H

#include <jansson.h>

#include "common/hosts.h"

struct vm_probe;

int vm_probe_open(struct vm_probe **p, const struct host_list *hosts);

/* Poll every VM (finding new ones, noticing gone ones); append one record
 * per VM to out (a JSON array). Without "v"/"t"/"src": the caller stamps
 * them. Never blocks for long: each VMM gets a short timeout. */
void vm_probe_poll(struct vm_probe *p, json_t *out);

void vm_probe_close(struct vm_probe *p);

#endif /* DSMIG_PROBES_VM_H */

/*
 * The host probe: per host of the hosts file, its hypervisor, CPU use and
 * memory, and the link a migration from it crosses, handed over as session
 * records (docs/telemetry.md, "probe": "host"). Every host of a hosts file
 * is on this machine (a runtime directory on loopback, or a lab network
 * namespace), so CPU and memory are the machine's (/proc/stat,
 * /proc/meminfo), marked "shared" when several hosts show the same
 * numbers. The link: a lab host's is the lab's tbf rate (LAB_CONF, as
 * `dsmig lab up` wrote it), any other host's is loopback, unshaped.
 * An ssh host is another machine: its record has no CPU and memory yet
 * (this machine's would be wrong), its link is "ssh (not measured)", and
 * while its connection is down it carries "unreachable" with ssh's
 * reason (from the VM probe, vms).
 */
#ifndef DSMIG_PROBES_HOST_H
#define DSMIG_PROBES_HOST_H

#include <jansson.h>
#include <stdint.h>

#include "common/hosts.h"
#include "probes/vm.h"

struct host_probe {
	const struct host_list *hosts;  /* the caller's; outlives the probe */
	const struct vm_probe *vms;     /* optional, the caller's: says which
					   hosts are unreachable */
	uint64_t busy, total;           /* /proc/stat's CPU jiffies at the last
					   poll; total 0: no poll yet */
	double lab_bps;                 /* the lab link's rate, bit/s; 0 if
					   there is no readable LAB_CONF */
};

/* Start probing hosts (kept by reference). Reads LAB_CONF once. */
void host_probe_init(struct host_probe *p, const struct host_list *hosts);

/* Append one record per host to out (a JSON array), without "v"/"t"/"src"
 * (the caller stamps them). CPU % is over the time since the previous
 * poll, so the first poll's records have no "cpu_pct"; a value that
 * cannot be read is left out, never written as 0. Call about once a
 * second. */
void host_probe_poll(struct host_probe *p, json_t *out);

#endif /* DSMIG_PROBES_HOST_H */

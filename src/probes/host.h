/*
 * The host probe: per host of the hosts file, its hypervisor, CPU use and
 * memory, and the link a migration from it crosses, handed over as session
 * records (docs/telemetry.md, "probe": "host"). Every host of a hosts file
 * is on this machine (a runtime directory on loopback, or a lab network
 * namespace), so CPU and memory are the machine's (/proc/stat,
 * /proc/meminfo), marked "shared" when several hosts show the same
 * numbers. The link: a lab host's is the lab's tbf rate (LAB_CONF, as
 * `dsmig lab up` wrote it), any other host's is loopback, unshaped.
 * An ssh host is another machine: its CPU and memory are its own, read
 * there by the VM probe's ssh backend (vm_probe_host_stats()), absent
 * until read; its link is "ssh (not measured)", and while its connection
 * is down it carries "unreachable" with ssh's reason (from the VM probe,
 * vms).
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

/* /proc/stat's first line ("cpu  user nice system idle iowait ..."): the
 * busy (all but idle and iowait) and total jiffies. 0, or -1. */
int host_cpu_parse(const char *line, uint64_t *busy, uint64_t *total);

/* The CPU % between two such samples (0..100), or -1 without an earlier
 * one (total0 0) or when the counters did not move forward. */
double host_cpu_pct(uint64_t busy0, uint64_t total0, uint64_t busy1, uint64_t total1);

/* /proc/meminfo, fed a line at a time. */
struct host_mem {
	unsigned long long total_kb, avail_kb;
	int have;                       /* bit 0 MemTotal, bit 1 MemAvailable */
};
void host_mem_line(struct host_mem *m, const char *line);
/* Used (MemTotal - MemAvailable) and total bytes: 0, or -1 when a line
 * was missing or they do not make sense. */
int host_mem_result(const struct host_mem *m, int64_t *used, int64_t *total);

/* Start probing hosts (kept by reference). Reads LAB_CONF once. */
void host_probe_init(struct host_probe *p, const struct host_list *hosts);

/* Append one record per host to out (a JSON array), without "v"/"t"/"src"
 * (the caller stamps them). CPU % is over the time since the previous
 * poll, so the first poll's records have no "cpu_pct"; a value that
 * cannot be read is left out, never written as 0. Call about once a
 * second. */
void host_probe_poll(struct host_probe *p, json_t *out);

#endif /* DSMIG_PROBES_HOST_H */

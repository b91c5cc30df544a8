/*
 * The VM probe's xen backend (vm_backend_xen, vm_backend.h): a Xen host's
 * domains through libxenstat, as xentop reads them. Each poll takes one
 * xenstat_get_node() sample and gives per domain a "vm" record: the
 * domain's name, "domid", its state as `xl list` prints it ("r-----"),
 * the online vCPUs, cur_mem as "mem_bytes", one "vcpu_pct" per online
 * vCPU, and "cpu_pct", xentop's CPU(%): the domain's cpu_ns delta over the
 * wall time between the two samples (so a domain with two busy vCPUs reads
 * 200). Domain-0 (id 0) is listed, as xentop and `xl list` do.
 *
 * libxenstat reads the hypervisor of the machine it runs on, so a xen host
 * is dsmig's own machine, a dom0 (common/hosts.h allows one such host).
 * The helpers below are the backend's arithmetic, apart for tests.
 */
#ifndef DSMIG_PROBES_XEN_H
#define DSMIG_PROBES_XEN_H

#include <stdint.h>

/* A domain's state flags, as libxenstat reports them. */
enum {
	XEN_DOM_RUNNING = 1u << 0,
	XEN_DOM_BLOCKED = 1u << 1,
	XEN_DOM_PAUSED = 1u << 2,
	XEN_DOM_SHUTDOWN = 1u << 3,
	XEN_DOM_CRASHED = 1u << 4,
	XEN_DOM_DYING = 1u << 5,
};

#define XEN_STATE_LEN 7     /* "rbpscd" and its NUL */

/* flags as `xl list` prints them: one column per flag in the order r, b,
 * p, s, c, d, its letter when set, '-' when not ("-b----"). */
void xen_state_string(unsigned flags, char out[XEN_STATE_LEN]);

/* Percent of one CPU used between two samples: 100 * (ns - ns_prev) /
 * (t_ns - t_prev_ns), as xentop computes CPU(%). 0 when the wall time did
 * not advance or the counter went backwards (a new domain with the same
 * id, a reset vCPU). */
double xen_cpu_pct(uint64_t ns_prev, uint64_t ns, uint64_t t_prev_ns, uint64_t t_ns);

#endif /* DSMIG_PROBES_XEN_H */

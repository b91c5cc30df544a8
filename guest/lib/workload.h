/*
 * Run control shared by the workloads: the optional run length
 * ("duration_ms=N"), parking vCPUs a workload does not use, waiting for
 * another vCPU, and the final summary line.
 */
#ifndef DSMIG_GUEST_WORKLOAD_H
#define DSMIG_GUEST_WORKLOAD_H

#include <stdint.h>
#include "dsmig_abi.h"

#define NS_PER_MS ((uint64_t)1000000)
#define NS_PER_S  ((uint64_t)1000000000)

/* Monotonic time at which the run should end: start_ns + duration_ms from
 * the cmdline, or UINT64_MAX (run forever) if duration_ms is absent or 0. */
uint64_t wl_end_ns(const struct dsmig_boot_info *bi, uint64_t start_ns);

/* Monotonic time at which to corrupt the workload's data on purpose, to
 * test the self-checks: start_ns + inject_ms from the cmdline, or 0 (never)
 * if inject_ms is absent. */
uint64_t wl_inject_ns(const struct dsmig_boot_info *bi, uint64_t start_ns);

/* For vCPUs a workload has no use for: sleep in one-second steps forever. */
__attribute__((noreturn)) void wl_park(void);

/* Sleep in 1 ms steps until *flag >= want (set by another vCPU with
 * wl_flag_raise). */
void wl_wait_flag(const uint32_t *flag, uint32_t want);

/* Add 1 to *flag with release ordering. */
void wl_flag_raise(uint32_t *flag);

/* Print "NAME done: progress=P selfcheck_fail=F selfcheck_pass=S
 * max_gap_us=G EXTRA" from the counter block; returns the guest's exit
 * status: 0 if no corruption was seen, 1 otherwise. */
int wl_finish(const char *extra);

#endif /* DSMIG_GUEST_WORKLOAD_H */

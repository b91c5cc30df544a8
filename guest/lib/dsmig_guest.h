/*
 * The guest-side library every dsmig workload links: hypercall wrappers,
 * a few freestanding libc routines, console printing and argument parsing.
 * A workload defines guest_main(); the library's entry calls it on every
 * vCPU and turns a return from vCPU 0 into DSMIG_HC_EXIT.
 */
#ifndef DSMIG_GUEST_H
#define DSMIG_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include "dsmig_abi.h"

/* Provided by the workload. Runs on every vCPU. A return from vCPU 0 ends
 * the VM with that status; other vCPUs just stop running code. */
int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu);

/* The boot info the VMM handed us (valid for the whole run). */
extern const struct dsmig_boot_info *guest_boot_info;

/* ---- hypercalls ---------------------------------------------------------- */
static inline void hc_call(enum dsmig_hypercall nr, void *arg)
{
	__asm__ __volatile__("outl %0, %1"
			     :
			     : "a"((uint32_t)(uintptr_t)arg),
			       "d"((uint16_t)(DSMIG_HC_PORT_BASE + nr))
			     : "memory");
}

void hc_puts(const char *s, size_t len);
uint64_t hc_monotonic_ns(void);
uint64_t hc_wall_ns(void);
uint64_t hc_sleep_until(uint64_t deadline_ns);
void hc_counters(struct dsmig_counters *c);
__attribute__((noreturn)) void hc_exit(int status);
/* The NIC (ABI 3): info fills *out (present 0: no NIC); write and read
 * return an enum dsmig_net_result; read sets *len to the frame's length;
 * poll sleeps like hc_sleep_until but wakes when a frame waits, setting
 * *ready (DSMIG_POLL_NET), and returns the monotonic time. */
void hc_net_info(struct dsmig_hc_net_info *out);
uint64_t hc_net_write(const void *frame, size_t len);
uint64_t hc_net_read(void *buf, size_t cap, size_t *len);
uint64_t hc_poll_until(uint64_t deadline_ns, uint64_t *ready);

/* ---- freestanding libc ----------------------------------------------------- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
int atoi(const char *s);   /* decimal, optional sign; stops at a non-digit */

/* printf subset: %s %c %d %u %x %lu %lx %llu %llx %ld %p %%, width for d/u/x. */
int gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same formats into buf: writes at most size-1 characters and a NUL
 * (if size > 0); returns the length the full output would have had. */
int gsnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- arguments ------------------------------------------------------------- */
/* Look up "key=value" in the cmdline; value may carry a K/M/G suffix. Returns
 * def if the key is absent or malformed. */
uint64_t arg_u64(const char *cmdline, const char *key, uint64_t def);
/* The raw value of "key=value" in the cmdline: a pointer to its first
 * character and, in *len, its length (up to the next space or the end).
 * NULL if the key is absent. */
const char *arg_str(const char *cmdline, const char *key, size_t *len);

/* ---- small helpers ----------------------------------------------------------- */
static inline void cpu_relax(void) { __asm__ __volatile__("pause"); }

#endif /* DSMIG_GUEST_H */

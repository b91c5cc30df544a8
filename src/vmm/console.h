/*
 * The guest console: what a guest prints with DSMIG_HC_PUTS. A vCPU only
 * appends to a ring (never blocks, never waits for a reader); a writer
 * thread copies the ring to the console descriptor (stdout, a file, a pipe
 * somebody may never read) and counts what it had to skip. Output is
 * rate-limited (a token bucket) so that a guest cannot flood the host's
 * disk; the ring keeps the last VM_CONSOLE_RING bytes for query-console
 * and travels with a migration.
 */
#ifndef DSMIG_VMM_CONSOLE_H
#define DSMIG_VMM_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_CONSOLE_RING    16384
#define CONSOLE_RATE_BPS   (64 * 1024)    /* sustained bytes per second */
#define CONSOLE_BURST      (256 * 1024)   /* bytes accepted at once */

struct vm_console {
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* CLOCK_MONOTONIC; new bytes, stop */
	int fd;                         /* -1: ring only */
	char ring[VM_CONSOLE_RING];
	uint64_t total;                 /* bytes accepted; the ring holds the tail */
	uint64_t written;               /* of those, handed to fd (or skipped) */
	uint64_t dropped_rate;          /* refused by the rate limit */
	uint64_t dropped_slow;          /* overwritten before fd took them */
	uint64_t tokens;                /* token bucket, bytes */
	uint64_t refill_ns;             /* last refill (time_mono_ns) */
	bool stop;
	bool fd_failed;                 /* a write failed: ring only from then on */
	bool thread_started;
	pthread_t thread;
};

/* Set up (fd may be -1) and start the writer thread: 0 or -errno. fd is
 * owned by the console from then on (closed by console_fini unless it is
 * one of 0..2). */
int console_init(struct vm_console *con, int fd);

/* Stop the writer (within its poll interval, even if the reader of fd
 * never reads), close fd, free. */
void console_fini(struct vm_console *con);

/* Append guest bytes: control characters other than newline and tab
 * become '.'; bytes beyond the rate limit are dropped and counted. Never
 * blocks on the descriptor. */
void console_write(struct vm_console *con, const char *buf, size_t len);

/* Copy the ring's tail (at most VM_CONSOLE_RING bytes, oldest first) into
 * out; returns how many; *total gets the bytes accepted so far. */
size_t console_tail(struct vm_console *con, char *out, uint64_t *total);

/* The ring as it is (byte i of the output at ring[i % VM_CONSOLE_RING])
 * and its total, for a migration's state. */
void console_snapshot(struct vm_console *con, char ring[VM_CONSOLE_RING],
		      uint64_t *total);

/* Bytes that never reached the descriptor: rate limit plus slow reader. */
uint64_t console_dropped(struct vm_console *con);

/* Replace the ring with a migrated one (total bytes, ring contents); the
 * writer does not print it again. */
void console_restore(struct vm_console *con, uint64_t total,
		     const char ring[VM_CONSOLE_RING]);

#endif /* DSMIG_VMM_CONSOLE_H */

/* Starting helper programs: with their output in files (the engine under
 * mpirun, `dsmig migrate` under the console), or to completion with their
 * output in a buffer (`ip` and `tc` under `dsmig lab`). */
#ifndef DSMIG_COMMON_PROC_H
#define DSMIG_COMMON_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Start argv[0] (looked up in PATH when it has no '/') in a child whose
 * stdin is /dev/null and whose stdout and stderr go to the files out and
 * err (created mode 0600, truncated; they may be the same file). With
 * new_group the child gets its own process group, out of reach of the
 * terminal's Ctrl-C. Returns the child's pid, or -errno if fork failed; a
 * program that cannot be run exits 127 with the reason in err. */
pid_t proc_spawn(const char *const argv[], const char *out, const char *err,
		 int new_group);

/* This program's path (/proc/self/exe) into buf: 0, or -1 (buf "") when
 * it cannot be read or does not fit. */
int proc_self_exe(char *buf, size_t len);

/* The program name beside this one (BIN/name for BIN/this-program), or
 * the value of environment variable env when it is set and not empty (a
 * test's override; env may be NULL). */
void proc_sibling(char *buf, size_t len, const char *name, const char *env);

/* Wait for child pid at most ms; after that kill (SIGKILL) and reap it.
 * Its wait status, or -1 on a timeout. */
int proc_wait(pid_t pid, unsigned ms);

/* Run argv[0] (looked up in PATH) to completion with stdin /dev/null and
 * its stdout and stderr, interleaved, in out (NUL-terminated; what does
 * not fit outlen is read and dropped; out may be NULL when outlen is 0).
 * Returns its exit status (0..255; 127 when it cannot be run, with the
 * reason in out), 128 + N when killed by signal N, or -errno when it could
 * not be started. */
int proc_run(const char *const argv[], char *out, size_t outlen);

/* The environment variable that tags a migration's engine ranks
 * (dsmig migrate sets it to its pid); programs the ranks start that must
 * outlive them (a destination VMM) drop it. */
#define PROC_MIGRATION_TAG "DSMIG_MIGRATION"

/* Kill (SIGKILL) every process of this user whose environment holds
 * entry ("NAME=VALUE" exactly), and wait until they are gone, at most
 * timeout_ms. The engine's ranks carry their migration's tag this way,
 * whichever process group mpirun or its daemons put them in, so that a
 * migration whose mpirun died leaves no rank behind to hold the VM.
 * Returns how many are still alive (0: none). */
int proc_kill_tagged(const char *entry, unsigned timeout_ms);

#endif /* DSMIG_COMMON_PROC_H */

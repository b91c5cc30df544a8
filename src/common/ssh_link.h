/*
 * One OpenSSH connection to an ssh host of the hosts file (hosts.h): a
 * ControlMaster (`ssh -N -M -S CTL`) that dsmig starts, owns and reaps,
 * and the mux client commands that go through it: run a remote command,
 * forward a remote Unix socket to a local one (OpenSSH's stream-local
 * forwarding, `-O forward -L LOCAL:REMOTE`), cancel a forward, exit.
 *
 * A prompt never appears: BatchMode=yes, and host keys are checked
 * against known_hosts (StrictHostKeyChecking=yes). Nothing of the hosts
 * file goes through a local shell: ssh is exec'd with an argv
 * (ssh_argv_build(), pure, unit-tested). A remote command does go through
 * the remote shell: quote its paths with ssh_quote_path().
 *
 * Nothing here blocks for long: ssh_link_start() spawns the master and
 * returns, ssh_link_poll() says whether it is up yet (or why it failed);
 * the mux commands wait for their client at most a given time. Meant for
 * a worker thread (probes/vm_ssh.c); one thread per link.
 */
#ifndef DSMIG_COMMON_SSH_LINK_H
#define DSMIG_COMMON_SSH_LINK_H

#include <stddef.h>
#include <sys/types.h>

#include "common/hosts.h"

enum ssh_op {
	SSH_OP_MASTER,   /* the master: -N -M, keep-alives, StreamLocalBindUnlink */
	SSH_OP_CHECK,    /* -O check: is the master up? */
	SSH_OP_EXIT,     /* -O exit */
	SSH_OP_RUN,      /* run arg, a remote shell command line, through the master */
	SSH_OP_FORWARD,  /* -O forward -L arg ("LOCAL.sock:REMOTE.sock") */
	SSH_OP_CANCEL,   /* -O cancel -L arg */
};

#define SSH_ARGV_MAX 40

/* An ssh command line: argv (NULL-terminated) points into buf. */
struct ssh_argv {
	const char *argv[SSH_ARGV_MAX];
	char buf[2048];
};

/* Build the ssh command line of op for host h (an ssh host) with control
 * socket ctl; arg as op says (NULL for the others). Returns 0, or -1 when
 * it does not fit or h is no ssh host. */
int ssh_argv_build(struct ssh_argv *a, const struct host *h, const char *ctl,
		   enum ssh_op op, const char *arg);

/* Open MPI's rsh agent for a migration between ssh hosts a and b (one
 * agent string for both, so they must share user, known_hosts and key):
 * "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes
 * [-o UserKnownHostsFile=K] [-o IdentitiesOnly=yes -i KEY] -l USER",
 * made of the hosts file's validated fields only (mpirun splits it at
 * spaces, no shell). Pure. Returns 0, or -1 with the reason in why. */
int ssh_mpi_agent(char *buf, size_t buflen, const struct host *a, const struct host *b,
		  char *why, size_t len);

/* path single-quoted for a remote POSIX shell ('/run/dsmig'), refused
 * (-1) unless hosts_path_safe(path); 0, or -1 when it does not fit. */
int ssh_quote_path(char *buf, size_t len, const char *path);

struct ssh_link;

/* Start the master for host h, its control socket and its stderr in dir
 * (an existing private directory, kept short: a Unix socket path). Does
 * not wait for it. Returns 0 with *l set, or -1 with the reason in why. */
int ssh_link_start(struct ssh_link **l, const struct host *h, const char *dir,
		   char *why, size_t len);

/* Is the master up? 1 yes, 0 not yet (call again), or -1 with ssh's own
 * reason in why (its last line on stderr: "ssh: connect to host ... port
 * 22: Connection refused") when it failed or died. Once up, a poll only
 * reaps (no ssh is run). */
int ssh_link_poll(struct ssh_link *l, char *why, size_t len);

/* Run cmd on the host (through its shell) through the master; its stdout
 * into out (NUL-terminated, at most cap - 1 bytes kept). Waits at most
 * timeout_ms. Returns its exit status, or -1 with the reason in why. */
int ssh_link_run(struct ssh_link *l, const char *cmd, char *out, size_t cap,
		 unsigned timeout_ms, char *why, size_t len);

/* Run cmd on the host through the master without waiting for it: its
 * stdout on a non-blocking pipe, *fd (the caller reads and closes it),
 * stdin /dev/null, stderr in the link's directory (stream.err). Returns the
 * ssh's pid (the caller ends and reaps it: proc_wait()), or -1 with the
 * reason in why. One stream at a time per link. */
pid_t ssh_link_stream(struct ssh_link *l, const char *cmd, int *fd, char *why, size_t len);

/* Forward the remote Unix socket remote to the local path local (a stale
 * file there is removed first), or cancel that forward (and remove local).
 * Returns 0, or -1 with ssh's reason in why. */
int ssh_link_forward(struct ssh_link *l, const char *local, const char *remote,
		     char *why, size_t len);
int ssh_link_cancel(struct ssh_link *l, const char *local, const char *remote,
		    char *why, size_t len);

/* Ask the master to exit (-O exit), then end it and reap it; removes its
 * files. NULL is allowed. */
void ssh_link_close(struct ssh_link *l);

#endif /* DSMIG_COMMON_SSH_LINK_H */

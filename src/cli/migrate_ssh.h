/*
 * The two ends of a `dsmig migrate` between ssh hosts (hosts.h: ssh=):
 * one OpenSSH ControlMaster per host for the run (common/ssh_link.h), and
 * the VM's control socket of each end forwarded into a private local
 * directory, so that the preflight and the referee (cli/settle.h) talk to
 * the remote VMMs as to local ones. The engine itself does not go through
 * these masters: mpirun starts its daemons with its own ssh (the agent of
 * ssh_mpi_agent()).
 *
 * Call order: migrate_ssh_open() (waits until both masters are up, or
 * fails with ssh's reason), then migrate_ssh_expose() for a side whenever
 * it is to be probed (the destination's socket exists only once the
 * engine has made the incoming VM), probing migrate_ssh_dir(); at the end
 * migrate_ssh_close(), which ends the masters and removes the directory.
 */
#ifndef DSMIG_CLI_MIGRATE_SSH_H
#define DSMIG_CLI_MIGRATE_SSH_H

#include <limits.h>
#include <stddef.h>

#include "common/hosts.h"
#include "common/ssh_link.h"

enum migrate_side { MIGRATE_SRC, MIGRATE_DST };

struct migrate_ssh {
	struct host h[2];               /* by enum migrate_side */
	struct ssh_link *link[2];
	char vm[64];
	char dir[128];                  /* private (0700), under the runtime dir */
	char side[2][160];              /* dir/src, dir/dst: a local "runtime dir" each */
};

/* Open the masters to src and dst for VM vm, in a new private directory
 * under rundir. Returns 0, or -1 with the reason (ssh's own, naming the
 * host) in why; nothing is left behind then. */
int migrate_ssh_open(struct migrate_ssh *m, const struct host *src, const struct host *dst,
		     const char *rundir, const char *vm, char *why, size_t len);

/* Make side's VM socket reachable at migrate_ssh_dir(m, side): forward it
 * if the remote VM socket exists, else make sure no local one does (the
 * probe then finds the VM absent). Returns 1 forwarded, 0 no VM socket
 * there, -1 with ssh's reason in why (the side's state is unknown). */
int migrate_ssh_expose(struct migrate_ssh *m, enum migrate_side side, char *why, size_t len);

/* The local directory that stands for side's runtime directory. */
const char *migrate_ssh_dir(const struct migrate_ssh *m, enum migrate_side side);

/* End both masters and remove the directory. */
void migrate_ssh_close(struct migrate_ssh *m);

#endif /* DSMIG_CLI_MIGRATE_SSH_H */

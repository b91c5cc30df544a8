/*
 * How the console reaches and starts the VMs of a kvm host, by kind of
 * host: one ops table each for a runtime directory on this machine, a
 * lab host (the same directory, its VMMs started inside the host's
 * network namespace) and an ssh host (its sockets as the VM probe's ssh
 * master forwards them; its VMMs started on that machine through that
 * master). The console's VM actions (vmact.c) call only these members.
 *
 * Starting a VM runs a small launcher, the same POSIX shell script on
 * every kind (here, inside the namespace, or on the ssh host): it starts
 * `dsmig-vmm run IMAGE --name NAME --mem SIZE --quiet` detached (its own
 * session, stdin and stdout /dev/null, stderr appended to RUNTIME/NAME.log,
 * DSMIG_RUNTIME_DIR the host's runtime directory) and exits 0 once that
 * VMM answers query-status on its socket, or non-zero with the VMM's
 * log on its stderr when the VMM ended first, or after 10 s. Locally the
 * launch's words are the script's arguments (never shell text); for an
 * ssh host they go into the remote command line, the paths quoted with
 * ssh_quote_path() and the name and size only as vmspec.h checked them.
 * Both members are pure: they make paths and command lines, run nothing.
 */
#ifndef DSMIG_UI_VMHOST_H
#define DSMIG_UI_VMHOST_H

#include <stddef.h>

#include "common/hosts.h"
#include "common/ssh_link.h"

/* A VM to start, its words checked by the caller (vmspec.h). */
struct vm_launch {
	const char *vmm;        /* dsmig-vmm's path: the same on every machine */
	const char *image;      /* the guest image's path (the same) */
	const char *name;       /* vmspec_check_name() */
	const char *mem;        /* vmspec_format_mem() */
};

/* A launcher's command line: argv (NULL-terminated) points into the
 * launch, the host, or buffers here; valid while they are. */
struct vmhost_cmd {
	const char *argv[SSH_ARGV_MAX];
	struct ssh_argv ssh;
	char remote[1600];
};

struct vmhost_ops {
	const char *kind;       /* "local", "lab", "ssh" */
	/* The control socket of VM vm of host h, as this process connects
	 * to it. Returns 0, or -1 (too long, or vm is no VM name). */
	int (*sock)(const struct host *h, const char *vm, char *buf, size_t len);
	/* The launcher of l on host h (see above) into cmd. Returns 0, or
	 * -1 with the reason in why (a path an ssh command line cannot
	 * carry, too long a command). */
	int (*launcher)(const struct host *h, const struct vm_launch *l, struct vmhost_cmd *cmd,
			char *why, size_t len);
};

/* The ops for host h, or NULL for a host whose VMs dsmig does not start
 * or stop (a xen host's domains). */
const struct vmhost_ops *vmhost_ops(const struct host *h);

#endif /* DSMIG_UI_VMHOST_H */

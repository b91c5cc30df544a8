/*
 * The kinds of kvm host the console starts and stops VMs on (see
 * vmhost.h): a runtime directory here, a lab host, an ssh host. One
 * launcher script serves all three; only how it is run differs.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rundir.h"
#include "probes/vm.h"
#include "ui/vmhost.h"

/* The launcher (vmhost.h): $1 dsmig-vmm, $2 image, $3 name, $4 memory,
 * $5 runtime directory. No single quote in it: an ssh host's command
 * line carries it single-quoted. The VMM's stderr is appended to
 * RUNTIME/NAME.log (a VMM of that name running already keeps its log)
 * and what it added is the launcher's stderr when it fails. The VMM is
 * ours once query-status on its socket gives its pid (another VMM of
 * that name would answer with its own, and ours would end: the VMM
 * never takes a live socket). */
static const char launcher_script[] =
	"d=$5; s=$d/$3.sock; l=$d/$3.log; (umask 077; mkdir -p \"$d\") || exit 1; "
	"o=$(wc -c 2>/dev/null <\"$l\") || o=0; "
	"DSMIG_RUNTIME_DIR=$d setsid \"$1\" run \"$2\" --name \"$3\" --mem \"$4\" --quiet "
	"</dev/null >/dev/null 2>>\"$l\" & p=$!; i=0; "
	"while [ $i -lt 100 ]; do "
	"if ! kill -0 $p 2>/dev/null; then wait $p; e=$?; tail -c +$((o + 1)) \"$l\" >&2; "
	"[ $e -ne 0 ] || e=1; exit $e; fi; "
	"case $(\"$1\" ctl \"$s\" query-status 2>/dev/null) in *\"\\\"pid\\\":$p,\"*) exit 0;; esac; "
	"sleep 0.1; i=$((i + 1)); done; "
	"echo \"no answer on $s within 10 s (it may still come up)\" >&2; exit 1";

/* $0 of the launcher's shell: what ps shows. */
#define LAUNCHER_NAME "dsmig-vm-start"

/* argv from k on: sh -c SCRIPT NAME and the launch's words; returns the
 * next index. */
static int script_argv(struct vmhost_cmd *cmd, int k, const struct host *h,
		       const struct vm_launch *l)
{
	const char *words[] = {
		"/bin/sh", "-c", launcher_script, LAUNCHER_NAME, l->vmm, l->image, l->name,
		l->mem, h->runtime,
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cmd->argv[k++] = words[i];
	cmd->argv[k] = NULL;
	return k;
}

static int local_sock(const struct host *h, const char *vm, char *buf, size_t len)
{
	return dsmig_socket_path(buf, len, h->runtime, vm) ? -1 : 0;
}

static int local_launcher(const struct host *h, const struct vm_launch *l,
			  struct vmhost_cmd *cmd, char *why, size_t len)
{
	memset(cmd, 0, sizeof(*cmd));
	script_argv(cmd, 0, h, l);
	return 0;
}

/* In the host's namespace: `ip netns exec NS` execs the launcher there
 * (no shell of its own); the runtime directory is this machine's. */
static int lab_launcher(const struct host *h, const struct vm_launch *l,
			struct vmhost_cmd *cmd, char *why, size_t len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->argv[0] = "ip";
	cmd->argv[1] = "netns";
	cmd->argv[2] = "exec";
	cmd->argv[3] = h->netns;
	script_argv(cmd, 4, h, l);
	return 0;
}

static int ssh_sock(const struct host *h, const char *vm, char *buf, size_t len)
{
	return vm_probe_ssh_sock(h, vm, buf, len);
}

/* Through the console's ssh master for h (ssh connects by itself when
 * it is down): sh -c 'SCRIPT' NAME 'VMM' 'IMAGE' NAME MEM 'RUNTIME'. */
static int ssh_launcher(const struct host *h, const struct vm_launch *l,
			struct vmhost_cmd *cmd, char *why, size_t len)
{
	char vmm[300], image[300], dir[300], ctl[300];
	const char *bad = ssh_quote_path(vmm, sizeof(vmm), l->vmm) ? l->vmm :
			  ssh_quote_path(image, sizeof(image), l->image) ? l->image :
			  ssh_quote_path(dir, sizeof(dir), h->runtime) ? h->runtime : NULL;
	int k, i;

	memset(cmd, 0, sizeof(*cmd));
	if (bad)
		return errbuf_set(why, len, "%s cannot go into an ssh command line "
				  "(an absolute path of A-Z a-z 0-9 / _ . - only)", bad);
	k = snprintf(cmd->remote, sizeof(cmd->remote), "sh -c '%s' %s %s %s %s %s %s",
		     launcher_script, LAUNCHER_NAME, vmm, image, l->name, l->mem, dir);
	if (k < 0 || (size_t)k >= sizeof(cmd->remote) || vm_probe_ssh_ctl(h, ctl, sizeof(ctl)) ||
	    ssh_argv_build(&cmd->ssh, h, ctl, SSH_OP_RUN, cmd->remote))
		return errbuf_set(why, len, "the ssh command line to %s is too long", h->name);
	for (i = 0; cmd->ssh.argv[i]; i++)
		cmd->argv[i] = cmd->ssh.argv[i];
	return 0;
}

static const struct vmhost_ops local_ops = {
	.kind = "local",
	.sock = local_sock,
	.launcher = local_launcher,
};

static const struct vmhost_ops lab_ops = {
	.kind = "lab",
	.sock = local_sock,
	.launcher = lab_launcher,
};

static const struct vmhost_ops ssh_ops = {
	.kind = "ssh",
	.sock = ssh_sock,
	.launcher = ssh_launcher,
};

const struct vmhost_ops *vmhost_ops(const struct host *h)
{
	if (!h || h->hv != HOST_HV_KVM)
		return NULL;
	if (hosts_is_ssh(h))
		return &ssh_ops;
	return h->netns[0] ? &lab_ops : &local_ops;
}

/*
 * `dsmig lab down` (and `up` after a crash): remove whatever of a lab
 * exists, found by name rather than from its state. sshd (`up --ssh`)
 * is stopped, VMMs are asked to quit, what is left in the lab's namespaces
 * (the hosts' and the clients', LAB_CLIENT_NS) is stopped (SIGTERM, then
 * SIGKILL), then the loss rules, links, namespaces and LAB_DIR go.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/lab_int.h"
#include "common/ctl_client.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"

/* How long VMMs get to quit, and processes to die after SIGTERM. */
#define LAB_QUIT_WAIT_MS 2000
#define LAB_TERM_WAIT_MS 1000
#define LAB_MAX_PIDS     512

/* Ask every VMM whose socket is in directory dir to quit; host names it. */
static void quit_vmms_in(const char *dir, const char *host)
{
	DIR *d = opendir(dir);
	struct dirent *s;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((s = readdir(d))) {
		char vm[DSMIG_VM_NAME_MAX + 1];
		struct ctl_client *c;
		json_t *r = NULL;

		if (dsmig_socket_vm_name(s->d_name, vm, sizeof(vm)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, s->d_name);
		if (ctl_client_open(&c, path, 1000, NULL, 0))
			continue;
		if (ctl_client_execute(c, "quit", NULL, &r, NULL, 2000) == 0)
			log_info("quit VM %s on %s", vm, host);
		json_decref(r);
		ctl_client_close(c);
	}
	closedir(d);
}

/* The VMs of a host's own runtime directory (`up --ssh`: in its mount
 * namespace, kept at LAB_SSH_MNT/NAME): a child enters it and asks them. */
static void quit_vmms_ns(const char *host)
{
	char file[PATH_MAX];
	int fd, st;
	pid_t pid;

	snprintf(file, sizeof(file), LAB_SSH_MNT "/%s", host);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	pid = fork();
	if (pid == 0)
		_exit(setns(fd, CLONE_NEWNS) ? 1 : (quit_vmms_in(LAB_SSH_RUNTIME, host), 0));
	close(fd);
	if (pid > 0)
		waitpid(pid, &st, 0);
}

/* Ask every VMM of the lab to quit: those in a lab runtime directory, and
 * those in each host's own mount namespace. */
static void quit_vmms(void)
{
	DIR *top = opendir(LAB_DIR);
	struct dirent *e;
	char path[PATH_MAX];

	if (!top)
		return;
	while ((e = readdir(top))) {
		if (strncmp(e->d_name, "host", 4) || !strcmp(e->d_name, "hosts") ||
		    !strncmp(e->d_name, "hosts-", 6))
			continue;
		snprintf(path, sizeof(path), LAB_DIR "/%s", e->d_name);
		quit_vmms_in(path, e->d_name);
		quit_vmms_ns(e->d_name);
	}
	closedir(top);
}

/* See lab_int.h. */
size_t lab_proc_file(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* The lab's namespaces in the root namespace: the hosts' (up to cap - 1
 * of them) and the clients'. Returns their count, or -1 if ip failed. */
static int lab_namespaces(char names[][32], int cap)
{
	int n = lab_list_names(1, LAB_NS_PREFIX, names, cap - 1);

	if (n >= 0 && lab_netns_exists(LAB_CLIENT_NS))
		snprintf(names[n++], 32, "%s", LAB_CLIENT_NS);
	return n;
}

/* The processes the lab owns: everything inside its namespaces, and any
 * dsmig-vmm whose runtime directory is in LAB_DIR (wherever it runs). */
static int lab_pids(pid_t *pids, int cap)
{
	static const char lab_env[] = "DSMIG_RUNTIME_DIR=" LAB_DIR "/";
	char names[HOSTS_MAX + 1][32], out[8192], *line, *save, env[65536];
	int n = 0, k, i;
	DIR *d;
	struct dirent *e;

	k = lab_namespaces(names, HOSTS_MAX + 1);
	for (i = 0; i < k; i++) {
		if (proc_run(CMD("ip", "netns", "pids", names[i]), out, sizeof(out)))
			continue;
		for (line = strtok_r(out, "\n", &save); line && n < cap;
		     line = strtok_r(NULL, "\n", &save))
			pids[n++] = (pid_t)atoi(line);
	}
	d = opendir("/proc");
	while (d && (e = readdir(d)) && n < cap) {
		pid_t pid = (pid_t)atoi(e->d_name);
		size_t len, off;

		if (pid <= 0 || !lab_proc_file(pid, "comm", out, sizeof(out)) ||
		    strcmp(out, "dsmig-vmm\n"))
			continue;
		len = lab_proc_file(pid, "environ", env, sizeof(env));
		for (off = 0; off < len; off += strlen(env + off) + 1)
			if (!strncmp(env + off, lab_env, sizeof(lab_env) - 1)) {
				pids[n++] = pid;
				break;
			}
	}
	if (d)
		closedir(d);
	/* Never ourselves (`dsmig lab exec hostA dsmig lab down`). */
	for (i = 0; i < n; i++)
		if (pids[i] == getpid() || pids[i] == getppid())
			pids[i--] = pids[--n];
	return n;
}

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec) { ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/* Wait until none of pids lives, up to ms. Returns how many still do. */
static int wait_gone(const pid_t *pids, int n, long ms)
{
	int i, alive = n;

	for (; ms >= 0; ms -= 50) {
		for (i = 0, alive = 0; i < n; i++)
			alive += kill(pids[i], 0) == 0;
		if (!alive)
			break;
		nap_ms(50);
	}
	return alive;
}

static void stop_processes(void)
{
	pid_t pids[LAB_MAX_PIDS];
	int n = lab_pids(pids, LAB_MAX_PIDS), i;

	if (!n || !wait_gone(pids, n, LAB_QUIT_WAIT_MS))
		return;
	for (i = 0; i < n; i++)
		if (kill(pids[i], SIGTERM) == 0)
			log_info("stopping process %d", (int)pids[i]);
	if (!wait_gone(pids, n, LAB_TERM_WAIT_MS))
		return;
	for (i = 0; i < n; i++)
		if (kill(pids[i], SIGKILL) == 0)
			log_warn("killed process %d", (int)pids[i]);
	wait_gone(pids, n, LAB_TERM_WAIT_MS);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT) {
		log_error("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Leftovers in the root namespace: lab namespaces and links. */
int lab_leftovers(char *what, size_t len)
{
	char ns[HOSTS_MAX * 2 + 1][32], links[LAB_MAX_LINKS][32];
	int nn = lab_namespaces(ns, HOSTS_MAX * 2 + 1);
	int nl = lab_list_names(0, LAB_LINK_PREFIX, links, LAB_MAX_LINKS);
	size_t k = 0;
	int i;

	what[0] = '\0';
	for (i = 0; i < nn; i++)
		k += (size_t)snprintf(what + k, k < len ? len - k : 0, " namespace %s", ns[i]);
	for (i = 0; i < nl; i++)
		k += (size_t)snprintf(what + k, k < len ? len - k : 0, " link %s", links[i]);
	if (access(LAB_DIR, F_OK) == 0)
		snprintf(what + k, k < len ? len - k : 0, " directory %s", LAB_DIR);
	return nn < 0 || nl < 0 ? -1 : nn + nl + (access(LAB_DIR, F_OK) == 0);
}

/* Remove every trace of the lab. Returns 0 when nothing is left. */
int lab_remove(void)
{
	char names[LAB_MAX_LINKS][32], what[1024];
	int n, i, left;

	/* sshd first: it would outlast the VMMs' wait (lab_ssh.c). */
	n = lab_list_names(1, LAB_NS_PREFIX, names, HOSTS_MAX * 2);
	for (i = 0; i < n; i++)
		lab_ssh_stop(names[i]);
	quit_vmms();
	stop_processes();
	/* The loss rules would go with their namespaces; removed first all the
	 * same, so that none outlives a namespace something still holds. */
	n = lab_list_names(1, LAB_NS_PREFIX, names, HOSTS_MAX * 2);
	for (i = 0; i < n; i++)
		lab_loss_nft_del(names[i]);
	/* Root-side veths first: deleting one removes its peer at once, while
	 * a deleted namespace takes its devices down asynchronously. The
	 * qdiscs go with their devices. */
	n = lab_list_names(0, LAB_LINK_PREFIX, names, LAB_MAX_LINKS);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], LAB_BRIDGE) && strcmp(names[i], LAB_GUEST_SWITCH))
			lab_step(CMD("ip", "link", "del", names[i]));
	if (lab_link_exists(LAB_BRIDGE))
		lab_step(CMD("ip", "link", "del", LAB_BRIDGE));
	if (lab_link_exists(LAB_GUEST_SWITCH))
		lab_step(CMD("ip", "link", "del", LAB_GUEST_SWITCH));
	n = lab_namespaces(names, HOSTS_MAX * 2 + 1);
	for (i = 0; i < n; i++)
		lab_step(CMD("ip", "netns", "del", names[i]));
	lab_ssh_unmount();
	if (access(LAB_DIR, F_OK) == 0)
		nftw(LAB_DIR, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	left = lab_leftovers(what, sizeof(what));
	if (left)
		log_error("still there after lab down:%s", left < 0 ? " (cannot list)" : what);
	return left ? -1 : 0;
}

/*
 * `dsmig lab up --ssh`: each lab host runs sshd (Debian's openssh-server)
 * inside its network namespace and its own mount namespace, listening on
 * the host's lab address only, so that the console reaches it over ssh as
 * it would a real machine.
 *
 * The mount namespace (made once per host with unshare(1), kept by a bind
 * mount at LAB_SSH_MNT/NAME, mounts propagating into it from the root
 * namespace but not out) has a tmpfs of its own at LAB_SSH_RUNTIME, the
 * runtime directory of an ssh host by default (hosts.h): the VMs started
 * over ssh live there, and the root namespace, where the console and
 * `dsmig migrate` run, cannot see them but through ssh. Each sshd sets
 * TMPDIR to LAB_SSH_RUNTIME/tmp for its sessions (SetEnv): private to the
 * host, as Open MPI's session directories need (lab.c's exec).
 *
 * Everything else lives in LAB_SSH_DIR (0700): per host its host key,
 * its sshd_config and pid file (LAB_SSH_DIR/hostA/...); the operator's
 * key pair (LAB_SSH_KEY, for root: authorized_keys), and known_hosts with
 * every host's key at its address. The hosts file LAB_SSH_HOSTS names the
 * hosts by ssh= only. Keys and namespaces are made once and kept while
 * the lab is up; an sshd that is not running is started again (so `up
 * --ssh` after one was stopped brings it back, into the same mount
 * namespace). `down` stops them all (lab_ssh_stop()), unmounts the
 * namespaces (lab_ssh_unmount()) and removes LAB_DIR with the keys.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/lab_int.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/proc.h"

#define SSHD             "/usr/sbin/sshd"
#define SSHD_PRIVSEP_DIR "/run/sshd"      /* sshd refuses to start without it */
#define SSH_STOP_WAIT_MS 1000

/* Host i's files: its directory, host key, sshd_config and pid file, and
 * where its mount namespace is kept. */
struct ssh_files {
	char dir[128], key[160], pub[168], conf[160], pid[160], mnt[160];
};

static void ssh_files(unsigned i, struct ssh_files *f)
{
	struct lab_host h;

	lab_host_names(i, &h);
	snprintf(f->dir, sizeof(f->dir), LAB_SSH_DIR "/%s", h.name);
	snprintf(f->key, sizeof(f->key), "%s/host_key", f->dir);
	snprintf(f->pub, sizeof(f->pub), "%s/host_key.pub", f->dir);
	snprintf(f->conf, sizeof(f->conf), "%s/sshd_config", f->dir);
	snprintf(f->pid, sizeof(f->pid), "%s/sshd.pid", f->dir);
	snprintf(f->mnt, sizeof(f->mnt), LAB_SSH_MNT "/%s", h.name);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		log_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* An ed25519 key pair at path (and path.pub), unless there is one. */
static int keygen(const char *path, const char *comment)
{
	if (access(path, F_OK) == 0)
		return 0;
	return lab_step(CMD("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
			    "-f", path));
}

/* A public key file's "TYPE BASE64" (the comment dropped) into buf. */
static int pub_key(const char *path, char *buf, size_t len)
{
	void *text;
	size_t n;
	char type[32], b64[256];
	int ok;

	if (file_read_all(path, 4096, &text, &n)) {
		log_error("cannot read %s", path);
		return -1;
	}
	ok = sscanf(text, "%31s %255s", type, b64) == 2;
	free(text);
	if (!ok || (size_t)snprintf(buf, len, "%s %s", type, b64) >= len) {
		log_error("%s is not a public key", path);
		return -1;
	}
	return 0;
}

static int sshd_config(unsigned i, const struct ssh_files *f)
{
	struct lab_host h;
	char text[1200], tmp[96];

	lab_host_names(i, &h);
	/* Each host its own /tmp, as `dsmig lab exec` gives it (lab.c): the
	 * Open MPI daemons that mpirun starts over ssh on two lab hosts
	 * share a hostname, and their session directories would collide.
	 * Made in the host's runtime tmpfs (mount_ns()). */
	snprintf(tmp, sizeof(tmp), LAB_SSH_RUNTIME "/tmp");
	snprintf(text, sizeof(text),
		 "# dsmig lab: %s's sshd, in namespace %s (src/cli/lab_ssh.c)\n"
		 "ListenAddress %s\n"
		 "Port 22\n"
		 "HostKey %s\n"
		 "PidFile %s\n"
		 "AuthorizedKeysFile " LAB_SSH_DIR "/authorized_keys\n"
		 "PermitRootLogin prohibit-password\n"
		 "PasswordAuthentication no\n"
		 "KbdInteractiveAuthentication no\n"
		 "UsePAM no\n"
		 "AllowStreamLocalForwarding local\n"
		 /* sshd lets a stream-local forward connect only where
		  * local TCP forwarding is allowed too (channel_permit_all). */
		 "AllowTcpForwarding local\n"
		 "X11Forwarding no\n"
		 "PrintMotd no\n"
		 "SetEnv TMPDIR=%s\n",
		 h.name, h.netns, h.addr, f->key, f->pid, tmp);
	return write_file(f->conf, text);
}

/* ---- each host's mount namespace ------------------------------------------ */

/* Is path a mount point (or a file mounted on)? Its device differs from
 * its directory's. */
static int mounted(const char *path)
{
	char parent[PATH_MAX], *slash;
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return 0;
	*slash = '\0';
	return !stat(path, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
}

/* LAB_SSH_MNT: a private tmpfs, so that the namespaces bound in it do not
 * propagate (a bind mount of a mount namespace must not be on a shared
 * mount), made once. */
static int mnt_dir(void)
{
	if (mounted(LAB_SSH_MNT))
		return 0;
	if ((mkdir(LAB_SSH_MNT, 0700) && errno != EEXIST) ||
	    mount("dsmig-lab-mnt", LAB_SSH_MNT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700,size=64k") ||
	    mount(NULL, LAB_SSH_MNT, NULL, MS_PRIVATE, NULL)) {
		log_error("cannot make %s a private mount: %s", LAB_SSH_MNT, strerror(errno));
		return -1;
	}
	return 0;
}

/* Host h's mount namespace, at file (made unless it exists): a tmpfs at
 * LAB_SSH_RUNTIME in it, and the TMPDIR of its sessions in there. */
static int mount_ns(const struct lab_host *h, const char *file)
{
	char opt[96];
	int fd;

	if (!mounted(file)) {
		fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) ||
		    (mkdir(LAB_SSH_RUNTIME, 0755) && errno != EEXIST)) {
			log_error("cannot create %s or " LAB_SSH_RUNTIME ": %s", file, strerror(errno));
			return -1;
		}
		snprintf(opt, sizeof(opt), "--mount=%s", file);
		if (lab_step(CMD("unshare", opt, "--propagation", "slave", "mount", "-t", "tmpfs",
				 "-o", "mode=0755,size=256m", "dsmig-lab-run", LAB_SSH_RUNTIME)))
			return -1;
		log_info("%s: its own mount namespace, " LAB_SSH_RUNTIME " private to it", h->name);
	}
	snprintf(opt, sizeof(opt), "--mount=%s", file);
	return lab_step(CMD("nsenter", opt, "mkdir", "-p", "-m", "0700", LAB_SSH_RUNTIME "/tmp"));
}

void lab_ssh_unmount(void)
{
	DIR *d = opendir(LAB_SSH_MNT);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), LAB_SSH_MNT "/%s", e->d_name);
			if (umount2(path, MNT_DETACH) && errno != EINVAL)
				log_warn("cannot unmount %s: %s", path, strerror(errno));
		}
	closedir(d);
	if (umount2(LAB_SSH_MNT, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		log_warn("cannot unmount %s: %s", LAB_SSH_MNT, strerror(errno));
}

int lab_ssh_running(unsigned i)
{
	struct ssh_files f;
	char comm[32];
	void *text;
	size_t n;
	pid_t pid;

	ssh_files(i, &f);
	if (access(f.conf, F_OK))
		return -1;
	if (file_read_all(f.pid, 64, &text, &n))
		return 0;
	pid = (pid_t)atoi(text);
	free(text);
	return pid > 0 && kill(pid, 0) == 0 && lab_proc_file(pid, "comm", comm, sizeof(comm)) &&
	       !strcmp(comm, "sshd\n");
}

int lab_ssh_up(unsigned n)
{
	char known[4096] = "", auth[512], hosts[4096], key[320], mnt_opt[200];
	size_t k = 0, kh;
	unsigned i;

	if (access(SSHD, X_OK)) {
		log_error("--ssh needs sshd (" SSHD ": Debian's openssh-server; make deps installs it)");
		return -1;
	}
	if ((mkdir(LAB_SSH_DIR, 0700) && errno != EEXIST) ||
	    (mkdir(SSHD_PRIVSEP_DIR, 0755) && errno != EEXIST)) {
		log_error("cannot create %s or " SSHD_PRIVSEP_DIR ": %s", LAB_SSH_DIR, strerror(errno));
		return -1;
	}
	if (mnt_dir() || keygen(LAB_SSH_KEY, "dsmig-lab-operator") ||
	    pub_key(LAB_SSH_KEY ".pub", key, sizeof(key)))
		return -1;
	snprintf(auth, sizeof(auth), "%s dsmig-lab-operator\n", key);
	if (write_file(LAB_SSH_DIR "/authorized_keys", auth))
		return -1;
	k = (size_t)snprintf(hosts, sizeof(hosts),
			     "# The lab's hosts over ssh: written by `dsmig lab up --ssh`.\n");
	for (i = 0, kh = 0; i < n; i++) {
		struct ssh_files f;
		struct lab_host h;

		lab_host_names(i, &h);
		ssh_files(i, &f);
		if ((mkdir(f.dir, 0700) && errno != EEXIST) || keygen(f.key, h.name) ||
		    pub_key(f.pub, key, sizeof(key)) || sshd_config(i, &f))
			return -1;
		kh += (size_t)snprintf(known + kh, kh < sizeof(known) ? sizeof(known) - kh : 0,
				       "%s %s\n", h.addr, key);
		/* No runtime=: the default of an ssh host, LAB_SSH_RUNTIME. */
		k += (size_t)snprintf(hosts + k, k < sizeof(hosts) ? sizeof(hosts) - k : 0,
				      "name=%s ssh=root@%s known_hosts=" LAB_SSH_KNOWN
				      " ssh_key=" LAB_SSH_KEY "\n", h.name, h.addr);
		if (mount_ns(&h, f.mnt))
			return -1;
		if (lab_ssh_running(i) == 1)
			continue;
		/* In the host's mount namespace, then its network namespace
		 * (ip netns exec copies the mount namespace it is in, tmpfs
		 * and all); sshd forks into the background once it listens. */
		snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", f.mnt);
		if (lab_step(CMD("nsenter", mnt_opt, "ip", "netns", "exec", h.netns, SSHD, "-f",
				 f.conf)))
			return -1;
	}
	if (kh >= sizeof(known) || k >= sizeof(hosts)) {
		log_error("too many hosts for the ssh files");
		return -1;
	}
	return write_file(LAB_SSH_KNOWN, known) || write_file(LAB_SSH_HOSTS, hosts) ? -1 : 0;
}

/* pid lives: it exists and is no zombie (sshd's parent is init, which
 * may be slow to reap it). */
static int alive_pid(pid_t pid)
{
	char stat[512], *paren;

	if (kill(pid, 0) || !lab_proc_file(pid, "stat", stat, sizeof(stat)))
		return 0;
	paren = strrchr(stat, ')');
	return !paren || paren[1] != ' ' || paren[2] != 'Z';
}

void lab_ssh_stop(const char *netns)
{
	char out[8192], comm[32], *line, *save = NULL;
	pid_t pids[256];
	int n = 0, i, alive = 1;
	long waited;

	if (proc_run(CMD("ip", "netns", "pids", netns), out, sizeof(out)))
		return;
	for (line = strtok_r(out, "\n", &save); line && n < 256; line = strtok_r(NULL, "\n", &save)) {
		pid_t pid = (pid_t)atoi(line);

		if (pid > 0 && lab_proc_file(pid, "comm", comm, sizeof(comm)) &&
		    !strcmp(comm, "sshd\n") && kill(pid, SIGTERM) == 0)
			pids[n++] = pid;
	}
	for (waited = 0; alive && waited < SSH_STOP_WAIT_MS; waited += 20) {
		struct timespec tick = { 0, 20 * 1000000 };

		for (i = alive = 0; i < n; i++)
			alive += alive_pid(pids[i]);
		if (alive)
			nanosleep(&tick, NULL);
	}
	for (i = 0; alive && i < n; i++)
		kill(pids[i], SIGKILL);
}

/*
 * `dsmig lab up --ssh`: each lab host runs sshd (Debian's openssh-server)
 * inside its network namespace, listening on the host's lab address only,
 * so that the console reaches it over ssh as it would a real machine.
 *
 * Everything lives in LAB_SSH_DIR (0700): per host its host key, its
 * sshd_config and pid file (LAB_SSH_DIR/hostA/...); the operator's key
 * pair (LAB_SSH_KEY, for root: authorized_keys), and known_hosts with
 * every host's key at its address. The hosts file LAB_SSH_HOSTS names the
 * hosts by ssh= only. Each sshd sets TMPDIR to the host's RUNTIME/tmp
 * for its sessions (SetEnv), as the lab's own agent does. Keys are made once and kept while the lab is up; an
 * sshd that is not running is started again (so `up --ssh` after one was
 * stopped brings it back). `down` stops them all (lab_ssh_stop()) and
 * removes LAB_DIR with the keys.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Host i's files: its directory, host key, sshd_config and pid file. */
struct ssh_files {
	char dir[128], key[160], pub[168], conf[160], pid[160];
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
	 * share a hostname, and their session directories would collide. */
	snprintf(tmp, sizeof(tmp), "%s/tmp", h.runtime);
	if (mkdir(tmp, 0700) && errno != EEXIST) {
		log_error("cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
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
	char known[4096] = "", auth[512], hosts[4096], key[320];
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
	if (keygen(LAB_SSH_KEY, "dsmig-lab-operator") ||
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
		k += (size_t)snprintf(hosts + k, k < sizeof(hosts) ? sizeof(hosts) - k : 0,
				      "name=%s ssh=root@%s runtime=%s known_hosts=" LAB_SSH_KNOWN
				      " ssh_key=" LAB_SSH_KEY "\n", h.name, h.addr, h.runtime);
		if (lab_ssh_running(i) == 1)
			continue;
		/* sshd forks into the background once it listens. */
		if (lab_step(CMD("ip", "netns", "exec", h.netns, SSHD, "-f", f.conf)))
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

/*
 * The VM probe's ssh backend (vm_backend.h): the VMs of a host reached
 * over ssh (hosts.h's ssh=), sampled exactly as a local kvm host's.
 *
 * A worker thread owns the host's OpenSSH master (common/ssh_link.h) and
 * keeps a local mirror directory, private to this process
 * (RUNTIME/ssh-PID/HOST/vm, mode 0700), with one forwarded socket per VMM
 * socket in the host's remote runtime directory: about once a second it
 * lists that directory through the master (`ls -1 -- 'RUNTIME'`, names
 * taken only as dsmig_socket_vm_name() accepts them) and adds or cancels
 * forwards to match. poll() is the kvm backend's, run on the mirror
 * directory: the same queries, the same "vm" records.
 *
 * When the master cannot be started or dies, the host is "unreachable"
 * with ssh's own reason (reach()), the mirror is emptied (its VMs are
 * reported gone once), and the worker tries again after 1, 2, 4 ... 30 s.
 * The console's thread never waits for ssh: it only reads the mirror
 * directory and, under a mutex, the reason.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rundir.h"
#include "common/ssh_link.h"
#include "probes/vm.h"
#include "probes/vm_backend.h"

#define SSH_PROBE_MAX_VMS   64
#define SSH_LIST_MS         1000     /* between two listings */
#define SSH_LIST_TIMEOUT_MS 3000     /* for one listing to answer */
#define SSH_BACKOFF_MAX_S   30
#define SSH_REASON_MAX      160

struct ssh_probe {
	struct host remote;          /* as the hosts file says (runtime: on it) */
	void *kvm;                   /* the kvm backend over the mirror */
	char dir[256];               /* RUNTIME/ssh-PID/HOST: the master's files */
	char mirror[300];            /* dir/vm: the forwarded sockets */
	pthread_t worker;
	int started;
	pthread_mutex_t mu;          /* guards stop and reason */
	int stop;
	char reason[SSH_REASON_MAX]; /* "": reachable, or not known yet */
	/* the worker's own */
	struct ssh_link *link;
	char fwd[SSH_PROBE_MAX_VMS][DSMIG_VM_NAME_MAX + 1];
	int nfwd;
	char listing[16384];         /* the last `ls` output */
};

static int stopping(struct ssh_probe *p)
{
	int s;

	pthread_mutex_lock(&p->mu);
	s = p->stop;
	pthread_mutex_unlock(&p->mu);
	return s;
}

static void set_reason(struct ssh_probe *p, const char *why)
{
	pthread_mutex_lock(&p->mu);
	snprintf(p->reason, sizeof(p->reason), "%s", why);
	pthread_mutex_unlock(&p->mu);
}

/* Sleep ms, waking early when the probe closes. */
static void nap(struct ssh_probe *p, unsigned ms)
{
	struct timespec tick = { 0, 50 * 1000000 };
	unsigned t;

	for (t = 0; t < ms && !stopping(p); t += 50)
		nanosleep(&tick, NULL);
}

/* The local and remote socket paths of VM name. 0, or -1 if too long. */
static int sock_paths(const struct ssh_probe *p, const char *name, char *local, char *remote,
		      size_t len)
{
	return dsmig_socket_path(local, len, p->mirror, name) ||
	       dsmig_socket_path(remote, len, p->remote.runtime, name) ? -1 : 0;
}

/* Forget every forward (the master is gone, or going): empty the mirror. */
static void mirror_clear(struct ssh_probe *p)
{
	char local[256], remote[256];
	int i;

	for (i = 0; i < p->nfwd; i++)
		if (!sock_paths(p, p->fwd[i], local, remote, sizeof(local)))
			unlink(local);
	p->nfwd = 0;
}

static void link_drop(struct ssh_probe *p)
{
	mirror_clear(p);
	ssh_link_close(p->link);
	p->link = NULL;
}

/* The VM names in ls output: one a line, only those of VMM sockets. */
static int parse_names(char *text, char names[][DSMIG_VM_NAME_MAX + 1], int cap)
{
	char *save = NULL, *line;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line && n < cap;
	     line = strtok_r(NULL, "\n", &save))
		if (!dsmig_socket_vm_name(line, names[n], sizeof(names[n])))
			n++;
	return n;
}

static int has(char names[][DSMIG_VM_NAME_MAX + 1], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* List the remote runtime directory; forward what is new, cancel what is
 * gone. A listing that fails (ssh's trouble) changes nothing; a
 * directory that is not there (ls exits non-zero) has no VMs. */
static void mirror_sync(struct ssh_probe *p)
{
	char names[SSH_PROBE_MAX_VMS][DSMIG_VM_NAME_MAX + 1];
	char q[300], cmd[320], local[256], remote[256], why[200];
	int rc, n = 0, i;

	if (ssh_quote_path(q, sizeof(q), p->remote.runtime))
		return;
	snprintf(cmd, sizeof(cmd), "ls -1 -- %s", q);
	rc = ssh_link_run(p->link, cmd, p->listing, sizeof(p->listing), SSH_LIST_TIMEOUT_MS,
			  why, sizeof(why));
	if (rc < 0)
		return;
	if (rc == 0)
		n = parse_names(p->listing, names, SSH_PROBE_MAX_VMS);
	for (i = 0; i < p->nfwd; i++) {
		if (has(names, n, p->fwd[i]) ||
		    sock_paths(p, p->fwd[i], local, remote, sizeof(local)))
			continue;
		if (ssh_link_cancel(p->link, local, remote, why, sizeof(why)))
			log_warn("host %s: cancelling %s: %s", p->remote.name, p->fwd[i], why);
		memcpy(p->fwd[i], p->fwd[--p->nfwd], sizeof(p->fwd[i]));
		i--;
	}
	for (i = 0; i < n && p->nfwd < SSH_PROBE_MAX_VMS; i++) {
		if (has(p->fwd, p->nfwd, names[i]) ||
		    sock_paths(p, names[i], local, remote, sizeof(local)))
			continue;
		if (ssh_link_forward(p->link, local, remote, why, sizeof(why)))
			continue;      /* tried again at the next listing */
		memcpy(p->fwd[p->nfwd++], names[i], sizeof(names[i]));
	}
}

static void *worker(void *arg)
{
	struct ssh_probe *p = arg;
	unsigned backoff = 1;
	char why[SSH_REASON_MAX];
	int r;

	while (!stopping(p)) {
		r = p->link ? 0 : ssh_link_start(&p->link, &p->remote, p->dir, why, sizeof(why));
		if (r == 0)
			r = ssh_link_poll(p->link, why, sizeof(why));
		if (r < 0) {
			if (p->link)
				link_drop(p);
			set_reason(p, why);
			nap(p, backoff * 1000);
			backoff = backoff * 2 > SSH_BACKOFF_MAX_S ? SSH_BACKOFF_MAX_S : backoff * 2;
			continue;
		}
		if (r == 0) {          /* logging in */
			nap(p, 100);
			continue;
		}
		set_reason(p, "");
		backoff = 1;
		mirror_sync(p);
		nap(p, SSH_LIST_MS);
	}
	if (p->link)
		link_drop(p);
	return NULL;
}

/* Host h's private directory, RUNTIME/ssh-PID/HOST: its master's files. */
static int host_dir(const struct host *h, char *buf, size_t len, char *why, size_t whylen)
{
	char run[200];
	int rc = dsmig_runtime_dir(run, sizeof(run));

	if (rc)
		return errbuf_set(why, whylen, "no runtime directory: %s", strerror(-rc)), rc;
	if (snprintf(buf, len, "%s/ssh-%d/%s", run, (int)getpid(), h->name) >= (int)len)
		return errbuf_set(why, whylen, "runtime directory path too long"), -ENAMETOOLONG;
	return 0;
}

int vm_probe_ssh_ctl(const struct host *h, char *buf, size_t len)
{
	char dir[sizeof(((struct ssh_probe *)0)->dir)], why[80];

	if (host_dir(h, dir, sizeof(dir), why, sizeof(why)))
		return -1;
	return snprintf(buf, len, "%s/ctl", dir) >= (int)len ? -1 : 0;
}

/* Make the private directories: RUNTIME/ssh-PID/HOST/vm, mode 0700. */
static int make_dirs(struct ssh_probe *p, char *why, size_t len)
{
	int rc = host_dir(&p->remote, p->dir, sizeof(p->dir), why, len);

	if (rc)
		return rc;
	if (snprintf(p->mirror, sizeof(p->mirror), "%s/vm", p->dir) >= (int)sizeof(p->mirror))
		return errbuf_set(why, len, "runtime directory path too long"), -ENAMETOOLONG;
	rc = mkdir_p(p->mirror);
	if (rc)
		return errbuf_set(why, len, "%s: %s", p->mirror, strerror(-rc)), rc;
	return 0;
}

static void ssh_close(void *state);

static int ssh_open(void **out, const struct host *h, char *why, size_t len)
{
	struct ssh_probe *p = calloc(1, sizeof(*p));
	struct host mirror;
	int rc;

	if (!p)
		return errbuf_set(why, len, "out of memory"), -ENOMEM;
	p->remote = *h;
	pthread_mutex_init(&p->mu, NULL);
	rc = make_dirs(p, why, len);
	if (!rc) {
		/* The kvm backend, on the mirror as the host's runtime. */
		mirror = *h;
		snprintf(mirror.runtime, sizeof(mirror.runtime), "%s", p->mirror);
		rc = vm_backend_kvm.open(&p->kvm, &mirror, why, len);
	}
	if (!rc) {
		rc = -pthread_create(&p->worker, NULL, worker, p);
		if (rc)
			errbuf_set(why, len, "cannot start its ssh thread: %s", strerror(-rc));
		p->started = !rc;
	}
	if (rc) {
		ssh_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

static void ssh_poll(void *state, json_t *out)
{
	struct ssh_probe *p = state;

	vm_backend_kvm.poll(p->kvm, out);
}

static int ssh_reach(void *state, char *why, size_t len)
{
	struct ssh_probe *p = state;
	int rc;

	pthread_mutex_lock(&p->mu);
	rc = p->reason[0] ? -1 : 0;
	snprintf(why, len, "%s", p->reason);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void ssh_close(void *state)
{
	struct ssh_probe *p = state;
	char *slash;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->worker, NULL);
	vm_backend_kvm.close(p->kvm);
	/* The directories, if empty: the last host's close takes ssh-PID. */
	if (p->mirror[0] && !rmdir(p->mirror) && !rmdir(p->dir) && (slash = strrchr(p->dir, '/'))) {
		*slash = '\0';
		rmdir(p->dir);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
}

const struct vm_backend vm_backend_ssh = {
	.name = "ssh",
	.open = ssh_open,
	.poll = ssh_poll,
	.reach = ssh_reach,
	.close = ssh_close,
};

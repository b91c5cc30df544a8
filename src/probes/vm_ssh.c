/*
 * The VM probe's ssh backend (vm_backend.h): the VMs of a host reached
 * over ssh (hosts.h's ssh=), sampled exactly as a local kvm host's.
 *
 * A worker thread owns the host's OpenSSH master (common/ssh_link.h) and
 * keeps a local mirror directory, private to this process
 * (RUNTIME/ssh-PID/HOST/vm, mode 0700), with one forwarded socket per VMM
 * socket in the host's remote runtime directory. Through the master it
 * runs one remote loop for as long as the master lives (the lister:
 * LISTER_SCRIPT), which once a second prints a block: the directory's
 * sockets (taken only as dsmig_socket_vm_name() accepts them), the
 * host's /proc/stat cpu line and its MemTotal and MemAvailable. One shell
 * for the session, not one a second: a login shell's start-up (its
 * ~/.bashrc) is paid once (docs/benchmarks.md). Each block adds or cancels
 * forwards to match and updates the host's CPU % and memory. poll() is
 * the kvm backend's, run on the mirror directory: the same queries, the
 * same "vm" records.
 *
 * Everything the lister prints is bounded (a line, the names of a block)
 * and parsed as data (remote_lines.c). A lister that ends while the master lives is
 * started again a second later; one that gives no block for
 * LISTER_STALL_MS is ended and started again.
 *
 * When the master cannot be started or dies, the host is "unreachable"
 * with ssh's own reason (reach()), the mirror is emptied (its VMs are
 * reported gone once), and the worker tries again after 1, 2, 4 ... 30 s.
 * The console's thread never waits for ssh: it only reads the mirror
 * directory and, under a mutex, the reason.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rundir.h"
#include "common/proc.h"
#include "common/ssh_link.h"
#include "probes/host.h"
#include "probes/remote_lines.h"
#include "probes/vm.h"
#include "probes/vm_backend.h"

#define SSH_PROBE_MAX_VMS   LISTER_MAX_VMS
#define LISTER_STALL_MS     5000     /* no block for this long: start again */
#define LISTER_RESTART_MS   1000
#define LISTER_WAIT_MS      100      /* one wait for its output */
/* The remote loop; %s is the runtime directory, quoted. Shell builtins
 * but sleep: one program started a second, not five (ls, head, grep). */
#define LISTER_SCRIPT \
	"while :; do echo @ls; for f in %s/*.sock; do [ -S \"$f\" ] && echo \"${f##*/}\"; done; " \
	"echo @stat; read -r l </proc/stat; echo \"$l\"; while read -r k v u; do case $k in " \
	"MemTotal:|MemAvailable:) echo \"$k $v $u\";; esac; done </proc/meminfo; echo @end; " \
	"sleep 1; done"
#define SSH_BACKOFF_MAX_S   30
#define SSH_REASON_MAX      160

struct ssh_probe {
	struct host remote;          /* as the hosts file says (runtime: on it) */
	void *kvm;                   /* the kvm backend over the mirror */
	char dir[256];               /* RUNTIME/ssh-PID/HOST: the master's files */
	char mirror[300];            /* dir/vm: the forwarded sockets */
	pthread_t worker;
	int started;
	pthread_mutex_t mu;          /* guards stop, reason and stats */
	int stop;
	char reason[SSH_REASON_MAX]; /* "": reachable, or not known yet */
	struct vm_host_stats stats;  /* cpu_pct -1: not known */
	/* the worker's own */
	struct ssh_link *link;
	char fwd[SSH_PROBE_MAX_VMS][DSMIG_VM_NAME_MAX + 1];
	int nfwd;
	struct lister {
		pid_t pid;               /* 0: none */
		int fd;
		struct line_reader lines;
		struct lister_parse block;
		uint64_t last_busy, last_total;
		uint64_t last_block_ns;
	} ls;
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

static void lister_stop(struct ssh_probe *p);
static void stats_set(struct ssh_probe *p, const struct vm_host_stats *st);

static void link_drop(struct ssh_probe *p)
{
	lister_stop(p);
	stats_set(p, &(struct vm_host_stats){ .cpu_pct = -1 });
	mirror_clear(p);
	ssh_link_close(p->link);
	p->link = NULL;
}

static int has(char names[][DSMIG_VM_NAME_MAX + 1], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* Make the mirror hold the n VMs of names: forward what is new, cancel
 * what is gone. */
static void mirror_apply(struct ssh_probe *p, char names[][DSMIG_VM_NAME_MAX + 1], int n)
{
	char local[256], remote[256], why[200];
	int i;

	for (i = 0; i < p->nfwd; i++) {
		if (has(names, n, p->fwd[i]) ||
		    sock_paths(p, p->fwd[i], local, remote, sizeof(local)))
			continue;
		/* A cancel that fails leaves a forward to nothing: its VM is
		 * gone either way (nothing may be logged under the screen). */
		ssh_link_cancel(p->link, local, remote, why, sizeof(why));
		memcpy(p->fwd[i], p->fwd[--p->nfwd], sizeof(p->fwd[i]));
		i--;
	}
	for (i = 0; i < n && p->nfwd < SSH_PROBE_MAX_VMS; i++) {
		if (has(p->fwd, p->nfwd, names[i]) ||
		    sock_paths(p, names[i], local, remote, sizeof(local)))
			continue;
		if (ssh_link_forward(p->link, local, remote, why, sizeof(why)))
			continue;      /* tried again at the next block */
		memcpy(p->fwd[p->nfwd++], names[i], sizeof(names[i]));
	}
}

/* ---- the lister ------------------------------------------------------------ */

static void stats_set(struct ssh_probe *p, const struct vm_host_stats *st)
{
	pthread_mutex_lock(&p->mu);
	p->stats = *st;
	pthread_mutex_unlock(&p->mu);
}

static void lister_stop(struct ssh_probe *p)
{
	struct lister *ls = &p->ls;

	if (ls->pid) {
		close(ls->fd);
		kill(ls->pid, SIGTERM);
		proc_wait(ls->pid, 500);
	}
	memset(ls, 0, sizeof(*ls));
}

static int lister_start(struct ssh_probe *p, char *why, size_t len)
{
	struct lister *ls = &p->ls;
	char q[300], cmd[600];
	pid_t pid;

	if (ssh_quote_path(q, sizeof(q), p->remote.runtime))
		return errbuf_set(why, len, "runtime directory %s cannot be quoted", p->remote.runtime);
	snprintf(cmd, sizeof(cmd), LISTER_SCRIPT, q);
	memset(ls, 0, sizeof(*ls));
	pid = ssh_link_stream(p->link, cmd, &ls->fd, why, len);
	if (pid < 0)
		return -1;
	ls->pid = pid;
	ls->last_block_ns = time_mono_ns();
	return 0;
}

/* One line of the lister; at a block's end the mirror and the stats
 * follow it. */
static void lister_line(void *ctx, const char *line)
{
	struct ssh_probe *p = ctx;
	struct lister *ls = &p->ls;
	struct lister_parse *b = &ls->block;
	struct vm_host_stats st = { .cpu_pct = -1 };

	if (!lister_parse_line(b, line))
		return;
	mirror_apply(p, b->names, b->nnames);
	if (b->total) {
		st.cpu_pct = host_cpu_pct(ls->last_busy, ls->last_total, b->busy, b->total);
		ls->last_busy = b->busy;
		ls->last_total = b->total;
	}
	st.have_mem = !host_mem_result(&b->mem, &st.mem_used, &st.mem_total);
	stats_set(p, &st);
	ls->last_block_ns = time_mono_ns();
}

/* Wait up to LISTER_WAIT_MS for the lister's output and take what came.
 * 0, or -1 when it has ended or stalled (it is then stopped). */
static int lister_read(struct ssh_probe *p)
{
	struct lister *ls = &p->ls;
	struct pollfd pf = { .fd = ls->fd, .events = POLLIN };
	char buf[4096];
	ssize_t got;

	if (poll(&pf, 1, LISTER_WAIT_MS) < 0 && errno != EINTR)
		return -1;
	while ((got = read(ls->fd, buf, sizeof(buf))) > 0)
		line_reader_feed(&ls->lines, buf, (size_t)got, lister_line, p);
	/* Ended, or stalled: started again by the worker. Nothing is
	 * logged: this runs under the console's screen (stderr is the
	 * terminal); a master that died says so as the host's reason. */
	if (got == 0 ||
	    time_mono_ns() - ls->last_block_ns > (uint64_t)LISTER_STALL_MS * 1000000u) {
		lister_stop(p);
		return -1;
	}
	return 0;
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
		if (!p->ls.pid && lister_start(p, why, sizeof(why))) {
			nap(p, LISTER_RESTART_MS);
			continue;
		}
		if (lister_read(p))
			nap(p, LISTER_RESTART_MS);
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

int vm_probe_ssh_sock(const struct host *h, const char *vm, char *buf, size_t len)
{
	char dir[sizeof(((struct ssh_probe *)0)->mirror)], why[80];

	if (host_dir(h, dir, sizeof(dir), why, sizeof(why)) ||
	    strlen(dir) + sizeof("/vm") > sizeof(dir))
		return -1;
	strcat(dir, "/vm");            /* the mirror (make_dirs()) */
	return dsmig_socket_path(buf, len, dir, vm) ? -1 : 0;
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
	p->stats.cpu_pct = -1;
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

static int ssh_host_stats(void *state, struct vm_host_stats *st)
{
	struct ssh_probe *p = state;
	int rc;

	pthread_mutex_lock(&p->mu);
	*st = p->stats;
	rc = p->reason[0] || (st->cpu_pct < 0 && !st->have_mem) ? -1 : 0;
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
	.host_stats = ssh_host_stats,
	.close = ssh_close,
};

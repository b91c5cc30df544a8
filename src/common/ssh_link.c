/*
 * One OpenSSH ControlMaster per ssh host and the mux commands through it
 * (see ssh_link.h). Every ssh is a child of ours started by proc_spawn()
 * with an argv, its output in files of the link's private directory
 * (ctl, master.err, run.out, run.err), and waited for with a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/ssh_link.h"

/* How long the master may take to be up (ConnectTimeout covers the TCP
 * connect; this the whole log-in), and a mux command to answer. */
#define SSH_CONNECT_TIMEOUT "5"
#define SSH_UP_MS           10000
#define SSH_MUX_MS          3000

extern char **environ;

struct ssh_link {
	struct host h;
	char dir[256], ctl[300], err[300], out[300], run_err[300], stream_err[300];
	pid_t master;               /* 0 once reaped */
	int up;
	uint64_t t0;                /* when the master was started */
};

/* ---- the command lines -------------------------------------------------------- */

struct builder {
	struct ssh_argv *a;
	size_t n, used;
	int bad;
};

/* Append one argument, formatted into the builder's buffer. */
static void add(struct builder *b, const char *fmt, ...)
{
	size_t room = sizeof(b->a->buf) - b->used;
	va_list ap;
	int k;

	if (b->bad || b->n + 2 > SSH_ARGV_MAX) {
		b->bad = 1;
		return;
	}
	va_start(ap, fmt);
	k = vsnprintf(b->a->buf + b->used, room, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= room) {
		b->bad = 1;
		return;
	}
	b->a->argv[b->n++] = b->a->buf + b->used;
	b->a->argv[b->n] = NULL;
	b->used += (size_t)k + 1;
}

int ssh_argv_build(struct ssh_argv *a, const struct host *h, const char *ctl,
		   enum ssh_op op, const char *arg)
{
	static const char *const mux[] = {
		[SSH_OP_CHECK] = "check", [SSH_OP_EXIT] = "exit",
		[SSH_OP_FORWARD] = "forward", [SSH_OP_CANCEL] = "cancel",
	};
	struct builder b = { .a = a };

	memset(a, 0, sizeof(*a));
	if (!hosts_is_ssh(h) || ((op == SSH_OP_RUN || op == SSH_OP_FORWARD ||
				  op == SSH_OP_CANCEL) && !arg))
		return -1;
	add(&b, "ssh");
	if (op == SSH_OP_MASTER) {
		add(&b, "-N");
		add(&b, "-M");
	}
	add(&b, "-S");
	add(&b, "%s", ctl);
	/* Never a prompt, never an unknown host key; the same for a mux
	 * client, which connects by itself if the master is gone. */
	add(&b, "-o");
	add(&b, "BatchMode=yes");
	add(&b, "-o");
	add(&b, "StrictHostKeyChecking=yes");
	if (h->known_hosts[0]) {
		add(&b, "-o");
		add(&b, "UserKnownHostsFile=%s", h->known_hosts);
	}
	add(&b, "-o");
	add(&b, "ConnectTimeout=" SSH_CONNECT_TIMEOUT);
	if (op == SSH_OP_MASTER) {
		/* A dead peer ends the master within ~10 s; a forward's
		 * stale local socket is replaced, not refused. */
		add(&b, "-o");
		add(&b, "ServerAliveInterval=5");
		add(&b, "-o");
		add(&b, "ServerAliveCountMax=2");
		add(&b, "-o");
		add(&b, "StreamLocalBindUnlink=yes");
	}
	if (h->ssh_key[0]) {
		add(&b, "-o");
		add(&b, "IdentitiesOnly=yes");
		add(&b, "-i");
		add(&b, "%s", h->ssh_key);
	}
	if (op != SSH_OP_MASTER && op != SSH_OP_RUN) {
		add(&b, "-O");
		add(&b, "%s", mux[op]);
	}
	if (op == SSH_OP_FORWARD || op == SSH_OP_CANCEL) {
		add(&b, "-L");
		add(&b, "%s", arg);
	}
	if (op == SSH_OP_RUN)
		add(&b, "-T");
	add(&b, "--");
	add(&b, "%s@%s", h->ssh_user, h->ssh_host);
	if (op == SSH_OP_RUN)
		add(&b, "%s", arg);
	return b.bad ? -1 : 0;
}

int ssh_mpi_agent(char *buf, size_t buflen, const struct host *a, const struct host *b,
		  char *why, size_t len)
{
	int k;

	if (!hosts_is_ssh(a) || !hosts_is_ssh(b))
		return errbuf_set(why, len, "both ends must be ssh hosts");
	if (strcmp(a->ssh_user, b->ssh_user) || strcmp(a->known_hosts, b->known_hosts) ||
	    strcmp(a->ssh_key, b->ssh_key))
		return errbuf_set(why, len, "hosts %s and %s differ in ssh user, known_hosts or "
				  "ssh_key: mpirun reaches both with one ssh command", a->name, b->name);
	k = snprintf(buf, buflen, "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes%s%s%s%s -l %s",
		     a->known_hosts[0] ? " -o UserKnownHostsFile=" : "", a->known_hosts,
		     a->ssh_key[0] ? " -o IdentitiesOnly=yes -i " : "", a->ssh_key, a->ssh_user);
	if (k < 0 || (size_t)k >= buflen)
		return errbuf_set(why, len, "the ssh command for mpirun is too long");
	return 0;
}

int ssh_quote_path(char *buf, size_t len, const char *path)
{
	int k;

	if (!hosts_path_safe(path))
		return -1;
	k = snprintf(buf, len, "'%s'", path);
	return k < 0 || (size_t)k >= len ? -1 : 0;
}

/* ---- running ssh ------------------------------------------------------------- */

/* The last non-empty line of file path, into why; "" if there is none. */
static void last_line(const char *path, char *why, size_t len)
{
	void *text;
	size_t n;
	char *s, *end, *start;

	why[0] = '\0';
	if (file_read_all(path, 1 << 16, &text, &n))
		return;
	s = text;
	end = s + n;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	*end = '\0';
	start = strrchr(s, '\n');
	start = start ? start + 1 : s;
	snprintf(why, len, "%s", start);
	free(text);
}

/* Run a mux command (or a remote one) to its end, stdout into the run.out
 * file; its exit status, or -1 with the reason in why. */
static int mux(struct ssh_link *l, enum ssh_op op, const char *arg, unsigned ms,
	       char *why, size_t len)
{
	struct ssh_argv a;
	pid_t pid;
	int st;

	if (ssh_argv_build(&a, &l->h, l->ctl, op, arg))
		return errbuf_set(why, len, "ssh command line too long");
	pid = proc_spawn(a.argv, l->out, l->run_err, 0);
	if (pid < 0)
		return errbuf_set(why, len, "cannot start ssh: %s", strerror((int)-pid));
	st = proc_wait(pid, ms);
	if (st < 0)
		return errbuf_set(why, len, "ssh did not answer in %u ms", ms);
	if (!WIFEXITED(st))
		return errbuf_set(why, len, "ssh killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st)) {
		last_line(l->run_err, why, len);
		if (!why[0])
			snprintf(why, len, "ssh exited %d", WEXITSTATUS(st));
	}
	return WEXITSTATUS(st);
}

/* ---- the link ----------------------------------------------------------------- */

int ssh_link_start(struct ssh_link **out, const struct host *h, const char *dir,
		   char *why, size_t len)
{
	struct ssh_link *l = calloc(1, sizeof(*l));
	struct ssh_argv a;
	pid_t pid;

	if (!l)
		return errbuf_set(why, len, "out of memory");
	l->h = *h;
	if (snprintf(l->dir, sizeof(l->dir), "%s", dir) >= (int)sizeof(l->dir) ||
	    snprintf(l->ctl, sizeof(l->ctl), "%s/ctl", dir) >= 90 ||   /* + ssh's suffix */
	    snprintf(l->err, sizeof(l->err), "%s/master.err", dir) >= (int)sizeof(l->err) ||
	    snprintf(l->out, sizeof(l->out), "%s/run.out", dir) >= (int)sizeof(l->out) ||
	    snprintf(l->run_err, sizeof(l->run_err), "%s/run.err", dir) >= (int)sizeof(l->run_err) ||
	    snprintf(l->stream_err, sizeof(l->stream_err), "%s/stream.err", dir) >=
		    (int)sizeof(l->stream_err)) {
		free(l);
		return errbuf_set(why, len, "%s: path too long for a control socket", dir);
	}
	if (ssh_argv_build(&a, h, l->ctl, SSH_OP_MASTER, NULL)) {
		free(l);
		return errbuf_set(why, len, "ssh command line too long");
	}
	unlink(l->ctl);
	/* In our process group: a Ctrl-C that ends `dsmig top` ends it too. */
	pid = proc_spawn(a.argv, "/dev/null", l->err, 0);
	if (pid < 0) {
		free(l);
		return errbuf_set(why, len, "cannot start ssh: %s", strerror((int)-pid));
	}
	l->master = pid;
	l->t0 = time_mono_ns();
	*out = l;
	return 0;
}

int ssh_link_poll(struct ssh_link *l, char *why, size_t len)
{
	char inner[200];
	int st;

	if (!l->master)
		return errbuf_set(why, len, "ssh connection closed");
	if (waitpid(l->master, &st, WNOHANG) == l->master) {
		l->master = 0;
		l->up = 0;
		last_line(l->err, why, len);
		if (!why[0])
			snprintf(why, len, WIFEXITED(st) ? "ssh exited %d" : "ssh killed by signal %d",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -1;
	}
	if (l->up)
		return 1;
	if (mux(l, SSH_OP_CHECK, NULL, SSH_MUX_MS, inner, sizeof(inner)) == 0)
		return l->up = 1;
	if (time_mono_ns() - l->t0 > (uint64_t)SSH_UP_MS * 1000000u) {
		kill(l->master, SIGKILL);
		waitpid(l->master, &st, 0);
		l->master = 0;
		return errbuf_set(why, len, "ssh: no log-in within %d s", SSH_UP_MS / 1000);
	}
	return 0;
}

int ssh_link_run(struct ssh_link *l, const char *cmd, char *out, size_t cap,
		 unsigned timeout_ms, char *why, size_t len)
{
	void *text;
	size_t n;
	int rc = mux(l, SSH_OP_RUN, cmd, timeout_ms, why, len), r;

	if (rc < 0)
		return -1;
	out[0] = '\0';
	r = file_read_all(l->out, cap - 1, &text, &n);
	if (r == -EFBIG)
		return errbuf_set(why, len, "the remote command's output is over %zu bytes", cap - 1);
	if (r)
		return errbuf_set(why, len, "%s: %s", l->out, strerror(-r));
	memcpy(out, text, n);
	out[n] = '\0';
	free(text);
	return rc;
}

pid_t ssh_link_stream(struct ssh_link *l, const char *cmd, int *fd, char *why, size_t len)
{
	posix_spawn_file_actions_t fa;
	struct ssh_argv a;
	int p[2], rc;
	pid_t pid;

	if (ssh_argv_build(&a, &l->h, l->ctl, SSH_OP_RUN, cmd))
		return errbuf_set(why, len, "ssh command line too long");
	if (pipe2(p, O_CLOEXEC))
		return errbuf_set(why, len, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, l->stream_err,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&pid, "ssh", &fa, NULL, (char *const *)a.argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		close(p[0]);
		if (!rc) {
			kill(pid, SIGKILL);
			proc_wait(pid, 0);
		}
		return errbuf_set(why, len, "cannot start ssh: %s", strerror(rc ? rc : errno));
	}
	*fd = p[0];
	return pid;
}

/* "LOCAL:REMOTE" for -L: neither may hold a ':'. */
static int fwd_spec(char *buf, size_t len, const char *local, const char *remote)
{
	int k;

	if (strchr(local, ':') || strchr(remote, ':'))
		return -1;
	k = snprintf(buf, len, "%s:%s", local, remote);
	return k < 0 || (size_t)k >= len ? -1 : 0;
}

int ssh_link_forward(struct ssh_link *l, const char *local, const char *remote,
		     char *why, size_t len)
{
	char spec[600];

	if (fwd_spec(spec, sizeof(spec), local, remote))
		return errbuf_set(why, len, "bad forward %s:%s", local, remote);
	if (unlink(local) && errno != ENOENT)
		return errbuf_set(why, len, "cannot remove %s: %s", local, strerror(errno));
	return mux(l, SSH_OP_FORWARD, spec, SSH_MUX_MS, why, len) ? -1 : 0;
}

int ssh_link_cancel(struct ssh_link *l, const char *local, const char *remote,
		    char *why, size_t len)
{
	char spec[600];
	int rc;

	if (fwd_spec(spec, sizeof(spec), local, remote))
		return errbuf_set(why, len, "bad forward %s:%s", local, remote);
	rc = mux(l, SSH_OP_CANCEL, spec, SSH_MUX_MS, why, len) ? -1 : 0;
	if (unlink(local) && errno != ENOENT && !rc)
		rc = errbuf_set(why, len, "cannot remove %s: %s", local, strerror(errno));
	return rc;
}

void ssh_link_close(struct ssh_link *l)
{
	char why[200];

	if (!l)
		return;
	if (l->master) {
		if (l->up)
			mux(l, SSH_OP_EXIT, NULL, SSH_MUX_MS, why, sizeof(why));
		proc_wait(l->master, 500);     /* killed and reaped after it */
	}
	unlink(l->ctl);
	unlink(l->err);
	unlink(l->out);
	unlink(l->run_err);
	unlink(l->stream_err);
	free(l);
}

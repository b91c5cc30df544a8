/*
 * The network probe on an ssh host (net_remote.h): `dsmig wire` started
 * there through the host's ssh master, its JSON lines read back without
 * blocking (cli/wire.c gives the protocol).
 *
 * ssh's stdin is a pipe held open here: closing it ends the remote probe
 * (it exits on EOF), so nothing keeps capturing after the console stops
 * watching. Its stdout and stderr come back on one pipe; a line that is
 * not JSON is ssh's own (a warning, or why it failed) and is kept as the
 * reason should it end. Lines are bounded and parsed by remote_lines.c
 * (counts must grow, times advance; the host's clock mapped to ours).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/lab_net.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/ssh_link.h"
#include "probes/net_remote.h"
#include "probes/remote_lines.h"

#define NET_SSH_READ_MAX (64 << 10)   /* per poll: a wedged peer cannot hold the tick */
#define NET_SSH_CLOSE_MS 500

extern char **environ;

struct net_remote {
	pid_t pid;
	int in;                         /* ssh's stdin (write end), held open */
	int out;                        /* ssh's stdout + stderr (read end) */
	struct line_reader lines;
	struct wire_parse w;
	uint64_t now;                   /* when the lines being fed arrived */
};

/* The remote command line: every word checked, the path quoted. */
static int remote_cmd(char *buf, size_t len, const char *dsmig, const char *net)
{
	char quoted[600];
	int k;

	if (!hosts_iface_ok(net) || ssh_quote_path(quoted, sizeof(quoted), dsmig))
		return -1;
	k = snprintf(buf, len, "%s wire --net %s --ports %d-%d", quoted, net, MIGRATE_PORT_FIRST,
		     MIGRATE_PORT_LAST);
	return k < 0 || (size_t)k >= len ? -1 : 0;
}

int net_remote_open(struct net_remote **out, const struct host *h, const char *ctl,
		    const char *dsmig, const char *net, char *why, size_t len)
{
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, rc;
	struct net_remote *r;
	struct ssh_argv a;
	char cmd[800];

	if (remote_cmd(cmd, sizeof(cmd), dsmig, net) ||
	    ssh_argv_build(&a, h, ctl, SSH_OP_RUN, cmd))
		return errbuf_set(why, len, "cannot make the probe's command for %s", h->name), -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return errbuf_set(why, len, "out of memory"), -ENOMEM;
	if (pipe2(in, O_CLOEXEC) || pipe2(o, O_CLOEXEC)) {
		rc = -errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, o[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, o[1], STDERR_FILENO);
	rc = -posix_spawnp(&r->pid, "ssh", &fa, NULL, (char *const *)a.argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		goto fail;
	close(in[0]);
	close(o[1]);
	r->in = in[1];
	r->out = o[0];
	if (fcntl(r->out, F_SETFL, O_NONBLOCK)) {
		rc = -errno;
		net_remote_close(r);
		return errbuf_set(why, len, "cannot read ssh: %s", strerror(-rc)), rc;
	}
	*out = r;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (o[i] >= 0)
			close(o[i]);
	}
	free(r);
	return errbuf_set(why, len, "cannot start ssh: %s", strerror(-rc)), rc;
}

static void take_line(void *ctx, const char *line)
{
	struct net_remote *r = ctx;

	wire_parse_line(&r->w, line, r->now);
}

/* ssh has ended: why, from the probe's error line, else ssh's last
 * words, else its exit status. */
static void reap(struct net_remote *r)
{
	char what[300];
	int st = proc_wait(r->pid, NET_SSH_CLOSE_MS);

	r->pid = 0;
	if (r->w.ssh_said[0])
		snprintf(what, sizeof(what), "%s", r->w.ssh_said);
	else if (st >= 0 && WIFEXITED(st))
		snprintf(what, sizeof(what), "ssh exited %d", WEXITSTATUS(st));
	else
		snprintf(what, sizeof(what), "ssh ended");
	if (!r->w.failed[0])
		snprintf(r->w.failed, sizeof(r->w.failed), "%s", what);
}

int net_remote_poll(struct net_remote *r, uint64_t *bytes, uint64_t *sample_ns,
		    char *why, size_t len)
{
	size_t total = 0;
	char buf[4096];
	ssize_t got = 0;

	r->now = time_mono_ns();
	while (!r->w.failed[0] && total < NET_SSH_READ_MAX &&
	       (got = read(r->out, buf, sizeof(buf))) > 0) {
		total += (size_t)got;
		line_reader_feed(&r->lines, buf, (size_t)got, take_line, r);
	}
	if (got == 0 && r->pid)
		reap(r);
	*bytes = r->w.bytes;
	*sample_ns = r->w.sample_ns;
	if (r->w.failed[0]) {
		snprintf(why, len, "%s", r->w.failed);
		return -EIO;
	}
	return r->w.counted ? 0 : -EAGAIN;
}

const char *net_remote_method(const struct net_remote *r)
{
	return r->w.method;
}

void net_remote_close(struct net_remote *r)
{
	if (!r)
		return;
	if (r->in >= 0)
		close(r->in);
	if (r->out >= 0)
		close(r->out);
	if (r->pid) {
		kill(r->pid, SIGTERM);
		proc_wait(r->pid, NET_SSH_CLOSE_MS);
	}
	free(r);
}

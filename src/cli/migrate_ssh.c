/*
 * The ssh ends of a migration (see migrate_ssh.h). Layout of the private
 * directory RUNDIR/.mssh-PID: src/ and dst/, each the ssh_link's own
 * directory (its control socket and output files) and the place of the
 * forwarded VM socket, VM.sock, as in a VMM's runtime directory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/migrate_ssh.h"
#include "common/log.h"
#include "common/rundir.h"

#define MIGRATE_SSH_RUN_MS 5000

static const char *const side_name[] = { "src", "dst" };

/* Wait until link i is up; 0, or -1 with ssh's reason. */
static int wait_up(struct migrate_ssh *m, int i, char *why, size_t len)
{
	char inner[300];
	int r;

	while ((r = ssh_link_poll(m->link[i], inner, sizeof(inner))) == 0)
		nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
	if (r < 0)
		return errbuf_set(why, len, "cannot reach %s over ssh: %s", m->h[i].name, inner);
	return 0;
}

int migrate_ssh_open(struct migrate_ssh *m, const struct host *src, const struct host *dst,
		     const char *rundir, const char *vm, char *why, size_t len)
{
	char inner[300];
	int i;

	memset(m, 0, sizeof(*m));
	m->h[MIGRATE_SRC] = *src;
	m->h[MIGRATE_DST] = *dst;
	snprintf(m->vm, sizeof(m->vm), "%s", vm);
	if (snprintf(m->dir, sizeof(m->dir), "%s/.mssh-%ld", rundir, (long)getpid()) >=
	    (int)sizeof(m->dir))
		return errbuf_set(why, len, "%s: path too long for ssh's sockets", rundir);
	if (mkdir(m->dir, 0700))
		return errbuf_set(why, len, "cannot create %s: %s", m->dir, strerror(errno));
	for (i = 0; i < 2; i++) {
		snprintf(m->side[i], sizeof(m->side[i]), "%s/%s", m->dir, side_name[i]);
		if (mkdir(m->side[i], 0700)) {
			errbuf_set(why, len, "cannot create %s: %s", m->side[i], strerror(errno));
			goto fail;
		}
		if (ssh_link_start(&m->link[i], &m->h[i], m->side[i], inner, sizeof(inner))) {
			errbuf_set(why, len, "%s: %s", m->h[i].name, inner);
			goto fail;
		}
	}
	/* Both log in at once; then each is waited for. */
	for (i = 0; i < 2; i++)
		if (wait_up(m, i, why, len))
			goto fail;
	return 0;
fail:
	migrate_ssh_close(m);
	return -1;
}

/* Link i again if its master died during the run (a dropped connection,
 * a killed ssh): the referee must still ask that host. Its forwards died
 * with it, so the stale local socket goes. 0, or -1 with ssh's reason. */
static int relink(struct migrate_ssh *m, int i, const char *local, char *why, size_t len)
{
	char inner[300];

	if (!m->link[i])
		snprintf(inner, sizeof(inner), "an earlier try failed");
	else if (ssh_link_poll(m->link[i], inner, sizeof(inner)) == 1)
		return 0;
	log_info("the ssh connection to %s was lost (%s); connecting again", m->h[i].name, inner);
	ssh_link_close(m->link[i]);
	m->link[i] = NULL;
	if (unlink(local) && errno != ENOENT)
		return errbuf_set(why, len, "cannot remove %s: %s", local, strerror(errno));
	if (ssh_link_start(&m->link[i], &m->h[i], m->side[i], inner, sizeof(inner)))
		return errbuf_set(why, len, "%s: %s", m->h[i].name, inner);
	return wait_up(m, i, why, len);
}

int migrate_ssh_expose(struct migrate_ssh *m, enum migrate_side side, char *why, size_t len)
{
	char remote[PATH_MAX], local[PATH_MAX], quoted[PATH_MAX + 16], cmd[PATH_MAX + 32];
	char out[64], inner[300];
	int rc;

	if (dsmig_socket_path(remote, sizeof(remote), m->h[side].runtime, m->vm) ||
	    dsmig_socket_path(local, sizeof(local), m->side[side], m->vm) ||
	    ssh_quote_path(quoted, sizeof(quoted), remote))
		return errbuf_set(why, len, "bad VM name or runtime directory for %s", m->h[side].name);
	if (relink(m, side, local, why, len))
		return -1;
	snprintf(cmd, sizeof(cmd), "test -S %s", quoted);
	rc = ssh_link_run(m->link[side], cmd, out, sizeof(out), MIGRATE_SSH_RUN_MS, inner,
			  sizeof(inner));
	if (rc == 1) {
		if (unlink(local) && errno != ENOENT)
			return errbuf_set(why, len, "cannot remove %s: %s", local, strerror(errno));
		return 0;
	}
	if (rc != 0)
		return errbuf_set(why, len, "%s over ssh: %s", m->h[side].name, inner);
	/* A forward names the remote path, not a VMM: once made, it reaches
	 * whichever VMM listens there (the incoming VM, after the engine). */
	if (access(local, F_OK) == 0)
		return 1;
	if (ssh_link_forward(m->link[side], local, remote, inner, sizeof(inner)))
		return errbuf_set(why, len, "%s: cannot forward %s: %s", m->h[side].name, remote,
				  inner);
	return 1;
}

const char *migrate_ssh_dir(const struct migrate_ssh *m, enum migrate_side side)
{
	return m->side[side];
}

void migrate_ssh_close(struct migrate_ssh *m)
{
	char sock[PATH_MAX];
	int i;

	for (i = 0; i < 2; i++) {
		ssh_link_close(m->link[i]);
		m->link[i] = NULL;
		if (m->side[i][0]) {
			if (!dsmig_socket_path(sock, sizeof(sock), m->side[i], m->vm))
				unlink(sock);
			rmdir(m->side[i]);
		}
	}
	if (m->dir[0])
		rmdir(m->dir);
}

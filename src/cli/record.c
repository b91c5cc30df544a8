/*
 * `dsmig record VM --to HOST [options]`: one migration recorded as a
 * console session, without a screen. The same live data path as the
 * console (src/ui/live.c: the vm and net probes at 10 Hz, `dsmig migrate`
 * as a child, its telemetry), so the log it writes replays in the console
 * and plots with `dsmig report` exactly like one recorded interactively.
 * For scripted runs: bench/paper.sh records the paper's figures with it.
 *
 * Without --from, the source is the host whose VMM answers for the VM,
 * asked as `dsmig migrate` asks before it starts (cli/settle.h). A VM on
 * no host or on several, or already on the destination, is refused
 * before anything starts: no probes, no session log.
 *
 * With --clients FILE, a `dsmig webclient --out FILE` run beside it is
 * followed and its records kept in the session (live.h).
 *
 * Timeline: --lead seconds of probes, the migration, --tail seconds of
 * probes after it ends. Exit status: the migration's (docs: dsmig migrate).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/settle.h"
#include "common/ctl_client.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/migreq.h"
#include "ui/live.h"
#include "ui/model.h"
#include "ui/session.h"

#define RECORD_TICK_NS 100000000ull   /* the console's 10 Hz */

static volatile sig_atomic_t record_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	record_interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig record VM --to HOST [--from HOST] [--method M] [--bandwidth RATE]\n"
		"                    [--ranks N] [--max-iters K] [--hosts FILE] [--out FILE]\n"
		"                    [--lead S] [--tail S] [--clients FILE]   (and every option of\n"
		"                    dsmig migrate that describes the migration: see dsmig migrate --help)\n"
		"Records one migration as a console session (replay it with dsmig replay,\n"
		"plot it with dsmig report). HOSTs are names from the hosts file; --from\n"
		"defaults to the host whose VMM runs the VM (asked before anything\n"
		"starts). --lead/--tail: seconds recorded before and after the migration\n"
		"(default 2 and 3). --clients FILE: follow a dsmig webclient --out FILE (it may\n"
		"not exist yet) and record its seconds and summary in the session.\n");
}

/* Our own options, beside the request's. */
struct record_opts {
	const char *hosts_path, *out, *clients;
	double lead, tail;          /* seconds */
};

static int take_record_opt(void *arg, int c, const char *v, char *why, size_t len)
{
	struct record_opts *o = arg;
	double *secs = c == 'l' ? &o->lead : &o->tail;
	char *end;

	switch (c) {
	case 'H': o->hosts_path = v; return 0;
	case 'o': o->out = v; return 0;
	case 'C': o->clients = v; return 0;
	case 'l':
	case 'T':
		*secs = strtod(v, &end);
		if (v[0] < '0' || v[0] > '9' || *end || !(*secs <= 600))
			return errbuf_set(why, len, "--%s must be a number of seconds in [0, 600]",
					  c == 'l' ? "lead" : "tail");
		return 0;
	default:
		return errbuf_set(why, len, "internal: option %d", c);
	}
}

/* Append ", TEXT" (no comma when buf is empty) to buf, truncating. */
static void list_add(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", text);
}

/* --from's default: the one host whose VMM answers for the VM (any
 * state: the migration says what it cannot move). A Xen migration names
 * its host at both ends (docs/xen.md), so a xen --to is the source too;
 * xen hosts have no VMM to ask otherwise. Returns the host, or NULL with
 * why: the VM on no host, or on several (each named with its state). */
static const struct host *vm_host(const struct host_list *hosts, const char *vm,
				  const struct host *to, char *why, size_t len)
{
	const struct host *found = NULL;
	char asked[256] = "", on[512] = "", item[128];
	unsigned i, n = 0;

	if (to->hv == HOST_HV_XEN)
		return to;
	for (i = 0; i < hosts->n; i++) {
		const struct host *h = &hosts->h[i];
		struct ctl_client *c;
		struct side s;

		if (h->hv == HOST_HV_XEN)
			continue;
		list_add(asked, sizeof(asked), h->name);
		settle_probe(h->runtime, vm, &s, &c);
		if (c)
			ctl_client_close(c);
		if (s.state == SIDE_ABSENT)
			continue;
		snprintf(item, sizeof(item), "%s: %s", h->name, side_state_name(s.state));
		list_add(on, sizeof(on), item);
		found = h;
		n++;
	}
	if (n == 1)
		return found;
	if (!n)
		errbuf_set(why, len, "no VM '%s' answers on any host (%s): nothing was started",
			   vm, asked);
	else
		errbuf_set(why, len, "VM '%s' is on %u hosts (%s): name the source with --from",
			   vm, n, on);
	return NULL;
}

/* Tick the live session until `until` (monotonic ns), or until the
 * migration ends when until is 0. */
static void record_run(struct live *l, uint64_t until)
{
	uint64_t next = time_mono_ns();

	for (;;) {
		uint64_t now = time_mono_ns();
		struct timespec nap;

		if (until ? now >= until : !live_migration_running(l))
			return;
		if (record_interrupted == 1) {
			live_cancel(l);
			record_interrupted = 2;
		}
		if (now >= next) {
			live_tick(l);
			next += RECORD_TICK_NS;
		}
		nap.tv_sec = 0;
		nap.tv_nsec = (long)(next > now ? next - now : 0);
		nanosleep(&nap, NULL);
	}
}

int cmd_record(int argc, char **argv)
{
	static const struct option own[] = {
		{ "hosts", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ "lead", required_argument, NULL, 'l' },
		{ "tail", required_argument, NULL, 'T' },
		{ "clients", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts o = { .lead = 2, .tail = 3 };
	const struct migreq_extra extra = { own, take_record_opt, &o };
	struct migreq req;
	struct host_list hosts;
	const struct host *from, *to;
	struct session_writer w;
	struct model m;
	struct live *l;
	char err[640];
	int rc, defaulted = 0;

	rc = migreq_from_argv(&req, argc, argv, &extra, err, sizeof(err));
	if (rc == MIGREQ_HELP) {
		usage(stdout);
		return CLI_OK;
	}
	if (rc) {
		/* One line: the reason, not buried under the usage. */
		log_error("%s; see dsmig record --help", err);
		return CLI_USAGE;
	}
	if (hosts_load(&hosts, o.hosts_path, err, sizeof(err))) {
		log_error("%s", err);
		return CLI_USAGE;
	}
	/* `dsmig migrate`, our child, must know the same hosts. */
	if (o.hosts_path && setenv("DSMIG_HOSTS", o.hosts_path, 1))
		return CLI_FAILED;
	to = hosts_find(&hosts, req.to);
	from = req.from[0] ? hosts_find(&hosts, req.from) : NULL;
	if (!to || (req.from[0] && !from)) {
		log_error("--from and --to must name hosts of the hosts file");
		return CLI_USAGE;
	}
	if (!from) {
		from = vm_host(&hosts, req.vm, to, err, sizeof(err));
		if (!from) {
			log_error("%s", err);
			return CLI_FAILED;
		}
		snprintf(req.from, sizeof(req.from), "%s", from->name);
		defaulted = 1;
	}
	/* Before the probes start; a xen host has no runtime directory. */
	if (from->runtime[0] && to->runtime[0] &&
	    migreq_check_ends(from->runtime, to->runtime, err, sizeof(err))) {
		if (defaulted)
			log_error("VM '%s' is already on %s, the destination: %s", req.vm,
				  from->name, err);
		else
			log_error("%s", err);
		return CLI_USAGE;
	}

	model_init(&m);
	if (session_writer_open(&w, o.out, err, sizeof(err))) {
		log_error("%s", err);
		return CLI_FAILED;
	}
	if (live_open(&l, &hosts, &w, &m, err, sizeof(err))) {
		log_error("cannot start the probes: %s", err);
		session_writer_close(&w);
		return CLI_FAILED;
	}
	if (o.clients)
		live_follow_clients(l, o.clients);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	record_run(l, time_mono_ns() + (uint64_t)(o.lead * 1e9));
	if (record_interrupted || live_migrate(l, &req)) {
		rc = CLI_FAILED;
	} else {
		record_run(l, 0);
		rc = m.mig.exit_status < 0 ? CLI_FAILED : m.mig.exit_status;
		record_run(l, time_mono_ns() + (uint64_t)(o.tail * 1e9));
	}
	if (rc == CLI_FAILED && m.mig.error[0])
		log_error("%s", m.mig.error);
	telemetry_read_tally_text(&m.tally, err, sizeof(err));
	if (err[0])
		log_warn("records: %s", err);
	fprintf(stderr, "dsmig: session recorded to %s\n", w.path);
	live_close(l);
	session_writer_close(&w);
	return rc;
}

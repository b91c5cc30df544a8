/*
 * The console's live data source (see live.h). A migration is a child
 * `dsmig migrate ... --json --log FILE`: the console follows FILE (the
 * engine telemetry) and, when the child exits, its JSON result. Cancelling
 * sends the child SIGTERM; it stops the engine and settles the migration
 * so that the source keeps running.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/jsonl_tail.h"
#include "common/lab_net.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/text.h"
#include "common/telemetry_read.h"
#include "probes/net.h"
#include "probes/rate.h"
#include "probes/vm.h"
#include "ui/live.h"

/* Where the migration's traffic is watched: loopback, or in the lab the
 * source host's interface inside its namespace (docs/probes.md). */
#define NET_IFACE_LOCAL "lo"
/* The throughput's bins: the growth since the previous 10 Hz tick's
 * reading (a window shorter than any tick keeps just that one), so that
 * it lines up with the phase markers (docs/probes.md). */
#define NET_BIN_NS 1ull

struct live {
	struct host_list hosts;
	struct session_writer *w;
	struct model *m;
	struct vm_probe *vms;
	/* the migration in progress */
	pid_t child;
	int mig_id;
	char tmpdir[PATH_MAX];
	char telemetry[PATH_MAX + 32], result[PATH_MAX + 32], errors[PATH_MAX + 32];
	struct jsonl_tail tail;
	struct net_probe *net;
	char net_iface[32], net_netns[64];
	struct rate_meter rate;
	int net_noted;
	char net_note[160];
	char last_error[256];       /* the child's last error line, if no verdict */
	json_t *summary_ev;         /* the engine's summary event as written */
};

/* Where the last summary of a VM, method and cap (as units_format_rate()
 * writes it: "12M", "0") is kept between sessions: next to the session
 * logs. */
static void last_run_path(struct live *l, const char *vm, const char *method,
			  const char *cap, char *buf, size_t len)
{
	const char *slash = strrchr(l->w->path, '/');
	int dirlen = slash ? (int)(slash - l->w->path) : 1;

	snprintf(buf, len, "%.*s/last-%s-%s-%s.json", dirlen, slash ? l->w->path : ".",
		 vm, method, cap);
}

/* Write a record and apply it: the single path every datum takes. */
static void emit(struct live *l, const char *src, json_t *rec)
{
	session_write(l->w, src, rec);
	model_apply(l->m, rec);
	json_decref(rec);
}

/* An engine event from the telemetry file: recorded and applied (the
 * model decodes it); a valid summary is also kept as written, for the
 * next session's comparison. Only a summary is decoded here: the 10 Hz
 * samples are not decoded twice. */
static void engine_event(struct live *l, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	struct tel_event e;
	char why[160];

	if (type && !strcmp(type, "summary") &&
	    !telemetry_read_decode(ev, &e, why, sizeof(why)) && e.type == TEL_SUMMARY) {
		json_decref(l->summary_ev);
		l->summary_ev = json_incref(ev);
	}
	emit(l, "engine", json_pack("{s:i, s:o}", "mig", l->mig_id, "ev", ev));
}

int live_open(struct live **out, const struct host_list *hosts,
	      struct session_writer *w, struct model *m, char *why, size_t len)
{
	struct live *l = calloc(1, sizeof(*l));
	json_t *hl;
	unsigned i;
	int rc;

	if (!l)
		return errbuf_set(why, len, "out of memory"), -ENOMEM;
	l->hosts = *hosts;
	l->w = w;
	l->m = m;
	rc = vm_probe_open(&l->vms, hosts, why, len);
	if (rc) {
		free(l);
		return rc;
	}
	hl = json_array();
	for (i = 0; i < hosts->n; i++)
		json_array_append_new(hl, json_pack("{s:s, s:s}", "name", hosts->h[i].name,
						    "runtime", hosts->h[i].runtime));
	emit(l, "session", json_pack("{s:s, s:s, s:o, s:f}", "event", "open", "mode", "live",
				     "hosts", hl, "cap_bps", MIGREQ_DEFAULT_BANDWIDTH_BPS));
	*out = l;
	return 0;
}

static void net_tick(struct live *l)
{
	uint64_t bytes;
	double bps;
	json_t *rec;

	if (!l->net || net_probe_poll(l->net, &bytes))
		return;
	bps = rate_meter_update(&l->rate, bytes, time_mono_ns());
	rec = json_pack("{s:s, s:s, s:s, s:s, s:I, s:f}", "probe", "net",
			"iface", l->net_iface, "method", net_probe_method(l->net),
			"filter", MIGRATE_PORT_FILTER,
			"bytes", (json_int_t)bytes, "bps", bps);
	if (l->net_netns[0])
		json_object_set_new(rec, "netns", json_string(l->net_netns));
	if (!l->net_noted) {
		json_object_set_new(rec, "note", json_string(l->net_note));
		l->net_noted = 1;
	}
	emit(l, "probe", rec);
}

/* A line of the child's stderr as a reason: without the prefix its
 * log_error() put first ("dsmig: error: "), which whoever shows the exit
 * record's error adds again (`dsmig record` through its own log_error). */
static const char *child_reason(const char *line)
{
	static const char prefix[] = "dsmig: error: ";

	return strncmp(line, prefix, sizeof(prefix) - 1) ? line : line + sizeof(prefix) - 1;
}

/* The child has exited: its JSON result says how it went. */
static void migration_reaped(struct live *l, int status)
{
	json_t *res = NULL, *ev;
	const char *err = NULL;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	FILE *f;

	while ((ev = jsonl_tail_next(&l->tail)))
		engine_event(l, ev);
	jsonl_tail_close(&l->tail);
	f = fopen(l->result, "re");
	if (f) {
		res = json_loadf(f, 0, NULL);
		fclose(f);
	}
	err = json_string_value(json_object_get(res, "error"));
	if (code && (!err || !*err)) {
		/* No JSON verdict: say what the child printed last. */
		f = fopen(l->errors, "re");
		l->last_error[0] = '\0';
		if (f) {
			char line[256];

			/* Cleaned: a line fgets() cut inside a UTF-8 character
			 * would make json_pack() refuse the exit record below. */
			while (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\n")] = '\0';
				if (strstr(line, "error") || strstr(line, "cannot"))
					text_clean(l->last_error, sizeof(l->last_error),
							    child_reason(line));
			}
			fclose(f);
		}
		err = l->last_error[0] ? l->last_error : "dsmig migrate failed";
	}
	ev = json_pack("{s:i, s:s, s:i, s:s?}", "mig", l->mig_id, "event", "exit",
		       "status", code, "error", code ? err : NULL);
	if (ev && l->tail.bad)
		json_object_set_new(ev, "telemetry_bad_lines", json_integer((json_int_t)l->tail.bad));
	emit(l, "migration", ev);
	/* Keep a good run's summary, as the engine wrote it, for the next
	 * session's comparison. */
	if (!code && l->m->mig.has_summary && l->summary_ev) {
		char path[PATH_MAX];

		last_run_path(l, l->m->mig.vm, l->m->mig.method, l->m->mig.bandwidth, path,
			      sizeof(path));
		if (json_dump_file(l->summary_ev, path, JSON_COMPACT))
			model_log(l->m, "cannot save %s", path);
	}
	json_decref(l->summary_ev);
	l->summary_ev = NULL;
	json_decref(res);
	net_probe_close(l->net);
	l->net = NULL;
	unlink(l->telemetry);
	unlink(l->result);
	unlink(l->errors);
	rmdir(l->tmpdir);
	l->child = 0;
}

void live_tick(struct live *l)
{
	json_t *recs = json_array(), *r, *ev;
	size_t i;
	int status;

	vm_probe_poll(l->vms, recs);
	json_array_foreach(recs, i, r)
		emit(l, "probe", json_incref(r));
	json_decref(recs);
	if (!l->child)
		return;
	net_tick(l);
	while ((ev = jsonl_tail_next(&l->tail)))
		engine_event(l, ev);
	if (waitpid(l->child, &status, WNOHANG) == l->child)
		migration_reaped(l, status);
}

static pid_t spawn_migrate(struct live *l, const struct migreq *r)
{
	/* dsmig migrate, the request, --log FILE --json, NULL */
	const char *argv[MIGREQ_ARGV_MAX + 6];
	char self[PATH_MAX];
	struct migreq_argv req;
	ssize_t n;
	int k = 0, i;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	argv[k++] = self;
	argv[k++] = "migrate";
	migreq_to_argv(r, &req);
	for (i = 0; i < req.argc; i++)
		argv[k++] = req.argv[i];
	argv[k++] = "--log";
	argv[k++] = l->telemetry;
	argv[k++] = "--json";
	argv[k] = NULL;

	/* Own process group: the terminal's Ctrl-C is the console's, not its. */
	return proc_spawn(argv, l->result, l->errors, 1);
}

/* Open the network probe for a migration: on the source's interface in
 * its namespace when both ends are lab hosts (that is where `dsmig
 * migrate` puts the ranks), else on loopback. */
static void net_watch(struct live *l, const struct migreq *r)
{
	const struct host *src = hosts_find(&l->hosts, r->from);
	const struct host *dst = hosts_find(&l->hosts, r->to);
	int lab = hosts_in_lab(src) && hosts_in_lab(dst);

	snprintf(l->net_iface, sizeof(l->net_iface), "%s", lab ? LAB_IFACE : NET_IFACE_LOCAL);
	snprintf(l->net_netns, sizeof(l->net_netns), "%s", lab ? src->netns : "");
	if (net_probe_open_netns(&l->net, lab ? src->netns : NULL, l->net_iface,
				 MIGRATE_PORT_FILTER, l->net_note, sizeof(l->net_note))) {
		l->net = NULL;
		model_log(l->m, "network probe: %s", l->net_note);
	}
}

int live_migrate(struct live *l, const struct migreq *r)
{
	char tmpl[] = "/tmp/dsmig-console.XXXXXX", bw[UNITS_RATE_TEXT];

	if (l->child)
		return -EBUSY;
	if (!mkdtemp(tmpl)) {
		model_log(l->m, "cannot launch: %s", strerror(errno));
		return -errno;
	}
	snprintf(l->tmpdir, sizeof(l->tmpdir), "%s", tmpl);
	snprintf(l->telemetry, sizeof(l->telemetry), "%s/telemetry.jsonl", tmpl);
	snprintf(l->result, sizeof(l->result), "%s/result.json", tmpl);
	snprintf(l->errors, sizeof(l->errors), "%s/errors.txt", tmpl);
	jsonl_tail_init(&l->tail, l->telemetry);
	l->mig_id++;
	units_format_rate(r->bandwidth_bps, bw, sizeof(bw));
	emit(l, "migration", json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b}",
				       "mig", l->mig_id, "event", "start", "vm", r->vm,
				       "from", r->from, "to", r->to, "method", r->method,
				       "bandwidth", bw, "ranks", (int)r->ranks,
				       "max_iters", (int)r->max_iters, "verify", r->verify));
	{
		/* The previous run of this VM, method and cap, from an
		 * earlier session, as the engine wrote it: the model reads it. */
		char path[PATH_MAX];
		json_t *prev;

		last_run_path(l, r->vm, r->method, bw, path, sizeof(path));
		prev = l->m->has_prev ? NULL : json_load_file(path, 0, NULL);
		if (json_is_object(prev))
			emit(l, "migration", json_pack("{s:i, s:s, s:O}", "mig", l->mig_id,
						       "event", "previous", "summary", prev));
		json_decref(prev);
	}
	rate_meter_init(&l->rate, NET_BIN_NS);
	l->net_noted = 0;
	net_watch(l, r);
	l->child = spawn_migrate(l, r);
	if (l->child < 0) {
		l->child = 0;
		emit(l, "migration", json_pack("{s:i, s:s, s:i, s:s}", "mig", l->mig_id,
					       "event", "exit", "status", 1, "error",
					       "cannot start dsmig migrate"));
		return -1;
	}
	return 0;
}

void live_cancel(struct live *l)
{
	if (!l->child)
		return;
	live_operator(l, "cancel", NULL);
	kill(l->child, SIGTERM);
}

int live_migration_running(const struct live *l)
{
	return l->child != 0;
}

void live_operator(struct live *l, const char *action, json_t *args)
{
	emit(l, "operator", json_pack("{s:s, s:o?}", "action", action, "args", args));
}

void live_close(struct live *l)
{
	int status;

	if (!l)
		return;
	if (l->child) {
		kill(l->child, SIGTERM);
		waitpid(l->child, &status, 0);
		migration_reaped(l, status);
	}
	emit(l, "session", json_pack("{s:s}", "event", "close"));
	vm_probe_close(l->vms);
	json_decref(l->summary_ev);
	free(l);
}

/*
 * The console's live data source (see live.h). A migration is a child
 * `dsmig migrate ... --json --log FILE` in a slot of its own: the console
 * follows FILE (the engine telemetry) and, when the child exits, its JSON
 * result. Several slots run at once for the migration queue (ui/queue.h:
 * every tick, the queue's next items start while fewer than its parallel
 * run), each with its child, files and telemetry follower; one network
 * probe watches the engine's ports for all of them. Cancelling sends the
 * child SIGTERM; it stops the engine and settles the migration so that
 * the source keeps running. With --clients, a web client's --out file is
 * followed too, and its per-second records and summary copied into the
 * session (client records).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/jsonl_tail.h"
#include "common/lab_net.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/text.h"
#include "common/telemetry_read.h"
#include "probes/host.h"
#include "probes/net.h"
#include "probes/rate.h"
#include "probes/vm.h"
#include "ui/predict.h"
#include "ui/live.h"

/* Where the migration's traffic is watched: loopback, or in the lab the
 * source host's interface inside its namespace (docs/probes.md). */
#define NET_IFACE_LOCAL "lo"
/* The throughput's bins: the growth since the previous 10 Hz tick's
 * reading (a window shorter than any tick keeps just that one), so that
 * it lines up with the phase markers (docs/probes.md). */
#define NET_BIN_NS 1ull
/* How often the host probe's records are written: CPU and memory change
 * slowly, and a record per host every tick would swell the log. */
#define HOST_PROBE_NS 1000000000ull

/* Migrations that run at once: a queue's most. */
#define LIVE_SLOTS QUEUE_MAX_PARALLEL

/* A running migration: its `dsmig migrate` child and what it leaves. */
struct slot {
	pid_t child;                /* 0: the slot is free */
	int mig_id;
	int item;                   /* the queue item it runs, or 0 */
	char vm[65], method[16], bw[UNITS_RATE_TEXT];   /* for its last-run file */
	char tmpdir[PATH_MAX];
	char telemetry[PATH_MAX + 32], result[PATH_MAX + 32], errors[PATH_MAX + 32];
	struct jsonl_tail tail;
	char last_error[256];       /* the child's last error line, if no verdict */
	json_t *summary_ev;         /* the engine's summary event as written */
};

struct live {
	struct host_list hosts;
	struct session_writer *w;
	struct model *m;
	struct vm_probe *vms;
	struct host_probe host;
	uint64_t host_due;          /* time_mono_ns() of the next host records */
	struct slot slots[LIVE_SLOTS];
	int mig_id;                 /* the last migration number given */
	/* The network probe, while any migration runs: on the engine's whole
	 * port range, so with several at once it counts them all. */
	int net_window;             /* a migration runs: the probe was opened
				       (or failed to open) for this spell */
	struct net_probe *net;
	char net_iface[32], net_netns[64];
	char net_host[64];          /* the ssh host the probe runs on, or "" */
	int net_failed;             /* the ssh probe's failure was told */
	uint64_t net_last_ns;       /* the sample time of the last net record */
	struct rate_meter rate;
	int net_noted;
	char net_note[160];
	/* The web clients' file (--clients), if clients: followed from the
	 * start of the file whose inode clients_ino is. */
	struct jsonl_tail *clients;
	ino_t clients_ino;
	unsigned long clients_bad;  /* bad lines already told */
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
static void engine_event(struct live *l, struct slot *s, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	struct tel_event e;
	char why[160];

	if (type && !strcmp(type, "summary") &&
	    !telemetry_read_decode(ev, &e, why, sizeof(why)) && e.type == TEL_SUMMARY) {
		json_decref(s->summary_ev);
		s->summary_ev = json_incref(ev);
	}
	emit(l, "engine", json_pack("{s:i, s:o}", "mig", s->mig_id, "ev", ev));
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
	host_probe_init(&l->host, &l->hosts);
	l->host.vms = l->vms;           /* which ssh hosts are unreachable */
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
	int rc;

	if (!l->net)
		return;
	rc = net_probe_poll(l->net, &bytes);
	if (rc == -EIO && l->net_host[0] && !l->net_failed) {
		l->net_failed = 1;
		model_log(l->m, "network probe on %s ended: %s", l->net_host, net_probe_why(l->net));
	}
	/* Over ssh a count arrives when the host sends it: a tick that got
	 * none has nothing new (the meter takes a reading that does not
	 * move forward in time for a restarted counter). */
	if (rc || net_probe_sample_ns(l->net) <= l->net_last_ns)
		return;
	l->net_last_ns = net_probe_sample_ns(l->net);
	bps = rate_meter_update(&l->rate, bytes, l->net_last_ns);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:I, s:f}", "probe", "net",
			"iface", l->net_iface, "method", net_probe_method(l->net),
			"filter", MIGRATE_PORT_FILTER,
			"bytes", (json_int_t)bytes, "bps", bps);
	if (l->net_netns[0])
		json_object_set_new(rec, "netns", json_string(l->net_netns));
	if (l->net_host[0])
		json_object_set_new(rec, "host", json_string(l->net_host));
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

/* A slot's child has exited: its JSON result says how it went. The
 * network probe closes with the last migration. */
static void slot_reaped(struct live *l, struct slot *s, int status)
{
	json_t *res = NULL, *ev;
	const char *err = NULL;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	FILE *f;

	while ((ev = jsonl_tail_next(&s->tail)))
		engine_event(l, s, ev);
	jsonl_tail_close(&s->tail);
	f = fopen(s->result, "re");
	if (f) {
		res = json_loadf(f, 0, NULL);
		fclose(f);
	}
	err = json_string_value(json_object_get(res, "error"));
	if (code && (!err || !*err)) {
		/* No JSON verdict: say what the child printed last. */
		f = fopen(s->errors, "re");
		s->last_error[0] = '\0';
		if (f) {
			char line[256];

			/* Cleaned: a line fgets() cut inside a UTF-8 character
			 * would make json_pack() refuse the exit record below. */
			while (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\n")] = '\0';
				if (strstr(line, "error") || strstr(line, "cannot"))
					text_clean(s->last_error, sizeof(s->last_error),
							    child_reason(line));
			}
			fclose(f);
		}
		err = s->last_error[0] ? s->last_error : "dsmig migrate failed";
	}
	ev = json_pack("{s:i, s:s, s:i, s:s?}", "mig", s->mig_id, "event", "exit",
		       "status", code, "error", code ? err : NULL);
	if (ev && s->tail.bad)
		json_object_set_new(ev, "telemetry_bad_lines", json_integer((json_int_t)s->tail.bad));
	emit(l, "migration", ev);
	/* Keep a good run's summary, as the engine wrote it, for the next
	 * session's comparison. */
	if (!code && s->summary_ev) {
		char path[PATH_MAX];

		last_run_path(l, s->vm, s->method, s->bw, path, sizeof(path));
		if (json_dump_file(s->summary_ev, path, JSON_COMPACT))
			model_log(l->m, "cannot save %s", path);
	}
	json_decref(s->summary_ev);
	s->summary_ev = NULL;
	json_decref(res);
	unlink(s->telemetry);
	unlink(s->result);
	unlink(s->errors);
	rmdir(s->tmpdir);
	s->child = 0;
	if (!live_migration_running(l)) {
		net_probe_close(l->net);
		l->net = NULL;
		l->net_window = 0;
	}
}

/* The free slot with the lowest index, or NULL. */
static struct slot *free_slot(struct live *l)
{
	int i;

	for (i = 0; i < LIVE_SLOTS; i++)
		if (!l->slots[i].child)
			return &l->slots[i];
	return NULL;
}

static int slot_launch(struct live *l, struct slot *s, const struct migreq *r, int item,
		       char *why, size_t len);

/* Start the queue's next items while it allows and slots are free. An
 * item that cannot be started fails (a queue fail record, or its
 * migration's exit record), so each pass moves on; at most a slot's
 * worth of starts per tick. */
static void queue_pump(struct live *l)
{
	const struct queue_item *it;
	struct slot *s;
	struct migreq r;
	char why[200];
	int k;

	for (k = 0; k < LIVE_SLOTS && (it = queue_next(&l->m->queue)) && (s = free_slot(l)); k++) {
		int id = it->id;

		migreq_defaults(&r);
		snprintf(r.vm, sizeof(r.vm), "%s", it->vm);
		snprintf(r.from, sizeof(r.from), "%s", it->from);
		snprintf(r.to, sizeof(r.to), "%s", it->to);
		snprintf(r.method, sizeof(r.method), "%s", it->method);
		r.ranks = (unsigned)it->ranks;
		r.max_iters = (unsigned)it->max_iters;
		r.verify = it->verify;
		/* Not started (no start record, which would have made it
		 * run): it fails, with why. */
		if ((units_parse_rate(it->bandwidth, &r.bandwidth_bps, why, sizeof(why)) ||
		     migreq_check(&r, why, sizeof(why)) ||
		     slot_launch(l, s, &r, id, why, sizeof(why))) &&
		    queue_item(&l->m->queue, id)->state == QUEUE_QUEUED)
			emit(l, "queue", json_pack("{s:s, s:i, s:s}", "event", "fail", "item", id,
						   "error", why));
	}
}

void live_follow_clients(struct live *l, const char *path)
{
	if (!l->clients)
		l->clients = malloc(sizeof(*l->clients));
	if (!l->clients) {
		model_log(l->m, "web clients: out of memory, not followed");
		return;
	}
	jsonl_tail_init(l->clients, path);
	if (strlen(path) >= sizeof(l->clients->path))
		model_log(l->m, "web clients: the path is too long, not followed");
}

/* The web clients' file, if followed: its new records as client records
 * (any other line, a webclient-request among them, is not copied). A
 * file replaced (another inode) or cut shorter than what was read (a
 * client started again with the same --out) is followed from its start. */
static void clients_tick(struct live *l)
{
	struct jsonl_tail *t = l->clients;
	json_t *rec;
	struct stat st;

	if (!t)
		return;
	if (t->f && (stat(t->path, &st) || st.st_ino != l->clients_ino ||
		     st.st_size < ftello(t->f))) {
		jsonl_tail_close(t);
		t->len = 0;
	}
	if (!t->f && !stat(t->path, &st))
		l->clients_ino = st.st_ino;
	while ((rec = jsonl_tail_next(t))) {
		const char *type = json_string_value(json_object_get(rec, "type"));
		const char *event = !type ? NULL : !strcmp(type, "webclient-second") ? "second" :
				    !strcmp(type, "webclient-summary") ? "summary" : NULL;

		if (event)
			emit(l, "client", json_pack("{s:s, s:O}", "event", event, "client", rec));
		json_decref(rec);
	}
	if (t->bad > l->clients_bad) {
		model_log(l->m, "web clients: %lu unreadable lines in %s skipped",
			  t->bad - l->clients_bad, t->path);
		l->clients_bad = t->bad;
	}
}

void live_tick(struct live *l)
{
	json_t *recs = json_array(), *r, *ev;
	uint64_t now = time_mono_ns();
	size_t i;
	int status, k;

	if (now >= l->host_due) {
		host_probe_poll(&l->host, recs);
		l->host_due = now + HOST_PROBE_NS;
	}
	vm_probe_poll(l->vms, recs);
	json_array_foreach(recs, i, r)
		emit(l, "probe", json_incref(r));
	json_decref(recs);
	if (live_migration_running(l))
		net_tick(l);
	clients_tick(l);
	for (k = 0; k < LIVE_SLOTS; k++) {
		struct slot *s = &l->slots[k];

		if (!s->child)
			continue;
		while ((ev = jsonl_tail_next(&s->tail)))
			engine_event(l, s, ev);
		if (waitpid(s->child, &status, WNOHANG) == s->child)
			slot_reaped(l, s, status);
	}
	queue_pump(l);
}

static pid_t spawn_migrate(const struct slot *s, const struct migreq *r)
{
	/* dsmig migrate, the request, --log FILE --json, NULL */
	const char *argv[MIGREQ_ARGV_MAX + 6];
	char self[PATH_MAX];
	struct migreq_argv req;
	int k = 0, i;

	if (proc_self_exe(self, sizeof(self)))
		return -1;
	argv[k++] = self;
	argv[k++] = "migrate";
	migreq_to_argv(r, &req);
	for (i = 0; i < req.argc; i++)
		argv[k++] = req.argv[i];
	argv[k++] = "--log";
	argv[k++] = s->telemetry;
	argv[k++] = "--json";
	argv[k] = NULL;

	/* Own process group: the terminal's Ctrl-C is the console's, not its. */
	return proc_spawn(argv, s->result, s->errors, 1);
}

/* What the console predicts the migration r will cost, from the VM's
 * latest footprint (src/ui/predict.h), into its start record; nothing if
 * it cannot be predicted (the card then says n/a). */
static void add_prediction(struct live *l, const struct migreq *r, json_t *start)
{
	const struct vm_view *v = model_vm(l->m, r->from, r->vm, 0);
	struct estimate_before_out o;

	if (!v || !v->has_fp || predict_migration(&v->fp, r, &o, NULL, 0))
		return;
	json_object_update_new(start, json_pack("{s:f, s:f, s:I}", "predicted_total_s", o.total_s,
						"predicted_downtime_s", o.downtime_s,
						"predicted_bytes", (json_int_t)o.bytes));
}

/* The wire probe on ssh host src (`dsmig wire` there, net_ssh.c), on the
 * network its migration takes (hosts_mpi_net()). 0, or -1 with the
 * reason in l->net_note. */
static int net_watch_ssh(struct live *l, const struct host *src)
{
	char self[PATH_MAX], ctl[PATH_MAX], net[64];

	if (proc_self_exe(self, sizeof(self)))
		return errbuf_set(l->net_note, sizeof(l->net_note), "cannot find this program");
	if (hosts_mpi_net(src, net, sizeof(net), l->net_note, sizeof(l->net_note)))
		return -1;
	if (vm_probe_ssh_ctl(src, ctl, sizeof(ctl)))
		return errbuf_set(l->net_note, sizeof(l->net_note), "runtime directory path too long");
	snprintf(l->net_iface, sizeof(l->net_iface), "%s", net);
	snprintf(l->net_host, sizeof(l->net_host), "%s", src->name);
	return net_probe_open_ssh(&l->net, src, ctl, self, net, l->net_note,
				  sizeof(l->net_note)) ? -1 : 0;
}

/* Open the network probe for a migration: on the source host over ssh
 * between ssh hosts, on the source's interface in its namespace when both
 * ends are lab hosts (that is where `dsmig migrate` puts the ranks), else
 * on loopback. Returns why the wire is not measured ("n/a: ..."), for the
 * start record, or NULL. */
static const char *net_watch(struct live *l, const struct migreq *r, char *na, size_t len)
{
	const struct host *src = hosts_find(&l->hosts, r->from);
	const struct host *dst = hosts_find(&l->hosts, r->to);
	int lab = hosts_in_lab(src) && hosts_in_lab(dst);

	l->net = NULL;
	l->net_netns[0] = l->net_host[0] = '\0';
	if (hosts_is_ssh(src)) {
		if (!net_watch_ssh(l, src))
			return NULL;
		model_log(l->m, "network probe on %s: %s", src->name, l->net_note);
		snprintf(na, len, "n/a: no wire probe on %s: %s", src->name, l->net_note);
		return na;
	}
	snprintf(l->net_iface, sizeof(l->net_iface), "%s", lab ? LAB_IFACE : NET_IFACE_LOCAL);
	snprintf(l->net_netns, sizeof(l->net_netns), "%s", lab ? src->netns : "");
	if (net_probe_open_netns(&l->net, lab ? src->netns : NULL, l->net_iface,
				 MIGRATE_PORT_FILTER, l->net_note, sizeof(l->net_note))) {
		l->net = NULL;
		model_log(l->m, "network probe: %s", l->net_note);
	}
	return NULL;
}

/* Launch r in the free slot s as migration number l->mig_id + 1, for
 * queue item item (0: none). Returns 0, or -1 with the reason in why:
 * nothing was recorded if its files could not be made; if the child
 * could not be started, its start and exit records say so. */
static int slot_launch(struct live *l, struct slot *s, const struct migreq *r, int item,
		       char *why, size_t len)
{
	char tmpl[] = "/tmp/dsmig-console.XXXXXX", na_buf[160];
	const char *na = NULL;
	json_t *start;

	if (!mkdtemp(tmpl))
		return errbuf_set(why, len, "cannot make a directory for it: %s", strerror(errno));
	snprintf(s->tmpdir, sizeof(s->tmpdir), "%s", tmpl);
	snprintf(s->telemetry, sizeof(s->telemetry), "%s/telemetry.jsonl", tmpl);
	snprintf(s->result, sizeof(s->result), "%s/result.json", tmpl);
	snprintf(s->errors, sizeof(s->errors), "%s/errors.txt", tmpl);
	jsonl_tail_init(&s->tail, s->telemetry);
	s->mig_id = ++l->mig_id;
	s->item = item;
	snprintf(s->vm, sizeof(s->vm), "%s", r->vm);
	snprintf(s->method, sizeof(s->method), "%s", r->method);
	units_format_rate(r->bandwidth_bps, s->bw, sizeof(s->bw));
	start = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b}",
			  "mig", s->mig_id, "event", "start", "vm", r->vm,
			  "from", r->from, "to", r->to, "method", r->method,
			  "bandwidth", s->bw, "ranks", (int)r->ranks,
			  "max_iters", (int)r->max_iters, "verify", r->verify);
	if (start && item)
		json_object_set_new(start, "item", json_integer(item));
	if (start)
		add_prediction(l, r, start);
	if (!l->net_window) {
		l->net_window = 1;
		rate_meter_init(&l->rate, NET_BIN_NS);
		l->net_noted = l->net_failed = 0;
		l->net_last_ns = 0;
		na = net_watch(l, r, na_buf, sizeof(na_buf));
	}
	if (start && na)
		json_object_set_new(start, "wire_na", json_string(na));
	emit(l, "migration", start);
	{
		/* The previous run of this VM, method and cap, from an
		 * earlier session, as the engine wrote it: the model reads it. */
		char path[PATH_MAX];
		json_t *prev;

		last_run_path(l, r->vm, r->method, s->bw, path, sizeof(path));
		prev = l->m->has_prev ? NULL : json_load_file(path, 0, NULL);
		if (json_is_object(prev))
			emit(l, "migration", json_pack("{s:i, s:s, s:O}", "mig", s->mig_id,
						       "event", "previous", "summary", prev));
		json_decref(prev);
	}
	s->child = spawn_migrate(s, r);
	if (s->child < 0) {
		s->child = 0;
		emit(l, "migration", json_pack("{s:i, s:s, s:i, s:s}", "mig", s->mig_id,
					       "event", "exit", "status", 1, "error",
					       "cannot start dsmig migrate"));
		return errbuf_set(why, len, "cannot start dsmig migrate");
	}
	return 0;
}

int live_migrate(struct live *l, const struct migreq *r)
{
	struct slot *s = free_slot(l);
	int before = l->mig_id;
	char why[200];

	if (!s)
		return -EBUSY;
	if (slot_launch(l, s, r, 0, why, sizeof(why))) {
		if (l->mig_id == before)    /* nothing recorded it */
			model_log(l->m, "cannot launch: %s", why);
		return -1;
	}
	return 0;
}

/* The slot running migration mig, or NULL. */
static struct slot *slot_of(struct live *l, int mig)
{
	int i;

	for (i = 0; mig > 0 && i < LIVE_SLOTS; i++)
		if (l->slots[i].child && l->slots[i].mig_id == mig)
			return &l->slots[i];
	return NULL;
}

int live_cancel(struct live *l)
{
	struct slot *s = slot_of(l, l->m->mig.id);

	if (!s)
		return -1;
	if (s->item)
		return live_queue_cancel(l, s->item, NULL, 0);
	live_operator(l, "cancel", NULL);
	kill(s->child, SIGTERM);
	return 0;
}

int live_migration_running(const struct live *l)
{
	int i, n = 0;

	for (i = 0; i < LIVE_SLOTS; i++)
		n += l->slots[i].child != 0;
	return n;
}

int live_queue(struct live *l, const struct migreq *r, char *why, size_t len)
{
	struct queue *q = &l->m->queue;
	char bw[UNITS_RATE_TEXT];
	int id = q->n + 1;

	if (q->n == QUEUE_MAX_ITEMS)
		return errbuf_set(why, len, "the queue is full (%d items)", QUEUE_MAX_ITEMS);
	units_format_rate(r->bandwidth_bps, bw, sizeof(bw));
	emit(l, "queue", json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b}",
				   "event", "add", "item", id, "vm", r->vm, "from", r->from,
				   "to", r->to, "method", r->method, "bandwidth", bw,
				   "ranks", (int)r->ranks, "max_iters", (int)r->max_iters,
				   "verify", r->verify));
	if (q->n != id)
		return errbuf_set(why, len, "the queue did not take it (see the event log)");
	return 0;
}

void live_queue_parallel(struct live *l, int n)
{
	emit(l, "queue", json_pack("{s:s, s:i}", "event", "parallel", "parallel", n));
}

int live_queue_cancel(struct live *l, int item, char *why, size_t len)
{
	const struct queue_item *it = queue_item(&l->m->queue, item);
	struct slot *s;

	if (!it)
		return errbuf_set(why, len, "no queue item %d", item);
	if (it->state != QUEUE_QUEUED && it->state != QUEUE_RUNNING)
		return errbuf_set(why, len, "item %d (%s) is %s already", item, it->vm,
				  queue_state_name(it->state));
	s = it->state == QUEUE_RUNNING ? slot_of(l, it->mig) : NULL;
	emit(l, "queue", json_pack("{s:s, s:i}", "event", "cancel", "item", item));
	if (s)
		kill(s->child, SIGTERM);
	return 0;
}

void live_operator(struct live *l, const char *action, json_t *args)
{
	emit(l, "operator", json_pack("{s:s, s:o?}", "action", action, "args", args));
}

void live_record(struct live *l, const char *src, json_t *rec)
{
	emit(l, src, rec);
}

int live_vm_migrating(const struct live *l, const char *vm)
{
	int i;

	for (i = 0; i < LIVE_SLOTS; i++)
		if (l->slots[i].child && !strcmp(l->slots[i].vm, vm))
			return 1;
	return 0;
}

void live_close(struct live *l)
{
	int status, i;

	if (!l)
		return;
	/* What the queue had not finished is cancelled, for the record (its
	 * running items' children are sent SIGTERM there). */
	for (i = 1; i <= l->m->queue.n; i++)
		live_queue_cancel(l, i, NULL, 0);
	for (i = 0; i < LIVE_SLOTS; i++) {
		struct slot *s = &l->slots[i];

		if (!s->child)
			continue;
		if (!s->item)
			kill(s->child, SIGTERM);
		waitpid(s->child, &status, 0);
		slot_reaped(l, s, status);
	}
	clients_tick(l);
	if (l->clients)
		jsonl_tail_close(l->clients);
	free(l->clients);
	emit(l, "session", json_pack("{s:s}", "event", "close"));
	vm_probe_close(l->vms);
	free(l);
}

/*
 * `dsmig report FILE [--out DIR] [--no-png]`: summarise a console session
 * log (docs/telemetry.md, "Console session logs") and plot each migration
 * in it.
 *
 * The log is read once, line by line, forgivingly: a line that is not a
 * JSON object with v = 1, an integer t and a string src is counted and
 * skipped (the first one is named on stderr), so a truncated or damaged
 * file still reports what it holds; unknown src values and fields are
 * ignored. Engine events are kept per migration; the probes' vm and net
 * records are kept compactly for the whole session and matched to a
 * migration by VM, host and time when plotting.
 *
 * For each migration it prints the engine's figures and writes three PNGs
 * with gnuplot (a child process reading a script on stdin, data files in
 * a temporary directory removed afterwards), over normalised time as the
 * paper's Figures 5-12 (0 = pre-copy starts, 1 = the source is released),
 * the downtime window (the stop-and-copy event to the resumed event)
 * shaded: <stem>-mig<N>-vcpu.png (the VM's vCPU utilisation on both
 * hosts), -net.png (throughput against the cap) and -dirty.png (pages per
 * round).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/log.h"

/* Plotted normalised-time range: a fifth of the migration either side. */
#define REPORT_X_MIN -0.2
#define REPORT_X_MAX 1.2

/* A probe "vm" record, reduced to what the plots need. */
struct vm_point {
	int64_t t;
	double pct;              /* mean over the VM's vCPUs, percent */
	size_t host, vm;         /* indexes into report.names */
};

struct net_point {
	int64_t t;
	double bps;
};

/* One migration: its console records and the engine's events. */
struct mig {
	json_int_t id;
	json_t *start, *exit;    /* src "migration" records */
	json_t *estart;          /* engine "start" */
	json_t *summary;         /* engine "summary" */
	json_t *phases;          /* phase name -> first event of that phase */
	json_t *iterations;      /* engine "iteration" events, in order */
	json_t *samples;         /* engine "sample" events, in order */
};

struct report {
	const char *path;
	size_t lines, records, bad;
	size_t first_bad;        /* line number; 0: none */
	json_t *hosts;           /* the session's hosts: [{name, runtime}] */
	double cap_bps;          /* the session's cap; -1 unknown */
	struct mig *migs;
	size_t nmigs;
	struct vm_point *vmp;
	size_t nvmp, capvmp;
	struct net_point *net;
	size_t nnet, capnet;
	char net_method[16];     /* of the first net record */
	char **names;            /* interned host and VM names */
	size_t nnames;
};

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig report FILE [--out DIR] [--no-png]\n"
		"Summarise a console session log (docs/telemetry.md) and plot each\n"
		"migration in it: FILE's directory (or DIR) gets <stem>-mig<N>-vcpu.png,\n"
		"-net.png and -dirty.png, drawn by gnuplot (--no-png: text only).\n"
		"Lines that are not valid records are skipped and counted.\n"
		"Exit status: 0 ok; 1 FILE unreadable, without any valid record, or\n"
		"the plots could not be written; 2 usage.\n");
}

/* ---- reading the log ---------------------------------------------------- */

/* Grow *arr (of *cap elements of size sz) to hold n + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap = *cap ? *cap * 2 : 256;
	void *p;

	if (n < *cap)
		return 0;
	p = reallocarray(*arr, ncap, sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* The index of name in r->names; (size_t)-1 if it is not there. */
static size_t report_find_name(const struct report *r, const char *name)
{
	size_t i;

	for (i = 0; name && i < r->nnames; i++)
		if (!strcmp(r->names[i], name))
			return i;
	return (size_t)-1;
}

/* The index of name in r->names, adding it if new; (size_t)-1 if out of
 * memory. Sessions have a handful of hosts and VMs: a list will do. */
static size_t report_intern(struct report *r, const char *name)
{
	size_t i = report_find_name(r, name);
	char **p, *s;

	if (i != (size_t)-1)
		return i;
	p = reallocarray(r->names, r->nnames + 1, sizeof(*p));
	if (!p)
		return (size_t)-1;
	r->names = p;
	s = strdup(name);
	if (!s)
		return (size_t)-1;
	r->names[r->nnames] = s;
	return r->nnames++;
}

static struct mig *report_mig(struct report *r, json_t *id)
{
	struct mig *p, *m;
	size_t i;

	if (!json_is_integer(id))
		return NULL;
	for (i = 0; i < r->nmigs; i++)
		if (r->migs[i].id == json_integer_value(id))
			return &r->migs[i];
	p = reallocarray(r->migs, r->nmigs + 1, sizeof(*p));
	if (!p)
		return NULL;
	r->migs = p;
	m = &r->migs[r->nmigs++];
	*m = (struct mig){ .id = json_integer_value(id), .phases = json_object(),
			   .iterations = json_array(), .samples = json_array() };
	return m;
}

/* Keep the first record for a slot (a repeated start or exit is ignored). */
static void keep_first(json_t **slot, json_t *rec)
{
	if (!*slot)
		*slot = json_incref(rec);
}

static void report_engine(struct mig *m, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *phase;

	if (!type)
		return;
	if (!strcmp(type, "start")) {
		keep_first(&m->estart, ev);
	} else if (!strcmp(type, "summary")) {
		keep_first(&m->summary, ev);
	} else if (!strcmp(type, "phase")) {
		phase = json_string_value(json_object_get(ev, "phase"));
		if (phase && !json_object_get(m->phases, phase))
			json_object_set(m->phases, phase, ev);
	} else if (!strcmp(type, "iteration")) {
		json_array_append(m->iterations, ev);
	} else if (!strcmp(type, "sample")) {
		json_array_append(m->samples, ev);
	}
}

static int report_probe(struct report *r, json_t *rec, int64_t t)
{
	const char *probe = json_string_value(json_object_get(rec, "probe"));
	const char *host, *vm, *method;
	json_t *pct, *v;
	double sum = 0;
	size_t i, n = 0;

	if (!probe)
		return 0;
	if (!strcmp(probe, "vm")) {
		host = json_string_value(json_object_get(rec, "host"));
		vm = json_string_value(json_object_get(rec, "vm"));
		pct = json_object_get(rec, "vcpu_pct");
		if (!host || !vm || !json_is_array(pct))
			return 0;      /* e.g. a VM that is gone */
		json_array_foreach(pct, i, v) {
			if (json_is_number(v)) {
				sum += json_number_value(v);
				n++;
			}
		}
		if (!n)
			return 0;
		if (grow((void **)&r->vmp, &r->capvmp, r->nvmp, sizeof(*r->vmp)))
			return -ENOMEM;
		r->vmp[r->nvmp] = (struct vm_point){ t, sum / (double)n,
			report_intern(r, host), report_intern(r, vm) };
		if (r->vmp[r->nvmp].host == (size_t)-1 || r->vmp[r->nvmp].vm == (size_t)-1)
			return -ENOMEM;
		r->nvmp++;
	} else if (!strcmp(probe, "net")) {
		v = json_object_get(rec, "bps");
		if (!json_is_number(v))
			return 0;
		if (grow((void **)&r->net, &r->capnet, r->nnet, sizeof(*r->net)))
			return -ENOMEM;
		r->net[r->nnet++] = (struct net_point){ t, json_number_value(v) };
		method = json_string_value(json_object_get(rec, "method"));
		if (method && !r->net_method[0])
			snprintf(r->net_method, sizeof(r->net_method), "%s", method);
	}
	return 0;
}

/* One valid record. Returns 0 or -ENOMEM. */
static int report_record(struct report *r, json_t *rec, const char *src, int64_t t)
{
	const char *event = json_string_value(json_object_get(rec, "event"));
	struct mig *m;
	json_t *ev;

	if (!strcmp(src, "session")) {
		if (event && !strcmp(event, "open")) {
			if (!r->hosts && json_is_array(json_object_get(rec, "hosts")))
				r->hosts = json_incref(json_object_get(rec, "hosts"));
			if (json_is_number(json_object_get(rec, "cap_bps")))
				r->cap_bps = json_number_value(json_object_get(rec, "cap_bps"));
		}
		return 0;
	}
	if (!strcmp(src, "probe"))
		return report_probe(r, rec, t);
	if (strcmp(src, "migration") && strcmp(src, "engine"))
		return 0;
	if (!json_object_get(rec, "mig"))
		return 0;
	m = report_mig(r, json_object_get(rec, "mig"));
	if (!m)
		return json_is_integer(json_object_get(rec, "mig")) ? -ENOMEM : 0;
	if (!strcmp(src, "engine")) {
		ev = json_object_get(rec, "ev");
		if (json_is_object(ev))
			report_engine(m, ev);
	} else if (event && !strcmp(event, "start")) {
		keep_first(&m->start, rec);
	} else if (event && !strcmp(event, "exit")) {
		keep_first(&m->exit, rec);
	}
	return 0;
}

/* Read the whole log. Returns 0, or -errno if it cannot be read. */
static int report_read(struct report *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *rec, *v, *t, *src;
	FILE *f;
	int rc = 0;

	f = fopen(r->path, "re");
	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		r->lines++;
		rec = json_loadb(line, (size_t)n, 0, NULL);
		v = json_object_get(rec, "v");
		t = json_object_get(rec, "t");
		src = json_object_get(rec, "src");
		if (!json_is_object(rec) || !json_is_integer(v) ||
		    json_integer_value(v) != 1 || !json_is_integer(t) ||
		    !json_is_string(src)) {
			r->bad++;
			if (!r->first_bad)
				r->first_bad = r->lines;
		} else {
			r->records++;
			rc = report_record(r, rec, json_string_value(src),
					   json_integer_value(t));
		}
		json_decref(rec);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = -EIO;
	free(line);
	fclose(f);
	return rc;
}

static void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nmigs; i++) {
		json_decref(r->migs[i].start);
		json_decref(r->migs[i].exit);
		json_decref(r->migs[i].estart);
		json_decref(r->migs[i].summary);
		json_decref(r->migs[i].phases);
		json_decref(r->migs[i].iterations);
		json_decref(r->migs[i].samples);
	}
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->migs);
	free(r->vmp);
	free(r->net);
	json_decref(r->hosts);
}

/* ---- what a migration was -------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static int64_t event_t(json_t *ev)
{
	return ev ? (int64_t)json_integer_value(json_object_get(ev, "t")) : 0;
}

static int64_t phase_t(const struct mig *m, const char *phase)
{
	return event_t(json_object_get(m->phases, phase));
}

/* A host's name: the migration record's, else the session's name for the
 * engine's runtime directory, else the directory itself. */
static const char *mig_host(const struct report *r, const struct mig *m, int dest)
{
	const char *name = jstr(m->start, dest ? "to" : "from");
	const char *dir = jstr(m->estart, dest ? "dst" : "src");
	json_t *h;
	size_t i;

	if (name)
		return name;
	json_array_foreach(r->hosts, i, h) {
		if (dir && jstr(h, "runtime") && !strcmp(jstr(h, "runtime"), dir) &&
		    jstr(h, "name"))
			return jstr(h, "name");
	}
	return dir ? dir : "?";
}

static const char *mig_vm(const struct mig *m)
{
	return jstr(m->start, "vm") ?: jstr(m->estart, "vm") ?: "?";
}

/* "12M", "1.5G", "0" or a number: bit/s; -1 if none. */
static double parse_bandwidth(json_t *v)
{
	const char *s = json_string_value(v);
	char *end;
	double x;

	if (json_is_number(v))
		return json_number_value(v);
	if (!s)
		return -1;
	x = strtod(s, &end);
	if (end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': return x * 1e3;
	case 'm': case 'M': return x * 1e6;
	case 'g': case 'G': return x * 1e9;
	default: return x;
	}
}

/* The migration's cap in bit/s (0 = none, -1 = unknown). */
static double mig_cap(const struct report *r, const struct mig *m)
{
	double cap = parse_bandwidth(json_object_get(m->start, "bandwidth"));

	if (cap < 0 && json_is_number(json_object_get(m->estart, "bandwidth_bps")))
		cap = jnum(m->estart, "bandwidth_bps");
	return cap < 0 ? r->cap_bps : cap;
}

/* Migration start and end (ns), for normalised time; 0 if unknown. */
static void mig_span(const struct mig *m, int64_t *t0, int64_t *t1)
{
	size_t n = json_array_size(m->samples);

	*t0 = phase_t(m, "precopy") ?: event_t(m->estart) ?: event_t(m->start);
	*t1 = phase_t(m, "done") ?: phase_t(m, "failed") ?: event_t(m->exit);
	if (!*t1 && n)
		*t1 = event_t(json_array_get(m->samples, n - 1));
	if (*t1 <= *t0)
		*t0 = *t1 = 0;
}

static const char *mig_status(const struct mig *m, char *buf, size_t len)
{
	json_t *st = json_object_get(m->exit, "status");
	json_t *failed = json_object_get(m->phases, "failed");

	if (json_is_integer(st)) {
		switch (json_integer_value(st)) {
		case CLI_OK:
			return "moved (exit 0)";
		case CLI_FAILED:
			return "failed, the source runs (exit 1)";
		case CLI_USAGE:
			return "not started: usage error (exit 2)";
		case CLI_AFTER_SWITCH:
			return "moved, metrics incomplete (exit 3)";
		default:
			snprintf(buf, len, "exit %lld", (long long)json_integer_value(st));
			return buf;
		}
	}
	if (m->summary)
		return "moved (no exit record)";
	if (failed) {
		snprintf(buf, len, "failed (%s), no exit record",
			 json_is_true(json_object_get(failed, "source_running")) ?
			 "the source runs" : "source state unknown");
		return buf;
	}
	return "unfinished: the log ends during the migration";
}

static void print_bw(const char *label, double bps)
{
	if (bps < 0)
		printf("%s unknown", label);
	else if (bps == 0)
		printf("%s none", label);
	else
		printf("%s %.3g Mbit/s", label, bps / 1e6);
}

static void report_print(const struct report *r, const struct mig *m)
{
	json_t *s = m->summary, *failed = json_object_get(m->phases, "failed");
	json_t *it, *b;
	const char *err;
	char buf[128];
	size_t i;
	int hot = 0;

	printf("Migration %lld: %s  %s -> %s  %s", (long long)m->id, mig_vm(m),
	       mig_host(r, m, 0), mig_host(r, m, 1),
	       jstr(m->start, "method") ?: jstr(m->estart, "method") ?: "?");
	if (json_is_integer(json_object_get(m->estart, "ranks")))
		printf(", %lld ranks", (long long)json_integer_value(json_object_get(m->estart, "ranks")));
	print_bw(",", mig_cap(r, m));
	printf(" cap\n");
	printf("  status             %s\n", mig_status(m, buf, sizeof(buf)));
	err = jstr(failed, "error") ?: jstr(m->exit, "error");
	if (err)
		printf("  error              %s\n", err);
	if (s) {
		b = json_object_get(s, "bytes");
		printf("  total time         %.1f ms\n", jnum(s, "total_time_ns") / 1e6);
		printf("  downtime           %.1f ms (the guest saw %.1f ms)\n",
		       jnum(s, "downtime_ns") / 1e6, jnum(s, "guest_downtime_ns") / 1e6);
		printf("  bytes total        %lld (%.2f MiB: rounds %lld, state %lld, verify %lld, control %lld, post-copy %lld)\n",
		       (long long)json_integer_value(json_object_get(s, "bytes_total")),
		       jnum(s, "bytes_total") / 1048576.0,
		       (long long)json_integer_value(json_object_get(b, "rounds")),
		       (long long)json_integer_value(json_object_get(b, "state")),
		       (long long)json_integer_value(json_object_get(b, "verify")),
		       (long long)json_integer_value(json_object_get(b, "control")),
		       (long long)json_integer_value(json_object_get(b, "postcopy")));
		printf("  iterations         %lld (stopped: %s)\n",
		       (long long)json_integer_value(json_object_get(s, "iterations")),
		       jstr(s, "stop_reason") ?: "?");
		b = json_object_get(s, "progress_rate");
		printf("  progress rate      before %.1f/s, during %.1f/s, after %.1f/s (slowdown %.1f%%)\n",
		       jnum(b, "before"), jnum(b, "during"), jnum(b, "after"),
		       jnum(s, "slowdown_pct"));
		printf("  verify             %s\n", jstr(s, "verify") ?: "?");
	} else {
		printf("  (no engine summary: the migration did not complete)\n");
	}
	if (!json_array_size(m->iterations))
		return;
	json_array_foreach(m->iterations, i, it)
		hot |= json_object_get(it, "hot_deferred") != NULL;
	printf("  round kind        pages%s        bytes      time\n",
	       hot ? "    hot-deferred" : "");
	json_array_foreach(m->iterations, i, it) {
		printf("  %5lld %-8s %8lld",
		       (long long)json_integer_value(json_object_get(it, "round")),
		       jstr(it, "kind") ?: "?",
		       (long long)json_integer_value(json_object_get(it, "pages_in_set")));
		if (hot)
			printf(" %15lld", (long long)json_integer_value(json_object_get(it, "hot_deferred")));
		printf(" %12lld %7.1fms\n",
		       (long long)json_integer_value(json_object_get(it, "bytes")),
		       jnum(it, "duration_ns") / 1e6);
	}
}

/* ---- plots ----------------------------------------------------------------- */

/* The data files of one migration's plots, in a temporary directory. */
enum plot_data {
	DAT_VCPU_SRC_PROBE, DAT_VCPU_SRC_ENGINE, DAT_VCPU_DST_PROBE,
	DAT_NET, DAT_DIRTY, DAT_COUNT
};

static const char *const dat_names[DAT_COUNT] = {
	[DAT_VCPU_SRC_PROBE] = "vcpu-src-probe.dat",
	[DAT_VCPU_SRC_ENGINE] = "vcpu-src-engine.dat",
	[DAT_VCPU_DST_PROBE] = "vcpu-dst-probe.dat",
	[DAT_NET] = "net.dat",
	[DAT_DIRTY] = "dirty.dat",
};

struct plot {
	char tmp[PATH_MAX - 64];     /* the temporary directory */
	char dat[DAT_COUNT][PATH_MAX];
	size_t points[DAT_COUNT];
	int64_t t0, t1;              /* migration start and end */
	double pause, resume;        /* normalised; valid if has_downtime */
	int has_downtime, net_from_probe, has_hot;
	double cap_bps;
	long long max_pages, min_pages;
};

static double plot_x(const struct plot *p, int64_t t)
{
	return (double)(t - p->t0) / (double)(p->t1 - p->t0);
}

static int plot_in_range(const struct plot *p, int64_t t)
{
	double x = plot_x(p, t);

	return x >= REPORT_X_MIN && x <= REPORT_X_MAX;
}

/* Write the data files. Returns 0 or -errno. */
static int plot_write_data(const struct report *r, const struct mig *m,
			   struct plot *p)
{
	FILE *f[DAT_COUNT] = { NULL };
	size_t i, vm = report_find_name(r, mig_vm(m));
	size_t src = report_find_name(r, mig_host(r, m, 0));
	size_t dst = report_find_name(r, mig_host(r, m, 1));
	json_t *ev;
	long long pages, hot;
	int rc = 0, k;

	for (k = 0; k < DAT_COUNT; k++) {
		snprintf(p->dat[k], sizeof(p->dat[k]), "%s/%s", p->tmp, dat_names[k]);
		f[k] = fopen(p->dat[k], "we");
		if (!f[k]) {
			rc = -errno;
			goto out;
		}
	}
	for (i = 0; i < r->nvmp; i++) {
		const struct vm_point *v = &r->vmp[i];

		if (v->vm != vm || !plot_in_range(p, v->t))
			continue;
		k = v->host == src ? DAT_VCPU_SRC_PROBE :
		    v->host == dst ? DAT_VCPU_DST_PROBE : -1;
		if (k < 0)
			continue;
		fprintf(f[k], "%.6f %.3f\n", plot_x(p, v->t), v->pct);
		p->points[k]++;
	}
	json_array_foreach(m->samples, i, ev) {
		if (!plot_in_range(p, event_t(ev)))
			continue;
		fprintf(f[DAT_VCPU_SRC_ENGINE], "%.6f %.3f\n", plot_x(p, event_t(ev)),
			jnum(ev, "vcpu_pct"));
		p->points[DAT_VCPU_SRC_ENGINE]++;
	}
	/* Throughput: the network probe if it ran during this migration,
	 * else the engine's own send rate. */
	for (i = 0; i < r->nnet; i++) {
		if (!plot_in_range(p, r->net[i].t))
			continue;
		fprintf(f[DAT_NET], "%.6f %.4f\n", plot_x(p, r->net[i].t),
			r->net[i].bps / 1e6);
		p->points[DAT_NET]++;
	}
	p->net_from_probe = p->points[DAT_NET] > 0;
	if (!p->net_from_probe) {
		json_array_foreach(m->samples, i, ev) {
			if (!plot_in_range(p, event_t(ev)))
				continue;
			fprintf(f[DAT_NET], "%.6f %.4f\n", plot_x(p, event_t(ev)),
				jnum(ev, "rate_bps") / 1e6);
			p->points[DAT_NET]++;
		}
	}
	p->min_pages = -1;
	json_array_foreach(m->iterations, i, ev) {
		pages = json_integer_value(json_object_get(ev, "pages_in_set"));
		hot = json_integer_value(json_object_get(ev, "hot_deferred"));
		p->has_hot |= hot > 0;
		if (pages + hot > p->max_pages)
			p->max_pages = pages + hot;
		if (pages > 0 && (p->min_pages < 0 || pages < p->min_pages))
			p->min_pages = pages;
		fprintf(f[DAT_DIRTY], "\"%lld%s\" %lld %lld\n",
			(long long)json_integer_value(json_object_get(ev, "round")),
			!strcmp(jstr(ev, "kind") ?: "", "final") ? " (final)" : "",
			pages, hot);
		p->points[DAT_DIRTY]++;
	}
out:
	for (k = 0; k < DAT_COUNT; k++)
		if (f[k] && fclose(f[k]) && !rc)
			rc = -EIO;
	return rc;
}

/* A path as a gnuplot single-quoted string ('' stands for '). */
static void gp_path(FILE *gp, const char *path)
{
	fputc('\'', gp);
	for (; *path; path++) {
		if (*path == '\'')
			fputc('\'', gp);
		fputc(*path, gp);
	}
	fputc('\'', gp);
}

static void gp_output(FILE *gp, const char *out, const char *what)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s-%s.png", out, what);
	fprintf(gp, "set output ");
	gp_path(gp, file);
	fputc('\n', gp);
}

/* Migration start and end as dashed lines, the downtime as a band. */
static void gp_markers(FILE *gp, const struct plot *p)
{
	fprintf(gp,
		"set xrange [%g:%g]\n"
		"set xlabel 'normalised time (0 = migration start, 1 = end)'\n"
		"set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#555555' dt 2\n"
		"set arrow 2 from first 1, graph 0 to first 1, graph 1 nohead lc rgb '#555555' dt 2\n"
		"set label 1 'start' at first 0, graph 1 offset 0.5,-1 left textcolor rgb '#555555'\n"
		"set label 2 'end' at first 1, graph 1 offset 0.5,-1 left textcolor rgb '#555555'\n",
		REPORT_X_MIN, REPORT_X_MAX);
	if (!p->has_downtime)
		return;
	fprintf(gp,
		"set object 1 rect from first %.6f, graph 0 to first %.6f, graph 1 behind fc rgb '#f1948a' fs solid 0.5 noborder\n"
		"set arrow 3 from first %.6f, graph 0 to first %.6f, graph 1 nohead lc rgb '#c0392b'\n"
		"set arrow 4 from first %.6f, graph 0 to first %.6f, graph 1 nohead lc rgb '#c0392b'\n"
		"set label 3 'downtime' at first %.6f, graph 1 offset 0.5,-2.2 left textcolor rgb '#c0392b'\n",
		p->pause, p->resume, p->pause, p->pause, p->resume, p->resume,
		p->resume);
}

static void gp_unmark(FILE *gp)
{
	fprintf(gp, "unset arrow\nunset label\nunset object\n");
}

/* One series of a plot command: `'file' using 1:2 with ... title ...`,
 * after a comma when not the first. */
static void gp_series(FILE *gp, const struct plot *p, int k, int *first,
		      const char *style, const char *title)
{
	if (!p->points[k])
		return;
	fputs(*first ? "plot " : ", ", gp);
	gp_path(gp, p->dat[k]);
	fprintf(gp, " using 1:2 %s title '%s'", style, title);
	*first = 0;
}

/* The title of one of a migration's plots. */
static void gp_title(FILE *gp, const struct report *r, const struct mig *m,
		     const char *what)
{
	fprintf(gp, "set title 'migration %lld: %s, %s -> %s: %s'\n", (long long)m->id,
		mig_vm(m), mig_host(r, m, 0), mig_host(r, m, 1), what);
}

static void gp_script(FILE *gp, const struct report *r, const struct mig *m,
		      const struct plot *p, const char *out)
{
	int first;

	fprintf(gp,
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"  set terminal pngcairo size 960,540 font 'sans,10'\n"
		"} else {\n"
		"  set terminal png size 960,540\n"
		"}\n"
		"set grid\nset key outside top center horizontal\nset border 3\nset tics nomirror\n");

	if (p->points[DAT_VCPU_SRC_PROBE] || p->points[DAT_VCPU_SRC_ENGINE] ||
	    p->points[DAT_VCPU_DST_PROBE]) {
		gp_output(gp, out, "vcpu");
		gp_title(gp, r, m, "vCPU utilisation");
		fprintf(gp, "set ylabel 'vCPU utilisation (%%)'\nset yrange [0:*]\n");
		gp_markers(gp, p);
		first = 1;
		gp_series(gp, p, DAT_VCPU_SRC_PROBE, &first,
			  "with lines lw 2 lc rgb '#2e86c1'", "source (probe)");
		gp_series(gp, p, DAT_VCPU_SRC_ENGINE, &first,
			  "with points pt 7 ps 0.6 lc rgb '#1b4f72'", "source (engine)");
		gp_series(gp, p, DAT_VCPU_DST_PROBE, &first,
			  "with lines lw 2 lc rgb '#28b463'", "destination (probe)");
		fputc('\n', gp);
		gp_unmark(gp);
	}
	if (p->points[DAT_NET]) {
		gp_output(gp, out, "net");
		gp_title(gp, r, m, "network throughput");
		fprintf(gp, "set ylabel 'Mbit/s'\nset yrange [0:*]\n");
		gp_markers(gp, p);
		first = 1;
		gp_series(gp, p, DAT_NET, &first, "with lines lw 2 lc rgb '#8e44ad'",
			  !p->net_from_probe ? "engine send rate (telemetry)" :
			  !strcmp(r->net_method, "procfs") ?
			  "all traffic on the interface (procfs)" : "engine traffic (pcap)");
		if (p->cap_bps > 0)
			fprintf(gp, ", %.6f with lines dt 4 lw 2 lc rgb 'black' title 'cap %.3g Mbit/s'",
				p->cap_bps / 1e6, p->cap_bps / 1e6);
		fputc('\n', gp);
		gp_unmark(gp);
	}
	if (p->points[DAT_DIRTY]) {
		gp_output(gp, out, "dirty");
		gp_title(gp, r, m, "dirty pages per iteration");
		fprintf(gp, "set xlabel 'iteration (round)'\nset ylabel 'pages'\n"
			"set xrange [-0.6:%zu.4]\nset style fill solid 0.85 border -1\nset boxwidth 0.7\n",
			p->points[DAT_DIRTY] - 1);
		/* Round 0 is all of RAM: a log scale keeps later rounds visible. */
		if (p->min_pages > 0 && p->max_pages > 50 * p->min_pages)
			fprintf(gp, "set logscale y\nset yrange [0.8:*]\n");
		else
			fprintf(gp, "set yrange [0:*]\n");
		fputs("plot ", gp);
		if (p->has_hot) {
			gp_path(gp, p->dat[DAT_DIRTY]);
			fprintf(gp, " using 0:($2+$3):xtic(1) with boxes lc rgb '#e67e22' title 'hot, deferred', ");
		}
		gp_path(gp, p->dat[DAT_DIRTY]);
		fprintf(gp, " using 0:2:xtic(1) with boxes lc rgb '#2e86c1' title 'pages in the round''s set', "
			"'' using 0:($2+$3):($3 > 0 ? sprintf('%%d + %%d hot', $2, $3) : sprintf('%%d', $2)) "
			"with labels offset 0,0.7 notitle\n");
	}
}

/* Write one migration's PNGs. Returns 0 or -errno (with a message). */
static int report_plot(const struct report *r, const struct mig *m,
		       const char *outdir, const char *stem)
{
	struct plot p = { .cap_bps = mig_cap(r, m) };
	const char *tmpdir = getenv("TMPDIR") ?: "/tmp";
	int64_t pause = phase_t(m, "stop-and-copy"), resume = phase_t(m, "resumed");
	char out[PATH_MAX];
	FILE *gp = NULL;
	int rc, k, st;

	mig_span(m, &p.t0, &p.t1);
	if (!p.t0) {
		log_warn("migration %lld: no start and end times, no plots", (long long)m->id);
		return 0;
	}
	p.has_downtime = pause && resume >= pause;
	if (p.has_downtime) {
		p.pause = plot_x(&p, pause);
		p.resume = plot_x(&p, resume);
	}
	rc = (size_t)snprintf(p.tmp, sizeof(p.tmp), "%s/dsmig-report.XXXXXX",
			      tmpdir) >= sizeof(p.tmp) ? -ENAMETOOLONG :
	     mkdtemp(p.tmp) ? 0 : -errno;
	if (rc) {
		log_error("cannot make a temporary directory in %s: %s", tmpdir, strerror(-rc));
		return rc;
	}
	rc = plot_write_data(r, m, &p);
	if (rc) {
		log_error("cannot write plot data in %s: %s", p.tmp, strerror(-rc));
		goto out;
	}
	snprintf(out, sizeof(out), "%s/%s-mig%lld", outdir, stem, (long long)m->id);
	gp = popen("gnuplot", "we");
	if (!gp) {
		rc = -errno;
		log_error("cannot run gnuplot: %s", strerror(errno));
		goto out;
	}
	gp_script(gp, r, m, &p, out);
	st = pclose(gp);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		log_error(WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
			  "gnuplot is not installed (apt-get install gnuplot-nox, or use --no-png)" :
			  "gnuplot failed on migration %lld's plots", (long long)m->id);
		rc = -EIO;
		goto out;
	}
	printf("  plots              %s-{", out);
	printf("%s%s%s}.png\n",
	       p.points[DAT_VCPU_SRC_PROBE] || p.points[DAT_VCPU_SRC_ENGINE] ||
	       p.points[DAT_VCPU_DST_PROBE] ? "vcpu," : "",
	       p.points[DAT_NET] ? "net," : "", p.points[DAT_DIRTY] ? "dirty" : "");
out:
	for (k = 0; k < DAT_COUNT; k++)
		if (p.dat[k][0])
			unlink(p.dat[k]);
	rmdir(p.tmp);
	return rc;
}

/* ---- the command ------------------------------------------------------------ */

/* FILE's name without directory and last extension. */
static void file_stem(const char *path, char *stem, size_t len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);

	snprintf(stem, len, "%.*s", (int)n, base);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-png", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .cap_bps = -1 };
	char dirbuf[PATH_MAX], stem[NAME_MAX + 1];
	const char *outdir = NULL;
	int c, rc, status = CLI_OK, png = 1;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'n': png = 0; break;
		case 'h': report_usage(stdout); return CLI_OK;
		default: report_usage(stderr); return CLI_USAGE;
		}
	}
	if (optind != argc - 1) {
		report_usage(stderr);
		return CLI_USAGE;
	}
	r.path = argv[optind];
	rc = report_read(&r);
	if (rc) {
		log_error("cannot read %s: %s", r.path, strerror(-rc));
		status = CLI_FAILED;
		goto out;
	}
	if (r.bad)
		log_warn("%s: skipped %zu bad line%s of %zu (first: line %zu)", r.path,
			 r.bad, r.bad == 1 ? "" : "s", r.lines, r.first_bad);
	if (!r.records) {
		log_error("%s: no valid session records (%zu line%s): not a dsmig session log?",
			  r.path, r.lines, r.lines == 1 ? "" : "s");
		status = CLI_FAILED;
		goto out;
	}
	printf("Session %s: %zu records, %zu migration%s\n", r.path, r.records,
	       r.nmigs, r.nmigs == 1 ? "" : "s");
	if (png) {
		snprintf(dirbuf, sizeof(dirbuf), "%s", r.path);
		if (!outdir)
			outdir = dirname(dirbuf);
		else if (mkdir(outdir, 0777) && errno != EEXIST) {
			log_error("cannot make %s: %s", outdir, strerror(errno));
			status = CLI_FAILED;
			goto out;
		}
		file_stem(r.path, stem, sizeof(stem));
	}
	for (i = 0; i < r.nmigs; i++) {
		printf("\n");
		report_print(&r, &r.migs[i]);
		if (png && report_plot(&r, &r.migs[i], outdir, stem))
			status = CLI_FAILED;
	}
out:
	report_free(&r);
	return status;
}

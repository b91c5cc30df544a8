/*
 * `dsmig report`: reading a session log and what its migrations were.
 *
 * The log is loaded by the common session reader (common/session_log.h),
 * which refuses a log of another version and counts the lines it cannot
 * use; engine events arrive typed (common/telemetry_read.h) and are kept
 * per migration: the start, the summary, the first event of each phase,
 * the rounds and the samples. The probes' vm and net records are kept
 * compactly for the whole session and matched to a migration by VM, host
 * and time when its series are walked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "common/log.h"
#include "common/session_log.h"
#include "common/units.h"

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

/* Migration number id, added if new; NULL if out of memory. */
static struct mig *report_mig(struct report *r, int64_t id)
{
	struct mig *p;
	size_t i;

	for (i = 0; i < r->nmigs; i++)
		if (r->migs[i].id == id)
			return &r->migs[i];
	p = reallocarray(r->migs, r->nmigs + 1, sizeof(*p));
	if (!p)
		return NULL;
	r->migs = p;
	r->migs[r->nmigs] = (struct mig){ .id = id };
	return &r->migs[r->nmigs++];
}

/* A copy of console record v whose strings are safe to print (bounded,
 * no control characters; common/telemetry_read.h): names and errors from
 * these records reach terminals and plot titles. NULL if out of memory. */
static json_t *clean_copy(json_t *v, int depth)
{
	char text[256];
	const char *key;
	json_t *out, *item;
	size_t i;

	if (json_is_string(v)) {
		telemetry_read_text(text, sizeof(text), json_string_value(v));
		return json_string(text);
	}
	if (depth == 0 || (!json_is_object(v) && !json_is_array(v)))
		return json_is_object(v) || json_is_array(v) ? json_null() : json_copy(v);
	out = json_is_object(v) ? json_object() : json_array();
	json_object_foreach(v, key, item)
		if (json_object_set_new(out, key, clean_copy(item, depth - 1)))
			goto fail;
	json_array_foreach(v, i, item)
		if (json_array_append_new(out, clean_copy(item, depth - 1)))
			goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* Keep a clean copy of the first record for a slot (a repeated start or
 * exit is ignored). Returns 0 or -ENOMEM. */
static int keep_first(json_t **slot, json_t *rec)
{
	if (!*slot)
		*slot = clean_copy(rec, 2);
	return *slot ? 0 : -ENOMEM;
}

/* One engine event. Returns 0 or -ENOMEM. */
static int report_engine(struct mig *m, const struct tel_event *ev)
{
	struct tel_round *rounds;

	switch (ev->type) {
	case TEL_START:
		if (!m->has_estart) {
			m->has_estart = 1;
			m->estart = ev->u.start;
			m->estart_t = ev->t;
		}
		break;
	case TEL_SUMMARY:
		if (!m->has_summary) {
			m->has_summary = 1;
			m->summary = ev->u.summary;
		}
		break;
	case TEL_PHASE:
		if (!m->phase_t[ev->u.phase.phase])
			m->phase_t[ev->u.phase.phase] = ev->t;
		if (ev->u.phase.phase == TEL_PHASE_FAILED && !m->has_failed) {
			m->has_failed = 1;
			m->failed = ev->u.phase;
		}
		break;
	case TEL_ROUND:
		rounds = reallocarray(m->rounds, m->nrounds + 1, sizeof(*rounds));
		if (!rounds)
			return -ENOMEM;
		m->rounds = rounds;
		m->rounds[m->nrounds++] = ev->u.round;
		break;
	case TEL_PROGRESS:
		if (grow((void **)&m->samples, &m->capsamples, m->nsamples, sizeof(*m->samples)))
			return -ENOMEM;
		m->samples[m->nsamples++] = (struct mig_sample){ ev->t, ev->u.progress };
		break;
	case TEL_POSTCOPY:
	case TEL_UNKNOWN:
		break;
	}
	return 0;
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

/* One record, decoded as s. Returns 0 or -ENOMEM. */
static int report_record(struct report *r, json_t *rec, const struct session_rec *s)
{
	const char *event = json_string_value(json_object_get(rec, "event"));
	json_t *hosts = json_object_get(rec, "hosts");
	struct mig *m;

	switch (s->src) {
	case SESSION_SRC_SESSION:
		if (event && !strcmp(event, "open")) {
			if (!r->hosts && json_is_array(hosts) && keep_first(&r->hosts, hosts))
				return -ENOMEM;
			if (json_is_number(json_object_get(rec, "cap_bps")))
				r->cap_bps = json_number_value(json_object_get(rec, "cap_bps"));
		}
		return 0;
	case SESSION_SRC_PROBE:
		return report_probe(r, rec, s->t);
	case SESSION_SRC_ENGINE:
	case SESSION_SRC_MIGRATION:
		m = report_mig(r, s->mig);
		if (!m)
			return -ENOMEM;
		if (s->src == SESSION_SRC_ENGINE)
			return report_engine(m, &s->ev);
		if (event && !strcmp(event, "start"))
			return keep_first(&m->start, rec);
		if (event && !strcmp(event, "exit"))
			return keep_first(&m->exit, rec);
		return 0;
	case SESSION_SRC_OPERATOR:
	case SESSION_SRC_UNKNOWN:
		return 0;
	}
	return 0;
}

int report_read(struct report *r, char *why, size_t len)
{
	struct session_log l;
	struct session_rec s;
	size_t i;
	int rc = 0;

	if (session_log_load(&l, r->path, why, len))
		return -1;
	r->records = l.n;
	r->lines = l.lines;
	r->bad = l.bad;
	r->first_bad = l.first_bad;
	r->skipped = l.skipped;
	snprintf(r->first_bad_why, sizeof(r->first_bad_why), "%s", l.first_bad_why);
	for (i = 0; i < l.n && !rc; i++) {
		/* The loader decoded every record it kept: this cannot fail. */
		if (session_log_decode(l.recs[i], &s, why, len))
			continue;
		rc = report_record(r, l.recs[i], &s);
	}
	session_log_free(&l);
	if (rc)
		return errbuf_set(why, len, "%s: out of memory", r->path);
	return 0;
}

void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nmigs; i++) {
		json_decref(r->migs[i].start);
		json_decref(r->migs[i].exit);
		free(r->migs[i].rounds);
		free(r->migs[i].samples);
	}
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->migs);
	free(r->vmp);
	free(r->net);
	json_decref(r->hosts);
}

/* ---- what a migration was ------------------------------------------------ */

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A host's name: the migration record's, else the session's name for the
 * engine's runtime directory, else the directory itself. */
const char *report_mig_host(const struct report *r, const struct mig *m, int dest)
{
	const char *name = jstr(m->start, dest ? "to" : "from");
	const char *dir = m->has_estart ? (dest ? m->estart.dst : m->estart.src) : NULL;
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

const char *report_mig_vm(const struct mig *m)
{
	return jstr(m->start, "vm") ?: (m->has_estart ? m->estart.vm : "?");
}

double report_mig_cap(const struct report *r, const struct mig *m)
{
	json_t *bw = json_object_get(m->start, "bandwidth");
	double cap;

	/* The operator's text ("12M"), read as every dsmig program reads it. */
	if (json_is_string(bw) && !units_parse_rate(json_string_value(bw), &cap, NULL, 0))
		return cap;
	if (json_is_number(bw) && json_number_value(bw) >= 0)
		return json_number_value(bw);
	if (m->has_estart)
		return m->estart.bandwidth_bps;
	return r->cap_bps;
}

int64_t report_mig_bad_lines(const struct mig *m)
{
	json_int_t n = json_integer_value(json_object_get(m->exit, "telemetry_bad_lines"));

	return n > 0 ? n : 0;
}

void report_mig_span(const struct mig *m, struct mig_span *sp)
{
	int64_t start_t = json_integer_value(json_object_get(m->start, "t"));
	int64_t exit_t = json_integer_value(json_object_get(m->exit, "t"));

	sp->t0 = m->phase_t[TEL_PHASE_PRECOPY] ?: m->estart_t ?: start_t;
	sp->t1 = m->phase_t[TEL_PHASE_DONE] ?: m->phase_t[TEL_PHASE_FAILED] ?: exit_t;
	if (!sp->t1 && m->nsamples)
		sp->t1 = m->samples[m->nsamples - 1].t;
	if (sp->t1 <= sp->t0)
		sp->t0 = sp->t1 = 0;
	sp->pause = m->phase_t[TEL_PHASE_STOP_AND_COPY];
	sp->resume = m->phase_t[TEL_PHASE_RESUMED];
	sp->has_downtime = sp->t0 && sp->pause && sp->resume >= sp->pause;
}

double report_span_x(const struct mig_span *sp, int64_t t)
{
	return (double)(t - sp->t0) / (double)(sp->t1 - sp->t0);
}

static int in_range(const struct mig_span *sp, int64_t t)
{
	double x = report_span_x(sp, t);

	return x >= REPORT_X_MIN && x <= REPORT_X_MAX;
}

int report_mig_series(const struct report *r, const struct mig *m,
		      const struct mig_span *sp, series_fn fn, void *ctx)
{
	size_t i, vm = report_find_name(r, report_mig_vm(m));
	size_t src = report_find_name(r, report_mig_host(r, m, 0));
	size_t dst = report_find_name(r, report_mig_host(r, m, 1));
	const struct vm_point *v;
	int rc = 0, k, probe_net = 0;

	for (i = 0; i < r->nvmp && !rc; i++) {
		v = &r->vmp[i];
		if (v->vm != vm || !in_range(sp, v->t))
			continue;
		k = v->host == src ? SER_VCPU_SRC_PROBE :
		    v->host == dst ? SER_VCPU_DST_PROBE : -1;
		if (k >= 0)
			rc = fn(ctx, (enum series_kind)k, v->t, report_span_x(sp, v->t), v->pct);
	}
	for (i = 0; i < m->nsamples && !rc; i++)
		if (in_range(sp, m->samples[i].t))
			rc = fn(ctx, SER_VCPU_SRC_ENGINE, m->samples[i].t,
				report_span_x(sp, m->samples[i].t), m->samples[i].p.vcpu_pct);
	for (i = 0; i < r->nnet && !rc; i++) {
		if (!in_range(sp, r->net[i].t))
			continue;
		probe_net = 1;
		rc = fn(ctx, SER_NET_PROBE, r->net[i].t, report_span_x(sp, r->net[i].t),
			r->net[i].bps);
	}
	for (i = 0; i < m->nsamples && !rc && !probe_net; i++)
		if (in_range(sp, m->samples[i].t))
			rc = fn(ctx, SER_NET_ENGINE, m->samples[i].t,
				report_span_x(sp, m->samples[i].t), m->samples[i].p.rate_bps);
	return rc;
}

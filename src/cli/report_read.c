/*
 * `dsmig report`: reading a session log and what its migrations were.
 *
 * The log is loaded by the common session reader (common/session_log.h),
 * which refuses a log of another version and counts the lines it cannot
 * use; every record arrives typed (the console's records by
 * session_log_decode(), engine events by common/telemetry_read.h: no
 * field of the JSON is read here); engine events are kept
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
		if (!m->resident_t && ev->u.postcopy.missing_pages > 0 &&
		    ev->u.postcopy.sent_pages >= ev->u.postcopy.missing_pages)
			m->resident_t = ev->t;
		break;
	case TEL_ESTIMATE:
	default:        /* TEL_UNKNOWN, and events the report does not draw */
		break;
	}
	return 0;
}

/* A vm probe record (one with vCPU figures) or a net probe record, kept
 * for the series. Returns 0 or -ENOMEM. */
static int report_probe(struct report *r, const struct session_rec *s)
{
	const struct session_vm *v = &s->u.vm;
	double sum = 0;
	int i;

	if (s->type == SESSION_REC_VM) {
		if (!v->nr_vcpu_pct)
			return 0;      /* e.g. a VM that is gone */
		for (i = 0; i < v->nr_vcpu_pct; i++)
			sum += v->vcpu_pct[i];
		if (grow((void **)&r->vmp, &r->capvmp, r->nvmp, sizeof(*r->vmp)))
			return -ENOMEM;
		r->vmp[r->nvmp] = (struct vm_point){ s->t, sum / v->nr_vcpu_pct,
			session_log_has(s->type, v->present, "nic_bps") ? v->nic_bps : -1,
			report_intern(r, v->host), report_intern(r, v->vm) };
		if (r->vmp[r->nvmp].host == (size_t)-1 || r->vmp[r->nvmp].vm == (size_t)-1)
			return -ENOMEM;
		r->nvmp++;
	} else {
		if (grow((void **)&r->net, &r->capnet, r->nnet, sizeof(*r->net)))
			return -ENOMEM;
		r->net[r->nnet++] = (struct net_point){ s->t, s->u.net.bps };
		if (!r->net_method[0])
			snprintf(r->net_method, sizeof(r->net_method), "%s", s->u.net.method);
	}
	return 0;
}

/* One record, decoded as s. Returns 0 or -ENOMEM. */
static int report_record(struct report *r, const struct session_rec *s)
{
	struct mig *m;

	switch (s->type) {
	case SESSION_REC_OPEN:
		if (!r->has_hosts) {
			r->has_hosts = 1;
			r->nr_hosts = s->u.open.nr_hosts;
			memcpy(r->hosts, s->u.open.hosts, sizeof(r->hosts));
		}
		r->cap_bps = s->u.open.cap_bps;
		return 0;
	case SESSION_REC_VM:
	case SESSION_REC_NET:
		return report_probe(r, s);
	case SESSION_REC_ENGINE:
	case SESSION_REC_MIG_START:
	case SESSION_REC_MIG_EXIT:
		m = report_mig(r, s->mig);
		if (!m)
			return -ENOMEM;
		if (s->type == SESSION_REC_ENGINE)
			return report_engine(m, &s->ev);
		if (s->type == SESSION_REC_MIG_START && !m->has_start) {
			m->has_start = 1;
			m->start = s->u.start;
			m->start_t = s->t;
		} else if (s->type == SESSION_REC_MIG_EXIT && !m->has_exit) {
			m->has_exit = 1;
			m->exit = s->u.exit;
			m->exit_t = s->t;
		}
		return 0;
	default:
		return 0;
	}
}

int report_read(struct report *r, char *why, size_t len)
{
	struct session_rec *s = malloc(sizeof(*s));
	struct session_log l;
	size_t i;
	int rc = 0;

	if (!s)
		return errbuf_set(why, len, "%s: out of memory", r->path);
	if (session_log_load(&l, r->path, why, len)) {
		free(s);
		return -1;
	}
	r->records = l.n;
	r->lines = l.lines;
	r->bad = l.bad;
	r->first_bad = l.first_bad;
	r->skipped = l.skipped;
	snprintf(r->first_bad_why, sizeof(r->first_bad_why), "%s", l.first_bad_why);
	for (i = 0; i < l.n && !rc; i++) {
		/* The loader decoded every record it kept: this cannot fail. */
		if (session_log_decode(l.recs[i], s, why, len))
			continue;
		rc = report_record(r, s);
	}
	session_log_free(&l);
	free(s);
	if (rc)
		return errbuf_set(why, len, "%s: out of memory", r->path);
	return 0;
}

void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nmigs; i++) {
		free(r->migs[i].rounds);
		free(r->migs[i].samples);
	}
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->migs);
	free(r->vmp);
	free(r->net);
}

/* ---- what a migration was ------------------------------------------------ */

/* A host's name: the migration record's, else the session's name for the
 * engine's runtime directory, else the directory itself. */
const char *report_mig_host(const struct report *r, const struct mig *m, int dest)
{
	const char *dir = m->has_estart ? (dest ? m->estart.dst : m->estart.src) : NULL;
	int i;

	if (m->has_start)
		return dest ? m->start.to : m->start.from;
	for (i = 0; dir && i < r->nr_hosts; i++)
		if (!strcmp(r->hosts[i].runtime, dir))
			return r->hosts[i].name;
	return dir ? dir : "?";
}

const char *report_mig_vm(const struct mig *m)
{
	return m->has_start ? m->start.vm : m->has_estart ? m->estart.vm : "?";
}

const char *report_mig_method(const struct mig *m)
{
	return m->has_start ? m->start.method : m->has_estart ? m->estart.method : "?";
}

double report_mig_cap(const struct report *r, const struct mig *m)
{
	/* The operator's text ("12M"), as the reader parsed it. */
	if (m->has_start && m->start.bandwidth_bps >= 0)
		return m->start.bandwidth_bps;
	if (m->has_estart)
		return m->estart.bandwidth_bps;
	return r->cap_bps;
}

int64_t report_mig_ranks(const struct mig *m)
{
	/* What ran (the engine's MPI world), else what was asked. */
	if (m->has_estart)
		return m->estart.ranks;
	return m->has_start ? m->start.ranks : 0;
}

int64_t report_mig_bad_lines(const struct mig *m)
{
	return m->has_exit ? m->exit.telemetry_bad_lines : 0;
}

void report_mig_span(const struct mig *m, struct mig_span *sp)
{
	sp->t0 = m->phase_t[TEL_PHASE_PRECOPY] ?: m->estart_t ?: m->start_t;
	sp->t1 = m->phase_t[TEL_PHASE_DONE] ?: m->phase_t[TEL_PHASE_FAILED] ?: m->exit_t;
	if (!sp->t1 && m->nsamples)
		sp->t1 = m->samples[m->nsamples - 1].t;
	if (sp->t1 <= sp->t0)
		sp->t0 = sp->t1 = 0;
	sp->pause = m->phase_t[TEL_PHASE_STOP_AND_COPY];
	sp->resume = m->phase_t[TEL_PHASE_RESUMED];
	sp->has_downtime = sp->t0 && sp->pause && sp->resume >= sp->pause;
	sp->done = m->phase_t[TEL_PHASE_DONE];
	sp->postcopy = m->phase_t[TEL_PHASE_POST_COPY];
	sp->resident = 0;
	if (!sp->postcopy)
		return;
	if (m->has_summary && sp->resume &&
	    telemetry_read_summary_has(&m->summary, "postcopy.resident_ns"))
		sp->resident = sp->resume + m->summary.postcopy.resident_ns;
	else
		sp->resident = m->resident_t;
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
		if (k >= 0 && !rc && v->nic_bps >= 0)
			rc = fn(ctx, SER_NIC_PROBE, v->t, report_span_x(sp, v->t), v->nic_bps);
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

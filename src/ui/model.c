/*
 * The console model (see model.h): every session record lands here, in
 * model_apply(), read through common/session_log.h into a typed record
 * (engine events typed by common/telemetry_read.h; no field of the JSON
 * is read here), and updates hosts, VMs and the migration view.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/session_log.h"
#include "ui/model.h"

void series_push(struct series *s, double t, double v)
{
	int i = (s->head + s->n) % SERIES_CAP;

	if (s->n == SERIES_CAP) {
		i = s->head;
		s->head = (s->head + 1) % SERIES_CAP;
	} else {
		s->n++;
	}
	s->t[i] = t;
	s->v[i] = v;
}

int series_window(const struct series *s, double since, double *t, double *v, int cap)
{
	int i, k = 0;

	for (i = 0; i < s->n && k < cap; i++) {
		int j = (s->head + i) % SERIES_CAP;

		if (s->t[j] < since)
			continue;
		t[k] = s->t[j];
		v[k] = s->v[j];
		k++;
	}
	return k;
}

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->t0_wall = -1;
	m->mig.exit_status = -1;
	m->mig.t_pause = m->mig.t_resume = -1;
}

void model_reset(struct model *m)
{
	model_init(m);
}

void model_log(struct model *m, const char *fmt, ...)
{
	int i = (m->log_head + m->log_n) % MODEL_LOG_LINES;
	char msg[140];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m->log_n == MODEL_LOG_LINES) {
		i = m->log_head;
		m->log_head = (m->log_head + 1) % MODEL_LOG_LINES;
	} else {
		m->log_n++;
	}
	snprintf(m->log[i], sizeof(m->log[i]), "%7.1fs %s", m->now, msg);
}

const char *model_log_line(const struct model *m, int n)
{
	if (n < 0 || n >= m->log_n)
		return NULL;
	return m->log[(m->log_head + m->log_n - 1 - n) % MODEL_LOG_LINES];
}

struct vm_view *model_vm(struct model *m, const char *host, const char *name, int create)
{
	int i;

	for (i = 0; i < m->nr_vms; i++)
		if (!strcmp(m->vms[i].host, host) && !strcmp(m->vms[i].name, name))
			return &m->vms[i];
	if (!create || m->nr_vms == MODEL_MAX_VMS)
		return NULL;
	memset(&m->vms[m->nr_vms], 0, sizeof(m->vms[0]));
	snprintf(m->vms[m->nr_vms].host, sizeof(m->vms[0].host), "%s", host);
	snprintf(m->vms[m->nr_vms].name, sizeof(m->vms[0].name), "%s", name);
	return &m->vms[m->nr_vms++];
}

double model_downtime(const struct model *m)
{
	if (m->mig.t_pause < 0)
		return -1;
	if (m->mig.t_resume >= 0)
		return m->mig.t_resume - m->mig.t_pause;
	if (!m->mig.active)
		return -1;   /* failed while paused: the source was resumed */
	return m->now - m->mig.t_pause;
}

static void apply_open(struct model *m, const struct session_open *o)
{
	int i;

	m->cap_bps = o->cap_bps;
	m->nr_hosts = 0;
	for (i = 0; i < o->nr_hosts && m->nr_hosts < MODEL_MAX_HOSTS; i++)
		snprintf(m->hosts[m->nr_hosts++], sizeof(m->hosts[0]), "%s", o->hosts[i].name);
}

static void apply_vm_probe(struct model *m, const struct session_rec *r)
{
	const struct session_vm *p = &r->u.vm;
	struct vm_view *v;
	double sum = 0;
	int i;

	v = model_vm(m, p->host, p->vm, 1);
	if (!v)
		return;
	snprintf(v->state, sizeof(v->state), "%s", p->state);
	if (!strcmp(v->state, "gone"))
		return;
	snprintf(v->workload, sizeof(v->workload), "%s",
		 session_log_has(r->type, p->present, "workload") ? p->workload : "-");
	v->vcpus = p->vcpus;
	v->mem_bytes = (uint64_t)p->mem_bytes;
	v->dirty_pps = session_log_has(r->type, p->present, "dirty_pps") ? p->dirty_pps : -1;
	v->progress = (uint64_t)p->progress;
	v->progress_ps = p->progress_ps;
	for (i = 0; i < p->nr_vcpu_pct; i++) {
		if (i < MODEL_MAX_VCPUS)
			v->vcpu_pct[i] = p->vcpu_pct[i];
		sum += p->vcpu_pct[i];
	}
	v->vcpu_total = v->vcpus ? sum / v->vcpus : 0;
	series_push(&v->cpu_hist, m->now, v->vcpu_total);
	/* The migrating VM's vCPU use, on either side. */
	if (m->mig.id && !strcmp(p->vm, m->mig.vm) && m->mig.t_exit <= 0) {
		if (!strcmp(p->host, m->mig.from) && strcmp(v->state, "incoming"))
			series_push(&m->mig.vcpu_src, m->now, v->vcpu_total);
		if (!strcmp(p->host, m->mig.to) && !strcmp(v->state, "running"))
			series_push(&m->mig.vcpu_dst, m->now, v->vcpu_total);
	}
}

static void apply_net_probe(struct model *m, const struct session_rec *r)
{
	snprintf(m->net_method, sizeof(m->net_method), "%s", r->u.net.method);
	if (session_log_has(r->type, r->u.net.present, "note"))
		snprintf(m->net_note, sizeof(m->net_note), "%s", r->u.net.note);
	if (m->mig.active)
		series_push(&m->mig.net_bps, m->now, r->u.net.bps);
}

static void mig_start(struct model *m, int64_t id, const struct session_mig_start *s)
{
	struct migration_view *g = &m->mig;

	/* Keep the last summary of the same VM, method and cap to compare
	 * (a run at another cap is another experiment). */
	if (g->has_summary && !g->cancelled && !strcmp(g->vm, s->vm) &&
	    !strcmp(g->method, s->method) && g->cap_bps == s->bandwidth_bps) {
		m->prev_summary = g->summary;
		m->has_prev = 1;
	} else {
		m->has_prev = 0;
	}
	memset(g, 0, sizeof(*g));
	g->id = (int)id;
	g->active = 1;
	g->exit_status = -1;
	g->t_pause = g->t_resume = -1;
	g->t_launch = m->now;
	snprintf(g->vm, sizeof(g->vm), "%s", s->vm);
	snprintf(g->from, sizeof(g->from), "%s", s->from);
	snprintf(g->to, sizeof(g->to), "%s", s->to);
	snprintf(g->method, sizeof(g->method), "%s", s->method);
	snprintf(g->bandwidth, sizeof(g->bandwidth), "%s", s->bandwidth);
	g->ranks = s->ranks;
	g->verify = s->verify;
	/* The run's own cap; a start record whose cap is no rate: the
	 * session's default. */
	g->cap_bps = s->bandwidth_bps >= 0 ? s->bandwidth_bps : m->cap_bps;
	snprintf(g->phase, sizeof(g->phase), "launching");
	model_log(m, "migration %d: %s %s -> %s (%s, cap %s, %d ranks)", g->id,
		  g->vm, g->from, g->to, g->method, g->bandwidth, g->ranks);
}

static void mig_exit(struct model *m, const struct session_rec *r)
{
	struct migration_view *g = &m->mig;
	int64_t bad = r->u.exit.telemetry_bad_lines;

	g->active = 0;
	g->t_exit = m->now;
	g->exit_status = r->u.exit.status;
	snprintf(g->error, sizeof(g->error), "%s", r->u.exit.error);
	if (bad > 0) {
		m->tally.bad_lines += (unsigned long)bad;
		model_log(m, "migration %d: %lld telemetry lines unreadable, skipped",
			  g->id, (long long)bad);
	}
	if (g->exit_status)
		model_log(m, "migration %d failed (status %d): %s", g->id,
			  g->exit_status, g->error);
	else
		model_log(m, "migration %d done", g->id);
}

static void engine_phase(struct model *m, const struct tel_phase_event *ev)
{
	struct migration_view *g = &m->mig;
	const char *p = telemetry_read_phase_name(ev->phase);

	snprintf(g->phase, sizeof(g->phase), "%s", p);
	if (g->nr_phases < MODEL_MAX_PHASES) {
		snprintf(g->phases[g->nr_phases].name, sizeof(g->phases[0].name), "%s", p);
		g->phases[g->nr_phases++].t = m->now;
	}
	switch (ev->phase) {
	case TEL_PHASE_STOP_AND_COPY:
		g->t_pause = m->now;
		model_log(m, "stop-and-copy (%s): source paused", ev->reason);
		break;
	case TEL_PHASE_RESUMED:
		/* The engine measured the real window; place it at its end. */
		g->t_resume = m->now;
		g->t_pause = m->now - (double)ev->downtime_ns / 1e9;
		if (telemetry_read_phase_has(ev, "guest_downtime_ns"))
			model_log(m, "resumed on %s: downtime %.1f ms (the guest's gap %.1f ms)",
				  g->to, (double)ev->downtime_ns / 1e6,
				  (double)ev->guest_downtime_ns / 1e6);
		else
			model_log(m, "resumed on %s: downtime %.1f ms (the guest's gap n/a: no heartbeat)",
				  g->to, (double)ev->downtime_ns / 1e6);
		break;
	case TEL_PHASE_FAILED:
		snprintf(g->error, sizeof(g->error), "%s", ev->error);
		model_log(m, "failed: %s", g->error);
		break;
	default:
		model_log(m, "phase %s", p);
		break;
	}
}

static void engine_round(struct model *m, const struct tel_round *ev)
{
	struct migration_view *g = &m->mig;
	struct round_view *r;

	if (g->nr_rounds == MODEL_MAX_ROUNDS)
		return;
	r = &g->rounds[g->nr_rounds++];
	r->round = ev->round;
	r->final = ev->final;
	telemetry_read_round_pages(ev, &r->pages_sent, &r->hot_deferred);
	r->zero_pages = ev->zero_pages;
	r->dirtied = ev->dirtied_pages;
	r->bytes = (double)ev->bytes;
	r->duration_s = (double)ev->duration_ns / 1e9;
	model_log(m, "round %d%s: %lld pages, %.2f MiB in %.2f s, %lld dirtied", r->round,
		  r->final ? " (final)" : "", (long long)r->pages_sent,
		  r->bytes / 1048576, r->duration_s, (long long)r->dirtied);
}

/* An engine record, decoded in r. */
static void apply_engine(struct model *m, const struct session_rec *r)
{
	struct migration_view *g = &m->mig;
	const struct tel_event *ev = &r->ev;

	if (!g->id || g->id != r->mig)
		return;
	switch (ev->type) {
	case TEL_START:
		g->cap_bps = ev->u.start.bandwidth_bps;
		break;
	case TEL_PHASE:
		engine_phase(m, &ev->u.phase);
		break;
	case TEL_PROGRESS:
		g->round = ev->u.progress.round;
		g->bytes_sent = (double)ev->u.progress.bytes;
		if (!m->net_method[0])   /* no wire probe: the engine's own rate */
			series_push(&g->net_bps, m->now, ev->u.progress.rate_bps);
		break;
	case TEL_ROUND:
		engine_round(m, &ev->u.round);
		break;
	case TEL_ESTIMATE:
		g->est = ev->u.estimate;
		g->has_est = 1;
		break;
	case TEL_HEAT:
		g->heat = ev->u.heat;
		g->has_heat = 1;
		break;
	case TEL_POSTCOPY:
		g->pc_missing = (uint64_t)ev->u.postcopy.missing_pages;
		g->pc_sent = (uint64_t)ev->u.postcopy.sent_pages;
		g->pc_faults = (uint64_t)ev->u.postcopy.faults;
		break;
	case TEL_SUMMARY:
		g->summary = ev->u.summary;
		g->has_summary = 1;
		break;
	case TEL_UNKNOWN:
		break;
	}
}

void model_apply(struct model *m, json_t *rec)
{
	struct session_rec r;
	char why[160];
	int rc = session_log_decode(rec, &r, why, sizeof(why));
	int use = session_log_tally(&m->tally, rc, &r, why);

	if (rc) {
		/* A previous run's summary that is none is always said. */
		if (r.type == SESSION_REC_MIG_PREVIOUS)
			model_log(m, "previous run's summary ignored: %s", why);
		else if (m->tally.refused == 1)
			model_log(m, "bad record skipped: %s", why);
		return;
	}
	if (m->t0_wall < 0)
		m->t0_wall = (double)r.t / 1e9;
	m->now = (double)r.t / 1e9 - m->t0_wall;
	if (!use)
		return;      /* an unknown record or engine event type */
	switch (r.type) {
	case SESSION_REC_OPEN:
		apply_open(m, &r.u.open);
		break;
	case SESSION_REC_VM:
		apply_vm_probe(m, &r);
		break;
	case SESSION_REC_NET:
		apply_net_probe(m, &r);
		break;
	case SESSION_REC_MIG_START:
		mig_start(m, r.mig, &r.u.start);
		break;
	case SESSION_REC_MIG_PREVIOUS:
		if (m->mig.id == r.mig) {
			m->prev_summary = r.u.previous;
			m->has_prev = 1;
		}
		break;
	case SESSION_REC_MIG_EXIT:
		if (m->mig.id == r.mig)
			mig_exit(m, &r);
		break;
	case SESSION_REC_ENGINE:
		apply_engine(m, &r);
		break;
	case SESSION_REC_OPERATOR:
		/* In the event log (cleaned by the reader: it is drawn). */
		model_log(m, "operator: %s", r.u.operator.action);
		if (!strcmp(r.u.operator.action, "cancel") && m->mig.active)
			m->mig.cancelled = 1;
		break;
	case SESSION_REC_CLOSE:
	case SESSION_REC_UNKNOWN:
		break;
	}
}

/*
 * The console model (see model.h): every session record lands here, in
 * model_apply(), read through common/session_log.h into a typed record
 * (engine events typed by common/telemetry_read.h; no field of the JSON
 * is read here), and updates hosts, VMs and the migration view.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/session_log.h"
#include "common/units.h"
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
	queue_init(&m->queue);
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

const struct vm_view *model_vm_named(const struct model *m, const char *name)
{
	int i;

	for (i = 0; i < m->nr_vms; i++)
		if (!strcmp(m->vms[i].name, name) && strcmp(m->vms[i].state, "gone"))
			return &m->vms[i];
	return NULL;
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
	memset(m->host_info, 0, sizeof(m->host_info));
	for (i = 0; i < o->nr_hosts && m->nr_hosts < MODEL_MAX_HOSTS; i++)
		snprintf(m->hosts[m->nr_hosts++], sizeof(m->hosts[0]), "%s", o->hosts[i].name);
}

int model_host(const struct model *m, const char *name)
{
	int i;

	for (i = 0; i < m->nr_hosts; i++)
		if (!strcmp(m->hosts[i], name))
			return i;
	return -1;
}

int model_host_vms(const struct model *m, const char *name)
{
	int i, n = 0;

	for (i = 0; i < m->nr_vms; i++)
		n += !strcmp(m->vms[i].host, name) && strcmp(m->vms[i].state, "gone");
	return n;
}

/* A host record: its host's numbers (a host the open record did not name
 * joins the list, while there is room). */
static void apply_host_probe(struct model *m, const struct session_rec *r)
{
	const struct session_host_stats *p = &r->u.host;
	int i = model_host(m, p->host);
	struct host_view *h;

	if (i < 0 && m->nr_hosts < MODEL_MAX_HOSTS) {
		i = m->nr_hosts++;
		snprintf(m->hosts[i], sizeof(m->hosts[0]), "%s", p->host);
	}
	if (i < 0)
		return;
	h = &m->host_info[i];
	h->has_probe = 1;
	snprintf(h->hv, sizeof(h->hv), "%s", p->hv);
	snprintf(h->link, sizeof(h->link), "%s", p->link);
	h->cpu_pct = session_log_has(r->type, p->present, "cpu_pct") ? p->cpu_pct : -1;
	h->mem_used = p->mem_used;
	h->mem_total = session_log_has(r->type, p->present, "mem_total") ? p->mem_total : 0;
	h->shared = p->shared;
	snprintf(h->unreachable, sizeof(h->unreachable), "%s", p->unreachable);
}

/* A vm probe record's footprint (all fp_ fields, or it has none) into
 * v; the last one stays until the next (a second apart). */
static void vm_footprint_apply(struct vm_view *v, const struct session_rec *r)
{
	static const char *const keys[] = {
		"fp_windows", "fp_window_s", "fp_ws_pages", "fp_hot_pages", "fp_zero_pages",
		"fp_sample_pages", "fp_sample_bytes",
	};
	const struct session_vm *p = &r->u.vm;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!session_log_has(r->type, p->present, keys[i]))
			return;
	v->fp = (struct vm_footprint){
		.mem_pages = v->mem_bytes / 4096, .zero_pages = (uint64_t)p->fp_zero_pages,
		.sample_pages = (uint64_t)p->fp_sample_pages,
		.sample_bytes = (uint64_t)p->fp_sample_bytes,
		.ws_pages = (uint64_t)p->fp_ws_pages, .hot_pages = (uint64_t)p->fp_hot_pages,
		.dirty_pps = v->dirty_pps, .window_s = p->fp_window_s,
		.windows = (unsigned)p->fp_windows, .has_content = 1,
	};
	v->has_fp = v->fp.zero_pages <= v->fp.mem_pages;
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
	vm_footprint_apply(v, r);
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
		/* Its own traffic, from whichever side reports it. */
		if (session_log_has(r->type, p->present, "nic_bps"))
			series_push(&m->mig.nic_bps, m->now, p->nic_bps);
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
	if (session_log_has(SESSION_REC_MIG_START, s->present, "wire_na"))
		snprintf(g->wire_na, sizeof(g->wire_na), "%s", s->wire_na);
	g->ranks = s->ranks;
	g->verify = s->verify;
	/* The run's own cap; a start record whose cap is no rate: the
	 * session's default. */
	g->cap_bps = s->bandwidth_bps >= 0 ? s->bandwidth_bps : m->cap_bps;
	g->has_predicted = session_log_has(SESSION_REC_MIG_START, s->present, "predicted_total_s") &&
			   session_log_has(SESSION_REC_MIG_START, s->present, "predicted_downtime_s") &&
			   session_log_has(SESSION_REC_MIG_START, s->present, "predicted_bytes");
	g->predicted_total_s = s->predicted_total_s;
	g->predicted_downtime_s = s->predicted_downtime_s;
	g->predicted_bytes = (double)s->predicted_bytes;
	snprintf(g->phase, sizeof(g->phase), "launching");
	model_log(m, "migration %d: %s %s -> %s (%s, cap %s, %d ranks)", g->id,
		  g->vm, g->from, g->to, g->method, g->bandwidth, g->ranks);
}

/* A new, empty entry of the history, for migration id of vm from -> to
 * (the oldest goes when it is full). */
static struct mig_history *history_new(struct model *m, int id, const char *vm,
				       const char *from, const char *to, const char *method,
				       const char *bandwidth)
{
	struct mig_history *h;

	if (m->nr_history == MODEL_MAX_HISTORY) {
		memmove(&m->history[0], &m->history[1],
			sizeof(m->history[0]) * (MODEL_MAX_HISTORY - 1));
		m->nr_history--;
	}
	h = &m->history[m->nr_history++];
	memset(h, 0, sizeof(*h));
	h->id = id;
	snprintf(h->vm, sizeof(h->vm), "%s", vm);
	snprintf(h->from, sizeof(h->from), "%s", from);
	snprintf(h->to, sizeof(h->to), "%s", to);
	snprintf(h->method, sizeof(h->method), "%s", method);
	snprintf(h->bandwidth, sizeof(h->bandwidth), "%s", bandwidth);
	return h;
}

/* Keep the finished migration g, the one in front, in the history. */
static void history_push(struct model *m, const struct migration_view *g)
{
	struct mig_history *h = history_new(m, g->id, g->vm, g->from, g->to, g->method,
					    g->bandwidth);

	h->cap_bps = g->cap_bps;
	h->exit_status = g->exit_status;
	h->cancelled = g->cancelled;
	h->t_launch = g->t_launch;
	h->t_exit = g->t_exit;
	h->summary = g->summary;
	h->has_summary = g->has_summary;
	memcpy(h->rounds, g->rounds, sizeof(h->rounds[0]) * (size_t)g->nr_rounds);
	h->nr_rounds = g->nr_rounds;
}

static void mig_exit(struct model *m, const struct session_rec *r)
{
	struct migration_view *g = &m->mig;
	int64_t bad = r->u.exit.telemetry_bad_lines;
	int first = g->active;      /* a repeated exit record is not a new run */

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
	if (first)
		history_push(m, g);
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
		/* No wire probe: the engine's own rate, unless the wire
		 * is said not to be measured (then nothing: n/a). */
		if (!m->net_method[0] && !g->wire_na[0])
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

/* A migration number as the queue keeps it (a record's is 0..2^53; 0:
 * none). */
static int queue_mig(int64_t mig)
{
	return mig > 0 && mig <= INT_MAX ? (int)mig : 0;
}

/* A queue record: the queue changes and the event log says how, or why
 * not (a record that does not fit the queue is ignored). Cancelling the
 * item in front marks the migration in front cancelled, as the
 * operator's cancel does. */
static void apply_queue(struct model *m, const struct session_rec *r)
{
	const struct session_queue *a = &r->u.queue;
	const struct queue_item *it;
	char why[160];

	if (queue_apply(&m->queue, r, why, sizeof(why))) {
		model_log(m, "queue record ignored: %s", why);
		return;
	}
	switch (r->type) {
	case SESSION_REC_QUEUE_ADD:
		model_log(m, "queued %d: %s %s -> %s (%s, cap %s)", a->item, a->vm, a->from,
			  a->to, a->method, a->bandwidth);
		break;
	case SESSION_REC_QUEUE_PARALLEL:
		model_log(m, "queue: %d at a time", a->parallel);
		break;
	case SESSION_REC_QUEUE_CANCEL:
		it = queue_item(&m->queue, a->item);
		model_log(m, "queue item %d (%s) cancelled%s", it->id, it->vm,
			  it->state == QUEUE_RUNNING ? ": stopping its migration" : "");
		if (it->state == QUEUE_RUNNING && it->mig == m->mig.id && m->mig.active)
			m->mig.cancelled = 1;
		break;
	case SESSION_REC_QUEUE_FAIL:
		model_log(m, "queue item %d not started: %s", a->item, a->error);
		break;
	default:
		break;
	}
}

/* A migration start record that names a queue item: the item runs. */
static void queue_start(struct model *m, const struct session_rec *r)
{
	char why[160];

	if (r->u.start.item &&
	    queue_started(&m->queue, r->u.start.item, queue_mig(r->mig), why, sizeof(why)))
		model_log(m, "queue: %s", why);
}

/* A migration's exit record: the queue item it ran, if any, is over. */
static void queue_finish(struct model *m, const struct session_rec *r)
{
	const struct queue_item *it = queue_exit(&m->queue, queue_mig(r->mig),
						 r->u.exit.status, r->u.exit.error);

	struct mig_history *h;

	if (!it)
		return;
	model_log(m, "queue item %d (%s): %s", it->id, it->vm, queue_state_name(it->state));
	/* A queued migration that ended while another was in front: its
	 * history has what the queue kept (no summary: the model follows
	 * the engine of the one in front only). */
	if (r->mig == m->mig.id)
		return;
	h = history_new(m, (int)r->mig, it->vm, it->from, it->to, it->method, it->bandwidth);
	units_parse_rate(it->bandwidth, &h->cap_bps, NULL, 0);
	h->exit_status = r->u.exit.status;
	h->cancelled = it->state == QUEUE_CANCELLED;
	h->t_exit = m->now;
}

/* An operator's action in the event log (cleaned by the reader: it is
 * drawn), an action on a VM with what it names. */
static void apply_operator(struct model *m, const struct session_operator *op)
{
	const char *verb = vm_action_verb(op->vm_action, 0);

	if (op->vm_action == VM_ACTION_START)
		model_log(m, "operator: start %s on %s (%s, %s)", op->vm, op->host, op->image,
			  op->mem);
	else if (verb)
		model_log(m, "operator: %s %s on %s", verb, op->vm, op->host);
	else
		model_log(m, "operator: %s", op->action);
	if (!strcmp(op->action, "cancel") && m->mig.active)
		m->mig.cancelled = 1;
}

/* What became of an action on a VM, in the event log. */
static void apply_vmact(struct model *m, const struct session_rec *r)
{
	const struct session_vmact *a = &r->u.vmact;

	if (r->type == SESSION_REC_VMACT_DONE)
		model_log(m, "%s %s on %s", a->vm, vm_action_verb(a->vm_action, 1), a->host);
	else
		model_log(m, "cannot %s %s on %s: %s", vm_action_verb(a->vm_action, 0), a->vm,
			  a->host, a->error);
}

/* A web client's record: a second counts for the migration in front
 * from its launch until MODEL_CLIENT_TAIL_S after its exit; the end of a
 * client's run goes to the event log. */
static void apply_client(struct model *m, const struct session_rec *r)
{
	const struct session_client *c = &r->u.client;
	struct migration_view *g = &m->mig;

	if (r->type == SESSION_REC_CLIENT_SUMMARY) {
		model_log(m, "web client %s: %lld requests, %lld failed, %lld resets, longest "
			  "gap %.2f s", c->target, (long long)c->requests, (long long)c->failed,
			  (long long)c->resets, (double)c->longest_gap_ns / 1e9);
		return;
	}
	if (!g->id || (!g->active && m->now > g->t_exit + MODEL_CLIENT_TAIL_S))
		return;
	g->client_seconds++;
	g->client_ok += c->ok;
	g->client_failed += c->failed;
	g->client_resets += c->resets;
	if (session_log_has(r->type, c->present, "client.gap_ns")) {
		if (!g->client_has_gap || c->gap_ns > g->client_gap_ns)
			g->client_gap_ns = c->gap_ns;
		g->client_has_gap = 1;
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
	case SESSION_REC_HOST:
		apply_host_probe(m, &r);
		break;
	case SESSION_REC_MIG_START:
		mig_start(m, r.mig, &r.u.start);
		queue_start(m, &r);
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
		queue_finish(m, &r);
		break;
	case SESSION_REC_ENGINE:
		queue_engine(&m->queue, queue_mig(r.mig), &r.ev);
		apply_engine(m, &r);
		break;
	case SESSION_REC_QUEUE_ADD:
	case SESSION_REC_QUEUE_PARALLEL:
	case SESSION_REC_QUEUE_CANCEL:
	case SESSION_REC_QUEUE_FAIL:
		apply_queue(m, &r);
		break;
	case SESSION_REC_OPERATOR:
		apply_operator(m, &r.u.operator);
		break;
	case SESSION_REC_VMACT_DONE:
	case SESSION_REC_VMACT_FAILED:
		apply_vmact(m, &r);
		break;
	case SESSION_REC_CLIENT_SECOND:
	case SESSION_REC_CLIENT_SUMMARY:
		apply_client(m, &r);
		break;
	case SESSION_REC_CLOSE:
	case SESSION_REC_UNKNOWN:
		break;
	}
}

/*
 * `dsmig report`: a migration as text. report_print() is the summary a
 * person reads; report_data() (`--data`) the same figures and the plots'
 * series as JSON lines for scripts (bench/paper_plot.sh), format in
 * docs/console.md, so that no script recomputes what is done here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/guest_metrics.h"
#include "common/migrate_exit.h"
#include "cli/report.h"
#include "common/text.h"

static const char *mig_status(const struct mig *m, char *buf, size_t len)
{
	if (m->has_exit) {
		const char *text = migrate_exit_status(m->exit.status);

		snprintf(buf, len, "%s (exit %d)", text ? text : "exit status unknown to this dsmig",
			 m->exit.status);
		return buf;
	}
	if (m->has_summary)
		return "moved (no exit record)";
	if (m->has_failed) {
		snprintf(buf, len, "failed (%s), no exit record",
			 m->failed.source_running == 1 ? "the source runs" :
			 "source state unknown");
		return buf;
	}
	return "unfinished: the log ends during the migration";
}

int report_mig_failed(const struct mig *m, char *why, size_t len)
{
	const char *err = m->has_failed ? m->failed.error :
			  m->has_exit && session_log_has(SESSION_REC_MIG_EXIT, m->exit.present,
							 "error") ? m->exit.error : NULL;
	char buf[128], line[512];
	int moved = m->has_exit ? m->exit.status == CLI_OK || m->exit.status == CLI_AFTER_SWITCH :
		    m->has_summary;

	if (moved)
		return 0;
	if (err && err[0])
		snprintf(line, sizeof(line), "%s: %s", mig_status(m, buf, sizeof(buf)), err);
	else
		snprintf(line, sizeof(line), "%s", mig_status(m, buf, sizeof(buf)));
	text_clean(why, len, line);
	return 1;
}

const char *report_cap_text(double bps, char *buf, size_t len)
{
	if (bps < 0)
		return "cap unknown";
	if (bps == 0)
		return "uncapped";
	snprintf(buf, len, "%.3g Mbit/s cap", bps / 1e6);
	return buf;
}

/* Values the summary did not carry (an optional field, or the slowdown
 * without a baseline rate) print as "n/a", never as a measured 0. */
static void print_summary(const struct tel_summary *s)
{
	char pc[24] = "n/a", slow[24] = "n/a";
	char t1[GUEST_METRICS_TEXT], t2[GUEST_METRICS_TEXT], t3[GUEST_METRICS_TEXT];

	if (telemetry_read_summary_has(s, "bytes.postcopy"))
		snprintf(pc, sizeof(pc), "%lld", (long long)s->bytes.postcopy);
	guest_metrics_slowdown(s, slow, sizeof(slow));
	printf("  guest's stall      %s (from its heartbeat: %s)\n",
	       guest_metrics_span(s, "guest_stall_ns", t1, sizeof(t1)),
	       guest_metrics_span(s, "guest_stall_hb_ns", t2, sizeof(t2)));
	printf("  degraded time      %s\n", guest_metrics_span(s, "degraded_ns", t1, sizeof(t1)));
	printf("  switch-over gap    %s\n",
	       guest_metrics_span(s, "guest_downtime_ns", t1, sizeof(t1)));
	printf("  downtime (engine)  %s\n", guest_metrics_span(s, "downtime_ns", t1, sizeof(t1)));
	if (guest_metrics_na(s))
		printf("  n/a                %s\n", guest_metrics_na(s));
	printf("  total time         %.1f ms\n", (double)s->total_time_ns / 1e6);
	printf("  bytes total        %lld (%.2f MiB: rounds %lld, state %lld, verify %lld, control %lld, post-copy %s)\n",
	       (long long)s->bytes_total, (double)s->bytes_total / 1048576.0,
	       (long long)s->bytes.rounds, (long long)s->bytes.state,
	       (long long)s->bytes.verify, (long long)s->bytes.control, pc);
	printf("  iterations         %lld (stopped: %s)\n", (long long)s->iterations,
	       s->stop_reason);
	printf("  progress rate      before %s, during %s, after %s (slowdown %s)\n",
	       guest_metrics_rate(s, "before", t1, sizeof(t1)),
	       guest_metrics_rate(s, "during", t2, sizeof(t2)),
	       guest_metrics_rate(s, "after", t3, sizeof(t3)), slow);
	printf("  verify             %s\n", s->verify);
}

void report_print(const struct report *r, const struct mig *m)
{
	const char *err = m->has_exit && session_log_has(SESSION_REC_MIG_EXIT, m->exit.present,
							 "error") ? m->exit.error : NULL;
	const struct tel_round *it;
	int64_t sent, deferred;
	char buf[128], ranks[32] = "ranks unknown", cap[32];
	size_t i;

	if (report_mig_ranks(m))
		snprintf(ranks, sizeof(ranks), "%lld ranks", (long long)report_mig_ranks(m));
	printf("Migration %lld: %s  %s -> %s  %s, %s, %s\n", (long long)m->id, report_mig_vm(m),
	       report_mig_host(r, m, 0), report_mig_host(r, m, 1), report_mig_method(m), ranks,
	       report_cap_text(report_mig_cap(r, m), cap, sizeof(cap)));
	printf("  status             %s\n", mig_status(m, buf, sizeof(buf)));
	if (m->has_failed)
		err = m->failed.error;
	if (err)
		printf("  error              %s\n", err);
	if (report_mig_bad_lines(m))
		printf("  telemetry          %lld engine line%s unreadable, skipped when recorded\n",
		       (long long)report_mig_bad_lines(m), report_mig_bad_lines(m) == 1 ? "" : "s");
	if (m->has_summary)
		print_summary(&m->summary);
	else
		printf("  (no engine summary: the migration did not complete)\n");
	if (!m->nrounds)
		return;
	printf("  round kind        pages    hot-deferred        bytes      time\n");
	for (i = 0; i < m->nrounds; i++) {
		it = &m->rounds[i];
		telemetry_read_round_pages(it, &sent, &deferred);
		printf("  %5d %-8s %8lld %15lld %12lld %7.1fms\n", it->round,
		       it->final ? "final" : "precopy", (long long)sent, (long long)deferred,
		       (long long)it->bytes, (double)it->duration_ns / 1e6);
	}
}

/* ---- --data ---------------------------------------------------------------- */

/* Print o (stolen) as one line. Returns 0 or -1. */
static int data_line(json_t *o)
{
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	int rc = line && printf("%s\n", line) > 0 ? 0 : -1;

	free(line);
	json_decref(o);
	return rc;
}

struct data_ctx {
	const struct report *r;
	const struct mig *m;
	const struct mig_span *sp;
};

static int data_point(void *ctx, enum series_kind k, int64_t t, double x, double y)
{
	const struct data_ctx *d = ctx;
	int dst = k == SER_VCPU_DST_PROBE;
	/* The host running the guest: the source until the resume, then
	 * the destination. */
	int guest = d->sp->has_downtime ? (t >= d->sp->resume) == dst : !dst;

	if (k == SER_NIC_PROBE)
		return data_line(json_pack("{s:s, s:I, s:f, s:f}", "kind", "nic",
					   "mig", (json_int_t)d->m->id, "x", x, "bps", y));
	if (k == SER_NET_PROBE || k == SER_NET_ENGINE)
		return data_line(json_pack("{s:s, s:I, s:f, s:f, s:s}", "kind", "net",
					   "mig", (json_int_t)d->m->id, "x", x, "bps", y,
					   "source", k == SER_NET_ENGINE ? "engine" :
					   !strcmp(d->r->net_method, "procfs") ? "procfs" : "pcap"));
	return data_line(json_pack("{s:s, s:I, s:f, s:f, s:s, s:s, s:b}", "kind", "vcpu",
				   "mig", (json_int_t)d->m->id, "x", x, "pct", y,
				   "host", dst ? "dst" : "src",
				   "source", k == SER_VCPU_SRC_ENGINE ? "engine" : "probe",
				   "guest", guest && k != SER_VCPU_SRC_ENGINE));
}

/* A summary's nanoseconds field, or null when it does not carry it (n/a). */
static json_t *summary_ns(const struct tel_summary *s, const char *key)
{
	double ns;

	return telemetry_read_summary_number(s, key, &ns) && ns >= 0 ?
	       json_integer((json_int_t)ns) : json_null();
}

static int data_summary(const struct mig *m)
{
	const struct tel_summary *s = &m->summary;

	/* Without a baseline rate there is no slowdown: null, not 0. */
	json_t *slowdown = s->progress_rate.before > 0 ? json_real(s->slowdown_pct) : json_null();

	return data_line(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:o, s:s, s:o, s:o}",
		"kind", "summary", "mig", (json_int_t)m->id,
		"total_time_ns", (json_int_t)s->total_time_ns,
		"downtime_ns", (json_int_t)s->downtime_ns,
		"guest_downtime_ns", (json_int_t)s->guest_downtime_ns,
		"bytes_total", (json_int_t)s->bytes_total,
		"iterations", (json_int_t)s->iterations,
		"stop_reason", s->stop_reason, "slowdown_pct", slowdown,
		"verify", s->verify,
		"guest_stall_ns", summary_ns(s, "guest_stall_ns"),
		"degraded_ns", summary_ns(s, "degraded_ns")));
}

int report_data_session(const struct report *r)
{
	return data_line(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "kind", "session",
		"records", (json_int_t)r->records, "lines", (json_int_t)r->lines,
		"bad_lines", (json_int_t)r->bad, "first_bad", (json_int_t)r->first_bad,
		"skipped", (json_int_t)r->skipped, "first_bad_why", r->first_bad_why));
}

int report_data(const struct report *r, const struct mig *m)
{
	struct mig_span sp;
	struct data_ctx d = { r, m, &sp };
	int64_t sent, deferred;
	char buf[128];
	int rc;
	size_t i;

	report_mig_span(m, &sp);
	rc = data_line(json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:f, s:s, s:I, s:I, s:I}",
		"kind", "migration", "mig", (json_int_t)m->id, "vm", report_mig_vm(m),
		"from", report_mig_host(r, m, 0), "to", report_mig_host(r, m, 1),
		"method", report_mig_method(m), "cap_bps", report_mig_cap(r, m),
		"status", mig_status(m, buf, sizeof(buf)),
		"t0", (json_int_t)sp.t0, "t1", (json_int_t)sp.t1,
		"telemetry_bad_lines", (json_int_t)report_mig_bad_lines(m)));
	if (!rc && m->has_summary)
		rc = data_summary(m);
	for (i = 0; i < m->nrounds && !rc; i++) {
		telemetry_read_round_pages(&m->rounds[i], &sent, &deferred);
		rc = data_line(json_pack("{s:s, s:I, s:i, s:b, s:I, s:I, s:I, s:I}",
			"kind", "round", "mig", (json_int_t)m->id,
			"round", m->rounds[i].round, "final", m->rounds[i].final,
			"pages_sent", (json_int_t)sent, "hot_deferred", (json_int_t)deferred,
			"bytes", (json_int_t)m->rounds[i].bytes,
			"duration_ns", (json_int_t)m->rounds[i].duration_ns));
	}
	if (rc || !sp.t0)
		return rc;
	if (sp.has_downtime)
		rc = data_line(json_pack("{s:s, s:I, s:f, s:f}", "kind", "window",
					 "mig", (json_int_t)m->id,
					 "pause", report_span_x(&sp, sp.pause),
					 "resume", report_span_x(&sp, sp.resume)));
	if (!rc)
		rc = report_mig_series(r, m, &sp, data_point, &d);
	return rc;
}

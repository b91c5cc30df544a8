/*
 * `dsmig report`: a migration as its plots see it. plot_mig_init() says
 * what the figures mark (the phases in seconds from the migration's
 * start, dsm-pull's post-copy and the time every page was resident) and
 * the title (VM, hosts, method, cap, downtime, cleaned: it reaches
 * gnuplot only as an argument); plot_mig_write() writes the series into
 * data files, one point a line, and the rounds as the dirty-pages bars
 * (sent and held back, as telemetry_read_round_pages() defines them).
 * Nothing here writes gnuplot code.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/report.h"
#include "common/text.h"

static const char *const dat_names[DAT_COUNT] = {
	[DAT_VCPU_SRC_PROBE] = "vcpu-src-probe.dat",
	[DAT_VCPU_SRC_ENGINE] = "vcpu-src-engine.dat",
	[DAT_VCPU_DST_PROBE] = "vcpu-dst-probe.dat",
	[DAT_NET] = "net.dat",
	[DAT_DIRTY] = "dirty.dat",
};

/* Where each series goes. */
static const enum plot_data series_dat[SER_COUNT] = {
	[SER_VCPU_SRC_PROBE] = DAT_VCPU_SRC_PROBE,
	[SER_VCPU_SRC_ENGINE] = DAT_VCPU_SRC_ENGINE,
	[SER_VCPU_DST_PROBE] = DAT_VCPU_DST_PROBE,
	[SER_NET_PROBE] = DAT_NET,
	[SER_NET_ENGINE] = DAT_NET,
};

void plot_mig_dat(const struct plot_mig *p, enum plot_data k, char *buf, size_t len)
{
	snprintf(buf, len, "%d-%s", p->idx, dat_names[k]);
}

int plot_mig_has_vcpu(const struct plot_mig *p)
{
	return p->points[DAT_VCPU_SRC_PROBE] || p->points[DAT_VCPU_SRC_ENGINE] ||
	       p->points[DAT_VCPU_DST_PROBE];
}

/* Seconds from the start to t; -1 if t is unknown (0). */
static double secs(const struct plot_mig *p, int64_t t)
{
	return t ? (double)(t - p->sp.t0) / 1e9 : -1;
}

static void mig_title(const struct report *r, struct plot_mig *p)
{
	const struct mig *m = p->m;
	char cap[32], down[48], text[512];

	if (p->reason[0])
		snprintf(down, sizeof(down), "not moved");
	else if (m->has_summary)
		snprintf(down, sizeof(down), "downtime %.1f ms", (double)m->summary.downtime_ns / 1e6);
	else
		snprintf(down, sizeof(down), "downtime n/a");
	snprintf(text, sizeof(text), "migration %lld: %s  %s -> %s", (long long)m->id,
		 report_mig_vm(m), report_mig_host(r, m, 0), report_mig_host(r, m, 1));
	text_clean(p->head, sizeof(p->head), text);
	snprintf(text, sizeof(text), "%s, %s, %s", report_mig_method(m),
		 report_cap_text(report_mig_cap(r, m), cap, sizeof(cap)), down);
	text_clean(p->what, sizeof(p->what), text);
	snprintf(p->title, sizeof(p->title), "%s  %s", p->head, p->what);
}

int plot_mig_init(const struct report *r, const struct mig *m, int idx, struct plot_mig *p)
{
	*p = (struct plot_mig){ .m = m, .idx = idx, .cap_bps = report_mig_cap(r, m) };
	report_mig_failed(m, p->reason, sizeof(p->reason));
	mig_title(r, p);
	report_mig_span(m, &p->sp);
	if (!p->sp.t0)
		return 0;
	p->end_s = secs(p, p->sp.t1);
	p->pause_s = p->sp.has_downtime ? secs(p, p->sp.pause) : -1;
	p->resume_s = p->sp.has_downtime ? secs(p, p->sp.resume) : -1;
	p->done_s = secs(p, p->sp.done);
	p->postcopy_s = secs(p, p->sp.postcopy);
	p->resident_s = p->sp.resident > p->sp.postcopy ? secs(p, p->sp.resident) : -1;
	return 1;
}

void dirty_scale_add(struct dirty_scale *s, const struct mig *m)
{
	int64_t sent, deferred;
	size_t i;

	for (i = 0; i < m->nrounds; i++) {
		telemetry_read_round_pages(&m->rounds[i], &sent, &deferred);
		if (sent + deferred > s->max)
			s->max = sent + deferred;
		if (sent > 0 && (s->min < 0 || sent < s->min))
			s->min = sent;
	}
}

struct pdata_ctx {
	struct plot_mig *p;
	FILE *f[DAT_COUNT];
};

static int pdata_point(void *ctx, enum series_kind k, int64_t t, double x, double y)
{
	struct pdata_ctx *c = ctx;
	struct plot_mig *p = c->p;
	enum plot_data d = series_dat[k];

	if (k == SER_NIC_PROBE)
		return 0;     /* the report's charts are the wire's and the vCPUs' */
	if (k == SER_NET_PROBE)
		p->net_from_probe = 1;
	if (d == DAT_NET) {
		y /= 1e6;     /* Mbit/s */
		if (y > p->max_mbps)
			p->max_mbps = y;
	} else if (y > p->max_vcpu) {
		p->max_vcpu = y;
	}
	if (fprintf(c->f[d], "%.6f %.4f\n", secs(p, t), y) < 0)
		return -EIO;
	p->points[d]++;
	return 0;
}

static int pdata_rounds(struct plot_mig *p, FILE *f)
{
	const struct mig *m = p->m;
	int64_t sent, deferred;
	size_t i;

	for (i = 0; i < m->nrounds; i++) {
		telemetry_read_round_pages(&m->rounds[i], &sent, &deferred);
		p->has_hot |= deferred > 0;
		if (fprintf(f, "\"%d%s\" %lld %lld\n", m->rounds[i].round,
			    m->rounds[i].final ? " (final)" : "", (long long)sent,
			    (long long)deferred) < 0)
			return -EIO;
		p->points[DAT_DIRTY]++;
	}
	return 0;
}

int plot_mig_write(const struct report *r, struct plot_mig *p, const char *dir)
{
	struct pdata_ctx c = { .p = p };
	char name[64], path[PATH_MAX];
	int rc = 0, k;

	for (k = 0; k < DAT_COUNT; k++) {
		plot_mig_dat(p, k, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		c.f[k] = fopen(path, "we");
		if (!c.f[k]) {
			rc = -errno;
			goto out;
		}
	}
	rc = report_mig_series(r, p->m, &p->sp, pdata_point, &c);
	if (!rc)
		rc = pdata_rounds(p, c.f[DAT_DIRTY]);
out:
	for (k = 0; k < DAT_COUNT; k++)
		if (c.f[k] && fclose(c.f[k]) && !rc)
			rc = -EIO;
	return rc;
}

void plot_mig_unlink(const struct plot_mig *p, const char *dir)
{
	char name[64], path[PATH_MAX];
	int k;

	for (k = 0; k < DAT_COUNT; k++) {
		plot_mig_dat(p, k, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);
	}
}

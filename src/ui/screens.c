/*
 * Drawing the console from the model: the hosts table, the migration view
 * (charts, phase timeline, downtime readout, rounds, event log), the
 * summary card, help, and the footer. Nothing here collects data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/guest_metrics.h"
#include "common/migrate_exit.h"
#include "ui/console_int.h"
#include "ui/plot.h"

#define A(role) theme_attr(&c->theme, (role))

/* Scratch space for chart data: series are copied out of the model's rings,
 * one slot per series on screen at once (vCPU source and destination, the
 * network; the hosts table's sparklines reuse slot 0). */
#define SCRATCH_SLOTS 3
static double buf_t[SCRATCH_SLOTS][SERIES_CAP], buf_v[SCRATCH_SLOTS][SERIES_CAP];

WINDOW *screens_overlay(struct console *c, int h, int w, enum theme_role frame)
{
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	WINDOW *win;

	if (y < 1 || x < 0)
		return NULL;
	win = newwin(h, w, y, x);
	if (!win)
		return NULL;
	wbkgd(win, A(THEME_TEXT));
	wattron(win, A(frame));
	box(win, 0, 0);
	wattroff(win, A(frame));
	return win;
}

static void fill_row(int y, attr_t a)
{
	attron(a);
	mvhline(y, 0, ' ', COLS);
	attroff(a);
}

static int cmp_rows(const struct console *c, const struct vm_view *a, const struct vm_view *b)
{
	switch (c->sort) {
	case SORT_NAME:
		return strcmp(a->name, b->name);
	case SORT_VCPU:
		return a->vcpu_total < b->vcpu_total ? 1 : a->vcpu_total > b->vcpu_total ? -1 : 0;
	case SORT_DIRTY:
		return a->dirty_pps < b->dirty_pps ? 1 : a->dirty_pps > b->dirty_pps ? -1 : 0;
	default:
		return strcmp(a->host, b->host) ? strcmp(a->host, b->host) : strcmp(a->name, b->name);
	}
}

int screens_vm_order(const struct console *c, int *order, int cap)
{
	int i, j, n = 0;

	for (i = 0; i < c->model.nr_vms && n < cap; i++)
		if (strcmp(c->model.vms[i].state, "gone"))
			order[n++] = i;
	for (i = 1; i < n; i++)   /* insertion sort: a handful of rows */
		for (j = i; j > 0 && cmp_rows(c, &c->model.vms[order[j - 1]],
					       &c->model.vms[order[j]]) > 0; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	return n;
}

/* What the readers could not use, as counts ("log: 2 bad lines, 1
 * refused, 3 skipped  "), or "" if nothing: the model's tally, and in
 * replay the lines the loader refused. Reasons go to the event log and
 * the status line. */
static void lost_records(const struct console *c, char *buf, size_t len)
{
	const struct tel_tally *t = &c->model.tally;
	unsigned long refused = t->refused + (c->replaying ? c->replay.log.bad : 0);
	size_t n = 0;

	buf[0] = '\0';
	if (!t->bad_lines && !refused && !t->skipped)
		return;
	n += (size_t)snprintf(buf, len, "log:");
	if (t->bad_lines && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %lu bad line%s,", t->bad_lines,
				      t->bad_lines == 1 ? "" : "s");
	if (refused && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %lu refused,", refused);
	if (t->skipped && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %lu skipped,", t->skipped);
	if (n < len)
		snprintf(buf + n - 1, len - n + 1, "  ");   /* the last comma */
}

static void title_bar(struct console *c, const char *what)
{
	char clock[48] = "", lost[96], right[160];
	int x;

	fill_row(0, A(THEME_TITLE) | A_REVERSE);
	attron(A(THEME_TITLE) | A_REVERSE);
	if (c->replaying)
		snprintf(clock, sizeof(clock), "replay %.1f/%.1f s x%g%s", c->replay.vt,
			 c->replay.duration, c->replay.speed, c->replay.paused ? " [paused]" : "");
	else
		snprintf(clock, sizeof(clock), "live %.0f s", c->model.now);
	lost_records(c, lost, sizeof(lost));
	snprintf(right, sizeof(right), "%s%s", lost, clock);
	mvprintw(0, 1, "dsmig  %s", what);
	x = COLS - (int)strlen(right) - 2;
	mvaddnstr(0, x > 0 ? x : 0, right, COLS);
	attroff(A(THEME_TITLE) | A_REVERSE);
}

static void footer(struct console *c)
{
	const char *keys;

	if (c->replaying)
		keys = "Space pause  +/- speed  Left/Right seek 10s  g/G start/end  Tab view  ? help  q quit";
	else if (c->screen == SCREEN_MIGRATION)
		keys = "c cancel  Enter close card  Tab hosts  t theme  ? help  q quit";
	else
		keys = "Enter/m migrate  Up/Down select  s sort  Tab migration  t theme  ? help  q quit";
	fill_row(LINES - 1, A(THEME_STATUS) | A_REVERSE);
	attron(A(THEME_STATUS) | A_REVERSE);
	mvaddnstr(LINES - 1, 1, keys, COLS - 2);
	attroff(A(THEME_STATUS) | A_REVERSE);
	if (c->status[0] && LINES > 3) {
		attron(A(THEME_DIM));
		mvaddnstr(LINES - 2, 1, c->status, COLS - 2);
		attroff(A(THEME_DIM));
	}
}

static void draw_hosts(struct console *c)
{
	static const char *const sort_names[] = { "host", "name", "vcpu%", "dirty/s" };
	int order[MODEL_MAX_VMS], n = screens_vm_order(c, order, MODEL_MAX_VMS), i, y;
	char what[96];

	snprintf(what, sizeof(what), "hosts (%d), VMs (%d)  sorted by %s",
		 c->model.nr_hosts, n, sort_names[c->sort]);
	title_bar(c, what);
	attron(A(THEME_HEADER) | A_BOLD);
	mvprintw(2, 1, "%-8s %-12s %-9s %5s %8s %6s %-8s %9s %10s  %s", "HOST", "VM", "STATE",
		 "VCPUS", "MEM(MiB)", "VCPU%", "WORKLOAD", "DIRTY/s", "PROGRESS/s", "VCPU HISTORY");
	attroff(A(THEME_HEADER) | A_BOLD);
	if (c->selected >= n)
		c->selected = n ? n - 1 : 0;
	for (i = 0, y = 3; i < n && y < LINES - 3; i++, y++) {
		const struct vm_view *v = &c->model.vms[order[i]];
		int k = series_window(&v->cpu_hist, -1, buf_t[0], buf_v[0], SERIES_CAP);
		int spark = COLS - 88;
		attr_t a = i == c->selected ? A(THEME_SELECTED) | A_REVERSE : A(THEME_TEXT);

		if (i == c->selected)
			fill_row(y, a);
		attron(a);
		mvprintw(y, 1, "%-8.8s %-12.12s %-9.9s %5d %8llu %6.1f %-8.8s %9.0f %10.1f  ", v->host,
			 v->name, v->state, v->vcpus, (unsigned long long)(v->mem_bytes >> 20),
			 v->vcpu_total, v->workload, v->dirty_pps, v->progress_ps);
		attroff(a);
		if (spark > 4) {
			attron(A(THEME_SERIES1));
			plot_sparkline(stdscr, y, 87, spark < 60 ? spark : 60, buf_v[0], k, 100,
				       c->utf8);
			attroff(A(THEME_SERIES1));
		}
	}
	if (!n) {
		attron(A(THEME_DIM));
		mvprintw(4, 3, "No VMs found on the hosts (%d) yet.", c->model.nr_hosts);
		attroff(A(THEME_DIM));
	}
	if (c->model.mig.id && LINES > 8) {
		attron(A(c->model.mig.active ? THEME_WARN : c->model.mig.exit_status ? THEME_BAD
										: THEME_GOOD));
		mvprintw(LINES - 3, 1, "migration %d: %s %s -> %s: %s%s", c->model.mig.id,
			 c->model.mig.vm, c->model.mig.from, c->model.mig.to,
			 c->model.mig.active ? c->model.mig.phase
					     : c->model.mig.exit_status ? "failed" : "done",
			 c->model.mig.active ? "  (Tab to watch)" : "");
		attroff(A(c->model.mig.active ? THEME_WARN : c->model.mig.exit_status ? THEME_BAD
										: THEME_GOOD));
	}
}

/* The time window of the migration charts, in session seconds. */
static void mig_window(const struct console *c, double *t0, double *t1)
{
	const struct migration_view *g = &c->model.mig;
	double end = g->active ? c->model.now : (g->t_exit > 0 ? g->t_exit : c->model.now);

	*t0 = g->t_launch - 1;
	*t1 = end + 1 > *t0 + 10 ? end + 1 : *t0 + 10;
}

static int phase_markers(const struct console *c, struct plot_marker *mk, int cap)
{
	const struct migration_view *g = &c->model.mig;
	int i, n = 0;

	for (i = 0; i < g->nr_phases && n < cap; i++) {
		const char *p = g->phases[i].name;

		if (strcmp(p, "precopy") && strcmp(p, "stop-and-copy") && strcmp(p, "resumed") &&
		    strcmp(p, "done") && strcmp(p, "failed"))
			continue;
		mk[n].t = g->phases[i].t;
		mk[n].glyph = 0;
		mk[n].label = !strcmp(p, "precopy") ? "start" : !strcmp(p, "stop-and-copy") ? "pause"
			      : !strcmp(p, "resumed") ? "resume" : p;
		mk[n].color_pair = theme_pair(THEME_PHASE);
		n++;
	}
	return n;
}

static void chart(struct console *c, int y, int x, int h, int w, const char *title,
		  struct plot_spec *spec)
{
	const struct migration_view *g = &c->model.mig;
	struct plot_marker mk[MODEL_MAX_PHASES];
	char t0l[16], t1l[16];

	mig_window(c, &spec->t0, &spec->t1);
	snprintf(t0l, sizeof(t0l), "%+.0fs", spec->t0 - g->t_launch);
	snprintf(t1l, sizeof(t1l), "%+.0fs", spec->t1 - g->t_launch);
	spec->t0_label = t0l;
	spec->t1_label = t1l;
	spec->axis_pair = theme_pair(THEME_AXIS);
	spec->markers = mk;
	spec->nmarkers = phase_markers(c, mk, MODEL_MAX_PHASES);
	if (g->t_pause >= 0) {
		spec->has_band = 1;
		spec->band_t0 = g->t_pause;
		spec->band_t1 = g->t_resume >= 0 ? g->t_resume : c->model.now;
		spec->band_label = "downtime";
		spec->band_pair = theme_pair(THEME_DOWNTIME);
	}
	attron(A(THEME_TITLE) | A_BOLD);
	mvaddnstr(y, x, title, w);
	attroff(A(THEME_TITLE) | A_BOLD);
	plot_lines(stdscr, y + 1, x, h - 1, w, spec);
}

/* Chart series from a model ring, copied into scratch slot `slot`. */
static void chart_series(struct plot_series *ps, int slot, const struct series *src,
			 double since, enum theme_role role, const char *label)
{
	ps->t = buf_t[slot];
	ps->v = buf_v[slot];
	ps->n = series_window(src, since, buf_t[slot], buf_v[slot], SERIES_CAP);
	ps->color_pair = theme_pair(role);
	ps->label = label;
}

static void draw_charts(struct console *c, int y, int h, int w)
{
	const struct migration_view *g = &c->model.mig;
	struct plot_series s[2];
	struct plot_spec spec;
	double t0, t1;
	char title[96];
	int hh = h / 2;

	mig_window(c, &t0, &t1);
	memset(&spec, 0, sizeof(spec));
	memset(s, 0, sizeof(s));
	chart_series(&s[0], 0, &g->vcpu_src, t0, THEME_SERIES1, "source");
	chart_series(&s[1], 1, &g->vcpu_dst, t0, THEME_SERIES2, "destination");
	spec.unit = "%";
	spec.ymax = 100;
	spec.series = s;
	spec.nseries = 2;
	chart(c, y, 1, hh, w, "vCPU utilisation of the VM", &spec);

	memset(&spec, 0, sizeof(spec));
	memset(s, 0, sizeof(s));
	chart_series(&s[0], 2, &g->net_bps, t0, THEME_SERIES1,
		     !strcmp(c->model.net_method, "procfs") ? "wire (/proc, all lo traffic)"
		     : c->model.net_method[0] ? "wire (pcap)" : "engine");
	for (int i = 0; i < s[0].n; i++)
		buf_v[2][i] /= 1e6;
	spec.unit = "Mbit/s";
	spec.series = s;
	spec.nseries = 1;
	if (g->cap_bps > 0) {
		spec.has_ref = 1;
		spec.ref = g->cap_bps / 1e6;
		spec.ref_label = "cap";
		spec.ref_pair = theme_pair(THEME_CAP);
	}
	snprintf(title, sizeof(title), "Network throughput%s",
		 g->cap_bps > 0 ? " against the cap" : " (no cap)");
	chart(c, y + hh, 1, h - hh, w, title, &spec);
}

static void draw_side(struct console *c, int y, int x, int h, int w)
{
	const struct migration_view *g = &c->model.mig;
	double dt = model_downtime(&c->model), a[MODEL_MAX_ROUNDS], b[MODEL_MAX_ROUNDS];
	char big[32];
	struct bar_spec bs;
	int i, row = y;

	attron(A(THEME_TITLE) | A_BOLD);
	mvprintw(row++, x, "Downtime%s", g->t_pause >= 0 && g->t_resume < 0 && g->active
		 ? " (VM paused)" : "");
	attroff(A(THEME_TITLE) | A_BOLD);
	if (dt < 0)
		snprintf(big, sizeof(big), "-");
	else if (dt < 1)
		snprintf(big, sizeof(big), "%.0f ms", dt * 1e3);
	else
		snprintf(big, sizeof(big), "%.2f s", dt);
	attron(A(THEME_DOWNTIME) | A_BOLD);
	plot_big_number(stdscr, row, x + 1, big, c->utf8);
	attroff(A(THEME_DOWNTIME) | A_BOLD);
	row += PLOT_BIG_ROWS + 1;

	/* The phase timeline: where time went. */
	attron(A(THEME_TITLE) | A_BOLD);
	mvprintw(row++, x, "Phases");
	attroff(A(THEME_TITLE) | A_BOLD);
	for (i = 0; i < g->nr_phases && row < y + h / 2 + 2; i++) {
		int failed = !strcmp(g->phases[i].name, "failed");

		attron(A(failed ? THEME_BAD : THEME_PHASE));
		mvprintw(row++, x + 1, "%+7.2fs %s", g->phases[i].t - g->t_launch,
			 g->phases[i].name);
		attroff(A(failed ? THEME_BAD : THEME_PHASE));
	}
	mvprintw(row++, x + 1, "round %d, %.2f MiB sent", g->round, g->bytes_sent / 1048576);
	if (g->pc_missing)
		mvprintw(row++, x + 1, "post-copy: %llu/%llu pages in, %llu faults",
			 (unsigned long long)g->pc_sent, (unsigned long long)g->pc_missing,
			 (unsigned long long)g->pc_faults);

	/* Dirty pages per round. */
	for (i = 0; i < g->nr_rounds; i++) {
		a[i] = (double)g->rounds[i].pages_sent;
		b[i] = (double)g->rounds[i].hot_deferred;
	}
	memset(&bs, 0, sizeof(bs));
	bs.a = a;
	bs.b = b;
	bs.n = g->nr_rounds;
	bs.unit = "pages";
	bs.label_a = "pages sent";
	bs.label_b = "hot, deferred";
	bs.pair_a = theme_pair(THEME_SERIES1);
	bs.pair_b = theme_pair(THEME_SERIES3);
	bs.axis_pair = theme_pair(THEME_AXIS);
	row++;
	attron(A(THEME_TITLE) | A_BOLD);
	mvprintw(row++, x, "Dirty pages per round");
	attroff(A(THEME_TITLE) | A_BOLD);
	if (y + h - row >= 4)
		plot_bars(stdscr, row, x, y + h - row, w, &bs);
}

static void draw_log(struct console *c, int y, int h)
{
	int i;

	attron(A(THEME_TITLE) | A_BOLD);
	mvprintw(y, 1, "Events");
	attroff(A(THEME_TITLE) | A_BOLD);
	for (i = 0; i < h - 1; i++) {
		const char *line = model_log_line(&c->model, h - 2 - i);

		if (line)
			mvaddnstr(y + 1 + i, 2, line, COLS - 3);
	}
}

static void human(char *buf, size_t len, double bytes)
{
	snprintf(buf, len, bytes >= 1048576 ? "%.2f MiB" : "%.1f KiB",
		 bytes >= 1048576 ? bytes / 1048576 : bytes / 1024);
}

/* "(-12.3% vs last run)" against the previous run's value prev, or ""
 * without a previous run (or one whose value was not positive). */
static void versus(char *buf, size_t len, const struct tel_summary *prev, double pv, double now)
{
	if (prev && pv > 0)
		snprintf(buf, len, "(%+.1f%% vs last run)", 100.0 * (now / pv - 1));
	else
		buf[0] = '\0';
}

/* A summary value as the card prints it (text), or "n/a" where the
 * record did not carry it (have = 0): never a measured-looking 0. */
static const char *or_na(const char *text, int have)
{
	return have ? text : "n/a";
}

/* The post-copy lines of a dsm-pull summary, from row y. */
static void draw_summary_postcopy(WINDOW *win, int y, const struct tel_summary *s)
{
	char pages[24], faults[24], median[24], resident[24];

	snprintf(pages, sizeof(pages), "%lld", (long long)s->postcopy.missing_pages);
	snprintf(faults, sizeof(faults), "%lld", (long long)s->postcopy.faults);
	snprintf(median, sizeof(median), "%.1f ms", (double)s->postcopy.fault_median_ns / 1e6);
	snprintf(resident, sizeof(resident), "%.2f s", (double)s->postcopy.resident_ns / 1e9);
	mvwprintw(win, y, 2, "Post-copy: %s pages missing, %s faults, median %s",
		  or_na(pages, telemetry_read_summary_has(s, "postcopy.missing_pages")),
		  or_na(faults, telemetry_read_summary_has(s, "postcopy.faults")),
		  or_na(median, telemetry_read_summary_has(s, "postcopy.fault_median_ns")));
	mvwprintw(win, y + 1, 2, "  every page resident after %s",
		  or_na(resident, telemetry_read_summary_has(s, "postcopy.resident_ns")));
}

/* One row of a time span: its label, the value or "n/a", and the change
 * against prev (NULL: no comparison) when both summaries carried it. */
static void span_row(WINDOW *win, int y, const char *label, const struct tel_summary *s,
		     const struct tel_summary *prev, const char *key)
{
	char t[GUEST_METRICS_TEXT], v[40] = "";
	double now, before;

	if (prev && telemetry_read_summary_number(prev, key, &before) &&
	    telemetry_read_summary_number(s, key, &now))
		versus(v, sizeof(v), prev, before, now);
	mvwprintw(win, y, 2, "%-25s %10s  %s", label, guest_metrics_span(s, key, t, sizeof(t)), v);
}

/* The card's numbers: what the guest lived through first, then the
 * engine's downtime, time, bytes and progress. */
static void draw_summary_numbers(WINDOW *win, const struct tel_summary *s,
				 const struct tel_summary *prev)
{
	char b1[32], v1[40], t1[GUEST_METRICS_TEXT], t2[GUEST_METRICS_TEXT],
	     t3[GUEST_METRICS_TEXT];
	const char *na = guest_metrics_na(s);
	int y = 2;

	span_row(win, y++, "The guest's longest stall", s, prev, "guest_stall_ns");
	span_row(win, y++, "  from its heartbeat", s, NULL, "guest_stall_hb_ns");
	span_row(win, y++, "Degraded time", s, prev, "degraded_ns");
	span_row(win, y++, "Switch-over gap", s, NULL, "guest_downtime_ns");
	span_row(win, y++, "Downtime (engine)", s, prev, "downtime_ns");
	versus(v1, sizeof(v1), prev, prev ? (double)prev->total_time_ns : 0,
	       (double)s->total_time_ns);
	snprintf(t1, sizeof(t1), "%.2f s", (double)s->total_time_ns / 1e9);
	mvwprintw(win, y++, 2, "Total migration time      %10s  %s", t1, v1);
	human(b1, sizeof(b1), (double)s->bytes_total);
	versus(v1, sizeof(v1), prev, prev ? (double)prev->bytes_total : 0,
	       (double)s->bytes_total);
	mvwprintw(win, y++, 2, "Data transferred          %10s  %s", b1, v1);
	mvwprintw(win, y++, 2, "Application progress  before %s, during %s, after %s",
		  guest_metrics_rate(s, "before", t1, sizeof(t1)),
		  guest_metrics_rate(s, "during", t2, sizeof(t2)),
		  guest_metrics_rate(s, "after", t3, sizeof(t3)));
	mvwprintw(win, y++, 2, "  slowdown during the migration: %s",
		  guest_metrics_slowdown(s, b1, sizeof(b1)));
	mvwprintw(win, y++, 2, "Rounds %lld, stopped by %s, verify %s",
		  (long long)s->iterations, s->stop_reason, s->verify);
	if (na)
		mvwprintw(win, y++, 2, "n/a: %.*s", 70 - 9, na);
	if (s->has_postcopy)
		draw_summary_postcopy(win, y, s);
}

static void draw_summary(struct console *c)
{
	const struct migration_view *g = &c->model.mig;
	const struct tel_summary *s = &g->summary;
	const struct tel_summary *prev = c->model.has_prev ? &c->model.prev_summary : NULL;
	int h = 17, w = 72;
	WINDOW *win = screens_overlay(c, h, w, g->exit_status ? THEME_BAD : THEME_GOOD);

	if (!win)
		return;
	wattron(win, A(g->exit_status ? THEME_BAD : THEME_GOOD));
	mvwprintw(win, 0, 2, " Migration %d of %s: %s ", g->id, g->vm,
		  g->exit_status ? "FAILED" : "done");
	wattroff(win, A(g->exit_status ? THEME_BAD : THEME_GOOD));
	if (g->exit_status || !g->has_summary) {
		mvwprintw(win, 2, 2, "%.*s", w - 4, g->error[0] ? g->error : "no summary");
		mvwprintw(win, 4, 2, "The VM %.*s.", w - 12,
			  migrate_exit_where(g->exit_status) ?: "is where dsmig migrate left it");
	} else {
		draw_summary_numbers(win, s, prev);
	}
	wattron(win, A(THEME_DIM));
	mvwprintw(win, h - 2, 2, "%s   Enter/Esc: close",
		  prev ? "compared with the previous run of this VM and method" : "no previous run to compare");
	wattroff(win, A(THEME_DIM));
	wnoutrefresh(win);
	delwin(win);
}

static void draw_migration(struct console *c)
{
	const struct migration_view *g = &c->model.mig;
	char what[160];
	int side = COLS >= 100 ? 38 : 0, logh = LINES >= 30 ? 7 : 4;
	int top = 2, h = LINES - top - logh - 2;

	if (!g->id) {
		title_bar(c, "migration");
		attron(A(THEME_DIM));
		mvprintw(3, 3, "No migration yet. Select a VM on the hosts view (Tab) and press Enter.");
		attroff(A(THEME_DIM));
		return;
	}
	snprintf(what, sizeof(what), "migration %d: %s %s -> %s  %s  cap %s  %d ranks  [%s]", g->id,
		 g->vm, g->from, g->to, g->method,
		 g->cap_bps > 0 ? g->bandwidth : "none", g->ranks, g->phase);
	title_bar(c, what);
	if (!strcmp(c->model.net_method, "procfs") && c->model.net_note[0]) {
		attron(A(THEME_WARN));
		mvaddnstr(1, 1, c->model.net_note, COLS - 2);
		attroff(A(THEME_WARN));
	}
	if (h >= 8)
		draw_charts(c, top, h, COLS - side - 2);
	if (side && h >= 8)
		draw_side(c, top, COLS - side, h, side - 1);
	draw_log(c, LINES - logh - 2, logh);
}

static void draw_help(struct console *c)
{
	static const char *const lines[] = {
		"Hosts view",
		"  Up/Down, j/k   select a VM          s    change the sort order",
		"  Enter, m       migrate the VM       Tab  switch to the migration view",
		"Migration view",
		"  c              cancel the migration (the VM stays on its source)",
		"  Enter, Esc     close the summary card",
		"Replay",
		"  Space          pause / play         +/-  speed x2 / /2",
		"  Left/Right     seek 10 s            g/G  start / end",
		"Everywhere",
		"  t              next colour theme    ?, F1, h  this help",
		"  q              quit (asks while a migration runs)",
		"",
		"Any key closes this help.",
	};
	int n = sizeof(lines) / sizeof(lines[0]), w = 76, i;
	WINDOW *win = screens_overlay(c, n + 2, w, THEME_BORDER);

	if (!win)
		return;
	wattron(win, A(THEME_TITLE));
	mvwprintw(win, 0, 2, " dsmig console: keys ");
	wattroff(win, A(THEME_TITLE));
	for (i = 0; i < n; i++)
		mvwaddnstr(win, 1 + i, 2, lines[i], w - 4);
	wnoutrefresh(win);
	delwin(win);
}

static void draw_confirm(struct console *c)
{
	WINDOW *win = screens_overlay(c, 5, 64, THEME_WARN);

	if (!win)
		return;
	mvwprintw(win, 1, 2, "A migration is running. Quit anyway? [y/N]");
	mvwprintw(win, 2, 2, "It will be cancelled; the VM stays on its source.");
	wnoutrefresh(win);
	delwin(win);
}

void screens_draw(struct console *c)
{
	erase();
	if (LINES < 10 || COLS < 40) {
		mvaddnstr(0, 0, "dsmig: terminal too small", COLS);
	} else {
		if (c->screen == SCREEN_HOSTS)
			draw_hosts(c);
		else
			draw_migration(c);
		footer(c);
	}
	wnoutrefresh(stdscr);
	/* Overlays, each its own window over stdscr. */
	if (c->screen == SCREEN_MIGRATION && c->model.mig.id && !c->model.mig.active &&
	    c->model.mig.exit_status >= 0 && c->summary_for != c->model.mig.id &&
	    LINES >= 10 && COLS >= 40)
		draw_summary(c);
	if (c->dlg.open)
		dialog_draw(c);
	if (c->help)
		draw_help(c);
	if (c->confirm_quit)
		draw_confirm(c);
	doupdate();
}

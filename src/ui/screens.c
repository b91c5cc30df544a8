/*
 * Drawing the console from the model: the hosts table, the migration view
 * (charts, phase timeline, downtime readout, rounds, event log), the
 * summary card, help, and the footer. Nothing here collects data.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/guest_metrics.h"
#include "common/migrate_exit.h"
#include "ui/console_int.h"
#include "ui/heatmap.h"
#include "ui/plot.h"

#define A(role) theme_attr(&c->theme, (role))

/* Scratch space for chart data: series are copied out of the model's rings,
 * one slot per series on screen at once (vCPU source and destination, the
 * wire and the guest's own NIC; the hosts table's sparklines reuse slot 0). */
#define SCRATCH_SLOTS 4
static double buf_t[SCRATCH_SLOTS][SERIES_CAP], buf_v[SCRATCH_SLOTS][SERIES_CAP];

int screens_too_small(void)
{
	return LINES < SCREENS_MIN_LINES || COLS < SCREENS_MIN_COLS;
}

WINDOW *screens_overlay(struct console *c, int h, int w, enum theme_role frame)
{
	int y, x;
	WINDOW *win;

	h = h < LINES - 2 ? h : LINES - 2;   /* the title and footer stay */
	w = w < COLS ? w : COLS;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	if (h < 3 || w < 8)
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

void screens_print(WINDOW *win, int y, int x, const char *fmt, ...)
{
	char line[512];
	int room = getmaxx(win) - 1 - x;
	va_list ap;

	if (y >= getmaxy(win) - 1 || room <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mvwaddnstr(win, y, x, line, room);
}

int screens_print_wrapped(WINDOW *win, int y, int x, int rows, const char *prefix,
			  const char *text)
{
	char line[512];
	int room = getmaxx(win) - 1 - x, r, n, cut;

	snprintf(line, sizeof(line), "%s%s", prefix, text);
	text = line;
	for (r = 0; r < rows && *text && room > 0; r++) {
		n = (int)strlen(text);
		cut = n;
		if (n > room && r < rows - 1) {
			for (cut = room; cut > 0 && text[cut] != ' '; cut--)
				;
			cut = cut ? cut : room;
		}
		screens_print(win, y + r, x, "%.*s", cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
	return y + r;
}

static void fill_row(int y, attr_t a)
{
	attron(a);
	mvhline(y, 0, ' ', COLS);
	attroff(a);
}

static int cmp_key(const struct console *c, const struct vm_view *a, const struct vm_view *b)
{
	switch (c->sort) {
	case SORT_NAME:
		return strcmp(a->name, b->name);
	case SORT_VCPU:
		return a->vcpu_total < b->vcpu_total ? 1 : a->vcpu_total > b->vcpu_total ? -1 : 0;
	case SORT_DIRTY:
		return a->dirty_pps < b->dirty_pps ? 1 : a->dirty_pps > b->dirty_pps ? -1 : 0;
	default:
		return strcmp(a->name, b->name);   /* by host: the groups are */
	}
}

/* The hosts table is grouped by host, in the hosts file's order (hosts
 * it does not name after them, by name); sorting by host reversed turns
 * the groups around too. */
static int cmp_hosts(const struct console *c, const char *a, const char *b)
{
	int ia = model_host(&c->model, a), ib = model_host(&c->model, b);
	int d;

	ia = ia < 0 ? MODEL_MAX_HOSTS : ia;
	ib = ib < 0 ? MODEL_MAX_HOSTS : ib;
	d = ia != ib ? ia - ib : strcmp(a, b);
	return c->sort == SORT_HOST && c->sort_reverse ? -d : d;
}

static int cmp_rows(const struct console *c, const struct vm_view *a, const struct vm_view *b)
{
	int group = cmp_hosts(c, a->host, b->host);

	if (group)
		return group;
	return c->sort_reverse ? -cmp_key(c, a, b) : cmp_key(c, a, b);
}

/* The filter (/) keeps VMs whose name or host holds its text. */
static int filtered_in(const struct console *c, const struct vm_view *v)
{
	return !c->filter[0] || strstr(v->name, c->filter) || strstr(v->host, c->filter);
}

int screens_hosts_column(int x)
{
	/* The header's columns (draw_hosts): HOST at 1, VM at 10, VCPU% at
	 * 48, DIRTY/s at 64; the rest sort nothing. */
	static const struct { int x0, x1, key; } cols[] = {
		{ 1, 9, SORT_HOST }, { 10, 23, SORT_NAME }, { 48, 55, SORT_VCPU },
		{ 64, 74, SORT_DIRTY },
	};
	size_t i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (x >= cols[i].x0 && x < cols[i].x1)
			return cols[i].key;
	return -1;
}

int screens_vm_order(const struct console *c, int *order, int cap)
{
	int i, j, n = 0;

	for (i = 0; i < c->model.nr_vms && n < cap; i++)
		if (strcmp(c->model.vms[i].state, "gone") && filtered_in(c, &c->model.vms[i]))
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

void screens_select(struct console *c, const int *order, int n, int row)
{
	const struct vm_view *v;

	row = row >= n ? n - 1 : row;
	row = row < 0 ? 0 : row;
	c->selected = row;
	if (!n)
		return;
	v = &c->model.vms[order[row]];
	snprintf(c->sel_host, sizeof(c->sel_host), "%s", v->host);
	snprintf(c->sel_name, sizeof(c->sel_name), "%s", v->name);
}

int screens_selected(struct console *c, const int *order, int n)
{
	int i, row = -1;

	for (i = 0; i < n && row < 0; i++)
		if (!strcmp(c->model.vms[order[i]].name, c->sel_name) &&
		    !strcmp(c->model.vms[order[i]].host, c->sel_host))
			row = i;
	for (i = 0; i < n && row < 0; i++)
		if (!strcmp(c->model.vms[order[i]].name, c->sel_name))
			row = i;
	screens_select(c, order, n, row < 0 ? c->selected : row);
	return c->selected;
}

/* A row of the hosts table: a host's (vm -1) or a VM's (vm: its place
 * in the display order). */
struct table_row {
	const char *host;
	int vm;
};

/* Rows the table can have: every host and VM, and a group for each VM
 * on a host the hosts file does not name. */
#define TABLE_ROWS (MODEL_MAX_HOSTS + 2 * MODEL_MAX_VMS)

/* The table's rows: each host in cmp_hosts() order, then its VMs of
 * order (n of them, grouped alike by screens_vm_order()). A host shows
 * with no VMs too, unless a filter is set that neither its name nor any
 * of its VMs matches. Returns the number of rows. */
static int table_rows(const struct console *c, const int *order, int n,
		      struct table_row *rows)
{
	const char *names[TABLE_ROWS];
	int nn = 0, k = 0, i, j, vms;

	for (i = 0; i < c->model.nr_hosts; i++)
		names[nn++] = c->model.hosts[i];
	for (i = 0; i < n; i++) {
		const char *h = c->model.vms[order[i]].host;

		for (j = 0; j < nn && strcmp(names[j], h); j++)
			;
		if (j == nn)
			names[nn++] = h;
	}
	for (i = 1; i < nn; i++)   /* insertion sort: a handful of hosts */
		for (j = i; j > 0 && cmp_hosts(c, names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (i = 0; i < nn; i++) {
		for (j = 0, vms = 0; j < n; j++)
			vms += !strcmp(c->model.vms[order[j]].host, names[i]);
		if (!vms && c->filter[0] && !strstr(names[i], c->filter))
			continue;
		rows[k++] = (struct table_row){ names[i], -1 };
		for (j = 0; j < n; j++)
			if (!strcmp(c->model.vms[order[j]].host, names[i]))
				rows[k++] = (struct table_row){ names[i], j };
	}
	return k;
}

/* Table rows that fit on the screen. */
static int table_visible(void)
{
	return LINES - 3 - SCREENS_HOSTS_FIRST_Y;
}

/* The first row shown: the top, or as far down as keeps the selected VM
 * on the screen. */
static int table_top(const struct console *c, const struct table_row *rows, int nrows)
{
	int i, visible = table_visible();

	for (i = 0; i < nrows && rows[i].vm != c->selected; i++)
		;
	return i == nrows || i < visible ? 0 : i - visible + 1;
}

int screens_hosts_vm_at(const struct console *c, const int *order, int n, int y)
{
	struct table_row rows[TABLE_ROWS];
	int nrows = table_rows(c, order, n, rows), i = y - SCREENS_HOSTS_FIRST_Y;

	if (i < 0 || i >= table_visible())
		return -1;
	i += table_top(c, rows, nrows);
	return i < nrows ? rows[i].vm : -1;
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

/* The downtime so far as the title bar shows it ("downtime 73 ms  "),
 * or "" before the migration pauses the VM: the readout every width
 * keeps. */
static void title_downtime(const struct console *c, char *buf, size_t len)
{
	double dt = c->model.mig.id ? model_downtime(&c->model) : -1;

	buf[0] = '\0';
	if (dt >= 0)
		snprintf(buf, len, dt < 1 ? "downtime %.0f ms%s  " : "downtime %.2f s%s  ",
			 dt < 1 ? dt * 1e3 : dt,
			 c->model.mig.active && c->model.mig.t_resume < 0 ? " (paused)" : "");
}

/* Row 0: "dsmig  what" on the left, cut where the right part (downtime,
 * lost records, the clock) begins; never wrapped onto row 1. */
static void title_bar(struct console *c, const char *what)
{
	char clock[48] = "", lost[96], down[48], right[200], left[256];
	int x, room;

	fill_row(0, A(THEME_STATUS));   /* the bars top and bottom: one role */
	attron(A(THEME_STATUS));
	if (c->replaying)
		snprintf(clock, sizeof(clock), "replay %.1f/%.1f s x%g%s", c->replay.vt,
			 c->replay.duration, c->replay.speed, c->replay.paused ? " [paused]" : "");
	else
		snprintf(clock, sizeof(clock), "live %.0f s", c->model.now);
	lost_records(c, lost, sizeof(lost));
	title_downtime(c, down, sizeof(down));
	snprintf(right, sizeof(right), "%s%s%s", down, lost, clock);
	x = COLS - (int)strlen(right) - 1;
	x = x > 0 ? x : 0;
	mvaddnstr(0, x, right, COLS - x);
	snprintf(left, sizeof(left), "dsmig  %s", what);
	room = x - 2;
	if (room > 0)
		mvaddnstr(0, 1, left, room);
	attroff(A(THEME_STATUS));
}

void screens_title(struct console *c, const char *what)
{
	title_bar(c, what);
}

/* Is the summary card in front (screens_draw() draws it)? */
static int card_shown(const struct console *c)
{
	return c->screen == SCREEN_MIGRATION && c->model.mig.id && !c->model.mig.active &&
	       c->model.mig.exit_status >= 0 && c->summary_for != c->model.mig.id;
}

/* The keys of whatever is in front: a question, the help, the dialog,
 * the filter being typed, the card, else the view. */
static const char *footer_keys(const struct console *c)
{
	if (c->confirm_quit)
		return "y quit and cancel the migration  any other key: stay";
	if (c->help)
		return "any key closes the help";
	if (c->dlg.open)
		return "Up/Down field  Left/Right/Space change  type the cap  Enter launch  Esc close";
	if (c->vmd.asking)
		return "y stop the VM  any other key: keep it";
	if (c->vmd.open)
		return "Up/Down field  Left/Right/Space host, image  type name, memory  Enter start  Esc close";
	if (c->filtering)
		return "type to filter VMs by name or host  Enter keep  Esc clear";
	if (card_shown(c))
		return "Enter/Esc close the card  Tab hosts  H heat map  ? help  q quit";
	if (c->screen == SCREEN_DETAIL)
		return c->replaying ? "Esc/i back  Up/Down other VM  Space pause  +/- speed  Left/Right seek 10s  ? help  q quit" :
		       "Esc/i back  Up/Down other VM  F5/Enter migrate  n new VM  F9/K stop  z pause  F1/? help  F10/q quit";
	if (c->replaying)
		return "Space pause  +/- speed  Left/Right seek 10s  g/G start/end  Tab view  H heat map  ? help  q quit";
	if (c->screen == SCREEN_QUEUE)
		return "Up/Down item  c cancel it  p parallel  Tab hosts  F2/t theme  F1/? help  F10/q quit";
	if (c->screen == SCREEN_MIGRATION)
		return "c cancel  H heat map  Tab hosts  F2/t theme  ? help  F10/q quit";
	return "F5/Enter migrate  n new VM  F9/K stop  z pause  Space tag  e evacuate  w queue  / filter  F6/s sort  Tab view  F1/? help  F10/q quit";
}

static void footer(struct console *c)
{
	const char *keys = footer_keys(c);

	fill_row(LINES - 1, A(THEME_STATUS));
	attron(A(THEME_STATUS));
	mvaddnstr(LINES - 1, 1, keys, COLS - 2);
	attroff(A(THEME_STATUS));
	if (c->status[0] && LINES > 3) {
		attron(A(THEME_DIM));
		mvaddnstr(LINES - 2, 1, c->status, COLS - 2);
		attroff(A(THEME_DIM));
	}
}

/* A host's row: its hypervisor, CPU and memory (the machine's, marked
 * shared when its other hosts show the same), VMs and link; "-" for what
 * its probe did not say (or a log without host records). */
static void draw_host_row(struct console *c, int y, const char *name)
{
	int i = model_host(&c->model, name), vms = model_host_vms(&c->model, name);
	const struct host_view *h = i >= 0 ? &c->model.host_info[i] : NULL;
	char cpu[16] = "-", mem[48] = "-";

	if (h && h->cpu_pct >= 0)
		snprintf(cpu, sizeof(cpu), "%.1f%%", h->cpu_pct);
	if (h && h->mem_total > 0)
		snprintf(mem, sizeof(mem), "%lld/%lld MiB", (long long)(h->mem_used >> 20),
			 (long long)(h->mem_total >> 20));
	if (h && h->unreachable[0]) {   /* an ssh host whose connection is down */
		attron(A(THEME_WARN) | A_BOLD);
		screens_print(stdscr, y, 1, "%-8.8s %-4s unreachable: %s", name, h->hv,
			      h->unreachable);
		attroff(A(THEME_WARN) | A_BOLD);
		return;
	}
	attron(A(THEME_HEADER) | A_BOLD);
	screens_print(stdscr, y, 1, "%-8.8s %-4s CPU %6s  MEM %-17s %-7s %2d VM%s  link: %s", name,
		      h && h->has_probe ? h->hv : "-", cpu, mem,
		      h && h->shared ? "shared" : "", vms, vms == 1 ? " " : "s",
		      h && h->has_probe ? h->link : "-");
	attroff(A(THEME_HEADER) | A_BOLD);
}

static void draw_vm_row(struct console *c, int y, const struct vm_view *v, int selected)
{
	int k = series_window(&v->cpu_hist, -1, buf_t[0], buf_v[0], SERIES_CAP);
	int spark = COLS - 88;
	attr_t a = selected ? A(THEME_SELECTED) : A(THEME_TEXT);
	char dirty[16] = "-";

	if (v->dirty_pps >= 0)
		snprintf(dirty, sizeof(dirty), "%.0f", v->dirty_pps);
	if (selected)
		fill_row(y, a);
	attron(a);
	screens_print(stdscr, y, 1, "%-8.8s %-12.12s %-9.9s %5d %8llu %6.1f %-8.8s %9s %10.1f  ", v->host,
		 v->name, v->state, v->vcpus, (unsigned long long)(v->mem_bytes >> 20),
		 v->vcpu_total, v->workload, dirty, v->progress_ps);
	attroff(a);
	if (tags_has(c, v)) {   /* tagged (Space, e): htop's mark, before the row */
		attron(A(THEME_WARN) | A_BOLD);
		mvaddch(y, 0, '*');
		attroff(A(THEME_WARN) | A_BOLD);
	}
	if (spark > 4) {
		attron(A(THEME_SERIES1));
		plot_sparkline(stdscr, y, 87, spark < 60 ? spark : 60, buf_v[0], k, 100,
			       c->utf8);
		attroff(A(THEME_SERIES1));
	}
}

/* The hosts table: a row per host, its VMs under it. */
static void draw_hosts(struct console *c)
{
	static const char *const sort_names[] = { "host", "name", "vcpu%", "dirty/s" };
	int order[MODEL_MAX_VMS], n = screens_vm_order(c, order, MODEL_MAX_VMS), i, y, nrows;
	struct table_row rows[TABLE_ROWS];
	char what[160], queue_line[160];

	snprintf(what, sizeof(what), "hosts (%d), VMs (%d)  sorted by %s%s%s%s%s",
		 c->model.nr_hosts, n, sort_names[c->sort], c->sort_reverse ? ", reversed" : "",
		 c->filter[0] || c->filtering ? "  filter: " : "", c->filter,
		 c->filtering ? "_" : "");
	title_bar(c, what);
	attron(A(THEME_HEADER) | A_BOLD);
	screens_print(stdscr, SCREENS_HOSTS_HEADER_Y, 1, "%-8s %-12s %-9s %5s %8s %6s %-8s %9s %10s  %s", "HOST", "VM", "STATE",
		 "VCPUS", "MEM(MiB)", "VCPU%", "WORKLOAD", "DIRTY/s", "PROGRESS/s", "VCPU HISTORY");
	attroff(A(THEME_HEADER) | A_BOLD);
	screens_selected(c, order, n);
	nrows = table_rows(c, order, n, rows);
	for (i = table_top(c, rows, nrows), y = SCREENS_HOSTS_FIRST_Y; i < nrows && y < LINES - 3;
	     i++, y++) {
		if (rows[i].vm < 0)
			draw_host_row(c, y, rows[i].host);
		else
			draw_vm_row(c, y, &c->model.vms[order[rows[i].vm]],
				    rows[i].vm == c->selected);
	}
	if (!n && y + 1 < LINES - 3) {
		attron(A(THEME_DIM));
		screens_print(stdscr, y + 1, 3, "No VMs found on the hosts (%d) yet.", c->model.nr_hosts);
		attroff(A(THEME_DIM));
	}
	queue_view_line(c, queue_line, sizeof(queue_line));
	if (queue_line[0] && LINES > 8) {
		attron(A(queue_count(&c->model.queue, QUEUE_RUNNING) ? THEME_WARN : THEME_TEXT));
		screens_print(stdscr, LINES - 3, 1, "%s", queue_line);
		attroff(A(queue_count(&c->model.queue, QUEUE_RUNNING) ? THEME_WARN : THEME_TEXT));
	} else if (c->model.mig.id && LINES > 8) {
		attron(A(c->model.mig.active ? THEME_WARN : c->model.mig.exit_status ? THEME_BAD
										: THEME_GOOD));
		screens_print(stdscr, LINES - 3, 1, "migration %d: %s %s -> %s: %s%s", c->model.mig.id,
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

/* Chart series from a model ring, copied into scratch slot `slot`, each
 * value times scale. */
static void chart_series(struct plot_series *ps, int slot, const struct series *src,
			 double since, double scale, enum theme_role role, const char *label)
{
	int i;

	ps->t = buf_t[slot];
	ps->v = buf_v[slot];
	ps->n = series_window(src, since, buf_t[slot], buf_v[slot], SERIES_CAP);
	for (i = 0; scale != 1 && i < ps->n; i++)
		buf_v[slot][i] *= scale;
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
	chart_series(&s[0], 0, &g->vcpu_src, t0, 1, THEME_SERIES1, "source");
	chart_series(&s[1], 1, &g->vcpu_dst, t0, 1, THEME_SERIES2, "destination");
	spec.unit = "%";
	spec.ymax = 100;
	spec.series = s;
	spec.nseries = 2;
	chart(c, y, 1, hh, w, "vCPU utilisation of the VM", &spec);

	memset(&spec, 0, sizeof(spec));
	memset(s, 0, sizeof(s));
	chart_series(&s[0], 2, &g->net_bps, t0, 1e-6, THEME_SERIES1,
		     g->wire_na[0] ? g->wire_na
		     : !strcmp(c->model.net_method, "procfs") ? "wire (/proc, all lo traffic)"
		     : c->model.net_method[0] ? "wire (pcap)" : "engine");
	/* The guest's own traffic (its NIC), when it has one. */
	chart_series(&s[1], 3, &g->nic_bps, t0, 1e-6, THEME_SERIES2, "guest NIC");
	spec.unit = "Mbit/s";
	spec.series = s;
	spec.nseries = s[1].n > 0 ? 2 : 1;
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
		screens_print(stdscr, row++, x + 1, "%+7.2fs %s", g->phases[i].t - g->t_launch,
			 g->phases[i].name);
		attroff(A(failed ? THEME_BAD : THEME_PHASE));
	}
	screens_print(stdscr, row++, x + 1, "round %d, %.2f MiB sent", g->round, g->bytes_sent / 1048576);
	if (g->has_est && !strcmp(g->phase, "precopy")) {
		/* The engine's re-prediction after the last round. */
		screens_print(stdscr, row++, x + 1, "%.0f%% of ~%.2f MiB, %.2f MiB left",
			      g->est.percent, (double)g->est.final_bytes / 1048576,
			      (double)g->est.bytes_left / 1048576);
		screens_print(stdscr, row++, x + 1, "dirtying %.0f pages/s, sending %.0f/s",
			      g->est.dirty_pps, g->est.send_pps);
		screens_print(stdscr, row++, x + 1, "if paused now: %.0f ms down",
			      (double)g->est.downtime_now_ns / 1e6);
	}
	if (g->pc_missing)
		screens_print(stdscr, row++, x + 1, "post-copy: %llu/%llu pages in, %llu faults",
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
	screens_print(stdscr, y, 1, "Events");
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

/* "(-12.3% vs 1.23 s)" against the previous run's value pv, as text
 * pv_text, or "" without a previous run (pv_text NULL) or one whose
 * value was not positive. */
static void versus(char *buf, size_t len, const char *pv_text, double pv, double now)
{
	if (pv_text && pv > 0)
		snprintf(buf, len, "(%+.1f%% vs %s)", 100.0 * (now / pv - 1), pv_text);
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
	screens_print(win, y, 2, "Post-copy: %s pages missing, %s faults, median %s",
		  or_na(pages, telemetry_read_summary_has(s, "postcopy.missing_pages")),
		  or_na(faults, telemetry_read_summary_has(s, "postcopy.faults")),
		  or_na(median, telemetry_read_summary_has(s, "postcopy.fault_median_ns")));
	screens_print(win, y + 1, 2, "  every page resident after %s",
		  or_na(resident, telemetry_read_summary_has(s, "postcopy.resident_ns")));
}

/* One row of a time span: its label, the value or "n/a", and the change
 * against prev (NULL: no comparison) when both summaries carried it. */
static void span_row(WINDOW *win, int y, const char *label, const struct tel_summary *s,
		     const struct tel_summary *prev, const char *key)
{
	char t[GUEST_METRICS_TEXT], pt[GUEST_METRICS_TEXT], v[64] = "";
	double now, before;

	if (prev && telemetry_read_summary_number(prev, key, &before) &&
	    telemetry_read_summary_number(s, key, &now))
		versus(v, sizeof(v), guest_metrics_span(prev, key, pt, sizeof(pt)), before, now);
	screens_print(win, y, 2, "%-25s %10s  %s", label, guest_metrics_span(s, key, t, sizeof(t)), v);
}

/* Text at row y, column *x of win, in attribute attr, clipped to the
 * frame; *x moves past it. */
static void card_put(WINDOW *win, int y, int *x, attr_t attr, const char *text)
{
	int room = getmaxx(win) - 1 - *x;

	if (y >= getmaxy(win) - 1 || room <= 0)
		return;
	wattron(win, attr);
	mvwaddnstr(win, y, *x, text, room);
	wattroff(win, attr);
	*x += (int)strlen(text);
}

/* What the web clients saw during the migration (the model's client
 * seconds), on one row: the longest gap and the requests, a failed or
 * reset count that is not 0 in bad. Nothing, and returns y, when no
 * client record came during it; else returns the row after it. */
static int client_row(WINDOW *win, int y, const struct migration_view *g, attr_t bad)
{
	char gap[32], text[128];
	int x = 2;

	if (!g->client_seconds)
		return y;
	if (g->client_has_gap)
		snprintf(gap, sizeof(gap), "%.2f s", (double)g->client_gap_ns / 1e9);
	else
		snprintf(gap, sizeof(gap), "n/a");
	snprintf(text, sizeof(text), "%-25s %10s  (%lld requests, ", "Clients' longest gap", gap,
		 (long long)g->client_ok);
	card_put(win, y, &x, A_NORMAL, text);
	snprintf(text, sizeof(text), "%lld failed", (long long)g->client_failed);
	card_put(win, y, &x, g->client_failed ? bad : A_NORMAL, text);
	card_put(win, y, &x, A_NORMAL, ", ");
	snprintf(text, sizeof(text), "%lld resets", (long long)g->client_resets);
	card_put(win, y, &x, g->client_resets ? bad : A_NORMAL, text);
	card_put(win, y, &x, A_NORMAL, ")");
	return y + 1;
}

/* The card's numbers: what the guest lived through first, then the
 * engine's downtime, time, bytes and progress. */
/* The prediction made before the launch (src/ui/predict.h) beside the
 * summary, and each number's error against what happened; returns the
 * row after it. */
static int predicted_rows(WINDOW *win, int y, const struct migration_view *g)
{
	const struct tel_summary *s = &g->summary;
	double t = (double)s->total_time_ns / 1e9, d = (double)s->downtime_ns / 1e9;
	double b = (double)s->bytes_total;

	if (!g->has_predicted) {
		screens_print(win, y, 2, "Predicted before launch   n/a (uncapped, or no footprint "
			      "from its VMM yet)");
		return y + 1;
	}
	screens_print(win, y++, 2, "Predicted before launch   %.2f s, down %.0f ms, %.2f MiB",
		      g->predicted_total_s, g->predicted_downtime_s * 1e3,
		      g->predicted_bytes / 1048576);
	screens_print(win, y++, 2, "  off by                  %+.0f%%, %+.0f%%, %+.0f%%",
		      t > 0 ? 100 * (g->predicted_total_s - t) / t : 0,
		      d > 0 ? 100 * (g->predicted_downtime_s - d) / d : 0,
		      b > 0 ? 100 * (g->predicted_bytes - b) / b : 0);
	return y;
}

static void draw_summary_numbers(WINDOW *win, const struct migration_view *g,
				 const struct tel_summary *prev, attr_t bad)
{
	const struct tel_summary *s = &g->summary;
	char b1[32], v1[64], t1[GUEST_METRICS_TEXT], t2[GUEST_METRICS_TEXT],
	     t3[GUEST_METRICS_TEXT];
	const char *na = guest_metrics_na(s);
	int y = 2;

	span_row(win, y++, "The guest's longest stall", s, prev, "guest_stall_ns");
	span_row(win, y++, "  from its heartbeat", s, NULL, "guest_stall_hb_ns");
	span_row(win, y++, "Degraded time", s, prev, "degraded_ns");
	span_row(win, y++, "Switch-over gap", s, NULL, "guest_downtime_ns");
	span_row(win, y++, "Downtime (engine)", s, prev, "downtime_ns");
	y = client_row(win, y, g, bad);
	if (prev)
		snprintf(t2, sizeof(t2), "%.2f s", (double)prev->total_time_ns / 1e9);
	versus(v1, sizeof(v1), prev ? t2 : NULL, prev ? (double)prev->total_time_ns : 0,
	       (double)s->total_time_ns);
	snprintf(t1, sizeof(t1), "%.2f s", (double)s->total_time_ns / 1e9);
	screens_print(win, y++, 2, "Total migration time      %10s  %s", t1, v1);
	human(b1, sizeof(b1), (double)s->bytes_total);
	if (prev)
		human(t2, sizeof(t2), (double)prev->bytes_total);
	versus(v1, sizeof(v1), prev ? t2 : NULL, prev ? (double)prev->bytes_total : 0,
	       (double)s->bytes_total);
	screens_print(win, y++, 2, "Data transferred          %10s  %s", b1, v1);
	y = predicted_rows(win, y, g);
	screens_print(win, y++, 2, "Progress  before %s, during %s, after %s",
		  guest_metrics_rate(s, "before", t1, sizeof(t1)),
		  guest_metrics_rate(s, "during", t2, sizeof(t2)),
		  guest_metrics_rate(s, "after", t3, sizeof(t3)));
	screens_print(win, y++, 2, "  slowdown during the migration: %s",
		  guest_metrics_slowdown(s, b1, sizeof(b1)));
	screens_print(win, y++, 2, "Rounds %lld, stopped by %s, verify %s",
		  (long long)s->iterations, s->stop_reason, s->verify);
	if (na)
		y = screens_print_wrapped(win, y, 2, 2, "n/a: ", na);
	if (s->has_postcopy)
		draw_summary_postcopy(win, y, s);
}

/* Where the VMMs the console watches say a VM is now ("running on
 * hostA, incoming on hostB"), from the model's probe rows: what the
 * operator can rely on after a failure, whatever the exit status says. */
static void vm_whereabouts(const struct model *m, const char *vm, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < m->nr_vms && n < len; i++) {
		const struct vm_view *v = &m->vms[i];

		if (strcmp(v->name, vm) || !strcmp(v->state, "gone"))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s on %s", n ? ", " : "", v->state,
				      v->host);
	}
	if (!buf[0])
		snprintf(buf, len, "on no host the console watches");
}

/* A run that did not end with a summary: why, and where the VM is. */
static void draw_summary_failed(WINDOW *win, const struct console *c)
{
	const struct migration_view *g = &c->model.mig;
	const char *status = migrate_exit_status(g->exit_status);
	char where[256];
	int y;

	y = screens_print_wrapped(win, 2, 2, 4, "", g->error[0] ? g->error : "no summary");
	vm_whereabouts(&c->model, g->vm, where, sizeof(where));
	y = screens_print_wrapped(win, y + 1, 2, 2, "The VMMs say the VM is ", where);
	screens_print(win, y + 1, 2, "dsmig migrate: exit %d (%s)", g->exit_status,
		      status ? status : "not a documented status");
	client_row(win, y + 3, g, A(THEME_BAD));
}

static void draw_summary(struct console *c)
{
	const struct migration_view *g = &c->model.mig;
	const struct tel_summary *prev = c->model.has_prev ? &c->model.prev_summary : NULL;
	enum theme_role role = g->cancelled ? THEME_WARN : g->exit_status ? THEME_BAD : THEME_GOOD;
	WINDOW *win = screens_overlay(c, 19 + (g->client_seconds > 0), 76, role);

	if (!win)
		return;
	wattron(win, A(role));
	screens_print(win, 0, 2, " Migration %d of %s: %s ", g->id, g->vm,
		      g->cancelled ? "CANCELLED" : g->exit_status ? "FAILED" : "done");
	wattroff(win, A(role));
	if (g->exit_status || !g->has_summary)
		draw_summary_failed(win, c);
	else
		draw_summary_numbers(win, g, prev, A(THEME_BAD));
	wattron(win, A(THEME_DIM));
	screens_print(win, getmaxy(win) - 2, 2, "Enter/Esc: close   %s",
		      g->exit_status || !g->has_summary ? "" :
		      prev ? "compared with the last run of this VM, method and cap" :
			     "no earlier run of this VM, method and cap");
	wattroff(win, A(THEME_DIM));
	wnoutrefresh(win);
	delwin(win);
}

static void draw_migration(struct console *c)
{
	const struct migration_view *g = &c->model.mig;
	char what[200], progress[48] = "";
	int side = COLS >= 100 ? 38 : 0, logh = LINES >= 30 ? 7 : 4;
	int top = 2, h = LINES - top - logh - 2;

	if (!g->id) {
		title_bar(c, "migration");
		attron(A(THEME_DIM));
		screens_print(stdscr, 3, 3, "No migration yet. Select a VM on the hosts view (Tab) and press Enter.");
		attroff(A(THEME_DIM));
		return;
	}
	/* Most telling first: a narrow window cuts from the right. While
	 * pre-copy runs, its progress: percent of the predicted bytes and
	 * the time until the destination runs (the engine's estimate). */
	if (g->has_est && !strcmp(g->phase, "precopy"))
		snprintf(progress, sizeof(progress), " %.0f%%, ~%.1f s to resume", g->est.percent,
			 (double)g->est.until_resume_ns / 1e9);
	snprintf(what, sizeof(what), "migration %d: %s %s -> %s [%s%s]  %s  %s%s  %d ranks", g->id,
		 g->vm, g->from, g->to, g->phase, progress, g->method,
		 g->cap_bps > 0 ? "cap " : "uncapped", g->cap_bps > 0 ? g->bandwidth : "", g->ranks);
	title_bar(c, what);
	if (g->wire_na[0] || (!strcmp(c->model.net_method, "procfs") && c->model.net_note[0])) {
		attron(A(THEME_WARN));
		mvaddnstr(1, 1, g->wire_na[0] ? g->wire_na : c->model.net_note, COLS - 2);
		attroff(A(THEME_WARN));
	}
	if (h >= 8 && c->heatmap)
		heatmap_draw(stdscr, &c->theme, g->has_heat ? &g->heat : NULL, top, 1, h,
			     COLS - side - 2, c->utf8);
	else if (h >= 8)
		draw_charts(c, top, h, COLS - side - 2);
	if (side && h >= 8)
		draw_side(c, top, COLS - side, h, side - 1);
	draw_log(c, LINES - logh - 2, logh);
}

static void draw_help(struct console *c)
{
	static const char *const lines[] = {
		"Hosts view",
		"  Up/Down, j/k   select a VM          s, F6  change the sort order",
		"  Enter, m, F5   migrate the VM       I    invert the sort",
		"  /              filter by name or host (Enter keeps it, Esc clears)",
		"  mouse          click a row to select it, a column header to sort",
		"  i, F3          the VM in detail: config, migrations, rounds (Esc back)",
		"  Space          tag / untag the VM   U    untag all",
		"  n              start a new VM (on the selected VM's host)",
		"  K, F9          stop the VM (asks y/n)  z  pause / resume the VM",
		"  e              evacuate the host: tag its running VMs",
		"                 (with VMs tagged, Enter queues one migration each)",
		"  w              the migration queue view",
		"  Tab            switch to the migration view",
		"Queue view",
		"  Up/Down        select an item       p    parallel: 1..4 at a time",
		"  c              cancel the item (queued: never runs; running: stopped)",
		"Migration view",
		"  c              cancel the migration (the VM stays on its source)",
		"  H              page-heat map / charts",
		"  Enter, Esc     close the summary card",
		"Replay",
		"  Space          pause / play         +/-  speed x2 / /2",
		"  Left/Right     seek 10 s            g/G  start / end",
		"Everywhere",
		"  t, F2          next colour theme    ?, F1, h  this help",
		"  q, F10         quit (asks while a migration runs)",
		"",
		"Any key closes this help.",
	};
	int n = sizeof(lines) / sizeof(lines[0]), w = 76, i;
	WINDOW *win = screens_overlay(c, n + 2, w, THEME_BORDER);

	if (!win)
		return;
	wattron(win, A(THEME_TITLE));
	screens_print(win, 0, 2, " dsmig console: keys ");
	wattroff(win, A(THEME_TITLE));
	for (i = 0; i < n; i++)
		screens_print(win, 1 + i, 2, "%s", lines[i]);
	wnoutrefresh(win);
	delwin(win);
}

static void draw_confirm(struct console *c)
{
	WINDOW *win = screens_overlay(c, 5, 64, THEME_WARN);

	if (!win)
		return;
	screens_print(win, 1, 2, "A migration is running. Quit anyway? [y/N]");
	screens_print(win, 2, 2, "It will be cancelled; the VM stays on its source.");
	wnoutrefresh(win);
	delwin(win);
}

void screens_draw(struct console *c)
{
	erase();
	if (screens_too_small()) {
		mvaddnstr(0, 0, "dsmig: window too small", COLS);
		mvaddnstr(1, 0, c->confirm_quit ? "Quit and cancel the migration? y/N" : "q quits",
			  COLS);
	} else {
		if (c->screen == SCREEN_HOSTS)
			draw_hosts(c);
		else if (c->screen == SCREEN_DETAIL)
			detail_draw(c);
		else if (c->screen == SCREEN_QUEUE)
			queue_view_draw(c);
		else
			draw_migration(c);
		footer(c);
	}
	wnoutrefresh(stdscr);
	/* Overlays, each its own window over stdscr. */
	if (screens_too_small()) {
		doupdate();
		return;
	}
	if (card_shown(c))
		draw_summary(c);
	if (c->dlg.open)
		dialog_draw(c);
	if (c->vmd.open)
		vmdialog_draw(c);
	if (c->vmd.asking)
		vmdialog_draw_ask(c);
	if (c->help)
		draw_help(c);
	if (c->confirm_quit)
		draw_confirm(c);
	doupdate();
}

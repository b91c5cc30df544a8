/*
 * The VM detail view (i or F3 on the hosts view): the selected VM's
 * configuration and latest samples, its migrations this session (the
 * model's history of finished runs, and the one running), and the rounds
 * of its latest migration. Everything comes from the model, so a replay
 * shows what the live console showed. Esc or i goes back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/guest_metrics.h"
#include "ui/console_int.h"

#define A(role) theme_attr(&c->theme, (role))

/* The columns of the migrations and of the rounds, for the header and the
 * rows alike. */
#define MIG_COLUMNS   "%3s  %-9s %-8s %-18s %-10s %12s %10s %10s %11s"
#define ROUND_COLUMNS "%5s %11s %9s %9s %13s %12s %9s"

/* A section title at row y. */
static void section(struct console *c, int y, const char *title)
{
	attron(A(THEME_TITLE) | A_BOLD);
	screens_print(stdscr, y, 1, "%s", title);
	attroff(A(THEME_TITLE) | A_BOLD);
}

/* A column header at row y. */
static void header(struct console *c, int y, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void header(struct console *c, int y, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	attron(A(THEME_HEADER) | A_BOLD);
	screens_print(stdscr, y, 2, "%s", text);
	attroff(A(THEME_HEADER) | A_BOLD);
}

/* A dim note at row y (an empty list). */
static void note(struct console *c, int y, const char *text)
{
	attron(A(THEME_DIM));
	screens_print(stdscr, y, 3, "%s", text);
	attroff(A(THEME_DIM));
}

/* The VM's configuration and latest samples, from row y; returns the row
 * after them. */
static int draw_config(struct console *c, int y, const struct vm_view *v)
{
	int h = model_host(&c->model, v->host);
	const struct host_view *hv = h >= 0 ? &c->model.host_info[h] : NULL;
	char dirty[16] = "-", mem[24];

	if (v->dirty_pps >= 0)
		snprintf(dirty, sizeof(dirty), "%.0f", v->dirty_pps);
	snprintf(mem, sizeof(mem), "%llu MiB", (unsigned long long)(v->mem_bytes >> 20));
	section(c, y++, "Configuration");
	screens_print(stdscr, y++, 3, "host   %-12s hypervisor %-10s state      %s", v->host,
		      hv && hv->has_probe ? hv->hv : "-", v->state);
	screens_print(stdscr, y++, 3, "vCPUs  %-12d memory     %-10s workload   %s", v->vcpus,
		      mem, v->workload);
	screens_print(stdscr, y++, 3, "vCPU%%  %-12.1f dirty/s    %-10s progress/s %.1f",
		      v->vcpu_total, dirty, v->progress_ps);
	return y + 1;
}

/* "12.34 MiB", or "n/a" when summary s (NULL: none) lacks bytes_total. */
static const char *bytes_text(const struct tel_summary *s, char *buf, size_t len)
{
	if (!s || !telemetry_read_summary_has(s, "bytes_total"))
		return "n/a";
	snprintf(buf, len, "%.2f MiB", (double)s->bytes_total / 1048576);
	return buf;
}

/* "14.34 s" as the summary card says it, or "n/a" when summary s (NULL:
 * none) lacks total_time_ns. */
static const char *total_text(const struct tel_summary *s, char *buf, size_t len)
{
	if (!s || !telemetry_read_summary_has(s, "total_time_ns"))
		return "n/a";
	snprintf(buf, len, "%.2f s", (double)s->total_time_ns / 1e9);
	return buf;
}

/* One migration's row: s is its summary (NULL: none, its numbers n/a). */
static void mig_row(int y, int id, const char *method, const char *bandwidth,
		    const char *from, const char *to, const char *result,
		    const struct tel_summary *s)
{
	static const struct tel_summary none;
	const struct tel_summary *k = s ? s : &none;
	char num[16], hosts[140], stall[GUEST_METRICS_TEXT], down[GUEST_METRICS_TEXT],
	     total[32], bytes[32];

	snprintf(num, sizeof(num), "%d", id);
	snprintf(hosts, sizeof(hosts), "%s -> %s", from, to);
	screens_print(stdscr, y, 2, MIG_COLUMNS, num, method,
		      strcmp(bandwidth, "0") ? bandwidth : "none", hosts, result,
		      guest_metrics_span(k, "guest_stall_ns", stall, sizeof(stall)),
		      guest_metrics_span(k, "downtime_ns", down, sizeof(down)),
		      total_text(s, total, sizeof(total)),
		      bytes_text(s, bytes, sizeof(bytes)));
}

/* How a finished run ended. */
static const char *result_text(const struct mig_history *h)
{
	return h->cancelled ? "cancelled" : h->exit_status ? "failed" : "done";
}

/* The VM's migrations this session, oldest first, in rows y .. y+rows-1
 * (the latest when they do not all fit); returns the row after them. */
static int draw_migrations(struct console *c, int y, int rows, const char *vm)
{
	const struct model *m = &c->model;
	const struct migration_view *g = &m->mig;
	int running = g->active && !strcmp(g->vm, vm), n = running, i, skip;
	char result[40];

	for (i = 0; i < m->nr_history; i++)
		n += !strcmp(m->history[i].vm, vm);
	section(c, y++, "Migrations this session");
	if (!n) {
		note(c, y, "none");
		return y + 2;
	}
	header(c, y++, MIG_COLUMNS, "#", "METHOD", "CAP", "FROM -> TO", "RESULT", "GUEST STALL",
	       "DOWNTIME", "TOTAL", "BYTES");
	skip = n > rows ? n - rows : 0;
	for (i = 0; i < m->nr_history; i++) {
		const struct mig_history *h = &m->history[i];

		if (strcmp(h->vm, vm) || skip-- > 0)
			continue;
		mig_row(y++, h->id, h->method, h->bandwidth, h->from, h->to, result_text(h),
			h->has_summary ? &h->summary : NULL);
	}
	if (running) {
		snprintf(result, sizeof(result), "%s", g->phase);
		mig_row(y++, g->id, g->method, g->bandwidth, g->from, g->to, result, NULL);
	}
	return y + 1;
}

/* One round's row. */
static void round_row(int y, const struct round_view *r)
{
	char num[16], sent[24], zero[24], dirtied[24], hot[24], bytes[24], secs[24];

	snprintf(num, sizeof(num), "%d", r->round);
	snprintf(sent, sizeof(sent), "%lld", (long long)r->pages_sent);
	snprintf(zero, sizeof(zero), "%lld", (long long)r->zero_pages);
	snprintf(dirtied, sizeof(dirtied), "%lld", (long long)r->dirtied);
	snprintf(hot, sizeof(hot), "%lld", (long long)r->hot_deferred);
	snprintf(bytes, sizeof(bytes), "%.2f MiB", r->bytes / 1048576);
	snprintf(secs, sizeof(secs), "%.2f s", r->duration_s);
	screens_print(stdscr, y, 2, ROUND_COLUMNS, num, sent, zero, dirtied, hot, bytes, secs);
}

/* The rounds of the VM's latest migration (the model's current one if it
 * is the VM's, else its latest in the history), in rows y .. y+rows-1. */
static void draw_rounds(struct console *c, int y, int rows, const char *vm)
{
	const struct model *m = &c->model;
	const struct round_view *r = NULL;
	int n = 0, id = 0, i;
	char title[64];

	if (m->mig.id && !strcmp(m->mig.vm, vm)) {
		r = m->mig.rounds;
		n = m->mig.nr_rounds;
		id = m->mig.id;
	}
	for (i = m->nr_history - 1; i >= 0 && !id; i--)
		if (!strcmp(m->history[i].vm, vm)) {
			r = m->history[i].rounds;
			n = m->history[i].nr_rounds;
			id = m->history[i].id;
		}
	if (!id) {
		section(c, y, "Rounds");
		note(c, y + 1, "none: no migration yet");
		return;
	}
	snprintf(title, sizeof(title), "Rounds of migration %d", id);
	section(c, y++, title);
	if (!n) {
		note(c, y, "no round yet");
		return;
	}
	header(c, y++, ROUND_COLUMNS, "ROUND", "PAGES SENT", "ZERO", "DIRTIED", "HOT DEFERRED",
	       "BYTES", "DURATION");
	for (i = n > rows - 1 ? n - (rows - 1) : 0; i < n; i++)
		round_row(y++, &r[i]);
}

void detail_draw(struct console *c)
{
	int order[MODEL_MAX_VMS], n = screens_vm_order(c, order, MODEL_MAX_VMS);
	const struct vm_view *v;
	char what[200];
	int y, room;

	if (!n) {
		screens_title(c, "VM detail");
		note(c, 3, "No VM to show: none is running on the hosts. Esc goes back.");
		return;
	}
	/* The selection follows its VM (it may have moved to another host). */
	v = &c->model.vms[order[screens_selected(c, order, n)]];
	snprintf(what, sizeof(what), "VM %s on %s [%s]", v->name, v->host, v->state);
	screens_title(c, what);
	y = draw_config(c, 2, v);
	/* Half of what is left for the migrations, the rest for the rounds. */
	room = LINES - 3 - y;
	y = draw_migrations(c, y, room / 2 - 3 > 1 ? room / 2 - 3 : 1, v->name);
	draw_rounds(c, y, LINES - 3 - y - 1, v->name);
}

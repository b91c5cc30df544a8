/*
 * The migration dialog: VM (the selected row), destination, method,
 * bandwidth cap, ranks, maximum iterations, verify, over a migration
 * request (common/migreq.h) that starts from its defaults. The cap is
 * typed text read by the common rate parser: Enter launches the engine
 * through live_migrate() only if it is a rate, else it says why and stays
 * open; Esc closes. With VMs tagged (tags.c) it is the dialog of the
 * batch: the same fields and how many run at once (parallel), and Launch
 * queues one migration per tagged VM (live_queue()), refusing, with the
 * reason, a VM already on the destination, not running, or queued.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/migreq.h"
#include "common/units.h"
#include "ui/console_int.h"
#include "ui/predict.h"

enum field { F_DEST, F_METHOD, F_BW, F_RANKS, F_ITERS, F_VERIFY, F_PARALLEL, F_LAUNCH, F_NR };

static const char *const bw_presets[] = { "12M", "100M", "1G", "0" };

/* The dialog offers fewer than the request allows: what fits one host. */
#define DIALOG_MAX_RANKS 8
#define DIALOG_MAX_ITERS 30
#define NR_PRESETS (sizeof(bw_presets) / sizeof(bw_presets[0]))

static const char *host_runtime_name(const struct console *c, int i)
{
	return c->hosts.h[i].name;
}

/* Whether `dsmig migrate` takes host name as an end: hosts_resolve()
 * decides for a kvm host; the xen host (the dom0 dsmig runs in) is an end
 * of Xen migrations, within itself (docs/xen.md). Returns 0, or -1 with
 * the reason in why (len may be 0). */
static int migrate_end(const struct console *c, const char *name, char *why, size_t len)
{
	char dir[sizeof(c->hosts.h[0].runtime)];

	if (hosts_is_xen(&c->hosts, name))
		return 0;
	return hosts_resolve(&c->hosts, name, dir, sizeof(dir), why, len);
}

/* Next host index that dsmig can migrate the VM to, stepping by dir: for
 * a VM on a kvm host another kvm host, reached the same way (an ssh host
 * to an ssh host: dsmig migrate runs the ranks there over ssh; else one
 * of this machine's); on the xen host that host itself, the only Xen
 * migration dsmig does yet. */
static int next_dest(const struct console *c, int from, int dir)
{
	int n = (int)c->hosts.n, i = from, k, xen = hosts_is_xen(&c->hosts, c->dlg.req.from);
	int ssh = hosts_is_ssh(hosts_find(&c->hosts, c->dlg.req.from));

	for (k = 0; k < n; k++) {
		const char *name;

		i = (i + dir + n) % n;
		name = host_runtime_name(c, i);
		if (xen ? !strcmp(name, c->dlg.req.from) :
		    strcmp(name, c->dlg.req.from) && !hosts_is_xen(&c->hosts, name) &&
		    hosts_is_ssh(&c->hosts.h[i]) == ssh && !migrate_end(c, name, NULL, 0))
			return i;
	}
	return -1;
}

/* dsm-pull needs post-copy, which Xen's toolstack lacks: the engine
 * refuses it (docs/xen.md), and so does the dialog, before launching. */
static int method_offered(const struct console *c, const char *method)
{
	return !(hosts_is_xen(&c->hosts, c->dlg.req.from) && !strcmp(method, "dsm-pull"));
}

/* Fields shown: parallel only for a batch. */
static int field_shown(const struct dialog *d, int f)
{
	return f != F_PARALLEL || d->batch;
}

/* The next shown field from f, stepping by dir (cyclic). */
static int next_field(const struct dialog *d, int f, int dir)
{
	do
		f = (f + F_NR + dir) % F_NR;
	while (!field_shown(d, f));
	return f;
}

/* The row of field f under the title, and back: one VM's dialog has no
 * parallel row. */
static int field_row(const struct dialog *d, int f)
{
	return f > F_PARALLEL && !d->batch ? f - 1 : f;
}

static int row_field(const struct dialog *d, int row)
{
	return row >= F_PARALLEL && !d->batch ? row + 1 : row;
}

void dialog_open_batch(struct console *c)
{
	const struct vm_view *v[MODEL_MAX_VMS];
	int n = tags_vms(c, v, MODEL_MAX_VMS);
	struct dialog *d = &c->dlg;

	if (!n) {
		snprintf(c->status, sizeof(c->status), "the tagged VMs are gone");
		return;
	}
	memset(d, 0, sizeof(*d));
	migreq_defaults(&d->req);
	/* The destinations offered: those of the first VM's host. */
	snprintf(d->req.from, sizeof(d->req.from), "%s", v[0]->host);
	units_format_rate(d->req.bandwidth_bps, d->bw_text, sizeof(d->bw_text));
	d->dest = next_dest(c, -1, 1);
	if (d->dest < 0) {
		snprintf(c->status, sizeof(c->status),
			 "no host to migrate to (add a kvm host to the hosts file)");
		return;
	}
	d->batch = n;
	d->parallel = c->model.queue.parallel;
	d->open = 1;
}

void dialog_open(struct console *c)
{
	int order[MODEL_MAX_VMS], n = screens_vm_order(c, order, MODEL_MAX_VMS);
	const struct vm_view *v;
	struct dialog *d = &c->dlg;
	char why[200];

	if (!n)
		return;
	v = &c->model.vms[order[screens_selected(c, order, n)]];
	if (hosts_find(&c->hosts, v->host) && migrate_end(c, v->host, why, sizeof(why))) {
		snprintf(c->status, sizeof(c->status), "cannot migrate %s: %s", v->name, why);
		return;
	}
	memset(d, 0, sizeof(*d));
	migreq_defaults(&d->req);
	snprintf(d->req.vm, sizeof(d->req.vm), "%s", v->name);
	snprintf(d->req.from, sizeof(d->req.from), "%s", v->host);
	units_format_rate(d->req.bandwidth_bps, d->bw_text, sizeof(d->bw_text));
	d->dest = next_dest(c, -1, 1);
	if (d->dest < 0) {
		snprintf(c->status, sizeof(c->status),
			 "no host to migrate to (add a kvm host to the hosts file)");
		return;
	}
	d->open = 1;
}

/* Why VM v is not queued to host to, into why; 0 if it is. */
static int batch_refusal(const struct console *c, const struct vm_view *v, const char *to,
			 char *why, size_t len)
{
	char end[160];

	if (strcmp(v->state, "running"))
		return errbuf_set(why, len, "%s is %s", v->name, v->state);
	if (!strcmp(v->host, to))
		return errbuf_set(why, len, "%s is on %s already", v->name, to);
	if (queue_pending(&c->model.queue, v->name))
		return errbuf_set(why, len, "%s is queued already", v->name);
	if (hosts_find(&c->hosts, v->host) && migrate_end(c, v->host, end, sizeof(end)))
		return errbuf_set(why, len, "%s: %s", v->name, end);
	return 0;
}

/* The request as the fields say: the destination, the cap typed (a rate,
 * else focus on it), checked whole when it names its VM (check_vm: not
 * a batch, whose items each name theirs), a method the ends offer.
 * Returns 0, or -1 with why in the status line. */
static int request_ready(struct console *c, int check_vm)
{
	struct dialog *d = &c->dlg;
	char why[200];

	snprintf(d->req.to, sizeof(d->req.to), "%s", host_runtime_name(c, d->dest));
	if (units_parse_rate(d->bw_text, &d->req.bandwidth_bps, why, sizeof(why))) {
		snprintf(c->status, sizeof(c->status), "bandwidth cap: %s", why);
		d->field = F_BW;
		return -1;
	}
	if (check_vm && migreq_check(&d->req, why, sizeof(why))) {
		snprintf(c->status, sizeof(c->status), "cannot migrate: %s", why);
		return -1;
	}
	if (!method_offered(c, d->req.method)) {
		snprintf(c->status, sizeof(c->status),
			 "cannot migrate: dsm-pull needs post-copy, which Xen hosts lack");
		return -1;
	}
	return 0;
}

/* Launch of a batch: one queue item per tagged VM that can go, the
 * others named with why in the status line; then the queue view. */
static void launch_batch(struct console *c)
{
	struct dialog *d = &c->dlg;
	const struct vm_view *v[MODEL_MAX_VMS];
	int n = tags_vms(c, v, MODEL_MAX_VMS), i, queued = 0;
	char why[200], done[200] = "", refused[400] = "";
	size_t kd = 0, kr = 0;
	struct migreq r;

	if (request_ready(c, 0))
		return;
	d->open = 0;
	if (d->parallel != c->model.queue.parallel)
		live_queue_parallel(c->live, d->parallel);
	for (i = 0; i < n; i++) {
		r = d->req;
		snprintf(r.vm, sizeof(r.vm), "%s", v[i]->name);
		snprintf(r.from, sizeof(r.from), "%s", v[i]->host);
		if (!batch_refusal(c, v[i], r.to, why, sizeof(why)) &&
		    !migreq_check(&r, why, sizeof(why)) &&
		    !live_queue(c->live, &r, why, sizeof(why))) {
			queued++;
			if (kd < sizeof(done))
				kd += (size_t)snprintf(done + kd, sizeof(done) - kd, "%s%s",
						       kd ? ", " : "", r.vm);
		} else if (kr < sizeof(refused)) {
			kr += (size_t)snprintf(refused + kr, sizeof(refused) - kr, "%s%s",
					       kr ? "; " : "", why);
		}
	}
	tags_clear(c);
	snprintf(c->status, sizeof(c->status), "queued %d to %s%s%s%s%s", queued, d->req.to,
		 queued ? ": " : "", done, kr ? "; not queued: " : "", refused);
	if (queued)
		c->screen = SCREEN_QUEUE;
}

static void launch(struct console *c)
{
	struct dialog *d = &c->dlg;
	const struct vm_view *v = model_vm(&c->model, d->req.from, d->req.vm, 0);

	if (d->batch) {
		launch_batch(c);
		return;
	}
	/* The VM may have stopped, paused or moved while the dialog was
	 * open: the probes' latest word (a tick old at most) before anything
	 * starts; dsmig migrate checks again. */
	if (!v || !strcmp(v->state, "gone") || !strcmp(v->state, "paused")) {
		snprintf(c->status, sizeof(c->status),
			 "cannot migrate %s: it is %s %s; nothing was started", d->req.vm,
			 v && strcmp(v->state, "gone") ? "paused on" : "no longer on", d->req.from);
		d->open = 0;
		return;
	}

	if (request_ready(c, 1))
		return;
	d->open = 0;
	if (live_migrate(c->live, &d->req) == 0) {
		live_operator(c->live, "migrate",
			      json_pack("{s:s, s:s, s:s}", "vm", d->req.vm, "from", d->req.from,
					"to", d->req.to));
		console_status_migration(c, "migrating %s to %s (c cancels)", d->req.vm,
					 d->req.to);
	}
}

/* v moved by dir, kept within [lo, hi]. */
static unsigned step_within(unsigned v, int dir, unsigned lo, unsigned hi)
{
	long n = (long)v + dir;

	return n < (long)lo ? lo : n > (long)hi ? hi : (unsigned)n;
}

static void step(struct console *c, int dir)
{
	struct dialog *d = &c->dlg;
	unsigned i;

	switch (d->field) {
	case F_DEST:
		d->dest = next_dest(c, d->dest, dir);
		break;
	case F_METHOD:
		for (i = 0; i < MIGREQ_NR_METHODS && strcmp(migreq_methods[i], d->req.method); i++)
			;
		do
			i = (i + MIGREQ_NR_METHODS + (unsigned)dir) % MIGREQ_NR_METHODS;
		while (!method_offered(c, migreq_methods[i]));
		snprintf(d->req.method, sizeof(d->req.method), "%s", migreq_methods[i]);
		break;
	case F_BW:
		for (i = 0; i < NR_PRESETS && strcmp(bw_presets[i], d->bw_text); i++)
			;
		i = i == NR_PRESETS ? 0 : (i + NR_PRESETS + (unsigned)dir) % NR_PRESETS;
		snprintf(d->bw_text, sizeof(d->bw_text), "%s", bw_presets[i]);
		break;
	case F_RANKS:
		d->req.ranks = step_within(d->req.ranks, dir, MIGREQ_MIN_RANKS, DIALOG_MAX_RANKS);
		break;
	case F_ITERS:
		d->req.max_iters = step_within(d->req.max_iters, dir, 1, DIALOG_MAX_ITERS);
		break;
	case F_VERIFY:
		d->req.verify = !d->req.verify;
		break;
	case F_PARALLEL:
		d->parallel = (int)step_within((unsigned)d->parallel, dir, 1, QUEUE_MAX_PARALLEL);
		break;
	}
}

void dialog_click(struct console *c, int y, int x)
{
	int field = row_field(&c->dlg, y - c->dlg.win_y - 2);

	if (x >= c->dlg.win_x && field >= 0 && field < F_NR)
		c->dlg.field = field;
}

void dialog_key(struct console *c, int ch)
{
	struct dialog *d = &c->dlg;
	size_t len = strlen(d->bw_text);

	switch (ch) {
	case 27:
		d->open = 0;
		break;
	case KEY_UP:
		d->field = next_field(d, d->field, -1);
		break;
	case KEY_DOWN:
	case '\t':
		d->field = next_field(d, d->field, 1);
		break;
	case KEY_LEFT:
		step(c, -1);
		break;
	case KEY_RIGHT:
	case ' ':
		step(c, 1);
		break;
	case '\n':
	case KEY_ENTER:
		launch(c);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (d->field == F_BW && len)
			d->bw_text[len - 1] = '\0';
		break;
	default:
		/* Any visible ASCII: the parser judges it at launch. */
		if (d->field == F_BW && len + 1 < sizeof(d->bw_text) && ch > ' ' && ch < 127)
			d->bw_text[len] = (char)ch, d->bw_text[len + 1] = '\0';
	}
}

/* What the cap text means, after it: a unit, "unlimited", or a warning. */
static const char *bw_hint(const char *text)
{
	double bps;

	if (units_parse_rate(text, &bps, NULL, 0))
		return "  (not a rate)";
	if (bps == 0)
		return " (unlimited)";
	return strchr(text, 'b') ? "" : " bit/s";
}

/* Rows the prediction takes under the fields (a single VM's dialog). */
#define PREDICT_ROWS 5

/* Under the fields, from row y: what each method would cost this VM at
 * the cap typed (src/ui/predict.h), the chosen method marked; "n/a" and
 * why where it cannot be predicted. */
static void draw_predictions(WINDOW *win, struct console *c, int y)
{
	const struct dialog *d = &c->dlg;
	const struct vm_view *v = model_vm(&c->model, d->req.from, d->req.vm, 0);
	struct migreq r = d->req;
	char why[96] = "";
	int i;

	if (units_parse_rate(d->bw_text, &r.bandwidth_bps, NULL, 0))
		snprintf(why, sizeof(why), "the cap is not a rate");
	else if (!v || !v->has_fp)
		snprintf(why, sizeof(why), "its VMM has measured nothing yet");
	wattron(win, theme_attr(&c->theme, THEME_HEADER));
	screens_print(win, y, 3, "%-16s %9s %10s %9s", "Predicted", "total", "downtime", "MiB");
	wattroff(win, theme_attr(&c->theme, THEME_HEADER));
	for (i = 0; i < MIGREQ_NR_METHODS; i++) {
		struct estimate_before_out o;
		char reason[96];
		int mine;

		snprintf(r.method, sizeof(r.method), "%s", migreq_methods[i]);
		mine = !strcmp(r.method, d->req.method);
		wattron(win, theme_attr(&c->theme, mine ? THEME_TEXT : THEME_DIM));
		if (why[0])
			screens_print(win, y + 1 + i, 3, "%-16s n/a: %s", r.method, why);
		else if (predict_migration(&v->fp, &r, &o, reason, sizeof(reason)))
			screens_print(win, y + 1 + i, 3, "%-16s n/a: %s", r.method, reason);
		else
			screens_print(win, y + 1 + i, 3, "%-16s %7.1f s %8.0f ms %9.1f%s", r.method,
				      o.total_s, o.downtime_s * 1e3, (double)o.bytes / 1048576,
				      mine ? "  <" : "");
		wattroff(win, theme_attr(&c->theme, mine ? THEME_TEXT : THEME_DIM));
	}
}

void dialog_draw(struct console *c)
{
	struct dialog *d = &c->dlg;
	int h = d->batch ? 15 : 14 + PREDICT_ROWS, i;
	char val[F_NR][64], vms[128];
	static const char *const names[F_NR] = {
		"Destination", "Method", "Bandwidth cap", "Ranks", "Max iterations",
		"Verify", "Parallel", "",
	};
	WINDOW *win = screens_overlay(c, h, 64, THEME_BORDER);

	if (!win)
		return;
	getbegyx(win, d->win_y, d->win_x);
	wattron(win, theme_attr(&c->theme, THEME_TITLE));
	if (d->batch) {
		tags_names(c, vms, sizeof(vms));
		screens_print(win, 0, 2, " Migrate %s ", vms);
	} else {
		screens_print(win, 0, 2, " Migrate %s from %s ", d->req.vm, d->req.from);
	}
	wattroff(win, theme_attr(&c->theme, THEME_TITLE));
	snprintf(val[F_DEST], sizeof(val[0]), "< %s >", host_runtime_name(c, d->dest));
	snprintf(val[F_METHOD], sizeof(val[0]), "< %s >", d->req.method);
	snprintf(val[F_BW], sizeof(val[0]), "%s%s", d->bw_text, bw_hint(d->bw_text));
	snprintf(val[F_RANKS], sizeof(val[0]), "< %u >", d->req.ranks);
	snprintf(val[F_ITERS], sizeof(val[0]), "< %u >", d->req.max_iters);
	snprintf(val[F_VERIFY], sizeof(val[0]), "[%c]", d->req.verify ? 'x' : ' ');
	snprintf(val[F_PARALLEL], sizeof(val[0]), "< %d > at a time", d->parallel);
	snprintf(val[F_LAUNCH], sizeof(val[0]), "[ Launch ]");
	for (i = 0; i < F_NR; i++) {
		attr_t a = theme_attr(&c->theme, i == d->field ? THEME_SELECTED : THEME_INPUT);

		if (!field_shown(d, i))
			continue;
		screens_print(win, 2 + field_row(d, i), 3, "%-16s", names[i]);
		wattron(win, a);
		screens_print(win, 2 + field_row(d, i), 20, "%-30s", val[i]);
		wattroff(win, a);
	}
	if (!d->batch)
		draw_predictions(win, c, h - 4 - PREDICT_ROWS);
	wattron(win, theme_attr(&c->theme, THEME_DIM));
	screens_print(win, h - 3, 3, "Up/Down: field  Left/Right/Space: change");
	screens_print(win, h - 2, 3, "Enter: launch   Esc: close");
	wattroff(win, theme_attr(&c->theme, THEME_DIM));
	wnoutrefresh(win);
	delwin(win);
}

/*
 * The console's event loop (htop's ScreenManager, in small): terminal set-up
 * and teardown, a 10 Hz tick that pulls data (live probes or the replay
 * clock) into the model, keys, and a redraw per tick or key. Drawing is in
 * screens.c, the migration dialog in dialog.c.
 */
#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "ui/console_int.h"
#include "ui/plot.h"

#define TICK_NS 100000000ull

/* SIGTERM/SIGHUP/SIGINT end the console cleanly (the session log gets its
 * close record; a running migration is cancelled). */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static const char *const theme_cycle[] = { "default", "light", "monochrome" };

/* A theme name to a file: $DSMIG_THEMES/NAME.theme, else the source
 * tree's themes/ above the program (build/bin or build/asan/bin), else
 * /usr/share/dsmig/themes. */
static void theme_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("DSMIG_THEMES");
	char self[PATH_MAX];
	int up;

	if (strchr(name, '/')) {
		snprintf(buf, len, "%s", name);
		return;
	}
	if (dir && *dir) {
		snprintf(buf, len, "%s/%s.theme", dir, name);
		return;
	}
	proc_self_exe(self, sizeof(self));
	for (up = 0; up < 3 && strrchr(self, '/'); up++) {
		*strrchr(self, '/') = '\0';
		snprintf(buf, len, "%s/themes/%s.theme", self, name);
		if (!access(buf, R_OK))
			return;
	}
	snprintf(buf, len, "/usr/share/dsmig/themes/%s.theme", name);
}

static int console_theme(struct console *c, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	struct theme t;

	theme_path(name, path, sizeof(path));
	if (theme_load(&t, path, err, errlen))
		return -1;
	c->theme = t;
	snprintf(c->theme_name, sizeof(c->theme_name), "%s", name);
	return 0;
}

static void console_apply_theme(struct console *c)
{
	struct plot_style st;

	c->color = theme_apply(&c->theme, has_colors());
	st.utf8 = c->utf8;
	st.color = c->color;
	plot_set_style(&st);
	bkgd(theme_attr(&c->theme, THEME_BACKGROUND));
	clearok(stdscr, TRUE);
}

static void next_theme(struct console *c)
{
	char err[256];
	unsigned i, n = sizeof(theme_cycle) / sizeof(theme_cycle[0]);

	for (i = 0; i < n && strcmp(c->theme_name, theme_cycle[i]); i++)
		;
	i = (i + 1) % n;
	if (console_theme(c, theme_cycle[i], err, sizeof(err))) {
		snprintf(c->status, sizeof(c->status), "%s", err);
		return;
	}
	console_apply_theme(c);
	snprintf(c->status, sizeof(c->status), "theme: %s", c->theme_name);
	if (c->live)
		live_operator(c->live, "theme", json_pack("{s:s}", "name", c->theme_name));
}

static void keys_replay(struct console *c, int ch)
{
	struct replay *r = &c->replay;

	switch (ch) {
	case ' ':
		r->paused = !r->paused;
		break;
	case '+':
	case '=':
		r->speed = r->speed < 64 ? r->speed * 2 : r->speed;
		break;
	case '-':
		r->speed = r->speed > 0.125 ? r->speed / 2 : r->speed;
		break;
	case KEY_RIGHT:
		replay_seek(r, &c->model, r->vt + 10);
		break;
	case KEY_LEFT:
		replay_seek(r, &c->model, r->vt - 10);
		break;
	case KEY_HOME:
	case 'g':
		replay_seek(r, &c->model, 0);
		break;
	case KEY_END:
	case 'G':
		replay_seek(r, &c->model, r->duration);
		break;
	}
}

void console_status_migration(struct console *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->status, sizeof(c->status), fmt, ap);
	va_end(ap);
	c->status_mig = c->model.mig.id;
}

/* Quit, or ask first while a migration runs. */
static void quit_key(struct console *c)
{
	if (c->live && live_migration_running(c->live))
		c->confirm_quit = 1;
	else
		c->quit = 1;
}

/* Too small a window shows only that (and a pending quit question):
 * keys do nothing else. */
static void keys_too_small(struct console *c, int ch)
{
	if (c->confirm_quit) {
		c->confirm_quit = 0;
		c->quit = ch == 'y' || ch == 'Y';
	} else if (ch == 'q' || ch == 'Q') {
		quit_key(c);
	}
}

static void set_sort(struct console *c, enum sort_key key, int reverse)
{
	c->sort = key;
	c->sort_reverse = reverse;
	if (c->live)
		live_operator(c->live, "sort", json_pack("{s:i, s:b}", "key", c->sort,
							 "reverse", c->sort_reverse));
}

/* A key while the filter is typed: visible ASCII and Backspace edit it,
 * Enter keeps it, Esc clears it. */
static void filter_key(struct console *c, int ch)
{
	size_t len = strlen(c->filter);

	if (ch == 27) {
		c->filter[0] = '\0';
		c->filtering = 0;
	} else if (ch == '\n' || ch == KEY_ENTER) {
		c->filtering = 0;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len) {
		c->filter[len - 1] = '\0';
	} else if (ch > ' ' && ch < 127 && len + 1 < sizeof(c->filter)) {
		c->filter[len] = (char)ch;
		c->filter[len + 1] = '\0';
	}
}

/* A click: in the dialog, its field; on the hosts table, a row (select)
 * or a column header (sort by it; again: reversed). Other overlays and
 * views take no clicks. */
static void mouse(struct console *c, const int *order, int n)
{
	MEVENT ev;
	int key, row;

	if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
		return;
	if (c->dlg.open) {
		dialog_click(c, ev.y, ev.x);
		return;
	}
	if (c->vmd.open) {
		vmdialog_click(c, ev.y, ev.x);
		return;
	}
	if (c->help || c->confirm_quit || c->vmd.asking || c->filtering ||
	    c->screen != SCREEN_HOSTS)
		return;
	if (ev.y == SCREENS_HOSTS_HEADER_Y && (key = screens_hosts_column(ev.x)) >= 0)
		set_sort(c, (enum sort_key)key, key == (int)c->sort ? !c->sort_reverse : 0);
	else if ((row = screens_hosts_vm_at(c, order, n, ev.y)) >= 0)
		screens_select(c, order, n, row);
}

/* Space: tag or untag v (replay: no tags, it cannot launch). */
static void tag_key(struct console *c, const struct vm_view *v)
{
	tags_toggle(c, v);
	snprintf(c->status, sizeof(c->status), "%s %s; %d tagged: Enter migrates them, U untags",
		 v->name, tags_has(c, v) ? "tagged" : "untagged", c->nr_tags);
}

/* e: evacuate host, i.e. tag its running VMs for the dialog. */
static void evacuate_key(struct console *c, const char *host)
{
	char h[64];
	int n;

	snprintf(h, sizeof(h), "%s", host);
	n = tags_host(c, h);
	snprintf(c->status, sizeof(c->status), n ?
		 "evacuate %s: its %d running VMs tagged; Enter migrates them, U untags" :
		 "evacuate %s: no running VM on it", h, n);
}

/* The VM the actions on VMs (n, K, z) take: the selected one, on the
 * hosts view or in detail; NULL elsewhere or without VMs. */
static const struct vm_view *action_vm(struct console *c, const int *order, int n)
{
	if (!n || (c->screen != SCREEN_HOSTS && c->screen != SCREEN_DETAIL))
		return NULL;
	return &c->model.vms[order[screens_selected(c, order, n)]];
}

static void keys_main(struct console *c, int ch)
{
	int order[MODEL_MAX_VMS], n = screens_vm_order(c, order, MODEL_MAX_VMS);

	if (screens_too_small()) {
		keys_too_small(c, ch);
		return;
	}
	if (c->confirm_quit) {
		c->confirm_quit = 0;
		if (ch == 'y' || ch == 'Y')
			c->quit = 1;
		return;
	}
	if (c->help) {
		c->help = 0;
		return;
	}
	if (ch == KEY_MOUSE) {
		mouse(c, order, n);
		return;
	}
	if (c->dlg.open) {
		dialog_key(c, ch);
		return;
	}
	if (c->vmd.asking) {
		vmdialog_answer(c, ch);
		return;
	}
	if (c->vmd.open) {
		vmdialog_key(c, ch);
		return;
	}
	if (c->filtering) {
		filter_key(c, ch);
		return;
	}
	if (c->screen == SCREEN_QUEUE && queue_view_key(c, ch))
		return;
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		quit_key(c);
		break;
	case '/':
		if (c->screen == SCREEN_HOSTS)
			c->filtering = 1;
		break;
	case 'I':
		c->sort_reverse = !c->sort_reverse;
		break;
	case '?':
	case KEY_F(1):
	case 'h':
		c->help = 1;
		break;
	case '\t':
		c->screen = c->screen == SCREEN_HOSTS ? SCREEN_MIGRATION : SCREEN_HOSTS;
		break;
	case KEY_UP:
	case 'k':
		screens_select(c, order, n, screens_selected(c, order, n) - 1);
		break;
	case KEY_DOWN:
	case 'j':
		screens_select(c, order, n, screens_selected(c, order, n) + 1);
		break;
	case 's':
	case KEY_F(6):
		set_sort(c, (c->sort + 1) % SORT_NR, c->sort_reverse);
		break;
	case 't':
	case KEY_F(2):
		next_theme(c);
		break;
	case 'H':
		if (c->screen == SCREEN_MIGRATION)
			c->heatmap = !c->heatmap;
		break;
	case 'i':
	case KEY_F(3):
		/* The selected VM in detail, and back. */
		if (c->screen == SCREEN_HOSTS)
			c->screen = SCREEN_DETAIL;
		else if (c->screen == SCREEN_DETAIL)
			c->screen = SCREEN_HOSTS;
		break;
	case '\n':
	case KEY_ENTER:
	case 'm':
	case KEY_F(5):
		if (c->screen == SCREEN_MIGRATION && c->model.mig.id && !c->model.mig.active &&
		    c->summary_for != c->model.mig.id) {
			c->summary_for = c->model.mig.id;   /* dismiss the card */
			break;
		}
		if (!c->live)
			snprintf(c->status, sizeof(c->status), "replay: migrations cannot be launched");
		else if (c->nr_tags)
			dialog_open_batch(c);
		else if (live_migration_running(c->live))
			snprintf(c->status, sizeof(c->status), "a migration is already running");
		else if (n == 0)
			snprintf(c->status, sizeof(c->status), "no VM to migrate");
		else
			dialog_open(c);
		break;
	case 27:   /* Esc */
		if (c->screen == SCREEN_DETAIL)
			c->screen = SCREEN_HOSTS;
		else if (c->model.mig.id && !c->model.mig.active)
			c->summary_for = c->model.mig.id;
		break;
	case ' ':
		if (c->replaying)
			keys_replay(c, ch);
		else if (c->screen == SCREEN_HOSTS && n)
			tag_key(c, &c->model.vms[order[screens_selected(c, order, n)]]);
		break;
	case 'U':
		if (c->screen == SCREEN_HOSTS && c->nr_tags) {
			tags_clear(c);
			snprintf(c->status, sizeof(c->status), "no VM tagged");
		}
		break;
	case 'e':
		if (c->live && c->screen == SCREEN_HOSTS && n)
			evacuate_key(c, c->model.vms[order[screens_selected(c, order, n)]].host);
		break;
	case 'w':
		c->screen = SCREEN_QUEUE;
		break;
	case 'n':
		/* A new VM, on the selected VM's host (none: the first). */
		if (c->screen == SCREEN_HOSTS || c->screen == SCREEN_DETAIL)
			vmdialog_open(c, action_vm(c, order, n));
		break;
	case 'K':
	case KEY_F(9):
		if (action_vm(c, order, n))
			vmdialog_ask_stop(c, action_vm(c, order, n));
		break;
	case 'z':
		if (action_vm(c, order, n))
			vmdialog_pause(c, action_vm(c, order, n));
		break;
	case 'c':
		if (c->live && !live_cancel(c->live))
			console_status_migration(c, "cancelling: the VM stays on its source");
		break;
	default:
		if (c->replaying)
			keys_replay(c, ch);
	}
}

/* Several hosts, none of them in the lab nor reached over ssh: migrations
 * run over loopback, unshaped (`make run` without root says so too). */
static int console_loopback(const struct host_list *hosts)
{
	unsigned i;

	for (i = 0; i < hosts->n; i++)
		if (hosts_in_lab(&hosts->h[i]) || hosts_is_ssh(&hosts->h[i]))
			return 0;
	return hosts->n > 1;
}

static int console_setup(struct console *c, char *err, size_t errlen)
{
	char why[240];
	const char *theme = c->opt.theme ? c->opt.theme : "default";

	if (console_theme(c, theme, err, errlen)) {
		if (c->opt.theme)
			return -1;
		/* No theme files installed: the built-in default. */
		theme_default(&c->theme);
		snprintf(c->theme_name, sizeof(c->theme_name), "default");
	}
	model_init(&c->model);
	if (c->opt.replay) {
		if (replay_open(&c->replay, c->opt.replay, c->opt.speed, err, errlen))
			return -1;
		c->replaying = 1;
		if (c->replay.log.bad)
			snprintf(c->status, sizeof(c->status),
				 "%s: %u bad lines skipped (first: line %u); playing the rest",
				 c->opt.replay, c->replay.log.bad, c->replay.log.first_bad);
		return 0;   /* a replay needs nothing but its log: no hosts */
	}
	if (hosts_load(&c->hosts, c->opt.hosts, err, errlen))
		return -1;
	/* The `dsmig migrate` children must know the same hosts. */
	if (c->opt.hosts && setenv("DSMIG_HOSTS", c->opt.hosts, 1))
		return errbuf_set(err, errlen, "out of memory");
	if (session_writer_open(&c->writer, c->opt.record, err, errlen))
		return -1;
	if (live_open(&c->live, &c->hosts, &c->writer, &c->model, why, sizeof(why))) {
		session_writer_close(&c->writer);
		return errbuf_set(err, errlen, "cannot start the probes: %s", why);
	}
	if (c->opt.clients)
		live_follow_clients(c->live, c->opt.clients);
	if (vmact_open(&c->vmact, &c->hosts, c->live, &c->model)) {
		live_close(c->live);
		session_writer_close(&c->writer);
		return errbuf_set(err, errlen, "out of memory");
	}
	snprintf(c->status, sizeof(c->status), "recording to %s%s", c->writer.path,
		 console_loopback(&c->hosts) ?
		 "; hosts share loopback (no lab): the engine's cap is the only link limit" : "");
	return 0;
}

static void console_loop(struct console *c)
{
	uint64_t next = time_mono_ns(), last = next, end_seen = 0;

	while (!c->quit && !stop_signal) {
		uint64_t now = time_mono_ns();
		int ch, wait_ms;

		if (now >= next) {
			if (c->live) {
				live_tick(c->live);
				vmact_tick(c->vmact, c->status, sizeof(c->status));
			} else {
				replay_tick(&c->replay, &c->model, (double)(now - last) / 1e9);
				if (replay_done(&c->replay) && c->opt.exit_after >= 0) {
					if (!end_seen)
						end_seen = now;
					else if (now - end_seen > c->opt.exit_after * 1e9)
						c->quit = 1;
				}
			}
			last = now;
			next += TICK_NS;
			if (next < now)
				next = now + TICK_NS;
			/* A migration's status line goes when it ends. */
			if (c->status_mig && !(c->model.mig.active &&
					       c->model.mig.id == c->status_mig)) {
				c->status[0] = '\0';
				c->status_mig = 0;
			}
			/* A new migration brings its view to the front, once. */
			if (c->model.mig.id && c->model.mig.id != c->shown_mig) {
				c->shown_mig = c->model.mig.id;
				/* The queue's migrations leave the operator's
				 * view alone (w shows them). */
				if (!queue_by_mig(&c->model.queue, c->model.mig.id))
					c->screen = SCREEN_MIGRATION;
			}
			screens_draw(c);
		}
		wait_ms = (int)((next - time_mono_ns()) / 1000000);
		timeout(wait_ms > 0 ? wait_ms : 0);
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			clearok(stdscr, TRUE);
		} else {
			keys_main(c, ch);
		}
		screens_draw(c);
	}
}

int console_run(const struct console_opts *o)
{
	struct console *c = calloc(1, sizeof(*c));
	char err[512];
	int rc = 0;

	if (!c)
		return 1;
	c->opt = *o;
	c->summary_for = -1;
	if (console_setup(c, err, sizeof(err))) {
		fprintf(stderr, "dsmig: %s\n", err);
		free(c);
		return 1;
	}
	setlocale(LC_ALL, "");
	c->utf8 = !o->ascii && !strcmp(nl_langinfo(CODESET), "UTF-8");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGINT, on_stop);
	if (!initscr()) {
		fprintf(stderr, "dsmig: cannot initialise the terminal\n");
		rc = 1;
		goto out;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	curs_set(0);
	set_escdelay(25);
	console_apply_theme(c);
	console_loop(c);
	endwin();
out:
	if (c->live) {
		vmact_close(c->vmact);
		live_close(c->live);
		session_writer_close(&c->writer);
		printf("dsmig: session recorded to %s\n", c->writer.path);
	}
	if (c->replaying)
		replay_close(&c->replay);
	free(c);
	return rc;
}

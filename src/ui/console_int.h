/*
 * Private to the console: its state, shared by the event loop
 * (console.c), the screens (screens.c) and the migration dialog
 * (dialog.c).
 */
#ifndef DSMIG_UI_CONSOLE_INT_H
#define DSMIG_UI_CONSOLE_INT_H

#include "common/hosts.h"
#include "ui/console.h"
#include "ui/live.h"
#include "ui/model.h"
#include "ui/replay.h"
#include "ui/session.h"
#include "ui/theme.h"

enum view { SCREEN_HOSTS, SCREEN_MIGRATION };

enum sort_key { SORT_HOST, SORT_NAME, SORT_VCPU, SORT_DIRTY, SORT_NR };

struct dialog {
	int open;
	int win_y, win_x;           /* where it was last drawn (mouse) */
	int field;                  /* focused field */
	struct migreq req;          /* what Launch sends (the cap from bw_text) */
	int dest;                   /* index into the console's hosts */
	char bw_text[16];           /* the cap as typed (common/units.h) */
};

struct console {
	struct console_opts opt;
	struct host_list hosts;
	struct model model;
	struct session_writer writer;
	struct live *live;          /* live mode */
	struct replay replay;       /* replay mode */
	int replaying;
	struct theme theme;
	char theme_name[64];
	int utf8, color;
	enum view screen;
	int heatmap;                /* the migration view shows the page-heat
				       map instead of the charts (H) */
	enum sort_key sort;
	int sort_reverse;           /* I (htop's invert), or a second click */
	char filter[32];            /* / : VMs whose name or host holds it */
	int filtering;              /* typing the filter */
	/* The selected VM, by identity: the table re-sorts and VMs move
	 * between hosts, and the cursor stays on the VM. selected is its
	 * row, as of the last screens_selected(). */
	char sel_host[64], sel_name[65];
	int selected;
	int help, confirm_quit;
	int summary_for;            /* migration id whose card was dismissed */
	int shown_mig;              /* last migration id brought to the front */
	struct dialog dlg;
	int quit;
	char status[640];           /* one-line message above the footer */
	int status_mig;             /* ... about this migration while it runs
				       (cleared when it ends), or 0 */
};

/* screens.c */
void screens_draw(struct console *c);
/* The smallest window the console draws in; below it the screen says so
 * and keys do nothing but quit (never act on something not shown). */
#define SCREENS_MIN_COLS 40
#define SCREENS_MIN_LINES 10
int screens_too_small(void);
/* A centred window of at most h x w over the screen (smaller if the
 * terminal is), framed in the role's colours, or NULL if even that fails.
 * Write into it with screens_print(), which clips to the frame. The
 * caller wnoutrefresh()es and delwin()s it. */
WINDOW *screens_overlay(struct console *c, int h, int w, enum theme_role frame);
/* printf into win at (y, x), cut at the frame's right edge; nothing on
 * or below its bottom edge. */
void screens_print(WINDOW *win, int y, int x, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* prefix then text into win from (y, x), broken at spaces over at most
 * rows rows (the last one cut); returns the row after the last written. */
int screens_print_wrapped(WINDOW *win, int y, int x, int rows, const char *prefix,
			  const char *text);
/* The VM rows in display order (indices into model.vms); returns count. */
int screens_vm_order(const struct console *c, int *order, int cap);
/* The selected VM's row in order (n rows): the same host and name, else
 * the same name on another host (it migrated), else the nearest row to
 * where it was (it is gone). Sets c->selected and the identity to the
 * row's VM; 0 when there are no rows. */
int screens_selected(struct console *c, const int *order, int n);
/* Select row of order (clamped to the n rows). */
void screens_select(struct console *c, const int *order, int n, int row);
/* The hosts table's layout, for the mouse: its header row, its first VM
 * row, and the sort key of the column at screen column x (-1: none). */
#define SCREENS_HOSTS_HEADER_Y 2
#define SCREENS_HOSTS_FIRST_Y 3
int screens_hosts_column(int x);

/* console.c: a status line about the current migration, cleared when it
 * ends. */
void console_status_migration(struct console *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* dialog.c */
void dialog_open(struct console *c);
/* Handle a key while the dialog is open. */
void dialog_key(struct console *c, int ch);
/* A click at screen (y, x) while the dialog is open: focus that field. */
void dialog_click(struct console *c, int y, int x);
void dialog_draw(struct console *c);

#endif /* DSMIG_UI_CONSOLE_INT_H */

/*
 * Private to the console: its state, shared by the event loop
 * (console.c), the screens (screens.c), the migration dialog (dialog.c)
 * and the VM actions' dialogs (vmdialog.c).
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
#include "ui/vmact.h"

/* SCREEN_DETAIL: the selected VM in full (detail.c; i or F3 on the
 * hosts view, Esc or i back). SCREEN_QUEUE: the migration queue
 * (queue_view.c; w, Tab back to the hosts). */
enum view { SCREEN_HOSTS, SCREEN_MIGRATION, SCREEN_DETAIL, SCREEN_QUEUE };

enum sort_key { SORT_HOST, SORT_NAME, SORT_VCPU, SORT_DIRTY, SORT_NR };

struct dialog {
	int open;
	int win_y, win_x;           /* where it was last drawn (mouse) */
	int field;                  /* focused field */
	struct migreq req;          /* what Launch sends (the cap from bw_text) */
	int dest;                   /* index into the console's hosts */
	char bw_text[16];           /* the cap as typed (common/units.h) */
	int batch;                  /* the tagged VMs, queued (else req.vm) */
	int parallel;               /* batch: the queue's migrations at once */
};

/* The VM actions' overlays (vmdialog.c): the start dialog (n) and the
 * stop question (K, F9). */
struct vmdialog {
	int open;                   /* the start dialog */
	int win_y, win_x;           /* where it was last drawn (mouse) */
	int field;                  /* focused field */
	int host;                   /* index into the console's hosts */
	int image;                  /* index of vmact_image() */
	char name[65], mem[VMSPEC_MEM_TEXT];   /* as typed */
	int name_typed;             /* edited: a new image no longer renames it */
	int asking;                 /* the stop question is open */
	char ask_host[64], ask_vm[65];   /* about this VM */
};

/* A tagged VM, by identity (tags.c). */
struct vm_tag {
	char host[64], name[65];
};

struct console {
	struct console_opts opt;
	struct host_list hosts;
	struct model model;
	struct session_writer writer;
	struct live *live;          /* live mode */
	struct vmact *vmact;        /* live mode: actions on VMs (vmact.h) */
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
	struct vmdialog vmd;
	struct vm_tag tags[MODEL_MAX_VMS];   /* Space, e: the VMs the dialog
						queues (tags.c) */
	int nr_tags;
	int queue_sel;              /* the queue view's selected item (index) */
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
/* The title bar (row 0): "dsmig  what", then the downtime, what the
 * readers lost and the clock on the right. */
void screens_title(struct console *c, const char *what);
/* The VM rows in display order (indices into model.vms), grouped by host
 * in the hosts file's order, sorted within each host; returns count. */
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
/* The VM row at screen row y of the hosts table (a host row is none), as
 * its place in order (n rows, screens_vm_order()), or -1. As last drawn:
 * for the mouse. */
int screens_hosts_vm_at(const struct console *c, const int *order, int n, int y);

/* console.c: a status line about the current migration, cleared when it
 * ends. */
void console_status_migration(struct console *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* detail.c: the selected VM's view (title, config, migrations, rounds). */
void detail_draw(struct console *c);

/* tags.c: VMs tagged for a batch of migrations (htop's Space). */
int tags_has(const struct console *c, const struct vm_view *v);
/* Tag v, or untag it if it is tagged. */
void tags_toggle(struct console *c, const struct vm_view *v);
void tags_clear(struct console *c);
/* Tag every running VM on host; returns how many are tagged there. */
int tags_host(struct console *c, const char *host);
/* The tagged VMs as the model has them now (a tag whose VM is gone or
 * moved is dropped); returns how many, at most cap, into out. */
int tags_vms(struct console *c, const struct vm_view **out, int cap);
/* "3 VMs: cpu, idle, net", cut to len. */
void tags_names(struct console *c, char *buf, size_t len);

/* queue_view.c: the migration queue's view (w) and its keys. */
void queue_view_draw(struct console *c);
/* A key on the queue view: 1 if it was the view's (Up/Down, c, p). */
int queue_view_key(struct console *c, int ch);
/* "queue: 2 running, 3 queued (w to watch)", or "" without a queue. */
void queue_view_line(const struct console *c, char *buf, size_t len);

/* dialog.c */
void dialog_open(struct console *c);
/* The dialog for the tagged VMs: Launch queues one migration each. */
void dialog_open_batch(struct console *c);
/* Handle a key while the dialog is open. */
void dialog_key(struct console *c, int ch);
/* A click at screen (y, x) while the dialog is open: focus that field. */
void dialog_click(struct console *c, int y, int x);
void dialog_draw(struct console *c);

/* vmdialog.c: starting, stopping, pausing and resuming VMs (vmact.h).
 * n: the start dialog, on the host of VM v (NULL: none selected). */
void vmdialog_open(struct console *c, const struct vm_view *v);
/* A key, a click at screen (y, x), while the start dialog is open. */
void vmdialog_key(struct console *c, int ch);
void vmdialog_click(struct console *c, int y, int x);
void vmdialog_draw(struct console *c);
/* K, F9: ask whether to stop v (unless it cannot be: the status line
 * says why); the answer's key; the question. */
void vmdialog_ask_stop(struct console *c, const struct vm_view *v);
void vmdialog_answer(struct console *c, int ch);
void vmdialog_draw_ask(struct console *c);
/* z: pause v if it runs, resume it if it is paused. */
void vmdialog_pause(struct console *c, const struct vm_view *v);

#endif /* DSMIG_UI_CONSOLE_INT_H */

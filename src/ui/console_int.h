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
	enum sort_key sort;
	int selected;               /* row in the hosts table */
	int help, confirm_quit;
	int summary_for;            /* migration id whose card was dismissed */
	int shown_mig;              /* last migration id brought to the front */
	struct dialog dlg;
	int quit;
	char status[640];           /* one-line message above the footer */
};

/* screens.c */
void screens_draw(struct console *c);
/* A centred h x w window over the screen, framed in the role's colours,
 * or NULL if the terminal is too small. The caller wnoutrefresh()es and
 * delwin()s it. */
WINDOW *screens_overlay(struct console *c, int h, int w, enum theme_role frame);
/* The VM rows in display order (indices into model.vms); returns count. */
int screens_vm_order(const struct console *c, int *order, int cap);

/* dialog.c */
void dialog_open(struct console *c);
/* Handle a key while the dialog is open. */
void dialog_key(struct console *c, int ch);
void dialog_draw(struct console *c);

#endif /* DSMIG_UI_CONSOLE_INT_H */

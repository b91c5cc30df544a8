/*
 * The operator console: a full-screen ncurses program over a live session
 * (probes, migrations launched from a dialog) or a replayed one. See
 * docs/console.md for the screens and keys.
 */
#ifndef DSMIG_UI_CONSOLE_H
#define DSMIG_UI_CONSOLE_H

struct console_opts {
	const char *replay;       /* a session log to replay; NULL: live */
	double speed;             /* replay speed */
	const char *theme;        /* theme name or path; NULL: default */
	const char *hosts;        /* hosts file; NULL: default search */
	const char *record;       /* session log path; NULL: default */
	const char *clients;      /* live: a `dsmig webclient --out` file to
				     follow (client records); NULL: none */
	int ascii;                /* force the ASCII fallback */
	double exit_after;        /* replay: quit this long after the end (s), <0 never */
};

/* Run until the operator quits. Returns an exit status. */
int console_run(const struct console_opts *o);

#endif /* DSMIG_UI_CONSOLE_H */

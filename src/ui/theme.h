/*
 * Colour themes of the console, read from files (themes/NAME.theme, format in
 * docs/themes.md). A theme gives each UI role (text, title, chart series,
 * the bandwidth cap, ...) a foreground, a background and attributes; the
 * console asks theme_attr() for the attributes to draw a role with.
 *
 * Call order in the console:
 *	theme_default(&t) or theme_load(&t, path, err, sizeof(err));
 *	setlocale(), initscr(), ...;
 *	colour = theme_apply(&t, has_colors());   1: colours in use, 0: not
 *	plot_set_style(&(struct plot_style){ .utf8 = ..., .color = colour });
 *	wbkgd(stdscr, theme_attr(&t, THEME_BACKGROUND) | ' ');
 *	... wattron(win, theme_attr(&t, THEME_TITLE)) ...
 */
#ifndef DSMIG_UI_THEME_H
#define DSMIG_UI_THEME_H

#include <ncurses.h>
#include <stddef.h>

/* The roles, in the order of their colour pairs: role r uses pair r + 1. */
enum theme_role {
	THEME_BACKGROUND,	/* the screen's own background */
	THEME_TEXT,		/* ordinary text */
	THEME_DIM,		/* secondary text: units, hints, old values */
	THEME_TITLE,		/* panel and window titles */
	THEME_BORDER,		/* panel borders */
	THEME_HEADER,		/* table column headers */
	THEME_SELECTED,		/* the selected row of a list */
	THEME_SERIES1,		/* chart series, in legend order */
	THEME_SERIES2,
	THEME_SERIES3,
	THEME_CAP,		/* the bandwidth-cap reference line */
	THEME_DOWNTIME,		/* the downtime band and counter */
	THEME_PHASE,		/* phase markers: start, pause, resume, end */
	THEME_GOOD,		/* success: migrated, verified */
	THEME_WARN,		/* warnings: no convergence, retries */
	THEME_BAD,		/* failures */
	THEME_AXIS,		/* chart axes and their labels */
	THEME_STATUS,		/* the status bar */
	THEME_KEY,		/* key names in the status bar and dialogs */
	THEME_INPUT,		/* text fields in dialogs */
	THEME_NROLES
};

/* Colour values: -1 is the terminal's default colour ("default"), 0..255
 * the terminal's palette. */
#define THEME_COLOR_DEFAULT	(-1)

struct theme_style {
	short fg, bg;		/* bg THEME_BG_INHERIT: the background role's */
	attr_t attrs;		/* A_BOLD, A_DIM, A_REVERSE, A_UNDERLINE */
};

/* A role whose value names no background takes the background role's. */
#define THEME_BG_INHERIT	(-2)

struct theme {
	char name[64];		/* the file it came from, or "default" */
	int monochrome;		/* "monochrome = yes": never use colours */
	struct theme_style role[THEME_NROLES];
};

/* The built-in theme: the same as themes/default.theme (dark, on the
 * terminal's own background). */
void theme_default(struct theme *t);

/* Parse a theme from text. Roles the text does not set keep the built-in
 * theme's values. name is used in error messages and kept in t->name. On a
 * malformed line: a message in err naming name, the line and the problem
 * ("x.theme:7: unknown colour 'purpel'"), t untouched, return -1. Returns 0
 * on success. */
int theme_parse(struct theme *t, const char *text, const char *name,
		char *err, size_t errlen);

/* theme_parse() of the file at path; a file that cannot be read is an error
 * too ("path: No such file or directory"). Returns 0 or -1. */
int theme_load(struct theme *t, const char *path, char *err, size_t errlen);

/* The role's name in theme files ("series1"), or NULL for no such role. */
const char *theme_role_name(enum theme_role r);

/* Whether colours should be used with this theme: not when the theme is
 * monochrome, nor when NO_COLOR is set to a non-empty value in the
 * environment (https://no-color.org). Returns 1 or 0. */
int theme_color_wanted(const struct theme *t);

/* Set up the colour pairs after initscr(): when has_colors (the terminal's
 * has_colors()) and theme_color_wanted(t), calls start_color(),
 * use_default_colors() (so "default" is the terminal's own colour; without
 * it, default is white on black) and init_pair(r + 1, ...) for each role;
 * colours the terminal lacks are replaced by the nearest of its first 8 or
 * 16. Remembers the outcome for theme_attr(). Returns 1 when colours are in
 * use, 0 when not (monochrome), -1 when ncurses refused a pair (colours are
 * then off). */
int theme_apply(const struct theme *t, int has_colors);

/* Attributes to draw role r with: COLOR_PAIR(r + 1) | the role's attributes
 * when theme_apply() turned colours on; otherwise the role's attributes
 * plus those that keep the role visible without colour (A_REVERSE for
 * selected, A_BOLD for titles, ...). */
attr_t theme_attr(const struct theme *t, enum theme_role r);

/* The colour pair number of role r for the chart functions (plot.h), or 0
 * when colours are off. */
int theme_pair(enum theme_role r);

#endif /* DSMIG_UI_THEME_H */

/*
 * Colour themes (see theme.h and docs/themes.md). Parsing is plain string
 * work on one line at a time and never touches the terminal; only
 * theme_apply() and theme_attr() talk to ncurses. A theme file names
 * colours from the 256-colour palette; theme_apply() replaces those the
 * terminal lacks by the nearest one it has, so one file serves 8-, 16- and
 * 256-colour terminals.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/fileio.h"
#include "common/log.h"
#include "ui/theme.h"

#define THEME_FILE_MAX	(64 * 1024)

static const char *const role_names[THEME_NROLES] = {
	[THEME_BACKGROUND] = "background",
	[THEME_TEXT] = "text",
	[THEME_DIM] = "dim",
	[THEME_TITLE] = "title",
	[THEME_BORDER] = "border",
	[THEME_HEADER] = "header",
	[THEME_SELECTED] = "selected",
	[THEME_SERIES1] = "series1",
	[THEME_SERIES2] = "series2",
	[THEME_SERIES3] = "series3",
	[THEME_CAP] = "cap",
	[THEME_DOWNTIME] = "downtime",
	[THEME_PHASE] = "phase",
	[THEME_GOOD] = "good",
	[THEME_WARN] = "warn",
	[THEME_BAD] = "bad",
	[THEME_AXIS] = "axis",
	[THEME_STATUS] = "status",
	[THEME_KEY] = "key",
	[THEME_INPUT] = "input",
};

/* What keeps each role distinguishable when there is no colour. */
static const attr_t mono_attrs[THEME_NROLES] = {
	[THEME_DIM] = A_DIM,
	[THEME_TITLE] = A_BOLD,
	[THEME_HEADER] = A_UNDERLINE,
	[THEME_SELECTED] = A_REVERSE,
	[THEME_DOWNTIME] = A_BOLD,
	[THEME_GOOD] = A_BOLD,
	[THEME_WARN] = A_BOLD,
	[THEME_BAD] = A_BOLD,
	[THEME_STATUS] = A_REVERSE,
	[THEME_KEY] = A_REVERSE | A_BOLD,
	[THEME_INPUT] = A_UNDERLINE,
};

static const struct {
	const char *name;
	short color;
} color_names[] = {
	{ "default", THEME_COLOR_DEFAULT },
	{ "black", COLOR_BLACK },	{ "red", COLOR_RED },
	{ "green", COLOR_GREEN },	{ "yellow", COLOR_YELLOW },
	{ "blue", COLOR_BLUE },		{ "magenta", COLOR_MAGENTA },
	{ "cyan", COLOR_CYAN },		{ "white", COLOR_WHITE },
	{ "bright-black", 8 },		{ "bright-red", 9 },
	{ "bright-green", 10 },		{ "bright-yellow", 11 },
	{ "bright-blue", 12 },		{ "bright-magenta", 13 },
	{ "bright-cyan", 14 },		{ "bright-white", 15 },
	{ "grey", 8 },			{ "gray", 8 },
};

static const struct {
	const char *name;
	attr_t attr;
} attr_names[] = {
	{ "bold", A_BOLD },
	{ "dim", A_DIM },
	{ "reverse", A_REVERSE },
	{ "underline", A_UNDERLINE },
};

/* The built-in theme, in the syntax of a theme file: themes/default.theme
 * says the same (tests/unit/test_theme.c checks that they agree). */
static const char default_text[] =
	"background = default,default\n"
	"text       = default\n"
	"dim        = bright-black\n"
	"title      = bright-cyan,bold\n"
	"border     = blue\n"
	"header     = yellow,bold\n"
	"selected   = black,cyan\n"
	"series1    = bright-green\n"
	"series2    = bright-cyan\n"
	"series3    = bright-magenta\n"
	"cap        = red\n"
	"downtime   = bright-red,bold\n"
	"phase      = yellow\n"
	"good       = green,bold\n"
	"warn       = yellow,bold\n"
	"bad        = bright-red,bold\n"
	"axis       = bright-black\n"
	"status     = white,blue\n"
	"key        = bright-yellow,blue,bold\n"
	"input      = black,white\n";

/* Set by theme_apply(): colours in use, and per role the attributes that
 * stand in for colours the terminal lacks. */
static int colors_on;
static attr_t fallback_attrs[THEME_NROLES];

/* ---- parsing --------------------------------------------------------------- */

struct parse {
	const char *name;
	int line;
	char *err;
	size_t errlen;
};

static int parse_error(const struct parse *p, const char *what, const char *arg)
{
	if (arg)
		return errbuf_set(p->err, p->errlen, "%s:%d: %s '%s'", p->name,
				  p->line, what, arg);
	return errbuf_set(p->err, p->errlen, "%s:%d: %s", p->name, p->line, what);
}

/* s without leading and trailing blanks, in place. */
static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A colour name or palette number: 0 and the colour, or -1 if s is
 * neither, or -ERANGE for a number outside the palette. */
static int color_parse(const char *s, short *color)
{
	size_t i, len = strlen(s);
	long n;

	if (len && strspn(s, "0123456789") == len) {
		if (len > 3)
			return -ERANGE;
		n = strtol(s, NULL, 10);
		if (n > 255)
			return -ERANGE;
		*color = (short)n;
		return 0;
	}
	for (i = 0; i < sizeof(color_names) / sizeof(color_names[0]); i++) {
		if (!strcasecmp(s, color_names[i].name)) {
			*color = color_names[i].color;
			return 0;
		}
	}
	return -1;
}

static int attr_parse(const char *s, attr_t *attr)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
		if (!strcasecmp(s, attr_names[i].name)) {
			*attr = attr_names[i].attr;
			return 0;
		}
	}
	return -1;
}

/* "FG", "FG,BG", "FG,BG,ATTR,...": colours first, then attributes; a value
 * may also leave out colours ("bold", "yellow,bold"). */
static int style_parse(const struct parse *p, char *value, struct theme_style *st)
{
	struct theme_style out = { THEME_COLOR_DEFAULT, THEME_BG_INHERIT, 0 };
	int ncolors = 0, nattrs = 0, rc;
	char *item, *next;
	short color;
	attr_t attr;

	for (item = value; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = trim(item);
		if (!*item)
			return parse_error(p, "empty item between commas", NULL);
		if (attr_parse(item, &attr) == 0) {
			out.attrs |= attr;
			nattrs++;
			continue;
		}
		rc = color_parse(item, &color);
		if (rc == -ERANGE)
			return parse_error(p, "colour number out of range (0-255):", item);
		if (rc < 0)
			return parse_error(p, ncolors < 2 && !nattrs ?
					   "unknown colour" : "unknown attribute",
					   item);
		if (nattrs)
			return parse_error(p, "colour after an attribute:", item);
		if (ncolors == 2)
			return parse_error(p, "more than two colours: third is", item);
		if (ncolors++ == 0)
			out.fg = color;
		else
			out.bg = color;
	}
	*st = out;
	return 0;
}

static int line_parse(struct parse *p, struct theme *t, char *line)
{
	char *eq, *key, *value;
	int r;

	eq = strchr(line, '#');
	if (eq)
		*eq = '\0';
	line = trim(line);
	if (!*line)
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return parse_error(p, "expected 'key = value', got", line);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (!*key)
		return parse_error(p, "missing key before '='", NULL);
	if (!*value)
		return parse_error(p, "missing value for", key);
	if (!strcasecmp(key, "monochrome")) {
		if (!strcasecmp(value, "yes"))
			t->monochrome = 1;
		else if (!strcasecmp(value, "no"))
			t->monochrome = 0;
		else
			return parse_error(p, "monochrome must be 'yes' or 'no', not",
					   value);
		return 0;
	}
	for (r = 0; r < THEME_NROLES; r++)
		if (!strcasecmp(key, role_names[r]))
			return style_parse(p, value, &t->role[r]);
	return parse_error(p, "unknown key", key);
}

/* Parse text over what t already holds (theme_parse starts from the
 * built-in theme). */
static int text_parse(struct theme *t, const char *text, const char *name,
		      char *err, size_t errlen)
{
	struct parse p = { .name = name, .err = err, .errlen = errlen };
	char *copy, *line, *next;
	size_t len;
	int rc = 0;

	if (!strncmp(text, "\xef\xbb\xbf", 3))	/* a UTF-8 byte order mark */
		text += 3;
	copy = strdup(text);
	if (!copy)
		return errbuf_set(err, errlen, "%s: out of memory", name);
	for (line = copy; line && rc == 0; line = next) {
		p.line++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		rc = line_parse(&p, t, line);
	}
	free(copy);
	return rc;
}

void theme_default(struct theme *t)
{
	char err[8];
	int r;

	memset(t, 0, sizeof(*t));
	for (r = 0; r < THEME_NROLES; r++)
		t->role[r] = (struct theme_style){
			THEME_COLOR_DEFAULT, THEME_BG_INHERIT, 0
		};
	/* default_text is fixed and checked by the unit tests: this cannot
	 * fail short of running out of memory, when the roles above stay. */
	text_parse(t, default_text, "default", err, sizeof(err));
	snprintf(t->name, sizeof(t->name), "default");
}

int theme_parse(struct theme *t, const char *text, const char *name,
		char *err, size_t errlen)
{
	struct theme tmp;

	theme_default(&tmp);
	if (text_parse(&tmp, text, name, err, errlen) < 0)
		return -1;
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	*t = tmp;
	return 0;
}

int theme_load(struct theme *t, const char *path, char *err, size_t errlen)
{
	void *buf;
	char *text;
	size_t len;
	int rc;

	rc = file_read_all(path, THEME_FILE_MAX, &buf, &len);
	if (rc == -EFBIG)
		return errbuf_set(err, errlen, "%s: larger than %d KiB: not a theme",
				  path, THEME_FILE_MAX / 1024);
	if (rc < 0)
		return errbuf_set(err, errlen, "%s: %s", path, strerror(-rc));
	text = buf;
	if (strlen(text) != len)
		rc = errbuf_set(err, errlen, "%s: contains a NUL byte: not a text file",
				path);
	else
		rc = theme_parse(t, text, path, err, errlen);
	free(text);
	return rc;
}

const char *theme_role_name(enum theme_role r)
{
	if ((int)r < 0 || r >= THEME_NROLES)
		return NULL;
	return role_names[r];
}

int theme_color_wanted(const struct theme *t)
{
	const char *no_color = getenv("NO_COLOR");

	if (no_color && *no_color)
		return 0;
	return !t->monochrome;
}

/* ---- the terminal ---------------------------------------------------------- */

/* The usual RGB of palette entry n (xterm's). */
static void palette_rgb(int n, int rgb[3])
{
	static const unsigned char base[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
		{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const unsigned char level[6] = { 0, 95, 135, 175, 215, 255 };
	int i;

	if (n < 16) {
		for (i = 0; i < 3; i++)
			rgb[i] = base[n][i];
	} else if (n < 232) {
		rgb[0] = level[(n - 16) / 36];
		rgb[1] = level[(n - 16) / 6 % 6];
		rgb[2] = level[(n - 16) % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (n - 232);
	}
}

/* A colour the terminal has for palette entry n: the nearest of its first
 * 16 (or 8) colours; a bright colour on an 8-colour terminal becomes the
 * plain one, with *bold set for a foreground to brighten it. */
static short color_fit(short n, int ncolors, int *bold)
{
	int want[3], have[3], i, c, d, best = 0, best_d = -1;

	*bold = 0;
	if (n < 0 || n < ncolors)
		return n;
	if (n >= 16) {
		palette_rgb(n, want);
		for (c = 0; c < 16; c++) {
			palette_rgb(c, have);
			for (d = 0, i = 0; i < 3; i++)
				d += (want[i] - have[i]) * (want[i] - have[i]);
			if (best_d < 0 || d < best_d) {
				best_d = d;
				best = c;
			}
		}
		n = (short)best;
	}
	if (n >= ncolors && n >= 8) {
		*bold = 1;
		n = (short)(n - 8);
	}
	return n;
}

int theme_apply(const struct theme *t, int has_colors)
{
	short fg, bg, dfl_fg = THEME_COLOR_DEFAULT, dfl_bg = THEME_COLOR_DEFAULT;
	short screen_bg = t->role[THEME_BACKGROUND].bg;
	int r, bold, unused;

	colors_on = 0;
	memset(fallback_attrs, 0, sizeof(fallback_attrs));
	if (!has_colors || !theme_color_wanted(t))
		return 0;
	if (start_color() == ERR)
		return -1;
	if (use_default_colors() == ERR) {
		dfl_fg = COLOR_WHITE;
		dfl_bg = COLOR_BLACK;
	}
	if (screen_bg == THEME_BG_INHERIT)
		screen_bg = THEME_COLOR_DEFAULT;
	for (r = 0; r < THEME_NROLES; r++) {
		fg = color_fit(t->role[r].fg, COLORS, &bold);
		bg = t->role[r].bg == THEME_BG_INHERIT ? screen_bg : t->role[r].bg;
		bg = color_fit(bg, COLORS, &unused);
		if (fg == THEME_COLOR_DEFAULT)
			fg = dfl_fg;
		if (bg == THEME_COLOR_DEFAULT)
			bg = dfl_bg;
		if (r + 1 >= COLOR_PAIRS || init_pair((short)(r + 1), fg, bg) == ERR) {
			memset(fallback_attrs, 0, sizeof(fallback_attrs));
			return -1;
		}
		fallback_attrs[r] = bold ? A_BOLD : 0;
	}
	colors_on = 1;
	return 1;
}

attr_t theme_attr(const struct theme *t, enum theme_role r)
{
	if ((int)r < 0 || r >= THEME_NROLES)
		return A_NORMAL;
	if (colors_on)
		return COLOR_PAIR(r + 1) | t->role[r].attrs | fallback_attrs[r];
	return t->role[r].attrs | mono_attrs[r];
}

int theme_pair(enum theme_role r)
{
	if (!colors_on || (int)r < 0 || r >= THEME_NROLES)
		return 0;
	return r + 1;
}

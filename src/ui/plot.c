/*
 * The console's charts (see plot.h). Each function clears its rectangle,
 * then draws back to front: backgrounds (bands, reference lines, markers),
 * data, then labels, so that labels stay readable. Line charts go through a
 * canvas (canvas.h): one per series to know which series owns a cell (its
 * colour), and in braille mode one more holding every series, whose dots
 * are what a shared cell shows. Text is written as UTF-8 strings, which
 * ncursesw turns into characters under a UTF-8 locale.
 *
 * Every function saves the window's attributes on entry and restores them
 * before returning.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui/canvas.h"
#include "ui/plot.h"

static struct plot_style style;

void plot_set_style(const struct plot_style *s)
{
	style.utf8 = s->utf8 > 0;
	style.color = s->color > 0;
}

/* ---- small helpers --------------------------------------------------------- */

/* The window's attributes with the colour pair replaced, when colours are
 * on and a pair is given. */
static attr_t with_pair(attr_t base, int pair)
{
	if (!style.color || pair <= 0)
		return base;
	return (base & ~A_COLOR) | COLOR_PAIR(pair);
}

static void put(WINDOW *w, int y, int x, const char *s, attr_t a)
{
	wattrset(w, a);
	mvwaddstr(w, y, x, s);
}

/* The rectangle cut to the window; -ENOSPC if nothing of it is left. */
static int clip(WINDOW *w, int y, int x, int *h, int *wd)
{
	int maxy, maxx;

	getmaxyx(w, maxy, maxx);
	if (y < 0 || x < 0 || y >= maxy || x >= maxx)
		return -ENOSPC;
	if (*h > maxy - y)
		*h = maxy - y;
	if (*wd > maxx - x)
		*wd = maxx - x;
	return *h > 0 && *wd > 0 ? 0 : -ENOSPC;
}

static void blank(WINDOW *w, int y, int x, int h, int wd, attr_t a)
{
	int r;

	wattrset(w, a);
	for (r = 0; r < h; r++)
		mvwhline(w, y + r, x, ' ', wd);
}

/* An axis value: 3 significant digits at most, no trailing zeros, k, M and
 * G for large values. */
static void format_value(char *buf, size_t len, double v)
{
	const char *suffix = "";
	char *dot, *end;

	if (v >= 1e9) {
		v /= 1e9;
		suffix = "G";
	} else if (v >= 1e6) {
		v /= 1e6;
		suffix = "M";
	} else if (v >= 1e4) {
		v /= 1e3;
		suffix = "k";
	}
	snprintf(buf, len, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
	dot = strchr(buf, '.');
	if (dot) {
		end = buf + strlen(buf);
		while (end > dot + 1 && end[-1] == '0')
			*--end = '\0';
		if (end == dot + 1)
			*dot = '\0';
	}
	snprintf(buf + strlen(buf), len - strlen(buf), "%s", suffix);
}

/* The y axis: the labels right-aligned in the lw columns from x, the axis
 * line in the next column, on rows y..y+rows-1. */
static void draw_y_axis(WINDOW *w, int y, int x, int lw, int rows,
			const char *top, attr_t a)
{
	int r;

	for (r = 0; r < rows; r++)
		put(w, y + r, x + lw, style.utf8 ? "│" : "|", a);
	put(w, y, x + lw - (int)strlen(top), top, a);
	put(w, y, x + lw, style.utf8 ? "┤" : "+", a);
	put(w, y + rows - 1, x + lw - 1, "0", a);
	put(w, y + rows - 1, x + lw, style.utf8 ? "┤" : "+", a);
}

/* The y axis's top label ("13.2 Mbit/s") and the columns it needs. */
static int y_label(char *buf, size_t len, double ymax, const char *unit)
{
	char num[32];

	format_value(num, sizeof(num), ymax);
	snprintf(buf, len, "%s%s%s", num, unit && *unit ? " " : "",
		 unit ? unit : "");
	return (int)strlen(buf);
}

/* One legend entry at *col of row y: sample then label; returns 0, or -1 if
 * it does not fit before end. */
static int legend_item(WINDOW *w, int y, int *col, int end, const char *sample,
		       int sample_cols, attr_t sa, const char *label, attr_t la)
{
	int need = sample_cols + 1 + (int)strlen(label);

	if (*col + need > end)
		return -1;
	put(w, y, *col, sample, sa);
	put(w, y, *col + sample_cols + 1, label, la);
	*col += need + 2;
	return 0;
}

/* ---- line charts ----------------------------------------------------------- */

struct chart {
	WINDOW *w;
	int y, x;		/* top left of the chart area */
	int rows, cols;		/* its size in cells */
	int dx, dy;		/* dots per cell */
	int dots_w, dots_h;
	double t0, t1, ymax;
	attr_t base;
};

static int chart_col(const struct chart *c, double t)
{
	return (int)lround((t - c->t0) / (c->t1 - c->t0) * (c->dots_w - 1)) / c->dx;
}

static int chart_has(const struct chart *c, double t)
{
	return isfinite(t) && t >= c->t0 && t <= c->t1;
}

static double spec_ymax(const struct plot_spec *s)
{
	double m = 0;
	int i, k;

	if (s->ymax > 0)
		return s->ymax;
	for (i = 0; i < s->nseries; i++)
		for (k = 0; k < s->series[i].n; k++) {
			double t = s->series[i].t[k], v = s->series[i].v[k];

			if (isfinite(v) && t >= s->t0 && t <= s->t1 && v > m)
				m = v;
		}
	if (s->has_ref && isfinite(s->ref) && s->ref > m)
		m = s->ref;
	return m > 0 ? m * 1.1 : 1.0;
}

static void chart_band(const struct chart *c, const struct plot_spec *s)
{
	char glyph[8];
	int c0, c1, r, col;

	if (!isfinite(s->band_t0) || !isfinite(s->band_t1) ||
	    s->band_t1 < c->t0 || s->band_t0 > c->t1 || s->band_t1 < s->band_t0)
		return;
	c0 = chart_col(c, s->band_t0 < c->t0 ? c->t0 : s->band_t0);
	c1 = chart_col(c, s->band_t1 > c->t1 ? c->t1 : s->band_t1);
	if (s->band_glyph)
		snprintf(glyph, sizeof(glyph), "%c", s->band_glyph);
	else
		snprintf(glyph, sizeof(glyph), "%s", style.utf8 ? "░" : ":");
	for (r = 0; r < c->rows; r++)
		for (col = c0; col <= c1; col++)
			put(c->w, c->y + r, c->x + col, glyph,
			    with_pair(c->base, s->band_pair));
}

/* The row of the reference line, or -1 if it is off the chart. */
static int chart_ref_row(const struct chart *c, const struct plot_spec *s)
{
	if (!s->has_ref || !isfinite(s->ref) || s->ref < 0 || s->ref > c->ymax)
		return -1;
	return (c->dots_h - 1 - (int)lround(s->ref / c->ymax * (c->dots_h - 1))) / c->dy;
}

static void chart_ref(const struct chart *c, const struct plot_spec *s)
{
	int row = chart_ref_row(c, s), col;

	if (row < 0)
		return;
	for (col = 0; col < c->cols; col++) {
		if (!style.utf8 && col % 2)
			continue;
		put(c->w, c->y + row, c->x + col, style.utf8 ? "╌" : "-",
		    with_pair(c->base, s->ref_pair));
	}
}

static void chart_markers(const struct chart *c, const struct plot_spec *s)
{
	const struct plot_marker *m;
	char glyph[8];
	int i, r, col;

	for (i = 0; i < s->nmarkers; i++) {
		m = &s->markers[i];
		if (!chart_has(c, m->t))
			continue;
		col = chart_col(c, m->t);
		if (m->glyph)
			snprintf(glyph, sizeof(glyph), "%c", m->glyph);
		else
			snprintf(glyph, sizeof(glyph), "%s", style.utf8 ? "┊" : "|");
		for (r = 0; r < c->rows; r++)
			put(c->w, c->y + r, c->x + col, glyph,
			    with_pair(c->base, m->color_pair));
	}
}

static char series_glyph(const struct plot_spec *s, int i)
{
	static const char dflt[PLOT_MAX_SERIES] = { '*', '+', 'o' };

	return s->series[i].glyph ? s->series[i].glyph : dflt[i];
}

static int chart_series(const struct chart *c, const struct plot_spec *s)
{
	enum canvas_mode mode = c->dx == 2 ? CANVAS_BRAILLE : CANVAS_ASCII;
	struct canvas *cv[PLOT_MAX_SERIES + 1] = { NULL };
	const struct plot_series *ps;
	char text[8];
	int i, r, col, owner, rc = 0;

	for (i = 0; i <= s->nseries; i++) {
		cv[i] = canvas_new(c->cols, c->rows, mode);
		if (!cv[i]) {
			rc = -ENOMEM;
			goto out;
		}
	}
	/* cv[nseries] holds every series */
	for (i = 0; i < s->nseries; i++) {
		ps = &s->series[i];
		canvas_plot_series(cv[i], ps->t, ps->v, ps->n, c->t0, c->t1, c->ymax);
		canvas_plot_series(cv[s->nseries], ps->t, ps->v, ps->n, c->t0,
				   c->t1, c->ymax);
	}
	for (r = 0; r < c->rows; r++)
		for (col = 0; col < c->cols; col++) {
			owner = -1;
			for (i = 0; i < s->nseries; i++)
				if (canvas_cell_utf8(cv[i], col, r, text, 'x') > 0)
					owner = i;
			if (owner < 0)
				continue;
			if (mode == CANVAS_BRAILLE)
				canvas_cell_utf8(cv[s->nseries], col, r, text, 0);
			else
				canvas_cell_utf8(cv[owner], col, r, text,
						 series_glyph(s, owner));
			put(c->w, c->y + r, c->x + col, text,
			    with_pair(c->base, s->series[owner].color_pair));
		}
out:
	for (i = 0; i <= s->nseries; i++)
		canvas_free(cv[i]);
	return rc;
}

/* Rows at the top of the chart that marker labels may take, so that the
 * labels of markers close in time (pause, resume) do not overwrite each
 * other: a label goes on the first of them where it does not touch the one
 * before. */
#define LABEL_ROWS 3

static void chart_labels(const struct chart *c, const struct plot_spec *s)
{
	const struct plot_marker *m;
	int taken[LABEL_ROWS] = { -1, -1, -1 };	/* last column used, per row */
	int i, col, row, len;

	for (i = 0; i < s->nmarkers; i++) {
		m = &s->markers[i];
		if (!m->label || !chart_has(c, m->t))
			continue;
		col = chart_col(c, m->t) + 1;
		len = (int)strlen(m->label);
		if (len > c->cols - col)
			len = c->cols - col;
		for (row = 0; row < LABEL_ROWS && row < c->rows; row++)
			if (col > taken[row] + 1)
				break;
		if (len <= 0 || row == LABEL_ROWS || row == c->rows)
			continue;
		wattrset(c->w, with_pair(c->base, m->color_pair));
		mvwaddnstr(c->w, c->y + row, c->x + col, m->label, len);
		taken[row] = col + len - 1;
	}
	row = chart_ref_row(c, s);
	if (row >= 0 && s->ref_label) {
		wattrset(c->w, with_pair(c->base, s->ref_pair));
		mvwaddnstr(c->w, c->y + row, c->x + 1, s->ref_label, c->cols - 1);
	}
}

/* The time axis under the chart: a line with a tick under each marker and
 * t0's and t1's labels. */
static void chart_t_axis(const struct chart *c, const struct plot_spec *s,
			 attr_t a)
{
	char l0[32], l1[32];
	const char *left = s->t0_label, *right = s->t1_label;
	int row = c->y + c->rows, col, n1, i;

	put(c->w, row, c->x - 1, style.utf8 ? "└" : "+", a);
	for (col = 0; col < c->cols; col++)
		put(c->w, row, c->x + col, style.utf8 ? "─" : "-", a);
	for (i = 0; i < s->nmarkers; i++)
		if (chart_has(c, s->markers[i].t))
			put(c->w, row, c->x + chart_col(c, s->markers[i].t),
			    style.utf8 ? "┴" : "+",
			    with_pair(c->base, s->markers[i].color_pair));
	if (!left) {
		snprintf(l0, sizeof(l0), "%.0fs", c->t0);
		left = l0;
	}
	if (!right) {
		snprintf(l1, sizeof(l1), "%.0fs", c->t1);
		right = l1;
	}
	n1 = (int)strlen(right);
	if ((int)strlen(left) + n1 + 2 > c->cols)
		return;
	put(c->w, row, c->x, left, a);
	put(c->w, row, c->x + c->cols - n1, right, a);
}

static void chart_legend(const struct chart *c, const struct plot_spec *s,
			 int y, int x, int end)
{
	char sample[16];
	int i, col = x;

	for (i = 0; i < s->nseries; i++) {
		if (!s->series[i].label)
			continue;
		if (c->dx == 2)
			snprintf(sample, sizeof(sample), "⠶⠶");
		else
			snprintf(sample, sizeof(sample), "%c%c",
				 series_glyph(s, i), series_glyph(s, i));
		if (legend_item(c->w, y, &col, end, sample, 2,
				with_pair(c->base, s->series[i].color_pair),
				s->series[i].label, c->base) < 0)
			return;
	}
	if (s->has_ref && s->ref_label &&
	    legend_item(c->w, y, &col, end, style.utf8 ? "╌╌" : "--", 2,
			with_pair(c->base, s->ref_pair), s->ref_label, c->base) < 0)
		return;
	if (s->has_band && s->band_label) {
		if (s->band_glyph)
			snprintf(sample, sizeof(sample), "%c%c", s->band_glyph,
				 s->band_glyph);
		else
			snprintf(sample, sizeof(sample), "%s", style.utf8 ? "░░" : "::");
		legend_item(c->w, y, &col, end, sample, 2,
			    with_pair(c->base, s->band_pair), s->band_label, c->base);
	}
}

int plot_lines(WINDOW *w, int y, int x, int h, int wd, const struct plot_spec *spec)
{
	attr_t saved = (attr_t)getattrs(w);
	struct chart c = { .w = w, .base = saved };
	char top[48];
	int lw, rc, braille;

	if (!spec || spec->nseries < 0 || spec->nseries > PLOT_MAX_SERIES ||
	    !isfinite(spec->t0) || !isfinite(spec->t1) || spec->t1 <= spec->t0 ||
	    spec->nmarkers < 0 || (spec->nmarkers && !spec->markers) ||
	    (spec->nseries && !spec->series))
		return -EINVAL;
	rc = clip(w, y, x, &h, &wd);
	if (rc < 0)
		return rc;
	c.t0 = spec->t0;
	c.t1 = spec->t1;
	c.ymax = spec_ymax(spec);
	lw = y_label(top, sizeof(top), c.ymax, spec->unit);
	c.rows = h - 2;		/* then the time axis and the legend */
	c.cols = wd - lw - 1;
	if (h < 4 || c.cols < 4)
		return -ENOSPC;
	c.y = y;
	c.x = x + lw + 1;
	braille = style.utf8 && (style.color || spec->nseries <= 1);
	c.dx = braille ? 2 : 1;
	c.dy = braille ? 4 : 1;
	c.dots_w = c.cols * c.dx;
	c.dots_h = c.rows * c.dy;

	blank(w, y, x, h, wd, saved);
	if (spec->has_band)
		chart_band(&c, spec);
	chart_ref(&c, spec);
	chart_markers(&c, spec);
	chart_t_axis(&c, spec, with_pair(saved, spec->axis_pair));
	rc = chart_series(&c, spec);
	chart_labels(&c, spec);
	draw_y_axis(w, y, x, lw, c.rows, top, with_pair(saved, spec->axis_pair));
	chart_legend(&c, spec, y + h - 1, x, x + wd);
	wattrset(w, saved);
	return rc;
}

/* ---- bars ------------------------------------------------------------------ */

/* Eighth blocks from none to full, U+2581..U+2588. */
static const char *const eighths[9] = {
	" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█",
};

static double bar_value(const double *v, int i)
{
	return v && isfinite(v[i]) && v[i] > 0 ? v[i] : 0;
}

/* Heights of one bar, in eighths of a cell from the bottom: segment a is
 * [0, a_top), segment b is [a_top, b_top). */
struct bar_heights {
	int a_top, b_top;
};

static struct bar_heights bar_measure(double a, double b, double ymax, int rows,
				      int ascii)
{
	int full = rows * 8;
	struct bar_heights bh;

	bh.a_top = (int)lround(a / ymax * full);
	if (a > 0 && bh.a_top < 1)
		bh.a_top = 1;
	/* Only b's top cell may be partial: a cell shows one segment, so a
	 * is rounded to whole cells when b sits on it (and always in ASCII). */
	if (b > 0 || ascii) {
		bh.a_top = (bh.a_top + 4) / 8 * 8;
		if (a > 0 && bh.a_top == 0)
			bh.a_top = 8;
	}
	if (bh.a_top > full)
		bh.a_top = full;
	bh.b_top = (int)lround((a + b) / ymax * full);
	if (ascii)
		bh.b_top = (bh.b_top + 4) / 8 * 8;
	if (b > 0 && bh.b_top <= bh.a_top)
		bh.b_top = bh.a_top + (ascii ? 8 : 1);
	if (bh.b_top > full)
		bh.b_top = full;
	if (bh.b_top < bh.a_top)
		bh.b_top = bh.a_top;
	return bh;
}

/* The glyph and attributes of the bar cell whose bottom is at eighth e. */
static const char *bar_cell(const struct bar_spec *s, struct bar_heights bh,
			    int e, attr_t base, attr_t *a)
{
	int fill;

	if (e < bh.a_top) {
		*a = with_pair(base, s->pair_a);
		if (!style.utf8)
			return "#";
		fill = bh.a_top - e;
		return eighths[fill > 8 ? 8 : fill];
	}
	if (e < bh.b_top) {
		*a = with_pair(base, s->pair_b);
		if (!style.utf8)
			return "=";
		if (!style.color)
			return "▒";
		fill = bh.b_top - e;
		return eighths[fill > 8 ? 8 : fill];
	}
	return NULL;
}

static void bar_legend(WINDOW *w, int y, int x, int end,
		       const struct bar_spec *s, attr_t base)
{
	int col = x;

	if (s->label_a &&
	    legend_item(w, y, &col, end, style.utf8 ? "█" : "#", 1,
			with_pair(base, s->pair_a), s->label_a, base) < 0)
		return;
	if (s->b && s->label_b)
		legend_item(w, y, &col, end,
			    !style.utf8 ? "=" : style.color ? "█" : "▒", 1,
			    with_pair(base, s->pair_b), s->label_b, base);
}

int plot_bars(WINDOW *w, int y, int x, int h, int wd, const struct bar_spec *spec)
{
	attr_t saved = (attr_t)getattrs(w), a;
	struct bar_heights bh;
	double ymax = 0, tot;
	char top[48], num[16];
	int i, j, k, r, lw, rows, cols, x0, col, bw, slot, shown, from, every, rc;
	const char *glyph;

	if (!spec || spec->n < 0 || (spec->n && !spec->a))
		return -EINVAL;
	rc = clip(w, y, x, &h, &wd);
	if (rc < 0)
		return rc;
	for (i = 0; i < spec->n; i++) {
		tot = bar_value(spec->a, i) + bar_value(spec->b, i);
		if (tot > ymax)
			ymax = tot;
	}
	if (spec->ymax > 0)
		ymax = spec->ymax;
	if (ymax <= 0)
		ymax = 1;
	lw = y_label(top, sizeof(top), ymax, spec->unit);
	rows = h - 2;		/* then the round numbers and the legend */
	cols = wd - lw - 1;
	if (h < 4 || cols < 2)
		return -ENOSPC;
	x0 = x + lw + 1;
	bw = spec->n * 4 <= cols ? 3 : spec->n * 3 <= cols ? 2 : 1;
	slot = bw + 1;
	shown = spec->n < cols / slot ? spec->n : cols / slot;
	from = spec->n - shown;
	snprintf(num, sizeof(num), "%d", spec->first + spec->n - 1);
	every = ((int)strlen(num) + 1 + slot - 1) / slot;
	if (every < 1 || (int)strlen(num) <= bw)
		every = 1;

	blank(w, y, x, h, wd, saved);
	for (k = 0; k < shown; k++) {
		i = from + k;
		col = x0 + k * slot + 1;
		bh = bar_measure(bar_value(spec->a, i), bar_value(spec->b, i),
				 ymax, rows, !style.utf8);
		for (r = 0; r < rows; r++) {
			glyph = bar_cell(spec, bh, r * 8, saved, &a);
			if (!glyph)
				break;
			for (j = 0; j < bw; j++)
				put(w, y + rows - 1 - r, col + j, glyph, a);
		}
		if ((spec->first + i) % every)
			continue;
		snprintf(num, sizeof(num), "%d", spec->first + i);
		if (col + (int)strlen(num) <= x + wd)
			put(w, y + rows, col, num, with_pair(saved, spec->axis_pair));
	}
	draw_y_axis(w, y, x, lw, rows, top, with_pair(saved, spec->axis_pair));
	bar_legend(w, y + h - 1, x, x + wd, spec, saved);
	wattrset(w, saved);
	return 0;
}

/* ---- sparkline ------------------------------------------------------------- */

int plot_sparkline(WINDOW *w, int y, int x, int wd, const double *v, int n,
		   double vmax, int utf8)
{
	static const char *const ascii[8] = {
		" ", ".", ":", "-", "=", "+", "*", "#",
	};
	int i, from, shown, level, h = 1;

	if (n < 0 || (n && !v) || clip(w, y, x, &h, &wd) < 0)
		return -EINVAL;
	shown = n < wd ? n : wd;
	from = n - shown;
	if (vmax <= 0)
		for (i = from; i < n; i++)
			if (isfinite(v[i]) && v[i] > vmax)
				vmax = v[i];
	mvwhline(w, y, x, ' ', wd);
	for (i = 0; i < shown && vmax > 0; i++) {
		double val = v[from + i];

		if (!isfinite(val))
			continue;
		level = (int)lround((val < 0 ? 0 : val > vmax ? vmax : val) / vmax * 7);
		mvwaddstr(w, y, x + wd - shown + i, utf8 ? eighths[level + 1] : ascii[level]);
	}
	return 0;
}

/* ---- big numbers ----------------------------------------------------------- */

struct big_glyph {
	char c;
	int cols;
	const char *utf8[PLOT_BIG_ROWS];
	const char *ascii[PLOT_BIG_ROWS];
};

static const struct big_glyph big_glyphs[] = {
	{ '0', 3, { "┌─┐", "│ │", "└─┘" }, { " _ ", "| |", "|_|" } },
	{ '1', 3, { "╶┐ ", " │ ", "╶┴╴" }, { "   ", "  |", "  |" } },
	{ '2', 3, { "╶─┐", "┌─┘", "└─╴" }, { " _ ", " _|", "|_ " } },
	{ '3', 3, { "╶─┐", " ─┤", "╶─┘" }, { " _ ", " _|", " _|" } },
	{ '4', 3, { "╷ ╷", "└─┤", "  ╵" }, { "   ", "|_|", "  |" } },
	{ '5', 3, { "┌─╴", "└─┐", "╶─┘" }, { " _ ", "|_ ", " _|" } },
	{ '6', 3, { "┌─╴", "├─┐", "└─┘" }, { " _ ", "|_ ", "|_|" } },
	{ '7', 3, { "╶─┐", "  │", "  ╵" }, { " _ ", "  |", "  |" } },
	{ '8', 3, { "┌─┐", "├─┤", "└─┘" }, { " _ ", "|_|", "|_|" } },
	{ '9', 3, { "┌─┐", "└─┤", "╶─┘" }, { " _ ", "|_|", " _|" } },
	{ '-', 3, { "   ", "╶─╴", "   " }, { "   ", " _ ", "   " } },
	{ '.', 1, { " ", " ", "▪" }, { " ", " ", "." } },
	{ ':', 1, { " ", "▪", "▪" }, { " ", ".", "." } },
	/* units: small letters on the bottom row */
	{ 's', 1, { " ", " ", "s" }, { " ", " ", "s" } },
	{ 'm', 1, { " ", " ", "m" }, { " ", " ", "m" } },
	{ ' ', 1, { " ", " ", " " }, { " ", " ", " " } },
};

static const struct big_glyph *big_find(char ch)
{
	size_t i;

	for (i = 0; i < sizeof(big_glyphs) / sizeof(big_glyphs[0]); i++)
		if (big_glyphs[i].c == ch)
			return &big_glyphs[i];
	return &big_glyphs[sizeof(big_glyphs) / sizeof(big_glyphs[0]) - 1];
}

/* Digits are followed by a blank column, so that "11" reads as two. */
static int big_advance(const struct big_glyph *g)
{
	return g->cols == 3 ? 4 : g->cols;
}

int plot_big_width(const char *text)
{
	int wd = 0;

	for (; *text; text++)
		wd += big_advance(big_find(*text));
	return wd;
}

int plot_big_number(WINDOW *w, int y, int x, const char *text, int utf8)
{
	const struct big_glyph *g;
	int r, col = x, maxy, maxx;

	getmaxyx(w, maxy, maxx);
	for (; *text; text++) {
		g = big_find(*text);
		if (col + g->cols > maxx)
			break;
		for (r = 0; r < PLOT_BIG_ROWS && y + r < maxy; r++) {
			mvwaddstr(w, y + r, col, utf8 ? g->utf8[r] : g->ascii[r]);
			if (big_advance(g) > g->cols && col + g->cols < maxx)
				waddch(w, ' ');
		}
		col += big_advance(g);
	}
	return col - x;
}

/*
 * Charts of the console, drawn with ncurses into a rectangle of a window:
 * time-series line charts (vCPU utilisation, throughput against the link
 * cap), stacked bars per pre-copy round (pages sent, hot pages deferred), a
 * one-row sparkline and a large digital readout for the downtime counter.
 * The functions only draw: the console owns the data, the window and the
 * refresh.
 *
 * Colours are ncurses colour pair numbers (theme_pair() gives the theme's);
 * they are used only when the style says colour is on. Without colour, and
 * in ASCII mode, series and bar segments differ by glyph instead:
 *
 *   utf8, colour      braille line charts (2x4 dots a cell), series told
 *                     apart by colour; eighth-block bars
 *   utf8, no colour   braille only for a single series; with two or more,
 *                     ASCII line charts with one glyph per series; bars in
 *                     eighth blocks, the second segment in shade blocks
 *   ASCII             ASCII line charts with one glyph per series, bars of
 *                     '#' and '=', ASCII axes and sparklines
 */
#ifndef DSMIG_UI_PLOT_H
#define DSMIG_UI_PLOT_H

#include <ncurses.h>

struct plot_style {
	int utf8;	/* > 0: the terminal shows UTF-8 (nl_langinfo(CODESET)) */
	int color;	/* > 0: colours in use; theme_apply()'s result may be
			 * passed as it is (-1, refused, means no colour) */
};

/* Set once at start-up and whenever the theme changes; the default is
 * ASCII without colour. */
void plot_set_style(const struct plot_style *style);

#define PLOT_MAX_SERIES 3

struct plot_series {
	const double *t, *v;	/* n points: time (s), value; NaN = a gap */
	int n;
	int color_pair;
	char glyph;		/* ASCII glyph; 0: '*', '+', 'o' by position */
	const char *label;	/* for the legend; NULL: not in it */
};

/* A vertical line at time t: a phase change (start, pause, resume, end). */
struct plot_marker {
	double t;
	char glyph;		/* 0: a dotted line ('|' in ASCII) */
	const char *label;	/* written at the top, right of the line */
	int color_pair;
};

struct plot_spec {
	const char *unit;	/* of the y axis: "%", "Mbit/s"; may be NULL */
	double t0, t1;		/* time window, left to right */
	const char *t0_label;	/* under the axis ends; NULL: "12s" */
	const char *t1_label;
	double ymax;		/* <= 0: 1.1 x the largest value in the
				 * window (or the reference, if larger) */
	const struct plot_series *series;
	int nseries;		/* 0..PLOT_MAX_SERIES */
	int axis_pair;

	/* A horizontal dashed line at ref (the link cap), if has_ref. */
	int has_ref;
	double ref;
	const char *ref_label;	/* written on the line, at its left */
	int ref_pair;

	const struct plot_marker *markers;
	int nmarkers;

	/* A band over the time interval [band_t0, band_t1] (the downtime),
	 * if has_band; a band narrower than a cell still marks one cell. */
	int has_band;
	double band_t0, band_t1;
	char band_glyph;	/* 0: a light shade (':' in ASCII) */
	const char *band_label;	/* for the legend */
	int band_pair;
};

/*
 * A time-series chart in the h x wd rectangle at (y, x) of w: the y axis
 * with the maximum (and unit) at the top and 0 at the bottom on the left,
 * the time axis with t0 and t1 labels, and a legend (series, reference
 * line, band) on the bottom row. Needs h >= 4 and room for at least 4
 * columns of chart beside the axis labels. Draw order: band, reference line,
 * markers, series, then labels on top. Returns 0, -ENOSPC if the rectangle
 * is too small (nothing drawn), -EINVAL for a bad spec (t1 <= t0, too many
 * series), -ENOMEM.
 */
int plot_lines(WINDOW *w, int y, int x, int h, int wd, const struct plot_spec *spec);

struct bar_spec {
	const double *a;	/* n bars: the lower segment (pages sent) */
	const double *b;	/* the upper segment (hot pages deferred);
				 * may be NULL */
	int n;
	int first;		/* the number under bar 0 (the first round) */
	double ymax;		/* <= 0: the tallest bar */
	const char *unit;	/* of the y axis; may be NULL */
	const char *label_a, *label_b;	/* for the legend; NULL: none */
	int pair_a, pair_b, axis_pair;
};

/*
 * Vertical bars, one per round, each a stack of a (bottom) and b (top), in
 * the h x wd rectangle at (y, x) of w: the y axis with the maximum and 0 on
 * the left, the round numbers under the bars where they fit, a legend on the
 * bottom row. Bars are 1 to 3 columns wide with a gap; when all n do not
 * fit, the last ones are shown. A non-zero segment is at least one eighth
 * (UTF-8) or one cell (ASCII) high. Needs h >= 4. Returns 0, -ENOSPC,
 * -EINVAL (n < 0, a NULL).
 */
int plot_bars(WINDOW *w, int y, int x, int h, int wd, const struct bar_spec *spec);

/*
 * A one-row sparkline of the last wd values of v[0..n) at (y, x), the
 * newest at the right, in 8 levels of vmax (<= 0: the largest shown):
 * "▁▂▃▄▅▆▇█" in UTF-8, " .:-=+*#" in ASCII; NaN is a blank. Draws with the
 * window's current attributes. Returns 0 or -EINVAL.
 */
int plot_sparkline(WINDOW *w, int y, int x, int wd, const double *v, int n,
		   double vmax, int utf8);

/* Height of plot_big_number()'s characters. */
#define PLOT_BIG_ROWS 3

/*
 * text ("1.23 s", "350 ms") PLOT_BIG_ROWS rows high at (y, x) of w, with the
 * window's current attributes: digits, '.', ':', '-', 's', 'm' and spaces
 * (anything else is drawn as a space). Box-drawing glyphs in UTF-8, a
 * seven-segment style of '_' and '|' in ASCII (the same width). Returns the
 * width drawn, in columns.
 */
int plot_big_number(WINDOW *w, int y, int x, const char *text, int utf8);

/* The width plot_big_number() would take for text. */
int plot_big_width(const char *text);

#endif /* DSMIG_UI_PLOT_H */

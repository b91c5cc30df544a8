/*
 * A plotting canvas with no terminal behind it: a grid of character cells,
 * each holding a few "dots" that drawing functions switch on. The console's
 * charts (plot.c) draw series into a canvas and then print it cell by cell.
 *
 * Two resolutions:
 *   CANVAS_BRAILLE  each cell is 2 dots wide and 4 high, printed as one of
 *                   the Unicode braille patterns U+2800..U+28FF (UTF-8);
 *   CANVAS_ASCII    each cell is one dot, printed as a glyph the caller
 *                   chooses ('*', '#', '+', 'o', ...).
 *
 * Dot coordinates have their origin at the bottom left (x to the right, y
 * upwards), as on a chart. Cell coordinates are in screen order: column 0 is
 * the left, row 0 the top. Dots outside the canvas are ignored, so callers
 * may draw lines that leave it.
 */
#ifndef DSMIG_UI_CANVAS_H
#define DSMIG_UI_CANVAS_H

enum canvas_mode {
	CANVAS_BRAILLE,
	CANVAS_ASCII,
};

struct canvas;

/* A canvas of cols x rows cells, all dots off. Returns NULL if cols or rows
 * is not positive or out of memory. Free with canvas_free(). */
struct canvas *canvas_new(int cols, int rows, enum canvas_mode mode);
void canvas_free(struct canvas *c);

/* Size in dots: cols*2 x rows*4 in braille mode, cols x rows in ASCII. */
int canvas_dots_w(const struct canvas *c);
int canvas_dots_h(const struct canvas *c);

/* Switch every dot off. */
void canvas_clear(struct canvas *c);

/* Switch on the dot at (x, y); outside the canvas: nothing happens. */
void canvas_set(struct canvas *c, int x, int y);

/* A straight line of dots from (x0, y0) to (x1, y1), both ends included
 * (Bresenham). Parts outside the canvas are skipped. */
void canvas_line(struct canvas *c, int x0, int y0, int x1, int y1);

/* The text of the cell at (col, row), NUL-terminated in out: in braille mode
 * the pattern of its dots in UTF-8 (3 bytes), in ASCII mode ascii_glyph.
 * A cell with no dot gives the empty string: the caller leaves whatever is
 * under it. Returns the number of bytes written before the NUL (0 for an
 * empty cell), or -EINVAL if (col, row) is outside the canvas. */
int canvas_cell_utf8(const struct canvas *c, int col, int row, char out[8],
		     char ascii_glyph);

/* Draw a data series as connected line segments: point i is at time t[i]
 * with value v[i]. The time window [t0, t1] spans the canvas width and the
 * values [0, vmax] its height; values above vmax are drawn on the top row,
 * below 0 on the bottom row, and segments are cut at the window's edges.
 * A NaN (or infinite) time or value is a gap: the segments on either side
 * of it are not drawn, and a point with gaps on both sides is drawn as a
 * single dot.
 * Returns the number of points inside the window that were drawn, or -EINVAL
 * if t1 <= t0, vmax <= 0 (or either is not finite), or n < 0. */
int canvas_plot_series(struct canvas *c, const double *t, const double *v,
		       int n, double t0, double t1, double vmax);

#endif /* DSMIG_UI_CANVAS_H */

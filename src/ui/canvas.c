/*
 * The plotting canvas (see canvas.h). One byte per cell holds its dots. In
 * braille mode the bits are those of the Unicode braille block, so a cell's
 * character is simply U+2800 + its byte: the block numbers the dots
 *
 *	1 4		bit 0x01 0x08
 *	2 5		    0x02 0x10
 *	3 6		    0x04 0x20
 *	7 8		    0x40 0x80
 *
 * In ASCII mode a cell is one dot and its byte is 0 or 1.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/canvas.h"

struct canvas {
	int cols, rows;
	enum canvas_mode mode;
	uint8_t cell[];		/* rows * cols, row 0 at the top */
};

/* Bit of the dot at (column within the cell, row within the cell from the
 * top), braille mode. */
static const uint8_t braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

struct canvas *canvas_new(int cols, int rows, enum canvas_mode mode)
{
	struct canvas *c;

	if (cols <= 0 || rows <= 0 || cols > 4096 || rows > 4096)
		return NULL;
	c = calloc(1, sizeof(*c) + (size_t)cols * (size_t)rows);
	if (!c)
		return NULL;
	c->cols = cols;
	c->rows = rows;
	c->mode = mode;
	return c;
}

void canvas_free(struct canvas *c)
{
	free(c);
}

int canvas_dots_w(const struct canvas *c)
{
	return c->mode == CANVAS_BRAILLE ? c->cols * 2 : c->cols;
}

int canvas_dots_h(const struct canvas *c)
{
	return c->mode == CANVAS_BRAILLE ? c->rows * 4 : c->rows;
}

void canvas_clear(struct canvas *c)
{
	memset(c->cell, 0, (size_t)c->cols * (size_t)c->rows);
}

void canvas_set(struct canvas *c, int x, int y)
{
	int top;

	if (x < 0 || y < 0 || x >= canvas_dots_w(c) || y >= canvas_dots_h(c))
		return;
	top = canvas_dots_h(c) - 1 - y;		/* dot row from the top */
	if (c->mode == CANVAS_BRAILLE)
		c->cell[(top / 4) * c->cols + x / 2] |= braille_bit[x % 2][top % 4];
	else
		c->cell[top * c->cols + x] = 1;
}

void canvas_line(struct canvas *c, int x0, int y0, int x1, int y1)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int e = dx + dy, e2;

	for (;;) {
		canvas_set(c, x0, y0);
		if (x0 == x1 && y0 == y1)
			break;
		e2 = 2 * e;
		if (e2 >= dy) {
			e += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sy;
		}
	}
}

int canvas_cell_utf8(const struct canvas *c, int col, int row, char out[8],
		     char ascii_glyph)
{
	unsigned int cp;
	uint8_t bits;

	out[0] = '\0';
	if (col < 0 || row < 0 || col >= c->cols || row >= c->rows)
		return -EINVAL;
	bits = c->cell[row * c->cols + col];
	if (!bits)
		return 0;
	if (c->mode == CANVAS_ASCII) {
		out[0] = ascii_glyph;
		out[1] = '\0';
		return 1;
	}
	cp = 0x2800u + bits;		/* three bytes: 1110xxxx 10xxxxxx 10xxxxxx */
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	out[3] = '\0';
	return 3;
}

/* ---- data series ---------------------------------------------------------- */

struct series_map {
	double t0, t1, vmax;
	int w, h;		/* canvas size in dots */
};

static int map_x(const struct series_map *m, double t)
{
	return (int)lround((t - m->t0) / (m->t1 - m->t0) * (m->w - 1));
}

static int map_y(const struct series_map *m, double v)
{
	if (v < 0)
		v = 0;
	if (v > m->vmax)
		v = m->vmax;
	return (int)lround(v / m->vmax * (m->h - 1));
}

static void swap_double(double *a, double *b)
{
	double tmp = *a;

	*a = *b;
	*b = tmp;
}

/* The segment (ta, va)-(tb, vb), cut to the time window. */
static void plot_segment(struct canvas *c, const struct series_map *m,
			 double ta, double va, double tb, double vb)
{
	if (ta > tb) {
		swap_double(&ta, &tb);
		swap_double(&va, &vb);
	}
	if (tb < m->t0 || ta > m->t1)
		return;
	if (ta < m->t0) {
		va += (vb - va) * (m->t0 - ta) / (tb - ta);
		ta = m->t0;
	}
	if (tb > m->t1) {
		vb = va + (vb - va) * (m->t1 - ta) / (tb - ta);
		tb = m->t1;
	}
	canvas_line(c, map_x(m, ta), map_y(m, va), map_x(m, tb), map_y(m, vb));
}

static int point_ok(const double *t, const double *v, int i)
{
	return isfinite(t[i]) && isfinite(v[i]);
}

int canvas_plot_series(struct canvas *c, const double *t, const double *v,
		       int n, double t0, double t1, double vmax)
{
	struct series_map m = {
		.t0 = t0, .t1 = t1, .vmax = vmax,
		.w = canvas_dots_w(c), .h = canvas_dots_h(c),
	};
	int i, prev, next, drawn = 0;

	if (n < 0 || !isfinite(t0) || !isfinite(t1) || !isfinite(vmax) ||
	    t1 <= t0 || vmax <= 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!point_ok(t, v, i))
			continue;
		prev = i > 0 && point_ok(t, v, i - 1);
		next = i + 1 < n && point_ok(t, v, i + 1);
		if (prev)
			plot_segment(c, &m, t[i - 1], v[i - 1], t[i], v[i]);
		if (t[i] < t0 || t[i] > t1)
			continue;
		if (!prev && !next)
			canvas_set(c, map_x(&m, t[i]), map_y(&m, v[i]));
		drawn++;
	}
	return drawn;
}

/*
 * The page-heat map view (see heatmap.h). A title line says the round,
 * the grid's geometry and the counts; the grid follows, cells left to
 * right in page order, at most HEATMAP_MAX_COLS a row, then a legend.
 * A cell's glyph is its mark when it has one, else its heat in four
 * steps; its colour is its heat's in either case.
 */
#include <stdio.h>

#include "ui/heatmap.h"

#define HEATMAP_MAX_COLS 64
#define HEATMAP_TOP      2     /* the title and the counts above the grid */

static const char *const shade_utf8[4] = { "\xc2\xb7", "\xe2\x96\x91", "\xe2\x96\x92", "\xe2\x96\x93" };
static const char *const shade_ascii[4] = { ".", "-", "+", "#" };

/* The theme role of a heat level 0..HEAT_MAX_LEVEL. */
static enum theme_role heat_role(unsigned level)
{
	if (level == 0)
		return THEME_DIM;
	if (level <= 5)
		return THEME_SERIES1;
	return level <= 10 ? THEME_WARN : THEME_BAD;
}

static int faulted(const struct tel_heat *h, int cell)
{
	int i;

	for (i = 0; i < h->nfaults; i++)
		if (h->faults[i] == cell)
			return 1;
	return 0;
}

/* The glyph of cell i. */
static const char *glyph(const struct tel_heat *h, int i, int utf8)
{
	if (faulted(h, i))
		return "!";
	switch (h->state[i]) {
	case HEAT_HELD:
		return "H";
	case HEAT_MISSING:
		return "m";
	case HEAT_TO_SEND:
		return "s";
	}
	return (utf8 > 0 ? shade_utf8 : shade_ascii)[(h->dirty[i] + 4) / 5];
}

static void print(WINDOW *win, const struct theme *t, enum theme_role r, int y, int x,
		  int cols, const char *text)
{
	wattron(win, theme_attr(t, r));
	mvwaddnstr(win, y, x, text, cols);
	wattroff(win, theme_attr(t, r));
}

void heatmap_draw(WINDOW *win, const struct theme *t, const struct tel_heat *h,
		  int y, int x, int rows, int cols, int utf8)
{
	const char *const *shades;
	char line[200];
	int per_row = cols < HEATMAP_MAX_COLS ? cols : HEATMAP_MAX_COLS, i, legend;

	if (rows < HEATMAP_TOP + 2 || per_row < 1)
		return;
	if (!h) {
		print(win, t, THEME_DIM, y, x, cols,
		      "Page-heat map: no heat record (dsm and dsm-pull write one per round).");
		return;
	}
	snprintf(line, sizeof(line), "Page-heat map, round %d: %d cells x %lld pages", h->round,
		 h->cells, (long long)h->pages_per_cell);
	print(win, t, THEME_TITLE, y, x, cols, line);
	snprintf(line, sizeof(line), "held back %lld  to send %lld  missing %lld  faulted cells %d",
		 (long long)h->held_pages, (long long)h->to_send_pages,
		 (long long)h->missing_pages, h->nfaults);
	print(win, t, THEME_TEXT, y + 1, x, cols, line);
	for (i = 0; i < h->cells; i++) {
		int r = HEATMAP_TOP + i / per_row, col = i % per_row;
		enum theme_role role = faulted(h, i) ? THEME_DOWNTIME : heat_role(h->dirty[i]);

		if (r >= rows - 1)
			break;
		wattron(win, theme_attr(t, role));
		mvwaddstr(win, y + r, x + col, glyph(h, i, utf8));
		wattroff(win, theme_attr(t, role));
	}
	shades = utf8 > 0 ? shade_utf8 : shade_ascii;
	snprintf(line, sizeof(line), "heat %s%s%s%s cold to hot  H held back hot  s to send  "
		 "m missing  ! faulted", shades[0], shades[1], shades[2], shades[3]);
	legend = HEATMAP_TOP + (h->cells + per_row - 1) / per_row;
	print(win, t, THEME_DIM, y + (legend < rows - 1 ? legend : rows - 1), x, cols, line);
}

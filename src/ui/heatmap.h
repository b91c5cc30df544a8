/*
 * The console's page-heat map: the latest "heat" record of a migration
 * (docs/telemetry.md) drawn as a grid, one character a cell (a run of
 * guest pages), coloured by how often its pages were dirtied over the
 * recent rounds; marks for hot pages held back (H), pages still to send
 * (s), pages the destination still lacks in post-copy (m) and cells it
 * faulted on since the record before (!). Only draws: the model keeps the
 * record (model.h), the caller the window and the refresh.
 */
#ifndef DSMIG_UI_HEATMAP_H
#define DSMIG_UI_HEATMAP_H

#include <ncurses.h>

#include "common/telemetry_read.h"
#include "ui/theme.h"

/* Draw h (NULL: no record yet) into the rectangle of win at (y, x), rows
 * by cols, in theme t's roles; utf8 > 0: shade blocks for the heat, else
 * ASCII. */
void heatmap_draw(WINDOW *win, const struct theme *t, const struct tel_heat *h,
		  int y, int x, int rows, int cols, int utf8);

#endif /* DSMIG_UI_HEATMAP_H */

/*
 * The page-heat map's compact encoding (docs/telemetry.md, the "heat"
 * record), shared by the engine that writes it (engine/heat.c) and the
 * one telemetry reader (telemetry_read.c). Guest RAM is cut into at most
 * HEAT_MAX_CELLS cells of pages_per_cell pages each (the last one may be
 * shorter); each cell has a heat 0..15, written as one lowercase hex
 * digit, and a state, written as one character of HEAT_STATES. Both
 * strings have exactly one character per cell. Pure functions: unit-tested
 * (tests/unit/test_heat_codec.c).
 */
#ifndef DSMIG_COMMON_HEAT_CODEC_H
#define DSMIG_COMMON_HEAT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define HEAT_MAX_CELLS  256
#define HEAT_MAX_LEVEL  15
#define HEAT_MAX_FAULTS 64     /* distinct faulted cells listed per record */

/* A cell's state, by priority when its pages differ: */
#define HEAT_HELD     'h'      /* dsm: holds a hot page held back to stop-and-copy */
#define HEAT_MISSING  'm'      /* post-copy: holds a page the destination lacks */
#define HEAT_TO_SEND  's'      /* holds a page in this round's set */
#define HEAT_DONE     '.'      /* every page sent (post-copy: resident) */
#define HEAT_STATES   "hms."

/* The grid for npages pages: returns the cell count (0 for no pages) and
 * puts the pages per cell, ceil(npages / cells), in *ppc. */
unsigned heat_geometry(uint64_t npages, uint64_t *ppc);

/* Heat of a cell whose pages add up to `dirty` dirty rounds out of
 * pages * window possible: 0 when none, else 1..15 rounded up, so that a
 * single dirtied page shows. */
uint8_t heat_level(uint64_t dirty, uint64_t pages, unsigned window);

/* Write levels[0..n) as n hex digits and a NUL into out (n + 1 bytes). */
void heat_hex_encode(const uint8_t *levels, unsigned n, char *out);

/* Read n hex digits (either case) from hex, which must be exactly n long,
 * into levels. Returns 0 or -1 (another length, or a non-hex digit). */
int heat_hex_decode(const char *hex, unsigned n, uint8_t *levels);

/* 0 if state is exactly n characters of HEAT_STATES, else -1. */
int heat_state_check(const char *state, unsigned n);

#endif /* DSMIG_COMMON_HEAT_CODEC_H */

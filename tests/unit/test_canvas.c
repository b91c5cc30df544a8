/*
 * Unit tests of the plotting canvas (src/ui/canvas.c): the braille dot to
 * bit mapping against the Unicode braille block, cell and dot coordinates,
 * Bresenham lines, ASCII mode, and data series with NaN gaps, clipping to
 * the time window and clamping to the value range.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui/canvas.h"

/* U+2800 + bits in UTF-8 */
static void braille_utf8(unsigned int bits, char out[4])
{
	unsigned int cp = 0x2800 + bits;

	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	out[3] = '\0';
}

static void assert_cell(const struct canvas *c, int col, int row, const char *want)
{
	char out[8];
	int n = canvas_cell_utf8(c, col, row, out, '#');

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(out, want);
}

static void assert_braille(const struct canvas *c, int col, int row,
			   unsigned int bits)
{
	char want[4];

	braille_utf8(bits, want);
	assert_cell(c, col, row, bits ? want : "");
}

/* The ASCII canvas's cells as rows of '#' and '.', top row first. */
static void ascii_rows(const struct canvas *c, int cols, int rows, char *buf)
{
	char out[8];
	int r, col;

	for (r = 0; r < rows; r++) {
		for (col = 0; col < cols; col++)
			*buf++ = canvas_cell_utf8(c, col, r, out, '#') > 0 ? '#' : '.';
		*buf++ = r + 1 < rows ? '/' : '\0';
	}
}

static void test_new_and_size(void **state)
{
	struct canvas *c = canvas_new(3, 2, CANVAS_BRAILLE);

	assert_non_null(c);
	assert_int_equal(canvas_dots_w(c), 6);
	assert_int_equal(canvas_dots_h(c), 8);
	canvas_free(c);
	c = canvas_new(3, 2, CANVAS_ASCII);
	assert_non_null(c);
	assert_int_equal(canvas_dots_w(c), 3);
	assert_int_equal(canvas_dots_h(c), 2);
	canvas_free(c);
	assert_null(canvas_new(0, 2, CANVAS_ASCII));
	assert_null(canvas_new(2, -1, CANVAS_BRAILLE));
}

static void test_braille_single_dots(void **state)
{
	/* dot (x, y) of a 1x1 canvas, origin bottom left -> braille bit */
	static const struct {
		int x, y;
		unsigned int bits;
	} dots[] = {
		{ 0, 3, 0x01 }, { 0, 2, 0x02 }, { 0, 1, 0x04 }, { 0, 0, 0x40 },
		{ 1, 3, 0x08 }, { 1, 2, 0x10 }, { 1, 1, 0x20 }, { 1, 0, 0x80 },
	};
	struct canvas *c = canvas_new(1, 1, CANVAS_BRAILLE);
	size_t i;

	assert_non_null(c);
	assert_cell(c, 0, 0, "");
	canvas_set(c, 0, 0);
	assert_cell(c, 0, 0, "\xe2\xa1\x80");		/* U+2840 */
	for (i = 0; i < sizeof(dots) / sizeof(dots[0]); i++) {
		canvas_clear(c);
		canvas_set(c, dots[i].x, dots[i].y);
		assert_braille(c, 0, 0, dots[i].bits);
	}
	canvas_clear(c);
	for (i = 0; i < sizeof(dots) / sizeof(dots[0]); i++)
		canvas_set(c, dots[i].x, dots[i].y);
	assert_cell(c, 0, 0, "\xe2\xa3\xbf");		/* U+28FF */
	canvas_clear(c);
	assert_cell(c, 0, 0, "");
	canvas_free(c);
}

static void test_braille_cells(void **state)
{
	struct canvas *c = canvas_new(2, 2, CANVAS_BRAILLE);	/* 4 x 8 dots */

	assert_non_null(c);
	canvas_set(c, 3, 7);		/* top right dot: cell (1, 0), dot 4 */
	canvas_set(c, 0, 0);		/* bottom left: cell (0, 1), dot 7 */
	canvas_set(c, 2, 4);		/* cell (1, 0), bottom left, dot 7 */
	assert_braille(c, 1, 0, 0x08 | 0x40);
	assert_braille(c, 0, 1, 0x40);
	assert_braille(c, 0, 0, 0);
	assert_braille(c, 1, 1, 0);
	canvas_free(c);
}

static void test_out_of_range(void **state)
{
	struct canvas *c = canvas_new(1, 1, CANVAS_BRAILLE);
	char out[8] = "x";

	assert_non_null(c);
	canvas_set(c, -1, 0);
	canvas_set(c, 2, 0);
	canvas_set(c, 0, 4);
	canvas_set(c, 0, -1);
	canvas_set(c, 1000000, -1000000);
	assert_cell(c, 0, 0, "");
	assert_int_equal(canvas_cell_utf8(c, 1, 0, out, '#'), -EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(canvas_cell_utf8(c, 0, -1, out, '#'), -EINVAL);
	canvas_free(c);
}

static void test_ascii_mode(void **state)
{
	struct canvas *c = canvas_new(3, 2, CANVAS_ASCII);
	char out[8];

	assert_non_null(c);
	canvas_set(c, 2, 0);		/* bottom right */
	assert_int_equal(canvas_cell_utf8(c, 2, 1, out, '*'), 1);
	assert_string_equal(out, "*");
	assert_int_equal(canvas_cell_utf8(c, 2, 1, out, 'o'), 1);
	assert_string_equal(out, "o");
	assert_int_equal(canvas_cell_utf8(c, 2, 0, out, '*'), 0);
	assert_string_equal(out, "");
	canvas_set(c, 3, 0);		/* outside: ignored */
	canvas_clear(c);
	assert_int_equal(canvas_cell_utf8(c, 2, 1, out, '*'), 0);
	canvas_free(c);
}

static void test_lines(void **state)
{
	struct canvas *c = canvas_new(5, 5, CANVAS_ASCII);
	char rows[64];

	assert_non_null(c);
	canvas_line(c, 0, 0, 4, 4);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "....#/...#./..#../.#.../#....");
	/* the same line drawn backwards covers the same dots */
	canvas_clear(c);
	canvas_line(c, 4, 4, 0, 0);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "....#/...#./..#../.#.../#....");

	canvas_clear(c);
	canvas_line(c, 0, 2, 4, 2);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "...../...../#####/...../.....");

	/* steep: one dot per row, ends included */
	canvas_clear(c);
	canvas_line(c, 0, 0, 1, 4);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, ".#.../.#.../.#.../#..../#....");

	/* a line leaving the canvas keeps the part inside */
	canvas_clear(c);
	canvas_line(c, -3, 0, 7, 0);
	canvas_line(c, 2, -10, 2, 10);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "..#../..#../..#../..#../#####");

	/* a single point */
	canvas_clear(c);
	canvas_line(c, 1, 3, 1, 3);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "...../.#.../...../...../.....");
	canvas_free(c);
}

static void test_series_gaps(void **state)
{
	/* 10 x 5 ASCII dots with t0 = 0, t1 = 9, vmax = 4: dot = (t, v) */
	static const double t[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const double v[10] = { 0, 1, 2, NAN, 4, 4, NAN, 2, NAN, NAN };
	struct canvas *c = canvas_new(10, 5, CANVAS_ASCII);
	char rows[64];

	assert_non_null(c);
	assert_int_equal(canvas_plot_series(c, t, v, 10, 0, 9, 4), 6);
	ascii_rows(c, 10, 5, rows);
	assert_string_equal(rows,
			    "....##..../"
			    "........../"
			    "..#....#../"
			    ".#......../"
			    "#.........");
	canvas_free(c);
}

static void test_series_nan_time(void **state)
{
	const double t[3] = { 0, NAN, 4 };
	static const double v[3] = { 0, 2, 0 };
	struct canvas *c = canvas_new(5, 3, CANVAS_ASCII);
	char rows[64];

	assert_non_null(c);
	/* both ends are isolated points: no line through the gap */
	assert_int_equal(canvas_plot_series(c, t, v, 3, 0, 4, 2), 2);
	ascii_rows(c, 5, 3, rows);
	assert_string_equal(rows, "...../...../#...#");
	canvas_free(c);
}

static void test_series_clipping(void **state)
{
	static const double t[2] = { 0, 10 };
	static const double v[2] = { 0, 10 };
	static const double flat_t[2] = { 0, 9 };
	static const double flat_v[2] = { 100, 100 };
	struct canvas *c = canvas_new(5, 5, CANVAS_ASCII);
	char rows[64];

	assert_non_null(c);
	/* window [5, 9]: the segment is cut to (5, 5)-(9, 9), i.e. dots
	 * (0, 2)-(4, 4) with vmax 10 on 5 dot rows; no point lies inside */
	assert_int_equal(canvas_plot_series(c, t, v, 2, 5, 9, 10), 0);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "...##/.##../#..../...../.....");

	/* values above vmax stay on the top row */
	canvas_clear(c);
	assert_int_equal(canvas_plot_series(c, flat_t, flat_v, 2, 0, 9, 10), 2);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "#####/...../...../...../.....");

	/* segments entirely outside the window draw nothing */
	canvas_clear(c);
	assert_int_equal(canvas_plot_series(c, t, v, 2, 20, 30, 10), 0);
	ascii_rows(c, 5, 5, rows);
	assert_string_equal(rows, "...../...../...../...../.....");
	canvas_free(c);
}

static void test_series_braille(void **state)
{
	static const double t[2] = { 0, 1 };
	static const double v[2] = { 5, 5 };
	struct canvas *c = canvas_new(2, 1, CANVAS_BRAILLE);

	assert_non_null(c);
	/* at vmax: the top dots (1 and 4) of every dot column */
	assert_int_equal(canvas_plot_series(c, t, v, 2, 0, 1, 5), 2);
	assert_braille(c, 0, 0, 0x01 | 0x08);
	assert_braille(c, 1, 0, 0x01 | 0x08);
	canvas_free(c);
}

static void test_series_bad_args(void **state)
{
	static const double t[1] = { 0 }, v[1] = { 1 };
	struct canvas *c = canvas_new(2, 2, CANVAS_ASCII);

	assert_non_null(c);
	assert_int_equal(canvas_plot_series(c, t, v, 1, 1, 1, 1), -EINVAL);
	assert_int_equal(canvas_plot_series(c, t, v, 1, 2, 1, 1), -EINVAL);
	assert_int_equal(canvas_plot_series(c, t, v, 1, 0, 1, 0), -EINVAL);
	assert_int_equal(canvas_plot_series(c, t, v, 1, 0, NAN, 1), -EINVAL);
	assert_int_equal(canvas_plot_series(c, t, v, -1, 0, 1, 1), -EINVAL);
	assert_int_equal(canvas_plot_series(c, t, v, 0, 0, 1, 1), 0);
	canvas_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_size),
		cmocka_unit_test(test_braille_single_dots),
		cmocka_unit_test(test_braille_cells),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_ascii_mode),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_series_gaps),
		cmocka_unit_test(test_series_nan_time),
		cmocka_unit_test(test_series_clipping),
		cmocka_unit_test(test_series_braille),
		cmocka_unit_test(test_series_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

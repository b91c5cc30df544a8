/*
 * Unit tests of the colour themes (src/ui/theme.c): parsing values and
 * files, error messages that name the file and line, the shipped theme
 * files (themes/default.theme must match the built-in theme), and the
 * monochrome rules: "monochrome = yes" and NO_COLOR. Runs from the top of
 * the tree (tests/run.sh does) and never opens a terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ui/theme.h"

static void assert_style(const struct theme *t, enum theme_role r, short fg,
			 short bg, attr_t attrs)
{
	assert_int_equal(t->role[r].fg, fg);
	assert_int_equal(t->role[r].bg, bg);
	assert_int_equal(t->role[r].attrs, attrs);
}

static void test_good_theme(void **state)
{
	static const char text[] =
		"monochrome = no\n"
		"background = black,white\n"
		"TEXT = White\n"
		"title = bright-cyan,bold\n"
		"selected = black , cyan\n"
		"header = yellow, default, bold, underline\n"
		"series1 = 208\n"
		"series2 = 0,255\n"
		"status = reverse\n"
		"dim = grey,dim\n";
	struct theme t;
	char err[256] = "";

	assert_int_equal(theme_parse(&t, text, "good.theme", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(t.name, "good.theme");
	assert_int_equal(t.monochrome, 0);
	assert_style(&t, THEME_BACKGROUND, COLOR_BLACK, COLOR_WHITE, 0);
	assert_style(&t, THEME_TEXT, COLOR_WHITE, THEME_BG_INHERIT, 0);
	assert_style(&t, THEME_TITLE, 14, THEME_BG_INHERIT, A_BOLD);
	assert_style(&t, THEME_SELECTED, COLOR_BLACK, COLOR_CYAN, 0);
	assert_style(&t, THEME_HEADER, COLOR_YELLOW, THEME_COLOR_DEFAULT,
		     A_BOLD | A_UNDERLINE);
	assert_style(&t, THEME_SERIES1, 208, THEME_BG_INHERIT, 0);
	assert_style(&t, THEME_SERIES2, 0, 255, 0);
	assert_style(&t, THEME_STATUS, THEME_COLOR_DEFAULT, THEME_BG_INHERIT,
		     A_REVERSE);
	assert_style(&t, THEME_DIM, 8, THEME_BG_INHERIT, A_DIM);
}

static void test_unset_roles_keep_defaults(void **state)
{
	struct theme t, dflt;
	char err[256];

	theme_default(&dflt);
	assert_int_equal(theme_parse(&t, "cap = magenta\n", "p", err, sizeof(err)), 0);
	assert_style(&t, THEME_CAP, COLOR_MAGENTA, THEME_BG_INHERIT, 0);
	assert_memory_equal(&t.role[THEME_SERIES1], &dflt.role[THEME_SERIES1],
			    sizeof(t.role[0]));
	assert_memory_equal(&t.role[THEME_BAD], &dflt.role[THEME_BAD],
			    sizeof(t.role[0]));
	/* the last of two settings counts */
	assert_int_equal(theme_parse(&t, "cap = red\ncap = blue\n", "p", err,
				     sizeof(err)), 0);
	assert_style(&t, THEME_CAP, COLOR_BLUE, THEME_BG_INHERIT, 0);
}

static void test_comments_and_blank_lines(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf# a theme with a byte order mark\r\n"
		"\r\n"
		"   \t\n"
		"   # indented comment = with an equals sign\n"
		"cap = green   # trailing comment\r\n"
		"\n"
		"warn=yellow";			/* no final newline */
	struct theme t;
	char err[256] = "";

	assert_int_equal(theme_parse(&t, text, "c.theme", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_style(&t, THEME_CAP, COLOR_GREEN, THEME_BG_INHERIT, 0);
	assert_style(&t, THEME_WARN, COLOR_YELLOW, THEME_BG_INHERIT, 0);
	assert_int_equal(theme_parse(&t, "", "empty", err, sizeof(err)), 0);
}

/* Parse text, expect failure with exactly the message want, and t left as
 * it was. */
static void expect_error(const char *text, const char *want)
{
	struct theme t, before;
	char err[256] = "";

	theme_default(&t);
	t.role[THEME_CAP].fg = 123;
	before = t;
	assert_int_equal(theme_parse(&t, text, "themes/x.theme", err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_memory_equal(&t, &before, sizeof(t));
}

static void test_errors_name_the_line(void **state)
{
	expect_error("text = white\n\n# c\nserie1 = red\n",
		     "themes/x.theme:4: unknown key 'serie1'");
	expect_error("a = b\n", "themes/x.theme:1: unknown key 'a'");
	expect_error("\n\n\n\n\n\ncap = purpel\n",
		     "themes/x.theme:7: unknown colour 'purpel'");
	expect_error("cap = red,purpel\n",
		     "themes/x.theme:1: unknown colour 'purpel'");
	expect_error("text = white\ncap = 256\n",
		     "themes/x.theme:2: colour number out of range (0-255): '256'");
	expect_error("cap = red,99999\n",
		     "themes/x.theme:1: colour number out of range (0-255): '99999'");
	expect_error("cap = -1\n", "themes/x.theme:1: unknown colour '-1'");
	expect_error("text = white\ntitle bold\n",
		     "themes/x.theme:2: expected 'key = value', got 'title bold'");
	expect_error("cap = red,black,blink\n",
		     "themes/x.theme:1: unknown attribute 'blink'");
	expect_error("cap = bold,blink\n",
		     "themes/x.theme:1: unknown attribute 'blink'");
	expect_error("cap =\n", "themes/x.theme:1: missing value for 'cap'");
	expect_error("= red\n", "themes/x.theme:1: missing key before '='");
	expect_error("cap = red,,bold\n",
		     "themes/x.theme:1: empty item between commas");
	expect_error("cap = red,\n", "themes/x.theme:1: empty item between commas");
	expect_error("cap = red,green,blue\n",
		     "themes/x.theme:1: more than two colours: third is 'blue'");
	expect_error("cap = bold,red\n",
		     "themes/x.theme:1: colour after an attribute: 'red'");
	expect_error("monochrome = maybe\n",
		     "themes/x.theme:1: monochrome must be 'yes' or 'no', not 'maybe'");
	/* the first bad line is reported, even with good lines after it */
	expect_error("cap = red\r\nbad = purpel\r\ntext = nonsense\n",
		     "themes/x.theme:2: unknown colour 'purpel'");
}

static void test_error_message_truncated_safely(void **state)
{
	struct theme t;
	char err[12];

	memset(err, 'x', sizeof(err));
	assert_int_equal(theme_parse(&t, "cap = purpel\n", "themes/x.theme", err,
				     sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

static void test_role_names(void **state)
{
	struct theme t;
	char line[64], err[256];
	int r;

	assert_string_equal(theme_role_name(THEME_SERIES1), "series1");
	assert_null(theme_role_name(THEME_NROLES));
	/* every role name is a key a file may set */
	for (r = 0; r < THEME_NROLES; r++) {
		snprintf(line, sizeof(line), "%s = 42,43,underline\n",
			 theme_role_name(r));
		assert_int_equal(theme_parse(&t, line, "r", err, sizeof(err)), 0);
		assert_style(&t, r, 42, 43, A_UNDERLINE);
	}
}

static void test_default_file_matches_builtin(void **state)
{
	struct theme file, builtin;
	char err[256] = "";

	theme_default(&builtin);
	assert_string_equal(builtin.name, "default");
	assert_int_equal(theme_load(&file, "themes/default.theme", err,
				    sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(file.name, "themes/default.theme");
	assert_int_equal(file.monochrome, builtin.monochrome);
	assert_memory_equal(file.role, builtin.role, sizeof(file.role));
	/* transparent: the screen's background is the terminal's */
	assert_int_equal(builtin.role[THEME_BACKGROUND].bg, THEME_COLOR_DEFAULT);
}

static void test_shipped_themes(void **state)
{
	struct theme t;
	char err[256] = "";

	assert_int_equal(theme_load(&t, "themes/light.theme", err, sizeof(err)), 0);
	assert_int_equal(t.monochrome, 0);
	assert_int_equal(t.role[THEME_BACKGROUND].bg, COLOR_WHITE);
	assert_int_equal(theme_load(&t, "themes/monochrome.theme", err,
				    sizeof(err)), 0);
	assert_int_equal(t.monochrome, 1);
	assert_int_equal(t.role[THEME_SELECTED].attrs, A_REVERSE);
}

static void test_load_errors(void **state)
{
	char dir[] = "/tmp/test_theme.XXXXXX", path[128], want[256], err[256];
	struct theme t;
	FILE *f;

	assert_int_equal(theme_load(&t, "themes/no-such.theme", err, sizeof(err)), -1);
	assert_string_equal(err, "themes/no-such.theme: No such file or directory");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.theme", dir);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# bad\ntext = white\ncap = 300\n", f);
	fclose(f);
	assert_int_equal(theme_load(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "%s:3: colour number out of range (0-255): '300'", path);
	assert_string_equal(err, want);

	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("cap = red\n\0text = blue\n", 1, 23, f);
	fclose(f);
	assert_int_equal(theme_load(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: contains a NUL byte: not a text file",
		 path);
	assert_string_equal(err, want);

	assert_int_equal(theme_load(&t, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Invalid argument", dir);
	assert_string_equal(err, want);
	unlink(path);
	rmdir(dir);
}

static void test_no_color(void **state)
{
	struct theme t;
	char err[256];

	theme_default(&t);
	unsetenv("NO_COLOR");
	assert_int_equal(theme_color_wanted(&t), 1);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(theme_color_wanted(&t), 0);
	setenv("NO_COLOR", "anything", 1);
	assert_int_equal(theme_color_wanted(&t), 0);
	/* set but empty does not count (no-color.org) */
	setenv("NO_COLOR", "", 1);
	assert_int_equal(theme_color_wanted(&t), 1);
	unsetenv("NO_COLOR");

	assert_int_equal(theme_parse(&t, "monochrome = yes\n", "m", err,
				     sizeof(err)), 0);
	assert_int_equal(theme_color_wanted(&t), 0);
	assert_int_equal(theme_parse(&t, "monochrome = no\n", "m", err,
				     sizeof(err)), 0);
	assert_int_equal(theme_color_wanted(&t), 1);
}

/* Without colours theme_apply() touches no terminal, and theme_attr() gives
 * attributes only, with those that keep roles apart. */
static void test_monochrome_attrs(void **state)
{
	struct theme t;
	attr_t a;
	int r;

	theme_default(&t);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(theme_apply(&t, 1), 0);
	unsetenv("NO_COLOR");
	for (r = 0; r < THEME_NROLES; r++) {
		a = theme_attr(&t, r);
		assert_int_equal(a & A_COLOR, 0);
		assert_int_equal(theme_pair(r), 0);
	}
	assert_true(theme_attr(&t, THEME_SELECTED) & A_REVERSE);
	assert_true(theme_attr(&t, THEME_TITLE) & A_BOLD);
	assert_true(theme_attr(&t, THEME_STATUS) & A_REVERSE);
	assert_true(theme_attr(&t, THEME_INPUT) & A_UNDERLINE);
	/* and the theme's own attributes stay */
	assert_true(theme_attr(&t, THEME_HEADER) & A_BOLD);
	assert_int_equal(theme_attr(&t, THEME_TEXT), A_NORMAL);

	/* a terminal without colours: the same */
	assert_int_equal(theme_apply(&t, 0), 0);
	assert_int_equal(theme_attr(&t, THEME_SERIES1) & A_COLOR, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_theme),
		cmocka_unit_test(test_unset_roles_keep_defaults),
		cmocka_unit_test(test_comments_and_blank_lines),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_error_message_truncated_safely),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_default_file_matches_builtin),
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_no_color),
		cmocka_unit_test(test_monochrome_attrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

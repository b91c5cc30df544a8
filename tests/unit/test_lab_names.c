/* Unit tests: lab_list_names() (cli/lab_cmd.c) on what a stand-in `ip`,
 * first in PATH, prints: link lines cut short after their ':'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/lab_int.h"

static char dir[64];

/* A stand-in `ip` in dir that prints file dir/out, which holds text. */
static void fake_ip(const char *text, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ip", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nexec cat '%s/out'\n", dir);
	fclose(f);
	assert_int_equal(chmod(path, 0700), 0);
}

static int setup(void **state)
{
	char path[4096];

	snprintf(dir, sizeof(dir), "/tmp/dsmig-test-lab-names.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s:%s", dir, getenv("PATH") ? getenv("PATH") : "/bin");
	return setenv("PATH", path, 1);
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/ip", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/out", dir);
	unlink(path);
	return rmdir(dir);
}

/* "4:" ends its line: its name is empty, not the start of the next line. */
static void test_line_cut_after_colon(void **state)
{
	static const char text[] = "3: dsmig-A@if2: <BROADCAST> mtu 1500\n"
				   "4:\n"
				   "dsmig-Z@if9: <UP>\n"
				   "5: dsmig-B@if3: <UP>\n";
	char names[8][32];

	fake_ip(text, sizeof(text) - 1);
	assert_int_equal(lab_list_names(0, "dsmig-", names, 8), 2);
	assert_string_equal(names[0], "dsmig-A");
	assert_string_equal(names[1], "dsmig-B");
}

/* Output that fills lab_list_names()'s 16 KiB buffer, its last line cut
 * after "7:": nothing is read past the buffer (an ASan build says so). */
static void test_output_cut_at_the_buffer(void **state)
{
	static const char head[] = "3: dsmig-A@if2: <BROADCAST>\n";
	char text[16383], names[8][32];

	memset(text, 'x', sizeof(text));
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, "9: ", 3);
	text[sizeof(text) - 3] = '\n';
	memcpy(text + sizeof(text) - 2, "7:", 2);
	fake_ip(text, sizeof(text));
	assert_int_equal(lab_list_names(0, "dsmig-", names, 8), 1);
	assert_string_equal(names[0], "dsmig-A");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_cut_after_colon),
		cmocka_unit_test(test_output_cut_at_the_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Unit tests: the hosts file parser and host resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/hosts.h"

static char err[256];

static void test_good_file(void **state)
{
	struct host_list l;
	char dir[256];

	assert_int_equal(hosts_parse(&l,
		"# lab hosts\n"
		"\n"
		"name=hostA runtime=/run/dsmig/a\n"
		"name=hostB runtime=/run/dsmig/b netns=dsmig-b addr=198.18.0.2  # shaped\n",
		"h", err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(hosts_find(&l, "hostB")->netns, "dsmig-b");
	assert_string_equal(hosts_find(&l, "hostB")->addr, "198.18.0.2");
	assert_null(hosts_find(&l, "hostC"));
	assert_int_equal(hosts_resolve(&l, "hostA", dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, "/run/dsmig/a");
	assert_int_equal(hosts_resolve(&l, "/tmp/x", dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, "/tmp/x");
	assert_int_equal(hosts_resolve(&l, "hostC", dir, sizeof(dir), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown host 'hostC'"));
	/* `dsmig migrate` finds a resolved directory's host: in the lab or not. */
	assert_string_equal(hosts_by_runtime(&l, "/run/dsmig/b")->name, "hostB");
	assert_null(hosts_by_runtime(&l, "/run/dsmig/c"));
	assert_false(hosts_in_lab(hosts_find(&l, "hostA")));
	assert_true(hosts_in_lab(hosts_find(&l, "hostB")));
	assert_false(hosts_in_lab(NULL));
}

static void expect_error(const char *text, const char *words)
{
	struct host_list l;

	assert_int_equal(hosts_parse(&l, text, "hosts", err, sizeof(err)), -1);
	if (!strstr(err, words))
		fail_msg("'%s' does not mention '%s'", err, words);
}

static void test_bad_lines_are_named(void **state)
{
	expect_error("name=a runtime=/x\nname=b runtime\n", "hosts:2: 'runtime' is not key=value");
	expect_error("\n\nname=a colour=red runtime=/x\n", "hosts:3: unknown key 'colour'");
	expect_error("name=a runtime=relative\n", "hosts:1: host a needs runtime=/absolute/path");
	expect_error("runtime=/x\n", "hosts:1: missing or bad name");
	expect_error("name=../x runtime=/x\n", "hosts:1: missing or bad name");
	expect_error("name=a runtime=/x\nname=a runtime=/y\n", "hosts:2: host a is listed twice");
	expect_error("name= runtime=/x\n", "hosts:1: bad value for name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_lines_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

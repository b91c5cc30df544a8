/* Unit tests: the migration request (common/migreq): defaults, the shared
 * command line both ways, what it refuses, and the same host under other
 * spellings. */
#include <math.h>
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

#include "common/migreq.h"

static char why[256];

/* Parse a NULL-terminated list of arguments (after a program name). */
static int parse(struct migreq *r, const struct migreq_extra *extra, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = "prog";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	why[0] = '\0';
	return migreq_from_argv(r, argc, argv, extra, why, sizeof(why));
}

static void assert_same(const struct migreq *a, const struct migreq *b)
{
	assert_string_equal(a->vm, b->vm);
	assert_string_equal(a->from, b->from);
	assert_string_equal(a->to, b->to);
	assert_string_equal(a->method, b->method);
	assert_true(a->bandwidth_bps == b->bandwidth_bps);
	assert_int_equal(a->ranks, b->ranks);
	assert_int_equal(a->max_iters, b->max_iters);
	assert_int_equal(a->target_dirty, b->target_dirty);
	assert_int_equal(a->downtime_target_ms, b->downtime_target_ms);
	assert_int_equal(a->stop_on_no_convergence, b->stop_on_no_convergence);
	assert_int_equal(a->verify, b->verify);
	assert_int_equal(a->compress, b->compress);
	assert_int_equal(a->delta, b->delta);
	assert_int_equal(a->hot_window, b->hot_window);
	assert_int_equal(a->hot_threshold, b->hot_threshold);
	assert_int_equal(a->switch_timeout_ms, b->switch_timeout_ms);
}

static void test_defaults(void **state)
{
	struct migreq r;

	migreq_defaults(&r);
	assert_string_equal(r.method, "precopy");
	assert_true(r.bandwidth_bps == 12e6);
	assert_int_equal(r.ranks, 2);
	assert_int_equal(r.max_iters, 5);          /* Xen's SPP_MAX_ITERATIONS */
	assert_int_equal(r.target_dirty, 50);      /* Xen's SPP_TARGET_DIRTY_COUNT */
	assert_int_equal(r.downtime_target_ms, 20);
	assert_int_equal(r.stop_on_no_convergence, 1);
	assert_int_equal(r.verify, 0);
	assert_int_equal(r.compress, MIGREQ_CODEC_AUTO);
	assert_int_equal(r.delta, MIGREQ_CODEC_AUTO);
	assert_int_equal(r.hot_window, 3);
	assert_int_equal(r.hot_threshold, 2);
	assert_int_equal(r.switch_timeout_ms, 10000);
	assert_string_equal(r.vm, "");
	assert_string_equal(r.to, "");
	/* Defaults alone are not a request: no VM, no destination. */
	assert_int_equal(migreq_check(&r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no VM"));
	snprintf(r.vm, sizeof(r.vm), "web");
	assert_int_equal(migreq_check(&r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "--to"));
	snprintf(r.to, sizeof(r.to), "hostB");
	assert_int_equal(migreq_check(&r, why, sizeof(why)), 0);
}

static void test_spellings(void **state)
{
	struct migreq r;

	/* dsmig migrate's and record's: the VM as the operand, anywhere. */
	assert_int_equal(parse(&r, NULL, (const char *[]){ "--to", "hostB", "web",
			 "--bandwidth", "12Mbps", "--method", "dsm", "--verify", NULL }), 0);
	assert_string_equal(r.vm, "web");
	assert_string_equal(r.to, "hostB");
	assert_string_equal(r.from, "");
	assert_string_equal(r.method, "dsm");
	assert_true(r.bandwidth_bps == 12e6);
	assert_int_equal(r.verify, 1);
	/* the engine's: --vm. */
	assert_int_equal(parse(&r, NULL, (const char *[]){ "--vm", "web", "--from", "/a",
			 "--to", "/b", "--bandwidth", "0", "--no-convergence-stop",
			 "--compress", "off", "--delta=on", NULL }), 0);
	assert_string_equal(r.vm, "web");
	assert_string_equal(r.from, "/a");
	assert_true(r.bandwidth_bps == 0);
	assert_int_equal(r.stop_on_no_convergence, 0);
	assert_int_equal(r.compress, MIGREQ_CODEC_OFF);
	assert_int_equal(r.delta, MIGREQ_CODEC_ON);
	/* After "--", an operand may start with a dash. */
	assert_int_equal(parse(&r, NULL, (const char *[]){ "--to", "b", "--", "-x", NULL }), 0);
	assert_string_equal(r.vm, "-x");
	assert_int_equal(parse(&r, NULL, (const char *[]){ "--to", "b", "--", "-x", "y", NULL }),
			 -1);
	assert_non_null(strstr(why, "unexpected argument 'y'"));
	assert_int_equal(parse(&r, NULL, (const char *[]){ "--help", NULL }), MIGREQ_HELP);
}

static void test_round_trip(void **state)
{
	struct migreq cases[5], back;
	struct migreq_argv a;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		migreq_defaults(&cases[i]);
		snprintf(cases[i].vm, sizeof(cases[i].vm), "vm%zu", i);
		snprintf(cases[i].to, sizeof(cases[i].to), "/run/dsmig-lab/hostB");
	}
	/* 0: the defaults. 1: everything changed. 2-4: odd rates and values. */
	snprintf(cases[1].from, sizeof(cases[1].from), "hostA");
	snprintf(cases[1].method, sizeof(cases[1].method), "dsm-pull");
	cases[1].bandwidth_bps = 0;
	cases[1].ranks = 26;
	cases[1].max_iters = 0;
	cases[1].target_dirty = UINT64_MAX;
	cases[1].downtime_target_ms = 60000;
	cases[1].stop_on_no_convergence = 0;
	cases[1].verify = 1;
	cases[1].compress = MIGREQ_CODEC_OFF;
	cases[1].delta = MIGREQ_CODEC_ON;
	cases[1].hot_window = 16;
	cases[1].hot_threshold = 16;
	cases[1].switch_timeout_ms = 3600000;
	cases[2].bandwidth_bps = 1.5e9;
	cases[2].hot_window = 1;
	cases[2].hot_threshold = 1;
	cases[3].bandwidth_bps = 1234.5;
	snprintf(cases[3].method, sizeof(cases[3].method), "dsm");
	cases[4].bandwidth_bps = 12345678.9;
	cases[4].max_iters = 1000;
	cases[4].switch_timeout_ms = 1;
	cases[4].downtime_target_ms = 0;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[MIGREQ_ARGV_MAX + 2];
		int k;

		assert_int_equal(migreq_check(&cases[i], why, sizeof(why)), 0);
		migreq_to_argv(&cases[i], &a);
		assert_true(a.argc <= MIGREQ_ARGV_MAX);
		assert_null(a.argv[a.argc]);
		/* The engine's processes are found by "--vm NAME" (tests). */
		assert_string_equal(a.argv[0], "--vm");
		argv[0] = "prog";
		for (k = 0; k <= a.argc; k++)
			argv[k + 1] = (char *)a.argv[k];
		if (migreq_from_argv(&back, a.argc + 1, argv, NULL, why, sizeof(why)))
			fail_msg("case %zu: %s", i, why);
		assert_same(&back, &cases[i]);
	}
	/* Default values are left out: 5 options with their values. */
	migreq_to_argv(&cases[0], &a);
	assert_int_equal(a.argc, 8);
	assert_string_equal(a.argv[6], "--bandwidth");
	assert_string_equal(a.argv[7], "12M");
}

static void test_refused(void **state)
{
	static const struct { const char *args[6], *reason; } bad[] = {
		{ { "web", "--to", "b", "--bandwidth", "abc" }, "bad --bandwidth: 'abc' is not a rate" },
		{ { "web", "--to", "b", "--bandwidth", "" }, "bad --bandwidth: empty" },
		{ { "web", "--to", "b", "--bandwidth", "12M5" }, "unknown unit 'M5'" },
		{ { "web", "--to", "b", "--bandwidth", "-1" }, "negative" },
		{ { "web", "--to", "b", "--bandwidth", "12MB" }, "bytes" },
		{ { "web", "--to", "b", "--bandwidth", "-5" }, "negative rate '-5'" },
		{ { "web", "--to", "b", "--bandwidth", "nan" }, "'nan' is not a rate" },
		{ { "web", "--to", "b", "--bandwidth", "inf" }, "'inf' is not a rate" },
		{ { "web", "--to", "b", "--bandwidth", "1e-300" }, "unknown unit 'e-300'" },
		{ { "web", "--to", "b", "--bandwidth", "0.5" }, "below 1 bit/s" },
		{ { "web", "--to", "b", "--bandwidth", "999" },
		  "--bandwidth must be 0 (unlimited) or 1k..1000G bit/s, not 999 bit/s" },
		{ { "web", "--to", "b", "--bandwidth", "0.9k" }, "not 900 bit/s" },
		{ { "web", "--to", "b", "--ranks", "1" }, "--ranks must be 2..26, not 1" },
		/* 14 senders and the 3 spare clients: 17 of the VMM's 16. */
		{ { "web", "--to", "b", "--ranks", "27" }, "--ranks must be 2..26, not 27" },
		{ { "web", "--to", "b", "--ranks", "34" }, "serves 16 control clients" },
		{ { "web", "--to", "b", "--ranks", "two" }, "--ranks takes a whole number" },
		{ { "web", "--to", "b", "--ranks", "-3" }, "--ranks takes a whole number" },
		{ { "web", "--to", "b", "--ranks", "4294967298" }, "--ranks takes a whole number" },
		{ { "web", "--to", "b", "--max-iters", "1001" }, "--max-iters must be 0..1000" },
		{ { "web", "--to", "b", "--target-dirty", "-1" }, "--target-dirty takes" },
		{ { "web", "--to", "b", "--method", "teleport" }, "unknown --method 'teleport'" },
		{ { "web", "--to", "b", "--hot-threshold", "4" }, "--hot-threshold must be" },
		{ { "web", "--to", "b", "--hot-window", "17" }, "--hot-window must be 1..16" },
		{ { "web", "--to", "b", "--compress", "maybe" }, "--compress takes auto, on or off" },
		{ { "web", "--to", "b", "--switch-timeout", "0" }, "--switch-timeout must be" },
		{ { "web", "--to", "b", "--downtime-target", "60001" },
		  "--downtime-target must be 0..60000 ms" },
		{ { "web", "--to", "b", "--frobnicate" }, "unknown option '--frobnicate'" },
		{ { "web", "--to", "b", "--verify=yes" }, "unknown option '--verify=yes'" },
		{ { "web", "--to" }, "option '--to' needs a value" },
		{ { "web", "--to", "b", "-x" }, "unknown option '-x'" },
		{ { "--to", "b" }, "no VM given" },
		{ { "web", "--from", "a" }, "--to HOST is required" },
		{ { "web", "other", "--to", "b" }, "unexpected argument 'other'" },
		{ { "--vm", "web", "other", "--to", "b" }, "unexpected argument 'other'" },
		{ { "../etc", "--to", "b" }, "bad VM name '../etc'" },
		{ { "web", "--to", "b", "--method", "precopy-and-more!" }, "--method is too long" },
	};
	struct migreq r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&r, NULL, bad[i].args) != -1)
			fail_msg("case %zu accepted", i);
		if (!strstr(why, bad[i].reason))
			fail_msg("case %zu: '%s' lacks '%s'", i, why, bad[i].reason);
	}
}

/* The limits' edges are taken; the engine's own world size is checked by
 * the same function. */
static void test_limits(void **state)
{
	struct migreq r;

	assert_int_equal(parse(&r, NULL, (const char *[]){ "web", "--to", "b", "--bandwidth",
			 "1k", "--ranks", "26", NULL }), 0);
	assert_true(r.bandwidth_bps == 1e3);
	assert_int_equal(r.ranks, 26);
	assert_int_equal(parse(&r, NULL, (const char *[]){ "web", "--to", "b", "--bandwidth",
			 "0", NULL }), 0);
	assert_true(r.bandwidth_bps == 0);
	assert_int_equal(migreq_check_ranks(2, why, sizeof(why)), 0);
	assert_int_equal(migreq_check_ranks(26, why, sizeof(why)), 0);
	assert_int_equal(migreq_check_ranks(0, why, sizeof(why)), -1);
	assert_int_equal(migreq_check_ranks(27, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "--ranks must be 2..26, not 27"));
	/* A value set by hand (the dialog) meets migreq_check(), NaN too. */
	migreq_defaults(&r);
	snprintf(r.vm, sizeof(r.vm), "web");
	snprintf(r.to, sizeof(r.to), "b");
	r.bandwidth_bps = NAN;
	assert_int_equal(migreq_check(&r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "nan bit/s"));
	r.bandwidth_bps = 1e-300;
	assert_int_equal(migreq_check(&r, why, sizeof(why)), -1);
	r.bandwidth_bps = -5;
	assert_int_equal(migreq_check(&r, why, sizeof(why)), -1);
}

/* One directory spelt four ways is one host; another directory, or one
 * that does not exist, is not. */
static void test_same_host(void **state)
{
	char dir[] = "/tmp/dsmig-test-migreq.XXXXXX", path[4][128], other[160];
	const char *const as[] = { "/", "/sub/..", "/./sub/../", "-link" };
	size_t i;

	assert_non_null(mkdtemp(dir));
	snprintf(path[0], sizeof(path[0]), "%s/sub", dir);
	assert_int_equal(mkdir(path[0], 0700), 0);
	snprintf(path[0], sizeof(path[0]), "%s-link", dir);
	assert_int_equal(symlink(dir, path[0]), 0);

	assert_int_equal(migreq_check_ends(dir, dir, why, sizeof(why)), -1);
	snprintf(other, sizeof(other), "source and destination are the same host (%s)", dir);
	assert_string_equal(why, other);
	for (i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		snprintf(path[i], sizeof(path[i]), "%s%s", dir, as[i]);
		assert_int_equal(dsmig_runtime_dir_same(dir, path[i], why, sizeof(why)), 1);
		assert_int_equal(dsmig_runtime_dir_same(path[i], dir, why, sizeof(why)), 1);
		if (migreq_check_ends(dir, path[i], why, sizeof(why)) != -1)
			fail_msg("%s taken for another host than %s", path[i], dir);
		assert_non_null(strstr(why, "same host"));
		assert_non_null(strstr(why, path[i]));
	}
	snprintf(other, sizeof(other), "%s/sub", dir);
	assert_int_equal(dsmig_runtime_dir_same(dir, other, why, sizeof(why)), 0);
	assert_int_equal(migreq_check_ends(dir, other, why, sizeof(why)), 0);
	snprintf(other, sizeof(other), "%s/missing/..", dir);
	assert_int_equal(migreq_check_ends(dir, other, why, sizeof(why)), 0);
	snprintf(other, sizeof(other), "%s/missing", dir);
	assert_int_equal(migreq_check_ends(other, dir, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot look at"));

	assert_int_equal(unlink(path[3]), 0);
	snprintf(other, sizeof(other), "%s/sub", dir);
	assert_int_equal(rmdir(other), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_long_host(void **state)
{
	char host[MIGREQ_HOST_MAX + 1];
	struct migreq r;

	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(parse(&r, NULL, (const char *[]){ "web", "--to", host, NULL }), -1);
	assert_non_null(strstr(why, "--to is too long"));
	host[sizeof(host) - 2] = '\0';     /* exactly MIGREQ_HOST_MAX - 1 fits */
	assert_int_equal(parse(&r, NULL, (const char *[]){ "web", "--to", host, NULL }), 0);
}

/* A program's own options, alongside the request's. */
struct seen {
	const char *out;
	int json;
};

static int take_extra(void *arg, int val, const char *value, char *reason, size_t len)
{
	struct seen *s = arg;

	switch (val) {
	case 'o':
		if (!strcmp(value, "bad"))
			return snprintf(reason, len, "--out: no"), -1;
		s->out = value;
		return 0;
	case 'j': s->json = 1; return 0;
	default: return -1;
	}
}

static void test_extra(void **state)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct seen s = { 0 };
	const struct migreq_extra extra = { opts, take_extra, &s };
	static const struct option clash[] = {
		{ "x", no_argument, NULL, MIGREQ_OPT_BASE },
		{ NULL, 0, NULL, 0 },
	};
	const struct migreq_extra bad = { clash, take_extra, &s };
	struct migreq r;

	assert_int_equal(parse(&r, &extra, (const char *[]){ "web", "--out", "f.jsonl",
			 "--to", "b", "--json", "--ranks", "4", NULL }), 0);
	assert_string_equal(s.out, "f.jsonl");
	assert_int_equal(s.json, 1);
	assert_int_equal(r.ranks, 4);
	assert_int_equal(parse(&r, &extra, (const char *[]){ "web", "--to", "b", "--out",
			 "bad", NULL }), -1);
	assert_string_equal(why, "--out: no");
	/* Without the extra table, its options are unknown. */
	assert_int_equal(parse(&r, NULL, (const char *[]){ "web", "--to", "b", "--json", NULL }),
			 -1);
	/* An extra option must not take the request's codes. */
	assert_int_equal(parse(&r, &bad, (const char *[]){ "web", "--to", "b", NULL }), -1);
	assert_non_null(strstr(why, "internal"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_long_host),
		cmocka_unit_test(test_extra),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

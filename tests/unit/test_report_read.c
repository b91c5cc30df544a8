/*
 * Unit tests: `dsmig report`'s reading of a session log (cli/report_read.c)
 * at the edges of time: timestamps at 1 and INT64_MAX ns in one
 * migration, negative and zero timestamps, a negative downtime (two
 * hosts' clocks), a migration that ends before it starts. Nothing may
 * overflow (the sanitiser build runs these too: issue 12 found
 * overflows with extreme timestamps) and every plotted x must be finite.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/report.h"

#define TMAX "9223372036854775807"

static char path[64];

/* Write text as the log at path and read it into *r. */
static int read_log(struct report *r, const char *text)
{
	char why[512];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/dsmig-test-report.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	memset(r, 0, sizeof(*r));
	r->cap_bps = -1;
	r->path = path;
	return report_read(r, why, sizeof(why));
}

static int count_point(void *ctx, enum series_kind k, int64_t t, double x, double y)
{
	int *n = ctx;

	assert_true(isfinite(x));
	assert_true(x >= REPORT_X_MIN && x <= REPORT_X_MAX);
	(*n)++;
	return 0;
}

#define ENG(t, ev) "{\"v\":1,\"t\":" t ",\"src\":\"engine\",\"mig\":1,\"ev\":{\"v\":1,\"t\":" \
	t "," ev "}}\n"

static void test_extreme_times(void **state)
{
	static const char text[] =
		"{\"v\":1,\"t\":1,\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"a\",\"vm\":\"v\","
		"\"state\":\"running\",\"vcpu_pct\":[50.0]}\n"
		"{\"v\":1,\"t\":" TMAX ",\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"a\","
		"\"vm\":\"v\",\"state\":\"running\",\"vcpu_pct\":[50.0]}\n"
		"{\"v\":1,\"t\":1,\"src\":\"migration\",\"mig\":1,\"event\":\"start\",\"vm\":\"v\","
		"\"from\":\"a\",\"to\":\"b\",\"method\":\"dsm\",\"bandwidth\":\"12M\",\"ranks\":2,"
		"\"max_iters\":5,\"verify\":false}\n"
		ENG("1", "\"type\":\"phase\",\"phase\":\"precopy\"")
		ENG(TMAX, "\"type\":\"sample\",\"phase\":\"precopy\",\"round\":0,\"bytes\":1,"
		    "\"rate_bps\":1.0,\"dirty_pages\":3,\"vcpu_pct\":50.0,\"progress\":1")
		ENG("2", "\"type\":\"phase\",\"phase\":\"stop-and-copy\",\"reason\":\"x\"")
		ENG(TMAX, "\"type\":\"phase\",\"phase\":\"resumed\","
		    "\"downtime_ns\":-9007199254740992,\"guest_downtime_ns\":9007199254740992")
		ENG(TMAX, "\"type\":\"phase\",\"phase\":\"done\"");
	struct mig_span sp;
	struct report r;
	int n = 0;

	assert_int_equal(read_log(&r, text), 0);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.nmigs, 1);
	report_mig_span(&r.migs[0], &sp);
	assert_true(sp.t0 == 1 && sp.t1 == INT64_MAX);
	assert_true(sp.has_downtime);
	assert_true(report_span_x(&sp, 1) == 0.0);
	assert_true(report_span_x(&sp, INT64_MAX) == 1.0);
	assert_int_equal(report_mig_series(&r, &r.migs[0], &sp, count_point, &n), 0);
	/* The probe's two vCPU points, the engine sample's vCPU and rate. */
	assert_int_equal(n, 4);
	report_free(&r);
	unlink(path);
}

/* Times are positive: 0, negative and INT64_MIN records are refused,
 * counted, and never reach a span. */
static void test_nonpositive_times_refused(void **state)
{
	static const char text[] =
		"{\"v\":1,\"t\":5,\"src\":\"session\",\"event\":\"close\"}\n"
		"{\"v\":1,\"t\":0,\"src\":\"session\",\"event\":\"close\"}\n"
		"{\"v\":1,\"t\":-5,\"src\":\"session\",\"event\":\"close\"}\n"
		"{\"v\":1,\"t\":-9223372036854775808,\"src\":\"session\",\"event\":\"close\"}\n"
		ENG("-1", "\"type\":\"phase\",\"phase\":\"precopy\"")
		"{\"v\":1,\"t\":7,\"src\":\"engine\",\"mig\":1,\"ev\":{\"v\":1,"
		"\"t\":-9223372036854775808,\"type\":\"phase\",\"phase\":\"done\"}}\n";
	struct report r;

	assert_int_equal(read_log(&r, text), 0);
	assert_int_equal(r.records, 1);
	assert_int_equal(r.bad, 5);
	assert_int_equal(r.nmigs, 0);
	report_free(&r);
	unlink(path);
}

/* A migration whose end is stamped before its start has no span: its
 * series are not walked (x would divide by a negative length). */
static void test_end_before_start(void **state)
{
	static const char text[] =
		ENG(TMAX, "\"type\":\"phase\",\"phase\":\"precopy\"")
		ENG("1", "\"type\":\"phase\",\"phase\":\"done\"");
	struct mig_span sp;
	struct report r;

	assert_int_equal(read_log(&r, text), 0);
	assert_int_equal(r.nmigs, 1);
	report_mig_span(&r.migs[0], &sp);
	assert_true(sp.t0 == 0 && sp.t1 == 0);
	assert_false(sp.has_downtime);
	report_free(&r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extreme_times),
		cmocka_unit_test(test_nonpositive_times_refused),
		cmocka_unit_test(test_end_before_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

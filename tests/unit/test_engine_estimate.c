/* Unit tests: pre-copy's remaining rounds, re-predicted (engine/estimate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/estimate.h"

static const struct precopy_params xen_rules = {
	.max_iterations = 5, .target_dirty = 50, .stop_on_no_convergence = 1,
};

/* After round 0: 1000 pages to resend at 1000 pages/s while the guest
 * dirties 100/s: rounds of 1000, 100, then 10 pages is below the target
 * (50): stop-and-copy of those 10. */
static void test_converging(void **state)
{
	struct estimate_in in = {
		.bytes_done = 16384 * 4096, .iteration = 1, .next_pages = 1000,
		.bytes_per_page = 4096, .send_pps = 1000, .dirty_pps = 100,
	};
	struct estimate_out out;

	assert_int_equal(estimate_precopy(&xen_rules, &in, &out), 0);
	assert_int_equal(out.rounds, 4);   /* round 0, 1000, 100, final 10 */
	assert_int_equal(out.final_bytes, (16384ull + 1000 + 100 + 10) * 4096);
	assert_true(out.downtime_s > 0.0099 && out.downtime_s < 0.0101);
	assert_true(out.until_resume_s > 1.1099 && out.until_resume_s < 1.1101);
	assert_true(out.downtime_now_s > 0.999 && out.downtime_now_s < 1.001);
}

/* dsm: the held-back hot pages go in the final round; dsm-pull pulls
 * that set after the resume, so the downtime is not its transfer. */
static void test_held_and_postcopy(void **state)
{
	struct estimate_in in = {
		.bytes_done = 1 << 20, .iteration = 1, .next_pages = 10, .held = 300,
		.bytes_per_page = 4096, .send_pps = 1000, .dirty_pps = 100,
	};
	struct estimate_out out;

	assert_int_equal(estimate_precopy(&xen_rules, &in, &out), 0);
	assert_int_equal(out.rounds, 2);
	assert_int_equal(out.final_bytes, (1u << 20) + 310 * 4096);
	assert_true(out.downtime_s > 0.309 && out.downtime_s < 0.311);
	in.postcopy = 1;
	assert_int_equal(estimate_precopy(&xen_rules, &in, &out), 0);
	assert_true(out.downtime_s == 0 && out.downtime_now_s == 0);
	assert_int_equal(out.final_bytes, (1u << 20) + 310 * 4096);
}

/* A guest that dirties faster than the link: the policy gives up at
 * round 2 (no convergence), and the estimate says so. */
static void test_not_converging(void **state)
{
	struct estimate_in in = {
		.bytes_done = 0, .iteration = 1, .next_pages = 2000,
		.bytes_per_page = 1000, .send_pps = 1000, .dirty_pps = 3000,
	};
	struct estimate_out out;

	assert_int_equal(estimate_precopy(&xen_rules, &in, &out), 0);
	assert_int_equal(out.rounds, 3);   /* 0, one resend of 2000, final 6000 */
	assert_int_equal(out.final_bytes, 2000ull * 1000 + 6000ull * 1000);
	assert_true(out.downtime_s > 5.99 && out.downtime_s < 6.01);
}

/* A guest rewriting a working set of 2000 pages, 1500 of them a second:
 * round 0 (5 s) saw 2000 distinct pages, 400/s; a resend round of 2000
 * pages at 500 pages/s lasts 4 s, in which the guest dirties the whole
 * working set again (not 400 * 4 = 1600): no convergence, rounds until
 * the policy's maximum. */
static void test_working_set(void **state)
{
	struct estimate_in in = {
		.bytes_done = 0, .iteration = 1, .next_pages = 2000, .bytes_per_page = 4096,
		.send_pps = 500, .dirty_pps = 400, .dirty_pps_1s = 1500, .working_set = 2000,
	};
	struct precopy_params p = xen_rules;
	struct estimate_out out;

	p.stop_on_no_convergence = 0;
	assert_int_equal(estimate_precopy(&p, &in, &out), 0);
	assert_int_equal(out.rounds, 6);   /* 0, four resends of 2000, final */
	assert_int_equal(out.final_bytes, 5ull * 2000 * 4096);
	assert_true(out.downtime_s > 3.99 && out.downtime_s < 4.01);
	/* Short rounds: the one-second rate bounds it (100 pages at 500/s:
	 * 0.2 s, 1500 * 0.2 = 300 pages, not the working set). */
	in.next_pages = 100;
	assert_int_equal(estimate_precopy(&p, &in, &out), 0);
	assert_int_equal(out.final_bytes, (100ull + 300 + 900 + 2000 + 2000) * 4096);
}

static void test_nothing_measured(void **state)
{
	struct estimate_in in = { .next_pages = 10, .bytes_per_page = 4096 };
	struct estimate_out out = { .rounds = 77 };

	assert_int_equal(estimate_precopy(&xen_rules, &in, &out), -1);
	assert_int_equal(out.rounds, 77);
}

static void test_percent_never_backwards(void **state)
{
	assert_true(estimate_percent(0, 50, 100) == 50);
	/* A re-prediction that grows the total does not take it back. */
	assert_true(estimate_percent(50, 60, 200) == 50);
	assert_true(estimate_percent(50, 150, 200) == 75);
	/* Not 100 until it is done. */
	assert_true(estimate_percent(75, 300, 200) == 99);
	assert_true(estimate_percent(0, 10, 0) == 0);
}

/* Before the start: an idle guest (100 of 1000 pages in use, 10 dirtied
 * a second) at 1 MB/s: round 0 sends 100 pages and 900 zero records;
 * round 1 would have 4 pages, below the target: that is the final round. */
static void test_before_idle(void **state)
{
	struct estimate_before_in in = {
		.mem_pages = 1000, .zero_pages = 900, .page_bytes = 4112, .zero_bytes = 16,
		.dirty_pps = 10, .ws_pages = 15, .span_s = 3, .hot_pages = 5,
		.link_Bps = 1e6, .switch_s = 0.01,
	};
	struct estimate_before_out out;
	double t0 = (100 * 4112 + 900 * 16) / 1e6, final_s = 4 * 4112 / 1e6;

	assert_int_equal(estimate_before(&xen_rules, &in, &out), 0);
	assert_int_equal(out.rounds, 2);
	assert_int_equal(out.bytes, 100 * 4112 + 900 * 16 + 4 * 4112);
	assert_true(out.downtime_s > final_s + 0.0099 && out.downtime_s < final_s + 0.0101);
	assert_true(out.total_s > t0 + final_s + 0.0099 && out.total_s < t0 + final_s + 0.0101);
}

/* A guest rewriting a hot set: dsm holds it back to the final round
 * (less sent in the rounds, the hot set's transfer in the downtime);
 * dsm-pull pulls it after the resume (downtime the switch-over only, the
 * total longer than until the resume). */
static void test_before_hot_set(void **state)
{
	struct estimate_before_in in = {
		.mem_pages = 10000, .page_bytes = 4096, .zero_bytes = 16,
		.dirty_pps = 200, .ws_pages = 300, .span_s = 3, .hot_pages = 250,
		.link_Bps = 409600, .switch_s = 0.01,
	};
	struct estimate_before_out pre, dsm, pull, fast;

	assert_int_equal(estimate_before(&xen_rules, &in, &pre), 0);
	in.dsm = 1;
	assert_int_equal(estimate_before(&xen_rules, &in, &dsm), 0);
	in.postcopy = 1;
	assert_int_equal(estimate_before(&xen_rules, &in, &pull), 0);
	assert_true(dsm.bytes < pre.bytes);
	assert_true(dsm.downtime_s >= 250 / 100.0);
	assert_true(pull.downtime_s > 0.0099 && pull.downtime_s < 0.0101);
	assert_true(pull.total_s > 100 + 250 / 100.0);
	assert_true(pull.bytes >= (10000ull + 250) * 4096);
	/* A faster link: every method ends sooner. */
	in.dsm = in.postcopy = 0;
	in.link_Bps *= 4;
	assert_int_equal(estimate_before(&xen_rules, &in, &fast), 0);
	assert_true(fast.total_s < pre.total_s);
}

/* No link rate (uncapped, nothing measured) or no page cost: nothing
 * to predict from. */
static void test_before_unknown(void **state)
{
	struct estimate_before_in in = { .mem_pages = 10, .page_bytes = 4096 };
	struct estimate_before_out out = { .rounds = 7 };

	assert_int_equal(estimate_before(&xen_rules, &in, &out), -1);
	in.link_Bps = 1e6;
	in.page_bytes = 0;
	assert_int_equal(estimate_before(&xen_rules, &in, &out), -1);
	assert_int_equal(out.rounds, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converging),
		cmocka_unit_test(test_held_and_postcopy),
		cmocka_unit_test(test_not_converging),
		cmocka_unit_test(test_working_set),
		cmocka_unit_test(test_nothing_measured),
		cmocka_unit_test(test_percent_never_backwards),
		cmocka_unit_test(test_before_idle),
		cmocka_unit_test(test_before_hot_set),
		cmocka_unit_test(test_before_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

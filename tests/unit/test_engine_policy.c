/* Unit tests: the pre-copy stop policy and the bandwidth token bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/policy.h"
#include "engine/ratelimit.h"

static void test_decisions(void **state)
{
	/* Xen's SPP_MAX_ITERATIONS and SPP_TARGET_DIRTY_COUNT, the
	 * request's defaults (test_migreq checks those). */
	struct precopy_params p = { .max_iterations = 5, .target_dirty = 50,
				    .stop_on_no_convergence = 1 };
	enum precopy_stop_reason why;
	struct precopy_stats s = { .iteration = 1, .dirty_count = 1000,
				   .dirty_rate = 100, .send_rate = 1000 };

	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
	assert_int_equal(why, STOP_NONE);

	s.dirty_count = 49;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_STOP_AND_COPY);
	assert_int_equal(why, STOP_FEW_DIRTY);

	s.dirty_count = 1000;
	s.iteration = 5;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_STOP_AND_COPY);
	assert_int_equal(why, STOP_MAX_ITERATIONS);

	/* Not converging: only judged from the second resend round on. */
	s.iteration = 1;
	s.dirty_rate = 5000;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
	s.iteration = 2;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_STOP_AND_COPY);
	assert_int_equal(why, STOP_NO_CONVERGENCE);
	p.stop_on_no_convergence = 0;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
	assert_string_equal(precopy_stop_reason_name(STOP_NO_CONVERGENCE),
			    "dirty-rate-above-send-rate");
}

/* QEMU's rule: stop once what is left would go within the downtime
 * target at the last round's rate of pages with data. */
static void test_downtime_target(void **state)
{
	struct precopy_params p = { .max_iterations = 5, .target_dirty = 50,
				    .stop_on_no_convergence = 1,
				    .downtime_target_ns = 20000000 };
	enum precopy_stop_reason why;
	/* 1000 pages at 100000 data pages/s: 10 ms. */
	struct precopy_stats s = { .iteration = 1, .dirty_count = 1000,
				   .dirty_rate = 100, .send_rate = 400000,
				   .data_send_rate = 100000 };

	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_STOP_AND_COPY);
	assert_int_equal(why, STOP_DOWNTIME_TARGET);
	assert_string_equal(precopy_stop_reason_name(why), "downtime-target");

	/* 3000 pages: 30 ms, over the target; the zero pages' rate does not
	 * count. */
	s.dirty_count = 3000;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
	/* The held-back hot pages go in the downtime too. */
	s.dirty_count = 1000;
	s.held = 1500;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
	/* 0: no such rule; no rate measured: none either. */
	s.held = 0;
	p.downtime_target_ns = 0;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
	p.downtime_target_ns = 20000000;
	s.data_send_rate = 0;
	assert_int_equal(precopy_decide(&p, &s, &why), PRECOPY_CONTINUE);
}

static void test_unlimited_never_waits(void **state)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 0, 1000, 0);
	assert_int_equal(ratelimit_charge(&rl, 1u << 30, 0), 0);
}

static void test_bucket_rate(void **state)
{
	struct ratelimit rl;
	uint64_t now = 1000000000ull, wait, total_wait = 0, sent = 0;
	int i;

	/* 8 Mbit/s = 1 MB/s; burst 64 KiB. */
	ratelimit_init(&rl, 8e6, 65536, now);
	assert_int_equal(ratelimit_charge(&rl, 65536, now), 0);   /* the burst */
	wait = ratelimit_charge(&rl, 100000, now);                /* 100 kB in debt */
	assert_true(wait > 99000000ull && wait < 101000000ull);   /* ~100 ms */

	/* Sending 64 KiB messages as fast as allowed for 10 s of simulated
	 * time averages to the rate. */
	ratelimit_init(&rl, 8e6, 65536, now);
	for (i = 0; i < 200; i++) {
		wait = ratelimit_charge(&rl, 65536, now);
		now += wait;
		total_wait += wait;
		sent += 65536;
	}
	/* (sent - burst) bytes took total_wait ns at 1e6 B/s. */
	assert_true(total_wait > (sent - 65536) * 1000 - 2000000);
	assert_true(total_wait < (sent - 65536) * 1000 + 2000000);
}

static void test_bucket_refills_but_caps(void **state)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 8e6, 65536, 0);
	assert_int_equal(ratelimit_charge(&rl, 65536, 0), 0);
	/* After a long idle time the bucket holds only the burst again. */
	assert_int_equal(ratelimit_charge(&rl, 65536, 60000000000ull), 0);
	assert_true(ratelimit_charge(&rl, 1000, 60000000000ull) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_downtime_target),
		cmocka_unit_test(test_unlimited_never_waits),
		cmocka_unit_test(test_bucket_rate),
		cmocka_unit_test(test_bucket_refills_but_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

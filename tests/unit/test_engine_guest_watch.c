/* Unit tests of the guest watch (src/engine/guest_watch.c): the longest
 * heartbeat standstill and the degraded time, from made-up snapshots of
 * a guest progressing at a known rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/guest_watch.h"

#define MS 1000000ull

/* A guest ticking every ms and doing rate units/s, sampled every 10 ms
 * from t0 for dur with its progress starting at progress; it stands still
 * (no ticks, no progress) in [stall_at, stall_at + stall). */
static void feed(struct guest_watch *w, uint64_t t0, uint64_t dur, double rate,
		 uint64_t stall_at, uint64_t stall, uint64_t progress)
{
	uint64_t t, last_tick = t0;
	double p = (double)progress;

	for (t = t0; t <= t0 + dur; t += 10 * MS) {
		struct hv_stats st = { .time_ns = t, .guest_ns = t, .has_counters = 1 };
		int stalled = t >= stall_at && t < stall_at + stall;

		if (t > t0 && !stalled)
			p += rate * 0.010;
		if (!stalled)
			last_tick = t;
		st.heartbeat_ns = last_tick;
		st.progress = (uint64_t)p;
		guest_watch_sample(w, &st);
	}
}

static void test_window_follows_rate(void **state)
{
	struct guest_watch w;

	guest_watch_init(&w, 1000);     /* 20 units: 20 ms, clamped to 100 ms */
	assert_int_equal(w.window_ns, GUEST_WATCH_WINDOW_MIN_NS);
	guest_watch_init(&w, 40);       /* 20 units: 500 ms */
	assert_int_equal(w.window_ns, 500 * MS);
	guest_watch_init(&w, 1);        /* 20 s, clamped to 1 s */
	assert_int_equal(w.window_ns, GUEST_WATCH_WINDOW_MAX_NS);
	guest_watch_init(&w, 0);        /* unknown rate: no degraded time */
	assert_false(guest_watch_has_degraded(&w));
}

static void test_steady_guest_is_not_degraded(void **state)
{
	struct guest_watch w;

	guest_watch_init(&w, 1000);
	feed(&w, 1000 * MS, 3000 * MS, 1000, 0, 0, 0);
	assert_int_equal(w.degraded_ns, 0);
	assert_true(w.stale_max_ns <= 10 * MS);
}

static void test_stall_is_degraded_and_stale(void **state)
{
	struct guest_watch w;

	guest_watch_init(&w, 1000);     /* 100 ms window */
	feed(&w, 1000 * MS, 3000 * MS, 1000, 2000 * MS, 500 * MS, 0);
	/* 500 ms standing still: degraded for about that long (the window
	 * shifts it, not its length), stale for as long. */
	assert_in_range(w.degraded_ns, 450 * MS, 560 * MS);
	assert_in_range(w.stale_max_ns, 480 * MS, 500 * MS);
}

static void test_half_rate_counts_full_rate_not(void **state)
{
	struct guest_watch slow, fast;

	guest_watch_init(&slow, 1000);
	feed(&slow, 1000 * MS, 2000 * MS, 400, 0, 0, 0);   /* 40%: degraded */
	guest_watch_init(&fast, 1000);
	feed(&fast, 1000 * MS, 2000 * MS, 600, 0, 0, 0);   /* 60%: not */
	assert_in_range(slow.degraded_ns, 1900 * MS, 2000 * MS);
	assert_int_equal(fast.degraded_ns, 0);
}

static void test_stop_adds_and_restarts_window(void **state)
{
	struct guest_watch w;

	guest_watch_init(&w, 1000);
	feed(&w, 1000 * MS, 1000 * MS, 1000, 0, 0, 0);
	guest_watch_stop(&w, 300 * MS);
	assert_int_equal(w.degraded_ns, 300 * MS);
	assert_int_equal(w.count, 0);
	/* Another host's clock, far behind: a steady guest adds nothing. */
	feed(&w, 5 * MS, 1000 * MS, 1000, 0, 0, 1000000);
	assert_int_equal(w.degraded_ns, 300 * MS);
}

static void test_snapshots_without_counters_ignored(void **state)
{
	struct guest_watch w;
	struct hv_stats st = { .time_ns = 10 * MS, .guest_ns = 900 * MS };

	guest_watch_init(&w, 1000);
	guest_watch_sample(&w, &st);
	assert_int_equal(w.count, 0);
	assert_int_equal(w.stale_max_ns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_follows_rate),
		cmocka_unit_test(test_steady_guest_is_not_degraded),
		cmocka_unit_test(test_stall_is_degraded_and_stale),
		cmocka_unit_test(test_half_rate_counts_full_rate_not),
		cmocka_unit_test(test_stop_adds_and_restarts_window),
		cmocka_unit_test(test_snapshots_without_counters_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

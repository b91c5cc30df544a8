/*
 * Unit tests: session replay (src/ui/replay.c) on logs whose wall clock
 * does not only move forwards. Every record must still be applied, and
 * the replay must end (issue 12: replays that never finished).
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

#include "ui/replay.h"

static struct model model;

/* A log of session "close" records at times ts[0, n) (in seconds), opened
 * as a replay. */
static void open_log(struct replay *r, const double *ts, size_t n)
{
	char path[] = "/tmp/dsmig-test-replay.XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		fprintf(f, "{\"v\":1,\"t\":%lld,\"src\":\"session\",\"event\":\"close\"}\n",
			(long long)(ts[i] * 1e9));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(replay_open(r, path, 1, err, sizeof(err)), 0);
	unlink(path);
	model_init(&model);
}

/* Tick well past the end: every record applied, the replay done. */
static void play_to_end(struct replay *r, size_t n)
{
	replay_tick(r, &model, r->duration + 10);
	assert_true(replay_done(r));
	assert_int_equal(r->next, n);
	assert_int_equal(model.tally.decoded, n);
}

static void test_in_order(void **state)
{
	static const double ts[] = { 100, 101, 103.5 };
	struct replay r;

	open_log(&r, ts, 3);
	assert_true(r.duration == 3.5);
	replay_tick(&r, &model, 1.2);
	assert_int_equal(r.next, 2);
	assert_false(replay_done(&r));
	play_to_end(&r, 3);
	replay_close(&r);
}

/* One record stamped later than the last one: it used to stay due after
 * the end of the replay, which then never finished. */
static void test_record_later_than_last(void **state)
{
	static const double ts[] = { 100, 105, 101, 102 };
	struct replay r;

	open_log(&r, ts, 4);
	play_to_end(&r, 4);
	replay_close(&r);
}

/* The clock steps back in the middle: the records after the step used
 * to be hidden (the log's duration came out negative, so 0), and the
 * replay never finished. They keep their spacing after the step. */
static void test_clock_jumps_back(void **state)
{
	static const double ts[] = { 100, 101, 102, 50, 51, 53 };
	struct replay r;

	open_log(&r, ts, 6);
	assert_true(r.duration == 5);
	replay_tick(&r, &model, 2);
	assert_int_equal(r.next, 4);      /* the step's record comes at once */
	replay_tick(&r, &model, 1);
	assert_int_equal(r.next, 5);
	play_to_end(&r, 6);
	/* Seeking back rebuilds the model from the start. */
	replay_seek(&r, &model, 0);
	assert_int_equal(r.next, 1);
	replay_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_record_later_than_last),
		cmocka_unit_test(test_clock_jumps_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the lab's state file reader (common/lab_state.h), which the
 * lab commands and the console's host probe share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/lab_state.h"

static void test_full_line(void **state)
{
	struct lab_state s;

	(void)state;
	assert_int_equal(lab_state_parse("hosts=3 rate_bps=12000000 delay_ms=50 loss_pct=1.5 impair=nft\n",
					 &s), 0);
	assert_int_equal(s.hosts, 3);
	assert_true(s.rate_bps == 12000000ull);
	assert_int_equal(s.delay_ms, 50);
	assert_true(s.loss_pct > 1.49 && s.loss_pct < 1.51);
	assert_string_equal(s.impair, "nft");
}

static void test_older_line(void **state)
{
	struct lab_state s;

	(void)state;
	/* Written before impair= was kept: the rest still counts. */
	assert_int_equal(lab_state_parse("hosts=2 rate_bps=100000000 delay_ms=0 loss_pct=0", &s), 0);
	assert_true(s.rate_bps == 100000000ull);
	assert_string_equal(s.impair, "");
}

static void test_refused(void **state)
{
	struct lab_state s;

	(void)state;
	assert_int_equal(lab_state_parse("", &s), -1);
	assert_int_equal(lab_state_parse("hosts=2 rate_bps=12000000", &s), -1);
	assert_int_equal(lab_state_parse("rate_bps=12000000 hosts=2 delay_ms=0 loss_pct=0", &s), -1);
	/* An impair word longer than the field is cut, never overrun. */
	assert_int_equal(lab_state_parse("hosts=2 rate_bps=1 delay_ms=0 loss_pct=0 "
					 "impair=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &s), 0);
	assert_int_equal((int)strnlen(s.impair, sizeof(s.impair)), LAB_STATE_IMPAIR_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_older_line),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests: settle_decide, the rule that says who runs the VM after a
 * migration, over the cells of the fault matrix it has to answer: each
 * row is a set of facts and the one outcome docs/reliability.md promises
 * for it. The findings of issue 12 that it fixes are rows here: a failed
 * query taken for "no destination" (two copies), a dead destination after
 * a "successful" engine (exit 0 with no VM), a post-copy failure rolled
 * back silently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "cli/settle.h"

#define A SIDE_ABSENT
#define U SIDE_UNKNOWN
#define I SIDE_INCOMING
#define R SIDE_RUNNING
#define P SIDE_PAUSED
#define S SIDE_SHUTDOWN

struct row {
	const char *name;
	int engine_ok, switched, rollback;
	enum side_state src, dst;
	int src_migrating, dst_postcopy;
	enum settle_act want_src, want_dst;
	int want_exit;
};

static const struct row rows[] = {
	/* name                                     ok sw rb src dst mig pc  src act     dst act     exit */
	{ "success",                                1, 1, 0, A, R, 0, 0, ACT_NONE,   ACT_NONE,   CLI_OK },
	{ "success, source left paused",            1, 1, 0, P, R, 0, 0, ACT_QUIT,   ACT_NONE,   CLI_OK },
	{ "success reported, destination gone",     1, 1, 0, A, A, 0, 0, ACT_NONE,   ACT_NONE,   CLI_VM_LOST },
	{ "success reported, destination mute",     1, 1, 0, A, U, 0, 0, ACT_NONE,   ACT_NONE,   CLI_UNKNOWN },
	{ "engine died after the switch-over",      0, 1, 0, P, R, 0, 0, ACT_QUIT,   ACT_NONE,   CLI_AFTER_SWITCH },
	{ "telemetry lost, destination runs",       0, 0, 0, P, R, 0, 0, ACT_QUIT,   ACT_NONE,   CLI_AFTER_SWITCH },
	{ "failed in round 0",                      0, 0, 0, R, I, 0, 0, ACT_NONE,   ACT_QUIT,   CLI_FAILED },
	{ "failed in stop-and-copy",                0, 0, 0, P, I, 0, 0, ACT_RESUME, ACT_QUIT,   CLI_FAILED },
	{ "failed, destination VMM gone",           0, 0, 0, P, A, 0, 0, ACT_RESUME, ACT_NONE,   CLI_FAILED },
	{ "destination query failed (finding 4)",   0, 0, 0, P, U, 0, 0, ACT_NONE,   ACT_NONE,   CLI_UNKNOWN },
	{ "source query failed",                    0, 0, 0, U, I, 0, 0, ACT_NONE,   ACT_NONE,   CLI_UNKNOWN },
	{ "source VMM killed before switch-over",   0, 0, 0, A, I, 0, 0, ACT_NONE,   ACT_NONE,   CLI_VM_LOST },
	{ "second migration refused (finding 1)",   0, 0, 0, P, I, 1, 0, ACT_NONE,   ACT_QUIT,   CLI_FAILED },
	{ "second migration, source still running", 0, 0, 0, R, A, 1, 0, ACT_NONE,   ACT_NONE,   CLI_FAILED },
	{ "GO sent, destination never resumed",     0, 1, 0, P, I, 0, 0, ACT_RESUME, ACT_QUIT,   CLI_FAILED },
	{ "armed for post-copy, never resumed",     0, 0, 0, P, I, 0, 1, ACT_RESUME, ACT_QUIT,   CLI_FAILED },
	{ "post-copy broke, destination paused",    0, 1, 0, P, P, 0, 1, ACT_NONE,   ACT_NONE,   CLI_SWITCH_BROKEN },
	{ "post-copy broke, rollback asked",        0, 1, 1, P, P, 0, 1, ACT_RESUME, ACT_QUIT,   CLI_ROLLED_BACK },
	{ "destination killed in post-copy (5)",    0, 1, 0, P, A, 0, 0, ACT_NONE,   ACT_NONE,   CLI_SWITCH_BROKEN },
	{ "destination killed in post-copy, rollback", 0, 1, 1, P, A, 0, 0, ACT_RESUME, ACT_NONE, CLI_ROLLED_BACK },
	{ "destination killed, source released",    0, 1, 0, A, A, 0, 0, ACT_NONE,   ACT_NONE,   CLI_VM_LOST },
	{ "post-copy broke, source gone",           0, 1, 1, A, P, 0, 1, ACT_NONE,   ACT_NONE,   CLI_VM_LOST },
	{ "both run a copy",                        0, 1, 0, R, R, 0, 0, ACT_NONE,   ACT_NONE,   CLI_UNKNOWN },
	{ "destination shutting down, before GO",   0, 0, 0, P, S, 0, 0, ACT_RESUME, ACT_NONE,   CLI_FAILED },
};

static void test_outcomes(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct settle_facts f = {
			.engine_ok = r->engine_ok, .switched = r->switched,
			.rollback = r->rollback,
			.src = { .state = r->src, .migrating = r->src_migrating },
			.dst = { .state = r->dst, .postcopy = r->dst_postcopy },
		};
		struct settle_outcome o;

		settle_decide(&f, &o);
		if (o.src != r->want_src || o.dst != r->want_dst || o.exit != r->want_exit)
			fail_msg("%s: got src %d dst %d exit %d, want %d %d %d (%s)", r->name,
				 o.src, o.dst, o.exit, r->want_src, r->want_dst,
				 r->want_exit, o.where);
		assert_true(o.where && o.where[0]);
	}
}

/* Whatever the facts: an unknown side is never acted on, a running side
 * is never resumed or quit (but for the rollback the operator asked for),
 * and exit 0 means the destination has the VM and has run it. */
static void test_invariants(void **state)
{
	static const enum side_state all[] = { A, U, I, R, P, S };
	const size_t n = sizeof(all) / sizeof(all[0]);
	size_t si, di;
	int bits;

	for (si = 0; si < n; si++)
		for (di = 0; di < n; di++)
			for (bits = 0; bits < 32; bits++) {
				struct settle_facts f = {
					.engine_ok = bits & 1, .switched = !!(bits & 2),
					.rollback = !!(bits & 4),
					.src = { .state = all[si], .migrating = !!(bits & 8) },
					.dst = { .state = all[di], .postcopy = !!(bits & 16) },
				};
				struct settle_outcome o;

				settle_decide(&f, &o);
				if (all[si] == U || all[di] == U)
					assert_true(o.src == ACT_NONE && o.dst == ACT_NONE);
				if (all[si] == R)
					assert_int_equal(o.src, ACT_NONE);
				if (all[di] == R && o.exit != CLI_ROLLED_BACK)
					assert_int_equal(o.dst, ACT_NONE);
				if (f.src.migrating)
					assert_int_not_equal(o.src, ACT_RESUME);
				if (o.src == ACT_RESUME && o.dst == ACT_NONE)
					assert_true(all[di] == A || all[di] == S);
				if (o.exit == CLI_OK)
					assert_true(all[di] == R || all[di] == P);
				if (o.exit == CLI_ROLLED_BACK)
					assert_true(f.rollback);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the migration queue (ui/queue) and its session records
 * (common/session_log: queue records and a start record's item), applied
 * through the console's model as a live session or a replay applies them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/session_log.h"
#include "ui/model.h"
#include "ui/queue.h"

static char why[512];
static long long t_ns = 1000000000;

/* A record of src with the fields text (JSON members, no braces), as
 * the console writes it: decoded, and applied to m if m is set. */
static int record(struct model *m, const char *src, const char *fields, struct session_rec *r)
{
	char text[1024];
	json_t *j;
	int rc;

	t_ns += 100000000;
	snprintf(text, sizeof(text), "{\"v\":1,\"t\":%lld,\"src\":\"%s\",%s}", t_ns, src, fields);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	why[0] = '\0';
	rc = session_log_decode(j, r, why, sizeof(why));
	if (m)
		model_apply(m, j);
	json_decref(j);
	return rc;
}

static void apply(struct model *m, const char *src, const char *fields)
{
	struct session_rec r;

	assert_int_equal(record(m, src, fields, &r), 0);
}

/* Queue item id: VM vm from hostA to hostB, uncapped. */
static void add(struct model *m, int id, const char *vm)
{
	char f[512];

	snprintf(f, sizeof(f), "\"event\":\"add\",\"item\":%d,\"vm\":\"%s\",\"from\":\"hostA\","
		 "\"to\":\"hostB\",\"method\":\"precopy\",\"bandwidth\":\"0\",\"ranks\":2,"
		 "\"max_iters\":5,\"verify\":false", id, vm);
	apply(m, "queue", f);
}

/* Migration mig starts item id (the live side's start record). */
static void start(struct model *m, int mig, int id, const char *vm)
{
	char f[512];

	snprintf(f, sizeof(f), "\"mig\":%d,\"event\":\"start\",\"vm\":\"%s\",\"from\":\"hostA\","
		 "\"to\":\"hostB\",\"method\":\"precopy\",\"bandwidth\":\"0\",\"ranks\":2,"
		 "\"max_iters\":5,\"verify\":false,\"item\":%d", mig, vm, id);
	apply(m, "migration", f);
}

static void finish(struct model *m, int mig, int status, const char *error)
{
	char f[512];

	snprintf(f, sizeof(f), "\"mig\":%d,\"event\":\"exit\",\"status\":%d,\"error\":%s%s%s", mig,
		 status, error ? "\"" : "", error ? error : "null", error ? "\"" : "");
	apply(m, "migration", f);
}

static enum queue_state state(struct model *m, int id)
{
	return queue_item(&m->queue, id)->state;
}

/* Items start one at a time (parallel 1) in the order queued, the next
 * only when the one running exits; parallel 2 lets two run. */
static void test_start_next_below_parallel(void **unused)
{
	static struct model m;

	model_init(&m);
	assert_null(queue_next(&m.queue));
	add(&m, 1, "idle");
	add(&m, 2, "cpu");
	add(&m, 3, "net");
	assert_int_equal(m.queue.parallel, 1);
	assert_int_equal(queue_next(&m.queue)->id, 1);
	start(&m, 1, 1, "idle");
	assert_int_equal(state(&m, 1), QUEUE_RUNNING);
	assert_int_equal(queue_item(&m.queue, 1)->mig, 1);
	assert_null(queue_next(&m.queue));           /* one runs: parallel 1 */
	apply(&m, "queue", "\"event\":\"parallel\",\"parallel\":2");
	assert_int_equal(m.queue.parallel, 2);
	assert_int_equal(queue_next(&m.queue)->id, 2);
	start(&m, 2, 2, "cpu");
	assert_null(queue_next(&m.queue));           /* two run: parallel 2 */
	assert_int_equal(queue_count(&m.queue, QUEUE_RUNNING), 2);
	/* The model's migration in front is the most recent start. */
	assert_int_equal(m.mig.id, 2);
	assert_string_equal(m.mig.vm, "cpu");
	finish(&m, 1, 0, NULL);
	assert_int_equal(state(&m, 1), QUEUE_DONE);
	assert_int_equal(m.mig.active, 1);          /* the front one still runs */
	assert_int_equal(queue_next(&m.queue)->id, 3);
	assert_int_equal(queue_pending(&m.queue, "net"), 1);
	assert_int_equal(queue_pending(&m.queue, "idle"), 0);
}

/* A queued item cancelled never starts (the next one is offered); a
 * running one cancelled ends cancelled when its migration exits, and
 * the migration in front is marked cancelled as the operator's c does. */
static void test_cancel(void **unused)
{
	static struct model m;
	struct session_rec r;

	model_init(&m);
	add(&m, 1, "idle");
	add(&m, 2, "cpu");
	add(&m, 3, "net");
	start(&m, 1, 1, "idle");
	apply(&m, "queue", "\"event\":\"cancel\",\"item\":2");
	assert_int_equal(state(&m, 2), QUEUE_CANCELLED);
	finish(&m, 1, 0, NULL);
	assert_int_equal(queue_next(&m.queue)->id, 3);
	/* A start record for the cancelled item is not taken. */
	start(&m, 2, 2, "cpu");
	assert_int_equal(state(&m, 2), QUEUE_CANCELLED);
	assert_int_equal(queue_item(&m.queue, 2)->mig, 0);
	start(&m, 3, 3, "net");
	apply(&m, "queue", "\"event\":\"cancel\",\"item\":3");
	assert_int_equal(state(&m, 3), QUEUE_RUNNING);
	assert_int_equal(m.mig.cancelled, 1);
	finish(&m, 3, 1, "cancelled by the operator");
	assert_int_equal(state(&m, 3), QUEUE_CANCELLED);
	assert_string_equal(queue_item(&m.queue, 3)->error, "cancelled by the operator");
	/* Cancelling what is over changes nothing. */
	assert_int_equal(record(NULL, "queue", "\"event\":\"cancel\",\"item\":1", &r), 0);
	assert_int_equal(queue_apply(&m.queue, &r, why, sizeof(why)), -1);
	assert_string_equal(why, "item 1 is done already");
	assert_int_equal(state(&m, 1), QUEUE_DONE);
}

/* Exit status: 0 done with the engine's downtime, else failed with the
 * error; an item that could not start fails; a migration launched on
 * its own touches no item. */
static void test_exit(void **unused)
{
	static struct model m;

	model_init(&m);
	add(&m, 1, "idle");
	add(&m, 2, "cpu");
	add(&m, 3, "net");
	apply(&m, "queue", "\"event\":\"parallel\",\"parallel\":4");
	start(&m, 1, 1, "idle");
	start(&m, 2, 2, "cpu");
	apply(&m, "engine", "\"mig\":1,\"ev\":{\"v\":1,\"t\":5,\"type\":\"phase\","
	      "\"phase\":\"resumed\",\"downtime_ns\":73000000,\"guest_downtime_ns\":75000000}");
	assert_string_equal(queue_item(&m.queue, 1)->phase, "resumed");
	finish(&m, 1, 0, NULL);
	finish(&m, 2, 1, "rank 1: connection reset by peer");
	assert_int_equal(state(&m, 1), QUEUE_DONE);
	assert_int_equal(queue_item(&m.queue, 1)->has_downtime, 1);
	assert_int_equal(queue_item(&m.queue, 1)->downtime_ns, 73000000);
	assert_int_equal(state(&m, 2), QUEUE_FAILED);
	assert_string_equal(queue_item(&m.queue, 2)->error, "rank 1: connection reset by peer");
	apply(&m, "queue", "\"event\":\"fail\",\"item\":3,\"error\":\"cannot start\"");
	assert_int_equal(state(&m, 3), QUEUE_FAILED);
	assert_null(queue_next(&m.queue));
	/* Migration 3, on its own: no item. */
	apply(&m, "migration", "\"mig\":3,\"event\":\"start\",\"vm\":\"kv\",\"from\":\"hostA\","
	      "\"to\":\"hostB\",\"method\":\"dsm\",\"bandwidth\":\"12M\",\"ranks\":2,"
	      "\"max_iters\":5,\"verify\":false");
	finish(&m, 3, 0, NULL);
	assert_null(queue_by_mig(&m.queue, 3));
	assert_int_equal(queue_count(&m.queue, QUEUE_DONE), 1);
}

/* Records that do not fit the queue are ignored, and said: an item that
 * is not the next, a start of an unknown item, a full queue. */
static void test_inconsistent(void **unused)
{
	static struct model m;
	int i;

	model_init(&m);
	add(&m, 2, "idle");                          /* not item 1 */
	assert_int_equal(m.queue.n, 0);
	assert_non_null(strstr(model_log_line(&m, 0), "item 2 is not the next one (1)"));
	add(&m, 1, "idle");
	start(&m, 1, 7, "idle");                     /* no item 7 */
	assert_int_equal(state(&m, 1), QUEUE_QUEUED);
	for (i = 2; i <= QUEUE_MAX_ITEMS + 1; i++)
		add(&m, i, "idle");
	assert_int_equal(m.queue.n, QUEUE_MAX_ITEMS);
	assert_non_null(strstr(model_log_line(&m, 0), "the queue is full"));
}

/* Hostile queue records are refused by the reader, with the reason. */
static void test_decode_refused(void **unused)
{
	static const struct { const char *fields, *reason; } bad[] = {
		{ "\"event\":\"add\",\"item\":0,\"vm\":\"a\",\"from\":\"A\",\"to\":\"B\","
		  "\"method\":\"precopy\",\"bandwidth\":\"0\",\"ranks\":2,\"max_iters\":5,"
		  "\"verify\":false", "queue add: \"item\" out of range: 0" },
		{ "\"event\":\"add\",\"item\":1,\"vm\":\"a\",\"from\":\"A\",\"to\":\"B\","
		  "\"method\":\"teleport\",\"bandwidth\":\"0\",\"ranks\":2,\"max_iters\":5,"
		  "\"verify\":false", "queue add: \"method\" is no method: teleport" },
		{ "\"event\":\"add\",\"item\":1,\"vm\":\"a\",\"from\":\"A\",\"to\":\"B\","
		  "\"method\":\"dsm\",\"bandwidth\":\"12M5\",\"ranks\":2,\"max_iters\":5,"
		  "\"verify\":false", "queue add: \"bandwidth\" is no rate: 12M5" },
		{ "\"event\":\"add\",\"item\":1,\"vm\":\"a\",\"from\":\"A\",\"to\":\"B\","
		  "\"method\":\"dsm\",\"bandwidth\":\"0\",\"ranks\":2,\"verify\":false",
		  "queue add: \"max_iters\" missing" },
		{ "\"event\":\"add\",\"item\":-3,\"vm\":\"a\",\"from\":\"A\",\"to\":\"B\","
		  "\"method\":\"dsm\",\"bandwidth\":\"0\",\"ranks\":2,\"max_iters\":5,"
		  "\"verify\":false", "queue add: \"item\" out of range: -3" },
		{ "\"event\":\"parallel\",\"parallel\":5",
		  "queue parallel: \"parallel\" out of range: 5 (1..4)" },
		{ "\"event\":\"parallel\",\"parallel\":0",
		  "queue parallel: \"parallel\" out of range: 0 (1..4)" },
		{ "\"event\":\"parallel\",\"parallel\":\"2\"",
		  "queue parallel: \"parallel\" is not an integer" },
		{ "\"event\":\"cancel\",\"item\":1e3", "queue cancel: \"item\" is not an integer" },
		{ "\"event\":\"cancel\"", "queue cancel: \"item\" missing" },
		{ "\"event\":\"fail\",\"item\":1", "queue fail: \"error\" missing" },
		{ "\"item\":1", "queue record without a string \"event\"" },
	};
	struct session_rec r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(record(NULL, "queue", bad[i].fields, &r), -1);
		assert_string_equal(why, bad[i].reason);
	}
	/* A start record's item is bounded too. */
	assert_int_equal(record(NULL, "migration", "\"mig\":1,\"event\":\"start\",\"vm\":\"a\","
				"\"from\":\"A\",\"to\":\"B\",\"method\":\"dsm\",\"bandwidth\":\"0\","
				"\"ranks\":2,\"max_iters\":5,\"verify\":false,\"item\":0", &r), -1);
	assert_string_equal(why, "start: \"item\" out of range: 0");
	/* A queue event of a later dsmig is skipped, not refused. */
	assert_int_equal(record(NULL, "queue", "\"event\":\"reorder\",\"item\":1", &r), 0);
	assert_int_equal(session_log_skipped(&r), 1);
	/* Strings are bounded and cleaned: a long VM name is cut. */
	assert_int_equal(record(NULL, "queue", "\"event\":\"add\",\"item\":1,\"vm\":"
				"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
				"\"from\":\"A\\u0007\",\"to\":\"B\",\"method\":\"dsm\",\"bandwidth\":\"12M\","
				"\"ranks\":2,\"max_iters\":5,\"verify\":true", &r), 0);
	assert_int_equal(r.type, SESSION_REC_QUEUE_ADD);
	assert_int_equal(strlen(r.u.queue.vm), sizeof(r.u.queue.vm) - 1);
	assert_string_equal(r.u.queue.from, "A?");
	assert_int_equal(r.u.queue.verify, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_next_below_parallel),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_decode_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

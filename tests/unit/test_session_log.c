/* Unit tests: the console session log reader (common/session_log). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/jsonl_tail.h"
#include "common/session_log.h"

static char why[512];

static int decode(const char *text, struct session_rec *r)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	why[0] = '\0';
	rc = session_log_decode(j, r, why, sizeof(why));
	json_decref(j);
	return rc;
}

#define ROUND "{\"v\":1,\"t\":5,\"type\":\"iteration\",\"round\":0,\"kind\":\"final\"," \
	"\"pages_in_set\":1,\"pages_sent\":1,\"zero_pages\":0,\"payload_bytes\":4096," \
	"\"header_bytes\":16,\"bytes\":4112,\"duration_ns\":1,\"dirtied_pages\":0," \
	"\"dirty_rate_pps\":0,\"hot_deferred\":0}"

static void test_decode(void **state)
{
	struct session_rec r;

	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"engine\",\"mig\":3,\"ev\":" ROUND "}",
				&r), 0);
	assert_int_equal(r.src, SESSION_SRC_ENGINE);
	assert_int_equal(r.mig, 3);
	assert_int_equal(r.t, 7);
	assert_int_equal(r.ev.type, TEL_ROUND);
	assert_int_equal(r.ev.u.round.final, 1);
	assert_int_equal(session_log_skipped(&r), 0);
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"probe\",\"probe\":\"vm\"}", &r), 0);
	assert_int_equal(r.src, SESSION_SRC_PROBE);
	/* Unknown sources and engine event types are kept, to be skipped. */
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"satellite\"}", &r), 0);
	assert_int_equal(session_log_skipped(&r), 1);
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"engine\",\"mig\":1,"
				"\"ev\":{\"v\":1,\"t\":7,\"type\":\"warp\"}}", &r), 0);
	assert_int_equal(session_log_skipped(&r), 1);
}

static void test_refused(void **state)
{
	struct session_rec r;

	assert_int_equal(decode("{\"v\":2,\"t\":7,\"src\":\"probe\"}", &r), -1);
	assert_int_equal(r.v, 2);
	assert_non_null(strstr(why, "session log version 2 is not supported"));
	assert_int_equal(decode("{\"t\":7,\"src\":\"probe\"}", &r), -1);
	assert_int_equal(decode("{\"v\":-1,\"t\":7,\"src\":\"probe\"}", &r), -1);
	assert_int_equal(r.v, 0);     /* malformed, not another version */
	assert_int_equal(decode("{\"v\":1,\"t\":\"7\",\"src\":\"probe\"}", &r), -1);
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":3}", &r), -1);
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"engine\",\"ev\":" ROUND "}", &r), -1);
	assert_non_null(strstr(why, "\"mig\""));
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"migration\",\"mig\":-1}", &r), -1);
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"engine\",\"mig\":1,\"ev\":[]}", &r), -1);
	assert_non_null(strstr(why, "engine event: not a JSON object"));
	/* The event's own version is checked too. */
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"engine\",\"mig\":1,"
				"\"ev\":{\"v\":9,\"t\":7,\"type\":\"summary\"}}", &r), -1);
	assert_non_null(strstr(why, "telemetry schema version 9"));
}

/* Write text to a new temporary file; its path in path. */
static void write_log(char *path, const char *text, size_t len)
{
	int fd;

	strcpy(path, "/tmp/dsmig-test-session.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void test_load(void **state)
{
	static const char text[] =
		"{\"v\":1,\"t\":1000000000,\"src\":\"session\",\"event\":\"open\"}\n"
		"\n"
		"not json at all\n"
		"{\"v\":1,\"t\":2000000000,\"src\":\"engine\",\"mig\":1,\"ev\":" ROUND "}\n"
		"{\"v\":1,\"t\":2500000000,\"src\":\"engine\",\"mig\":1,\"ev\":{\"v\":1}}\n"
		"{\"v\":1,\"t\":3000000000,\"src\":\"telepathy\"}\n"
		"{\"v\":0,\"t\":3500000000,\"src\":\"session\"}\n"
		"{\"v\":1,\"t\":4000000000,\"src\":\"session\",\"ev";   /* truncated */
	struct session_log l;
	char path[64];

	write_log(path, text, sizeof(text) - 1);
	assert_int_equal(session_log_load(&l, path, why, sizeof(why)), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.lines, 8);
	assert_int_equal(l.bad, 4);
	assert_int_equal(l.first_bad, 3);
	assert_string_equal(l.first_bad_why, "not JSON");
	assert_int_equal(l.skipped, 1);
	assert_true(session_log_time(&l, 1) == 2.0);
	session_log_free(&l);
	unlink(path);
}

static void test_load_refused(void **state)
{
	static const char newer[] =
		"{\"v\":1,\"t\":1,\"src\":\"session\"}\n"
		"{\"v\":2,\"t\":2,\"src\":\"session\"}\n";
	static const char junk[] = "\x7f" "ELF\x01\x02garbage\n{}\n[]\n";
	struct session_log l;
	char path[64];

	write_log(path, newer, sizeof(newer) - 1);
	assert_int_equal(session_log_load(&l, path, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "line 2: session log version 2 is not supported"));
	assert_int_equal(l.n, 0);
	unlink(path);
	write_log(path, junk, sizeof(junk) - 1);
	assert_int_equal(session_log_load(&l, path, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no valid session records (3 bad lines of 3; "
				"first: line 1: not JSON)"));
	unlink(path);
	write_log(path, "", 0);
	assert_int_equal(session_log_load(&l, path, why, sizeof(why)), -1);
	unlink(path);
	assert_int_equal(session_log_load(&l, "/nonexistent/session.jsonl", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "No such file"));
}

/* A line longer than SESSION_LINE_MAX is refused, and the next one read. */
static void test_long_line(void **state)
{
	static const char good[] = "{\"v\":1,\"t\":1,\"src\":\"session\"}\n";
	size_t n = SESSION_LINE_MAX + 10;
	char *text = malloc(n + sizeof(good));
	struct session_log l;
	char path[64];

	assert_non_null(text);
	memset(text, ' ', n);
	text[0] = '{';
	text[n - 1] = '\n';
	memcpy(text + n, good, sizeof(good));
	write_log(path, text, n + sizeof(good) - 1);
	assert_int_equal(session_log_load(&l, path, why, sizeof(why)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.bad, 1);
	assert_int_equal(l.lines, 2);
	assert_string_equal(l.first_bad_why, "line longer than 1 MiB");
	session_log_free(&l);
	unlink(path);
	free(text);
}

/* Following a growing telemetry file: unparsable, over-long and cut-short
 * lines are skipped and counted, never returned or silently dropped. */
static void test_tail_counts_bad_lines(void **state)
{
	char path[] = "/tmp/test-tail.XXXXXX";
	struct jsonl_tail t;
	int fd = mkstemp(path), n = 0;
	FILE *f = fdopen(fd, "w");
	json_t *v;
	size_t i;

	assert_non_null(f);
	jsonl_tail_init(&t, path);
	fputs("{\"a\":1}\nnot json\n\n", f);
	for (i = 0; i < 70000; i++)      /* longer than the tail's buffer */
		fputc('7', f);
	fputs("\n{\"a\":2}\n{\"a\":", f);
	fflush(f);
	while ((v = jsonl_tail_next(&t))) {
		n++;
		assert_int_equal(json_integer_value(json_object_get(v, "a")), n);
		json_decref(v);
	}
	assert_int_equal(n, 2);
	assert_int_equal(t.bad, 2);      /* "not json" and the long line */
	jsonl_tail_close(&t);
	assert_int_equal(t.bad, 3);      /* and the last line, cut short */
	fclose(f);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_tail_counts_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

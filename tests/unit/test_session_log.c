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

#include "common/fields.h"
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
	assert_int_equal(decode("{\"v\":1,\"t\":7,\"src\":\"probe\",\"probe\":\"vm\","
				"\"host\":\"a\",\"vm\":\"b\",\"state\":\"gone\"}", &r), 0);
	assert_int_equal(r.src, SESSION_SRC_PROBE);
	assert_int_equal(r.type, SESSION_REC_VM);
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
		"{\"v\":1,\"t\":1000000000,\"src\":\"session\",\"event\":\"open\","
		"\"mode\":\"live\",\"hosts\":[],\"cap_bps\":0}\n"
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
	static const char good[] = "{\"v\":1,\"t\":1,\"src\":\"session\",\"event\":\"close\"}\n";
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

/* ---- the console's own records, typed ------------------------------------ */

/* Decode rec (a reference taken: the caller's stays). */
static int decode_json(json_t *rec, struct session_rec *r)
{
	why[0] = '\0';
	return session_log_decode(rec, r, why, sizeof(why));
}

/* The good record text with key ("a", or "a.b": member b of object a)
 * set to value (stolen), or deleted when value is NULL; decoded into r. */
static int decode_with(const char *good, const char *key, json_t *value,
		       struct session_rec *r)
{
	json_t *j = json_loads(good, 0, NULL), *o = j;
	const char *dot = strchr(key, '.');
	char outer[32];
	int rc;

	assert_non_null(j);
	if (dot) {
		snprintf(outer, sizeof(outer), "%.*s", (int)(dot - key), key);
		o = json_object_get(j, outer);
		key = dot + 1;
	}
	if (value)
		json_object_set_new(o, key, value);
	else
		assert_int_equal(json_object_del(o, key), 0);
	rc = decode_json(j, r);
	json_decref(j);
	return rc;
}

/* Refused, and why says so (substring). */
#define assert_refused(call, reason)                                   \
	do {                                                           \
		assert_int_equal((call), -1);                          \
		if (!strstr(why, (reason)))                            \
			fail_msg("why \"%s\" lacks \"%s\"", why, (reason)); \
	} while (0)

/* buf, a copied string of a buffer of size n, is what a terminal and
 * JSON can take: shorter than n, no control character, valid UTF-8. */
static void assert_clean(const char *buf, size_t n)
{
	const unsigned char *u = (const unsigned char *)buf;
	json_t *j;

	assert_true(strlen(buf) < n);
	for (; *u; u++)
		assert_true(*u >= 0x20 && *u != 0x7f);
	j = json_string(buf);    /* NULL if not valid UTF-8 */
	assert_non_null(j);
	json_decref(j);
}

/* Hostile texts: escape sequences, bytes that are no UTF-8 (which a
 * record built in memory may hold: jansson's parser refuses them), and
 * over-long UTF-8 text; each must come out clean (assert_clean). */
static json_t *hostile(int i)
{
	static char longtext[2 * 700 + 1];
	size_t k;

	switch (i) {
	case 0:
		return json_string("cpu1\x1b[2J\x1b]0;owned\x07\xc2\x9b" "31m");
	case 1:
		return json_string_nocheck("\xff\xfe\xc3(\xe2\x82 bad\x80");
	default:
		for (k = 0; k + 2 < sizeof(longtext); k += 2)
			memcpy(longtext + k, "\xc3\xa9", 2);
		longtext[k] = '\0';
		return json_string(longtext);
	}
}
#define NR_HOSTILE 3

/* Each string field key of good, made hostile, decodes to a clean copy
 * in the buffer at field (of size n). */
static void check_hostile(const char *good, const char *key, struct session_rec *r,
			  const char *field, size_t n)
{
	int i;

	for (i = 0; i < NR_HOSTILE; i++) {
		assert_int_equal(decode_with(good, key, hostile(i), r), 0);
		assert_clean(field, n);
		if (i == 0)     /* as far as it fits */
			assert_int_equal(strncmp(field, "cpu1?[2J?]0;owned??31m", n - 1), 0);
		if (i == 2)     /* cut at the buffer, never inside a character */
			assert_int_equal(strlen(field), (n - 1) / 2 * 2);
	}
}

#define OPEN "{\"v\":1,\"t\":9,\"src\":\"session\",\"event\":\"open\",\"mode\":\"live\"," \
	"\"hosts\":[{\"name\":\"hostA\",\"runtime\":\"/run/a\"},{\"name\":\"hostB\"," \
	"\"runtime\":\"/run/b\"}],\"cap_bps\":12000000}"

static void test_open_close(void **state)
{
	struct session_rec r;
	json_t *hosts;
	int i;

	assert_int_equal(decode(OPEN, &r), 0);
	assert_int_equal(r.type, SESSION_REC_OPEN);
	assert_string_equal(r.u.open.mode, "live");
	assert_int_equal(r.u.open.nr_hosts, 2);
	assert_string_equal(r.u.open.hosts[1].name, "hostB");
	assert_string_equal(r.u.open.hosts[1].runtime, "/run/b");
	assert_true(r.u.open.cap_bps == 12e6);
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"session\",\"event\":\"close\"}", &r), 0);
	assert_int_equal(r.type, SESSION_REC_CLOSE);
	/* missing, wrong type */
	assert_refused(decode_with(OPEN, "cap_bps", NULL, &r), "open: \"cap_bps\" missing");
	assert_refused(decode_with(OPEN, "hosts", NULL, &r), "open: \"hosts\" missing");
	assert_refused(decode_with(OPEN, "mode", json_integer(1), &r),
		       "open: \"mode\" is not a string");
	assert_refused(decode_with(OPEN, "cap_bps", json_string("12M"), &r),
		       "open: \"cap_bps\" is not a number");
	assert_refused(decode_with(OPEN, "hosts", json_string("hostA"), &r),
		       "open: \"hosts\" is not an array");
	assert_refused(decode_with(OPEN, "hosts", json_pack("[s]", "hostA"), &r),
		       "open: host 0 is not an object");
	assert_refused(decode_with(OPEN, "hosts", json_pack("[{s:s}]", "name", "a"), &r),
		       "open: host 0: \"runtime\" missing");
	hosts = json_array();
	for (i = 0; i <= SESSION_MAX_HOSTS; i++)
		json_array_append_new(hosts, json_pack("{s:s, s:s}", "name", "h", "runtime", "/r"));
	assert_refused(decode_with(OPEN, "hosts", hosts, &r), "more than 16");
	/* hostile names */
	for (i = 0; i < NR_HOSTILE; i++) {
		assert_int_equal(decode_with(OPEN, "hosts", json_pack("[{s:o, s:o}]", "name",
					     hostile(i), "runtime", hostile(i)), &r), 0);
		assert_clean(r.u.open.hosts[0].name, sizeof(r.u.open.hosts[0].name));
		assert_clean(r.u.open.hosts[0].runtime, sizeof(r.u.open.hosts[0].runtime));
	}
	check_hostile(OPEN, "mode", &r, r.u.open.mode, sizeof(r.u.open.mode));
}

#define VM "{\"v\":1,\"t\":9,\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"hostA\"," \
	"\"vm\":\"cpu1\",\"state\":\"running\",\"workload\":\"cpu\",\"vcpus\":2," \
	"\"mem_bytes\":16777216,\"vcpu_pct\":[10.5,20],\"dirty_pps\":900.5," \
	"\"progress\":100,\"progress_ps\":0}"

static void test_vm_probe(void **state)
{
	struct session_rec r;
	const struct session_vm *v = &r.u.vm;
	json_t *pct;
	int i;

	assert_int_equal(decode(VM, &r), 0);
	assert_int_equal(r.type, SESSION_REC_VM);
	assert_string_equal(v->host, "hostA");
	assert_string_equal(v->vm, "cpu1");
	assert_string_equal(v->state, "running");
	assert_string_equal(v->workload, "cpu");
	assert_int_equal(v->vcpus, 2);
	assert_int_equal(v->mem_bytes, 16777216);
	assert_int_equal(v->nr_vcpu_pct, 2);
	assert_true(v->vcpu_pct[0] == 10.5 && v->vcpu_pct[1] == 20);
	assert_true(v->dirty_pps == 900.5);
	assert_int_equal(v->progress, 100);
	/* absent is not zero: progress_ps was there, as 0 */
	assert_int_equal(session_log_has(r.type, v->present, "progress_ps"), 1);
	assert_int_equal(session_log_has(r.type, v->present, "dirty_pps"), 1);
	/* a VM that stopped answering: host, vm and state only */
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"probe\",\"probe\":\"vm\","
				"\"host\":\"a\",\"vm\":\"b\",\"state\":\"gone\"}", &r), 0);
	assert_int_equal(session_log_has(r.type, v->present, "progress_ps"), 0);
	assert_int_equal(session_log_has(r.type, v->present, "workload"), 0);
	assert_int_equal(session_log_has(r.type, v->present, "vm"), 1);
	assert_int_equal(v->nr_vcpu_pct, 0);
	/* missing, wrong type, out of range */
	assert_refused(decode_with(VM, "host", NULL, &r), "vm probe: \"host\" missing");
	assert_refused(decode_with(VM, "state", NULL, &r), "vm probe: \"state\" missing");
	assert_refused(decode_with(VM, "vcpus", json_string("2"), &r),
		       "vm probe: \"vcpus\" is not an integer");
	assert_refused(decode_with(VM, "mem_bytes", json_integer(-1), &r),
		       "vm probe: \"mem_bytes\" out of range");
	assert_refused(decode_with(VM, "dirty_pps", json_true(), &r),
		       "vm probe: \"dirty_pps\" is not a number");
	/* the VMM's footprint: counts of pages, never negative or text */
	assert_int_equal(decode_with(VM, "fp_hot_pages", json_integer(2042), &r), 0);
	assert_int_equal(v->fp_hot_pages, 2042);
	assert_int_equal(session_log_has(r.type, v->present, "fp_hot_pages"), 1);
	assert_int_equal(session_log_has(r.type, v->present, "fp_ws_pages"), 0);
	assert_refused(decode_with(VM, "fp_ws_pages", json_integer(-1), &r),
		       "vm probe: \"fp_ws_pages\" out of range");
	assert_refused(decode_with(VM, "fp_windows", json_string("3"), &r),
		       "vm probe: \"fp_windows\" is not an integer");
	assert_refused(decode_with(VM, "fp_window_s", json_null(), &r),
		       "vm probe: \"fp_window_s\" is not a number");
	assert_refused(decode_with(VM, "vcpu_pct", json_real(5), &r),
		       "vm probe: \"vcpu_pct\" is not an array");
	assert_refused(decode_with(VM, "vcpu_pct", json_pack("[f, s]", 1.0, "2"), &r),
		       "vm probe: \"vcpu_pct\"[1] is not a number");
	pct = json_array();
	for (i = 0; i <= SESSION_MAX_VCPUS; i++)
		json_array_append_new(pct, json_real(1));
	assert_refused(decode_with(VM, "vcpu_pct", pct, &r), "more than 64 entries");
	assert_refused(decode_with(VM, "probe", NULL, &r), "probe record without a string \"probe\"");
	/* the guest's counter: saturated, never grounds for refusal */
	assert_int_equal(decode_with(VM, "progress", json_integer(-5), &r), 0);
	assert_int_equal(v->progress, FIELD_INT_MAX);
	/* hostile strings */
	check_hostile(VM, "host", &r, r.u.vm.host, sizeof(r.u.vm.host));
	check_hostile(VM, "vm", &r, r.u.vm.vm, sizeof(r.u.vm.vm));
	check_hostile(VM, "state", &r, r.u.vm.state, sizeof(r.u.vm.state));
	check_hostile(VM, "workload", &r, r.u.vm.workload, sizeof(r.u.vm.workload));
}

#define NET "{\"v\":1,\"t\":9,\"src\":\"probe\",\"probe\":\"net\",\"iface\":\"lo\"," \
	"\"method\":\"pcap\",\"filter\":\"tcp portrange 47000-47099\",\"bytes\":123," \
	"\"bps\":11900000.5}"

static void test_net_probe(void **state)
{
	struct session_rec r;
	const struct session_net *n = &r.u.net;

	assert_int_equal(decode(NET, &r), 0);
	assert_int_equal(r.type, SESSION_REC_NET);
	assert_string_equal(n->iface, "lo");
	assert_string_equal(n->method, "pcap");
	assert_string_equal(n->filter, "tcp portrange 47000-47099");
	assert_int_equal(n->bytes, 123);
	assert_true(n->bps == 11900000.5);
	assert_int_equal(session_log_has(r.type, n->present, "note"), 0);
	assert_int_equal(session_log_has(r.type, n->present, "netns"), 0);
	assert_int_equal(decode_with(NET, "note", json_string(""), &r), 0);
	assert_int_equal(session_log_has(r.type, n->present, "note"), 1);
	assert_int_equal(decode_with(NET, "netns", json_string("dsmig-hostA"), &r), 0);
	assert_string_equal(n->netns, "dsmig-hostA");
	assert_refused(decode_with(NET, "bps", NULL, &r), "net probe: \"bps\" missing");
	assert_refused(decode_with(NET, "method", NULL, &r), "net probe: \"method\" missing");
	assert_refused(decode_with(NET, "bps", json_string("fast"), &r),
		       "net probe: \"bps\" is not a number");
	assert_refused(decode_with(NET, "bytes", json_real(1.5), &r),
		       "net probe: \"bytes\" is not an integer");
	assert_refused(decode_with(NET, "note", json_null(), &r),
		       "net probe: \"note\" is not a string");
	check_hostile(NET, "method", &r, r.u.net.method, sizeof(r.u.net.method));
	check_hostile(NET, "note", &r, r.u.net.note, sizeof(r.u.net.note));
	check_hostile(NET, "iface", &r, r.u.net.iface, sizeof(r.u.net.iface));
}

#define START "{\"v\":1,\"t\":9,\"src\":\"migration\",\"mig\":4,\"event\":\"start\"," \
	"\"vm\":\"cpu1\",\"from\":\"hostA\",\"to\":\"hostB\",\"method\":\"dsm-pull\"," \
	"\"bandwidth\":\"12M\",\"ranks\":2,\"max_iters\":5,\"verify\":true}"

static void test_mig_start(void **state)
{
	struct session_rec r;
	const struct session_mig_start *s = &r.u.start;

	assert_int_equal(decode(START, &r), 0);
	assert_int_equal(r.type, SESSION_REC_MIG_START);
	assert_int_equal(r.mig, 4);
	assert_string_equal(s->vm, "cpu1");
	assert_string_equal(s->from, "hostA");
	assert_string_equal(s->to, "hostB");
	assert_string_equal(s->method, "dsm-pull");
	assert_string_equal(s->bandwidth, "12M");
	assert_true(s->bandwidth_bps == 12e6);
	assert_int_equal(s->ranks, 2);
	assert_int_equal(s->max_iters, 5);
	assert_int_equal(s->verify, 1);
	assert_int_equal(decode_with(START, "bandwidth", json_string("0"), &r), 0);
	assert_true(s->bandwidth_bps == 0);
	assert_int_equal(decode_with(START, "bandwidth", json_string("abc"), &r), 0);
	assert_true(s->bandwidth_bps == -1);     /* kept, but no rate */
	assert_refused(decode_with(START, "bandwidth", json_integer(12000000), &r),
		       "start: \"bandwidth\" is not a string");
	assert_refused(decode_with(START, "ranks", NULL, &r), "start: \"ranks\" missing");
	assert_refused(decode_with(START, "to", NULL, &r), "start: \"to\" missing");
	assert_refused(decode_with(START, "verify", json_string("yes"), &r),
		       "start: \"verify\" is not a boolean");
	assert_refused(decode_with(START, "ranks", json_integer(-2), &r),
		       "start: \"ranks\" out of range");
	/* the console's prediction: optional numbers */
	assert_int_equal(session_log_has(r.type, r.u.start.present, "predicted_total_s"), 0);
	assert_int_equal(decode_with(START, "predicted_total_s", json_real(15.5), &r), 0);
	assert_true(r.u.start.predicted_total_s == 15.5);
	assert_int_equal(session_log_has(r.type, r.u.start.present, "predicted_total_s"), 1);
	assert_refused(decode_with(START, "predicted_downtime_s", json_string("3 s"), &r),
		       "start: \"predicted_downtime_s\" is not a number");
	assert_refused(decode_with(START, "predicted_bytes", json_integer(-5), &r),
		       "start: \"predicted_bytes\" out of range");
	assert_refused(decode_with(START, "mig", NULL, &r), "without a migration number");
	assert_refused(decode_with(START, "event", json_integer(1), &r),
		       "migration record without a string \"event\"");
	check_hostile(START, "vm", &r, r.u.start.vm, sizeof(r.u.start.vm));
	check_hostile(START, "from", &r, r.u.start.from, sizeof(r.u.start.from));
	check_hostile(START, "method", &r, r.u.start.method, sizeof(r.u.start.method));
	check_hostile(START, "bandwidth", &r, r.u.start.bandwidth, sizeof(r.u.start.bandwidth));
}

#define SUMMARY "{\"v\":1,\"t\":5,\"type\":\"summary\",\"ok\":true,\"total_time_ns\":2," \
	"\"downtime_ns\":1,\"guest_downtime_ns\":1,\"bytes_total\":9,\"bytes\":{\"rounds\":8," \
	"\"state\":1,\"verify\":0,\"control\":0},\"iterations\":2,\"stop_reason\":\"max-iters\"," \
	"\"progress_rate\":{\"before\":1,\"during\":1,\"after\":1},\"slowdown_pct\":0," \
	"\"verify\":\"off\",\"selfcheck_fail\":0}"
#define PREVIOUS "{\"v\":1,\"t\":9,\"src\":\"migration\",\"mig\":4,\"event\":\"previous\"," \
	"\"summary\":" SUMMARY "}"

static void test_mig_previous(void **state)
{
	struct session_rec r;

	assert_int_equal(decode(PREVIOUS, &r), 0);
	assert_int_equal(r.type, SESSION_REC_MIG_PREVIOUS);
	assert_int_equal(r.u.previous.iterations, 2);
	assert_string_equal(r.u.previous.stop_reason, "max-iters");
	assert_refused(decode_with(PREVIOUS, "summary", NULL, &r),
		       "previous: summary: not a JSON object");
	assert_int_equal(r.type, SESSION_REC_MIG_PREVIOUS);   /* what it claimed */
	assert_refused(decode_with(PREVIOUS, "summary", json_pack("{s:i, s:i, s:s}", "v", 1,
				   "t", 5, "type", "phase"), &r), "previous: summary: ");
	assert_refused(decode_with(PREVIOUS, "summary", json_pack("{s:i, s:i, s:s, s:s}", "v", 1,
				   "t", 5, "type", "phase", "phase", "done"), &r),
		       "previous: summary: not a summary");
	assert_refused(decode_with(PREVIOUS, "summary", json_pack("{s:i, s:i, s:s}", "v", 1,
				   "t", 5, "type", "summary"), &r),
		       "previous: summary: summary: \"ok\" missing");
}

#define EXIT "{\"v\":1,\"t\":9,\"src\":\"migration\",\"mig\":4,\"event\":\"exit\"," \
	"\"status\":1,\"error\":\"rank 1 lost\",\"telemetry_bad_lines\":2}"

static void test_mig_exit(void **state)
{
	struct session_rec r;
	const struct session_mig_exit *e = &r.u.exit;

	assert_int_equal(decode(EXIT, &r), 0);
	assert_int_equal(r.type, SESSION_REC_MIG_EXIT);
	assert_int_equal(e->status, 1);
	assert_string_equal(e->error, "rank 1 lost");
	assert_int_equal(e->telemetry_bad_lines, 2);
	assert_int_equal(session_log_has(r.type, e->present, "error"), 1);
	/* null and absent: no error; "" is an (empty) error */
	assert_int_equal(decode_with(EXIT, "error", json_null(), &r), 0);
	assert_int_equal(session_log_has(r.type, e->present, "error"), 0);
	assert_int_equal(decode_with(EXIT, "error", NULL, &r), 0);
	assert_int_equal(session_log_has(r.type, e->present, "error"), 0);
	assert_int_equal(decode_with(EXIT, "error", json_string(""), &r), 0);
	assert_int_equal(session_log_has(r.type, e->present, "error"), 1);
	assert_int_equal(decode_with(EXIT, "telemetry_bad_lines", NULL, &r), 0);
	assert_int_equal(session_log_has(r.type, e->present, "telemetry_bad_lines"), 0);
	assert_refused(decode_with(EXIT, "status", NULL, &r), "exit: \"status\" missing");
	assert_refused(decode_with(EXIT, "status", json_string("0"), &r),
		       "exit: \"status\" is not an integer");
	assert_refused(decode_with(EXIT, "error", json_integer(3), &r),
		       "exit: \"error\" is not a string");
	assert_refused(decode_with(EXIT, "telemetry_bad_lines", json_integer(-1), &r),
		       "exit: \"telemetry_bad_lines\" out of range");
	check_hostile(EXIT, "error", &r, r.u.exit.error, sizeof(r.u.exit.error));
}

#define OPERATOR "{\"v\":1,\"t\":9,\"src\":\"operator\",\"action\":\"theme\"," \
	"\"args\":{\"name\":\"dark\"}}"

static void test_operator(void **state)
{
	struct session_rec r;

	assert_int_equal(decode(OPERATOR, &r), 0);
	assert_int_equal(r.type, SESSION_REC_OPERATOR);
	assert_string_equal(r.u.operator.action, "theme");
	assert_int_equal(decode_with(OPERATOR, "args", NULL, &r), 0);
	assert_int_equal(decode_with(OPERATOR, "args", json_string("anything"), &r), 0);
	assert_refused(decode_with(OPERATOR, "action", NULL, &r), "operator: \"action\" missing");
	assert_refused(decode_with(OPERATOR, "action", json_integer(5), &r),
		       "operator: \"action\" is not a string");
	check_hostile(OPERATOR, "action", &r, r.u.operator.action, sizeof(r.u.operator.action));
}

#define VM_START "{\"v\":1,\"t\":9,\"src\":\"operator\",\"action\":\"vm-start\"," \
	"\"args\":{\"host\":\"hostA\",\"vm\":\"fresh\",\"image\":\"idle\",\"mem\":\"64M\"}}"
#define VM_STOP "{\"v\":1,\"t\":9,\"src\":\"operator\",\"action\":\"vm-stop\"," \
	"\"args\":{\"host\":\"hostA\",\"vm\":\"fresh\"}}"

/* The operator's actions on VMs: their arguments read and checked as
 * the VMM checks them; other actions' arguments never read. */
static void test_operator_vm(void **state)
{
	struct session_rec r;
	struct session_operator *op = &r.u.operator;

	assert_int_equal(decode(VM_START, &r), 0);
	assert_int_equal(r.type, SESSION_REC_OPERATOR);
	assert_int_equal(op->vm_action, VM_ACTION_START);
	assert_string_equal(op->host, "hostA");
	assert_string_equal(op->vm, "fresh");
	assert_string_equal(op->image, "idle");
	assert_string_equal(op->mem, "64M");
	assert_int_equal(decode(VM_STOP, &r), 0);
	assert_int_equal(op->vm_action, VM_ACTION_STOP);
	assert_string_equal(op->vm, "fresh");
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"operator\",\"action\":\"vm-pause\","
				"\"args\":{\"host\":\"h\",\"vm\":\"v\",\"junk\":[1]}}", &r), 0);
	assert_int_equal(op->vm_action, VM_ACTION_PAUSE);
	assert_int_equal(decode(OPERATOR, &r), 0);
	assert_int_equal(op->vm_action, VM_ACTION_NONE);
	/* An action that is none on a VM: its args are not read. */
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"operator\",\"action\":\"vm-destroy\","
				"\"args\":7}", &r), 0);
	assert_int_equal(op->vm_action, VM_ACTION_NONE);

	assert_refused(decode_with(VM_STOP, "args", NULL, &r), "operator vm-stop: \"args\" missing");
	assert_refused(decode_with(VM_STOP, "args", json_string("fresh"), &r),
		       "\"args\" is not an object");
	assert_refused(decode_with(VM_STOP, "args.vm", NULL, &r), "\"args.vm\" missing");
	assert_refused(decode_with(VM_STOP, "args.host", json_integer(1), &r),
		       "\"args.host\" is not a string");
	assert_refused(decode_with(VM_STOP, "args.host", json_string(""), &r), "\"host\" is empty");
	assert_refused(decode_with(VM_STOP, "args.vm", json_string("a/b"), &r), "name 'a/b'");
	assert_refused(decode_with(VM_STOP, "args.vm", json_string("a b"), &r), "name 'a b'");
	assert_refused(decode_with(VM_STOP, "args.vm", json_string(".x"), &r), "name '.x'");
	/* Too long a name is refused, not cut to one that passes. */
	assert_refused(decode_with(VM_STOP, "args.vm", json_string(
		"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"), &r),
		"use 1-64");
	assert_refused(decode_with(VM_START, "args.image", NULL, &r), "\"args.image\" missing");
	assert_refused(decode_with(VM_START, "args.image", json_string("../idle"), &r),
		       "image '../idle'");
	assert_refused(decode_with(VM_START, "args.mem", NULL, &r), "\"args.mem\" missing");
	assert_refused(decode_with(VM_START, "args.mem", json_string("abc"), &r), "'abc' is not a size");
	assert_refused(decode_with(VM_START, "args.mem", json_string("1M"), &r), "must be 4M to 3G");
	assert_refused(decode_with(VM_START, "args.mem", json_string("000000000000064MB"), &r),
		       "too long");
	assert_refused(decode_with(VM_START, "args.mem", json_integer(64), &r),
		       "\"args.mem\" is not a string");
	check_hostile(VM_STOP, "action", &r, op->action, sizeof(op->action));
}

#define VMACT_DONE "{\"v\":1,\"t\":9,\"src\":\"vmact\",\"event\":\"done\"," \
	"\"action\":\"vm-start\",\"host\":\"hostA\",\"vm\":\"fresh\"}"
#define VMACT_FAILED "{\"v\":1,\"t\":9,\"src\":\"vmact\",\"event\":\"failed\"," \
	"\"action\":\"vm-stop\",\"host\":\"hostA\",\"vm\":\"fresh\",\"error\":\"its VMM did not answer\"}"

/* What became of an action on a VM. */
static void test_vmact(void **state)
{
	struct session_rec r;
	struct session_vmact *a = &r.u.vmact;

	assert_int_equal(decode(VMACT_DONE, &r), 0);
	assert_int_equal(r.src, SESSION_SRC_VMACT);
	assert_int_equal(r.type, SESSION_REC_VMACT_DONE);
	assert_int_equal(a->vm_action, VM_ACTION_START);
	assert_string_equal(a->host, "hostA");
	assert_string_equal(a->vm, "fresh");
	assert_int_equal(session_log_skipped(&r), 0);
	/* A done record's error is not used. */
	assert_int_equal(decode_with(VMACT_DONE, "error", json_string(""), &r), 0);
	assert_int_equal(decode(VMACT_FAILED, &r), 0);
	assert_int_equal(r.type, SESSION_REC_VMACT_FAILED);
	assert_int_equal(a->vm_action, VM_ACTION_STOP);
	assert_string_equal(a->error, "its VMM did not answer");
	/* A later dsmig's event: skipped. */
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"vmact\",\"event\":\"queued\"}", &r), 0);
	assert_int_equal(session_log_skipped(&r), 1);

	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"vmact\"}", &r),
		       "vmact record without a string \"event\"");
	assert_refused(decode_with(VMACT_DONE, "action", json_string("cancel"), &r),
		       "vmact done: \"action\" is no action on a VM: cancel");
	assert_refused(decode_with(VMACT_DONE, "action", NULL, &r), "\"action\" missing");
	assert_refused(decode_with(VMACT_DONE, "vm", json_string("a;b"), &r), "name 'a;b'");
	assert_refused(decode_with(VMACT_DONE, "host", json_string(""), &r), "\"host\" is empty");
	assert_refused(decode_with(VMACT_FAILED, "error", NULL, &r),
		       "vmact failed: \"error\" missing");
	assert_refused(decode_with(VMACT_FAILED, "error", json_string(""), &r),
		       "vmact failed: \"error\" is empty");
	assert_refused(decode_with(VMACT_FAILED, "error", json_null(), &r),
		       "\"error\" is not a string");
	assert_refused(decode_with(VMACT_DONE, "error", json_integer(1), &r),
		       "\"error\" is not a string");
	check_hostile(VMACT_FAILED, "error", &r, a->error, sizeof(a->error));
	check_hostile(VMACT_FAILED, "host", &r, a->host, sizeof(a->host));
}

/* Probes and events of a later dsmig are skipped, not refused. */
static void test_unknown_types(void **state)
{
	struct session_rec r;

	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"probe\",\"probe\":\"disk\"}", &r), 0);
	assert_int_equal(r.type, SESSION_REC_UNKNOWN);
	assert_int_equal(session_log_skipped(&r), 1);
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"session\",\"event\":\"resize\"}", &r), 0);
	assert_int_equal(session_log_skipped(&r), 1);
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"migration\",\"mig\":1,"
				"\"event\":\"pause\"}", &r), 0);
	assert_int_equal(session_log_skipped(&r), 1);
	assert_int_equal(decode(OPEN, &r), 0);
	assert_int_equal(session_log_skipped(&r), 0);
	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"session\"}", &r),
		       "session record without a string \"event\"");
}

/* Web client records (src "client"), as `dsmig webclient --out` wrote
 * them under "client": a second with and without gap_ns, a summary, and
 * what is refused or skipped. */
#define CSEC(extra) "{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"second\"," \
	"\"client\":{\"v\":1,\"type\":\"webclient-second\",\"t\":1764300000000000000," \
	"\"sec\":3,\"ok\":180,\"failed\":1,\"resets\":2,\"max_latency_ns\":900000000," \
	"\"outstanding\":4" extra "}}"
#define CSUM "{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"summary\"," \
	"\"client\":{\"v\":1,\"type\":\"webclient-summary\",\"t\":1764300009000000000," \
	"\"target\":\"198.19.0.10:80\",\"conns\":8,\"rate\":200.0,\"requests\":1790," \
	"\"failed\":1,\"resets\":2,\"reconnects\":2,\"outstanding\":0," \
	"\"failed_by\":{\"status\":0,\"malformed\":0,\"timeout\":1,\"error\":0,\"connect\":0}," \
	"\"rps_mean\":198.9,\"longest_gap_ns\":1234000000,\"longest_gap_at\":1764300003100000000," \
	"\"max_latency_ns\":1250000000,\"mean_latency_ns\":2000000,\"bytes_in\":3665920," \
	"\"duration_ns\":9000000000,\"interrupted\":false}}"

static void test_client(void **state)
{
	struct session_rec r;
	const struct session_client *c = &r.u.client;

	assert_int_equal(decode(CSEC(",\"gap_ns\":1234000000"), &r), 0);
	assert_int_equal(r.src, SESSION_SRC_CLIENT);
	assert_int_equal(r.type, SESSION_REC_CLIENT_SECOND);
	assert_int_equal(session_log_skipped(&r), 0);
	assert_int_equal(c->t, 1764300000000000000);
	assert_int_equal(c->sec, 3);
	assert_int_equal(c->ok, 180);
	assert_int_equal(c->failed, 1);
	assert_int_equal(c->resets, 2);
	assert_int_equal(c->max_latency_ns, 900000000);
	assert_int_equal(c->outstanding, 4);
	assert_int_equal(c->gap_ns, 1234000000);
	assert_true(session_log_has(r.type, c->present, "client.gap_ns"));
	/* A webclient before gap_ns: read, the gap absent (not a 0). */
	assert_int_equal(decode(CSEC(""), &r), 0);
	assert_false(session_log_has(r.type, c->present, "client.gap_ns"));
	assert_int_equal(decode(CSUM, &r), 0);
	assert_int_equal(r.type, SESSION_REC_CLIENT_SUMMARY);
	assert_string_equal(c->target, "198.19.0.10:80");
	assert_int_equal(c->conns, 8);
	assert_int_equal(c->requests, 1790);
	assert_int_equal(c->longest_gap_ns, 1234000000);
	assert_int_equal(c->duration_ns, 9000000000);
	assert_false(c->interrupted);

	/* Hostile: a string where a number belongs, a negative count, a
	 * number out of range, a missing field, no object, another version,
	 * a type that is not its event's. */
	assert_refused(decode(CSEC(",\"gap_ns\":\"1.2 s\""), &r),
		       "client second: \"client.gap_ns\" is not an integer");
	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"second\","
			      "\"client\":{\"v\":1,\"type\":\"webclient-second\",\"t\":1,\"sec\":0,"
			      "\"ok\":\"many\",\"failed\":0,\"resets\":0,\"max_latency_ns\":0,"
			      "\"outstanding\":0}}", &r),
		       "\"client.ok\" is not an integer");
	assert_refused(decode(CSEC(",\"gap_ns\":-5"), &r), "\"client.gap_ns\" out of range");
	assert_refused(decode(CSEC(",\"gap_ns\":1e300"), &r), "\"client.gap_ns\" is not an integer");
	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"second\","
			      "\"client\":{\"v\":1,\"type\":\"webclient-second\",\"t\":1}}", &r),
		       "\"client.sec\" missing");
	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"second\","
			      "\"client\":[1]}", &r), "client second");
	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"second\"}", &r),
		       "\"client.v\" missing");
	{
		char text[1024];

		snprintf(text, sizeof(text), "%s", CSEC(""));
		memcpy(strstr(text, "\"client\":{\"v\":1"), "\"client\":{\"v\":2", 15);
		assert_refused(decode(text, &r), "web client record version 2 is not supported");
		snprintf(text, sizeof(text), "%s", CSEC(""));
		memcpy(strstr(text, "webclient-second"), "webclient-reques", 16);
		assert_refused(decode(text, &r), "\"client.type\" is not webclient-second");
	}
	assert_refused(decode("{\"v\":1,\"t\":9,\"src\":\"client\"}", &r),
		       "client record without a string \"event\"");
	/* A client event of a later dsmig: skipped. */
	assert_int_equal(decode("{\"v\":1,\"t\":9,\"src\":\"client\",\"event\":\"request\"}",
				&r), 0);
	assert_int_equal(session_log_skipped(&r), 1);
}

/* A line holding a NUL byte is refused as such, and the next line read. */
static void test_nul_line(void **state)
{
	static const char text[] =
		"{\"v\":1,\"t\":1,\"src\":\"session\",\"event\":\"close\"}\n"
		"{\"v\":1,\"t\":2,\"src\":\"session\"\0,\"event\":\"close\"}\n"
		"{\"v\":1,\"t\":3,\"src\":\"session\",\"event\":\"close\"}\n";
	struct session_log l;
	char path[64];

	write_log(path, text, sizeof(text) - 1);
	assert_int_equal(session_log_load(&l, path, why, sizeof(why)), 0);
	assert_int_equal(l.lines, 3);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.bad, 1);
	assert_int_equal(l.first_bad, 2);
	assert_string_equal(l.first_bad_why, "line holds a NUL byte");
	assert_true(session_log_time(&l, 1) == 3e-9);
	session_log_free(&l);
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
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_vm_probe),
		cmocka_unit_test(test_net_probe),
		cmocka_unit_test(test_mig_start),
		cmocka_unit_test(test_mig_previous),
		cmocka_unit_test(test_mig_exit),
		cmocka_unit_test(test_operator),
		cmocka_unit_test(test_operator_vm),
		cmocka_unit_test(test_vmact),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_nul_line),
		cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

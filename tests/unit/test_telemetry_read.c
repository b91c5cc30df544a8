/* Unit tests: the engine telemetry reader (common/telemetry_read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/fields.h"
#include "common/text.h"
#include "common/telemetry_read.h"
#include "ui/model.h"

static char why[256];

/* Decode one JSON text; returns telemetry_read_decode's result. */
static int decode(const char *text, struct tel_event *ev)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	why[0] = '\0';
	rc = telemetry_read_decode(j, ev, why, sizeof(why));
	json_decref(j);
	return rc;
}

#define HDR "\"v\":1,\"t\":1764300000000000000,"

static const char round_dsm[] = "{" HDR "\"type\":\"iteration\",\"round\":3,\"kind\":\"precopy\","
	"\"pages_in_set\":5,\"pages_sent\":5,\"zero_pages\":1,\"payload_bytes\":20480,"
	"\"header_bytes\":80,\"bytes\":20560,\"duration_ns\":500000000,\"dirtied_pages\":300,"
	"\"dirty_rate_pps\":600.0,\"hot_deferred\":260}";

static const char summary_pull[] = "{" HDR "\"type\":\"summary\",\"ok\":true,"
	"\"total_time_ns\":8000000000,\"downtime_ns\":40000000,\"guest_downtime_ns\":43000000,"
	"\"bytes_total\":70000000,\"bytes\":{\"rounds\":69000000,\"state\":500000,\"verify\":0,"
	"\"control\":2000,\"postcopy\":497000},\"iterations\":5,\"stop_reason\":\"only-hot-pages-left\","
	"\"progress_rate\":{\"before\":400.0,\"during\":350,\"after\":398.5},\"slowdown_pct\":-12.5,"
	"\"verify\":\"clean\",\"selfcheck_fail\":0,\"postcopy\":{\"missing_pages\":300,\"faults\":20,"
	"\"pulled_pages\":20,\"pushed_pages\":280,\"fault_median_ns\":15000000,"
	"\"fault_max_ns\":40000000,\"resident_ns\":400000000}}";

/* Replace the first occurrence of from in base with to. */
static char *edit(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(base) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, base, (size_t)(at - base));
	strcpy(out + (at - base), to);
	strcat(out, at + strlen(from));
	return out;
}

static void test_start(void **state)
{
	struct tel_event ev;

	assert_int_equal(decode("{" HDR "\"type\":\"start\",\"vm\":\"cpu1\",\"method\":\"dsm\","
		"\"hv\":\"kvm\",\"src\":\"/run/a\",\"dst\":\"/run/b\",\"ranks\":2,"
		"\"bandwidth_bps\":12000000.0,\"mem_bytes\":67108864,\"vcpus\":1,\"max_iters\":5,"
		"\"target_dirty\":50,\"verify\":false,\"hot_window\":4,\"hot_threshold\":2,"
		"\"compress\":true,\"delta\":false,\"new_field\":[1,2]}", &ev), 0);
	assert_int_equal(ev.type, TEL_START);
	assert_true(ev.t == INT64_C(1764300000000000000));
	assert_string_equal(ev.u.start.vm, "cpu1");
	assert_string_equal(ev.u.start.dst, "/run/b");
	assert_int_equal(ev.u.start.ranks, 2);
	assert_true(ev.u.start.bandwidth_bps == 12e6);
	assert_int_equal(ev.u.start.compress, 1);
	assert_int_equal(ev.u.start.delta, 0);
	/* An older engine's start: no dsm or codec fields. */
	assert_int_equal(decode("{" HDR "\"type\":\"start\",\"vm\":\"x\",\"method\":\"precopy\","
		"\"hv\":\"kvm\",\"src\":\"a\",\"dst\":\"b\",\"ranks\":2,\"bandwidth_bps\":0,"
		"\"mem_bytes\":4096,\"vcpus\":1,\"max_iters\":5,\"target_dirty\":50,\"verify\":true}",
		&ev), 0);
	assert_int_equal(ev.u.start.compress, -1);
	assert_int_equal(ev.u.start.hot_window, 0);
	assert_int_equal(ev.u.start.verify, 1);
}

static void test_phases(void **state)
{
	struct tel_event ev;

	assert_int_equal(decode("{" HDR "\"type\":\"phase\",\"phase\":\"stop-and-copy\","
		"\"reason\":\"only-hot-pages-left\",\"hot_pages\":260}", &ev), 0);
	assert_int_equal(ev.type, TEL_PHASE);
	assert_int_equal(ev.u.phase.phase, TEL_PHASE_STOP_AND_COPY);
	assert_string_equal(ev.u.phase.reason, "only-hot-pages-left");
	assert_int_equal(ev.u.phase.hot_pages, 260);
	assert_int_equal(decode("{" HDR "\"type\":\"phase\",\"phase\":\"resumed\","
		"\"downtime_ns\":150000000,\"guest_downtime_ns\":153000000}", &ev), 0);
	assert_int_equal(ev.u.phase.phase, TEL_PHASE_RESUMED);
	assert_true(ev.u.phase.downtime_ns == 150000000);
	assert_int_equal(decode("{" HDR "\"type\":\"phase\",\"phase\":\"failed\","
		"\"error\":\"rank 1 gone\",\"source_running\":true}", &ev), 0);
	assert_int_equal(ev.u.phase.phase, TEL_PHASE_FAILED);
	assert_string_equal(ev.u.phase.error, "rank 1 gone");
	assert_int_equal(ev.u.phase.source_running, 1);
	assert_int_equal(decode("{" HDR "\"type\":\"phase\",\"phase\":\"post-copy\","
		"\"missing_pages\":300}", &ev), 0);
	assert_int_equal(ev.u.phase.phase, TEL_PHASE_POST_COPY);
	assert_int_equal(ev.u.phase.source_running, -1);
	assert_string_equal(telemetry_read_phase_name(TEL_PHASE_SWITCH_OVER), "switch-over");
	assert_string_equal(telemetry_read_phase_name(TEL_PHASE_UNKNOWN), "?");
}

static void test_round_progress_postcopy(void **state)
{
	struct tel_event ev;

	assert_int_equal(decode(round_dsm, &ev), 0);
	assert_int_equal(ev.type, TEL_ROUND);
	assert_int_equal(ev.u.round.round, 3);
	assert_int_equal(ev.u.round.final, 0);
	assert_int_equal(ev.u.round.pages_sent, 5);
	assert_int_equal(ev.u.round.hot_deferred, 260);
	assert_true(ev.u.round.dirty_rate_pps == 600.0);
	assert_int_equal(decode("{" HDR "\"type\":\"sample\",\"phase\":\"precopy\",\"round\":1,"
		"\"bytes\":1500000,\"rate_bps\":11900000.0,\"dirty_pages\":300,\"vcpu_pct\":75,"
		"\"progress\":2000}", &ev), 0);
	assert_int_equal(ev.type, TEL_PROGRESS);
	assert_int_equal(ev.u.progress.phase, TEL_PHASE_PRECOPY);
	assert_int_equal(ev.u.progress.bytes, 1500000);
	assert_true(ev.u.progress.vcpu_pct == 75.0);
	/* A sample in a phase of a later engine still reads. */
	assert_int_equal(decode("{" HDR "\"type\":\"sample\",\"phase\":\"warp\",\"round\":1,"
		"\"bytes\":1,\"rate_bps\":1,\"dirty_pages\":1,\"vcpu_pct\":1,\"progress\":1}", &ev), 0);
	assert_int_equal(ev.u.progress.phase, TEL_PHASE_UNKNOWN);
	assert_int_equal(decode("{" HDR "\"type\":\"postcopy\",\"missing_pages\":300,"
		"\"sent_pages\":120,\"pushed_pages\":100,\"pulled_pages\":20,\"faults\":20,"
		"\"bytes\":500000}", &ev), 0);
	assert_int_equal(ev.type, TEL_POSTCOPY);
	assert_int_equal(ev.u.postcopy.sent_pages, 120);
}

static void test_summary(void **state)
{
	struct tel_event ev;
	char *text;

	assert_int_equal(decode(summary_pull, &ev), 0);
	assert_int_equal(ev.type, TEL_SUMMARY);
	assert_int_equal(ev.u.summary.ok, 1);
	assert_true(ev.u.summary.downtime_ns == 40000000);
	assert_true(ev.u.summary.bytes.postcopy == 497000);
	assert_true(ev.u.summary.progress_rate.during == 350.0);
	assert_true(ev.u.summary.slowdown_pct == -12.5);
	assert_string_equal(ev.u.summary.verify, "clean");
	assert_int_equal(ev.u.summary.has_postcopy, 1);
	assert_true(ev.u.summary.postcopy.resident_ns == 400000000);
	/* A downtime spans two hosts' clocks: a skew may make it negative. */
	text = edit(summary_pull, "\"downtime_ns\":40000000", "\"downtime_ns\":-3000");
	assert_int_equal(decode(text, &ev), 0);
	assert_true(ev.u.summary.downtime_ns == -3000);
	free(text);
	/* selfcheck_fail is the guest's counter: a guest that writes 2^63 or
	 * more (cast to a negative json_int_t) or 2^60 does not get the
	 * summary refused, and the verdict with it. */
	text = edit(summary_pull, "\"selfcheck_fail\":0", "\"selfcheck_fail\":-5");
	assert_int_equal(decode(text, &ev), 0);
	assert_true(ev.u.summary.selfcheck_fail == FIELD_INT_MAX);
	free(text);
	text = edit(summary_pull, "\"selfcheck_fail\":0", "\"selfcheck_fail\":1152921504606846976");
	assert_int_equal(decode(text, &ev), 0);
	assert_true(ev.u.summary.selfcheck_fail == FIELD_INT_MAX);
	free(text);
}

/* Optional fields a record lacked are told apart from measured zeros. */
static void test_summary_has(void **state)
{
	struct tel_event ev;
	char *text;

	assert_int_equal(decode(summary_pull, &ev), 0);
	assert_true(telemetry_read_summary_has(&ev.u.summary, "postcopy.fault_median_ns"));
	assert_true(telemetry_read_summary_has(&ev.u.summary, "total_time_ns"));
	assert_false(telemetry_read_summary_has(&ev.u.summary, "no.such_field"));
	text = edit(summary_pull, "\"fault_median_ns\":15000000,", "");
	assert_int_equal(decode(text, &ev), 0);
	assert_false(telemetry_read_summary_has(&ev.u.summary, "postcopy.fault_median_ns"));
	assert_true(telemetry_read_summary_has(&ev.u.summary, "postcopy.fault_max_ns"));
	free(text);
}

static void test_tally_text(void **state)
{
	struct tel_tally tl = { 0 };
	struct tel_event ev = { .type = TEL_UNKNOWN };
	char buf[256];

	telemetry_read_tally_text(&tl, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(telemetry_read_tally(&tl, -1, &ev, "round: \"x\" missing"), 0);
	assert_int_equal(telemetry_read_tally(&tl, 0, &ev, ""), 0);
	tl.bad_lines = 2;
	telemetry_read_tally_text(&tl, buf, sizeof(buf));
	assert_string_equal(buf, "2 bad lines, 1 refused (round: \"x\" missing), "
			    "1 of unknown types skipped");
	telemetry_read_tally_text(&tl, buf, 8);    /* bounded */
	assert_string_equal(buf, "2 bad l");
}

/* Copies stay valid UTF-8: truncation never splits a character, C1
 * controls (U+009B is CSI) and malformed bytes become '?'. */
static void test_text_utf8(void **state)
{
	char buf[8];

	text_clean(buf, sizeof(buf), "ab\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_string_equal(buf, "ab\xc3\xa9\xc3\xa9");       /* not "ab" + 2.5 */
	text_clean(buf, sizeof(buf), "\xc2\x9b" "1m\x1b" "x");
	assert_string_equal(buf, "?1m?x");
	text_clean(buf, sizeof(buf), "\xa9\xc3" "a\xe2\x82");
	assert_string_equal(buf, "??a??");
	text_clean(buf, sizeof(buf), "\xe2\x82\xac\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_string_equal(buf, "\xe2\x82\xac\xe2\x82\xac");  /* the emoji does not fit */
}

/* Version 2: the guest's numbers, and null (n/a) where unknown. */
static void test_summary_v2_guest(void **state)
{
	struct tel_event ev;
	char *known = edit(summary_pull, "\"v\":1,", "\"v\":2,");
	char *text = edit(known, "\"ok\":true,", "\"ok\":true,\"guest_stall_ns\":900000000,"
			  "\"guest_stall_hb_ns\":905000000,\"degraded_ns\":1200000000,"
			  "\"degraded_window_ns\":100000000,\"guest_na\":null,");
	char *none;

	assert_int_equal(decode(text, &ev), 0);
	assert_true(ev.u.summary.guest_stall_ns == 900000000);
	assert_true(ev.u.summary.guest_stall_hb_ns == 905000000);
	assert_true(ev.u.summary.degraded_ns == 1200000000);
	assert_true(telemetry_read_summary_has(&ev.u.summary, "degraded_ns"));
	assert_false(telemetry_read_summary_has(&ev.u.summary, "guest_na"));
	free(text);
	/* A guest without counters: nulls, and the reason. */
	text = edit(known, "\"guest_downtime_ns\":43000000", "\"guest_downtime_ns\":null,"
		    "\"guest_stall_ns\":null,\"degraded_ns\":null,\"guest_na\":\"no counters\"");
	none = edit(text, "\"before\":400.0", "\"before\":null");
	assert_int_equal(decode(none, &ev), 0);
	assert_false(telemetry_read_summary_has(&ev.u.summary, "guest_downtime_ns"));
	assert_false(telemetry_read_summary_has(&ev.u.summary, "guest_stall_ns"));
	assert_false(telemetry_read_summary_has(&ev.u.summary, "degraded_ns"));
	assert_false(telemetry_read_summary_has(&ev.u.summary, "progress_rate.before"));
	assert_true(telemetry_read_summary_has(&ev.u.summary, "progress_rate.during"));
	assert_string_equal(ev.u.summary.guest_na, "no counters");
	free(none);
	free(text);
	/* A null is no license for another type. */
	text = edit(known, "\"ok\":true,", "\"ok\":true,\"degraded_ns\":\"long\",");
	assert_int_equal(decode(text, &ev), -1);
	free(text);
	free(known);
}

static void test_version_refused(void **state)
{
	struct tel_event ev;

	assert_int_equal(decode("{\"v\":3,\"t\":1,\"type\":\"summary\"}", &ev), -1);
	assert_non_null(strstr(why, "version 3 is not supported"));
	assert_int_equal(decode("{\"v\":\"1\",\"t\":1,\"type\":\"phase\",\"phase\":\"done\"}", &ev), -1);
	assert_non_null(strstr(why, "\"v\""));
	assert_int_equal(decode("{\"t\":1,\"type\":\"phase\",\"phase\":\"done\"}", &ev), -1);
}

static void test_unknown_skipped(void **state)
{
	struct tel_tally tl = { 0 };
	struct tel_event ev;
	int rc;

	rc = decode("{" HDR "\"type\":\"hologram\",\"x\":1}", &ev);
	assert_int_equal(rc, 0);
	assert_int_equal(ev.type, TEL_UNKNOWN);
	assert_int_equal(telemetry_read_tally(&tl, rc, &ev, why), 0);
	rc = decode("{" HDR "\"type\":\"phase\",\"phase\":\"teleport\"}", &ev);
	assert_int_equal(rc, 0);
	assert_int_equal(ev.type, TEL_UNKNOWN);
	assert_int_equal(telemetry_read_tally(&tl, rc, &ev, why), 0);
	rc = decode(round_dsm, &ev);
	assert_int_equal(telemetry_read_tally(&tl, rc, &ev, why), 1);
	rc = decode("[1,2]", &ev);
	assert_int_equal(telemetry_read_tally(&tl, rc, &ev, why), 0);
	assert_int_equal(tl.skipped, 2);
	assert_int_equal(tl.decoded, 1);
	assert_int_equal(tl.refused, 1);
	assert_string_equal(tl.first_refused, "not a JSON object");
}

static void expect_refused(const char *base, const char *from, const char *to,
			   const char *reason)
{
	struct tel_event ev;
	char *text = edit(base, from, to);

	assert_int_equal(decode(text, &ev), -1);
	if (!strstr(why, reason))
		fail_msg("%s: why is \"%s\", expected \"%s\"", text, why, reason);
	free(text);
}

static void test_malformed(void **state)
{
	struct tel_event ev;

	assert_int_equal(decode("\"iteration\"", &ev), -1);
	expect_refused(round_dsm, "\"pages_sent\":5", "\"pages_sent\":\"5\"",
		       "\"pages_sent\" is not an integer");
	expect_refused(round_dsm, "\"pages_sent\":5", "\"pages_sent\":5.5",
		       "\"pages_sent\" is not an integer");
	expect_refused(round_dsm, "\"hot_deferred\":260", "\"hot_deferred\":-260",
		       "\"hot_deferred\" out of range");
	expect_refused(round_dsm, "\"bytes\":20560", "\"bytes\":1152921504606846976",
		       "\"bytes\" out of range");
	expect_refused(round_dsm, "\"round\":3", "\"round\":4294967296", "\"round\" out of range");
	expect_refused(round_dsm, "\"duration_ns\":500000000,", "", "\"duration_ns\" missing");
	expect_refused(round_dsm, "\"kind\":\"precopy\"", "\"kind\":\"sideways\"", "unknown kind");
	expect_refused(round_dsm, "\"kind\":\"precopy\"", "\"kind\":7", "\"kind\" is not a string");
	expect_refused(round_dsm, "\"dirty_rate_pps\":600.0", "\"dirty_rate_pps\":null",
		       "\"dirty_rate_pps\" is not a number");
	expect_refused(summary_pull, "\"ok\":true", "\"ok\":1", "\"ok\" is not a boolean");
	expect_refused(summary_pull, "\"bytes\":{", "\"bytes\":7,\"x\":{",
		       "\"bytes\" is not an object");
	expect_refused(summary_pull, "\"postcopy\":{\"missing", "\"postcopy\":[],\"y\":{\"missing",
		       "\"postcopy\" is not an object");
	expect_refused(summary_pull, "\"stop_reason\":\"only-hot-pages-left\",", "",
		       "\"stop_reason\" missing");
	expect_refused(round_dsm, HDR, "\"v\":1,\"t\":-5,", "time \"t\"");
	expect_refused(round_dsm, "\"type\":\"iteration\"", "\"type\":3", "\"type\"");
}

/* pre, n copies of fill, post, in a new buffer. */
static char *huge(const char *pre, size_t n, char fill, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *text = malloc(a + n + b + 1);

	assert_non_null(text);
	memcpy(text, pre, a);
	memset(text + a, fill, n);
	memcpy(text + a + n, post, b + 1);
	return text;
}

static void test_huge_strings(void **state)
{
	struct tel_event ev;
	char *text;

	/* A 1 MiB error with a terminal escape: truncated, the escape defused. */
	text = huge("{" HDR "\"type\":\"phase\",\"phase\":\"failed\",\"error\":\"AB\\u001b[2J",
		    1 << 20, '0', "\"}");
	assert_int_equal(decode(text, &ev), 0);
	assert_int_equal(strlen(ev.u.phase.error), sizeof(ev.u.phase.error) - 1);
	assert_memory_equal(ev.u.phase.error, "AB?[2J000", 9);
	free(text);
	/* A huge VM name is cut to the struct's buffer. */
	text = huge("{" HDR "\"type\":\"start\",\"vm\":\"", 1 << 20, 'v',
		    "\",\"method\":\"dsm\",\"hv\":\"kvm\",\"src\":\"a\",\"dst\":\"b\","
		    "\"ranks\":2,\"bandwidth_bps\":0,\"mem_bytes\":4096,\"vcpus\":1,"
		    "\"max_iters\":5,\"target_dirty\":50,\"verify\":true}");
	assert_int_equal(decode(text, &ev), 0);
	assert_int_equal(strlen(ev.u.start.vm), sizeof(ev.u.start.vm) - 1);
	free(text);
	/* A huge phase name is just unknown; a huge kind is refused, and the
	 * reason stays bounded. */
	text = huge("{" HDR "\"type\":\"phase\",\"phase\":\"", 1 << 20, 'x', "\"}");
	assert_int_equal(decode(text, &ev), 0);
	assert_int_equal(ev.type, TEL_UNKNOWN);
	free(text);
	text = huge("{" HDR "\"type\":\"iteration\",\"kind\":\"", 1 << 20, 'x', "\"}");
	assert_int_equal(decode(text, &ev), -1);
	assert_non_null(strstr(why, "unknown kind"));
	assert_true(strlen(why) < 100);
	free(text);
	/* The reason is printed: a kind's escapes do not reach it. */
	assert_int_equal(decode("{" HDR "\"type\":\"iteration\",\"kind\":\"\\u001b[2J\"}", &ev),
			 -1);
	assert_string_equal(why, "iteration: unknown kind \"?[2J\"");
}

/* Apply a session record given as JSON text to m. */
static void apply(struct model *m, const char *text)
{
	json_t *rec = json_loads(text, 0, NULL);

	assert_non_null(rec);
	model_apply(m, rec);
	json_decref(rec);
}

static void test_dirty_pages_do_not_wrap(void **state)
{
	struct tel_event ev;
	struct model *m = calloc(1, sizeof(*m));
	int64_t sent, deferred;
	char rec[1024];

	assert_int_equal(decode(round_dsm, &ev), 0);
	telemetry_read_round_pages(&ev.u.round, &sent, &deferred);
	assert_int_equal(sent, 5);
	assert_int_equal(deferred, 260);

	assert_non_null(m);
	model_init(m);
	apply(m, "{\"v\":1,\"t\":1764300000000000000,\"src\":\"migration\",\"mig\":1,"
	      "\"event\":\"start\",\"vm\":\"cpu1\",\"from\":\"hostA\",\"to\":\"hostB\","
	      "\"method\":\"dsm\",\"bandwidth\":\"12M\",\"ranks\":2,"
	      "\"max_iters\":5,\"verify\":false}");
	snprintf(rec, sizeof(rec), "{\"v\":1,\"t\":1764300000100000000,\"src\":\"engine\","
		 "\"mig\":1,\"ev\":%s}", round_dsm);
	apply(m, rec);
	assert_int_equal(m->tally.refused, 0);
	assert_int_equal(m->mig.nr_rounds, 1);
	/* The chart's two bars, as the console draws them: 5 sent, 260
	 * held back (it drew pages_sent - hot_deferred, unsigned: 2^64 - 255). */
	assert_int_equal(m->mig.rounds[0].pages_sent, 5);
	assert_int_equal(m->mig.rounds[0].hot_deferred, 260);
	/* A negative count is refused, never stored. */
	memcpy(strstr(rec, "\"hot_deferred\":260"), "\"hot_deferred\":-26", 18);
	apply(m, rec);
	assert_int_equal(m->tally.refused, 1);
	assert_int_equal(m->mig.nr_rounds, 1);
	free(m);
}

/* Names the VM list draws are cleaned like the migration's: a replayed
 * log's escapes and newlines never reach the screen. */
static void test_model_names_cleaned(void **state)
{
	struct model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	model_init(m);
	apply(m, "{\"v\":1,\"t\":1764300000000000000,\"src\":\"session\",\"event\":\"open\","
	      "\"mode\":\"live\",\"cap_bps\":0,"
	      "\"hosts\":[{\"name\":\"a\\u001b[2Jb\",\"runtime\":\"/r\"}]}");
	apply(m, "{\"v\":1,\"t\":1764300000000000001,\"src\":\"probe\",\"probe\":\"vm\","
	      "\"host\":\"h\\n1\",\"vm\":\"v\\u009b1\",\"state\":\"running\",\"vcpus\":1}");
	apply(m, "{\"v\":1,\"t\":1764300000000000002,\"src\":\"probe\",\"probe\":\"vm\","
	      "\"host\":\"h\\n1\",\"vm\":\"v\\u009b1\",\"state\":\"running\",\"vcpus\":1}");
	apply(m, "{\"v\":1,\"t\":1764300000000000003,\"src\":\"operator\",\"action\":\"x\\ry\"}");
	assert_string_equal(m->hosts[0], "a?[2Jb");
	assert_int_equal(m->nr_vms, 1);              /* found again, not added twice */
	assert_string_equal(m->vms[0].host, "h?1");
	assert_string_equal(m->vms[0].name, "v?1");
	assert_non_null(strstr(model_log_line(m, 0), "operator: x?y"));
	free(m);
}

/* The model keeps the summary typed, and reads a previous run's summary
 * (as the engine wrote it) with the same reader. */
static void test_model_summary(void **state)
{
	struct model *m = calloc(1, sizeof(*m));
	char rec[2048];

	assert_non_null(m);
	model_init(m);
	apply(m, "{\"v\":1,\"t\":1764300000000000000,\"src\":\"migration\",\"mig\":1,"
	      "\"event\":\"start\",\"vm\":\"cpu1\",\"from\":\"hostA\",\"to\":\"hostB\","
	      "\"method\":\"dsm-pull\",\"bandwidth\":\"12M\",\"ranks\":2,"
	      "\"max_iters\":5,\"verify\":false}");
	/* A previous summary that is not one is refused and counted. */
	apply(m, "{\"v\":1,\"t\":1764300000000000001,\"src\":\"migration\",\"mig\":1,"
	      "\"event\":\"previous\",\"summary\":{\"v\":1,\"t\":5,\"type\":\"summary\"}}");
	assert_int_equal(m->has_prev, 0);
	assert_int_equal(m->tally.refused, 1);
	snprintf(rec, sizeof(rec), "{\"v\":1,\"t\":1764300000000000002,\"src\":\"migration\","
		 "\"mig\":1,\"event\":\"previous\",\"summary\":%s}", summary_pull);
	apply(m, rec);
	assert_int_equal(m->has_prev, 1);
	assert_true(m->prev_summary.downtime_ns == 40000000);
	snprintf(rec, sizeof(rec), "{\"v\":1,\"t\":1764300000100000000,\"src\":\"engine\","
		 "\"mig\":1,\"ev\":%s}", summary_pull);
	apply(m, rec);
	assert_int_equal(m->mig.has_summary, 1);
	assert_true(m->mig.summary.total_time_ns == 8000000000);
	apply(m, "{\"v\":1,\"t\":1764300000200000000,\"src\":\"migration\",\"mig\":1,"
	      "\"event\":\"exit\",\"status\":0,\"telemetry_bad_lines\":3}");
	assert_int_equal(m->tally.bad_lines, 3);
	apply(m, "{\"v\":1,\"t\":1764300000300000000,\"src\":\"later\"}");
	assert_int_equal(m->tally.skipped, 1);
	/* The next migration of the same VM and method compares with it. */
	apply(m, "{\"v\":1,\"t\":1764300000400000000,\"src\":\"migration\",\"mig\":2,"
	      "\"event\":\"start\",\"vm\":\"cpu1\",\"from\":\"hostB\",\"to\":\"hostA\","
	      "\"method\":\"dsm-pull\",\"bandwidth\":\"12M\",\"ranks\":2,"
	      "\"max_iters\":5,\"verify\":false}");
	assert_int_equal(m->has_prev, 1);
	assert_true(m->prev_summary.total_time_ns == 8000000000);
	assert_int_equal(m->mig.has_summary, 0);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_round_progress_postcopy),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_has),
		cmocka_unit_test(test_tally_text),
		cmocka_unit_test(test_text_utf8),
		cmocka_unit_test(test_summary_v2_guest),
		cmocka_unit_test(test_version_refused),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_strings),
		cmocka_unit_test(test_dirty_pages_do_not_wrap),
		cmocka_unit_test(test_model_summary),
		cmocka_unit_test(test_model_names_cleaned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

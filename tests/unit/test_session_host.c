/* Unit tests: the host probe's session record (common/session_log), as the
 * reader checks it and as the console's model keeps it (ui/model), and the
 * model's bounded history of finished migrations. */
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

static char why[512];

static int decode(const char *text, struct session_rec *r)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(j);
	why[0] = '\0';
	rc = session_log_decode(j, r, why, sizeof(why));
	json_decref(j);
	return rc;
}

#define HOST(fields) "{\"v\":1,\"t\":7,\"src\":\"probe\",\"probe\":\"host\"," fields "}"
#define GOOD "\"host\":\"hostA\",\"hv\":\"kvm\",\"link\":\"12 Mbit/s lab link\""

static void test_decode(void **state)
{
	struct session_rec r;
	const struct session_host_stats *h = &r.u.host;

	assert_int_equal(decode(HOST(GOOD ",\"cpu_pct\":23.5,\"mem_used\":1048576,"
				     "\"mem_total\":4194304,\"link_bps\":12000000,\"shared\":true"),
				&r), 0);
	assert_int_equal(r.type, SESSION_REC_HOST);
	assert_string_equal(h->host, "hostA");
	assert_string_equal(h->hv, "kvm");
	assert_string_equal(h->link, "12 Mbit/s lab link");
	assert_true(h->cpu_pct == 23.5);
	assert_int_equal(h->mem_used, 1048576);
	assert_int_equal(h->mem_total, 4194304);
	assert_true(h->link_bps == 12e6);
	assert_int_equal(h->shared, 1);
	assert_int_equal(session_log_has(r.type, h->present, "cpu_pct"), 1);
	/* The first sample has no CPU % yet, a loopback host no rate: absent,
	 * never a 0 that was measured. */
	assert_int_equal(decode(HOST(GOOD), &r), 0);
	assert_int_equal(session_log_has(r.type, h->present, "cpu_pct"), 0);
	assert_int_equal(session_log_has(r.type, h->present, "mem_total"), 0);
	assert_int_equal(session_log_has(r.type, h->present, "link_bps"), 0);
	assert_int_equal(session_log_has(r.type, h->present, "unreachable"), 0);
	assert_string_equal(h->unreachable, "");
	/* An ssh host whose connection is down: ssh's reason. */
	assert_int_equal(decode(HOST(GOOD ",\"unreachable\":\"ssh: connect to host 198.18.0.2 "
				     "port 22: Connection refused\""), &r), 0);
	assert_string_equal(h->unreachable, "ssh: connect to host 198.18.0.2 port 22: "
			    "Connection refused");
}

static void refused(const char *text, const char *reason)
{
	struct session_rec r;

	assert_int_equal(decode(text, &r), -1);
	if (!strstr(why, reason))
		fail_msg("%s: refused with \"%s\", not \"%s\"", text, why, reason);
}

static void test_hostile(void **state)
{
	refused(HOST("\"hv\":\"kvm\",\"link\":\"x\""), "\"host\"");
	refused(HOST("\"host\":\"a\",\"link\":\"x\""), "\"hv\"");
	refused(HOST("\"host\":\"a\",\"hv\":\"kvm\""), "\"link\"");
	refused(HOST("\"host\":7,\"hv\":\"kvm\",\"link\":\"x\""), "\"host\" is not a string");
	refused(HOST(GOOD ",\"cpu_pct\":\"12\""), "\"cpu_pct\" is not a number");
	refused(HOST(GOOD ",\"cpu_pct\":-1"), "\"cpu_pct\" out of range");
	refused(HOST(GOOD ",\"cpu_pct\":100.5"), "\"cpu_pct\" out of range");
	refused(HOST(GOOD ",\"mem_used\":-5,\"mem_total\":10"), "\"mem_used\" out of range");
	refused(HOST(GOOD ",\"mem_used\":1.5,\"mem_total\":10"), "\"mem_used\" is not an integer");
	refused(HOST(GOOD ",\"mem_used\":11,\"mem_total\":10"), "\"mem_used\" above \"mem_total\"");
	refused(HOST(GOOD ",\"mem_used\":1"), "\"mem_used\" without \"mem_total\"");
	refused(HOST(GOOD ",\"mem_total\":99999999999999999"), "\"mem_total\" out of range");
	refused(HOST(GOOD ",\"link_bps\":0"), "\"link_bps\" out of range");
	refused(HOST(GOOD ",\"link_bps\":-12e6"), "\"link_bps\" out of range");
	refused(HOST(GOOD ",\"link_bps\":1e13"), "\"link_bps\" out of range");
	refused(HOST(GOOD ",\"shared\":1"), "\"shared\" is not a boolean");
	refused(HOST(GOOD ",\"unreachable\":true"), "\"unreachable\" is not a string");
	refused(HOST(GOOD ",\"unreachable\":\"\""), "\"unreachable\" is empty");
}

static void test_long_text_is_cut(void **state)
{
	char text[1024], name[300];
	struct session_rec r;

	memset(name, 'h', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text), HOST("\"host\":\"%s\",\"hv\":\"kvm\\u0007\",\"link\":\"x\""),
		 name);
	assert_int_equal(decode(text, &r), 0);
	assert_int_equal(strlen(r.u.host.host), sizeof(r.u.host.host) - 1);
	assert_string_equal(r.u.host.hv, "kvm?");   /* a control character, cleaned */
	/* ssh's reason comes from another machine: cut and cleaned too. */
	memset(name, 'r', sizeof(name) - 1);
	snprintf(text, sizeof(text), HOST(GOOD ",\"unreachable\":\"\\u001b[2J%s\""), name);
	assert_int_equal(decode(text, &r), 0);
	assert_int_equal(strlen(r.u.host.unreachable), sizeof(r.u.host.unreachable) - 1);
	assert_int_equal(r.u.host.unreachable[0], '?');
}

static void apply(struct model *m, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	model_apply(m, j);
	json_decref(j);
}

#define OPEN "{\"v\":1,\"t\":1,\"src\":\"session\",\"event\":\"open\",\"mode\":\"live\"," \
	"\"hosts\":[{\"name\":\"hostA\",\"runtime\":\"/a\"},{\"name\":\"hostB\",\"runtime\":\"/b\"}]," \
	"\"cap_bps\":12000000}"

static void test_model_hosts(void **state)
{
	struct model *m = malloc(sizeof(*m));

	assert_non_null(m);
	model_init(m);
	apply(m, OPEN);
	assert_int_equal(m->host_info[1].has_probe, 0);
	apply(m, HOST("\"host\":\"hostB\",\"hv\":\"kvm\",\"link\":\"loopback (unshaped)\","
		      "\"mem_used\":1048576,\"mem_total\":2097152,\"shared\":true"));
	assert_int_equal(m->host_info[1].has_probe, 1);
	assert_true(m->host_info[1].cpu_pct < 0);          /* n/a */
	assert_int_equal(m->host_info[1].mem_total, 2097152);
	assert_string_equal(m->host_info[1].link, "loopback (unshaped)");
	assert_int_equal(m->host_info[0].has_probe, 0);
	assert_int_equal(model_host_vms(m, "hostB"), 0);
	apply(m, "{\"v\":1,\"t\":2,\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"hostA\","
		 "\"vm\":\"idle\",\"state\":\"running\"}");
	apply(m, "{\"v\":1,\"t\":2,\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"hostA\","
		 "\"vm\":\"old\",\"state\":\"gone\"}");
	assert_int_equal(model_host_vms(m, "hostA"), 1);
	/* A host the open record did not name joins the list. */
	apply(m, HOST("\"host\":\"hostC\",\"hv\":\"xen\",\"link\":\"x\",\"cpu_pct\":50"));
	assert_int_equal(m->nr_hosts, 3);
	assert_int_equal(model_host(m, "hostC"), 2);
	assert_true(m->host_info[2].cpu_pct == 50);
	/* A refused record changes nothing. */
	apply(m, HOST("\"host\":\"hostC\",\"hv\":\"xen\",\"link\":\"x\",\"cpu_pct\":500"));
	assert_true(m->host_info[2].cpu_pct == 50);
	free(m);
}

/* Migration id of vm: start, one round, a summary, exit with status. */
static void migration(struct model *m, int id, const char *vm, int status)
{
	char text[1024];
	long long t = 10 + id * 10;

	snprintf(text, sizeof(text), "{\"v\":1,\"t\":%lld,\"src\":\"migration\",\"mig\":%d,"
		 "\"event\":\"start\",\"vm\":\"%s\",\"from\":\"hostA\",\"to\":\"hostB\","
		 "\"method\":\"precopy\",\"bandwidth\":\"100M\",\"ranks\":2,\"max_iters\":5,"
		 "\"verify\":false}", t, id, vm);
	apply(m, text);
	snprintf(text, sizeof(text), "{\"v\":1,\"t\":%lld,\"src\":\"engine\",\"mig\":%d,\"ev\":"
		 "{\"v\":1,\"t\":%lld,\"type\":\"iteration\",\"round\":0,\"kind\":\"final\","
		 "\"pages_in_set\":3,\"pages_sent\":3,\"zero_pages\":1,\"payload_bytes\":12288,"
		 "\"header_bytes\":48,\"bytes\":12336,\"duration_ns\":1000,\"dirtied_pages\":2,"
		 "\"dirty_rate_pps\":0,\"hot_deferred\":0}}", t + 1, id, t + 1);
	apply(m, text);
	snprintf(text, sizeof(text), "{\"v\":1,\"t\":%lld,\"src\":\"migration\",\"mig\":%d,"
		 "\"event\":\"exit\",\"status\":%d,\"error\":null}", t + 2, id, status);
	apply(m, text);
}

static void test_model_history(void **state)
{
	struct model *m = malloc(sizeof(*m));
	int i;

	assert_non_null(m);
	model_init(m);
	apply(m, OPEN);
	migration(m, 1, "idle", 0);
	assert_int_equal(m->nr_history, 1);
	assert_int_equal(m->history[0].id, 1);
	assert_string_equal(m->history[0].vm, "idle");
	assert_string_equal(m->history[0].method, "precopy");
	assert_int_equal(m->history[0].exit_status, 0);
	assert_int_equal(m->history[0].nr_rounds, 1);
	assert_int_equal(m->history[0].rounds[0].pages_sent, 3);
	/* A repeated exit record is not a second run. */
	apply(m, "{\"v\":1,\"t\":40,\"src\":\"migration\",\"mig\":1,\"event\":\"exit\","
		 "\"status\":0,\"error\":null}");
	assert_int_equal(m->nr_history, 1);
	/* Full: the oldest goes. */
	for (i = 2; i <= MODEL_MAX_HISTORY + 1; i++)
		migration(m, i, i % 2 ? "idle" : "cpu", i == 5);
	assert_int_equal(m->nr_history, MODEL_MAX_HISTORY);
	assert_int_equal(m->history[0].id, 2);
	assert_int_equal(m->history[MODEL_MAX_HISTORY - 1].id, MODEL_MAX_HISTORY + 1);
	assert_int_equal(m->history[3].id, 5);
	assert_int_equal(m->history[3].exit_status, 1);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_long_text_is_cut),
		cmocka_unit_test(test_model_hosts),
		cmocka_unit_test(test_model_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the page-heat map's encoding (common/heat_codec) and the
 * telemetry reader's "heat" record (common/telemetry_read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/heat_codec.h"
#include "common/telemetry_read.h"

static void test_geometry(void **state)
{
	uint64_t ppc;

	assert_int_equal(heat_geometry(0, &ppc), 0);
	assert_int_equal(heat_geometry(1, &ppc), 1);
	assert_int_equal(ppc, 1);
	assert_int_equal(heat_geometry(256, &ppc), 256);
	assert_int_equal(ppc, 1);
	assert_int_equal(heat_geometry(257, &ppc), 129);   /* 2 a cell, the last 1 */
	assert_int_equal(ppc, 2);
	assert_int_equal(heat_geometry(16384, &ppc), 256);  /* 64 MiB */
	assert_int_equal(ppc, 64);
	assert_int_equal(heat_geometry(16385, &ppc), 253);
	assert_int_equal(ppc, 65);
}

static void test_level(void **state)
{
	assert_int_equal(heat_level(0, 64, 4), 0);
	assert_int_equal(heat_level(1, 64, 4), 1);          /* one page once shows */
	assert_int_equal(heat_level(64 * 4, 64, 4), 15);
	assert_int_equal(heat_level(64 * 2, 64, 4), 8);     /* half: 7.5 rounded up */
	assert_int_equal(heat_level(1000, 64, 4), 15);      /* never above 15 */
	assert_int_equal(heat_level(5, 0, 4), 0);
}

static void test_hex_round_trip(void **state)
{
	uint8_t in[HEAT_MAX_CELLS], out[HEAT_MAX_CELLS];
	char hex[HEAT_MAX_CELLS + 1];
	unsigned i;

	for (i = 0; i < HEAT_MAX_CELLS; i++)
		in[i] = (uint8_t)(i % 16);
	heat_hex_encode(in, HEAT_MAX_CELLS, hex);
	assert_int_equal(strlen(hex), HEAT_MAX_CELLS);
	assert_memory_equal(hex, "0123456789abcdef0", 17);
	assert_int_equal(heat_hex_decode(hex, HEAT_MAX_CELLS, out), 0);
	assert_memory_equal(in, out, HEAT_MAX_CELLS);
	assert_int_equal(heat_hex_decode("0F", 2, out), 0);
	assert_int_equal(out[1], 15);
}

static void test_hex_refused(void **state)
{
	uint8_t out[4];

	assert_int_equal(heat_hex_decode("012", 4, out), -1);     /* short */
	assert_int_equal(heat_hex_decode("01234", 4, out), -1);   /* long */
	assert_int_equal(heat_hex_decode("01g3", 4, out), -1);    /* not hex */
	assert_int_equal(heat_hex_decode("01 3", 4, out), -1);
}

static void test_state_check(void **state)
{
	assert_int_equal(heat_state_check("hms.", 4), 0);
	assert_int_equal(heat_state_check("hms", 4), -1);
	assert_int_equal(heat_state_check("hmsx", 4), -1);
	assert_int_equal(heat_state_check("HMS.", 4), -1);
}

static char why[256];

static int decode(const char *text, struct tel_event *ev)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(j);
	why[0] = '\0';
	rc = telemetry_read_decode(j, ev, why, sizeof(why));
	json_decref(j);
	return rc;
}

#define HEAT(cells, dirty, st, faults) \
	"{\"v\":2,\"t\":1764300000000000000,\"type\":\"heat\",\"round\":3,\"cells\":" cells \
	",\"pages_per_cell\":64,\"dirty\":\"" dirty "\",\"state\":\"" st "\",\"held_pages\":70," \
	"\"to_send_pages\":9,\"missing_pages\":0,\"faults\":" faults "}"

static void test_reader_heat(void **state)
{
	struct tel_event ev;

	assert_int_equal(decode(HEAT("4", "0f8A", ".hsm", "[1,3]"), &ev), 0);
	assert_int_equal(ev.type, TEL_HEAT);
	assert_int_equal(ev.u.heat.round, 3);
	assert_int_equal(ev.u.heat.cells, 4);
	assert_int_equal(ev.u.heat.pages_per_cell, 64);
	assert_int_equal(ev.u.heat.dirty[1], 15);
	assert_int_equal(ev.u.heat.dirty[3], 10);
	assert_string_equal(ev.u.heat.state, ".hsm");
	assert_int_equal(ev.u.heat.held_pages, 70);
	assert_int_equal(ev.u.heat.nfaults, 2);
	assert_int_equal(ev.u.heat.faults[1], 3);
}

static void test_reader_heat_malformed(void **state)
{
	static const char *const bad[] = {
		HEAT("4", "0f8", ".hsm", "[]"),          /* dirty too short */
		HEAT("4", "0f8ax", ".hsm", "[]"),        /* dirty too long */
		HEAT("4", "0f8z", ".hsm", "[]"),         /* not hex */
		HEAT("4", "0f8a", ".hs", "[]"),          /* state too short */
		HEAT("4", "0f8a", ".hsx", "[]"),         /* unknown state */
		HEAT("0", "", "", "[]"),                 /* no cells */
		HEAT("257", "0", ".", "[]"),             /* too many cells */
		HEAT("4", "0f8a", ".hsm", "[4]"),        /* fault beyond the grid */
		HEAT("4", "0f8a", ".hsm", "[-1]"),
		HEAT("4", "0f8a", ".hsm", "[\"1\"]"),
		HEAT("4", "0f8a", ".hsm", "{}"),         /* faults not an array */
		HEAT("4", "0f8a", ".hsm", "null"),
		HEAT("-4", "0f8a", ".hsm", "[]"),
		"{\"v\":2,\"t\":1,\"type\":\"heat\",\"round\":1,\"cells\":1,\"pages_per_cell\":1,"
		"\"dirty\":\"0\",\"state\":\".\",\"held_pages\":0,\"to_send_pages\":0,"
		"\"missing_pages\":0}",                  /* no faults */
		"{\"v\":2,\"t\":1,\"type\":\"heat\",\"round\":1,\"cells\":1,\"pages_per_cell\":0,"
		"\"dirty\":\"0\",\"state\":\".\",\"held_pages\":0,\"to_send_pages\":0,"
		"\"missing_pages\":0,\"faults\":[]}",    /* no pages a cell */
		"{\"v\":2,\"t\":1,\"type\":\"heat\",\"round\":1,\"cells\":1,\"pages_per_cell\":1,"
		"\"dirty\":0,\"state\":\".\",\"held_pages\":0,\"to_send_pages\":0,"
		"\"missing_pages\":0,\"faults\":[]}",    /* dirty not a string */
		"{\"v\":2,\"t\":1,\"type\":\"heat\",\"round\":1,\"cells\":1,\"pages_per_cell\":1,"
		"\"dirty\":\"0\",\"state\":\".\",\"to_send_pages\":0,"
		"\"missing_pages\":0,\"faults\":[]}",    /* no held_pages */
	};
	char many[1024] = "[";
	struct tel_event ev;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode(bad[i], &ev), -1);
		assert_non_null(strstr(why, "heat"));
	}
	/* More faulted cells than a record lists. */
	for (i = 0; i <= HEAT_MAX_FAULTS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s0", i ? "," : "");
	strcat(many, "]");
	{
		char text[2048];

		snprintf(text, sizeof(text), "{\"v\":2,\"t\":1,\"type\":\"heat\",\"round\":1,"
			 "\"cells\":1,\"pages_per_cell\":1,\"dirty\":\"0\",\"state\":\".\","
			 "\"held_pages\":0,\"to_send_pages\":0,\"missing_pages\":0,\"faults\":%s}",
			 many);
		assert_int_equal(decode(text, &ev), -1);
		assert_non_null(strstr(why, "faults"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_refused),
		cmocka_unit_test(test_state_check),
		cmocka_unit_test(test_reader_heat),
		cmocka_unit_test(test_reader_heat_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

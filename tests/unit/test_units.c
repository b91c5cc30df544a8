/* Unit tests: the rate and size parser and the rate formatter (common/units). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/units.h"

static void test_rates_accepted(void **state)
{
	static const struct { const char *text; double bps; } ok[] = {
		{ "12M", 12e6 }, { "12Mbit", 12e6 }, { "12mbps", 12e6 }, { "12Mbps", 12e6 },
		{ "12Mbit/s", 12e6 }, { "12Mb", 12e6 }, { "12000000", 12e6 },
		{ "12000000bit", 12e6 }, { "1.5G", 1.5e9 }, { "1.5g", 1.5e9 },
		{ "100k", 1e5 }, { "100K", 1e5 }, { "0", 0 }, { "0M", 0 }, { "0.5k", 500 },
		{ "1", 1 }, { "1000G", 1e12 },
	};
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double bps = -1;

		if (units_parse_rate(ok[i].text, &bps, why, sizeof(why)))
			fail_msg("'%s' refused: %s", ok[i].text, why);
		if (bps != ok[i].bps)
			fail_msg("'%s' gave %g, not %g", ok[i].text, bps, ok[i].bps);
	}
}

static void test_rates_refused(void **state)
{
	/* Each with a word its reason must contain. */
	static const struct { const char *text, *reason; } bad[] = {
		{ "", "empty" }, { "abc", "not a rate" }, { "12M5", "unknown unit" },
		{ "12MM", "unknown unit" }, { "-12M", "negative" }, { "-0", "negative" },
		{ "nan", "not a rate" }, { "inf", "not a rate" }, { "infinity", "not a rate" },
		{ " 12M", "not a rate" }, { "12M ", "unknown unit" }, { "+12M", "not a rate" },
		{ "12e6", "unknown unit" }, { "0x10", "unknown unit" }, { "1.", "unknown unit" },
		{ ".5M", "not a rate" }, { "12MB", "bytes" }, { "12MBps", "bytes" },
		{ "12Bps", "bytes" }, { "12T", "unknown unit" }, { "1001G", "out of range" },
		{ "99999999999999999999G", "out of range" }, { "0.5", "below 1 bit/s" },
		{ "1e-300", "unknown unit" }, { "0.0000001", "below 1 bit/s" }, { "-5", "negative" },
		{ "1234567890123456789012345678901234567890123456789012345678901234567890",
		  "too long" },
	};
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double bps = 42;

		why[0] = '\0';
		if (units_parse_rate(bad[i].text, &bps, why, sizeof(why)) != -1)
			fail_msg("'%s' accepted as %g", bad[i].text, bps);
		if (!strstr(why, bad[i].reason))
			fail_msg("'%s': reason '%s' lacks '%s'", bad[i].text, why, bad[i].reason);
		assert_true(bps == 42);   /* untouched on failure */
	}
	/* No reason buffer: still refused, nothing written. */
	assert_int_equal(units_parse_rate("abc", &(double){ 0 }, NULL, 0), -1);
	assert_int_equal(units_parse_rate(NULL, &(double){ 0 }, why, sizeof(why)), -1);
}

static void test_rate_format(void **state)
{
	static const struct { double bps; const char *text; } cases[] = {
		{ 12e6, "12M" }, { 1.5e9, "1.5G" }, { 1e5, "100k" }, { 0, "0" },
		{ 1500, "1.5k" }, { 999, "999" }, { 1234.5, "1.2345k" }, { 1e12, "1000G" },
		{ 12345678, "12.345678M" },
	};
	char buf[UNITS_RATE_TEXT];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		units_format_rate(cases[i].bps, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

/* Whatever the parser accepts, the formatter writes back exactly. */
static void test_rate_round_trip(void **state)
{
	static const char *const texts[] = {
		"12M", "0.1k", "1.1", "3.3333333333333333M", "123456789.123", "999.999999G",
		"7", "1", "0.000001G", "42.42bit/s",
	};
	char buf[UNITS_RATE_TEXT];
	double a, b;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(units_parse_rate(texts[i], &a, NULL, 0), 0);
		units_format_rate(a, buf, sizeof(buf));
		assert_int_equal(units_parse_rate(buf, &b, NULL, 0), 0);
		if (a != b)
			fail_msg("'%s' -> %.17g -> '%s' -> %.17g", texts[i], a, buf, b);
	}
}

static void test_sizes(void **state)
{
	static const struct { const char *text; uint64_t bytes; } ok[] = {
		{ "64M", 64ull << 20 }, { "64MiB", 64ull << 20 }, { "64MB", 64ull << 20 },
		{ "64Mi", 64ull << 20 }, { "1G", 1ull << 30 }, { "512KiB", 512ull << 10 },
		{ "512k", 512ull << 10 }, { "4096", 4096 }, { "4096B", 4096 }, { "0", 0 },
		{ "16777215G", 16777215ull << 30 },
	};
	static const char *const bad[] = {
		"", "-1M", "12X", "abc", "99999999999999999999", "17179869184G", "1.5G",
		" 64M", "64 M", "64i", "64iB", "64MiBB", "+64M", "0x40",
	};
	char why[128];
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (units_parse_size(ok[i].text, &v, why, sizeof(why)))
			fail_msg("'%s' refused: %s", ok[i].text, why);
		assert_int_equal(v, ok[i].bytes);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (units_parse_size(bad[i], &v, why, sizeof(why)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(why[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_accepted),
		cmocka_unit_test(test_rates_refused),
		cmocka_unit_test(test_rate_format),
		cmocka_unit_test(test_rate_round_trip),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

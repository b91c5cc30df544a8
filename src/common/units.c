/*
 * Rates and sizes (see units.h for the accepted spellings). The grammar
 * is checked by hand before strtod()/strtoull() see the digits, so that
 * those functions' extras (signs, spaces, exponents, hex, "inf", "nan")
 * never slip through.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the leading "D+(.D+)?" of s, or 0 if it does not start so. */
static size_t decimal_len(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	if (n && s[n] == '.') {
		size_t f = n + 1;

		while (is_digit(s[f]))
			f++;
		if (f > n + 1)
			n = f;
	}
	return n;
}

/* The decimal scale a suffix letter stands for, or 0. */
static double rate_scale(char c)
{
	switch (c) {
	case 'k': case 'K': return 1e3;
	case 'm': case 'M': return 1e6;
	case 'g': case 'G': return 1e9;
	default: return 0;
	}
}

int units_parse_rate(const char *s, double *bps, char *why, size_t len)
{
	static const char *const words[] = { "", "bit", "bps", "bit/s", "b" };
	char num[64];
	const char *unit;
	double v, scale = 1;
	size_t n, i;

	if (!s || !*s)
		return errbuf_set(why, len, "empty rate (e.g. 12M, 100k, 0)");
	if (*s == '-')
		return errbuf_set(why, len, "negative rate '%s'", s);
	n = decimal_len(s);
	if (n == 0)
		return errbuf_set(why, len, "'%s' is not a rate (e.g. 12M, 100k, 0)", s);
	if (n >= sizeof(num))
		return errbuf_set(why, len, "rate '%.20s...' is too long", s);
	unit = s + n;
	if (rate_scale(*unit)) {
		scale = rate_scale(*unit);
		unit++;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]) && strcmp(unit, words[i]); i++)
		;
	if (i == sizeof(words) / sizeof(words[0])) {
		if (!strcmp(unit, "B") || !strcmp(unit, "Bps") || !strcmp(unit, "B/s"))
			return errbuf_set(why, len, "rate '%s' is in bytes: rates are bits per second "
				    "(e.g. 12M or 12Mbit)", s);
		return errbuf_set(why, len, "rate '%s': unknown unit '%s' (k, M or G, then "
			    "optionally bit, bps or bit/s)", s, s + n);
	}
	memcpy(num, s, n);
	num[n] = '\0';
	errno = 0;
	v = strtod(num, NULL) * scale;
	if (errno || !isfinite(v) || v > UNITS_RATE_MAX)
		return errbuf_set(why, len, "rate '%s' is out of range (at most %.0f Gbit/s)", s,
			    UNITS_RATE_MAX / 1e9);
	if (v > 0 && v < 1)
		return errbuf_set(why, len, "rate '%s' is below 1 bit/s", s);
	*bps = v;
	return 0;
}

/* Is text a spelling of exactly bps? */
static int reads_back(const char *text, double bps)
{
	double back;

	return units_parse_rate(text, &back, NULL, 0) == 0 && back == bps;
}

void units_format_rate(double bps, char *buf, size_t len)
{
	static const struct { double scale; const char *suffix; } scales[] = {
		{ 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
	};
	size_t i;
	int prec;

	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		if (bps < scales[i].scale)
			continue;
		/* The fewest significant digits that read back exactly. */
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, len, "%.*g%s", prec, bps / scales[i].scale,
				 scales[i].suffix);
			if (reads_back(buf, bps))
				return;
		}
	}
	/* Unscaled: the fewest decimals (17 always read back, as rates are
	 * 0 or at least 1 bit/s). */
	for (prec = 0; prec < 17; prec++) {
		snprintf(buf, len, "%.*f", prec, bps);
		if (reads_back(buf, bps))
			return;
	}
	snprintf(buf, len, "%.17f", bps);
}

int units_parse_size(const char *s, uint64_t *bytes, char *why, size_t len)
{
	static const struct { char c; unsigned shift; } scales[] = {
		{ 'k', 10 }, { 'K', 10 }, { 'm', 20 }, { 'M', 20 }, { 'g', 30 }, { 'G', 30 },
	};
	unsigned long long v;
	unsigned shift = 0;
	const char *unit;
	char *end;
	size_t i;

	if (!s || !*s)
		return errbuf_set(why, len, "empty size (e.g. 64M, 1G, 4096)");
	if (!is_digit(*s))
		return errbuf_set(why, len, "'%s' is not a size (e.g. 64M, 1G, 4096)", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return errbuf_set(why, len, "size '%s' is out of range", s);
	unit = end;
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		if (*unit == scales[i].c) {
			shift = scales[i].shift;
			unit++;
			break;
		}
	}
	if (strcmp(unit, "") && strcmp(unit, "B") &&
	    (!shift || (strcmp(unit, "i") && strcmp(unit, "iB"))))
		return errbuf_set(why, len, "size '%s': unknown unit '%s' (K, M or G, then "
			    "optionally i, iB or B)", s, end);
	if (shift && v > (~0ull >> shift))
		return errbuf_set(why, len, "size '%s' is out of range", s);
	*bytes = (uint64_t)v << shift;
	return 0;
}

int units_parse_count(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

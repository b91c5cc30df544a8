/*
 * Rates and sizes as people type them on a command line or in a dialog:
 * one parser for every dsmig program, so that "12M" means the same thing
 * to `dsmig migrate`, `dsmig record`, the console, the engine and the lab.
 *
 * Rates are bits per second:
 *
 *   NUMBER [SCALE] [UNIT]
 *   NUMBER  decimal digits with an optional fraction: 12, 1.5, 0
 *   SCALE   k or K (1e3), m or M (1e6), g or G (1e9): decimal, as for links
 *   UNIT    bit, bps, bit/s or b: all mean bits per second
 *
 * so "12M", "12Mbit", "12mbps", "12Mbit/s", "12000000", "1.5G" and "0" are
 * rates. Note that "bps" is BITS per second here (unlike tc, where "mbps"
 * means megabytes); a capital "B" (bytes) is refused. "0" is a valid rate:
 * what it means (unlimited, say) is the caller's to decide. Refused, with
 * the reason: empty text, anything that is not a decimal number (no sign,
 * spaces, exponent, hex, "inf" or "nan"), an unknown or repeated suffix
 * ("12M5", "12MM"), rates above UNITS_RATE_MAX and rates between 0 and
 * 1 bit/s.
 *
 * Sizes are bytes: whole numbers with an optional binary scale k/K (2^10),
 * m/M (2^20) or g/G (2^30), then optionally "B" (or, after a scale, "i"
 * or "iB"): "4096", "4096B", "64M", "64MiB", "64MB" (all 64 * 2^20), "1G".
 * Refused: anything else, and sizes that do not fit in 64 bits.
 *
 * Errors: functions return 0 or -1; on -1 the reason (one line, naming the
 * text) is in the caller's why[len], which may be NULL when len is 0.
 */
#ifndef DSMIG_COMMON_UNITS_H
#define DSMIG_COMMON_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_RATE_MAX 1e12          /* 1 Tbit/s: anything above is a typo */
#define UNITS_RATE_TEXT 32           /* enough for any units_format_rate() */

/* Parse a rate (see above) into *bps (bits/s, finite, 0..UNITS_RATE_MAX).
 * *bps is written only on success. */
int units_parse_rate(const char *s, double *bps, char *why, size_t len);

/* The shortest spelling of bps that units_parse_rate() reads back as
 * exactly bps: "12M", "100k", "1.5G", "0", "1234.5". For argv and records.
 * bps must be a rate the parser accepts; buf should hold UNITS_RATE_TEXT. */
void units_format_rate(double bps, char *buf, size_t len);

/* A count: decimal digits only (no sign, spaces or suffix), at most max,
 * into *out (written only on success). Returns 0 or -1; the caller names
 * the option in its message. */
int units_parse_count(const char *s, uint64_t max, uint64_t *out);

/* Parse a size in bytes (see above) into *bytes, written only on success. */
int units_parse_size(const char *s, uint64_t *bytes, char *why, size_t len);

#endif /* DSMIG_COMMON_UNITS_H */

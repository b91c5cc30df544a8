/*
 * The guest's side of a migration summary in words, for everything that
 * shows one (dsmig migrate, the console's summary card, dsmig report):
 * its own longest stall, the one derived from its heartbeat, its
 * degraded time, the switch-over gap, the progress rates. A number the
 * summary does not carry prints as "n/a", never as a measured 0, and
 * guest_metrics_na() says why. One place, so the surfaces agree.
 */
#ifndef DSMIG_COMMON_GUEST_METRICS_H
#define DSMIG_COMMON_GUEST_METRICS_H

#include <stddef.h>

#include "common/telemetry_read.h"

#define GUEST_METRICS_TEXT 32

/* "123.4 ms" (or "1.23 s" from 10 s on), or "n/a" when the summary lacks
 * key (a docs/telemetry.md summary field of nanoseconds). Returns buf. */
const char *guest_metrics_span(const struct tel_summary *s, const char *key,
			       char *buf, size_t len);

/* "12.5/s", or "n/a" when the summary lacks "progress_rate.<which>"
 * (which: "before", "during" or "after"). Returns buf. */
const char *guest_metrics_rate(const struct tel_summary *s, const char *which,
			       char *buf, size_t len);

/* "5.0%", or "n/a" without a positive rate before (the slowdown is
 * relative to it; a version 1 summary wrote 0 for unknown). Returns buf. */
const char *guest_metrics_slowdown(const struct tel_summary *s, char *buf, size_t len);

/* Why the guest's numbers are n/a, or NULL if they are all known: the
 * summary's own reason, or that a version 1 summary did not measure
 * them. */
const char *guest_metrics_na(const struct tel_summary *s);

#endif /* DSMIG_COMMON_GUEST_METRICS_H */

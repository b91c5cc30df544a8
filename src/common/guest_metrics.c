/* The guest's side of a migration summary in words (guest_metrics.h). */
#include <stdio.h>
#include <string.h>

#include "common/guest_metrics.h"

/* The summary's nanosecond fields this module prints, by name. */
static int64_t span_of(const struct tel_summary *s, const char *key)
{
	if (!strcmp(key, "guest_stall_ns"))
		return s->guest_stall_ns;
	if (!strcmp(key, "guest_stall_hb_ns"))
		return s->guest_stall_hb_ns;
	if (!strcmp(key, "degraded_ns"))
		return s->degraded_ns;
	if (!strcmp(key, "guest_downtime_ns"))
		return s->guest_downtime_ns;
	if (!strcmp(key, "downtime_ns"))
		return s->downtime_ns;
	return -1;
}

const char *guest_metrics_span(const struct tel_summary *s, const char *key,
			       char *buf, size_t len)
{
	int64_t ns = span_of(s, key);

	if (!telemetry_read_summary_has(s, key) || ns < 0)
		snprintf(buf, len, "n/a");
	else if (ns >= 10000000000ll)
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	else
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	return buf;
}

const char *guest_metrics_rate(const struct tel_summary *s, const char *which,
			       char *buf, size_t len)
{
	char key[40];
	double v = !strcmp(which, "before") ? s->progress_rate.before
		 : !strcmp(which, "during") ? s->progress_rate.during
		 : s->progress_rate.after;

	snprintf(key, sizeof(key), "progress_rate.%s", which);
	if (telemetry_read_summary_has(s, key))
		snprintf(buf, len, "%.1f/s", v);
	else
		snprintf(buf, len, "n/a");
	return buf;
}

const char *guest_metrics_slowdown(const struct tel_summary *s, char *buf, size_t len)
{
	if (telemetry_read_summary_has(s, "slowdown_pct") &&
	    telemetry_read_summary_has(s, "progress_rate.before") && s->progress_rate.before > 0)
		snprintf(buf, len, "%.1f%%", s->slowdown_pct);
	else
		snprintf(buf, len, "n/a");
	return buf;
}

const char *guest_metrics_na(const struct tel_summary *s)
{
	if (telemetry_read_summary_has(s, "guest_na") && s->guest_na[0])
		return s->guest_na;
	if (!telemetry_read_summary_has(s, "guest_stall_hb_ns") &&
	    !telemetry_read_summary_has(s, "guest_stall_ns"))
		return "not measured: a summary of telemetry version 1";
	return NULL;
}

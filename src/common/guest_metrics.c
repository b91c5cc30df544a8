/* The guest's side of a migration summary in words (guest_metrics.h). */
#include <stdio.h>

#include "common/guest_metrics.h"

const char *guest_metrics_span(const struct tel_summary *s, const char *key,
			       char *buf, size_t len)
{
	double ns;

	if (!telemetry_read_summary_number(s, key, &ns) || ns < 0)
		snprintf(buf, len, "n/a");
	else if (ns >= 1e10)
		snprintf(buf, len, "%.2f s", ns / 1e9);
	else
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	return buf;
}

const char *guest_metrics_rate(const struct tel_summary *s, const char *which,
			       char *buf, size_t len)
{
	char key[40];
	double v;

	snprintf(key, sizeof(key), "progress_rate.%s", which);
	if (telemetry_read_summary_number(s, key, &v))
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

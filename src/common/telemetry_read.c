/*
 * The engine telemetry reader (see telemetry_read.h). Each record type is
 * a table of its fields (key, type, where it goes in the typed struct,
 * required or not), and one loop (common/fields.h, which the session
 * reader shares) checks and copies them: the schema of
 * docs/telemetry.md lives in these tables and nowhere else on the reading
 * side. Fields the engine has written since the first version are
 * required; fields added later (dsm's hot pages, the codec flags, dsm-pull's
 * post-copy bytes) are optional, so that older logs still read.
 */
#include <stdio.h>
#include <string.h>

#include "common/fields.h"
#include "common/log.h"
#include "common/text.h"
#include "common/telemetry_read.h"

#define S struct tel_start
static const struct field start_fields[] = {
	FIELD(S, "vm", vm, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "method", method, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "hv", hv, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "src", src, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "dst", dst, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "ranks", ranks, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bandwidth_bps", bandwidth_bps, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "mem_bytes", mem_bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "vcpus", vcpus, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "max_iters", max_iters, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "target_dirty", target_dirty, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "verify", verify, FIELD_BOOL, FIELD_REQUIRED),
	FIELD(S, "hot_window", hot_window, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "hot_threshold", hot_threshold, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "compress", compress, FIELD_BOOL, FIELD_OPTIONAL),
	FIELD(S, "delta", delta, FIELD_BOOL, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct tel_phase_event
static const struct field phase_fields[] = {
	FIELD(S, "reason", reason, FIELD_STR, FIELD_OPTIONAL),
	FIELD(S, "hot_pages", hot_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "missing_pages", missing_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "downtime_ns", downtime_ns, FIELD_SPAN, FIELD_OPTIONAL),
	FIELD(S, "guest_downtime_ns", guest_downtime_ns, FIELD_SPAN, FIELD_NULLABLE),
	FIELD(S, "error", error, FIELD_STR, FIELD_OPTIONAL),
	FIELD(S, "source_running", source_running, FIELD_BOOL, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct tel_round
static const struct field round_fields[] = {
	FIELD(S, "round", round, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "pages_in_set", pages_in_set, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "pages_sent", pages_sent, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "zero_pages", zero_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "payload_bytes", payload_bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "header_bytes", header_bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes", bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "duration_ns", duration_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "dirtied_pages", dirtied_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "dirty_rate_pps", dirty_rate_pps, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "hot_deferred", hot_deferred, FIELD_I64, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct tel_progress
static const struct field progress_fields[] = {
	FIELD(S, "round", round, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "bytes", bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "rate_bps", rate_bps, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "dirty_pages", dirty_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "vcpu_pct", vcpu_pct, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "progress", progress, FIELD_GUEST, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

#define S struct tel_postcopy
static const struct field postcopy_fields[] = {
	FIELD(S, "missing_pages", missing_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "sent_pages", sent_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "pushed_pages", pushed_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "pulled_pages", pulled_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "faults", faults, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes", bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

/* "dirty", "state" and "faults" are checked by decode_heat(). */
#define S struct tel_heat
static const struct field heat_fields[] = {
	FIELD(S, "round", round, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "cells", cells, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "pages_per_cell", pages_per_cell, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "held_pages", held_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "to_send_pages", to_send_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "missing_pages", missing_pages, FIELD_I64, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

#define S struct tel_estimate
static const struct field estimate_fields[] = {
	FIELD(S, "round", round, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "percent", percent, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "bytes_done", bytes_done, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "final_bytes", final_bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes_left", bytes_left, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "rounds", rounds, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "until_resume_ns", until_resume_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "downtime_ns", downtime_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "downtime_now_ns", downtime_now_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "dirty_pps", dirty_pps, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "send_pps", send_pps, FIELD_NUM, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

#define S struct tel_summary
static const struct field summary_fields[] = {
	FIELD(S, "ok", ok, FIELD_BOOL, FIELD_REQUIRED),
	FIELD(S, "total_time_ns", total_time_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "downtime_ns", downtime_ns, FIELD_SPAN, FIELD_REQUIRED),
	FIELD(S, "guest_downtime_ns", guest_downtime_ns, FIELD_SPAN, FIELD_NULLABLE),
	FIELD(S, "bytes_total", bytes_total, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes.rounds", bytes.rounds, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes.state", bytes.state, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes.verify", bytes.verify, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes.control", bytes.control, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bytes.postcopy", bytes.postcopy, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "iterations", iterations, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "stop_reason", stop_reason, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "progress_rate.before", progress_rate.before, FIELD_NUM, FIELD_NULLABLE),
	FIELD(S, "progress_rate.during", progress_rate.during, FIELD_NUM, FIELD_NULLABLE),
	FIELD(S, "progress_rate.after", progress_rate.after, FIELD_NUM, FIELD_NULLABLE),
	FIELD(S, "slowdown_pct", slowdown_pct, FIELD_NUM, FIELD_NULLABLE),
	FIELD(S, "verify", verify, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "selfcheck_fail", selfcheck_fail, FIELD_GUEST, FIELD_NULLABLE),
	FIELD(S, "guest_stall_ns", guest_stall_ns, FIELD_I64, FIELD_NULLABLE),
	FIELD(S, "guest_stall_hb_ns", guest_stall_hb_ns, FIELD_I64, FIELD_NULLABLE),
	FIELD(S, "degraded_ns", degraded_ns, FIELD_I64, FIELD_NULLABLE),
	FIELD(S, "degraded_window_ns", degraded_window_ns, FIELD_I64, FIELD_NULLABLE),
	FIELD(S, "guest_na", guest_na, FIELD_STR, FIELD_NULLABLE),
	FIELD(S, "postcopy.missing_pages", postcopy.missing_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "postcopy.faults", postcopy.faults, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "postcopy.pulled_pages", postcopy.pulled_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "postcopy.pushed_pages", postcopy.pushed_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "postcopy.fault_median_ns", postcopy.fault_median_ns, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "postcopy.fault_max_ns", postcopy.fault_max_ns, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "postcopy.resident_ns", postcopy.resident_ns, FIELD_I64, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S
_Static_assert(sizeof(summary_fields) / sizeof(summary_fields[0]) - 1 <= 64,
	       "tel_summary.present has a bit per summary field");

static const char *const phase_names[TEL_PHASE_COUNT] = {
	[TEL_PHASE_BASELINE] = "baseline",
	[TEL_PHASE_PRECOPY] = "precopy",
	[TEL_PHASE_STOP_AND_COPY] = "stop-and-copy",
	[TEL_PHASE_SWITCH_OVER] = "switch-over",
	[TEL_PHASE_POST_COPY] = "post-copy",
	[TEL_PHASE_RESUMED] = "resumed",
	[TEL_PHASE_DONE] = "done",
	[TEL_PHASE_FAILED] = "failed",
};

const char *telemetry_read_phase_name(enum tel_phase p)
{
	return p < TEL_PHASE_COUNT ? phase_names[p] : "?";
}

static enum tel_phase phase_by_name(const char *name)
{
	int p;

	for (p = 0; p < TEL_PHASE_COUNT; p++)
		if (!strcmp(phase_names[p], name))
			return (enum tel_phase)p;
	return TEL_PHASE_UNKNOWN;
}

/* A string member that names one of a few values. */
static const char *enum_text(json_t *ev, const char *key, const char *type,
			     char *why, size_t len)
{
	const char *s = json_string_value(json_object_get(ev, key));

	if (!s)
		errbuf_set(why, len, "%s: \"%s\" %s", type, key,
			   json_object_get(ev, key) ? "is not a string" : "missing");
	return s;
}

static int decode_phase(json_t *ev, struct tel_event *out, char *why, size_t len)
{
	struct tel_phase_event *p = &out->u.phase;
	const char *name = enum_text(ev, "phase", "phase", why, len);

	if (!name)
		return -1;
	p->source_running = -1;
	p->phase = phase_by_name(name);
	if (p->phase == TEL_PHASE_UNKNOWN) {
		out->type = TEL_UNKNOWN;   /* a phase of a later engine: skip */
		return 0;
	}
	return fields_decode(ev, phase_fields, p, &p->present, "phase", why, len);
}

static int decode_round(json_t *ev, struct tel_round *r, char *why, size_t len)
{
	const char *kind = enum_text(ev, "kind", "iteration", why, len);
	char shown[33];

	if (!kind)
		return -1;
	if (strcmp(kind, "precopy") && strcmp(kind, "final")) {
		/* The reason is printed: the record's text goes in cleaned. */
		text_clean(shown, sizeof(shown), kind);
		return errbuf_set(why, len, "iteration: unknown kind \"%s\"", shown);
	}
	r->final = !strcmp(kind, "final");
	return fields_decode(ev, round_fields, r, NULL, "iteration", why, len);
}

static int decode_progress(json_t *ev, struct tel_progress *p, char *why, size_t len)
{
	const char *name = enum_text(ev, "phase", "sample", why, len);

	if (!name)
		return -1;
	p->phase = phase_by_name(name);
	return fields_decode(ev, progress_fields, p, NULL, "sample", why, len);
}

static int decode_summary(json_t *ev, struct tel_summary *s, char *why, size_t len)
{
	json_t *pc = json_object_get(ev, "postcopy");

	if (pc && !json_is_object(pc))
		return errbuf_set(why, len, "summary: \"postcopy\" is not an object");
	s->has_postcopy = pc != NULL;
	return fields_decode(ev, summary_fields, s, &s->present, "summary", why, len);
}

/* The cells faulted since the last record: at most HEAT_MAX_FAULTS cell
 * indices below h->cells. */
static int decode_heat_faults(json_t *ev, struct tel_heat *h, char *why, size_t len)
{
	json_t *a = json_object_get(ev, "faults"), *c;
	size_t i;

	if (!json_is_array(a))
		return errbuf_set(why, len, "heat: \"faults\" %s",
				  a ? "is not an array" : "missing");
	if (json_array_size(a) > HEAT_MAX_FAULTS)
		return errbuf_set(why, len, "heat: more than %d \"faults\"", HEAT_MAX_FAULTS);
	json_array_foreach(a, i, c) {
		if (!json_is_integer(c) || json_integer_value(c) < 0 ||
		    json_integer_value(c) >= h->cells)
			return errbuf_set(why, len, "heat: \"faults\" holds no cell index");
		h->faults[h->nfaults++] = (uint16_t)json_integer_value(c);
	}
	return 0;
}

static int decode_heat(json_t *ev, struct tel_heat *h, char *why, size_t len)
{
	const char *dirty = json_string_value(json_object_get(ev, "dirty"));
	const char *state = json_string_value(json_object_get(ev, "state"));

	if (fields_decode(ev, heat_fields, h, NULL, "heat", why, len))
		return -1;
	if (h->cells < 1 || h->cells > HEAT_MAX_CELLS || h->pages_per_cell < 1)
		return errbuf_set(why, len, "heat: \"cells\" not 1..%d or no \"pages_per_cell\"",
				  HEAT_MAX_CELLS);
	if (!dirty || heat_hex_decode(dirty, (unsigned)h->cells, h->dirty))
		return errbuf_set(why, len, "heat: \"dirty\" is not %d hex digits", h->cells);
	if (!state || heat_state_check(state, (unsigned)h->cells))
		return errbuf_set(why, len, "heat: \"state\" is not %d of \"%s\"",
				  h->cells, HEAT_STATES);
	memcpy(h->state, state, (size_t)h->cells + 1);
	return decode_heat_faults(ev, h, why, len);
}

int telemetry_read_decode(json_t *ev, struct tel_event *out, char *why, size_t len)
{
	json_t *v = json_object_get(ev, "v"), *t = json_object_get(ev, "t");
	const char *type;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(ev))
		return errbuf_set(why, len, "not a JSON object");
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return errbuf_set(why, len, "no positive integer schema version \"v\"");
	if (json_integer_value(v) < TELEMETRY_VERSION_MIN ||
	    json_integer_value(v) > TELEMETRY_VERSION)
		return errbuf_set(why, len, "telemetry schema version %lld is not supported "
				  "(this dsmig reads versions %d to %d)",
				  (long long)json_integer_value(v), TELEMETRY_VERSION_MIN,
				  TELEMETRY_VERSION);
	if (!json_is_integer(t) || json_integer_value(t) <= 0)
		return errbuf_set(why, len, "no positive integer time \"t\"");
	out->t = json_integer_value(t);
	type = json_string_value(json_object_get(ev, "type"));
	if (!type)
		return errbuf_set(why, len, "no string \"type\"");
	if (!strcmp(type, "start")) {
		out->type = TEL_START;
		out->u.start.compress = out->u.start.delta = -1;
		return fields_decode(ev, start_fields, &out->u.start, NULL, type, why, len);
	}
	if (!strcmp(type, "phase")) {
		out->type = TEL_PHASE;
		return decode_phase(ev, out, why, len);
	}
	if (!strcmp(type, "iteration")) {
		out->type = TEL_ROUND;
		return decode_round(ev, &out->u.round, why, len);
	}
	if (!strcmp(type, "sample")) {
		out->type = TEL_PROGRESS;
		return decode_progress(ev, &out->u.progress, why, len);
	}
	if (!strcmp(type, "postcopy")) {
		out->type = TEL_POSTCOPY;
		return fields_decode(ev, postcopy_fields, &out->u.postcopy, NULL, type, why, len);
	}
	if (!strcmp(type, "estimate")) {
		out->type = TEL_ESTIMATE;
		return fields_decode(ev, estimate_fields, &out->u.estimate, NULL, type, why, len);
	}
	if (!strcmp(type, "summary")) {
		out->type = TEL_SUMMARY;
		return decode_summary(ev, &out->u.summary, why, len);
	}
	if (!strcmp(type, "heat")) {
		out->type = TEL_HEAT;
		return decode_heat(ev, &out->u.heat, why, len);
	}
	out->type = TEL_UNKNOWN;
	return 0;
}

int telemetry_read_phase_has(const struct tel_phase_event *p, const char *key)
{
	return fields_has(phase_fields, p->present, key);
}

int telemetry_read_summary_number(const struct tel_summary *s, const char *key, double *out)
{
	return fields_number(summary_fields, s->present, s, key, out);
}

int telemetry_read_summary_has(const struct tel_summary *s, const char *key)
{
	return fields_has(summary_fields, s->present, key);
}

void telemetry_read_round_pages(const struct tel_round *r, int64_t *sent, int64_t *deferred)
{
	*sent = r->pages_sent;
	*deferred = r->hot_deferred;
}

int telemetry_read_tally(struct tel_tally *tl, int rc, const struct tel_event *ev,
			 const char *why)
{
	if (rc) {
		if (!tl->refused++)
			text_clean(tl->first_refused, sizeof(tl->first_refused), why);
		return 0;
	}
	if (ev->type == TEL_UNKNOWN) {
		tl->skipped++;
		return 0;
	}
	tl->decoded++;
	return 1;
}

void telemetry_read_tally_text(const struct tel_tally *tl, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (tl->bad_lines)
		n += (size_t)snprintf(buf + n, len - n, "%lu bad line%s", tl->bad_lines,
				      tl->bad_lines == 1 ? "" : "s");
	if (tl->refused && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%lu refused (%s)", n ? ", " : "",
				      tl->refused, tl->first_refused);
	if (tl->skipped && n < len)
		snprintf(buf + n, len - n, "%s%lu of unknown types skipped", n ? ", " : "",
			 tl->skipped);
}

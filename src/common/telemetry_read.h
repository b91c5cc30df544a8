/*
 * Reading the engine's telemetry (docs/telemetry.md): one JSON object, as
 * the engine writes it or as a console session log carries it under "ev",
 * decoded into a typed event. This is the one reader of the schema: the
 * console's model, `dsmig report` and `dsmig migrate` see engine events
 * only through telemetry_read_decode().
 *
 * Every record is treated as hostile. The version "v" must be the major
 * version this reader knows (TELEMETRY_VERSION); a record of another
 * version is refused, never guessed at. A record of an unknown "type", or
 * a phase event naming an unknown phase, decodes as TEL_UNKNOWN for the
 * caller to skip and count. A record with a field of the wrong type, a
 * required field missing, a negative count or a number beyond 2^53 is
 * refused with the reason (only the downtimes, measured between two
 * hosts' clocks, may be negative; the guest's own counters, "progress"
 * and "selfcheck_fail", which a guest may set to anything, are read
 * saturated to 0..FIELD_INT_MAX (common/fields.h) instead). Strings are copied bounded (truncated to the
 * struct's buffer); fields this reader does not know are ignored.
 */
#ifndef DSMIG_COMMON_TELEMETRY_READ_H
#define DSMIG_COMMON_TELEMETRY_READ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/heat_codec.h"

/* The schema's major version, written by the engine (engine/telemetry.c)
 * and the only one read here. */
#define TELEMETRY_VERSION 2
/* Version 1 (before the guest's stall and degraded time, when unknown
 * guest numbers were written as 0) still reads: its records lack the
 * newer fields, which then read as absent ("n/a"). */
#define TELEMETRY_VERSION_MIN 1


enum tel_type {
	TEL_UNKNOWN,        /* a type (or phase) this reader does not know: skip */
	TEL_START,          /* "start" */
	TEL_PHASE,          /* "phase" */
	TEL_ROUND,          /* "iteration" */
	TEL_PROGRESS,       /* "sample" */
	TEL_POSTCOPY,       /* "postcopy" */
	TEL_SUMMARY,        /* "summary" */
	TEL_ESTIMATE,       /* "estimate" */
	TEL_HEAT,           /* "heat" */
};

/* The phases, in the order a migration goes through them. */
enum tel_phase {
	TEL_PHASE_BASELINE,
	TEL_PHASE_PRECOPY,
	TEL_PHASE_STOP_AND_COPY,
	TEL_PHASE_SWITCH_OVER,
	TEL_PHASE_POST_COPY,
	TEL_PHASE_RESUMED,
	TEL_PHASE_DONE,
	TEL_PHASE_FAILED,
	TEL_PHASE_UNKNOWN,  /* only in a progress sample */
	TEL_PHASE_COUNT = TEL_PHASE_UNKNOWN,
};

struct tel_start {
	char vm[65], method[16], hv[16];
	char src[256], dst[256];        /* the hosts (runtime directories) */
	int64_t ranks;
	double bandwidth_bps;           /* 0: none */
	int64_t mem_bytes, vcpus, max_iters, target_dirty;
	int verify;
	int64_t hot_window, hot_threshold;   /* 0 when absent (before dsm) */
	int compress, delta;            /* -1 when absent */
};

struct tel_phase_event {
	enum tel_phase phase;
	char reason[40];                /* stop-and-copy */
	int64_t hot_pages;              /* stop-and-copy (dsm), else 0 */
	int64_t missing_pages;          /* post-copy */
	int64_t downtime_ns, guest_downtime_ns;   /* resumed */
	char error[256];                /* failed (truncated) */
	int source_running;             /* failed: 0/1; -1 when absent */
	uint64_t present;               /* telemetry_read_phase_has() */
};

/* One round ("iteration"). pages_sent are the pages sent in the round;
 * hot_deferred (dsm) are dirty pages held back and NOT among them: the
 * round's dirty set is their sum (telemetry_read_round_pages()). */
struct tel_round {
	int round;
	int final;                      /* kind "final" (stop-and-copy) */
	int64_t pages_in_set, pages_sent, zero_pages;
	int64_t payload_bytes, header_bytes, bytes, duration_ns;
	int64_t dirtied_pages;
	double dirty_rate_pps;
	int64_t hot_deferred;
};

/* A progress sample ("sample"), every 100 ms until the switch-over. */
struct tel_progress {
	enum tel_phase phase;
	int round;
	int64_t bytes;
	double rate_bps;
	int64_t dirty_pages;
	double vcpu_pct;
	int64_t progress;
};

/* After each pre-copy round ("estimate"): what is left, re-predicted. */
struct tel_estimate {
	int round, rounds;
	double percent;             /* of the predicted final bytes, never back */
	int64_t bytes_done, final_bytes, bytes_left;
	int64_t until_resume_ns, downtime_ns, downtime_now_ns;
	double dirty_pps, send_pps;
};

/* dsm-pull after the resume ("postcopy"), every 100 ms. */
struct tel_postcopy {
	int64_t missing_pages, sent_pages, pushed_pages, pulled_pages;
	int64_t faults, bytes;
};

/* The page-heat map ("heat", dsm methods): once per round, before its
 * pages go, and in post-copy at most every 250 ms. Cell i covers pages
 * i * pages_per_cell .. (i + 1) * pages_per_cell - 1 (common/heat_codec.h). */
struct tel_heat {
	int round;
	int cells;                      /* 1..HEAT_MAX_CELLS */
	int64_t pages_per_cell;
	uint8_t dirty[HEAT_MAX_CELLS];  /* each cell's heat, 0..HEAT_MAX_LEVEL */
	char state[HEAT_MAX_CELLS + 1]; /* one of HEAT_STATES per cell */
	int64_t held_pages, to_send_pages, missing_pages;
	int nfaults;
	uint16_t faults[HEAT_MAX_FAULTS];   /* cells faulted since the last record */
};

struct tel_summary {
	int ok;
	int64_t total_time_ns, downtime_ns, guest_downtime_ns, bytes_total;
	struct {
		int64_t rounds, state, verify, control, postcopy;
	} bytes;
	int64_t iterations;
	char stop_reason[40];
	struct {
		double before, during, after;
	} progress_rate;
	double slowdown_pct;
	char verify[8];                 /* "clean" or "off" */
	int64_t selfcheck_fail;
	/* What the guest lived through (version 2; absent = n/a, guest_na
	 * says why): its own longest stall since the migration began, the
	 * one the engine derived from its heartbeat, and how long its progress
	 * rate stayed below half the rate before (over a trailing window). */
	int64_t guest_stall_ns, guest_stall_hb_ns, degraded_ns, degraded_window_ns;
	char guest_na[128];
	int has_postcopy;               /* dsm-pull: the postcopy block below */
	struct {
		int64_t missing_pages, faults, pulled_pages, pushed_pages;
		int64_t fault_median_ns, fault_max_ns, resident_ns;
	} postcopy;
	uint64_t present;               /* which fields the record carried:
					   ask telemetry_read_summary_has() */
};

struct tel_event {
	enum tel_type type;
	int64_t t;                      /* wall clock, ns since the epoch */
	union {
		struct tel_start start;
		struct tel_phase_event phase;
		struct tel_round round;
		struct tel_progress progress;
		struct tel_postcopy postcopy;
		struct tel_estimate estimate;
		struct tel_summary summary;
		struct tel_heat heat;
	} u;
};

/* Decode one telemetry record. Returns 0 with *out filled (out->type is
 * TEL_UNKNOWN for a record to skip), or -1 with the reason in why: not an
 * object, another version, a malformed field. Never keeps a reference to
 * ev. */
int telemetry_read_decode(json_t *ev, struct tel_event *out, char *why, size_t len);

/* 1 if summary s (decoded by telemetry_read_decode()) carried the field
 * key, as docs/telemetry.md names it ("postcopy.fault_median_ns"), else
 * 0: an optional field the record lacked reads as 0, which a reader that
 * shows it must not present as measured. */
int telemetry_read_summary_has(const struct tel_summary *s, const char *key);
/* The numeric summary field key as a double: 1 and *out, or 0 when the
 * record did not carry it. */
int telemetry_read_summary_number(const struct tel_summary *s, const char *key, double *out);
/* The same for a phase event ("guest_downtime_ns": null when the guest
 * publishes no heartbeat). */
int telemetry_read_phase_has(const struct tel_phase_event *p, const char *key);

/* A phase's name as the engine writes it ("stop-and-copy"); "?" for
 * TEL_PHASE_UNKNOWN. */
const char *telemetry_read_phase_name(enum tel_phase p);

/* The one definition of a round's bars in the dirty-pages charts (the
 * console's and `dsmig report`'s): *sent pages sent in the round,
 * *deferred hot pages held back; both >= 0, never one less the other. */
void telemetry_read_round_pages(const struct tel_round *r, int64_t *sent, int64_t *deferred);


/* Counting what a reader of many records decoded, skipped and refused,
 * and the lines that were no record at all (not JSON, or too long),
 * which the line reader counts (common/jsonl_tail.h, session_log.h). */
struct tel_tally {
	unsigned long decoded, skipped, refused, bad_lines;
	char first_refused[160];        /* the first refusal's reason */
};

/* Count the result rc of telemetry_read_decode() (with its why and
 * event) in *tl. Returns 1 if the event is to be used, 0 if not. */
int telemetry_read_tally(struct tel_tally *tl, int rc, const struct tel_event *ev,
			  const char *why);

/* The tally for an operator, "2 bad lines, 1 refused (REASON), 3 of
 * unknown types skipped", in buf (len > 0); "" if nothing was lost. */
void telemetry_read_tally_text(const struct tel_tally *tl, char *buf, size_t len);

#endif /* DSMIG_COMMON_TELEMETRY_READ_H */

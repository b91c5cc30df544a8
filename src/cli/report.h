/*
 * `dsmig report`'s parts (private to src/cli/report*.c):
 *
 *   report.c        the command: options, the order of things
 *   report_read.c   reading a session log (common/session_log.h: typed
 *                   records, engine events typed by
 *                   common/telemetry_read.h) into migrations and probe
 *                   series; what a migration was
 *                   (hosts, cap, span, the points of its series)
 *   report_text.c   the text summary and `--data` (JSON lines)
 *   report_plot.c   the PNGs, through gnuplot
 */
#ifndef DSMIG_CLI_REPORT_H
#define DSMIG_CLI_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/session_log.h"
#include "common/telemetry_read.h"

/* Plotted normalised-time range: a fifth of the migration either side. */
#define REPORT_X_MIN -0.2
#define REPORT_X_MAX 1.2

/* A probe "vm" record, reduced to what the plots need. */
struct vm_point {
	int64_t t;
	double pct;              /* mean over the VM's vCPUs, percent */
	size_t host, vm;         /* indexes into report.names */
};

struct net_point {
	int64_t t;
	double bps;
};

struct mig_sample {
	int64_t t;
	struct tel_progress p;
};

/* One migration: its console records and the engine's events. */
struct mig {
	json_int_t id;
	int has_start, has_exit; /* src "migration" records, the first of each */
	int64_t start_t, exit_t;
	struct session_mig_start start;
	struct session_mig_exit exit;
	int has_estart, has_summary, has_failed;
	int64_t estart_t;
	struct tel_start estart;
	struct tel_summary summary;
	struct tel_phase_event failed;
	int64_t phase_t[TEL_PHASE_COUNT];   /* first event of each phase; 0: none */
	struct tel_round *rounds;
	size_t nrounds;
	struct mig_sample *samples;
	size_t nsamples, capsamples;
};

struct report {
	const char *path;
	size_t records;          /* valid records */
	unsigned lines, bad, first_bad, skipped;
	char first_bad_why[160];
	int nr_hosts;            /* the session's hosts (the first open's) */
	struct session_host hosts[SESSION_MAX_HOSTS];
	int has_hosts;
	double cap_bps;          /* the session's cap; -1 unknown */
	struct mig *migs;
	size_t nmigs;
	struct vm_point *vmp;
	size_t nvmp, capvmp;
	struct net_point *net;
	size_t nnet, capnet;
	char net_method[16];     /* of the first net record */
	char **names;            /* interned host and VM names */
	size_t nnames;
};

/* ---- report_read.c ---- */

/* Read r->path. Returns 0, or -1 with the reason in why (unreadable, of
 * another session version, no valid record, out of memory). */
int report_read(struct report *r, char *why, size_t len);
void report_free(struct report *r);

const char *report_mig_vm(const struct mig *m);
/* The source's (dest = 0) or destination's host name. */
const char *report_mig_host(const struct report *r, const struct mig *m, int dest);
/* The migration's cap in bit/s (0 = none, -1 = unknown). */
double report_mig_cap(const struct report *r, const struct mig *m);
/* The migration's ranks: the engine's own count if it started, else the
 * console's request; 0 if neither is in the log. */
int64_t report_mig_ranks(const struct mig *m);
/* Engine telemetry lines `dsmig migrate`'s reader could not read (not
 * JSON, too long, cut short), as the exit record says; 0 if it says
 * nothing. */
int64_t report_mig_bad_lines(const struct mig *m);

/* Where a migration sits in time, for normalised time (0 = pre-copy
 * starts, 1 = the source is released). */
struct mig_span {
	int64_t t0, t1;          /* both 0 if unknown */
	int has_downtime;        /* stop-and-copy and resumed seen */
	int64_t pause, resume;   /* their times (ns), if has_downtime */
};

void report_mig_span(const struct mig *m, struct mig_span *sp);
double report_span_x(const struct mig_span *sp, int64_t t);

/* The series of a migration's plots. */
enum series_kind {
	SER_VCPU_SRC_PROBE,      /* the VM's vCPU % on the source (probe) */
	SER_VCPU_SRC_ENGINE,     /* the same, from the engine's samples */
	SER_VCPU_DST_PROBE,      /* on the destination (probe) */
	SER_NET_PROBE,           /* wire throughput, bit/s (network probe) */
	SER_NET_ENGINE,          /* the engine's send rate, bit/s */
	SER_COUNT
};

/* Called for each point in the plotted range, in time order per series;
 * returns 0 or -errno (which stops the walk). */
typedef int (*series_fn)(void *ctx, enum series_kind k, int64_t t, double x, double y);

/* Walk m's series over sp (t0 known). Throughput is SER_NET_PROBE if the
 * network probe ran during this migration, else SER_NET_ENGINE. Returns
 * 0 or fn's error. */
int report_mig_series(const struct report *r, const struct mig *m,
		      const struct mig_span *sp, series_fn fn, void *ctx);

/* ---- report_text.c ---- */

void report_print(const struct report *r, const struct mig *m);
/* `--data`: what the reader could not use, one "session" line first
 * (docs/console.md). Returns 0 or -1. */
int report_data_session(const struct report *r);
/* `--data`: m as JSON lines on stdout (docs/console.md). Returns 0 or -1. */
int report_data(const struct report *r, const struct mig *m);

/* ---- report_plot.c ---- */

/* Write m's PNGs as outdir/stem-mig<N>-*.png. Returns 0 or -errno (with a
 * message). */
int report_plot(const struct report *r, const struct mig *m, const char *outdir,
		const char *stem);

#endif /* DSMIG_CLI_REPORT_H */

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
 *   report_pdata.c  a migration's plot data files (seconds from its
 *                   start) and what its plots mark (phases, post-copy)
 *   report_gp.c     gnuplot: the pieces of scripts the figures share,
 *                   and running it
 *   report_plot.c   a migration's PNGs, or the reason it has none
 *   report_compare.c  `--compare`: several runs side by side, one PNG
 */
#ifndef DSMIG_CLI_REPORT_H
#define DSMIG_CLI_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
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
	double nic_bps;          /* the guest's own NIC traffic; < 0: none */
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
	int64_t resident_t;      /* dsm-pull: first post-copy event with every
				    missing page sent; 0: none */
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
const char *report_mig_method(const struct mig *m);
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
	int64_t done;            /* the engine's done (ns); 0: none */
	int64_t postcopy;        /* dsm-pull: post-copy began (ns); 0: none */
	int64_t resident;        /* dsm-pull: every page resident (ns), from
				    the summary's resident_ns, else the
				    post-copy events; 0: unknown */
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
	SER_NIC_PROBE,           /* the guest's own NIC traffic, bit/s, from
				    whichever host reports it (vm probe) */
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
/* The cap in words: "12 Mbit/s cap", "uncapped" or "cap unknown" (-1). */
const char *report_cap_text(double bps, char *buf, size_t len);
/* 1 with why a run did not move the VM, on one line (the engine's error,
 * else the exit status in words), if it did not; 0 if it moved. */
int report_mig_failed(const struct mig *m, char *why, size_t len);
/* `--data`: what the reader could not use, one "session" line first
 * (docs/console.md). Returns 0 or -1. */
int report_data_session(const struct report *r);
/* `--data`: m as JSON lines on stdout (docs/console.md). Returns 0 or -1. */
int report_data(const struct report *r, const struct mig *m);

/* ---- report_pdata.c ---- */

/* The y scale of the dirty-pages charts shared by the runs of one
 * workload: the tallest round and the smallest non-zero one. Start with
 * { 0, -1 }. */
struct dirty_scale {
	int64_t max, min;        /* min -1: none */
};

/* Widen s to m's rounds. */
void dirty_scale_add(struct dirty_scale *s, const struct mig *m);

/* The data files of a migration's plots, in a temporary directory,
 * prefixed by the run's index: "<idx>-net.dat". */
enum plot_data {
	DAT_VCPU_SRC_PROBE, DAT_VCPU_SRC_ENGINE, DAT_VCPU_DST_PROBE,
	DAT_NET, DAT_DIRTY, DAT_COUNT
};

/* One run as its plots show it. Times are seconds from the migration's
 * start (sp.t0); -1 where unknown. */
struct plot_mig {
	const struct mig *m;
	int idx;                 /* the data files' prefix */
	struct mig_span sp;
	size_t points[DAT_COUNT];
	int net_from_probe, has_hot;
	double cap_bps;          /* as report_mig_cap() */
	double max_vcpu, max_mbps;
	double end_s;            /* sp.t1 */
	double pause_s, resume_s, done_s, postcopy_s, resident_s;
	char head[192];          /* "migration N: VM  SRC -> DST", cleaned */
	char what[160];          /* "METHOD, CAP, downtime X ms", cleaned */
	char title[384];         /* head and what on one line */
	char reason[256];        /* why it did not move, cleaned; "" if it did */
};

/* Describe m as p (no files). Returns 1 if it has a span (t0 known) and
 * so plots, else 0. */
int plot_mig_init(const struct report *r, const struct mig *m, int idx, struct plot_mig *p);
/* Write p's data files into dir (p from plot_mig_init(), with a span).
 * Returns 0 or -errno. */
int plot_mig_write(const struct report *r, struct plot_mig *p, const char *dir);
/* Remove p's data files from dir (those that exist). */
void plot_mig_unlink(const struct plot_mig *p, const char *dir);
/* "<idx>-<what>.dat" of kind k. */
void plot_mig_dat(const struct plot_mig *p, enum plot_data k, char *buf, size_t len);
/* Whether p has a vCPU series. */
int plot_mig_has_vcpu(const struct plot_mig *p);

/* ---- report_gp.c ---- */

/* A temporary directory in $TMPDIR (else /tmp) into dir. Returns 0 or
 * -errno (with a message). */
int gp_tmpdir(char *dir, size_t len);
/* The terminal (pngcairo when there, else png) and the common style. */
void gp_begin(FILE *gp, int width, int height);
/* The time axis (seconds, from x0 to x1) and p's markers: start, pause,
 * resume, done; the downtime shaded; dsm-pull's post-copy shaded up to
 * the time every page was resident, marked. labels: name the markers. */
void gp_time_axis(FILE *gp, const struct plot_mig *p, double x0, double x1, int labels);
/* Clear the markers. */
void gp_unmark(FILE *gp);
/* One series of a plot command, after a comma when not the first; data
 * names the data directory argument (ARGn); style and title are ours. */
void gp_series(FILE *gp, const struct plot_mig *p, const char *data, enum plot_data k,
	       int *first, const char *style, const char *title);
/* p's vCPU and network series (without the plot's set-up). */
void gp_vcpu_series(FILE *gp, const struct plot_mig *p, const char *data);
void gp_net_series(FILE *gp, const struct report *r, const struct plot_mig *p,
		   const char *data);
/* p's dirty-pages bars on scale s. */
void gp_dirty(FILE *gp, const struct plot_mig *p, const char *data, const struct dirty_scale *s);
/* Run gnuplot -c script with args (a NULL-terminated list of at most 9,
 * used as string values by the script). Its messages go to stderr,
 * cleaned. Returns 0 or -errno (with a message naming what). */
int gp_run(const char *script, const char *const args[], const char *what);

/* ---- report_plot.c ---- */

/* Write m's PNGs as outdir/stem-mig<N>-*.png, with its dirty-pages charts
 * on scale s; a run that did not move the VM also gets its reason in
 * outdir/stem-mig<N>-failed.txt. Returns 0 or -errno (with a message). */
int report_plot(const struct report *r, const struct mig *m, const char *outdir,
		const char *stem, const struct dirty_scale *s);
/* The dirty-pages scale of the runs of m's VM in r. */
void report_dirty_scale(const struct report *r, const struct mig *m, struct dirty_scale *s);

/* ---- report_compare.c ---- */

/* At most this many runs side by side (gnuplot takes 9 arguments). */
#define REPORT_COMPARE_MAX 6

/* `--compare`: the runs of rs (n reports) in one PNG, out, a column per
 * run and a row per metric, on the same scales. Returns 0 or -errno (with
 * a message). */
int report_compare(const struct report *rs, size_t n, const char *out);

#endif /* DSMIG_CLI_REPORT_H */

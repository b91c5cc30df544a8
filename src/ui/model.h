/*
 * What the console shows, as data: hosts and their VMs, the migration in
 * progress (or last finished) with its time series, phases, rounds and
 * summary. The model changes only through model_apply(), fed with session
 * records (docs/telemetry.md, "Console session logs"), so a live session
 * and its replay build the same model from the same records. Drawing code
 * reads the model and never collects data itself.
 */
#ifndef DSMIG_UI_MODEL_H
#define DSMIG_UI_MODEL_H

#include <jansson.h>
#include <stdint.h>

#include "common/telemetry_read.h"
#include "ui/predict.h"
#include "ui/queue.h"

#define MODEL_MAX_HOSTS 16
#define MODEL_MAX_VMS 32
#define MODEL_MAX_VCPUS 8
#define SERIES_CAP 1200      /* 2 minutes at 10 Hz */
#define MODEL_MAX_ROUNDS 64
#define MODEL_MAX_PHASES 16
#define MODEL_LOG_LINES 64
#define MODEL_MAX_HISTORY 32 /* finished migrations kept; the oldest goes */
/* How long after a migration's exit the web clients' seconds still count
 * for it: the clients see the end later than the engine. */
#define MODEL_CLIENT_TAIL_S 3.0

/* A ring of (time, value) points; times in seconds since the session start. */
struct series {
	double t[SERIES_CAP];
	double v[SERIES_CAP];
	int head, n;
};

void series_push(struct series *s, double t, double v);
/* Copy the points with t >= since, oldest first, into t/v (cap entries);
 * returns how many. */
int series_window(const struct series *s, double since, double *t, double *v, int cap);

struct vm_view {
	char host[64], name[65], workload[17], state[16];
	int vcpus;
	uint64_t mem_bytes;
	double vcpu_pct[MODEL_MAX_VCPUS];
	double vcpu_total;          /* mean over vCPUs, percent */
	double dirty_pps;           /* distinct pages per second; < 0: n/a */
	double progress_ps;
	uint64_t progress;
	struct series cpu_hist;     /* vcpu_total over time */
	struct vm_footprint fp;     /* its VMM's latest footprint, if has_fp:
				       what a launch is predicted from */
	int has_fp;
};

/* A round as the dirty-pages chart shows it: pages_sent and hot_deferred
 * as telemetry_read_round_pages() defines them (deferred pages are not
 * among the sent ones). */
struct round_view {
	int round;
	int final;
	int64_t pages_sent, zero_pages, dirtied, hot_deferred;
	double bytes, duration_s;
};

/* A host as its latest host probe record says (docs/telemetry.md, "probe":
 * "host"); has_probe is 0 until the first one. A value the record did
 * not carry is n/a: cpu_pct < 0, mem_total 0. The link is its words
 * ("12 Mbit/s lab link"). */
struct host_view {
	int has_probe;
	char hv[8], link[64];
	double cpu_pct;
	int64_t mem_used, mem_total;    /* bytes */
	int shared;                     /* the machine's numbers, shared by the
					   hosts on it */
	char unreachable[160];          /* an ssh host's connection is down:
					   ssh's reason; "" when it is up */
};

struct phase_view {
	char name[24];
	double t;                   /* session time it began */
};

struct migration_view {
	int id;                     /* 0: none yet */
	int active;                 /* launched and not exited */
	char vm[65], from[64], to[64], method[16], bandwidth[16];
	char wire_na[96];           /* "": the wire (or the engine) gives the rate */
	int ranks, verify;
	double cap_bps;             /* engine cap, bit/s (0 = none) */
	double t_launch, t_exit;
	double t_pause, t_resume;   /* session time; < 0 if not (yet) */
	char phase[24];
	int round;
	struct phase_view phases[MODEL_MAX_PHASES];
	int nr_phases;
	struct round_view rounds[MODEL_MAX_ROUNDS];
	int nr_rounds;
	struct series vcpu_src, vcpu_dst;   /* percent */
	struct series net_bps;              /* wire (probe) */
	struct series nic_bps;              /* the VM's own NIC, where it runs */
	double bytes_sent;
	/* dsm-pull after resume: pages still on the source, sent, faulted */
	uint64_t pc_missing, pc_sent, pc_faults;
	struct tel_summary summary; /* the engine summary, if has_summary */
	int has_summary;
	struct tel_estimate est;    /* the engine's latest re-prediction of
				       what is left, if has_est */
	int has_est;
	struct tel_heat heat;       /* the latest page-heat map, if has_heat */
	int has_heat;
	/* What the console predicted before the launch, if has_predicted
	 * (src/ui/predict.h). */
	double predicted_total_s, predicted_downtime_s, predicted_bytes;
	int has_predicted;
	int exit_status;            /* -1 while running */
	int cancelled;              /* the operator cancelled it */
	char error[256];
	/* What the web clients saw (`dsmig webclient`'s seconds, client
	 * records), from the launch until MODEL_CLIENT_TAIL_S after the exit:
	 * client_seconds records (0: no client ran, nothing to show), their
	 * requests summed, and the longest gap_ns of those that carried one
	 * (client_has_gap). */
	int client_seconds;
	int64_t client_ok, client_failed, client_resets, client_gap_ns;
	int client_has_gap;
};

/* A finished migration, as its exit record left it: what the VM detail
 * view lists of a VM's migrations this session. */
struct mig_history {
	int id;
	char vm[65], from[64], to[64], method[16], bandwidth[16];
	double cap_bps;             /* bit/s (0 = none) */
	int exit_status, cancelled;
	double t_launch, t_exit;    /* session time */
	struct tel_summary summary; /* if has_summary */
	int has_summary;
	struct round_view rounds[MODEL_MAX_ROUNDS];
	int nr_rounds;
};

struct model {
	double t0_wall;             /* wall time (s) of the first record */
	double now;                 /* session time of the latest record */
	double cap_bps;             /* session default cap */
	int nr_hosts;
	char hosts[MODEL_MAX_HOSTS][64];
	struct host_view host_info[MODEL_MAX_HOSTS];   /* hosts[i]'s numbers */
	int nr_vms;
	struct vm_view vms[MODEL_MAX_VMS];
	/* The migration in front: the most recently started one. With a
	 * queue running several at once, the charts, the card and the title
	 * bar follow it; the others are followed only as far as the queue
	 * shows them (queue.h: state, phase, percent, downtime). */
	struct migration_view mig;
	struct queue queue;         /* the migration queue (queue.h) */
	struct mig_history history[MODEL_MAX_HISTORY];  /* oldest first */
	int nr_history;
	struct tel_summary prev_summary;   /* previous migration of the same
					      VM, method and cap, if has_prev */
	int has_prev;
	char net_method[16];        /* "pcap", "procfs" or "" */
	char net_note[160];
	char log[MODEL_LOG_LINES][160];
	int log_head, log_n;
	/* Session records applied (decoded), skipped (unknown src or
	 * engine event type) and refused (malformed, another version), and
	 * engine telemetry lines that were no JSON (bad_lines: what `dsmig
	 * migrate`'s exit record says its reader skipped). */
	struct tel_tally tally;
};

void model_init(struct model *m);
void model_reset(struct model *m);     /* drop everything (replay seeks) */

/* Apply one session record, read by session_log_decode() (typed: nothing
 * here reads its JSON), and count it in
 * m->tally: unknown records are skipped, refused ones (malformed, or of
 * another version) ignored; the first refusal goes to the event log. */
void model_apply(struct model *m, json_t *rec);

/* Add a line to the event log (also used for operator-visible notes). */
void model_log(struct model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The n-th most recent log line (0 = newest), or NULL. */
const char *model_log_line(const struct model *m, int n);

/* The VM view for host/name, creating it if create is set. */
struct vm_view *model_vm(struct model *m, const char *host, const char *name, int create);

/* The VM called name on any host, in any state but gone (the first, if
 * a migration has it at both ends), or NULL. */
const struct vm_view *model_vm_named(const struct model *m, const char *name);

/* The index of host name in m->hosts, or -1. */
int model_host(const struct model *m, const char *name);

/* VMs the VM probe last saw on host name that are not gone. */
int model_host_vms(const struct model *m, const char *name);

/* Downtime so far: running clock while paused, final once resumed, <0 if
 * the migration has not paused yet. */
double model_downtime(const struct model *m);

#endif /* DSMIG_UI_MODEL_H */

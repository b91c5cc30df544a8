/*
 * Reading console session logs (docs/telemetry.md, "Console session
 * logs"): the one reader that replay, the console's model and `dsmig
 * report` share. The writer is src/ui/session.c (its records are made in
 * src/ui/live.c, src/ui/vmact.c and src/probes/).
 *
 * A record is a JSON object with the session version "v", the wall-clock
 * time "t" (ns) and a source "src"; session_log_decode() checks those and
 * then the record's own fields, table by table as telemetry_read.c does
 * (common/fields.h), into a typed record: the session's open and close,
 * the vCPU, network and host probes' samples, a migration's start, previous
 * summary and exit, an operator's action (with its arguments for the
 * actions on VMs, common/vmspec.h), what became of an action on a VM,
 * the migration queue's changes, the web clients' records (copied from
 * `dsmig webclient --out`), and engine records, whose
 * telemetry event under "ev" telemetry_read_decode() reads. A log is
 * hostile input: lines longer than SESSION_LINE_MAX or holding a NUL
 * byte, lines that are not JSON and malformed records (a required field
 * missing, a field of the wrong type or out of range) are refused and
 * counted (the first one named with its reason); records of an unknown
 * src, probe, event or engine event type are kept for the caller to
 * skip, and counted; a record of another session version (a positive
 * integer other than SESSION_VERSION) refuses the whole log, since
 * nothing in it can be trusted to mean what this reader thinks; a "v"
 * that is no positive integer is just a malformed record. Strings are
 * copied bounded and cleaned (text_clean()); unknown fields are
 * ignored; optional fields a record lacks read as 0 and are told apart
 * from a 0 by session_log_has().
 */
#ifndef DSMIG_COMMON_SESSION_LOG_H
#define DSMIG_COMMON_SESSION_LOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/telemetry_read.h"
#include "common/vmspec.h"

/* The session log's major version, written in every record's "v". */
#define SESSION_VERSION 1

/* The longest line read; a longer one is refused (and skipped), as is a
 * line holding a NUL byte. */
#define SESSION_LINE_MAX (1024 * 1024)

enum session_src {
	SESSION_SRC_UNKNOWN,     /* a src this reader does not know: skip */
	SESSION_SRC_SESSION,
	SESSION_SRC_PROBE,
	SESSION_SRC_ENGINE,
	SESSION_SRC_MIGRATION,
	SESSION_SRC_OPERATOR,
	SESSION_SRC_QUEUE,
	SESSION_SRC_VMACT,
	SESSION_SRC_CLIENT,      /* a `dsmig webclient --out` record, copied */
};

/* What a record is (the src and its "probe" or "event"). */
enum session_type {
	SESSION_REC_UNKNOWN,     /* an unknown src, probe or event: skip */
	SESSION_REC_OPEN,        /* session "open" (u.open) */
	SESSION_REC_CLOSE,       /* session "close" */
	SESSION_REC_VM,          /* probe "vm" (u.vm) */
	SESSION_REC_NET,         /* probe "net" (u.net) */
	SESSION_REC_HOST,        /* probe "host" (u.host) */
	SESSION_REC_MIG_START,   /* migration "start" (u.start) */
	SESSION_REC_MIG_PREVIOUS,/* migration "previous" (u.previous) */
	SESSION_REC_MIG_EXIT,    /* migration "exit" (u.exit) */
	SESSION_REC_ENGINE,      /* engine: the event in ev */
	SESSION_REC_OPERATOR,    /* operator (u.operator) */
	SESSION_REC_QUEUE_ADD,   /* queue "add" (u.queue) */
	SESSION_REC_QUEUE_PARALLEL, /* queue "parallel" (u.queue) */
	SESSION_REC_QUEUE_CANCEL,/* queue "cancel" (u.queue) */
	SESSION_REC_QUEUE_FAIL,  /* queue "fail" (u.queue) */
	SESSION_REC_VMACT_DONE,  /* vmact "done" (u.vmact) */
	SESSION_REC_VMACT_FAILED,/* vmact "failed" (u.vmact) */
	SESSION_REC_CLIENT_SECOND,  /* client "second" (u.client) */
	SESSION_REC_CLIENT_SUMMARY, /* client "summary" (u.client) */
};

/* Hosts in an open record, vCPUs in a vm probe record: more is refused. */
#define SESSION_MAX_HOSTS 16
#define SESSION_MAX_VCPUS 64

struct session_host {
	char name[64], runtime[256];
};

/* session "open": mode, hosts and cap_bps are required. */
struct session_open {
	char mode[16];                  /* "live" or "replay" */
	int nr_hosts;
	struct session_host hosts[SESSION_MAX_HOSTS];
	double cap_bps;                 /* the console's default cap, bit/s */
};

/* probe "vm": host, vm and state are required (a VM that stopped
 * answering has nothing else); the rest is optional (session_log_has()). */
struct session_vm {
	char host[64], vm[65], state[16], workload[17];
	int vcpus;
	int64_t mem_bytes;
	int nr_vcpu_pct;                /* entries in vcpu_pct (0: absent) */
	double vcpu_pct[SESSION_MAX_VCPUS];   /* percent, one per vCPU */
	double dirty_pps, progress_ps;
	double nic_bps;                 /* the guest's own NIC traffic, bit/s */
	int64_t progress;               /* the guest's counter, saturated */
	int domid;                      /* a Xen domain's id (xen hosts only) */
	double cpu_pct;                 /* a Xen domain's CPU %, as xentop's */
	/* Its VMM's query-footprint (a kvm VM's, about once a second), all
	 * or none: what the console predicts a migration from. */
	int fp_windows;
	double fp_window_s;
	int64_t fp_ws_pages, fp_hot_pages, fp_zero_pages, fp_sample_pages, fp_sample_bytes;
	uint64_t present;
};

/* probe "net": netns and note are optional. */
struct session_net {
	char iface[32], method[16], filter[64], netns[64], host[64], note[160];
	int64_t bytes;
	double bps;
	uint64_t present;
};

/* probe "host": host, hv and link are required; cpu_pct (0..100),
 * mem_used and mem_total (bytes, used <= total; both or neither),
 * link_bps (> 0, at most UNITS_RATE_MAX), shared and unreachable (an ssh
 * host whose connection is down: ssh's reason, not empty) are optional
 * (session_log_has()): a value the probe could not read is absent. */
struct session_host_stats {
	char host[64], hv[8], link[64];
	char unreachable[160];          /* ssh's reason; "" when absent */
	double cpu_pct;                 /* the machine's CPU use, percent */
	int64_t mem_used, mem_total;    /* the machine's memory, bytes */
	double link_bps;                /* the link's shaped rate, bit/s */
	int shared;                     /* the numbers are the machine's, which
					   other hosts of the file share */
	uint64_t present;
};

/* migration "start": all required but item (the queue item it runs;
 * 0: none, a migration launched on its own). */
struct session_mig_start {
	char vm[65], from[64], to[64], method[16];
	char bandwidth[16];             /* the cap as written ("12M") */
	double bandwidth_bps;           /* that text as a rate, bit/s (0: none);
					   -1 if it is no rate units_parse_rate()
					   reads */
	int ranks, max_iters, verify;
	int item;
	/* What the console predicted before the launch (src/ui/predict.h),
	 * if it could: optional, all or none. */
	double predicted_total_s, predicted_downtime_s;
	int64_t predicted_bytes;
	/* Optional: why the wire of this migration is not measured (the
	 * throughput chart then stays empty and says so). */
	char wire_na[96];
	uint64_t present;
};

/* migration "exit": status required; error (a string, or null for none)
 * and telemetry_bad_lines optional. */
struct session_mig_exit {
	int status;
	char error[256];
	int64_t telemetry_bad_lines;
	uint64_t present;
};

/* operator: action required. Its "args" are read only for the actions
 * on VMs (vm_action not VM_ACTION_NONE): "args" is then an object with
 * host (not empty) and vm (a VM name, vmspec_check_name()), both
 * required; a "vm-start" also has image (vmspec_check_image()) and mem
 * (memory vmspec_parse_mem() takes). Other actions' args are not read. */
struct session_operator {
	char action[32];
	enum vm_action vm_action;
	char host[64], vm[65], image[65], mem[VMSPEC_MEM_TEXT];
};

/* vmact records, what became of the operator's action on a VM: action
 * (a VM action's name: "vm-start" ...), host (not empty) and vm (a VM
 * name) required; "failed" also has error, required and not empty (a
 * "done" record's error, a string if there, is not used). */
struct session_vmact {
	char action[32];
	enum vm_action vm_action;
	char host[64], vm[65], error[160];
};

/* The most migrations of a queue that run at once. */
#define SESSION_QUEUE_MAX_PARALLEL 4

/* queue records: "add" has item and the request (vm, from, to, method,
 * bandwidth, ranks, max_iters, verify), all required; "parallel" has
 * parallel (1..SESSION_QUEUE_MAX_PARALLEL); "cancel" has item; "fail"
 * (an item that could not start) has item and error. item is >= 1. */
struct session_queue {
	int item;
	char vm[65], from[64], to[64], method[16], bandwidth[16];
	int ranks, max_iters, verify;
	int parallel;
	char error[160];
};

/* The web client records' version (docs/telemetry.md, "Web client
 * records"): another is refused. */
#define SESSION_CLIENT_VERSION 1

/* client records: a `dsmig webclient --out` record as it wrote it, under
 * "client" (its own v, t and type: "webclient-second" for a "second"
 * record, "webclient-summary" for a "summary" one). A second has sec,
 * ok, failed, resets, max_latency_ns and outstanding, all required, and
 * gap_ns, optional (a webclient before it did not write it); a summary
 * has every field of its table but failed_by, all required. t is the
 * client's own wall clock (the second's start, the run's end). */
struct session_client {
	int v;
	int64_t t;
	char type[32];
	/* second */
	int64_t sec, ok, failed, resets, max_latency_ns, gap_ns;
	int outstanding;
	/* summary (and failed, resets) */
	char target[64];
	int conns, interrupted;
	double rate, rps_mean;
	int64_t requests, reconnects, outstanding_end, longest_gap_ns, longest_gap_at;
	int64_t mean_latency_ns, bytes_in, duration_ns;
	uint64_t present;
};

/* A record, decoded. */
struct session_rec {
	int64_t v;               /* the version it claims (0: none, or not a
				    positive integer) */
	int64_t t;               /* wall clock, ns since the epoch */
	enum session_src src;
	enum session_type type;
	int64_t mig;             /* engine and migration records: the migration */
	struct tel_event ev;     /* engine records: the event (TEL_UNKNOWN: skip) */
	union {
		struct session_open open;
		struct session_vm vm;
		struct session_net net;
		struct session_host_stats host;
		struct session_mig_start start;
		struct tel_summary previous;   /* the engine's summary event
						  of an earlier run */
		struct session_mig_exit exit;
		struct session_operator operator;
		struct session_queue queue;
		struct session_vmact vmact;
		struct session_client client;
	} u;
};

/* Decode one record. Returns 0 with *out filled (out->type
 * SESSION_REC_UNKNOWN, or an engine event of type TEL_UNKNOWN, for a
 * record to skip), or -1 with the reason in why: not an object, no
 * integer v, t or string src, another version (out->v tells which), an
 * engine or migration record without an integer "mig", a probe record
 * without a string "probe", a session or migration record without a
 * string "event", a malformed field ("vm probe: \"vcpus\" is not an
 * integer"), a "previous" record whose "summary" is no engine summary
 * telemetry_read_decode() accepts, an engine record whose "ev" it
 * refuses. A refused record's out->type and out->mig say what it claimed
 * to be, when it got that far. Never keeps a reference to rec. */
int session_log_decode(json_t *rec, struct session_rec *out, char *why, size_t len);

/* 1 if a record of type type whose body's present mask is present (the
 * vm, net, host, start, exit and client records' "present") carried the field key, as
 * docs/telemetry.md names it ("dirty_pps", "error"), else 0: their
 * optional fields read as 0 when absent ("vcpu_pct": nr_vcpu_pct > 0). */
int session_log_has(enum session_type type, uint64_t present, const char *key);

/* 1 if a decoded record is one the caller should skip (unknown src,
 * probe, event or engine event type), else 0. */
int session_log_skipped(const struct session_rec *r);

/* Count the result rc of session_log_decode() (with its why and record)
 * in *tl as telemetry_read_tally() does: refused, skipped (unknown src,
 * probe, event or engine event type) or decoded. Returns 1 if the record is to be used. */
int session_log_tally(struct tel_tally *tl, int rc, const struct session_rec *r,
		      const char *why);

/* A whole log in memory. */
struct session_log {
	json_t **recs;           /* the records decode accepted, in file order */
	size_t n;
	unsigned lines;
	unsigned bad;            /* lines refused */
	unsigned first_bad;      /* line number of the first, 0 if none */
	char first_bad_why[160];
	unsigned skipped;        /* records of an unknown src, probe, event or
				    engine event type */
};

/* Load path. Returns 0 if at least one record was accepted, or -1 with a
 * message in why: unreadable, out of memory, a record of another session
 * version, or no valid record at all. */
int session_log_load(struct session_log *l, const char *path, char *why, size_t len);

void session_log_free(struct session_log *l);

/* Time of record i in seconds (wall clock). */
double session_log_time(const struct session_log *l, size_t i);

#endif /* DSMIG_COMMON_SESSION_LOG_H */

/*
 * `dsmig migrate`: launch the engine under mpirun, follow its telemetry
 * (a progress line on a terminal), and print the paper's four metrics.
 *
 * This command is also the referee: when mpirun exits, successful or not,
 * it asks the two VMMs themselves what state they are in and settles the
 * migration by the one rule of cli/settle.h, so that exactly one copy of
 * the VM runs, or the operator is told plainly that none can (exit codes
 * in cli.h, the table in docs/reliability.md). Nothing is done on the
 * strength of a VMM that did not answer.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/migrate_ssh.h"
#include "cli/settle.h"
#include "common/ctl_client.h"
#include "common/guest_metrics.h"
#include "common/hosts.h"
#include "common/jsonl_tail.h"
#include "common/keyfile.h"
#include "common/log.h"
#include "common/migreq.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/ssh_link.h"
#include "common/text.h"
#include "common/telemetry_read.h"
#include "hv/hv.h"

/* Cancellation: SIGINT/SIGTERM stop the engine, and the migration is then
 * settled like any failure (the source keeps running). */
static volatile sig_atomic_t cancelled;

static void on_cancel(int sig)
{
	(void)sig;
	cancelled = 1;
}

#define MIGRATE_DEFAULT_TIMEOUT_S 600
/* How long the ranks may take to die once mpirun has gone. */
#define RANKS_GONE_MS 5000

/* The request (common/migreq.h; from and to become runtime directories
 * once resolved) and this command's own options. */
struct migrate_opts {
	struct migreq req;
	const char *log;
	unsigned timeout_s;
	int json;
	int rollback;             /* --on-postcopy-failure rollback */
	/* The source's progress and clock sampled before the engine starts
	 * ("PROGRESS:TIME_NS" for the engine's --baseline-from), or "". */
	char baseline_from[48];
};

/* What the telemetry told us so far, read by common/telemetry_read.h. */
struct follow {
	struct jsonl_tail tail;
	struct tel_tally tally;   /* events decoded, skipped, refused */
	json_t *summary;          /* the "summary" event as written (--json) */
	json_t *iterations;       /* the "iteration" events as written (--json) */
	struct tel_summary sum;   /* the summary, decoded (if summary) */
	struct tel_round *rounds; /* the iterations, decoded */
	size_t nrounds;
	char phase[32];
	char error[512];
	double bytes, rate_bps, vcpu;
	int round;
	struct tel_estimate est;  /* the latest re-prediction, if has_est */
	int has_est;
	int switched;             /* the destination may have run the guest */
	uint64_t switched_ns;     /* time_mono_ns() when we learnt it */
};

static void migrate_usage(FILE *f)
{
	char bw[UNITS_RATE_TEXT];

	units_format_rate(MIGREQ_DEFAULT_BANDWIDTH_BPS, bw, sizeof(bw));
	fprintf(f,
		"usage: dsmig migrate VM --to HOST [--from HOST] [--method precopy|dsm|dsm-pull]\n"
		"         [--bandwidth RATE] [--ranks N] [--max-iters K] [--target-dirty N]\n"
		"         [--downtime-target MS]\n"
		"         [--verify] [--log FILE] [--json] [--timeout SECONDS]\n"
		"         [--on-postcopy-failure pause|rollback]\n"
		"         [--switch-timeout MS] [--no-convergence-stop]\n"
		"         [--hot-window K] [--hot-threshold T]   (dsm: hot = dirtied in >= T of K rounds)\n"
		"         [--compress auto|on|off] [--delta auto|on|off]   (LZ4; XOR+LZ4 of resent pages)\n"
		"HOST is a name from the hosts file (docs/architecture.md) or a VMM\n"
		"runtime directory; the source defaults to this host's directory.\n"
		"RATE is in bit/s: 12M, 12Mbit, 12mbps, 1.5G, 100k, 12000000 (default\n"
		"%s); 0 means unlimited, else 1k at least. --log keeps the engine's\n"
		"telemetry (JSON lines, docs/telemetry.md). --timeout bounds the whole migration\n"
		"(%d s), --switch-timeout each wait for the destination at the\n"
		"switch-over (%d ms). Pre-copy stops after --max-iters rounds (%d), below\n"
		"--target-dirty pages (%d), when what is left would go within\n"
		"--downtime-target (%d ms; 0: never) at the last round's rate, or when\n"
		"the guest dirties faster than we send (unless --no-convergence-stop).\n"
		"If the destination fails after the switch-over, the source keeps the\n"
		"VM paused as it was then (pause, the default; exit 5) or runs it\n"
		"again, losing what the guest did since (rollback; exit 7). Exit\n"
		"codes: docs/reliability.md.\n", bw, MIGRATE_DEFAULT_TIMEOUT_S,
		MIGREQ_DEFAULT_SWITCH_TIMEOUT_MS, MIGREQ_DEFAULT_MAX_ITERS,
		MIGREQ_DEFAULT_TARGET_DIRTY, MIGREQ_DEFAULT_DOWNTIME_TARGET_MS);
}

static void self_dir(char *buf, size_t len)
{
	char self[PATH_MAX];

	proc_self_exe(self, sizeof(self));
	snprintf(buf, len, "%s", dirname(self));
}

/* ---- following the telemetry ---------------------------------------- */

/* Keep a round (r) and the event it came from (ev), for the summary. */
static void follow_round(struct follow *fl, json_t *ev, const struct tel_round *r)
{
	struct tel_round *p = reallocarray(fl->rounds, fl->nrounds + 1, sizeof(*p));

	if (!p) {
		log_error("out of memory keeping round %d", r->round);
		return;
	}
	fl->rounds = p;
	fl->rounds[fl->nrounds++] = *r;
	json_array_append(fl->iterations, ev);
}

static void follow_event(struct follow *fl, json_t *ev)
{
	struct tel_event e;
	char why[160];
	int rc = telemetry_read_decode(ev, &e, why, sizeof(why));

	if (!telemetry_read_tally(&fl->tally, rc, &e, why))
		return;
	switch (e.type) {
	case TEL_PHASE:
		snprintf(fl->phase, sizeof(fl->phase), "%s",
			 telemetry_read_phase_name(e.u.phase.phase));
		if (e.u.phase.phase == TEL_PHASE_FAILED)
			snprintf(fl->error, sizeof(fl->error), "%s", e.u.phase.error);
		/* Resumed (or pulling) on the destination, or failed after
		 * GO with the source kept paused: the guest may have run
		 * there. */
		if (!fl->switched &&
		    (e.u.phase.phase == TEL_PHASE_RESUMED ||
		     e.u.phase.phase == TEL_PHASE_POST_COPY ||
		     e.u.phase.phase == TEL_PHASE_DONE ||
		     (e.u.phase.phase == TEL_PHASE_FAILED && e.u.phase.source_running == 0))) {
			fl->switched = 1;
			fl->switched_ns = time_mono_ns();
		}
		break;
	case TEL_PROGRESS:
		fl->bytes = (double)e.u.progress.bytes;
		fl->rate_bps = e.u.progress.rate_bps;
		fl->vcpu = e.u.progress.vcpu_pct;
		fl->round = e.u.progress.round;
		break;
	case TEL_ROUND:
		follow_round(fl, ev, &e.u.round);
		break;
	case TEL_ESTIMATE:
		fl->est = e.u.estimate;
		fl->has_est = 1;
		break;
	case TEL_SUMMARY:
		json_decref(fl->summary);
		fl->summary = json_incref(ev);
		fl->sum = e.u.summary;
		break;
	default:
		break;
	}
}

/* Read whatever complete lines the engine has written since last time. */
static void follow_poll(struct follow *fl)
{
	json_t *ev;

	while ((ev = jsonl_tail_next(&fl->tail))) {
		follow_event(fl, ev);
		json_decref(ev);
	}
}

/* The engine's latest re-prediction, as the progress line ends it:
 * "  47%, 3.20 MiB left, resumed in ~4.1 s, downtime if paused now
 * 120 ms" (domjobinfo's fields, from the engine's own estimate), or ""
 * before the first round has measured anything. */
static void estimate_text(const struct follow *fl, char *buf, size_t len)
{
	const struct tel_estimate *x = &fl->est;

	buf[0] = '\0';
	if (!fl->has_est || strcmp(fl->phase, "precopy"))
		return;
	snprintf(buf, len, "  %.0f%%, %.2f MiB left, resumed in ~%.1f s, downtime if paused now %.0f ms",
		 x->percent, (double)x->bytes_left / 1048576.0, (double)x->until_resume_ns / 1e9,
		 (double)x->downtime_now_ns / 1e6);
}

static void progress_line(const struct follow *fl, int tty, char *last_phase)
{
	char est[160];

	if (tty) {
		estimate_text(fl, est, sizeof(est));
		fprintf(stderr, "\r\033[K[%s] round %d  %.2f MiB sent  %.2f Mbit/s  vCPU %.0f%%%s",
			fl->phase[0] ? fl->phase : "starting", fl->round,
			fl->bytes / 1048576.0, fl->rate_bps / 1e6, fl->vcpu, est);
	} else if (strcmp(last_phase, fl->phase)) {
		fprintf(stderr, "dsmig: phase %s\n", fl->phase);
	}
	snprintf(last_phase, 32, "%s", fl->phase);
}

/* ---- running the engine ----------------------------------------------- */

/* Where the ranks run. In the lab (both hosts have a namespace and an
 * address), mpirun starts them through `dsmig lab exec` (its rsh agent,
 * which enters the host's namespace); between ssh hosts, through ssh
 * (the agent of ssh_mpi_agent(), to the hosts' ssh addresses). Either
 * way the even ranks run on the source and the odd ones on the
 * destination (--map-by node over --host SRC,DST), and MPI's TCP traffic
 * crosses the hosts' network. Otherwise all ranks run here and talk over
 * loopback. */
enum placement_kind { PLACE_LOCAL, PLACE_LAB, PLACE_SSH };

struct placement {
	enum placement_kind kind;
	const struct host *src, *dst;   /* PLACE_LAB, PLACE_SSH */
	const char *hosts_file;         /* for the lab's agent */
	char agent[PATH_MAX + 32];      /* mpirun's rsh agent (not PLACE_LOCAL) */
	char net[64];                   /* btl/oob_tcp_if_include */
};

static pid_t spawn_engine(const struct migrate_opts *o, struct placement *pl,
			  const char *hv, const char *telemetry, const char *key_file,
			  const char *engine_log)
{
	char dir[PATH_MAX], engine[PATH_MAX + 16], np[16];
	char hosts[2 * sizeof(pl->src->ssh_host) + 2];
	/* mpirun's 47 at most, the engine, the request, --hv H, --telemetry F,
	 * --key-file K, --baseline-from B, NULL */
	const char *argv[60 + MIGREQ_ARGV_MAX], *net = "lo";
	struct migreq_argv req;
	int n = 0, i;

	self_dir(dir, sizeof(dir));
	snprintf(engine, sizeof(engine), "%s/dsmig-engine", dir);
	snprintf(np, sizeof(np), "%u", o->req.ranks);
	argv[n++] = "mpirun";
	argv[n++] = "-np";
	argv[n++] = np;
	argv[n++] = "--oversubscribe";
	argv[n++] = "--bind-to";
	argv[n++] = "none";
	if (pl->kind == PLACE_LAB) {
		snprintf(pl->agent, sizeof(pl->agent), "%s/dsmig lab exec", dir);
		snprintf(hosts, sizeof(hosts), "%s,%s", pl->src->addr, pl->dst->addr);
		setenv("DSMIG_HOSTS", pl->hosts_file, 1);
		snprintf(pl->net, sizeof(pl->net), "%s", LAB_SUBNET);
	} else if (pl->kind == PLACE_SSH) {
		snprintf(hosts, sizeof(hosts), "%s,%s", pl->src->ssh_host, pl->dst->ssh_host);
		/* The ranks on other machines get the key from the
		 * environment (keyfile.h), and as root Open MPI's consent. */
		argv[n++] = "-x";
		argv[n++] = KEYFILE_ENV;
		if (geteuid() == 0) {
			argv[n++] = "-x";
			argv[n++] = "OMPI_ALLOW_RUN_AS_ROOT";
			argv[n++] = "-x";
			argv[n++] = "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM";
		}
	}
	if (pl->kind != PLACE_LOCAL) {
		argv[n++] = "--mca";
		argv[n++] = "plm_rsh_agent";
		argv[n++] = pl->agent;
		/* mpirun starts every daemon itself (no daemon starts another
		 * from inside a namespace, nor needs ssh keys of its own). */
		argv[n++] = "--mca";
		argv[n++] = "plm_rsh_no_tree_spawn";
		argv[n++] = "1";
		argv[n++] = "--host";
		argv[n++] = hosts;
		argv[n++] = "--map-by";
		argv[n++] = "node";
		net = pl->net;
	}
	/* TCP transport, so that the traffic is on a network interface that
	 * probes can watch: the lab's subnet (the hosts' interfaces, and the
	 * bridge mpirun reaches its daemons through), the ssh hosts' network
	 * (hosts_mpi_net()), else loopback. */
	/* The ranks carry the migration's tag, wherever they are started,
	 * so that none outlives a dead mpirun unnoticed. */
	argv[n++] = "-x";
	argv[n++] = PROC_MIGRATION_TAG;
	/* ob1 drives the TCP BTL below; without this, Open MPI first probes
	 * UCX's PML (no such network here), 0.2 s of every start-up. */
	argv[n++] = "--mca";
	argv[n++] = "pml";
	argv[n++] = "ob1";
	/* With dsmig-vmm the ranks share the host's cores with the guest
	 * they migrate: a rank waiting in MPI yields the core instead of
	 * spinning on it (round 0 took 3x as long while two ranks spun).
	 * Not in a Xen dom0, whose vCPUs are not the guest's; whether it
	 * would help there is not measured (docs/xen.md). */
	if (!hv || !strcmp(hv, "kvm")) {
		argv[n++] = "--mca";
		argv[n++] = "mpi_yield_when_idle";
		argv[n++] = "1";
	}
	argv[n++] = "--mca";
	argv[n++] = "btl";
	argv[n++] = "tcp,self";
	argv[n++] = "--mca";
	argv[n++] = "btl_tcp_if_include";
	argv[n++] = net;
	argv[n++] = "--mca";
	argv[n++] = "oob_tcp_if_include";
	argv[n++] = net;
	/* Confine the engine's data connections to a port range that the
	 * console's capture filter can name (docs/probes.md). */
	argv[n++] = "--mca";
	argv[n++] = "btl_tcp_port_min_v4";
	argv[n++] = MIGRATE_PORT_MIN;
	argv[n++] = "--mca";
	argv[n++] = "btl_tcp_port_range_v4";
	argv[n++] = MIGRATE_PORT_RANGE;
	argv[n++] = engine;
	migreq_to_argv(&o->req, &req);
	for (i = 0; i < req.argc; i++)
		argv[n++] = req.argv[i];
	if (hv) {
		argv[n++] = "--hv";
		argv[n++] = hv;
	}
	/* Rank 0 of ssh hosts runs on another machine: it writes its
	 * telemetry to its stdout, which mpirun forwards to its own, our
	 * telemetry file (mpirun's own messages go to stderr: the log). */
	argv[n++] = "--telemetry";
	argv[n++] = pl->kind == PLACE_SSH ? "fd:1" : telemetry;
	if (pl->kind != PLACE_SSH) {
		argv[n++] = "--key-file";
		argv[n++] = key_file;
	}
	if (o->baseline_from[0]) {
		argv[n++] = "--baseline-from";
		argv[n++] = o->baseline_from;
	}
	argv[n] = NULL;

	if (geteuid() == 0) {
		/* Open MPI refuses root unless told twice. */
		setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
		setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
	}
	return proc_spawn(argv, pl->kind == PLACE_SSH ? telemetry : engine_log, engine_log, 0);
}

/* Copy the engine's own messages (not mpirun's boilerplate) to stderr,
 * cleaned as every reader cleans log text (text_clean(): no
 * control character or escape sequence reaches the terminal). */
static void show_engine_errors(const char *engine_log)
{
	FILE *f = fopen(engine_log, "re");
	char line[1024], clean[1024];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "dsmig-engine", 12) && !strstr(line, "cannot run mpirun"))
			continue;
		line[strcspn(line, "\n")] = '\0';
		text_clean(clean, sizeof(clean), line);
		fprintf(stderr, "%s\n", clean);
	}
	fclose(f);
}

/* mpirun's verdict when it lost one of its daemons (the host went away,
 * the network to it broke, its orted was killed): "ORTE has lost
 * communication with a remote daemon ... Remote daemon: [[J,0],V] on node
 * ADDR". Writes into buf which host that was, named as the hosts file
 * names it where one has that address, and returns 1; 0 if the log does
 * not say so. */
static int engine_lost_daemon(const char *engine_log, const struct host_list *hosts,
			      char *buf, size_t len)
{
	FILE *f = fopen(engine_log, "re");
	char line[1024], node[128] = "", clean[128];
	const char *at;
	unsigned i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Remote daemon:") && (at = strstr(line, " on node ")))
			sscanf(at + 9, "%127s", node);
	fclose(f);
	if (!node[0])
		return 0;
	text_clean(clean, sizeof(clean), node);
	for (i = 0; i < hosts->n; i++)
		if (!strcmp(hosts->h[i].ssh_host, node) || !strcmp(hosts->h[i].addr, node)) {
			snprintf(buf, len, "%s (%s)", hosts->h[i].name, clean);
			return 1;
		}
	snprintf(buf, len, "%s", clean);
	return 1;
}

/* ---- settling a failed migration ----------------------------------- */

static int vm_do(struct ctl_client *c, const char *cmd)
{
	json_t *r = NULL;
	int rc = ctl_client_execute(c, cmd, NULL, &r, NULL, 5000);

	json_decref(r);
	return rc;
}

/* Carry out one side's action; says so if it fails. 0 or -1. */
static int settle_act(struct ctl_client *c, enum settle_act act, const char *side)
{
	const char *cmd = act == ACT_QUIT ? "quit" : "resume";

	if (act == ACT_NONE)
		return 0;
	if (c && vm_do(c, cmd) == 0)
		return 0;
	log_error("could not %s the %s VM", act == ACT_QUIT ? "release" : "resume", side);
	return -1;
}

/* Where this command reaches the two VMMs: their runtime directories,
 * or for ssh hosts the local ends of forwards (cli/migrate_ssh.h). */
struct ends {
	const char *dir[2];             /* by enum migrate_side */
	struct migrate_ssh *ssh;        /* NULL: dir[] are local */
};

/* settle_probe() of one side. Over ssh its socket is forwarded first, if
 * there is one; ssh failing leaves the side unknown, with ssh's reason. */
static void probe_side(const struct ends *e, enum migrate_side side, const char *vm,
		       struct side *s, struct ctl_client **c)
{
	if (e->ssh && migrate_ssh_expose(e->ssh, side, s->why, sizeof(s->why)) < 0) {
		char why[sizeof(s->why)];

		snprintf(why, sizeof(why), "%s", s->why);
		memset(s, 0, sizeof(*s));
		s->state = SIDE_UNKNOWN;
		snprintf(s->why, sizeof(s->why), "%s", why);
		*c = NULL;
		return;
	}
	settle_probe(e->ssh ? migrate_ssh_dir(e->ssh, side) : e->dir[side], vm, s, c);
}

/* The referee (cli/settle.h): ask both VMMs, decide, act, say where the
 * VM is. why is the engine's failure (NULL when it succeeded). */
static int settle(const struct migrate_opts *o, const struct ends *e, const struct follow *fl,
		  int engine_ok, const char *why)
{
	struct settle_facts f = { .engine_ok = engine_ok, .switched = fl->switched,
				  .rollback = o->rollback };
	struct ctl_client *src, *dst;
	struct settle_outcome out;
	int rc, i;

	probe_side(e, MIGRATE_SRC, o->req.vm, &f.src, &src);
	/* Our ranks are gone; the source's VMM may not have seen their
	 * connection close yet. A lock still held after that is another
	 * client's. */
	for (i = 0; f.src.migrating && i < 20; i++) {
		if (src)
			ctl_client_close(src);
		nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
		probe_side(e, MIGRATE_SRC, o->req.vm, &f.src, &src);
	}
	probe_side(e, MIGRATE_DST, o->req.vm, &f.dst, &dst);
	settle_decide(&f, &out);
	rc = out.exit;
	/* A discard or release that fails is said; a source that could not
	 * be resumed leaves the VM nowhere running: unknown. */
	settle_act(dst, out.dst, "destination");
	if (settle_act(src, out.src, "source") < 0 && out.src == ACT_RESUME)
		rc = CLI_UNKNOWN;
	if (rc != CLI_OK) {
		if (f.src.state == SIDE_UNKNOWN)
			log_error("the source VMM gave no usable answer: %s", f.src.why);
		if (f.dst.state == SIDE_UNKNOWN)
			log_error("the destination VMM gave no usable answer: %s", f.dst.why);
		if (f.dst.missing_pages > 0)
			log_error("the destination lacks %lld pages, which only the source holds",
				  (long long)f.dst.missing_pages);
		if (out.exit == CLI_ROLLED_BACK || out.exit == CLI_SWITCH_BROKEN)
			log_error("the switch-over was %.1f s ago",
				  (double)(time_mono_ns() - fl->switched_ns) / 1e9);
		log_error("%s%s%s", why ? why : "", why ? "; " : "", out.where);
	}
	if (src)
		ctl_client_close(src);
	if (dst)
		ctl_client_close(dst);
	return rc;
}

/* The workload's progress and the VMM's clock at the oldest of the
 * VMM's recent samples (progress_samples: up to 1.5 s ago), else now, for
 * the engine's baseline (--baseline-from): the rate before the migration
 * was asked for, so the engine need not wait for a window of its own.
 * Leaves baseline "" when the guest keeps no counters or the VMM does
 * not answer: the engine measures alone. */
static void sample_baseline(struct ctl_client *c, char *baseline, size_t len)
{
	json_t *r = NULL, *ctr, *progress, *time_ns, *oldest;

	baseline[0] = '\0';
	if (ctl_client_execute(c, "query-stats", NULL, &r, NULL, 2000) != 0)
		return;
	ctr = json_object_get(r, "counters");
	progress = json_object_get(ctr, "progress");
	time_ns = json_object_get(r, "time_ns");
	oldest = json_array_get(json_object_get(r, "progress_samples"), 0);
	if (json_array_size(oldest) == 2 && json_is_integer(json_array_get(oldest, 0)) &&
	    json_is_integer(json_array_get(oldest, 1)) && json_is_integer(progress) &&
	    json_integer_value(json_array_get(oldest, 1)) <= json_integer_value(progress)) {
		time_ns = json_array_get(oldest, 0);
		progress = json_array_get(oldest, 1);
	}
	if (json_is_integer(progress) && json_is_integer(time_ns) &&
	    json_integer_value(progress) >= 0 && json_integer_value(time_ns) > 0)
		snprintf(baseline, len, "%lld:%lld", (long long)json_integer_value(progress),
			 (long long)json_integer_value(time_ns));
	json_decref(r);
}

/* Before anything starts: the source VM must be running and in no other
 * migration, and the destination must have no VM of that name (its
 * discarding on failure would hit someone else's). Returns 0, or -1 with
 * the reason said. */
static int preflight(const struct migreq *r, const struct ends *e, char *baseline,
		     size_t baseline_len)
{
	struct ctl_client *c;
	struct side s, d;

	probe_side(e, MIGRATE_SRC, r->vm, &s, &c);
	if (c) {
		if (s.state == SIDE_RUNNING)
			sample_baseline(c, baseline, baseline_len);
		ctl_client_close(c);
	}
	if (s.state == SIDE_ABSENT || s.state == SIDE_UNKNOWN) {
		log_error("no VM '%s' answers on %s: %s", r->vm, r->from,
			  s.state == SIDE_ABSENT ? "no such VM (no control socket)" : s.why);
		return -1;
	}
	if (s.migrating) {
		log_error("VM '%s' is already being migrated: one migration at a time", r->vm);
		return -1;
	}
	if (s.state != SIDE_RUNNING) {
		log_error("VM '%s' is %s on %s, not running: nothing was started",
			  r->vm, side_state_name(s.state), r->from);
		return -1;
	}
	probe_side(e, MIGRATE_DST, r->vm, &d, &c);
	if (c)
		ctl_client_close(c);
	if (d.state != SIDE_ABSENT) {
		log_error("a VM named '%s' is already on the destination %s (%s%s%s): nothing was started",
			  r->vm, r->to, side_state_name(d.state), d.state == SIDE_UNKNOWN ? ": " : "",
			  d.state == SIDE_UNKNOWN ? d.why : "");
		return -1;
	}
	return 0;
}

/* A Xen migration's referee: the backend reads the domains' names and
 * states (hv.h, recover). */
static int settle_xen(const struct migrate_opts *o, const char *why)
{
	const struct hv_ops *hv = hv_find("xen");
	char what[256];
	int r = hv->stream->recover(o->req.from, o->req.vm, what, sizeof(what));

	if (r == 1) {
		log_error("%s; but the VM runs on the destination now (source released)", why);
		return CLI_AFTER_SWITCH;
	}
	if (r == 0) {
		log_error("migration failed: %s; the VM keeps running on the source", why);
		return CLI_FAILED;
	}
	if (r == -ENOENT) {
		log_error("migration failed: %s; and %s: VM LOST", why, what);
		return CLI_VM_LOST;
	}
	log_error("migration failed: %s; settling it failed too: %s", why, what);
	return CLI_FAILED;
}

/* Is the request a Xen migration? Both ends must then name the hosts
 * file's xen host, the dom0 dsmig runs in (a missing --from means it):
 * Xen domains migrate only within it until ranks reach another host
 * (docs/xen.md). Returns 1 yes, 0 no, -1 with why for a mix. */
static int xen_request(const struct host_list *l, struct migreq *r, char *why, size_t len)
{
	int fx = r->from[0] && hosts_is_xen(l, r->from), tx = hosts_is_xen(l, r->to);

	if (!fx && !tx)
		return 0;
	if (!r->from[0]) {
		snprintf(r->from, sizeof(r->from), "%s", r->to);
		fx = 1;
	}
	if (!fx || !tx)
		return errbuf_set(why, len, "a Xen domain migrates between Xen hosts only "
				  "(--from %s, --to %s)", r->from, r->to);
	return 1;
}

/* ---- the summary ----------------------------------------------------------- */

static void human_bytes(char *buf, size_t len, double b)
{
	if (b >= 1048576)
		snprintf(buf, len, "%.2f MiB", b / 1048576);
	else if (b >= 1024)
		snprintf(buf, len, "%.1f KiB", b / 1024);
	else
		snprintf(buf, len, "%.0f B", b);
}

/* A summary value as text, or "n/a" where the record did not carry it
 * (have = 0): never a measured-looking 0. */
static const char *or_na(const char *text, int have)
{
	return have ? text : "n/a";
}

/* The post-copy line of a dsm-pull summary: n/a for what the record
 * lacked (telemetry_read_summary_has(), as the console's card does). */
static void print_summary_postcopy(const struct tel_summary *s)
{
	char pages[24], bytes[32], faults[24], median[24], max[24], resident[24];

	snprintf(pages, sizeof(pages), "%lld", (long long)s->postcopy.missing_pages);
	human_bytes(bytes, sizeof(bytes), (double)s->bytes.postcopy);
	snprintf(faults, sizeof(faults), "%lld", (long long)s->postcopy.faults);
	snprintf(median, sizeof(median), "%.1f ms", (double)s->postcopy.fault_median_ns / 1e6);
	snprintf(max, sizeof(max), "%.1f ms", (double)s->postcopy.fault_max_ns / 1e6);
	snprintf(resident, sizeof(resident), "%.1f ms", (double)s->postcopy.resident_ns / 1e6);
	printf("  post-copy                 %10s pages after resume (%s): %s faults, "
	       "median %s, max %s; all resident after %s%s\n",
	       or_na(pages, telemetry_read_summary_has(s, "postcopy.missing_pages")),
	       or_na(bytes, telemetry_read_summary_has(s, "bytes.postcopy")),
	       or_na(faults, telemetry_read_summary_has(s, "postcopy.faults")),
	       or_na(median, telemetry_read_summary_has(s, "postcopy.fault_median_ns")),
	       or_na(max, telemetry_read_summary_has(s, "postcopy.fault_max_ns")),
	       or_na(resident, telemetry_read_summary_has(s, "postcopy.resident_ns")),
	       telemetry_read_summary_has(s, "postcopy.fault_median_ns") &&
	       telemetry_read_summary_has(s, "postcopy.resident_ns") &&
	       telemetry_read_summary_has(s, "bytes.postcopy") ? "" :
	       " (n/a: not in the engine's summary)");
}

static void print_summary(const struct migrate_opts *o, const struct follow *fl)
{
	const struct tel_summary *s = &fl->sum;
	const struct tel_round *it;
	char b1[32], b2[32], b3[32], cap[UNITS_RATE_TEXT], slow[GUEST_METRICS_TEXT];
	char t1[GUEST_METRICS_TEXT], t2[GUEST_METRICS_TEXT], t3[GUEST_METRICS_TEXT];
	size_t i;

	units_format_rate(o->req.bandwidth_bps, cap, sizeof(cap));
	printf("Migration of '%s': %s -> %s, %s, %u ranks, cap %s\n", o->req.vm, o->req.from,
	       o->req.to, o->req.method, o->req.ranks, o->req.bandwidth_bps > 0 ? cap : "none");
	printf("  %5s %-8s %9s %9s %12s %10s %9s\n", "round", "kind", "pages", "zero",
	       "bytes", "time", "dirtied");
	for (i = 0; i < fl->nrounds; i++) {
		it = &fl->rounds[i];
		human_bytes(b1, sizeof(b1), (double)it->bytes);
		printf("  %5d %-8s %9lld %9lld %12s %8.1fms %9lld\n", it->round,
		       it->final ? "final" : "precopy", (long long)it->pages_sent,
		       (long long)it->zero_pages, b1, (double)it->duration_ns / 1e6,
		       (long long)it->dirtied_pages);
	}
	human_bytes(b1, sizeof(b1), (double)s->bytes_total);
	human_bytes(b2, sizeof(b2), (double)s->bytes.rounds);
	human_bytes(b3, sizeof(b3), (double)s->bytes.state);
	/* What the guest lived through leads; the engine's downtime beside. */
	printf("  the guest's longest stall %10s   (from its heartbeat: %s)\n",
	       guest_metrics_span(s, "guest_stall_ns", t1, sizeof(t1)),
	       guest_metrics_span(s, "guest_stall_hb_ns", t2, sizeof(t2)));
	printf("  degraded time             %10s   (progress below half its rate before)\n",
	       guest_metrics_span(s, "degraded_ns", t1, sizeof(t1)));
	printf("  switch-over gap           %10s   (the guest's heartbeat across it)\n",
	       guest_metrics_span(s, "guest_downtime_ns", t1, sizeof(t1)));
	printf("  downtime (engine)         %10s   (source paused to destination running)\n",
	       guest_metrics_span(s, "downtime_ns", t1, sizeof(t1)));
	if (guest_metrics_na(s))
		printf("  n/a: %s\n", guest_metrics_na(s));
	printf("  total migration time      %10.1f ms\n", (double)s->total_time_ns / 1e6);
	printf("  data transferred          %13s   (pages %s, state %s)\n", b1, b2, b3);
	printf("  application               before %s, during %s (slowdown %s), after %s\n",
	       guest_metrics_rate(s, "before", t1, sizeof(t1)),
	       guest_metrics_rate(s, "during", t2, sizeof(t2)),
	       guest_metrics_slowdown(s, slow, sizeof(slow)),
	       guest_metrics_rate(s, "after", t3, sizeof(t3)));
	printf("  iterations                %10lld   (stopped: %s)\n", (long long)s->iterations,
	       s->stop_reason);
	printf("  verify                    %10s\n", s->verify);
	if (s->has_postcopy)
		print_summary_postcopy(s);
}

/* ---- the command ----------------------------------------------------------- */

/* The ssh host a --from or --to argument names (a host name, not a
 * path), or NULL. */
static const struct host *ssh_end(const struct host_list *l, const char *arg)
{
	const struct host *h = strchr(arg, '/') ? NULL : hosts_find(l, arg);

	return hosts_is_ssh(h) ? h : NULL;
}

/* A migration between the ssh hosts src and dst: mpirun's agent and the
 * network of its TCP traffic (both hosts', one list if they differ).
 * Returns 0, or -1 with the reason in why. */
static int ssh_placement(struct placement *pl, const struct host *src, const struct host *dst,
			 char *why, size_t len)
{
	char net_src[32], net_dst[32];

	if (!strcmp(src->name, dst->name))
		return errbuf_set(why, len, "source and destination are the same host (%s)",
				  src->name);
	if (ssh_mpi_agent(pl->agent, sizeof(pl->agent), src, dst, why, len) ||
	    hosts_mpi_net(src, net_src, sizeof(net_src), why, len) ||
	    hosts_mpi_net(dst, net_dst, sizeof(net_dst), why, len))
		return -1;
	pl->kind = PLACE_SSH;
	pl->src = src;
	pl->dst = dst;
	snprintf(pl->net, sizeof(pl->net), "%s%s%s", net_src, strcmp(net_src, net_dst) ? "," : "",
		 strcmp(net_src, net_dst) ? net_dst : "");
	return 0;
}

/* The migration's key (docs/security.md): a 0600 file in key_file that
 * every rank reads, or for ranks on ssh hosts (no shared file system)
 * KEYFILE_ENV in our environment, which mpirun passes on (-x); key_file
 * is then "". Returns 0 or -errno. */
static int make_key(const struct placement *pl, char *key_file)
{
	char hex[KEYFILE_HEX_LEN + 1];
	int rc;

	if (pl->kind != PLACE_SSH)
		return keyfile_make(key_file);
	key_file[0] = '\0';
	rc = keyfile_hex(hex);
	if (!rc && setenv(KEYFILE_ENV, hex, 1))
		rc = -errno;
	explicit_bzero(hex, sizeof(hex));
	return rc;
}

/* This command's own options, beside the request's. */
static int take_migrate_opt(void *arg, int c, const char *v, char *why, size_t len)
{
	struct migrate_opts *o = arg;
	uint64_t t;

	switch (c) {
	case 'l': o->log = v; return 0;
	case 'j': o->json = 1; return 0;
	case 'R':
		if (strcmp(v, "pause") && strcmp(v, "rollback"))
			return errbuf_set(why, len, "--on-postcopy-failure takes pause or rollback, not '%s'", v);
		o->rollback = !strcmp(v, "rollback");
		return 0;
	case 'T':
		if (units_parse_count(v, UINT_MAX, &t) || t == 0)
			return errbuf_set(why, len, "--timeout takes seconds (1 or more), not '%s'", v);
		o->timeout_s = (unsigned)t;
		return 0;
	default:
		return errbuf_set(why, len, "internal: option %d", c);
	}
}

/* The request (common/migreq.h) and our options, checked before anything
 * starts; -1 with the reason printed. --help prints the usage and exits. */
static int parse_migrate(int argc, char **argv, struct migrate_opts *o)
{
	static const struct option own[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "on-postcopy-failure", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const struct migreq_extra extra = { own, take_migrate_opt, o };
	char why[256];
	int rc;

	o->timeout_s = MIGRATE_DEFAULT_TIMEOUT_S;
	rc = migreq_from_argv(&o->req, argc, argv, &extra, why, sizeof(why));
	if (rc == MIGREQ_HELP) {
		migrate_usage(stdout);
		exit(CLI_OK);
	}
	/* One line: the reason, not buried under the usage. */
	if (rc)
		log_error("%s; see dsmig migrate --help", why);
	return rc;
}

int cmd_migrate(int argc, char **argv)
{
	struct migrate_opts o = { 0 };
	struct follow fl = { 0 };
	char rundir[PATH_MAX], telemetry[PATH_MAX + 64], engine_log[PATH_MAX + 80];
	char key_file[PATH_MAX + 64], tag[64];
	char last_phase[32] = "", err[256], from_dir[MIGREQ_HOST_MAX], to_dir[MIGREQ_HOST_MAX];
	char tally[320];
	struct host_list hosts;
	struct placement pl = { .kind = PLACE_LOCAL };
	struct migrate_ssh ssh;
	struct ends ends = { .ssh = NULL };
	const struct host *ssh_src = NULL, *ssh_dst = NULL;
	int tty = isatty(STDERR_FILENO), status, rc, xen, engine_ok;
	uint64_t deadline;
	pid_t pid;

	if (parse_migrate(argc, argv, &o))
		return CLI_USAGE;
	if (dsmig_runtime_dir(rundir, sizeof(rundir)))
		log_fatal(CLI_FAILED, "no runtime directory");
	if (hosts_load(&hosts, NULL, err, sizeof(err)))
		log_fatal(CLI_USAGE, "%s", err);
	xen = xen_request(&hosts, &o.req, err, sizeof(err));
	if (xen < 0)
		log_fatal(CLI_USAGE, "%s", err);
	if (!xen) {
		ssh_src = ssh_end(&hosts, o.req.from[0] ? o.req.from : rundir);
		ssh_dst = ssh_end(&hosts, o.req.to);
		if (!ssh_src != !ssh_dst)
			log_fatal(CLI_USAGE, "an ssh host migrates to or from another ssh host only "
				  "(--from %s, --to %s)", o.req.from[0] ? o.req.from : rundir,
				  o.req.to);
		if (ssh_src && ssh_placement(&pl, ssh_src, ssh_dst, err, sizeof(err)))
			log_fatal(CLI_USAGE, "%s", err);
	}
	if (!xen && (hosts_resolve(&hosts, o.req.from[0] ? o.req.from : rundir, from_dir,
				   sizeof(from_dir), err, sizeof(err)) ||
		     hosts_resolve(&hosts, o.req.to, to_dir, sizeof(to_dir), err, sizeof(err))))
		log_fatal(CLI_USAGE, "%s", err);
	if (!xen) {
		snprintf(o.req.from, sizeof(o.req.from), "%s", from_dir);
		snprintf(o.req.to, sizeof(o.req.to), "%s", to_dir);
		/* Two ssh hosts may well use the same path, each its own. */
		if (!ssh_src && migreq_check_ends(o.req.from, o.req.to, err, sizeof(err)))
			log_fatal(CLI_USAGE, "%s", err);
		/* Nothing starts unless both hosts are reached (ssh's reason
		 * otherwise: a wrong host key, a refused connection). */
		if (ssh_src && migrate_ssh_open(&ssh, ssh_src, ssh_dst, rundir, o.req.vm, err,
						sizeof(err)))
			log_fatal(CLI_FAILED, "nothing was started: %s", err);
		ends.ssh = ssh_src ? &ssh : NULL;
		ends.dir[MIGRATE_SRC] = o.req.from;
		ends.dir[MIGRATE_DST] = o.req.to;
		if (preflight(&o.req, &ends, o.baseline_from, sizeof(o.baseline_from))) {
			if (ends.ssh)
				migrate_ssh_close(ends.ssh);
			return CLI_FAILED;
		}
	}

	if (o.log)
		snprintf(telemetry, sizeof(telemetry), "%s", o.log);
	else
		snprintf(telemetry, sizeof(telemetry), "%s/.migrate-%s.%ld.jsonl", rundir,
			 o.req.vm, (long)getpid());
	snprintf(engine_log, sizeof(engine_log), "%s.engine.log", telemetry);
	unlink(telemetry);
	if (pl.kind != PLACE_SSH) {
		pl.src = hosts_by_runtime(&hosts, o.req.from);
		pl.dst = hosts_by_runtime(&hosts, o.req.to);
		pl.hosts_file = hosts.path;
		if (hosts_in_lab(pl.src) && hosts_in_lab(pl.dst))
			pl.kind = PLACE_LAB;
	}
	/* The migration's key: made here, read by every rank, gone with the
	 * engine (docs/security.md). */
	snprintf(key_file, sizeof(key_file), "%s/.key-%s.%ld", rundir, o.req.vm, (long)getpid());
	rc = make_key(&pl, key_file);
	if (rc) {
		if (ends.ssh)
			migrate_ssh_close(ends.ssh);
		log_fatal(CLI_FAILED, "cannot make the migration key %s: %s", key_file,
			  strerror(-rc));
	}
	snprintf(tag, sizeof(tag), "%ld", (long)getpid());
	setenv(PROC_MIGRATION_TAG, tag, 1);
	snprintf(tag, sizeof(tag), "%s=%ld", PROC_MIGRATION_TAG, (long)getpid());
	pid = spawn_engine(&o, &pl, xen ? "xen" : NULL, telemetry, key_file, engine_log);
	if (pid < 0) {
		if (key_file[0])
			unlink(key_file);
		if (ends.ssh)
			migrate_ssh_close(ends.ssh);
		log_fatal(CLI_FAILED, "cannot start the engine: %s", strerror(errno));
	}

	fl.iterations = json_array();
	jsonl_tail_init(&fl.tail, telemetry);
	signal(SIGINT, on_cancel);
	signal(SIGTERM, on_cancel);
	deadline = time_mono_ns() + (uint64_t)o.timeout_s * 1000000000ull;
	for (;;) {
		struct timespec nap = { 0, 100 * 1000000L };
		pid_t done = waitpid(pid, &status, WNOHANG);

		follow_poll(&fl);
		if (done == pid)
			break;
		if (!o.json)
			progress_line(&fl, tty, last_phase);
		if (cancelled || time_mono_ns() > deadline) {
			if (cancelled)
				snprintf(fl.error, sizeof(fl.error), "cancelled by the operator");
			else
				log_error("the migration took longer than %u s: stopping the engine",
					  o.timeout_s);
			kill(pid, SIGTERM);
			nanosleep(&(struct timespec) { 2, 0 }, NULL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		nanosleep(&nap, NULL);
	}
	/* mpirun is gone; its ranks must be too before anyone judges the
	 * VMMs (a rank left behind still holds the source's migration lock,
	 * and might even go on). */
	if (proc_kill_tagged(tag, RANKS_GONE_MS))
		log_error("engine ranks of this migration survive SIGKILL");
	if (key_file[0])
		unlink(key_file);
	unsetenv(KEYFILE_ENV);
	follow_poll(&fl);
	jsonl_tail_close(&fl.tail);
	fl.tally.bad_lines = fl.tail.bad;
	if (tty && !o.json)
		fputc('\n', stderr);
	show_engine_errors(engine_log);

	telemetry_read_tally_text(&fl.tally, tally, sizeof(tally));
	if (tally[0])
		log_warn("telemetry: %s", tally);
	engine_ok = fl.summary && fl.sum.ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (engine_ok) {
		/* Even a success is settled: exit 0 only if the destination
		 * VMM itself says it has the VM. */
		rc = xen ? CLI_OK : settle(&o, &ends, &fl, 1, NULL);
	} else {
		char why[600], lost[200];

		if (!fl.error[0] && engine_lost_daemon(engine_log, &hosts, lost, sizeof(lost)))
			snprintf(fl.error, sizeof(fl.error),
				 "the engine failed: mpirun lost its daemon on %s: that host, "
				 "or the network to it, failed", lost);
		snprintf(why, sizeof(why), "%s", fl.error[0] ? fl.error :
			 WIFSIGNALED(status) || !WIFEXITED(status) ? "the engine was killed" :
			 "the engine failed");
		rc = xen ? settle_xen(&o, why) : settle(&o, &ends, &fl, 0, why);
	}
	if (ends.ssh)
		migrate_ssh_close(ends.ssh);
	if (o.json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:i, s:O?, s:O, s:s?, s:{s:I, s:I, s:I, s:I}}",
					"vm", o.req.vm, "from", o.req.from, "to", o.req.to,
					"status", rc, "summary", fl.summary,
					"iterations", fl.iterations,
					"error", rc ? fl.error : NULL,
					"telemetry", "decoded", (json_int_t)fl.tally.decoded,
					"skipped", (json_int_t)fl.tally.skipped,
					"refused", (json_int_t)fl.tally.refused,
					"bad_lines", (json_int_t)fl.tally.bad_lines);
		char *text = json_dumps(out, JSON_COMPACT);

		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(out);
	} else if (rc == CLI_OK) {
		print_summary(&o, &fl);
	}
	if (!o.log)
		unlink(telemetry);
	if (rc == CLI_OK)
		unlink(engine_log);
	json_decref(fl.summary);
	json_decref(fl.iterations);
	free(fl.rounds);
	return rc;
}

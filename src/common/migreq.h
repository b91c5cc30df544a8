/*
 * One migration request: what VM to move where, by which method, at what
 * rate, with which knobs. It travels from the console (or `dsmig record`)
 * to `dsmig migrate` and from there to every rank of dsmig-engine, each
 * time as a command line. This module is the one contract for that
 * command line: the defaults, the option table (the same spellings for
 * all three programs), the limits, and the argv written for the next one.
 *
 *   migreq_defaults(&r);                       the only place defaults live
 *   migreq_from_argv(&r, argc, argv, ...);     a program's own command line
 *   migreq_to_argv(&r, &a);                    the next program's options
 *
 * A struct migreq is plain data: fixed-size strings, no pointers, safe to
 * copy. Nothing here allocates.
 */
#ifndef DSMIG_COMMON_MIGREQ_H
#define DSMIG_COMMON_MIGREQ_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rundir.h"
#include "common/units.h"

/* Defaults, written here only. Pre-copy's stop policy is Xen's
 * (tools/libs/guest/xg_sr_save.c: SPP_MAX_ITERATIONS, SPP_TARGET_DIRTY_COUNT;
 * engine/policy.h); the dsm hot-page rule is "dirtied in 2 of the last 3
 * sync rounds" (dsm/pagedir.h). */
#define MIGREQ_DEFAULT_METHOD          "precopy"
#define MIGREQ_DEFAULT_BANDWIDTH_BPS   12e6     /* the paper's 12 Mbit/s link */
#define MIGREQ_DEFAULT_RANKS           2
#define MIGREQ_DEFAULT_MAX_ITERS       5
#define MIGREQ_DEFAULT_TARGET_DIRTY    50
/* QEMU's rule beside Xen's: stop once the pages left would go in this
 * long at the rate the last round sent (QEMU's downtime-limit is 300 ms;
 * ours is what dsmig's downtimes are). */
#define MIGREQ_DEFAULT_DOWNTIME_TARGET_MS 20
#define MIGREQ_DEFAULT_HOT_WINDOW      3
#define MIGREQ_DEFAULT_HOT_THRESHOLD   2
#define MIGREQ_DEFAULT_SWITCH_TIMEOUT_MS 10000

/* Limits (inclusive), checked by migreq_check(). The most ranks is the
 * VMM's: see migreq_check_ranks(). */
#define MIGREQ_MIN_RANKS               2        /* a source and a destination */
#define MIGREQ_MIN_BANDWIDTH_BPS       1e3      /* 1 kbit/s; 0 = unlimited */
#define MIGREQ_MAX_ITERS_LIMIT         1000
#define MIGREQ_MAX_HOT_WINDOW          16       /* the page directory's history */
#define MIGREQ_MAX_SWITCH_TIMEOUT_MS   3600000  /* an hour */
#define MIGREQ_MAX_DOWNTIME_TARGET_MS  60000    /* a minute */

#define MIGREQ_HOST_MAX 256          /* a hosts-file name or a runtime directory */
#define MIGREQ_METHOD_MAX 16

/* The methods the engine has (engine/method.c), in the console's order. */
#define MIGREQ_NR_METHODS 3
extern const char *const migreq_methods[MIGREQ_NR_METHODS];

/* --compress and --delta. */
enum migreq_codec { MIGREQ_CODEC_AUTO, MIGREQ_CODEC_ON, MIGREQ_CODEC_OFF };

struct migreq {
	char vm[DSMIG_VM_NAME_MAX + 1];  /* --vm NAME, or the one operand */
	char from[MIGREQ_HOST_MAX];      /* --from; "" = the caller's default */
	char to[MIGREQ_HOST_MAX];        /* --to; required */
	char method[MIGREQ_METHOD_MAX];  /* --method: one of migreq_methods */
	double bandwidth_bps;            /* --bandwidth (units.h); 0 = unlimited */
	unsigned ranks;                  /* --ranks: what `dsmig migrate` asks
					    mpirun for; the engine counts
					    MPI's own ranks */
	unsigned max_iters;              /* --max-iters: pre-copy rounds at most */
	uint64_t target_dirty;           /* --target-dirty: stop below this many */
	unsigned downtime_target_ms;     /* --downtime-target: stop when the
					    pages left would take at most this
					    long to send; 0 = never */
	int stop_on_no_convergence;      /* 0 with --no-convergence-stop */
	int verify;                      /* --verify */
	enum migreq_codec compress;      /* --compress auto|on|off (LZ4) */
	enum migreq_codec delta;         /* --delta auto|on|off (XOR+LZ4) */
	unsigned hot_window;             /* --hot-window K (dsm) */
	unsigned hot_threshold;          /* --hot-threshold T <= K (dsm) */
	unsigned switch_timeout_ms;      /* --switch-timeout: each wait for the
					    destination at the switch-over */
};

/* The request with every default and no VM or hosts. */
void migreq_defaults(struct migreq *r);

/* Is r complete and within the limits (VM name valid, --to given, a known
 * method, ranks, iterations, hot threshold <= window...)? 0, or -1 with
 * the reason in why[len]. --from may be empty (callers default it). */
int migreq_check(const struct migreq *r, char *why, size_t len);

/* Can a migration run on n ranks (--ranks, or the engine's MPI world)?
 * Between MIGREQ_MIN_RANKS and what the VMMs allow: every sender rank
 * holds a control connection to the source's VMM and every receiver one
 * to the destination's, and a VMM serves CTL_MAX_CLIENTS (vmm/control.h),
 * of which a few must stay free (migreq.c says which). 0, or -1 with
 * "--ranks must be 2..N" and why N in why[len]. */
int migreq_check_ranks(unsigned n, char *why, size_t len);

/* May a migration go from runtime directory from to runtime directory to?
 * Not when they are the same host under another spelling ("DIR/",
 * "DIR/x/..", a symlink, two host names for one directory): the
 * destination would find the source's VM where it looks for its own, and
 * `dsmig migrate`, settling, would release the source for it. Compared by
 * identity (dsmig_runtime_dir_same()); hosts on other machines, which
 * would need the VMM's own id, do not exist yet. 0, or -1 with "source
 * and destination are the same host (DIR...)" or why they cannot be
 * compared in why[len]. */
int migreq_check_ends(const char *from, const char *to, char *why, size_t len);

/* A program's own options, taken alongside the request's. */
struct migreq_extra {
	/* getopt_long entries ending in a zeroed one, at most
	 * MIGREQ_MAX_EXTRA; flag NULL, val below MIGREQ_OPT_BASE. */
	const struct option *opts;
	/* Called with val and the option's argument (NULL for no_argument);
	 * returns 0, or -1 with the reason in why[len]. */
	int (*take)(void *arg, int val, const char *value, char *why, size_t len);
	void *arg;
};
#define MIGREQ_OPT_BASE 0x100
#define MIGREQ_MAX_EXTRA 8

#define MIGREQ_HELP 1

/* Parse argv[1..argc) (argv[0] is the program) into r, starting from the
 * defaults: the request's options (see the fields above), `--help`, and
 * extra's (extra may be NULL). The VM is `--vm NAME` or the one operand.
 * Then migreq_check(). Returns 0; MIGREQ_HELP when --help was given (r is
 * then incomplete); or -1 with the reason in why[len] (an unknown option,
 * a missing or bad value, a stray operand, or what migreq_check() says).
 * Uses getopt_long() (resets optind, sets opterr to 0; argv is not
 * permuted); string values are copied into r (too long ones refused). */
int migreq_from_argv(struct migreq *r, int argc, char **argv,
		     const struct migreq_extra *extra, char *why, size_t len);

/* The request as options for the next program: `--vm VM [--from FROM] --to
 * TO --method M --bandwidth B`, then only the options whose values differ
 * from the defaults. argv[argc] is NULL. The strings point into *r and
 * into the struct itself: both must outlive any use of argv and r must not
 * change meanwhile. r must pass migreq_check(); migreq_from_argv() on
 * the result gives r back. */
#define MIGREQ_ARGV_MAX 32
struct migreq_argv {
	const char *argv[MIGREQ_ARGV_MAX + 1];
	int argc;
	char text[8][UNITS_RATE_TEXT];    /* the numbers, written out */
};
void migreq_to_argv(const struct migreq *r, struct migreq_argv *a);

#endif /* DSMIG_COMMON_MIGREQ_H */

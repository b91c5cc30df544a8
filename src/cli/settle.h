/*
 * Who runs the VM after a migration, decided from facts: what each host's
 * VMM itself says when asked (or that it is verifiably gone), whether the
 * engine reported the switch-over, the method, and what the operator asked
 * for if post-copy breaks. `dsmig migrate` gathers the facts
 * (settle_probe), asks settle_decide for the one documented outcome, then
 * carries out its actions. docs/reliability.md prints the table.
 *
 * A side is ABSENT only when verified absent: no socket file, or a socket
 * nobody listens on. A VMM that does not answer, or answers with an error,
 * is UNKNOWN, and nothing is ever done on the strength of an unknown.
 */
#ifndef DSMIG_CLI_SETTLE_H
#define DSMIG_CLI_SETTLE_H

#include <stdint.h>

struct ctl_client;

enum side_state {
	SIDE_ABSENT,      /* verified: no VMM for the VM on that host */
	SIDE_UNKNOWN,     /* a VMM may be there, but gave no usable answer */
	SIDE_INCOMING,    /* an incoming VM that never ran */
	SIDE_RUNNING,
	SIDE_PAUSED,
	SIDE_SHUTDOWN,    /* the VMM is exiting */
};

struct side {
	enum side_state state;
	int migrating;           /* another client holds the migration lock */
	int postcopy;            /* post-copy armed and not finished */
	int64_t missing_pages;
	char why[160];           /* UNKNOWN: what went wrong */
};

struct settle_facts {
	int engine_ok;           /* the engine exited 0 with a summary */
	int switched;            /* the destination may have run the guest: the
				    telemetry shows it resumed, or the engine
				    failed after sending GO */
	int rollback;            /* --on-postcopy-failure rollback */
	struct side src, dst;
};

enum settle_act { ACT_NONE, ACT_QUIT, ACT_RESUME };

struct settle_outcome {
	enum settle_act src, dst;
	int exit;                /* enum cli_exit */
	const char *where;       /* where the VM is, for the operator */
};

/* Ask host's VMM for VM name; on SIDE_RUNNING/PAUSED/INCOMING/SHUTDOWN
 * *c is left open for the actions (close it with ctl_client_close). */
void settle_probe(const char *host, const char *name, struct side *s,
		  struct ctl_client **c);

/* The one outcome for these facts (pure: no I/O). */
void settle_decide(const struct settle_facts *f, struct settle_outcome *o);

const char *side_state_name(enum side_state s);

#endif /* DSMIG_CLI_SETTLE_H */

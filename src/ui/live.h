/*
 * The live data source of the console: runs the probes every tick,
 * launches and cancels migrations (a `dsmig migrate` child whose telemetry
 * it follows; several at once for the migration queue, which it runs),
 * and turns everything into session records that are both written to the
 * session log and applied to the model.
 */
#ifndef DSMIG_UI_LIVE_H
#define DSMIG_UI_LIVE_H

#include "common/hosts.h"
#include "common/migreq.h"
#include "ui/model.h"
#include "ui/session.h"

struct live;

/* Start probing hosts; records go to w and m. Returns 0, or -errno with
 * the reason in why (a host whose probe cannot start). */
int live_open(struct live **out, const struct host_list *hosts,
	      struct session_writer *w, struct model *m, char *why, size_t len);

/* Follow path, a `dsmig webclient --out` file (which may not exist yet,
 * and grows while the client runs; one written anew from its start is
 * followed from its start): from the next tick on, each of its
 * webclient-second and webclient-summary records becomes a client
 * record (docs/telemetry.md), written and applied as every datum is.
 * Lines that are no JSON are counted in the event log; nothing goes to
 * stderr. Call once, after live_open(). */
void live_follow_clients(struct live *l, const char *path);

/* One tick (call at 10 Hz): probes, migration telemetry, child exit,
 * the web clients' file. */
void live_tick(struct live *l);

/* Launch a migration of r (checked by the caller: migreq_check(); from
 * and to are host names) as a `dsmig migrate` child; -EBUSY if as many
 * run as can at once. The error text goes to the model's log. */
int live_migrate(struct live *l, const struct migreq *r);

/* Ask the migration in front (the model's mig) to stop, the source keeps
 * running; a queue item is cancelled as live_queue_cancel() does.
 * Returns 0, or -1 if it does not run. */
int live_cancel(struct live *l);

/* How many migrations run (0: none). */
int live_migration_running(const struct live *l);

/* Queue a migration of r (checked by the caller, as for live_migrate()):
 * a queue record; live_tick() starts it when the queue allows. Returns 0,
 * or -1 with the reason in why (the queue is full). */
int live_queue(struct live *l, const struct migreq *r, char *why, size_t len);

/* Let n (1..QUEUE_MAX_PARALLEL) of the queue's migrations run at once. */
void live_queue_parallel(struct live *l, int n);

/* Cancel queue item item: a queued one never starts; a running one's
 * migration is stopped (the source keeps running). Returns 0, or -1 with
 * the reason in why (why may be NULL): no such item, or it is over. */
int live_queue_cancel(struct live *l, int item, char *why, size_t len);

/* Record an operator action. */
void live_operator(struct live *l, const char *action, json_t *args);

/* Record rec (taking its reference) under src and apply it to the model:
 * the path every datum of the console takes, for its other actors (the
 * VM actions, vmact.h). */
void live_record(struct live *l, const char *src, json_t *rec);

/* 1 if a migration of a VM called vm runs (it is at either end), else 0. */
int live_vm_migrating(const struct live *l, const char *vm);

void live_close(struct live *l);

#endif /* DSMIG_UI_LIVE_H */

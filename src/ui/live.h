/*
 * The live data source of the console: runs the probes every tick,
 * launches and cancels migrations (a `dsmig migrate` child whose telemetry
 * it follows), and turns everything into session records that are both
 * written to the session log and applied to the model.
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

/* One tick (call at 10 Hz): probes, migration telemetry, child exit. */
void live_tick(struct live *l);

/* Launch a migration of r (checked by the caller: migreq_check(); from
 * and to are host names) as a `dsmig migrate` child; -EBUSY if one runs.
 * The error text goes to the model's log. */
int live_migrate(struct live *l, const struct migreq *r);

/* Ask the running migration to stop (the source keeps running). */
void live_cancel(struct live *l);

int live_migration_running(const struct live *l);

/* Record an operator action. */
void live_operator(struct live *l, const char *action, json_t *args);

void live_close(struct live *l);

#endif /* DSMIG_UI_LIVE_H */

/*
 * The migration queue, as data: items the operator queued (several tagged
 * VMs, or a host evacuated), each queued, running, done, failed or
 * cancelled, and how many may run at once. Like the rest of the model it
 * changes only through the session records that say so (docs/telemetry.md,
 * `src: "queue"`, a migration start record that names an item, and that
 * migration's engine and exit records), so a replay shows the queue the
 * live console showed. The live
 * side (live.c) reads queue_next() to decide what to start; nothing here
 * starts anything.
 *
 *   add -> queued -> (queue_next(), a start record) running -> exit: done,
 *                |                                             failed or
 *                |-> cancel: cancelled   fail: failed          cancelled
 */
#ifndef DSMIG_UI_QUEUE_H
#define DSMIG_UI_QUEUE_H

#include <stdint.h>

#include "common/session_log.h"

/* Items kept per session: more are refused (the console says so). */
#define QUEUE_MAX_ITEMS 64
/* Migrations of the queue that may run at once: 1..QUEUE_MAX_PARALLEL. */
#define QUEUE_MAX_PARALLEL SESSION_QUEUE_MAX_PARALLEL

enum queue_state {
	QUEUE_QUEUED,
	QUEUE_RUNNING,
	QUEUE_DONE,
	QUEUE_FAILED,
	QUEUE_CANCELLED,
};

struct queue_item {
	int id;                     /* 1, 2, ... in the order queued */
	char vm[65], from[64], to[64], method[16];
	char bandwidth[16];         /* the cap as units_format_rate() writes it */
	int ranks, max_iters, verify;
	enum queue_state state;
	int mig;                    /* the migration running it, once started */
	int cancel_asked;           /* running, and the operator cancelled it */
	char phase[24];             /* running: the engine's latest phase */
	double percent;             /* running, pre-copy: the engine's estimate
				       of the final bytes sent, if has_percent */
	int has_percent;
	int64_t downtime_ns;        /* done: the engine's downtime, if
				       has_downtime */
	int has_downtime;
	char error[160];            /* failed: why */
};

struct queue {
	int parallel;               /* 1..QUEUE_MAX_PARALLEL */
	int n;
	struct queue_item items[QUEUE_MAX_ITEMS];
};

/* Empty, one at a time. */
void queue_init(struct queue *q);

/* Apply a queue record (r->type one of SESSION_REC_QUEUE_*): add an
 * item, set parallel, cancel an item (a queued one is cancelled now and
 * never starts, a running one when its migration exits), or fail an item
 * that could not start. Returns 0, or -1 with the reason in why (the
 * queue is full, an item that is not the next, no such item, an item
 * past that state). */
int queue_apply(struct queue *q, const struct session_rec *r, char *why, size_t len);

/* Item id started as migration mig (a migration start record naming
 * the item). Returns 0, or -1 with the reason: no such item, it is not
 * queued, or mig runs another item. */
int queue_started(struct queue *q, int id, int mig, char *why, size_t len);

/* Migration mig exited with status (0: done; else failed, or cancelled
 * if the operator asked) and error. The item running it, or NULL if no
 * item runs mig (a migration launched on its own). */
struct queue_item *queue_exit(struct queue *q, int mig, int status, const char *error);

/* An engine event of migration mig, for the item running it (none:
 * nothing): its phase, its estimate's percent, its downtime. */
void queue_engine(struct queue *q, int mig, const struct tel_event *ev);

/* The item running migration mig, or item id; NULL if none. */
struct queue_item *queue_by_mig(struct queue *q, int mig);
struct queue_item *queue_item(struct queue *q, int id);

/* 1 if an item of VM vm is queued or running, else 0. */
int queue_pending(const struct queue *q, const char *vm);

/* Items in state s. */
int queue_count(const struct queue *q, enum queue_state s);

/* The item to start next: the first queued one while fewer than parallel
 * run; NULL if none should start now. */
const struct queue_item *queue_next(const struct queue *q);

/* "queued", "running", "done", "failed", "cancelled". */
const char *queue_state_name(enum queue_state s);

#endif /* DSMIG_UI_QUEUE_H */

/*
 * The migration queue's state machine (see queue.h): items move from
 * queued to running when the live side starts them, and from running to
 * done, failed or cancelled when their migration exits; a queued item the
 * operator cancels never runs. Every change comes from a session record,
 * so a live session and its replay walk the same states.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "ui/queue.h"

void queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
	q->parallel = 1;
}

struct queue_item *queue_item(struct queue *q, int id)
{
	return id >= 1 && id <= q->n ? &q->items[id - 1] : NULL;
}

struct queue_item *queue_by_mig(struct queue *q, int mig)
{
	int i;

	for (i = 0; mig > 0 && i < q->n; i++)
		if (q->items[i].mig == mig)
			return &q->items[i];
	return NULL;
}

/* A new item, from an add record: its id must be the next one. */
static int add(struct queue *q, const struct session_queue *a, char *why, size_t len)
{
	struct queue_item *it;

	if (q->n == QUEUE_MAX_ITEMS)
		return errbuf_set(why, len, "the queue is full (%d items)", QUEUE_MAX_ITEMS);
	if (a->item != q->n + 1)
		return errbuf_set(why, len, "item %d is not the next one (%d)", a->item, q->n + 1);
	it = &q->items[q->n++];
	memset(it, 0, sizeof(*it));
	it->id = a->item;
	snprintf(it->vm, sizeof(it->vm), "%s", a->vm);
	snprintf(it->from, sizeof(it->from), "%s", a->from);
	snprintf(it->to, sizeof(it->to), "%s", a->to);
	snprintf(it->method, sizeof(it->method), "%s", a->method);
	snprintf(it->bandwidth, sizeof(it->bandwidth), "%s", a->bandwidth);
	it->ranks = a->ranks;
	it->max_iters = a->max_iters;
	it->verify = a->verify;
	it->state = QUEUE_QUEUED;
	return 0;
}

static int cancel(struct queue *q, int id, char *why, size_t len)
{
	struct queue_item *it = queue_item(q, id);

	if (!it)
		return errbuf_set(why, len, "no item %d", id);
	if (it->state == QUEUE_QUEUED) {
		it->state = QUEUE_CANCELLED;
		return 0;
	}
	if (it->state != QUEUE_RUNNING)
		return errbuf_set(why, len, "item %d is %s already", id,
				  queue_state_name(it->state));
	it->cancel_asked = 1;
	return 0;
}

/* An item that could not start: failed, with why it did not. */
static int fail(struct queue *q, int id, const char *error, char *why, size_t len)
{
	struct queue_item *it = queue_item(q, id);

	if (!it || it->state != QUEUE_QUEUED)
		return errbuf_set(why, len, "no queued item %d", id);
	it->state = QUEUE_FAILED;
	snprintf(it->error, sizeof(it->error), "%s", error);
	return 0;
}

int queue_apply(struct queue *q, const struct session_rec *r, char *why, size_t len)
{
	const struct session_queue *a = &r->u.queue;

	switch (r->type) {
	case SESSION_REC_QUEUE_ADD:
		return add(q, a, why, len);
	case SESSION_REC_QUEUE_PARALLEL:
		if (a->parallel < 1 || a->parallel > QUEUE_MAX_PARALLEL)
			return errbuf_set(why, len, "parallel %d is not 1..%d", a->parallel,
					  QUEUE_MAX_PARALLEL);
		q->parallel = a->parallel;
		return 0;
	case SESSION_REC_QUEUE_CANCEL:
		return cancel(q, a->item, why, len);
	case SESSION_REC_QUEUE_FAIL:
		return fail(q, a->item, a->error, why, len);
	default:
		return errbuf_set(why, len, "not a queue record");
	}
}

int queue_started(struct queue *q, int id, int mig, char *why, size_t len)
{
	struct queue_item *it = queue_item(q, id);

	if (!it)
		return errbuf_set(why, len, "no item %d", id);
	if (it->state != QUEUE_QUEUED)
		return errbuf_set(why, len, "item %d is %s, not queued", id,
				  queue_state_name(it->state));
	if (mig <= 0 || queue_by_mig(q, mig))
		return errbuf_set(why, len, "migration %d runs another item", mig);
	it->state = QUEUE_RUNNING;
	it->mig = mig;
	snprintf(it->phase, sizeof(it->phase), "launching");
	return 0;
}

struct queue_item *queue_exit(struct queue *q, int mig, int status, const char *error)
{
	struct queue_item *it = queue_by_mig(q, mig);

	if (!it || it->state != QUEUE_RUNNING)
		return NULL;
	it->state = !status ? QUEUE_DONE : it->cancel_asked ? QUEUE_CANCELLED : QUEUE_FAILED;
	if (status)
		snprintf(it->error, sizeof(it->error), "%s", error && *error ? error :
			 "dsmig migrate failed");
	return it;
}

void queue_engine(struct queue *q, int mig, const struct tel_event *ev)
{
	struct queue_item *it = queue_by_mig(q, mig);

	if (!it || it->state != QUEUE_RUNNING)
		return;
	switch (ev->type) {
	case TEL_PHASE:
		snprintf(it->phase, sizeof(it->phase), "%s",
			 telemetry_read_phase_name(ev->u.phase.phase));
		if (ev->u.phase.phase == TEL_PHASE_RESUMED) {
			it->downtime_ns = ev->u.phase.downtime_ns;
			it->has_downtime = 1;
		}
		break;
	case TEL_ESTIMATE:
		it->percent = ev->u.estimate.percent;
		it->has_percent = 1;
		break;
	case TEL_SUMMARY:
		it->downtime_ns = ev->u.summary.downtime_ns;
		it->has_downtime = 1;
		break;
	default:
		break;
	}
}

int queue_pending(const struct queue *q, const char *vm)
{
	int i;

	for (i = 0; i < q->n; i++)
		if ((q->items[i].state == QUEUE_QUEUED || q->items[i].state == QUEUE_RUNNING) &&
		    !strcmp(q->items[i].vm, vm))
			return 1;
	return 0;
}

int queue_count(const struct queue *q, enum queue_state s)
{
	int i, n = 0;

	for (i = 0; i < q->n; i++)
		n += q->items[i].state == s;
	return n;
}

const struct queue_item *queue_next(const struct queue *q)
{
	int i;

	if (queue_count(q, QUEUE_RUNNING) >= q->parallel)
		return NULL;
	for (i = 0; i < q->n; i++)
		if (q->items[i].state == QUEUE_QUEUED)
			return &q->items[i];
	return NULL;
}

const char *queue_state_name(enum queue_state s)
{
	static const char *const names[] = {
		[QUEUE_QUEUED] = "queued", [QUEUE_RUNNING] = "running", [QUEUE_DONE] = "done",
		[QUEUE_FAILED] = "failed", [QUEUE_CANCELLED] = "cancelled",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

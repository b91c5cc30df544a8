/*
 * The queue view (w): the migration queue's items, one row each, with
 * their state in the theme's colours (running warn, done good, failed
 * bad, cancelled dim), the VM, its hosts, method and cap, and how far a
 * running one is or how a finished one ended; and its keys: Up/Down
 * select an item, c cancels it, p cycles how many run at once. It draws
 * the model's queue (ui/queue.h), so a replay shows it the same; in a
 * replay the keys that would change the queue say they cannot.
 */
#include <stdio.h>
#include <string.h>

#include "ui/console_int.h"

#define A(role) theme_attr(&c->theme, (role))

/* The first item row and the rows left for the footer and status. */
#define QUEUE_FIRST_Y 3

static const enum theme_role state_role[] = {
	[QUEUE_QUEUED] = THEME_TEXT, [QUEUE_RUNNING] = THEME_WARN, [QUEUE_DONE] = THEME_GOOD,
	[QUEUE_FAILED] = THEME_BAD, [QUEUE_CANCELLED] = THEME_DIM,
};

void queue_view_line(const struct console *c, char *buf, size_t len)
{
	const struct queue *q = &c->model.queue;
	static const enum queue_state finished[] = { QUEUE_DONE, QUEUE_FAILED, QUEUE_CANCELLED };
	size_t k, i;

	buf[0] = '\0';
	if (!q->n)
		return;
	k = (size_t)snprintf(buf, len, "queue: %d running, %d queued",
			     queue_count(q, QUEUE_RUNNING), queue_count(q, QUEUE_QUEUED));
	for (i = 0; i < sizeof(finished) / sizeof(finished[0]) && k < len; i++)
		if (queue_count(q, finished[i]))
			k += (size_t)snprintf(buf + k, len - k, ", %d %s",
					      queue_count(q, finished[i]),
					      queue_state_name(finished[i]));
	if (k < len)
		snprintf(buf + k, len - k, " (w to watch)");
}

/* How far a running item is, or how a finished one ended. */
static void item_progress(const struct console *c, const struct queue_item *it, char *buf,
			  size_t len)
{
	switch (it->state) {
	case QUEUE_QUEUED:
		snprintf(buf, len, "waiting");
		break;
	case QUEUE_RUNNING:
		if (it->cancel_asked)
			snprintf(buf, len, "cancelling (migration %d)", it->mig);
		else if (it->has_percent && !strcmp(it->phase, "precopy"))
			snprintf(buf, len, "precopy %.0f%% (migration %d%s)", it->percent, it->mig,
				 it->mig == c->model.mig.id ? ", in front" : "");
		else
			snprintf(buf, len, "%s (migration %d%s)", it->phase, it->mig,
				 it->mig == c->model.mig.id ? ", in front" : "");
		break;
	case QUEUE_DONE:
		if (it->has_downtime)
			snprintf(buf, len, "downtime %.1f ms (migration %d)",
				 (double)it->downtime_ns / 1e6, it->mig);
		else
			snprintf(buf, len, "moved (migration %d)", it->mig);
		break;
	case QUEUE_FAILED:
	case QUEUE_CANCELLED:
		snprintf(buf, len, "%s", it->error[0] ? it->error : "never started");
		break;
	}
}

void queue_view_draw(struct console *c)
{
	const struct queue *q = &c->model.queue;
	int visible = LINES - 3 - QUEUE_FIRST_Y, top, i, y;
	char what[96], progress[200];

	snprintf(what, sizeof(what), "queue (%d): %d running, %d queued, %d at a time", q->n,
		 queue_count(q, QUEUE_RUNNING), queue_count(q, QUEUE_QUEUED), q->parallel);
	screens_title(c, what);
	if (!q->n) {
		attron(A(THEME_DIM));
		screens_print(stdscr, QUEUE_FIRST_Y, 3, "No queue yet. On the hosts view tag VMs "
			      "(Space; e: a host's running VMs), then Enter.");
		attroff(A(THEME_DIM));
		return;
	}
	c->queue_sel = c->queue_sel >= q->n ? q->n - 1 : c->queue_sel < 0 ? 0 : c->queue_sel;
	attron(A(THEME_HEADER) | A_BOLD);
	screens_print(stdscr, QUEUE_FIRST_Y - 1, 1, "%3s  %-9s %-12s %-8s    %-8s %-8s %-6s %s", "#",
		      "STATE", "VM", "FROM", "TO", "METHOD", "CAP", "PROGRESS / RESULT");
	attroff(A(THEME_HEADER) | A_BOLD);
	top = visible > 0 && c->queue_sel >= visible ? c->queue_sel - visible + 1 : 0;
	for (i = top, y = QUEUE_FIRST_Y; i < q->n && y < LINES - 3; i++, y++) {
		const struct queue_item *it = &q->items[i];
		attr_t row = i == c->queue_sel ? A(THEME_SELECTED) : A(THEME_TEXT);

		item_progress(c, it, progress, sizeof(progress));
		if (i == c->queue_sel) {
			attron(row);
			mvhline(y, 0, ' ', COLS);
			attroff(row);
		}
		attron(row);
		screens_print(stdscr, y, 1, "%3d  ", it->id);
		attroff(row);
		/* The state in its colour, on the selected row too. */
		attron(i == c->queue_sel ? row : A(state_role[it->state]) | A_BOLD);
		screens_print(stdscr, y, 6, "%-9s ", queue_state_name(it->state));
		attroff(i == c->queue_sel ? row : A(state_role[it->state]) | A_BOLD);
		attron(row);
		screens_print(stdscr, y, 16, "%-12.12s %-8.8s -> %-8.8s %-8s %-6s %s", it->vm,
			      it->from, it->to, it->method,
			      strcmp(it->bandwidth, "0") ? it->bandwidth : "none", progress);
		attroff(row);
	}
}

/* Keys that change the queue: live only. */
static int queue_editable(struct console *c)
{
	if (c->live)
		return 1;
	snprintf(c->status, sizeof(c->status), "replay: the queue cannot be changed");
	return 0;
}

int queue_view_key(struct console *c, int ch)
{
	const struct queue *q = &c->model.queue;
	char why[200];

	switch (ch) {
	case KEY_UP:
	case 'k':
		c->queue_sel = c->queue_sel > 0 ? c->queue_sel - 1 : 0;
		return 1;
	case KEY_DOWN:
	case 'j':
		c->queue_sel = c->queue_sel + 1 < q->n ? c->queue_sel + 1 : c->queue_sel;
		return 1;
	case 'c':
		if (!q->n || !queue_editable(c))
			return 1;
		if (live_queue_cancel(c->live, q->items[c->queue_sel].id, why, sizeof(why)))
			snprintf(c->status, sizeof(c->status), "cannot cancel: %s", why);
		else
			snprintf(c->status, sizeof(c->status), "cancelled item %d (%s)%s",
				 q->items[c->queue_sel].id, q->items[c->queue_sel].vm,
				 q->items[c->queue_sel].state == QUEUE_RUNNING ?
				 ": stopping it, the VM stays on its source" : "");
		return 1;
	case 'p':
		if (!queue_editable(c))
			return 1;
		live_queue_parallel(c->live, q->parallel % QUEUE_MAX_PARALLEL + 1);
		snprintf(c->status, sizeof(c->status), "the queue runs %d at a time", q->parallel);
		return 1;
	default:
		return 0;
	}
}

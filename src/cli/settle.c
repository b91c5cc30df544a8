/* Who runs the VM after a migration (see settle.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/settle.h"
#include "common/ctl_client.h"
#include "common/log.h"
#include "common/rundir.h"

#define PROBE_TIMEOUT_MS 2000

const char *side_state_name(enum side_state s)
{
	static const char *const names[] = {
		[SIDE_ABSENT] = "absent", [SIDE_UNKNOWN] = "unknown",
		[SIDE_INCOMING] = "incoming", [SIDE_RUNNING] = "running",
		[SIDE_PAUSED] = "paused", [SIDE_SHUTDOWN] = "shutdown",
	};

	return names[s];
}

static enum side_state state_of(const char *status)
{
	static const struct { const char *name; enum side_state s; } map[] = {
		{ "incoming", SIDE_INCOMING }, { "running", SIDE_RUNNING },
		{ "paused", SIDE_PAUSED }, { "shutdown", SIDE_SHUTDOWN },
		/* Created but not started: it never ran a guest. */
		{ "created", SIDE_INCOMING },
	};
	size_t i;

	for (i = 0; status && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(status, map[i].name))
			return map[i].s;
	return SIDE_UNKNOWN;
}

void settle_probe(const char *host, const char *name, struct side *s,
		  struct ctl_client **c)
{
	char sock[4096];
	const char *pc;
	json_t *st = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	*c = NULL;
	s->state = SIDE_UNKNOWN;
	if (dsmig_socket_path(sock, sizeof(sock), host, name)) {
		snprintf(s->why, sizeof(s->why), "bad VM name or host directory");
		return;
	}
	rc = ctl_client_open(c, sock, PROBE_TIMEOUT_MS, s->why, sizeof(s->why));
	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		/* No socket, or a stale one nobody listens on: gone. */
		s->state = SIDE_ABSENT;
		return;
	}
	if (rc)
		return;
	rc = ctl_client_execute(*c, "query-status", NULL, &st, NULL, PROBE_TIMEOUT_MS);
	if (rc) {
		snprintf(s->why, sizeof(s->why), "query-status failed (%s)",
			 json_string_value(json_object_get(json_object_get(st, "error"), "desc"))
				 ?: strerror(rc < 0 ? -rc : EIO));
		goto unknown;
	}
	s->state = state_of(json_string_value(json_object_get(st, "status")));
	if (s->state == SIDE_UNKNOWN) {
		snprintf(s->why, sizeof(s->why), "query-status gave no known status");
		goto unknown;
	}
	pc = json_string_value(json_object_get(st, "postcopy"));
	s->postcopy = pc && strcmp(pc, "off") != 0;
	s->missing_pages = json_integer_value(json_object_get(st, "missing_pages"));
	s->migrating = json_is_true(json_object_get(st, "migrating"));
	json_decref(st);
	return;
unknown:
	json_decref(st);
	ctl_client_close(*c);
	*c = NULL;
}

/* Can this side never run the guest again? */
static int gone(const struct side *s)
{
	return s->state == SIDE_ABSENT || s->state == SIDE_SHUTDOWN;
}

void settle_decide(const struct settle_facts *f, struct settle_outcome *o)
{
	const struct side *s = &f->src, *d = &f->dst;
	/* The destination ran the guest: resumed, not left incoming. */
	int dst_ran = d->state == SIDE_RUNNING || d->state == SIDE_PAUSED;

	*o = (struct settle_outcome){ ACT_NONE, ACT_NONE, CLI_UNKNOWN, "" };

	if (s->state == SIDE_UNKNOWN || d->state == SIDE_UNKNOWN) {
		o->where = "a VMM gave no usable answer, so where the VM runs is not known: nothing was resumed or discarded";
		return;
	}
	if (s->state == SIDE_RUNNING && dst_ran) {
		o->where = "both the source and the destination have run the VM since the switch-over: nothing was touched, choose one";
		return;
	}
	if (dst_ran && !d->postcopy) {
		/* The destination has the whole VM and ran it: it owns it. */
		o->src = s->state == SIDE_PAUSED && !s->migrating ? ACT_QUIT : ACT_NONE;
		o->exit = f->engine_ok ? CLI_OK : CLI_AFTER_SWITCH;
		o->where = d->state == SIDE_PAUSED ? "the VM is on the destination, paused" :
						     "the VM runs on the destination";
		return;
	}
	if (s->state == SIDE_RUNNING) {
		/* The source runs the VM and the destination never did. */
		o->dst = gone(d) ? ACT_NONE : ACT_QUIT;
		o->exit = CLI_FAILED;
		o->where = s->migrating ?
			"the VM keeps running on the source, where another client is migrating it" :
			"the VM keeps running on the source";
		return;
	}
	if ((f->switched && d->state != SIDE_INCOMING) || dst_ran) {
		/* Past the switch-over, the destination cannot run the VM
		 * alone: it is gone, or pages it lacks are on the source. (A
		 * destination still incoming never ran the guest, whatever the
		 * engine got to: the source then holds all of it.) */
		if (s->state != SIDE_PAUSED || s->migrating) {
			o->exit = CLI_VM_LOST;
			o->where = "the destination failed after the switch-over and the source no longer holds the VM: the VM is lost";
		} else if (f->rollback) {
			o->src = ACT_RESUME;
			o->dst = gone(d) ? ACT_NONE : ACT_QUIT;
			o->exit = CLI_ROLLED_BACK;
			o->where = "rolled back as asked: the source runs the VM as it was at the switch-over; what the guest did on the destination since then is lost";
		} else {
			o->exit = CLI_SWITCH_BROKEN;
			o->where = "the destination cannot run the VM after the switch-over; the source keeps it paused as it was then (resume it there to roll back, losing what the guest did since; --on-postcopy-failure rollback does that)";
		}
		return;
	}
	/* Before the switch-over: the source owns the VM (paused by the
	 * engine for the final round); a destination VM never ran. */
	if (gone(s)) {
		o->exit = CLI_VM_LOST;
		o->where = f->engine_ok ?
			"the engine reported success, but neither host runs the VM: the VM is lost" :
			"the source VMM is gone and the destination never ran the VM: the VM is lost";
		return;
	}
	o->dst = gone(d) ? ACT_NONE : ACT_QUIT;
	o->exit = CLI_FAILED;
	if (s->migrating) {
		o->where = "the VM is paused on the source by another client's migration: left alone";
	} else {
		o->src = s->state == SIDE_PAUSED ? ACT_RESUME : ACT_NONE;
		o->where = "the VM keeps running on the source";
	}
}

/*
 * Control socket server of dsmig-vmm: QMP-style JSON lines over a unix
 * socket (mode 0600). See docs/control-protocol.md for the wire format.
 *
 * One server per VM. ctl_server_run() is the body of the control thread: it
 * accepts clients, sends each the greeting, reads newline-terminated JSON
 * commands ({"execute": NAME, "arguments": {...}, "id": ANY}), dispatches
 * them through the command table, and writes one reply per command. Events
 * queued with ctl_server_emit() from any thread are broadcast to every
 * connected client. Malformed, oversized or unknown input gets an error
 * reply; the server (and the VM) keep running.
 */
#ifndef DSMIG_VMM_CONTROL_H
#define DSMIG_VMM_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "common/ctl_proto.h"   /* CTL_PROTOCOL_VERSION */

#define CTL_LINE_MAX        (64 * 1024)  /* longest accepted command line */
#define CTL_MAX_CLIENTS     16

/* Error classes, as in QMP. */
#define CTL_ERR_GENERIC     "GenericError"
#define CTL_ERR_NOT_FOUND   "CommandNotFound"
#define CTL_ERR_BAD_INPUT   "InvalidInput"
#define CTL_ERR_STATE       "InvalidState"

struct ctl_error {
	const char *class;      /* one of CTL_ERR_* */
	char desc[256];
};

/* Fill *err and return -1: handlers end with `return ctl_fail(err, ...)`. */
int ctl_fail(struct ctl_error *err, const char *class, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Context a handler gets besides its arguments. */
struct ctl_request {
	void *opaque;           /* ctl_server_config.opaque */
	int reply_fd;           /* -1 on entry; a handler may set it to a
				   descriptor to pass along with its reply
				   (SCM_RIGHTS). The server does not close it. */
	unsigned conn_id;       /* the client connection, unique for the
				   server's lifetime (see on_close) */
};

/* A command handler. args is the "arguments" object (never NULL: an empty
 * object when absent), borrowed. On success set *ret to a new reference (an
 * object; NULL means {}) and return 0; on failure fill err and return -1. */
typedef int (*ctl_handler_fn)(struct ctl_request *req, json_t *args,
			      json_t **ret, struct ctl_error *err);

struct ctl_command {
	const char *name;
	ctl_handler_fn fn;
	const char *help;       /* one line, listed by the built-in "help" */
};

/* How long a client may hold one of the CTL_MAX_CLIENTS slots without
 * doing its part; past a limit it is dropped, with a log line naming the
 * rule (docs/control-protocol.md, "Limits"). */
struct ctl_limits {
	unsigned silent_ms;     /* from connecting to its first command */
	unsigned partial_ms;    /* from a line's first byte to its newline */
	unsigned stall_ms;      /* queued output taken by nobody */
	unsigned evict_ms;      /* a full table evicts the oldest client that
				   has sent no command for this long */
};

struct ctl_server_config {
	const char *path;                  /* socket path to create */
	const struct ctl_command *commands;
	size_t nr_commands;
	void *opaque;
	json_t *greeting;                  /* extra greeting fields (borrowed) */
	/* Called on the control thread when the client conn_id goes away
	 * (closed, dropped, or at server close); may be NULL. */
	void (*on_close)(void *opaque, unsigned conn_id);
	const struct ctl_limits *limits;   /* NULL: the defaults (10, 10, 30, 1 s) */
	/* Called on the control thread every tick_ms (0: never), between
	 * clients' requests; may be NULL. */
	void (*on_tick)(void *opaque);
	unsigned tick_ms;
};

struct ctl_server;

/* Create the socket (replacing a stale one, refusing a live one) with mode
 * 0600. Returns 0, or -errno with the step that failed and why in why[len]
 * ("bind: ...", "existing socket: another server is running there" for
 * -EADDRINUSE); the caller names the path. */
int ctl_server_open(struct ctl_server **out, const struct ctl_server_config *cfg,
		    char *why, size_t len);

/* Serve until ctl_server_stop(). Returns 0, or -errno on a fatal error. */
int ctl_server_run(struct ctl_server *s);

/* Ask ctl_server_run() to return. Thread-safe, async-signal-safe. */
void ctl_server_stop(struct ctl_server *s);

/* Queue an event for every client: {"event": NAME, "data": DATA,
 * "timestamp": {"seconds": S, "microseconds": US}}. Steals data (may be
 * NULL). Thread-safe; never blocks on a slow client (a client that falls
 * too far behind is disconnected). */
void ctl_server_emit(struct ctl_server *s, const char *event, json_t *data);

/* Close every client, remove the socket file, free. */
void ctl_server_close(struct ctl_server *s);

#endif /* DSMIG_VMM_CONTROL_H */

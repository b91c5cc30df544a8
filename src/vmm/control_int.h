/*
 * Internals of the control socket server (src/vmm/control*.c), shared by
 * its files:
 *   control.c           the server: its socket, the poll loop, accepting
 *                       and dropping clients, broadcasting events
 *   control_dispatch.c  reading a client's command lines, checking them
 *                       and running them through the command table
 *   control_conn.c      a client's output: queueing replies (and the
 *                       descriptors passed with them), sending without
 *                       blocking
 * Users of the server include control.h only.
 */
#ifndef DSMIG_VMM_CONTROL_INT_H
#define DSMIG_VMM_CONTROL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "vmm/control.h"

#define CTL_OUT_MAX         (1024 * 1024) /* output backlog per client */
/* The default struct ctl_limits. */
#define CTL_SILENT_MS       10000
#define CTL_PARTIAL_MS      10000
#define CTL_STALL_MS        30000
#define CTL_EVICT_MS        1000

/* A descriptor to send with the reply line at out[off, off + len). */
struct ctl_outfd {
	size_t off;
	size_t len;
	int fd;                 /* our dup, closed once sent */
};

struct ctl_conn {
	int fd;
	unsigned id;            /* ctl_request.conn_id */
	char *in;               /* CTL_LINE_MAX + 1 bytes */
	size_t in_len;
	bool discarding;        /* skipping the rest of an oversized line */
	bool eof;               /* peer finished sending; close once flushed */
	bool spoke;             /* has sent at least one complete line */
	uint64_t connected_ns;  /* time_mono_ns() at accept */
	uint64_t partial_ns;    /* since when in[] holds part of a line */
	uint64_t stall_ns;      /* since when output waits with no progress */
	char *out;
	size_t out_pos, out_len, out_cap;
	struct ctl_outfd *fds;
	size_t nr_fds, fds_cap;
};

struct ctl_event {
	struct ctl_event *next;
	char *line;             /* serialised event with its newline */
	size_t len;
};

struct ctl_server {
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	dev_t sock_dev;         /* identity of our socket file, so that */
	ino_t sock_ino;         /* close never unlinks a successor's    */
	int listen_fd;
	int stop_pipe[2];
	int event_pipe[2];
	const struct ctl_command *commands;
	size_t nr_commands;
	void *opaque;
	void (*on_close)(void *opaque, unsigned conn_id);
	void (*on_tick)(void *opaque);
	uint64_t tick_ns, next_tick;    /* 0: no ticks */
	struct ctl_limits limits;
	unsigned next_conn_id;
	char *greeting;         /* serialised greeting with its newline */
	size_t greeting_len;
	struct ctl_conn *conns[CTL_MAX_CLIENTS];

	pthread_mutex_t lock;   /* protects the event queue */
	struct ctl_event *ev_head, *ev_tail;
	size_t nr_events;
};

/* control_conn.c */
void ctl_conn_free(struct ctl_conn *c);
/* Bytes queued for c and not yet sent. */
size_t ctl_conn_backlog(const struct ctl_conn *c);
/* Queue line[0, len) (with fd to pass along, or -1): 0 or -errno. */
int ctl_conn_queue(struct ctl_conn *c, const char *line, size_t len, int fd);
/* Send what can be sent without blocking: 0 or -errno (drop the client). */
int ctl_conn_flush(struct ctl_conn *c);
/* Serialise msg (a reference is taken over) and queue it: 0 or -errno. */
int ctl_conn_send_json(struct ctl_conn *c, json_t *msg, int fd);
/* Queue an error reply (with id when not NULL): 0 or -errno. */
int ctl_conn_send_error(struct ctl_conn *c, json_t *id, const char *class,
			const char *desc);

/* control_dispatch.c */
/* Read what client c sent and answer its complete lines: 0, or -errno
 * when it must be dropped. Lines stay buffered while c's output backlog
 * is over CTL_OUT_MAX. */
int ctl_server_read(struct ctl_server *s, struct ctl_conn *c);
/* Answer complete lines still buffered from earlier reads (held back by a
 * full backlog): 0 or -errno. */
int ctl_server_lines(struct ctl_server *s, struct ctl_conn *c);

#endif /* DSMIG_VMM_CONTROL_INT_H */

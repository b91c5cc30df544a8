/*
 * Control socket server of dsmig-vmm (see control.h and
 * docs/control-protocol.md).
 *
 * ctl_server_run() is a single-threaded poll() loop over the listening
 * socket, two self-pipes and up to CTL_MAX_CLIENTS clients. The stop pipe
 * is written by ctl_server_stop() (async-signal-safe); the event pipe is
 * written by ctl_server_emit() when it puts the first event on an empty,
 * mutex-protected queue, so it never holds more than one byte.
 *
 * Each client has an input buffer of CTL_LINE_MAX + 1 bytes (a longer line
 * is answered with an error and skipped up to its newline) and an output
 * buffer written without blocking. Descriptors to pass with a reply are
 * dup()ed and queued at the reply's offset in the output buffer; that reply
 * line is sent by its own sendmsg() with SCM_RIGHTS. A client whose output
 * backlog exceeds CTL_OUT_MAX stops being read (replies are kept) and is
 * disconnected if an event would grow the backlog further.
 */
#include "vmm/control.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CTL_VERSION         "0.1"
#define CTL_OUT_MAX         (1024 * 1024) /* output backlog per client */
#define CTL_EVENT_QUEUE_MAX 4096          /* events not yet broadcast */
#define CTL_LISTEN_BACKLOG  16

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
	unsigned next_conn_id;
	char *greeting;         /* serialised greeting with its newline */
	size_t greeting_len;
	struct ctl_conn *conns[CTL_MAX_CLIENTS];

	pthread_mutex_t lock;   /* protects the event queue */
	struct ctl_event *ev_head, *ev_tail;
	size_t nr_events;
};

int ctl_fail(struct ctl_error *err, const char *class, const char *fmt, ...)
{
	va_list ap;

	err->class = class;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- output ------------------------------------------------------------ */

static void ctl_conn_free(struct ctl_conn *c)
{
	size_t i;

	for (i = 0; i < c->nr_fds; i++)
		close(c->fds[i].fd);
	close(c->fd);
	free(c->fds);
	free(c->in);
	free(c->out);
	free(c);
}

static size_t ctl_conn_backlog(const struct ctl_conn *c)
{
	return c->out_len - c->out_pos;
}

/* Append a line (fd >= 0: to be sent with it, dup()ed here). */
static int ctl_conn_queue(struct ctl_conn *c, const char *line, size_t len, int fd)
{
	size_t i;

	if (c->out_pos == c->out_len) {
		c->out_pos = c->out_len = 0;
	} else if (c->out_pos > 0 && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
		c->out_len -= c->out_pos;
		for (i = 0; i < c->nr_fds; i++)
			c->fds[i].off -= c->out_pos;
		c->out_pos = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	if (fd >= 0) {
		int dfd;

		if (c->nr_fds == c->fds_cap) {
			size_t cap = c->fds_cap ? 2 * c->fds_cap : 4;
			struct ctl_outfd *p = realloc(c->fds, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			c->fds = p;
			c->fds_cap = cap;
		}
		dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (dfd < 0)
			return -errno;
		c->fds[c->nr_fds++] = (struct ctl_outfd){
			.off = c->out_len, .len = len, .fd = dfd,
		};
	}
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	return 0;
}

/* Send one chunk: up to the next reply carrying a descriptor, or that whole
 * reply with its descriptor. Returns bytes sent, 0 on EAGAIN, or -errno. */
static ssize_t ctl_conn_send_chunk(struct ctl_conn *c)
{
	size_t len = c->out_len - c->out_pos;
	struct ctl_outfd *f = c->nr_fds ? &c->fds[0] : NULL;
	ssize_t n;

	if (f && f->off == c->out_pos) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctrl;
		struct iovec iov = { .iov_base = c->out + c->out_pos, .iov_len = f->len };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf),
		};
		struct cmsghdr *cm;

		memset(&ctrl, 0, sizeof(ctrl));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &f->fd, sizeof(int));
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			/* The descriptor went with the first byte. */
			close(f->fd);
			memmove(c->fds, c->fds + 1, --c->nr_fds * sizeof(*f));
		}
	} else {
		if (f)
			len = f->off - c->out_pos;
		n = send(c->fd, c->out + c->out_pos, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
	c->out_pos += n;
	return n;
}

/* Write as much as the socket takes. Returns 0 or -errno (drop client). */
static int ctl_conn_flush(struct ctl_conn *c)
{
	while (c->out_pos < c->out_len) {
		ssize_t n = ctl_conn_send_chunk(c);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
	}
	return 0;
}

/* Serialise msg (stolen) as one line and queue it. */
static int ctl_conn_send_json(struct ctl_conn *c, json_t *msg, int fd)
{
	char *s;
	size_t len;
	int rc;

	if (!msg)
		return -ENOMEM;
	s = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len] = '\n';          /* overwrite the NUL: queue "<json>\n" */
	rc = ctl_conn_queue(c, s, len + 1, fd);
	free(s);
	return rc;
}

static int ctl_conn_send_error(struct ctl_conn *c, json_t *id, const char *class,
			       const char *desc)
{
	json_t *msg = json_pack("{s{ssss}}", "error", "class", class, "desc", desc);

	if (msg && id && json_object_set(msg, "id", id) < 0) {
		json_decref(msg);
		return -ENOMEM;
	}
	return ctl_conn_send_json(c, msg, -1);
}

/* ---- commands ---------------------------------------------------------- */

static const struct ctl_command *ctl_server_find(struct ctl_server *s,
						 const char *name)
{
	size_t i;

	for (i = 0; i < s->nr_commands; i++)
		if (strcmp(s->commands[i].name, name) == 0)
			return &s->commands[i];
	return NULL;
}

static int ctl_help_add(json_t *list, const char *name, const char *help)
{
	return json_array_append_new(list, json_pack("{ssss}", "name", name,
						      "help", help ? help : ""));
}

/* The built-in "help": {"commands": [{"name": N, "help": H}, ...]}, or NULL
 * when out of memory. */
static json_t *ctl_server_help(struct ctl_server *s)
{
	json_t *list = json_array();
	json_t *ret = NULL;
	size_t i;

	if (!list)
		return NULL;
	for (i = 0; i < s->nr_commands; i++) {
		if (ctl_help_add(list, s->commands[i].name, s->commands[i].help) < 0)
			goto out;
	}
	if (!ctl_server_find(s, "help") &&
	    ctl_help_add(list, "help", "list the commands and what they do") < 0)
		goto out;
	ret = json_pack("{sO}", "commands", list);
out:
	json_decref(list);
	return ret;
}

/* Validate one request object and run its command. Returns 0 once a reply
 * is queued, or -errno if the client must be dropped. */
static int ctl_server_dispatch(struct ctl_server *s, struct ctl_conn *c, json_t *req)
{
	struct ctl_error err = { .class = NULL, .desc = "" };
	struct ctl_request r = { .opaque = s->opaque, .reply_fd = -1,
				 .conn_id = c->id };
	const struct ctl_command *cmd;
	json_t *id = json_object_get(req, "id");
	json_t *exec = json_object_get(req, "execute");
	json_t *args = json_object_get(req, "arguments");
	json_t *ret = NULL, *empty = NULL, *msg;
	const char *key;
	json_t *val;
	int rc;

	json_object_foreach(req, key, val) {
		if (strcmp(key, "execute") && strcmp(key, "arguments") &&
		    strcmp(key, "id")) {
			snprintf(err.desc, sizeof(err.desc),
				 "unexpected member '%.200s'", key);
			return ctl_conn_send_error(c, id, CTL_ERR_BAD_INPUT, err.desc);
		}
	}
	if (!json_is_string(exec))
		return ctl_conn_send_error(c, id, CTL_ERR_BAD_INPUT,
					   "'execute' is missing or not a string");
	if (args && !json_is_object(args))
		return ctl_conn_send_error(c, id, CTL_ERR_BAD_INPUT,
					   "'arguments' must be an object");
	if (!args) {
		args = empty = json_object();
		if (!empty)
			return -ENOMEM;
	}

	cmd = ctl_server_find(s, json_string_value(exec));
	if (cmd) {
		rc = cmd->fn(&r, args, &ret, &err);
	} else if (strcmp(json_string_value(exec), "help") == 0) {
		ret = ctl_server_help(s);
		rc = ret ? 0 : ctl_fail(&err, CTL_ERR_GENERIC, "out of memory");
	} else {
		snprintf(err.desc, sizeof(err.desc), "unknown command '%.200s'",
			 json_string_value(exec));
		err.class = CTL_ERR_NOT_FOUND;
		rc = -1;
	}
	json_decref(empty);

	if (rc != 0) {
		json_decref(ret);
		return ctl_conn_send_error(c, id, err.class ? err.class : CTL_ERR_GENERIC,
					   err.desc[0] ? err.desc : "command failed");
	}
	if (!ret)
		ret = json_object();
	msg = json_pack("{sO}", "return", ret);
	json_decref(ret);
	if (msg && id && json_object_set(msg, "id", id) < 0) {
		json_decref(msg);
		return -ENOMEM;
	}
	return ctl_conn_send_json(c, msg, r.reply_fd);
}

/* One complete input line (without its newline). */
static int ctl_server_line(struct ctl_server *s, struct ctl_conn *c,
			   const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req;
	char desc[256];
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (strspn(line, " \t\r") >= len)
		return 0;       /* blank lines are ignored */

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(desc, sizeof(desc), "invalid JSON: %s", jerr.text);
		return ctl_conn_send_error(c, NULL, CTL_ERR_BAD_INPUT, desc);
	}
	if (json_is_object(req))
		rc = ctl_server_dispatch(s, c, req);
	else
		rc = ctl_conn_send_error(c, NULL, CTL_ERR_BAD_INPUT,
					 "a command must be a JSON object");
	json_decref(req);
	return rc;
}

/* Split the input buffer into lines. Returns 0 or -errno (drop client). */
static int ctl_server_lines(struct ctl_server *s, struct ctl_conn *c)
{
	size_t start = 0;
	int rc = 0;

	while (start < c->in_len) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl)
			break;
		len = nl - (c->in + start);
		if (c->discarding) {
			c->discarding = false;
		} else {
			*nl = '\0';
			rc = ctl_server_line(s, c, c->in + start, len);
			if (rc < 0)
				return rc;
		}
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;

	if (c->in_len > CTL_LINE_MAX) {
		/* Full buffer, no newline: too long. Skip to the next newline. */
		c->in_len = 0;
		if (!c->discarding) {
			c->discarding = true;
			rc = ctl_conn_send_error(c, NULL, CTL_ERR_BAD_INPUT,
						 "command line too long");
		}
	}
	return rc;
}

/* Read what is there. Returns 0, or -errno / -ECONNRESET to drop. */
static int ctl_server_read(struct ctl_server *s, struct ctl_conn *c)
{
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, CTL_LINE_MAX + 1 - c->in_len,
		 MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	c->in_len += n;
	return ctl_server_lines(s, c);
}

/* ---- connections and events -------------------------------------------- */

static void ctl_server_drop(struct ctl_server *s, int slot)
{
	if (s->on_close)
		s->on_close(s->opaque, s->conns[slot]->id);
	ctl_conn_free(s->conns[slot]);
	s->conns[slot] = NULL;
}

static struct ctl_conn *ctl_conn_new(int fd)
{
	struct ctl_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->in = malloc(CTL_LINE_MAX + 1);
	if (!c->in) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	return c;
}

static void ctl_server_accept(struct ctl_server *s)
{
	static const char busy[] = "{\"error\":{\"class\":\"" CTL_ERR_GENERIC
				   "\",\"desc\":\"too many clients\"}}\n";
	int fd, slot;

	for (;;) {
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				/* E.g. EMFILE: the pending connection stays
				 * queued and poll() would wake us at once
				 * again; back off instead of spinning. */
				log_error("control: accept: %s", strerror(errno));
				usleep(100 * 1000);
			}
			return;
		}
		for (slot = 0; slot < CTL_MAX_CLIENTS && s->conns[slot]; slot++)
			;
		if (slot == CTL_MAX_CLIENTS) {
			/* Best effort: tell the client why it is closed. */
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_warn("control: refusing a client: %s", strerror(errno));
			close(fd);
			continue;
		}
		s->conns[slot] = ctl_conn_new(fd);
		if (!s->conns[slot]) {
			log_error("control: out of memory for a client");
			close(fd);
			continue;
		}
		s->conns[slot]->id = ++s->next_conn_id;
		if (ctl_conn_queue(s->conns[slot], s->greeting, s->greeting_len, -1) < 0 ||
		    ctl_conn_flush(s->conns[slot]) < 0)
			ctl_server_drop(s, slot);
	}
}

/* Take every queued event and send it to every client. */
static void ctl_server_broadcast(struct ctl_server *s)
{
	struct ctl_event *ev, *next;
	char buf[64];
	int i;

	while (read(s->event_pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->lock);
	ev = s->ev_head;
	s->ev_head = s->ev_tail = NULL;
	s->nr_events = 0;
	pthread_mutex_unlock(&s->lock);

	for (; ev; ev = next) {
		next = ev->next;
		for (i = 0; i < CTL_MAX_CLIENTS; i++) {
			struct ctl_conn *c = s->conns[i];

			if (!c)
				continue;
			if (ctl_conn_backlog(c) + ev->len > CTL_OUT_MAX ||
			    ctl_conn_queue(c, ev->line, ev->len, -1) < 0 ||
			    ctl_conn_flush(c) < 0)
				ctl_server_drop(s, i);
		}
		free(ev->line);
		free(ev);
	}
}

void ctl_server_emit(struct ctl_server *s, const char *event, json_t *data)
{
	struct ctl_event *ev = NULL;
	struct timespec ts;
	json_t *msg;
	bool wake;

	if (!data)
		data = json_object();
	clock_gettime(CLOCK_REALTIME, &ts);
	msg = json_pack("{sssOs{sIsI}}", "event", event, "data", data,
			"timestamp", "seconds", (json_int_t)ts.tv_sec,
			"microseconds", (json_int_t)(ts.tv_nsec / 1000));
	json_decref(data);
	if (!msg)
		goto out;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		goto out;
	ev->line = json_dumps(msg, JSON_COMPACT);
	if (!ev->line)
		goto out;
	ev->len = strlen(ev->line) + 1;
	ev->line[ev->len - 1] = '\n';

	pthread_mutex_lock(&s->lock);
	if (s->nr_events < CTL_EVENT_QUEUE_MAX) {
		wake = !s->ev_head;
		if (s->ev_tail)
			s->ev_tail->next = ev;
		else
			s->ev_head = ev;
		s->ev_tail = ev;
		s->nr_events++;
		ev = NULL;
		/* Written under the lock, so the pipe holds at most one byte;
		 * EAGAIN would mean a wake-up is pending anyway. */
		if (wake && write(s->event_pipe[1], "e", 1) < 0 && errno != EAGAIN)
			log_error("control: event wake-up: %s", strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
out:
	if (ev)
		free(ev->line);
	free(ev);
	json_decref(msg);
}

/* ---- life cycle -------------------------------------------------------- */

void ctl_server_stop(struct ctl_server *s)
{
	int saved = errno;
	ssize_t n;

	/* Async-signal-safe: one write(); EAGAIN means a stop is pending. */
	n = write(s->stop_pipe[1], "s", 1);
	(void)n;
	errno = saved;
}

int ctl_server_run(struct ctl_server *s)
{
	struct pollfd pfd[3 + CTL_MAX_CLIENTS];
	int slot_of[3 + CTL_MAX_CLIENTS];
	int i, n, rc;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = s->stop_pipe[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->event_pipe[0], .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		n = 3;
		for (i = 0; i < CTL_MAX_CLIENTS; i++) {
			struct ctl_conn *c = s->conns[i];
			short ev = 0;

			if (!c)
				continue;
			if (!c->eof && ctl_conn_backlog(c) <= CTL_OUT_MAX)
				ev |= POLLIN;
			if (ctl_conn_backlog(c))
				ev |= POLLOUT;
			pfd[n] = (struct pollfd){ .fd = c->fd, .events = ev };
			slot_of[n++] = i;
		}

		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			log_error("control: poll: %s", strerror(errno));
			return rc;
		}
		if (pfd[0].revents)
			return 0;
		if (pfd[1].revents)
			ctl_server_broadcast(s);
		for (i = 3; i < n; i++) {
			int slot = slot_of[i];
			struct ctl_conn *c = s->conns[slot];

			/* A broadcast above may already have dropped it. */
			if (!c || !pfd[i].revents)
				continue;
			rc = 0;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				rc = c->eof ? -EPIPE : ctl_server_read(s, c);
			if (rc == 0)
				rc = ctl_conn_flush(c);
			if (rc < 0 || (c->eof && !ctl_conn_backlog(c)))
				ctl_server_drop(s, slot);
		}
		if (pfd[2].revents)
			ctl_server_accept(s);
	}
}

/* Is something accepting connections on path? 0: no (nothing there, or a
 * stale socket file, now removed); -EADDRINUSE: yes; other -errno. */
static int ctl_server_claim_path(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, rc;

	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
	    errno == EAGAIN)
		rc = -EADDRINUSE;       /* live (EAGAIN: live, backlog full) */
	else if (errno == ECONNREFUSED)
		rc = unlink(addr->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	else
		rc = -errno;
	close(fd);
	return rc;
}

static int ctl_server_make_greeting(struct ctl_server *s, json_t *extra)
{
	json_t *inner = extra ? json_deep_copy(extra) : json_object();
	json_t *msg = NULL;
	char *line = NULL;
	int rc = -ENOMEM;

	if (!inner)
		goto out;
	if (!json_is_object(inner)) {
		rc = -EINVAL;
		goto out;
	}
	if (json_object_set_new(inner, "protocol", json_integer(CTL_PROTOCOL_VERSION)) < 0 ||
	    json_object_set_new(inner, "version", json_string(CTL_VERSION)) < 0)
		goto out;
	msg = json_pack("{sO}", "dsmig", inner);
	if (!msg)
		goto out;
	line = json_dumps(msg, JSON_COMPACT);
	if (!line)
		goto out;
	s->greeting_len = strlen(line) + 1;
	line[s->greeting_len - 1] = '\n';
	s->greeting = line;
	rc = 0;
out:
	json_decref(msg);
	json_decref(inner);
	return rc;
}

static int ctl_pipe(int p[2])
{
	return pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0 ? -errno : 0;
}

int ctl_server_open(struct ctl_server **out, const struct ctl_server_config *cfg)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ctl_server *s = NULL;
	const char *what = "socket path";
	bool bound = false;
	struct stat st;
	int i, rc;

	*out = NULL;
	rc = -ENAMETOOLONG;
	if (strlen(cfg->path) >= sizeof(addr.sun_path))
		goto err;
	strcpy(addr.sun_path, cfg->path);

	what = "allocation";
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto err;
	s->listen_fd = s->stop_pipe[0] = s->stop_pipe[1] = -1;
	s->event_pipe[0] = s->event_pipe[1] = -1;
	strcpy(s->path, cfg->path);
	s->commands = cfg->commands;
	s->nr_commands = cfg->nr_commands;
	s->opaque = cfg->opaque;
	s->on_close = cfg->on_close;

	what = "greeting";
	rc = ctl_server_make_greeting(s, cfg->greeting);
	if (rc < 0)
		goto err;
	what = "pipe";
	rc = ctl_pipe(s->stop_pipe);
	if (rc < 0)
		goto err;
	rc = ctl_pipe(s->event_pipe);
	if (rc < 0)
		goto err;

	what = "socket";
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0)
		goto err_errno;
	/* bind() gives the socket file the socket inode's mode minus the
	 * umask, so 0600 here is never widened, whatever the umask. */
	what = "fchmod";
	if (fchmod(s->listen_fd, 0600) < 0)
		goto err_errno;
	what = "existing socket";
	rc = ctl_server_claim_path(&addr);
	if (rc < 0)
		goto err;
	what = "bind";
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		goto err_errno;
	bound = true;
	what = "stat";
	if (lstat(s->path, &st) < 0)
		goto err_errno;
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	what = "listen";
	if (listen(s->listen_fd, CTL_LISTEN_BACKLOG) < 0)
		goto err_errno;
	what = "mutex";
	rc = -pthread_mutex_init(&s->lock, NULL);
	if (rc < 0)
		goto err;
	*out = s;
	return 0;

err_errno:
	rc = -errno;
err:
	log_error("control: %s: %s: %s", cfg->path, what,
		  rc == -EADDRINUSE ? "another server is running there" :
		  rc == -EEXIST ? "exists and is not a socket" : strerror(-rc));
	if (s) {
		if (bound)
			unlink(s->path);
		if (s->listen_fd >= 0)
			close(s->listen_fd);
		for (i = 0; i < 2; i++) {
			if (s->stop_pipe[i] >= 0)
				close(s->stop_pipe[i]);
			if (s->event_pipe[i] >= 0)
				close(s->event_pipe[i]);
		}
		free(s->greeting);
		free(s);
	}
	return rc;
}

void ctl_server_close(struct ctl_server *s)
{
	struct ctl_event *ev, *next;
	struct stat st;
	int i;

	if (!s)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->conns[i])
			ctl_server_drop(s, i);
	if (lstat(s->path, &st) == 0 && st.st_dev == s->sock_dev &&
	    st.st_ino == s->sock_ino)
		unlink(s->path);
	close(s->listen_fd);
	for (i = 0; i < 2; i++) {
		close(s->stop_pipe[i]);
		close(s->event_pipe[i]);
	}
	for (ev = s->ev_head; ev; ev = next) {
		next = ev->next;
		free(ev->line);
		free(ev);
	}
	pthread_mutex_destroy(&s->lock);
	free(s->greeting);
	free(s);
}

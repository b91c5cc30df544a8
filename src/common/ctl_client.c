/*
 * Synchronous client of the dsmig-vmm control protocol (see ctl_client.h
 * and docs/control-protocol.md).
 *
 * The socket is non-blocking; every wait is a poll() against a deadline.
 * Incoming bytes collect in one buffer that is cut into lines. A descriptor
 * arriving with SCM_RIGHTS belongs to the reply line the server sent it
 * with: the kernel ends a read right after the data that carried the
 * descriptor, and the server sends that line, and only it, in that
 * sendmsg(), so the descriptor is tagged with the last line that starts in
 * the chunk read. Events that arrive while a command waits for its reply
 * are kept in order for ctl_client_next_event().
 */
#include "common/ctl_client.h"
#include "common/ctl_proto.h"
#include "common/log.h"
#include "common/text.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CTL_CLIENT_LINE_MAX (64 * 1024 * 1024) /* longest reply accepted */
#define CTL_CLIENT_FDS      8                  /* descriptors held at once */
#define CTL_CLIENT_RETRY_MS 10                 /* connect retry, full backlog */

struct ctl_client_fd {
	size_t off;             /* buffer offset of the line it came with */
	int fd;
};

struct ctl_client {
	int fd;
	json_t *greeting;
	json_t *events;         /* array of queued events */
	json_int_t last_id;
	char *buf;
	size_t len, cap;
	struct ctl_client_fd fds[CTL_CLIENT_FDS];
	size_t nr_fds;
};

static long long ctl_client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deadline for a timeout in ms; a negative timeout never expires (-1). */
static long long ctl_client_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : ctl_client_now_ms() + timeout_ms;
}

/* Milliseconds left, as a poll() timeout. */
static int ctl_client_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - ctl_client_now_ms();
	return left > 0 ? (int)left : 0;
}

static int ctl_client_wait(struct ctl_client *c, short events, long long deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	int n;

	do
		n = poll(&pfd, 1, ctl_client_left(deadline));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int ctl_client_send_all(struct ctl_client *c, const char *p, size_t len,
			       long long deadline)
{
	int rc;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			rc = ctl_client_wait(c, POLLOUT, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Keep a received descriptor for the line starting at off, or close it. */
static void ctl_client_keep_fd(struct ctl_client *c, int fd, size_t off)
{
	if (c->nr_fds == CTL_CLIENT_FDS) {
		close(fd);
		return;
	}
	c->fds[c->nr_fds++] = (struct ctl_client_fd){ .off = off, .fd = fd };
}

/* Read one chunk (waiting until deadline) into the buffer. */
static int ctl_client_recv(struct ctl_client *c, long long deadline)
{
	union {
		char buf[CMSG_SPACE(CTL_CLIENT_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf),
	};
	struct cmsghdr *cm;
	size_t start, i;
	ssize_t n;
	int rc;

	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? 2 * c->cap : 16384;
		char *p;

		if (c->len >= CTL_CLIENT_LINE_MAX)
			return -EMSGSIZE;
		p = realloc(c->buf, cap);
		if (!p)
			return -ENOMEM;
		c->buf = p;
		c->cap = cap;
	}
	iov = (struct iovec){ .iov_base = c->buf + c->len, .iov_len = c->cap - c->len };

	for (;;) {
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = ctl_client_wait(c, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
	if (n == 0)
		return -ECONNRESET;

	/* The last line start in [len, len + n): the buffer never holds a
	 * complete line when we read, so len is a line start only if 0. */
	start = c->len;
	for (i = c->len; i + 1 < c->len + n; i++)
		if (c->buf[i] == '\n')
			start = i + 1;
	c->len += n;

	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t nr, k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nr = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nr; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (k == 0)
				ctl_client_keep_fd(c, fd, start);
			else
				close(fd);      /* one descriptor per reply */
		}
	}
	return 0;
}

/* Next message (a JSON object) with the descriptor sent with it, or -1. */
static int ctl_client_read_msg(struct ctl_client *c, long long deadline,
			       json_t **msg, int *fd)
{
	json_error_t jerr;
	char *nl;
	size_t used, i, k;
	int rc;

	*msg = NULL;
	*fd = -1;
	while (!(nl = c->len ? memchr(c->buf, '\n', c->len) : NULL)) {
		rc = ctl_client_recv(c, deadline);
		if (rc < 0)
			return rc;
	}
	used = nl - c->buf + 1;
	*msg = json_loadb(c->buf, used - 1, 0, &jerr);

	for (i = k = 0; i < c->nr_fds; i++) {
		if (c->fds[i].off == 0 && *fd < 0) {
			*fd = c->fds[i].fd;
		} else if (c->fds[i].off < used) {
			close(c->fds[i].fd);
		} else {
			c->fds[k].fd = c->fds[i].fd;
			c->fds[k++].off = c->fds[i].off - used;
		}
	}
	c->nr_fds = k;
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;

	if (!json_is_object(*msg)) {
		json_decref(*msg);
		*msg = NULL;
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return 0;
}

/* msg is the first line a server sent: {"dsmig": {"protocol": N, ...}}
 * with N our CTL_PROTOCOL_VERSION. Returns 0, or -EBUSY (the server said
 * {"error": ...} instead: too many clients), -EPROTO (no greeting, or one
 * without a version) or -EPROTONOSUPPORT (another version), with why. */
static int ctl_client_check_greeting(json_t *msg, char *why, size_t len)
{
	json_t *greeting = json_object_get(msg, "dsmig");
	json_t *error = json_object_get(msg, "error");
	json_t *proto = json_object_get(greeting, "protocol");

	if (!json_is_object(greeting) && error) {
		char desc[201];

		/* The server's text is printed by callers: bounded, cleaned. */
		text_clean(desc, sizeof(desc),
				    json_string_value(json_object_get(error, "desc")) ?: "?");
		errbuf_set(why, len, "the server refused the connection: %s", desc);
		return -EBUSY;
	}
	if (!json_is_object(greeting) || !json_is_integer(proto)) {
		errbuf_set(why, len, "%s", json_is_object(greeting) ?
			   "the greeting has no protocol version" : "no dsmig greeting from the server");
		return -EPROTO;
	}
	if (json_integer_value(proto) != CTL_PROTOCOL_VERSION) {
		errbuf_set(why, len, "the server speaks control protocol version %" JSON_INTEGER_FORMAT
			   ", this client version %d (dsmig-vmm and its client come from different "
			   "dsmig builds)", json_integer_value(proto), CTL_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

int ctl_client_open(struct ctl_client **out, const char *path, int timeout_ms,
		    char *why, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	long long deadline = ctl_client_deadline(timeout_ms);
	struct ctl_client *c = NULL;
	json_t *msg = NULL;
	int fd = -1, rc;

	*out = NULL;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		rc = -ENAMETOOLONG;
		goto err;
	}
	strcpy(addr.sun_path, path);

	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto err;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = -errno;
		goto err;
	}
	/* A unix connect() completes at once, or fails with EAGAIN when the
	 * server's backlog is full: retry until the deadline. */
	while (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		const struct timespec pause = { .tv_nsec = CTL_CLIENT_RETRY_MS * 1000000 };

		if (errno != EAGAIN && errno != EINTR) {
			rc = -errno;
			goto err;
		}
		if (deadline >= 0 && ctl_client_now_ms() >= deadline) {
			rc = -ETIMEDOUT;
			goto err;
		}
		nanosleep(&pause, NULL);
	}
	c->events = json_array();
	if (!c->events) {
		rc = -ENOMEM;
		goto err;
	}

	rc = ctl_client_read_msg(c, deadline, &msg, &fd);
	if (rc < 0)
		goto err;
	if (fd >= 0)
		close(fd);
	rc = ctl_client_check_greeting(msg, why, len);
	if (rc < 0)
		goto refused;
	c->greeting = json_incref(json_object_get(msg, "dsmig"));
	json_decref(msg);
	*out = c;
	return 0;

err:
	errbuf_set(why, len, "%s", strerror(-rc));
refused:
	json_decref(msg);
	ctl_client_close(c);
	return rc;
}

json_t *ctl_client_greeting(struct ctl_client *c)
{
	return c->greeting;
}

int ctl_client_execute(struct ctl_client *c, const char *command, json_t *args,
		       json_t **ret, int *fd_out, int timeout_ms)
{
	long long deadline = ctl_client_deadline(timeout_ms);
	json_int_t id = ++c->last_id;
	json_t *req, *msg = NULL, *val, *rid;
	char *line = NULL;
	size_t len;
	int fd = -1, rc;

	*ret = NULL;
	if (fd_out)
		*fd_out = -1;

	req = json_pack("{sssI}", "execute", command, "id", id);
	if (req && args && json_object_set(req, "arguments", args) < 0) {
		json_decref(req);
		req = NULL;
	}
	if (req)
		line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n';       /* send "<json>\n"; the NUL is not needed */
	rc = ctl_client_send_all(c, line, len + 1, deadline);
	free(line);
	if (rc < 0)
		return rc;

	for (;;) {
		rc = ctl_client_read_msg(c, deadline, &msg, &fd);
		if (rc < 0)
			return rc;
		if (json_object_get(msg, "event")) {
			rc = json_array_append(c->events, msg);
		} else {
			/* Our reply, or a late one to a command that timed out.
			 * An error without an id answers a line that could not
			 * be parsed: ours, since we send one at a time. */
			rid = json_object_get(msg, "id");
			if ((json_is_integer(rid) && json_integer_value(rid) == id) ||
			    (!rid && json_object_get(msg, "error")))
				break;
		}
		json_decref(msg);
		if (fd >= 0)
			close(fd);
		if (rc < 0)
			return -ENOMEM;
	}

	if ((val = json_object_get(msg, "return"))) {
		rc = 0;
	} else if ((val = json_object_get(msg, "error"))) {
		rc = -1;
	} else {
		rc = -EPROTO;
	}
	*ret = json_incref(val);
	json_decref(msg);
	if (fd >= 0 && fd_out && rc != -EPROTO)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	return rc;
}

int ctl_client_next_event(struct ctl_client *c, json_t **event, int timeout_ms)
{
	long long deadline = ctl_client_deadline(timeout_ms);
	json_t *msg;
	int fd, rc;

	*event = NULL;
	while (json_array_size(c->events) == 0) {
		rc = ctl_client_read_msg(c, deadline, &msg, &fd);
		if (rc < 0)
			return rc;
		if (fd >= 0)
			close(fd);
		if (json_object_get(msg, "event")) {
			*event = msg;
			return 0;
		}
		json_decref(msg);       /* a late reply: nobody waits for it */
	}
	*event = json_incref(json_array_get(c->events, 0));
	json_array_remove(c->events, 0);
	return 0;
}

void ctl_client_close(struct ctl_client *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_fds; i++)
		close(c->fds[i].fd);
	if (c->fd >= 0)
		close(c->fd);
	json_decref(c->greeting);
	json_decref(c->events);
	free(c->buf);
	free(c);
}

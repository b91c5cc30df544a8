/*
 * Control socket server: a client's output (see control_int.h). Replies
 * and events are appended to the connection's output buffer and sent
 * without blocking as the socket takes them. A descriptor to pass with a
 * reply is dup()ed and queued at that reply's offset; the reply line then
 * goes out alone in one sendmsg() with SCM_RIGHTS
 * (docs/control-protocol.md, "Passing descriptors").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/control_int.h"

void ctl_conn_free(struct ctl_conn *c)
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

size_t ctl_conn_backlog(const struct ctl_conn *c)
{
	return c->out_len - c->out_pos;
}

/* Append a line (fd >= 0: to be sent with it, dup()ed here). */
int ctl_conn_queue(struct ctl_conn *c, const char *line, size_t len, int fd)
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

/* Write as much as the socket takes. Returns 0 or -errno (drop client).
 * stall_ns tells since when queued output has made no progress. */
int ctl_conn_flush(struct ctl_conn *c)
{
	bool progress = false;

	while (c->out_pos < c->out_len) {
		ssize_t n = ctl_conn_send_chunk(c);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		progress = true;
	}
	if (!ctl_conn_backlog(c))
		c->stall_ns = 0;
	else if (progress || !c->stall_ns)
		c->stall_ns = time_mono_ns();
	return 0;
}

/* Serialise msg (stolen) as one line and queue it. */
int ctl_conn_send_json(struct ctl_conn *c, json_t *msg, int fd)
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

int ctl_conn_send_error(struct ctl_conn *c, json_t *id, const char *class,
			const char *desc)
{
	json_t *msg = json_pack("{s{ssss}}", "error", "class", class, "desc", desc);

	if (msg && id && json_object_set(msg, "id", id) < 0) {
		json_decref(msg);
		return -ENOMEM;
	}
	return ctl_conn_send_json(c, msg, -1);
}

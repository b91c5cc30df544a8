/*
 * Control socket server of dsmig-vmm (see control.h and
 * docs/control-protocol.md): its socket, the poll loop, clients coming
 * and going, events. Commands are control_dispatch.c, output
 * control_conn.c (control_int.h).
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
 * backlog exceeds CTL_OUT_MAX gets no further line answered (replies are
 * kept) and is disconnected if an event would grow the backlog further.
 *
 * Slots are scarce, so a client must do its part within struct ctl_limits
 * (speak after connecting, finish its lines, take its output); poll()
 * sleeps until the earliest such deadline, and a full table evicts the
 * oldest client that never spoke.
 */
#include "vmm/control_int.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CTL_VERSION         "0.1"
#define CTL_EVENT_QUEUE_MAX 4096          /* events not yet broadcast */
#define CTL_LISTEN_BACKLOG  16

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

/* Does in[] hold the start of a line and no complete one? */
static bool ctl_conn_partial(const struct ctl_conn *c)
{
	return c->discarding || (c->in_len && !memchr(c->in, '\n', c->in_len));
}

/* When c runs out of time for what it owes us (0: never); *why says what
 * it failed to do and *limit_ms how long it had. */
static uint64_t ctl_conn_deadline(const struct ctl_conn *c,
				  const struct ctl_limits *lim, const char **why,
				  unsigned *limit_ms)
{
	const struct {
		bool owes;
		uint64_t since;
		unsigned ms;
		const char *what;
	} rule[] = {
		{ !c->spoke, c->connected_ns, lim->silent_ms, "sent no command" },
		{ ctl_conn_partial(c) && c->partial_ns, c->partial_ns, lim->partial_ms,
		  "left a command line unfinished" },
		{ c->stall_ns != 0, c->stall_ns, lim->stall_ms, "did not read its replies" },
	};
	uint64_t t = 0, d;
	size_t i;

	for (i = 0; i < sizeof(rule) / sizeof(rule[0]); i++) {
		if (!rule[i].owes)
			continue;
		d = rule[i].since + rule[i].ms * 1000000ull;
		if (!t || d < t) {
			t = d;
			*why = rule[i].what;
			*limit_ms = rule[i].ms;
		}
	}
	return t;
}

/* Drop every client past its deadline; return the next deadline (0: none). */
static uint64_t ctl_server_expire(struct ctl_server *s)
{
	uint64_t now = time_mono_ns(), next = 0, t;
	const char *why = "";
	unsigned limit_ms = 0;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_conn *c = s->conns[i];

		if (!c || !(t = ctl_conn_deadline(c, &s->limits, &why, &limit_ms)))
			continue;
		if (t <= now) {
			log_warn("control: client %u %s for %.1f s: dropped", c->id,
				 why, limit_ms / 1000.0);
			ctl_server_drop(s, i);
		} else if (!next || t < next) {
			next = t;
		}
	}
	return next;
}

/* The oldest client that has been connected limits.evict_ms without
 * sending a command, or -1. */
static int ctl_server_evictable(struct ctl_server *s)
{
	uint64_t now = time_mono_ns();
	int i, best = -1;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_conn *c = s->conns[i];

		if (!c || c->spoke || now - c->connected_ns < s->limits.evict_ms * 1000000ull)
			continue;
		if (best < 0 || c->connected_ns < s->conns[best]->connected_ns)
			best = i;
	}
	return best;
}

/* Only our own user (or root) may drive the VM, whatever the socket
 * file's mode has become: the kernel's word on the peer, not a path's. */
static bool ctl_peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == geteuid() || cred.uid == 0;
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
		if (!ctl_peer_allowed(fd)) {
			log_warn("control: refused a client of another user");
			close(fd);
			continue;
		}
		for (slot = 0; slot < CTL_MAX_CLIENTS && s->conns[slot]; slot++)
			;
		if (slot == CTL_MAX_CLIENTS) {
			slot = ctl_server_evictable(s);
			if (slot >= 0) {
				log_warn("control: client %u sent no command; dropped to make room for a new client",
					 s->conns[slot]->id);
				ctl_server_drop(s, slot);
			}
		}
		if (slot < 0) {
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
		s->conns[slot]->connected_ns = time_mono_ns();
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
	uint64_t deadline, now;
	int i, n, rc, timeout_ms;

	for (;;) {
		deadline = ctl_server_expire(s);
		now = time_mono_ns();
		if (s->tick_ns) {
			if (now >= s->next_tick) {
				s->on_tick(s->opaque);
				s->next_tick = now + s->tick_ns;
			}
			if (!deadline || s->next_tick < deadline)
				deadline = s->next_tick;
		}
		timeout_ms = !deadline ? -1 : deadline <= now ? 0 :
			     (int)((deadline - now + 999999) / 1000000);
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

		if (poll(pfd, n, timeout_ms) < 0) {
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
			/* Lines held back by a full backlog, now that it shrank. */
			if (rc == 0 && c->in_len && ctl_conn_backlog(c) <= CTL_OUT_MAX)
				rc = ctl_server_lines(s, c);
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

int ctl_server_open(struct ctl_server **out, const struct ctl_server_config *cfg,
		    char *why, size_t len)
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
	if (cfg->on_tick && cfg->tick_ms) {
		s->on_tick = cfg->on_tick;
		s->tick_ns = (uint64_t)cfg->tick_ms * 1000000u;
	}
	s->limits = cfg->limits ? *cfg->limits : (struct ctl_limits){
		.silent_ms = CTL_SILENT_MS, .partial_ms = CTL_PARTIAL_MS,
		.stall_ms = CTL_STALL_MS, .evict_ms = CTL_EVICT_MS,
	};

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
	errbuf_set(why, len, "%s: %s", what,
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


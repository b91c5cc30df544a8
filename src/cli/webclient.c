/*
 * `dsmig webclient`: a small HTTP/1.1 load client that logs what a
 * migrating guest's clients see (docs/deploy.md, records in
 * docs/telemetry.md). It runs in the lab's clients' namespace against a
 * guest's server:
 *
 *   dsmig webclient --target ADDR[:PORT] [--conns N] [--rate R] [--duration S]
 *                   [--path PATH]... [--missing PATH] [--timeout-ms MS]
 *                   [--out FILE] [--per-request]
 *
 * How it works: --conns keep-alive connections (non-blocking sockets, one
 * epoll loop), each carrying at most one request at a time; requests are
 * started at --rate per second in total, on whichever connection is idle
 * (a request that finds none waits for one, and the pace does not catch
 * up by more than a tenth of a second). Each response is read whole by
 * webclient_http.c. A connection that ends (Connection: close, a reset, a
 * malformed response, a timeout) is opened again at once, or 100 ms after
 * a failed connect.
 *
 * What counts:
 *   ok          a 2xx response, or the 404 a --missing path should get;
 *   failed      any other status, a malformed response, a request that
 *               got no whole response within --timeout-ms, another socket
 *               error, a connect that failed (refused, unreachable, timed
 *               out: each attempt counts);
 *   resets      ECONNRESET or EPIPE, or the peer closing the connection
 *               while a request waits for its response;
 *   reconnects  connections opened again after the first.
 * The longest gap is the longest interval in which no response completed
 * while at least one request was outstanding: from the later of the last
 * completion and the moment a request was sent with none outstanding, to
 * the next completion (or failure, or the end of the run).
 *
 * Exit: 0 when nothing failed and nothing was reset, 1 otherwise, 2 on a
 * usage error. Targets outside LAB_RANGE and 127.0.0.0/8 are refused.
 * SIGINT and SIGTERM end the run early; the summary is still written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/webclient_http.h"
#include "common/log.h"

#define WC_VERSION        1
#define WC_CONNS_MAX      1000
#define WC_DURATION_MAX   3600.0
#define WC_RATE_MAX       100000.0
#define WC_TIMEOUT_MAX_MS 600000u
#define WC_PATHS_MAX      16
#define WC_PATH_MAX       1024
#define WC_RETRY_MS       100       /* after a failed connect */
#define WC_CATCH_UP_NS    100000000 /* how far the pace may lag and catch up */
#define WC_TICK_MS        5         /* the loop's longest sleep */
#define NS                1000000000ull

enum conn_state {
	C_DOWN,        /* no socket; opened at retry_at */
	C_CONNECTING,  /* connect() in progress */
	C_IDLE,        /* connected, no request */
	C_BUSY,        /* a request sent (or being sent), its response awaited */
};

struct conn {
	int fd;
	enum conn_state state;
	int opened;             /* connections opened so far on this slot */
	uint64_t since;         /* C_CONNECTING: connect start; C_BUSY: send time */
	uint64_t since_real;
	uint64_t retry_at;      /* C_DOWN */
	int path;               /* C_BUSY: index into the paths */
	const char *req;        /* C_BUSY: the request and how much is sent */
	size_t req_len, req_off;
	struct wc_http resp;
};

struct wc_path {
	const char *path;
	int missing;            /* a 404 is the right answer */
	char req[WC_PATH_MAX + 256];
	size_t req_len;
};

struct wc_opts {
	struct sockaddr_in addr;
	char target[64];
	unsigned conns, timeout_ms;
	double rate, duration;
	struct wc_path paths[WC_PATHS_MAX];
	int npaths;
	const char *out;
	int per_request;
};

/* One second's counts (the JSONL records). gap_ns: the longest gap that
 * ended in it (a gap still open at its end is added when it is written). */
struct wc_second {
	uint64_t ok, failed, resets, max_latency_ns, gap_ns;
};

struct wc_run {
	const struct wc_opts *o;
	struct conn *c;
	int ep;
	FILE *out;
	uint64_t t0, t0_real, end, next_send;
	unsigned outstanding;
	/* totals */
	uint64_t ok, failed, resets, reconnects;
	uint64_t failed_status, failed_malformed, failed_timeout, failed_error, failed_connect;
	uint64_t bytes_in, latency_sum_ns, max_latency_ns;
	/* the longest gap */
	uint64_t gap_start;     /* 0: no gap open */
	uint64_t longest_gap_ns, longest_gap_at;
	/* the second being counted */
	uint64_t sec;
	struct wc_second cur;
	unsigned next_path;
};

static volatile sig_atomic_t wc_stop;

static void on_signal(int sig)
{
	(void)sig;
	wc_stop = 1;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static uint64_t to_real(const struct wc_run *w, uint64_t mono)
{
	return w->t0_real + (mono - w->t0);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig webclient --target ADDR[:PORT] [--conns N] [--rate R] [--duration S]\n"
		"                       [--path PATH]... [--missing PATH] [--timeout-ms MS]\n"
		"                       [--out FILE] [--per-request]\n"
		"HTTP/1.1 GET requests over N keep-alive connections (default 8, at most %d),\n"
		"R requests per second in all (default 200, at most %.0f), for S seconds\n"
		"(default 60, at most %.0f), one request at a time per connection, each path\n"
		"(default /) in turn. ADDR is an IPv4 address in " LAB_RANGE " (the lab; its\n"
		"guests are in " LAB_GUEST_SUBNET ") or 127.0.0.0/8; PORT defaults to 80.\n"
		"  --missing PATH    also ask for PATH, which should get 404 (that counts as ok)\n"
		"  --timeout-ms MS   a request without a whole response after MS (default 5000)\n"
		"                    fails and its connection is opened again\n"
		"  --out FILE        JSON lines: one record a second, then the summary\n"
		"  --per-request     also one record per request in FILE (its send and\n"
		"                    completion times, CLOCK_MONOTONIC and CLOCK_REALTIME)\n"
		"Prints the summary as one JSON line (docs/telemetry.md). Exit 0 when no\n"
		"request failed and no connection was reset, 1 otherwise, 2 on a usage error.\n"
		"SIGINT/SIGTERM end the run early, with the summary.\n",
		WC_CONNS_MAX, WC_RATE_MAX, WC_DURATION_MAX);
}

/* ---- options ----------------------------------------------------------------------- */

/* Whether a is in LAB_RANGE or 127.0.0.0/8. */
static int target_allowed(struct in_addr a)
{
	char net[32], *slash;
	struct in_addr base;
	uint32_t h = ntohl(a.s_addr), mask;
	int bits;

	if ((h >> 24) == 127)
		return 1;
	snprintf(net, sizeof(net), "%s", LAB_RANGE);
	slash = strchr(net, '/');
	*slash = '\0';
	bits = atoi(slash + 1);
	if (inet_pton(AF_INET, net, &base) != 1 || bits < 1 || bits > 32)
		return 0;
	mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	return (h & mask) == (ntohl(base.s_addr) & mask);
}

static int parse_target(const char *s, struct wc_opts *o)
{
	char host[64], *colon, *end;
	unsigned long port = 80;

	if (strlen(s) >= sizeof(host))
		return fprintf(stderr, "dsmig webclient: --target too long\n"), -1;
	snprintf(host, sizeof(host), "%s", s);
	colon = strchr(host, ':');
	if (colon) {
		*colon = '\0';
		port = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || port < 1 || port > 65535)
			return fprintf(stderr, "dsmig webclient: bad port in --target '%s'\n", s), -1;
	}
	o->addr.sin_family = AF_INET;
	o->addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &o->addr.sin_addr) != 1)
		return fprintf(stderr, "dsmig webclient: --target '%s' is no IPv4 address[:port]\n",
			       s), -1;
	if (!target_allowed(o->addr.sin_addr))
		return fprintf(stderr, "dsmig webclient: refusing target %s: only the lab's "
			       "addresses (" LAB_RANGE ") and loopback (127.0.0.0/8)\n", host), -1;
	snprintf(o->target, sizeof(o->target), "%s", s);
	return 0;
}

static int add_path(struct wc_opts *o, const char *p, int missing)
{
	size_t i;

	if (o->npaths == WC_PATHS_MAX)
		return fprintf(stderr, "dsmig webclient: at most %d paths\n", WC_PATHS_MAX), -1;
	if (p[0] != '/' || strlen(p) > WC_PATH_MAX)
		return fprintf(stderr, "dsmig webclient: a path starts with / and has at most %d "
			       "characters: '%s'\n", WC_PATH_MAX, p), -1;
	for (i = 0; p[i]; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return fprintf(stderr, "dsmig webclient: a path has no spaces or control "
				       "characters\n"), -1;
	o->paths[o->npaths].path = p;
	o->paths[o->npaths++].missing = missing;
	return 0;
}

static int parse_number(const char *name, const char *s, double lo, double hi, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || *end || !isfinite(*v) || *v < lo || *v > hi)
		return fprintf(stderr, "dsmig webclient: --%s must be %g..%g\n", name, lo, hi), -1;
	return 0;
}

static int parse_opts(int argc, char **argv, struct wc_opts *o)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "conns", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "path", required_argument, NULL, 'p' },
		{ "missing", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "per-request", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c, have_path = 0, i;

	*o = (struct wc_opts) { .conns = 8, .rate = 200, .duration = 60, .timeout_ms = 5000 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_target(optarg, o))
				return -1;
			break;
		case 'c':
			if (parse_number("conns", optarg, 1, WC_CONNS_MAX, &v) || v != floor(v))
				return v != floor(v) ? fprintf(stderr, "dsmig webclient: --conns is a "
							       "whole number\n"), -1 : -1;
			o->conns = (unsigned)v;
			break;
		case 'r':
			if (parse_number("rate", optarg, 0.01, WC_RATE_MAX, &o->rate))
				return -1;
			break;
		case 'd':
			if (parse_number("duration", optarg, 0.01, WC_DURATION_MAX, &o->duration))
				return -1;
			break;
		case 'p':
		case 'm':
			if (add_path(o, optarg, c == 'm'))
				return -1;
			have_path |= c == 'p';
			break;
		case 'o': o->out = optarg; break;
		case 'T':
			if (parse_number("timeout-ms", optarg, 1, WC_TIMEOUT_MAX_MS, &v))
				return -1;
			o->timeout_ms = (unsigned)v;
			break;
		case 'R': o->per_request = 1; break;
		case 'h': usage(stdout); exit(CLI_OK);
		default: return -1;
		}
	}
	if (optind != argc || !o->target[0]) {
		if (!o->target[0])
			fprintf(stderr, "dsmig webclient: --target is required\n");
		return -1;
	}
	if (!have_path && add_path(o, "/", 0))
		return -1;
	for (i = 0; i < o->npaths; i++) {
		struct wc_path *p = &o->paths[i];

		p->req_len = (size_t)snprintf(p->req, sizeof(p->req),
					      "GET %s HTTP/1.1\r\nHost: %s\r\n"
					      "User-Agent: dsmig-webclient\r\nAccept: */*\r\n\r\n",
					      p->path, o->target);
	}
	return 0;
}

/* ---- counting ------------------------------------------------------------------------ */

static void write_json(FILE *f, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s) {
		fprintf(f, "%s\n", s);
		free(s);
	}
	json_decref(j);
}

/* Records of every second that ended before now. A gap still open at a
 * second's end counts in that second as far as it got (so the longest
 * gap_ns of the records is the summary's longest_gap_ns); each record is
 * flushed, for whoever follows the file (the console's --clients). */
static void flush_seconds(struct wc_run *w, uint64_t now)
{
	int wrote = 0;

	while (now - w->t0 >= (w->sec + 1) * NS) {
		uint64_t end = w->t0 + (w->sec + 1) * NS;

		if (w->gap_start && w->gap_start < end && end - w->gap_start > w->cur.gap_ns)
			w->cur.gap_ns = end - w->gap_start;
		if (w->out)
			write_json(w->out, json_pack("{si s:s s:I s:I s:I s:I s:I s:I s:i s:I}",
				"v", WC_VERSION, "type", "webclient-second",
				"t", (json_int_t)(w->t0_real + w->sec * NS), "sec", (json_int_t)w->sec,
				"ok", (json_int_t)w->cur.ok, "failed", (json_int_t)w->cur.failed,
				"resets", (json_int_t)w->cur.resets,
				"max_latency_ns", (json_int_t)w->cur.max_latency_ns,
				"outstanding", (int)w->outstanding,
				"gap_ns", (json_int_t)w->cur.gap_ns));
		memset(&w->cur, 0, sizeof(w->cur));
		w->sec++;
		wrote = 1;
	}
	if (wrote && w->out)
		fflush(w->out);
}

/* A gap ends at t (a completion, or the last outstanding request gone). */
static void gap_close(struct wc_run *w, uint64_t t)
{
	if (w->gap_start && t - w->gap_start > w->cur.gap_ns)
		w->cur.gap_ns = t - w->gap_start;
	if (w->gap_start && t - w->gap_start > w->longest_gap_ns) {
		w->longest_gap_ns = t - w->gap_start;
		w->longest_gap_at = to_real(w, w->gap_start);
	}
	w->gap_start = 0;
}

enum outcome { O_OK, O_STATUS, O_MALFORMED, O_TIMEOUT, O_ERROR, O_RESET };

static const char *const outcome_names[] = {
	[O_OK] = "ok", [O_STATUS] = "status", [O_MALFORMED] = "malformed",
	[O_TIMEOUT] = "timeout", [O_ERROR] = "error", [O_RESET] = "reset",
};

/* The request on c ended at t with outcome o. */
static void request_end(struct wc_run *w, struct conn *c, enum outcome o, uint64_t t)
{
	uint64_t lat = t - c->since;

	flush_seconds(w, t);
	w->outstanding--;
	if (o == O_OK) {
		w->ok++;
		w->cur.ok++;
		w->latency_sum_ns += lat;
		if (lat > w->max_latency_ns)
			w->max_latency_ns = lat;
		if (lat > w->cur.max_latency_ns)
			w->cur.max_latency_ns = lat;
		gap_close(w, t);
		if (w->outstanding)
			w->gap_start = t;
	} else {
		if (o == O_RESET) {
			w->resets++;
			w->cur.resets++;
		} else {
			w->failed++;
			w->cur.failed++;
			w->failed_status += o == O_STATUS;
			w->failed_malformed += o == O_MALFORMED;
			w->failed_timeout += o == O_TIMEOUT;
			w->failed_error += o == O_ERROR;
		}
		if (!w->outstanding)
			gap_close(w, t);
	}
	w->bytes_in += c->resp.body_bytes;
	if (w->out && w->o->per_request)
		write_json(w->out, json_pack("{si s:s s:I s:i s:s s:s s:i s:I s:I s:I s:I s:I}",
			"v", WC_VERSION, "type", "webclient-request", "t", (json_int_t)to_real(w, t),
			"conn", (int)(c - w->c), "path", w->o->paths[c->path].path,
			"outcome", outcome_names[o], "status", c->resp.status,
			"send_mono_ns", (json_int_t)c->since, "send_real_ns", (json_int_t)c->since_real,
			"done_mono_ns", (json_int_t)t, "done_real_ns", (json_int_t)to_real(w, t),
			"latency_ns", (json_int_t)lat));
	c->state = C_IDLE;
}

/* ---- connections ---------------------------------------------------------------------- */

static void conn_close(struct wc_run *w, struct conn *c, uint64_t retry_at)
{
	if (c->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->state = C_DOWN;
	c->retry_at = retry_at;
}

static void connect_failed(struct wc_run *w, struct conn *c, uint64_t now)
{
	flush_seconds(w, now);
	w->failed++;
	w->cur.failed++;
	w->failed_connect++;
	conn_close(w, c, now + WC_RETRY_MS * 1000000ull);
}

static void conn_open(struct wc_run *w, struct conn *c, uint64_t now)
{
	/* Edge-triggered: EPOLLOUT says once that a connect finished or that
	 * a stalled send may go on; reads go on until EAGAIN. */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	int one = 1;

	if (c->opened++)
		w->reconnects++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		/* Out of descriptors or memory: a failed connect, tried again. */
		connect_failed(w, c, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.ptr = c;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev))
		log_fatal(CLI_FAILED, "epoll_ctl: %s", strerror(errno));
	c->since = now;
	if (connect(c->fd, (const struct sockaddr *)&w->o->addr, sizeof(w->o->addr)) == 0)
		c->state = C_IDLE;
	else if (errno == EINPROGRESS)
		c->state = C_CONNECTING;
	else
		connect_failed(w, c, now);
}

/* End c's request with outcome o and close the connection (opened again
 * at once). */
static void conn_fail(struct wc_run *w, struct conn *c, enum outcome o, uint64_t now)
{
	request_end(w, c, o, now);
	conn_close(w, c, now);
}

static void conn_send(struct wc_run *w, struct conn *c, uint64_t now)
{
	ssize_t k;

	while (c->req_off < c->req_len) {
		k = send(c->fd, c->req + c->req_off, c->req_len - c->req_off, MSG_NOSIGNAL);
		if (k > 0) {
			c->req_off += (size_t)k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_fail(w, c, errno == EPIPE || errno == ECONNRESET ? O_RESET : O_ERROR, now);
		return;
	}
}

/* Start a request on idle connection c. */
static void request_start(struct wc_run *w, struct conn *c, uint64_t now)
{
	const struct wc_path *p = &w->o->paths[w->next_path];

	c->path = (int)w->next_path;
	w->next_path = (w->next_path + 1) % (unsigned)w->o->npaths;
	c->req = p->req;
	c->req_len = p->req_len;
	c->req_off = 0;
	c->since = now;
	c->since_real = to_real(w, now);
	c->state = C_BUSY;
	wc_http_reset(&c->resp);
	if (!w->outstanding++ && !w->gap_start)
		w->gap_start = now;
	conn_send(w, c, now);
}

/* Bytes arrived on a busy connection (or it ended: n == 0). */
static void conn_input(struct wc_run *w, struct conn *c, const char *buf, size_t n, uint64_t now)
{
	const struct wc_opts *o = w->o;
	enum wc_http_rc rc;
	size_t used = 0;
	int st, keep;

	rc = n ? wc_http_feed(&c->resp, buf, n, &used) : wc_http_eof(&c->resp);
	if (rc == WC_HTTP_MORE)
		return;
	if (rc == WC_HTTP_BAD) {
		/* The peer went away mid-response: a reset, not a bad server. */
		conn_fail(w, c, n ? O_MALFORMED : O_RESET, now);
		return;
	}
	st = c->resp.status;
	keep = c->resp.keep_alive && n && used == n;
	if (n && used != n) {
		/* Bytes nobody asked for: the stream is out of step. */
		conn_fail(w, c, O_MALFORMED, now);
		return;
	}
	request_end(w, c, (st >= 200 && st < 300 && !o->paths[c->path].missing) ||
			  (st == 404 && o->paths[c->path].missing) ? O_OK : O_STATUS, now);
	if (!keep)
		conn_close(w, c, now);
}

static void conn_readable(struct wc_run *w, struct conn *c, uint64_t now)
{
	char buf[16384];
	ssize_t k;

	for (;;) {
		k = recv(c->fd, buf, sizeof(buf), 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k < 0) {
			if (c->state == C_BUSY)
				conn_fail(w, c, errno == ECONNRESET || errno == EPIPE ? O_RESET : O_ERROR,
					  now);
			else
				conn_close(w, c, now);
			return;
		}
		if (c->state != C_BUSY) {
			/* Bytes or the end on an idle connection: the server
			 * closed it (a keep-alive timeout) or spoke out of turn. */
			conn_close(w, c, now);
			return;
		}
		conn_input(w, c, buf, (size_t)k, now);
		if (c->state != C_BUSY || k == 0)
			return;
	}
}

static void conn_event(struct wc_run *w, struct conn *c, uint32_t ev, uint64_t now)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			connect_failed(w, c, now);
			return;
		}
		c->state = C_IDLE;
		return;
	}
	if (c->state == C_BUSY && (ev & EPOLLOUT) && c->req_off < c->req_len)
		conn_send(w, c, now);
	if ((c->state == C_BUSY || c->state == C_IDLE) && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR |
								    EPOLLHUP)))
		conn_readable(w, c, now);
}

/* Timeouts, reconnects, and the requests that are due. */
static void tick(struct wc_run *w, uint64_t now)
{
	uint64_t timeout = (uint64_t)w->o->timeout_ms * 1000000ull;
	unsigned i;

	for (i = 0; i < w->o->conns; i++) {
		struct conn *c = &w->c[i];

		if (c->state == C_CONNECTING && now - c->since >= timeout)
			connect_failed(w, c, now);
		else if (c->state == C_BUSY && now - c->since >= timeout)
			conn_fail(w, c, O_TIMEOUT, now);
		if (c->state == C_DOWN && now >= c->retry_at && now < w->end)
			conn_open(w, c, now);
	}
	if (w->next_send + WC_CATCH_UP_NS < now)
		w->next_send = now - WC_CATCH_UP_NS;
	for (i = 0; i < w->o->conns && w->next_send <= now && now < w->end; i++) {
		struct conn *c = &w->c[i];

		if (c->state != C_IDLE)
			continue;
		request_start(w, c, now);
		w->next_send += (uint64_t)(NS / w->o->rate);
	}
}

/* ---- the run -------------------------------------------------------------------------- */

static json_t *summary(const struct wc_run *w, uint64_t end)
{
	double secs = (double)(end - w->t0) / 1e9;

	return json_pack("{si s:s s:I s:s s:i s:f s:I s:I s:I s:I s:I s:{s:I s:I s:I s:I s:I} "
			 "s:f s:I s:I s:I s:I s:I s:I s:b}",
		"v", WC_VERSION, "type", "webclient-summary", "t", (json_int_t)to_real(w, end),
		"target", w->o->target, "conns", (int)w->o->conns, "rate", w->o->rate,
		"requests", (json_int_t)w->ok, "failed", (json_int_t)w->failed,
		"resets", (json_int_t)w->resets, "reconnects", (json_int_t)w->reconnects,
		"outstanding", (json_int_t)w->outstanding,
		"failed_by", "status", (json_int_t)w->failed_status,
		"malformed", (json_int_t)w->failed_malformed, "timeout", (json_int_t)w->failed_timeout,
		"error", (json_int_t)w->failed_error, "connect", (json_int_t)w->failed_connect,
		"rps_mean", secs > 0 ? (double)w->ok / secs : 0.0,
		"longest_gap_ns", (json_int_t)w->longest_gap_ns,
		"longest_gap_at", (json_int_t)w->longest_gap_at,
		"max_latency_ns", (json_int_t)w->max_latency_ns,
		"mean_latency_ns", (json_int_t)(w->ok ? w->latency_sum_ns / w->ok : 0),
		"bytes_in", (json_int_t)w->bytes_in, "duration_ns", (json_int_t)(end - w->t0),
		"interrupted", (int)wc_stop);
}

static void run(struct wc_run *w)
{
	struct epoll_event evs[64];
	uint64_t now = w->t0;
	unsigned i;
	int n, k;

	while (!wc_stop && now < w->end) {
		tick(w, now);
		n = epoll_wait(w->ep, evs, 64, WC_TICK_MS);
		if (n < 0 && errno != EINTR)
			log_fatal(CLI_FAILED, "epoll_wait: %s", strerror(errno));
		now = now_ns(CLOCK_MONOTONIC);
		for (k = 0; k < n; k++)
			conn_event(w, evs[k].data.ptr, evs[k].events, now);
		flush_seconds(w, now);
	}
	/* Requests still waiting at the end are neither ok nor failed (the
	 * summary's outstanding); a gap they are in ends here. */
	gap_close(w, now);
	for (i = 0; i < w->o->conns; i++)
		conn_close(w, &w->c[i], 0);
	w->end = now;
}

int cmd_webclient(int argc, char **argv)
{
	struct wc_opts o;
	struct wc_run w = { .o = &o };
	struct sigaction sa = { .sa_handler = on_signal };
	struct rlimit rl;
	json_t *sum;
	unsigned i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return CLI_OK;
	}
	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < o.conns + 64) {
		rl.rlim_cur = rl.rlim_max < o.conns + 64 ? rl.rlim_max : o.conns + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o.out && !(w.out = fopen(o.out, "we")))
		log_fatal(CLI_FAILED, "cannot write %s: %s", o.out, strerror(errno));
	w.c = calloc(o.conns, sizeof(*w.c));
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!w.c || w.ep < 0)
		log_fatal(CLI_FAILED, "cannot set up: %s", strerror(errno));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	w.t0 = now_ns(CLOCK_MONOTONIC);
	w.t0_real = now_ns(CLOCK_REALTIME);
	w.end = w.t0 + (uint64_t)(o.duration * 1e9);
	w.next_send = w.t0;
	for (i = 0; i < o.conns; i++) {
		w.c[i].fd = -1;
		conn_open(&w, &w.c[i], w.t0);
	}
	run(&w);
	/* The last second's record, however short it was. */
	if (w.end > w.t0 + w.sec * NS)
		flush_seconds(&w, w.t0 + (w.sec + 1) * NS);
	sum = summary(&w, w.end);
	if (w.out) {
		write_json(w.out, json_incref(sum));
		if (fclose(w.out))
			log_error("cannot write %s: %s", o.out, strerror(errno));
	}
	write_json(stdout, sum);
	fflush(stdout);
	close(w.ep);
	free(w.c);
	return w.failed || w.resets ? CLI_FAILED : CLI_OK;
}

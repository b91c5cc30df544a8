/*
 * `dsmig replay FILE --cast OUT`: the replay console recorded as an
 * asciicast v2 file, for demos. The console runs in a child process on
 * a pseudo-terminal of a fixed size (forkpty(), TERM=xterm-256color, the
 * size the header names), at the replay's speed, and quits a moment
 * after the end of the log (console_opts.exit_after). The parent reads
 * what it writes and appends one event per chunk: the header line
 *   {"version": 2, "width": W, "height": H, "timestamp": ..., "title": ..., "env": {...}}
 * then [seconds since the start, "o", "data"] lines, written by jansson.
 * JSON strings must be UTF-8: a character cut between two reads is
 * kept for the next chunk, and a malformed byte becomes '?'.
 *
 * Bounded: CAST_MAX_BYTES of output and CAST_MAX_SECONDS of time, after
 * which the console is stopped and the cast kept as far as it got; a
 * signal to dsmig stops it the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cast.h"
#include "cli/cli.h"
#include "common/log.h"
#include "common/text.h"

#define CAST_TERM  "xterm-256color"
#define CAST_CHUNK 65536
#define CAST_TAIL  512           /* output kept to explain a failure */

static volatile sig_atomic_t cast_stop;

static void on_signal(int sig)
{
	(void)sig;
	cast_stop = 1;
}

struct cast {
	FILE *f;
	uint64_t t0;             /* monotonic ns at the start */
	size_t bytes;            /* of output so far */
	char carry[4];           /* a UTF-8 character cut by the last read */
	size_t ncarry;
	char tail[CAST_TAIL];    /* the last output, for a failure's message */
	size_t ntail;
};

/* The length of the UTF-8 character at s (n bytes available): 1..4 if it
 * is well formed (no overlong form, surrogate or value above U+10FFFF,
 * as jansson checks), 0 if it is cut short at n, -1 if malformed. */
static int utf8_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp, min;
	int len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return -1;
	for (i = 1; i < len; i++) {
		if ((size_t)i == n)
			return 0;
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return len;
}

/* Copy in (n bytes) to out as valid UTF-8, malformed bytes as '?'; a
 * character cut at the end goes to c->carry. Returns the bytes in out
 * (at most n). */
static size_t cast_utf8(struct cast *c, const unsigned char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;
	int len;

	while (i < n) {
		len = utf8_char(in + i, n - i);
		if (len == 0) {
			c->ncarry = n - i;
			memcpy(c->carry, in + i, c->ncarry);
			break;
		}
		if (len < 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, in + i, (size_t)len);
		o += (size_t)len;
		i += (size_t)len;
	}
	return o;
}

/* Keep the last CAST_TAIL bytes of output. */
static void cast_keep_tail(struct cast *c, const char *s, size_t n)
{
	if (n >= CAST_TAIL) {
		memcpy(c->tail, s + n - CAST_TAIL, CAST_TAIL);
		c->ntail = CAST_TAIL;
		return;
	}
	if (c->ntail + n > CAST_TAIL) {
		memmove(c->tail, c->tail + c->ntail + n - CAST_TAIL, CAST_TAIL - n);
		c->ntail = CAST_TAIL - n;
	}
	memcpy(c->tail + c->ntail, s, n);
	c->ntail += n;
}

/* Write json (stolen) as one line. Returns 0 or -1. */
static int cast_line(struct cast *c, json_t *json)
{
	int rc = json ? json_dumpf(json, c->f, JSON_COMPACT | JSON_REAL_PRECISION(10)) : -1;

	json_decref(json);
	if (rc || fputc('\n', c->f) == EOF)
		return -1;
	return 0;
}

static int cast_header(struct cast *c, const struct console_opts *o, int width, int height)
{
	char path[PATH_MAX], title[256], clean[256];

	snprintf(path, sizeof(path), "%s", o->replay);
	snprintf(title, sizeof(title), "dsmig replay %s", basename(path));
	text_clean(clean, sizeof(clean), title);
	return cast_line(c, json_pack("{s:i, s:i, s:i, s:I, s:s, s:{s:s}}", "version", 2,
				      "width", width, "height", height,
				      "timestamp", (json_int_t)time(NULL), "title", clean,
				      "env", "TERM", CAST_TERM));
}

/* One chunk of output read (n bytes at buf) as an event. Returns 0 or
 * -1. */
static int cast_event(struct cast *c, const char *buf, size_t n)
{
	unsigned char in[CAST_CHUNK + sizeof(c->carry)];
	char out[sizeof(in)];
	size_t k = c->ncarry, len;
	double t = (double)(time_mono_ns() - c->t0) / 1e9;

	memcpy(in, c->carry, k);
	memcpy(in + k, buf, n);
	c->ncarry = 0;
	len = cast_utf8(c, in, k + n, out);
	cast_keep_tail(c, out, len);
	c->bytes += n;
	if (!len)
		return 0;
	return cast_line(c, json_pack("[f, s, s%]", t, "o", out, len));
}

/* The console, in the child on the pseudo-terminal. Never returns. */
static void cast_child(const struct console_opts *o)
{
	struct console_opts co = *o;

	if (co.exit_after < 0)
		co.exit_after = 1;
	if (setenv("TERM", CAST_TERM, 1))
		_exit(CLI_FAILED);
	_exit(console_run(&co));
}

/* Read the console's output until it closes the terminal, a bound is
 * reached or a signal came. Returns 0 at the end of its output, 1 at a
 * bound (with a message), -1 if the cast cannot be written. */
static int cast_loop(struct cast *c, int master)
{
	char buf[CAST_CHUNK];
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	uint64_t deadline = c->t0 + (uint64_t)CAST_MAX_SECONDS * 1000000000u;
	ssize_t n;

	for (;;) {
		if (cast_stop) {
			log_warn("stopped by a signal: the cast ends here");
			return 1;
		}
		if (time_mono_ns() > deadline) {
			log_warn("the replay ran for %d s: the cast ends there (a higher --speed shortens it)",
				 CAST_MAX_SECONDS);
			return 1;
		}
		if (c->bytes > CAST_MAX_BYTES) {
			log_warn("the console wrote more than %u MiB: the cast ends there",
				 CAST_MAX_BYTES >> 20);
			return 1;
		}
		if (poll(&pfd, 1, 200) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return 1;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;      /* EIO: the console closed the terminal */
		if (cast_event(c, buf, (size_t)n))
			return -1;
	}
}

/* Stop the console if it still runs, and reap it. Returns its wait
 * status. */
static int cast_reap(pid_t pid)
{
	int st = 0, i;

	for (i = 0; i < 20; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		if (i == 0 || i == 10)
			kill(pid, i ? SIGKILL : SIGTERM);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

int cast_record(const struct console_opts *o, const char *out, int width, int height)
{
	struct winsize ws = { .ws_row = (unsigned short)height, .ws_col = (unsigned short)width };
	struct sigaction sa = { .sa_handler = on_signal };
	struct cast c = { .t0 = time_mono_ns() };
	char tail[CAST_TAIL + 1], clean[CAST_TAIL + 1];
	int master, rc, st, bad;
	size_t i;
	pid_t pid;

	c.f = fopen(out, "we");
	if (!c.f) {
		log_error("cannot write %s: %s", out, strerror(errno));
		return CLI_FAILED;
	}
	if (cast_header(&c, o, width, height)) {
		log_error("cannot write %s", out);
		fclose(c.f);
		return CLI_FAILED;
	}
	fflush(c.f);
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		log_error("cannot open a pseudo-terminal: %s", strerror(errno));
		fclose(c.f);
		unlink(out);
		return CLI_FAILED;
	}
	if (pid == 0)
		cast_child(o);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = cast_loop(&c, master);
	st = cast_reap(pid);
	close(master);
	bad = ferror(c.f);
	if (fclose(c.f) || bad || rc < 0) {
		log_error("cannot write %s", out);
		return CLI_FAILED;
	}
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		for (i = 0; i < c.ntail; i++)
			tail[i] = c.tail[i] == '\r' || c.tail[i] == '\n' ? ' ' : c.tail[i];
		tail[c.ntail] = '\0';
		text_clean(clean, sizeof(clean), tail);
		log_error("the replay console failed (%s %d), no cast: %s",
			  WIFEXITED(st) ? "exit" : "signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), clean);
		unlink(out);
		return CLI_FAILED;
	}
	if (rc == 0)
		printf("dsmig: cast of %s written to %s (%zu bytes of output, %.1f s)\n", o->replay,
		       out, c.bytes, (double)(time_mono_ns() - c.t0) / 1e9);
	return rc ? CLI_FAILED : CLI_OK;
}

/* The guest console: a ring that vCPUs append to and a writer thread that
 * drains it to the console descriptor (see console.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/console.h"

#define WRITER_POLL_MS 200   /* how soon the writer notices a stop */

/* Take up to len bytes from the ring at con->written into out, after a
 * note about bytes the writer missed. Called with con->lock held. */
static size_t console_next_chunk(struct vm_console *con, char *out, size_t len)
{
	uint64_t behind = con->total - con->written, missed, i, n;
	int note = 0;

	if (behind > VM_CONSOLE_RING) {
		missed = behind - VM_CONSOLE_RING;
		con->dropped_slow += missed;
		con->written += missed;
		note = snprintf(out, len,
				"\n[dsmig-vmm: %llu bytes of console output dropped: nobody read them in time]\n",
				(unsigned long long)missed);
		if (note < 0 || (size_t)note >= len)
			note = 0;
	}
	n = con->total - con->written;
	if (n > len - (size_t)note)
		n = len - (size_t)note;
	for (i = 0; i < n; i++)
		out[note + i] = con->ring[(con->written + i) % VM_CONSOLE_RING];
	con->written += n;
	return (size_t)note + n;
}

/* Write all of buf unless the reader stalls past a stop request or the
 * descriptor fails. Returns 0, or -1 when the console should give up on
 * fd (the reader went away). */
static int console_put(struct vm_console *con, const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = con->fd, .events = POLLOUT };
	ssize_t n;

	while (len > 0) {
		/* poll() first so that a reader that never reads keeps only
		 * this thread waiting, and never past a stop. */
		n = poll(&pfd, 1, WRITER_POLL_MS);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0 || !(pfd.revents & POLLOUT)) {
			if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
				return -1;
			pthread_mutex_lock(&con->lock);
			n = con->stop;
			pthread_mutex_unlock(&con->lock);
			if (n)
				return 0;
			continue;
		}
		n = write(con->fd, buf, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *console_writer(void *arg)
{
	struct vm_console *con = arg;
	char chunk[4096];
	size_t n;

	pthread_mutex_lock(&con->lock);
	for (;;) {
		while (!con->stop && con->written == con->total)
			pthread_cond_wait(&con->cond, &con->lock);
		if (con->stop)
			break;
		n = console_next_chunk(con, chunk, sizeof(chunk));
		pthread_mutex_unlock(&con->lock);
		if (console_put(con, chunk, n) < 0) {
			log_warn("console: writing guest output failed (%s); keeping the last %d bytes for query-console only",
				 strerror(errno), VM_CONSOLE_RING);
			pthread_mutex_lock(&con->lock);
			con->fd_failed = true;
			break;
		}
		pthread_mutex_lock(&con->lock);
	}
	pthread_mutex_unlock(&con->lock);
	return NULL;
}

int console_init(struct vm_console *con, int fd)
{
	pthread_condattr_t ca;
	int rc;

	memset(con, 0, sizeof(*con));
	con->fd = fd;
	con->tokens = CONSOLE_BURST;
	con->refill_ns = time_mono_ns();
	pthread_mutex_init(&con->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&con->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (fd < 0)
		return 0;
	rc = pthread_create(&con->thread, NULL, console_writer, con);
	if (rc)
		return -rc;
	con->thread_started = true;
	return 0;
}

void console_fini(struct vm_console *con)
{
	pthread_mutex_lock(&con->lock);
	con->stop = true;
	pthread_cond_broadcast(&con->cond);
	pthread_mutex_unlock(&con->lock);
	if (con->thread_started)
		pthread_join(con->thread, NULL);
	con->thread_started = false;
	if (con->fd > 2)
		close(con->fd);
	con->fd = -1;
	pthread_cond_destroy(&con->cond);
	pthread_mutex_destroy(&con->lock);
}

/* Refill the token bucket and take up to want bytes' worth. */
static size_t console_take_tokens(struct vm_console *con, size_t want)
{
	uint64_t now = time_mono_ns(), add;

	add = (now - con->refill_ns) / (1000000000ull / CONSOLE_RATE_BPS);
	if (add) {
		con->tokens = con->tokens + add > CONSOLE_BURST ? CONSOLE_BURST
								: con->tokens + add;
		con->refill_ns = now;
	}
	if (want > con->tokens)
		want = (size_t)con->tokens;
	con->tokens -= want;
	return want;
}

void console_write(struct vm_console *con, const char *buf, size_t len)
{
	size_t i, take;

	pthread_mutex_lock(&con->lock);
	take = console_take_tokens(con, len);
	con->dropped_rate += len - take;
	for (i = 0; i < take; i++) {
		unsigned char c = (unsigned char)buf[i];

		con->ring[(con->total + i) % VM_CONSOLE_RING] =
			(c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' ? (char)c : '.';
	}
	con->total += take;
	if (con->fd < 0 || con->fd_failed)
		con->written = con->total;
	else if (take)
		pthread_cond_signal(&con->cond);
	pthread_mutex_unlock(&con->lock);
}

size_t console_tail(struct vm_console *con, char *out, uint64_t *total)
{
	uint64_t n, start, i;

	pthread_mutex_lock(&con->lock);
	*total = con->total;
	n = con->total < VM_CONSOLE_RING ? con->total : VM_CONSOLE_RING;
	start = con->total - n;
	for (i = 0; i < n; i++)
		out[i] = con->ring[(start + i) % VM_CONSOLE_RING];
	pthread_mutex_unlock(&con->lock);
	return (size_t)n;
}

void console_snapshot(struct vm_console *con, char ring[VM_CONSOLE_RING],
		      uint64_t *total)
{
	pthread_mutex_lock(&con->lock);
	memcpy(ring, con->ring, VM_CONSOLE_RING);
	*total = con->total;
	pthread_mutex_unlock(&con->lock);
}

uint64_t console_dropped(struct vm_console *con)
{
	uint64_t n;

	pthread_mutex_lock(&con->lock);
	n = con->dropped_rate + con->dropped_slow;
	pthread_mutex_unlock(&con->lock);
	return n;
}

void console_restore(struct vm_console *con, uint64_t total,
		     const char ring[VM_CONSOLE_RING])
{
	pthread_mutex_lock(&con->lock);
	memcpy(con->ring, ring, VM_CONSOLE_RING);
	con->total = con->written = total;
	pthread_mutex_unlock(&con->lock);
}

/*
 * The paper's workloads as a Linux program, for the Xen test guest
 * (scripts/xen/guest-initrd.sh builds it static and runs it beside the
 * guest's shell heartbeat when the kernel command line says
 * dsmig.work=MODE):
 *
 *   video  playback-like: a ring of 25 frames of 256 KiB, one frame
 *          rewritten every 40 ms (25 frames/s, 6.4 MiB/s of stores over a
 *          6.25 MiB ring: every page of the ring is hot)
 *   build  a stand-in for a compiler run (gcc itself is too slow under
 *          TCG): a 4 MiB working set rewritten every 100 ms (hot) and a
 *          48 MiB output area written once, 1 MiB per 100 ms, in order,
 *          wrapping (cold: each page written once every 4.8 s)
 *   web    a client of the guest's own busybox httpd (started by the
 *          guest's init on 127.0.0.1:8080; the guest has no network
 *          device): one GET of a 64 KiB page every 100 ms, the reply read
 *          whole and its length checked
 *
 * and, for the guest's shell heartbeat, one block of its self-check:
 *
 *   block-write FILE B G   FILE := 64 KiB of a pattern unique to (B, G)
 *   block-check FILE B G   exit 0 if FILE holds exactly that, 1 if it
 *                          holds anything else, 3 if it cannot be read
 *
 * One static process instead of a yes | head | cmp pipeline: three times
 * fewer processes to be hit by the nested TCG host's crashes
 * (docs/xen.md), and an exit status that tells a checked mismatch (1)
 * from a crash (killed by a signal).
 *
 * Each period it checks what it wrote last time is still there (a page
 * that changed behind its back counts as bad) and once a second prints
 *   DSMIG-WORK-BEAT mode=M n=N periods=P stall_ms=S gap_ms=G bad=B
 *                   served=V errors=E up_ms=U
 * where S is the longest time between two periods beyond the period
 * itself since the start, and G the same since the previous line: what
 * the workload lived through, migrations included. web counts the whole
 * replies in V and the failed or short ones in E, apart from B: a reply
 * is lost when httpd's forked child crashes, which the nested TCG host
 * does to busybox processes now and then (docs/xen.md); memory that
 * changed is never that.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024u * 1024u)
#define PAGE 4096u

struct mode {
	const char *name;
	unsigned period_ms;
	size_t hot_bytes;       /* rewritten every period */
	size_t cold_bytes;      /* written in order, chunk per period */
	size_t cold_chunk;
};

static const struct mode modes[] = {
	{ "video", 40, 256 * 1024, 25 * 256 * 1024, 256 * 1024 },
	{ "build", 100, 4 * MIB, 48 * MIB, 1 * MIB },
	{ "web", 100, 0, 0, 0 },
};

#define BLOCK_BYTES 65536u
#define WEB_PORT 8080
#define WEB_PAGE_BYTES 65536

/* One GET of the page from the guest's httpd; 0 if the whole page came. */
static int web_get(void)
{
	static const char req[] = "GET /index.html HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(WEB_PORT) };
	char buf[16384];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	close(fd);
	return got >= WEB_PAGE_BYTES ? 0 : -1;   /* the page and its headers */
}

/* CLOCK_BOOTTIME, not CLOCK_MONOTONIC: Linux stops the monotonic clock
 * while Xen has the guest suspended for the final copy, so a monotonic
 * stall would not show the migration's downtime at all (it did not: 92
 * ms across a 3.6 s downtime); boot time goes on, as /proc/uptime does. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Fill len bytes with a pattern unique to (tag, gen); returns a check. */
static void fill(uint8_t *p, size_t len, uint64_t tag, uint64_t gen)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = (tag << 40) ^ (gen << 8) ^ (i / 8);

		memcpy(p + i, &v, sizeof(v));
	}
}

static int same(const uint8_t *p, size_t len, uint64_t tag, uint64_t gen)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = (tag << 40) ^ (gen << 8) ^ (i / 8), got;

		memcpy(&got, p + i, sizeof(got));
		if (got != v)
			return 0;
	}
	return 1;
}

/* block-write / block-check FILE B G (see the top of this file). */
static int block_command(const char *cmd, const char *file, const char *b, const char *g)
{
	static uint8_t buf[BLOCK_BYTES + 1];
	uint64_t block = strtoull(b, NULL, 10), gen = strtoull(g, NULL, 10);
	size_t got = 0;
	ssize_t n;
	int fd;

	if (!strcmp(cmd, "block-write")) {
		fill(buf, BLOCK_BYTES, block, gen);
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, buf, BLOCK_BYTES) != (ssize_t)BLOCK_BYTES) {
			perror(file);
			return 3;
		}
		return close(fd) ? 3 : 0;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0) {
		perror(file);
		return 3;
	}
	while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	close(fd);
	return got == BLOCK_BYTES && same(buf, BLOCK_BYTES, block, gen) ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct mode *m = NULL;
	uint64_t period = 0, last, start, beat_at, stall = 0, gap = 0, bad = 0, n = 0;
	uint64_t served = 0, errors = 0;
	uint8_t *hot, *cold;
	size_t i, nchunks;
	uint64_t *cold_gen;
	struct timespec nap;

	if (argc == 5 && (!strcmp(argv[1], "block-write") || !strcmp(argv[1], "block-check")))
		return block_command(argv[1], argv[2], argv[3], argv[4]);
	for (i = 0; argc == 2 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			m = &modes[i];
	if (!m) {
		fprintf(stderr, "usage: dsmig-work video|build|web\n"
				"       dsmig-work block-write|block-check FILE BLOCK GEN\n");
		return 2;
	}
	nchunks = m->cold_chunk ? m->cold_bytes / m->cold_chunk : 0;
	hot = malloc(m->hot_bytes + 1);
	cold = malloc(m->cold_bytes + 1);
	cold_gen = calloc(nchunks + 1, sizeof(*cold_gen));
	if (!hot || !cold || !cold_gen) {
		fprintf(stderr, "dsmig-work: out of memory\n");
		return 1;
	}
	for (i = 0; i < nchunks; i++)
		fill(cold + i * m->cold_chunk, m->cold_chunk, i + 1, 0);
	fill(hot, m->hot_bytes, 0, 0);
	start = last = beat_at = now_ms();
	nap.tv_sec = 0;
	nap.tv_nsec = (long)m->period_ms * 1000000L;
	for (;;) {
		uint64_t t, chunk = nchunks ? period % nchunks : 0;

		nanosleep(&nap, NULL);
		t = now_ms();
		if (t - last > 2 * m->period_ms && t - last - m->period_ms > gap)
			gap = t - last - m->period_ms;
		if (gap > stall)
			stall = gap;
		last = t;
		period++;
		if (!nchunks) {
			/* web: whole replies and the others, apart. */
			if (web_get() == 0)
				served++;
			else
				errors++;
		} else {
			/* What was written last period and one lap ago must
			 * be there. */
			bad += !same(hot, m->hot_bytes, 0, period - 1);
			bad += !same(cold + chunk * m->cold_chunk, m->cold_chunk, chunk + 1,
				     cold_gen[chunk]);
			fill(hot, m->hot_bytes, 0, period);
			cold_gen[chunk] = period;
			fill(cold + chunk * m->cold_chunk, m->cold_chunk, chunk + 1, period);
		}
		if (t - beat_at >= 1000) {
			beat_at = t;
			printf("DSMIG-WORK-BEAT mode=%s n=%llu periods=%llu stall_ms=%llu gap_ms=%llu "
			       "bad=%llu served=%llu errors=%llu up_ms=%llu\n",
			       m->name, (unsigned long long)++n, (unsigned long long)period,
			       (unsigned long long)stall, (unsigned long long)gap,
			       (unsigned long long)bad, (unsigned long long)served,
			       (unsigned long long)errors, (unsigned long long)(t - start));
			fflush(stdout);
			gap = 0;
		}
	}
}

/*
 * Unit tests: the rate meter's arithmetic, the /proc/net/dev parser, and
 * the network probe on loopback for real: a capture that counts a known
 * TCP transfer to one port and ignores another port (needs root, else
 * skipped), and the procfs fallback when capture is not permitted (a child
 * that drops root). Network use stays on 127.0.0.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "probes/net.h"
#include "probes/rate.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define XFER (1u << 20)

/* ---- rate meter ------------------------------------------------------- */

static void test_rate_steady(void **state)
{
	struct rate_meter m;
	uint64_t t;

	rate_meter_init(&m, SEC);
	assert_true(rate_meter_update(&m, 0, 5 * SEC) == 0.0);
	/* 12500 bytes every 100 ms = 1 Mbit/s, from the second reading on. */
	for (t = 1; t <= 30; t++) {
		double r = rate_meter_update(&m, t * 12500, 5 * SEC + t * 100 * MS);

		assert_true(r > 999999.0 && r < 1000001.0);
	}
	/* Only the last second counts: a step to 2 Mbit/s is fully visible
	 * after one window, not before. */
	for (t = 1; t <= 5; t++)
		rate_meter_update(&m, 30 * 12500 + t * 25000, 8 * SEC + t * 100 * MS);
	assert_true(rate_meter_update(&m, 30 * 12500 + 6 * 25000, 8 * SEC + 600 * MS) < 2e6 - 1);
	for (t = 7; t <= 10; t++)
		rate_meter_update(&m, 30 * 12500 + t * 25000, 8 * SEC + t * 100 * MS);
	assert_true(rate_meter_update(&m, 30 * 12500 + 11 * 25000, 8 * SEC + 1100 * MS) == 2e6);
}

static void test_rate_window_and_gaps(void **state)
{
	struct rate_meter m;
	double r;

	rate_meter_init(&m, SEC);
	rate_meter_update(&m, 1000, 0);
	/* A sparse reading: the rate covers the whole 4 s gap. */
	r = rate_meter_update(&m, 1000 + 4000000, 4 * SEC);
	assert_true(r == 8e6);
	/* Nothing more for half a second: the reading at 0 is still the
	 * last one at or before the window's start, so the rate is over
	 * 4.5 s; a second later only the idle second counts. */
	r = rate_meter_update(&m, 1000 + 4000000, 4 * SEC + 500 * MS);
	assert_true(r > 7111110.0 && r < 7111112.0);
	r = rate_meter_update(&m, 1000 + 4000000, 5 * SEC + 500 * MS);
	assert_true(r == 0.0);
	/* Same time again, or a counter going back: start over. */
	assert_true(rate_meter_update(&m, 5000000, 5 * SEC + 500 * MS) == 0.0);
	assert_true(rate_meter_update(&m, 10, 6 * SEC) == 0.0);
	assert_true(rate_meter_update(&m, 10 + 125000, 7 * SEC) == 1e6);
}

static void test_rate_ring_full(void **state)
{
	struct rate_meter m;
	unsigned i;
	double r = 0;

	/* Readings every 1 ms with a 1 s window overflow the ring: the
	 * oldest go and the rate is still right. */
	rate_meter_init(&m, SEC);
	for (i = 0; i <= 3 * RATE_METER_SLOTS; i++)
		r = rate_meter_update(&m, (uint64_t)i * 1000, (uint64_t)i * MS);
	assert_true(r > 7999999.0 && r < 8000001.0);
	assert_int_equal(m.count, RATE_METER_SLOTS);
}

/* ---- /proc/net/dev ---------------------------------------------------- */

static const char netdev_sample[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	"    lo: 2927419   21870    0    0    0     0          0         0  2927419   21870    0    0    0     0       0          0\n"
	"  eth0: 18446744073709551615 1    2    3    4     5          6         7 42 9 0 0 0 0 0 0\n"
	"veth-long-name:12 1 0 0 0 0 0 0 34 1 0 0 0 0 0 0\n"
	"   bad: 1 2 3\n";

static void test_netdev_parse(void **state)
{
	uint64_t rx = 0, tx = 0;

	assert_int_equal(netdev_parse(netdev_sample, "lo", &rx, &tx), 0);
	assert_true(rx == 2927419 && tx == 2927419);
	assert_int_equal(netdev_parse(netdev_sample, "eth0", &rx, &tx), 0);
	assert_true(rx == UINT64_MAX && tx == 42);
	assert_int_equal(netdev_parse(netdev_sample, "veth-long-name", &rx, &tx), 0);
	assert_true(rx == 12 && tx == 34);
	assert_int_equal(netdev_parse(netdev_sample, "bad", &rx, &tx), -EINVAL);
	assert_int_equal(netdev_parse(netdev_sample, "eth", &rx, &tx), -ENOENT);
	assert_int_equal(netdev_parse(netdev_sample, "face", &rx, &tx), -ENOENT);
	assert_int_equal(netdev_parse("", "lo", &rx, &tx), -ENOENT);
	/* No trailing newline. */
	assert_int_equal(netdev_parse("x: 1 0 0 0 0 0 0 0 2", "x", &rx, &tx), 0);
	assert_true(rx == 1 && tx == 2);
}

/* ---- loopback transfers ----------------------------------------------- */

/* A listening socket on 127.0.0.1 at a port the kernel picks. */
static int tcp_listen(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 1) || getsockname(fd, (struct sockaddr *)&a, &alen)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Send n bytes from a client to the listener's port and read them on the
 * accepted side, polling the probe (if any) meanwhile so that its ring
 * never fills. Returns the bytes received, or -1. */
static long tcp_transfer(int lfd, uint16_t port, size_t n, struct net_probe *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static char buf[65536];
	size_t sent = 0, got = 0;
	uint64_t ignored;
	int c, s = -1, eof = 0;
	ssize_t k;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0 || fcntl(c, F_SETFL, O_NONBLOCK))
		goto fail;
	memset(buf, 0xa5, sizeof(buf));
	while (!eof) {
		struct pollfd pf[2] = { { .fd = s, .events = POLLIN },
					{ .fd = sent < n ? c : -1, .events = POLLOUT } };

		if (poll(pf, 2, 1000) <= 0)
			goto fail;
		if (pf[1].revents & POLLOUT) {
			size_t want = n - sent < sizeof(buf) ? n - sent : sizeof(buf);

			k = write(c, buf, want);
			if (k > 0)
				sent += (size_t)k;
			if (sent == n)
				shutdown(c, SHUT_WR);
		}
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			k = read(s, buf, sizeof(buf));
			if (k == 0)
				eof = 1;
			else if (k > 0)
				got += (size_t)k;
		}
		if (p)
			net_probe_poll(p, &ignored);
	}
	close(s);
	close(c);
	return (long)got;
fail:
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	return -1;
}

/* Poll until the count stops growing for 50 ms (packets of a finished
 * transfer are in the ring by then). */
static uint64_t probe_settle(struct net_probe *p)
{
	const struct timespec ts = { 0, 10 * MS };
	uint64_t b = 0, prev;
	int quiet = 0;

	net_probe_poll(p, &b);
	while (quiet < 5) {
		prev = b;
		nanosleep(&ts, NULL);
		net_probe_poll(p, &b);
		quiet = b == prev ? quiet + 1 : 0;
	}
	return b;
}

static void test_capture_counts_one_port(void **state)
{
	char note[512], filter[64];
	struct net_probe *p;
	uint16_t port, other;
	uint64_t b0, b1, b2;
	int lfd, ofd;

	if (geteuid() != 0) {
		print_message("skipped: capture on lo needs root (or CAP_NET_RAW)\n");
		skip();
	}
	lfd = tcp_listen(&port);
	ofd = tcp_listen(&other);
	assert_true(lfd >= 0 && ofd >= 0);
	snprintf(filter, sizeof(filter), "tcp port %u", port);
	assert_int_equal(net_probe_open(&p, "lo", filter, note, sizeof(note)), 0);
	if (strcmp(net_probe_method(p), "pcap")) {
		print_message("skipped: cannot capture on lo: %s\n", note);
		net_probe_close(p);
		close(lfd);
		close(ofd);
		skip();
	}
	assert_non_null(strstr(note, filter));

	b0 = probe_settle(p);
	assert_true(b0 == 0);
	assert_int_equal(tcp_transfer(lfd, port, XFER, p), XFER);
	b1 = probe_settle(p);
	print_message("captured %llu bytes for %u sent (%.2f%%)\n",
		      (unsigned long long)b1, XFER, 100.0 * (double)b1 / XFER);
	assert_true(b1 >= XFER);
	assert_true(b1 <= XFER + XFER / 10 + 65536);

	/* The same amount to another port is not counted. */
	assert_int_equal(tcp_transfer(ofd, other, XFER, p), XFER);
	b2 = probe_settle(p);
	assert_true(b2 == b1);

	net_probe_close(p);
	close(lfd);
	close(ofd);
}

static void test_bad_filter(void **state)
{
	char note[512];
	struct net_probe *p = (void *)1;

	if (geteuid() != 0) {
		print_message("skipped: filters are compiled only when capture is permitted\n");
		skip();
	}
	assert_int_equal(net_probe_open(&p, "lo", "tcp portrange nonsense", note, sizeof(note)),
			 -EINVAL);
	assert_null(p);
	assert_non_null(strstr(note, "bad capture filter"));
	assert_int_equal(net_probe_open(&p, "no-such-if0", NULL, note, sizeof(note)), -ENODEV);
	assert_null(p);
}

/* Child of the fallback test: exit 0 if all is well, 77 if this process
 * may capture after all, else the step that failed. */
static int fallback_child(void)
{
	char note[512];
	struct net_probe *p;
	uint16_t port;
	uint64_t b;
	int lfd;

	if (geteuid() == 0 &&
	    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
		return 2;
	lfd = tcp_listen(&port);
	if (lfd < 0 || net_probe_open(&p, "lo", "tcp port 1", note, sizeof(note)))
		return 3;
	if (!strcmp(net_probe_method(p), "pcap"))
		return 77;
	if (strcmp(net_probe_method(p), "procfs") ||
	    !strstr(note, "capture not permitted") ||
	    !strstr(note, "/proc/net/dev") || !strstr(note, "sent bytes")) {
		fprintf(stderr, "note: %s\n", note);
		return 4;
	}
	if (net_probe_poll(p, &b))
		return 5;
	if (tcp_transfer(lfd, port, XFER, NULL) != XFER)
		return 6;
	/* All of lo's traffic counts (others may add to it), once. */
	if (net_probe_poll(p, &b) || b < XFER)
		return 7;
	net_probe_close(p);
	close(lfd);
	return 0;
}

static void test_procfs_fallback(void **state)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fallback_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("skipped: capture is permitted even without root here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_steady),
		cmocka_unit_test(test_rate_window_and_gaps),
		cmocka_unit_test(test_rate_ring_full),
		cmocka_unit_test(test_netdev_parse),
		cmocka_unit_test(test_capture_counts_one_port),
		cmocka_unit_test(test_bad_filter),
		cmocka_unit_test(test_procfs_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

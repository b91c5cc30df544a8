/*
 * netcount: the console's network probe (src/probes/net.c) for scripts.
 *
 *   netcount [--netns NS] [--cap BPS] IFACE FILTER
 *
 * Opens the probe on IFACE (inside network namespace NS if given) with
 * the BPF FILTER, writes the probe's note and "ready" to stderr, polls it
 * every 100 ms until SIGINT or SIGTERM, then prints one JSON line:
 *
 *   {"method", "bytes" (total seen), "seconds", "max_bps" (the highest
 *    rate over any window of at least 1 s between two polls),
 *    "max_excess_bytes" (with --cap: the most any such window carried
 *    beyond CAP bit/s, i.e. what a token bucket's burst must explain)}
 *
 * Used by the lab tests (tests/integration/lab_migrate.sh) to compare the
 * wire with the engine's byte counts and with the link's cap.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "probes/net.h"

#define POLL_NS   100000000ull
#define WINDOW_NS 1000000000ull
#define RING      64              /* > WINDOW_NS / POLL_NS samples */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "cap", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t t[RING], b[RING], t0, bytes = 0;
	const char *netns = NULL;
	double cap = 0, max_bps = 0, max_excess = 0;
	char note[512];
	struct net_probe *p;
	unsigned n = 0, i;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			netns = optarg;
		else if (c == 'c')
			cap = strtod(optarg, NULL);
		else
			return 2;
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "usage: netcount [--netns NS] [--cap BPS] IFACE FILTER\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (net_probe_open_netns(&p, netns, argv[optind], argv[optind + 1], note, sizeof(note))) {
		fprintf(stderr, "netcount: %s\n", note);
		return 1;
	}
	fprintf(stderr, "netcount: %s\nready\n", note);
	t0 = time_mono_ns();
	while (!stop) {
		uint64_t now;

		nanosleep(&(struct timespec) { 0, (long)POLL_NS }, NULL);
		if (net_probe_poll(p, &bytes))
			break;
		now = time_mono_ns();
		t[n % RING] = now;
		b[n % RING] = bytes;
		/* The shortest window of at least 1 s ending now. */
		for (i = 1; i < RING && i <= n; i++) {
			unsigned k = (n - i) % RING;
			double dt = (double)(now - t[k]) / 1e9, db = (double)(bytes - b[k]);

			if (now - t[k] < WINDOW_NS)
				continue;
			if (db * 8 / dt > max_bps)
				max_bps = db * 8 / dt;
			if (cap > 0 && db - cap / 8 * dt > max_excess)
				max_excess = db - cap / 8 * dt;
			break;
		}
		n++;
	}
	printf("{\"method\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"max_bps\":%.0f,"
	       "\"max_excess_bytes\":%.0f}\n", net_probe_method(p), (unsigned long long)bytes,
	       (double)(time_mono_ns() - t0) / 1e9, max_bps, max_excess);
	net_probe_close(p);
	return 0;
}

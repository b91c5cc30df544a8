/*
 * ctl_rtt: round trips of the console's 10 Hz stats query, for the
 * benchmark of the console over ssh (bench/ssh_stats.sh).
 *
 *   ctl_rtt SOCKET COUNT [INTERVAL_MS]
 *
 * Connects to a VMM's control socket (a local one, or the local end of an
 * ssh forward) once, as the console's probe does, then sends query-stats
 * COUNT times, one every INTERVAL_MS (default 100), and prints one JSON
 * line: {"n", "median_ms", "p99_ms", "max_ms", "failed"}. Exit 1 if it
 * cannot connect, 2 on bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/ctl_client.h"
#include "common/log.h"

#define RTT_MAX 100000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct ctl_client *c;
	char why[256];
	double *ms;
	long count, interval = 100, i, n = 0, failed = 0;

	log_init("ctl_rtt");
	if (argc < 3 || (count = atol(argv[2])) < 1 || count > RTT_MAX ||
	    (argc > 3 && ((interval = atol(argv[3])) < 0 || interval > 10000))) {
		fprintf(stderr, "usage: ctl_rtt SOCKET COUNT [INTERVAL_MS]\n");
		return 2;
	}
	ms = calloc((size_t)count, sizeof(*ms));
	if (!ms || ctl_client_open(&c, argv[1], 5000, why, sizeof(why))) {
		log_error("%s: %s", argv[1], ms ? why : "out of memory");
		return 1;
	}
	for (i = 0; i < count; i++) {
		struct timespec nap = { interval / 1000, (interval % 1000) * 1000000L };
		uint64_t t0 = time_mono_ns();
		json_t *ret = NULL;

		if (ctl_client_execute(c, "query-stats", NULL, &ret, NULL, 2000) == 0)
			ms[n++] = (double)(time_mono_ns() - t0) / 1e6;
		else
			failed++;
		json_decref(ret);
		nanosleep(&nap, NULL);
	}
	ctl_client_close(c);
	if (!n) {
		/* Nothing measured: no number that looks like one. */
		printf("{\"n\":0,\"median_ms\":null,\"p99_ms\":null,\"max_ms\":null,"
		       "\"failed\":%ld}\n", failed);
		free(ms);
		return 1;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	printf("{\"n\":%ld,\"median_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"failed\":%ld}\n", n,
	       ms[n / 2], ms[(n * 99) / 100], ms[n - 1], failed);
	free(ms);
	return 0;
}

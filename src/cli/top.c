/*
 * `dsmig top -b`: the console's hosts table as plain text, for scripts (as
 * `top -b` and `xentop -b` do). Without -b it opens the console.
 *   dsmig top -b [-n ITERATIONS] [-d SECONDS] [--hosts FILE]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/hosts.h"
#include "probes/vm.h"
#include "ui/console.h"

static void print_table(json_t *recs)
{
	json_t *r, *p;
	size_t i, k;

	printf("%-8s %-12s %-9s %5s %8s %6s %-8s %9s %10s\n", "HOST", "VM", "STATE", "VCPUS",
	       "MEM(MiB)", "VCPU%", "WORKLOAD", "DIRTY/s", "PROGRESS/s");
	json_array_foreach(recs, i, r) {
		double sum = 0;
		int n = 0;

		if (!strcmp(json_string_value(json_object_get(r, "state")) ?: "", "gone"))
			continue;
		json_array_foreach(json_object_get(r, "vcpu_pct"), k, p) {
			sum += json_number_value(p);
			n++;
		}
		printf("%-8.8s %-12.12s %-9.9s %5lld %8lld %6.1f %-8.8s %9.0f %10.1f\n",
		       json_string_value(json_object_get(r, "host")),
		       json_string_value(json_object_get(r, "vm")),
		       json_string_value(json_object_get(r, "state")),
		       json_integer_value(json_object_get(r, "vcpus")),
		       json_integer_value(json_object_get(r, "mem_bytes")) >> 20,
		       n ? sum / n : 0.0,
		       json_string_value(json_object_get(r, "workload")),
		       json_number_value(json_object_get(r, "dirty_pps")),
		       json_number_value(json_object_get(r, "progress_ps")));
	}
	fflush(stdout);
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "hosts", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct console_opts co = { .speed = 1, .exit_after = -1 };
	struct host_list hosts;
	struct vm_probe *p;
	json_t *prime;
	double delay = 1;
	long iters = 1, i;
	char err[256];
	int c, batch = 0;

	while ((c = getopt_long(argc, argv, "bn:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': batch = 1; break;
		case 'n': iters = strtol(optarg, NULL, 10); break;
		case 'd': delay = strtod(optarg, NULL); break;
		case 'H': co.hosts = optarg; break;
		default:
			fprintf(stderr, "usage: dsmig top [-b] [-n N] [-d SECONDS] [--hosts FILE]\n");
			return CLI_USAGE;
		}
	}
	if (!batch)
		return console_run(&co);
	if (iters < 1 || delay < 0.05) {
		fprintf(stderr, "dsmig top: -n must be >= 1 and -d >= 0.05\n");
		return CLI_USAGE;
	}
	if (hosts_load(&hosts, co.hosts, err, sizeof(err))) {
		fprintf(stderr, "dsmig: %s\n", err);
		return CLI_USAGE;
	}
	if (vm_probe_open(&p, &hosts))
		return CLI_FAILED;
	/* Rates need two samples: the first poll only primes them. */
	prime = json_array();
	vm_probe_poll(p, prime);
	json_decref(prime);
	for (i = 0; i < iters; i++) {
		struct timespec ts = { (time_t)delay, (long)((delay - (long)delay) * 1e9) };
		json_t *recs = json_array();

		nanosleep(&ts, NULL);
		vm_probe_poll(p, recs);
		if (i)
			printf("\n");
		print_table(recs);
		json_decref(recs);
	}
	vm_probe_close(p);
	return CLI_OK;
}

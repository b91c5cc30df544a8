/*
 * `dsmig top -b`: the console's hosts table as plain text, for scripts (as
 * `top -b` and `xentop -b` do). Without -b it opens the console.
 *   dsmig top -b [-n ITERATIONS] [-d SECONDS] [--hosts FILE]
 * Each iteration prints a table of the hosts (HV, the machine's CPU % over
 * the delay and memory, SHARED when the hosts share this machine, the
 * VMs that are not gone, the link; '-' where unknown), then the VMs.
 * A xen host's domains (hv=xen) come with their state as `xl list` prints
 * it ("-b----"), VCPU% the mean of their vCPUs and DOMID their id; a kvm
 * VM's DOMID is '-'.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/session_log.h"
#include "probes/host.h"
#include "probes/vm.h"
#include "ui/console.h"

/* A probe's record r of type type as the session log will hold it
 * (stamped as session_write() stamps it), read by the session reader into
 * s. Returns 0, or -1 if the reader refuses it or it is of another type. */
static int probe_record(json_t *r, enum session_type type, struct session_rec *s)
{
	char why[160];

	json_object_set_new(r, "v", json_integer(SESSION_VERSION));
	json_object_set_new(r, "t", json_integer((json_int_t)time_wall_ns()));
	json_object_set_new(r, "src", json_string("probe"));
	return session_log_decode(r, s, why, sizeof(why)) || s->type != type ? -1 : 0;
}

/* The VMs of vm records recs on host that are not gone. */
static int host_vms(json_t *recs, const char *host)
{
	struct session_rec s;
	json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach(recs, i, r)
		n += !probe_record(r, SESSION_REC_VM, &s) && !strcmp(s.u.vm.host, host) &&
		     strcmp(s.u.vm.state, "gone");
	return n;
}

/* The hosts of host records hrecs, with their VMs counted in recs. */
static void print_hosts(json_t *hrecs, json_t *recs)
{
	struct session_rec s;
	const struct session_host_stats *h = &s.u.host;
	json_t *r;
	size_t i;

	printf("%-8s %-4s %6s %9s %10s %-6s %4s  %s\n", "HOST", "HV", "CPU%", "USED(MiB)",
	       "TOTAL(MiB)", "SHARED", "VMS", "LINK");
	json_array_foreach(hrecs, i, r) {
		char cpu[16] = "-", used[24] = "-", total[24] = "-";

		if (probe_record(r, SESSION_REC_HOST, &s))
			continue;
		if (session_log_has(SESSION_REC_HOST, h->present, "cpu_pct"))
			snprintf(cpu, sizeof(cpu), "%.1f", h->cpu_pct);
		if (session_log_has(SESSION_REC_HOST, h->present, "mem_total")) {
			snprintf(used, sizeof(used), "%lld", (long long)(h->mem_used >> 20));
			snprintf(total, sizeof(total), "%lld", (long long)(h->mem_total >> 20));
		}
		printf("%-8.8s %-4s %6s %9s %10s %-6s %4d  %s%s%s\n", h->host, h->hv, cpu, used,
		       total, h->shared ? "yes" : "no", host_vms(recs, h->host), h->link,
		       h->unreachable[0] ? "  unreachable: " : "", h->unreachable);
	}
}

static void print_table(json_t *recs)
{
	struct session_rec s;
	const struct session_vm *v = &s.u.vm;
	json_t *r;
	size_t i;

	printf("%-8s %-12s %-9s %5s %8s %6s %-8s %9s %10s %5s\n", "HOST", "VM", "STATE", "VCPUS",
	       "MEM(MiB)", "VCPU%", "WORKLOAD", "DIRTY/s", "PROGRESS/s", "DOMID");
	json_array_foreach(recs, i, r) {
		char domid[16] = "-", dirty[16] = "-";
		double sum = 0;
		int k;

		if (probe_record(r, SESSION_REC_VM, &s) || !strcmp(v->state, "gone"))
			continue;
		for (k = 0; k < v->nr_vcpu_pct; k++)
			sum += v->vcpu_pct[k];
		if (session_log_has(SESSION_REC_VM, v->present, "domid"))
			snprintf(domid, sizeof(domid), "%d", v->domid);
		if (session_log_has(SESSION_REC_VM, v->present, "dirty_pps"))
			snprintf(dirty, sizeof(dirty), "%.0f", v->dirty_pps);
		printf("%-8.8s %-12.12s %-9.9s %5d %8lld %6.1f %-8.8s %9s %10.1f %5s\n",
		       v->host, v->vm, v->state, v->vcpus, (long long)(v->mem_bytes >> 20),
		       v->nr_vcpu_pct ? sum / v->nr_vcpu_pct : 0.0, v->workload, dirty,
		       v->progress_ps, domid);
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
	struct host_probe hp;
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
		log_error("top: -n must be >= 1 and -d >= 0.05");
		return CLI_USAGE;
	}
	if (hosts_load(&hosts, co.hosts, err, sizeof(err))) {
		log_error("%s", err);
		return CLI_USAGE;
	}
	if (vm_probe_open(&p, &hosts, err, sizeof(err))) {
		log_error("top: %s", err);
		return CLI_FAILED;
	}
	/* Rates need two samples: the first poll only primes them. */
	host_probe_init(&hp, &hosts);
	hp.vms = p;                     /* which ssh hosts are unreachable */
	prime = json_array();
	host_probe_poll(&hp, prime);
	vm_probe_poll(p, prime);
	json_decref(prime);
	for (i = 0; i < iters; i++) {
		struct timespec ts = { (time_t)delay, (long)((delay - (long)delay) * 1e9) };
		json_t *recs = json_array(), *hrecs = json_array();

		nanosleep(&ts, NULL);
		host_probe_poll(&hp, hrecs);
		vm_probe_poll(p, recs);
		if (i)
			printf("\n");
		print_hosts(hrecs, recs);
		printf("\n");
		print_table(recs);
		json_decref(hrecs);
		json_decref(recs);
	}
	vm_probe_close(p);
	return CLI_OK;
}

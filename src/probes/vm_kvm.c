/*
 * The VM probe's kvm backend (vm_backend.h): the VMs of one host are the
 * VMM sockets in its runtime directory; each is asked query-status once,
 * query-stats each poll and query-footprint every FOOTPRINT_POLLS polls.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl_client.h"
#include "common/log.h"
#include "common/rundir.h"
#include "probes/vm_backend.h"

#define PROBE_MAX_VMS 64
#define PROBE_TIMEOUT_MS 300
/* query-footprint (what the console predicts a migration from) changes
 * with the VMM's one-second windows: asked every 10th poll, once a second. */
#define FOOTPRINT_POLLS 10

struct probed_vm {
	char name[65];
	char sock[PATH_MAX];
	struct ctl_client *c;
	char workload[17];
	int vcpus;
	uint64_t mem_bytes;
	/* previous sample, for rates */
	uint64_t t_ns, cpu_ns[8], progress;
	uint64_t nic_bytes;    /* its NIC's tx + rx bytes (query-stats' net) */
	int have_prev, have_nic;
	unsigned polls;        /* samples taken: query-footprint on every
				  FOOTPRINT_POLLS-th */
	int seen;              /* found in this poll's directory scan */
	int dead;              /* reported gone; socket file still there */
};

struct kvm_probe {
	struct host host;
	struct probed_vm vm[PROBE_MAX_VMS];
	int n;
};

static int kvm_open(void **out, const struct host *h, char *why, size_t len)
{
	struct kvm_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return errbuf_set(why, len, "out of memory"), -ENOMEM;
	p->host = *h;
	*out = p;
	return 0;
}

static void drop(struct kvm_probe *p, int i)
{
	if (p->vm[i].c)
		ctl_client_close(p->vm[i].c);
	p->vm[i] = p->vm[--p->n];
}

static struct probed_vm *find(struct kvm_probe *p, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->vm[i].name, name))
			return &p->vm[i];
	return NULL;
}

/* Find the host's VMM sockets; connect to new ones. */
static void scan(struct kvm_probe *p)
{
	DIR *d = opendir(p->host.runtime);
	struct dirent *de;
	int i;

	for (i = 0; i < p->n; i++)
		p->vm[i].seen = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct probed_vm *v;
		char name[DSMIG_VM_NAME_MAX + 1];

		if (dsmig_socket_vm_name(de->d_name, name, sizeof(name)))
			continue;
		v = find(p, name);
		if (!v && p->n < PROBE_MAX_VMS) {
			char sock[PATH_MAX];

			snprintf(sock, sizeof(sock), "%s/%s", p->host.runtime, de->d_name);
			v = &p->vm[p->n++];
			memset(v, 0, sizeof(*v));
			memcpy(v->name, name, sizeof(name));
			memcpy(v->sock, sock, sizeof(sock));
		}
		if (v)
			v->seen = 1;
	}
	closedir(d);
}

static int connect_vm(struct probed_vm *v)
{
	json_t *st = NULL;

	if (ctl_client_open(&v->c, v->sock, PROBE_TIMEOUT_MS, NULL, 0))
		return -1;
	if (ctl_client_execute(v->c, "query-status", NULL, &st, NULL, PROBE_TIMEOUT_MS)) {
		json_decref(st);
		ctl_client_close(v->c);
		v->c = NULL;
		return -1;
	}
	v->vcpus = (int)json_integer_value(json_object_get(st, "vcpus"));
	v->mem_bytes = (uint64_t)json_integer_value(json_object_get(st, "mem_bytes"));
	json_decref(st);
	v->have_prev = 0;
	return 0;
}

/* Every FOOTPRINT_POLLS-th sample: the VMM's footprint into rec's fp_
 * fields (docs/telemetry.md), all or none; a VMM that has none yet or
 * does not answer in time adds nothing. */
static void add_footprint(struct probed_vm *v, json_t *rec)
{
	static const char *const keys[] = {
		"windows", "window_s", "ws_pages", "hot_pages", "zero_pages",
		"sample_pages", "sample_bytes",
	};
	const size_t n = sizeof(keys) / sizeof(keys[0]);
	json_t *fp = NULL;
	char key[32];
	size_t i;

	if (v->polls++ % FOOTPRINT_POLLS ||
	    ctl_client_execute(v->c, "query-footprint", NULL, &fp, NULL, PROBE_TIMEOUT_MS)) {
		json_decref(fp);
		return;
	}
	for (i = 0; i < n; i++)
		if (!json_is_number(json_object_get(fp, keys[i])))
			break;
	for (i = i == n ? 0 : n; i < n; i++) {
		snprintf(key, sizeof(key), "fp_%s", keys[i]);
		json_object_set(rec, key, json_object_get(fp, keys[i]));
	}
	json_decref(fp);
}

/* The guest's own traffic through its NIC, in bit/s over this poll's
 * interval, as rec's nic_bps; absent without a NIC, on the first poll
 * and when the counters went backwards (a new VMM). */
static void add_nic_rate(struct probed_vm *v, json_t *net, double dt, json_t *rec)
{
	uint64_t bytes;

	if (!json_is_object(net)) {
		v->have_nic = 0;
		return;
	}
	bytes = (uint64_t)json_integer_value(json_object_get(net, "tx_bytes")) +
		(uint64_t)json_integer_value(json_object_get(net, "rx_bytes"));
	if (rec && v->have_nic && dt > 0 && bytes >= v->nic_bytes)
		json_object_set_new(rec, "nic_bps",
				    json_real((double)(bytes - v->nic_bytes) * 8 / dt));
	v->nic_bytes = bytes;
	v->have_nic = 1;
}

/* One VM of host's record, or NULL if it did not answer. */
static json_t *sample(const char *host, struct probed_vm *v)
{
	json_t *st = NULL, *rec, *pct, *cpu, *ctr;
	uint64_t t, progress;
	double dt;
	size_t i;

	if (!v->c && connect_vm(v))
		return NULL;
	if (ctl_client_execute(v->c, "query-stats", NULL, &st, NULL, PROBE_TIMEOUT_MS)) {
		json_decref(st);
		ctl_client_close(v->c);
		v->c = NULL;
		return NULL;
	}
	t = (uint64_t)json_integer_value(json_object_get(st, "time_ns"));
	ctr = json_object_get(st, "counters");
	progress = (uint64_t)json_integer_value(json_object_get(ctr, "progress"));
	if (json_is_string(json_object_get(ctr, "workload")))
		snprintf(v->workload, sizeof(v->workload), "%s",
			 json_string_value(json_object_get(ctr, "workload")));
	dt = v->have_prev && t > v->t_ns ? (double)(t - v->t_ns) / 1e9 : 0;
	pct = json_array();
	json_array_foreach(json_object_get(st, "vcpus"), i, cpu) {
		uint64_t ns = (uint64_t)json_integer_value(json_object_get(cpu, "cpu_ns"));

		if (i >= 8)
			break;
		json_array_append_new(pct, json_real(dt > 0 && ns >= v->cpu_ns[i]
			? 100.0 * (double)(ns - v->cpu_ns[i]) / 1e9 / dt : 0.0));
		v->cpu_ns[i] = ns;
	}
	/* dirty_pps: the VMM's own per-second window (docs/control-protocol.md),
	 * absent in its first second: not a rate of this poll's interval. */
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:o, s:O*, s:I, s:f}",
			"probe", "vm", "host", host, "vm", v->name,
			"state", json_string_value(json_object_get(st, "status")) ?: "?",
			"workload", v->workload[0] ? v->workload : "-",
			"vcpus", v->vcpus, "mem_bytes", (json_int_t)v->mem_bytes,
			"vcpu_pct", pct,
			"dirty_pps", json_is_number(json_object_get(st, "dirty_pps")) ?
				json_object_get(st, "dirty_pps") : NULL,
			"progress", (json_int_t)progress,
			"progress_ps", dt > 0 && progress >= v->progress
				? (double)(progress - v->progress) / dt : 0.0);
	add_nic_rate(v, json_object_get(st, "net"), dt, rec);
	v->t_ns = t;
	v->progress = progress;
	v->have_prev = 1;
	json_decref(st);
	if (rec)
		add_footprint(v, rec);
	return rec;
}

static void kvm_poll(void *state, json_t *out)
{
	struct kvm_probe *p = state;
	int i;

	scan(p);
	for (i = 0; i < p->n; i++) {
		struct probed_vm *v = &p->vm[i];
		json_t *rec = v->seen ? sample(p->host.name, v) : NULL;

		if (rec) {
			v->dead = 0;
			json_array_append_new(out, rec);
			continue;
		}
		/* Socket gone or not answering: say so once. A stale socket
		 * file is kept (and retried) until it disappears. */
		if (!v->dead)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}",
							     "probe", "vm", "host", p->host.name,
							     "vm", v->name, "state", "gone"));
		v->dead = 1;
		if (!v->seen)
			drop(p, i--);
	}
}

static void kvm_close(void *state)
{
	struct kvm_probe *p = state;

	if (!p)
		return;
	while (p->n)
		drop(p, 0);
	free(p);
}

const struct vm_backend vm_backend_kvm = {
	.name = "kvm",
	.open = kvm_open,
	.poll = kvm_poll,
	.close = kvm_close,
};

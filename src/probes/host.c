/*
 * The host probe (see host.h): the machine's CPU jiffies from the first
 * line of /proc/stat, its memory from /proc/meminfo (used is MemTotal
 * less MemAvailable, as free(1) counts it), and each host's link from the
 * hosts file and the lab's LAB_CONF. An ssh host's CPU and memory are
 * the same lines read on that host (the VM probe's ssh backend streams
 * them, parsed with the functions here).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lab_state.h"
#include "probes/host.h"

int host_cpu_parse(const char *line, uint64_t *busy, uint64_t *total)
{
	unsigned long long v[8] = { 0 };
	int n, i;

	/* The whole machine's line only: sscanf's "cpu %llu" would take
	 * "cpu0 ..." (a CPU's) too. */
	if (strncmp(line, "cpu ", 4))
		return -1;
	n = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return -1;
	*total = 0;
	for (i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];   /* idle, iowait */
	return 0;
}

double host_cpu_pct(uint64_t busy0, uint64_t total0, uint64_t busy1, uint64_t total1)
{
	double pct;

	if (!total0 || total1 <= total0 || busy1 < busy0)
		return -1;
	pct = 100.0 * (double)(busy1 - busy0) / (double)(total1 - total0);
	return pct > 100 ? 100 : pct;
}

void host_mem_line(struct host_mem *m, const char *line)
{
	unsigned long long kb;

	if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
		m->total_kb = kb;
		m->have |= 1;
	} else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
		m->avail_kb = kb;
		m->have |= 2;
	}
}

int host_mem_result(const struct host_mem *m, int64_t *used, int64_t *total)
{
	if (m->have != 3 || m->avail_kb > m->total_kb || m->total_kb > (1ull << 50))
		return -1;
	*total = (int64_t)(m->total_kb * 1024);
	*used = (int64_t)((m->total_kb - m->avail_kb) * 1024);
	return 0;
}

/* This machine's CPU jiffies (/proc/stat). 0, or -1 if unreadable. */
static int read_cpu(uint64_t *busy, uint64_t *total)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	return ok ? host_cpu_parse(line, busy, total) : -1;
}

/* This machine's memory (/proc/meminfo). 0, or -1 if unreadable. */
static int read_mem(int64_t *used, int64_t *total)
{
	struct host_mem m = { 0 };
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		host_mem_line(&m, line);
	fclose(f);
	return host_mem_result(&m, used, total);
}

/* The lab link's rate, or 0 without a lab or a readable state file. */
static double read_lab_rate(void)
{
	struct lab_state st;

	return lab_state_read(&st) ? 0 : (double)st.rate_bps;
}

void host_probe_init(struct host_probe *p, const struct host_list *hosts)
{
	memset(p, 0, sizeof(*p));
	p->hosts = hosts;
	p->lab_bps = read_lab_rate();
}

/* A rate as people say it: "12 Mbit/s", "1.5 Gbit/s", "800 kbit/s". */
static void rate_words(char *buf, size_t len, double bps)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%g Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%g Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%g kbit/s", bps / 1e3);
}

/* Host h's link: its words and, for a shaped one, its rate. */
static void host_link(const struct host_probe *p, const struct host *h, json_t *rec)
{
	char rate[32], link[64];

	if (hosts_is_ssh(h)) {
		json_object_set_new(rec, "link", json_string("ssh (not measured)"));
		return;
	}
	if (!hosts_in_lab(h)) {
		json_object_set_new(rec, "link", json_string("loopback (unshaped)"));
		return;
	}
	if (p->lab_bps <= 0) {
		json_object_set_new(rec, "link", json_string("lab link (rate n/a)"));
		return;
	}
	rate_words(rate, sizeof(rate), p->lab_bps);
	snprintf(link, sizeof(link), "%s lab link", rate);
	json_object_set_new(rec, "link", json_string(link));
	json_object_set_new(rec, "link_bps", json_real(p->lab_bps));
}

void host_probe_poll(struct host_probe *p, json_t *out)
{
	uint64_t busy, total;
	int64_t used = 0, mem = 0;
	double cpu = -1;
	int have_mem = !read_mem(&used, &mem);
	unsigned i;

	if (!read_cpu(&busy, &total)) {
		cpu = host_cpu_pct(p->busy, p->total, busy, total);
		p->busy = busy;
		p->total = total;
	}
	for (i = 0; i < p->hosts->n; i++) {
		const struct host *h = &p->hosts->h[i];
		struct vm_host_stats st = { .cpu_pct = cpu, .have_mem = have_mem,
					    .mem_used = used, .mem_total = mem };
		char why[160];
		json_t *rec = json_pack("{s:s, s:s, s:s, s:b}", "probe", "host", "host", h->name,
					"hv", h->hv == HOST_HV_XEN ? "xen" : "kvm",
					"shared", p->hosts->n > 1);

		if (!rec)
			continue;
		if (vm_probe_reach(p->vms, h->name, why, sizeof(why)))
			json_object_set_new(rec, "unreachable", json_string(why));
		if (hosts_is_ssh(h)) {
			/* Another machine: its own numbers, read there. */
			json_object_set_new(rec, "shared", json_false());
			if (vm_probe_host_stats(p->vms, h->name, &st))
				st = (struct vm_host_stats){ .cpu_pct = -1 };
		}
		if (st.cpu_pct >= 0)
			json_object_set_new(rec, "cpu_pct", json_real(st.cpu_pct));
		if (st.have_mem) {
			json_object_set_new(rec, "mem_used", json_integer((json_int_t)st.mem_used));
			json_object_set_new(rec, "mem_total", json_integer((json_int_t)st.mem_total));
		}
		host_link(p, h, rec);
		json_array_append_new(out, rec);
	}
}

/*
 * The VM probe's xen backend (see xen.h): libxenstat's node sample, one
 * per poll, against the one before it. Domains are told apart by id, so
 * a domain that is destroyed and created again under the same name
 * starts over with no rate; a domain missing from a sample is reported
 * "gone" once and forgotten.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstat.h>

#include "common/log.h"
#include "probes/vm_backend.h"
#include "probes/xen.h"

#define XEN_MAX_DOMS 64
#define XEN_MAX_VCPUS 8          /* vCPUs with a rate of their own */
#define XEN_NAME_LEN 65          /* the session record's "vm" */

struct xen_dom {
	unsigned id;
	char name[XEN_NAME_LEN];
	uint64_t cpu_ns, vcpu_ns[XEN_MAX_VCPUS];
	int seen;
};

struct xen_probe {
	char host[64];
	xenstat_handle *xh;
	uint64_t t_ns;            /* the previous sample's time */
	struct xen_dom dom[XEN_MAX_DOMS];
	int n;
};

void xen_state_string(unsigned flags, char out[XEN_STATE_LEN])
{
	static const char letters[] = "rbpscd";
	int i;

	for (i = 0; i < XEN_STATE_LEN - 1; i++)
		out[i] = flags & (1u << i) ? letters[i] : '-';
	out[XEN_STATE_LEN - 1] = '\0';
}

double xen_cpu_pct(uint64_t ns_prev, uint64_t ns, uint64_t t_prev_ns, uint64_t t_ns)
{
	if (t_ns <= t_prev_ns || ns < ns_prev)
		return 0.0;
	return 100.0 * (double)(ns - ns_prev) / (double)(t_ns - t_prev_ns);
}

static int xen_open(void **out, const struct host *h, char *why, size_t len)
{
	struct xen_probe *p;

	/* Not a dom0: say so, before libxenctrl prints its own complaint. */
	if (access("/dev/xen/privcmd", F_OK) && access("/proc/xen/privcmd", F_OK))
		return errbuf_set(why, len, "not a Xen dom0 (no /dev/xen/privcmd): "
				  "libxenstat reads the hypervisor dsmig runs on"), -ENOENT;
	p = calloc(1, sizeof(*p));
	if (!p)
		return errbuf_set(why, len, "out of memory"), -ENOMEM;
	snprintf(p->host, sizeof(p->host), "%s", h->name);
	errno = 0;
	p->xh = xenstat_init();
	if (!p->xh) {
		int e = errno ? errno : EIO;

		free(p);
		return errbuf_set(why, len, "xenstat_init: %s (run as root in dom0)",
				  strerror(e)), -e;
	}
	*out = p;
	return 0;
}

static struct xen_dom *find(struct xen_probe *p, unsigned id)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->dom[i].id == id)
			return &p->dom[i];
	return NULL;
}

static unsigned state_flags(xenstat_domain *d)
{
	return (xenstat_domain_running(d) ? XEN_DOM_RUNNING : 0) |
	       (xenstat_domain_blocked(d) ? XEN_DOM_BLOCKED : 0) |
	       (xenstat_domain_paused(d) ? XEN_DOM_PAUSED : 0) |
	       (xenstat_domain_shutdown(d) ? XEN_DOM_SHUTDOWN : 0) |
	       (xenstat_domain_crashed(d) ? XEN_DOM_CRASHED : 0) |
	       (xenstat_domain_dying(d) ? XEN_DOM_DYING : 0);
}

/* d's name as records carry it: the guest owner's text, so printable
 * ASCII only. */
static void dom_name(xenstat_domain *d, char name[XEN_NAME_LEN])
{
	const char *raw = xenstat_domain_name(d);
	size_t k;

	snprintf(name, XEN_NAME_LEN, "%s", raw && *raw ? raw : "?");
	for (k = 0; name[k]; k++)
		if (name[k] < 0x21 || name[k] > 0x7e)
			name[k] = '?';
}

/* One domain's record under name; prev is its counters from the sample
 * before (NULL for a new domain). */
static json_t *record(const struct xen_probe *p, xenstat_domain *d, const char *name,
		      const struct xen_dom *prev, uint64_t t_ns)
{
	char state[XEN_STATE_LEN];
	uint64_t cpu_ns = xenstat_domain_cpu_ns(d);
	unsigned j, nv = xenstat_domain_num_vcpus(d), online = 0;
	json_t *pct = json_array();

	for (j = 0; j < nv; j++) {
		xenstat_vcpu *v = xenstat_domain_vcpu(d, j);
		uint64_t ns;

		if (!v || !xenstat_vcpu_online(v))
			continue;
		ns = xenstat_vcpu_ns(v);
		if (online < XEN_MAX_VCPUS)
			json_array_append_new(pct, json_real(prev ? xen_cpu_pct(
				prev->vcpu_ns[online], ns, p->t_ns, t_ns) : 0.0));
		online++;
	}
	xen_state_string(state_flags(d), state);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:o, s:i, s:f}",
			 "probe", "vm", "host", p->host, "vm", name, "state", state,
			 "workload", "-", "vcpus", (int)online,
			 "mem_bytes", (json_int_t)xenstat_domain_cur_mem(d),
			 "vcpu_pct", pct, "domid", (int)xenstat_domain_id(d),
			 "cpu_pct", prev ? xen_cpu_pct(prev->cpu_ns, cpu_ns, p->t_ns, t_ns) : 0.0);
}

/* Remember a domain's counters for the next sample. */
static void remember(struct xen_dom *s, xenstat_domain *d)
{
	unsigned j, nv = xenstat_domain_num_vcpus(d), online = 0;

	s->cpu_ns = xenstat_domain_cpu_ns(d);
	for (j = 0; j < nv && online < XEN_MAX_VCPUS; j++) {
		xenstat_vcpu *v = xenstat_domain_vcpu(d, j);

		if (v && xenstat_vcpu_online(v))
			s->vcpu_ns[online++] = xenstat_vcpu_ns(v);
	}
	s->seen = 1;
}

static void xen_poll(void *state, json_t *out)
{
	struct xen_probe *p = state;
	xenstat_node *node = xenstat_get_node(p->xh, XENSTAT_VCPU);
	uint64_t t = time_mono_ns();
	unsigned i, nd;
	int k;

	/* A failed sample says nothing about the domains: keep them. */
	if (!node)
		return;
	for (k = 0; k < p->n; k++)
		p->dom[k].seen = 0;
	nd = xenstat_node_num_domains(node);
	for (i = 0; i < nd; i++) {
		xenstat_domain *d = xenstat_node_domain_by_index(node, i);
		char name[XEN_NAME_LEN];
		struct xen_dom *s;
		json_t *rec;

		if (!d)
			continue;
		dom_name(d, name);
		s = find(p, xenstat_domain_id(d));
		rec = record(p, d, name, s, t);
		if (rec)
			json_array_append_new(out, rec);
		if (!s && p->n < XEN_MAX_DOMS) {
			s = &p->dom[p->n++];
			memset(s, 0, sizeof(*s));
			s->id = xenstat_domain_id(d);
			memcpy(s->name, name, sizeof(s->name));
		}
		if (s)
			remember(s, d);
	}
	for (k = 0; k < p->n; k++) {
		if (p->dom[k].seen)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:i}", "probe", "vm",
						     "host", p->host, "vm", p->dom[k].name,
						     "state", "gone", "domid", (int)p->dom[k].id));
		p->dom[k--] = p->dom[--p->n];
	}
	p->t_ns = t;
	xenstat_free_node(node);
}

static void xen_close(void *state)
{
	struct xen_probe *p = state;

	if (!p)
		return;
	xenstat_uninit(p->xh);
	free(p);
}

const struct vm_backend vm_backend_xen = {
	.name = "xen",
	.open = xen_open,
	.poll = xen_poll,
	.close = xen_close,
};

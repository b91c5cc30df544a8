/*
 * The VM probe (see vm.h): one backend instance per host, chosen by the
 * host's hv= key through the ops tables of vm_backend.h (kvm: each VMM's
 * control socket, vm_kvm.c; xen: libxenstat, xen.c), or by its ssh= key
 * (the kvm backend over forwarded sockets, vm_ssh.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "probes/vm.h"
#include "probes/vm_backend.h"

static const struct vm_backend *const backends[] = {
	[HOST_HV_KVM] = &vm_backend_kvm,
	[HOST_HV_XEN] = &vm_backend_xen,
};

struct vm_probe {
	unsigned n;
	char host[HOSTS_MAX][64];
	const struct vm_backend *be[HOSTS_MAX];
	void *state[HOSTS_MAX];
};

int vm_probe_open(struct vm_probe **out, const struct host_list *hosts,
		  char *why, size_t len)
{
	struct vm_probe *p = calloc(1, sizeof(*p));
	unsigned i;

	if (!p)
		return errbuf_set(why, len, "out of memory"), -ENOMEM;
	for (i = 0; i < hosts->n; i++) {
		const struct host *h = &hosts->h[i];
		char inner[200];
		int rc;

		p->be[i] = hosts_is_ssh(h) ? &vm_backend_ssh : backends[h->hv];
		memcpy(p->host[i], h->name, sizeof(p->host[i]));
		rc = p->be[i]->open(&p->state[i], h, inner, sizeof(inner));
		if (rc) {
			errbuf_set(why, len, "host %s (%s): %s", h->name, p->be[i]->name, inner);
			vm_probe_close(p);
			return rc;
		}
		p->n = i + 1;
	}
	*out = p;
	return 0;
}

void vm_probe_poll(struct vm_probe *p, json_t *out)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		p->be[i]->poll(p->state[i], out);
}

int vm_probe_reach(const struct vm_probe *p, const char *host, char *why, size_t len)
{
	unsigned i;

	for (i = 0; p && i < p->n; i++)
		if (!strcmp(p->host[i], host))
			return p->be[i]->reach ? p->be[i]->reach(p->state[i], why, len) : 0;
	return 0;
}

int vm_probe_host_stats(const struct vm_probe *p, const char *host, struct vm_host_stats *st)
{
	unsigned i;

	for (i = 0; p && i < p->n; i++)
		if (!strcmp(p->host[i], host))
			return p->be[i]->host_stats ? p->be[i]->host_stats(p->state[i], st) : -1;
	return -1;
}

void vm_probe_close(struct vm_probe *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		p->be[i]->close(p->state[i]);
	free(p);
}

/*
 * `dsmig lab`: the names of each lab host, the link's parameters (rate,
 * delay, loss and what makes them) and the state files that hold them:
 * LAB_CONF, and the hosts file (LAB_HOSTS) that `dsmig migrate`, `dsmig
 * top` and the console read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/lab_int.h"
#include "common/lab_state.h"
#include "common/hosts.h"
#include "common/log.h"

static const char *const lab_impair_names[] = {
	[LAB_IMPAIR_NONE] = "none", [LAB_IMPAIR_NETEM] = "netem", [LAB_IMPAIR_NFT] = "nftables",
};

void lab_host_names(unsigned i, struct lab_host *h)
{
	snprintf(h->name, sizeof(h->name), "host%c", 'A' + i);
	snprintf(h->netns, sizeof(h->netns), LAB_NS_PREFIX "%c", 'A' + i);
	snprintf(h->veth, sizeof(h->veth), LAB_LINK_PREFIX "%c", 'A' + i);
	snprintf(h->gveth, sizeof(h->gveth), LAB_GUEST_VETH_PREFIX "%c", 'A' + i);
	snprintf(h->addr, sizeof(h->addr), LAB_ADDR_FMT, i + 1);
	snprintf(h->runtime, sizeof(h->runtime), LAB_DIR "/%s", h->name);
}

static void format_rate(char *buf, size_t len, unsigned long long bps)
{
	if (bps % 1000000000ull == 0)
		snprintf(buf, len, "%llugbit", bps / 1000000000ull);
	else if (bps % 1000000ull == 0)
		snprintf(buf, len, "%llumbit", bps / 1000000ull);
	else if (bps % 1000ull == 0)
		snprintf(buf, len, "%llukbit", bps / 1000ull);
	else
		snprintf(buf, len, "%llubit", bps);
}

unsigned long long lab_burst(const struct lab_params *p)
{
	unsigned long long b = p->rate_bps / 8 * LAB_BURST_MS / 1000;

	return b > LAB_BURST_MIN ? b : LAB_BURST_MIN;
}

void lab_describe_link(char *buf, size_t len, const struct lab_params *p)
{
	static const char *const how[] = {
		[LAB_IMPAIR_NONE] = "",
		[LAB_IMPAIR_NETEM] = " (netem on the uplink)",
		[LAB_IMPAIR_NFT] = " (nftables: dropped on arrival at " LAB_IFACE ", no netem here)",
	};
	char rate[32];

	format_rate(rate, sizeof(rate), p->rate_bps);
	snprintf(buf, len, "%s each way (tbf burst %llu B, queue %s), delay %u ms, loss %g%%%s",
		 rate, lab_burst(p), LAB_TBF_LATENCY, p->delay_ms, p->loss_pct, how[p->impair]);
}

/* lab.conf: the parameters and what makes the delay and the loss. A
 * lab.conf without impair= (written before nftables could make the loss)
 * means netem when there is a delay or a loss. */
int lab_conf_read(struct lab_params *p)
{
	struct lab_state st;
	unsigned i;

	if (lab_state_read(&st) || st.hosts < 2 || st.hosts > HOSTS_MAX)
		return -1;
	p->hosts = st.hosts;
	p->rate_bps = st.rate_bps;
	p->delay_ms = st.delay_ms;
	p->loss_pct = st.loss_pct;
	p->impair = p->delay_ms || p->loss_pct > 0 ? LAB_IMPAIR_NETEM : LAB_IMPAIR_NONE;
	if (!st.impair[0])
		return 0;
	for (i = 0; i < sizeof(lab_impair_names) / sizeof(lab_impair_names[0]); i++)
		if (!strcmp(st.impair, lab_impair_names[i])) {
			p->impair = (enum lab_impair)i;
			return 0;
		}
	return -1;
}

/* Write a whole small file, or say why not. */
static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		log_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int lab_conf_write(const struct lab_params *p)
{
	char text[128];

	snprintf(text, sizeof(text), "hosts=%u rate_bps=%llu delay_ms=%u loss_pct=%g impair=%s\n",
		 p->hosts, p->rate_bps, p->delay_ms, p->loss_pct, lab_impair_names[p->impair]);
	return write_text(LAB_CONF, text);
}

int lab_hosts_write(unsigned n)
{
	char text[4096];
	size_t k;
	unsigned i;

	k = (size_t)snprintf(text, sizeof(text),
			     "# The lab's hosts: written by `dsmig lab up`, removed by `dsmig lab down`.\n");
	for (i = 0; i < n && k < sizeof(text); i++) {
		struct lab_host h;

		lab_host_names(i, &h);
		k += (size_t)snprintf(text + k, sizeof(text) - k,
				      "name=%s runtime=%s netns=%s addr=%s\n", h.name,
				      h.runtime, h.netns, h.addr);
	}
	return write_text(LAB_HOSTS, text);
}

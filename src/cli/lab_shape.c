/*
 * `dsmig lab`: shaping each host's link. The uplink is the egress of
 * LAB_IFACE in the host's namespace (tbf, under a netem root for a delay
 * or a loss), the downlink the egress of its root-side veth (tbf); a
 * kernel without netem gets its loss from an nftables rule on the ingress
 * of LAB_IFACE instead (see lab.c). Also what `status` and `up` check:
 * whether that shaping is in place.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/lab_int.h"
#include "common/log.h"
#include "common/proc.h"

/* prog is an executable file in one of PATH's directories. */
static int in_path(const char *prog)
{
	const char *dirs = getenv("PATH"), *d;
	char path[PATH_MAX];
	size_t n;

	if (!dirs || !*dirs)
		dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (d = dirs; *d; d += n + (d[n] == ':')) {
		n = strcspn(d, ":");
		snprintf(path, sizeof(path), "%.*s/%s", (int)n, n ? d : ".", prog);
		if (access(path, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The lab's table in namespace netns: 1 if it is there, with its loss
 * rule as nft lists it (counter included) in rule; 0 if not, or if nft is
 * missing or cannot list tables there (then none of ours can be there
 * either: it is only ever made by nft). */
int lab_loss_nft_show(const char *netns, char *rule, size_t len)
{
	char out[2048], *line, *save = NULL;

	rule[0] = '\0';
	if (!in_path("nft") ||
	    proc_run(CMD("ip", "netns", "exec", netns, "nft", "list", "table", "netdev",
			 LAB_NFT_TABLE), out, sizeof(out)))
		return 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (!strncmp(line, "numgen", 6))
			snprintf(rule, len, "%s", line);
	}
	return 1;
}

/* The rule's bound: the packets whose random number (0..LAB_LOSS_SCALE-1)
 * is below it are dropped. */
static unsigned long long loss_bound(const struct lab_params *p)
{
	return (unsigned long long)(p->loss_pct / 100 * LAB_LOSS_SCALE + 0.5);
}

/* The rule as nft lists it, up to its counter. */
static void loss_nft_rule(char *buf, size_t len, const struct lab_params *p)
{
	snprintf(buf, len, "numgen random mod %u < %llu counter", LAB_LOSS_SCALE, loss_bound(p));
}

/* Make (or replace, in one transaction) the lab's table in host h's
 * namespace: drop p's share of the packets arriving on its LAB_IFACE. */
static int loss_nft_add(const struct lab_host *h, const struct lab_params *p)
{
	char rule[128], script[512];

	loss_nft_rule(rule, sizeof(rule), p);
	snprintf(script, sizeof(script),
		 "add table netdev " LAB_NFT_TABLE "; delete table netdev " LAB_NFT_TABLE "; "
		 "table netdev " LAB_NFT_TABLE " { chain " LAB_NFT_CHAIN " { type filter hook "
		 "ingress device \"" LAB_IFACE "\" priority 0; policy accept; %s drop; }; }",
		 rule);
	return lab_step(CMD("ip", "netns", "exec", h->netns, "nft", script));
}

/* Remove the lab's table from namespace netns, if it is there. */
int lab_loss_nft_del(const char *netns)
{
	char rule[256];

	if (!lab_loss_nft_show(netns, rule, sizeof(rule)))
		return 0;
	return lab_step(CMD("ip", "netns", "exec", netns, "nft", "delete", "table", "netdev",
			LAB_NFT_TABLE));
}
/* ---- shaping ---------------------------------------------------------- */

/* shape_host(): the kernel has no netem qdisc. */
#define LAB_NO_NETEM (-2)

/* Put the qdiscs (and the nftables loss rule, or none) of host i in place,
 * replacing whatever is there. Returns 0, -1 (said why), or LAB_NO_NETEM
 * when p->impair is netem and the kernel has none (not said). */
static int shape_host(unsigned i, const struct lab_params *p)
{
	char rate[32], burst[32], delay[32], loss[32], out[512];
	struct lab_host h;
	int rc;

	lab_host_names(i, &h);
	snprintf(rate, sizeof(rate), "%llubit", p->rate_bps);
	snprintf(burst, sizeof(burst), "%llu", lab_burst(p));
	snprintf(delay, sizeof(delay), "%ums", p->delay_ms);
	snprintf(loss, sizeof(loss), "%g%%", p->loss_pct);
	lab_try(CMD("tc", "-n", h.netns, "qdisc", "del", "dev", LAB_IFACE, "root"));
	lab_try(CMD("tc", "qdisc", "del", "dev", h.veth, "root"));
	if (p->impair == LAB_IMPAIR_NETEM) {
		rc = proc_run(CMD("tc", "-n", h.netns, "qdisc", "add", "dev", LAB_IFACE, "root",
				  "handle", "1:", "netem", "delay", delay, "loss", loss),
			      out, sizeof(out));
		if (rc) {
			lab_chomp(out);
			if (strstr(out, "unknown"))
				return LAB_NO_NETEM;
			log_error("tc: netem on %s in %s: %s", LAB_IFACE, h.netns, out);
			return -1;
		}
		if (lab_step(CMD("tc", "-n", h.netns, "qdisc", "add", "dev", LAB_IFACE, "parent", "1:1",
			     "handle", "10:", "tbf", "rate", rate, "burst", burst, "latency",
			     LAB_TBF_LATENCY)))
			return -1;
	} else if (lab_step(CMD("tc", "-n", h.netns, "qdisc", "add", "dev", LAB_IFACE, "root",
			    "handle", "1:", "tbf", "rate", rate, "burst", burst, "latency",
			    LAB_TBF_LATENCY))) {
		return -1;
	}
	if (lab_step(CMD("tc", "qdisc", "add", "dev", h.veth, "root", "handle", "1:", "tbf",
		     "rate", rate, "burst", burst, "latency", LAB_TBF_LATENCY)))
		return -1;
	return p->impair == LAB_IMPAIR_NFT ? loss_nft_add(&h, p) : lab_loss_nft_del(h.netns);
}

/* Shape every host, deciding p->impair: netem when a delay or a loss is
 * asked for and the kernel has it; else nftables for a loss alone. */
int lab_shape_all(struct lab_params *p)
{
	unsigned i;
	int rc;

	p->impair = p->delay_ms || p->loss_pct > 0 ? LAB_IMPAIR_NETEM : LAB_IMPAIR_NONE;
	for (i = 0; i < p->hosts; i++) {
		rc = shape_host(i, p);
		if (rc == LAB_NO_NETEM && i == 0 && !p->delay_ms) {
			if (!in_path("nft")) {
				log_error("this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM), and "
					  "--loss without it needs nft (Debian's nftables; "
					  "scripts/deps.sh installs it)");
				return -1;
			}
			p->impair = LAB_IMPAIR_NFT;
			rc = shape_host(i, p);
		} else if (rc == LAB_NO_NETEM) {
			log_error("this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): --delay "
				  "needs netem and is not available here (--loss alone is, by nftables)");
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* The qdiscs of host i, as tc shows them (uplink: in its namespace). */
int lab_qdisc_show(unsigned i, int uplink, char *out, size_t len)
{
	struct lab_host h;

	lab_host_names(i, &h);
	if (uplink)
		return proc_run(CMD("tc", "-n", h.netns, "-s", "qdisc", "show", "dev", LAB_IFACE),
				out, len);
	return proc_run(CMD("tc", "-s", "qdisc", "show", "dev", h.veth), out, len);
}

/* The qdiscs and the loss rule that p asks for are in place on host i,
 * and nothing else of the lab's. */
int lab_shaping_present(unsigned i, const struct lab_params *p)
{
	char up[2048], down[2048], rule[256], want[128];
	struct lab_host h;
	int netem = p->impair == LAB_IMPAIR_NETEM, nft;

	lab_host_names(i, &h);
	if (lab_qdisc_show(i, 1, up, sizeof(up)) || lab_qdisc_show(i, 0, down, sizeof(down)))
		return 0;
	nft = lab_loss_nft_show(h.netns, rule, sizeof(rule));
	loss_nft_rule(want, sizeof(want), p);
	return strstr(up, "qdisc tbf") && !strstr(up, "qdisc netem") == !netem &&
	       strstr(down, "qdisc tbf") &&
	       (p->impair == LAB_IMPAIR_NFT ? nft && !strncmp(rule, want, strlen(want)) : !nft);
}

/*
 * `dsmig lab`: the guest network, the lab's second network beside the
 * shaped migration link (a data centre's guest VLAN; no rate cap). The
 * guests' paravirtual NICs are TAP devices that dsmig-vmm makes in the
 * namespace of the host it runs on and enslaves to LAB_GUEST_BRIDGE there
 * (--net bridge=LAB_GUEST_BRIDGE, one name on every host, as Xen's
 * vif bridge=); the clients that load the guests' servers run in their
 * own namespace, LAB_CLIENT_NS:
 *
 *   root namespace               host namespaces              clients
 *   dsmig-gbr (bridge, no address)
 *     ├── dsmig-gA ══ veth ══ dsmigg0 ── dsguest0 (bridge) ── TAPs   dsmig-hostA
 *     ├── dsmig-gB ══ veth ══ dsmigg0 ── dsguest0 (bridge) ── TAPs   dsmig-hostB
 *     └── dsmig-gcli ═ veth ═ dsmigc0 198.19.0.1/24                   dsmig-client
 *
 * A guest keeps its address (198.19.0.10 and up) wherever it runs: the
 * switch learns its MAC address on the port of the host it is on, so a
 * migrated guest is reached as soon as it sends a frame (a gratuitous ARP)
 * from its new host.
 *
 * Every bridge has STP off and a forward delay of 0 (ports forward at
 * once) and no multicast snooping (ARP and neighbour discovery are
 * flooded, as on a dumb switch). br_netfilter, when the kernel has it,
 * would pass bridged frames through iptables; its switches are per
 * namespace, so each host's namespace has them off. The root namespace's
 * are the machine's own and are left alone: `up` and `status` say when
 * bridged frames pass it and it has forwarding rules (which may drop them).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/lab_int.h"
#include "common/log.h"
#include "common/proc.h"

#define BRNF_SYSCTL "/proc/sys/net/bridge/bridge-nf-call-iptables"

/* ip link add NAME type bridge, with ports forwarding at once. */
#define BRIDGE_OPTS "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0"

/* br_netfilter off in namespace netns, if the kernel has it. */
static int brnf_off(const char *netns)
{
	if (access(BRNF_SYSCTL, F_OK))
		return 0;
	return lab_step(CMD("ip", "netns", "exec", netns, "sysctl", "-q", "-w",
			    "net.bridge.bridge-nf-call-iptables=0",
			    "net.bridge.bridge-nf-call-ip6tables=0",
			    "net.bridge.bridge-nf-call-arptables=0"));
}

/* Set device dev (in namespace netns, NULL for the root namespace) up
 * with no address of its own: no IPv6 link-local address either, so that
 * it sends nothing (router solicitations, duplicate address detection)
 * into the guests' network. */
static int port_up(const char *netns, const char *dev)
{
	if (!netns)
		return lab_step(CMD("ip", "link", "set", dev, "addrgenmode", "none")) ||
		       lab_step(CMD("ip", "link", "set", dev, "up")) ? -1 : 0;
	return lab_step(CMD("ip", "-n", netns, "link", "set", dev, "addrgenmode", "none")) ||
	       lab_step(CMD("ip", "-n", netns, "link", "set", dev, "up")) ? -1 : 0;
}

static int create_host_port(unsigned i)
{
	struct lab_host h;

	lab_host_names(i, &h);
	return lab_step(CMD("ip", "-n", h.netns, "link", "add", LAB_GUEST_BRIDGE, BRIDGE_OPTS)) ||
	       brnf_off(h.netns) ||
	       lab_step(CMD("ip", "link", "add", h.gveth, "type", "veth", "peer", "name",
			    LAB_GUEST_UPLINK, "netns", h.netns)) ||
	       lab_step(CMD("ip", "link", "set", h.gveth, "master", LAB_GUEST_SWITCH)) ||
	       port_up(NULL, h.gveth) ||
	       lab_step(CMD("ip", "-n", h.netns, "link", "set", LAB_GUEST_UPLINK, "master",
			    LAB_GUEST_BRIDGE)) ||
	       port_up(h.netns, LAB_GUEST_UPLINK) || port_up(h.netns, LAB_GUEST_BRIDGE) ? -1 : 0;
}

/* See lab_int.h. */
int lab_guest_create(unsigned n)
{
	unsigned i;

	if (lab_step(CMD("ip", "link", "add", LAB_GUEST_SWITCH, BRIDGE_OPTS)) ||
	    port_up(NULL, LAB_GUEST_SWITCH))
		return -1;
	for (i = 0; i < n; i++)
		if (create_host_port(i))
			return -1;
	if (lab_step(CMD("ip", "netns", "add", LAB_CLIENT_NS)) ||
	    lab_step(CMD("ip", "link", "add", LAB_CLIENT_VETH, "type", "veth", "peer", "name",
			 LAB_CLIENT_IFACE, "netns", LAB_CLIENT_NS)) ||
	    lab_step(CMD("ip", "link", "set", LAB_CLIENT_VETH, "master", LAB_GUEST_SWITCH)) ||
	    port_up(NULL, LAB_CLIENT_VETH) ||
	    lab_step(CMD("ip", "-n", LAB_CLIENT_NS, "addr", "add", LAB_CLIENT_ADDR LAB_PREFIX_LEN,
			 "dev", LAB_CLIENT_IFACE)) ||
	    lab_step(CMD("ip", "-n", LAB_CLIENT_NS, "link", "set", LAB_CLIENT_IFACE, "up")) ||
	    lab_step(CMD("ip", "-n", LAB_CLIENT_NS, "link", "set", "lo", "up")))
		return -1;
	return 0;
}

/* Whether link dev (in the root namespace) is a port of bridge br. */
static int port_of(const char *dev, const char *br)
{
	char path[96], target[64];
	ssize_t k;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", dev);
	k = readlink(path, target, sizeof(target) - 1);
	if (k <= 0)
		return 0;
	target[k] = '\0';
	return strrchr(target, '/') && !strcmp(strrchr(target, '/') + 1, br);
}

/* See lab_int.h. */
int lab_guest_intact(unsigned n)
{
	unsigned i;

	if (!lab_link_exists(LAB_GUEST_SWITCH) || !lab_netns_exists(LAB_CLIENT_NS) ||
	    !port_of(LAB_CLIENT_VETH, LAB_GUEST_SWITCH))
		return 0;
	for (i = 0; i < n; i++) {
		struct lab_host h;

		lab_host_names(i, &h);
		if (!port_of(h.gveth, LAB_GUEST_SWITCH))
			return 0;
	}
	return 1;
}

/* Whether the root namespace has rules that forwarded packets pass: an
 * nftables chain on the forward hook, or any legacy iptables table. */
static int root_forward_rules(void)
{
	char out[16384];
	FILE *f = fopen("/proc/net/ip_tables_names", "re");
	int any = 0;

	if (f) {
		any = fgetc(f) != EOF;
		fclose(f);
	}
	if (!any && proc_run(CMD("nft", "list", "chains"), out, sizeof(out)) == 0)
		any = strstr(out, "hook forward") != NULL;
	return any;
}

/* See lab_int.h. */
int lab_guest_brnf_root(void)
{
	FILE *f = fopen(BRNF_SYSCTL, "re");
	int on = 0;

	if (f) {
		on = fgetc(f) == '1';
		fclose(f);
	}
	return on && root_forward_rules();
}

/* The ports of host i's guest bridge: -1 when it is missing, else how many
 * besides LAB_GUEST_UPLINK (the VMs' TAPs); *uplink whether that is one. */
static int host_ports(unsigned i, int *uplink)
{
	char out[8192], *line, *save = NULL;
	struct lab_host h;
	int n = 0;

	lab_host_names(i, &h);
	*uplink = 0;
	if (proc_run(CMD("ip", "-n", h.netns, "link", "show", "dev", LAB_GUEST_BRIDGE), NULL, 0) ||
	    proc_run(CMD("ip", "-n", h.netns, "-o", "link", "show", "master", LAB_GUEST_BRIDGE),
		     out, sizeof(out)))
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name = strchr(line, ':');

		if (!name)
			continue;
		name += 1 + strspn(name + 1, " ");
		if (!strncmp(name, LAB_GUEST_UPLINK, strlen(LAB_GUEST_UPLINK)) &&
		    strchr("@:", name[strlen(LAB_GUEST_UPLINK)]))
			*uplink = 1;
		else
			n++;
	}
	return n;
}

/* See lab_int.h. */
int lab_guest_status(unsigned n)
{
	char out[1024];
	int healthy, client, sw = lab_link_exists(LAB_GUEST_SWITCH);
	unsigned i;

	client = lab_netns_exists(LAB_CLIENT_NS) && port_of(LAB_CLIENT_VETH, LAB_GUEST_SWITCH) &&
		 proc_run(CMD("ip", "-n", LAB_CLIENT_NS, "-o", "addr", "show", "dev",
			      LAB_CLIENT_IFACE), out, sizeof(out)) == 0 &&
		 strstr(out, LAB_CLIENT_ADDR LAB_PREFIX_LEN);
	printf("guest network %s (no cap): switch %s in the root namespace: %s\n",
	       LAB_GUEST_SUBNET, LAB_GUEST_SWITCH, sw ? "present" : "MISSING");
	printf("  clients  %-12s %s on %s <-> %s: %s\n", LAB_CLIENT_NS,
	       LAB_CLIENT_ADDR LAB_PREFIX_LEN, LAB_CLIENT_IFACE, LAB_CLIENT_VETH,
	       client ? "present" : "MISSING");
	healthy = sw && client;
	for (i = 0; i < n; i++) {
		struct lab_host h;
		int uplink, taps = host_ports(i, &uplink), ok;

		lab_host_names(i, &h);
		ok = taps >= 0 && uplink && port_of(h.gveth, LAB_GUEST_SWITCH);
		healthy &= ok;
		if (ok)
			printf("  %-8s bridge %s, port %s <-> %s; %d other port%s (VMs' TAPs)\n",
			       h.name, LAB_GUEST_BRIDGE, LAB_GUEST_UPLINK, h.gveth, taps,
			       taps == 1 ? "" : "s");
		else
			printf("  %-8s bridge %s, port %s <-> %s: MISSING\n", h.name, LAB_GUEST_BRIDGE,
			       LAB_GUEST_UPLINK, h.gveth);
	}
	if (lab_guest_brnf_root())
		printf("  note: net.bridge.bridge-nf-call-iptables=1 in the root namespace, which has "
		       "forwarding rules: frames crossing %s pass them\n", LAB_GUEST_SWITCH);
	return healthy;
}

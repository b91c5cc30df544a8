/*
 * `dsmig lab`: several hosts on one machine, each in its own network
 * namespace, joined by a shaped link (docs/deploy.md).
 *
 *   root namespace                                   one namespace per host
 *   dsmig-br0 (bridge) 198.18.0.254/24
 *     ├── dsmig-A ══ veth ══ dsmig0 198.18.0.1/24     dsmig-hostA
 *     └── dsmig-B ══ veth ══ dsmig0 198.18.0.2/24     dsmig-hostB
 *
 * and beside it the guest network (lab_guest.c), not shaped:
 *
 *   dsmig-gbr (bridge, no address)
 *     ├── dsmig-gA ═ veth ═ dsmigg0 ── dsguest0 (bridge; VMs' TAPs)   dsmig-hostA
 *     ├── dsmig-gB ═ veth ═ dsmigg0 ── dsguest0 (bridge; VMs' TAPs)   dsmig-hostB
 *     └── dsmig-gcli ═ veth ═ dsmigc0 198.19.0.1/24    dsmig-client (wrk, webclient)
 *
 * Shaping: each host's link is capped in both directions. Its uplink is
 * the egress of dsmig0 inside its namespace: tbf at the link rate, under
 * a netem root when a delay or a loss is asked for. Its downlink is the
 * egress of its root-side veth (dsmig-A) towards the namespace: tbf at
 * the same rate. So hostA -> hostB passes hostA's uplink and hostB's
 * downlink: the rate once (both caps are equal), the delay and the loss
 * once per direction.
 *
 * A kernel without netem still gets --loss (not --delay): an nftables
 * rule in each host's namespace drops that share of the packets arriving
 * on its dsmig0 (a netdev table, its ingress hook). Still once per
 * direction, but at the receiving end: a packet dropped on the sender's
 * own way out is reported to its socket as a local drop, and TCP sends it
 * again at once without ever seeing a loss.
 *
 * State lives in LAB_DIR: the parameters (lab.conf), the hosts file that
 * `dsmig migrate`, `dsmig top` and the console read (DSMIG_HOSTS), and
 * one VMM runtime directory per host. `up` is idempotent (an intact lab
 * with other link parameters is re-shaped; an incomplete one is removed
 * and made again); `down` removes whatever it finds by name, so it also
 * cleans up after a crash.
 *
 * This file is the command and its subcommands; lab_int.h says which
 * file does the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lab_int.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/migreq.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/units.h"

static void lab_usage(FILE *f)
{
	char rate[UNITS_RATE_TEXT];

	units_format_rate(MIGREQ_DEFAULT_BANDWIDTH_BPS, rate, sizeof(rate));
	fprintf(f,
		"usage: dsmig lab up [--hosts N] [--link RATE] [--delay MS] [--loss PCT] [--ssh]\n"
		"       dsmig lab down\n"
		"       dsmig lab status\n"
		"       dsmig lab exec HOST COMMAND...\n"
		"       dsmig lab check\n"
		"       dsmig lab env [--hosts N]\n"
		"up: N hosts (2..%d, default 2) in network namespaces " LAB_NS_PREFIX "A, ...,\n"
		"    addresses " LAB_NET_PREFIX "1, ... on a bridge; each host's link capped at RATE\n"
		"    (default %s, the migrations' default cap; 500k, 100Mbit, 1G, 12Mbps: bits\n"
		"    per second) in each direction, with a one-way delay and a loss rate per\n"
		"    direction (netem; without netem in the kernel, --loss alone, by nftables).\n"
		"    Hosts file: " LAB_HOSTS " (export DSMIG_HOSTS=" LAB_HOSTS ").\n"
		"    Also the guest network " LAB_GUEST_SUBNET " (no cap): a bridge " LAB_GUEST_BRIDGE "\n"
		"    in each host's namespace (dsmig-vmm --net bridge=" LAB_GUEST_BRIDGE "), joined by\n"
		"    " LAB_GUEST_SWITCH " to the clients' namespace " LAB_CLIENT_NS " (" LAB_CLIENT_ADDR
		"); guests\n"
		"    take " LAB_GUEST_NET_PREFIX LAB_STR(LAB_GUEST_ADDR_FIRST) " and up.\n"
		"    --ssh: also an sshd in each host's namespace on its address, the operator's\n"
		"    key and known_hosts in " LAB_SSH_DIR ", and a hosts file naming the hosts by\n"
		"    ssh= only: " LAB_SSH_HOSTS " (an sshd that stopped is started again).\n"
		"down: quit the lab's VMs, remove namespaces (the clients' too), links and state.\n"
		"status: hosts, addresses, links and their shaping; exit 0 if the lab is intact.\n"
		"exec: run COMMAND (its words joined, by /bin/sh) in HOST's namespace, with\n"
		"    TMPDIR its runtime directory's tmp/; HOST is a name or an address from the\n"
		"    hosts file. This is mpirun's launch agent.\n"
		"check: exit 0 if this machine can make a lab, else say why and exit 1.\n"
		"env: the lab's names, addresses and ports, and those of N hosts (default 2),\n"
		"    as shell assignments for scripts: eval \"$(dsmig lab env)\".\n"
		"All but env need root.\n", HOSTS_MAX, rate);
}

/* ---- up ----------------------------------------------------------------------- */

static int create_host(unsigned i)
{
	char addr[32];
	struct lab_host h;

	lab_host_names(i, &h);
	snprintf(addr, sizeof(addr), "%s" LAB_PREFIX_LEN, h.addr);
	if (lab_step(CMD("ip", "netns", "add", h.netns)) ||
	    lab_step(CMD("ip", "link", "add", h.veth, "type", "veth", "peer", "name", LAB_IFACE,
		     "netns", h.netns)) ||
	    lab_step(CMD("ip", "link", "set", h.veth, "master", LAB_BRIDGE)) ||
	    lab_step(CMD("ip", "link", "set", h.veth, "up")) ||
	    lab_step(CMD("ip", "-n", h.netns, "addr", "add", addr, "dev", LAB_IFACE)) ||
	    lab_step(CMD("ip", "-n", h.netns, "link", "set", LAB_IFACE, "up")) ||
	    lab_step(CMD("ip", "-n", h.netns, "link", "set", "lo", "up")))
		return -1;
	if (mkdir(h.runtime, 0700) && errno != EEXIST) {
		log_error("cannot create %s: %s", h.runtime, strerror(errno));
		return -1;
	}
	return 0;
}

static int lab_create(struct lab_params *p)
{
	unsigned i;

	if (mkdir(LAB_DIR, 0755) && errno != EEXIST) {
		log_error("cannot create %s: %s", LAB_DIR, strerror(errno));
		return -1;
	}
	if (lab_step(CMD("ip", "link", "add", LAB_BRIDGE, "type", "bridge")) ||
	    lab_step(CMD("ip", "addr", "add", LAB_BRIDGE_ADDR, "dev", LAB_BRIDGE)) ||
	    lab_step(CMD("ip", "link", "set", LAB_BRIDGE, "up")))
		return -1;
	for (i = 0; i < p->hosts; i++)
		if (create_host(i))
			return -1;
	if (lab_guest_create(p->hosts))
		return -1;
	if (lab_shape_all(p) || lab_hosts_write(p->hosts) || lab_conf_write(p))
		return -1;
	return 0;
}

/* Everything a lab of these parameters needs exists (shaping aside). */
static int lab_intact(const struct lab_params *p)
{
	unsigned i;

	if (!lab_link_exists(LAB_BRIDGE) || access(LAB_HOSTS, R_OK) || !lab_guest_intact(p->hosts))
		return 0;
	for (i = 0; i < p->hosts; i++) {
		struct lab_host h;

		lab_host_names(i, &h);
		if (!lab_netns_exists(h.netns) || !lab_link_exists(h.veth) || access(h.runtime, F_OK))
			return 0;
	}
	return 1;
}

/* --link: a rate as every dsmig program reads it (common/units.h: "12M",
 * "12mbit" and "12Mbps" are all 12 Mbit/s), within what tbf is given. */
static int parse_link(const char *s, unsigned long long *bps, char *why, size_t len)
{
	double v;

	if (units_parse_rate(s, &v, why, len))
		return -1;
	if (v < LAB_RATE_MIN || v > LAB_RATE_MAX) {
		snprintf(why, len, "'%s' is outside 8kbit..100gbit", s);
		return -1;
	}
	*bps = (unsigned long long)v;
	return 0;
}

static int parse_up(int argc, char **argv, struct lab_params *p)
{
	static const struct option opts[] = {
		{ "hosts", required_argument, NULL, 'n' },
		{ "link", required_argument, NULL, 'l' },
		{ "delay", required_argument, NULL, 'd' },
		{ "loss", required_argument, NULL, 'p' },
		{ "ssh", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char *end, why[128];
	int c;

	*p = (struct lab_params) { .hosts = 2, .rate_bps = (unsigned long long)MIGREQ_DEFAULT_BANDWIDTH_BPS };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			p->hosts = (unsigned)strtoul(optarg, &end, 10);
			if (*end || p->hosts < 2 || p->hosts > HOSTS_MAX)
				return fprintf(stderr, "dsmig lab: --hosts must be 2..%d\n", HOSTS_MAX), -1;
			break;
		case 'l':
			if (parse_link(optarg, &p->rate_bps, why, sizeof(why)))
				return fprintf(stderr, "dsmig lab: bad --link: %s\n", why), -1;
			break;
		case 'd':
			p->delay_ms = (unsigned)strtoul(optarg, &end, 10);
			if (*end || p->delay_ms > 10000)
				return fprintf(stderr, "dsmig lab: --delay must be 0..10000 ms\n"), -1;
			break;
		case 'p':
			p->loss_pct = strtod(optarg, &end);
			if (*end || p->loss_pct < 0 || p->loss_pct > 100 ||
			    (p->loss_pct > 0 && p->loss_pct < LAB_LOSS_MIN))
				return fprintf(stderr, "dsmig lab: --loss must be 0, or %g..100 (percent)\n",
					       LAB_LOSS_MIN), -1;
			break;
		case 's':
			p->ssh = 1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int same_link(const struct lab_params *a, const struct lab_params *b)
{
	return a->rate_bps == b->rate_bps && a->delay_ms == b->delay_ms &&
	       a->loss_pct == b->loss_pct;
}

/* The lab exists: keep it, re-shape it, or refuse. */
static int lab_up_again(struct lab_params *p, struct lab_params *cur)
{
	char desc[256];
	unsigned i;

	if (cur->hosts != p->hosts) {
		log_error("the lab is up with %u hosts; `dsmig lab down` first", cur->hosts);
		return CLI_FAILED;
	}
	for (i = 0; i < p->hosts && lab_shaping_present(i, cur); i++)
		;
	if (p->ssh && lab_ssh_up(p->hosts))
		return CLI_FAILED;
	if (same_link(p, cur) && i == p->hosts) {
		lab_describe_link(desc, sizeof(desc), cur);
		printf("dsmig lab: already up: %u hosts, %s%s\n", cur->hosts, desc,
		       p->ssh ? "; sshd on each host" : "");
		return CLI_OK;
	}
	if (lab_shape_all(p)) {
		log_error("could not re-shape the link; putting the previous shaping back");
		lab_shape_all(cur);
		return CLI_FAILED;
	}
	if (lab_conf_write(p))
		return CLI_FAILED;
	lab_describe_link(desc, sizeof(desc), p);
	printf("dsmig lab: already up; link %s: %s\n", same_link(p, cur) ? "shaping restored" : "re-shaped",
	       desc);
	return CLI_OK;
}

static int lab_up(int argc, char **argv)
{
	struct lab_params p, cur;
	char desc[256], what[1024];
	uint64_t t0 = time_mono_ns();

	if (parse_up(argc, argv, &p)) {
		lab_usage(stderr);
		return CLI_USAGE;
	}
	if (lab_conf_read(&cur) == 0) {
		if (lab_intact(&cur))
			return lab_up_again(&p, &cur);
		log_warn("the lab in %s is incomplete (an earlier crash?): removing it first", LAB_DIR);
		if (lab_remove())
			return CLI_FAILED;
	} else if (lab_leftovers(what, sizeof(what)) > 0) {
		log_warn("leftovers of an earlier lab:%s; removing them first", what);
		if (lab_remove())
			return CLI_FAILED;
	}
	if (lab_create(&p) || (p.ssh && lab_ssh_up(p.hosts))) {
		log_error("lab up failed; removing what was made");
		lab_remove();
		return CLI_FAILED;
	}
	lab_describe_link(desc, sizeof(desc), &p);
	printf("dsmig lab: up in %.2f s: %u hosts (" LAB_NET_PREFIX "1-%u, bridge %s %s), link %s\n"
	       "hosts file: %s   (export DSMIG_HOSTS=%s)\n",
	       (double)(time_mono_ns() - t0) / 1e9, p.hosts, p.hosts, LAB_BRIDGE,
	       LAB_BRIDGE_ADDR, desc, LAB_HOSTS, LAB_HOSTS);
	printf("guest network %s: bridge %s on each host (dsmig-vmm --net bridge=%s), "
	       "clients in namespace %s (%s), guests from " LAB_GUEST_NET_PREFIX "%d\n",
	       LAB_GUEST_SUBNET, LAB_GUEST_BRIDGE, LAB_GUEST_BRIDGE, LAB_CLIENT_NS, LAB_CLIENT_ADDR,
	       LAB_GUEST_ADDR_FIRST);
	if (lab_guest_brnf_root())
		log_warn("net.bridge.bridge-nf-call-iptables=1 here: frames crossing %s and %s pass "
			 "the root namespace's forwarding rules (none should drop them)",
			 LAB_BRIDGE, LAB_GUEST_SWITCH);
	if (p.ssh)
		printf("sshd on each host; hosts over ssh: %s (key %s, known_hosts %s)\n",
		       LAB_SSH_HOSTS, LAB_SSH_KEY, LAB_SSH_KNOWN);
	return CLI_OK;
}

/* ---- status --------------------------------------------------------------- */

/* tc's qdisc lines and their "Sent" lines, indented. */
static void print_qdiscs(const char *label, const char *tc_out)
{
	char copy[2048], *line, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", tc_out);
	printf("    %s\n", label);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ')
			line++;
		if (!strncmp(line, "qdisc", 5) || !strncmp(line, "Sent", 4))
			printf("      %s\n", line);
	}
}

static int count_vms(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char vm[DSMIG_VM_NAME_MAX + 1];
	int n = 0;

	while (d && (e = readdir(d)))
		n += dsmig_socket_vm_name(e->d_name, vm, sizeof(vm)) == 0;
	if (d)
		closedir(d);
	return n;
}

static int lab_status(void)
{
	struct lab_params p;
	char desc[256], what[1024], out[2048];
	int healthy = 1;
	unsigned i;

	if (lab_conf_read(&p)) {
		if (lab_leftovers(what, sizeof(what)) > 0) {
			printf("dsmig lab: no lab, but leftovers:%s\n(`dsmig lab down` removes them)\n",
			       what);
			return CLI_FAILED;
		}
		printf("dsmig lab: no lab (`dsmig lab up` makes one)\n");
		return CLI_FAILED;
	}
	lab_describe_link(desc, sizeof(desc), &p);
	printf("lab: %u hosts; state %s; hosts file %s\n", p.hosts, LAB_DIR, LAB_HOSTS);
	printf("bridge %s %s in the root namespace: %s\n", LAB_BRIDGE, LAB_BRIDGE_ADDR,
	       lab_link_exists(LAB_BRIDGE) ? "present" : "MISSING");
	healthy &= lab_link_exists(LAB_BRIDGE);
	printf("link per host: %s\n", desc);
	printf("%-6s %-12s %-11s %-20s %s\n", "HOST", "NETNS", "ADDRESS", "LINK", "VMS");
	for (i = 0; i < p.hosts; i++) {
		struct lab_host h;
		int ok, shaped, sshd = lab_ssh_running(i);

		lab_host_names(i, &h);
		ok = lab_netns_exists(h.netns) && lab_link_exists(h.veth);
		shaped = ok && lab_shaping_present(i, &p);
		healthy &= shaped;
		snprintf(what, sizeof(what), "%s <-> %s", h.veth, LAB_IFACE);
		printf("%-6s %-12s %-11s %-20s %d%s%s\n", h.name, h.netns, h.addr,
		       ok ? what : "MISSING", count_vms(h.runtime),
		       ok && !shaped ? "   SHAPING MISSING" : "",
		       sshd < 0 ? "" : sshd ? "   sshd running" : "   sshd STOPPED");
		if (!ok)
			continue;
		if (lab_qdisc_show(i, 1, out, sizeof(out)) == 0)
			print_qdiscs("uplink (egress of " LAB_IFACE " in its namespace):", out);
		if (lab_qdisc_show(i, 0, out, sizeof(out)) == 0) {
			snprintf(what, sizeof(what), "downlink (egress of %s in the root namespace):",
				 h.veth);
			print_qdiscs(what, out);
		}
		if (lab_loss_nft_show(h.netns, out, sizeof(out)))
			printf("    loss (nftables, table netdev " LAB_NFT_TABLE ", ingress of "
			       LAB_IFACE " in its namespace):\n      %s\n", out);
	}
	healthy &= lab_guest_status(p.hosts);
	if (!healthy)
		printf("the lab is damaged: `dsmig lab up` repairs the shaping, "
		       "`dsmig lab down` removes it\n");
	return healthy ? CLI_OK : CLI_FAILED;
}

/* ---- exec: the launch agent ------------------------------------------------ */

static int lab_exec(int argc, char **argv)
{
	struct host_list hosts;
	const struct host *h = NULL;
	const char *path = getenv("DSMIG_HOSTS");
	char err[256], cmd[8192], tmp[sizeof(h->runtime) + 8];
	size_t k = 0;
	int a;

	if (argc < 3) {
		lab_usage(stderr);
		return CLI_USAGE;
	}
	if (hosts_load(&hosts, path && *path ? path : LAB_HOSTS, err, sizeof(err)))
		log_fatal(CLI_USAGE, "%s", err);
	h = hosts_find(&hosts, argv[1]);
	if (!h)
		h = hosts_by_addr(&hosts, argv[1]);
	if (!h || !h->netns[0])
		log_fatal(CLI_USAGE, "no host '%s' with a network namespace in %s", argv[1],
			  hosts.path);
	/* Each host its own temporary directory, as each machine has its own
	 * /tmp: the daemons of two lab hosts share a hostname, and Open MPI's
	 * session directories (TMPDIR/ompi.HOSTNAME.UID/jf.JOB) would collide:
	 * both create one with the same name, the loser's orte_init fails
	 * ("mkdir ... File exists") and mpirun waits for it forever. */
	snprintf(tmp, sizeof(tmp), "%s/tmp", h->runtime);
	if (mkdir(tmp, 0700) && errno != EEXIST)
		log_fatal(CLI_FAILED, "cannot create %s: %s", tmp, strerror(errno));
	setenv("TMPDIR", tmp, 1);
	for (a = 2; a < argc; a++) {
		if (k + strlen(argv[a]) + 2 > sizeof(cmd))
			log_fatal(CLI_USAGE, "command too long");
		k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, "%s%s", a > 2 ? " " : "", argv[a]);
	}
	execvp("ip", (char *const[]){ "ip", "netns", "exec", (char *)h->netns, "/bin/sh", "-c",
				      cmd, NULL });
	log_fatal(CLI_FAILED, "cannot run ip: %s", strerror(errno));
}

/* ---- check: can a lab be made here? ------------------------------------------ */

static int lab_check(void)
{
	char ns[32], out[512];
	int rc;

	snprintf(ns, sizeof(ns), "dsmig-check-%d", (int)getpid());
	rc = proc_run(CMD("ip", "netns", "add", ns), out, sizeof(out));
	if (rc) {
		lab_chomp(out);
		log_error("cannot create network namespaces here: %s", out);
		return CLI_FAILED;
	}
	if (lab_step(CMD("ip", "netns", "del", ns)))
		return CLI_FAILED;
	printf("dsmig lab: this machine can make a lab\n");
	return CLI_OK;
}

/* ---- env: the values, for scripts ------------------------------------------- */

static void env_put(const char *name, const char *value)
{
	printf("%s='%s'\n", name, value);
}

/* KEY='VALUE' lines, named as in common/lab_net.h, then those of hosts
 * A.. (LAB_HOSTA_NETNS, _VETH, _ADDR, _RUNTIME, ...): the one copy of
 * these values that shell scripts use. */
static int lab_env(int argc, char **argv)
{
	unsigned n = 2, i;
	char *end;

	if (argc == 3 && !strcmp(argv[1], "--hosts")) {
		n = (unsigned)strtoul(argv[2], &end, 10);
		if (*end || n < 2 || n > HOSTS_MAX)
			return fprintf(stderr, "dsmig lab: --hosts must be 2..%d\n", HOSTS_MAX), CLI_USAGE;
	} else if (argc != 1) {
		lab_usage(stderr);
		return CLI_USAGE;
	}
	printf("# dsmig lab env: src/common/lab_net.h\n");
	env_put("LAB_DIR", LAB_DIR);
	env_put("LAB_CONF", LAB_CONF);
	env_put("LAB_HOSTS", LAB_HOSTS);
	env_put("LAB_IFACE", LAB_IFACE);
	env_put("LAB_SUBNET", LAB_SUBNET);
	env_put("LAB_NET_PREFIX", LAB_NET_PREFIX);
	env_put("LAB_PREFIX_LEN", LAB_PREFIX_LEN);
	env_put("LAB_BRIDGE", LAB_BRIDGE);
	env_put("LAB_BRIDGE_ADDR", LAB_BRIDGE_ADDR);
	env_put("LAB_NS_PREFIX", LAB_NS_PREFIX);
	env_put("LAB_LINK_PREFIX", LAB_LINK_PREFIX);
	env_put("LAB_NFT_TABLE", LAB_NFT_TABLE);
	env_put("LAB_SSH_DIR", LAB_SSH_DIR);
	env_put("LAB_SSH_KEY", LAB_SSH_KEY);
	env_put("LAB_SSH_KNOWN", LAB_SSH_KNOWN);
	env_put("LAB_SSH_HOSTS", LAB_SSH_HOSTS);
	env_put("LAB_SSH_RUNTIME", LAB_SSH_RUNTIME);
	env_put("LAB_SSH_MNT", LAB_SSH_MNT);
	env_put("LAB_RANGE", LAB_RANGE);
	env_put("LAB_GUEST_SUBNET", LAB_GUEST_SUBNET);
	env_put("LAB_GUEST_NET_PREFIX", LAB_GUEST_NET_PREFIX);
	env_put("LAB_GUEST_SWITCH", LAB_GUEST_SWITCH);
	env_put("LAB_GUEST_VETH_PREFIX", LAB_GUEST_VETH_PREFIX);
	env_put("LAB_GUEST_UPLINK", LAB_GUEST_UPLINK);
	env_put("LAB_GUEST_BRIDGE", LAB_GUEST_BRIDGE);
	env_put("LAB_GUEST_ADDR_FIRST", LAB_STR(LAB_GUEST_ADDR_FIRST));
	env_put("LAB_CLIENT_NS", LAB_CLIENT_NS);
	env_put("LAB_CLIENT_VETH", LAB_CLIENT_VETH);
	env_put("LAB_CLIENT_IFACE", LAB_CLIENT_IFACE);
	env_put("LAB_CLIENT_ADDR", LAB_CLIENT_ADDR);
	env_put("MIGRATE_PORT_MIN", MIGRATE_PORT_MIN);
	env_put("MIGRATE_PORT_RANGE", MIGRATE_PORT_RANGE);
	env_put("MIGRATE_PORT_FILTER", MIGRATE_PORT_FILTER);
	for (i = 0; i < n; i++) {
		struct lab_host h;

		lab_host_names(i, &h);
		printf("LAB_HOST%c_NETNS='%s'\nLAB_HOST%c_VETH='%s'\nLAB_HOST%c_GVETH='%s'\n"
		       "LAB_HOST%c_ADDR='%s'\nLAB_HOST%c_RUNTIME='%s'\n", 'A' + i, h.netns, 'A' + i,
		       h.veth, 'A' + i, h.gveth, 'A' + i, h.addr, 'A' + i, h.runtime);
	}
	return CLI_OK;
}

/* ---- the command ---------------------------------------------------------------- */

int cmd_lab(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		lab_usage(stdout);
		return CLI_OK;
	}
	if (strcmp(sub, "up") && strcmp(sub, "down") && strcmp(sub, "status") &&
	    strcmp(sub, "exec") && strcmp(sub, "check") && strcmp(sub, "env")) {
		lab_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(sub, "env"))
		return lab_env(argc - 1, argv + 1);
	if (geteuid() != 0) {
		log_error("lab %s needs root (network namespaces, veth links, tc); without it, "
			  "two runtime directories on loopback are the hosts (docs/deploy.md)", sub);
		return CLI_FAILED;
	}
	if (!strcmp(sub, "exec"))
		return lab_exec(argc - 1, argv + 1);
	if (!strcmp(sub, "check"))
		return argc == 2 ? lab_check() : (lab_usage(stderr), CLI_USAGE);
	if (!strcmp(sub, "status"))
		return argc == 2 ? lab_status() : (lab_usage(stderr), CLI_USAGE);
	if (!strcmp(sub, "down")) {
		uint64_t t0 = time_mono_ns();

		if (argc != 2) {
			lab_usage(stderr);
			return CLI_USAGE;
		}
		if (lab_remove())
			return CLI_FAILED;
		printf("dsmig lab: down in %.2f s\n", (double)(time_mono_ns() - t0) / 1e9);
		return CLI_OK;
	}
	return lab_up(argc - 1, argv + 1);
}


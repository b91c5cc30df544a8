/*
 * `dsmig lab`: several hosts on one machine, each in its own network
 * namespace, joined by a shaped link (docs/deploy.md).
 *
 *   root namespace                                   one namespace per host
 *   dsmig-br0 (bridge) 198.18.0.254/24
 *     ├── dsmig-A ══ veth ══ dsmig0 198.18.0.1/24     dsmig-hostA
 *     └── dsmig-B ══ veth ══ dsmig0 198.18.0.2/24     dsmig-hostB
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
 * Every `ip`, `tc` and `nft` command runs through proc_run() and has its
 * result checked; a failed command is printed with its own message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ctl_client.h"
#include "common/fileio.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"

#define LAB_DIR          "/run/dsmig-lab"
#define LAB_CONF         LAB_DIR "/lab.conf"
#define LAB_HOSTS        LAB_DIR "/hosts"
#define LAB_BRIDGE       "dsmig-br0"
#define LAB_BRIDGE_ADDR  "198.18.0.254/24"
#define LAB_ADDR_FMT     "198.18.0.%u"     /* host i has i + 1 */
#define LAB_PREFIX_LEN   "/24"
#define LAB_NS_PREFIX    "dsmig-host"      /* + A, B, ... */
#define LAB_LINK_PREFIX  "dsmig-"          /* root-side names: the bridge, dsmig-A, ... */
#define LAB_RATE_DEFAULT 12000000ull       /* the paper's 12 Mbit/s */
/* tbf: the queue holds 50 ms at the rate; the bucket at least ten full
 * frames, and 4 ms at the rate for fast links (timer granularity). */
#define LAB_TBF_LATENCY  "50ms"
#define LAB_BURST_MIN    (10 * 1514)
#define LAB_BURST_MS     4
/* down: how long VMMs get to quit, and processes to die after SIGTERM. */
#define LAB_QUIT_WAIT_MS 2000
#define LAB_TERM_WAIT_MS 1000
#define LAB_MAX_PIDS     512
/* Loss without netem: table and chain in each host's namespace; the rule
 * drops a packet when a random number below LAB_LOSS_SCALE is below
 * loss_pct / 100 * LAB_LOSS_SCALE (steps of 0.0001%). */
#define LAB_NFT_TABLE    "dsmig_lab"
#define LAB_NFT_CHAIN    "loss"
#define LAB_LOSS_SCALE   1000000u
#define LAB_LOSS_MIN     0.0001

/* What makes the delay and the loss. */
enum lab_impair {
	LAB_IMPAIR_NONE,   /* neither asked for */
	LAB_IMPAIR_NETEM,  /* netem on each uplink: delay and loss */
	LAB_IMPAIR_NFT,    /* no netem in the kernel: nftables, loss only */
};

static const char *const lab_impair_names[] = {
	[LAB_IMPAIR_NONE] = "none", [LAB_IMPAIR_NETEM] = "netem", [LAB_IMPAIR_NFT] = "nftables",
};

struct lab_params {
	unsigned hosts;
	unsigned long long rate_bps;
	unsigned delay_ms;
	double loss_pct;
	enum lab_impair impair;  /* decided by shape_all(), kept in lab.conf */
};

/* Names of lab host i (0-based). */
struct lab_host {
	char name[16], netns[32], veth[16], addr[16], runtime[64];
};

static void lab_host_names(unsigned i, struct lab_host *h)
{
	snprintf(h->name, sizeof(h->name), "host%c", 'A' + i);
	snprintf(h->netns, sizeof(h->netns), LAB_NS_PREFIX "%c", 'A' + i);
	snprintf(h->veth, sizeof(h->veth), LAB_LINK_PREFIX "%c", 'A' + i);
	snprintf(h->addr, sizeof(h->addr), LAB_ADDR_FMT, i + 1);
	snprintf(h->runtime, sizeof(h->runtime), LAB_DIR "/%s", h->name);
}

static void lab_usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig lab up [--hosts N] [--link RATE] [--delay MS] [--loss PCT]\n"
		"       dsmig lab down\n"
		"       dsmig lab status\n"
		"       dsmig lab exec HOST COMMAND...\n"
		"       dsmig lab check\n"
		"up: N hosts (2..%d, default 2) in network namespaces dsmig-hostA, ...,\n"
		"    addresses 198.18.0.1, ... on a bridge; each host's link capped at RATE\n"
		"    (default 12mbit; 500kbit, 100mbit, 1gbit, or bits per second) in each\n"
		"    direction, with a one-way delay and a loss rate per direction (netem;\n"
		"    without netem in the kernel, --loss alone, by nftables).\n"
		"    Hosts file: " LAB_HOSTS " (export DSMIG_HOSTS=" LAB_HOSTS ").\n"
		"down: quit the lab's VMs, remove namespaces, links and state.\n"
		"status: hosts, addresses, links and their shaping; exit 0 if the lab is intact.\n"
		"exec: run COMMAND (its words joined, by /bin/sh) in HOST's namespace, with\n"
		"    TMPDIR its runtime directory's tmp/; HOST is a name or an address from the\n"
		"    hosts file. This is mpirun's launch agent.\n"
		"check: exit 0 if this machine can make a lab, else say why and exit 1.\n"
		"Needs root.\n", HOSTS_MAX);
}

/* ---- running ip, tc and nft ------------------------------------------------ */

#define CMD(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void cmd_line(const char *const argv[], char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Run a command that must succeed; on failure say which and why. */
static int step(const char *const argv[])
{
	char out[1024], line[512];
	int rc = proc_run(argv, out, sizeof(out));

	if (rc == 0)
		return 0;
	cmd_line(argv, line, sizeof(line));
	chomp(out);
	if (rc < 0)
		log_error("cannot run `%s`: %s", line, strerror(-rc));
	else
		log_error("`%s` failed (status %d): %s", line, rc, out);
	return -1;
}

/* Run a command whose failure is expected sometimes (deleting what may
 * not exist). Returns its status. */
static int try_cmd(const char *const argv[])
{
	return proc_run(argv, NULL, 0);
}

/* ---- what exists ----------------------------------------------------- */

/* Names in the root namespace that start with prefix: `ip netns list`
 * (netns) or `ip -o link show` (links). Each name is written into
 * names[k] (up to cap). Returns the count, or -1 if ip failed. */
static int list_names(int netns, const char *prefix, char names[][32], int cap)
{
	char out[16384], *line, *save = NULL;
	int n = 0, rc;

	rc = netns ? proc_run(CMD("ip", "netns", "list"), out, sizeof(out))
		   : proc_run(CMD("ip", "-o", "link", "show"), out, sizeof(out));
	if (rc)
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name = line;
		size_t len;

		if (!netns) {
			/* "7: dsmig-A@if2: <BROADCAST,..." */
			name = strchr(line, ':');
			if (!name)
				continue;
			name += 2;
		}
		len = strcspn(name, netns ? " " : "@:");
		if (strncmp(name, prefix, strlen(prefix)) || len >= 32 || n == cap)
			continue;
		memcpy(names[n], name, len);
		names[n++][len] = '\0';
	}
	return n;
}

static int netns_exists(const char *ns)
{
	char path[64];

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	return access(path, F_OK) == 0;
}

static int link_exists(const char *dev)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s", dev);
	return access(path, F_OK) == 0;
}

/* ---- the parameters ------------------------------------------------- */

/* "12mbit", "12M", "500kbit", "1gbit", "12000000" (bit/s; tc's units, and
 * dsmig migrate's K/M/G). Byte units ("mbps" in tc) are refused. */
static int parse_rate(const char *s, unsigned long long *bps)
{
	static const struct { const char *suffix; double mult; } units[] = {
		{ "", 1 }, { "bit", 1 }, { "k", 1e3 }, { "kbit", 1e3 }, { "m", 1e6 },
		{ "mbit", 1e6 }, { "g", 1e9 }, { "gbit", 1e9 },
	};
	char *end;
	double v = strtod(s, &end);
	unsigned i;

	if (end == s || v <= 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		v *= units[i].mult;
		if (v < 8000 || v > 100e9)
			return -1;
		*bps = (unsigned long long)v;
		return 0;
	}
	return -1;
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

static unsigned long long lab_burst(const struct lab_params *p)
{
	unsigned long long b = p->rate_bps / 8 * LAB_BURST_MS / 1000;

	return b > LAB_BURST_MIN ? b : LAB_BURST_MIN;
}

static void describe_link(char *buf, size_t len, const struct lab_params *p)
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
static int conf_read(struct lab_params *p)
{
	char impair[16] = "";
	void *text;
	size_t len;
	unsigned i;
	int n;

	if (file_read_all(LAB_CONF, 4096, &text, &len))
		return -1;
	n = sscanf(text, "hosts=%u rate_bps=%llu delay_ms=%u loss_pct=%lf impair=%15s",
		   &p->hosts, &p->rate_bps, &p->delay_ms, &p->loss_pct, impair);
	free(text);
	if (n < 4 || p->hosts < 2 || p->hosts > HOSTS_MAX)
		return -1;
	p->impair = p->delay_ms || p->loss_pct > 0 ? LAB_IMPAIR_NETEM : LAB_IMPAIR_NONE;
	if (n == 4)
		return 0;
	for (i = 0; i < sizeof(lab_impair_names) / sizeof(lab_impair_names[0]); i++)
		if (!strcmp(impair, lab_impair_names[i])) {
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

static int conf_write(const struct lab_params *p)
{
	char text[128];

	snprintf(text, sizeof(text), "hosts=%u rate_bps=%llu delay_ms=%u loss_pct=%g impair=%s\n",
		 p->hosts, p->rate_bps, p->delay_ms, p->loss_pct, lab_impair_names[p->impair]);
	return write_text(LAB_CONF, text);
}

static int hosts_write(unsigned n)
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

/* ---- loss without netem: nftables ------------------------------------------- */

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
static int loss_nft_show(const char *netns, char *rule, size_t len)
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
 * namespace: drop p's share of the packets arriving on its dsmig0. */
static int loss_nft_add(const struct lab_host *h, const struct lab_params *p)
{
	char rule[128], script[512];

	loss_nft_rule(rule, sizeof(rule), p);
	snprintf(script, sizeof(script),
		 "add table netdev " LAB_NFT_TABLE "; delete table netdev " LAB_NFT_TABLE "; "
		 "table netdev " LAB_NFT_TABLE " { chain " LAB_NFT_CHAIN " { type filter hook "
		 "ingress device \"" LAB_IFACE "\" priority 0; policy accept; %s drop; }; }",
		 rule);
	return step(CMD("ip", "netns", "exec", h->netns, "nft", script));
}

/* Remove the lab's table from namespace netns, if it is there. */
static int loss_nft_del(const char *netns)
{
	char rule[256];

	if (!loss_nft_show(netns, rule, sizeof(rule)))
		return 0;
	return step(CMD("ip", "netns", "exec", netns, "nft", "delete", "table", "netdev",
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
	try_cmd(CMD("tc", "-n", h.netns, "qdisc", "del", "dev", LAB_IFACE, "root"));
	try_cmd(CMD("tc", "qdisc", "del", "dev", h.veth, "root"));
	if (p->impair == LAB_IMPAIR_NETEM) {
		rc = proc_run(CMD("tc", "-n", h.netns, "qdisc", "add", "dev", LAB_IFACE, "root",
				  "handle", "1:", "netem", "delay", delay, "loss", loss),
			      out, sizeof(out));
		if (rc) {
			chomp(out);
			if (strstr(out, "unknown"))
				return LAB_NO_NETEM;
			log_error("tc: netem on %s in %s: %s", LAB_IFACE, h.netns, out);
			return -1;
		}
		if (step(CMD("tc", "-n", h.netns, "qdisc", "add", "dev", LAB_IFACE, "parent", "1:1",
			     "handle", "10:", "tbf", "rate", rate, "burst", burst, "latency",
			     LAB_TBF_LATENCY)))
			return -1;
	} else if (step(CMD("tc", "-n", h.netns, "qdisc", "add", "dev", LAB_IFACE, "root",
			    "handle", "1:", "tbf", "rate", rate, "burst", burst, "latency",
			    LAB_TBF_LATENCY))) {
		return -1;
	}
	if (step(CMD("tc", "qdisc", "add", "dev", h.veth, "root", "handle", "1:", "tbf",
		     "rate", rate, "burst", burst, "latency", LAB_TBF_LATENCY)))
		return -1;
	return p->impair == LAB_IMPAIR_NFT ? loss_nft_add(&h, p) : loss_nft_del(h.netns);
}

/* Shape every host, deciding p->impair: netem when a delay or a loss is
 * asked for and the kernel has it; else nftables for a loss alone. */
static int shape_all(struct lab_params *p)
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
static int qdisc_show(unsigned i, int uplink, char *out, size_t len)
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
static int shaping_present(unsigned i, const struct lab_params *p)
{
	char up[2048], down[2048], rule[256], want[128];
	struct lab_host h;
	int netem = p->impair == LAB_IMPAIR_NETEM, nft;

	lab_host_names(i, &h);
	if (qdisc_show(i, 1, up, sizeof(up)) || qdisc_show(i, 0, down, sizeof(down)))
		return 0;
	nft = loss_nft_show(h.netns, rule, sizeof(rule));
	loss_nft_rule(want, sizeof(want), p);
	return strstr(up, "qdisc tbf") && !strstr(up, "qdisc netem") == !netem &&
	       strstr(down, "qdisc tbf") &&
	       (p->impair == LAB_IMPAIR_NFT ? nft && !strncmp(rule, want, strlen(want)) : !nft);
}

/* ---- down ----------------------------------------------------------------- */

/* Ask every VMM whose socket is in a lab runtime directory to quit. */
static void quit_vmms(void)
{
	DIR *top = opendir(LAB_DIR), *d;
	struct dirent *e, *s;
	char path[PATH_MAX];

	if (!top)
		return;
	while ((e = readdir(top))) {
		if (strncmp(e->d_name, "host", 4))
			continue;
		snprintf(path, sizeof(path), LAB_DIR "/%s", e->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((s = readdir(d))) {
			char vm[DSMIG_VM_NAME_MAX + 1];
			struct ctl_client *c;
			json_t *r = NULL;

			if (dsmig_socket_vm_name(s->d_name, vm, sizeof(vm)))
				continue;
			snprintf(path, sizeof(path), LAB_DIR "/%s/%s", e->d_name, s->d_name);
			if (ctl_client_connect(&c, path, 1000))
				continue;
			if (ctl_client_execute(c, "quit", NULL, &r, NULL, 2000) == 0)
				log_info("quit VM %s on %s", vm, e->d_name);
			json_decref(r);
			ctl_client_close(c);
		}
		closedir(d);
	}
	closedir(top);
}

/* A small /proc file's contents (environ, comm) into buf; its length. */
static size_t proc_file(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* The processes the lab owns: everything inside its namespaces, and any
 * dsmig-vmm whose runtime directory is in LAB_DIR (wherever it runs). */
static int lab_pids(pid_t *pids, int cap)
{
	static const char lab_env[] = "DSMIG_RUNTIME_DIR=" LAB_DIR "/";
	char names[HOSTS_MAX][32], out[8192], *line, *save, env[65536];
	int n = 0, k, i;
	DIR *d;
	struct dirent *e;

	k = list_names(1, LAB_NS_PREFIX, names, HOSTS_MAX);
	for (i = 0; i < k; i++) {
		if (proc_run(CMD("ip", "netns", "pids", names[i]), out, sizeof(out)))
			continue;
		for (line = strtok_r(out, "\n", &save); line && n < cap;
		     line = strtok_r(NULL, "\n", &save))
			pids[n++] = (pid_t)atoi(line);
	}
	d = opendir("/proc");
	while (d && (e = readdir(d)) && n < cap) {
		pid_t pid = (pid_t)atoi(e->d_name);
		size_t len, off;

		if (pid <= 0 || !proc_file(pid, "comm", out, sizeof(out)) ||
		    strcmp(out, "dsmig-vmm\n"))
			continue;
		len = proc_file(pid, "environ", env, sizeof(env));
		for (off = 0; off < len; off += strlen(env + off) + 1)
			if (!strncmp(env + off, lab_env, sizeof(lab_env) - 1)) {
				pids[n++] = pid;
				break;
			}
	}
	if (d)
		closedir(d);
	/* Never ourselves (`dsmig lab exec hostA dsmig lab down`). */
	for (i = 0; i < n; i++)
		if (pids[i] == getpid() || pids[i] == getppid())
			pids[i--] = pids[--n];
	return n;
}

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec) { ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/* Wait until none of pids lives, up to ms. Returns how many still do. */
static int wait_gone(const pid_t *pids, int n, long ms)
{
	int i, alive = n;

	for (; ms >= 0; ms -= 50) {
		for (i = 0, alive = 0; i < n; i++)
			alive += kill(pids[i], 0) == 0;
		if (!alive)
			break;
		nap_ms(50);
	}
	return alive;
}

static void stop_processes(void)
{
	pid_t pids[LAB_MAX_PIDS];
	int n = lab_pids(pids, LAB_MAX_PIDS), i;

	if (!n || !wait_gone(pids, n, LAB_QUIT_WAIT_MS))
		return;
	for (i = 0; i < n; i++)
		if (kill(pids[i], SIGTERM) == 0)
			log_info("stopping process %d", (int)pids[i]);
	if (!wait_gone(pids, n, LAB_TERM_WAIT_MS))
		return;
	for (i = 0; i < n; i++)
		if (kill(pids[i], SIGKILL) == 0)
			log_warn("killed process %d", (int)pids[i]);
	wait_gone(pids, n, LAB_TERM_WAIT_MS);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT) {
		log_error("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Leftovers in the root namespace: lab namespaces and links. */
static int leftovers(char *what, size_t len)
{
	char ns[HOSTS_MAX * 2][32], links[HOSTS_MAX * 2 + 1][32];
	int nn = list_names(1, LAB_NS_PREFIX, ns, HOSTS_MAX * 2);
	int nl = list_names(0, LAB_LINK_PREFIX, links, HOSTS_MAX * 2 + 1);
	size_t k = 0;
	int i;

	what[0] = '\0';
	for (i = 0; i < nn; i++)
		k += (size_t)snprintf(what + k, k < len ? len - k : 0, " namespace %s", ns[i]);
	for (i = 0; i < nl; i++)
		k += (size_t)snprintf(what + k, k < len ? len - k : 0, " link %s", links[i]);
	if (access(LAB_DIR, F_OK) == 0)
		snprintf(what + k, k < len ? len - k : 0, " directory %s", LAB_DIR);
	return nn < 0 || nl < 0 ? -1 : nn + nl + (access(LAB_DIR, F_OK) == 0);
}

/* Remove every trace of the lab. Returns 0 when nothing is left. */
static int lab_remove(void)
{
	char names[HOSTS_MAX * 2 + 1][32], what[1024];
	int n, i, left;

	quit_vmms();
	stop_processes();
	/* The loss rules would go with their namespaces; removed first all the
	 * same, so that none outlives a namespace something still holds. */
	n = list_names(1, LAB_NS_PREFIX, names, HOSTS_MAX * 2);
	for (i = 0; i < n; i++)
		loss_nft_del(names[i]);
	/* Root-side veths first: deleting one removes its peer at once, while
	 * a deleted namespace takes its devices down asynchronously. The
	 * qdiscs go with their devices. */
	n = list_names(0, LAB_LINK_PREFIX, names, HOSTS_MAX * 2 + 1);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], LAB_BRIDGE))
			step(CMD("ip", "link", "del", names[i]));
	if (link_exists(LAB_BRIDGE))
		step(CMD("ip", "link", "del", LAB_BRIDGE));
	n = list_names(1, LAB_NS_PREFIX, names, HOSTS_MAX * 2);
	for (i = 0; i < n; i++)
		step(CMD("ip", "netns", "del", names[i]));
	if (access(LAB_DIR, F_OK) == 0)
		nftw(LAB_DIR, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	left = leftovers(what, sizeof(what));
	if (left)
		log_error("still there after lab down:%s", left < 0 ? " (cannot list)" : what);
	return left ? -1 : 0;
}

/* ---- up ----------------------------------------------------------------------- */

static int create_host(unsigned i)
{
	char addr[32];
	struct lab_host h;

	lab_host_names(i, &h);
	snprintf(addr, sizeof(addr), "%s" LAB_PREFIX_LEN, h.addr);
	if (step(CMD("ip", "netns", "add", h.netns)) ||
	    step(CMD("ip", "link", "add", h.veth, "type", "veth", "peer", "name", LAB_IFACE,
		     "netns", h.netns)) ||
	    step(CMD("ip", "link", "set", h.veth, "master", LAB_BRIDGE)) ||
	    step(CMD("ip", "link", "set", h.veth, "up")) ||
	    step(CMD("ip", "-n", h.netns, "addr", "add", addr, "dev", LAB_IFACE)) ||
	    step(CMD("ip", "-n", h.netns, "link", "set", LAB_IFACE, "up")) ||
	    step(CMD("ip", "-n", h.netns, "link", "set", "lo", "up")))
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
	if (step(CMD("ip", "link", "add", LAB_BRIDGE, "type", "bridge")) ||
	    step(CMD("ip", "addr", "add", LAB_BRIDGE_ADDR, "dev", LAB_BRIDGE)) ||
	    step(CMD("ip", "link", "set", LAB_BRIDGE, "up")))
		return -1;
	for (i = 0; i < p->hosts; i++)
		if (create_host(i))
			return -1;
	if (shape_all(p) || hosts_write(p->hosts) || conf_write(p))
		return -1;
	return 0;
}

/* Everything a lab of these parameters needs exists (shaping aside). */
static int lab_intact(const struct lab_params *p)
{
	unsigned i;

	if (!link_exists(LAB_BRIDGE) || access(LAB_HOSTS, R_OK))
		return 0;
	for (i = 0; i < p->hosts; i++) {
		struct lab_host h;

		lab_host_names(i, &h);
		if (!netns_exists(h.netns) || !link_exists(h.veth) || access(h.runtime, F_OK))
			return 0;
	}
	return 1;
}

static int parse_up(int argc, char **argv, struct lab_params *p)
{
	static const struct option opts[] = {
		{ "hosts", required_argument, NULL, 'n' },
		{ "link", required_argument, NULL, 'l' },
		{ "delay", required_argument, NULL, 'd' },
		{ "loss", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*p = (struct lab_params) { .hosts = 2, .rate_bps = LAB_RATE_DEFAULT };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			p->hosts = (unsigned)strtoul(optarg, &end, 10);
			if (*end || p->hosts < 2 || p->hosts > HOSTS_MAX)
				return fprintf(stderr, "dsmig lab: --hosts must be 2..%d\n", HOSTS_MAX), -1;
			break;
		case 'l':
			if (parse_rate(optarg, &p->rate_bps))
				return fprintf(stderr, "dsmig lab: bad --link '%s' (e.g. 12mbit, 500kbit, 1gbit)\n",
					       optarg), -1;
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
	for (i = 0; i < p->hosts && shaping_present(i, cur); i++)
		;
	if (same_link(p, cur) && i == p->hosts) {
		describe_link(desc, sizeof(desc), cur);
		printf("dsmig lab: already up: %u hosts, %s\n", cur->hosts, desc);
		return CLI_OK;
	}
	if (shape_all(p)) {
		log_error("could not re-shape the link; putting the previous shaping back");
		shape_all(cur);
		return CLI_FAILED;
	}
	if (conf_write(p))
		return CLI_FAILED;
	describe_link(desc, sizeof(desc), p);
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
	if (conf_read(&cur) == 0) {
		if (lab_intact(&cur))
			return lab_up_again(&p, &cur);
		log_warn("the lab in %s is incomplete (an earlier crash?): removing it first", LAB_DIR);
		if (lab_remove())
			return CLI_FAILED;
	} else if (leftovers(what, sizeof(what)) > 0) {
		log_warn("leftovers of an earlier lab:%s; removing them first", what);
		if (lab_remove())
			return CLI_FAILED;
	}
	if (lab_create(&p)) {
		log_error("lab up failed; removing what was made");
		lab_remove();
		return CLI_FAILED;
	}
	describe_link(desc, sizeof(desc), &p);
	printf("dsmig lab: up in %.2f s: %u hosts (198.18.0.1-%u, bridge %s %s), link %s\n"
	       "hosts file: %s   (export DSMIG_HOSTS=%s)\n",
	       (double)(time_mono_ns() - t0) / 1e9, p.hosts, p.hosts, LAB_BRIDGE,
	       LAB_BRIDGE_ADDR, desc, LAB_HOSTS, LAB_HOSTS);
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

	if (conf_read(&p)) {
		if (leftovers(what, sizeof(what)) > 0) {
			printf("dsmig lab: no lab, but leftovers:%s\n(`dsmig lab down` removes them)\n",
			       what);
			return CLI_FAILED;
		}
		printf("dsmig lab: no lab (`dsmig lab up` makes one)\n");
		return CLI_FAILED;
	}
	describe_link(desc, sizeof(desc), &p);
	printf("lab: %u hosts; state %s; hosts file %s\n", p.hosts, LAB_DIR, LAB_HOSTS);
	printf("bridge %s %s in the root namespace: %s\n", LAB_BRIDGE, LAB_BRIDGE_ADDR,
	       link_exists(LAB_BRIDGE) ? "present" : "MISSING");
	healthy &= link_exists(LAB_BRIDGE);
	printf("link per host: %s\n", desc);
	printf("%-6s %-12s %-11s %-20s %s\n", "HOST", "NETNS", "ADDRESS", "LINK", "VMS");
	for (i = 0; i < p.hosts; i++) {
		struct lab_host h;
		int ok, shaped;

		lab_host_names(i, &h);
		ok = netns_exists(h.netns) && link_exists(h.veth);
		shaped = ok && shaping_present(i, &p);
		healthy &= shaped;
		snprintf(what, sizeof(what), "%s <-> %s", h.veth, LAB_IFACE);
		printf("%-6s %-12s %-11s %-20s %d%s\n", h.name, h.netns, h.addr,
		       ok ? what : "MISSING", count_vms(h.runtime),
		       ok && !shaped ? "   SHAPING MISSING" : "");
		if (!ok)
			continue;
		if (qdisc_show(i, 1, out, sizeof(out)) == 0)
			print_qdiscs("uplink (egress of " LAB_IFACE " in its namespace):", out);
		if (qdisc_show(i, 0, out, sizeof(out)) == 0) {
			snprintf(what, sizeof(what), "downlink (egress of %s in the root namespace):",
				 h.veth);
			print_qdiscs(what, out);
		}
		if (loss_nft_show(h.netns, out, sizeof(out)))
			printf("    loss (nftables, table netdev " LAB_NFT_TABLE ", ingress of "
			       LAB_IFACE " in its namespace):\n      %s\n", out);
	}
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
		chomp(out);
		log_error("cannot create network namespaces here: %s", out);
		return CLI_FAILED;
	}
	if (step(CMD("ip", "netns", "del", ns)))
		return CLI_FAILED;
	printf("dsmig lab: this machine can make a lab\n");
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
	    strcmp(sub, "exec") && strcmp(sub, "check")) {
		lab_usage(stderr);
		return CLI_USAGE;
	}
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

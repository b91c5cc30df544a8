/*
 * `dsmig wire`: the network probe (probes/net.h) run on a migration's
 * source host and streamed back over ssh, so that the console's
 * throughput chart of a migration between ssh hosts counts the same bytes
 * as in the lab (probes/net_ssh.c starts it; docs/probes.md).
 *
 *   dsmig wire [--net IFACE|CIDR|any] [--ports FIRST-LAST] [--interval-ms N]
 *
 * --net names the interface to capture on, or the IPv4 network whose
 * address this machine holds (the hosts file's iface=, or the /24 of the
 * ssh address: the network the migration takes), or "any". --ports
 * (default the engine's range) becomes the filter "tcp portrange ...".
 *
 * Output, JSON lines on stdout (docs/probes.md):
 *   {"wire":1,"iface":"veth0","method":"pcap","note":"..."}   once
 *   {"t_ns":N,"bytes":N}    every interval (CLOCK_MONOTONIC, bytes since open)
 *   {"error":"..."}         instead, on failure (exit 1)
 * It ends, exit 0, when its stdin closes (ssh ends the session when the
 * console closes the probe) or stdout does. Bad arguments: exit 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/hosts.h"
#include "common/log.h"
#include "probes/net.h"

#define WIRE_INTERVAL_MS_DEFAULT 100
#define WIRE_INTERVAL_MS_MIN     10
#define WIRE_INTERVAL_MS_MAX     10000

/* One JSON line on stdout; -1 when stdout is gone. */
static int put(json_t *rec)
{
	int rc = rec && json_dumpf(rec, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF &&
		 fflush(stdout) == 0 ? 0 : -1;

	json_decref(rec);
	return rc;
}

/* The reason on stdout as the protocol's error line, and on stderr. */
static int fail(const char *msg)
{
	put(json_pack("{s:s}", "error", msg));
	log_error("%s", msg);
	return CLI_FAILED;
}

/* The interface holding an IPv4 address in network cidr ("A.B.C.D/N"),
 * into name. 0, or -1 when none does or cidr is malformed. */
static int iface_of_net(const char *cidr, char *name, size_t len)
{
	char addr[INET_ADDRSTRLEN];
	struct ifaddrs *all, *i;
	struct in_addr net;
	unsigned bits;
	uint32_t mask;
	int found = -1;

	if (sscanf(cidr, "%15[0-9.]/%u", addr, &bits) != 2 || bits > 32 ||
	    inet_pton(AF_INET, addr, &net) != 1 || getifaddrs(&all))
		return -1;
	mask = bits ? htonl(~0u << (32 - bits)) : 0;
	for (i = all; i && found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ^ net.s_addr) & mask) == 0) {
			snprintf(name, len, "%s", i->ifa_name);
			found = 0;
		}
	freeifaddrs(all);
	return found;
}

/* Is there something to read on stdin, or has it closed? 1 closed. */
static int stdin_closed(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[256];

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return 1;
	return read(STDIN_FILENO, buf, sizeof(buf)) <= 0;
}

int cmd_wire(int argc, char **argv)
{
	const char *net = "any";
	char iface[IFNAMSIZ], filter[64], note[300];
	unsigned first = MIGRATE_PORT_FIRST, last = MIGRATE_PORT_LAST, interval = WIRE_INTERVAL_MS_DEFAULT;
	struct net_probe *p;
	uint64_t bytes;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char end;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: dsmig wire [--net IFACE|CIDR|any] [--ports FIRST-LAST] "
			       "[--interval-ms N]\n");
			return CLI_OK;
		}
		if (!v) {
			log_error("wire: %s needs a value (dsmig wire --help)", a);
			return CLI_USAGE;
		}
		if (!strcmp(a, "--net")) {
			net = v;
		} else if (!strcmp(a, "--ports")) {
			if (sscanf(v, "%u-%u%c", &first, &last, &end) != 2 || first == 0 ||
			    first > last || last > 65535) {
				log_error("wire: --ports %s: want FIRST-LAST, 1..65535", v);
				return CLI_USAGE;
			}
		} else if (!strcmp(a, "--interval-ms")) {
			if (sscanf(v, "%u%c", &interval, &end) != 1 || interval < WIRE_INTERVAL_MS_MIN ||
			    interval > WIRE_INTERVAL_MS_MAX) {
				log_error("wire: --interval-ms %s: want %d..%d", v, WIRE_INTERVAL_MS_MIN,
					  WIRE_INTERVAL_MS_MAX);
				return CLI_USAGE;
			}
		} else {
			log_error("wire: unknown option %s (dsmig wire --help)", a);
			return CLI_USAGE;
		}
		i++;
	}
	if (strcmp(net, "any") && !hosts_iface_ok(net)) {
		log_error("wire: --net: not an interface name, an IPv4 CIDR or any");
		return CLI_USAGE;
	}
	if (strchr(net, '/')) {
		if (iface_of_net(net, iface, sizeof(iface))) {
			snprintf(note, sizeof(note), "no interface of this host is on network %s", net);
			return fail(note);
		}
	} else {
		snprintf(iface, sizeof(iface), "%s", net);
	}
	snprintf(filter, sizeof(filter), "tcp portrange %u-%u", first, last);
	signal(SIGPIPE, SIG_IGN);
	rc = net_probe_open(&p, iface, filter, note, sizeof(note));
	if (rc)
		return fail(note);
	if (put(json_pack("{s:i, s:s, s:s, s:s, s:s}", "wire", 1, "iface", iface, "method",
			  net_probe_method(p), "filter", filter, "note", note))) {
		net_probe_close(p);
		return CLI_OK;
	}
	for (;;) {
		struct timespec nap = { interval / 1000, (long)(interval % 1000) * 1000000L };

		nanosleep(&nap, NULL);
		if (stdin_closed())
			break;
		if (net_probe_poll(p, &bytes)) {
			net_probe_close(p);
			snprintf(note, sizeof(note), "capture on %s failed", iface);
			return fail(note);
		}
		if (put(json_pack("{s:I, s:I}", "t_ns", (json_int_t)time_mono_ns(),
				  "bytes", (json_int_t)bytes)))
			break;
	}
	net_probe_close(p);
	return CLI_OK;
}

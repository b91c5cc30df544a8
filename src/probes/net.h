/*
 * The network-throughput probe: bytes on one interface, counted at the
 * link layer.
 *
 * It captures with libpcap (96-byte snapshots, a BPF filter such as the
 * engine's "tcp portrange 47000-47099", non-blocking, counting each
 * packet's on-wire length), and when capture is not permitted (no root or
 * CAP_NET_RAW) falls back to the interface's byte counters in
 * /proc/net/dev, which count all traffic on the interface. On "lo" the
 * fallback counts transmitted bytes only: every loopback packet is both
 * sent and received there, so rx + tx would count it twice. A note for
 * the operator says which method is in use and why (docs/probes.md).
 *
 * Call order: net_probe_open, then net_probe_poll as often as wanted (it
 * never blocks: fit for a 10 Hz UI loop), then net_probe_close.
 */
#ifndef DSMIG_PROBES_NET_H
#define DSMIG_PROBES_NET_H

#include <stddef.h>
#include <stdint.h>

#include "common/hosts.h"

struct net_probe;

/* Open a probe on iface. bpf_filter (pcap-filter(7) syntax; NULL or ""
 * for all traffic) applies to capture only. Writes a one-line human note
 * into note (notelen bytes, may be 0): the method and, for the fallback,
 * why capture was not possible. Returns 0 and *p; -EINVAL when the filter
 * does not compile; -ENODEV when the interface is neither capturable nor
 * in /proc/net/dev; -ENOMEM. On failure the note says why. */
int net_probe_open(struct net_probe **p, const char *iface,
		   const char *bpf_filter, char *note, size_t notelen);

/* The same, on iface inside the named network namespace (as `ip netns`
 * names it: /var/run/netns/NAME): the calling thread enters it for
 * pcap_activate and returns to its own namespace at once; the capture
 * socket stays bound to the interface in there. Capture only: a process
 * that may not enter the namespace (setns needs CAP_SYS_ADMIN) gets
 * -EPERM, one that cannot capture -EIO, with the reason in note. netns
 * NULL is net_probe_open. */
int net_probe_open_netns(struct net_probe **p, const char *netns, const char *iface,
			 const char *bpf_filter, char *note, size_t notelen);

/* The probe on ssh host h instead: `dsmig wire --net NET` run there
 * (dsmig: this program's path, the same on every host) through the ssh
 * master at ctl, its counts streamed back (net_ssh.c). NET: the host's
 * iface= or the network of its ssh address (hosts_mpi_net()). Does not
 * wait for it: polls give -EAGAIN until its first count arrives. Returns
 * 0, or -errno with the reason in note. */
int net_probe_open_ssh(struct net_probe **p, const struct host *h, const char *ctl,
		       const char *dsmig, const char *net, char *note, size_t notelen);

/* Count what arrived since the last call, without blocking, and return in
 * *bytes_total the bytes seen since net_probe_open. Returns 0, or -EIO
 * (capture failed, or /proc/net/dev unreadable or without the interface;
 * over ssh: it ended, net_probe_why() says why; *bytes_total is then the
 * last good count), or over ssh -EAGAIN (no count yet). */
int net_probe_poll(struct net_probe *p, uint64_t *bytes_total);

/* When the count of the last good poll was taken, on this machine's
 * monotonic clock (over ssh: on the host, mapped to this clock). */
uint64_t net_probe_sample_ns(const struct net_probe *p);

/* Why a probe over ssh failed ("" otherwise). */
const char *net_probe_why(const struct net_probe *p);

/* "pcap" or "procfs" (the session log's net.method); over ssh what the
 * host's probe reports, "" before its first line. */
const char *net_probe_method(const struct net_probe *p);

/* Close and free; NULL is fine. */
void net_probe_close(struct net_probe *p);

/* Parse /proc/net/dev text: the received and transmitted byte counters of
 * iface. Returns 0, -ENOENT if iface is not listed, -EINVAL if its line
 * is malformed. Exposed for tests. */
int netdev_parse(const char *text, const char *iface, uint64_t *rx,
		 uint64_t *tx);

#endif /* DSMIG_PROBES_NET_H */

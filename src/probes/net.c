/*
 * The network-throughput probe (see net.h): libpcap capture counting
 * on-wire lengths, else /proc/net/dev counters.
 *
 * Capture is set up to stay out of the caller's way: 96-byte snapshots
 * (only lengths are wanted), immediate mode (packets reach us as they
 * arrive instead of in blocks that fill up or time out), no promiscuous
 * mode, a 4 MiB ring, and non-blocking reads, so that a poll only drains
 * what is already in the ring. libpcap already drops the second copy of
 * each loopback packet (it sees lo's packets both going out and coming
 * in), so capture counts every packet once on lo too; the procfs fallback
 * does the same by counting only lo's transmit side.
 *
 * In a lab host's namespace, the thread enters the namespace with setns()
 * around pcap_create/pcap_activate only: a socket belongs to the
 * namespace it was made in, so the capture keeps seeing that namespace's
 * interface after the thread has come back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>
#include <sched.h>

#include <pcap/pcap.h>

#include "common/log.h"
#include "probes/net.h"
#include "probes/net_remote.h"

#define NET_SNAPLEN        96
#define NET_RING_BYTES     (4 << 20)
#define NET_PROCFS         "/proc/net/dev"
#define NET_PROCFS_MAX     (64 << 10)   /* plenty for hundreds of interfaces */
/* Dispatch calls per poll: each drains the ring, so more than one is
 * needed only under heavy traffic, and a bound keeps the poll short. */
#define NET_MAX_DISPATCH   8

struct net_probe {
	char iface[64];
	struct net_remote *remote;  /* an ssh host's probe (net_ssh.c), or NULL */
	char why[300];           /* remote: why it failed */
	uint64_t sample_ns;      /* when bytes was counted */
	pcap_t *pcap;            /* NULL: the procfs fallback */
	uint64_t bytes;          /* since open */
	/* procfs only */
	int tx_only;             /* lo: transmitted bytes only */
	uint64_t last;           /* the counter at the last reading */
	char *text;              /* NET_PROCFS_MAX + 1 bytes */
};

/* ---- /proc/net/dev ------------------------------------------------------ */

int netdev_parse(const char *text, const char *iface, uint64_t *rx,
		 uint64_t *tx)
{
	size_t ilen = strlen(iface);
	const char *line, *colon, *name, *end, *nl;
	uint64_t v[9];
	char *next;
	int i;

	for (line = text; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		end = nl ? nl : line + strlen(line);
		colon = memchr(line, ':', (size_t)(end - line));
		if (!colon)
			continue;       /* the two header lines */
		for (name = line; name < colon && (*name == ' ' || *name == '\t'); name++)
			;
		if ((size_t)(colon - name) != ilen || memcmp(name, iface, ilen))
			continue;
		/* bytes packets errs drop fifo frame compressed multicast,
		 * then the transmit side starting with bytes. */
		next = (char *)colon + 1;
		for (i = 0; i < 9; i++) {
			const char *s = next;

			while (*s == ' ' || *s == '\t')
				s++;
			if (s >= end || *s < '0' || *s > '9')
				return -EINVAL;
			errno = 0;
			v[i] = strtoull(s, &next, 10);
			if (errno || next > end)
				return -EINVAL;
		}
		*rx = v[0];
		*tx = v[8];
		return 0;
	}
	return -ENOENT;
}

/* The interface's counter as this probe counts it (tx only on lo). */
static int net_procfs_read(struct net_probe *np, uint64_t *counter)
{
	size_t len = 0;
	ssize_t n = 0;
	uint64_t rx, tx;
	int fd, rc;

	fd = open(NET_PROCFS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < NET_PROCFS_MAX) {
		n = read(fd, np->text + len, NET_PROCFS_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	np->text[len] = '\0';
	rc = netdev_parse(np->text, np->iface, &rx, &tx);
	if (rc)
		return rc;
	*counter = np->tx_only ? tx : rx + tx;
	return 0;
}

static int net_procfs_open(struct net_probe *np)
{
	np->text = malloc(NET_PROCFS_MAX + 1);
	if (!np->text)
		return -ENOMEM;
	np->tx_only = !strcmp(np->iface, "lo");
	return net_procfs_read(np, &np->last);
}

/* ---- capture --------------------------------------------------------------- */

static void net_pcap_count(u_char *user, const struct pcap_pkthdr *h,
			   const u_char *bytes)
{
	((struct net_probe *)user)->bytes += h->len;
}

/* Start capturing. Returns 0; -EINVAL for a filter that does not compile;
 * -EPERM when capture is not permitted, -EIO when it fails otherwise
 * (the caller falls back to procfs). err gets libpcap's message. */
static int net_pcap_open(struct net_probe *np, const char *filter,
			 char err[PCAP_ERRBUF_SIZE])
{
	struct bpf_program prog;
	pcap_t *pc;
	int rc;

	pc = pcap_create(np->iface, err);
	if (!pc)
		return -EIO;
	pcap_set_snaplen(pc, NET_SNAPLEN);
	pcap_set_promisc(pc, 0);
	pcap_set_immediate_mode(pc, 1);
	pcap_set_buffer_size(pc, NET_RING_BYTES);
	rc = pcap_activate(pc);
	if (rc < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pc));
		if (!*err)
			snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_statustostr(rc));
		rc = rc == PCAP_ERROR_PERM_DENIED ? -EPERM : -EIO;
		goto fail;
	}
	if (filter && *filter) {
		if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pc));
			rc = -EINVAL;
			goto fail;
		}
		rc = pcap_setfilter(pc, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pc));
			rc = -EIO;
			goto fail;
		}
	}
	if (pcap_setnonblock(pc, 1, err) < 0) {
		rc = -EIO;
		goto fail;
	}
	np->pcap = pc;
	return 0;
fail:
	pcap_close(pc);
	return rc;
}

/* ---- the probe -------------------------------------------------------------- */

/* Enter the network namespace netns for this thread; *home gets a
 * descriptor of the one to come back to. Returns 0 or -errno. */
static int net_enter(const char *netns, int *home)
{
	char path[PATH_MAX];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/var/run/netns/%s", netns);
	*home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*home < 0 || fd < 0 || setns(fd, CLONE_NEWNET))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc && *home >= 0)
		close(*home);
	return rc;
}

static int net_leave(int home)
{
	int rc = setns(home, CLONE_NEWNET) ? -errno : 0;

	close(home);
	return rc;
}

/* Capture in another namespace: pcap or nothing. */
static int net_open_in(struct net_probe *np, const char *netns, const char *f,
		       char *note, size_t notelen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	int home, rc, back;

	rc = net_enter(netns, &home);
	if (rc) {
		snprintf(note, notelen, "cannot enter network namespace %s: %s", netns,
			 strerror(-rc));
		return rc == -EPERM ? rc : -ENODEV;
	}
	rc = net_pcap_open(np, f, perr);
	back = net_leave(home);
	if (back) {
		/* Never expected; this thread would be stranded in there. */
		snprintf(note, notelen, "cannot return from network namespace %s: %s", netns,
			 strerror(-back));
		return -EIO;
	}
	if (rc) {
		snprintf(note, notelen, "%s %s in namespace %s: %s",
			 rc == -EINVAL ? "bad capture filter for" : "cannot capture on",
			 np->iface, netns, perr);
		return rc;
	}
	snprintf(note, notelen, "capturing on %s in namespace %s%s%s%s", np->iface, netns,
		 f ? " with filter '" : "", f ? f : "", f ? "'" : "");
	return 0;
}

int net_probe_open_netns(struct net_probe **p, const char *netns, const char *iface,
			 const char *bpf_filter, char *note, size_t notelen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	const char *f = bpf_filter && *bpf_filter ? bpf_filter : NULL;
	struct net_probe *np;
	int rc, prc;

	*p = NULL;
	if (strlen(iface) >= sizeof(np->iface)) {
		snprintf(note, notelen, "no interface %s", iface);
		return -ENODEV;
	}
	np = calloc(1, sizeof(*np));
	if (!np) {
		snprintf(note, notelen, "out of memory");
		return -ENOMEM;
	}
	snprintf(np->iface, sizeof(np->iface), "%s", iface);

	if (netns) {
		rc = net_open_in(np, netns, f, note, notelen);
		if (rc)
			goto fail;
		*p = np;
		return 0;
	}
	prc = net_pcap_open(np, f, perr);
	if (!prc) {
		snprintf(note, notelen, "capturing on %s%s%s%s", iface,
			 f ? " with filter '" : "", f ? f : "", f ? "'" : "");
		*p = np;
		return 0;
	}
	if (prc == -EINVAL) {
		snprintf(note, notelen, "bad capture filter '%s': %s", f, perr);
		rc = -EINVAL;
		goto fail;
	}
	rc = net_procfs_open(np);
	if (rc) {
		snprintf(note, notelen, "cannot watch %s: capture: %s; %s: %s",
			 iface, perr, NET_PROCFS,
			 rc == -ENOENT ? "no such interface" : strerror(-rc));
		rc = rc == -ENOMEM ? rc : -ENODEV;
		goto fail;
	}
	snprintf(note, notelen, "capture %s: %s; showing all traffic on %s from %s%s",
		 prc == -EPERM ? "not permitted" : "failed", perr, iface,
		 NET_PROCFS, np->tx_only ? " (sent bytes: each lo packet is also received)" : "");
	*p = np;
	return 0;
fail:
	net_probe_close(np);
	return rc;
}

int net_probe_open(struct net_probe **p, const char *iface,
		   const char *bpf_filter, char *note, size_t notelen)
{
	return net_probe_open_netns(p, NULL, iface, bpf_filter, note, notelen);
}

int net_probe_open_ssh(struct net_probe **p, const struct host *h, const char *ctl,
		       const char *dsmig, const char *net, char *note, size_t notelen)
{
	struct net_probe *np = calloc(1, sizeof(*np));
	int rc;

	*p = NULL;
	if (!np) {
		snprintf(note, notelen, "out of memory");
		return -ENOMEM;
	}
	rc = net_remote_open(&np->remote, h, ctl, dsmig, net, note, notelen);
	if (rc) {
		free(np);
		return rc;
	}
	snprintf(np->iface, sizeof(np->iface), "%s", net);
	snprintf(note, notelen, "capturing on %s's network %s over ssh (dsmig wire there)",
		 h->name, net);
	*p = np;
	return 0;
}

int net_probe_poll(struct net_probe *p, uint64_t *bytes_total)
{
	uint64_t now;
	int i, n, rc = 0;

	if (p->remote)
		return net_remote_poll(p->remote, bytes_total, &p->sample_ns, p->why,
				       sizeof(p->why));
	p->sample_ns = time_mono_ns();
	if (p->pcap) {
		for (i = 0; i < NET_MAX_DISPATCH; i++) {
			n = pcap_dispatch(p->pcap, -1, net_pcap_count, (u_char *)p);
			if (n < 0) {
				rc = -EIO;
				break;
			}
			if (n == 0)
				break;
		}
	} else if (net_procfs_read(p, &now) == 0) {
		/* A counter that went down (interface re-created) adds
		 * nothing for this interval. */
		if (now > p->last)
			p->bytes += now - p->last;
		p->last = now;
	} else {
		rc = -EIO;
	}
	*bytes_total = p->bytes;
	return rc;
}

const char *net_probe_method(const struct net_probe *p)
{
	if (p->remote)
		return net_remote_method(p->remote);
	return p->pcap ? "pcap" : "procfs";
}

uint64_t net_probe_sample_ns(const struct net_probe *p)
{
	return p->sample_ns;
}

const char *net_probe_why(const struct net_probe *p)
{
	return p->why;
}

void net_probe_close(struct net_probe *p)
{
	if (!p)
		return;
	net_remote_close(p->remote);
	if (p->pcap)
		pcap_close(p->pcap);
	free(p->text);
	free(p);
}

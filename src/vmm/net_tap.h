/*
 * The guest's NIC (guest ABI 3, guest/dsmig_abi.h): one TAP device on the
 * host, enslaved to a bridge named in the VM's configuration (the same
 * name on every host, as Xen's vif bridge=), and the frames the guest
 * moves through it with NET_WRITE and NET_READ. The VMM holds no frame: a
 * watcher thread only notices that the TAP has one waiting and wakes the
 * guest's DSMIG_HC_POLL. After a migration the destination announces the
 * guest's MAC on its new port (three RARP frames, as QEMU's announce), so
 * that the bridges learn where it went. Bad frames, a full host queue and
 * a TAP that disappears cost the guest its frames, never the VMM: each is
 * counted, and said once in the VMM's log.
 */
#ifndef DSMIG_VMM_NET_TAP_H
#define DSMIG_VMM_NET_TAP_H

#include <net/if.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* What the VM's configuration says of its NIC: `--net bridge=NAME[,mac=..]`. */
struct net_config {
	char bridge[IFNAMSIZ];
	uint8_t mac[6];
};

/* Cumulative counters, as query-stats reports them. */
struct net_stats {
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	uint64_t tx_dropped;        /* the host could not take them */
	uint64_t bad_frames;        /* wrong length, or a read buffer too short */
	uint64_t announces;         /* RARP frames sent after a migration */
	int link_up;                /* 0 once the TAP has gone */
};

struct net_dev {
	struct net_config cfg;
	char ifname[IFNAMSIZ];      /* the TAP, as the kernel named it */
	int fd;                     /* the TAP, non-blocking */
	int wake_fd;                /* eventfd: the watcher looks again */

	/* The watcher's side. rx_ready: a frame waits in the TAP and the guest
	 * has been woken; it stays set until a NET_READ finds the TAP empty. */
	pthread_t watcher;
	pthread_mutex_t lock;
	int rx_ready, stopping;
	unsigned announce_left;
	uint64_t announce_at_ns;
	void (*notify)(void *opaque);   /* a frame waits: wake the guest */
	void *opaque;

	struct net_stats st;        /* under lock */
	int said_drop, said_bad;    /* each said once in the log */
};

/* A NIC on bridge with mac, checked: the bridge an interface name as the
 * hosts file's (hosts_ifname_ok), the MAC unicast. Returns 0, or -1 with
 * the reason in why[len]. Serves --net and the state blob's NET section. */
int net_config_set(struct net_config *cfg, const char *bridge, const uint8_t mac[6],
		   char *why, size_t len);

/* Parse "bridge=NAME[,mac=XX:XX:XX:XX:XX:XX]". Without mac=, the MAC is a
 * locally administered one made from the VM's name. Returns 0, or -1 with
 * the reason in why[len]. */
int net_config_parse(struct net_config *cfg, const char *spec, const char *vm_name,
		     char *why, size_t len);

/* Open a TAP (dsmtN), enslave it to cfg->bridge, bring it up and start the
 * watcher, which calls notify(opaque) when a frame waits. Returns 0, or
 * -errno with the reason in why[len] ("no bridge 'dsguest0' on this host"). */
int net_open(struct net_dev *n, const struct net_config *cfg,
	     void (*notify)(void *opaque), void *opaque, char *why, size_t len);

/* Stop the watcher and close the TAP (the kernel removes it). */
void net_close(struct net_dev *n);

/* The guest's frame: 0 sent, else an enum dsmig_net_result. */
unsigned net_send(struct net_dev *n, const void *frame, size_t len);

/* Take one waiting frame into buf[cap]: DSMIG_NET_OK with *len set, or
 * DSMIG_NET_AGAIN (none waits: rx_ready is cleared) or DSMIG_NET_INVALID. */
unsigned net_receive(struct net_dev *n, void *buf, size_t cap, size_t *len);

/* Whether a frame waits (the guest's POLL returns at once). */
int net_rx_ready(struct net_dev *n);

/* Send the RARP announcement now and twice more (after 50 and 150 ms). */
void net_announce(struct net_dev *n);

void net_stats_get(struct net_dev *n, struct net_stats *out);

#endif /* DSMIG_VMM_NET_TAP_H */

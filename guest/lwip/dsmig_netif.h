/*
 * The dsmig NIC as an lwIP netif (docs/guest-net.md). The NIC moves one
 * Ethernet frame per hypercall (DSMIG_HC_NET_WRITE / NET_READ, ABI 3); there
 * are no interrupts, so the owner of the netif polls it.
 *
 * Call order, all on one vCPU: lwip_init(); dsmig_netif_add(); then in a
 * loop dsmig_netif_poll() and sys_check_timeouts(), sleeping with
 * hc_poll_until() in between.
 */
#ifndef DSMIG_LWIP_NETIF_H
#define DSMIG_LWIP_NETIF_H

#include <stdint.h>
#include "dsmig_abi.h"
#include "lwip/netif.h"

/* What the driver counts (frames, not bytes). */
struct dsmig_netif_stats {
	uint64_t rx_frames;    /* frames handed to lwIP */
	uint64_t rx_nomem;     /* frames dropped: no pbuf for them */
	uint64_t rx_errors;    /* NET_READ said INVALID or NODEV */
	uint64_t tx_frames;    /* frames the host took */
	uint64_t tx_dropped;   /* NET_WRITE said DROPPED (queue full, link down) */
	uint64_t tx_errors;    /* NET_WRITE said INVALID/NODEV, or too long */
};

/* Add the NIC as lwIP's default netif with address ip/netmask and gateway
 * gw (any may be IP4_ADDR_ANY4 for none), and set it up. info is what
 * hc_net_info() returned (present must be 1). Returns 0, or -1 if lwIP
 * refused it. */
int dsmig_netif_add(struct netif *nif, const struct dsmig_hc_net_info *info,
		    const ip4_addr_t *ip, const ip4_addr_t *netmask,
		    const ip4_addr_t *gw);

/* Read frames until the host has none (or max_frames were read) and feed
 * them to lwIP. Returns the number read. */
unsigned dsmig_netif_poll(struct netif *nif, unsigned max_frames);

/* The driver's counters (one set: there is one NIC). */
const struct dsmig_netif_stats *dsmig_netif_stats(void);

#endif /* DSMIG_LWIP_NETIF_H */

/*
 * The dsmig NIC driver for lwIP (see dsmig_netif.h).
 *
 * Transmit: lwIP hands linkoutput a pbuf chain (a copied header and
 * zero-copy document pieces, typically); it is flattened into one static
 * frame buffer and sent with one DSMIG_HC_NET_WRITE. A frame the host
 * cannot take is counted and forgotten, as a full wire would lose it: TCP
 * resends.
 *
 * Receive: each frame is read straight into a pool pbuf big enough for a
 * whole frame (PBUF_POOL_BUFSIZE >= DSMIG_NET_FRAME_MAX), trimmed to its
 * length and given to netif->input (ethernet_input). Without a free pbuf
 * the frame is still read (into a scratch buffer) and dropped, so the
 * host's queue keeps moving.
 */
#include "dsmig_netif.h"
#include "dsmig_guest.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

static struct dsmig_netif_stats stats;
static unsigned char tx_frame[DSMIG_NET_FRAME_MAX] __attribute__((aligned(64)));
static unsigned char rx_scratch[DSMIG_NET_FRAME_MAX] __attribute__((aligned(64)));

const struct dsmig_netif_stats *dsmig_netif_stats(void)
{
	return &stats;
}

static err_t dsmig_linkoutput(struct netif *nif, struct pbuf *p)
{
	uint64_t ret;

	if (p->tot_len > sizeof(tx_frame) || p->tot_len < DSMIG_NET_FRAME_MIN) {
		stats.tx_errors++;
		return ERR_IF;
	}
	if (pbuf_copy_partial(p, tx_frame, p->tot_len, 0) != p->tot_len) {
		stats.tx_errors++;
		return ERR_IF;
	}
	ret = hc_net_write(tx_frame, p->tot_len);
	switch (ret) {
	case DSMIG_NET_OK:
		stats.tx_frames++;
		break;
	case DSMIG_NET_DROPPED:
		stats.tx_dropped++;
		break;
	default:
		stats.tx_errors++;
		break;
	}
	/* A dropped frame is a lost frame, not an error for lwIP. */
	return ERR_OK;
}

static err_t dsmig_netif_init(struct netif *nif)
{
	const struct dsmig_hc_net_info *info = nif->state;

	nif->name[0] = 'd';
	nif->name[1] = 's';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, info->mac, ETH_HWADDR_LEN);
	nif->mtu = info->mtu && info->mtu <= DSMIG_NET_MTU ? info->mtu
							    : DSMIG_NET_MTU;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		     NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = dsmig_linkoutput;
	return ERR_OK;
}

int dsmig_netif_add(struct netif *nif, const struct dsmig_hc_net_info *info,
		    const ip4_addr_t *ip, const ip4_addr_t *netmask,
		    const ip4_addr_t *gw)
{
	/* netif_add keeps state; init reads it once and it is not used
	 * again, but keep a copy that outlives the caller's anyway. */
	static struct dsmig_hc_net_info info_copy;

	info_copy = *info;
	if (!netif_add(nif, ip, netmask, gw, &info_copy, dsmig_netif_init,
		       ethernet_input))
		return -1;
	netif_set_default(nif);
	netif_set_up(nif);
	netif_set_link_up(nif);
	return 0;
}

unsigned dsmig_netif_poll(struct netif *nif, unsigned max_frames)
{
	unsigned n = 0;

	while (n < max_frames) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, DSMIG_NET_FRAME_MAX, PBUF_POOL);
		void *buf = p && p->len == p->tot_len ? p->payload : rx_scratch;
		size_t len = 0;
		uint64_t ret = hc_net_read(buf, DSMIG_NET_FRAME_MAX, &len);

		if (ret != DSMIG_NET_OK) {
			if (p)
				pbuf_free(p);
			if (ret != DSMIG_NET_AGAIN)
				stats.rx_errors++;
			break;
		}
		n++;
		if (!p) {
			stats.rx_nomem++;
			continue;
		}
		if (len < DSMIG_NET_FRAME_MIN || len > DSMIG_NET_FRAME_MAX) {
			stats.rx_errors++;
			pbuf_free(p);
			continue;
		}
		if (buf == rx_scratch)          /* a chained pool pbuf */
			pbuf_take(p, rx_scratch, (u16_t)len);
		pbuf_realloc(p, (u16_t)len);
		stats.rx_frames++;
		if (nif->input(p, nif) != ERR_OK)
			pbuf_free(p);
	}
	return n;
}

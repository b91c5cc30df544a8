/* The guest's NIC on a host TAP device (see net_tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#define XXH_INLINE_ALL       /* header only: no link to libxxhash */
#include <xxhash.h>

#include "common/hosts.h"
#include "common/log.h"
#include "vmm/net_tap.h"
#include "dsmig_abi.h"

#define ANNOUNCE_ROUNDS 3
#define ETH_P_RARP_     0x8035
#define RARP_FRAME_LEN  60          /* the Ethernet minimum, padded */

int net_config_set(struct net_config *cfg, const char *bridge, const uint8_t mac[6],
		   char *why, size_t len)
{
	if (!hosts_ifname_ok(bridge))
		return errbuf_set(why, len, "bridge '%s' is no interface name "
				  "(1-%d of A-Z a-z 0-9 _ . -, not starting with '-')",
				  bridge, IFNAMSIZ - 1);
	if (mac[0] & 1)
		return errbuf_set(why, len, "mac %02x:%02x:%02x:%02x:%02x:%02x is not a unicast "
				  "address", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->bridge, sizeof(cfg->bridge), "%s", bridge);
	memcpy(cfg->mac, mac, sizeof(cfg->mac));
	return 0;
}

int net_config_parse(struct net_config *cfg, const char *spec, const char *vm_name,
		     char *why, size_t len)
{
	char copy[256], reason[160], *tok, *save = NULL;
	const char *bridge = NULL;
	uint8_t mac[6];
	int have_mac = 0;

	if (strlen(spec) >= sizeof(copy))
		return errbuf_set(why, len, "--net: too long");
	snprintf(copy, sizeof(copy), "%s", spec);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "bridge=", 7)) {
			bridge = tok + 7;
		} else if (!strncmp(tok, "mac=", 4)) {
			unsigned m[6];
			char tail;
			int i;

			if (sscanf(tok + 4, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2],
				   &m[3], &m[4], &m[5], &tail) != 6 || strlen(tok + 4) != 17)
				return errbuf_set(why, len, "--net: mac '%s' is not a unicast "
						  "XX:XX:XX:XX:XX:XX", tok + 4);
			for (i = 0; i < 6; i++)
				mac[i] = (uint8_t)m[i];
			have_mac = 1;
		} else {
			return errbuf_set(why, len, "--net: unknown '%s' (bridge=NAME[,mac=MAC])", tok);
		}
	}
	if (!bridge)
		return errbuf_set(why, len, "--net: bridge=NAME is required");
	if (!have_mac) {
		/* Locally administered, unicast, the rest from the VM's name. */
		uint64_t h = XXH64(vm_name, strlen(vm_name), 0);

		mac[0] = 0x02;
		memcpy(mac + 1, &h, 5);
	}
	if (net_config_set(cfg, bridge, mac, reason, sizeof(reason)))
		return errbuf_set(why, len, "--net: %s", reason);
	return 0;
}

/* Enslave the TAP to the bridge and bring it up, by ioctls on any socket. */
static int tap_plug(const char *tap, const char *bridge, char *why, size_t len)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;
	unsigned idx = if_nametoindex(tap);

	if (s < 0)
		return errbuf_set(why, len, "socket: %s", strerror(errno)), -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ifr.ifr_ifindex = (int)idx;
	if (!idx || ioctl(s, SIOCBRADDIF, &ifr) < 0) {
		rc = -errno;
		if (errno == ENODEV)
			errbuf_set(why, len, "no bridge '%s' on this host", bridge);
		else
			errbuf_set(why, len, "cannot add %s to bridge '%s': %s", tap, bridge,
				   strerror(errno));
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)) {
		rc = -errno;
		errbuf_set(why, len, "cannot bring %s up: %s", tap, strerror(errno));
	}
out:
	close(s);
	return rc;
}

static void rarp_frame(uint8_t *f, const uint8_t mac[6])
{
	memset(f, 0, RARP_FRAME_LEN);
	memset(f, 0xff, 6);                         /* broadcast */
	memcpy(f + 6, mac, 6);
	f[12] = ETH_P_RARP_ >> 8; f[13] = ETH_P_RARP_ & 0xff;
	f[15] = 1;                                  /* htype Ethernet */
	f[16] = 0x08;                               /* ptype IPv4 */
	f[18] = 6; f[19] = 4;                       /* hlen, plen */
	f[21] = 3;                                  /* reverse request */
	memcpy(f + 22, mac, 6);                     /* sender MAC, IP 0 */
	memcpy(f + 32, mac, 6);                     /* target MAC, IP 0 */
}

static void link_gone(struct net_dev *n, int err)
{
	if (n->st.link_up)
		log_error("net: %s failed (%s): the guest's frames are dropped from now on",
			  n->ifname, strerror(err));
	n->st.link_up = 0;
}

/* Under n->lock. */
static void announce_due(struct net_dev *n)
{
	uint8_t f[RARP_FRAME_LEN];

	if (!n->announce_left || time_mono_ns() < n->announce_at_ns || !n->st.link_up)
		return;
	rarp_frame(f, n->cfg.mac);
	if (write(n->fd, f, sizeof(f)) == (ssize_t)sizeof(f))
		n->st.announces++;
	n->announce_left--;
	/* 50 ms, then 100 ms more, as QEMU's announce steps. */
	n->announce_at_ns = time_mono_ns() +
		(ANNOUNCE_ROUNDS - n->announce_left) * 50000000ull;
}

/* The watcher: waits for the TAP to have a frame, wakes the guest, then
 * waits for the guest to drain it; sends the announcements when due. */
static void *watcher_main(void *arg)
{
	struct net_dev *n = arg;

	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		struct pollfd p[2] = { { .fd = n->fd, .events = POLLIN },
				       { .fd = n->wake_fd, .events = POLLIN } };
		int timeout = -1, watch_tap = n->st.link_up && !n->rx_ready, rc;
		uint64_t now = time_mono_ns(), v;

		announce_due(n);
		if (n->announce_left)
			timeout = n->announce_at_ns > now ?
				  (int)((n->announce_at_ns - now) / 1000000 + 1) : 0;
		if (!watch_tap)
			p[0].fd = -1;
		pthread_mutex_unlock(&n->lock);
		rc = poll(p, 2, timeout);
		if (p[1].revents & POLLIN && read(n->wake_fd, &v, sizeof(v)) < 0)
			(void)0;   /* an eventfd read only fails when it is not ready */
		pthread_mutex_lock(&n->lock);
		if (rc < 0 && errno != EINTR)
			break;
		if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			link_gone(n, EIO);
			continue;
		}
		if (p[0].revents & POLLIN) {
			n->rx_ready = 1;
			pthread_mutex_unlock(&n->lock);
			n->notify(n->opaque);
			pthread_mutex_lock(&n->lock);
		}
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

static void wake_watcher(struct net_dev *n)
{
	uint64_t one = 1;

	if (write(n->wake_fd, &one, sizeof(one)) < 0)
		(void)0;   /* only EAGAIN at 2^64-1 pending wakes: it is awake */
}

int net_open(struct net_dev *n, const struct net_config *cfg,
	     void (*notify)(void *opaque), void *opaque, char *why, size_t len)
{
	struct ifreq ifr;
	int rc;

	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	n->notify = notify;
	n->opaque = opaque;
	n->wake_fd = -1;
	n->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->fd < 0) {
		rc = -errno;
		errbuf_set(why, len, "/dev/net/tun: %s", strerror(errno));
		return rc;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "dsmt%%d");
	if (ioctl(n->fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		errbuf_set(why, len, "cannot make a TAP device: %s%s", strerror(errno),
			   errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		goto err;
	}
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifr.ifr_name);
	rc = tap_plug(n->ifname, cfg->bridge, why, len);
	if (rc)
		goto err;
	n->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->wake_fd < 0) {
		rc = -errno;
		errbuf_set(why, len, "eventfd: %s", strerror(errno));
		goto err;
	}
	n->st.link_up = 1;
	pthread_mutex_init(&n->lock, NULL);
	rc = -pthread_create(&n->watcher, NULL, watcher_main, n);
	if (rc) {
		errbuf_set(why, len, "net watcher thread: %s", strerror(-rc));
		pthread_mutex_destroy(&n->lock);
		goto err;
	}
	log_info("net: %s on bridge %s, MAC %02x:%02x:%02x:%02x:%02x:%02x", n->ifname,
		 cfg->bridge, cfg->mac[0], cfg->mac[1], cfg->mac[2], cfg->mac[3],
		 cfg->mac[4], cfg->mac[5]);
	return 0;
err:
	if (n->wake_fd >= 0)
		close(n->wake_fd);
	close(n->fd);
	n->fd = n->wake_fd = -1;
	return rc;
}

void net_close(struct net_dev *n)
{
	if (n->fd < 0)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = 1;
	pthread_mutex_unlock(&n->lock);
	wake_watcher(n);
	pthread_join(n->watcher, NULL);
	pthread_mutex_destroy(&n->lock);
	close(n->wake_fd);
	close(n->fd);
	n->fd = n->wake_fd = -1;
}

/* Say a kind of loss once (flag), with what is counted so far. */
static void say_once(struct net_dev *n, int *flag, const char *what)
{
	if (*flag)
		return;
	*flag = 1;
	log_warn("net: %s: %s (counted in query-stats' net; said once)", n->ifname, what);
}

unsigned net_send(struct net_dev *n, const void *frame, size_t len)
{
	ssize_t w;
	unsigned ret = DSMIG_NET_OK;

	pthread_mutex_lock(&n->lock);
	if (len < DSMIG_NET_FRAME_MIN || len > DSMIG_NET_FRAME_MAX) {
		n->st.bad_frames++;
		say_once(n, &n->said_bad, "the guest sent a frame of a wrong length; dropped");
		ret = DSMIG_NET_INVALID;
	} else if (!n->st.link_up) {
		n->st.tx_dropped++;
		ret = DSMIG_NET_DROPPED;
	} else if ((w = write(n->fd, frame, len)) == (ssize_t)len) {
		n->st.tx_frames++;
		n->st.tx_bytes += len;
	} else {
		if (w < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
			link_gone(n, errno);
		n->st.tx_dropped++;
		say_once(n, &n->said_drop, "the host's queue took no more frames; dropped");
		ret = DSMIG_NET_DROPPED;
	}
	pthread_mutex_unlock(&n->lock);
	return ret;
}

unsigned net_receive(struct net_dev *n, void *buf, size_t cap, size_t *len)
{
	ssize_t r;
	unsigned ret = DSMIG_NET_OK;

	*len = 0;
	pthread_mutex_lock(&n->lock);
	if (cap < DSMIG_NET_FRAME_MAX) {
		n->st.bad_frames++;
		say_once(n, &n->said_bad, "the guest's read buffer was shorter than a frame");
		ret = DSMIG_NET_INVALID;
	} else if (!n->st.link_up) {
		ret = DSMIG_NET_AGAIN;
	} else if ((r = read(n->fd, buf, DSMIG_NET_FRAME_MAX)) > 0) {
		n->st.rx_frames++;
		n->st.rx_bytes += (uint64_t)r;
		*len = (size_t)r;
	} else {
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			link_gone(n, r == 0 ? EIO : errno);
		ret = DSMIG_NET_AGAIN;
	}
	if (ret == DSMIG_NET_AGAIN && n->rx_ready) {
		n->rx_ready = 0;
		pthread_mutex_unlock(&n->lock);
		wake_watcher(n);
		return ret;
	}
	pthread_mutex_unlock(&n->lock);
	return ret;
}

int net_rx_ready(struct net_dev *n)
{
	int ready;

	pthread_mutex_lock(&n->lock);
	ready = n->rx_ready;
	pthread_mutex_unlock(&n->lock);
	return ready;
}

void net_announce(struct net_dev *n)
{
	pthread_mutex_lock(&n->lock);
	n->announce_left = ANNOUNCE_ROUNDS;
	n->announce_at_ns = 0;
	pthread_mutex_unlock(&n->lock);
	wake_watcher(n);
}

void net_stats_get(struct net_dev *n, struct net_stats *out)
{
	pthread_mutex_lock(&n->lock);
	*out = n->st;
	pthread_mutex_unlock(&n->lock);
}

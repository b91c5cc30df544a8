/* Test guest of the NIC (guest ABI 3): prints its MAC, tries the calls a
 * careless or hostile guest would make (a frame too long, one too short, a
 * read buffer too small) and prints what the VMM answered, then echoes
 * every frame of EtherType 0x88b5 (IEEE local experimental) back to its
 * sender with its own MAC as the source, counting them in the counter
 * block's progress. "flood=N" first sends N frames as fast as it can.
 * Used by tests/integration/vmm_net.sh. */
#include "counters.h"
#include "dsmig_guest.h"

#define ECHO_TYPE_HI 0x88
#define ECHO_TYPE_LO 0xb5

static uint8_t frame[DSMIG_NET_FRAME_MAX + 64];

static void probe_bad_calls(void)
{
	size_t len;
	uint64_t long_ret = hc_net_write(frame, DSMIG_NET_FRAME_MAX + 1);
	uint64_t short_ret = hc_net_write(frame, DSMIG_NET_FRAME_MIN - 1);
	uint64_t small_ret = hc_net_read(frame, 64, &len);

	gprintf("netecho: long write %lu, short write %lu, small read %lu\n",
		long_ret, short_ret, small_ret);
}

static void flood(uint64_t n, const uint8_t mac[6])
{
	uint64_t i, dropped = 0;

	memset(frame, 0xff, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = ECHO_TYPE_HI;
	frame[13] = ECHO_TYPE_LO;
	memset(frame + 14, 0x5a, DSMIG_NET_FRAME_MAX - 14);
	for (i = 0; i < n; i++)
		if (hc_net_write(frame, DSMIG_NET_FRAME_MAX) == DSMIG_NET_DROPPED)
			dropped++;
	gprintf("netecho: flooded %lu frames, %lu dropped by the host\n", n, dropped);
}

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	struct dsmig_hc_net_info info;
	uint64_t now, ready;
	size_t len;

	if (vcpu != 0)
		return 0;
	counters_init("netecho");
	hc_net_info(&info);
	if (!info.present) {
		gprintf("netecho: no NIC\n");
		return 3;
	}
	gprintf("netecho: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n", info.mac[0],
		info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5], info.mtu);
	probe_bad_calls();
	flood(arg_u64(bi->cmdline, "flood", 0), info.mac);
	now = hc_monotonic_ns();
	for (;;) {
		while (hc_net_read(frame, sizeof(frame), &len) == DSMIG_NET_OK) {
			if (len < 14 || frame[12] != ECHO_TYPE_HI || frame[13] != ECHO_TYPE_LO)
				continue;
			memcpy(frame, frame + 6, 6);
			memcpy(frame + 6, info.mac, 6);
			hc_net_write(frame, len);
			counters_progress(1);
		}
		counters_tick(0, now);
		now = hc_poll_until(now + 100000000, &ready);
	}
}

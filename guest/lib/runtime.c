/* Guest runtime: the C entry every vCPU reaches from start.S. */
#include "dsmig_guest.h"

const struct dsmig_boot_info *guest_boot_info;

void dsmig_guest_start(const struct dsmig_boot_info *bi, unsigned vcpu);

void dsmig_guest_start(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	int status;

	guest_boot_info = bi;
	status = guest_main(bi, vcpu);
	if (vcpu == 0)
		hc_exit(status);
	for (;;)
		hc_sleep_until(~0ull);
}

/* The table of hypervisor backends (hv.h). */
#include <string.h>

#include "hv/hv.h"

const struct hv_ops *hv_find(const char *name)
{
	static const struct hv_ops *const backends[] = { &hv_kvm_ops, &hv_xen_ops, &hv_xen_xl_ops };
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

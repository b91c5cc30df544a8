/* Choosing an accelerator, and finding one by its state sections (accel.h). */
#include <string.h>

#include "common/log.h"
#include "vmm/accel.h"

static const struct accel_ops *const accels[] = { &accel_kvm, &accel_ptrace };
#define NR_ACCELS (sizeof(accels) / sizeof(accels[0]))

const struct accel_ops *accel_select(const char *name, char *why, size_t len)
{
	char kvm_why[256];
	unsigned i;

	if (!name || !strcmp(name, "auto")) {
		if (accel_kvm.probe(kvm_why, sizeof(kvm_why)) == 0)
			return &accel_kvm;
		if (accel_ptrace.probe(why, len) == 0)
			return &accel_ptrace;
		errbuf_set(why, len, "no accelerator can run guests here (kvm: %s)", kvm_why);
		return NULL;
	}
	for (i = 0; i < NR_ACCELS; i++) {
		if (strcmp(name, accels[i]->name))
			continue;
		if (accels[i]->probe(why, len))
			return NULL;
		return accels[i];
	}
	errbuf_set(why, len, "unknown accelerator '%.64s' (kvm, ptrace or auto)", name);
	return NULL;
}

const struct accel_ops *accel_of_section(uint32_t type)
{
	unsigned i;
	size_t j;

	for (i = 0; i < NR_ACCELS; i++)
		for (j = 0; j < accels[i]->nr_sections; j++)
			if (accels[i]->sections[j].type == type)
				return accels[i];
	return NULL;
}

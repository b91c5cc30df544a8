/* Checking a VM to start and naming the operator's VM actions (see
 * vmspec.h). The memory bounds are the VMM's own (vmm/guest_mem.h). */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rundir.h"
#include "common/units.h"
#include "common/vmspec.h"
#include "vmm/guest_mem.h"

#define VMSPEC_PAGE 4096u

static const struct {
	const char *name, *verb, *done;
} actions[VM_ACTION_NR] = {
	[VM_ACTION_START] = { "vm-start", "start", "started" },
	[VM_ACTION_STOP] = { "vm-stop", "stop", "stopped" },
	[VM_ACTION_PAUSE] = { "vm-pause", "pause", "paused" },
	[VM_ACTION_RESUME] = { "vm-resume", "resume", "resumed" },
};

const char *vm_action_name(enum vm_action a)
{
	return a > VM_ACTION_NONE && a < VM_ACTION_NR ? actions[a].name : NULL;
}

const char *vm_action_verb(enum vm_action a, int done)
{
	if (a <= VM_ACTION_NONE || a >= VM_ACTION_NR)
		return NULL;
	return done ? actions[a].done : actions[a].verb;
}

enum vm_action vm_action_by_name(const char *name)
{
	int a;

	for (a = VM_ACTION_START; name && a < VM_ACTION_NR; a++)
		if (!strcmp(actions[a].name, name))
			return (enum vm_action)a;
	return VM_ACTION_NONE;
}

/* A name under dsmig-vmm's --name rule; what names it in why. */
static int check_word(const char *what, const char *name, char *why, size_t len)
{
	if (!dsmig_vm_name_valid(name))
		return errbuf_set(why, len, "%s '%s': use 1-%d of A-Z a-z 0-9 _ . - "
				  "(not starting with '.')", what, name, DSMIG_VM_NAME_MAX);
	return 0;
}

int vmspec_check_name(const char *name, char *why, size_t len)
{
	return check_word("name", name, why, len);
}

int vmspec_check_image(const char *image, char *why, size_t len)
{
	return check_word("image", image, why, len);
}

int vmspec_parse_mem(const char *text, uint64_t *bytes, char *why, size_t len)
{
	char inner[160];
	uint64_t b;

	if (strlen(text) >= VMSPEC_MEM_TEXT)
		return errbuf_set(why, len, "memory: '%.20s...' is too long", text);
	if (units_parse_size(text, &b, inner, sizeof(inner)))
		return errbuf_set(why, len, "memory: %s", inner);
	if (b < GMEM_MIN_SIZE || b > GMEM_MAX_SIZE || b % VMSPEC_PAGE)
		return errbuf_set(why, len, "memory '%s': must be %lluM to %lluG in whole "
				  "%uK pages", text, GMEM_MIN_SIZE >> 20, GMEM_MAX_SIZE >> 30,
				  VMSPEC_PAGE >> 10);
	*bytes = b;
	return 0;
}

void vmspec_format_mem(uint64_t bytes, char *buf, size_t len)
{
	if (!(bytes % (1ull << 30)))
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes >> 30));
	else if (!(bytes % (1ull << 20)))
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(bytes >> 10));
}

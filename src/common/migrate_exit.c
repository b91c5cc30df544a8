/* What each exit of dsmig migrate means (see migrate_exit.h). */
#include <stddef.h>

#include "cli/cli.h"
#include "common/migrate_exit.h"

static const char *const exits[] = {
	[CLI_OK] = "moved",
	[CLI_FAILED] = "failed, the source runs",
	[CLI_USAGE] = "not started: usage error",
	[CLI_AFTER_SWITCH] = "moved, metrics incomplete",
	[CLI_VM_LOST] = "VM lost",
	[CLI_SWITCH_BROKEN] = "broken after the switch-over, source paused",
	[CLI_UNKNOWN] = "unknown: a VMM did not answer",
	[CLI_ROLLED_BACK] = "rolled back to the source",
};

const char *migrate_exit_status(int status)
{
	if (status < 0 || (size_t)status >= sizeof(exits) / sizeof(exits[0]))
		return NULL;
	return exits[status];
}

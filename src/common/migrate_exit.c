/* Where the VM is after each exit of dsmig migrate (see migrate_exit.h). */
#include <stddef.h>

#include "cli/cli.h"
#include "common/migrate_exit.h"

static const struct {
	const char *status;
	const char *where;
} exits[] = {
	[CLI_OK] = { "moved", "runs on the destination" },
	[CLI_FAILED] = { "failed, the source runs", "keeps running on the source" },
	[CLI_USAGE] = { "not started: usage error", "was not touched" },
	[CLI_AFTER_SWITCH] = { "moved, metrics incomplete",
			       "moved; the engine failed after the switch-over" },
	[CLI_VM_LOST] = { "VM lost", "is lost: no host can run it" },
	[CLI_SWITCH_BROKEN] = { "broken after the switch-over, source paused",
				"is paused on the source as of the switch-over" },
	[CLI_UNKNOWN] = { "unknown: a VMM did not answer",
			  "is unconfirmed: a VMM did not answer, nothing was touched" },
	[CLI_ROLLED_BACK] = { "rolled back to the source",
			      "runs on the source again, as of the switch-over" },
};

const char *migrate_exit_status(int status)
{
	if (status < 0 || (size_t)status >= sizeof(exits) / sizeof(exits[0]))
		return NULL;
	return exits[status].status;
}

const char *migrate_exit_where(int status)
{
	if (status < 0 || (size_t)status >= sizeof(exits) / sizeof(exits[0]))
		return NULL;
	return exits[status].where;
}

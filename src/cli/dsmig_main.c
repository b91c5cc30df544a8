/*
 * dsmig: the operator's command line (and, later, the console).
 *   dsmig migrate VM --to HOST [options]     see `dsmig migrate --help`
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dsmig migrate VM --to HOST [options]   (dsmig migrate --help)\n");
}

int main(int argc, char **argv)
{
	log_init("dsmig");
	if (argc >= 2 && !strcmp(argv[1], "migrate"))
		return cmd_migrate(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return CLI_OK;
	}
	if (argc >= 2)
		log_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}

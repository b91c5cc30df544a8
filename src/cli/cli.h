/* Subcommands of the dsmig command line (dsmig_main.c dispatches). */
#ifndef DSMIG_CLI_CLI_H
#define DSMIG_CLI_CLI_H

/* The engine's ports and the lab's names (MIGRATE_PORT_*, LAB_*). */
#include "common/lab_net.h"

/* Exit statuses shared by the subcommands. */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,          /* migration failed; the source VM runs */
	CLI_USAGE = 2,
	CLI_AFTER_SWITCH = 3,    /* the VM moved, but the engine failed after
				    the switch-over (metrics incomplete) */
	CLI_VM_LOST = 4,         /* neither side runs the VM: never expected */
	CLI_POSTCOPY_BROKEN = 5, /* dsm-pull failed after resume: both sides
				    paused, the destination missing pages */
};

int cmd_migrate(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif /* DSMIG_CLI_CLI_H */

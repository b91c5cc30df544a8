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
	CLI_VM_LOST = 4,         /* neither side can run the VM any more */
	CLI_SWITCH_BROKEN = 5,   /* after the switch-over the destination
				    cannot run the VM alone (post-copy broke,
				    or it died); the source keeps it paused */
	CLI_UNKNOWN = 6,         /* a VMM gave no usable answer, or both ends
				    run a copy: nothing was touched */
	CLI_ROLLED_BACK = 7,     /* as CLI_SWITCH_BROKEN, but rolled back on
				    request: the source runs the VM again */
};

int cmd_migrate(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_wire(int argc, char **argv);
int cmd_webclient(int argc, char **argv);

#endif /* DSMIG_CLI_CLI_H */

/* Subcommands of the dsmig command line (dsmig_main.c dispatches). */
#ifndef DSMIG_CLI_CLI_H
#define DSMIG_CLI_CLI_H

/* Exit statuses shared by the subcommands. */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,          /* migration failed; the source VM runs */
	CLI_USAGE = 2,
	CLI_AFTER_SWITCH = 3,    /* the VM moved, but the engine failed after
				    the switch-over (metrics incomplete) */
	CLI_VM_LOST = 4,         /* neither side runs the VM: never expected */
};

int cmd_migrate(int argc, char **argv);

#endif /* DSMIG_CLI_CLI_H */

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
	CLI_POSTCOPY_BROKEN = 5, /* dsm-pull failed after resume: both sides
				    paused, the destination missing pages */
};

/* The TCP ports the engine's MPI data connections use (probes filter on
 * them): btl_tcp_port_min_v4 and btl_tcp_port_range_v4. */
#define MIGRATE_PORT_MIN   "47000"
#define MIGRATE_PORT_RANGE "100"
#define MIGRATE_PORT_FILTER "tcp portrange 47000-47099"   /* the same ports, for BPF */

/* The lab (`dsmig lab`, docs/deploy.md): every lab host's interface has
 * this name inside its namespace, and its address is in this network,
 * which the root namespace's bridge also holds an address of. */
#define LAB_IFACE  "dsmig0"
#define LAB_SUBNET "198.18.0.0/24"

int cmd_migrate(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif /* DSMIG_CLI_CLI_H */

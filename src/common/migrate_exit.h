/*
 * What each exit status of `dsmig migrate` (enum cli_exit, src/cli/cli.h)
 * says about where the VM is, in words, for everything that shows a
 * migration's end: the command's summary, the console's card, reports.
 * One table, so that no reader guesses (docs/reliability.md).
 */
#ifndef DSMIG_COMMON_MIGRATE_EXIT_H
#define DSMIG_COMMON_MIGRATE_EXIT_H

/* A short status ("moved", "failed, the source runs", ...), or NULL for a
 * status dsmig migrate never returns. */
const char *migrate_exit_status(int status);

/* Where the VM is after that exit, completing "The VM ..." ("keeps
 * running on the source"), or NULL for an unknown status. */
const char *migrate_exit_where(int status);

#endif /* DSMIG_COMMON_MIGRATE_EXIT_H */

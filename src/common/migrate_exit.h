/*
 * What each exit status of `dsmig migrate` (enum cli_exit, src/cli/cli.h)
 * means, in words, for everything that shows a migration's end: the
 * console's card and reports. One table, so that no reader guesses
 * (docs/reliability.md). Where the VM is now, the console asks the VMMs.
 */
#ifndef DSMIG_COMMON_MIGRATE_EXIT_H
#define DSMIG_COMMON_MIGRATE_EXIT_H

/* A short status ("moved", "failed, the source runs", ...), or NULL for a
 * status dsmig migrate never returns. */
const char *migrate_exit_status(int status);

#endif /* DSMIG_COMMON_MIGRATE_EXIT_H */

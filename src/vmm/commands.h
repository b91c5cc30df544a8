/*
 * The control commands of dsmig-vmm (docs/control-protocol.md lists them):
 * the table handed to the control server, each entry a thin adapter from
 * JSON to the vm_* functions.
 */
#ifndef DSMIG_VMM_COMMANDS_H
#define DSMIG_VMM_COMMANDS_H

#include <stddef.h>

#include "vmm/control.h"

extern const struct ctl_command vmm_commands[];
extern const size_t vmm_nr_commands;

#endif /* DSMIG_VMM_COMMANDS_H */

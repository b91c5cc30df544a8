/*
 * A VM to start and the operator's actions on VMs, as the console's
 * start dialog takes them and as its session log records them
 * (docs/telemetry.md, operator "vm-start" ... and src "vmact"): the VM's
 * name, its guest image's name and its memory, each checked by the rules
 * dsmig-vmm applies to `run --name --mem`, so that what the console
 * accepts the VMM accepts, and what either refuses never reaches a
 * command line. The reader of session logs (session_log.c) checks
 * recorded actions with the same functions.
 */
#ifndef DSMIG_COMMON_VMSPEC_H
#define DSMIG_COMMON_VMSPEC_H

#include <stddef.h>
#include <stdint.h>

/* The operator's actions on a VM. */
enum vm_action {
	VM_ACTION_NONE,      /* not a VM action */
	VM_ACTION_START,     /* "vm-start": dsmig-vmm run */
	VM_ACTION_STOP,      /* "vm-stop": control command quit */
	VM_ACTION_PAUSE,     /* "vm-pause": pause */
	VM_ACTION_RESUME,    /* "vm-resume": resume */
	VM_ACTION_NR,
};

/* The action's name in session records ("vm-stop"), or NULL for
 * VM_ACTION_NONE. */
const char *vm_action_name(enum vm_action a);

/* The action in words: "stop", or once done "stopped"; NULL for
 * VM_ACTION_NONE. */
const char *vm_action_verb(enum vm_action a, int done);

/* The action called name (NULL is none), or VM_ACTION_NONE. */
enum vm_action vm_action_by_name(const char *name);

/* The text memory is written in ("64M"): at most this long. */
#define VMSPEC_MEM_TEXT 16

/* A VM name as dsmig-vmm takes it (rundir.h: 1-64 of A-Z a-z 0-9 _ . -,
 * not starting with '.'). Returns 0, or -1 with the reason in why. */
int vmspec_check_name(const char *name, char *why, size_t len);

/* A guest image's name: its file's name without ".elf", under the same
 * rule as a VM name. Returns 0, or -1 with the reason in why. */
int vmspec_check_image(const char *image, char *why, size_t len);

/* Memory as typed (units.h sizes: "64M", "1G", "65536K"; shorter than
 * VMSPEC_MEM_TEXT) into *bytes, written only on success: what dsmig-vmm
 * can give a guest, 4 MiB to 3 GiB in whole 4 KiB pages. Returns 0, or
 * -1 with the reason in why. */
int vmspec_parse_mem(const char *text, uint64_t *bytes, char *why, size_t len);

/* bytes (accepted by vmspec_parse_mem()) in its shortest spelling that
 * reads back the same: "64M", "1G", "4100K". buf holds VMSPEC_MEM_TEXT. */
void vmspec_format_mem(uint64_t bytes, char *buf, size_t len);

#endif /* DSMIG_COMMON_VMSPEC_H */

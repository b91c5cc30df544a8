/*
 * Where dsmig-vmm control sockets live: the runtime directory and the
 * socket path of a named VM inside it. Shared by the VMM (server side)
 * and its clients (`dsmig-vmm ctl|list`, the engine, the console).
 */
#ifndef DSMIG_COMMON_RUNDIR_H
#define DSMIG_COMMON_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#define DSMIG_VM_NAME_MAX 64

/* Write the VMM runtime directory into buf and create it (mode 0700,
 * parents as needed): $DSMIG_RUNTIME_DIR if set and not empty, else
 * /run/dsmig when running as root, else $XDG_RUNTIME_DIR/dsmig, else
 * /tmp/dsmig-<uid> (which must then be a directory owned by the caller).
 * Returns 0 or -errno (-ENAMETOOLONG if buf is too small). */
int dsmig_runtime_dir(char *buf, size_t len);

/* Are a and b the same runtime directory, that is the same host? Decided
 * by identity, never by spelling: the (st_dev, st_ino) of each directory
 * once the kernel has resolved it (symlinks, "..", ".", repeated and
 * trailing '/'), so "/run/a", "/run/a/", "/run/a/x/.." and a symlink to
 * it are one host. Every host dsmig reaches has its runtime directory in
 * this machine's file system (the lab's hosts are network namespaces of
 * it), so this is the whole answer. A b that does not exist is not a (a
 * must exist). Returns 1 same, 0 not, or -1 with the reason (naming the
 * directory) in why[len] when a, or an existing b, cannot be looked at. */
int dsmig_runtime_dir_same(const char *a, const char *b, char *why, size_t len);

/* mkdir -p with mode 0700; the last component must end up a directory.
 * Returns 0 or -errno. */
int mkdir_p(const char *path);

/* True if name is a valid VM name: [A-Za-z0-9_.-]{1,64}, not starting
 * with '.'. */
bool dsmig_vm_name_valid(const char *name);

/* Write "<dir>/<vm_name>.sock" into buf. Returns 0, -EINVAL for an
 * invalid VM name, or -ENAMETOOLONG if the path does not fit buf or a
 * unix socket address. */
int dsmig_socket_path(char *buf, size_t len, const char *dir, const char *vm_name);

/* The inverse: if file (a directory entry) is "<vm_name>.sock" with a
 * valid VM name, write the name into buf and return 0; else -1. */
int dsmig_socket_vm_name(const char *file, char *buf, size_t len);

#endif /* DSMIG_COMMON_RUNDIR_H */

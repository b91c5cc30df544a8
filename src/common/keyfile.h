/*
 * A migration's key file: 32 random bytes as 64 hex digits and a newline,
 * in a file of mode 0600 created exclusively. `dsmig migrate` makes one
 * per migration and hands its path to the engine's ranks (--key-file),
 * which tag every page batch and blob with the key (engine/stream_auth.h).
 */
#ifndef DSMIG_COMMON_KEYFILE_H
#define DSMIG_COMMON_KEYFILE_H

#define KEYFILE_KEY_BYTES 32

/* Make the key file at path from the kernel's random source. Returns 0 or
 * -errno (-EEXIST if path exists: it is never overwritten). */
int keyfile_make(const char *path);

#endif /* DSMIG_COMMON_KEYFILE_H */

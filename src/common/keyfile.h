/*
 * A migration's key file: 32 random bytes as 64 hex digits and a newline,
 * in a file of mode 0600 created exclusively. `dsmig migrate` makes one
 * per migration and hands its path to the engine's ranks (--key-file),
 * which tag every page batch and blob with the key (engine/stream_auth.h).
 * When the ranks run on other machines (ssh hosts: no shared file
 * system), the key goes to them in the environment instead, as the same
 * 64 hex digits in KEYFILE_ENV (mpirun -x; /proc/PID/environ is readable
 * by the same user only, as the 0600 file is).
 */
#ifndef DSMIG_COMMON_KEYFILE_H
#define DSMIG_COMMON_KEYFILE_H

#define KEYFILE_KEY_BYTES 32
#define KEYFILE_HEX_LEN   (2 * KEYFILE_KEY_BYTES)
#define KEYFILE_ENV       "DSMIG_STREAM_KEY"

/* A new key from the kernel's random source, as KEYFILE_HEX_LEN hex
 * digits and a NUL in hex. Returns 0 or -errno. */
int keyfile_hex(char hex[KEYFILE_HEX_LEN + 1]);

/* Make the key file at path from the kernel's random source. Returns 0 or
 * -errno (-EEXIST if path exists: it is never overwritten). */
int keyfile_make(const char *path);

#endif /* DSMIG_COMMON_KEYFILE_H */

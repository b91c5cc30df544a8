/*
 * The per-migration key: every page batch and every blob (vCPU state,
 * carried hypervisor streams, post-copy's bitmap, the VM configuration)
 * ends with a nonce and a Poly1305 tag over the whole message (libsodium's
 * ChaCha20-Poly1305 IETF AEAD with the message as additional data; nothing
 * is encrypted), checked before anything in it is used. The nonce is the
 * sealing rank and its count of messages sealed, so no two messages of a
 * migration share one. `dsmig migrate`
 * makes a random key per migration, in a 0600 file whose path the ranks
 * get (--key-file), or, for ranks on ssh hosts, in the environment
 * (KEYFILE_ENV): the key itself never appears on a command line. A
 * message altered on the wire, or sent by someone without the key, is
 * refused, and the migration fails before the switch-over.
 *
 * Without a key (the engine started by hand, or by tests) messages carry
 * no tag: both ends must agree, so either every rank has the key or none.
 * The round control and the switch-over handshake (READY, GO, CONFIRM)
 * are not tagged yet (docs/security.md).
 */
#ifndef DSMIG_ENGINE_STREAM_AUTH_H
#define DSMIG_ENGINE_STREAM_AUTH_H

#include <stddef.h>

#include <stdint.h>

#define STREAM_AUTH_NONCE_BYTES 12
#define STREAM_AUTH_MAC_BYTES   16
/* What sealing adds to a message: its nonce, then its tag. */
#define STREAM_AUTH_TAG_BYTES   (STREAM_AUTH_NONCE_BYTES + STREAM_AUTH_MAC_BYTES)
#define STREAM_AUTH_KEY_BYTES   32   /* KEYFILE_KEY_BYTES (common/keyfile.h) */

/* Read the key (common/keyfile.h's format): the file must be a regular
 * file of this user's, not readable by group or others, holding 64 hex
 * digits (and a newline). sender names this process among all that seal
 * with the key (its MPI rank): it must be unique to it.
 * Returns 0, or -1 with why. Call before any other thread starts. */
int stream_auth_load(const char *path, uint32_t sender, char *why, size_t len);

/* The same key given as its 64 hex digits (KEYFILE_ENV, for ranks on
 * other machines: common/keyfile.h). Returns 0, or -1 with why. Call
 * before any other thread starts. */
int stream_auth_load_hex(const char *hex, uint32_t sender, char *why, size_t len);

/* Is a key loaded? */
int stream_auth_on(void);

/* Append the nonce and tag of msg[0, len) at msg + len (the buffer must
 * have STREAM_AUTH_TAG_BYTES more); returns the new length. No key: len. */
size_t stream_auth_seal(void *msg, size_t len);

/* Check and strip the tag of a received message: the length without it,
 * or -1 if it is too short or the tag is wrong. No key: len. */
long stream_auth_open(const void *msg, size_t len);

#endif /* DSMIG_ENGINE_STREAM_AUTH_H */

/*
 * Client side of the dsmig-vmm control protocol (docs/control-protocol.md):
 * connect to a VM's socket, read the greeting, run commands synchronously.
 * Used by `dsmig-vmm ctl|list`, and later by the engine and the console.
 */
#ifndef DSMIG_COMMON_CTL_CLIENT_H
#define DSMIG_COMMON_CTL_CLIENT_H

#include <jansson.h>
#include <stddef.h>

struct ctl_client;

/* Connect and read the greeting (kept, see ctl_client_greeting). Times out
 * after timeout_ms. Returns 0, or -errno with the reason in why[len] (len
 * may be 0): the socket's error; -EBUSY, the server has too many clients;
 * -EPROTO, it sent no greeting; -EPROTONOSUPPORT, its greeting names
 * another protocol version than CTL_PROTOCOL_VERSION (both are said). */
int ctl_client_open(struct ctl_client **out, const char *path, int timeout_ms,
		    char *why, size_t len);

/* The greeting object (borrowed, valid until close). */
json_t *ctl_client_greeting(struct ctl_client *c);

/* Run one command and wait for its reply (events that arrive meanwhile are
 * queued for ctl_client_next_event). args may be NULL; it is borrowed.
 * Returns 0 with *ret = the "return" value (new reference), or -1 with
 * *ret = the "error" object (new reference), or -errno on I/O or protocol
 * failure (*ret = NULL). If fd_out is not NULL, a descriptor passed along
 * with the reply (SCM_RIGHTS) is stored there (-1 if none). */
int ctl_client_execute(struct ctl_client *c, const char *command, json_t *args,
		       json_t **ret, int *fd_out, int timeout_ms);

/* Next asynchronous event (new reference), waiting up to timeout_ms
 * (0 = do not wait). Returns 0, -ETIMEDOUT, or -errno. */
int ctl_client_next_event(struct ctl_client *c, json_t **event, int timeout_ms);

void ctl_client_close(struct ctl_client *c);

#endif /* DSMIG_COMMON_CTL_CLIENT_H */

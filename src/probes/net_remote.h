/*
 * The network probe's remote source (private to src/probes): `dsmig wire`
 * (cli/wire.c) run on an ssh host and read back line by line. net.c
 * holds one inside a struct net_probe opened by net_probe_open_ssh() and
 * forwards poll and close to it; net_ssh.c implements it.
 */
#ifndef DSMIG_PROBES_NET_REMOTE_H
#define DSMIG_PROBES_NET_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/hosts.h"

struct net_remote;

/* Start `DSMIG wire --net NET --ports FIRST-LAST` on ssh host h through
 * the master at ctl (ssh connects by itself if that master is gone).
 * Does not wait for it. 0, or -errno with the reason in why. */
int net_remote_open(struct net_remote **r, const struct host *h, const char *ctl,
		    const char *dsmig, const char *net, char *why, size_t len);

/* Read what arrived, without blocking. 0 with the bytes counted there
 * since it opened and the time of that count on this machine's monotonic
 * clock; -EAGAIN when no count has arrived yet; -EIO when it failed or
 * ended (the reason in why, the last count kept). */
int net_remote_poll(struct net_remote *r, uint64_t *bytes, uint64_t *sample_ns,
		    char *why, size_t len);

/* The method the remote probe reports ("pcap", "procfs"), "" before. */
const char *net_remote_method(const struct net_remote *r);

/* End it (its stdin closes, then SIGTERM) and reap it. NULL is allowed. */
void net_remote_close(struct net_remote *r);

#endif /* DSMIG_PROBES_NET_REMOTE_H */

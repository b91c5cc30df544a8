/*
 * What the control protocol's two ends must agree on
 * (docs/control-protocol.md): the server (src/vmm/control*.c) puts this
 * version in its greeting, the client (src/common/ctl_client.c) refuses a
 * greeting of any other. Raise it with every change a client of the
 * previous version would misread.
 */
#ifndef DSMIG_COMMON_CTL_PROTO_H
#define DSMIG_COMMON_CTL_PROTO_H

#define CTL_PROTOCOL_VERSION 1

#endif /* DSMIG_COMMON_CTL_PROTO_H */

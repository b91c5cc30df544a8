/*
 * An HTTP/1.1 server for static documents on lwIP's raw API, over the
 * dsmig NIC (docs/guest-net.md). It owns vCPU 0: httpd_run() brings the
 * NIC up and runs the poll loop until the run ends. What it serves, and
 * what happens between frames, is the workload's business (struct
 * httpd_ops), so this header needs no lwIP type.
 */
#ifndef DSMIG_NET_HTTPD_H
#define DSMIG_NET_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include "dsmig_abi.h"

#define HTTPD_HDR_MAX 1024u   /* longest request header accepted */

/* A document to send: body stays valid and unchanged while the server
 * runs (it is sent without copying). */
struct httpd_body {
	const void *data;
	uint32_t len;
	const char *type;       /* Content-Type */
};

/* The workload's side. Each member is called on vCPU 0 from httpd_run. */
struct httpd_ops {
	/* Find the document at path[0..len) (the target without query),
	 * asked on connection conn. Returns 0 with *out filled, or -1 (the
	 * server answers 404). */
	int (*lookup)(void *ctx, unsigned conn, const char *path, size_t len,
		      struct httpd_body *out);
	/* A response is queued: status 200/404 (400/431 are not reported
	 * here), body length. For the access log and the progress counter. */
	void (*served)(void *ctx, unsigned conn, const char *path, size_t len,
		       int status, uint32_t body_len);
	/* Once per loop pass, with the time. Returns when it next wants to
	 * be called (monotonic ns; UINT64_MAX: no wish). */
	uint64_t (*tick)(void *ctx, uint64_t now_ns);
};

struct httpd_config {
	const struct dsmig_hc_net_info *nic;  /* present == 1 */
	uint32_t ip, netmask, gw;   /* host byte order; gw 0: none */
	uint16_t port;
	unsigned max_conns;         /* more are refused with a reset */
	uint64_t idle_ns;           /* abort connections idle this long */
	uint64_t end_ns;            /* return at this monotonic time */
	unsigned ndocs;             /* for the start line */
	const struct httpd_ops *ops;
	void *ctx;
};

struct httpd_stats {
	uint64_t accepted, refused, closed, aborted_idle, errors;
	uint64_t bad_requests, responses;
	uint64_t rx_frames, tx_frames, tx_dropped, rx_nomem;
};

/* Bring up lwIP and the NIC, listen, serve until cfg->end_ns. Prints one
 * console line when listening. Returns 0 when the run ends, -1 if the
 * server could not start (printed). *st gets the counts. */
int httpd_run(const struct httpd_config *cfg, struct httpd_stats *st);

#endif /* DSMIG_NET_HTTPD_H */

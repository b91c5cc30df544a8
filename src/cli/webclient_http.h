/*
 * The HTTP/1.1 response reader of `dsmig webclient` (webclient.c): bytes
 * from a connection go in, in pieces of any size; out comes whether a
 * whole response has arrived, with its status and whether the connection
 * may carry the next request. Everything is bounded: the status line and
 * headers by WC_HEAD_MAX, a chunk-size or trailer line by WC_LINE_MAX, a
 * body by WC_BODY_MAX (counted, not kept). Whatever does not parse is
 * refused with a reason, never guessed at.
 *
 * Framing, as RFC 9112 section 6 has a client do it: no body after 204
 * and 304; else Transfer-Encoding: chunked (and nothing else), else
 * Content-Length, else the body runs to the end of the connection. A
 * message with both, conflicting Content-Lengths, an interim (1xx)
 * response, obsolete line folding or a header line without a colon is
 * malformed.
 */
#ifndef DSMIG_CLI_WEBCLIENT_HTTP_H
#define DSMIG_CLI_WEBCLIENT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define WC_HEAD_MAX  16384          /* status line and headers */
#define WC_LINE_MAX  256            /* a chunk-size line, a trailer line */
#define WC_BODY_MAX  (1ull << 40)   /* a Content-Length or a chunk size */

enum wc_http_rc {
	WC_HTTP_BAD = -1,   /* malformed: why says how; close the connection */
	WC_HTTP_MORE = 0,   /* everything consumed, the response goes on */
	WC_HTTP_DONE = 1,   /* a whole response; bytes after it not consumed */
};

struct wc_http {
	int state;                  /* private */
	char head[WC_HEAD_MAX];     /* the head as it arrives (private) */
	size_t head_len;
	char line[WC_LINE_MAX];     /* a chunk-size or trailer line (private) */
	size_t line_len;
	uint64_t left;              /* body or chunk bytes still to come (private) */
	/* Known once the head is in (state past the head): */
	int status;                 /* 100..599 */
	int keep_alive;             /* the connection may take the next request */
	uint64_t body_bytes;        /* body bytes so far */
	char why[96];               /* WC_HTTP_BAD: the reason */
};

/* Ready for the next response (the one after a request just sent). */
void wc_http_reset(struct wc_http *r);

/* Feed n bytes of the connection; *used says how many were consumed
 * (all of them unless a response ended among them). */
enum wc_http_rc wc_http_feed(struct wc_http *r, const char *buf, size_t n, size_t *used);

/* The peer closed the connection: WC_HTTP_DONE when that ends a body that
 * runs to the end of the connection, else WC_HTTP_BAD (why: cut short). */
enum wc_http_rc wc_http_eof(struct wc_http *r);

/* Whether any byte of the response has arrived. */
int wc_http_started(const struct wc_http *r);

#endif /* DSMIG_CLI_WEBCLIENT_HTTP_H */

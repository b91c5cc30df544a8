/*
 * Text parsing for the net workload: HTTP/1.1 requests and header fields,
 * and IPv4 addresses from the command line. Pure functions over caller
 * buffers (no allocation, no libc, no guest calls), so the host's unit
 * test (tests/unit/test_net_parse.c) builds the same file.
 */
#ifndef DSMIG_NET_PARSE_H
#define DSMIG_NET_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* ---- HTTP requests ---------------------------------------------------------- */
enum http_parse {
	HTTP_PARSE_INCOMPLETE = 0, /* no end of header yet: wait for bytes */
	HTTP_PARSE_OK,             /* a whole, well-formed request header */
	HTTP_PARSE_BAD,            /* malformed or unsupported: 400, close */
	HTTP_PARSE_TOO_LONG,       /* no end of header in the first max bytes */
};

struct http_request {
	/* Bytes of the request header, blank line included (OK; for BAD
	 * too when the header's end was found, else 0). */
	size_t header_len;
	const char *path;      /* into the buffer: the target without query */
	size_t path_len;
	int head;              /* HEAD: answer without a body */
	int http10;            /* HTTP/1.0 (else HTTP/1.1) */
	int keep_alive;        /* the connection stays open after the reply */
	uint32_t body_len;     /* Content-Length of a body to skip (OK) */
	const char *error;     /* BAD / TOO_LONG: what was wrong (static) */
};

/* Parse the request at the start of buf[0..n): request line
 * "GET|HEAD SP /target SP HTTP/1.1|HTTP/1.0 CRLF", header fields
 * "name: value CRLF", a blank line. Empty lines before the request line
 * are skipped. HTTP/1.1 needs a Host field; Connection: close (1.1) or
 * the absence of Connection: keep-alive (1.0) ends the connection after
 * the reply; Content-Length announces a body to skip; Transfer-Encoding,
 * control characters, lone CR or LF, and lines without a colon are BAD.
 * Only the first max bytes are looked at. */
enum http_parse http_parse_request(const char *buf, size_t n, size_t max,
				   struct http_request *req);

/* ---- header helpers (for responses too) ------------------------------------ */
/* Offset just past the first CRLFCRLF in p[0..n), or -1. */
long http_header_end(const char *p, size_t n);

/* Value of header field name (case-insensitive) in the header block
 * p[0..n), the first line (request or status line) skipped: a pointer to
 * it with leading spaces skipped, and its length in *vlen; NULL if absent. */
const char *http_header_value(const char *p, size_t n, const char *name,
			      size_t *vlen);

/* 1 if v[0..vlen) equals want, ignoring case (v may be NULL: 0). */
int http_value_is(const char *v, size_t vlen, const char *want);

/* Decimal v[0..vlen) of 1..9 digits into *out: 0, or -1 if not one. */
int http_parse_u32(const char *v, size_t vlen, uint32_t *out);

/* ---- IPv4 -------------------------------------------------------------------- */
/* "a.b.c.d" or, if prefix is not NULL, "a.b.c.d/n" (n 0..32; *prefix
 * left as it was without "/n") from s[0..len): four decimal parts of 1-3
 * digits, each <= 255. *addr gets the address in host order (a is the
 * top byte). Returns 0, or -1 if s is not one. */
int ipv4_parse(const char *s, size_t len, uint32_t *addr, unsigned *prefix);

/* The netmask of a prefix length (0..32), host order. */
uint32_t ipv4_netmask(unsigned prefix);

#endif /* DSMIG_NET_PARSE_H */

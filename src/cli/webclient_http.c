/*
 * `dsmig webclient`'s HTTP/1.1 response reader (webclient_http.h): a
 * state machine over the bytes of one connection. The head is collected
 * up to its empty line and then parsed whole; the body is only counted.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/webclient_http.h"

enum {
	ST_HEAD,         /* collecting the status line and headers */
	ST_LENGTH,       /* a body of r->left bytes */
	ST_TO_EOF,       /* a body that runs to the end of the connection */
	ST_CHUNK_SIZE,   /* a chunk-size line */
	ST_CHUNK_DATA,   /* r->left bytes of a chunk */
	ST_CHUNK_CRLF,   /* the CRLF after a chunk's data */
	ST_TRAILER,      /* trailer lines up to an empty one */
};

void wc_http_reset(struct wc_http *r)
{
	r->state = ST_HEAD;
	r->head_len = r->line_len = 0;
	r->left = r->body_bytes = 0;
	r->status = 0;
	r->keep_alive = 0;
	r->why[0] = '\0';
}

int wc_http_started(const struct wc_http *r)
{
	return r->state != ST_HEAD || r->head_len > 0;
}

static enum wc_http_rc bad(struct wc_http *r, const char *why)
{
	snprintf(r->why, sizeof(r->why), "%s", why);
	return WC_HTTP_BAD;
}

/* A decimal number of at most WC_BODY_MAX, the whole of [s, s + n). */
static int parse_length(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || x > WC_BODY_MAX / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > WC_BODY_MAX)
		return -1;
	*v = x;
	return 0;
}

/* Whether the comma-separated list [s, s + n) holds token tok. */
static int has_token(const char *s, size_t n, const char *tok)
{
	size_t i = 0, k = strlen(tok);

	while (i < n) {
		size_t j;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		for (j = i; j < n && s[j] != ','; j++)
			;
		while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t'))
			j--;
		if (j - i == k && !strncasecmp(s + i, tok, k))
			return 1;
		for (i = j; i < n && s[i] != ','; i++)
			;
	}
	return 0;
}

/* The head, r->head[0..len) up to and without its empty line. */
static enum wc_http_rc parse_head(struct wc_http *r, size_t len)
{
	const char *p = r->head, *end = r->head + len;
	int minor, have_len = 0, chunked = 0, close = 0, keep = 0;
	uint64_t clen = 0;

	/* "HTTP/1.x SSS reason" */
	if (len < 12 || memcmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
	    !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) ||
	    !isdigit((unsigned char)p[11]) || (len > 12 && p[12] != ' ' && p[12] != '\r'))
		return bad(r, "bad status line");
	minor = p[7] - '0';
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (r->status < 100 || r->status > 599)
		return bad(r, "bad status code");
	if (r->status < 200)
		return bad(r, "interim (1xx) response");
	p = memchr(p, '\n', (size_t)(end - p));
	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *colon, *v, *ve;
		size_t name_len;

		if (!eol)
			eol = end;
		ve = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (*p == ' ' || *p == '\t')
			return bad(r, "obsolete header line folding");
		colon = memchr(p, ':', (size_t)(ve - p));
		if (!colon || colon == p)
			return bad(r, "header line without a name and a colon");
		name_len = (size_t)(colon - p);
		for (v = colon + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (name_len == 14 && !strncasecmp(p, "Content-Length", 14)) {
			uint64_t x;

			if (parse_length(v, (size_t)(ve - v), &x))
				return bad(r, "bad Content-Length");
			if (have_len && x != clen)
				return bad(r, "conflicting Content-Length headers");
			have_len = 1;
			clen = x;
		} else if (name_len == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
			if ((size_t)(ve - v) != 7 || strncasecmp(v, "chunked", 7))
				return bad(r, "a Transfer-Encoding other than chunked");
			chunked = 1;
		} else if (name_len == 10 && !strncasecmp(p, "Connection", 10)) {
			close |= has_token(v, (size_t)(ve - v), "close");
			keep |= has_token(v, (size_t)(ve - v), "keep-alive");
		}
		p = eol;
	}
	if (chunked && have_len)
		return bad(r, "both Transfer-Encoding and Content-Length");
	r->keep_alive = !close && (minor == 1 || keep);
	if (r->status == 204 || r->status == 304) {
		r->state = ST_LENGTH;
		r->left = 0;
	} else if (chunked) {
		r->state = ST_CHUNK_SIZE;
	} else if (have_len) {
		r->state = ST_LENGTH;
		r->left = clen;
	} else {
		r->state = ST_TO_EOF;
		r->keep_alive = 0;
	}
	return WC_HTTP_MORE;
}

/* Collect head bytes; parse the head once its empty line is in. */
static enum wc_http_rc feed_head(struct wc_http *r, const char *buf, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r->head_len == sizeof(r->head))
			return bad(r, "response head longer than 16 KiB");
		r->head[r->head_len++] = buf[i];
		if (r->head_len >= 4 && !memcmp(r->head + r->head_len - 4, "\r\n\r\n", 4)) {
			*used = i + 1;
			return parse_head(r, r->head_len - 4);
		}
	}
	*used = n;
	return WC_HTTP_MORE;
}

/* Collect a line into r->line; 1 when it is complete (CRLF stripped). */
static int feed_line(struct wc_http *r, const char *buf, size_t n, size_t *used, int *err)
{
	size_t i;

	*err = 0;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			*used = i + 1;
			if (r->line_len && r->line[r->line_len - 1] == '\r')
				r->line_len--;
			r->line[r->line_len] = '\0';
			return 1;
		}
		if (r->line_len == sizeof(r->line) - 1) {
			*err = 1;
			return 0;
		}
		r->line[r->line_len++] = buf[i];
	}
	*used = n;
	return 0;
}

static enum wc_http_rc chunk_size(struct wc_http *r)
{
	uint64_t x = 0;
	size_t i, n = strcspn(r->line, "; \t");

	if (!n)
		return bad(r, "bad chunk size");
	for (i = 0; i < n; i++) {
		int c = tolower((unsigned char)r->line[i]);

		if (!isxdigit(c) || x > WC_BODY_MAX / 16)
			return bad(r, "bad chunk size");
		x = x * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	r->left = x;
	r->state = x ? ST_CHUNK_DATA : ST_TRAILER;
	return WC_HTTP_MORE;
}

enum wc_http_rc wc_http_feed(struct wc_http *r, const char *buf, size_t n, size_t *used)
{
	size_t off = 0, k;
	int err;

	while (off < n || (r->state == ST_LENGTH && r->left == 0)) {
		switch (r->state) {
		case ST_HEAD:
			if (feed_head(r, buf + off, n - off, &k) == WC_HTTP_BAD)
				return WC_HTTP_BAD;
			off += k;
			break;
		case ST_LENGTH:
			k = n - off < r->left ? n - off : (size_t)r->left;
			off += k;
			r->left -= k;
			r->body_bytes += k;
			if (!r->left) {
				*used = off;
				return WC_HTTP_DONE;
			}
			break;
		case ST_TO_EOF:
			r->body_bytes += n - off;
			off = n;
			break;
		case ST_CHUNK_SIZE:
		case ST_TRAILER:
			if (!feed_line(r, buf + off, n - off, &k, &err)) {
				if (err)
					return bad(r, "chunk-size or trailer line too long");
				off += k;
				break;
			}
			off += k;
			r->line_len = 0;
			/* Trailers as bounded as the head (head_len counts on). */
			if (r->state == ST_TRAILER && (r->head_len += k) > WC_HEAD_MAX)
				return bad(r, "trailer longer than 16 KiB");
			if (r->state == ST_CHUNK_SIZE) {
				if (chunk_size(r) == WC_HTTP_BAD)
					return WC_HTTP_BAD;
			} else if (!r->line[0]) {
				*used = off;
				return WC_HTTP_DONE;
			}
			break;
		case ST_CHUNK_DATA:
			k = n - off < r->left ? n - off : (size_t)r->left;
			off += k;
			r->left -= k;
			r->body_bytes += k;
			if (!r->left)
				r->state = ST_CHUNK_CRLF;
			break;
		case ST_CHUNK_CRLF:
			if (!feed_line(r, buf + off, n - off, &k, &err)) {
				if (err)
					return bad(r, "no CRLF after a chunk");
				off += k;
				break;
			}
			off += k;
			if (r->line[0])
				return bad(r, "no CRLF after a chunk");
			r->line_len = 0;
			r->state = ST_CHUNK_SIZE;
			break;
		}
		if (r->state == ST_HEAD && off == n)
			break;
	}
	*used = off;
	return WC_HTTP_MORE;
}

enum wc_http_rc wc_http_eof(struct wc_http *r)
{
	if (r->state == ST_TO_EOF)
		return WC_HTTP_DONE;
	return bad(r, wc_http_started(r) ? "connection closed in the middle of the response"
					 : "connection closed before the response");
}

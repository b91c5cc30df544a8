/*
 * Text parsing for the net workload (see parse.h). Strict where strictness
 * is cheap: one request line, CRLF line ends only, no control characters,
 * bounded lengths. Everything is a bounded scan of the caller's buffer.
 */
#include "parse.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int same_text(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return i == alen && !b[i];
}

static int bytes_are(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++)
		if (a[i] != b[i])
			return 0;
	return i == alen && !b[i];
}

/* RFC 9110 token characters (field names). */
static int is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	for (const char *t = "!#$%&'*+-.^_`|~"; *t; t++)
		if (c == *t)
			return 1;
	return 0;
}

/* Field value characters: visible, space, tab, obs-text. */
static int is_vchar(char c)
{
	unsigned char u = (unsigned char)c;

	return u == '\t' || (u >= 0x20 && u != 0x7f);
}

long http_header_end(const char *p, size_t n)
{
	for (size_t i = 3; i < n; i++)
		if (p[i - 3] == '\r' && p[i - 2] == '\n' && p[i - 1] == '\r' &&
		    p[i] == '\n')
			return (long)(i + 1);
	return -1;
}

const char *http_header_value(const char *p, size_t n, const char *name,
			      size_t *vlen)
{
	size_t nl = 0, i = 0;

	while (name[nl])
		nl++;
	while (i < n && p[i] != '\n')
		i++;
	for (i++; i < n; ) {
		size_t end = i, k;

		while (end < n && p[end] != '\r')
			end++;
		for (k = 0; k < nl && i + k < end && lower(p[i + k]) == lower(name[k]); k++)
			;
		if (k == nl && i + nl < end && p[i + nl] == ':') {
			size_t v = i + nl + 1;

			while (v < end && p[v] == ' ')
				v++;
			*vlen = end - v;
			return p + v;
		}
		i = end + 2;
	}
	return NULL;
}

int http_value_is(const char *v, size_t vlen, const char *want)
{
	return v && same_text(v, vlen, want);
}

int http_parse_u32(const char *v, size_t vlen, uint32_t *out)
{
	uint64_t n = 0;

	if (!v || vlen == 0 || vlen > 9)
		return -1;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = (uint32_t)n;
	return 0;
}

/* Does the comma-separated list v[0..vlen) hold token (any case)? */
static int list_has(const char *v, size_t vlen, const char *token)
{
	size_t i = 0;

	while (i < vlen) {
		size_t s, e;

		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < vlen && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && same_text(v + s, e - s, token))
			return 1;
	}
	return 0;
}

static enum http_parse bad(struct http_request *req, const char *why)
{
	req->error = why;
	return HTTP_PARSE_BAD;
}

/* The request line buf[0..len) (without CRLF). */
static enum http_parse parse_request_line(const char *l, size_t len,
					  struct http_request *req)
{
	size_t i = 0, t;

	while (i < len && l[i] != ' ')
		i++;
	if (bytes_are(l, i, "GET"))
		req->head = 0;
	else if (bytes_are(l, i, "HEAD"))
		req->head = 1;
	else
		return bad(req, "unsupported method");
	if (i + 1 >= len || l[i + 1] != '/')
		return bad(req, "request target is not an absolute path");
	t = ++i;
	while (i < len && l[i] != ' ') {
		unsigned char u = (unsigned char)l[i];

		if (u < 0x21 || u == 0x7f)
			return bad(req, "control character in request target");
		i++;
	}
	req->path = l + t;
	for (req->path_len = 0; t + req->path_len < i; req->path_len++)
		if (l[t + req->path_len] == '?' || l[t + req->path_len] == '#')
			break;
	if (i >= len)
		return bad(req, "no HTTP version in request line");
	i++;
	if (bytes_are(l + i, len - i, "HTTP/1.1"))
		req->http10 = 0;
	else if (bytes_are(l + i, len - i, "HTTP/1.0"))
		req->http10 = 1;
	else
		return bad(req, "unsupported HTTP version");
	return HTTP_PARSE_OK;
}

enum http_parse http_parse_request(const char *buf, size_t n, size_t max,
				   struct http_request *req)
{
	size_t start = 0, i, lines = 0;
	int have_host = 0, have_len = 0, conn_close = 0, conn_keep = 0;
	long end;
	enum http_parse r;

	*req = (struct http_request){ 0 };
	if (n > max)
		n = max;
	/* Empty lines before the request line (RFC 9112 2.2). */
	while (start + 1 < n && buf[start] == '\r' && buf[start + 1] == '\n')
		start += 2;
	end = http_header_end(buf + start, n - start);
	if (end < 0) {
		if (n < max)
			return HTTP_PARSE_INCOMPLETE;
		req->error = "request header too long";
		return HTTP_PARSE_TOO_LONG;
	}
	req->header_len = start + (size_t)end;
	n = req->header_len - 2;      /* up to the blank line's CRLF */

	for (i = start; i < n; lines++) {
		size_t s = i, colon = 0, vs, ve;

		while (i < n && buf[i] != '\r' && buf[i] != '\n') {
			if (!is_vchar(buf[i]))
				return bad(req, "control character in header");
			if (!colon && buf[i] == ':')
				colon = i;
			i++;
		}
		if (i + 1 >= n || buf[i] != '\r' || buf[i + 1] != '\n')
			return bad(req, "line not ended by CRLF");
		if (lines == 0) {
			r = parse_request_line(buf + s, i - s, req);
			if (r != HTTP_PARSE_OK)
				return r;
			i += 2;
			continue;
		}
		if (!colon || colon == s)
			return bad(req, "header line without a field name");
		for (size_t k = s; k < colon; k++)
			if (!is_tchar(buf[k]))
				return bad(req, "bad character in field name");
		for (vs = colon + 1; vs < i && (buf[vs] == ' ' || buf[vs] == '\t'); vs++)
			;
		for (ve = i; ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'); ve--)
			;
		if (same_text(buf + s, colon - s, "host")) {
			if (have_host++)
				return bad(req, "more than one Host field");
		} else if (same_text(buf + s, colon - s, "connection")) {
			conn_close |= list_has(buf + vs, ve - vs, "close");
			conn_keep |= list_has(buf + vs, ve - vs, "keep-alive");
		} else if (same_text(buf + s, colon - s, "content-length")) {
			uint32_t len;

			if (http_parse_u32(buf + vs, ve - vs, &len) != 0)
				return bad(req, "bad Content-Length");
			if (have_len++ && len != req->body_len)
				return bad(req, "conflicting Content-Length fields");
			req->body_len = len;
		} else if (same_text(buf + s, colon - s, "transfer-encoding")) {
			return bad(req, "Transfer-Encoding is not supported");
		}
		i += 2;
	}
	if (lines == 0)
		return bad(req, "no request line");
	if (!req->http10 && !have_host)
		return bad(req, "HTTP/1.1 request without Host");
	req->keep_alive = req->http10 ? conn_keep && !conn_close : !conn_close;
	return HTTP_PARSE_OK;
}

/* ---- IPv4 -------------------------------------------------------------------- */
/* A decimal number of 1..maxdigits digits at s[*i..len), <= maxval. */
static int parse_dec(const char *s, size_t len, size_t *i, unsigned maxdigits,
		     unsigned maxval, unsigned *out)
{
	unsigned v = 0, d = 0;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		if (++d > maxdigits)
			return -1;
		v = v * 10 + (unsigned)(s[(*i)++] - '0');
	}
	if (d == 0 || v > maxval)
		return -1;
	*out = v;
	return 0;
}

int ipv4_parse(const char *s, size_t len, uint32_t *addr, unsigned *prefix)
{
	uint32_t a = 0;
	size_t i = 0;
	unsigned v;

	if (!s)
		return -1;
	for (int part = 0; part < 4; part++) {
		if (part && (i >= len || s[i++] != '.'))
			return -1;
		if (parse_dec(s, len, &i, 3, 255, &v) != 0)
			return -1;
		a = a << 8 | v;
	}
	if (i < len && s[i] == '/' && prefix) {
		i++;
		if (parse_dec(s, len, &i, 2, 32, &v) != 0)
			return -1;
		*prefix = v;
	}
	if (i != len)
		return -1;
	*addr = a;
	return 0;
}

uint32_t ipv4_netmask(unsigned prefix)
{
	return prefix == 0 ? 0 : prefix >= 32 ? UINT32_MAX
					      : ~(uint32_t)0 << (32 - prefix);
}

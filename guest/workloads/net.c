/*
 * net — models the paper's network-intensive workload (Table 2: a web
 * server whose client connections must be kept alive across the
 * migration). Until the VMM has a NIC, the clients live in the guest too.
 *
 * How: a document store of docs documents (doc_min..doc_max bytes each,
 * HTML/CSS/PNG/JSON-ish paths, generated at start and checksummed) is
 * served over conns persistent HTTP/1.1 connections. A connection is a pair
 * of single-producer/single-consumer byte rings in guest memory (spsc.h):
 * requests client -> server, responses server -> client. With two or more
 * vCPUs the server runs on vCPU 0 and the clients on vCPU 1; with one vCPU
 * the same vCPU takes turns. Other vCPUs sleep.
 *
 * Clients send GETs at rate requests/s in total (paced in 1 ms steps, one
 * outstanding request per connection, Connection: keep-alive, a close after
 * keepalive requests as servers enforce, about 1 in 32 requests for a path
 * that does not exist). The server parses the request line and headers,
 * looks the path up in a hash table, checks the document's checksum,
 * builds the response (status line, Content-Type, Content-Length,
 * Connection) and appends a line to an access log (a circular buffer of
 * log bytes). Clients check each response: status line, Content-Length,
 * Connection, and the body's checksum against a table they computed
 * themselves from the generator. Any mismatch counts into selfcheck_fail.
 * Every verify_s seconds the server checks the whole document store.
 *
 * Args: conns=64 rate=2000 docs=256 doc_min=1K doc_max=16K keepalive=100
 *       log=1M verify_s=2 seed=1 duration_ms=0 (0 = forever) inject_ms
 *       (corrupt a byte of document 0 then, to test the checks).
 * Progress = requests served.
 */
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "hash.h"
#include "rng.h"
#include "spsc.h"
#include "workload.h"
#include "net/httpd.h"
#include "net/parse.h"

#define REQ_RING        2048
#define HDR_MAX         1024         /* longest request/response header */
#define POLL_NS         NS_PER_MS    /* idle poll / client pacing step */
#define DRAIN_NS        NS_PER_S     /* how long the clients wait at the end */
#define NOT_FOUND_BODY  "<html><body><h1>404 Not Found</h1></body></html>\n"
#define MISSING_DOC     UINT32_MAX
#define REPORT_MAX      5            /* error lines printed per side */

struct doc {
	char path[40];
	uint32_t path_len;
	uint32_t len;
	const char *type;
	unsigned char *body;
	uint64_t sum;         /* server's checksum of body */
	uint64_t hits;
};

/* Per connection: the two rings, then client and server state on separate
 * cache lines (different vCPUs write them). */
struct conn {
	struct spsc req;
	struct spsc resp;
	struct {
		uint32_t waiting;      /* a request is outstanding */
		uint32_t expect_doc;   /* its document, or MISSING_DOC */
		uint32_t expect_close;
		uint64_t sent_ns;
		uint64_t on_conn;      /* requests on this connection so far */
		uint64_t reconnects;
	} c __attribute__((aligned(64)));
	struct {
		uint64_t served_on_conn;
	} s __attribute__((aligned(64)));
};

struct expect {            /* what the clients know of each document */
	uint32_t len;
	uint64_t sum;
};

struct web {
	const struct dsmig_boot_info *bi;
	uint64_t seed;
	unsigned ndocs, nconns;
	uint32_t doc_min, doc_max;
	uint64_t rate, keepalive, verify_ns;
	struct doc *docs;
	uint32_t *index;       /* path hash table: doc + 1, 0 = empty */
	size_t index_cap;
	struct conn *conns;
	char *log;             /* access log, circular */
	size_t log_size, log_pos;
	/* client side */
	struct expect *expect;
	unsigned char *recv;   /* doc_max bytes */
	uint64_t client_t0, paced, issued, completed, not_found, late;
	uint64_t client_errors;
	uint64_t max_latency_ns;
	unsigned next_conn;
	uint64_t rng;
	/* server side */
	unsigned char *scratch; /* doc_max bytes, for docs_verify */
	uint64_t served, server_errors;
	/* run control */
	uint64_t inject_ns, next_verify;
	uint32_t stopping, client_done;
};

static struct web W;

/* ---- documents ------------------------------------------------------------------ */
static const char *const doc_types[] = {
	"text/html", "text/css", "image/png", "application/json",
};

static void doc_path(unsigned i, char *buf, size_t size)
{
	static const char *const prefix[] = {
		"/index-", "/static/css/site-", "/img/photo-", "/api/items/",
	};
	static const char *const suffix[] = { ".html", ".css", ".png", "" };

	gsnprintf(buf, size, "%s%u%s", prefix[i % 4], i, suffix[i % 4]);
}

static uint32_t doc_len(const struct web *w, unsigned i)
{
	uint64_t r = mix2(w->seed, i);

	return w->doc_min + (uint32_t)(r % (w->doc_max - w->doc_min + 1));
}

/* Body of document i: printable bytes from a generator seeded by (seed, i). */
static void doc_generate(const struct web *w, unsigned i, unsigned char *dst,
			 uint32_t len)
{
	uint64_t s = rng_seed(mix2(w->seed ^ 0x646f63ull, i));
	uint64_t r = 0;

	for (uint32_t k = 0; k < len; k++) {
		if (k % 8 == 0)
			r = rng_next(&s);
		dst[k] = (unsigned char)(' ' + (r & 0xff) % 95);
		r >>= 8;
	}
}

static uint64_t body_hash(const void *p, size_t len)
{
	return hash64(p, len, 0x68747470ull);
}

static void docs_init(struct web *w)
{
	w->docs = galloc_must(w->ndocs * sizeof(*w->docs), 64, "doc table");
	for (w->index_cap = 16; w->index_cap < 2 * (size_t)w->ndocs; w->index_cap *= 2)
		;
	w->index = galloc_must(w->index_cap * 4, 64, "doc index");
	memset(w->index, 0, w->index_cap * 4);
	for (unsigned i = 0; i < w->ndocs; i++) {
		struct doc *d = &w->docs[i];
		size_t slot;

		doc_path(i, d->path, sizeof(d->path));
		d->path_len = (uint32_t)strlen(d->path);
		d->len = doc_len(w, i);
		d->type = doc_types[i % 4];
		d->body = galloc_must(d->len, 8, "doc body");
		doc_generate(w, i, d->body, d->len);
		d->sum = body_hash(d->body, d->len);
		d->hits = 0;
		slot = hash64(d->path, d->path_len, 0) & (w->index_cap - 1);
		while (w->index[slot])
			slot = (slot + 1) & (w->index_cap - 1);
		w->index[slot] = i + 1;
	}
}

static uint32_t docs_lookup(const struct web *w, const char *path, size_t len)
{
	size_t slot = hash64(path, len, 0) & (w->index_cap - 1);

	for (; w->index[slot]; slot = (slot + 1) & (w->index_cap - 1)) {
		const struct doc *d = &w->docs[w->index[slot] - 1];

		if (d->path_len == len && !memcmp(d->path, path, len))
			return w->index[slot] - 1;
	}
	return MISSING_DOC;
}

/* Regenerate every document and compare contents and checksum. */
static uint64_t docs_verify(struct web *w)
{
	uint64_t bad = 0;

	for (unsigned i = 0; i < w->ndocs; i++) {
		const struct doc *d = &w->docs[i];
		uint64_t sum = body_hash(d->body, d->len);
		int same;

		doc_generate(w, i, w->scratch, d->len);
		same = d->len == doc_len(w, i) && !memcmp(w->scratch, d->body, d->len);
		if (same && sum == d->sum)
			continue;
		if (!bad)
			gprintf("CORRUPT net document %u %s (gpa %p, %u bytes): contents %s, checksum stored 0x%lx actual 0x%lx\n",
				i, d->path, (const void *)d->body, d->len,
				same ? "right" : "WRONG", d->sum, sum);
		bad++;
	}
	counters_selfcheck(bad);
	return bad;
}

/* ---- server ------------------------------------------------------------------------- */
static void access_log(struct web *w, unsigned conn, const char *path,
		       size_t plen, int status, uint32_t len)
{
	char line[128];
	int n = gsnprintf(line, sizeof(line), "c%u GET ", conn);

	if (plen > 64)
		plen = 64;
	memcpy(line + n, path, plen);
	n += (int)plen;
	n += gsnprintf(line + n, sizeof(line) - (size_t)n, " %d %u\n", status, len);
	for (int i = 0; i < n; i++) {
		w->log[w->log_pos] = line[i];
		w->log_pos = (w->log_pos + 1) % w->log_size;
	}
}

static void server_error(struct web *w, unsigned conn, const char *what)
{
	if (w->server_errors++ < REPORT_MAX)
		gprintf("net server: connection %u: %s\n", conn, what);
	counters_fail(1);
}

/* The response to a GET of path[0..plen): 200 with the document (its
 * checksum checked first, a hit counted) or 404. */
static int web_lookup(struct web *w, unsigned conn, const char *path, size_t plen,
		      const unsigned char **body, uint32_t *blen,
		      const char **type)
{
	uint32_t di = docs_lookup(w, path, plen);
	struct doc *d;

	if (di == MISSING_DOC) {
		*body = (const unsigned char *)NOT_FOUND_BODY;
		*blen = sizeof(NOT_FOUND_BODY) - 1;
		*type = "text/html";
		return 404;
	}
	d = &w->docs[di];
	if (body_hash(d->body, d->len) != d->sum)
		server_error(w, conn, "document checksum mismatch before sending");
	d->hits++;
	*body = d->body;
	*blen = d->len;
	*type = d->type;
	return 200;
}

/* Serve at most one request from connection ci. Returns 1 if it did. */
static int serve_one(struct web *w, unsigned ci)
{
	struct conn *c = &w->conns[ci];
	char req[HDR_MAX];
	char hdr[256];
	uint64_t avail = spsc_avail(&c->req), n = avail < HDR_MAX ? avail : HDR_MAX;
	struct http_request r;
	int status, hlen;
	const unsigned char *body;
	uint32_t blen;
	const char *type;

	if (avail == 0)
		return 0;
	spsc_peek(&c->req, 0, req, n);
	switch (http_parse_request(req, n, HDR_MAX, &r)) {
	case HTTP_PARSE_INCOMPLETE:
		return 0;                       /* wait for more */
	case HTTP_PARSE_TOO_LONG:
		server_error(w, ci, r.error);
		spsc_consume(&c->req, avail);
		return 1;
	case HTTP_PARSE_BAD:
		server_error(w, ci, r.error);
		spsc_consume(&c->req, r.header_len ? r.header_len : avail);
		return 1;
	case HTTP_PARSE_OK:
		break;
	}
	status = web_lookup(w, ci, r.path, r.path_len, &body, &blen, &type);
	hlen = gsnprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %s\r\nServer: dsmig-httpd/1.0\r\nContent-Type: %s\r\nContent-Length: %u\r\nConnection: %s\r\n\r\n",
			 status == 200 ? "200 OK" : "404 Not Found", type, blen,
			 r.keep_alive ? "keep-alive" : "close");
	{
		struct spsc_part parts[2] = { { hdr, (uint64_t)hlen },
					      { body, r.head ? 0 : blen } };

		if (spsc_writev(&c->resp, parts, 2) != 0)
			return 0;               /* no room: retry later */
	}
	access_log(w, ci, r.path, r.path_len, status, blen);
	spsc_consume(&c->req, r.header_len);
	c->s.served_on_conn = r.keep_alive ? c->s.served_on_conn + 1 : 0;
	w->served++;
	counters_progress(1);
	return 1;
}

static int server_step(struct web *w)
{
	int did = 0;

	for (unsigned i = 0; i < w->nconns; i++)
		while (serve_one(w, i))
			did = 1;
	return did;
}

/* ---- client ----------------------------------------------------------------------- */
static void client_error(struct web *w, unsigned conn, const char *what,
			 uint64_t a, uint64_t b)
{
	if (w->client_errors++ < REPORT_MAX)
		gprintf("net client: connection %u: %s (%lu vs expected %lu)\n",
			conn, what, a, b);
	counters_fail(1);
}

static void client_init(struct web *w)
{
	w->expect = galloc_must(w->ndocs * sizeof(*w->expect), 64, "expect");
	w->recv = galloc_must(w->doc_max, 64, "recv buffer");
	for (unsigned i = 0; i < w->ndocs; i++) {
		w->expect[i].len = doc_len(w, i);
		doc_generate(w, i, w->recv, w->expect[i].len);
		w->expect[i].sum = body_hash(w->recv, w->expect[i].len);
	}
	w->rng = rng_seed(w->seed ^ 0x636c69656e74ull);
}

/* Take the response for connection ci if it is complete; returns 1 if so. */
static int client_receive(struct web *w, unsigned ci, uint64_t now)
{
	struct conn *c = &w->conns[ci];
	char hdr[HDR_MAX];
	uint64_t avail = spsc_avail(&c->resp), n = avail < HDR_MAX ? avail : HDR_MAX;
	long end;
	const char *v;
	size_t vlen;
	uint32_t clen = 0, want_len;
	uint64_t want_sum;
	int is_404 = c->c.expect_doc == MISSING_DOC;

	if (avail == 0)
		return 0;
	spsc_peek(&c->resp, 0, hdr, n);
	end = http_header_end(hdr, n);
	if (end < 0) {
		if (n < HDR_MAX)
			return 0;
		client_error(w, ci, "response header too long", n, HDR_MAX);
		spsc_consume(&c->resp, avail);
		c->c.waiting = 0;
		return 1;
	}
	v = http_header_value(hdr, (size_t)end, "Content-Length", &vlen);
	if (http_parse_u32(v, vlen, &clen) != 0 || clen > w->doc_max) {
		client_error(w, ci, "bad Content-Length", clen, w->doc_max);
		spsc_consume(&c->resp, avail);
		c->c.waiting = 0;
		return 1;
	}
	if (avail < (uint64_t)end + clen)
		return 0;                       /* body still coming */
	spsc_peek(&c->resp, (uint64_t)end, w->recv, clen);
	spsc_consume(&c->resp, (uint64_t)end + clen);
	c->c.waiting = 0;

	want_len = is_404 ? sizeof(NOT_FOUND_BODY) - 1 : w->expect[c->c.expect_doc].len;
	want_sum = is_404 ? body_hash(NOT_FOUND_BODY, want_len)
			  : w->expect[c->c.expect_doc].sum;
	if (strncmp(hdr, is_404 ? "HTTP/1.1 404 Not Found\r\n" : "HTTP/1.1 200 OK\r\n",
		    is_404 ? 24 : 17) != 0)
		client_error(w, ci, "wrong status line for document",
			     c->c.expect_doc, c->c.expect_doc);
	else if (clen != want_len)
		client_error(w, ci, "wrong Content-Length", clen, want_len);
	else if (body_hash(w->recv, clen) != want_sum)
		client_error(w, ci, "body checksum mismatch for document",
			     c->c.expect_doc, c->c.expect_doc);
	v = http_header_value(hdr, (size_t)end, "Connection", &vlen);
	if (!http_value_is(v, vlen, c->c.expect_close ? "close" : "keep-alive"))
		client_error(w, ci, "wrong Connection header", vlen,
			     c->c.expect_close);
	if (c->c.expect_close) {               /* server closed: reconnect */
		c->c.on_conn = 0;
		c->c.reconnects++;
	}
	if (now - c->c.sent_ns > w->max_latency_ns)
		w->max_latency_ns = now - c->c.sent_ns;
	w->not_found += (uint64_t)is_404;
	w->completed++;
	return 1;
}

static int client_send(struct web *w, unsigned ci, uint64_t now)
{
	struct conn *c = &w->conns[ci];
	char req[256], path[48];
	uint32_t di;
	int close, n;

	if (rng_below(&w->rng, 32) == 0) {
		di = MISSING_DOC;
		gsnprintf(path, sizeof(path), "/missing/%lu", rng_next(&w->rng) % 100000);
	} else {
		di = (uint32_t)rng_below(&w->rng, w->ndocs);
		doc_path(di, path, sizeof(path));
	}
	close = c->c.on_conn + 1 >= w->keepalive;
	n = gsnprintf(req, sizeof(req),
		      "GET %s HTTP/1.1\r\nHost: dsmig.test\r\nUser-Agent: dsmig-client/1.0\r\nAccept: */*\r\nConnection: %s\r\n\r\n",
		      path, close ? "close" : "keep-alive");
	{
		struct spsc_part part = { req, (uint64_t)n };

		if (spsc_writev(&c->req, &part, 1) != 0)
			return 0;
	}
	c->c.waiting = 1;
	c->c.expect_doc = di;
	c->c.expect_close = (uint32_t)close;
	c->c.sent_ns = now;
	c->c.on_conn++;
	w->issued++;
	return 1;
}

/* Take finished responses; then, unless stopping, send what the rate owes
 * on idle connections. Returns the number of requests still outstanding. */
static uint64_t client_step(struct web *w, uint64_t now, int stopping)
{
	uint64_t target, outstanding = 0;
	unsigned tries = 0;

	for (unsigned i = 0; i < w->nconns; i++)
		if (w->conns[i].c.waiting && !client_receive(w, i, now))
			outstanding++;
	if (stopping)
		return outstanding;
	/* paced = requests the rate has asked for so far; those the
	 * connections could not take in time are made up in a burst later,
	 * but at most one per connection: the rest count as late. */
	target = (now - w->client_t0) / NS_PER_MS * w->rate / 1000;
	if (target > w->paced + w->nconns) {
		w->late += target - w->paced - w->nconns;
		w->paced = target - w->nconns;
	}
	while (w->paced < target && tries++ < w->nconns) {
		unsigned ci = w->next_conn;

		w->next_conn = (w->next_conn + 1) % w->nconns;
		if (!w->conns[ci].c.waiting && client_send(w, ci, now)) {
			w->paced++;
			outstanding++;
			tries = 0;
		}
	}
	return outstanding;
}

/* ---- setup -------------------------------------------------------------------------- */
/* Arguments of the document store and access log (both modes). */
static void store_args(struct web *w, const struct dsmig_boot_info *bi)
{
	const char *cl = bi->cmdline;

	w->bi = bi;
	w->seed = arg_u64(cl, "seed", 1);
	w->ndocs = (unsigned)arg_u64(cl, "docs", 256);
	w->doc_min = (uint32_t)arg_u64(cl, "doc_min", 1 << 10);
	w->doc_max = (uint32_t)arg_u64(cl, "doc_max", 16 << 10);
	w->log_size = (size_t)arg_u64(cl, "log", 1 << 20);
	w->verify_ns = arg_u64(cl, "verify_s", 2) * NS_PER_S;
	if (w->ndocs == 0)
		w->ndocs = 1;
	if (w->doc_max > (16u << 20))
		w->doc_max = 16u << 20;
	if (w->doc_min == 0)
		w->doc_min = 1;
	if (w->doc_min > w->doc_max)
		w->doc_min = w->doc_max;
	if (w->log_size == 0)
		w->log_size = 4096;
}

/* Generate the documents (a self-verifying region) and the access log. */
static void store_init(struct web *w)
{
	uint64_t pages = 0;

	w->scratch = galloc_must(w->doc_max, 64, "server scratch");
	docs_init(w);
	for (unsigned i = 0; i < w->ndocs; i++)
		pages += (w->docs[i].len + DSMIG_PAGE_SIZE - 1) / DSMIG_PAGE_SIZE;
	counters_add_region_pages(pages);
	w->log = galloc_must(w->log_size, DSMIG_PAGE_SIZE, "access log");
}

/* Without a NIC: the in-guest clients and their ring connections. */
static void rings_init(struct web *w)
{
	const struct dsmig_boot_info *bi = w->bi;
	const char *cl = bi->cmdline;
	uint64_t resp_ring = 4096;

	w->nconns = (unsigned)arg_u64(cl, "conns", 64);
	w->rate = arg_u64(cl, "rate", 2000);
	w->keepalive = arg_u64(cl, "keepalive", 100);
	if (w->nconns == 0)
		w->nconns = 1;
	if (w->keepalive == 0)
		w->keepalive = 1;
	while (resp_ring < (uint64_t)w->doc_max + HDR_MAX)
		resp_ring *= 2;
	gprintf("net: conns=%u rate=%lu docs=%u doc_min=%u doc_max=%u keepalive=%lu log=%luK verify_s=%lu mode=%s\n",
		w->nconns, w->rate, w->ndocs, w->doc_min, w->doc_max,
		w->keepalive, (uint64_t)w->log_size >> 10,
		w->verify_ns / NS_PER_S,
		bi->nr_vcpus >= 2 ? "server-vcpu0/client-vcpu1" : "one-vcpu");

	store_init(w);
	w->conns = galloc_must(w->nconns * sizeof(*w->conns), 64, "connections");
	for (unsigned i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		memset(c, 0, sizeof(*c));
		spsc_init(&c->req, galloc_must(REQ_RING, 64, "request ring"), REQ_RING);
		spsc_init(&c->resp, galloc_must(resp_ring, DSMIG_PAGE_SIZE,
						"response ring"), resp_ring);
	}
	client_init(w);
}

/* The run's deadlines for inject_ms and verify_s, from its start. */
static void checks_start(struct web *w, uint64_t now)
{
	w->next_verify = now + w->verify_ns;
	w->inject_ns = wl_inject_ns(w->bi, now);
}

/* Corrupt a document if inject_ms says it is time; verify the store
 * every verify_s. Returns 1 if it verified (that takes a while). */
static int checks_run(struct web *w, uint64_t now)
{
	if (w->inject_ns && now >= w->inject_ns) {
		w->docs[0].body[w->docs[0].len / 2] ^= 0x20;
		gprintf("inject: corrupted document 0 (%s) on purpose\n",
			w->docs[0].path);
		w->inject_ns = 0;
	}
	if (w->verify_ns && now >= w->next_verify) {
		docs_verify(w);
		w->next_verify = hc_monotonic_ns() + w->verify_ns;
		return 1;
	}
	return 0;
}

/* ---- with a NIC: the HTTP server on lwIP (net/httpd.c) ------------------------------ */
static int http_lookup(void *ctx, unsigned conn, const char *path, size_t len,
		       struct httpd_body *out)
{
	const unsigned char *body;

	if (web_lookup(ctx, conn, path, len, &body, &out->len, &out->type) != 200)
		return -1;
	out->data = body;
	return 0;
}

static void http_served(void *ctx, unsigned conn, const char *path, size_t len,
			int status, uint32_t body_len)
{
	struct web *w = ctx;

	access_log(w, conn, path, len, status, body_len);
	w->served++;
	counters_progress(1);
}

static uint64_t http_tick(void *ctx, uint64_t now)
{
	struct web *w = ctx;
	uint64_t next = UINT64_MAX;

	checks_run(w, now);
	if (w->inject_ns)
		next = w->inject_ns;
	if (w->verify_ns && w->next_verify < next)
		next = w->next_verify;
	return next;
}

static const struct httpd_ops http_ops = {
	.lookup = http_lookup,
	.served = http_served,
	.tick = http_tick,
};

/* An IPv4 address argument; a malformed one ends the VM with status 2. */
static int arg_ipv4(const char *cl, const char *key, uint32_t *addr,
		    unsigned *prefix)
{
	size_t len;
	const char *v = arg_str(cl, key, &len);
	char shown[48];

	if (!v)
		return 0;
	if (ipv4_parse(v, len, addr, prefix) == 0 && *addr != 0)
		return 1;
	if (len >= sizeof(shown))
		len = sizeof(shown) - 1;
	memcpy(shown, v, len);
	shown[len] = '\0';
	gprintf("net: bad %s=%s: want a dotted quad%s, e.g. %s\n", key, shown,
		prefix ? " with an optional /prefix" : "",
		prefix ? "ip=198.19.0.10/24" : "gw=198.19.0.1");
	hc_exit(2);
}

/* Args: ip=A.B.C.D[/N] (default 198.19.0.10/24), gw=A.B.C.D (none),
 * port=80, max_conns=480, idle_s=60. */
static void nic_config(const struct dsmig_boot_info *bi, struct httpd_config *cfg)
{
	const char *cl = bi->cmdline;
	unsigned prefix = 24;
	uint64_t port = arg_u64(cl, "port", 80);

	cfg->ip = 198u << 24 | 19u << 16 | 10u;
	arg_ipv4(cl, "ip", &cfg->ip, &prefix);
	cfg->netmask = ipv4_netmask(prefix);
	cfg->gw = 0;
	arg_ipv4(cl, "gw", &cfg->gw, NULL);
	if (port == 0 || port > 65535) {
		gprintf("net: bad port=%lu: want 1..65535\n", port);
		hc_exit(2);
	}
	cfg->port = (uint16_t)port;
	cfg->max_conns = (unsigned)arg_u64(cl, "max_conns", 480);
	cfg->idle_ns = arg_u64(cl, "idle_s", 60) * NS_PER_S;
}

static int nic_main(struct web *w, const struct dsmig_boot_info *bi,
		    const struct dsmig_hc_net_info *nic)
{
	struct httpd_config cfg = { .nic = nic, .ops = &http_ops, .ctx = w };
	struct httpd_stats st;
	char extra[256];
	uint64_t now;

	nic_config(bi, &cfg);
	store_args(w, bi);
	store_init(w);
	cfg.ndocs = w->ndocs;
	now = hc_monotonic_ns();
	cfg.end_ns = wl_end_ns(bi, now);
	checks_start(w, now);
	if (httpd_run(&cfg, &st) != 0)
		return 3;
	docs_verify(w);
	gsnprintf(extra, sizeof(extra), "served=%lu accepted=%lu refused=%lu bad_requests=%lu idle_aborts=%lu rx_frames=%lu tx_frames=%lu tx_dropped=%lu rx_nomem=%lu",
		  w->served, st.accepted, st.refused, st.bad_requests,
		  st.aborted_idle, st.rx_frames, st.tx_frames, st.tx_dropped,
		  st.rx_nomem);
	return wl_finish(extra);
}

/* ---- without a NIC: server and in-guest clients over rings --------------------------- */
static void client_loop(struct web *w, unsigned vcpu)
{
	struct ticker t;
	uint64_t drain_end = 0;

	ticker_init(&t, vcpu, 10 * NS_PER_MS);
	w->client_t0 = t.now;
	for (;;) {
		int stopping = (int)__atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE);
		uint64_t outstanding = client_step(w, t.now, stopping);

		if (stopping) {
			if (!drain_end)
				drain_end = t.now + DRAIN_NS;
			if (!outstanding || t.now >= drain_end)
				break;
		}
		ticker_sleep_until(&t, t.now + POLL_NS);
	}
	wl_flag_raise(&w->client_done);
}

static void finish_extra(const struct web *w, char *buf, size_t size)
{
	uint64_t reconnects = 0;

	for (unsigned i = 0; i < w->nconns; i++)
		reconnects += w->conns[i].c.reconnects;
	gsnprintf(buf, size, "issued=%lu completed=%lu not_found=%lu late=%lu reconnects=%lu max_latency_us=%lu",
		  w->issued, w->completed, w->not_found, w->late, reconnects,
		  w->max_latency_ns / 1000);
}

static int rings_main(struct web *w, const struct dsmig_boot_info *bi,
		      uint32_t *ready)
{
	int split = bi->nr_vcpus >= 2;
	struct ticker t;
	uint64_t end_ns;
	char extra[192];

	store_args(w, bi);
	rings_init(w);
	wl_flag_raise(ready);

	ticker_init(&t, 0, 10 * NS_PER_MS);
	if (!split)
		w->client_t0 = t.now;
	end_ns = wl_end_ns(bi, t.now);
	checks_start(w, t.now);
	while (t.now < end_ns) {
		if (!split)
			client_step(w, t.now, 0);
		if (!server_step(w) || !split)
			ticker_sleep_until(&t, t.now + POLL_NS);
		else
			ticker_update(&t);
		if (checks_run(w, t.now))
			ticker_update(&t);
	}

	/* Stop the clients, serve what they still wait for, check once more. */
	__atomic_store_n(&w->stopping, 1, __ATOMIC_RELEASE);
	if (split) {
		while (!__atomic_load_n(&w->client_done, __ATOMIC_ACQUIRE)) {
			if (!server_step(w))
				ticker_sleep_until(&t, t.now + POLL_NS);
		}
	} else {
		uint64_t drain_end = t.now + DRAIN_NS;

		while (client_step(w, t.now, 1) && t.now < drain_end) {
			server_step(w);
			ticker_sleep_until(&t, t.now + POLL_NS);
		}
	}
	for (unsigned i = 0; i < w->nconns; i++)
		if (w->conns[i].c.waiting)
			client_error(w, i, "no response by the end of the run", 0, 0);
	docs_verify(w);
	finish_extra(w, extra, sizeof(extra));
	return wl_finish(extra);
}

/* ---- the mode choice ------------------------------------------------------------------ */
int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	static uint32_t ready;
	static struct dsmig_hc_net_info nic;   /* set by vCPU 0 before ready */
	struct web *w = &W;

	if (vcpu >= 2 || (vcpu == 1 && bi->nr_vcpus < 2))
		wl_park();
	if (vcpu == 1) {
		wl_wait_flag(&ready, 1);
		if (!nic.present)
			client_loop(w, 1);
		wl_park();
	}
	counters_init("net");
	hc_net_info(&nic);
	if (!nic.present)
		return rings_main(w, bi, &ready);
	wl_flag_raise(&ready);          /* vCPU 1 has nothing to do: it parks */
	return nic_main(w, bi, &nic);
}

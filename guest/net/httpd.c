/*
 * The net workload's HTTP/1.1 server on lwIP's raw API (see httpd.h and
 * docs/guest-net.md).
 *
 * One struct hconn per accepted connection, from a fixed table of
 * max_conns; beyond that a new connection is reset. Received bytes are
 * copied from lwIP's pbufs into the connection's rx buffer (two request
 * headers' worth; the rest waits in rxq), and acknowledged to TCP
 * (tcp_recved) only as requests are consumed, so a client that pipelines
 * faster than we answer sees its window close.
 *
 * Requests on a connection are answered strictly in order: the next one is
 * parsed only when the current response is entirely queued in TCP. A
 * response is a copied header (TCP_WRITE_FLAG_COPY) and the document's
 * bytes referenced where they lie (no copy); what the send buffer cannot
 * take now is queued from the sent callback, or from the poll callback
 * when lwIP ran out of segments. A malformed request gets 400 (an
 * over-long header 431) and the connection is closed after it.
 *
 * The loop (httpd_run, vCPU 0): read the NIC's frames into lwIP, run
 * lwIP's timers, give the workload its tick, then sleep in DSMIG_HC_POLL
 * until a frame arrives or the next deadline (at most LOOP_MAX_NS).
 */
#include "httpd.h"
#include "parse.h"
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "workload.h"
#include "dsmig_netif.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#define RX_BUF          (2 * HTTPD_HDR_MAX)
#define RESP_HDR_MAX    256
#define POLL_TICKS      2                 /* tcp_poll: every 2 x 500 ms */
#define LOOP_MAX_NS     (5 * NS_PER_MS)   /* longest sleep with timers due */
#define FRAMES_PER_PASS 256
#define CLOSE_TRIES     10                /* then abort */
#define MAX_CONNS_LIMIT (MEMP_NUM_TCP_PCB - 16)

#define BODY_400 "<html><body><h1>400 Bad Request</h1></body></html>\n"
#define BODY_431 "<html><body><h1>431 Request Header Fields Too Large</h1></body></html>\n"
#define BODY_404 "<html><body><h1>404 Not Found</h1></body></html>\n"

enum conn_state { CONN_FREE, CONN_OPEN, CONN_CLOSING };

struct hconn {
	struct tcp_pcb *pcb;
	struct hconn *next_free;
	unsigned id;
	uint8_t state;          /* enum conn_state */
	uint8_t close_after;    /* close once the response is queued */
	uint8_t peer_closed;    /* FIN received */
	uint8_t close_tries;
	uint64_t last_ns;       /* last activity, for the idle timeout */
	struct pbuf *rxq;       /* received bytes that did not fit in rx */
	uint32_t rx_len;        /* bytes in rx */
	uint32_t skip;          /* request body bytes still to drop */
	/* The response being queued: header (copied), then body (not). */
	uint32_t hdr_len;
	const unsigned char *body;
	uint32_t body_left;
	char hdr[RESP_HDR_MAX];
	char rx[RX_BUF];
};

static struct {
	const struct httpd_config *cfg;
	struct hconn *conns;
	struct hconn *free;
	unsigned active;
	uint64_t now;           /* monotonic ns at the top of this loop pass */
	struct httpd_stats st;
} S;

/* ---- connection table ----------------------------------------------------------- */
static struct hconn *conn_alloc(void)
{
	struct hconn *c = S.free;

	if (!c)
		return NULL;
	S.free = c->next_free;
	c->next_free = NULL;
	c->state = CONN_OPEN;
	c->close_after = c->peer_closed = c->close_tries = 0;
	c->rxq = NULL;
	c->rx_len = c->skip = c->hdr_len = c->body_left = 0;
	c->body = NULL;
	c->last_ns = S.now;
	S.active++;
	return c;
}

/* Forget c; its pcb is gone or no longer ours. */
static void conn_release(struct hconn *c)
{
	if (c->rxq)
		pbuf_free(c->rxq);
	c->rxq = NULL;
	c->pcb = NULL;
	c->state = CONN_FREE;
	c->next_free = S.free;
	S.free = c;
	S.active--;
}

static void pcb_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

/* Abort c's connection (RST). Returns ERR_ABRT, for callbacks to return. */
static err_t conn_abort(struct hconn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	pcb_detach(pcb);
	conn_release(c);
	tcp_abort(pcb);
	return ERR_ABRT;
}

/* Tell TCP we took n bytes (tcp_recved takes at most 0xffff at a time). */
static void ack_bytes(struct tcp_pcb *pcb, uint32_t n)
{
	while (n) {
		u16_t k = n > 0xffff ? 0xffff : (u16_t)n;

		tcp_recved(pcb, k);
		n -= k;
	}
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb);
static void on_err(void *arg, err_t err);

/* Close c gracefully: what is queued is still sent, then FIN. Every byte
 * received is acknowledged first (else lwIP would answer with a reset). If
 * lwIP has no memory for the FIN now, the poll callback tries again. */
static void conn_close(struct hconn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	if (c->state == CONN_OPEN) {
		ack_bytes(pcb, c->rx_len + (c->rxq ? c->rxq->tot_len : 0));
		c->rx_len = 0;
		if (c->rxq)
			pbuf_free(c->rxq);
		c->rxq = NULL;
		c->state = CONN_CLOSING;
		tcp_recv(pcb, NULL);    /* lwIP then drops and acks what comes */
		tcp_sent(pcb, NULL);
	}
	/* Detach first: a successful tcp_close may free the pcb. */
	pcb_detach(pcb);
	if (tcp_close(pcb) == ERR_OK) {
		S.st.closed++;
		conn_release(c);
		return;
	}
	/* Still ours, CLOSING: on_poll tries again. */
	tcp_arg(pcb, c);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, POLL_TICKS);
}

/* ---- responses -------------------------------------------------------------------- */
/* Queue as much of c's response as TCP takes now. Returns 1 if some of
 * it is left (wait for the sent or poll callback), 0 if all is queued,
 * -1 if TCP refused for good (the connection is being torn down). */
static int conn_send(struct hconn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	err_t err;

	if (c->hdr_len) {
		if (tcp_sndbuf(pcb) < c->hdr_len)
			return 1;
		err = tcp_write(pcb, c->hdr, (u16_t)c->hdr_len,
				TCP_WRITE_FLAG_COPY |
				(c->body_left ? TCP_WRITE_FLAG_MORE : 0));
		if (err == ERR_MEM)
			return 1;
		if (err != ERR_OK)
			return -1;
		c->hdr_len = 0;
	}
	while (c->body_left) {
		uint32_t n = tcp_sndbuf(pcb);

		if (n > c->body_left)
			n = c->body_left;
		if (n == 0)
			return 1;
		err = tcp_write(pcb, c->body, (u16_t)n,
				n < c->body_left ? TCP_WRITE_FLAG_MORE : 0);
		if (err == ERR_MEM)
			return 1;
		if (err != ERR_OK)
			return -1;
		c->body += n;
		c->body_left -= n;
	}
	return 0;
}

static void respond(struct hconn *c, const char *status, const char *type,
		    const void *body, uint32_t len, int send_body, int keep)
{
	int n = gsnprintf(c->hdr, sizeof(c->hdr),
			  "HTTP/1.1 %s\r\nServer: dsmig-httpd/1.0\r\nContent-Type: %s\r\nContent-Length: %u\r\nConnection: %s\r\n\r\n",
			  status, type, len, keep ? "keep-alive" : "close");

	c->hdr_len = n < (int)sizeof(c->hdr) ? (uint32_t)n : sizeof(c->hdr) - 1;
	c->body = body;
	c->body_left = send_body ? len : 0;
	c->close_after = (uint8_t)!keep;
	S.st.responses++;
}

/* Drop n bytes from the front of rx and acknowledge them. */
static void rx_consume(struct hconn *c, uint32_t n)
{
	memmove(c->rx, c->rx + n, c->rx_len - n);
	c->rx_len -= n;
	ack_bytes(c->pcb, n);
}

/* Move bytes from rxq into rx while there is room. */
static void rx_fill(struct hconn *c)
{
	while (c->rxq && c->rx_len < RX_BUF) {
		uint32_t n = RX_BUF - c->rx_len;

		if (n > c->rxq->tot_len)
			n = c->rxq->tot_len;
		pbuf_copy_partial(c->rxq, c->rx + c->rx_len, (u16_t)n, 0);
		c->rx_len += n;
		c->rxq = pbuf_free_header(c->rxq, (u16_t)n);
	}
}

/* Parse the request at the front of rx and set up its response. Returns
 * 1 if it did, 0 if no whole request is there yet. */
static int conn_next_request(struct hconn *c)
{
	const struct httpd_ops *ops = S.cfg->ops;
	struct http_request req;
	struct httpd_body doc;

	if (!c->rx_len)
		return 0;
	switch (http_parse_request(c->rx, c->rx_len, HTTPD_HDR_MAX, &req)) {
	case HTTP_PARSE_INCOMPLETE:
		return 0;
	case HTTP_PARSE_TOO_LONG:
		S.st.bad_requests++;
		respond(c, "431 Request Header Fields Too Large", "text/html",
			BODY_431, sizeof(BODY_431) - 1, 1, 0);
		return 1;               /* rx is acknowledged when closing */
	case HTTP_PARSE_BAD:
		S.st.bad_requests++;
		respond(c, "400 Bad Request", "text/html", BODY_400,
			sizeof(BODY_400) - 1, 1, 0);
		return 1;
	case HTTP_PARSE_OK:
		break;
	}
	if (ops->lookup(S.cfg->ctx, c->id, req.path, req.path_len, &doc) == 0) {
		respond(c, "200 OK", doc.type, doc.data, doc.len, !req.head,
			req.keep_alive);
		ops->served(S.cfg->ctx, c->id, req.path, req.path_len, 200, doc.len);
	} else {
		respond(c, "404 Not Found", "text/html", BODY_404,
			sizeof(BODY_404) - 1, !req.head, req.keep_alive);
		ops->served(S.cfg->ctx, c->id, req.path, req.path_len, 404,
			    sizeof(BODY_404) - 1);
	}
	rx_consume(c, (uint32_t)req.header_len);
	c->skip = req.body_len;
	return 1;
}

/* Move c along as far as it goes: queue the current response; when it is
 * all queued, close if it was the last, else take the next request. */
static void conn_pump(struct hconn *c)
{
	int left = 0;

	while (c->state == CONN_OPEN) {
		left = conn_send(c);
		if (left < 0) {
			S.st.errors++;
			conn_close(c);
			return;
		}
		if (left)
			break;
		if (c->close_after) {
			tcp_output(c->pcb);
			conn_close(c);
			return;
		}
		rx_fill(c);
		if (c->skip && c->rx_len) {
			uint32_t n = c->skip < c->rx_len ? c->skip : c->rx_len;

			rx_consume(c, n);
			c->skip -= n;
			continue;
		}
		if (!conn_next_request(c))
			break;
	}
	if (c->state != CONN_OPEN)
		return;
	/* The client is done sending and everything it asked is answered. */
	if (!left && c->peer_closed) {
		tcp_output(c->pcb);
		conn_close(c);
		return;
	}
	tcp_output(c->pcb);
}

/* ---- lwIP callbacks ------------------------------------------------------------ */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct hconn *c = arg;

	if (!c || c->state != CONN_OPEN) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		c->peer_closed = 1;
	} else {
		c->last_ns = S.now;
		if (c->rxq)
			pbuf_cat(c->rxq, p);
		else
			c->rxq = p;
	}
	conn_pump(c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct hconn *c = arg;

	if (c && c->state == CONN_OPEN) {
		c->last_ns = S.now;
		conn_pump(c);
	}
	return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct hconn *c = arg;

	if (!c)
		return ERR_OK;
	if (c->state == CONN_CLOSING) {
		if (++c->close_tries >= CLOSE_TRIES)
			return conn_abort(c);
		conn_close(c);
		return ERR_OK;
	}
	if (S.cfg->idle_ns && S.now - c->last_ns >= S.cfg->idle_ns) {
		S.st.aborted_idle++;
		return conn_abort(c);
	}
	conn_pump(c);                   /* retry after ERR_MEM */
	return ERR_OK;
}

/* The pcb is already freed (reset by the peer, or aborted by lwIP). */
static void on_err(void *arg, err_t err)
{
	struct hconn *c = arg;

	if (!c || c->state == CONN_FREE)
		return;
	if (err != ERR_ABRT && err != ERR_RST && err != ERR_CLSD)
		S.st.errors++;
	conn_release(c);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct hconn *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c = conn_alloc();
	if (!c) {
		S.st.refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	S.st.accepted++;
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, POLL_TICKS);
	/* Responses end in a short segment; do not wait for an ACK to send
	 * it (the client may be delaying that ACK). */
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

/* ---- setup and loop ----------------------------------------------------------- */
static int listen_on(uint16_t port)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4), *lpcb;

	if (!pcb)
		return -1;
	/* New connections inherit this priority: the lowest, so that lwIP
	 * never kills an established connection to make room for one. */
	tcp_setprio(pcb, TCP_PRIO_MIN);
	if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		tcp_close(pcb);
		return -1;
	}
	lpcb = tcp_listen(pcb);
	if (!lpcb) {
		tcp_close(pcb);
		return -1;
	}
	tcp_accept(lpcb, on_accept);
	return 0;
}

static void fill_stats(struct httpd_stats *st)
{
	const struct dsmig_netif_stats *ns = dsmig_netif_stats();

	*st = S.st;
	st->rx_frames = ns->rx_frames;
	st->rx_nomem = ns->rx_nomem;
	st->tx_frames = ns->tx_frames;
	st->tx_dropped = ns->tx_dropped;
}

int httpd_run(const struct httpd_config *cfg, struct httpd_stats *st)
{
	static struct netif nif;
	ip4_addr_t ip, mask, gw;
	const uint8_t *mac = cfg->nic->mac;
	unsigned max = cfg->max_conns;
	struct ticker t;

	S.cfg = cfg;
	if (max == 0 || max > MAX_CONNS_LIMIT)
		max = MAX_CONNS_LIMIT;
	S.conns = galloc_must(max * sizeof(*S.conns), 64, "http connections");
	S.free = NULL;
	for (unsigned i = max; i-- > 0; ) {
		S.conns[i].id = i;
		S.conns[i].state = CONN_FREE;
		S.conns[i].pcb = NULL;
		S.conns[i].next_free = S.free;
		S.free = &S.conns[i];
	}

	ticker_init(&t, 0, 10 * NS_PER_MS);
	S.now = t.now;
	lwip_init();
	ip4_addr_set_u32(&ip, lwip_htonl(cfg->ip));
	ip4_addr_set_u32(&mask, lwip_htonl(cfg->netmask));
	ip4_addr_set_u32(&gw, lwip_htonl(cfg->gw));
	if (dsmig_netif_add(&nif, cfg->nic, &ip, &mask, &gw) != 0) {
		gprintf("net: cannot add the NIC to lwIP\n");
		return -1;
	}
	if (listen_on(cfg->port) != 0) {
		gprintf("net: cannot listen on port %u\n", cfg->port);
		return -1;
	}
	gprintf("net: http server on %u.%u.%u.%u:%u (MAC %02x:%02x:%02x:%02x:%02x:%02x, %u documents)\n",
		cfg->ip >> 24, (cfg->ip >> 16) & 0xff, (cfg->ip >> 8) & 0xff,
		cfg->ip & 0xff, cfg->port, mac[0], mac[1], mac[2], mac[3],
		mac[4], mac[5], cfg->ndocs);

	while (t.now < cfg->end_ns) {
		unsigned frames;
		uint64_t deadline, want, ready;
		u32_t sleep_ms;

		S.now = t.now;
		frames = dsmig_netif_poll(&nif, FRAMES_PER_PASS);
		sys_check_timeouts();
		want = cfg->ops->tick(cfg->ctx, t.now);

		/* Sleep until lwIP's next timer, but at most LOOP_MAX_NS (its
		 * clock has millisecond steps); with no timer pending, until
		 * the workload's next wish (ticks go on meanwhile). */
		sleep_ms = sys_timeouts_sleeptime();
		deadline = UINT64_MAX;
		if (sleep_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE)
			deadline = t.now + ((uint64_t)sleep_ms * NS_PER_MS < LOOP_MAX_NS
					    ? (uint64_t)sleep_ms * NS_PER_MS
					    : LOOP_MAX_NS);
		if (want < deadline)
			deadline = want;
		if (cfg->end_ns < deadline)
			deadline = cfg->end_ns;
		if (frames == FRAMES_PER_PASS || deadline <= t.now)
			ticker_update(&t);      /* busy: no sleep */
		else
			ticker_poll_until(&t, deadline, &ready);
	}
	fill_stats(st);
	return 0;
}

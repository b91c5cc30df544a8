/*
 * Update aggregation and reassembly (see dsm_aggregate.h). The aggregator
 * stages descriptors and payloads in one message buffer: descriptors right
 * after the header, payloads after room for a full batch of descriptors,
 * moved down against the descriptors when a short message is sent. The
 * reassembler checks a whole message, marks its pieces (undoing the marks
 * if one is a duplicate), and only then writes anything.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dsm_aggregate.h"

static int config_valid(const struct dsm_agg_config *cfg)
{
	return cfg->unit >= DSM_AGG_GRAPPA_UNIT && cfg->unit <= DSM_AGG_PAGE_SIZE &&
	       !(cfg->unit & (cfg->unit - 1)) &&
	       cfg->batch >= 1 && cfg->batch <= DSM_AGG_MAX_PIECES;
}

static size_t msg_bytes(uint32_t unit, unsigned npieces)
{
	return sizeof(struct dsm_msg_hdr) +
	       (size_t)npieces * (sizeof(struct dsm_piece) + unit);
}

size_t dsm_agg_msg_max(const struct dsm_agg_config *cfg)
{
	return config_valid(cfg) ? msg_bytes(cfg->unit, cfg->batch) : 0;
}

int dsm_agg_init(struct dsm_agg *a, const struct dsm_agg_config *cfg, int dst,
		 dsm_send_fn send, void *ctx)
{
	memset(a, 0, sizeof(*a));
	if (!config_valid(cfg) || !send) {
		log_error("dsm: bad aggregation (unit %u, batch %u, send %s)",
			  cfg->unit, cfg->batch, send ? "set" : "missing");
		return -1;
	}
	a->buf = malloc(msg_bytes(cfg->unit, cfg->batch));
	if (!a->buf) {
		log_error("dsm: out of memory");
		return -1;
	}
	a->cfg = *cfg;
	a->dst = dst;
	a->send = send;
	a->ctx = ctx;
	return 0;
}

static struct dsm_piece *agg_pieces(struct dsm_agg *a)
{
	return (struct dsm_piece *)(a->buf + sizeof(struct dsm_msg_hdr));
}

static uint8_t *agg_staged_payload(struct dsm_agg *a)
{
	return (uint8_t *)(agg_pieces(a) + a->cfg.batch);
}

int dsm_agg_flush(struct dsm_agg *a)
{
	struct dsm_msg_hdr *h = (struct dsm_msg_hdr *)a->buf;
	uint8_t *payload = (uint8_t *)(agg_pieces(a) + a->npieces);
	size_t payload_len = (size_t)a->npieces * a->cfg.unit;
	size_t len = msg_bytes(a->cfg.unit, a->npieces);

	if (!a->npieces)
		return 0;
	*h = (struct dsm_msg_hdr) {
		.magic = DSM_AGG_MAGIC, .version = DSM_AGG_VERSION,
		.nr_pieces = (uint16_t)a->npieces, .unit = a->cfg.unit,
	};
	memmove(payload, agg_staged_payload(a), payload_len);
	a->npieces = 0;
	a->st.messages++;
	a->st.payload_bytes += payload_len;
	a->st.header_bytes += len - payload_len;
	return a->send(a->ctx, a->dst, a->buf, len);
}

int dsm_agg_add_page(struct dsm_agg *a, uint64_t pfn, const void *page)
{
	uint32_t off;

	a->st.pages++;
	for (off = 0; off < DSM_AGG_PAGE_SIZE; off += a->cfg.unit) {
		agg_pieces(a)[a->npieces] = (struct dsm_piece) {
			.pfn = pfn, .offset = off, .len = a->cfg.unit,
		};
		memcpy(agg_staged_payload(a) + (size_t)a->npieces * a->cfg.unit,
		       (const uint8_t *)page + off, a->cfg.unit);
		if (++a->npieces == a->cfg.batch && dsm_agg_flush(a))
			return -1;
	}
	return 0;
}

void dsm_agg_destroy(struct dsm_agg *a)
{
	free(a->buf);
	a->buf = NULL;
}

int dsm_reasm_init(struct dsm_reasm *r, void *mem, uint64_t npages,
		   uint32_t unit)
{
	struct dsm_agg_config cfg = { .unit = unit, .batch = 1 };

	memset(r, 0, sizeof(*r));
	if (!config_valid(&cfg) || !mem || !npages) {
		log_error("dsm: bad reassembly unit %u or size %llu", unit,
			  (unsigned long long)npages);
		return -1;
	}
	r->have = calloc(npages, sizeof(*r->have));
	if (!r->have) {
		log_error("dsm: out of memory");
		return -1;
	}
	r->mem = mem;
	r->npages = npages;
	r->unit = unit;
	return 0;
}

/* Bit of a piece in its page's have[] words. */
static void piece_bit(const struct dsm_reasm *r, const struct dsm_piece *p,
		      unsigned *word, uint64_t *bit)
{
	unsigned idx = p->offset / r->unit;

	*word = idx / 64;
	*bit = 1ull << (idx % 64);
}

static int page_full(const struct dsm_reasm *r, uint64_t pfn)
{
	unsigned n = DSM_AGG_PAGE_SIZE / r->unit;   /* 1 .. 128 pieces */
	uint64_t lo = n >= 64 ? ~0ull : (1ull << n) - 1;
	uint64_t hi = n == 128 ? ~0ull : 0;

	return r->have[pfn][0] == lo && r->have[pfn][1] == hi;
}

/* Set the have[] bits of pieces 0..n-1; on a piece already there, clear
 * the bits set so far and fail. */
static int mark_pieces(struct dsm_reasm *r, const struct dsm_piece *pc,
		       unsigned n)
{
	unsigned i, j, w;
	uint64_t bit;

	for (i = 0; i < n; i++) {
		piece_bit(r, &pc[i], &w, &bit);
		if (r->have[pc[i].pfn][w] & bit) {
			for (j = 0; j < i; j++) {
				piece_bit(r, &pc[j], &w, &bit);
				r->have[pc[j].pfn][w] &= ~bit;
			}
			log_error("dsm: duplicate piece (page %llu, offset %u)",
				  (unsigned long long)pc[i].pfn, pc[i].offset);
			return -1;
		}
		r->have[pc[i].pfn][w] |= bit;
	}
	return 0;
}

static int check_msg(const struct dsm_reasm *r, const uint8_t *msg, size_t len)
{
	const struct dsm_msg_hdr *h = (const struct dsm_msg_hdr *)msg;
	const struct dsm_piece *pc = (const struct dsm_piece *)(h + 1);
	unsigned i;

	if (len < sizeof(*h) || h->magic != DSM_AGG_MAGIC ||
	    h->version != DSM_AGG_VERSION || h->pad || h->unit != r->unit ||
	    h->nr_pieces == 0 || h->nr_pieces > DSM_AGG_MAX_PIECES ||
	    len != msg_bytes(r->unit, h->nr_pieces)) {
		log_error("dsm: bad message header (%zu bytes)", len);
		return -1;
	}
	for (i = 0; i < h->nr_pieces; i++) {
		if (pc[i].pfn >= r->npages || pc[i].offset % r->unit ||
		    pc[i].offset >= DSM_AGG_PAGE_SIZE || pc[i].len != r->unit) {
			log_error("dsm: bad piece %u (page %llu, offset %u, len %u)",
				  i, (unsigned long long)pc[i].pfn, pc[i].offset,
				  pc[i].len);
			return -1;
		}
	}
	return 0;
}

int dsm_reasm_apply(struct dsm_reasm *r, const void *msg, size_t len)
{
	const struct dsm_msg_hdr *h = msg;
	const struct dsm_piece *pc = (const struct dsm_piece *)(h + 1);
	const uint8_t *payload;
	unsigned i;
	int done = 0;

	if (check_msg(r, msg, len) || mark_pieces(r, pc, h->nr_pieces))
		return -1;
	payload = (const uint8_t *)(pc + h->nr_pieces);
	for (i = 0; i < h->nr_pieces; i++)
		memcpy(r->mem + pc[i].pfn * DSM_AGG_PAGE_SIZE + pc[i].offset,
		       payload + (size_t)i * r->unit, r->unit);
	r->pieces += h->nr_pieces;
	for (i = 0; i < h->nr_pieces; i++) {
		if (page_full(r, pc[i].pfn)) {
			r->have[pc[i].pfn][0] = r->have[pc[i].pfn][1] = 0;
			done++;
		}
	}
	r->pages_done += (uint64_t)done;
	return done;
}

uint64_t dsm_reasm_partial(const struct dsm_reasm *r)
{
	uint64_t p, n = 0;

	for (p = 0; p < r->npages; p++)
		n += r->have[p][0] || r->have[p][1];
	return n;
}

void dsm_reasm_free(struct dsm_reasm *r)
{
	free(r->have);
	r->have = NULL;
}

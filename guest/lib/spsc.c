/* SPSC byte ring (see spsc.h). Positions wrap modulo size; copies are split
 * in two at the end of the buffer. */
#include "spsc.h"
#include "dsmig_guest.h"

void spsc_init(struct spsc *q, void *buf, uint64_t size)
{
	q->buf = buf;
	q->size = size;
	__atomic_store_n(&q->head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&q->tail, 0, __ATOMIC_RELEASE);
}

uint64_t spsc_space(const struct spsc *q)
{
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);

	return q->size - (q->tail - head);
}

static void copy_in(struct spsc *q, uint64_t pos, const void *src, uint64_t n)
{
	uint64_t off = pos & (q->size - 1);
	uint64_t first = n < q->size - off ? n : q->size - off;

	memcpy(q->buf + off, src, first);
	memcpy(q->buf, (const unsigned char *)src + first, n - first);
}

int spsc_writev(struct spsc *q, const struct spsc_part *parts, unsigned nparts)
{
	uint64_t total = 0, pos = q->tail;

	for (unsigned i = 0; i < nparts; i++)
		total += parts[i].len;
	if (total > spsc_space(q))
		return -1;
	for (unsigned i = 0; i < nparts; i++) {
		copy_in(q, pos, parts[i].data, parts[i].len);
		pos += parts[i].len;
	}
	__atomic_store_n(&q->tail, pos, __ATOMIC_RELEASE);
	return 0;
}

uint64_t spsc_avail(const struct spsc *q)
{
	return __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) - q->head;
}

void spsc_peek(const struct spsc *q, uint64_t off, void *dst, uint64_t n)
{
	uint64_t start = (q->head + off) & (q->size - 1);
	uint64_t first = n < q->size - start ? n : q->size - start;

	memcpy(dst, q->buf + start, first);
	memcpy((unsigned char *)dst + first, q->buf, n - first);
}

void spsc_consume(struct spsc *q, uint64_t n)
{
	__atomic_store_n(&q->head, q->head + n, __ATOMIC_RELEASE);
}

/*
 * A single-producer / single-consumer byte ring in shared guest memory,
 * for two vCPUs (or one vCPU taking turns) passing messages.
 *
 * head and tail are free-running byte counts: the consumer owns head, the
 * producer owns tail. The producer writes bytes, then publishes them with a
 * release store of tail; the consumer reads tail with acquire, copies bytes
 * out, then frees them with a release store of head. A message is published
 * whole (spsc_write is all-or-nothing), so a consumer never sees half of one.
 */
#ifndef DSMIG_GUEST_SPSC_H
#define DSMIG_GUEST_SPSC_H

#include <stddef.h>
#include <stdint.h>

struct spsc {
	uint64_t head __attribute__((aligned(64))); /* consumer */
	uint64_t tail __attribute__((aligned(64))); /* producer */
	unsigned char *buf;
	uint64_t size;      /* power of two */
};

/* buf: size bytes (size a power of two), owned by the ring from now on. */
void spsc_init(struct spsc *q, void *buf, uint64_t size);

/* Producer: bytes that can be written now. */
uint64_t spsc_space(const struct spsc *q);

/* Producer: append the n bytes of each of the nparts parts as one message,
 * all or nothing. Returns 0, or -1 if there is not room for all of them. */
struct spsc_part {
	const void *data;
	uint64_t len;
};
int spsc_writev(struct spsc *q, const struct spsc_part *parts, unsigned nparts);

/* Consumer: bytes available to read. */
uint64_t spsc_avail(const struct spsc *q);

/* Consumer: copy n bytes starting off bytes past the read position into
 * dst, without consuming them. Requires off + n <= spsc_avail(). */
void spsc_peek(const struct spsc *q, uint64_t off, void *dst, uint64_t n);

/* Consumer: drop n bytes (n <= spsc_avail()). */
void spsc_consume(struct spsc *q, uint64_t n);

#endif /* DSMIG_GUEST_SPSC_H */

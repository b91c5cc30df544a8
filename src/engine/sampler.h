/*
 * Rank 0's progress sampler, shared by both coordinators (source.c and
 * carry_source.c): a thread with a VM handle of its own (control clients
 * and libxl contexts are not shared) that, every SAMPLER_INTERVAL_MS,
 * reads the source VM's activity, asks the coordinator where the
 * migration is, and writes the telemetry's "sample" event (vCPU %, bytes,
 * wire rate, dirty pages). Between those it reads the VM every
 * SAMPLER_POLL_MS for the guest watch (guest_watch.h), if it has one,
 * while the VM runs. A failed reading is skipped: the migration itself
 * reports a VM that went away.
 */
#ifndef DSMIG_ENGINE_SAMPLER_H
#define DSMIG_ENGINE_SAMPLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/guest_watch.h"

#define SAMPLER_INTERVAL_MS 100
#define SAMPLER_POLL_MS 10

/* Where the migration is, as the coordinator tells it. */
struct sampler_view {
	const char *phase;
	unsigned round;
	uint64_t bytes;           /* on the wire so far, all ranks */
	uint64_t dirty;           /* pages the last sync found dirty */
};

struct sampler {
	struct engine *e;
	/* Called in the sampler thread: fill *v from what the coordinator
	 * publishes (atomics, or fields only it writes). */
	void (*view)(void *arg, struct sampler_view *v);
	void *arg;
	/* NULL, or fed with every reading of the running VM; the caller
	 * reads it only after sampler_stop. */
	struct guest_watch *watch;
	pthread_t thread;
	_Atomic int stop;
	int running;
};

/* Start sampling the VM e->opt.req.vm on e->opt.req.from; a sampler that
 * cannot start is logged and left off. */
void sampler_start(struct sampler *s, struct engine *e,
		   void (*view)(void *arg, struct sampler_view *v), void *arg,
		   struct guest_watch *watch);
/* Stop and join it (a no-op if it is not running). */
void sampler_stop(struct sampler *s);

#endif /* DSMIG_ENGINE_SAMPLER_H */

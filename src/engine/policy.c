/* Pre-copy stop policy (see policy.h). */
#include "engine/policy.h"

struct precopy_params precopy_params_of(const struct migreq *r)
{
	return (struct precopy_params) {
		.max_iterations = r->max_iters, .target_dirty = r->target_dirty,
		.stop_on_no_convergence = r->stop_on_no_convergence,
		.downtime_target_ns = (uint64_t)r->downtime_target_ms * 1000000ull,
	};
}

enum precopy_decision precopy_decide(const struct precopy_params *p,
				     const struct precopy_stats *s,
				     enum precopy_stop_reason *why)
{
	*why = STOP_NONE;
	/* The paper's "consistent image at the destination": everything
	 * but the held-back hot pages is there. */
	if (s->dirty_count == 0 && s->held > 0)
		*why = STOP_ONLY_HOT_LEFT;
	else if (s->dirty_count < p->target_dirty)
		*why = STOP_FEW_DIRTY;
	else if (p->downtime_target_ns && s->data_send_rate > 0 &&
		 (double)(s->dirty_count + s->held) * 1e9 / s->data_send_rate <=
		 (double)p->downtime_target_ns)
		*why = STOP_DOWNTIME_TARGET;
	else if (s->iteration >= p->max_iterations)
		*why = STOP_MAX_ITERATIONS;
	/* Round 0 sends everything, so its rates say nothing about
	 * convergence; judge from the first resend round on. */
	else if (p->stop_on_no_convergence && s->iteration >= 2 &&
		 s->dirty_rate >= s->send_rate)
		*why = STOP_NO_CONVERGENCE;
	return *why == STOP_NONE ? PRECOPY_CONTINUE : PRECOPY_STOP_AND_COPY;
}

const char *precopy_stop_reason_name(enum precopy_stop_reason r)
{
	static const char *const names[] = {
		[STOP_NONE] = "none",
		[STOP_MAX_ITERATIONS] = "max-iterations",
		[STOP_FEW_DIRTY] = "few-dirty-pages",
		[STOP_NO_CONVERGENCE] = "dirty-rate-above-send-rate",
		[STOP_ONLY_HOT_LEFT] = "only-hot-pages-left",
		[STOP_DOWNTIME_TARGET] = "downtime-target",
	};

	return names[r];
}

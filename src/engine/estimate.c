/* Pre-copy's remaining rounds, re-predicted each round (see estimate.h). */
#include "engine/estimate.h"

/* Rounds the simulation runs at most, whatever the policy says. */
#define ESTIMATE_MAX_ROUNDS 1000

/* Distinct pages the guest dirties in a round of d seconds. The last
 * round's rate (its distinct pages over its length) under-counts a
 * shorter round when the guest rewrites a working set: over a second it
 * dirties dirty_pps_1s distinct pages, and a longer round at least the
 * working set the rounds have shown, never more than it would at the
 * one-second rate. */
static double dirtied(const struct estimate_in *in, double d)
{
	double longer = in->dirty_pps * d;

	if (!(in->dirty_pps_1s > 0))
		return longer;
	if (longer < (double)in->working_set)
		longer = (double)in->working_set;
	return longer < in->dirty_pps_1s * d ? longer : in->dirty_pps_1s * d;
}

int estimate_precopy(const struct precopy_params *p, const struct estimate_in *in,
		     struct estimate_out *out)
{
	struct precopy_stats ps = {
		.iteration = in->iteration, .dirty_count = in->next_pages, .held = in->held,
		.dirty_rate = in->dirty_pps, .send_rate = in->send_pps,
	};
	enum precopy_stop_reason why;
	double bytes = (double)in->bytes_done, t = 0, pages = (double)in->next_pages, final;
	unsigned n = 0;

	if (!(in->send_pps > 0) || !(in->bytes_per_page > 0))
		return -1;
	/* Each round sends what the last one let the guest dirty, at the
	 * rates the last real round had, until the policy stops. */
	while (n < ESTIMATE_MAX_ROUNDS && precopy_decide(p, &ps, &why) == PRECOPY_CONTINUE) {
		double d = pages / in->send_pps;

		bytes += pages * in->bytes_per_page;
		t += d;
		/* dsm: the hot pages among them wait for the final round. */
		pages = dirtied(in, d) - (double)in->held;
		pages = pages > 0 ? pages : 0;
		ps.iteration++;
		ps.dirty_count = (uint64_t)pages;
		n++;
	}
	final = pages + (double)in->held;
	out->final_bytes = (uint64_t)(bytes + final * in->bytes_per_page);
	out->rounds = in->iteration + n + 1;
	out->downtime_s = in->postcopy ? 0 : final / in->send_pps;
	out->until_resume_s = t + out->downtime_s;
	out->downtime_now_s = in->postcopy ? 0 :
			      ((double)in->next_pages + (double)in->held) / in->send_pps;
	return 0;
}

double estimate_percent(double prev, uint64_t bytes_done, uint64_t final_bytes)
{
	double pct = final_bytes ? 100.0 * (double)bytes_done / (double)final_bytes : 0;

	pct = pct > 99 ? 99 : pct;
	return pct > prev ? pct : prev;
}

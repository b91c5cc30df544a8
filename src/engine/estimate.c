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

	if (in->ws_span_s > 1) {
		double n = d <= 1 ? in->dirty_pps_1s * d : in->dirty_pps_1s +
			   ((double)in->working_set - in->dirty_pps_1s) * (d - 1) /
			   (in->ws_span_s - 1);

		n = n > in->dirty_pps_1s * d ? in->dirty_pps_1s * d : n;
		return in->max_pages && n > (double)in->max_pages ? (double)in->max_pages : n;
	}
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
		.data_send_rate = in->send_pps,
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

int estimate_before(const struct precopy_params *p, const struct estimate_before_in *in,
		    struct estimate_before_out *out)
{
	double send_pps = in->page_bytes > 0 ? in->link_Bps / in->page_bytes : 0;
	uint64_t nonzero = in->mem_pages > in->zero_pages ? in->mem_pages - in->zero_pages : 0;
	struct estimate_in e = {
		.iteration = 1, .bytes_per_page = in->page_bytes, .send_pps = send_pps,
		.dirty_pps_1s = in->dirty_pps, .working_set = in->ws_pages,
		.ws_span_s = in->span_s, .max_pages = in->mem_pages, .postcopy = in->postcopy,
	};
	struct precopy_stats ps = { .iteration = 1, .send_rate = send_pps,
				    .data_send_rate = send_pps };
	enum precopy_stop_reason why;
	struct estimate_out o;
	double t, round1_s, pulled_s = 0;

	if (!(send_pps > 0))
		return -1;
	/* Round 0 sends all of RAM, zero pages as bare records. */
	e.bytes_done = (uint64_t)((double)nonzero * in->page_bytes +
				  (double)in->zero_pages * in->zero_bytes);
	t = (double)e.bytes_done / in->link_Bps;
	/* Round 1 resends what round 0 let the guest dirty: no page has the
	 * history to be hot yet. The policy judges it at the rate the engine
	 * would measure (distinct pages over the round). */
	e.next_pages = (uint64_t)dirtied(&e, t);
	ps.dirty_count = e.next_pages;
	ps.dirty_rate = t > 0 ? (double)e.next_pages / t : 0;
	e.dirty_pps = ps.dirty_rate;
	if (precopy_decide(p, &ps, &why) == PRECOPY_CONTINUE) {
		round1_s = (double)e.next_pages / send_pps;
		e.bytes_done += (uint64_t)((double)e.next_pages * in->page_bytes);
		t += round1_s;
		/* From round 2 on, dsm holds the hot pages back. */
		e.iteration = 2;
		e.held = in->dsm ? in->hot_pages : 0;
		e.next_pages = (uint64_t)dirtied(&e, round1_s);
		e.dirty_pps = round1_s > 0 ? (double)e.next_pages / round1_s : 0;
		e.next_pages = e.next_pages > e.held ? e.next_pages - e.held : 0;
	}
	if (estimate_precopy(p, &e, &o))
		return -1;
	/* dsm-pull: the final set goes after the resume, at the link's rate
	 * (what is left of the bytes once the rounds until the resume went). */
	if (in->postcopy)
		pulled_s = (double)(o.final_bytes - e.bytes_done) / in->link_Bps - o.until_resume_s;
	out->bytes = o.final_bytes;
	out->rounds = o.rounds;
	out->downtime_s = o.downtime_s + in->switch_s;
	out->total_s = t + o.until_resume_s + in->switch_s + pulled_s;
	return 0;
}

double estimate_percent(double prev, uint64_t bytes_done, uint64_t final_bytes)
{
	double pct = final_bytes ? 100.0 * (double)bytes_done / (double)final_bytes : 0;

	pct = pct > 99 ? 99 : pct;
	return pct > prev ? pct : prev;
}

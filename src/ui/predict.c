/* A migration's cost, predicted before its launch (see predict.h). */
#include <string.h>

#include "common/log.h"
#include "dsm/wire.h"
#include "ui/predict.h"

static int number(json_t *o, const char *key, double *v)
{
	json_t *x = json_object_get(o, key);

	if (!json_is_number(x) || json_number_value(x) < 0)
		return -1;
	*v = json_number_value(x);
	return 0;
}

int predict_footprint_json(json_t *ans, struct vm_footprint *f)
{
	double mem, ws, hot, windows, span, zero, sp, sb;

	*f = (struct vm_footprint){ .dirty_pps = -1 };
	if (number(ans, "mem_pages", &mem) || number(ans, "ws_pages", &ws) ||
	    number(ans, "hot_pages", &hot) || number(ans, "windows", &windows) ||
	    number(ans, "window_s", &span))
		return -1;
	f->mem_pages = (uint64_t)mem;
	f->ws_pages = (uint64_t)ws;
	f->hot_pages = (uint64_t)hot;
	f->windows = windows > 1000 ? 1000 : (unsigned)windows;
	f->window_s = span;
	if (number(ans, "dirty_pps", &f->dirty_pps))
		f->dirty_pps = -1;
	if (!number(ans, "zero_pages", &zero) && !number(ans, "sample_pages", &sp) &&
	    !number(ans, "sample_bytes", &sb) && zero <= mem) {
		f->has_content = 1;
		f->zero_pages = (uint64_t)zero;
		f->sample_pages = (uint64_t)sp;
		f->sample_bytes = (uint64_t)sb;
	}
	return 0;
}

int predict_migration(const struct vm_footprint *f, const struct migreq *r,
		      struct estimate_before_out *out, char *why, size_t len)
{
	const struct precopy_params policy = precopy_params_of(r);
	struct estimate_before_in in = {
		.mem_pages = f->mem_pages, .zero_pages = f->zero_pages,
		.zero_bytes = sizeof(struct page_rec),
		.dirty_pps = f->dirty_pps, .ws_pages = f->ws_pages,
		.span_s = f->window_s * f->windows, .hot_pages = f->hot_pages,
		.link_Bps = r->bandwidth_bps / 8,
		.dsm = !strncmp(r->method, "dsm", 3), .postcopy = !strcmp(r->method, "dsm-pull"),
	};

	in.switch_s = in.postcopy ? PREDICT_POSTCOPY_SWITCH_S : PREDICT_SWITCH_S;
	if (!(r->bandwidth_bps > 0))
		return errbuf_set(why, len, "uncapped: no link rate to predict from");
	if (f->windows < 2 || f->dirty_pps < 0)
		return errbuf_set(why, len, "the VMM has not measured 2 seconds of dirtying yet");
	if (!f->has_content)
		return errbuf_set(why, len, "the VMM has not scanned the VM's memory");
	/* No non-zero page sampled: RAM is all zero pages. */
	in.page_bytes = f->sample_pages ? (double)f->sample_bytes / (double)f->sample_pages
					: sizeof(struct page_rec) + STREAM_PAGE_SIZE;
	if (estimate_before(&policy, &in, out))
		return errbuf_set(why, len, "nothing to predict from");
	return 0;
}

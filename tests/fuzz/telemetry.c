/*
 * Fuzzing the engine telemetry reader as `dsmig migrate` follows a run's
 * telemetry file (src/common/jsonl_tail.c, src/common/telemetry_read.c):
 * the bytes are the file. Every line is decoded and tallied, and what a
 * reader shows of a decoded event is asked for (phase names, a round's
 * bars, the summary fields present, the tally's text).
 */
#include "common/jsonl_tail.h"
#include "common/telemetry_read.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void use(const struct tel_event *ev)
{
	int64_t sent, deferred;

	switch (ev->type) {
	case TEL_PHASE:
		(void)telemetry_read_phase_name(ev->u.phase.phase);
		break;
	case TEL_PROGRESS:
		(void)telemetry_read_phase_name(ev->u.progress.phase);
		break;
	case TEL_ROUND:
		telemetry_read_round_pages(&ev->u.round, &sent, &deferred);
		if (sent < 0 || deferred < 0)
			abort();    /* the bars are documented as >= 0 */
		break;
	case TEL_SUMMARY:
		(void)telemetry_read_summary_has(&ev->u.summary, "postcopy.fault_median_ns");
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jsonl_tail t;
	struct tel_tally tl = { 0 };
	struct tel_event ev;
	char why[160], text[256];
	json_t *rec;
	int rc;

	jsonl_tail_init(&t, fuzz_file(data, size));
	while ((rec = jsonl_tail_next(&t))) {
		rc = telemetry_read_decode(rec, &ev, why, sizeof(why));
		json_decref(rec);
		if (telemetry_read_tally(&tl, rc, &ev, why))
			use(&ev);
	}
	jsonl_tail_close(&t);
	tl.bad_lines = t.bad;
	telemetry_read_tally_text(&tl, text, sizeof(text));
	return 0;
}

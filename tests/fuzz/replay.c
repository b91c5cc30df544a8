/*
 * Fuzzing session replay (src/ui/replay.c, src/ui/model.c over
 * src/common/session_log.c): the bytes are a session log file, replayed
 * into the console's model as `dsmig replay` does, without a screen. The
 * clock is ticked in steps of a sixteenth of the log's duration, with
 * one seek back to the start halfway; a replay that has not applied
 * every record after 64 steps never would: that is a bug (abort).
 */
#include "fuzz.h"
#include "ui/replay.h"

#define STEPS 64

static struct model model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	model_init(&model);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay r;
	char err[512];
	double step;
	int i;

	if (replay_open(&r, fuzz_file(data, size), 1, err, sizeof(err)))
		return 0;
	model_reset(&model);
	step = r.duration / 16 + 1e-3;
	for (i = 0; i < STEPS && !replay_done(&r); i++) {
		replay_tick(&r, &model, step);
		if (i == 8)
			replay_seek(&r, &model, 0);
	}
	if (!replay_done(&r)) {
		fprintf(stderr, "replay: %zu of %zu records applied after %d steps of %g s "
			"(duration %g s)\n", r.next, r.log.n, STEPS, step, r.duration);
		abort();
	}
	replay_close(&r);
	return 0;
}

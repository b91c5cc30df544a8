/*
 * Fuzzing the session log reader (src/common/session_log.c, with
 * src/common/telemetry_read.c for the engine events a log carries) and
 * `dsmig report`'s use of it (src/cli/report_read.c, report_text.c): the
 * bytes are a session log file. It is read as `dsmig report` reads it,
 * and each migration found is printed as text and as --data JSON lines
 * (to /dev/null), which walks its time span and series. The PNGs
 * (report_plot.c, gnuplot) are not drawn.
 */
#include "cli/report.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_stdout();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report r = { .cap_bps = -1, .path = fuzz_file(data, size) };
	char why[512];
	size_t i;

	if (report_read(&r, why, sizeof(why)) == 0) {
		(void)report_data_session(&r);
		for (i = 0; i < r.nmigs; i++) {
			report_print(&r, &r.migs[i]);
			(void)report_data(&r, &r.migs[i]);
		}
	}
	report_free(&r);
	return 0;
}

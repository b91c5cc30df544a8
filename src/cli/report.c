/*
 * `dsmig report FILE [--out DIR] [--no-png] [--data]`: summarise a console
 * session log (docs/telemetry.md, "Console session logs") and plot each
 * migration in it; `--data` prints the figures and the plots' series as
 * JSON lines instead (docs/console.md).
 *
 * This file is the command: options, then reading (report_read.c), and
 * for each migration the text (report_text.c) and the PNGs
 * (report_plot.c); report.h says what each part holds. The log is read
 * forgivingly: lines that are not valid records are skipped and counted
 * (the first one named with its reason), so a truncated or damaged file
 * still reports what it holds; a log of another session version is
 * refused.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "common/log.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig report FILE [--out DIR] [--no-png] [--data]\n"
		"Summarise a console session log (docs/telemetry.md) and plot each\n"
		"migration in it: FILE's directory (or DIR) gets <stem>-mig<N>-vcpu.png,\n"
		"-net.png and -dirty.png, drawn by gnuplot (--no-png: text only).\n"
		"--data: print each migration's figures and series as JSON lines\n"
		"instead, for scripts (docs/console.md); no PNGs.\n"
		"Lines that are not valid records are skipped and counted.\n"
		"Exit status: 0 ok; 1 FILE unreadable, of another session version,\n"
		"without any valid record, or the plots could not be written; 2 usage.\n");
}

/* FILE's name without directory and last extension. */
static void file_stem(const char *path, char *stem, size_t len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);

	snprintf(stem, len, "%.*s", (int)n, base);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-png", no_argument, NULL, 'n' },
		{ "data", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .cap_bps = -1 };
	char dirbuf[PATH_MAX], stem[NAME_MAX + 1], why[512];
	const char *outdir = NULL;
	int c, status = CLI_OK, png = 1, data = 0;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:ndh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'n': png = 0; break;
		case 'd': data = 1; break;
		case 'h': report_usage(stdout); return CLI_OK;
		default: report_usage(stderr); return CLI_USAGE;
		}
	}
	if (optind != argc - 1) {
		report_usage(stderr);
		return CLI_USAGE;
	}
	r.path = argv[optind];
	if (report_read(&r, why, sizeof(why))) {
		log_error("cannot read %s", why);
		status = CLI_FAILED;
		goto out;
	}
	if (r.bad)
		log_warn("%s: skipped %u bad line%s of %u (first: line %u: %s)", r.path,
			 r.bad, r.bad == 1 ? "" : "s", r.lines, r.first_bad, r.first_bad_why);
	if (data) {
		if (report_data_session(&r))
			status = CLI_FAILED;
		for (i = 0; i < r.nmigs && status == CLI_OK; i++)
			if (report_data(&r, &r.migs[i]))
				status = CLI_FAILED;
		goto out;
	}
	printf("Session %s: %zu records, %zu migration%s", r.path, r.records,
	       r.nmigs, r.nmigs == 1 ? "" : "s");
	if (r.skipped)
		printf(" (%u record%s of unknown types skipped)", r.skipped,
		       r.skipped == 1 ? "" : "s");
	printf("\n");
	if (png) {
		snprintf(dirbuf, sizeof(dirbuf), "%s", r.path);
		if (!outdir)
			outdir = dirname(dirbuf);
		else if (mkdir(outdir, 0777) && errno != EEXIST) {
			log_error("cannot make %s: %s", outdir, strerror(errno));
			status = CLI_FAILED;
			goto out;
		}
		file_stem(r.path, stem, sizeof(stem));
	}
	for (i = 0; i < r.nmigs; i++) {
		printf("\n");
		report_print(&r, &r.migs[i]);
		if (png && report_plot(&r, &r.migs[i], outdir, stem))
			status = CLI_FAILED;
	}
out:
	report_free(&r);
	return status;
}

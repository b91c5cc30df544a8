/*
 * `dsmig report FILE [--out DIR] [--no-png] [--data]`: summarise a console
 * session log (docs/telemetry.md, "Console session logs") and plot each
 * migration in it; `--data` prints the figures and the plots' series as
 * JSON lines instead (docs/console.md). `dsmig report --compare A B ...`
 * prints the runs of several logs and draws them side by side in one PNG.
 *
 * This file is the command: options, then reading (report_read.c), and
 * for each migration the text (report_text.c) and the PNGs
 * (report_plot.c), or the comparison (report_compare.c); report.h says
 * what each part holds. The log is read
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
		"       dsmig report --compare FILE FILE... [--out DIR]\n"
		"Summarise a console session log (docs/telemetry.md) and plot each\n"
		"migration in it: FILE's directory (or DIR) gets <stem>-mig<N>-vcpu.png,\n"
		"-net.png and -dirty.png, drawn by gnuplot (--no-png: text only); a run\n"
		"that did not move its VM, <stem>-mig<N>-failed.txt with the reason.\n"
		"--data: print each migration's figures and series as JSON lines\n"
		"instead, for scripts (docs/console.md); no PNGs.\n"
		"--compare: the runs of the FILEs (at most 6) side by side in one PNG,\n"
		"<stem of the first>-compare.png, on the same scales.\n"
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

/* Make outdir unless it exists. Returns 0 or -1 (with a message). */
static int make_outdir(const char *outdir)
{
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		log_error("cannot make %s: %s", outdir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Read r->path and say what was skipped. Returns 0 or -1 (with a
 * message). */
static int read_log(struct report *r)
{
	char why[512];

	if (report_read(r, why, sizeof(why))) {
		log_error("cannot read %s", why);
		return -1;
	}
	if (r->bad)
		log_warn("%s: skipped %u bad line%s of %u (first: line %u: %s)", r->path,
			 r->bad, r->bad == 1 ? "" : "s", r->lines, r->first_bad, r->first_bad_why);
	return 0;
}

static void print_session(const struct report *r)
{
	printf("Session %s: %zu records, %zu migration%s", r->path, r->records,
	       r->nmigs, r->nmigs == 1 ? "" : "s");
	if (r->skipped)
		printf(" (%u record%s of unknown types skipped)", r->skipped,
		       r->skipped == 1 ? "" : "s");
	printf("\n");
}

/* `--compare`: files (n, 2..REPORT_COMPARE_MAX) into one PNG in outdir
 * (else the first file's directory). Returns an exit status. */
static int compare(char **files, int n, const char *outdir)
{
	struct report rs[REPORT_COMPARE_MAX] = { 0 };
	char dirbuf[PATH_MAX], stem[NAME_MAX + 1], out[PATH_MAX];
	int i, k, status = CLI_OK;
	size_t j;

	if (n < 2 || n > REPORT_COMPARE_MAX) {
		log_error("--compare takes 2 to %d session logs, not %d", REPORT_COMPARE_MAX, n);
		return CLI_USAGE;
	}
	for (k = 0; k < n && status == CLI_OK; k++) {
		rs[k] = (struct report){ .path = files[k], .cap_bps = -1 };
		if (read_log(&rs[k]))
			status = CLI_FAILED;
	}
	for (i = 0; i < k && status == CLI_OK; i++) {
		printf("%s", i ? "\n" : "");
		print_session(&rs[i]);
		for (j = 0; j < rs[i].nmigs; j++) {
			printf("\n");
			report_print(&rs[i], &rs[i].migs[j]);
		}
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", files[0]);
	if (status == CLI_OK && outdir && make_outdir(outdir))
		status = CLI_FAILED;
	if (status == CLI_OK) {
		file_stem(files[0], stem, sizeof(stem));
		snprintf(out, sizeof(out), "%s/%s-compare.png", outdir ?: dirname(dirbuf), stem);
		if (report_compare(rs, (size_t)n, out))
			status = CLI_FAILED;
	}
	for (i = 0; i < k; i++)
		report_free(&rs[i]);
	return status;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-png", no_argument, NULL, 'n' },
		{ "data", no_argument, NULL, 'd' },
		{ "compare", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .cap_bps = -1 };
	char dirbuf[PATH_MAX], stem[NAME_MAX + 1];
	const char *outdir = NULL;
	struct dirty_scale scale;
	int c, status = CLI_OK, png = 1, data = 0, cmp = 0;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:ndch", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'n': png = 0; break;
		case 'd': data = 1; break;
		case 'c': cmp = 1; break;
		case 'h': report_usage(stdout); return CLI_OK;
		default: report_usage(stderr); return CLI_USAGE;
		}
	}
	if (cmp && (data || !png)) {
		log_error("--compare draws a PNG: not with --data or --no-png");
		return CLI_USAGE;
	}
	if (cmp)
		return compare(argv + optind, argc - optind, outdir);
	if (optind != argc - 1) {
		report_usage(stderr);
		return CLI_USAGE;
	}
	r.path = argv[optind];
	if (read_log(&r)) {
		status = CLI_FAILED;
		goto out;
	}
	if (data) {
		if (report_data_session(&r))
			status = CLI_FAILED;
		for (i = 0; i < r.nmigs && status == CLI_OK; i++)
			if (report_data(&r, &r.migs[i]))
				status = CLI_FAILED;
		goto out;
	}
	print_session(&r);
	if (png) {
		snprintf(dirbuf, sizeof(dirbuf), "%s", r.path);
		if (!outdir) {
			outdir = dirname(dirbuf);
		} else if (make_outdir(outdir)) {
			status = CLI_FAILED;
			goto out;
		}
		file_stem(r.path, stem, sizeof(stem));
	}
	for (i = 0; i < r.nmigs; i++) {
		printf("\n");
		report_print(&r, &r.migs[i]);
		if (!png)
			continue;
		report_dirty_scale(&r, &r.migs[i], &scale);
		if (report_plot(&r, &r.migs[i], outdir, stem, &scale))
			status = CLI_FAILED;
	}
out:
	report_free(&r);
	return status;
}

/*
 * `dsmig report`: the gnuplot pieces its figures share (report_plot.c's
 * PNGs of one migration, report_compare.c's runs side by side) and
 * running gnuplot.
 *
 * The rule for every script: it holds only our own words and numbers.
 * Text that comes from the log or the command line (the titles, the
 * output and data paths) reaches gnuplot as the script's arguments
 * (gnuplot -c SCRIPT ARG1 ... ARG9, started with an argv: no shell),
 * which the script uses as string values (ARG1.'-net.png'), never
 * expanded into its text; so no byte of it is ever read as gnuplot code.
 * Data goes into the data files (report_pdata.c), never the script.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/text.h"

#define GREY "'#555555'"
#define RED  "'#c0392b'"
#define BLUE "'#1f618d'"

int gp_tmpdir(char *dir, size_t len)
{
	const char *tmpdir = getenv("TMPDIR") ?: "/tmp";
	int rc = (size_t)snprintf(dir, len, "%s/dsmig-report.XXXXXX", tmpdir) >= len ?
		 -ENAMETOOLONG : mkdtemp(dir) ? 0 : -errno;

	if (rc)
		log_error("cannot make a temporary directory in %s: %s", tmpdir, strerror(-rc));
	return rc;
}

void gp_begin(FILE *gp, int width, int height)
{
	fprintf(gp,
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"  set terminal pngcairo size %d,%d font 'sans,10'\n"
		"} else {\n"
		"  set terminal png size %d,%d\n"
		"}\n"
		"set grid\nset key outside top center horizontal\nset border 3\nset tics nomirror\n",
		width, height, width, height);
}

/* A vertical line at x (seconds) in colour, named when labels (the
 * name's line below the top: 1, 2, ...). */
static void gp_vline(FILE *gp, double x, const char *colour, const char *name, int row,
		     int labels)
{
	fprintf(gp, "set arrow from first %.6f, graph 0 to first %.6f, graph 1 nohead lc rgb %s dt 2\n",
		x, x, colour);
	if (labels)
		fprintf(gp, "set label '%s' at first %.6f, graph 1 offset 0.4,%.1f left textcolor rgb %s\n",
			name, x, -1.1 * row, colour);
}

/* A band from x0 to x1 (seconds), behind the series. */
static void gp_band(FILE *gp, double x0, double x1, const char *colour, double alpha)
{
	fprintf(gp, "set object rect from first %.6f, graph 0 to first %.6f, graph 1 behind "
		"fc rgb %s fs transparent solid %.2f noborder\n", x0, x1, colour, alpha);
}

void gp_time_axis(FILE *gp, const struct plot_mig *p, double x0, double x1, int labels)
{
	fprintf(gp, "set xrange [%.6f:%.6f]\nset xlabel 'seconds from the migration start'\n",
		x0, x1);
	gp_vline(gp, 0, GREY, "start", 1, labels);
	if (p->pause_s >= 0) {
		gp_band(gp, p->pause_s, p->resume_s, "'#f1948a'", 0.5);
		gp_vline(gp, p->pause_s, RED, "pause", 2, labels);
		gp_vline(gp, p->resume_s, RED, "resume", 3, labels);
	}
	if (p->postcopy_s >= 0) {
		gp_band(gp, p->postcopy_s, p->resident_s >= 0 ? p->resident_s : p->end_s,
			"'#85c1e9'", 0.35);
		if (labels)
			fprintf(gp, "set label 'post-copy' at first %.6f, graph 0 offset 0.4,1 left "
				"textcolor rgb " BLUE "\n", p->postcopy_s);
		if (p->resident_s >= 0)
			gp_vline(gp, p->resident_s, BLUE, "all resident", 4, labels);
	}
	if (p->done_s >= 0)
		gp_vline(gp, p->done_s, GREY, "done", 1, labels);
	else
		gp_vline(gp, p->end_s, GREY, "end", 1, labels);
}

void gp_unmark(FILE *gp)
{
	fprintf(gp, "unset arrow\nunset label\nunset object\nunset logscale y\n");
}

void gp_series(FILE *gp, const struct plot_mig *p, const char *data, enum plot_data k,
	       int *first, const char *style, const char *title)
{
	char name[64];

	if (!p->points[k])
		return;
	plot_mig_dat(p, k, name, sizeof(name));
	fprintf(gp, "%s%s.'/%s' using 1:2 %s title '%s'", *first ? "plot " : ", ", data, name,
		style, title);
	*first = 0;
}

void gp_vcpu_series(FILE *gp, const struct plot_mig *p, const char *data)
{
	int first = 1;

	gp_series(gp, p, data, DAT_VCPU_SRC_PROBE, &first,
		  "with lines lw 2 lc rgb '#2e86c1'", "source (probe)");
	gp_series(gp, p, data, DAT_VCPU_SRC_ENGINE, &first,
		  "with points pt 7 ps 0.6 lc rgb '#1b4f72'", "source (engine)");
	gp_series(gp, p, data, DAT_VCPU_DST_PROBE, &first,
		  "with lines lw 2 lc rgb '#28b463'", "destination (probe)");
	fputc('\n', gp);
}

void gp_net_series(FILE *gp, const struct report *r, const struct plot_mig *p,
		   const char *data)
{
	int first = 1;

	gp_series(gp, p, data, DAT_NET, &first, "with lines lw 2 lc rgb '#8e44ad'",
		  !p->net_from_probe ? "engine send rate (telemetry)" :
		  !strcmp(r->net_method, "procfs") ?
		  "all traffic on the interface (procfs)" : "engine traffic (pcap)");
	if (p->cap_bps > 0)
		fprintf(gp, ", %.6f with lines dt 4 lw 2 lc rgb 'black' title 'cap %.3g Mbit/s'",
			p->cap_bps / 1e6, p->cap_bps / 1e6);
	fputc('\n', gp);
}

void gp_dirty(FILE *gp, const struct plot_mig *p, const char *data, const struct dirty_scale *s)
{
	char name[64];

	plot_mig_dat(p, DAT_DIRTY, name, sizeof(name));
	fprintf(gp, "set xlabel 'iteration (round)'\nset ylabel 'pages'\n"
		"set xrange [-0.6:%zu.4]\nset style fill solid 0.85 border -1\nset boxwidth 0.7\n",
		p->points[DAT_DIRTY] - 1);
	/* Round 0 is all of RAM: a log scale keeps later rounds visible.
	 * The same scale for every run of the workload. */
	if (s->min > 0 && s->max > 50 * s->min)
		fprintf(gp, "set logscale y\nset yrange [0.8:%lld]\n", (long long)s->max * 3);
	else
		fprintf(gp, "set yrange [0:%lld]\n", (long long)(s->max * 1.15) + 1);
	fputs("plot ", gp);
	if (p->has_hot)
		fprintf(gp, "%s.'/%s' using 0:($2+$3):xtic(1) with boxes lc rgb '#e67e22' "
			"title 'hot, deferred', ", data, name);
	fprintf(gp, "%s.'/%s' using 0:2:xtic(1) with boxes lc rgb '#2e86c1' "
		"title 'pages in the round''s set', '' using 0:($2+$3):($3 > 0 ? sprintf('%%d + %%d hot', $2, $3) : sprintf('%%d', $2)) "
		"with labels offset 0,0.7 notitle\n", data, name);
	fputs("unset logscale y\n", gp);
}

/* gnuplot's messages on stderr, a line at a time, cleaned (text_clean()):
 * they may quote the script's arguments. */
static void gp_messages(char *msg)
{
	char clean[256], *line, *save = NULL;

	for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		text_clean(clean, sizeof(clean), line);
		fprintf(stderr, "gnuplot: %s\n", clean);
	}
}

int gp_run(const char *script, const char *const args[], const char *what)
{
	const char *argv[13] = { "gnuplot", "-c", script };
	char msg[4096];
	int st, n;

	for (n = 0; args[n]; n++) {
		if (n == 9) {
			log_error("gnuplot takes 9 arguments at most (%s)", what);
			return -E2BIG;
		}
		argv[3 + n] = args[n];
	}
	argv[3 + n] = NULL;
	st = proc_run(argv, msg, sizeof(msg));
	if (st < 0) {
		log_error("cannot run gnuplot: %s", strerror(-st));
		return st;
	}
	if (st != 127)
		gp_messages(msg);
	if (st) {
		log_error(st == 127 ?
			  "gnuplot is not installed (apt-get install gnuplot-nox, or use --no-png)" :
			  "gnuplot failed on %s", what);
		return -EIO;
	}
	return 0;
}

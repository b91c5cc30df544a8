/*
 * `dsmig report`: a migration's PNGs, drawn by gnuplot (a child process
 * reading a script on stdin, data files in a temporary directory removed
 * afterwards), over normalised time as the paper's Figures 5-12 (0 =
 * pre-copy starts, 1 = the source is released), the downtime window (the
 * stop-and-copy event to the resumed event) shaded:
 * <stem>-mig<N>-vcpu.png (the VM's vCPU utilisation on both hosts),
 * -net.png (throughput against the cap) and -dirty.png (pages per round,
 * sent and held back as telemetry_read_round_pages() defines them).
 *
 * The rule for the script: it holds only our own words and numbers.
 * Text that comes from the log or the command line (the VM and host
 * names in the titles, the output and temporary paths) reaches gnuplot
 * as the script's arguments (gnuplot -c SCRIPT ARG1 ARG2 ARG3, started
 * with an argv: no shell), which the script uses as string values, never
 * expanded into its text; so no byte of it is ever read as gnuplot code.
 * Data goes into the data files, never the script.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/report.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/text.h"

/* The script's arguments: string values in the script, never its text. */
#define GP_OUT   "ARG1"    /* OUTDIR/STEM-migN: each PNG is GP_OUT.'-what.png' */
#define GP_DATA  "ARG2"    /* the temporary directory of the data files */
#define GP_TITLE "ARG3"    /* "migration N: VM, SRC -> DST", cleaned */
#define GP_SCRIPT "plot.gp"

/* The data files of one migration's plots, in a temporary directory. */
enum plot_data {
	DAT_VCPU_SRC_PROBE, DAT_VCPU_SRC_ENGINE, DAT_VCPU_DST_PROBE,
	DAT_NET, DAT_DIRTY, DAT_COUNT
};

static const char *const dat_names[DAT_COUNT] = {
	[DAT_VCPU_SRC_PROBE] = "vcpu-src-probe.dat",
	[DAT_VCPU_SRC_ENGINE] = "vcpu-src-engine.dat",
	[DAT_VCPU_DST_PROBE] = "vcpu-dst-probe.dat",
	[DAT_NET] = "net.dat",
	[DAT_DIRTY] = "dirty.dat",
};

/* Where each series goes. */
static const enum plot_data series_dat[SER_COUNT] = {
	[SER_VCPU_SRC_PROBE] = DAT_VCPU_SRC_PROBE,
	[SER_VCPU_SRC_ENGINE] = DAT_VCPU_SRC_ENGINE,
	[SER_VCPU_DST_PROBE] = DAT_VCPU_DST_PROBE,
	[SER_NET_PROBE] = DAT_NET,
	[SER_NET_ENGINE] = DAT_NET,
};

struct plot {
	char tmp[PATH_MAX - 64];     /* the temporary directory */
	char dat[DAT_COUNT][PATH_MAX];
	char script[PATH_MAX];
	FILE *f[DAT_COUNT];
	size_t points[DAT_COUNT];
	struct mig_span sp;
	int net_from_probe, has_hot;
	double cap_bps;
	int64_t max_pages, min_pages;
};

static int plot_point(void *ctx, enum series_kind k, int64_t t, double x, double y)
{
	struct plot *p = ctx;
	enum plot_data d = series_dat[k];

	if (k == SER_NET_PROBE)
		p->net_from_probe = 1;
	if (k == SER_NET_PROBE || k == SER_NET_ENGINE)
		y /= 1e6;     /* Mbit/s */
	if (fprintf(p->f[d], "%.6f %.4f\n", x, y) < 0)
		return -EIO;
	p->points[d]++;
	return 0;
}

static void plot_rounds(const struct mig *m, struct plot *p)
{
	int64_t sent, deferred;
	size_t i;

	p->min_pages = -1;
	for (i = 0; i < m->nrounds; i++) {
		telemetry_read_round_pages(&m->rounds[i], &sent, &deferred);
		p->has_hot |= deferred > 0;
		if (sent + deferred > p->max_pages)
			p->max_pages = sent + deferred;
		if (sent > 0 && (p->min_pages < 0 || sent < p->min_pages))
			p->min_pages = sent;
		fprintf(p->f[DAT_DIRTY], "\"%d%s\" %lld %lld\n", m->rounds[i].round,
			m->rounds[i].final ? " (final)" : "", (long long)sent,
			(long long)deferred);
		p->points[DAT_DIRTY]++;
	}
}

/* Write the data files. Returns 0 or -errno. */
static int plot_write_data(const struct report *r, const struct mig *m, struct plot *p)
{
	int rc = 0, k;

	for (k = 0; k < DAT_COUNT; k++) {
		snprintf(p->dat[k], sizeof(p->dat[k]), "%s/%s", p->tmp, dat_names[k]);
		p->f[k] = fopen(p->dat[k], "we");
		if (!p->f[k]) {
			rc = -errno;
			goto out;
		}
	}
	rc = report_mig_series(r, m, &p->sp, plot_point, p);
	if (!rc)
		plot_rounds(m, p);
out:
	for (k = 0; k < DAT_COUNT; k++)
		if (p->f[k] && fclose(p->f[k]) && !rc)
			rc = -EIO;
	return rc;
}

/* The PNG: GP_OUT-what.png. */
static void gp_output(FILE *gp, const char *what)
{
	fprintf(gp, "set output " GP_OUT ".'-%s.png'\n", what);
}

/* Migration start and end as dashed lines, the downtime as a band. */
static void gp_markers(FILE *gp, const struct plot *p)
{
	double pause, resume;

	fprintf(gp,
		"set xrange [%g:%g]\n"
		"set xlabel 'normalised time (0 = migration start, 1 = end)'\n"
		"set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#555555' dt 2\n"
		"set arrow 2 from first 1, graph 0 to first 1, graph 1 nohead lc rgb '#555555' dt 2\n"
		"set label 1 'start' at first 0, graph 1 offset 0.5,-1 left textcolor rgb '#555555'\n"
		"set label 2 'end' at first 1, graph 1 offset 0.5,-1 left textcolor rgb '#555555'\n",
		REPORT_X_MIN, REPORT_X_MAX);
	if (!p->sp.has_downtime)
		return;
	pause = report_span_x(&p->sp, p->sp.pause);
	resume = report_span_x(&p->sp, p->sp.resume);
	fprintf(gp,
		"set object 1 rect from first %.6f, graph 0 to first %.6f, graph 1 behind fc rgb '#f1948a' fs solid 0.5 noborder\n"
		"set arrow 3 from first %.6f, graph 0 to first %.6f, graph 1 nohead lc rgb '#c0392b'\n"
		"set arrow 4 from first %.6f, graph 0 to first %.6f, graph 1 nohead lc rgb '#c0392b'\n"
		"set label 3 'downtime' at first %.6f, graph 1 offset 0.5,-2.2 left textcolor rgb '#c0392b'\n",
		pause, resume, pause, pause, resume, resume, resume);
}

static void gp_unmark(FILE *gp)
{
	fprintf(gp, "unset arrow\nunset label\nunset object\n");
}

/* One series of a plot command: `'file' using 1:2 with ... title ...`,
 * after a comma when not the first. style and title are ours. */
static void gp_series(FILE *gp, const struct plot *p, int k, int *first,
		      const char *style, const char *title)
{
	if (!p->points[k])
		return;
	fprintf(gp, "%s" GP_DATA ".'/%s' using 1:2 %s title '%s'", *first ? "plot " : ", ",
		dat_names[k], style, title);
	*first = 0;
}

/* The title of one of a migration's plots: GP_TITLE (the names) and what. */
static void gp_title(FILE *gp, const char *what)
{
	fprintf(gp, "set title " GP_TITLE ".': %s' noenhanced\n", what);
}

/* The start of a plot over normalised time: the file GP_OUT-what.png, the
 * title, the y axis (ylabel is ours), the markers. */
static void gp_time_plot(FILE *gp, const struct plot *p, const char *what,
			 const char *title, const char *ylabel)
{
	gp_output(gp, what);
	gp_title(gp, title);
	fprintf(gp, "set ylabel '%s'\nset yrange [0:*]\n", ylabel);
	gp_markers(gp, p);
}

static void gp_vcpu(FILE *gp, const struct plot *p)
{
	int first = 1;

	gp_time_plot(gp, p, "vcpu", "vCPU utilisation", "vCPU utilisation (%)");
	gp_series(gp, p, DAT_VCPU_SRC_PROBE, &first,
		  "with lines lw 2 lc rgb '#2e86c1'", "source (probe)");
	gp_series(gp, p, DAT_VCPU_SRC_ENGINE, &first,
		  "with points pt 7 ps 0.6 lc rgb '#1b4f72'", "source (engine)");
	gp_series(gp, p, DAT_VCPU_DST_PROBE, &first,
		  "with lines lw 2 lc rgb '#28b463'", "destination (probe)");
	fputc('\n', gp);
	gp_unmark(gp);
}

static void gp_net(FILE *gp, const struct report *r, const struct plot *p)
{
	int first = 1;

	gp_time_plot(gp, p, "net", "network throughput", "Mbit/s");
	gp_series(gp, p, DAT_NET, &first, "with lines lw 2 lc rgb '#8e44ad'",
		  !p->net_from_probe ? "engine send rate (telemetry)" :
		  !strcmp(r->net_method, "procfs") ?
		  "all traffic on the interface (procfs)" : "engine traffic (pcap)");
	if (p->cap_bps > 0)
		fprintf(gp, ", %.6f with lines dt 4 lw 2 lc rgb 'black' title 'cap %.3g Mbit/s'",
			p->cap_bps / 1e6, p->cap_bps / 1e6);
	fputc('\n', gp);
	gp_unmark(gp);
}

static void gp_dirty(FILE *gp, const struct plot *p)
{
	gp_output(gp, "dirty");
	gp_title(gp, "dirty pages per iteration");
	fprintf(gp, "set xlabel 'iteration (round)'\nset ylabel 'pages'\n"
		"set xrange [-0.6:%zu.4]\nset style fill solid 0.85 border -1\nset boxwidth 0.7\n",
		p->points[DAT_DIRTY] - 1);
	/* Round 0 is all of RAM: a log scale keeps later rounds visible. */
	if (p->min_pages > 0 && p->max_pages > 50 * p->min_pages)
		fprintf(gp, "set logscale y\nset yrange [0.8:*]\n");
	else
		fprintf(gp, "set yrange [0:*]\n");
	fputs("plot ", gp);
	if (p->has_hot)
		fprintf(gp, GP_DATA ".'/%s' using 0:($2+$3):xtic(1) with boxes lc rgb '#e67e22' "
			"title 'hot, deferred', ", dat_names[DAT_DIRTY]);
	fprintf(gp, GP_DATA ".'/%s' using 0:2:xtic(1) with boxes lc rgb '#2e86c1' "
		"title 'pages in the round''s set', '' using 0:($2+$3):($3 > 0 ? sprintf('%%d + %%d hot', $2, $3) : sprintf('%%d', $2)) "
		"with labels offset 0,0.7 notitle\n", dat_names[DAT_DIRTY]);
}

static void gp_script(FILE *gp, const struct report *r, const struct plot *p)
{
	fprintf(gp,
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"  set terminal pngcairo size 960,540 font 'sans,10'\n"
		"} else {\n"
		"  set terminal png size 960,540\n"
		"}\n"
		"set grid\nset key outside top center horizontal\nset border 3\nset tics nomirror\n");
	if (p->points[DAT_VCPU_SRC_PROBE] || p->points[DAT_VCPU_SRC_ENGINE] ||
	    p->points[DAT_VCPU_DST_PROBE])
		gp_vcpu(gp, p);
	if (p->points[DAT_NET])
		gp_net(gp, r, p);
	if (p->points[DAT_DIRTY])
		gp_dirty(gp, p);
}

/* Name the PNGs written: "OUT-vcpu.png, OUT-dirty.png" (only those with
 * data), or say that there were none. */
static void plot_list(const struct plot *p, const char *out)
{
	const char *names[3];
	int n = 0, i;

	if (p->points[DAT_VCPU_SRC_PROBE] || p->points[DAT_VCPU_SRC_ENGINE] ||
	    p->points[DAT_VCPU_DST_PROBE])
		names[n++] = "vcpu";
	if (p->points[DAT_NET])
		names[n++] = "net";
	if (p->points[DAT_DIRTY])
		names[n++] = "dirty";
	printf("  plots              %s", n ? "" : "none (no samples)");
	for (i = 0; i < n; i++)
		printf("%s%s-%s.png", i ? ", " : "", out, names[i]);
	printf("\n");
}

/* Write p's script into p->script. Returns 0 or -errno. */
static int plot_write_script(const struct report *r, struct plot *p)
{
	FILE *gp;
	int bad;

	snprintf(p->script, sizeof(p->script), "%s/%s", p->tmp, GP_SCRIPT);
	gp = fopen(p->script, "we");
	if (!gp)
		return -errno;
	gp_script(gp, r, p);
	bad = ferror(gp);
	return fclose(gp) || bad ? -EIO : 0;
}

/* gnuplot's messages on stderr, a line at a time, cleaned (text_clean()):
 * they may quote the script's arguments. */
static void plot_messages(char *msg)
{
	char clean[256], *line, *save = NULL;

	for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		text_clean(clean, sizeof(clean), line);
		fprintf(stderr, "gnuplot: %s\n", clean);
	}
}

/* Run gnuplot on p's script with the names and paths as its arguments.
 * Returns 0 or -errno (with a message). */
static int plot_run(const struct report *r, const struct mig *m, const struct plot *p,
		    const char *out)
{
	char title[512], clean[512], msg[4096];
	const char *argv[] = { "gnuplot", "-c", p->script, out, p->tmp, clean, NULL };
	int st;

	snprintf(title, sizeof(title), "migration %lld: %s, %s -> %s", (long long)m->id,
		 report_mig_vm(m), report_mig_host(r, m, 0), report_mig_host(r, m, 1));
	text_clean(clean, sizeof(clean), title);
	st = proc_run(argv, msg, sizeof(msg));
	if (st < 0) {
		log_error("cannot run gnuplot: %s", strerror(-st));
		return st;
	}
	if (st != 127)
		plot_messages(msg);
	if (st) {
		log_error(st == 127 ?
			  "gnuplot is not installed (apt-get install gnuplot-nox, or use --no-png)" :
			  "gnuplot failed on migration %lld's plots", (long long)m->id);
		return -EIO;
	}
	plot_list(p, out);
	return 0;
}

int report_plot(const struct report *r, const struct mig *m, const char *outdir,
		const char *stem)
{
	struct plot p = { .cap_bps = report_mig_cap(r, m) };
	const char *tmpdir = getenv("TMPDIR") ?: "/tmp";
	char out[PATH_MAX];
	int rc, k;

	report_mig_span(m, &p.sp);
	if (!p.sp.t0) {
		log_warn("migration %lld: no start and end times, no plots", (long long)m->id);
		return 0;
	}
	rc = (size_t)snprintf(p.tmp, sizeof(p.tmp), "%s/dsmig-report.XXXXXX",
			      tmpdir) >= sizeof(p.tmp) ? -ENAMETOOLONG :
	     mkdtemp(p.tmp) ? 0 : -errno;
	if (rc) {
		log_error("cannot make a temporary directory in %s: %s", tmpdir, strerror(-rc));
		return rc;
	}
	rc = plot_write_data(r, m, &p);
	if (!rc)
		rc = plot_write_script(r, &p);
	if (rc) {
		log_error("cannot write plot data in %s: %s", p.tmp, strerror(-rc));
		goto out;
	}
	snprintf(out, sizeof(out), "%s/%s-mig%lld", outdir, stem, (long long)m->id);
	rc = plot_run(r, m, &p, out);
out:
	for (k = 0; k < DAT_COUNT; k++)
		if (p.dat[k][0])
			unlink(p.dat[k]);
	if (p.script[0])
		unlink(p.script);
	rmdir(p.tmp);
	return rc;
}

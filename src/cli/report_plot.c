/*
 * `dsmig report`: a migration's PNGs, drawn by gnuplot (report_gp.c: a
 * child process run on a script in a temporary directory with the data
 * files, removed afterwards): <stem>-mig<N>-vcpu.png (the VM's vCPU
 * utilisation on both hosts), -net.png (throughput against the cap), both
 * over seconds from the migration's start with the phase markers (start,
 * pause, resume, done), the downtime shaded and dsm-pull's post-copy
 * shaded up to the time every page was resident; and -dirty.png (pages
 * per round, sent and held back), on the same scale for every run of the
 * same VM in the report. Each title names the VM, the method, the cap
 * and the downtime.
 *
 * A run that did not move the VM gets its reason on one line, in
 * <stem>-mig<N>-failed.txt and in the text output, instead of empty
 * charts (the charts it has data for are still drawn).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/report.h"
#include "common/log.h"

/* The script's arguments: string values in the script, never its text. */
#define GP_OUT   "ARG1"    /* OUTDIR/STEM-migN: each PNG is GP_OUT.'-what.png' */
#define GP_DATA  "ARG2"    /* the temporary directory of the data files */
#define GP_TITLE "ARG3"    /* the run's title (plot_mig.title) */

/* The start of one PNG: the file GP_OUT-what.png and the title. */
static void gp_png(FILE *gp, const char *what, const char *title)
{
	fprintf(gp, "set output " GP_OUT ".'-%s.png'\n", what);
	fprintf(gp, "set title " GP_TITLE ".\"\\n\".'%s' noenhanced\n", title);
}

/* A plot over time: the y axis (ylabel is ours) and the markers. */
static void gp_time_plot(FILE *gp, const struct plot_mig *p, const char *what,
			 const char *title, const char *ylabel)
{
	gp_png(gp, what, title);
	fprintf(gp, "set ylabel '%s'\nset yrange [0:*]\n", ylabel);
	gp_time_axis(gp, p, REPORT_X_MIN * p->end_s, REPORT_X_MAX * p->end_s, 1);
}

static void gp_script(FILE *gp, const struct report *r, const struct plot_mig *p,
		      const struct dirty_scale *s)
{
	gp_begin(gp, 960, 540);
	if (plot_mig_has_vcpu(p)) {
		gp_time_plot(gp, p, "vcpu", "vCPU utilisation", "vCPU utilisation (%)");
		gp_vcpu_series(gp, p, GP_DATA);
		gp_unmark(gp);
	}
	if (p->points[DAT_NET]) {
		gp_time_plot(gp, p, "net", "network throughput", "Mbit/s");
		gp_net_series(gp, r, p, GP_DATA);
		gp_unmark(gp);
	}
	if (p->points[DAT_DIRTY]) {
		gp_png(gp, "dirty", "dirty pages per iteration");
		gp_dirty(gp, p, GP_DATA, s);
	}
}

/* Name the PNGs written: "OUT-vcpu.png, OUT-dirty.png" (only those with
 * data), or say that there were none. */
static void plot_list(const struct plot_mig *p, const char *out)
{
	const char *names[3];
	int n = 0, i;

	if (plot_mig_has_vcpu(p))
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

/* The reason a run did not move the VM, one line in OUT-failed.txt and
 * in the text output. Returns 0 or -errno (with a message). */
static int plot_reason(const struct plot_mig *p, const char *out)
{
	char path[PATH_MAX];
	FILE *f;
	int bad;

	snprintf(path, sizeof(path), "%s-failed.txt", out);
	printf("  not moved          %s (%s)\n", p->reason, path);
	f = fopen(path, "we");
	if (!f) {
		log_error("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%s: %s\n", p->title, p->reason);
	bad = ferror(f);
	if (fclose(f) || bad) {
		log_error("cannot write %s", path);
		return -EIO;
	}
	return 0;
}

/* Write and run the script of p's PNGs, its data in tmp. Returns 0 or
 * -errno (with a message). */
static int plot_draw(const struct report *r, struct plot_mig *p, const char *tmp,
		     const char *out, const struct dirty_scale *s)
{
	const char *args[] = { out, tmp, p->title, NULL };
	char script[PATH_MAX], what[64];
	FILE *gp;
	int rc, bad;

	rc = plot_mig_write(r, p, tmp);
	if (rc) {
		log_error("cannot write plot data in %s: %s", tmp, strerror(-rc));
		return rc;
	}
	snprintf(script, sizeof(script), "%s/plot.gp", tmp);
	gp = fopen(script, "we");
	if (!gp) {
		log_error("cannot write %s: %s", script, strerror(errno));
		return -errno;
	}
	gp_script(gp, r, p, s);
	bad = ferror(gp);
	if (fclose(gp) || bad) {
		log_error("cannot write %s", script);
		rc = -EIO;
	}
	snprintf(what, sizeof(what), "migration %lld's plots", (long long)p->m->id);
	if (!rc)
		rc = gp_run(script, args, what);
	unlink(script);
	if (!rc)
		plot_list(p, out);
	return rc;
}

void report_dirty_scale(const struct report *r, const struct mig *m, struct dirty_scale *s)
{
	size_t i;

	*s = (struct dirty_scale){ 0, -1 };
	for (i = 0; i < r->nmigs; i++)
		if (!strcmp(report_mig_vm(&r->migs[i]), report_mig_vm(m)))
			dirty_scale_add(s, &r->migs[i]);
}

int report_plot(const struct report *r, const struct mig *m, const char *outdir,
		const char *stem, const struct dirty_scale *s)
{
	struct plot_mig p;
	char out[PATH_MAX], tmp[PATH_MAX - 64];
	int rc = 0, rc2;

	snprintf(out, sizeof(out), "%s/%s-mig%lld", outdir, stem, (long long)m->id);
	if (plot_mig_init(r, m, 0, &p)) {
		rc = gp_tmpdir(tmp, sizeof(tmp));
		if (rc)
			return rc;
		rc = plot_draw(r, &p, tmp, out, s);
		plot_mig_unlink(&p, tmp);
		rmdir(tmp);
	} else if (!p.reason[0]) {
		log_warn("migration %lld: no start and end times, no plots", (long long)m->id);
	}
	if (p.reason[0]) {
		rc2 = plot_reason(&p, out);
		rc = rc ?: rc2;
	}
	return rc;
}

/*
 * `dsmig report --compare A.jsonl B.jsonl ...`: the runs of several
 * sessions (typically the methods of one workload) side by side in one
 * PNG: a column per run, a row per metric (vCPU utilisation, network
 * throughput, dirty pages per round), each row on one scale: the same
 * seconds on the time axes, the same percent, Mbit/s and pages. Each
 * column's title names the run's VM, method, cap and downtime, or why it
 * did not move the VM; a panel without data says so instead of staying
 * empty.
 *
 * The script follows report_gp.c's rule: the titles and paths are its
 * arguments (ARG1 the PNG, ARG2 the data directory, ARG3.. a column's
 * title), which is why a figure holds at most REPORT_COMPARE_MAX runs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/report.h"
#include "common/log.h"

#define GP_OUT  "ARG1"
#define GP_DATA "ARG2"
#define COL_W   560       /* pixels per column */
#define ROW_H   380       /* pixels per row */

struct compare {
	const struct report *rs[REPORT_COMPARE_MAX];
	struct plot_mig p[REPORT_COMPARE_MAX];
	int plots[REPORT_COMPARE_MAX];         /* has a span */
	char col[REPORT_COMPARE_MAX][sizeof(((struct plot_mig *)0)->title) + 300];
	size_t n;
	double end_s, max_vcpu, max_mbps;      /* the shared scales */
	struct dirty_scale dirty;
};

/* Gather the runs of rs. Returns 0, or -E2BIG when there are more than
 * REPORT_COMPARE_MAX (with a message). */
static int compare_runs(struct compare *c, const struct report *rs, size_t n)
{
	size_t i, k;

	c->dirty = (struct dirty_scale){ 0, -1 };
	for (i = 0; i < n; i++) {
		for (k = 0; k < rs[i].nmigs; k++) {
			if (c->n == REPORT_COMPARE_MAX) {
				log_error("--compare: more than %d runs in these logs",
					  REPORT_COMPARE_MAX);
				return -E2BIG;
			}
			c->rs[c->n] = &rs[i];
			c->plots[c->n] = plot_mig_init(&rs[i], &rs[i].migs[k], (int)c->n,
						       &c->p[c->n]);
			dirty_scale_add(&c->dirty, &rs[i].migs[k]);
			c->n++;
		}
	}
	return 0;
}

/* Write the runs' data; the shared scales and the column titles.
 * Returns 0 or -errno. */
static int compare_data(struct compare *c, const char *tmp)
{
	const struct plot_mig *p;
	size_t i;
	int rc;

	for (i = 0; i < c->n; i++) {
		p = &c->p[i];
		if (p->reason[0])
			snprintf(c->col[i], sizeof(c->col[i]), "%s\n%s\nnot moved: %s", p->head,
				 p->what, p->reason);
		else
			snprintf(c->col[i], sizeof(c->col[i]), "%s\n%s", p->head, p->what);
		if (!c->plots[i])
			continue;
		rc = plot_mig_write(c->rs[i], &c->p[i], tmp);
		if (rc)
			return rc;
		if (p->end_s > c->end_s)
			c->end_s = p->end_s;
		if (p->max_vcpu > c->max_vcpu)
			c->max_vcpu = p->max_vcpu;
		if (p->max_mbps > c->max_mbps)
			c->max_mbps = p->max_mbps;
		if (p->cap_bps / 1e6 > c->max_mbps)
			c->max_mbps = p->cap_bps / 1e6;
	}
	return 0;
}

/* A panel with nothing to draw: why, in our words, instead of an empty
 * chart. */
static void gp_empty(FILE *gp, const char *why)
{
	fprintf(gp, "set xrange [0:1]\nset yrange [0:1]\nunset xtics\nunset ytics\n"
		"set xlabel ''\nset ylabel ''\n"
		"set label '%s' at graph 0.5, 0.5 center\nplot 2 notitle\n"
		"set xtics\nset ytics\n", why);
	gp_unmark(gp);
}

/* The title of run i's panel in a row: the column's title (the argument
 * ARG<3+i>) on the first row, what the row shows on the others. */
static void gp_panel_title(FILE *gp, size_t i, int first_row, const char *what)
{
	if (first_row)
		fprintf(gp, "set title ARG%zu.\"\\n\".'%s' noenhanced\n", 3 + i, what);
	else
		fprintf(gp, "set title '%s'\n", what);
}

static void gp_time_panel(FILE *gp, const struct compare *c, size_t i, const char *ylabel,
			  double ymax)
{
	fprintf(gp, "set ylabel '%s'\nset yrange [0:%.6f]\n", ylabel, ymax);
	gp_time_axis(gp, &c->p[i], REPORT_X_MIN * c->end_s, REPORT_X_MAX * c->end_s, 1);
}

/* The rows of the figure. */
enum row { ROW_VCPU, ROW_NET, ROW_DIRTY, ROW_COUNT };

static const char *const row_names[ROW_COUNT] = {
	[ROW_VCPU] = "vCPU utilisation",
	[ROW_NET] = "network throughput",
	[ROW_DIRTY] = "dirty pages per iteration",
};

/* Run i's panel of row. */
static void gp_panel(FILE *gp, const struct compare *c, size_t i, enum row row)
{
	const struct plot_mig *p = &c->p[i];
	const char *empty = !c->plots[i] ? "no data: the migration never started" :
		row == ROW_VCPU && !plot_mig_has_vcpu(p) ? "no vCPU samples" :
		row == ROW_NET && !p->points[DAT_NET] ? "no throughput samples" :
		row == ROW_DIRTY && !p->points[DAT_DIRTY] ? "no rounds" : NULL;

	gp_panel_title(gp, i, row == ROW_VCPU, row_names[row]);
	if (empty) {
		gp_empty(gp, empty);
		return;
	}
	switch (row) {
	case ROW_VCPU:
		gp_time_panel(gp, c, i, "vCPU (%)", c->max_vcpu * 1.1 + 1);
		gp_vcpu_series(gp, p, GP_DATA);
		break;
	case ROW_NET:
		gp_time_panel(gp, c, i, "Mbit/s", c->max_mbps * 1.15 + 0.1);
		gp_net_series(gp, c->rs[i], p, GP_DATA);
		break;
	default:
		gp_dirty(gp, p, GP_DATA, &c->dirty);
		break;
	}
	gp_unmark(gp);
}

static void gp_compare(FILE *gp, const struct compare *c)
{
	size_t i;
	int row;

	gp_begin(gp, COL_W * (int)c->n, ROW_H * 3);
	fprintf(gp, "set output " GP_OUT "\nset key font ',8'\n"
		"set multiplot layout 3,%zu title 'dsmig report --compare: the same scales on each row'\n",
		c->n);
	for (row = 0; row < ROW_COUNT; row++)
		for (i = 0; i < c->n; i++)
			gp_panel(gp, c, i, (enum row)row);
	fputs("unset multiplot\n", gp);
}

/* Write and run the script. Returns 0 or -errno (with a message). */
static int compare_draw(const struct compare *c, const char *tmp, const char *out)
{
	const char *args[3 + REPORT_COMPARE_MAX + 1] = { out, tmp };
	char script[PATH_MAX];
	FILE *gp;
	size_t i;
	int rc = 0, bad;

	for (i = 0; i < c->n; i++)
		args[2 + i] = c->col[i];
	snprintf(script, sizeof(script), "%s/compare.gp", tmp);
	gp = fopen(script, "we");
	if (!gp) {
		log_error("cannot write %s: %s", script, strerror(errno));
		return -errno;
	}
	gp_compare(gp, c);
	bad = ferror(gp);
	if (fclose(gp) || bad) {
		log_error("cannot write %s", script);
		rc = -EIO;
	}
	if (!rc)
		rc = gp_run(script, args, "the comparison");
	unlink(script);
	return rc;
}

int report_compare(const struct report *rs, size_t n, const char *out)
{
	struct compare *c = calloc(1, sizeof(*c));
	char tmp[PATH_MAX - 64];
	size_t i;
	int rc;

	if (!c) {
		log_error("out of memory");
		return -ENOMEM;
	}
	rc = compare_runs(c, rs, n);
	if (!rc && !c->n) {
		log_error("--compare: no migration in these logs");
		rc = -ENOENT;
	}
	if (!rc)
		rc = gp_tmpdir(tmp, sizeof(tmp));
	if (rc)
		goto out;
	rc = compare_data(c, tmp);
	if (rc)
		log_error("cannot write plot data in %s: %s", tmp, strerror(-rc));
	else
		rc = compare_draw(c, tmp, out);
	for (i = 0; i < c->n; i++)
		plot_mig_unlink(&c->p[i], tmp);
	rmdir(tmp);
	if (!rc)
		printf("\nComparison: %zu run%s side by side in %s\n", c->n, c->n == 1 ? "" : "s",
		       out);
out:
	free(c);
	return rc;
}

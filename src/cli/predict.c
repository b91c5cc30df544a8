/*
 * `dsmig predict VM --to HOST [options of dsmig migrate] [--json]`: what
 * the migration `dsmig migrate` with the same options would cost, and the
 * same for the other methods, before anything starts (src/ui/predict.h).
 * It asks the source's VMM for the VM's footprint three times a second
 * apart, so that its one-second windows are this moment's, then predicts.
 * Exit 0, 1 if the VM's VMM does not answer, 2 for a bad command line.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ctl_client.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/units.h"
#include "ui/predict.h"

#define PREDICT_TIMEOUT_MS 2000
/* Windows of the VMM's that the prediction reads (vmm/footprint.h). */
#define PREDICT_WINDOWS 3

static int take_json(void *opaque, int c, const char *v, char *why, size_t len)
{
	*(int *)opaque = 1;
	return 0;
}

/* The footprint of VM from the VMM at sock, after PREDICT_WINDOWS fresh
 * one-second windows. 0, or -1 with why. */
static int read_footprint(const char *sock, struct vm_footprint *f, char *why, size_t len)
{
	struct ctl_client *c;
	json_t *ans = NULL;
	int i, rc = 0;

	if (ctl_client_open(&c, sock, PREDICT_TIMEOUT_MS, why, len))
		return -1;
	for (i = 0; i <= PREDICT_WINDOWS && !rc; i++) {
		if (i)
			usleep(1050 * 1000);
		json_decref(ans);
		ans = NULL;
		rc = ctl_client_execute(c, "query-footprint", NULL, &ans, NULL, PREDICT_TIMEOUT_MS);
	}
	if (rc)
		errbuf_set(why, len, "its VMM did not answer query-footprint: %s",
			   json_string_value(json_object_get(ans, "desc")) ?: "no answer");
	ctl_client_close(c);
	if (!rc && predict_footprint_json(ans, f))
		rc = errbuf_set(why, len, "the VMM's query-footprint answer is not one");
	json_decref(ans);
	return rc ? -1 : 0;
}

static void print_text(const struct migreq *r, const struct vm_footprint *f)
{
	char cap[UNITS_RATE_TEXT];
	unsigned i;

	units_format_rate(r->bandwidth_bps, cap, sizeof(cap));
	printf("%s: %llu MiB, %llu zero pages, %.0f pages/s dirtied, %llu in %.1f s, %llu hot\n",
	       r->vm, (unsigned long long)(f->mem_pages >> 8),
	       (unsigned long long)f->zero_pages, f->dirty_pps,
	       (unsigned long long)f->ws_pages, f->window_s * f->windows,
	       (unsigned long long)f->hot_pages);
	printf("%-10s %10s %12s %10s %7s   at %s\n", "METHOD", "TOTAL s", "DOWNTIME ms", "MiB",
	       "ROUNDS", cap);
	for (i = 0; i < MIGREQ_NR_METHODS; i++) {
		struct migreq m = *r;
		struct estimate_before_out o;
		char why[160];

		snprintf(m.method, sizeof(m.method), "%s", migreq_methods[i]);
		if (predict_migration(f, &m, &o, why, sizeof(why)))
			printf("%-10s n/a: %s\n", m.method, why);
		else
			printf("%-10s %10.2f %12.0f %10.2f %7u%s\n", m.method, o.total_s,
			       o.downtime_s * 1e3, (double)o.bytes / 1048576, o.rounds,
			       strcmp(m.method, r->method) ? "" : "   <- --method");
	}
}

static void print_json(const struct migreq *r, const struct vm_footprint *f)
{
	json_t *out = json_pack("{s:s, s:f, s:s, s:{s:I, s:I, s:f, s:I, s:I, s:f}, s:{}}",
				"vm", r->vm, "bandwidth_bps", r->bandwidth_bps, "method", r->method,
				"footprint", "mem_pages", (json_int_t)f->mem_pages,
				"zero_pages", (json_int_t)f->zero_pages, "dirty_pps", f->dirty_pps,
				"ws_pages", (json_int_t)f->ws_pages,
				"hot_pages", (json_int_t)f->hot_pages,
				"span_s", f->window_s * f->windows, "methods");
	json_t *methods = json_object_get(out, "methods");
	unsigned i;

	for (i = 0; out && i < MIGREQ_NR_METHODS; i++) {
		struct migreq m = *r;
		struct estimate_before_out o;
		char why[160];

		snprintf(m.method, sizeof(m.method), "%s", migreq_methods[i]);
		json_object_set_new(methods, m.method,
			predict_migration(f, &m, &o, why, sizeof(why))
			? json_pack("{s:s}", "error", why)
			: json_pack("{s:f, s:f, s:I, s:i}", "total_s", o.total_s,
				    "downtime_s", o.downtime_s, "bytes", (json_int_t)o.bytes,
				    "rounds", (int)o.rounds));
	}
	if (out)
		json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
}

int cmd_predict(int argc, char **argv)
{
	static const struct option own[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0;
	const struct migreq_extra extra = { own, take_json, &json };
	char rundir[PATH_MAX], from_dir[MIGREQ_HOST_MAX], sock[PATH_MAX], why[256];
	struct host_list hosts;
	struct vm_footprint f;
	struct migreq r;
	int rc = migreq_from_argv(&r, argc, argv, &extra, why, sizeof(why));

	if (rc == MIGREQ_HELP) {
		printf("usage: dsmig predict VM --to HOST [options of dsmig migrate] [--json]\n");
		return CLI_OK;
	}
	if (rc) {
		log_error("%s; see dsmig migrate --help", why);
		return CLI_USAGE;
	}
	if (dsmig_runtime_dir(rundir, sizeof(rundir)))
		log_fatal(CLI_FAILED, "no runtime directory");
	if (hosts_load(&hosts, NULL, why, sizeof(why)))
		log_fatal(CLI_USAGE, "%s", why);
	if (hosts_resolve(&hosts, r.from[0] ? r.from : rundir, from_dir, sizeof(from_dir), why,
			  sizeof(why)))
		log_fatal(CLI_USAGE, "%s", why);
	if (dsmig_socket_path(sock, sizeof(sock), from_dir, r.vm))
		log_fatal(CLI_USAGE, "VM name '%s' makes no socket path", r.vm);
	if (read_footprint(sock, &f, why, sizeof(why)))
		log_fatal(CLI_FAILED, "VM '%s': %s", r.vm, why);
	if (json)
		print_json(&r, &f);
	else
		print_text(&r, &f);
	return CLI_OK;
}

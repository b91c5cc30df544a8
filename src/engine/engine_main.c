/*
 * dsmig-engine: the migration engine, started by mpirun (normally through
 * `dsmig migrate`, which also settles failures from the VMMs' state).
 *
 *   mpirun -np N dsmig-engine --vm NAME --from HOST --to HOST [options]
 *
 * Every rank parses the same arguments, sets itself up for its role
 * (engine.h), and then rank 0 drives the rounds.
 * Exit status: 0 migrated; 1 failed, the source runs; 2 usage;
 * 3 failed after the switch-over (see docs/architecture.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keyfile.h"
#include "common/log.h"
#include "dsm/batch.h"
#include "common/migreq.h"
#include "engine/carry.h"
#include "engine/engine.h"
#include "engine/stream_auth.h"
#include "engine/method.h"

#ifdef __SANITIZE_ADDRESS__
/* In the sanitiser build, leak checking is off for this MPI program only:
 * Open MPI leaves allocations behind at MPI_Finalize (open-mpi/ompi#12584),
 * many from plugins it has dlclose()d, so they cannot be suppressed by
 * library name. Address and undefined-behaviour checks stay on, and every
 * non-MPI program keeps leak checking. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static void usage(void)
{
	fprintf(stderr,
		"usage: mpirun -np N dsmig-engine --vm NAME --from HOST --to HOST\n"
		"         [--method precopy|dsm|dsm-pull] [--bandwidth BITS/S] [--max-iters K]\n"
		"         [--target-dirty PAGES] [--no-convergence-stop] [--verify]\n"
		"         [--hot-window K] [--hot-threshold T]\n"
		"         [--compress auto|on|off] [--delta auto|on|off] [--switch-timeout MS]\n"
		"         (a migration request, spelt as for dsmig migrate: common/migreq.h)\n"
		"         [--hv kvm|xen] [--batch-pages N] [--baseline-ms MS] [--after-ms MS]\n"
		"         [--baseline-from PROGRESS:TIME_NS]\n"
		"         [--telemetry FILE|fd:N] [--key-file FILE]\n"
		"--key-file: the migration's key (64 hex digits, a 0600 file of this user's;\n"
		"dsmig migrate makes one): every page batch and blob is tagged with it.\n"
		"Without it, the key is read from $" KEYFILE_ENV " (the same 64 hex digits)\n"
		"if set: dsmig migrate passes it so to ranks on ssh hosts.\n");
}

/* "PROGRESS:TIME_NS", two decimal counts. 0, or -1 if malformed. */
static int parse_baseline_from(const char *v, struct engine_opts *o)
{
	char *end;
	unsigned long long progress, time_ns;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	progress = strtoull(v, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return -1;
	time_ns = strtoull(end + 1, &end, 10);
	if (errno || *end || time_ns == 0)
		return -1;
	o->has_baseline_from = 1;
	o->baseline_progress = progress;
	o->baseline_time_ns = time_ns;
	return 0;
}

/* The engine's own options, beside the request's. */
static int take_engine_opt(void *arg, int c, const char *v, char *why, size_t len)
{
	struct engine_opts *o = arg;
	uint64_t n;

	switch (c) {
	case 'H': o->hv = v; return 0;
	case 'o': o->telemetry = v; return 0;
	case 'K': o->key_file = v; return 0;
	case 'B':
		if (units_parse_count(v, STREAM_MAX_BATCH_PAGES, &n) || n == 0)
			return errbuf_set(why, len, "--batch-pages must be 1..%d",
					  STREAM_MAX_BATCH_PAGES);
		o->batch_pages = (unsigned)n;
		return 0;
	case 'F':
		if (parse_baseline_from(v, o))
			return errbuf_set(why, len, "bad --baseline-from '%s': PROGRESS:TIME_NS", v);
		return 0;
	case 'L':
	case 'A':
		if (units_parse_count(v, 60000, &n))
			return errbuf_set(why, len, "bad --%s '%s'",
					  c == 'L' ? "baseline-ms" : "after-ms", v);
		*(c == 'L' ? &o->baseline_ms : &o->after_ms) = (unsigned)n;
		return 0;
	default:
		return errbuf_set(why, len, "internal: option %d", c);
	}
}

/* The request's limit on the hot-page window is the directory's. */
_Static_assert(MIGREQ_MAX_HOT_WINDOW <= PAGEDIR_MAX_WINDOW,
	       "the page directory holds any --hot-window the request allows");

/* The command line: a migration request (common/migreq.h) and the
 * engine's own options. Returns 0, MIGREQ_HELP, or -1 with the reason
 * printed (by rank 0 only). */
static int parse_opts(int argc, char **argv, struct engine_opts *o, int rank)
{
	static const struct option own[] = {
		{ "hv", required_argument, NULL, 'H' },
		{ "batch-pages", required_argument, NULL, 'B' },
		{ "baseline-ms", required_argument, NULL, 'L' },
		{ "baseline-from", required_argument, NULL, 'F' },
		{ "after-ms", required_argument, NULL, 'A' },
		{ "telemetry", required_argument, NULL, 'o' },
		{ "key-file", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const struct migreq_extra extra = { own, take_engine_opt, o };
	struct migreq *r = &o->req;
	char why[256];
	int rc;

	memset(o, 0, sizeof(*o));
	o->hv = "kvm";
	o->batch_pages = 64;
	/* With dsmig migrate's sample (--baseline-from) most of this passes
	 * while mpirun starts the ranks. */
	o->baseline_ms = 300;
	o->after_ms = 1000;
	rc = migreq_from_argv(r, argc, argv, &extra, why, sizeof(why));
	if (rc == 0 && !r->from[0])
		rc = errbuf_set(why, sizeof(why), "--from HOST is required");
	if (rc == 0 && !method_find(r->method))
		rc = errbuf_set(why, sizeof(why), "this engine has no method '%s'", r->method);
	if (rc == 0 && o->key_file && stream_auth_load(o->key_file, (uint32_t)rank, why, sizeof(why)))
		rc = -1;
	/* Ranks on other machines get the key in the environment; it is
	 * dropped from ours once read (no child of ours inherits it). */
	if (rc == 0 && !o->key_file && getenv(KEYFILE_ENV) &&
	    stream_auth_load_hex(getenv(KEYFILE_ENV), (uint32_t)rank, why,
				  sizeof(why)))
		rc = -1;
	unsetenv(KEYFILE_ENV);
	if (rc) {
		if (rank == 0 && rc != MIGREQ_HELP)
			log_error("%s", why);
		return rc;
	}
	o->policy = precopy_params_of(r);
	return 0;
}

/* All ranks agree whether every rank succeeded at a step. */
static int all_ok(int ok)
{
	int all = 0;

	if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
		return 0;
	return all;
}

/* Attach to the VM on host; says why not. Returns 1 if attached. */
static int setup_attach(struct engine *e, const char *host, struct hv_vm_info *info)
{
	char why[512];

	if (e->hv->attach(&e->vm, host, e->opt.req.vm, info, why, sizeof(why)) == 0)
		return 1;
	log_error("%s", why);
	return 0;
}

/* Per-role setup: attach or create the VM, map its RAM, buffers. */
static int engine_setup(struct engine *e)
{
	char why[512];
	int ok = 1, created = 0;

	/* 1. Rank 0 attaches to the source and tells everyone its shape. */
	if (e->rank == 0) {
		ok = setup_attach(e, e->opt.req.from, &e->info);
		if (ok && !e->info.running) {
			log_error("VM '%s' is not running", e->opt.req.vm);
			ok = 0;
		}
	}
	if (!all_ok(ok))
		return -1;
	MPI_Bcast(&e->info, sizeof(e->info), MPI_BYTE, 0, MPI_COMM_WORLD);

	/* 2. Rank 1 creates the destination; source helpers attach. */
	if (e->rank == 1) {
		ok = e->hv->create_incoming(&e->vm, e->opt.req.to, &e->info, why,
					    sizeof(why)) == 0;
		if (!ok)
			log_error("%s", why);
		created = ok;
	} else if (e->rank != 0 && engine_is_sender(e)) {
		struct hv_vm_info info;

		ok = setup_attach(e, e->opt.req.from, &info);
	}
	if (!all_ok(ok))
		goto fail;

	/* 3. Destination helpers attach; everyone maps RAM and buffers. */
	if (e->rank != 1 && !engine_is_sender(e)) {
		struct hv_vm_info info;

		ok = setup_attach(e, e->opt.req.to, &info);
	}
	if (ok) {
		uint64_t bytes = 0;

		ok = e->hv->map_memory(e->vm, &e->mem, &bytes) == 0;
		if (!ok)
			log_error("%s", e->hv->error(e->vm));
		e->npages = bytes / STREAM_PAGE_SIZE;
		e->bitmap_words = bitmap_words(e->npages);
		e->bitmap = calloc(e->bitmap_words, sizeof(uint64_t));
		e->buf_size = batch_msg_max(e->opt.batch_pages) + STREAM_AUTH_TAG_BYTES;
		e->buf = malloc(e->buf_size);
		ok = ok && e->bitmap && e->buf && bytes == e->info.mem_bytes;
		if (ok && engine_is_sender(e))
			ok = engine_codec_setup(e) == 0;
	}
	if (all_ok(ok))
		return 0;
fail:
	if (created && e->hv->destroy(e->vm))
		log_error("could not discard the destination VM: %s", e->hv->error(e->vm));
	return -1;
}

int main(int argc, char **argv)
{
	struct engine e;
	char prog[32], why[256];
	int provided, rc = 1;

	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return 1;
	memset(&e, 0, sizeof(e));
	MPI_Comm_rank(MPI_COMM_WORLD, &e.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &e.nranks);
	snprintf(prog, sizeof(prog), "dsmig-engine[%d]", e.rank);
	log_init(prog);
	rc = parse_opts(argc, argv, &e.opt, e.rank);
	if (rc) {
		/* The reason alone, on one line: the usage only for --help. */
		if (e.rank == 0 && rc == MIGREQ_HELP)
			usage();
		MPI_Finalize();
		return 2;
	}
	/* MPI's own count, whatever --ranks said: the same limits. */
	if (migreq_check_ranks((unsigned)e.nranks, why, sizeof(why))) {
		if (e.rank == 0)
			log_error("mpirun -np %d: %s", e.nranks, why);
		MPI_Finalize();
		return 2;
	}
	e.method = method_find(e.opt.req.method);
	e.hv = hv_find(e.opt.hv);
	if (!e.hv) {
		if (e.rank == 0)
			log_error("unknown hypervisor backend '%s'", e.opt.hv);
		MPI_Finalize();
		return 2;
	}
	if (e.hv->stream && e.method->postcopy) {
		/* Xen 4.17's toolstack has no post-copy (docs/xen.md). */
		if (e.rank == 0)
			log_error("method '%s' needs post-copy, which the %s backend does not "
				  "have; use precopy or dsm", e.method->name, e.hv->name);
		MPI_Finalize();
		return 2;
	}
	e.nsenders = (e.nranks + 1) / 2;
	e.nreceivers = e.nranks / 2;
	MPI_Comm_split(MPI_COMM_WORLD, engine_is_sender(&e) ? 0 : MPI_UNDEFINED,
		       e.rank, &e.senders);
	if (e.rank == 0 && telemetry_open(&e.tel, e.opt.telemetry)) {
		log_error("cannot open telemetry %s: %s", e.opt.telemetry, strerror(errno));
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	ratelimit_init(&e.rl, e.opt.req.bandwidth_bps / e.nsenders, 256 * 1024, time_mono_ns());

	if (e.hv->stream) {
		/* The backend's toolstack writes the stream: carry it. */
		rc = e.rank == 0 ? carry_run_source(&e) : e.rank == 1 ? carry_run_dest(&e) : 0;
	} else if (engine_setup(&e)) {
		if (e.rank == 0) {
			log_error("migration failed during set-up; the source VM is untouched");
			telemetry_emit(&e.tel, "phase",
				       json_pack("{s:s, s:s, s:b}", "phase", "failed",
						 "error", "set-up failed", "source_running", 1));
		}
		rc = 1;
	} else if (e.rank == 0) {
		rc = engine_run_source(&e);
	} else if (e.rank == 1) {
		rc = engine_run_dest(&e);
	} else {
		struct round_ctl ctl;
		struct round_stats unused;

		do {
			if (MPI_Bcast(&ctl, sizeof(ctl), MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS ||
			    ctl.kind == ROUND_ABORT)
				break;
			engine_round(&e, &ctl, &unused);
		} while (!round_is_final(ctl.kind));
		rc = 0;
	}
	if (e.vm)
		e.hv->detach(e.vm);
	free(e.bitmap);
	free(e.buf);
	free(e.sent_copy);
	free(e.sent_valid);
	if (e.rank == 0)
		telemetry_close(&e.tel);
	if (e.senders != MPI_COMM_NULL)
		MPI_Comm_free(&e.senders);
	MPI_Finalize();
	return rc;
}

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

#include "common/log.h"
#include "engine/engine.h"
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
		"         [--method precopy] [--hv kvm] [--bandwidth BITS/S] [--max-iters K]\n"
		"         [--target-dirty PAGES] [--no-convergence-stop] [--verify]\n"
		"         [--hot-window K] [--hot-threshold T]\n"
		"         [--compress auto|on|off] [--delta auto|on|off]\n"
		"         [--batch-pages N] [--timeout-ms MS] [--baseline-ms MS]\n"
		"         [--after-ms MS] [--telemetry FILE|fd:N]\n");
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *out > max ? -1 : 0;
}

/* Rate like "12M", "12mbit", "100k", "0" -> bits per second. */
static int parse_rate(const char *s, double *bps)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': v *= 1e3; end++; break;
	case 'm': case 'M': v *= 1e6; end++; break;
	case 'g': case 'G': v *= 1e9; end++; break;
	}
	if (*end && strcmp(end, "bit") && strcmp(end, "bps") && strcmp(end, "b"))
		return -1;
	*bps = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct engine_opts *o)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "method", required_argument, NULL, 'm' },
		{ "hv", required_argument, NULL, 'H' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ "max-iters", required_argument, NULL, 'i' },
		{ "target-dirty", required_argument, NULL, 'd' },
		{ "no-convergence-stop", no_argument, NULL, 'C' },
		{ "verify", no_argument, NULL, 'V' },
		{ "batch-pages", required_argument, NULL, 'B' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "baseline-ms", required_argument, NULL, 'L' },
		{ "after-ms", required_argument, NULL, 'A' },
		{ "telemetry", required_argument, NULL, 'o' },
		{ "compress", required_argument, NULL, 'Z' },
		{ "delta", required_argument, NULL, 'D' },
		{ "hot-window", required_argument, NULL, 'K' },
		{ "hot-threshold", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->hv = "kvm";
	o->method = "precopy";
	o->bandwidth_bps = 12e6;
	o->batch_pages = 64;
	o->confirm_timeout_ms = 10000;
	o->baseline_ms = 1000;
	o->after_ms = 1000;
	o->compress = ENGINE_CODEC_AUTO;
	o->delta = ENGINE_CODEC_AUTO;
	o->hot_window = PAGEDIR_DEFAULT_WINDOW;
	o->hot_threshold = PAGEDIR_DEFAULT_THRESHOLD;
	precopy_params_default(&o->policy);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v': snprintf(o->vm, sizeof(o->vm), "%s", optarg); break;
		case 'f': snprintf(o->src_host, sizeof(o->src_host), "%s", optarg); break;
		case 't': snprintf(o->dst_host, sizeof(o->dst_host), "%s", optarg); break;
		case 'm': o->method = optarg; break;
		case 'H': o->hv = optarg; break;
		case 'b':
			if (parse_rate(optarg, &o->bandwidth_bps))
				return fprintf(stderr, "bad --bandwidth '%s'\n", optarg), -1;
			break;
		case 'i':
			if (parse_uint(optarg, 1000, &v))
				return fprintf(stderr, "bad --max-iters '%s'\n", optarg), -1;
			o->policy.max_iterations = (unsigned)v;
			break;
		case 'd':
			if (parse_uint(optarg, ~0ull, &v))
				return fprintf(stderr, "bad --target-dirty '%s'\n", optarg), -1;
			o->policy.target_dirty = v;
			break;
		case 'C': o->policy.stop_on_no_convergence = 0; break;
		case 'V': o->verify = 1; break;
		case 'B':
			if (parse_uint(optarg, STREAM_MAX_BATCH_PAGES, &v) || v == 0)
				return fprintf(stderr, "--batch-pages must be 1..%d\n",
					       STREAM_MAX_BATCH_PAGES), -1;
			o->batch_pages = (unsigned)v;
			break;
		case 'T':
			if (parse_uint(optarg, 3600000, &v) || v == 0)
				return fprintf(stderr, "bad --timeout-ms '%s'\n", optarg), -1;
			o->confirm_timeout_ms = (unsigned)v;
			break;
		case 'L':
			if (parse_uint(optarg, 60000, &v))
				return fprintf(stderr, "bad --baseline-ms '%s'\n", optarg), -1;
			o->baseline_ms = (unsigned)v;
			break;
		case 'A':
			if (parse_uint(optarg, 60000, &v))
				return fprintf(stderr, "bad --after-ms '%s'\n", optarg), -1;
			o->after_ms = (unsigned)v;
			break;
		case 'o': o->telemetry = optarg; break;
		case 'Z':
		case 'D': {
			int *dst = c == 'Z' ? &o->compress : &o->delta;

			if (!strcmp(optarg, "on"))
				*dst = ENGINE_CODEC_ON;
			else if (!strcmp(optarg, "off"))
				*dst = ENGINE_CODEC_OFF;
			else if (!strcmp(optarg, "auto"))
				*dst = ENGINE_CODEC_AUTO;
			else
				return fprintf(stderr, "--%s takes on, off or auto\n",
					       c == 'Z' ? "compress" : "delta"), -1;
			break;
		}
		case 'K':
			if (parse_uint(optarg, PAGEDIR_MAX_WINDOW, &v) || v == 0)
				return fprintf(stderr, "--hot-window must be 1..%d\n", PAGEDIR_MAX_WINDOW), -1;
			o->hot_window = (unsigned)v;
			break;
		case 'X':
			if (parse_uint(optarg, PAGEDIR_MAX_WINDOW, &v) || v == 0)
				return fprintf(stderr, "bad --hot-threshold '%s'\n", optarg), -1;
			o->hot_threshold = (unsigned)v;
			break;
		default: return -1;
		}
	}
	if (optind != argc || !o->vm[0] || !o->src_host[0] || !o->dst_host[0])
		return fprintf(stderr, "--vm, --from and --to are required\n"), -1;
	if (!method_find(o->method))
		return fprintf(stderr, "unknown --method '%s' (this engine has: precopy, dsm, dsm-pull)\n",
			       o->method), -1;
	if (o->hot_threshold > o->hot_window)
		return fprintf(stderr, "--hot-threshold must not exceed --hot-window\n"), -1;
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

/* Per-role setup: attach or create the VM, map its RAM, buffers. */
static int engine_setup(struct engine *e)
{
	int ok = 1, created = 0;

	/* 1. Rank 0 attaches to the source and tells everyone its shape. */
	if (e->rank == 0) {
		ok = e->hv->attach(&e->vm, e->opt.src_host, e->opt.vm, &e->info) == 0;
		if (ok && !e->info.running) {
			log_error("VM '%s' is not running", e->opt.vm);
			ok = 0;
		}
	}
	if (!all_ok(ok))
		return -1;
	MPI_Bcast(&e->info, sizeof(e->info), MPI_BYTE, 0, MPI_COMM_WORLD);

	/* 2. Rank 1 creates the destination; source helpers attach. */
	if (e->rank == 1) {
		ok = e->hv->create_incoming(&e->vm, e->opt.dst_host, &e->info) == 0;
		created = ok;
	} else if (e->rank != 0 && engine_is_sender(e)) {
		struct hv_vm_info info;

		ok = e->hv->attach(&e->vm, e->opt.src_host, e->opt.vm, &info) == 0;
	}
	if (!all_ok(ok))
		goto fail;

	/* 3. Destination helpers attach; everyone maps RAM and buffers. */
	if (e->rank != 1 && !engine_is_sender(e)) {
		struct hv_vm_info info;

		ok = e->hv->attach(&e->vm, e->opt.dst_host, e->opt.vm, &info) == 0;
	}
	if (ok) {
		uint64_t bytes;

		ok = e->hv->map_memory(e->vm, &e->mem, &bytes) == 0;
		e->npages = bytes / STREAM_PAGE_SIZE;
		e->bitmap_words = bitmap_words(e->npages);
		e->bitmap = calloc(e->bitmap_words, sizeof(uint64_t));
		e->buf_size = sizeof(struct batch_hdr) +
			      e->opt.batch_pages * (sizeof(struct page_rec) + PAGECODEC_MAX);
		e->buf = malloc(e->buf_size);
		ok = ok && e->bitmap && e->buf && bytes == e->info.mem_bytes;
		if (ok && engine_is_sender(e))
			ok = engine_codec_setup(e) == 0;
	}
	if (all_ok(ok))
		return 0;
fail:
	if (created)
		e->hv->destroy(e->vm);
	return -1;
}

int main(int argc, char **argv)
{
	struct engine e;
	char prog[32];
	int provided, rc = 1;

	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return 1;
	memset(&e, 0, sizeof(e));
	MPI_Comm_rank(MPI_COMM_WORLD, &e.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &e.nranks);
	snprintf(prog, sizeof(prog), "dsmig-engine[%d]", e.rank);
	log_init(prog);
	if (parse_opts(argc, argv, &e.opt)) {
		if (e.rank == 0)
			usage();
		MPI_Finalize();
		return 2;
	}
	if (e.nranks < 2) {
		if (e.rank == 0)
			log_error("needs at least 2 ranks (source and destination)");
		MPI_Finalize();
		return 2;
	}
	e.method = method_find(e.opt.method);
	e.hv = hv_find(e.opt.hv);
	if (!e.hv) {
		if (e.rank == 0)
			log_error("unknown hypervisor backend '%s'", e.opt.hv);
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
	ratelimit_init(&e.rl, e.opt.bandwidth_bps / e.nsenders, 256 * 1024, time_mono_ns());

	if (engine_setup(&e)) {
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

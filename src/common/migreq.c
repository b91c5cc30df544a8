/*
 * One migration request (see migreq.h): its defaults, its limits, and its
 * command line both ways. The option table below is the only list of the
 * request's options; `dsmig migrate`, `dsmig record` and dsmig-engine each
 * add their own few (migreq_extra) and parse with migreq_from_argv(), and
 * whoever starts the next program writes the options with
 * migreq_to_argv(), so the two directions cannot drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/migreq.h"
#include "vmm/control.h"        /* CTL_MAX_CLIENTS: the VMM's connections */

/* Control connections a VMM must have free beside the ranks' during a
 * migration: rank 0's progress sampler (engine/sampler.c) on the source,
 * the console's or `dsmig record`'s VM probe, and one for the operator
 * (`dsmig-vmm ctl`, or `dsmig migrate` settling a failure). The ranks are
 * dealt alternately, so the source's VMM serves ceil(n/2) of them. */
#define MIGREQ_VMM_SPARE_CLIENTS 3
#define MIGREQ_MAX_RANKS (2 * (CTL_MAX_CLIENTS - MIGREQ_VMM_SPARE_CLIENTS))

const char *const migreq_methods[MIGREQ_NR_METHODS] = { "precopy", "dsm", "dsm-pull" };

static const char *const codec_names[] = {
	[MIGREQ_CODEC_AUTO] = "auto", [MIGREQ_CODEC_ON] = "on", [MIGREQ_CODEC_OFF] = "off",
};

enum {
	OPT_VM = MIGREQ_OPT_BASE, OPT_FROM, OPT_TO, OPT_METHOD, OPT_BANDWIDTH, OPT_RANKS,
	OPT_MAX_ITERS, OPT_TARGET_DIRTY, OPT_NO_CONVERGENCE_STOP, OPT_VERIFY, OPT_COMPRESS,
	OPT_DELTA, OPT_HOT_WINDOW, OPT_HOT_THRESHOLD, OPT_SWITCH_TIMEOUT, OPT_DOWNTIME_TARGET,
	OPT_HELP,
};

static const struct option migreq_opts[] = {
	{ "vm", required_argument, NULL, OPT_VM },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "bandwidth", required_argument, NULL, OPT_BANDWIDTH },
	{ "ranks", required_argument, NULL, OPT_RANKS },
	{ "max-iters", required_argument, NULL, OPT_MAX_ITERS },
	{ "target-dirty", required_argument, NULL, OPT_TARGET_DIRTY },
	{ "downtime-target", required_argument, NULL, OPT_DOWNTIME_TARGET },
	{ "no-convergence-stop", no_argument, NULL, OPT_NO_CONVERGENCE_STOP },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "delta", required_argument, NULL, OPT_DELTA },
	{ "hot-window", required_argument, NULL, OPT_HOT_WINDOW },
	{ "hot-threshold", required_argument, NULL, OPT_HOT_THRESHOLD },
	{ "switch-timeout", required_argument, NULL, OPT_SWITCH_TIMEOUT },
	{ "help", no_argument, NULL, OPT_HELP },
};
#define NR_OPTS (sizeof(migreq_opts) / sizeof(migreq_opts[0]))

void migreq_defaults(struct migreq *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->method, sizeof(r->method), "%s", MIGREQ_DEFAULT_METHOD);
	r->bandwidth_bps = MIGREQ_DEFAULT_BANDWIDTH_BPS;
	r->ranks = MIGREQ_DEFAULT_RANKS;
	r->max_iters = MIGREQ_DEFAULT_MAX_ITERS;
	r->target_dirty = MIGREQ_DEFAULT_TARGET_DIRTY;
	r->downtime_target_ms = MIGREQ_DEFAULT_DOWNTIME_TARGET_MS;
	r->stop_on_no_convergence = 1;
	r->compress = MIGREQ_CODEC_AUTO;
	r->delta = MIGREQ_CODEC_AUTO;
	r->hot_window = MIGREQ_DEFAULT_HOT_WINDOW;
	r->hot_threshold = MIGREQ_DEFAULT_HOT_THRESHOLD;
	r->switch_timeout_ms = MIGREQ_DEFAULT_SWITCH_TIMEOUT_MS;
}

static int method_known(const char *m)
{
	unsigned i;

	for (i = 0; i < MIGREQ_NR_METHODS; i++)
		if (!strcmp(m, migreq_methods[i]))
			return 1;
	return 0;
}

int migreq_check_ranks(unsigned n, char *why, size_t len)
{
	if (n < MIGREQ_MIN_RANKS || n > MIGREQ_MAX_RANKS)
		return errbuf_set(why, len, "--ranks must be %d..%d, not %u (a VMM serves %d "
				  "control clients: its host's ranks and %d more)", MIGREQ_MIN_RANKS,
				  MIGREQ_MAX_RANKS, n, CTL_MAX_CLIENTS, MIGREQ_VMM_SPARE_CLIENTS);
	return 0;
}

int migreq_check_ends(const char *from, const char *to, char *why, size_t len)
{
	int same = dsmig_runtime_dir_same(from, to, why, len);

	if (same < 0)
		return -1;
	if (same)
		return errbuf_set(why, len, "source and destination are the same host (%s%s%s)",
				  from, strcmp(from, to) ? ", also spelt " : "",
				  strcmp(from, to) ? to : "");
	return 0;
}

int migreq_check(const struct migreq *r, char *why, size_t len)
{
	double bw = r->bandwidth_bps;

	if (!dsmig_vm_name_valid(r->vm))
		return errbuf_set(why, len, r->vm[0] ? "bad VM name '%s' (letters, digits, "
				  "'_', '-', '.'; at most %d)" : "no VM given", r->vm,
				  DSMIG_VM_NAME_MAX);
	if (!r->to[0])
		return errbuf_set(why, len, "--to HOST is required");
	if (!method_known(r->method))
		return errbuf_set(why, len, "unknown --method '%s' (precopy, dsm or dsm-pull)",
				  r->method);
	/* Below 1 kbit/s a migration of even an idle 16 MiB guest takes days:
	 * a typo. NaN fails every comparison. */
	if (!(bw == 0 || (bw >= MIGREQ_MIN_BANDWIDTH_BPS && bw <= UNITS_RATE_MAX)))
		return errbuf_set(why, len, "--bandwidth must be 0 (unlimited) or 1k..%.0fG "
				  "bit/s, not %g bit/s", UNITS_RATE_MAX / 1e9, bw);
	if (migreq_check_ranks(r->ranks, why, len))
		return -1;
	if (r->max_iters > MIGREQ_MAX_ITERS_LIMIT)
		return errbuf_set(why, len, "--max-iters must be 0..%d", MIGREQ_MAX_ITERS_LIMIT);
	if (r->downtime_target_ms > MIGREQ_MAX_DOWNTIME_TARGET_MS)
		return errbuf_set(why, len, "--downtime-target must be 0..%d ms",
				  MIGREQ_MAX_DOWNTIME_TARGET_MS);
	if (r->hot_window < 1 || r->hot_window > MIGREQ_MAX_HOT_WINDOW)
		return errbuf_set(why, len, "--hot-window must be 1..%d", MIGREQ_MAX_HOT_WINDOW);
	if (r->hot_threshold < 1 || r->hot_threshold > r->hot_window)
		return errbuf_set(why, len, "--hot-threshold must be 1..--hot-window (%u)",
				  r->hot_window);
	if (r->switch_timeout_ms < 1 || r->switch_timeout_ms > MIGREQ_MAX_SWITCH_TIMEOUT_MS)
		return errbuf_set(why, len, "--switch-timeout must be 1..%d ms",
				  MIGREQ_MAX_SWITCH_TIMEOUT_MS);
	if ((unsigned)r->compress >= sizeof(codec_names) / sizeof(codec_names[0]) ||
	    (unsigned)r->delta >= sizeof(codec_names) / sizeof(codec_names[0]))
		return errbuf_set(why, len, "--compress and --delta take auto, on or off");
	return 0;
}

/* ---- reading a command line ----------------------------------------- */

static int take_text(char *dst, size_t size, const char *value, const char *opt,
		     char *why, size_t len)
{
	if (strlen(value) >= size)
		return errbuf_set(why, len, "--%s is too long (at most %zu characters)", opt,
				  size - 1);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* A whole decimal number up to max: no sign, no spaces. */
static int take_number(uint64_t *out, uint64_t max, const char *value, const char *opt,
		       char *why, size_t len)
{
	if (units_parse_count(value, max, out))
		return errbuf_set(why, len, "--%s takes a whole number, not '%s'", opt, value);
	return 0;
}

static int take_unsigned(unsigned *out, const char *value, const char *opt,
			 char *why, size_t len)
{
	uint64_t v;

	if (take_number(&v, ~0u, value, opt, why, len))
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int take_codec(enum migreq_codec *out, const char *value, const char *opt,
		      char *why, size_t len)
{
	unsigned i;

	for (i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++) {
		if (!strcmp(value, codec_names[i])) {
			*out = (enum migreq_codec)i;
			return 0;
		}
	}
	return errbuf_set(why, len, "--%s takes auto, on or off, not '%s'", opt, value);
}

static int take_option(struct migreq *r, int c, const char *v, const char *opt,
		       char *why, size_t len)
{
	char reason[160];

	switch (c) {
	case OPT_VM: return take_text(r->vm, sizeof(r->vm), v, opt, why, len);
	case OPT_FROM: return take_text(r->from, sizeof(r->from), v, opt, why, len);
	case OPT_TO: return take_text(r->to, sizeof(r->to), v, opt, why, len);
	case OPT_METHOD: return take_text(r->method, sizeof(r->method), v, opt, why, len);
	case OPT_BANDWIDTH:
		if (units_parse_rate(v, &r->bandwidth_bps, reason, sizeof(reason)))
			return errbuf_set(why, len, "bad --bandwidth: %s", reason);
		return 0;
	case OPT_RANKS: return take_unsigned(&r->ranks, v, opt, why, len);
	case OPT_MAX_ITERS: return take_unsigned(&r->max_iters, v, opt, why, len);
	case OPT_TARGET_DIRTY: return take_number(&r->target_dirty, UINT64_MAX, v, opt, why, len);
	case OPT_DOWNTIME_TARGET: return take_unsigned(&r->downtime_target_ms, v, opt, why, len);
	case OPT_NO_CONVERGENCE_STOP: r->stop_on_no_convergence = 0; return 0;
	case OPT_VERIFY: r->verify = 1; return 0;
	case OPT_COMPRESS: return take_codec(&r->compress, v, opt, why, len);
	case OPT_DELTA: return take_codec(&r->delta, v, opt, why, len);
	case OPT_HOT_WINDOW: return take_unsigned(&r->hot_window, v, opt, why, len);
	case OPT_HOT_THRESHOLD: return take_unsigned(&r->hot_threshold, v, opt, why, len);
	case OPT_SWITCH_TIMEOUT: return take_unsigned(&r->switch_timeout_ms, v, opt, why, len);
	default: return errbuf_set(why, len, "internal: option %d", c);
	}
}

/* The request's options and extra's, in opts[] (zero-terminated). */
static int merge_options(struct option *opts, size_t cap, const struct migreq_extra *extra,
			 char *why, size_t len)
{
	size_t n = NR_OPTS, i;

	memcpy(opts, migreq_opts, sizeof(migreq_opts));
	for (i = 0; extra && extra->opts[i].name; i++) {
		if (n + 1 >= cap || extra->opts[i].flag || extra->opts[i].val >= MIGREQ_OPT_BASE)
			return errbuf_set(why, len, "internal: bad extra option --%s",
					  extra->opts[i].name);
		opts[n++] = extra->opts[i];
	}
	memset(&opts[n], 0, sizeof(opts[n]));
	return 0;
}

/* The long name of the option whose val is c. */
static const char *option_name(const struct option *opts, int c)
{
	for (; opts->name; opts++)
		if (opts->val == c)
			return opts->name;
	return "?";
}

/* An operand: the VM, once. */
static int take_operand(struct migreq *r, const char *v, char *why, size_t len)
{
	if (r->vm[0])
		return errbuf_set(why, len, "unexpected argument '%s'", v);
	return take_text(r->vm, sizeof(r->vm), v, "vm", why, len);
}

int migreq_from_argv(struct migreq *r, int argc, char **argv,
		     const struct migreq_extra *extra, char *why, size_t len)
{
	struct option opts[NR_OPTS + MIGREQ_MAX_EXTRA + 1];
	int c, rc;

	migreq_defaults(r);
	if (merge_options(opts, sizeof(opts) / sizeof(opts[0]), extra, why, len))
		return -1;
	optind = 0;        /* glibc: start over, also after an earlier getopt */
	opterr = 0;        /* reasons go to why, not to stderr */
	/* "-": operands come back in order as 1 (whatever POSIXLY_CORRECT
	 * says); ":": a missing value is ':', not '?'. */
	while ((c = getopt_long(argc, argv, "-:", opts, NULL)) != -1) {
		const char *arg = argv[optind - 1];

		if (c == '?')
			return errbuf_set(why, len, "unknown option '%s'", arg);
		if (c == ':')
			return errbuf_set(why, len, "option '%s' needs a value", arg);
		if (c == OPT_HELP)
			return MIGREQ_HELP;
		if (c == 1)
			rc = take_operand(r, optarg, why, len);
		else if (c >= MIGREQ_OPT_BASE)
			rc = take_option(r, c, optarg, option_name(opts, c), why, len);
		else
			rc = extra->take(extra->arg, c, optarg, why, len);
		if (rc)
			return -1;
	}
	for (; optind < argc; optind++)          /* after "--" */
		if (take_operand(r, argv[optind], why, len))
			return -1;
	return migreq_check(r, why, len);
}

/* ---- writing one ---------------------------------------------------- */

static void put(struct migreq_argv *a, const char *opt, const char *value)
{
	a->argv[a->argc++] = opt;
	if (value)
		a->argv[a->argc++] = value;
}

/* "--opt N" unless N is the default. */
static void put_number(struct migreq_argv *a, int *slot, const char *opt, uint64_t v,
		       uint64_t dflt)
{
	if (v == dflt)
		return;
	snprintf(a->text[*slot], sizeof(a->text[0]), "%llu", (unsigned long long)v);
	put(a, opt, a->text[(*slot)++]);
}

void migreq_to_argv(const struct migreq *r, struct migreq_argv *a)
{
	int slot = 0;

	a->argc = 0;
	put(a, "--vm", r->vm);
	if (r->from[0])
		put(a, "--from", r->from);
	put(a, "--to", r->to);
	put(a, "--method", r->method);
	units_format_rate(r->bandwidth_bps, a->text[slot], sizeof(a->text[0]));
	put(a, "--bandwidth", a->text[slot++]);
	put_number(a, &slot, "--ranks", r->ranks, MIGREQ_DEFAULT_RANKS);
	put_number(a, &slot, "--max-iters", r->max_iters, MIGREQ_DEFAULT_MAX_ITERS);
	put_number(a, &slot, "--target-dirty", r->target_dirty, MIGREQ_DEFAULT_TARGET_DIRTY);
	put_number(a, &slot, "--downtime-target", r->downtime_target_ms,
		   MIGREQ_DEFAULT_DOWNTIME_TARGET_MS);
	put_number(a, &slot, "--hot-window", r->hot_window, MIGREQ_DEFAULT_HOT_WINDOW);
	put_number(a, &slot, "--hot-threshold", r->hot_threshold, MIGREQ_DEFAULT_HOT_THRESHOLD);
	put_number(a, &slot, "--switch-timeout", r->switch_timeout_ms,
		   MIGREQ_DEFAULT_SWITCH_TIMEOUT_MS);
	if (r->compress != MIGREQ_CODEC_AUTO)
		put(a, "--compress", codec_names[r->compress]);
	if (r->delta != MIGREQ_CODEC_AUTO)
		put(a, "--delta", codec_names[r->delta]);
	if (r->verify)
		put(a, "--verify", NULL);
	if (!r->stop_on_no_convergence)
		put(a, "--no-convergence-stop", NULL);
	a->argv[a->argc] = NULL;
}

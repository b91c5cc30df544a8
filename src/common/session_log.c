/*
 * The session log reader (see session_log.h): records decoded one by one,
 * each type's fields checked by its table (common/fields.h: the console
 * records' schema of docs/telemetry.md lives in these tables and nowhere
 * else on the reading side), and whole logs loaded line by line into a
 * bounded buffer, so that no line of a hostile file makes us allocate
 * more than SESSION_LINE_MAX.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fields.h"
#include "common/log.h"
#include "common/migreq.h"
#include "common/text.h"
#include "common/session_log.h"
#include "common/units.h"

static const char *const src_names[] = {
	[SESSION_SRC_SESSION] = "session",
	[SESSION_SRC_PROBE] = "probe",
	[SESSION_SRC_ENGINE] = "engine",
	[SESSION_SRC_MIGRATION] = "migration",
	[SESSION_SRC_OPERATOR] = "operator",
	[SESSION_SRC_QUEUE] = "queue",
	[SESSION_SRC_VMACT] = "vmact",
	[SESSION_SRC_CLIENT] = "client",
};

static enum session_src src_by_name(const char *name)
{
	size_t i;

	for (i = SESSION_SRC_SESSION; i < sizeof(src_names) / sizeof(src_names[0]); i++)
		if (!strcmp(src_names[i], name))
			return (enum session_src)i;
	return SESSION_SRC_UNKNOWN;
}

#define S struct session_open
static const struct field open_fields[] = {
	FIELD(S, "mode", mode, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "cap_bps", cap_bps, FIELD_NUM, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

#define S struct session_host
static const struct field host_fields[] = {
	FIELD(S, "name", name, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "runtime", runtime, FIELD_STR, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

#define S struct session_vm
static const struct field vm_fields[] = {
	FIELD(S, "host", host, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "vm", vm, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "state", state, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "workload", workload, FIELD_STR, FIELD_OPTIONAL),
	FIELD(S, "vcpus", vcpus, FIELD_INT, FIELD_OPTIONAL),
	FIELD(S, "mem_bytes", mem_bytes, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "dirty_pps", dirty_pps, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "progress", progress, FIELD_GUEST, FIELD_OPTIONAL),
	FIELD(S, "progress_ps", progress_ps, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "nic_bps", nic_bps, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "domid", domid, FIELD_INT, FIELD_OPTIONAL),
	FIELD(S, "cpu_pct", cpu_pct, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "fp_windows", fp_windows, FIELD_INT, FIELD_OPTIONAL),
	FIELD(S, "fp_window_s", fp_window_s, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "fp_ws_pages", fp_ws_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "fp_hot_pages", fp_hot_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "fp_zero_pages", fp_zero_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "fp_sample_pages", fp_sample_pages, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "fp_sample_bytes", fp_sample_bytes, FIELD_I64, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct session_net
static const struct field net_fields[] = {
	FIELD(S, "iface", iface, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "method", method, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "filter", filter, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "bytes", bytes, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "bps", bps, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "netns", netns, FIELD_STR, FIELD_OPTIONAL),
	FIELD(S, "host", host, FIELD_STR, FIELD_OPTIONAL),
	FIELD(S, "note", note, FIELD_STR, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct session_host_stats
static const struct field host_stats_fields[] = {
	FIELD(S, "host", host, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "hv", hv, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "link", link, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "cpu_pct", cpu_pct, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "mem_used", mem_used, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "mem_total", mem_total, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "link_bps", link_bps, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "shared", shared, FIELD_BOOL, FIELD_OPTIONAL),
	FIELD(S, "unreachable", unreachable, FIELD_STR, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct session_mig_start
static const struct field start_fields[] = {
	FIELD(S, "vm", vm, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "from", from, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "to", to, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "method", method, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "bandwidth", bandwidth, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "ranks", ranks, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "max_iters", max_iters, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "verify", verify, FIELD_BOOL, FIELD_REQUIRED),
	FIELD(S, "item", item, FIELD_INT, FIELD_OPTIONAL),
	FIELD(S, "predicted_total_s", predicted_total_s, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "predicted_downtime_s", predicted_downtime_s, FIELD_NUM, FIELD_OPTIONAL),
	FIELD(S, "predicted_bytes", predicted_bytes, FIELD_I64, FIELD_OPTIONAL),
	FIELD(S, "wire_na", wire_na, FIELD_STR, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct session_mig_exit
static const struct field exit_fields[] = {
	FIELD(S, "status", status, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "error", error, FIELD_STR, FIELD_NULLABLE),
	FIELD(S, "telemetry_bad_lines", telemetry_bad_lines, FIELD_I64, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct session_operator
static const struct field operator_fields[] = {
	FIELD(S, "action", action, FIELD_STR, FIELD_REQUIRED),
	FIELD_END,
};
/* The arguments of an action on a VM (vmspec.h); a vm-start's too. */
static const struct field operator_vm_fields[] = {
	FIELD(S, "args.host", host, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "args.vm", vm, FIELD_STR, FIELD_REQUIRED),
	FIELD_END,
};
static const struct field operator_start_fields[] = {
	FIELD(S, "args.image", image, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "args.mem", mem, FIELD_STR, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

/* Both vmact records; a failed one's error is required (check_vmact()). */
#define S struct session_vmact
static const struct field vmact_fields[] = {
	FIELD(S, "action", action, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "host", host, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "vm", vm, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "error", error, FIELD_STR, FIELD_OPTIONAL),
	FIELD_END,
};
#undef S

#define S struct session_queue
static const struct field queue_add_fields[] = {
	FIELD(S, "item", item, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "vm", vm, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "from", from, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "to", to, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "method", method, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "bandwidth", bandwidth, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "ranks", ranks, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "max_iters", max_iters, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "verify", verify, FIELD_BOOL, FIELD_REQUIRED),
	FIELD_END,
};
static const struct field queue_parallel_fields[] = {
	FIELD(S, "parallel", parallel, FIELD_INT, FIELD_REQUIRED),
	FIELD_END,
};
static const struct field queue_cancel_fields[] = {
	FIELD(S, "item", item, FIELD_INT, FIELD_REQUIRED),
	FIELD_END,
};
static const struct field queue_fail_fields[] = {
	FIELD(S, "item", item, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "error", error, FIELD_STR, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

/* The web client's records under "client" (docs/telemetry.md, "Web
 * client records"), as `dsmig webclient --out` writes them. */
#define S struct session_client
static const struct field client_second_fields[] = {
	FIELD(S, "client.v", v, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "client.type", type, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "client.sec", sec, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.ok", ok, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.failed", failed, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.resets", resets, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.max_latency_ns", max_latency_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.outstanding", outstanding, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "client.gap_ns", gap_ns, FIELD_I64, FIELD_OPTIONAL),
	FIELD_END,
};
static const struct field client_summary_fields[] = {
	FIELD(S, "client.v", v, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "client.type", type, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "client.target", target, FIELD_STR, FIELD_REQUIRED),
	FIELD(S, "client.conns", conns, FIELD_INT, FIELD_REQUIRED),
	FIELD(S, "client.rate", rate, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "client.requests", requests, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.failed", failed, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.resets", resets, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.reconnects", reconnects, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.outstanding", outstanding_end, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.rps_mean", rps_mean, FIELD_NUM, FIELD_REQUIRED),
	FIELD(S, "client.longest_gap_ns", longest_gap_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.max_latency_ns", max_latency_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.mean_latency_ns", mean_latency_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.bytes_in", bytes_in, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.duration_ns", duration_ns, FIELD_I64, FIELD_REQUIRED),
	FIELD(S, "client.interrupted", interrupted, FIELD_BOOL, FIELD_REQUIRED),
	FIELD_END,
};
#undef S

/* A record type: its src, the name its "probe" or "event" member gives
 * it, its table and where it goes in the union. */
struct rec_type {
	enum session_src src;
	const char *name;               /* NULL: the src alone (operator) */
	enum session_type type;
	const char *what;               /* for reasons: "vm probe" */
	const struct field *fields;     /* NULL: none */
};

static const struct rec_type rec_types[] = {
	{ SESSION_SRC_SESSION, "open", SESSION_REC_OPEN, "open", open_fields },
	{ SESSION_SRC_SESSION, "close", SESSION_REC_CLOSE, "close", NULL },
	{ SESSION_SRC_PROBE, "vm", SESSION_REC_VM, "vm probe", vm_fields },
	{ SESSION_SRC_PROBE, "net", SESSION_REC_NET, "net probe", net_fields },
	{ SESSION_SRC_PROBE, "host", SESSION_REC_HOST, "host probe", host_stats_fields },
	{ SESSION_SRC_MIGRATION, "start", SESSION_REC_MIG_START, "start", start_fields },
	{ SESSION_SRC_MIGRATION, "previous", SESSION_REC_MIG_PREVIOUS, "previous", NULL },
	{ SESSION_SRC_MIGRATION, "exit", SESSION_REC_MIG_EXIT, "exit", exit_fields },
	{ SESSION_SRC_OPERATOR, NULL, SESSION_REC_OPERATOR, "operator", operator_fields },
	{ SESSION_SRC_QUEUE, "add", SESSION_REC_QUEUE_ADD, "queue add", queue_add_fields },
	{ SESSION_SRC_QUEUE, "parallel", SESSION_REC_QUEUE_PARALLEL, "queue parallel",
	  queue_parallel_fields },
	{ SESSION_SRC_QUEUE, "cancel", SESSION_REC_QUEUE_CANCEL, "queue cancel",
	  queue_cancel_fields },
	{ SESSION_SRC_QUEUE, "fail", SESSION_REC_QUEUE_FAIL, "queue fail", queue_fail_fields },
	{ SESSION_SRC_VMACT, "done", SESSION_REC_VMACT_DONE, "vmact done", vmact_fields },
	{ SESSION_SRC_VMACT, "failed", SESSION_REC_VMACT_FAILED, "vmact failed", vmact_fields },
	{ SESSION_SRC_CLIENT, "second", SESSION_REC_CLIENT_SECOND, "client second",
	  client_second_fields },
	{ SESSION_SRC_CLIENT, "summary", SESSION_REC_CLIENT_SUMMARY, "client summary",
	  client_summary_fields },
};

/* The member that names a src's records: "probe", "event", or none. */
static const char *type_key(enum session_src src)
{
	return src == SESSION_SRC_PROBE ? "probe" :
	       src == SESSION_SRC_SESSION || src == SESSION_SRC_MIGRATION ||
	       src == SESSION_SRC_QUEUE || src == SESSION_SRC_VMACT ||
	       src == SESSION_SRC_CLIENT ? "event" : NULL;
}

/* The vm probe's "vcpu_pct": an array of at most SESSION_MAX_VCPUS
 * finite numbers, optional. */
static int decode_vcpu_pct(json_t *rec, struct session_vm *v, char *why, size_t len)
{
	json_t *a = json_object_get(rec, "vcpu_pct"), *p;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return errbuf_set(why, len, "vm probe: \"vcpu_pct\" is not an array");
	if (json_array_size(a) > SESSION_MAX_VCPUS)
		return errbuf_set(why, len, "vm probe: \"vcpu_pct\" has more than %d entries",
				  SESSION_MAX_VCPUS);
	json_array_foreach(a, i, p) {
		if (!json_is_number(p) || !isfinite(json_number_value(p)))
			return errbuf_set(why, len, "vm probe: \"vcpu_pct\"[%zu] is not a number",
					  i);
		v->vcpu_pct[i] = json_number_value(p);
	}
	v->nr_vcpu_pct = (int)json_array_size(a);
	return 0;
}

/* The host probe's numbers beyond their types: a percent of the
 * machine, memory used within the total (both or neither), a link rate
 * that is a rate. */
static int check_host_stats(const struct session_host_stats *h, char *why, size_t len)
{
	int used = session_log_has(SESSION_REC_HOST, h->present, "mem_used");
	int total = session_log_has(SESSION_REC_HOST, h->present, "mem_total");

	if (session_log_has(SESSION_REC_HOST, h->present, "cpu_pct") &&
	    (h->cpu_pct < 0 || h->cpu_pct > 100))
		return errbuf_set(why, len, "host probe: \"cpu_pct\" out of range: %g",
				  h->cpu_pct);
	if (used != total)
		return errbuf_set(why, len, "host probe: \"%s\" without \"%s\"",
				  used ? "mem_used" : "mem_total", used ? "mem_total" : "mem_used");
	if (used && h->mem_used > h->mem_total)
		return errbuf_set(why, len, "host probe: \"mem_used\" above \"mem_total\"");
	if (session_log_has(SESSION_REC_HOST, h->present, "link_bps") &&
	    (h->link_bps <= 0 || h->link_bps > UNITS_RATE_MAX))
		return errbuf_set(why, len, "host probe: \"link_bps\" out of range: %g",
				  h->link_bps);
	if (session_log_has(SESSION_REC_HOST, h->present, "unreachable") && !h->unreachable[0])
		return errbuf_set(why, len, "host probe: \"unreachable\" is empty");
	return 0;
}

/* The open record's "hosts": an array of at most SESSION_MAX_HOSTS
 * {name, runtime} objects, required. */
static int decode_hosts(json_t *rec, struct session_open *o, char *why, size_t len)
{
	json_t *a = json_object_get(rec, "hosts"), *h;
	char what[32];
	size_t i;

	if (!json_is_array(a))
		return errbuf_set(why, len, "open: \"hosts\" %s",
				  a ? "is not an array" : "missing");
	if (json_array_size(a) > SESSION_MAX_HOSTS)
		return errbuf_set(why, len, "open: \"hosts\" has more than %d entries",
				  SESSION_MAX_HOSTS);
	json_array_foreach(a, i, h) {
		snprintf(what, sizeof(what), "open: host %zu", i);
		if (!json_is_object(h))
			return errbuf_set(why, len, "%s is not an object", what);
		if (fields_decode(h, host_fields, &o->hosts[i], NULL, what, why, len))
			return -1;
	}
	o->nr_hosts = (int)json_array_size(a);
	return 0;
}

/* A queue record's values beyond their types: an item number from 1, a
 * parallel count the console offers, and an added item's request as the
 * console launches it (a method the engine has, a cap that is a rate). */
static int check_queue(enum session_type type, const char *what,
		       const struct session_queue *q, char *why, size_t len)
{
	double bps;
	unsigned i;

	if (type == SESSION_REC_QUEUE_PARALLEL)
		return q->parallel < 1 || q->parallel > SESSION_QUEUE_MAX_PARALLEL ?
		       errbuf_set(why, len, "%s: \"parallel\" out of range: %d (1..%d)", what,
				  q->parallel, SESSION_QUEUE_MAX_PARALLEL) : 0;
	if (q->item < 1)
		return errbuf_set(why, len, "%s: \"item\" out of range: %d", what, q->item);
	if (type != SESSION_REC_QUEUE_ADD)
		return 0;
	for (i = 0; i < MIGREQ_NR_METHODS && strcmp(migreq_methods[i], q->method); i++)
		;
	if (i == MIGREQ_NR_METHODS)
		return errbuf_set(why, len, "%s: \"method\" is no method: %s", what, q->method);
	if (units_parse_rate(q->bandwidth, &bps, NULL, 0))
		return errbuf_set(why, len, "%s: \"bandwidth\" is no rate: %s", what,
				  q->bandwidth);
	return 0;
}

/* The words of an action on VM vm of host, as written (o: the object
 * holding them, "args" or the record): the VM's name under the VMM's
 * rule, a host named. Checked on the JSON's own text, not the bounded
 * copy, so that a value cut to fit is not taken for a shorter one. */
static int check_vm_words(const char *what, json_t *o, const char *host, char *why,
			  size_t len)
{
	char inner[160];

	if (!host[0])
		return errbuf_set(why, len, "%s: \"host\" is empty", what);
	if (vmspec_check_name(json_string_value(json_object_get(o, "vm")), inner,
			      sizeof(inner)))
		return errbuf_set(why, len, "%s: %s", what, inner);
	return 0;
}

/* An operator record's arguments, for an action on a VM (others' are
 * not read): host and vm, and a vm-start's image and memory, as
 * vmspec.h checks them. */
static int decode_operator(json_t *rec, struct session_operator *op, char *why, size_t len)
{
	json_t *args = json_object_get(rec, "args");
	char inner[160];

	op->vm_action = vm_action_by_name(op->action);
	if (op->vm_action == VM_ACTION_NONE)
		return 0;
	if (!json_is_object(args))
		return errbuf_set(why, len, "operator %s: \"args\" %s", op->action,
				  args ? "is not an object" : "missing");
	if (fields_decode(rec, operator_vm_fields, op, NULL, "operator", why, len) ||
	    check_vm_words("operator", args, op->host, why, len))
		return -1;
	if (op->vm_action != VM_ACTION_START)
		return 0;
	if (fields_decode(rec, operator_start_fields, op, NULL, "operator", why, len))
		return -1;
	if (vmspec_check_image(json_string_value(json_object_get(args, "image")), inner,
			       sizeof(inner)) ||
	    vmspec_parse_mem(json_string_value(json_object_get(args, "mem")), &(uint64_t){ 0 },
			     inner, sizeof(inner)))
		return errbuf_set(why, len, "operator: %s", inner);
	return 0;
}

/* A vmact record beyond its types: the action one on a VM, its words
 * as an operator's, a failure's reason given (a done record's error,
 * if any, is not used). */
static int check_vmact(json_t *rec, const struct rec_type *t, struct session_vmact *a,
		       char *why, size_t len)
{
	const char *what = t->what;

	a->vm_action = vm_action_by_name(json_string_value(json_object_get(rec, "action")));
	if (a->vm_action == VM_ACTION_NONE)
		return errbuf_set(why, len, "%s: \"action\" is no action on a VM: %s", what,
				  a->action);
	if (check_vm_words(what, rec, a->host, why, len))
		return -1;
	if (t->type == SESSION_REC_VMACT_FAILED && !a->error[0])
		return errbuf_set(why, len, "%s: \"error\" %s", what,
				  json_object_get(rec, "error") ? "is empty" : "missing");
	return 0;
}

/* The wall-clock time key of the client object in rec, ns since the
 * epoch (above the tables' 2^53, as a record's own "t"): an integer,
 * positive, or 0 too if zero_ok. Returns 0, or -1 with why. */
static int client_wall(json_t *rec, const char *what, const char *key, int zero_ok,
		       int64_t *out, char *why, size_t len)
{
	json_t *v = json_object_get(json_object_get(rec, "client"), key);

	if (!v)
		return errbuf_set(why, len, "%s: \"client.%s\" missing", what, key);
	if (!json_is_integer(v) || json_integer_value(v) < !zero_ok)
		return errbuf_set(why, len, "%s: \"client.%s\" is no %stime in ns", what, key,
				  zero_ok ? "" : "positive ");
	*out = json_integer_value(v);
	return 0;
}

/* A client record beyond its table: its wall-clock times, the web
 * client's version, and the type it wrote the one its event names. */
static int check_client(json_t *rec, const struct rec_type *t, struct session_client *c,
			char *why, size_t len)
{
	const char *type = t->type == SESSION_REC_CLIENT_SECOND ? "webclient-second" :
			   "webclient-summary";

	if (client_wall(rec, t->what, "t", 0, &c->t, why, len) ||
	    (t->type == SESSION_REC_CLIENT_SUMMARY &&
	     client_wall(rec, t->what, "longest_gap_at", 1, &c->longest_gap_at, why, len)))
		return -1;

	if (c->v != SESSION_CLIENT_VERSION)
		return errbuf_set(why, len, "%s: web client record version %d is not supported "
				  "(this dsmig reads version %d)", t->what, c->v,
				  SESSION_CLIENT_VERSION);
	if (strcmp(c->type, type))
		return errbuf_set(why, len, "%s: \"client.type\" is not %s", t->what, type);
	return 0;
}

/* The previous record's "summary": an engine summary event as written. */
static int decode_previous(json_t *rec, struct tel_summary *s, char *why, size_t len)
{
	struct tel_event e;
	char inner[160];

	if (telemetry_read_decode(json_object_get(rec, "summary"), &e, inner, sizeof(inner)))
		return errbuf_set(why, len, "previous: summary: %s", inner);
	if (e.type != TEL_SUMMARY)
		return errbuf_set(why, len, "previous: summary: not a summary");
	*s = e.u.summary;
	return 0;
}

/* The fields of a record of known type t. */
static int decode_body(json_t *rec, const struct rec_type *t, struct session_rec *out,
		       char *why, size_t len)
{
	uint64_t *present = t->type == SESSION_REC_VM ? &out->u.vm.present :
			    t->type == SESSION_REC_NET ? &out->u.net.present :
			    t->type == SESSION_REC_HOST ? &out->u.host.present :
			    t->type == SESSION_REC_MIG_START ? &out->u.start.present :
			    t->type == SESSION_REC_MIG_EXIT ? &out->u.exit.present :
			    t->type == SESSION_REC_CLIENT_SECOND ||
			    t->type == SESSION_REC_CLIENT_SUMMARY ? &out->u.client.present : NULL;
	char inner[160];

	if (t->fields && fields_decode(rec, t->fields, &out->u, present, t->what, why, len))
		return -1;
	switch (t->type) {
	case SESSION_REC_OPEN:
		return decode_hosts(rec, &out->u.open, why, len);
	case SESSION_REC_VM:
		return decode_vcpu_pct(rec, &out->u.vm, why, len);
	case SESSION_REC_HOST:
		return check_host_stats(&out->u.host, why, len);
	case SESSION_REC_MIG_START:
		/* The operator's text ("12M"), read as every dsmig program
		 * reads it. */
		if (units_parse_rate(json_string_value(json_object_get(rec, "bandwidth")),
				     &out->u.start.bandwidth_bps, NULL, 0))
			out->u.start.bandwidth_bps = -1;
		if (session_log_has(t->type, out->u.start.present, "item") && out->u.start.item < 1)
			return errbuf_set(why, len, "start: \"item\" out of range: %d",
					  out->u.start.item);
		return 0;
	case SESSION_REC_QUEUE_ADD:
	case SESSION_REC_QUEUE_PARALLEL:
	case SESSION_REC_QUEUE_CANCEL:
	case SESSION_REC_QUEUE_FAIL:
		return check_queue(t->type, t->what, &out->u.queue, why, len);
	case SESSION_REC_MIG_PREVIOUS:
		return decode_previous(rec, &out->u.previous, why, len);
	case SESSION_REC_OPERATOR:
		return decode_operator(rec, &out->u.operator, why, len);
	case SESSION_REC_VMACT_DONE:
	case SESSION_REC_VMACT_FAILED:
		return check_vmact(rec, t, &out->u.vmact, why, len);
	case SESSION_REC_CLIENT_SECOND:
	case SESSION_REC_CLIENT_SUMMARY:
		return check_client(rec, t, &out->u.client, why, len);
	case SESSION_REC_ENGINE:
		if (telemetry_read_decode(json_object_get(rec, "ev"), &out->ev, inner,
					  sizeof(inner)))
			return errbuf_set(why, len, "engine event: %s", inner);
		return 0;
	default:
		return 0;
	}
}

static const struct rec_type engine_type = {
	SESSION_SRC_ENGINE, NULL, SESSION_REC_ENGINE, "engine", NULL,
};

int session_log_decode(json_t *rec, struct session_rec *out, char *why, size_t len)
{
	json_t *v = json_object_get(rec, "v"), *t = json_object_get(rec, "t");
	json_t *mig = json_object_get(rec, "mig");
	const char *src = json_string_value(json_object_get(rec, "src"));
	const char *key, *name = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(rec))
		return errbuf_set(why, len, "not a JSON object");
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return errbuf_set(why, len, "no positive integer session version \"v\"");
	out->v = json_integer_value(v);
	if (out->v != SESSION_VERSION)
		return errbuf_set(why, len, "session log version %lld is not supported "
				  "(this dsmig reads version %d)", (long long)out->v,
				  SESSION_VERSION);
	if (!json_is_integer(t) || json_integer_value(t) <= 0)
		return errbuf_set(why, len, "no positive integer time \"t\"");
	out->t = json_integer_value(t);
	if (!src)
		return errbuf_set(why, len, "no string \"src\"");
	out->src = src_by_name(src);
	if (out->src == SESSION_SRC_UNKNOWN)
		return 0;
	if (out->src == SESSION_SRC_ENGINE || out->src == SESSION_SRC_MIGRATION) {
		if (!json_is_integer(mig) || json_integer_value(mig) < 0)
			return errbuf_set(why, len, "%s record without a migration number "
					  "\"mig\"", src);
		out->mig = json_integer_value(mig);
	}
	if (out->src == SESSION_SRC_ENGINE) {
		out->type = SESSION_REC_ENGINE;
		return decode_body(rec, &engine_type, out, why, len);
	}
	key = type_key(out->src);
	if (key && !(name = json_string_value(json_object_get(rec, key))))
		return errbuf_set(why, len, "%s record without a string \"%s\"", src, key);
	for (i = 0; i < sizeof(rec_types) / sizeof(rec_types[0]); i++) {
		if (rec_types[i].src != out->src ||
		    (name && strcmp(rec_types[i].name, name)))
			continue;
		out->type = rec_types[i].type;
		return decode_body(rec, &rec_types[i], out, why, len);
	}
	return 0;    /* a probe or event of a later dsmig: skip */
}

int session_log_has(enum session_type type, uint64_t present, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(rec_types) / sizeof(rec_types[0]); i++)
		if (rec_types[i].type == type && rec_types[i].fields)
			return fields_has(rec_types[i].fields, present, key);
	return 0;
}

int session_log_skipped(const struct session_rec *r)
{
	return r->type == SESSION_REC_UNKNOWN ||
	       (r->src == SESSION_SRC_ENGINE && r->ev.type == TEL_UNKNOWN);
}

int session_log_tally(struct tel_tally *tl, int rc, const struct session_rec *r,
		      const char *why)
{
	if (rc || r->src == SESSION_SRC_ENGINE)
		return telemetry_read_tally(tl, rc, &r->ev, why);
	if (r->type == SESSION_REC_UNKNOWN) {
		tl->skipped++;
		return 0;
	}
	tl->decoded++;
	return 1;
}

/* Count line lineno as refused for reason why (kept as printable,
 * valid UTF-8 text: it goes to terminals and into report --data's JSON). */
static void refuse_line(struct session_log *l, unsigned lineno, const char *why)
{
	if (!l->bad++) {
		l->first_bad = lineno;
		text_clean(l->first_bad_why, sizeof(l->first_bad_why), why);
	}
}

/* Append rec (taking its reference). Returns 0 or -ENOMEM. */
static int keep_record(struct session_log *l, size_t *alloc, json_t *rec)
{
	size_t cap = *alloc ? *alloc * 2 : 1024;
	json_t **p;

	if (l->n == *alloc) {
		p = reallocarray(l->recs, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->recs = p;
		*alloc = cap;
	}
	l->recs[l->n++] = rec;
	return 0;
}

/* What read_line() found wrong with a line. */
enum {
	LINE_LONG = 1,        /* longer than the buffer: the rest not kept */
	LINE_NUL = 2,         /* a NUL byte, which no JSON text holds */
};

/* Read the next line of f, without its newline, into buf (cap bytes, of
 * which it keeps at most cap - 1 and a terminating NUL), its length in
 * *n and what was wrong with it in *flags. Returns 1, or 0 at the end
 * of f. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *n, int *flags)
{
	size_t k = 0;
	int c, any = 0;

	*flags = 0;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		any = 1;
		if (!c)
			*flags |= LINE_NUL;
		if (k + 1 < cap)
			buf[k++] = (char)c;
		else
			*flags |= LINE_LONG;
	}
	buf[k] = '\0';
	*n = k;
	return any || c == '\n';
}

/* Read every line of f into l. Returns 0, or -1 with why (the log is
 * refused as a whole). */
static int load_lines(struct session_log *l, FILE *f, char *buf, char *why, size_t len)
{
	struct session_rec *r = malloc(sizeof(*r));
	char reason[160];
	size_t alloc = 0, n;
	json_t *rec;
	int flags, rc = 0;

	if (!r)
		return errbuf_set(why, len, "out of memory");
	while (read_line(f, buf, SESSION_LINE_MAX, &n, &flags)) {
		l->lines++;
		if (flags) {
			refuse_line(l, l->lines, flags & LINE_LONG ? "line longer than 1 MiB" :
				    "line holds a NUL byte");
			continue;
		}
		if (!n)
			continue;    /* an empty line */
		rec = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
		if (!rec) {
			refuse_line(l, l->lines, "not JSON");
			continue;
		}
		if (session_log_decode(rec, r, reason, sizeof(reason))) {
			json_decref(rec);
			if (r->v && r->v != SESSION_VERSION) {
				rc = errbuf_set(why, len, "line %u: %s", l->lines, reason);
				break;
			}
			refuse_line(l, l->lines, reason);
			continue;
		}
		l->skipped += (unsigned)session_log_skipped(r);
		if (keep_record(l, &alloc, rec)) {
			json_decref(rec);
			rc = errbuf_set(why, len, "out of memory at line %u", l->lines);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = errbuf_set(why, len, "read error at line %u", l->lines);
	free(r);
	return rc;
}

int session_log_load(struct session_log *l, const char *path, char *why, size_t len)
{
	char *buf, inner[256];
	FILE *f;
	int rc;

	memset(l, 0, sizeof(*l));
	f = fopen(path, "re");
	if (!f)
		return errbuf_set(why, len, "%s: %s", path, strerror(errno));
	buf = malloc(SESSION_LINE_MAX);
	if (!buf) {
		fclose(f);
		return errbuf_set(why, len, "%s: out of memory", path);
	}
	rc = load_lines(l, f, buf, inner, sizeof(inner));
	free(buf);
	fclose(f);
	if (rc) {
		session_log_free(l);
		return errbuf_set(why, len, "%s: %s", path, inner);
	}
	if (!l->n) {
		rc = l->bad ? errbuf_set(why, len, "%s: no valid session records (%u bad "
					 "line%s of %u; first: line %u: %s)", path, l->bad,
					 l->bad == 1 ? "" : "s", l->lines, l->first_bad,
					 l->first_bad_why) :
			      errbuf_set(why, len, "%s: no valid session records (%u lines)",
					 path, l->lines);
		session_log_free(l);
		return rc;
	}
	return 0;
}

void session_log_free(struct session_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		json_decref(l->recs[i]);
	free(l->recs);
	l->recs = NULL;
	l->n = 0;
}

double session_log_time(const struct session_log *l, size_t i)
{
	return (double)json_integer_value(json_object_get(l->recs[i], "t")) / 1e9;
}

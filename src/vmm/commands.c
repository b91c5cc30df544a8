/* Control command handlers (see commands.h); ctl_request.opaque is the vm. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/commands.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

static json_t *counters_json(struct vm *vm)
{
	struct dsmig_counters c;

	if (vm_read_counters(vm, &c))
		return json_null();
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "workload", c.workload,
			 "progress", (json_int_t)c.progress,
			 "heartbeat", (json_int_t)c.heartbeat,
			 "heartbeat_ns", (json_int_t)c.heartbeat_ns,
			 "max_gap_ns", (json_int_t)c.max_gap_ns,
			 "selfcheck_pass", (json_int_t)c.selfcheck_pass,
			 "selfcheck_fail", (json_int_t)c.selfcheck_fail,
			 "region_pages", (json_int_t)c.region_pages);
}

static int cmd_query_status(struct ctl_request *req, json_t *args,
			    json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	struct dsmig_counters c;
	enum vm_state state;

	pthread_mutex_lock(&vm->lock);
	state = vm->state;
	pthread_mutex_unlock(&vm->lock);
	*ret = json_pack("{s:s, s:s, s:b, s:i, s:I, s:I, s:i, s:s?, s:I}",
			 "name", vm->name,
			 "status", vm_state_name(state),
			 "running", state == VM_RUNNING,
			 "vcpus", (int)vm->nr_vcpus,
			 "mem_bytes", (json_int_t)vm->mem.size,
			 "uptime_ns", (json_int_t)(time_mono_ns() - vm->started_ns),
			 "pid", (int)getpid(),
			 "workload", vm_read_counters(vm, &c) ? NULL : c.workload,
			 "abi", (json_int_t)DSMIG_ABI_VERSION);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_query_stats(struct ctl_request *req, json_t *args,
			   json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	json_t *vcpus = json_array();
	int64_t dirty;
	unsigned i;

	if (!vcpus)
		return ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
	dirty = dirty_log_take_count(&vm->dirty, DIRTY_STATS);
	if (dirty < 0) {
		json_decref(vcpus);
		return ctl_fail(err, CTL_ERR_GENERIC, "dirty log: %s",
				strerror((int)-dirty));
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		json_array_append_new(vcpus, json_pack("{s:i, s:I, s:s, s:I, s:I}",
			"index", (int)i,
			"cpu_ns", (json_int_t)vcpu_cpu_ns(v),
			"state", vcpu_activity_name(v->activity),
			"exits", (json_int_t)v->exits,
			"hypercalls", (json_int_t)v->hypercalls));
	}
	*ret = json_pack("{s:I, s:I, s:o, s:I, s:I, s:o}",
			 "time_ns", (json_int_t)time_mono_ns(),
			 "guest_time_ns", (json_int_t)vm_guest_mono_ns(vm),
			 "vcpus", vcpus,
			 "dirty_pages", (json_int_t)dirty,
			 "mem_pages", (json_int_t)(vm->mem.size / DSMIG_PAGE_SIZE),
			 "counters", counters_json(vm));
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_pause(struct ctl_request *req, json_t *args, json_t **ret,
		     struct ctl_error *err)
{
	if (vm_pause(req->opaque))
		return ctl_fail(err, CTL_ERR_STATE, "the VM is not running");
	return 0;
}

static int cmd_resume(struct ctl_request *req, json_t *args, json_t **ret,
		      struct ctl_error *err)
{
	if (vm_resume(req->opaque))
		return ctl_fail(err, CTL_ERR_STATE, "the VM is not paused");
	return 0;
}

static int cmd_quit(struct ctl_request *req, json_t *args, json_t **ret,
		    struct ctl_error *err)
{
	vm_shutdown(req->opaque, VMM_EXIT_OK, "quit by control command");
	return 0;
}

static int cmd_query_console(struct ctl_request *req, json_t *args,
			     json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	char tail[VM_CONSOLE_RING + 1];
	uint64_t total, n, start, i;

	pthread_mutex_lock(&vm->lock);
	total = vm->console_bytes;
	n = total < VM_CONSOLE_RING ? total : VM_CONSOLE_RING;
	start = total - n;
	for (i = 0; i < n; i++)
		tail[i] = vm->console[(start + i) % VM_CONSOLE_RING];
	pthread_mutex_unlock(&vm->lock);
	tail[n] = '\0';
	*ret = json_pack("{s:I, s:s}", "bytes_total", (json_int_t)total,
			 "text", tail);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

const struct ctl_command vmm_commands[] = {
	{ "query-status", cmd_query_status,
	  "name, run state, vCPUs, memory, uptime, pid and workload" },
	{ "query-stats", cmd_query_stats,
	  "per-vCPU CPU time and state, guest counters, pages dirtied since the last query-stats" },
	{ "query-console", cmd_query_console,
	  "the last 16 KiB of guest console output" },
	{ "pause", cmd_pause, "stop all vCPUs (returns once none is in the guest)" },
	{ "resume", cmd_resume, "restart the vCPUs of a paused VM" },
	{ "quit", cmd_quit, "stop the VM and exit dsmig-vmm" },
};
const size_t vmm_nr_commands = sizeof(vmm_commands) / sizeof(vmm_commands[0]);

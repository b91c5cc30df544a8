/* Control command handlers (see commands.h); ctl_request.opaque is the vm. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "vmm/commands.h"
#include "vmm/userfault.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/vm_state.h"

static json_t *counters_json(struct vm *vm)
{
	struct dsmig_counters c;

	json_t *j;

	if (vm_read_counters(vm, &c))
		return json_null();
	j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "workload", c.workload,
			 "progress", (json_int_t)c.progress,
			 "heartbeat", (json_int_t)c.heartbeat,
			 "heartbeat_ns", (json_int_t)c.heartbeat_ns,
			 "max_gap_ns", (json_int_t)c.max_gap_ns,
			 "selfcheck_pass", (json_int_t)c.selfcheck_pass,
			 "selfcheck_fail", (json_int_t)c.selfcheck_fail,
			 "region_pages", (json_int_t)c.region_pages);
	if (j && c.stall_epoch && c.stall_epoch == vm_stall_epoch(vm))
		json_object_set_new(j, "stall_max_ns", json_integer((json_int_t)c.stall_max_ns));
	return j ? j : json_null();
}

/* Refuse what would interfere with another client's migration of the VM
 * (see vm_migration_claim): 0, or -1 with err filled. */
static int migration_guard(struct ctl_request *req, const char *what,
			   struct ctl_error *err)
{
	unsigned owner;

	if (vm_migration_check(req->opaque, req->conn_id, &owner) == 0)
		return 0;
	return ctl_fail(err, CTL_ERR_STATE,
			"cannot %s: the VM is being migrated by control client %u (one migration at a time)",
			what, owner);
}

static int cmd_query_status(struct ctl_request *req, json_t *args,
			    json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	struct dsmig_counters c;
	enum vm_state state;
	unsigned owner;

	pthread_mutex_lock(&vm->lock);
	state = vm->state;
	pthread_mutex_unlock(&vm->lock);
	*ret = json_pack("{s:s, s:s, s:b, s:i, s:I, s:I, s:i, s:s?, s:I, s:s, s:I, s:b, s:s}",
			 "name", vm->name,
			 "status", vm_state_name(state),
			 "running", state == VM_RUNNING,
			 "vcpus", (int)vm->nr_vcpus,
			 "mem_bytes", (json_int_t)vm->mem.size,
			 "uptime_ns", (json_int_t)(time_mono_ns() - vm->started_ns),
			 "pid", (int)getpid(),
			 "workload", vm_read_counters(vm, &c) ? NULL : c.workload,
			 "abi", (json_int_t)DSMIG_ABI_VERSION,
			 "postcopy", userfault_state_name(userfault_state(vm)),
			 "missing_pages", (json_int_t)userfault_missing_pages(vm),
			 "migrating", vm_migration_check(vm, 0, &owner) != 0,
			 "accel", vm->accel->name);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

/* The NIC's counters (docs/control-protocol.md, query-stats). */
static json_t *net_json(struct net_dev *n)
{
	struct net_stats st;

	net_stats_get(n, &st);
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "tap", n->ifname, "bridge", n->cfg.bridge, "link", st.link_up,
			 "tx_frames", (json_int_t)st.tx_frames,
			 "tx_bytes", (json_int_t)st.tx_bytes,
			 "rx_frames", (json_int_t)st.rx_frames,
			 "rx_bytes", (json_int_t)st.rx_bytes,
			 "tx_dropped", (json_int_t)st.tx_dropped,
			 "bad_frames", (json_int_t)st.bad_frames,
			 "announces", (json_int_t)st.announces);
}

static int cmd_query_stats(struct ctl_request *req, json_t *args,
			   json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	json_t *vcpus = json_array();
	enum vm_state state;
	int64_t dirty;
	unsigned i;

	if (!vcpus)
		return ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
	dirty = dirty_log_take_count(&vm->dirty, DIRTY_STATS);
	if (dirty >= 0)
		dirty = footprint_update(&vm->footprint, &vm->dirty, time_mono_ns()) ?: dirty;
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
	pthread_mutex_lock(&vm->lock);
	state = vm->state;
	pthread_mutex_unlock(&vm->lock);
	*ret = json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:I}",
			 "status", vm_state_name(state),
			 "time_ns", (json_int_t)time_mono_ns(),
			 "guest_time_ns", (json_int_t)vm_guest_mono_ns(vm),
			 "vcpus", vcpus,
			 "dirty_pages", (json_int_t)dirty,
			 "mem_pages", (json_int_t)(vm->mem.size / DSMIG_PAGE_SIZE),
			 "counters", counters_json(vm),
			 "console_dropped", (json_int_t)console_dropped(&vm->console));
	if (*ret)
		json_object_set_new(*ret, "progress_samples", progress_log_json(&vm->progress));
	if (*ret && footprint_dirty_pps(&vm->footprint) >= 0)
		json_object_set_new(*ret, "dirty_pps",
				    json_real(footprint_dirty_pps(&vm->footprint)));
	if (*ret && vm->has_net)
		json_object_set_new(*ret, "net", net_json(&vm->net));
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

/* What a migration would move (vmm/footprint.h): the last windows' dirty
 * pages and the content of RAM. RAM is scanned only while the VM runs its
 * own memory: not during a migration into it or a post-copy. */
static int cmd_query_footprint(struct ctl_request *req, json_t *args,
			       json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	struct footprint_view v;
	uint64_t now = time_mono_ns();
	enum vm_state state;
	int rc = footprint_update(&vm->footprint, &vm->dirty, now);

	if (rc)
		return ctl_fail(err, CTL_ERR_GENERIC, "dirty log: %s", strerror(-rc));
	pthread_mutex_lock(&vm->lock);
	state = vm->state;
	pthread_mutex_unlock(&vm->lock);
	footprint_read(&vm->footprint, &vm->mem,
		       state == VM_RUNNING && userfault_state(vm) == USERFAULT_OFF, now, &v);
	*ret = json_pack("{s:I, s:i, s:f, s:I, s:I}",
			 "mem_pages", (json_int_t)(vm->mem.size / DSMIG_PAGE_SIZE),
			 "windows", (int)v.windows, "window_s", v.window_s,
			 "hot_pages", (json_int_t)v.hot_pages, "ws_pages", (json_int_t)v.ws_pages);
	if (*ret && v.dirty_pps >= 0)
		json_object_set_new(*ret, "dirty_pps", json_real(v.dirty_pps));
	if (*ret && v.has_content)
		json_object_update_new(*ret, json_pack("{s:I, s:I, s:I, s:I}",
			"zero_pages", (json_int_t)v.zero_pages,
			"sample_pages", (json_int_t)v.sample_pages,
			"sample_bytes", (json_int_t)v.sample_bytes,
			"content_age_ns", (json_int_t)v.content_age_ns));
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_pause(struct ctl_request *req, json_t *args, json_t **ret,
		     struct ctl_error *err)
{
	if (migration_guard(req, "pause", err))
		return -1;
	if (vm_pause(req->opaque))
		return ctl_fail(err, CTL_ERR_STATE, "the VM is not running");
	return 0;
}

static int cmd_resume(struct ctl_request *req, json_t *args, json_t **ret,
		      struct ctl_error *err)
{
	if (migration_guard(req, "resume", err))
		return -1;
	if (userfault_state(req->opaque) == USERFAULT_FAILED)
		return ctl_fail(err, CTL_ERR_STATE,
				"post-copy failed: pages of this VM are still on the source");
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
	uint64_t total;

	tail[console_tail(&vm->console, tail, &total)] = '\0';
	*ret = json_pack("{s:I, s:s}", "bytes_total", (json_int_t)total,
			 "text", tail);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

/* ---- migration support ------------------------------------------------ */

static int cmd_get_memfd(struct ctl_request *req, json_t *args, json_t **ret,
			 struct ctl_error *err)
{
	struct vm *vm = req->opaque;

	req->reply_fd = vm->mem.fd;
	*ret = json_pack("{s:I, s:I}", "mem_bytes", (json_int_t)vm->mem.size,
			 "page_size", (json_int_t)DSMIG_PAGE_SIZE);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_userfault_arm(struct ctl_request *req, json_t *args, json_t **ret,
			     struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	int fd, rc = userfault_arm(vm, req->conn_id, &fd);

	if (rc == -EBUSY)
		return ctl_fail(err, CTL_ERR_STATE, "post-copy is already armed");
	if (rc == -EINVAL)
		return ctl_fail(err, CTL_ERR_STATE, "only an incoming VM that has not run can be armed");
	if (rc)
		return ctl_fail(err, CTL_ERR_GENERIC, "userfaultfd: %s", strerror(-rc));
	req->reply_fd = fd;
	*ret = json_pack("{s:I, s:I}", "hva", (json_int_t)(uintptr_t)vm->mem.base,
			 "mem_bytes", (json_int_t)vm->mem.size);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_userfault_done(struct ctl_request *req, json_t *args, json_t **ret,
			      struct ctl_error *err)
{
	int rc = userfault_done(req->opaque);

	if (rc == -EAGAIN)
		return ctl_fail(err, CTL_ERR_STATE, "%llu pages are still missing",
				(unsigned long long)userfault_missing_pages(req->opaque));
	if (rc)
		return ctl_fail(err, CTL_ERR_STATE, "post-copy is not active");
	return 0;
}

static int cmd_dirty_log_start(struct ctl_request *req, json_t *args,
			       json_t **ret, struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	size_t bytes = vm->dirty.nr_words * sizeof(uint64_t);
	unsigned owner;
	int64_t n;

	if (vm_migration_claim(vm, req->conn_id, &owner))
		return ctl_fail(err, CTL_ERR_STATE,
				"a migration of this VM is already in progress (control client %u): one migration at a time",
				owner);
	if (vm->dirty_bitmap_fd < 0) {
		int fd = memfd_create("dsmig-dirty", MFD_CLOEXEC);
		void *map;

		if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0) {
			if (fd >= 0)
				close(fd);
			return ctl_fail(err, CTL_ERR_GENERIC, "dirty bitmap: %s",
					strerror(errno));
		}
		map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			close(fd);
			return ctl_fail(err, CTL_ERR_GENERIC, "dirty bitmap: %s",
					strerror(errno));
		}
		vm->dirty_bitmap_fd = fd;
		vm->dirty_bitmap = map;
	}
	/* Forget what was dirtied before: the engine's round 0 sends all. */
	n = dirty_log_take_bitmap(&vm->dirty, DIRTY_MIGRATION, vm->dirty_bitmap);
	if (n < 0)
		return ctl_fail(err, CTL_ERR_GENERIC, "dirty log: %s", strerror((int)-n));
	memset(vm->dirty_bitmap, 0, bytes);
	vm_stall_epoch_begin(vm);   /* the guest measures this migration's stalls */
	req->reply_fd = vm->dirty_bitmap_fd;
	*ret = json_pack("{s:I, s:I}", "bitmap_bytes", (json_int_t)bytes,
			 "pages", (json_int_t)vm->dirty.nr_pages);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_dirty_sync(struct ctl_request *req, json_t *args, json_t **ret,
			  struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	int64_t n;

	if (migration_guard(req, "sync the dirty log", err))
		return -1;
	if (!vm->dirty_bitmap)
		return ctl_fail(err, CTL_ERR_STATE, "dirty-log-start has not been called");
	n = dirty_log_take_bitmap(&vm->dirty, DIRTY_MIGRATION, vm->dirty_bitmap);
	if (n < 0)
		return ctl_fail(err, CTL_ERR_GENERIC, "dirty log: %s", strerror((int)-n));
	*ret = json_pack("{s:I, s:I}", "dirty_pages", (json_int_t)n,
			 "time_ns", (json_int_t)time_mono_ns());
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

/* The "path" argument of save-state/load-state: absolute, required. */
static const char *path_arg(json_t *args, struct ctl_error *err)
{
	const char *path = json_string_value(json_object_get(args, "path"));

	if (!path || path[0] != '/') {
		ctl_fail(err, CTL_ERR_BAD_INPUT, "argument \"path\" must be an absolute path");
		return NULL;
	}
	return path;
}

static int cmd_save_state(struct ctl_request *req, json_t *args, json_t **ret,
			  struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	const char *path = path_arg(args, err);
	char why[256];
	void *blob;
	size_t len, off = 0;
	int fd, rc;

	if (!path || migration_guard(req, "save the state", err))
		return -1;
	rc = vm_state_save(vm, &blob, &len, why, sizeof(why));
	if (rc == -EINVAL)
		return ctl_fail(err, CTL_ERR_STATE, "%s", why);
	if (rc)
		return ctl_fail(err, CTL_ERR_GENERIC, "saving state: %s", why);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(blob);
		return ctl_fail(err, CTL_ERR_GENERIC, "%s: %s", path, strerror(errno));
	}
	while (off < len) {
		ssize_t n = write(fd, (char *)blob + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = errno ? errno : EIO;
			close(fd);
			free(blob);
			return ctl_fail(err, CTL_ERR_GENERIC, "%s: %s", path, strerror(rc));
		}
		off += (size_t)n;
	}
	close(fd);
	free(blob);
	*ret = json_pack("{s:I}", "bytes", (json_int_t)len);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_load_state(struct ctl_request *req, json_t *args, json_t **ret,
			  struct ctl_error *err)
{
	struct vm *vm = req->opaque;
	const char *path = path_arg(args, err);
	char why[256];
	void *blob;
	size_t len;
	int rc;

	if (!path)
		return -1;
	if (vm->state != VM_INCOMING || vm->state_loaded)
		return ctl_fail(err, CTL_ERR_STATE,
				"load-state needs an incoming VM that has not been loaded");
	rc = file_read_all(path, VM_STATE_MAX, &blob, &len);
	if (rc)
		return ctl_fail(err, CTL_ERR_GENERIC, "%s: %s", path,
				rc == -EINVAL ? "not a regular file" : strerror(-rc));
	rc = vm_state_load(vm, blob, len, why, sizeof(why));
	free(blob);
	if (rc)
		return ctl_fail(err, CTL_ERR_BAD_INPUT, "bad state: %s", why);
	return 0;
}

const struct ctl_command vmm_commands[] = {
	{ "query-status", cmd_query_status,
	  "name, run state, vCPUs, memory, uptime, pid and workload" },
	{ "query-stats", cmd_query_stats,
	  "per-vCPU CPU time and state, guest counters, pages dirtied since the last query-stats" },
	{ "query-footprint", cmd_query_footprint,
	  "what a migration would move: pages dirtied in the last one-second windows, zero pages, a sample's encoded size" },
	{ "query-console", cmd_query_console,
	  "the last 16 KiB of guest console output" },
	{ "pause", cmd_pause, "stop all vCPUs (returns once none is in the guest)" },
	{ "resume", cmd_resume, "restart the vCPUs of a paused VM" },
	{ "quit", cmd_quit, "stop the VM and exit dsmig-vmm" },
	{ "get-memfd", cmd_get_memfd,
	  "pass the guest RAM memfd (SCM_RIGHTS) with its size" },
	{ "userfault-arm", cmd_userfault_arm,
	  "incoming VM: register RAM with a userfaultfd (passed along) for post-copy" },
	{ "userfault-done", cmd_userfault_done,
	  "post-copy: every page is resident; unregister the userfaultfd" },
	{ "dirty-log-start", cmd_dirty_log_start,
	  "start dirty tracking for migration; pass the shared bitmap memfd" },
	{ "dirty-sync", cmd_dirty_sync,
	  "write pages dirtied since the last sync into the shared bitmap" },
	{ "save-state", cmd_save_state,
	  "write vCPU and device state of the paused VM to {\"path\"}" },
	{ "load-state", cmd_load_state,
	  "load state from {\"path\"} into an incoming VM (then resume)" },
};
const size_t vmm_nr_commands = sizeof(vmm_commands) / sizeof(vmm_commands[0]);

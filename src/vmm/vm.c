/*
 * VM lifecycle: create (accelerator, RAM, image, machine, vCPUs), start, pause,
 * resume, shutdown, destroy; plus the pieces of VM state that hypercalls and
 * control commands share (counters, guest clock); the console is console.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/text.h"
#include "vmm/userfault.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define IMAGE_MAX_BYTES (64u << 20)

static int vm_dirty_fetch(void *opaque, uint64_t *bitmap)
{
	struct vm *vm = opaque;

	return vm->accel->dirty_fetch(vm, bitmap);
}

/* Guest RAM, handed to the accelerator, dirty-logged from the start. */
static int vm_add_ram(struct vm *vm, uint64_t size, char *why, size_t len)
{
	int rc;

	rc = gmem_create(&vm->mem, size, vm->name);
	if (rc) {
		errbuf_set(why, len, "cannot create %llu bytes of guest RAM: %s",
			   (unsigned long long)size,
			   rc == -EINVAL ? "size must be 4M..3G in whole pages" : strerror(-rc));
		return rc == -EINVAL ? VMM_EXIT_USAGE : VMM_EXIT_INTERNAL;
	}
	rc = vm->accel->ram_init(vm, why, len);
	if (rc)
		return rc;
	rc = dirty_log_init(&vm->dirty, vm->mem.size / DSMIG_PAGE_SIZE,
			    vm_dirty_fetch, vm);
	if (rc) {
		errbuf_set(why, len, "dirty log: %s", strerror(-rc));
		return VMM_EXIT_INTERNAL;
	}
	rc = footprint_init(&vm->footprint, vm->mem.size / DSMIG_PAGE_SIZE);
	if (rc) {
		errbuf_set(why, len, "footprint: %s", strerror(-rc));
		return VMM_EXIT_INTERNAL;
	}
	return 0;
}

static int vm_make_empty(struct vm *vm, const struct vm_config *cfg, char *why,
			 size_t len)
{
	return vm_add_ram(vm, cfg->mem_size, why, len);
}

static int vm_load(struct vm *vm, const struct vm_config *cfg, char *why,
		   size_t len)
{
	struct dsmig_boot_info *bi;
	char reason[256];
	void *image = NULL;
	size_t image_len = 0;
	int rc;

	rc = file_read_all(cfg->image_path, IMAGE_MAX_BYTES, &image, &image_len);
	if (rc) {
		errbuf_set(why, len, "cannot read image %s: %s", cfg->image_path,
			   rc == -EFBIG ? "larger than 64 MiB" : strerror(-rc));
		return VMM_EXIT_IMAGE;
	}
	rc = vm_add_ram(vm, cfg->mem_size, why, len);
	if (rc) {
		free(image);
		return rc;
	}
	rc = elf_load(image, image_len, &vm->mem,
		      vm->mem.size - x86_reserved_top(vm->mem.size, cfg->nr_vcpus),
		      &vm->img, reason, sizeof(reason));
	free(image);
	if (rc) {
		errbuf_set(why, len, "bad image %s: %s", cfg->image_path, reason);
		return VMM_EXIT_IMAGE;
	}
	if (x86_build_tables(&vm->mem, &vm->img, cfg->nr_vcpus, &vm->lay, why, len))
		return VMM_EXIT_USAGE;
	bi = gmem_ptr(&vm->mem, DSMIG_BOOT_INFO_GPA, sizeof(*bi));
	bi->abi_version = DSMIG_ABI_VERSION;
	bi->nr_vcpus = cfg->nr_vcpus;
	bi->mem_size = vm->mem.size;
	bi->heap_start = vm->lay.heap_start;
	bi->heap_end = vm->lay.heap_end;
	snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", cfg->cmdline ? cfg->cmdline : "");
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, char *why, size_t len)
{
	pthread_condattr_t ca;
	unsigned i;
	int rc;

	memset(vm, 0, sizeof(*vm));
	vm->mem.fd = -1;
	vm->dirty_bitmap_fd = -1;
	vm->uffd = -1;
	vm->net.fd = -1;
	snprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->event_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->cond, &ca);
	pthread_condattr_destroy(&ca);
	vm->state = VM_CREATED;
	rc = console_init(&vm->console, cfg->console_fd);
	if (rc) {
		errbuf_set(why, len, "console writer: %s", strerror(-rc));
		return VMM_EXIT_INTERNAL;
	}

	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > DSMIG_MAX_VCPUS) {
		errbuf_set(why, len, "--vcpus must be 1..%d", DSMIG_MAX_VCPUS);
		return VMM_EXIT_USAGE;
	}
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->accel = cfg->accel;
	rc = vm->accel->vm_init(vm, why, len);
	if (rc)
		return rc;
	rc = cfg->image_path ? vm_load(vm, cfg, why, len) : vm_make_empty(vm, cfg, why, len);
	if (rc)
		return rc;
	if (!cfg->image_path)
		vm->state = VM_INCOMING;
	if (cfg->net && vm_net_attach(vm, cfg->net, why, len))
		return VMM_EXIT_USAGE;
	for (i = 0; i < vm->nr_vcpus; i++) {
		rc = vcpu_create(vm, i, cfg->image_path != NULL);
		if (rc) {
			errbuf_set(why, len, "cannot create vCPU %u: %s", i, strerror(-rc));
			return VMM_EXIT_INTERNAL;
		}
	}
	return 0;
}

/* A frame waits: wake the vCPUs in DSMIG_HC_POLL. */
static void vm_net_notify(void *opaque)
{
	struct vm *vm = opaque;

	pthread_mutex_lock(&vm->lock);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

int vm_net_attach(struct vm *vm, const struct net_config *cfg, char *why, size_t len)
{
	int rc;

	if (vm->has_net)
		return 0;
	rc = net_open(&vm->net, cfg, vm_net_notify, vm, why, len);
	if (rc == 0)
		vm->has_net = 1;
	return rc;
}

int vm_start(struct vm *vm)
{
	unsigned i;
	int rc;

	vm->started_ns = time_mono_ns();
	if (vm->state == VM_CREATED)   /* incoming VMs get the clock with the state */
		vm->clock_offset_ns = -(int64_t)vm->started_ns;
	for (i = 0; i < vm->nr_vcpus; i++) {
		rc = vcpu_start(&vm->vcpus[i]);
		if (rc)
			return rc;
	}
	pthread_mutex_lock(&vm->lock);
	if (vm->state == VM_CREATED)
		vm->state = VM_RUNNING;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

static unsigned vcpus_stopped_locked(struct vm *vm)
{
	unsigned i, n = 0;

	for (i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].activity == VCPU_STOPPED;
	return n;
}

int vm_pause_request(struct vm *vm)
{
	unsigned i;

	pthread_mutex_lock(&vm->lock);
	if (vm->state == VM_PAUSED) {
		pthread_mutex_unlock(&vm->lock);
		return 0;
	}
	if (vm->state != VM_RUNNING) {
		pthread_mutex_unlock(&vm->lock);
		return -EINVAL;
	}
	vm->state = VM_PAUSED;
	pthread_cond_broadcast(&vm->cond);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_unlock(&vm->lock);
	return 1;
}

void vm_pause_wait(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (vm->state == VM_PAUSED &&
	       vm->vcpus_parked + vcpus_stopped_locked(vm) < vm->nr_vcpus)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	vm_emit(vm, "STOP", NULL);
}

int vm_pause(struct vm *vm)
{
	int rc = vm_pause_request(vm);

	if (rc > 0)
		vm_pause_wait(vm);
	return rc < 0 ? rc : 0;
}

int vm_resume(struct vm *vm)
{
	int arrived;

	pthread_mutex_lock(&vm->lock);
	if (vm->state == VM_RUNNING) {
		pthread_mutex_unlock(&vm->lock);
		return 0;
	}
	if ((vm->state != VM_PAUSED &&
	     !(vm->state == VM_INCOMING && vm->state_loaded)) ||
	    vm->userfault == USERFAULT_FAILED) {
		pthread_mutex_unlock(&vm->lock);
		return -EINVAL;
	}
	arrived = vm->state == VM_INCOMING;
	vm->state = VM_RUNNING;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	/* A migrated guest's first run here: tell the switches. */
	if (arrived && vm->has_net)
		net_announce(&vm->net);
	vm_emit(vm, "RESUME", NULL);
	return 0;
}

void vm_shutdown(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;
	unsigned i;
	int first;

	pthread_mutex_lock(&vm->lock);
	first = vm->state != VM_SHUTDOWN;
	if (first) {
		vm->state = VM_SHUTDOWN;
		vm->exit_status = status;
		va_start(ap, fmt);
		vsnprintf(vm->exit_reason, sizeof(vm->exit_reason), fmt, ap);
		va_end(ap);
		for (i = 0; i < vm->nr_vcpus; i++)
			vcpu_kick(&vm->vcpus[i]);
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
	if (first)
		vm_emit(vm, "SHUTDOWN",
			json_pack("{s:i, s:s}", "status", status, "reason",
				  vm->exit_reason));
}

int vm_wait(struct vm *vm)
{
	int status;

	pthread_mutex_lock(&vm->lock);
	while (vm->state != VM_SHUTDOWN)
		pthread_cond_wait(&vm->cond, &vm->lock);
	status = vm->exit_status;
	pthread_mutex_unlock(&vm->lock);
	return status;
}

void vm_destroy(struct vm *vm)
{
	unsigned i;

	userfault_release(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	if (vm->dirty_bitmap)
		munmap(vm->dirty_bitmap, vm->dirty.nr_words * sizeof(uint64_t));
	if (vm->dirty_bitmap_fd >= 0)
		close(vm->dirty_bitmap_fd);
	if (vm->dirty.scratch)
		dirty_log_fini(&vm->dirty);
	footprint_fini(&vm->footprint);
	if (vm->has_net)
		net_close(&vm->net);
	if (vm->accel)
		vm->accel->vm_fini(vm);
	gmem_destroy(&vm->mem);
	console_fini(&vm->console);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	pthread_mutex_destroy(&vm->event_lock);
}

void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t align,
		   enum guest_access access)
{
	if (gpa & (align - 1))
		return NULL;
	if (!x86_guest_may_access(&vm->mem, &vm->lay, gpa, len, access == GUEST_WRITE))
		return NULL;
	return gmem_ptr(&vm->mem, gpa, len);
}

uint64_t vm_guest_mono_ns(const struct vm *vm)
{
	return (uint64_t)((int64_t)time_mono_ns() + vm->clock_offset_ns);
}

int vm_read_counters(struct vm *vm, struct dsmig_counters *out)
{
	const struct dsmig_counters *c;
	char name[DSMIG_WORKLOAD_NAME_MAX];
	uint64_t gpa;

	pthread_mutex_lock(&vm->lock);
	gpa = vm->counters_gpa;
	pthread_mutex_unlock(&vm->lock);
	if (!gpa)
		return -ENOENT;
	/* Never block the control thread on a page still on the source. The
	 * block's place was checked against the guest's page tables when it
	 * was registered (which a page-table walk here could block on). */
	if (!userfault_resident(vm, gpa, sizeof(*c)))
		return -EAGAIN;
	c = gmem_ptr(&vm->mem, gpa, sizeof(*c));
	if (!c)
		return -EINVAL;
	memcpy(out, c, sizeof(*out));
	if (out->magic != DSMIG_COUNTERS_MAGIC)
		return -EINVAL;
	/* The name is the guest's bytes: valid UTF-8 without control
	 * characters from here on, or a JSON reply could not be made. */
	out->workload[DSMIG_WORKLOAD_NAME_MAX - 1] = '\0';
	text_clean(name, sizeof(name), out->workload);
	memcpy(out->workload, name, sizeof(name));
	return 0;
}

void vm_tick(struct vm *vm)
{
	struct dsmig_counters c;
	enum vm_state state;

	pthread_mutex_lock(&vm->lock);
	state = vm->state;
	pthread_mutex_unlock(&vm->lock);
	if (state != VM_RUNNING || vm_read_counters(vm, &c))
		progress_log_clear(&vm->progress);
	else
		progress_log_add(&vm->progress, time_mono_ns(), c.progress);
}

static uint64_t *stall_epoch_of(struct vm *vm)
{
	struct dsmig_boot_info *bi = gmem_ptr(&vm->mem, DSMIG_BOOT_INFO_GPA, sizeof(*bi));

	return bi ? &bi->stall_epoch : NULL;
}

uint64_t vm_stall_epoch(struct vm *vm)
{
	uint64_t *e;

	/* The control thread asks: it must never block on a page still on
	 * the source (post-copy). It did, and with it the engine's rank 1,
	 * which was waiting for its answer instead of serving the fault. */
	if (!userfault_resident(vm, DSMIG_BOOT_INFO_GPA, sizeof(struct dsmig_boot_info)))
		return 0;
	e = stall_epoch_of(vm);
	return e ? __atomic_load_n(e, __ATOMIC_RELAXED) : 0;
}

void vm_stall_epoch_begin(struct vm *vm)
{
	uint64_t *e = stall_epoch_of(vm);

	if (!e)
		return;
	__atomic_fetch_add(e, 1, __ATOMIC_RELAXED);
	dirty_log_mark(&vm->dirty, DSMIG_BOOT_INFO_GPA, sizeof(struct dsmig_boot_info));
}

/* The lock's one rule, optionally taking it. */
static int vm_migration_lock(struct vm *vm, unsigned conn_id, unsigned *owner,
			     int take)
{
	int rc;

	pthread_mutex_lock(&vm->lock);
	*owner = vm->migration_conn;
	rc = vm->migration_conn && vm->migration_conn != conn_id ? -EBUSY : 0;
	if (!rc && take)
		vm->migration_conn = conn_id;
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

int vm_migration_check(struct vm *vm, unsigned conn_id, unsigned *owner)
{
	return vm_migration_lock(vm, conn_id, owner, 0);
}

int vm_migration_claim(struct vm *vm, unsigned conn_id, unsigned *owner)
{
	return vm_migration_lock(vm, conn_id, owner, 1);
}

void vm_migration_release(struct vm *vm, unsigned conn_id)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->migration_conn == conn_id)
		vm->migration_conn = 0;
	pthread_mutex_unlock(&vm->lock);
}

const char *vm_state_name(enum vm_state s)
{
	static const char *const names[] = {
		[VM_CREATED] = "created", [VM_INCOMING] = "incoming",
		[VM_RUNNING] = "running",
		[VM_PAUSED] = "paused", [VM_SHUTDOWN] = "shutdown",
	};

	return names[s];
}

const char *vcpu_activity_name(enum vcpu_activity a)
{
	static const char *const names[] = {
		[VCPU_IDLE] = "idle", [VCPU_RUNNING] = "running",
		[VCPU_BLOCKED] = "blocked", [VCPU_PAUSED] = "paused",
		[VCPU_STOPPED] = "stopped",
	};

	return names[a];
}

void vm_emit(struct vm *vm, const char *event, json_t *data)
{
	pthread_mutex_lock(&vm->event_lock);
	if (vm->on_event)
		vm->on_event(vm->event_opaque, event, data);
	else
		json_decref(data);
	pthread_mutex_unlock(&vm->event_lock);
}

void vm_set_event_handler(struct vm *vm, vm_event_fn fn, void *opaque)
{
	pthread_mutex_lock(&vm->event_lock);
	vm->on_event = fn;
	vm->event_opaque = opaque;
	pthread_mutex_unlock(&vm->event_lock);
}

/*
 * The kvm backend of the hypervisor ops: a client of dsmig-vmm's control
 * socket (docs/control-protocol.md). A "host" is the runtime directory that
 * holds the VMM sockets of that host. Guest RAM and the dirty bitmap are
 * memfds passed over the socket and mapped here; vCPU state moves as a blob
 * through a private file in the runtime directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bitmap.h"
#include "common/ctl_client.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "hv/hv.h"

#define KVM_TIMEOUT_MS 10000
#define KVM_START_TIMEOUT_MS 5000

#define KVM_PAGE 4096u   /* dsmig-vmm's guest page (guest/dsmig_abi.h) */

struct hv_vm {
	struct ctl_client *c;
	char dir[256];           /* a socket path must fit in 108 bytes anyway */
	char sock[PATH_MAX];
	char name[DSMIG_VM_NAME_MAX + 1];
	uint8_t *mem;
	uint64_t mem_bytes;
	int mem_fd;              /* the RAM's memfd, for unwritten_pages */
	uint64_t *bitmap;
	size_t bitmap_bytes;
	char why[320];           /* the last failure, for kvm_error */
};

/* Record why a call on vm failed (see hv_ops.error) and return rc. */
__attribute__((format(printf, 3, 4)))
static int kvm_fail(struct hv_vm *vm, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->why, sizeof(vm->why), fmt, ap);
	va_end(ap);
	return rc;
}

static const char *kvm_error(struct hv_vm *vm)
{
	return vm->why;
}

/* Run a command; an error reply becomes -EIO with its text in vm->why.
 * *ret may be NULL when the caller does not want the reply. */
static int kvm_exec(struct hv_vm *vm, const char *cmd, json_t *args,
		    json_t **ret, int *fd)
{
	json_t *r = NULL;
	int rc = ctl_client_execute(vm->c, cmd, args, &r, fd, KVM_TIMEOUT_MS);

	if (rc == -1) {
		kvm_fail(vm, -EIO, "%s on VM '%s': %.200s", cmd, vm->name,
			 json_string_value(json_object_get(r, "desc")) ?: "error");
		json_decref(r);
		return -EIO;
	}
	if (rc < 0)
		return kvm_fail(vm, rc, "%s on VM '%s': %s", cmd, vm->name, strerror(-rc));
	if (ret)
		*ret = r;
	else
		json_decref(r);
	return 0;
}

static struct hv_vm *kvm_new(const char *host, const char *name, char *why,
			     size_t len)
{
	struct hv_vm *vm = calloc(1, sizeof(*vm));

	if (!vm) {
		errbuf_set(why, len, "out of memory");
		return NULL;
	}
	vm->mem_fd = -1;
	snprintf(vm->dir, sizeof(vm->dir), "%s", host);
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	if (dsmig_socket_path(vm->sock, sizeof(vm->sock), host, name)) {
		errbuf_set(why, len, "bad VM name '%s' or host directory '%s'", name, host);
		free(vm);
		return NULL;
	}
	return vm;
}

static void kvm_detach(struct hv_vm *vm)
{
	if (!vm)
		return;
	if (vm->mem)
		munmap(vm->mem, vm->mem_bytes);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	if (vm->bitmap)
		munmap(vm->bitmap, vm->bitmap_bytes);
	if (vm->c)
		ctl_client_close(vm->c);
	free(vm);
}

static int kvm_attach(struct hv_vm **out, const char *host, const char *name,
		      struct hv_vm_info *info, char *why, size_t len)
{
	struct hv_vm *vm = kvm_new(host, name, why, len);
	json_t *st = NULL;
	int rc;

	if (!vm)
		return -EINVAL;
	rc = ctl_client_open(&vm->c, vm->sock, KVM_TIMEOUT_MS, vm->why, sizeof(vm->why));
	if (rc) {
		errbuf_set(why, len, "no VM '%s' on host %s: %s", name, host, vm->why);
		goto err;
	}
	rc = kvm_exec(vm, "query-status", NULL, &st, NULL);
	if (rc) {
		errbuf_set(why, len, "%s", vm->why);
		goto err;
	}
	memset(info, 0, sizeof(*info));
	info->running = !strcmp(json_string_value(json_object_get(st, "status")) ?: "",
				"running");
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->mem_bytes = (uint64_t)json_integer_value(json_object_get(st, "mem_bytes"));
	info->nr_vcpus = (uint32_t)json_integer_value(json_object_get(st, "vcpus"));
	info->page_size = KVM_PAGE;
	info->frames = info->mem_bytes / info->page_size;
	json_decref(st);
	*out = vm;
	return 0;
err:
	json_decref(st);
	kvm_detach(vm);
	return rc;
}

/* Start dsmig-vmm --incoming detached (double fork, own session), so that
 * it survives the engine; its stderr goes to DIR/NAME.log. */
static int spawn_incoming(struct hv_vm *vm, const struct hv_vm_info *info)
{
	char vmm[PATH_MAX], mem[32], vcpus[16], log[PATH_MAX + 16], console[PATH_MAX + 16];
	pid_t pid;
	int status;

	/* $DSMIG_VMM, else next to this program. */
	proc_sibling(vmm, sizeof(vmm), "dsmig-vmm", "DSMIG_VMM");
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)info->mem_bytes);
	snprintf(vcpus, sizeof(vcpus), "%u", info->nr_vcpus);
	snprintf(log, sizeof(log), "%s/%s.log", vm->dir, vm->name);
	snprintf(console, sizeof(console), "%s/%s.console", vm->dir, vm->name);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd;

		setsid();
		if (fork() != 0)
			_exit(0);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		setenv("DSMIG_RUNTIME_DIR", vm->dir, 1);
		/* The VM outlives the engine: not one of its ranks. */
		unsetenv(PROC_MIGRATION_TAG);
		execl(vmm, vmm, "run", "--incoming", "--name", vm->name, "--mem", mem,
		      "--vcpus", vcpus, "--console", console, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", vmm, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return 0;
}

static int kvm_create_incoming(struct hv_vm **out, const char *host,
			       const struct hv_vm_info *info, char *why, size_t len)
{
	struct hv_vm *vm = kvm_new(host, info->name, why, len);
	struct ctl_client *probe;
	uint64_t deadline;
	int rc;

	if (!vm)
		return -EINVAL;
	if (mkdir(host, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		errbuf_set(why, len, "destination host directory %s: %s", host, strerror(errno));
		goto err;
	}
	if (ctl_client_open(&probe, vm->sock, 500, NULL, 0) == 0) {
		ctl_client_close(probe);
		errbuf_set(why, len, "a VM named '%s' already runs on the destination %s",
			   info->name, host);
		rc = -EEXIST;
		goto err;
	}
	rc = spawn_incoming(vm, info);
	if (rc) {
		errbuf_set(why, len, "cannot start the destination VMM: %s", strerror(-rc));
		goto err;
	}
	deadline = time_mono_ns() + KVM_START_TIMEOUT_MS * 1000000ull;
	do {
		rc = ctl_client_open(&vm->c, vm->sock, 200, NULL, 0);
		if (rc == 0)
			break;
		usleep(20000);
	} while (time_mono_ns() < deadline);
	if (rc) {
		errbuf_set(why, len, "the destination VMM did not come up (see %s/%s.log)",
			   host, info->name);
		goto err;
	}
	*out = vm;
	return 0;
err:
	kvm_detach(vm);
	return rc;
}

static int map_fd(int fd, size_t bytes, void **out)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int rc = p == MAP_FAILED ? -errno : 0;

	close(fd);
	if (!rc)
		*out = p;
	return rc;
}

/* A reply that should have carried a descriptor came without one. */
static int no_fd(struct hv_vm *vm, const char *cmd)
{
	return kvm_fail(vm, -EPROTO, "%s on VM '%s': no descriptor in the reply", cmd,
			vm->name);
}

static int kvm_map_memory(struct hv_vm *vm, uint8_t **base, uint64_t *bytes)
{
	json_t *r;
	int fd = -1, rc;

	if (!vm->mem) {
		rc = kvm_exec(vm, "get-memfd", NULL, &r, &fd);
		if (rc)
			return rc;
		vm->mem_bytes = (uint64_t)json_integer_value(json_object_get(r, "mem_bytes"));
		json_decref(r);
		if (fd < 0)
			return no_fd(vm, "get-memfd");
		vm->mem_fd = dup(fd);
		rc = vm->mem_fd < 0 ? -errno : map_fd(fd, vm->mem_bytes, (void **)&vm->mem);
		if (rc)
			return kvm_fail(vm, rc, "mapping the RAM of VM '%s': %s", vm->name,
					strerror(-rc));
	}
	*base = vm->mem;
	*bytes = vm->mem_bytes;
	return 0;
}

/* The memfd's holes (SEEK_HOLE/SEEK_DATA): pages never written, or
 * punched out. A page swapped out counts as data. */
static int64_t kvm_unwritten_pages(struct hv_vm *vm, uint64_t *bitmap)
{
	off_t off = 0, data, end = (off_t)vm->mem_bytes;
	int64_t n = 0;

	if (vm->mem_fd < 0)
		return kvm_fail(vm, -EBADF, "VM '%s': RAM not mapped", vm->name);
	while (off < end) {
		data = lseek(vm->mem_fd, off, SEEK_DATA);
		if (data < 0 && errno != ENXIO)
			return kvm_fail(vm, -errno, "finding the unwritten RAM of VM '%s': %s",
					vm->name, strerror(errno));
		if (data < 0 || data > end)
			data = end;
		for (; off < data; off += KVM_PAGE, n++)
			bitmap_set(bitmap, (uint64_t)off / KVM_PAGE);
		if (off >= end)
			break;
		off = lseek(vm->mem_fd, data, SEEK_HOLE);
		if (off < 0)
			return kvm_fail(vm, -errno, "finding the unwritten RAM of VM '%s': %s",
					vm->name, strerror(errno));
	}
	return n;
}

static int kvm_dirty_log_start(struct hv_vm *vm, const uint64_t **bitmap)
{
	json_t *r;
	int fd = -1, rc;

	rc = kvm_exec(vm, "dirty-log-start", NULL, &r, &fd);
	if (rc)
		return rc;
	vm->bitmap_bytes = (size_t)json_integer_value(json_object_get(r, "bitmap_bytes"));
	json_decref(r);
	if (fd < 0)
		return no_fd(vm, "dirty-log-start");
	if (vm->bitmap)
		munmap(vm->bitmap, vm->bitmap_bytes);
	rc = map_fd(fd, vm->bitmap_bytes, (void **)&vm->bitmap);
	if (rc)
		return kvm_fail(vm, rc, "mapping the dirty bitmap of VM '%s': %s", vm->name,
				strerror(-rc));
	*bitmap = vm->bitmap;
	return 0;
}

static int64_t kvm_dirty_sync(struct hv_vm *vm)
{
	json_t *r;
	int64_t n;
	int rc = kvm_exec(vm, "dirty-sync", NULL, &r, NULL);

	if (rc)
		return rc;
	n = json_integer_value(json_object_get(r, "dirty_pages"));
	json_decref(r);
	return n;
}

static int kvm_pause(struct hv_vm *vm)
{
	return kvm_exec(vm, "pause", NULL, NULL, NULL);
}

static int kvm_resume(struct hv_vm *vm)
{
	return kvm_exec(vm, "resume", NULL, NULL, NULL);
}

/* A private path in the host directory for a state blob. */
static void state_path(struct hv_vm *vm, char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s/.%s.%s.%ld", vm->dir, vm->name, what, (long)getpid());
}

static int kvm_save_state(struct hv_vm *vm, void **blob, size_t *len)
{
	char path[PATH_MAX + 64];
	json_t *args;
	int rc;

	state_path(vm, path, sizeof(path), "save");
	args = json_pack("{s:s}", "path", path);
	rc = kvm_exec(vm, "save-state", args, NULL, NULL);
	json_decref(args);
	if (rc == 0) {
		rc = file_read_all(path, 16u << 20, blob, len);
		if (rc)
			kvm_fail(vm, rc, "reading saved state %s: %s", path, strerror(-rc));
	}
	unlink(path);
	return rc;
}

static int kvm_load_state(struct hv_vm *vm, const void *blob, size_t len)
{
	char path[PATH_MAX + 64];
	json_t *args;
	FILE *f;
	int rc;

	state_path(vm, path, sizeof(path), "load");
	f = fopen(path, "wxe");
	if (!f)
		return kvm_fail(vm, -errno, "%s: %s", path, strerror(errno));
	rc = fwrite(blob, 1, len, f) == len ? 0 : -EIO;
	if (fclose(f))
		rc = -EIO;
	if (rc) {
		unlink(path);
		return kvm_fail(vm, rc, "writing %s: %s", path, strerror(-rc));
	}
	args = json_pack("{s:s}", "path", path);
	rc = kvm_exec(vm, "load-state", args, NULL, NULL);
	json_decref(args);
	unlink(path);
	return rc == -EIO ? -EINVAL : rc;
}

static int kvm_query_stats(struct hv_vm *vm, struct hv_stats *st)
{
	json_t *r, *v, *ctr;
	size_t i;
	int rc = kvm_exec(vm, "query-stats", NULL, &r, NULL);

	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->time_ns = (uint64_t)json_integer_value(json_object_get(r, "time_ns"));
	st->guest_ns = (uint64_t)json_integer_value(json_object_get(r, "guest_time_ns"));
	st->dirty_pps = json_number_value(json_object_get(r, "dirty_pps"));
	json_array_foreach(json_object_get(r, "vcpus"), i, v) {
		st->cpu_ns += (uint64_t)json_integer_value(json_object_get(v, "cpu_ns"));
		st->nr_vcpus++;
		st->running |= !strcmp(json_string_value(json_object_get(v, "state")) ?: "",
				       "running") ||
			       !strcmp(json_string_value(json_object_get(v, "state")) ?: "",
				       "blocked");
	}
	ctr = json_object_get(r, "counters");
	if (json_is_object(ctr)) {
		st->has_counters = 1;
		st->progress = (uint64_t)json_integer_value(json_object_get(ctr, "progress"));
		st->heartbeat = (uint64_t)json_integer_value(json_object_get(ctr, "heartbeat"));
		st->heartbeat_ns = (uint64_t)json_integer_value(json_object_get(ctr, "heartbeat_ns"));
		st->selfcheck_fail = (uint64_t)json_integer_value(json_object_get(ctr, "selfcheck_fail"));
		st->has_stall = json_is_integer(json_object_get(ctr, "stall_max_ns"));
		st->stall_ns = (uint64_t)json_integer_value(json_object_get(ctr, "stall_max_ns"));
	}
	json_decref(r);
	return 0;
}

static int kvm_destroy(struct hv_vm *vm)
{
	return kvm_exec(vm, "quit", NULL, NULL, NULL);
}

static int kvm_userfault_arm(struct hv_vm *vm, int *uffd, uint64_t *hva)
{
	json_t *r;
	int rc = kvm_exec(vm, "userfault-arm", NULL, &r, uffd);

	if (rc)
		return rc;
	*hva = (uint64_t)json_integer_value(json_object_get(r, "hva"));
	json_decref(r);
	return *uffd < 0 ? no_fd(vm, "userfault-arm") : 0;
}

static int kvm_userfault_done(struct hv_vm *vm)
{
	return kvm_exec(vm, "userfault-done", NULL, NULL, NULL);
}

const struct hv_ops hv_kvm_ops = {
	.name = "kvm",
	.attach = kvm_attach,
	.create_incoming = kvm_create_incoming,
	.map_memory = kvm_map_memory,
	.dirty_log_start = kvm_dirty_log_start,
	.unwritten_pages = kvm_unwritten_pages,
	.dirty_sync = kvm_dirty_sync,
	.pause = kvm_pause,
	.resume = kvm_resume,
	.save_state = kvm_save_state,
	.load_state = kvm_load_state,
	.query_stats = kvm_query_stats,
	.userfault_arm = kvm_userfault_arm,
	.userfault_done = kvm_userfault_done,
	.destroy = kvm_destroy,
	.error = kvm_error,
	.detach = kvm_detach,
};

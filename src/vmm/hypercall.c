/*
 * The guest ABI's hypercalls (guest/dsmig_abi.h), one handler each in a
 * dispatch table. Handlers work on a private copy of the argument block, so
 * a guest that rewrites the block from another vCPU cannot change what was
 * checked; guest buffers (PUTS data) are copied before use for the same
 * reason.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common/log.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"
#include "dsmig_abi.h"

#define HC_OK    0
#define HC_FAULT (-1)   /* the handler stopped the VM */

struct hypercall {
	const char *name;
	size_t arg_size;
	int writes_back;    /* copy the block back to the guest afterwards */
	int (*fn)(struct vcpu *v, void *arg);
	/* Calls that return the time: write the clock into the block (again,
	 * after a park: hypercall_clock_retake) ... */
	void (*stamp_clock)(struct vm *vm, void *arg);
	size_t clock_off;   /* ... whose monotonic reading is at this offset */
};

/* Why vm_guest_ptr() refused [gpa, gpa+len), in words for the fault. */
static const char *refusal(struct vm *vm, uint64_t gpa, uint64_t len,
			   uint64_t align, enum guest_access access)
{
	if (gpa & (align - 1))
		return "misaligned";
	if (!gmem_ptr(&vm->mem, gpa, len))
		return "outside guest RAM";
	return access == GUEST_WRITE ? "in memory the guest may not write (protected)"
				     : "in memory the guest may not read (protected)";
}

static int hc_puts(struct vcpu *v, void *arg)
{
	struct dsmig_hc_puts *a = arg;
	char buf[DSMIG_PUTS_MAX];
	const void *src;

	if (a->len > DSMIG_PUTS_MAX) {
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: puts length %llu exceeds %u",
			    v->index, (unsigned long long)a->len, DSMIG_PUTS_MAX);
		return HC_FAULT;
	}
	src = vm_guest_ptr(v->vm, a->data, a->len, 1, GUEST_READ);
	if (!src) {
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: puts buffer [0x%llx, +%llu) is %s",
			    v->index, (unsigned long long)a->data,
			    (unsigned long long)a->len,
			    refusal(v->vm, a->data, a->len, 1, GUEST_READ));
		return HC_FAULT;
	}
	memcpy(buf, src, a->len);
	console_write(&v->vm->console, buf, a->len);
	return HC_OK;
}

static void time_stamp(struct vm *vm, void *arg)
{
	struct dsmig_hc_time *a = arg;

	a->monotonic_ns = vm_guest_mono_ns(vm);
	a->wall_ns = time_wall_ns();
}

static int hc_time(struct vcpu *v, void *arg)
{
	time_stamp(v->vm, arg);
	return HC_OK;
}

static void sleep_stamp(struct vm *vm, void *arg)
{
	struct dsmig_hc_sleep *a = arg;

	a->now_ns = vm_guest_mono_ns(vm);
}

/* Block the vCPU until the guest-clock deadline, a change of the run
 * state, or (wake_on_frame) a frame waiting on the NIC. Returns whether a
 * frame waits. */
static int block_until(struct vcpu *v, uint64_t deadline_ns, int wake_on_frame)
{
	struct vm *vm = v->vm;
	int64_t host_deadline;
	struct timespec ts;
	int frame = 0;

	/* A deadline past the end of time just means "until woken"; one
	 * before the host clock's zero has passed. */
	if (deadline_ns > (uint64_t)INT64_MAX ||
	    __builtin_sub_overflow((int64_t)deadline_ns, vm->clock_offset_ns,
				   &host_deadline))
		host_deadline = INT64_MAX / 2;
	else if (host_deadline < 0)
		host_deadline = 0;
	ts.tv_sec = host_deadline / 1000000000;
	ts.tv_nsec = host_deadline % 1000000000;
	wake_on_frame = wake_on_frame && vm->has_net;
	pthread_mutex_lock(&vm->lock);
	v->activity = VCPU_BLOCKED;
	/* The watcher sets rx_ready before it takes vm->lock to broadcast,
	 * so a frame cannot slip between this check and the wait. */
	while (vm->state == VM_RUNNING &&
	       !(wake_on_frame && (frame = net_rx_ready(&vm->net))) &&
	       (int64_t)time_mono_ns() < host_deadline)
		if (pthread_cond_timedwait(&vm->cond, &vm->lock, &ts) == ETIMEDOUT)
			break;
	v->activity = VCPU_RUNNING;
	pthread_mutex_unlock(&vm->lock);
	return frame;
}

static int hc_sleep(struct vcpu *v, void *arg)
{
	struct dsmig_hc_sleep *a = arg;

	block_until(v, a->deadline_ns, 0);
	sleep_stamp(v->vm, a);
	return HC_OK;
}

static void poll_stamp(struct vm *vm, void *arg)
{
	struct dsmig_hc_poll *a = arg;

	a->now_ns = vm_guest_mono_ns(vm);
}

static int hc_poll(struct vcpu *v, void *arg)
{
	struct dsmig_hc_poll *a = arg;

	a->ready = block_until(v, a->deadline_ns, 1) ? DSMIG_POLL_NET : 0;
	poll_stamp(v->vm, a);
	return HC_OK;
}

static int hc_net_info(struct vcpu *v, void *arg)
{
	struct dsmig_hc_net_info *a = arg;
	struct vm *vm = v->vm;

	memset(a, 0, sizeof(*a));
	if (vm->has_net) {
		a->present = 1;
		a->mtu = DSMIG_NET_MTU;
		memcpy(a->mac, vm->net.cfg.mac, sizeof(a->mac));
	}
	return HC_OK;
}

/* The frame buffer of NET_WRITE / NET_READ: a guest fault if it is not
 * guest RAM the guest may read (write). */
static void *net_buffer(struct vcpu *v, const char *call, uint64_t gpa, uint64_t len,
			enum guest_access access)
{
	void *p = vm_guest_ptr(v->vm, gpa, len, 1, access);

	if (!p)
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: %s buffer [0x%llx, +%llu) is %s",
			    v->index, call, (unsigned long long)gpa, (unsigned long long)len,
			    refusal(v->vm, gpa, len, 1, access));
	return p;
}

static int hc_net_write(struct vcpu *v, void *arg)
{
	struct dsmig_hc_net_write *a = arg;
	uint8_t frame[DSMIG_NET_FRAME_MAX];
	const void *src;

	if (!v->vm->has_net) {
		a->ret = DSMIG_NET_NODEV;
		return HC_OK;
	}
	if (a->len < DSMIG_NET_FRAME_MIN || a->len > DSMIG_NET_FRAME_MAX) {
		a->ret = net_send(&v->vm->net, NULL, a->len);   /* counted, refused */
		return HC_OK;
	}
	src = net_buffer(v, "net-write", a->data, a->len, GUEST_READ);
	if (!src)
		return HC_FAULT;
	memcpy(frame, src, a->len);   /* what is sent is what was checked */
	a->ret = net_send(&v->vm->net, frame, a->len);
	return HC_OK;
}

static int hc_net_read(struct vcpu *v, void *arg)
{
	struct dsmig_hc_net_read *a = arg;
	uint8_t frame[DSMIG_NET_FRAME_MAX];
	size_t got;
	void *dst;

	if (!v->vm->has_net) {
		a->ret = DSMIG_NET_NODEV;
		return HC_OK;
	}
	if (a->len < DSMIG_NET_FRAME_MAX) {
		a->ret = net_receive(&v->vm->net, frame, a->len, &got);   /* counted */
		return HC_OK;
	}
	dst = net_buffer(v, "net-read", a->data, DSMIG_NET_FRAME_MAX, GUEST_WRITE);
	if (!dst)
		return HC_FAULT;
	a->ret = net_receive(&v->vm->net, frame, sizeof(frame), &got);
	if (a->ret == DSMIG_NET_OK) {
		memcpy(dst, frame, got);
		dirty_log_mark(&v->vm->dirty, a->data, got);
		a->len = got;
	}
	return HC_OK;
}

static int hc_counters(struct vcpu *v, void *arg)
{
	struct dsmig_hc_counters *a = arg;
	struct vm *vm = v->vm;

	if (!vm_guest_ptr(vm, a->counters, sizeof(struct dsmig_counters), 8,
			  GUEST_READ)) {
		vm_shutdown(vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: counter block at 0x%llx is %s",
			    v->index, (unsigned long long)a->counters,
			    refusal(vm, a->counters, sizeof(struct dsmig_counters), 8,
				    GUEST_READ));
		return HC_FAULT;
	}
	pthread_mutex_lock(&vm->lock);
	vm->counters_gpa = a->counters;
	pthread_mutex_unlock(&vm->lock);
	return HC_OK;
}

static int hc_exit(struct vcpu *v, void *arg)
{
	struct dsmig_hc_exit *a = arg;
	int status = a->status > 255 ? 255 : (int)a->status;

	vm_shutdown(v->vm, status, "guest exited with status %d (vCPU %u)",
		    status, v->index);
	return HC_FAULT;
}

static const struct hypercall hypercalls[DSMIG_HC_MAX] = {
	[DSMIG_HC_PUTS] = { "puts", sizeof(struct dsmig_hc_puts), 0, hc_puts },
	[DSMIG_HC_TIME] = { "time", sizeof(struct dsmig_hc_time), 1, hc_time,
			    time_stamp, offsetof(struct dsmig_hc_time, monotonic_ns) },
	[DSMIG_HC_SLEEP] = { "sleep", sizeof(struct dsmig_hc_sleep), 1, hc_sleep,
			     sleep_stamp, offsetof(struct dsmig_hc_sleep, now_ns) },
	[DSMIG_HC_COUNTERS] = { "counters", sizeof(struct dsmig_hc_counters), 0,
				hc_counters },
	[DSMIG_HC_EXIT] = { "exit", sizeof(struct dsmig_hc_exit), 0, hc_exit },
	[DSMIG_HC_NET_INFO] = { "net-info", sizeof(struct dsmig_hc_net_info), 1,
				hc_net_info },
	[DSMIG_HC_NET_WRITE] = { "net-write", sizeof(struct dsmig_hc_net_write), 1,
				 hc_net_write },
	[DSMIG_HC_NET_READ] = { "net-read", sizeof(struct dsmig_hc_net_read), 1,
				hc_net_read },
	[DSMIG_HC_POLL] = { "poll", sizeof(struct dsmig_hc_poll), 1, hc_poll,
			    poll_stamp, offsetof(struct dsmig_hc_poll, now_ns) },
};

int hypercall_handle_io(struct vcpu *v, uint16_t port, int direction,
			uint8_t size, uint32_t count, const void *data)
{
	const struct hypercall *hc;
	uint8_t block[64];
	uint32_t gpa;
	void *guest;
	unsigned nr = port - DSMIG_HC_PORT_BASE;

	if (port < DSMIG_HC_PORT_BASE || nr >= DSMIG_HC_MAX || !hypercalls[nr].fn) {
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: I/O to port 0x%x, which is not a hypercall",
			    v->index, port);
		return HC_FAULT;
	}
	hc = &hypercalls[nr];
	if (direction != HC_IO_OUT || size != 4 || count != 1) {
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: hypercall %s must be a single 32-bit out",
			    v->index, hc->name);
		return HC_FAULT;
	}
	memcpy(&gpa, data, 4);
	guest = vm_guest_ptr(v->vm, gpa, hc->arg_size, 8,
			     hc->writes_back ? GUEST_WRITE : GUEST_READ);
	if (!guest) {
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: hypercall %s argument block at 0x%x is %s",
			    v->index, hc->name, gpa,
			    refusal(v->vm, gpa, hc->arg_size, 8,
				    hc->writes_back ? GUEST_WRITE : GUEST_READ));
		return HC_FAULT;
	}
	v->hypercalls++;
	v->clock_due_nr = 0;   /* the guest has moved on from the last one */
	memcpy(block, guest, hc->arg_size);
	if (hc->fn(v, block) != HC_OK)
		return HC_FAULT;
	if (hc->writes_back) {
		memcpy(guest, block, hc->arg_size);
		dirty_log_mark(&v->vm->dirty, gpa, hc->arg_size);
	}
	if (hc->stamp_clock) {
		v->clock_due_gpa = gpa;
		v->clock_due_nr = nr;
		memcpy(&v->clock_due_ns, block + hc->clock_off, sizeof(v->clock_due_ns));
	}
	return HC_OK;
}

int hypercall_returns_clock(uint32_t nr)
{
	return nr < DSMIG_HC_MAX && hypercalls[nr].stamp_clock;
}

void hypercall_clock_retake(struct vcpu *v)
{
	const struct hypercall *hc;
	uint8_t block[64];
	uint64_t held;
	void *guest;

	if (!hypercall_returns_clock(v->clock_due_nr))
		return;
	hc = &hypercalls[v->clock_due_nr];
	/* Checked again: a state blob names this block too. */
	guest = vm_guest_ptr(v->vm, v->clock_due_gpa, hc->arg_size, 8, GUEST_WRITE);
	if (!guest) {
		v->clock_due_nr = 0;
		return;
	}
	memcpy(block, guest, hc->arg_size);
	memcpy(&held, block + hc->clock_off, sizeof(held));
	if (held != v->clock_due_ns) {
		v->clock_due_nr = 0;   /* the guest has used the memory since */
		return;
	}
	hc->stamp_clock(v->vm, block);
	memcpy(guest, block, hc->arg_size);
	memcpy(&v->clock_due_ns, block + hc->clock_off, sizeof(v->clock_due_ns));
	dirty_log_mark(&v->vm->dirty, v->clock_due_gpa, hc->arg_size);
}

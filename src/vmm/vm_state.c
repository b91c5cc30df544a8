/* VM state save/load (see vm_state.h and docs/migration-stream.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "vmm/hypercall.h"
#include "vmm/vm_state.h"

struct blob {
	uint8_t *buf;
	size_t len, cap;
};

static void *blob_add(struct blob *b, enum vm_state_section type,
		      uint32_t vcpu, size_t len)
{
	size_t need = b->len + sizeof(struct vms_section) + ((len + 7) & ~(size_t)7);
	struct vms_section *s;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *p;

		while (cap < need)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return NULL;
		b->buf = p;
		b->cap = cap;
	}
	s = (struct vms_section *)(b->buf + b->len);
	memset(s, 0, need - b->len);
	s->type = type;
	s->vcpu = vcpu;
	s->len = len;
	b->len = need;
	((struct vms_header *)b->buf)->nr_sections++;
	return s + 1;
}

int vm_state_save(struct vm *vm, void **out, size_t *out_len, char *why,
		  size_t len)
{
	struct blob b = { 0 };
	struct vms_header *h;
	struct vms_device *dev;
	unsigned i, j;
	int rc = -ENOMEM;

	pthread_mutex_lock(&vm->lock);
	if (vm->state != VM_PAUSED) {
		pthread_mutex_unlock(&vm->lock);
		errbuf_set(why, len, "the VM must be paused (it is %s)",
			   vm_state_name(vm->state));
		return -EINVAL;
	}
	pthread_mutex_unlock(&vm->lock);

	b.buf = calloc(1, sizeof(*h));
	if (!b.buf)
		goto err;
	b.len = b.cap = sizeof(*h);
	h = (struct vms_header *)b.buf;
	memcpy(h->magic, VM_STATE_MAGIC, 8);
	h->version = VM_STATE_VERSION;
	h->nr_vcpus = vm->nr_vcpus;
	h->mem_size = vm->mem.size;
	h->abi_version = DSMIG_ABI_VERSION;

	dev = blob_add(&b, VMS_DEVICE, 0, sizeof(*dev));
	if (!dev)
		goto err;
	pthread_mutex_lock(&vm->lock);
	dev->guest_mono_ns = vm_guest_mono_ns(vm);
	dev->wall_ns = time_wall_ns();
	dev->counters_gpa = vm->counters_gpa;
	dev->pml4 = vm->lay.pml4;
	dev->pt_start = vm->lay.pt_start;
	dev->pt_end = vm->lay.pt_end;
	dev->heap_start = vm->lay.heap_start;
	dev->heap_end = vm->lay.heap_end;
	memcpy(dev->stack_top, vm->lay.stack_top, sizeof(dev->stack_top));
	for (i = 0; i < vm->nr_vcpus; i++) {
		dev->clock_due_nr[i] = vm->vcpus[i].clock_due_nr;
		dev->clock_due_gpa[i] = vm->vcpus[i].clock_due_gpa;
		dev->clock_due_ns[i] = vm->vcpus[i].clock_due_ns;
	}
	console_snapshot(&vm->console, dev->console, &dev->console_bytes);
	pthread_mutex_unlock(&vm->lock);
	if (vm->has_net) {
		struct vms_net *net = blob_add(&b, VMS_NET, 0, sizeof(*net));

		if (!net)
			goto err;
		snprintf(net->bridge, sizeof(net->bridge), "%s", vm->net.cfg.bridge);
		memcpy(net->mac, vm->net.cfg.mac, sizeof(net->mac));
	}

	for (i = 0; i < vm->nr_vcpus; i++) {
		for (j = 0; j < vm->accel->nr_sections; j++) {
			const struct accel_section *io = &vm->accel->sections[j];
			void *dst = blob_add(&b, io->type, i, io->size);

			rc = -ENOMEM;
			if (!dst)
				goto err;
			rc = vm->accel->section_get(&vm->vcpus[i], io, dst);
			if (rc) {
				errbuf_set(why, len, "vCPU %u %s: %s", i, io->name, strerror(-rc));
				goto err_free;
			}
		}
	}
	*out = b.buf;
	*out_len = b.len;
	return 0;
err:
	errbuf_set(why, len, "%s", strerror(-rc));
err_free:
	free(b.buf);
	return rc;
}

static const struct accel_section *section_io_of(const struct vm *vm, uint32_t type)
{
	size_t j;

	for (j = 0; j < vm->accel->nr_sections; j++)
		if (vm->accel->sections[j].type == type)
			return &vm->accel->sections[j];
	return NULL;
}

/* Check the device section against this VM before using any of it. */
static int device_check(const struct vm *vm, const struct vms_device *d,
			char *why, size_t len)
{
	unsigned i;

	if (d->pt_start > d->pt_end || d->pt_end > vm->mem.size ||
	    d->pml4 < d->pt_start || d->pml4 >= d->pt_end ||
	    d->heap_start > d->heap_end || d->heap_end > vm->mem.size)
		return errbuf_set(why, len, "device state: machine layout outside RAM");
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (d->stack_top[i] > vm->mem.size)
			return errbuf_set(why, len, "device state: stack of vCPU %u outside RAM", i);
		if (d->clock_due_nr[i] && (!hypercall_returns_clock(d->clock_due_nr[i]) ||
					   d->clock_due_gpa[i] % 8 ||
					   d->clock_due_gpa[i] >= vm->mem.size))
			return errbuf_set(why, len, "device state: vCPU %u's clock block is no TIME or SLEEP block in RAM", i);
	}
	if (d->counters_gpa && (d->counters_gpa % 8 ||
	    d->counters_gpa > vm->mem.size - sizeof(struct dsmig_counters)))
		return errbuf_set(why, len, "device state: counter block outside RAM");
	return 0;
}

/* The NIC section, checked as --net's words are (it names a bridge that
 * this host's kernel will be asked for). */
static int net_check(const struct vms_net *net, struct net_config *cfg, char *why,
		     size_t len)
{
	char reason[160];

	if (!memchr(net->bridge, '\0', sizeof(net->bridge)))
		return errbuf_set(why, len, "NIC section: the bridge's name is not terminated");
	if (net_config_set(cfg, net->bridge, net->mac, reason, sizeof(reason)))
		return errbuf_set(why, len, "NIC section: %s", reason);
	return 0;
}

int vm_state_load(struct vm *vm, const void *blob, size_t blob_len, char *why,
		  size_t len)
{
	const uint8_t *p = blob;
	struct vms_header h;
	const struct vms_device *dev = NULL;
	const struct vms_net *net = NULL;
	struct net_config net_cfg;
	unsigned seen[DSMIG_MAX_VCPUS] = { 0 };
	size_t off;
	uint32_t k;
	int rc;

	if (blob_len < sizeof(h))
		return errbuf_set(why, len, "state blob truncated (%zu bytes)", blob_len);
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, VM_STATE_MAGIC, 8))
		return errbuf_set(why, len, "not a dsmig VM state blob");
	if (h.version != VM_STATE_VERSION)
		return errbuf_set(why, len, "state version %u, this VMM reads %u",
			    h.version, VM_STATE_VERSION);
	if (h.abi_version != DSMIG_ABI_VERSION)
		return errbuf_set(why, len, "guest ABI %u, this VMM speaks %d",
			    h.abi_version, DSMIG_ABI_VERSION);
	if (h.nr_vcpus != vm->nr_vcpus || h.mem_size != vm->mem.size)
		return errbuf_set(why, len,
			    "state is for %u vCPUs and %llu bytes of RAM; this VM has %u and %llu",
			    h.nr_vcpus, (unsigned long long)h.mem_size, vm->nr_vcpus,
			    (unsigned long long)vm->mem.size);

	/* Pass 1: structure and the device section. */
	for (off = sizeof(h), k = 0; k < h.nr_sections; k++) {
		struct vms_section s;
		const struct accel_section *io;
		const struct accel_ops *other;

		if (blob_len - off < sizeof(s))
			return errbuf_set(why, len, "section %u: truncated header", k);
		memcpy(&s, p + off, sizeof(s));
		off += sizeof(s);
		if (s.len > blob_len - off || ((s.len + 7) & ~7ull) > blob_len - off)
			return errbuf_set(why, len, "section %u: length %llu beyond the blob",
				    k, (unsigned long long)s.len);
		if (s.type == VMS_DEVICE) {
			if (s.len != sizeof(struct vms_device))
				return errbuf_set(why, len, "device section has the wrong size");
			dev = (const struct vms_device *)(p + off);
		} else if (s.type == VMS_NET) {
			if (s.len != sizeof(struct vms_net) || net)
				return errbuf_set(why, len, "NIC section: wrong size or twice");
			net = (const struct vms_net *)(p + off);
		} else {
			io = section_io_of(vm, s.type);
			other = accel_of_section(s.type);
			if (!io && other)
				return errbuf_set(why, len,
					    "the state was saved by the %s accelerator and this VMM runs %s: "
					    "migrate between VMMs of the same accelerator",
					    other->name, vm->accel->name);
			if (!io || s.vcpu >= vm->nr_vcpus || s.len != io->size)
				return errbuf_set(why, len, "section %u: bad type %u, vCPU %u or size",
					    k, s.type, s.vcpu);
			if (seen[s.vcpu] & (1u << s.type))
				return errbuf_set(why, len, "section %u: duplicate", k);
			seen[s.vcpu] |= 1u << s.type;
		}
		off += (s.len + 7) & ~7ull;
	}
	if (!dev)
		return errbuf_set(why, len, "no device section");
	for (k = 0; k < vm->nr_vcpus; k++) {
		size_t j;

		for (j = 0; j < vm->accel->nr_sections; j++)
			if (vm->accel->sections[j].required &&
			    !(seen[k] & (1u << vm->accel->sections[j].type)))
				return errbuf_set(why, len, "vCPU %u: registers missing", k);
	}
	if (device_check(vm, dev, why, len))
		return -1;
	if (net && net_check(net, &net_cfg, why, len))
		return -1;

	/* Plug the guest into this host's bridge before anything is changed
	 * that a failure here would have to undo. */
	if (net) {
		char reason[200];

		rc = vm_net_attach(vm, &net_cfg, reason, sizeof(reason));
		if (rc)
			return errbuf_set(why, len, "the guest's NIC: %s", reason);
	}

	/* Pass 2: apply, in the accelerator's order (sregs before regs ...). */
	for (k = 0; k < vm->accel->nr_sections; k++) {
		const struct accel_section *io = &vm->accel->sections[k];
		uint32_t n;

		for (off = sizeof(h), n = 0; n < h.nr_sections; n++) {
			struct vms_section s;

			memcpy(&s, p + off, sizeof(s));
			off += sizeof(s);
			if (s.type == io->type) {
				rc = vm->accel->section_set(&vm->vcpus[s.vcpu], io, p + off);
				if (rc)
					return errbuf_set(why, len, "vCPU %u: %s refused %s: %s",
						    s.vcpu, vm->accel->name, io->name,
						    strerror(-rc));
			}
			off += (s.len + 7) & ~7ull;
		}
	}

	pthread_mutex_lock(&vm->lock);
	vm->lay.pml4 = dev->pml4;
	vm->lay.pt_start = dev->pt_start;
	vm->lay.pt_end = dev->pt_end;
	vm->lay.heap_start = dev->heap_start;
	vm->lay.heap_end = dev->heap_end;
	memcpy(vm->lay.stack_top, dev->stack_top, sizeof(vm->lay.stack_top));
	vm->counters_gpa = dev->counters_gpa;
	for (k = 0; k < vm->nr_vcpus; k++) {
		vm->vcpus[k].clock_due_nr = dev->clock_due_nr[k];
		vm->vcpus[k].clock_due_gpa = dev->clock_due_gpa[k];
		vm->vcpus[k].clock_due_ns = dev->clock_due_ns[k];
	}
	console_restore(&vm->console, dev->console_bytes, dev->console);
	/* The guest's clock keeps counting through the downtime, by the wall
	 * clock that both hosts share. */
	vm->clock_offset_ns = (int64_t)dev->guest_mono_ns +
			      ((int64_t)time_wall_ns() - (int64_t)dev->wall_ns) -
			      (int64_t)time_mono_ns();
	vm->state_loaded = 1;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

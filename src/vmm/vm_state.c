/* VM state save/load (see vm_state.h and docs/migration-stream.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "common/log.h"
#include "vmm/vm_state.h"

/* MSRs carried across a migration (those KVM accepts on this host). */
static const uint32_t saved_msrs[] = {
	0x00000010, /* TSC */
	0x0000003b, /* TSC_ADJUST */
	0x00000174, 0x00000175, 0x00000176, /* SYSENTER_CS/ESP/EIP */
	0x000001a0, /* MISC_ENABLE */
	0x00000277, /* PAT */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR LSTAR CSTAR SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, /* FS/GS/KERNEL_GS base, TSC_AUX */
};
#define NR_SAVED_MSRS (sizeof(saved_msrs) / sizeof(saved_msrs[0]))

struct msr_block {
	uint32_t count, pad;
	struct kvm_msr_entry e[NR_SAVED_MSRS];
};

/* One vCPU ioctl per section kind: how to read and write it. */
struct section_io {
	enum vm_state_section type;
	const char *name;
	size_t size;
	unsigned long get, set;
};

static const struct section_io vcpu_sections[] = {
	{ VMS_SREGS2, "sregs2", sizeof(struct kvm_sregs2), KVM_GET_SREGS2, KVM_SET_SREGS2 },
	{ VMS_XCRS, "xcrs", sizeof(struct kvm_xcrs), KVM_GET_XCRS, KVM_SET_XCRS },
	{ VMS_XSAVE, "xsave", sizeof(struct kvm_xsave), KVM_GET_XSAVE, KVM_SET_XSAVE },
	{ VMS_MSRS, "msrs", sizeof(struct msr_block), KVM_GET_MSRS, KVM_SET_MSRS },
	{ VMS_EVENTS, "events", sizeof(struct kvm_vcpu_events), KVM_GET_VCPU_EVENTS,
	  KVM_SET_VCPU_EVENTS },
	{ VMS_MP_STATE, "mp_state", sizeof(struct kvm_mp_state), KVM_GET_MP_STATE,
	  KVM_SET_MP_STATE },
	{ VMS_DEBUGREGS, "debugregs", sizeof(struct kvm_debugregs), KVM_GET_DEBUGREGS,
	  KVM_SET_DEBUGREGS },
	{ VMS_REGS, "regs", sizeof(struct kvm_regs), KVM_GET_REGS, KVM_SET_REGS },
};
#define NR_VCPU_SECTIONS (sizeof(vcpu_sections) / sizeof(vcpu_sections[0]))

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

/* MSR ioctls take a count-prefixed array, and return how many they did. */
static int msrs_io(int fd, unsigned long op, struct msr_block *m)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[NR_SAVED_MSRS];
	} k;
	int n;

	memset(&k, 0, sizeof(k));
	k.hdr.nmsrs = m->count;
	memcpy(k.e, m->e, m->count * sizeof(k.e[0]));
	n = ioctl(fd, op, &k);
	if (n < 0)
		return -errno;
	if ((uint32_t)n != m->count)
		return -EINVAL;
	memcpy(m->e, k.e, m->count * sizeof(k.e[0]));
	return 0;
}

static int vcpu_msrs_get(int fd, struct msr_block *m)
{
	unsigned i;

	/* Keep only the MSRs this host's KVM can read, one by one. */
	memset(m, 0, sizeof(*m));
	for (i = 0; i < NR_SAVED_MSRS; i++) {
		struct msr_block one = { .count = 1 };

		one.e[0].index = saved_msrs[i];
		if (msrs_io(fd, KVM_GET_MSRS, &one) == 0)
			m->e[m->count++] = one.e[0];
	}
	return 0;
}

static int section_get(int fd, const struct section_io *io, void *dst)
{
	if (io->type == VMS_MSRS)
		return vcpu_msrs_get(fd, dst);
	return ioctl(fd, io->get, dst) < 0 ? -errno : 0;
}

static int section_set(int fd, const struct section_io *io, void *src)
{
	if (io->type == VMS_MSRS)
		return msrs_io(fd, KVM_SET_MSRS, src);
	return ioctl(fd, io->set, src) < 0 ? -errno : 0;
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
	console_snapshot(&vm->console, dev->console, &dev->console_bytes);
	pthread_mutex_unlock(&vm->lock);

	for (i = 0; i < vm->nr_vcpus; i++) {
		for (j = 0; j < NR_VCPU_SECTIONS; j++) {
			const struct section_io *io = &vcpu_sections[j];
			void *dst = blob_add(&b, io->type, i, io->size);

			rc = -ENOMEM;
			if (!dst)
				goto err;
			rc = section_get(vm->vcpus[i].fd, io, dst);
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

static const struct section_io *section_io_of(uint32_t type)
{
	unsigned j;

	for (j = 0; j < NR_VCPU_SECTIONS; j++)
		if (vcpu_sections[j].type == type)
			return &vcpu_sections[j];
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
	for (i = 0; i < vm->nr_vcpus; i++)
		if (d->stack_top[i] > vm->mem.size)
			return errbuf_set(why, len, "device state: stack of vCPU %u outside RAM", i);
	if (d->counters_gpa && (d->counters_gpa % 8 ||
	    d->counters_gpa > vm->mem.size - sizeof(struct dsmig_counters)))
		return errbuf_set(why, len, "device state: counter block outside RAM");
	return 0;
}

int vm_state_load(struct vm *vm, const void *blob, size_t blob_len, char *why,
		  size_t len)
{
	const uint8_t *p = blob;
	struct vms_header h;
	const struct vms_device *dev = NULL;
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
		const struct section_io *io;

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
		} else {
			io = section_io_of(s.type);
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
	for (k = 0; k < vm->nr_vcpus; k++)
		if (!(seen[k] & (1u << VMS_REGS)) || !(seen[k] & (1u << VMS_SREGS2)))
			return errbuf_set(why, len, "vCPU %u: registers missing", k);
	if (device_check(vm, dev, why, len))
		return -1;

	/* Pass 2: apply, in the table's order (sregs before regs ...). */
	for (k = 0; k < NR_VCPU_SECTIONS; k++) {
		const struct section_io *io = &vcpu_sections[k];

		uint32_t n;

		for (off = sizeof(h), n = 0; n < h.nr_sections; n++) {
			struct vms_section s;
			uint8_t tmp[sizeof(struct kvm_xsave)];

			memcpy(&s, p + off, sizeof(s));
			off += sizeof(s);
			if (s.type == io->type) {
				memcpy(tmp, p + off, io->size);
				if (io->type == VMS_MSRS &&
				    ((struct msr_block *)tmp)->count > NR_SAVED_MSRS)
					return errbuf_set(why, len, "vCPU %u: too many MSRs", s.vcpu);
				rc = section_set(vm->vcpus[s.vcpu].fd, io, tmp);
				if (rc)
					return errbuf_set(why, len, "vCPU %u: KVM refused %s: %s",
						    s.vcpu, io->name, strerror(-rc));
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

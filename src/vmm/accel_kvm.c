/*
 * The KVM accelerator (accel.h): a KVM VM with guest RAM as memory slot 0,
 * dirty-logged from the start; one KVM vCPU per vCPU thread, run with
 * KVM_RUN, which returns for port I/O (hypercalls) and for whatever ends
 * the guest (a triple fault: guests have no IDT); the CPL3 entry state
 * (flat segments, the GDT/TSS and page tables x86_setup.c built); and the
 * vCPU's registers as state sections (regs, sregs2, XSAVE, XCRs, MSRs,
 * events, MP state, debug registers).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "common/log.h"
#include "vmm/accel.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"
#include "vmm/vm_state.h"

#define CPUID_MAX_ENTRIES 256
#define SIG_KICK SIGUSR1

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

struct kvm_vm {
	int kvm_fd, vm_fd;
	size_t run_size;
	struct kvm_cpuid2 *cpuid;
};

struct kvm_vcpu {
	int fd;
	struct kvm_run *run;
	int exit_pending;               /* last exit needs a KVM_RUN to finish */
};

static struct kvm_vm *kvm_of(const struct vm *vm)
{
	return vm->accel_priv;
}

static struct kvm_vcpu *kvcpu_of(const struct vcpu *v)
{
	return v->accel_priv;
}

static int kvm_probe(char *why, size_t len)
{
	int fd, vm_fd;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(why, len, "cannot open /dev/kvm: %s", strerror(errno));
	vm_fd = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0) {
		errbuf_set(why, len, "KVM_CREATE_VM: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(vm_fd);
	close(fd);
	return 0;
}

static void kick_handler(int sig)
{
	(void)sig;  /* only there to make KVM_RUN return with EINTR */
}

static int kvm_vm_init(struct vm *vm, char *why, size_t len)
{
	struct sigaction sa;
	struct kvm_vm *k;
	int version, r;

	k = calloc(1, sizeof(*k));
	if (!k)
		goto nomem;
	k->kvm_fd = k->vm_fd = -1;
	vm->accel_priv = k;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_KICK, &sa, NULL) < 0) {
		errbuf_set(why, len, "sigaction: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0) {
		errbuf_set(why, len, "cannot open /dev/kvm: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	version = ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		errbuf_set(why, len, "KVM API version %d, need %d", version, KVM_API_VERSION);
		return VMM_EXIT_INTERNAL;
	}
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0) {
		errbuf_set(why, len, "KVM_CREATE_VM: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	r = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		errbuf_set(why, len, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	k->run_size = (size_t)r;
	k->cpuid = calloc(1, sizeof(*k->cpuid) +
			  CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!k->cpuid)
		goto nomem;
	k->cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(k->kvm_fd, KVM_GET_SUPPORTED_CPUID, k->cpuid) < 0) {
		errbuf_set(why, len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	return 0;
nomem:
	errbuf_set(why, len, "out of memory");
	return VMM_EXIT_INTERNAL;
}

/* Guest RAM as KVM memory slot 0, dirty-logged from the start. */
static int kvm_ram_init(struct vm *vm, char *why, size_t len)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.flags = KVM_MEM_LOG_DIRTY_PAGES,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.size,
		.userspace_addr = (uintptr_t)vm->mem.base,
	};

	if (ioctl(kvm_of(vm)->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		errbuf_set(why, len, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	return 0;
}

static void kvm_vm_fini(struct vm *vm)
{
	struct kvm_vm *k = kvm_of(vm);

	if (!k)
		return;
	free(k->cpuid);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
	free(k);
	vm->accel_priv = NULL;
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = code ? 11 : 3;   /* execute/read accessed : read/write accessed */
	s->present = 1;
	s->dpl = sel & 3;
	s->db = code ? 0 : 1;
	s->s = 1;
	s->l = code ? 1 : 0;
	s->g = 1;
}

/* The entry state: 64-bit CPL3 on x86_setup.c's GDT, TSS and page
 * tables, the registers of x86_entry_regs, a clean FPU. */
static int kvm_vcpu_boot(int fd, const struct vm *vm, unsigned index)
{
	struct x86_entry e = x86_entry_regs(&vm->lay, vm->img.entry, index);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;

	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	flat_seg(&sregs.cs, X86_SEL_UCODE, 1);
	flat_seg(&sregs.ds, X86_SEL_UDATA, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = X86_TSS_GPA;
	sregs.tr.limit = X86_TSS_LIMIT;
	sregs.tr.selector = X86_SEL_TSS;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 2;
	sregs.ldt.unusable = 1;
	sregs.gdt.base = X86_GDT_GPA;
	sregs.gdt.limit = 7 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = vm->lay.pml4;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = e.rip;
	regs.rsp = e.rsp;
	regs.rdi = e.rdi;
	regs.rsi = e.rsi;
	regs.rflags = e.rflags;
	if (ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return -errno;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = X86_FCW_INIT;
	fpu.mxcsr = X86_MXCSR_INIT;
	if (ioctl(fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

static int kvm_vcpu_init(struct vcpu *v, int boot)
{
	struct kvm_vm *k = kvm_of(v->vm);
	struct kvm_vcpu *kv;
	int rc;

	kv = calloc(1, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	kv->fd = -1;
	v->accel_priv = kv;
	kv->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->index);
	if (kv->fd < 0)
		return -errno;
	kv->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       kv->fd, 0);
	if (kv->run == MAP_FAILED) {
		rc = -errno;
		kv->run = NULL;
		return rc;
	}
	if (ioctl(kv->fd, KVM_SET_CPUID2, k->cpuid) < 0)
		return -errno;
	return boot ? kvm_vcpu_boot(kv->fd, v->vm, v->index) : 0;
}

static int kvm_vcpu_thread_init(struct vcpu *v)
{
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	return -pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
}

static int kvm_handle_exit(struct vcpu *v)
{
	struct kvm_vcpu *kv = kvcpu_of(v);
	struct kvm_run *run = kv->run;
	struct kvm_regs regs;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return hypercall_handle_io(v, run->io.port,
					   run->io.direction == KVM_EXIT_IO_OUT ?
					   HC_IO_OUT : HC_IO_IN,
					   run->io.size, run->io.count,
					   (uint8_t *)run + run->io.data_offset);
	case KVM_EXIT_SHUTDOWN:
		memset(&regs, 0, sizeof(regs));
		ioctl(kv->fd, KVM_GET_REGS, &regs);
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: triple fault (a guest exception; guests have no IDT) near rip 0x%llx rsp 0x%llx",
			    v->index, (unsigned long long)regs.rip,
			    (unsigned long long)regs.rsp);
		return -1;
	case KVM_EXIT_MMIO:
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: access to guest-physical 0x%llx outside RAM",
			    v->index, (unsigned long long)run->mmio.phys_addr);
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL,
			    "vCPU %u: KVM could not enter the guest (hardware reason 0x%llx)",
			    v->index,
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: KVM internal error, suberror %u (unemulatable instruction?)",
			    v->index, run->internal.suberror);
		return -1;
	default:
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: unexpected KVM exit %u",
			    v->index, run->exit_reason);
		return -1;
	}
}

static int kvm_vcpu_run(struct vcpu *v)
{
	struct kvm_vcpu *kv = kvcpu_of(v);
	int rc = ioctl(kv->fd, KVM_RUN, 0);

	v->exits++;
	kv->exit_pending = rc == 0 && kv->run->exit_reason == KVM_EXIT_IO;
	if (rc < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: KVM_RUN: %s",
			    v->index, strerror(errno));
		return -1;
	}
	return kvm_handle_exit(v);
}

static void kvm_vcpu_kick(struct vcpu *v)
{
	struct kvm_vcpu *kv = kvcpu_of(v);

	if (!kv || !kv->run || !v->thread_started)
		return;
	kv->run->immediate_exit = 1;
	if (!pthread_equal(v->thread, pthread_self()))
		pthread_kill(v->thread, SIG_KICK);
}

/* KVM finishes an I/O instruction (advances RIP, ...) only on the next
 * KVM_RUN. Do that now, with immediate_exit so the guest does not run, so
 * that a parked vCPU's saved state is complete. */
static void kvm_vcpu_park(struct vcpu *v)
{
	struct kvm_vcpu *kv = kvcpu_of(v);

	kv->run->immediate_exit = 0;
	if (!kv->exit_pending)
		return;
	kv->run->immediate_exit = 1;
	if (ioctl(kv->fd, KVM_RUN, 0) < 0 && errno != EINTR)
		log_warn("vCPU %u: completing the last exit: %s", v->index,
			 strerror(errno));
	kv->run->immediate_exit = 0;
	kv->exit_pending = 0;
}

/* The vCPU thread's CPU time: KVM runs the guest on it. */
static uint64_t kvm_vcpu_cpu_ns(struct vcpu *v)
{
	struct timespec ts;
	clockid_t clock;

	if (!v->thread_started || pthread_getcpuclockid(v->thread, &clock) ||
	    clock_gettime(clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void kvm_vcpu_fini(struct vcpu *v)
{
	struct kvm_vcpu *kv = kvcpu_of(v);

	if (!kv)
		return;
	if (kv->run)
		munmap(kv->run, kvm_of(v->vm)->run_size);
	if (kv->fd >= 0)
		close(kv->fd);
	free(kv);
	v->accel_priv = NULL;
}

static int kvm_dirty_fetch(struct vm *vm, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	return ioctl(kvm_of(vm)->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0 ? -errno : 0;
}

/* ---- state sections ------------------------------------------------------ */

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

/* Applied on load in this order (sregs before regs ...). */
static const struct accel_section kvm_sections[] = {
	{ VMS_SREGS2, "sregs2", sizeof(struct kvm_sregs2), 1 },
	{ VMS_XCRS, "xcrs", sizeof(struct kvm_xcrs), 0 },
	{ VMS_XSAVE, "xsave", sizeof(struct kvm_xsave), 0 },
	{ VMS_MSRS, "msrs", sizeof(struct msr_block), 0 },
	{ VMS_EVENTS, "events", sizeof(struct kvm_vcpu_events), 0 },
	{ VMS_MP_STATE, "mp_state", sizeof(struct kvm_mp_state), 0 },
	{ VMS_DEBUGREGS, "debugregs", sizeof(struct kvm_debugregs), 0 },
	{ VMS_REGS, "regs", sizeof(struct kvm_regs), 1 },
};

/* The ioctls of each section but the MSRs. */
static const unsigned long section_ioctl[][2] = {
	[VMS_REGS] = { KVM_GET_REGS, KVM_SET_REGS },
	[VMS_SREGS2] = { KVM_GET_SREGS2, KVM_SET_SREGS2 },
	[VMS_XSAVE] = { KVM_GET_XSAVE, KVM_SET_XSAVE },
	[VMS_XCRS] = { KVM_GET_XCRS, KVM_SET_XCRS },
	[VMS_EVENTS] = { KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS },
	[VMS_MP_STATE] = { KVM_GET_MP_STATE, KVM_SET_MP_STATE },
	[VMS_DEBUGREGS] = { KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS },
};

/* MSR ioctls take a count-prefixed array, and return how many they did. */
static int msrs_io(int fd, unsigned long op, struct msr_block *m)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[NR_SAVED_MSRS];
	} k;
	int n;

	if (m->count > NR_SAVED_MSRS)
		return -EINVAL;
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

static int kvm_section_get(struct vcpu *v, const struct accel_section *s, void *dst)
{
	int fd = kvcpu_of(v)->fd;

	if (s->type == VMS_MSRS)
		return vcpu_msrs_get(fd, dst);
	return ioctl(fd, section_ioctl[s->type][0], dst) < 0 ? -errno : 0;
}

static int kvm_section_set(struct vcpu *v, const struct accel_section *s,
			   const void *src)
{
	uint8_t tmp[sizeof(struct kvm_xsave)];
	int fd = kvcpu_of(v)->fd;

	/* The ioctls want writable buffers, and a blob's sections need not
	 * be aligned for them. */
	memcpy(tmp, src, s->size);
	if (s->type == VMS_MSRS)
		return msrs_io(fd, KVM_SET_MSRS, (struct msr_block *)tmp);
	return ioctl(fd, section_ioctl[s->type][1], tmp) < 0 ? -errno : 0;
}

const struct accel_ops accel_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
	.vm_init = kvm_vm_init,
	.ram_init = kvm_ram_init,
	.vm_fini = kvm_vm_fini,
	.vcpu_init = kvm_vcpu_init,
	.vcpu_thread_init = kvm_vcpu_thread_init,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_kick = kvm_vcpu_kick,
	.vcpu_park = kvm_vcpu_park,
	.vcpu_cpu_ns = kvm_vcpu_cpu_ns,
	.vcpu_fini = kvm_vcpu_fini,
	.dirty_fetch = kvm_dirty_fetch,
	.sections = kvm_sections,
	.nr_sections = sizeof(kvm_sections) / sizeof(kvm_sections[0]),
	.section_get = kvm_section_get,
	.section_set = kvm_section_set,
};

/*
 * The ptrace accelerator (accel.h): guest code runs natively in an ordinary
 * process, with no virtualisation at all. Our guests are CPL3 code on an
 * identity map (guest-virtual == guest-physical), so a process that maps
 * guest RAM at the guest-physical addresses, with the protections the
 * guest's page tables give, runs them as they are.
 *
 * Each vCPU is a dsmig-vcpu process (vcpu_stub.h) that its vCPU thread
 * starts on the vCPU's first run (by then an incoming VM's layout has
 * arrived with its state) and traces: the thread continues it and waits
 * for its next stop. A hypercall's `out` has no I/O permission in a
 * process: the #GP arrives as a SIGSEGV stop, the thread decodes the
 * instruction at rip (pio_decode.h), hands it to hypercall_handle_io as
 * KVM_EXIT_IO would, steps rip over it and continues with no signal. Any
 * other fault (SIGSEGV elsewhere, SIGILL, SIGFPE, SIGTRAP, SIGBUS) is the
 * triple fault of a guest without an IDT; a system call kills the process
 * (seccomp). A kick is SIGUSR1 to the process (through a pidfd, never a
 * recycled pid), whose stop the thread swallows.
 *
 * Registers live in the process while it runs; a parked vCPU's are
 * captured (PTRACE_GETREGS, NT_X86_XSTATE) into the vCPU's copy, which
 * the state sections read and write and which is loaded back before the
 * vCPU runs again. ptrace requests come only from the tracer, the vCPU
 * thread; other threads only ever touch that copy, under vm->lock.
 *
 * Dirty pages: every stub write-protects its writable mappings (wp_dirty.h)
 * and dirty_fetch ORs the written pages of every vCPU process.
 *
 * Post-copy: a stub started while post-copy is armed registers its
 * mappings for missing pages as well, and a forwarder thread hands its
 * faults to the VMM's own userfaultfd (pt_postcopy.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/elf.h>

#include "common/log.h"
#include "vmm/accel.h"
#include "vmm/hypercall.h"
#include "vmm/pio_decode.h"
#include "vmm/pt_postcopy.h"
#include "vmm/userfault.h"
#include "vmm/vcpu_stub.h"
#include "vmm/vm.h"
#include "vmm/vm_state.h"
#include "vmm/wp_dirty.h"

#define SIG_KICK SIGUSR1
/* Offsets in the standard XSAVE area. */
#define XS_FCW        0
#define XS_MXCSR      24
#define XS_MXCSR_MASK 28
#define XS_LEGACY_END 416     /* x87, SSE registers; sw_reserved follows */
#define XS_BV         512
#define XS_EXT        576
#define XFEATURE_X87_SSE 3ull

struct pt_vm {
	char stub[PATH_MAX];
	pthread_mutex_t lock;           /* runs, and each vCPU's pagemap_fd */
	struct vcpu_stub_run *runs;     /* NULL until the first vCPU starts */
	uint32_t nr_runs;
};

struct pt_vcpu {
	pid_t pid;                      /* 0 until started; the tracer's */
	_Atomic int pidfd;              /* -1 until started: kicks */
	int pagemap_fd;                 /* -1 until started; pt_vm lock */
	clockid_t clock;                /* the process's CPU clock */
	struct pt_fault_forwarder *fwd; /* post-copy faults; NULL outside it */
	_Atomic uint64_t cpu_ns;        /* last reading (it outlives the process) */
	/* The vCPU's registers while it is not in the process (vm->lock). */
	int pending;                    /* regs/xs must be loaded before running */
	int boot;                       /* ... and they are the entry state */
	struct user_regs_struct regs;
	struct vms_pt_xstate xs;        /* len 0: keep the process's */
};

static struct pt_vm *pt_of(const struct vm *vm)
{
	return vm->accel_priv;
}

static struct pt_vcpu *ptv_of(const struct vcpu *v)
{
	return v->accel_priv;
}

/* dsmig-vcpu sits next to the running dsmig-vmm (or the test binary's
 * build tree: $BUILD/bin). */
static int stub_path(char *out, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (snprintf(out, len, "%s/%s", self, VCPU_STUB_NAME) >= (int)len)
		return -ENAMETOOLONG;
	if (access(out, X_OK) == 0)
		return 0;
	if (snprintf(out, len, "%s/../bin/%s", self, VCPU_STUB_NAME) >= (int)len)
		return -ENAMETOOLONG;
	return access(out, X_OK) == 0 ? 0 : -ENOENT;
}

static int pt_probe(char *why, size_t len)
{
	char path[PATH_MAX];
	int fd;

	if (stub_path(path, sizeof(path)))
		return errbuf_set(why, len, "the vCPU program %s is not next to dsmig-vmm",
				  VCPU_STUB_NAME);
	fd = wp_dirty_open();
	if (fd < 0)
		return errbuf_set(why, len, "userfaultfd write-protect (asynchronous, shmem): %s",
				  fd == -ENOSYS ? "not supported by this kernel" : strerror(-fd));
	close(fd);
	return 0;
}

static int pt_vm_init(struct vm *vm, char *why, size_t len)
{
	struct pt_vm *p = calloc(1, sizeof(*p));

	if (!p) {
		errbuf_set(why, len, "out of memory");
		return VMM_EXIT_INTERNAL;
	}
	pthread_mutex_init(&p->lock, NULL);
	vm->accel_priv = p;
	if (stub_path(p->stub, sizeof(p->stub))) {
		errbuf_set(why, len, "the vCPU program %s is not next to dsmig-vmm",
			   VCPU_STUB_NAME);
		return VMM_EXIT_INTERNAL;
	}
	return 0;
}

static int pt_ram_init(struct vm *vm, char *why, size_t len)
{
	return 0;   /* each vCPU process maps it when it starts */
}

static void pt_vm_fini(struct vm *vm)
{
	struct pt_vm *p = pt_of(vm);

	if (!p)
		return;
	free(p->runs);
	pthread_mutex_destroy(&p->lock);
	free(p);
	vm->accel_priv = NULL;
}

static int pt_vcpu_init(struct vcpu *v, int boot)
{
	struct pt_vcpu *pv = calloc(1, sizeof(*pv));
	struct x86_entry e;

	if (!pv)
		return -ENOMEM;
	pv->pidfd = -1;
	pv->pagemap_fd = -1;
	v->accel_priv = pv;
	if (boot) {
		e = x86_entry_regs(&v->vm->lay, v->vm->img.entry, v->index);
		pv->regs.rip = e.rip;
		pv->regs.rsp = e.rsp;
		pv->regs.rdi = e.rdi;
		pv->regs.rsi = e.rsi;
		pv->regs.eflags = e.rflags;
		pv->pending = pv->boot = 1;
	}
	return 0;
}

/* The guest's pages as runs of one protection, from its page tables
 * (which the guest cannot write: they are supervisor-only). */
static int runs_build(struct vm *vm, struct pt_vm *p)
{
	struct vcpu_stub_run *runs = NULL;
	uint32_t n = 0, cap = 0;
	uint64_t gpa;

	for (gpa = 0; gpa < vm->mem.size; gpa += DSMIG_PAGE_SIZE) {
		int prot = x86_guest_page_prot(&vm->mem, &vm->lay, gpa);

		if (!prot)
			continue;
		if (n && runs[n - 1].prot == (uint32_t)prot &&
		    runs[n - 1].gpa + runs[n - 1].len == gpa) {
			runs[n - 1].len += DSMIG_PAGE_SIZE;
			continue;
		}
		if (n == VCPU_STUB_MAX_RUNS) {
			free(runs);
			return -E2BIG;
		}
		if (n == cap) {
			struct vcpu_stub_run *r;

			cap = cap ? cap * 2 : 64;
			r = realloc(runs, cap * sizeof(*runs));
			if (!r) {
				free(runs);
				return -ENOMEM;
			}
			runs = r;
		}
		runs[n++] = (struct vcpu_stub_run){ .gpa = gpa, .len = DSMIG_PAGE_SIZE,
						    .prot = (uint32_t)prot };
	}
	p->runs = runs;
	p->nr_runs = n;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		off += (size_t)n;
	}
	return 0;
}

/* Wait for the next stop or end of the tracee. */
static int pt_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Start the vCPU's process and take it to its int3. why[len] on failure. */
static int pt_spawn(struct vcpu *v, char *why, size_t len)
{
	struct vm *vm = v->vm;
	struct pt_vm *p = pt_of(vm);
	struct pt_vcpu *pv = ptv_of(v);
	struct vcpu_stub_hdr h = { .magic = VCPU_STUB_MAGIC, .mem_size = vm->mem.size };
	char memfd_s[16], mapfd_s[16], pagemap[64];
	char *argv[] = { (char *)VCPU_STUB_NAME, memfd_s, mapfd_s, NULL };
	int map[2], status, rc, fd;
	pid_t pid;

	pthread_mutex_lock(&p->lock);
	rc = p->runs ? 0 : runs_build(vm, p);
	pthread_mutex_unlock(&p->lock);
	if (rc)
		return errbuf_set(why, len, "guest mappings: %s", strerror(-rc));
	h.nr_runs = p->nr_runs;
	if (userfault_state(vm) == USERFAULT_ACTIVE)
		h.flags |= VCPU_STUB_POSTCOPY;
	if (pipe2(map, O_CLOEXEC) < 0)
		return errbuf_set(why, len, "pipe: %s", strerror(errno));
	snprintf(memfd_s, sizeof(memfd_s), "%d", vm->mem.fd);
	snprintf(mapfd_s, sizeof(mapfd_s), "%d", map[0]);
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls until exec. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 &&
		    fcntl(vm->mem.fd, F_SETFD, 0) == 0 && fcntl(map[0], F_SETFD, 0) == 0)
			execv(p->stub, argv);
		_exit(127);
	}
	close(map[0]);
	if (pid < 0) {
		close(map[1]);
		return errbuf_set(why, len, "fork: %s", strerror(errno));
	}
	pv->pid = pid;
	rc = write_all(map[1], &h, sizeof(h));
	if (!rc)
		rc = write_all(map[1], p->runs, p->nr_runs * sizeof(*p->runs));
	close(map[1]);
	if (rc)
		return errbuf_set(why, len, "sending the map: %s", strerror(-rc));
	/* The exec stop, then the stub's int3. */
	rc = pt_wait(pid, &status);
	if (rc || !WIFSTOPPED(status)) {
		pv->pid = rc ? pid : 0;
		return errbuf_set(why, len, "%s did not start (status 0x%x)", p->stub, status);
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_EXITKILL) < 0 ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL) < 0)
		return errbuf_set(why, len, "ptrace: %s", strerror(errno));
	rc = pt_wait(pid, &status);
	if (!rc && !WIFSTOPPED(status))
		pv->pid = 0;
	if (rc || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
		return errbuf_set(why, len, "%s failed to set up (status 0x%x; its reason is above)",
				  VCPU_STUB_NAME, status);
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errbuf_set(why, len, "pidfd_open: %s", strerror(errno));
	pv->pidfd = fd;
	if (h.flags & VCPU_STUB_POSTCOPY) {
		rc = pt_fault_forwarder_start(&pv->fwd, vm, fd, v->index);
		if (rc)
			return errbuf_set(why, len, "forwarding post-copy faults: %s", strerror(-rc));
	}
	if (clock_getcpuclockid(pid, &pv->clock))
		return errbuf_set(why, len, "CPU clock of the vCPU process: %s", strerror(errno));
	snprintf(pagemap, sizeof(pagemap), "/proc/%d/pagemap", (int)pid);
	fd = open(pagemap, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(why, len, "%s: %s", pagemap, strerror(errno));
	pthread_mutex_lock(&p->lock);
	pv->pagemap_fd = fd;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* The entry state, made of the process's own (Linux user) segment
 * selectors and a clean FPU. */
static void pt_boot_regs(struct pt_vcpu *pv, const struct user_regs_struct *now)
{
	struct user_regs_struct e = pv->regs;
	uint8_t *a = pv->xs.area;
	uint16_t fcw = X86_FCW_INIT;
	uint32_t mxcsr = X86_MXCSR_INIT;
	uint64_t bv = XFEATURE_X87_SSE;

	memset(&pv->regs, 0, sizeof(pv->regs));
	pv->regs.rip = e.rip;
	pv->regs.rsp = e.rsp;
	pv->regs.rdi = e.rdi;
	pv->regs.rsi = e.rsi;
	pv->regs.eflags = e.eflags;
	pv->regs.cs = now->cs;
	pv->regs.ss = now->ss;
	pv->regs.ds = now->ds;
	pv->regs.es = now->es;
	pv->regs.fs = now->fs;
	pv->regs.gs = now->gs;
	pv->regs.orig_rax = (unsigned long long)-1;
	if (pv->xs.len >= XS_EXT) {
		memset(a, 0, XS_MXCSR_MASK);
		memset(a + XS_MXCSR_MASK + 4, 0, XS_LEGACY_END - XS_MXCSR_MASK - 4);
		memset(a + XS_BV, 0, pv->xs.len - XS_BV);
		memcpy(a + XS_FCW, &fcw, sizeof(fcw));
		memcpy(a + XS_MXCSR, &mxcsr, sizeof(mxcsr));
		memcpy(a + XS_BV, &bv, sizeof(bv));
	}
}

static int xstate_io(pid_t pid, int set, struct vms_pt_xstate *xs)
{
	struct iovec iov = { .iov_base = xs->area,
			     .iov_len = set ? xs->len : sizeof(xs->area) };

	if (ptrace(set ? PTRACE_SETREGSET : PTRACE_GETREGSET, pid,
		   (void *)(long)NT_X86_XSTATE, &iov) < 0)
		return -errno;
	if (!set) {
		xs->len = (uint32_t)iov.iov_len;
		memset(xs->area + xs->len, 0, sizeof(xs->area) - xs->len);
	}
	return 0;
}

/* Complete a booting vCPU's entry state from its new process. */
static int pt_boot_resolve(struct pt_vcpu *pv)
{
	struct user_regs_struct now;
	int rc;

	if (ptrace(PTRACE_GETREGS, pv->pid, NULL, &now) < 0)
		return -errno;
	rc = xstate_io(pv->pid, 0, &pv->xs);
	if (rc)
		return rc;
	pt_boot_regs(pv, &now);
	pv->boot = 0;
	return 0;
}

/* Load the vCPU's copy of its registers into the process (vm->lock). */
static int pt_load_regs(struct vcpu *v)
{
	struct pt_vcpu *pv = ptv_of(v);
	int rc;

	if (pv->boot) {
		rc = pt_boot_resolve(pv);
		if (rc)
			return rc;
	}
	if (ptrace(PTRACE_SETREGS, pv->pid, NULL, &pv->regs) < 0)
		return -errno;
	if (pv->xs.len) {
		rc = xstate_io(pv->pid, 1, &pv->xs);
		if (rc)
			return rc;
	}
	pv->pending = 0;
	return 0;
}

static const char *fault_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "page fault or general protection";
	case SIGILL: return "invalid opcode";
	case SIGFPE: return "divide or floating-point error";
	case SIGTRAP: return "breakpoint or debug trap";
	case SIGBUS: return "bus error";
	default: return strsignal(sig);
	}
}

static int pt_fault(struct vcpu *v, int sig, const siginfo_t *si,
		    const struct user_regs_struct *r)
{
	if (sig == SIGSEGV && si->si_code != SI_KERNEL)
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: triple fault (a guest exception; guests have no IDT): page fault at 0x%llx near rip 0x%llx rsp 0x%llx",
			    v->index, (unsigned long long)(uintptr_t)si->si_addr,
			    (unsigned long long)r->rip, (unsigned long long)r->rsp);
	else
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: triple fault (a guest exception; guests have no IDT): %s near rip 0x%llx rsp 0x%llx",
			    v->index, fault_name(sig), (unsigned long long)r->rip,
			    (unsigned long long)r->rsp);
	return -1;
}

/* A fault stop: a hypercall's `out`, or the guest's end. */
static int pt_handle_fault(struct vcpu *v, int sig)
{
	struct pt_vcpu *pv = ptv_of(v);
	struct user_regs_struct r;
	struct pio_insn insn;
	const uint8_t *code;
	uint64_t avail;
	siginfo_t si;
	uint32_t eax;
	uint16_t port;
	int rc;

	if (ptrace(PTRACE_GETREGS, pv->pid, NULL, &r) < 0 ||
	    ptrace(PTRACE_GETSIGINFO, pv->pid, NULL, &si) < 0) {
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: ptrace: %s", v->index,
			    strerror(errno));
		return -1;
	}
	if (si.si_code == SI_USER || si.si_code == SI_TKILL || si.si_code == SI_QUEUE)
		return 0;   /* sent by someone, not raised by the guest: ignored */
	avail = r.rip < v->vm->mem.size ? v->vm->mem.size - r.rip : 0;
	code = gmem_ptr(&v->vm->mem, r.rip, avail < PIO_INSN_MAX ? avail : PIO_INSN_MAX);
	if (sig != SIGSEGV || si.si_code != SI_KERNEL || !avail || !code ||
	    pio_decode(code, avail < PIO_INSN_MAX ? avail : PIO_INSN_MAX, &insn))
		return pt_fault(v, sig, &si, &r);
	if (insn.string) {
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: string I/O (ins/outs) near rip 0x%llx is not a hypercall: use a single 32-bit out",
			    v->index, (unsigned long long)r.rip);
		return -1;
	}
	port = insn.port_in_dx ? (uint16_t)r.rdx : insn.imm;
	eax = (uint32_t)r.rax;
	rc = hypercall_handle_io(v, port, insn.out ? HC_IO_OUT : HC_IO_IN,
				 (uint8_t)insn.size, 1, &eax);
	if (rc)
		return rc;
	r.rip += insn.len;
	if (ptrace(PTRACE_SETREGS, pv->pid, NULL, &r) < 0) {
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: ptrace: %s", v->index,
			    strerror(errno));
		return -1;
	}
	return 0;
}

/* The process is gone: the guest made a system call, or somebody killed
 * it. */
static int pt_ended(struct vcpu *v, int status)
{
	struct pt_vm *p = pt_of(v->vm);
	struct pt_vcpu *pv = ptv_of(v);

	pthread_mutex_lock(&p->lock);
	if (pv->pagemap_fd >= 0)
		close(pv->pagemap_fd);
	pv->pagemap_fd = -1;
	pthread_mutex_unlock(&p->lock);
	pv->pid = 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		vm_shutdown(v->vm, VMM_EXIT_GUEST_FAULT,
			    "guest fault: vCPU %u: the guest made a system call (not a hypercall; its vCPU process was killed)",
			    v->index);
	else
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL,
			    "vCPU %u: its process ended (%s %d)", v->index,
			    WIFSIGNALED(status) ? "signal" : "exit status",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return -1;
}

/* A booting vCPU starts its process at once, so that it parks (the VM
 * is created, or paused before it ever ran) with its whole entry state;
 * an incoming one on its first run, once its layout has come with the
 * state. */
static int pt_vcpu_thread_init(struct vcpu *v)
{
	char why[512];

	if (ptv_of(v)->boot && pt_spawn(v, why, sizeof(why))) {
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: %s", v->index, why);
		return -EIO;
	}
	return 0;
}

static int pt_vcpu_run(struct vcpu *v)
{
	struct pt_vcpu *pv = ptv_of(v);
	char why[512];
	int status, sig, rc = 0;

	if (!pv->pid && pt_spawn(v, why, sizeof(why))) {
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: %s", v->index, why);
		return -1;
	}
	pthread_mutex_lock(&v->vm->lock);
	/* A kick sent before the process existed reached nobody: a pause
	 * or stop asked for since vcpu_wait_runnable() is seen here, under
	 * the lock kicks are sent under; one asked for later finds the
	 * process and stops it right after PTRACE_CONT. */
	if (v->vm->state != VM_RUNNING) {
		pthread_mutex_unlock(&v->vm->lock);
		return 0;
	}
	if (pv->pending)
		rc = pt_load_regs(v);
	pthread_mutex_unlock(&v->vm->lock);
	if (rc) {
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: loading registers: %s",
			    v->index, strerror(-rc));
		return -1;
	}
	if (ptrace(PTRACE_CONT, pv->pid, NULL, NULL) < 0 || pt_wait(pv->pid, &status)) {
		vm_shutdown(v->vm, VMM_EXIT_INTERNAL, "vCPU %u: ptrace: %s", v->index,
			    strerror(errno));
		return -1;
	}
	v->exits++;
	if (!WIFSTOPPED(status))
		return pt_ended(v, status);
	sig = WSTOPSIG(status);
	if (sig == SIGSEGV || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
	    sig == SIGBUS)
		return pt_handle_fault(v, sig);
	return 0;   /* a kick, or a signal from outside: not delivered */
}

static void pt_vcpu_kick(struct vcpu *v)
{
	struct pt_vcpu *pv = ptv_of(v);
	int fd = pv ? pv->pidfd : -1;

	if (fd >= 0)
		syscall(SYS_pidfd_send_signal, fd, SIG_KICK, NULL, 0);
}

/* Capture the registers of a vCPU that leaves the guest for a while (of
 * a booting one, complete its entry state). */
static void pt_vcpu_park(struct vcpu *v)
{
	struct pt_vcpu *pv = ptv_of(v);
	int rc;

	if (pv->pid && pv->boot) {
		rc = pt_boot_resolve(pv);
		if (rc)
			log_warn("vCPU %u: reading registers: %s", v->index, strerror(-rc));
		return;
	}
	if (!pv->pid || pv->pending)
		return;
	if (ptrace(PTRACE_GETREGS, pv->pid, NULL, &pv->regs) < 0) {
		log_warn("vCPU %u: reading registers: %s", v->index, strerror(errno));
		return;
	}
	rc = xstate_io(pv->pid, 0, &pv->xs);
	if (rc)
		log_warn("vCPU %u: reading the XSAVE area: %s", v->index, strerror(-rc));
	pv->pending = 1;
}

static uint64_t pt_vcpu_cpu_ns(struct vcpu *v)
{
	struct pt_vcpu *pv = ptv_of(v);
	struct timespec ts;
	uint64_t ns;

	if (!pv || pv->pidfd < 0 || clock_gettime(pv->clock, &ts) < 0)
		return pv ? pv->cpu_ns : 0;
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (ns > pv->cpu_ns)
		pv->cpu_ns = ns;
	return pv->cpu_ns;
}

static void pt_vcpu_fini(struct vcpu *v)
{
	struct pt_vcpu *pv = ptv_of(v);
	int status;

	if (!pv)
		return;
	if (pv->pidfd >= 0)
		close(pv->pidfd);
	/* Not reaped yet, so the pid is still ours; its tracer (the vCPU
	 * thread) has gone, which killed it already (PTRACE_O_EXITKILL). */
	if (pv->pid > 0) {
		kill(pv->pid, SIGKILL);
		while (waitpid(pv->pid, &status, __WALL) < 0 && errno == EINTR)
			;
	}
	pt_fault_forwarder_stop(pv->fwd);
	if (pv->pagemap_fd >= 0)
		close(pv->pagemap_fd);
	free(pv);
	v->accel_priv = NULL;
}

static int pt_dirty_fetch(struct vm *vm, uint64_t *bitmap)
{
	struct pt_vm *p = pt_of(vm);
	unsigned i;
	uint32_t r;
	int64_t n = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < vm->nr_vcpus && n >= 0; i++) {
		struct pt_vcpu *pv = ptv_of(&vm->vcpus[i]);

		if (!pv || pv->pagemap_fd < 0)
			continue;
		for (r = 0; r < p->nr_runs && n >= 0; r++)
			if (p->runs[r].prot & X86_PAGE_WRITE)
				n = wp_dirty_scan(pv->pagemap_fd, p->runs[r].gpa,
						  p->runs[r].gpa + p->runs[r].len,
						  p->runs[r].gpa / DSMIG_PAGE_SIZE, bitmap);
	}
	pthread_mutex_unlock(&p->lock);
	return n < 0 ? (int)n : 0;
}

static const struct accel_section pt_sections[] = {
	{ VMS_PT_XSTATE, "xstate", sizeof(struct vms_pt_xstate), 0 },
	{ VMS_PT_REGS, "regs", sizeof(struct user_regs_struct), 1 },
};

/* Sections read and write the vCPU's copy: a paused vCPU parked with its
 * registers captured, an incoming one has not run. */
static int pt_section_get(struct vcpu *v, const struct accel_section *s, void *dst)
{
	struct pt_vcpu *pv = ptv_of(v);

	if (pv->boot)
		return -EAGAIN;   /* never ran: nothing worth saving yet */
	if (s->type == VMS_PT_REGS)
		memcpy(dst, &pv->regs, sizeof(pv->regs));
	else
		memcpy(dst, &pv->xs, sizeof(pv->xs));
	return 0;
}

static int pt_section_set(struct vcpu *v, const struct accel_section *s,
			  const void *src)
{
	struct pt_vcpu *pv = ptv_of(v);
	struct vms_pt_xstate xs;

	if (s->type == VMS_PT_REGS) {
		memcpy(&pv->regs, src, sizeof(pv->regs));
	} else {
		memcpy(&xs, src, sizeof(xs));
		if (xs.len > sizeof(xs.area))
			return -EINVAL;
		pv->xs = xs;
	}
	pv->pending = 1;
	pv->boot = 0;
	return 0;
}

const struct accel_ops accel_ptrace = {
	.name = "ptrace",
	.probe = pt_probe,
	.vm_init = pt_vm_init,
	.ram_init = pt_ram_init,
	.vm_fini = pt_vm_fini,
	.vcpu_init = pt_vcpu_init,
	.vcpu_thread_init = pt_vcpu_thread_init,
	.vcpu_run = pt_vcpu_run,
	.vcpu_kick = pt_vcpu_kick,
	.vcpu_park = pt_vcpu_park,
	.vcpu_cpu_ns = pt_vcpu_cpu_ns,
	.vcpu_fini = pt_vcpu_fini,
	.dirty_fetch = pt_dirty_fetch,
	.sections = pt_sections,
	.nr_sections = sizeof(pt_sections) / sizeof(pt_sections[0]),
	.section_get = pt_section_get,
	.section_set = pt_section_set,
};

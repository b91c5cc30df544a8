/*
 * Fuzzing the hypercall dispatcher (src/vmm/hypercall.c) without KVM: a
 * struct vm with only what the dispatcher touches (4 MiB of guest RAM in
 * a memfd, its page tables, the dirty log, a console without a
 * descriptor) and one vCPU that never runs. The bytes are what a hostile
 * guest controls: a count n (first byte, 1..16), n calls of 8 bytes (the
 * port's offset from DSMIG_HC_PORT_BASE - 8, flags, 2 unused bytes, the
 * little-endian GPA of the argument block), then up to a page of data
 * placed at the start of the guest's heap. Flags: bit 0 an IN instead of
 * an OUT, bit 1 a 16-bit access, bit 2 a count of 2, bit 3 the GPA is an
 * offset into that data page.
 *
 * The VM is paused, as far as SLEEP knows, so that a guest's deadline
 * does not make the harness sleep; the deadline arithmetic still runs.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "dsmig_abi.h"
#include "fuzz.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"

#define RAM (4u << 20)
#define MAX_CALLS 16

static struct vm vm;
static uint64_t data_gpa;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct elf_image img = {
		.entry = DSMIG_IMAGE_BASE, .end = DSMIG_IMAGE_BASE + 4096,
		.nr_segments = 1, .seg = { { DSMIG_IMAGE_BASE, 4096, 0 } },
	};
	char why[256];
	int rc = gmem_create(&vm.mem, RAM, "fuzz-hc");

	if (rc) {
		errno = -rc;
		fuzz_die("gmem_create");
	}
	if (x86_build_tables(&vm.mem, &img, 1, &vm.lay, why, sizeof(why))) {
		fprintf(stderr, "x86_build_tables: %s\n", why);
		abort();
	}
	if (dirty_log_init(&vm.dirty, RAM / DSMIG_PAGE_SIZE, NULL, NULL))
		fuzz_die("dirty_log_init");
	pthread_mutex_init(&vm.lock, NULL);
	pthread_mutex_init(&vm.event_lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	if (console_init(&vm.console, -1))
		fuzz_die("console_init");
	vm.vcpus[0].vm = &vm;
	vm.accel = &accel_kvm;    /* no accelerator VM or vCPU: kicks do nothing */
	/* A guest clock that started with this process, as vm_create() sets. */
	vm.clock_offset_ns = -(int64_t)time_mono_ns();
	data_gpa = vm.lay.heap_start;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *page = gmem_ptr(&vm.mem, data_gpa, DSMIG_PAGE_SIZE);
	size_t n, i, off;
	uint32_t gpa;

	if (size < 1)
		return 0;
	n = (size_t)(data[0] % MAX_CALLS) + 1;
	off = 1 + n * 8;
	if (size < off)
		return 0;
	memset(page, 0, DSMIG_PAGE_SIZE);
	memcpy(page, data + off, size - off < DSMIG_PAGE_SIZE ? size - off : DSMIG_PAGE_SIZE);
	vm.state = VM_PAUSED;
	vm.counters_gpa = 0;
	for (i = 0; i < n; i++) {
		const uint8_t *call = data + 1 + i * 8;
		uint8_t flags = call[1];

		memcpy(&gpa, call + 4, sizeof(gpa));
		if (flags & 8)
			gpa = (uint32_t)(data_gpa + gpa % DSMIG_PAGE_SIZE);
		if (hypercall_handle_io(&vm.vcpus[0], DSMIG_HC_PORT_BASE - 8 + call[0],
					flags & 1 ? HC_IO_IN : HC_IO_OUT,
					flags & 2 ? 2 : 4, flags & 4 ? 2 : 1, &gpa))
			break;
	}
	return 0;
}

/* Unit tests: the VM state loader refuses every malformed blob before it
 * touches a vCPU, and the dirty log records the VMM's own writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>
#include <linux/kvm.h>
#include <cmocka.h>

#include "vmm/dirty_log.h"
#include "vmm/vm_state.h"

static struct vm vm;
static char why[256];

/* A blob with a header for this VM and the given sections (type, vcpu,
 * len); section data is zero. */
static size_t make_blob(uint8_t *buf, const uint32_t (*secs)[3], unsigned n)
{
	struct vms_header h = { .version = VM_STATE_VERSION, .nr_vcpus = 1,
				.mem_size = 16u << 20, .nr_sections = n,
				.abi_version = DSMIG_ABI_VERSION };
	size_t off = sizeof(h);
	unsigned i;

	memcpy(h.magic, VM_STATE_MAGIC, 8);
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < n; i++) {
		struct vms_section s = { .type = secs[i][0], .vcpu = secs[i][1],
					 .len = secs[i][2] };

		memcpy(buf + off, &s, sizeof(s));
		off += sizeof(s);
		memset(buf + off, 0, (s.len + 7) & ~7ull);
		off += (s.len + 7) & ~7ull;
	}
	return off;
}

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	vm.nr_vcpus = 1;
	vm.mem.size = 16u << 20;
	vm.accel = &accel_kvm;  /* no KVM vCPU: loads must stop before using one */
	pthread_mutex_init(&vm.lock, NULL);
	return 0;
}

static void expect(const void *blob, size_t len, const char *words)
{
	assert_int_equal(vm_state_load(&vm, blob, len, why, sizeof(why)), -1);
	if (!strstr(why, words))
		fail_msg("'%s' does not mention '%s'", why, words);
}

static void test_header_checks(void **state)
{
	static uint8_t buf[65536];
	struct vms_header *h = (struct vms_header *)buf;
	size_t len = make_blob(buf, NULL, 0);

	expect(buf, 10, "truncated");
	h->magic[0] = 'X';
	expect(buf, len, "not a dsmig VM state");
	make_blob(buf, NULL, 0);
	h->version = VM_STATE_VERSION + 1;
	expect(buf, len, "this VMM reads");
	make_blob(buf, NULL, 0);
	h->nr_vcpus = 2;
	expect(buf, len, "2 vCPUs");
	make_blob(buf, NULL, 0);
	h->mem_size = 1u << 30;
	expect(buf, len, "bytes of RAM");
	make_blob(buf, NULL, 0);
	h->abi_version = 7;
	expect(buf, len, "guest ABI 7");
}

static void test_section_checks(void **state)
{
	static uint8_t buf[65536];
	const uint32_t dev = sizeof(struct vms_device);
	const uint32_t bad_type[][3] = { { 99, 0, 8 } };
	const uint32_t bad_vcpu[][3] = { { VMS_REGS, 3, sizeof(struct kvm_regs) } };
	const uint32_t bad_size[][3] = { { VMS_REGS, 0, 8 } };
	const uint32_t dup[][3] = { { VMS_REGS, 0, sizeof(struct kvm_regs) },
				    { VMS_REGS, 0, sizeof(struct kvm_regs) } };
	const uint32_t no_dev[][3] = { { VMS_REGS, 0, sizeof(struct kvm_regs) } };
	const uint32_t no_regs[][3] = { { VMS_DEVICE, 0, dev } };
	size_t len;

	expect(buf, make_blob(buf, bad_type, 1), "bad type");
	expect(buf, make_blob(buf, bad_vcpu, 1), "bad type 2, vCPU 3");
	expect(buf, make_blob(buf, bad_size, 1), "or size");
	expect(buf, make_blob(buf, dup, 2), "duplicate");
	expect(buf, make_blob(buf, no_dev, 1), "no device section");
	expect(buf, make_blob(buf, no_regs, 1), "registers missing");
	/* A section length running past the end of the blob. */
	len = make_blob(buf, no_regs, 1);
	((struct vms_section *)(buf + sizeof(struct vms_header)))->len = 1ull << 40;
	expect(buf, len, "beyond the blob");
	/* More sections announced than present. */
	len = make_blob(buf, no_regs, 1);
	((struct vms_header *)buf)->nr_sections = 5;
	expect(buf, len, "truncated header");
}

/* A blob of one accelerator never loads into a VM of the other. */
static void test_other_accelerator_refused(void **state)
{
	static uint8_t buf[65536];
	const uint32_t pt[][3] = {
		{ VMS_DEVICE, 0, sizeof(struct vms_device) },
		{ VMS_PT_REGS, 0, sizeof(struct user_regs_struct) },
	};
	const uint32_t kvm[][3] = {
		{ VMS_DEVICE, 0, sizeof(struct vms_device) },
		{ VMS_REGS, 0, sizeof(struct kvm_regs) },
	};

	expect(buf, make_blob(buf, pt, 2), "saved by the ptrace accelerator and this VMM runs kvm");
	vm.accel = &accel_ptrace;
	expect(buf, make_blob(buf, kvm, 2), "saved by the kvm accelerator and this VMM runs ptrace");
	vm.accel = &accel_kvm;
}

static void test_device_layout_checked(void **state)
{
	static uint8_t buf[65536];
	const uint32_t secs[][3] = {
		{ VMS_DEVICE, 0, sizeof(struct vms_device) },
		{ VMS_REGS, 0, sizeof(struct kvm_regs) },
		{ VMS_SREGS2, 0, sizeof(struct kvm_sregs2) },
	};
	size_t len = make_blob(buf, secs, 3);
	struct vms_device *d = (struct vms_device *)(buf + sizeof(struct vms_header) +
						     sizeof(struct vms_section));

	d->pt_start = 0x100000;
	d->pt_end = 64u << 20;    /* beyond the 16 MiB of RAM */
	d->pml4 = 0x100000;
	expect(buf, len, "layout outside RAM");
	d->pt_end = 0x200000;
	d->counters_gpa = (16u << 20) - 8;
	expect(buf, len, "counter block outside RAM");
	d->counters_gpa = 0;
	/* A clock reading due in a block that is no TIME or SLEEP block. */
	d->clock_due_nr[0] = DSMIG_HC_PUTS;
	d->clock_due_gpa[0] = 0x200000;
	expect(buf, len, "clock block");
	d->clock_due_nr[0] = DSMIG_HC_SLEEP;
	d->clock_due_gpa[0] = 16u << 20;
	expect(buf, len, "clock block");
	d->clock_due_gpa[0] = 0x200004;
	expect(buf, len, "clock block");
}

static void test_dirty_mark(void **state)
{
	struct dirty_log d;

	assert_int_equal(dirty_log_init(&d, 256, NULL, NULL), 0);
	dirty_log_mark(&d, 4096 * 3 + 100, 8);          /* one page */
	dirty_log_mark(&d, 4096 * 10 - 4, 8);            /* straddles 9 and 10 */
	dirty_log_mark(&d, 4096 * 255, 1u << 20);        /* clipped at the end */
	dirty_log_mark(&d, 0, 0);                        /* nothing */
	assert_int_equal(bitmap_weight(d.acc[DIRTY_MIGRATION], d.nr_words), 4);
	assert_int_equal(bitmap_weight(d.acc[DIRTY_STATS], d.nr_words), 4);
	assert_true(d.acc[DIRTY_MIGRATION][0] & (1ull << 3));
	assert_true(d.acc[DIRTY_MIGRATION][0] & (1ull << 9));
	assert_true(d.acc[DIRTY_MIGRATION][0] & (1ull << 10));
	assert_true(d.acc[DIRTY_MIGRATION][3] & (1ull << 63));
	dirty_log_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_section_checks),
		cmocka_unit_test(test_other_accelerator_refused),
		cmocka_unit_test(test_device_layout_checked),
		cmocka_unit_test(test_dirty_mark),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

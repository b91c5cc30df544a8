/*
 * Unit tests: what the VMM does on a guest's behalf, on a VM without an
 * accelerator (guest RAM, the machine's page tables, the run state; no
 * vCPU threads). Hypercalls go through the real dispatcher
 * (hypercall_handle_io) as an accelerator would deliver them: they may
 * only touch memory the guest itself may touch, survive hostile values, and a guest's strings and
 * console output can neither break the VMM's replies nor block a vCPU,
 * a state path cannot block the control thread, and one client's
 * migration locks out everyone else's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "vmm/commands.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"
#include "vmm/x86_setup.h"

#define RAM (16u << 20)
#define TEXT DSMIG_IMAGE_BASE                 /* one read-only page */
#define DATA (DSMIG_IMAGE_BASE + 4096)        /* two writable pages */

static struct vm vm;

static int setup(void **state)
{
	struct elf_image img = { .entry = TEXT, .end = TEXT + 3 * 4096, .nr_segments = 2 };
	char why[256];

	memset(&vm, 0, sizeof(vm));
	img.seg[0] = (struct elf_segment){ TEXT, 4096, 0 };
	img.seg[1] = (struct elf_segment){ DATA, 8192, 1 };
	pthread_mutex_init(&vm.lock, NULL);
	pthread_mutex_init(&vm.event_lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	vm.uffd = -1;
	vm.nr_vcpus = 1;
	vm.vcpus[0].vm = &vm;
	vm.accel = &accel_kvm;    /* no accelerator VM: kicks do nothing */
	vm.state = VM_RUNNING;
	if (gmem_create(&vm.mem, RAM, "vm-guest-test") ||
	    x86_build_tables(&vm.mem, &img, 1, &vm.lay, why, sizeof(why)) ||
	    dirty_log_init(&vm.dirty, RAM / 4096, NULL, NULL) ||
	    console_init(&vm.console, -1))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	console_fini(&vm.console);
	dirty_log_fini(&vm.dirty);
	gmem_destroy(&vm.mem);
	pthread_cond_destroy(&vm.cond);
	pthread_mutex_destroy(&vm.event_lock);
	pthread_mutex_destroy(&vm.lock);
	return 0;
}

/* The guest's `outl(DSMIG_HC_PORT_BASE + nr, gpa)`. */
static int hypercall(unsigned nr, uint32_t gpa)
{
	return hypercall_handle_io(&vm.vcpus[0], (uint16_t)(DSMIG_HC_PORT_BASE + nr),
				   HC_IO_OUT, 4, 1, &gpa);
}

static void *gpa_ptr(uint64_t gpa, size_t len)
{
	void *p = gmem_ptr(&vm.mem, gpa, len);

	assert_non_null(p);
	return p;
}

static void assert_guest_fault(const char *words)
{
	assert_int_equal(vm.state, VM_SHUTDOWN);
	assert_int_equal(vm.exit_status, VMM_EXIT_GUEST_FAULT);
	if (!strstr(vm.exit_reason, words))
		fail_msg("reason \"%s\" lacks \"%s\"", vm.exit_reason, words);
}

static void test_time_lands_only_where_the_guest_may_write(void **state)
{
	static const uint64_t refused[] = {
		0,                                      /* the NULL page */
		TEXT,                                   /* read-only text */
		DSMIG_BOOT_INFO_GPA,                    /* read-only boot info */
		RAM - DSMIG_STACK_SIZE,                 /* stack guard page */
	};
	uint8_t before[64];
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		vm.state = VM_RUNNING;
		memcpy(before, gpa_ptr(refused[i], 64), 64);
		assert_int_equal(hypercall(DSMIG_HC_TIME, (uint32_t)refused[i]), -1);
		assert_guest_fault("protected");
		assert_memory_equal(gpa_ptr(refused[i], 64), before, 64);
	}
	vm.state = VM_RUNNING;
	assert_int_equal(hypercall(DSMIG_HC_TIME, DATA), 0);
	assert_int_equal(vm.state, VM_RUNNING);
	assert_true(((struct dsmig_hc_time *)gpa_ptr(DATA, 16))->wall_ns > 0);
}

static void test_block_straddling_into_read_only_refused(void **state)
{
	/* The last 8 bytes of writable data, then the heap: fine; the last
	 * 8 bytes of text then data: refused. */
	assert_int_equal(hypercall(DSMIG_HC_TIME, DATA + 8192 - 8), 0);
	assert_int_equal(hypercall(DSMIG_HC_TIME, DATA - 8), -1);
	assert_guest_fault("protected");
}

static void test_puts_cannot_read_page_tables(void **state)
{
	struct dsmig_hc_puts *a = gpa_ptr(DATA, sizeof(*a));
	char text[VM_CONSOLE_RING + 1];
	uint64_t total;

	a->data = vm.lay.pt_start;
	a->len = 64;
	assert_int_equal(hypercall(DSMIG_HC_PUTS, DATA), -1);
	assert_guest_fault("may not read");
	assert_int_equal(console_tail(&vm.console, text, &total), 0);
	assert_int_equal(total, 0);
}

static void test_sleep_extreme_deadlines(void **state)
{
	static const uint64_t deadlines[] = { UINT64_MAX, (uint64_t)INT64_MAX,
					      (uint64_t)INT64_MAX - 1, 0 };
	struct dsmig_hc_sleep *a = gpa_ptr(DATA, sizeof(*a));
	size_t i;

	/* A paused VM wakes every sleeper at once; what matters is that the
	 * deadline arithmetic is defined (UBSan) and the call completes. */
	vm.clock_offset_ns = -(int64_t)(1ull << 40);
	for (i = 0; i < sizeof(deadlines) / sizeof(deadlines[0]); i++) {
		vm.state = VM_PAUSED;
		a->deadline_ns = deadlines[i];
		a->now_ns = 0;
		assert_int_equal(hypercall(DSMIG_HC_SLEEP, DATA), 0);
		assert_true(a->now_ns > 0);
	}
}

static void test_counters_name_bytes_made_safe(void **state)
{
	struct dsmig_hc_counters *arg = gpa_ptr(DATA, sizeof(*arg));
	struct dsmig_counters *c = gpa_ptr(vm.lay.heap_start, sizeof(*c));
	struct dsmig_counters out;
	json_t *s;

	c->magic = DSMIG_COUNTERS_MAGIC;
	memset(c->workload, 0xff, sizeof(c->workload));   /* no NUL, not UTF-8 */
	memcpy(c->workload, "kv\xc3(\x1b[2J", 8);
	arg->counters = vm.lay.heap_start;
	assert_int_equal(hypercall(DSMIG_HC_COUNTERS, DATA), 0);
	assert_int_equal(vm_read_counters(&vm, &out), 0);
	assert_non_null(memchr(out.workload, '\0', sizeof(out.workload)));
	assert_null(strchr(out.workload, '\x1b'));
	assert_int_equal(strncmp(out.workload, "kv?(?[2J", 8), 0);
	s = json_string(out.workload);     /* NULL for invalid UTF-8 */
	assert_non_null(s);
	json_decref(s);
}

static void test_counters_in_guard_page_refused(void **state)
{
	struct dsmig_hc_counters *arg = gpa_ptr(DATA, sizeof(*arg));

	arg->counters = RAM - DSMIG_STACK_SIZE;
	assert_int_equal(hypercall(DSMIG_HC_COUNTERS, DATA), -1);
	assert_guest_fault("may not read");
	assert_int_equal(vm.counters_gpa, 0);
}

/* A console whose reader never reads: the guest's writes return, the
 * excess is counted, and the console shuts down anyway. */
static void test_console_never_blocks(void **state)
{
	struct vm_console con;
	char line[DSMIG_PUTS_MAX];
	int p[2], i;

	memset(line, 'x', sizeof(line));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(console_init(&con, p[1]), 0);
	/* 4x the burst, far more than the pipe holds. */
	for (i = 0; i < 4 * CONSOLE_BURST / (int)sizeof(line); i++)
		console_write(&con, line, sizeof(line));
	assert_true(console_dropped(&con) >= 2 * CONSOLE_BURST);
	console_fini(&con);   /* closes p[1] */
	close(p[0]);
}

static void test_console_keeps_order_and_cleans(void **state)
{
	struct vm_console con;
	char out[VM_CONSOLE_RING + 1];
	uint64_t total;
	int p[2];
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(console_init(&con, p[1]), 0);
	console_write(&con, "one\n", 4);
	console_write(&con, "t\x1bwo\n", 5);
	n = read(p[0], out, 4);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "one\n", 4);
	n = read(p[0], out, 5);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "t.wo\n", 5);
	assert_int_equal(console_tail(&con, out, &total), 9);
	assert_int_equal(total, 9);
	assert_int_equal(console_dropped(&con), 0);
	console_fini(&con);
	close(p[0]);
}

/* Run control command name as client conn_id: the handler's return. */
static int command(const char *name, unsigned conn_id, struct ctl_error *err)
{
	struct ctl_request req = { .opaque = &vm, .reply_fd = -1, .conn_id = conn_id };
	/* A path, for save-state; the other commands take no arguments. */
	json_t *args = json_pack("{ss}", "path", "/nonexistent/state"), *ret = NULL;
	size_t i;
	int rc = -2;

	for (i = 0; i < vmm_nr_commands; i++)
		if (!strcmp(vmm_commands[i].name, name))
			rc = vmm_commands[i].fn(&req, args, &ret, err);
	json_decref(args);
	json_decref(ret);
	assert_int_not_equal(rc, -2);
	return rc;
}

/* One migration at a time: while client 1 owns the VM's migration, client
 * 2 can neither start another nor pause, resume, sync or save; once 1 is
 * gone, 2 may. */
static void test_one_migration_at_a_time(void **state)
{
	static const char *const refused[] = { "dirty-log-start", "dirty-sync",
					       "pause", "resume", "save-state" };
	struct ctl_error err;
	unsigned owner;
	size_t i;

	assert_int_equal(vm_migration_claim(&vm, 1, &owner), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(command(refused[i], 2, &err), -1);
		assert_string_equal(err.class, CTL_ERR_STATE);
		if (!strstr(err.desc, "client 1"))
			fail_msg("%s: \"%s\" does not name the owner", refused[i], err.desc);
	}
	assert_int_equal(vm.state, VM_RUNNING);
	/* The owner may; a paused VM resumes. */
	vm.state = VM_PAUSED;
	assert_int_equal(command("resume", 1, &err), 0);
	assert_int_equal(vm.state, VM_RUNNING);
	/* The owner disconnects: the next client may start a migration. */
	vm_migration_release(&vm, 2);           /* not the owner: no effect */
	assert_int_equal(vm_migration_claim(&vm, 2, &owner), -EBUSY);
	assert_int_equal(owner, 1);
	vm_migration_release(&vm, 1);
	assert_int_equal(vm_migration_claim(&vm, 2, &owner), 0);
	assert_int_equal(vm.migration_conn, 2);
}

/* save-state only from a paused VM: an incoming one has no state of its
 * own to give (it answered with one before). */
static void test_save_state_needs_paused(void **state)
{
	static const enum vm_state refused[] = { VM_INCOMING, VM_RUNNING, VM_CREATED };
	struct ctl_error err;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		vm.state = refused[i];
		memset(&err, 0, sizeof(err));
		assert_int_equal(command("save-state", 1, &err), -1);
		assert_string_equal(err.class, CTL_ERR_STATE);
		assert_non_null(strstr(err.desc, "must be paused"));
	}
}

/* load-state's path is read with file_read_all: a FIFO nobody writes
 * is refused at once instead of blocking the control thread in open(). */
static void test_state_path_fifo_refused(void **state)
{
	char dir[] = "/tmp/dsmig-fifo-XXXXXX", path[64];
	size_t len;
	void *buf;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(file_read_all(path, 1 << 20, &buf, &len), -EINVAL);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A park after TIME (the pause's kick may stop the vCPU before the guest
 * has read the block, or after): the reading is taken again while the
 * block still holds what the VMM wrote, not once the guest has reused the
 * memory, and not after the guest's next hypercall. */
static void test_clock_retaken_after_a_park(void **state)
{
	struct dsmig_hc_time *t = gpa_ptr(DATA, sizeof(*t));
	struct dsmig_hc_sleep *s = gpa_ptr(DATA + 64, sizeof(*s));
	uint64_t first;

	vm.state = VM_RUNNING;
	assert_int_equal(hypercall(DSMIG_HC_TIME, DATA), 0);
	first = t->monotonic_ns;
	vm.clock_offset_ns += 500000000;          /* half a second in a pause */
	hypercall_clock_retake(&vm.vcpus[0]);
	assert_true(t->monotonic_ns >= first + 500000000);
	/* The guest wrote over the block since: left alone. */
	assert_int_equal(hypercall(DSMIG_HC_TIME, DATA), 0);
	t->monotonic_ns = 42;
	vm.clock_offset_ns += 500000000;
	hypercall_clock_retake(&vm.vcpus[0]);
	assert_int_equal(t->monotonic_ns, 42);
	/* Another hypercall came after TIME: the guest has moved on from
	 * TIME's block; the SLEEP's is the one taken again. */
	assert_int_equal(hypercall(DSMIG_HC_TIME, DATA), 0);
	first = t->monotonic_ns;
	s->deadline_ns = 0;                      /* returns at once */
	assert_int_equal(hypercall(DSMIG_HC_SLEEP, DATA + 64), 0);
	vm.clock_offset_ns += 500000000;
	hypercall_clock_retake(&vm.vcpus[0]);
	assert_int_equal(t->monotonic_ns, first);
	assert_true(s->now_ns >= first + 500000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_time_lands_only_where_the_guest_may_write),
		T(test_block_straddling_into_read_only_refused),
		T(test_puts_cannot_read_page_tables),
		T(test_sleep_extreme_deadlines),
		T(test_counters_name_bytes_made_safe),
		T(test_counters_in_guard_page_refused),
		T(test_one_migration_at_a_time),
		T(test_save_state_needs_paused),
		T(test_clock_retaken_after_a_park),
#undef T
		cmocka_unit_test(test_console_never_blocks),
		cmocka_unit_test(test_console_keeps_order_and_cleans),
		cmocka_unit_test(test_state_path_fifo_refused),
	};

	/* A console that blocks would hang here: fail instead. */
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

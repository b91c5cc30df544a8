/* Unit tests: the console's actions on VMs: the words of a VM to start
 * (common/vmspec), the launcher's command line and socket of each kind
 * of host (ui/vmhost), and what the actions refuse before anything is
 * done (ui/vmact), over a model built from session records as the
 * console builds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/session_log.h"
#include "common/vmspec.h"
#include "ui/model.h"
#include "ui/vmact.h"
#include "ui/vmhost.h"

static char why[512];

/* ---- vmspec ------------------------------------------------------------------ */

static void test_names(void **state)
{
	static const char *const ok[] = { "fresh", "a", "vm-1", "vm_1.b", "-x", "9" };
	static const char *const bad[] = {
		"", ".hidden", "a/b", "a b", "a;b", "a'b", "\xc3\xa9", "a\nb",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (vmspec_check_name(ok[i], why, sizeof(why)))
			fail_msg("'%s' refused: %s", ok[i], why);
		assert_int_equal(vmspec_check_image(ok[i], NULL, 0), 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!vmspec_check_name(bad[i], why, sizeof(why)))
			fail_msg("'%s' taken as a name", bad[i]);
		assert_non_null(strstr(why, "use 1-64 of A-Z a-z 0-9 _ . -"));
		assert_int_equal(vmspec_check_image(bad[i], NULL, 0), -1);
	}
}

static void test_mem(void **state)
{
	static const struct { const char *text, *canon; uint64_t bytes; } ok[] = {
		{ "64M", "64M", 64ull << 20 }, { "64MiB", "64M", 64ull << 20 },
		{ "4M", "4M", 4ull << 20 }, { "1G", "1G", 1ull << 30 }, { "3G", "3G", 3ull << 30 },
		{ "4100K", "4100K", 4100ull << 10 }, { "1024M", "1G", 1ull << 30 },
		{ "67108864", "64M", 64ull << 20 },
	};
	static const struct { const char *text, *reason; } bad[] = {
		{ "abc", "not a size" }, { "", "" }, { "64", "must be 4M to 3G" },
		{ "2M", "must be 4M to 3G" }, { "4G", "must be 4M to 3G" },
		{ "4097K", "whole 4K pages" }, { "64M ", "" }, { "-64M", "" },
		{ "000000000000064M", "too long" }, { "64M;rm", "" },
	};
	char canon[VMSPEC_MEM_TEXT];
	uint64_t bytes;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bytes = 0;
		if (vmspec_parse_mem(ok[i].text, &bytes, why, sizeof(why)))
			fail_msg("'%s' refused: %s", ok[i].text, why);
		assert_true(bytes == ok[i].bytes);
		vmspec_format_mem(bytes, canon, sizeof(canon));
		assert_string_equal(canon, ok[i].canon);
		assert_int_equal(vmspec_parse_mem(canon, &bytes, NULL, 0), 0);
		assert_true(bytes == ok[i].bytes);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes = 7;
		if (!vmspec_parse_mem(bad[i].text, &bytes, why, sizeof(why)))
			fail_msg("'%s' taken as memory", bad[i].text);
		assert_true(bytes == 7);          /* untouched */
		if (!strstr(why, bad[i].reason))
			fail_msg("'%s': \"%s\" lacks \"%s\"", bad[i].text, why, bad[i].reason);
	}
}

static void test_actions(void **state)
{
	int a;

	for (a = VM_ACTION_START; a < VM_ACTION_NR; a++) {
		assert_int_equal(vm_action_by_name(vm_action_name(a)), a);
		assert_non_null(vm_action_verb(a, 0));
		assert_non_null(vm_action_verb(a, 1));
	}
	assert_string_equal(vm_action_name(VM_ACTION_STOP), "vm-stop");
	assert_string_equal(vm_action_verb(VM_ACTION_STOP, 1), "stopped");
	assert_null(vm_action_name(VM_ACTION_NONE));
	assert_int_equal(vm_action_by_name("cancel"), VM_ACTION_NONE);
	assert_int_equal(vm_action_by_name(NULL), VM_ACTION_NONE);
}

/* ---- vmhost ------------------------------------------------------------------ */

static const char HOSTS[] =
	"name=hostA runtime=/run/dsmig/a\n"
	"name=hostB runtime=/run/dsmig/b netns=dsmig-hostB addr=198.18.0.2\n"
	"name=hostS ssh=root@198.18.0.3 runtime=/srv/dsmig\n"
	"name=xen0 hv=xen\n";

static struct host_list hosts;

static int setup_hosts(void **state)
{
	char err[256];

	assert_int_equal(hosts_parse(&hosts, HOSTS, "hosts", err, sizeof(err)), 0);
	return 0;
}

static const struct vm_launch launch = {
	.vmm = "/opt/dsmig/bin/dsmig-vmm", .image = "/opt/dsmig/guest/idle.elf",
	.name = "fresh", .mem = "64M",
};

/* argv[from..] are the launcher's words for a host whose runtime is dir. */
static void assert_script(const char *const *argv, int from, const char *dir)
{
	assert_string_equal(argv[from], "/bin/sh");
	assert_string_equal(argv[from + 1], "-c");
	assert_non_null(strstr(argv[from + 2], "setsid \"$1\" run \"$2\" --name \"$3\" --mem \"$4\" --quiet"));
	assert_null(strchr(argv[from + 2], '\''));    /* an ssh line quotes it */
	assert_string_equal(argv[from + 4], launch.vmm);
	assert_string_equal(argv[from + 5], launch.image);
	assert_string_equal(argv[from + 6], "fresh");
	assert_string_equal(argv[from + 7], "64M");
	assert_string_equal(argv[from + 8], dir);
	assert_null(argv[from + 9]);
}

static void test_host_kinds(void **state)
{
	const struct vmhost_ops *ops;
	struct vmhost_cmd cmd;
	char sock[256];

	assert_null(vmhost_ops(hosts_find(&hosts, "xen0")));
	assert_null(vmhost_ops(NULL));

	ops = vmhost_ops(hosts_find(&hosts, "hostA"));
	assert_string_equal(ops->kind, "local");
	assert_int_equal(ops->sock(hosts_find(&hosts, "hostA"), "fresh", sock, sizeof(sock)), 0);
	assert_string_equal(sock, "/run/dsmig/a/fresh.sock");
	assert_int_equal(ops->sock(hosts_find(&hosts, "hostA"), "a/b", sock, sizeof(sock)), -1);
	assert_int_equal(ops->launcher(hosts_find(&hosts, "hostA"), &launch, &cmd, why,
				       sizeof(why)), 0);
	assert_script(cmd.argv, 0, "/run/dsmig/a");

	/* The lab: inside its namespace, no shell of ip's own. */
	ops = vmhost_ops(hosts_find(&hosts, "hostB"));
	assert_string_equal(ops->kind, "lab");
	assert_int_equal(ops->launcher(hosts_find(&hosts, "hostB"), &launch, &cmd, why,
				       sizeof(why)), 0);
	assert_string_equal(cmd.argv[0], "ip");
	assert_string_equal(cmd.argv[1], "netns");
	assert_string_equal(cmd.argv[2], "exec");
	assert_string_equal(cmd.argv[3], "dsmig-hostB");
	assert_script(cmd.argv, 4, "/run/dsmig/b");
	assert_int_equal(ops->sock(hosts_find(&hosts, "hostB"), "fresh", sock, sizeof(sock)), 0);
	assert_string_equal(sock, "/run/dsmig/b/fresh.sock");
}

static void test_ssh_host(void **state)
{
	const struct host *h = hosts_find(&hosts, "hostS");
	const struct vmhost_ops *ops = vmhost_ops(h);
	struct vm_launch bad = launch;
	struct vmhost_cmd cmd;
	const char *remote;
	char sock[256];
	int n;

	assert_string_equal(ops->kind, "ssh");
	assert_int_equal(ops->launcher(h, &launch, &cmd, why, sizeof(why)), 0);
	assert_string_equal(cmd.argv[0], "ssh");
	for (n = 0; cmd.argv[n]; n++)
		;
	assert_string_equal(cmd.argv[n - 2], "root@198.18.0.3");
	assert_string_equal(cmd.argv[n - 3], "--");
	remote = cmd.argv[n - 1];
	/* The script single-quoted, then the words: paths quoted, the rest
	 * as checked. */
	assert_int_equal(strncmp(remote, "sh -c 'd=$5;", 12), 0);
	assert_non_null(strstr(remote, "' dsmig-vm-start '/opt/dsmig/bin/dsmig-vmm' "
			       "'/opt/dsmig/guest/idle.elf' fresh 64M '/srv/dsmig'"));
	/* Its socket: the forward in the probe's mirror, beside the master. */
	assert_int_equal(ops->sock(h, "fresh", sock, sizeof(sock)), 0);
	assert_non_null(strstr(sock, "/hostS/vm/fresh.sock"));
	/* A path the remote shell would read otherwise is refused. */
	bad.image = "/opt/dsmig/guest/idle's.elf";
	assert_int_equal(ops->launcher(h, &bad, &cmd, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot go into an ssh command line"));
	bad.image = "/opt/$(reboot)/idle.elf";
	assert_int_equal(ops->launcher(h, &bad, &cmd, why, sizeof(why)), -1);
	bad = launch;
	bad.vmm = "relative/dsmig-vmm";
	assert_int_equal(ops->launcher(h, &bad, &cmd, why, sizeof(why)), -1);
}

/* ---- vmact: what is refused before anything is done --------------------------- */

static long long t_ns = 1000000000;

/* A record of src with the fields text (JSON members, no braces),
 * applied to m as the console applies it. */
static void apply(struct model *m, const char *src, const char *fields)
{
	char text[1024];
	json_t *j;

	t_ns += 100000000;
	snprintf(text, sizeof(text), "{\"v\":1,\"t\":%lld,\"src\":\"%s\",%s}", t_ns, src, fields);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	model_apply(m, j);
	json_decref(j);
}

static void vm(struct model *m, const char *host, const char *name, const char *st)
{
	char f[256];

	snprintf(f, sizeof(f), "\"probe\":\"vm\",\"host\":\"%s\",\"vm\":\"%s\",\"state\":\"%s\"",
		 host, name, st);
	apply(m, "probe", f);
}

static struct model *model_with_vms(void)
{
	struct model *m = malloc(sizeof(*m));

	assert_non_null(m);
	model_init(m);
	apply(m, "session", "\"event\":\"open\",\"mode\":\"live\",\"hosts\":[{\"name\":\"hostA\","
	      "\"runtime\":\"/run/dsmig/a\"},{\"name\":\"hostS\",\"runtime\":\"/srv/dsmig\"}],"
	      "\"cap_bps\":12000000");
	vm(m, "hostA", "base", "running");
	vm(m, "hostA", "sleepy", "paused");
	vm(m, "hostA", "old", "gone");
	vm(m, "hostA", "queued", "running");
	apply(m, "queue", "\"event\":\"add\",\"item\":1,\"vm\":\"queued\",\"from\":\"hostA\","
	      "\"to\":\"hostB\",\"method\":\"precopy\",\"bandwidth\":\"0\",\"ranks\":2,"
	      "\"max_iters\":5,\"verify\":false");
	return m;
}

static void assert_start(const struct vmact *a, const char *host, const char *image,
			 const char *name, const char *mem, enum vm_start_field want,
			 const char *reason)
{
	struct vm_start_req r;

	memset(&r, 0, sizeof(r));
	snprintf(r.host, sizeof(r.host), "%s", host);
	snprintf(r.image, sizeof(r.image), "%s", image);
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.mem, sizeof(r.mem), "%s", mem);
	why[0] = '\0';
	if (vmact_start_check(a, &r, why, sizeof(why)) != want)
		fail_msg("%s/%s/%s/%s: not %d (%s)", host, image, name, mem, want, why);
	if (!strstr(why, reason))
		fail_msg("\"%s\" lacks \"%s\"", why, reason);
}

static void test_start_refused(void **state)
{
	struct model *m = model_with_vms();
	struct vmact *a;
	int i, idle = 0;

	assert_int_equal(vmact_open(&a, &hosts, NULL, m), 0);
	/* The guests built beside this program (BUILD/tests -> BUILD/guest):
	 * the workloads, sorted, no test guest. */
	assert_true(vmact_images(a) >= 4);
	for (i = 0; i < vmact_images(a); i++) {
		assert_int_not_equal(strncmp(vmact_image(a, i), "test-", 5), 0);
		idle |= !strcmp(vmact_image(a, i), "idle");
		if (i)
			assert_true(strcmp(vmact_image(a, i - 1), vmact_image(a, i)) < 0);
	}
	assert_true(idle);
	assert_null(vmact_image(a, vmact_images(a)));

	assert_start(a, "hostA", "idle", "fresh", "64M", VM_START_OK, "");
	assert_start(a, "hostA", "idle", "old", "64M", VM_START_OK, "");   /* gone: free */
	assert_start(a, "hostS", "idle", "fresh", "1G", VM_START_OK, "");
	assert_start(a, "xen0", "idle", "fresh", "64M", VM_START_HOST, "xen host");
	assert_start(a, "nohost", "idle", "fresh", "64M", VM_START_HOST, "no host 'nohost'");
	assert_start(a, "hostA", "warp", "fresh", "64M", VM_START_IMAGE, "none of the guests");
	assert_start(a, "hostA", "test-hello", "fresh", "64M", VM_START_IMAGE, "none of the guests");
	assert_start(a, "hostA", "idle", "a/b", "64M", VM_START_NAME, "name 'a/b'");
	assert_start(a, "hostA", "idle", "a b", "64M", VM_START_NAME, "name 'a b'");
	assert_start(a, "hostS", "idle", "base", "64M", VM_START_NAME,
		     "a VM named base is on hostA already");
	assert_start(a, "hostA", "idle", "sleepy", "64M", VM_START_NAME, "on hostA already");
	assert_start(a, "hostA", "idle", "fresh", "abc", VM_START_MEM, "not a size");
	assert_start(a, "hostA", "idle", "fresh", "1M", VM_START_MEM, "must be 4M to 3G");
	/* An ssh host whose connection is down: its reason. */
	apply(m, "probe", "\"probe\":\"host\",\"host\":\"hostS\",\"hv\":\"kvm\",\"link\":\"ssh\","
	      "\"unreachable\":\"ssh: connect to host 198.18.0.3 port 22: Connection refused\"");
	assert_start(a, "hostS", "idle", "fresh", "64M", VM_START_HOST,
		     "hostS is unreachable: ssh: connect to host");
	vmact_close(a);
	free(m);
}

static void test_control_refused(void **state)
{
	struct model *m = model_with_vms();
	struct vmact *a;

	assert_int_equal(vmact_open(&a, &hosts, NULL, m), 0);
	assert_int_equal(vmact_check(a, VM_ACTION_STOP, "hostA", "base", why, sizeof(why)), 0);
	assert_int_equal(vmact_check(a, VM_ACTION_PAUSE, "hostA", "base", why, sizeof(why)), 0);
	assert_int_equal(vmact_check(a, VM_ACTION_STOP, "hostA", "sleepy", why, sizeof(why)), 0);
	assert_int_equal(vmact_check(a, VM_ACTION_RESUME, "hostA", "sleepy", why, sizeof(why)), 0);
	assert_int_equal(vmact_check(a, VM_ACTION_RESUME, "hostA", "base", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "base is running: only a running VM pauses"));
	assert_int_equal(vmact_check(a, VM_ACTION_PAUSE, "hostA", "sleepy", why, sizeof(why)), -1);
	assert_int_equal(vmact_check(a, VM_ACTION_STOP, "hostA", "old", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "old is not on hostA"));
	assert_int_equal(vmact_check(a, VM_ACTION_STOP, "hostS", "base", why, sizeof(why)), -1);
	assert_int_equal(vmact_check(a, VM_ACTION_STOP, "xen0", "base", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "xen host"));
	/* Queued for a migration: not under the operator's hand. */
	assert_int_equal(vmact_check(a, VM_ACTION_STOP, "hostA", "queued", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "queued is queued for a migration"));
	vmact_close(a);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_host_kinds),
		cmocka_unit_test(test_ssh_host),
		cmocka_unit_test(test_start_refused),
		cmocka_unit_test(test_control_refused),
	};

	return cmocka_run_group_tests(tests, setup_hosts, NULL);
}

/* Unit tests: the hosts file parser and host resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/hosts.h"

static char err[256];

static void test_good_file(void **state)
{
	struct host_list l;
	char dir[256];

	assert_int_equal(hosts_parse(&l,
		"# lab hosts\n"
		"\n"
		"name=hostA runtime=/run/dsmig/a\n"
		"name=hostB runtime=/run/dsmig/b netns=dsmig-b addr=198.18.0.2  # shaped\n",
		"h", err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(hosts_find(&l, "hostB")->netns, "dsmig-b");
	assert_string_equal(hosts_find(&l, "hostB")->addr, "198.18.0.2");
	assert_null(hosts_find(&l, "hostC"));
	assert_int_equal(hosts_resolve(&l, "hostA", dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, "/run/dsmig/a");
	assert_int_equal(hosts_resolve(&l, "/tmp/x", dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, "/tmp/x");
	assert_int_equal(hosts_resolve(&l, "hostC", dir, sizeof(dir), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown host 'hostC'"));
	/* `dsmig migrate` finds a resolved directory's host: in the lab or not. */
	assert_string_equal(hosts_by_runtime(&l, "/run/dsmig/b")->name, "hostB");
	assert_null(hosts_by_runtime(&l, "/run/dsmig/c"));
	assert_false(hosts_in_lab(hosts_find(&l, "hostA")));
	assert_true(hosts_in_lab(hosts_find(&l, "hostB")));
	assert_false(hosts_in_lab(NULL));
}

static void expect_error(const char *text, const char *words)
{
	struct host_list l;

	assert_int_equal(hosts_parse(&l, text, "hosts", err, sizeof(err)), -1);
	if (!strstr(err, words))
		fail_msg("'%s' does not mention '%s'", err, words);
}

static void test_bad_lines_are_named(void **state)
{
	expect_error("name=a runtime=/x\nname=b runtime\n", "hosts:2: 'runtime' is not key=value");
	expect_error("\n\nname=a colour=red runtime=/x\n", "hosts:3: unknown key 'colour'");
	expect_error("name=a runtime=relative\n", "hosts:1: host a needs runtime=/absolute/path");
	expect_error("runtime=/x\n", "hosts:1: missing or bad name");
	expect_error("name=../x runtime=/x\n", "hosts:1: missing or bad name");
	expect_error("name=a runtime=/x\nname=a runtime=/y\n", "hosts:2: host a is listed twice");
	expect_error("name= runtime=/x\n", "hosts:1: bad value for name");
}

/* addr goes into mpirun's --host list: one IPv4 address or host name. */
static void test_addr_is_one_host(void **state)
{
	struct host_list l;

	assert_int_equal(hosts_parse(&l,
		"name=a runtime=/x addr=198.18.0.1\n"
		"name=b runtime=/y addr=node-2.example.org\n"
		"name=c runtime=/z addr=n1\n", "h", err, sizeof(err)), 0);
	assert_string_equal(hosts_find(&l, "b")->addr, "node-2.example.org");
	expect_error("name=a runtime=/x\nname=b runtime=/y addr=10.0.0.1,10.0.0.66\n",
		     "hosts:2: host b: addr may not contain ','");
	expect_error("name=b runtime=/y addr=h;reboot\n", "host b: addr may not contain ';'");
	expect_error("name=b runtime=/y addr=$(id)\n", "host b: addr may not contain '$'");
	expect_error("name=b runtime=/y addr=h`id`\n", "host b: addr may not contain '`'");
	expect_error("name=b runtime=/y addr=h\x1b[2J\n", "host b: addr may not contain byte 0x1b");
	expect_error("name=b runtime=/y addr=10.0.0.1:4\n", "host b: addr may not contain ':'");
	expect_error("name=b runtime=/y addr=::1\n", "no IPv6");
	expect_error("name=b runtime=/y addr=-oProxy\n", "host b: addr has an empty, over-long");
	/* netns becomes /run/netns/NAME for ip netns exec. */
	expect_error("name=b runtime=/y netns=../../etc\n", "host b: netns must be");
	expect_error("name=b runtime=/y netns=-n\n", "host b: netns must be");
	expect_error("name=b runtime=/y netns=a$b\n", "host b: netns must be");
	expect_error("name=b runtime=/y addr=a..b\n", "'-'-edged label");
	expect_error("name=b runtime=/y addr=a.\n", "'-'-edged label");
	expect_error("name=b runtime=/y addr=999.1.1.1\n", "host b: addr is not an IPv4 address");
	expect_error("name=b runtime=/y addr=10.0.0\n", "host b: addr is not an IPv4 address");
}

static void test_hv_key(void **state)
{
	struct host_list l;
	char dir[256];

	assert_int_equal(hosts_parse(&l,
		"name=a runtime=/run/dsmig/a\n"
		"name=b hv=kvm runtime=/run/dsmig/b\n"
		"name=xen0 hv=xen\n", "h", err, sizeof(err)), 0);
	assert_int_equal(hosts_find(&l, "a")->hv, HOST_HV_KVM);
	assert_int_equal(hosts_find(&l, "b")->hv, HOST_HV_KVM);
	assert_int_equal(hosts_find(&l, "xen0")->hv, HOST_HV_XEN);
	assert_string_equal(hosts_find(&l, "xen0")->runtime, "");
	/* Nothing to migrate into yet: a xen host has no runtime directory. */
	assert_int_equal(hosts_resolve(&l, "xen0", dir, sizeof(dir), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'xen0' is a xen host"));
	assert_null(hosts_by_runtime(&l, "/run/dsmig/c"));

	expect_error("name=a hv=qemu runtime=/x\n", "hosts:1: hv must be kvm or xen, not 'qemu'");
	expect_error("name=a hv= runtime=/x\n", "hosts:1: hv must be kvm or xen, not ''");
	expect_error("name=a hv=XEN\n", "hosts:1: hv must be kvm or xen, not 'XEN'");
	expect_error("name=a hv=kvm\n", "hosts:1: host a needs runtime=/absolute/path");
	expect_error("name=x hv=xen runtime=/x\n", "hosts:1: host x: a xen host takes no runtime=");
	expect_error("name=x hv=xen\nname=y hv=xen\n", "hosts:2: host y: only one xen host");
}

/* The host of a runtime directory is found however the directory is
 * spelt (`dsmig migrate` places the ranks by it). */
static void test_runtime_by_identity(void **state)
{
	char dir[] = "/tmp/dsmig-test-hosts.XXXXXX", text[128], other[96];
	struct host_list l;

	assert_non_null(mkdtemp(dir));
	snprintf(text, sizeof(text), "name=hostA runtime=%s\nname=hostB runtime=/run/x\n", dir);
	assert_int_equal(hosts_parse(&l, text, "h", err, sizeof(err)), 0);
	snprintf(other, sizeof(other), "%s/", dir);
	assert_string_equal(hosts_by_runtime(&l, other)->name, "hostA");
	snprintf(other, sizeof(other), "%s/.", dir);
	assert_string_equal(hosts_by_runtime(&l, other)->name, "hostA");
	assert_null(hosts_by_runtime(&l, "/tmp"));
	assert_int_equal(rmdir(dir), 0);
}

/* ssh=USER@HOST: a host on another machine, its runtime directory
 * there; every hosts-file value that reaches ssh or the remote shell is
 * checked, and a bad one names its line. */
static void test_ssh_key(void **state)
{
	struct host_list l;
	const struct host *h;
	char dir[256];

	assert_int_equal(hosts_parse(&l,
		"name=a runtime=/x\n"
		"name=b ssh=root@198.18.0.2 known_hosts=/run/lab/known_hosts ssh_key=/run/lab/id\n"
		"name=c ssh=_dsm-1@node-2.example.org runtime=/var/run/dsmig\n",
		"h", err, sizeof(err)), 0);
	h = hosts_find(&l, "b");
	assert_true(hosts_is_ssh(h));
	assert_false(hosts_is_ssh(hosts_find(&l, "a")));
	assert_string_equal(h->ssh_user, "root");
	assert_string_equal(h->ssh_host, "198.18.0.2");
	assert_string_equal(h->runtime, HOSTS_SSH_RUNTIME);
	assert_string_equal(h->known_hosts, "/run/lab/known_hosts");
	assert_string_equal(h->ssh_key, "/run/lab/id");
	assert_string_equal(hosts_find(&l, "c")->runtime, "/var/run/dsmig");
	/* Its directory is on another machine: never this one's; resolved,
	 * it is the directory there (dsmig migrate reaches it over ssh). */
	assert_null(hosts_by_runtime(&l, HOSTS_SSH_RUNTIME));
	assert_int_equal(hosts_resolve(&l, "b", dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, HOSTS_SSH_RUNTIME);

	expect_error("name=a runtime=/x\nname=b ssh=198.18.0.2\n", "hosts:2: ssh must be USER@HOST");
	expect_error("name=b ssh=root@\n", "hosts:1: ssh must be USER@HOST");
	expect_error("name=b ssh=@h\n", "ssh must be USER@HOST");
	expect_error("name=b ssh=-oProxyCommand=x@h\n", "ssh user must start with a-z or '_'");
	expect_error("name=b ssh=Root@h\n", "ssh user must start with a-z or '_'");
	expect_error("name=b ssh=ro$ot@h\n", "ssh user may hold a-z, 0-9, '_' and '-' only");
	expect_error("name=b ssh=root@-oProxyCommand=x\n", "host b: ssh host may not contain '='");
	expect_error("name=b ssh=root@-h\n", "host b: ssh host has an empty, over-long or '-'-edged");
	expect_error("name=b ssh=root@h;reboot\n", "host b: ssh host may not contain ';'");
	expect_error("name=b ssh=root@a@b\n", "host b: ssh host may not contain '@'");
	expect_error("name=b ssh=root@fe80::1\n", "host b: ssh host may not contain ':'");
	expect_error("name=b ssh=root@h$(id)\n", "host b: ssh host may not contain '$'");
	expect_error("name=b ssh=root@h runtime=/run/it's\n", "host b: runtime, known_hosts and ssh_key");
	expect_error("name=b ssh=root@h runtime=/run/a$(id)\n", "host b: runtime, known_hosts");
	expect_error("name=b ssh=root@h runtime=/run/../etc\n", "host b: runtime, known_hosts");
	expect_error("name=b ssh=root@h runtime=run\n", "host b: runtime, known_hosts");
	expect_error("name=b ssh=root@h known_hosts=kh\n", "host b: runtime, known_hosts");
	expect_error("name=b ssh=root@h ssh_key=/k\x1b[2J\n", "host b: runtime, known_hosts");
	expect_error("name=b ssh=root@h ssh_key=/a,-oProxyCommand=x\n", "host b: runtime, known_hosts");
	expect_error("name=b ssh=root@h netns=n\n", "host b: an ssh host is a kvm host without netns=");
	expect_error("name=b ssh=root@h hv=xen\n", "host b: an ssh host is a kvm host");
	expect_error("name=b runtime=/x known_hosts=/kh\n", "host b: known_hosts=, ssh_key= and iface= need ssh=");
	expect_error("name=b runtime=/x iface=eth1\n", "host b: known_hosts=, ssh_key= and iface= need ssh=");
	expect_error("name=b ssh=root@h ssh_key=\n", "hosts:1: bad value for ssh_key");
}

/* iface=: one interface name or one IPv4 CIDR, a single word of mpirun's
 * argv; without it the /24 of an IPv4 ssh address (hosts_mpi_net). */
static void test_iface(void **state)
{
	struct host_list l;
	char net[32];

	(void)state;
	assert_int_equal(hosts_parse(&l,
		"name=a ssh=root@198.18.0.1\n"
		"name=b ssh=root@10.1.2.3 iface=eth1\n"
		"name=c ssh=root@node3 iface=10.0.0.0/24\n"
		"name=d ssh=root@node4\n"
		"name=e ssh=root@h iface=br-lab.5\n", "h", err, sizeof(err)), 0);
	assert_int_equal(hosts_mpi_net(hosts_find(&l, "a"), net, sizeof(net), err, sizeof(err)), 0);
	assert_string_equal(net, "198.18.0.0/24");
	assert_int_equal(hosts_mpi_net(hosts_find(&l, "b"), net, sizeof(net), err, sizeof(err)), 0);
	assert_string_equal(net, "eth1");
	assert_int_equal(hosts_mpi_net(hosts_find(&l, "c"), net, sizeof(net), err, sizeof(err)), 0);
	assert_string_equal(net, "10.0.0.0/24");
	assert_int_equal(hosts_mpi_net(hosts_find(&l, "d"), net, sizeof(net), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host d: its ssh address node4 is a name: say which network"));
	expect_error("name=b ssh=root@h iface=eth1,lo\n", "host b: iface must be");
	expect_error("name=b ssh=root@h iface=-lo\n", "host b: iface must be");
	expect_error("name=b ssh=root@h iface=a_very_long_name0\n", "host b: iface must be");
	expect_error("name=b ssh=root@h iface=10.0.0.0/33\n", "host b: iface must be");
	expect_error("name=b ssh=root@h iface=10.0.0.0/\n", "host b: iface must be");
	expect_error("name=b ssh=root@h iface=10.0.0/24\n", "host b: iface must be");
	expect_error("name=b ssh=root@h iface=eth$(id)\n", "host b: iface must be");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_lines_are_named),
		cmocka_unit_test(test_addr_is_one_host),
		cmocka_unit_test(test_hv_key),
		cmocka_unit_test(test_runtime_by_identity),
		cmocka_unit_test(test_ssh_key),
		cmocka_unit_test(test_iface),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

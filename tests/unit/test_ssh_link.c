/* Unit tests: the ssh command lines of an ssh host (common/ssh_link.h),
 * built from the hosts file's words into an argv, never a shell line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/hosts.h"
#include "common/ssh_link.h"

static char err[256];

/* The argv's words joined by single spaces, for comparing. */
static const char *joined(const struct ssh_argv *a)
{
	static char buf[4096];
	size_t k = 0, i;

	buf[0] = '\0';
	for (i = 0; a->argv[i]; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? " " : "", a->argv[i]);
	return buf;
}

static const struct host *lab_host(struct host_list *l)
{
	assert_int_equal(hosts_parse(l,
		"name=hostB ssh=root@198.18.0.2 known_hosts=/run/lab/kh ssh_key=/run/lab/id\n"
		"name=plain ssh=op@node1\n"
		"name=local runtime=/run/x\n", "h", err, sizeof(err)), 0);
	return hosts_find(l, "hostB");
}

static void test_master(void **state)
{
	struct host_list l;
	struct ssh_argv a;

	assert_int_equal(ssh_argv_build(&a, lab_host(&l), "/run/dsmig/ssh-1/hostB/ctl",
					SSH_OP_MASTER, NULL), 0);
	assert_string_equal(joined(&a),
		"ssh -N -M -S /run/dsmig/ssh-1/hostB/ctl -o BatchMode=yes "
		"-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/run/lab/kh "
		"-o ConnectTimeout=5 -o ServerAliveInterval=5 -o ServerAliveCountMax=2 "
		"-o StreamLocalBindUnlink=yes -o IdentitiesOnly=yes -i /run/lab/id "
		"-- root@198.18.0.2");
	/* Without known_hosts= and ssh_key=: ssh's defaults, still strict. */
	assert_int_equal(ssh_argv_build(&a, hosts_find(&l, "plain"), "/c", SSH_OP_CHECK, NULL), 0);
	assert_string_equal(joined(&a),
		"ssh -S /c -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=5 "
		"-O check -- op@node1");
}

static void test_mux_commands(void **state)
{
	struct host_list l;
	struct ssh_argv a;
	const struct host *h = lab_host(&l);
	const char *common = "ssh -S /c -o BatchMode=yes -o StrictHostKeyChecking=yes "
			     "-o UserKnownHostsFile=/run/lab/kh -o ConnectTimeout=5 "
			     "-o IdentitiesOnly=yes -i /run/lab/id ";
	char want[1024];

	assert_int_equal(ssh_argv_build(&a, h, "/c", SSH_OP_RUN, "ls -1 -- '/run/dsmig'"), 0);
	snprintf(want, sizeof(want), "%s-T -- root@198.18.0.2 ls -1 -- '/run/dsmig'", common);
	assert_string_equal(joined(&a), want);
	/* The remote command is one argv word: ssh hands it to the remote
	 * shell as it is; no local shell ever sees it. */
	assert_string_equal(a.argv[18], "ls -1 -- '/run/dsmig'");
	assert_null(a.argv[19]);
	assert_int_equal(ssh_argv_build(&a, h, "/c", SSH_OP_FORWARD, "/l/a.sock:/run/dsmig/a.sock"), 0);
	snprintf(want, sizeof(want), "%s-O forward -L /l/a.sock:/run/dsmig/a.sock -- root@198.18.0.2",
		 common);
	assert_string_equal(joined(&a), want);
	assert_int_equal(ssh_argv_build(&a, h, "/c", SSH_OP_CANCEL, "/l/a.sock:/r/a.sock"), 0);
	assert_non_null(strstr(joined(&a), "-O cancel -L /l/a.sock:/r/a.sock -- root@"));
	assert_int_equal(ssh_argv_build(&a, h, "/c", SSH_OP_EXIT, NULL), 0);
	assert_non_null(strstr(joined(&a), "-O exit -- root@198.18.0.2"));
}

static void test_refused(void **state)
{
	struct host_list l;
	struct ssh_argv a;
	char q[64], big[3000];

	lab_host(&l);
	/* Not an ssh host; an op without its argument; too long to fit. */
	assert_int_equal(ssh_argv_build(&a, hosts_find(&l, "local"), "/c", SSH_OP_MASTER, NULL), -1);
	assert_int_equal(ssh_argv_build(&a, hosts_find(&l, "hostB"), "/c", SSH_OP_RUN, NULL), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ssh_argv_build(&a, hosts_find(&l, "hostB"), "/c", SSH_OP_RUN, big), -1);
	/* Remote paths: quoted, or refused when the remote shell could
	 * read anything into them. */
	assert_int_equal(ssh_quote_path(q, sizeof(q), "/run/dsmig-lab/hostA"), 0);
	assert_string_equal(q, "'/run/dsmig-lab/hostA'");
	assert_int_equal(ssh_quote_path(q, sizeof(q), "/run/it's"), -1);
	assert_int_equal(ssh_quote_path(q, sizeof(q), "/run/$(reboot)"), -1);
	assert_int_equal(ssh_quote_path(q, sizeof(q), "/run/a b"), -1);
	assert_int_equal(ssh_quote_path(q, sizeof(q), "relative"), -1);
	assert_int_equal(ssh_quote_path(q, 8, "/run/dsmig"), -1);
}

/* mpirun's agent: ssh with the hosts file's words, never a shell line;
 * one agent for both ends, so they must agree on user, key, known_hosts. */
static void test_mpi_agent(void **state)
{
	struct host_list l;
	char agent[512];

	(void)state;
	assert_int_equal(hosts_parse(&l,
		"name=hostA ssh=root@198.18.0.1 known_hosts=/run/lab/kh ssh_key=/run/lab/id\n"
		"name=hostB ssh=root@198.18.0.2 known_hosts=/run/lab/kh ssh_key=/run/lab/id\n"
		"name=n1 ssh=op@node1\n"
		"name=n2 ssh=op@node2\n"
		"name=other ssh=root@198.18.0.3 known_hosts=/run/lab/kh\n"
		"name=local runtime=/run/x\n", "h", err, sizeof(err)), 0);
	assert_int_equal(ssh_mpi_agent(agent, sizeof(agent), hosts_find(&l, "hostA"),
				       hosts_find(&l, "hostB"), err, sizeof(err)), 0);
	assert_string_equal(agent, "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes "
			    "-o UserKnownHostsFile=/run/lab/kh -o IdentitiesOnly=yes -i /run/lab/id "
			    "-l root");
	assert_int_equal(ssh_mpi_agent(agent, sizeof(agent), hosts_find(&l, "n1"),
				       hosts_find(&l, "n2"), err, sizeof(err)), 0);
	assert_string_equal(agent, "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -l op");
	assert_int_equal(ssh_mpi_agent(agent, sizeof(agent), hosts_find(&l, "hostA"),
				       hosts_find(&l, "other"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hosts hostA and other differ in ssh user, known_hosts or ssh_key"));
	assert_int_equal(ssh_mpi_agent(agent, sizeof(agent), hosts_find(&l, "hostA"),
				       hosts_find(&l, "n1"), err, sizeof(err)), -1);
	assert_int_equal(ssh_mpi_agent(agent, sizeof(agent), hosts_find(&l, "hostA"),
				       hosts_find(&l, "local"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "both ends must be ssh hosts"));
	assert_int_equal(ssh_mpi_agent(agent, 20, hosts_find(&l, "hostA"),
				       hosts_find(&l, "hostB"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master),
		cmocka_unit_test(test_mux_commands),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_mpi_agent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

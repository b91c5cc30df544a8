/*
 * dsmig-vmm: one virtual machine per process (on KVM, or on the ptrace
 * accelerator where KVM cannot run: accel.h), plus the small client
 * commands an operator uses on a host:
 *
 *   dsmig-vmm run IMAGE [--mem 64M] [--vcpus N] [--name NAME] [--accel A] [-- ARGS...]
 *   dsmig-vmm run --incoming --mem SIZE --vcpus N --name NAME [--accel A]
 *   dsmig-vmm accel [kvm|ptrace|auto]
 *   dsmig-vmm list [--json]
 *   dsmig-vmm ctl NAME COMMAND [JSON-ARGUMENTS]
 *   dsmig-vmm stat NAME [--interval MS] [--count N]
 *
 * `run` creates the VM, serves its control socket in the runtime directory
 * and runs until the guest exits, a `quit` command, or SIGINT/SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ctl_client.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/units.h"
#include "vmm/commands.h"
#include "vmm/control.h"
#include "vmm/userfault.h"
#include "vmm/vm.h"

#define CLIENT_TIMEOUT_MS 2000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig-vmm run IMAGE [--mem SIZE] [--vcpus N] [--name NAME]\n"
		"                 [--console FILE|-] [--quiet] [--accel kvm|ptrace|auto]\n"
		"                 [--net bridge=BRIDGE[,mac=MAC]] [-- GUEST-ARGS...]\n"
		"       dsmig-vmm run --incoming --mem SIZE --vcpus N --name NAME [--accel A]\n"
		"       dsmig-vmm accel [kvm|ptrace|auto]   (the accelerator run would use)\n"
		"       dsmig-vmm list [--json]\n"
		"       dsmig-vmm ctl NAME|SOCKET COMMAND [JSON-ARGUMENTS]\n"
		"       dsmig-vmm stat NAME|SOCKET [--interval MS] [--count N]\n"
		"--net gives the guest a NIC: a TAP on BRIDGE (root, or CAP_NET_ADMIN);\n"
		"a migrated guest is plugged into the bridge of that name on the\n"
		"destination. "
		"The runtime directory is $DSMIG_RUNTIME_DIR, else /run/dsmig (root),\n"
		"else $XDG_RUNTIME_DIR/dsmig. Exit status of run: the guest's own exit\n"
		"status, or 1 internal error, 2 usage, 3 bad image, 4 guest fault.\n");
}

/* ---- run ----------------------------------------------------------------- */

struct runner {
	struct vm vm;
	struct ctl_server *ctl;
	sigset_t sigs;
};

static void runner_event(void *opaque, const char *event, json_t *data)
{
	struct runner *r = opaque;

	ctl_server_emit(r->ctl, event, data);
}

/* A control client went away: if it was the engine serving post-copy,
 * the VM cannot go on; if it owned a migration, the VM is free for the
 * next one. */
static void vmm_conn_closed(void *opaque, unsigned conn_id)
{
	userfault_conn_closed(opaque, conn_id);
	vm_migration_release(opaque, conn_id);
}

static void vmm_tick(void *opaque)
{
	vm_tick(opaque);
}

static void *control_thread(void *arg)
{
	struct runner *r = arg;
	int rc = ctl_server_run(r->ctl);

	if (rc)
		vm_shutdown(&r->vm, VMM_EXIT_INTERNAL, "control socket failed: %s",
			    strerror(-rc));
	return NULL;
}

static void *signal_thread(void *arg)
{
	struct runner *r = arg;
	int sig;

	if (sigwait(&r->sigs, &sig) == 0)
		vm_shutdown(&r->vm, VMM_EXIT_OK, "stopped by signal %s",
			    strsignal(sig));
	return NULL;
}

/* Guest args after "--" are joined with spaces into the boot cmdline. */
static int join_args(char *buf, size_t len, int argc, char **argv)
{
	size_t off = 0;
	int i, n;

	buf[0] = '\0';
	for (i = 0; i < argc; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static void default_name(char *buf, size_t len, const char *image)
{
	char copy[4096], *dot;

	snprintf(copy, sizeof(copy), "%s", image);
	snprintf(buf, len, "%s", basename(copy));
	dot = strrchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "console", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "incoming", no_argument, NULL, 'i' },
		{ "accel", required_argument, NULL, 'a' },
		{ "net", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_config cfg = { .mem_size = 64ull << 20, .nr_vcpus = 1,
				 .console_fd = STDOUT_FILENO };
	char name[VM_NAME_MAX + 1] = "", dir[512], sock[600], why[1024];
	char cmdline[DSMIG_CMDLINE_MAX];
	const char *net_spec = NULL;
	struct net_config net;
	struct runner *r;
	pthread_t ctl_tid, sig_tid;
	json_t *greeting;
	const char *accel = getenv("DSMIG_ACCEL");
	int opt, rc, status, incoming = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "m:c:n:o:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (units_parse_size(optarg, &cfg.mem_size, why, sizeof(why)))
				log_fatal(VMM_EXIT_USAGE, "bad --mem: %s", why);
			break;
		case 'c':
			errno = 0;
			cfg.nr_vcpus = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || cfg.nr_vcpus < 1 || cfg.nr_vcpus > DSMIG_MAX_VCPUS)
				log_fatal(VMM_EXIT_USAGE, "--vcpus must be 1..%d", DSMIG_MAX_VCPUS);
			break;
		case 'n':
			snprintf(name, sizeof(name), "%s", optarg);
			if (!dsmig_vm_name_valid(optarg))
				log_fatal(VMM_EXIT_USAGE,
					  "bad --name '%s': use 1-64 of A-Z a-z 0-9 _ . - (not starting with '.')",
					  optarg);
			break;
		case 'o':
			if (!strcmp(optarg, "-"))
				break;
			cfg.console_fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (cfg.console_fd < 0)
				log_fatal(VMM_EXIT_USAGE, "cannot open console file %s: %s",
					  optarg, strerror(errno));
			break;
		case 'q':
			cfg.console_fd = -1;
			break;
		case 'i':
			incoming = 1;
			break;
		case 'a':
			accel = optarg;
			break;
		case 'N':
			net_spec = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return VMM_EXIT_USAGE;
		}
	}
	if (incoming) {
		/* Empty RAM and vCPUs, filled by a migration engine. */
		if (optind < argc || !name[0])
			log_fatal(VMM_EXIT_USAGE, "--incoming takes no image and needs --name");
	} else if (optind >= argc) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	} else {
		/* getopt has moved the options ahead: IMAGE, then guest args. */
		cfg.image_path = argv[optind++];
	}
	if (join_args(cmdline, sizeof(cmdline), argc - optind, argv + optind))
		log_fatal(VMM_EXIT_USAGE, "guest arguments longer than %d bytes",
			  DSMIG_CMDLINE_MAX - 1);
	cfg.cmdline = cmdline;
	if (!name[0]) {
		default_name(name, sizeof(name), cfg.image_path);
		if (!dsmig_vm_name_valid(name))
			log_fatal(VMM_EXIT_USAGE, "cannot derive a VM name from %s: use --name",
				  cfg.image_path);
	}
	cfg.name = name;
	if (net_spec) {
		if (incoming)
			log_fatal(VMM_EXIT_USAGE, "--incoming takes its NIC from the migrated state, not --net");
		if (net_config_parse(&net, net_spec, name, why, sizeof(why)))
			log_fatal(VMM_EXIT_USAGE, "%s", why);
		cfg.net = &net;
	}
	cfg.accel = accel_select(accel, why, sizeof(why));
	if (!cfg.accel)
		log_fatal(accel && strcmp(accel, "auto") ? VMM_EXIT_USAGE : VMM_EXIT_INTERNAL,
			  "accelerator: %s", why);
	rc = dsmig_runtime_dir(dir, sizeof(dir));
	if (rc)
		log_fatal(VMM_EXIT_INTERNAL, "runtime directory: %s", strerror(-rc));
	rc = dsmig_socket_path(sock, sizeof(sock), dir, name);
	if (rc)
		log_fatal(VMM_EXIT_USAGE, "socket path for '%s': %s", name, strerror(-rc));

	r = calloc(1, sizeof(*r));
	if (!r)
		log_fatal(VMM_EXIT_INTERNAL, "out of memory");
	/* Signals are taken by one thread; every other thread blocks them. */
	sigemptyset(&r->sigs);
	sigaddset(&r->sigs, SIGINT);
	sigaddset(&r->sigs, SIGTERM);
	sigaddset(&r->sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &r->sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = vm_create(&r->vm, &cfg, why, sizeof(why));
	if (rc) {
		log_error("%s", why);
		vm_destroy(&r->vm);
		free(r);
		return rc;
	}
	greeting = json_pack("{s:s, s:i, s:I, s:i, s:s}", "vm", name, "vcpus",
			     (int)cfg.nr_vcpus, "mem_bytes", (json_int_t)cfg.mem_size,
			     "pid", (int)getpid(), "accel", cfg.accel->name);
	rc = ctl_server_open(&r->ctl, &(struct ctl_server_config) {
		.path = sock, .commands = vmm_commands,
		.nr_commands = vmm_nr_commands, .opaque = &r->vm,
		.greeting = greeting, .on_close = vmm_conn_closed,
		.on_tick = vmm_tick, .tick_ms = PROGRESS_LOG_TICK_MS,
	}, why, sizeof(why));
	json_decref(greeting);
	if (rc) {
		log_error("cannot serve %s: %s%s", sock, why,
			  rc == -EADDRINUSE ? " (a VM of that name is running: use --name)" : "");
		vm_destroy(&r->vm);
		free(r);
		return rc == -EADDRINUSE ? VMM_EXIT_USAGE : VMM_EXIT_INTERNAL;
	}
	vm_set_event_handler(&r->vm, runner_event, r);
	if (pthread_create(&ctl_tid, NULL, control_thread, r) ||
	    pthread_create(&sig_tid, NULL, signal_thread, r))
		log_fatal(VMM_EXIT_INTERNAL, "cannot start threads");
	pthread_detach(sig_tid);

	log_info("VM '%s'%s: %u vCPU(s), %llu MiB, %s accelerator, control socket %s",
		 name, incoming ? " (incoming)" : "", cfg.nr_vcpus,
		 (unsigned long long)(cfg.mem_size >> 20), cfg.accel->name, sock);
	rc = vm_start(&r->vm);
	if (rc)
		vm_shutdown(&r->vm, VMM_EXIT_INTERNAL, "cannot start vCPUs: %s",
			    strerror(-rc));
	status = vm_wait(&r->vm);
	if (status == VMM_EXIT_GUEST_FAULT || status == VMM_EXIT_INTERNAL)
		log_error("VM '%s' stopped: %s", name, r->vm.exit_reason);
	else
		log_info("VM '%s' stopped: %s", name, r->vm.exit_reason);

	ctl_server_stop(r->ctl);
	pthread_join(ctl_tid, NULL);
	vm_set_event_handler(&r->vm, NULL, NULL);
	ctl_server_close(r->ctl);
	vm_destroy(&r->vm);
	free(r);
	return status;
}

/* `dsmig-vmm accel [NAME]`: the accelerator `run` would use here, or why
 * none can run (exit 1): how scripts ask whether guests can run. */
static int cmd_accel(int argc, char **argv)
{
	const struct accel_ops *a;
	char why[512];

	if (argc > 2) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	a = accel_select(argc == 2 ? argv[1] : getenv("DSMIG_ACCEL"), why, sizeof(why));
	if (!a) {
		printf("none: %s\n", why);
		return 1;
	}
	printf("%s\n", a->name);
	return 0;
}

/* ---- clients ----------------------------------------------------------- */

/* NAME or a socket path -> connected client; exits on failure. */
static struct ctl_client *connect_vm(const char *target)
{
	char dir[512], sock[600], why[256];
	struct ctl_client *c;
	int rc;

	if (strchr(target, '/')) {
		snprintf(sock, sizeof(sock), "%s", target);
	} else {
		rc = dsmig_runtime_dir(dir, sizeof(dir));
		if (rc)
			log_fatal(VMM_EXIT_INTERNAL, "runtime directory: %s", strerror(-rc));
		rc = dsmig_socket_path(sock, sizeof(sock), dir, target);
		if (rc)
			log_fatal(VMM_EXIT_USAGE, "bad VM name '%s'", target);
	}
	rc = ctl_client_open(&c, sock, CLIENT_TIMEOUT_MS, why, sizeof(why));
	if (rc)
		log_fatal(VMM_EXIT_USAGE, "cannot reach VM at %s: %s", sock, why);
	return c;
}

static int cmd_ctl(int argc, char **argv)
{
	struct ctl_client *c;
	json_t *args = NULL, *ret = NULL;
	json_error_t jerr;
	char *text;
	int rc;

	if (argc < 3 || argc > 4) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	if (argc == 4) {
		args = json_loads(argv[3], 0, &jerr);
		if (!args || !json_is_object(args))
			log_fatal(VMM_EXIT_USAGE, "arguments must be a JSON object: %s",
				  args ? "not an object" : jerr.text);
	}
	c = connect_vm(argv[1]);
	rc = ctl_client_execute(c, argv[2], args, &ret, NULL, CLIENT_TIMEOUT_MS);
	json_decref(args);
	ctl_client_close(c);
	if (rc < -1)
		log_fatal(VMM_EXIT_INTERNAL, "%s: %s", argv[2], strerror(-rc));
	text = json_dumps(ret, JSON_COMPACT | JSON_ENCODE_ANY);
	if (rc == 0)
		printf("%s\n", text ? text : "{}");
	else
		log_error("%s: %s", argv[2],
			  json_string_value(json_object_get(ret, "desc")) ?: "error");
	free(text);
	json_decref(ret);
	return rc == 0 ? 0 : 1;
}

static int cmd_list(int argc, char **argv)
{
	int as_json = argc > 1 && !strcmp(argv[1], "--json");
	char dir[512], sock[1024];
	json_t *all = json_array();
	struct dirent *de;
	DIR *d;
	int rc;

	rc = dsmig_runtime_dir(dir, sizeof(dir));
	if (rc)
		log_fatal(VMM_EXIT_INTERNAL, "runtime directory: %s", strerror(-rc));
	d = opendir(dir);
	if (!d)
		log_fatal(VMM_EXIT_INTERNAL, "%s: %s", dir, strerror(errno));
	if (!as_json)
		printf("%-20s %-9s %5s %8s %-8s %8s\n", "NAME", "STATE", "VCPUS",
		       "MEM(MiB)", "WORKLOAD", "PID");
	while ((de = readdir(d))) {
		char vm[DSMIG_VM_NAME_MAX + 1];
		struct ctl_client *c;
		json_t *st = NULL;

		if (dsmig_socket_vm_name(de->d_name, vm, sizeof(vm)))
			continue;
		snprintf(sock, sizeof(sock), "%s/%s", dir, de->d_name);
		if (ctl_client_open(&c, sock, 500, NULL, 0))
			continue;  /* stale socket of a VMM that died */
		if (ctl_client_execute(c, "query-status", NULL, &st, NULL, 1000) == 0) {
			if (as_json) {
				json_array_append(all, st);
			} else {
				printf("%-20s %-9s %5lld %8lld %-8s %8lld\n",
				       json_string_value(json_object_get(st, "name")),
				       json_string_value(json_object_get(st, "status")),
				       json_integer_value(json_object_get(st, "vcpus")),
				       json_integer_value(json_object_get(st, "mem_bytes")) >> 20,
				       json_string_value(json_object_get(st, "workload")) ?: "-",
				       json_integer_value(json_object_get(st, "pid")));
			}
		}
		json_decref(st);
		ctl_client_close(c);
	}
	closedir(d);
	if (as_json) {
		char *text = json_dumps(all, JSON_COMPACT);

		printf("%s\n", text ? text : "[]");
		free(text);
	}
	json_decref(all);
	return 0;
}

/* Sum of per-vCPU CPU time in a query-stats reply. */
static void stats_cpu(json_t *st, uint64_t *cpu, unsigned *n)
{
	json_t *v;
	size_t i;

	*n = 0;
	json_array_foreach(json_object_get(st, "vcpus"), i, v) {
		if (i < DSMIG_MAX_VCPUS)
			cpu[i] = (uint64_t)json_integer_value(json_object_get(v, "cpu_ns"));
		(*n)++;
	}
}

static int cmd_stat(int argc, char **argv)
{
	long interval_ms = 1000, count = -1, k;
	uint64_t cpu0[DSMIG_MAX_VCPUS] = { 0 }, cpu1[DSMIG_MAX_VCPUS];
	uint64_t t0 = 0, prog0 = 0;
	struct ctl_client *c;
	json_t *st;
	unsigned n, i;
	int a;

	if (argc < 2) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	for (a = 2; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--interval"))
			interval_ms = strtol(argv[a + 1], NULL, 10);
		else if (!strcmp(argv[a], "--count"))
			count = strtol(argv[a + 1], NULL, 10);
		else
			break;
	}
	if (a != argc || interval_ms < 10) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	c = connect_vm(argv[1]);
	printf("%8s %-24s %10s %12s %10s %8s\n", "TIME(s)", "VCPU%", "DIRTY/s",
	       "PROGRESS/s", "HEARTBEAT", "BADPAGES");
	for (k = 0; count < 0 || k <= count; k++) {
		json_t *ctr;
		uint64_t t, prog;
		double dt;
		char cpus[64] = "";
		size_t off = 0;

		if (ctl_client_execute(c, "query-stats", NULL, &st, NULL,
				       CLIENT_TIMEOUT_MS) != 0)
			break;
		t = (uint64_t)json_integer_value(json_object_get(st, "time_ns"));
		ctr = json_object_get(st, "counters");
		prog = (uint64_t)json_integer_value(json_object_get(ctr, "progress"));
		stats_cpu(st, cpu1, &n);
		dt = (double)(t - t0) / 1e9;
		if (k > 0) {
			for (i = 0; i < n && i < DSMIG_MAX_VCPUS && off < sizeof(cpus) - 8; i++)
				off += (size_t)snprintf(cpus + off, sizeof(cpus) - off, "%s%5.1f",
							i ? " " : "",
							100.0 * (double)(cpu1[i] - cpu0[i]) / 1e9 / dt);
			printf("%8.1f %-24s %10.0f %12.0f %10lld %8lld\n",
			       (double)json_integer_value(json_object_get(st, "guest_time_ns")) / 1e9,
			       cpus,
			       (double)json_integer_value(json_object_get(st, "dirty_pages")) / dt,
			       (double)(prog - prog0) / dt,
			       json_integer_value(json_object_get(ctr, "heartbeat")),
			       json_integer_value(json_object_get(ctr, "selfcheck_fail")));
			fflush(stdout);
		}
		memcpy(cpu0, cpu1, sizeof(cpu0));
		t0 = t;
		prog0 = prog;
		json_decref(st);
		if (count < 0 || k < count)
			usleep((useconds_t)interval_ms * 1000);
	}
	ctl_client_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	log_init("dsmig-vmm");
	if (argc < 2) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "accel"))
		return cmd_accel(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return cmd_ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return cmd_stat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	log_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return VMM_EXIT_USAGE;
}

/*
 * The console's actions on VMs (see vmact.h): checks first, then the
 * operator record, then the deed through the host's kind (vmhost.h),
 * then its result as a vmact record. A start is a launcher child per
 * slot, its stderr in a private temporary directory, reaped by
 * vmact_tick(); the other actions are a control command each.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ctl_client.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/text.h"
#include "ui/vmact.h"
#include "ui/vmhost.h"

#define GUEST_SUFFIX ".elf"
#define TEST_GUEST_PREFIX "test-"
/* What of a launcher's stderr is read for its reason. */
#define LAUNCHER_ERR_MAX (64 << 10)

/* A start under way: its launcher. */
struct start_job {
	pid_t pid;                  /* 0: the slot is free */
	char host[64], vm[65];
	uint64_t t0;                /* time_mono_ns() it began */
	char dir[PATH_MAX];         /* private: the launcher's stderr */
	char err[PATH_MAX + 16];
};

struct vmact {
	const struct host_list *hosts;
	struct live *live;
	struct model *m;
	char vmm[PATH_MAX];         /* dsmig-vmm: $DSMIG_VMM, else beside us */
	char guests[PATH_MAX];      /* BIN/../guest, without ".." */
	char images[VMACT_MAX_IMAGES][65];
	int nr_images;
	struct start_job jobs[VMACT_MAX_STARTS];
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The guests in a->guests: NAME.elf, NAME a valid image name and no
 * test guest's. */
static void find_images(struct vmact *a)
{
	DIR *d = opendir(a->guests);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) && a->nr_images < VMACT_MAX_IMAGES) {
		size_t n = strlen(de->d_name), k = sizeof(GUEST_SUFFIX) - 1;
		char *name = a->images[a->nr_images];

		if (n <= k || n - k >= sizeof(a->images[0]) ||
		    strcmp(de->d_name + n - k, GUEST_SUFFIX) ||
		    !strncmp(de->d_name, TEST_GUEST_PREFIX, sizeof(TEST_GUEST_PREFIX) - 1))
			continue;
		snprintf(name, sizeof(a->images[0]), "%.*s", (int)(n - k), de->d_name);
		if (!vmspec_check_image(name, NULL, 0))
			a->nr_images++;
	}
	closedir(d);
	qsort(a->images, (size_t)a->nr_images, sizeof(a->images[0]), cmp_names);
}

int vmact_open(struct vmact **out, const struct host_list *hosts, struct live *l,
	       struct model *m)
{
	struct vmact *a = calloc(1, sizeof(*a));
	char self[PATH_MAX], *bin;

	if (!a)
		return -ENOMEM;
	a->hosts = hosts;
	a->live = l;
	a->m = m;
	proc_sibling(a->vmm, sizeof(a->vmm), "dsmig-vmm", "DSMIG_VMM");
	proc_self_exe(self, sizeof(self));
	bin = dirname(self);
	/* BIN's parent spelt out: an ssh command line takes no "..". */
	snprintf(a->guests, sizeof(a->guests), "%s/guest", dirname(bin));
	find_images(a);
	*out = a;
	return 0;
}

int vmact_images(const struct vmact *a)
{
	return a->nr_images;
}

const char *vmact_image(const struct vmact *a, int i)
{
	return i >= 0 && i < a->nr_images ? a->images[i] : NULL;
}

/* The start under way of VM vm (any host), or NULL. */
static const struct start_job *starting(const struct vmact *a, const char *vm)
{
	int i;

	for (i = 0; i < VMACT_MAX_STARTS; i++)
		if (a->jobs[i].pid && !strcmp(a->jobs[i].vm, vm))
			return &a->jobs[i];
	return NULL;
}

/* Whether host name is one whose VMs dsmig starts and stops, and
 * reachable: 0, or -1 with why. */
static int host_usable(const struct vmact *a, const char *name, char *why, size_t len)
{
	const struct host *h = hosts_find(a->hosts, name);
	int i = model_host(a->m, name);

	if (!h)
		return errbuf_set(why, len, "no host '%s' in the hosts file", name);
	if (!vmhost_ops(h))
		return errbuf_set(why, len, "%s is a xen host: dsmig does not start or stop "
				  "its domains", name);
	if (i >= 0 && a->m->host_info[i].unreachable[0])
		return errbuf_set(why, len, "%s is unreachable: %s", name,
				  a->m->host_info[i].unreachable);
	return 0;
}

enum vm_start_field vmact_start_check(const struct vmact *a, const struct vm_start_req *r,
				      char *why, size_t len)
{
	const struct vm_view *on;
	uint64_t bytes;
	int i;

	if (host_usable(a, r->host, why, len))
		return VM_START_HOST;
	for (i = 0; i < a->nr_images && strcmp(a->images[i], r->image); i++)
		;
	if (!a->nr_images)
		return errbuf_set(why, len, "no guest images in %s", a->guests), VM_START_IMAGE;
	if (i == a->nr_images)
		return errbuf_set(why, len, "image '%s' is none of the guests in %s", r->image,
				  a->guests), VM_START_IMAGE;
	if (vmspec_check_name(r->name, why, len))
		return VM_START_NAME;
	if ((on = model_vm_named(a->m, r->name)))
		return errbuf_set(why, len, "a VM named %s is on %s already (VMs are found by "
				  "name)", r->name, on->host), VM_START_NAME;
	if (starting(a, r->name))
		return errbuf_set(why, len, "%s is being started already", r->name), VM_START_NAME;
	if (vmspec_parse_mem(r->mem, &bytes, why, len))
		return VM_START_MEM;
	return VM_START_OK;
}

/* The result of action act on vm of host: done, or failed with why. */
static void record_result(struct vmact *a, enum vm_action act, const char *host,
			  const char *vm, const char *why)
{
	char clean[160];

	if (why)
		text_clean(clean, sizeof(clean), why);
	live_record(a->live, "vmact", json_pack("{s:s, s:s, s:s, s:s, s:s*}",
						"event", why ? "failed" : "done",
						"action", vm_action_name(act), "host", host,
						"vm", vm, "error", why ? clean : NULL));
}

/* Run the launcher of r (its memory as mem) in the free slot j. 0, or
 * -1 with why. */
static int launch(struct vmact *a, struct start_job *j, const struct vm_start_req *r,
		  const char *mem, char *why, size_t len)
{
	const struct host *h = hosts_find(a->hosts, r->host);
	char image[PATH_MAX + 80], tmpl[] = "/tmp/dsmig-vmstart.XXXXXX";
	struct vm_launch l = { .vmm = a->vmm, .image = image, .name = r->name, .mem = mem };
	struct vmhost_cmd cmd;
	pid_t pid;

	snprintf(image, sizeof(image), "%s/%s%s", a->guests, r->image, GUEST_SUFFIX);
	if (vmhost_ops(h)->launcher(h, &l, &cmd, why, len))
		return -1;
	if (!mkdtemp(tmpl))
		return errbuf_set(why, len, "cannot make a directory for it: %s", strerror(errno));
	snprintf(j->dir, sizeof(j->dir), "%s", tmpl);
	snprintf(j->err, sizeof(j->err), "%s/err", tmpl);
	/* Its own process group: the terminal's Ctrl-C is the console's. */
	pid = proc_spawn(cmd.argv, "/dev/null", j->err, 1);
	if (pid < 0) {
		rmdir(j->dir);
		return errbuf_set(why, len, "cannot run its launcher: %s", strerror((int)-pid));
	}
	j->pid = pid;
	j->t0 = time_mono_ns();
	snprintf(j->host, sizeof(j->host), "%s", r->host);
	snprintf(j->vm, sizeof(j->vm), "%s", r->name);
	return 0;
}

enum vm_start_field vmact_start(struct vmact *a, const struct vm_start_req *r, char *msg,
				size_t len)
{
	char mem[VMSPEC_MEM_TEXT], why[240];
	enum vm_start_field f = vmact_start_check(a, r, why, sizeof(why));
	struct start_job *j = NULL;
	uint64_t bytes;
	int i;

	if (f)
		return errbuf_set(msg, len, "nothing started: %s", why), f;
	for (i = 0; i < VMACT_MAX_STARTS && !j; i++)
		j = a->jobs[i].pid ? NULL : &a->jobs[i];
	if (!j)
		return errbuf_set(msg, len, "nothing started: %d VMs are being started already, "
				  "wait for one", VMACT_MAX_STARTS), VM_START_BUSY;
	vmspec_parse_mem(r->mem, &bytes, NULL, 0);    /* checked above */
	vmspec_format_mem(bytes, mem, sizeof(mem));
	live_operator(a->live, vm_action_name(VM_ACTION_START),
		      json_pack("{s:s, s:s, s:s, s:s}", "host", r->host, "vm", r->name,
				"image", r->image, "mem", mem));
	if (launch(a, j, r, mem, why, sizeof(why))) {
		record_result(a, VM_ACTION_START, r->host, r->name, why);
		errbuf_set(msg, len, "cannot start %s on %s: %s", r->name, r->host, why);
		return VM_START_OK;
	}
	errbuf_set(msg, len, "starting %s on %s (%s, %s)", r->name, r->host, r->image, mem);
	return VM_START_OK;
}

int vmact_check(const struct vmact *a, enum vm_action act, const char *host, const char *vm,
		char *why, size_t len)
{
	const struct vm_view *v = model_vm(a->m, host, vm, 0);

	if (host_usable(a, host, why, len))
		return -1;
	if (!v || !strcmp(v->state, "gone"))
		return errbuf_set(why, len, "%s is not on %s (any more)", vm, host);
	if (a->live && live_vm_migrating(a->live, vm))
		return errbuf_set(why, len, "%s is being migrated: it is not %s under a migration "
				  "(c cancels the migration)", vm, vm_action_verb(act, 1));
	if (queue_pending(&a->m->queue, vm))
		return errbuf_set(why, len, "%s is queued for a migration: cancel its item first "
				  "(w, then c)", vm);
	if (starting(a, vm))
		return errbuf_set(why, len, "%s is still starting", vm);
	if ((act == VM_ACTION_PAUSE && strcmp(v->state, "running")) ||
	    (act == VM_ACTION_RESUME && strcmp(v->state, "paused")))
		return errbuf_set(why, len, "%s is %s: only a running VM pauses, a paused one "
				  "resumes", vm, v->state);
	return 0;
}

/* act on the VMM at sock: its control command, unless the VMM says it is
 * being migrated (a migration the console did not launch). 0, or -1
 * with why. */
static int ctl_run(const char *sock, enum vm_action act, char *why, size_t len)
{
	static const char *const command[VM_ACTION_NR] = {
		[VM_ACTION_STOP] = "quit", [VM_ACTION_PAUSE] = "pause",
		[VM_ACTION_RESUME] = "resume",
	};
	struct ctl_client *c;
	json_t *ret = NULL;
	char inner[200];
	int rc;

	if (ctl_client_open(&c, sock, VMACT_CTL_MS, inner, sizeof(inner)))
		return errbuf_set(why, len, "cannot reach its VMM: %s", inner);
	rc = ctl_client_execute(c, "query-status", NULL, &ret, NULL, VMACT_CTL_MS);
	if (!rc && json_is_true(json_object_get(ret, "migrating"))) {
		errbuf_set(why, len, "its VMM says it is being migrated");
		rc = 1;
	} else if (!rc) {
		json_decref(ret);
		ret = NULL;
		rc = ctl_client_execute(c, command[act], NULL, &ret, NULL, VMACT_CTL_MS);
	}
	if (rc == -1)
		errbuf_set(why, len, "its VMM refused: %s",
			   json_string_value(json_object_get(ret, "desc")) ?: "no reason given");
	else if (rc < 0)
		errbuf_set(why, len, "its VMM did not answer: %s", strerror(-rc));
	json_decref(ret);
	ctl_client_close(c);
	return rc ? -1 : 0;
}

int vmact_control(struct vmact *a, enum vm_action act, const char *host, const char *vm,
		  char *msg, size_t len)
{
	const struct vmhost_ops *ops = vmhost_ops(hosts_find(a->hosts, host));
	char sock[PATH_MAX], why[200];

	if (vmact_check(a, act, host, vm, why, sizeof(why)))
		return errbuf_set(msg, len, "cannot %s %s: %s", vm_action_verb(act, 0), vm, why);
	live_operator(a->live, vm_action_name(act), json_pack("{s:s, s:s}", "host", host,
							       "vm", vm));
	if (ops->sock(hosts_find(a->hosts, host), vm, sock, sizeof(sock)))
		errbuf_set(why, sizeof(why), "no socket path for it");
	else if (!ctl_run(sock, act, why, sizeof(why)))
		why[0] = '\0';
	record_result(a, act, host, vm, why[0] ? why : NULL);
	if (why[0])
		return errbuf_set(msg, len, "cannot %s %s on %s: %s", vm_action_verb(act, 0), vm,
				  host, why);
	errbuf_set(msg, len, "%s %s on %s", vm, vm_action_verb(act, 1), host);
	return 0;
}

/* Why job j's launcher failed, from its stderr: the last error the VMM
 * (or ssh) gave, without the program's prefix, else its last line, else
 * its status. */
static void launcher_reason(const struct start_job *j, int status, char *why, size_t len)
{
	char *text = NULL, *line, *save = NULL, *pick = NULL, *err;
	int errors = 0;
	size_t n;

	if (!file_read_all(j->err, LAUNCHER_ERR_MAX, (void **)&text, &n)) {
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			err = strstr(line, "error: ");
			if (err)
				pick = err + sizeof("error: ") - 1;
			else if (!errors)
				pick = line;
			errors |= err != NULL;
		}
	}
	if (pick)
		text_clean(why, len, pick);
	else if (WIFEXITED(status))
		snprintf(why, len, "its launcher exited with status %d", WEXITSTATUS(status));
	else
		snprintf(why, len, "its launcher was killed by signal %d", WTERMSIG(status));
	free(text);
}

/* Job j is over: its result recorded (why: failed), its files gone. */
static void job_end(struct vmact *a, struct start_job *j, const char *why, char *msg,
		    size_t len)
{
	record_result(a, VM_ACTION_START, j->host, j->vm, why);
	if (why)
		snprintf(msg, len, "cannot start %s on %s: %s", j->vm, j->host, why);
	else
		snprintf(msg, len, "%s started on %s", j->vm, j->host);
	unlink(j->err);
	rmdir(j->dir);
	j->pid = 0;
}

int vmact_tick(struct vmact *a, char *msg, size_t len)
{
	uint64_t now = time_mono_ns();
	char why[200];
	int i, status, said = 0;

	for (i = 0; i < VMACT_MAX_STARTS; i++) {
		struct start_job *j = &a->jobs[i];
		pid_t r;

		if (!j->pid)
			continue;
		r = waitpid(j->pid, &status, WNOHANG);
		if (r == 0 && now - j->t0 < VMACT_START_MAX_MS * 1000000ull)
			continue;
		if (r == 0) {           /* too long: given up */
			kill(-j->pid, SIGKILL);
			waitpid(j->pid, &status, 0);
			snprintf(why, sizeof(why), "no answer within %d s (it may still come up)",
				 VMACT_START_MAX_MS / 1000);
		} else if (r < 0) {
			snprintf(why, sizeof(why), "its launcher is lost: %s", strerror(errno));
		} else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			why[0] = '\0';
		} else {
			launcher_reason(j, status, why, sizeof(why));
		}
		job_end(a, j, why[0] ? why : NULL, msg, len);
		said = 1;
	}
	return said;
}

void vmact_close(struct vmact *a)
{
	char msg[320];
	int i;

	if (!a)
		return;
	for (i = 0; i < VMACT_MAX_STARTS; i++) {
		struct start_job *j = &a->jobs[i];

		if (!j->pid)
			continue;
		kill(-j->pid, SIGTERM);
		proc_wait(j->pid, 1000);
		job_end(a, j, "the console closed before it answered (it may still come up)",
			msg, sizeof(msg));
	}
	free(a);
}

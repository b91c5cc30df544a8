/*
 * The xen backend's destination done by Xen's own `xl migrate-receive`
 * instead of libxl called in process (backend "xen-xl"): rank 1 runs the
 * receiver and speaks xl's migration protocol to it (tools/xl/xl_migrate.c:
 * the receiver's banner; an xl save-file header with the domain's JSON
 * configuration; the libxl stream; "domain received, ready to unpause";
 * the permission to go; the receiver's report and status byte), feeding
 * it the stream the engine carried. It exists to show that what dsmig
 * sends is what plain xl receives (issue 11); the source side, recovery
 * and --verify are the xen backend's.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "hv/hv_xen_int.h"

/* tools/xl/xl.h of Xen 4.17. */
static const char xl_banner[] = "xl migration receiver ready, send binary domain data.\n";
static const char xl_ready[] = "domain received, ready to unpause";
static const char xl_go[] = "domain is yours, you are cleared to unpause";
static const char xl_report[] = "my copy unpause results are as follows";
static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";
#define XL_BYTEORDER 0x01020304u
#define XL_FLAG_JSON 1u
#define XL_FLAG_STREAMV2 2u

struct xl_header {
	char magic[32];
	uint32_t byteorder, mandatory_flags, optional_flags, optional_data_len;
};

void xen_xl_end(struct hv_vm *vm)
{
	if (vm->xl_in >= 0)
		close(vm->xl_in);
	if (vm->xl_out >= 0)
		close(vm->xl_out);
	vm->xl_in = vm->xl_out = -1;
	if (vm->xl_pid > 0) {
		kill(vm->xl_pid, SIGTERM);
		waitpid(vm->xl_pid, NULL, 0);
		vm->xl_pid = 0;
	}
}

/* Read exactly len bytes and compare them with msg. 0 or -1. */
static int expect(int fd, const char *msg, size_t len)
{
	char buf[64];
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return memcmp(buf, msg, len) ? -1 : 0;
}

static int spawn_receiver(struct hv_vm *vm)
{
	int in[2], out[2];

	if (pipe(in))
		return -errno;
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	vm->xl_pid = fork();
	if (vm->xl_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp("xl", "xl", "migrate-receive", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	vm->xl_in = in[1];
	vm->xl_out = out[0];
	return vm->xl_pid < 0 ? -errno : 0;
}

/* The header and configuration xl's sender writes before the stream. */
static int send_header(struct hv_vm *vm, const char *cfg)
{
	uint32_t cfg_len = (uint32_t)strlen(cfg) + 1;
	struct xl_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, xl_magic, sizeof(h.magic));
	h.byteorder = XL_BYTEORDER;
	h.mandatory_flags = XL_FLAG_STREAMV2 | XL_FLAG_JSON;
	h.optional_data_len = 4 + cfg_len;
	if (fd_write_all(vm->xl_in, &h, sizeof(h)) ||
	    fd_write_all(vm->xl_in, &cfg_len, sizeof(cfg_len)) ||
	    fd_write_all(vm->xl_in, cfg, cfg_len))
		return -1;
	return 0;
}

/* Copy the carried stream from fd into the receiver until its end. */
static int copy_stream(struct hv_vm *vm, int fd)
{
	static uint8_t buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (fd_write_all(vm->xl_in, buf, (size_t)n))
			return -1;
	}
}

int xen_xl_restore(struct hv_vm **out, const char *host, const char *name,
		      const char *cfg, int fd, char *why, size_t len)
{
	libxl_domain_config dc;
	struct hv_vm *vm;
	char incoming[sizeof(vm->now)];
	int rc;

	/* The same checks as the in-process restore, then xl parses it. */
	vm = xen_vm_incoming(name, cfg, &dc, &rc, why, len);
	libxl_domain_config_dispose(&dc);
	if (!vm)
		return rc;
	rc = -EIO;
	if (spawn_receiver(vm))
		errbuf_set(why, len, "cannot start xl migrate-receive");
	else if (expect(vm->xl_out, xl_banner, sizeof(xl_banner) - 1))
		errbuf_set(why, len, "xl migrate-receive sent no banner");
	else if (send_header(vm, cfg) || copy_stream(vm, fd))
		errbuf_set(why, len, "xl migrate-receive stopped taking the stream");
	else if (expect(vm->xl_out, xl_ready, sizeof(xl_ready)))
		errbuf_set(why, len, "xl migrate-receive did not restore the domain "
			   "(see xl's messages above)");
	else
		rc = 0;
	if (rc == 0) {
		/* xl named it as dsmig does. */
		snprintf(incoming, sizeof(incoming), "%s" INCOMING_SUFFIX, name);
		snprintf(vm->now, sizeof(vm->now), "%s", incoming);
		rc = xen_dom_open(&vm->dom, incoming, &vm->info, why, len);
	}
	if (rc) {
		/* xl destroys a domain it could not finish, and one it was
		 * not told to start once its input ends. */
		xen_vm_free(vm);
		return rc;
	}
	*out = vm;
	return 0;
}

/* GO: xl renames the domain and unpauses it, then reports. */
int xen_xl_activate(struct hv_vm *vm)
{
	char status = 1;

	if (fd_write_all(vm->xl_in, xl_go, sizeof(xl_go)) ||
	    expect(vm->xl_out, xl_report, sizeof(xl_report)) ||
	    read(vm->xl_out, &status, 1) != 1)
		return xen_vm_fail(vm, -EIO, "xl migrate-receive did not answer the go");
	if (status)
		return xen_vm_fail(vm, -EIO, "xl migrate-receive could not start it (status %d)",
				   status);
	snprintf(vm->now, sizeof(vm->now), "%s", vm->name);
	xen_xl_end(vm);
	return 0;
}

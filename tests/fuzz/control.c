/*
 * Fuzzing the control socket's input side (src/vmm/control_dispatch.c):
 * the bytes are what one client sends. The server is a real one
 * (ctl_server_open() in a temporary directory) with a small command
 * table of its own (dsmig-vmm's needs a VM), but its poll loop does not
 * run: the client is one end of a socketpair, and the harness calls
 * ctl_server_read() as the loop would, then sends the replies
 * (ctl_conn_flush()) and drops them at the other end. Line splitting,
 * the oversized-line skip, the JSON and request checks and dispatch all
 * run as in dsmig-vmm.
 *
 * The first byte shapes the delivery: its low 7 bits how many bytes
 * arrive per read (1 + 32 * n), bit 7 a CTL_LINE_MAX-byte line without
 * its newline ahead of the rest, so that the input lands in the middle
 * of skipping an oversized line.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "vmm/control_int.h"

static struct ctl_server *srv;

/* Succeeds with the number of arguments, or fails (an error reply) when
 * one of them is "fail". */
static int cmd_count(struct ctl_request *req, json_t *args, json_t **ret,
		     struct ctl_error *err)
{
	if (json_object_get(args, "fail"))
		return ctl_fail(err, CTL_ERR_STATE, "asked to fail");
	*ret = json_pack("{sI}", "n", (json_int_t)json_object_size(args));
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static const struct ctl_command commands[] = {
	{ .name = "count", .fn = cmd_count, .help = "count the arguments" },
	{ .name = "query-status", .fn = cmd_count, .help = "a name like the VMM's" },
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/dsmig-fuzz-XXXXXX", path[sizeof(dir) + 8], why[256];
	struct ctl_server_config cfg = {
		.path = path, .commands = commands,
		.nr_commands = sizeof(commands) / sizeof(commands[0]),
	};

	if (!mkdtemp(dir))
		fuzz_die("mkdtemp");
	snprintf(path, sizeof(path), "%s/ctl", dir);
	if (ctl_server_open(&srv, &cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "control server: %s\n", why);
		abort();
	}
	/* The socket file is not needed: clients come from socketpairs. */
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Drop whatever the server sent to the client's end. */
static void drain(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Have the server read what is waiting on c and answer it. Returns 0,
 * or -1 once the server would drop the client. */
static int serve(struct ctl_conn *c, int peer)
{
	int pending;

	do {
		if (ctl_server_read(srv, c) < 0 || ctl_conn_flush(c) < 0)
			return -1;
		drain(peer);
		if (ioctl(c->fd, FIONREAD, &pending) < 0)
			fuzz_die("FIONREAD");
	} while (pending > 0);
	return 0;
}

/* Send data[0, size) from the client's end, chunk bytes at a time. */
static int send_all(struct ctl_conn *c, int peer, const uint8_t *data, size_t size,
		    size_t chunk)
{
	size_t off, n;

	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (send(peer, data + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			fuzz_die("send");
		if (serve(c, peer))
			return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t junk[CTL_LINE_MAX];
	struct ctl_conn *c;
	int sv[2];
	size_t chunk;

	if (!size)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		fuzz_die("socketpair");
	c = calloc(1, sizeof(*c));
	if (!c || !(c->in = malloc(CTL_LINE_MAX + 1)))
		fuzz_die("malloc");
	c->fd = sv[0];
	chunk = 1 + (size_t)(data[0] & 0x7f) * 32;
	if (data[0] & 0x80) {
		memset(junk, 'x', sizeof(junk));
		if (send_all(c, sv[1], junk, sizeof(junk), sizeof(junk)))
			goto out;
	}
	if (send_all(c, sv[1], data + 1, size - 1, chunk))
		goto out;
	/* The client hangs up: the server sees the end of its input. */
	shutdown(sv[1], SHUT_WR);
	(void)serve(c, sv[1]);
out:
	ctl_conn_free(c);
	close(sv[1]);
	return 0;
}

/*
 * Unit tests of the control socket: a real server (src/vmm/control.c) on a
 * thread, on a socket in a fresh mkdtemp directory, driven by the real
 * client (src/common/ctl_client.c) and by raw sockets for malformed input.
 * Also the runtime-directory and socket-path helpers (src/common/rundir.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/ctl_client.h"
#include "common/rundir.h"
#include "vmm/control.h"
#include "vmm/control_int.h"   /* CTL_OUT_MAX, a client's backlog */

#define TIMEOUT_MS 5000

struct fixture {
	char dir[64];
	char path[128];
	struct ctl_server *srv;
	pthread_t thread;
	int run_rc;
	pthread_mutex_t lock;   /* memfd is set on the server thread */
	int memfd;              /* last descriptor handed out by "getfd" */
	_Atomic int ticks;      /* on_tick calls */
};

/* ---- commands of the test server ---------------------------------------- */

static int cmd_echo(struct ctl_request *req, json_t *args, json_t **ret,
		    struct ctl_error *err)
{
	*ret = json_pack("{sO}", "args", args);
	return *ret ? 0 : ctl_fail(err, CTL_ERR_GENERIC, "out of memory");
}

static int cmd_fail(struct ctl_request *req, json_t *args, json_t **ret,
		    struct ctl_error *err)
{
	return ctl_fail(err, CTL_ERR_STATE, "vm is %s", "paused");
}

static int cmd_getfd(struct ctl_request *req, json_t *args, json_t **ret,
		     struct ctl_error *err)
{
	struct fixture *f = req->opaque;
	int fd = memfd_create("test-ram", MFD_CLOEXEC);

	if (fd < 0 || write(fd, "hello", 5) != 5)
		return ctl_fail(err, CTL_ERR_GENERIC, "memfd: %s", strerror(errno));
	pthread_mutex_lock(&f->lock);
	if (f->memfd >= 0)
		close(f->memfd);
	f->memfd = fd;
	pthread_mutex_unlock(&f->lock);
	req->reply_fd = fd;
	*ret = json_pack("{si}", "size", 5);
	return 0;
}

static int fixture_memfd(struct fixture *f)
{
	int fd;

	pthread_mutex_lock(&f->lock);
	fd = f->memfd;
	pthread_mutex_unlock(&f->lock);
	return fd;
}

/* Emits from the server thread itself, in the middle of a command. */
static int cmd_emit(struct ctl_request *req, json_t *args, json_t **ret,
		    struct ctl_error *err)
{
	struct fixture *f = req->opaque;

	ctl_server_emit(f->srv, "FROM_HANDLER", json_pack("{sb}", "ok", 1));
	return 0;
}

static const struct ctl_command test_commands[] = {
	{ .name = "echo", .fn = cmd_echo, .help = "return the arguments" },
	{ .name = "fail", .fn = cmd_fail, .help = "always fails" },
	{ .name = "getfd", .fn = cmd_getfd, .help = "pass a memfd" },
	{ .name = "emit", .fn = cmd_emit, .help = "emit an event" },
};

/* ---- server fixture --------------------------------------------------------- */

static void count_tick(void *opaque)
{
	struct fixture *f = opaque;

	f->ticks++;
}

static void *server_thread(void *arg)
{
	struct fixture *f = arg;

	f->run_rc = ctl_server_run(f->srv);
	return NULL;
}

static int server_start_limited(struct fixture *f, const char *path,
				const struct ctl_limits *limits)
{
	json_t *greet = json_pack("{ss}", "name", "testvm");
	struct ctl_server_config cfg = {
		.path = path,
		.commands = test_commands,
		.nr_commands = sizeof(test_commands) / sizeof(test_commands[0]),
		.opaque = f,
		.greeting = greet,
		.limits = limits,
		.on_tick = count_tick,
		.tick_ms = 20,
	};
	int rc = ctl_server_open(&f->srv, &cfg, NULL, 0);

	json_decref(greet);
	if (rc < 0)
		return rc;
	if (pthread_create(&f->thread, NULL, server_thread, f) != 0) {
		ctl_server_close(f->srv);
		return -EAGAIN;
	}
	return 0;
}

static int server_start(struct fixture *f, const char *path)
{
	return server_start_limited(f, path, NULL);
}

static void server_finish(struct fixture *f)
{
	ctl_server_stop(f->srv);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	assert_int_equal(f->run_rc, 0);
	ctl_server_close(f->srv);
	f->srv = NULL;
}

/* Short limits, so that the tests of the limits take a fraction of a
 * second; silence is allowed long enough for the eviction test. */
static const struct ctl_limits short_limits = {
	.silent_ms = 2000, .partial_ms = 300, .stall_ms = 300, .evict_ms = 100,
};

static int setup_limits(void **state, const struct ctl_limits *limits)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->memfd = -1;
	if (pthread_mutex_init(&f->lock, NULL) != 0)
		return -1;
	strcpy(f->dir, "/tmp/dsmig-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/vm.sock", f->dir);
	if (server_start_limited(f, f->path, limits) < 0)
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_limits(state, NULL);
}

static int setup_short(void **state)
{
	return setup_limits(state, &short_limits);
}

/* For a test that stopped and closed the server itself. */
static int teardown_stopped(void **state)
{
	struct fixture *f = *state;

	if (f->memfd >= 0)
		close(f->memfd);
	pthread_mutex_destroy(&f->lock);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	server_finish(f);
	/* Stop + close removes the socket file. */
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	return teardown_stopped(state);
}

/* ---- raw socket helpers ----------------------------------------------------- */

static int raw_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void raw_send(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		assert_true(n > 0);
		data += n;
		len -= n;
	}
}

static void raw_send_str(int fd, const char *s)
{
	raw_send(fd, s, strlen(s));
}

/* Read one line (byte by byte: slow but exact) and parse it. */
static json_t *raw_read(int fd)
{
	static char line[1 << 20];
	size_t len = 0;
	json_error_t jerr;
	json_t *msg;

	for (;;) {
		ssize_t n = read(fd, line + len, 1);

		assert_int_equal(n, 1);
		if (line[len] == '\n')
			break;
		len++;
		assert_true(len < sizeof(line));
	}
	msg = json_loadb(line, len, 0, &jerr);
	assert_non_null(msg);
	return msg;
}

/* Connect raw and check that the first line is the greeting. */
static int raw_open(const char *path)
{
	int fd = raw_connect(path);
	json_t *greet = raw_read(fd);

	assert_non_null(json_object_get(greet, "dsmig"));
	json_decref(greet);
	return fd;
}

static void assert_error_class(json_t *msg, const char *class)
{
	json_t *e = json_object_get(msg, "error");

	assert_non_null(e);
	assert_null(json_object_get(msg, "return"));
	assert_string_equal(json_string_value(json_object_get(e, "class")), class);
	assert_true(json_is_string(json_object_get(e, "desc")));
}

/* ---- tests ------------------------------------------------------------------ */

static void test_greeting(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *g;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	g = ctl_client_greeting(c);
	assert_non_null(g);
	assert_int_equal(json_integer_value(json_object_get(g, "protocol")),
			 CTL_PROTOCOL_VERSION);
	assert_string_equal(json_string_value(json_object_get(g, "version")), "0.1");
	assert_string_equal(json_string_value(json_object_get(g, "name")), "testvm");
	ctl_client_close(c);
}

/* The tick runs on its own while clients come and go: with one asking
 * all the time, and with none at all. */
static void test_ticks(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *r = NULL;
	int i, before;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	before = f->ticks;
	for (i = 0; i < 400 && f->ticks < before + 3; i++) {
		assert_int_equal(ctl_client_execute(c, "echo", NULL, &r, NULL, TIMEOUT_MS), 0);
		json_decref(r);
		usleep(5000);
	}
	assert_true(f->ticks >= before + 3);
	ctl_client_close(c);
	before = f->ticks;
	for (i = 0; i < 400 && f->ticks < before + 3; i++)
		usleep(5000);
	assert_true(f->ticks >= before + 3);
}

static void test_help(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *ret, *cmd;
	size_t i;
	int seen_echo = 0, seen_help = 0;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(c, "help", NULL, &ret, NULL, TIMEOUT_MS), 0);
	assert_int_equal(json_array_size(json_object_get(ret, "commands")), 5);
	json_array_foreach(json_object_get(ret, "commands"), i, cmd) {
		const char *name = json_string_value(json_object_get(cmd, "name"));
		const char *help = json_string_value(json_object_get(cmd, "help"));

		assert_non_null(name);
		assert_non_null(help);
		if (strcmp(name, "echo") == 0) {
			assert_string_equal(help, "return the arguments");
			seen_echo++;
		}
		seen_help += strcmp(name, "help") == 0;
	}
	assert_int_equal(seen_echo, 1);
	assert_int_equal(seen_help, 1);
	json_decref(ret);
	ctl_client_close(c);
}

static void test_ids_echoed(void **state)
{
	static const char *const ids[] = {
		"{\"a\":[1,2,{\"b\":null}]}", "\"abc\"", "42", "-7", "null",
		"true", "[]", "2.5",
	};
	struct fixture *f = *state;
	int fd = raw_open(f->path);
	char line[256];
	size_t i;
	json_t *msg, *want;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(line, sizeof(line), "{\"execute\":\"echo\",\"id\":%s}\n", ids[i]);
		raw_send_str(fd, line);
		msg = raw_read(fd);
		want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
		assert_non_null(want);
		assert_non_null(json_object_get(msg, "return"));
		assert_true(json_equal(json_object_get(msg, "id"), want));
		json_decref(want);
		json_decref(msg);
	}
	/* No id in, no id out. */
	raw_send_str(fd, "{\"execute\":\"echo\"}\n");
	msg = raw_read(fd);
	assert_non_null(json_object_get(msg, "return"));
	assert_null(json_object_get(msg, "id"));
	json_decref(msg);
	/* Errors echo the id too. */
	raw_send_str(fd, "{\"execute\":\"nope\",\"id\":\"x1\"}\n");
	msg = raw_read(fd);
	assert_error_class(msg, CTL_ERR_NOT_FOUND);
	assert_string_equal(json_string_value(json_object_get(msg, "id")), "x1");
	json_decref(msg);
	close(fd);
}

static void test_args_passed(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *args = json_pack("{sis[ss]s{sb}}", "x", 1, "list", "a", "b",
				 "obj", "flag", 1);
	json_t *ret;
	int fd;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(c, "echo", args, &ret, &fd, TIMEOUT_MS), 0);
	assert_int_equal(fd, -1);
	assert_true(json_equal(json_object_get(ret, "args"), args));
	json_decref(ret);
	/* Absent arguments reach the handler as {}. */
	assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	assert_true(json_is_object(json_object_get(ret, "args")));
	assert_int_equal(json_object_size(json_object_get(ret, "args")), 0);
	json_decref(ret);
	json_decref(args);
	ctl_client_close(c);
}

static void test_handler_error(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *ret;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(c, "fail", NULL, &ret, NULL, TIMEOUT_MS), -1);
	assert_string_equal(json_string_value(json_object_get(ret, "class")), CTL_ERR_STATE);
	assert_string_equal(json_string_value(json_object_get(ret, "desc")), "vm is paused");
	json_decref(ret);
	/* The connection is still usable. */
	assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	ctl_client_close(c);
}

static void test_unknown_command(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *ret;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(c, "no-such-command", NULL, &ret, NULL,
					    TIMEOUT_MS), -1);
	assert_string_equal(json_string_value(json_object_get(ret, "class")),
			    CTL_ERR_NOT_FOUND);
	json_decref(ret);
	ctl_client_close(c);
}

/* Send a line, expect an error of class BAD_INPUT and the given id. */
static void expect_bad_input(int fd, const char *line, json_t *id)
{
	json_t *msg;

	raw_send_str(fd, line);
	msg = raw_read(fd);
	assert_error_class(msg, CTL_ERR_BAD_INPUT);
	if (id)
		assert_true(json_equal(json_object_get(msg, "id"), id));
	else
		assert_null(json_object_get(msg, "id"));
	json_decref(msg);
}

static void expect_echo_works(int fd, int id)
{
	char line[128];
	json_t *msg;

	snprintf(line, sizeof(line), "{\"execute\":\"echo\",\"id\":%d}\n", id);
	raw_send_str(fd, line);
	msg = raw_read(fd);
	assert_non_null(json_object_get(msg, "return"));
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), id);
	json_decref(msg);
}

static void test_malformed_json(void **state)
{
	struct fixture *f = *state;
	json_t *msg;
	int fd = raw_open(f->path);

	expect_bad_input(fd, "{not json\n", NULL);
	expect_bad_input(fd, "{\"execute\":\"echo\"} trailing\n", NULL);
	expect_bad_input(fd, "{\"execute\":\"echo\",\"execute\":\"help\"}\n", NULL);
	expect_bad_input(fd, "{\"execute\":\"\xff\xfe\"}\n", NULL);  /* not UTF-8 */
	/* Blank lines are ignored; CRLF is accepted. */
	raw_send_str(fd, "\n  \r\n");
	raw_send_str(fd, "{\"execute\":\"echo\",\"id\":1}\r\n");
	msg = raw_read(fd);
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), 1);
	json_decref(msg);
	expect_echo_works(fd, 2);
	close(fd);
}

static void test_non_object(void **state)
{
	struct fixture *f = *state;
	int fd = raw_open(f->path);

	expect_bad_input(fd, "[1,2]\n", NULL);
	expect_bad_input(fd, "42\n", NULL);
	expect_bad_input(fd, "\"execute\"\n", NULL);
	expect_echo_works(fd, 3);
	close(fd);
}

static void test_missing_execute(void **state)
{
	struct fixture *f = *state;
	int fd = raw_open(f->path);
	json_t *id5 = json_integer(5), *id6 = json_integer(6);
	json_t *id7 = json_string("seven"), *id8 = json_integer(8);

	expect_bad_input(fd, "{\"id\":5}\n", id5);
	expect_bad_input(fd, "{\"execute\":42,\"id\":6}\n", id6);
	expect_bad_input(fd, "{\"execute\":\"echo\",\"arguments\":[1],\"id\":\"seven\"}\n", id7);
	expect_bad_input(fd, "{\"execute\":\"echo\",\"extra\":1,\"id\":8}\n", id8);
	expect_echo_works(fd, 9);
	json_decref(id5);
	json_decref(id6);
	json_decref(id7);
	json_decref(id8);
	close(fd);
}

static void test_oversized_line(void **state)
{
	struct fixture *f = *state;
	int fd = raw_open(f->path);
	size_t big = CTL_LINE_MAX + 100;
	char *buf = malloc(big + 1);
	const char *cmd = "{\"execute\":\"echo\",\"id\":10}";
	json_t *msg;

	assert_non_null(buf);
	/* Too long: one error, the rest of the line skipped, then a command
	 * sent right behind it works. */
	memset(buf, 'x', big);
	buf[big] = '\n';
	raw_send(fd, buf, big + 1);
	expect_bad_input(fd, "", NULL);
	expect_echo_works(fd, 11);

	/* Exactly CTL_LINE_MAX bytes before the newline is accepted. */
	memset(buf, ' ', CTL_LINE_MAX);
	memcpy(buf, cmd, strlen(cmd));
	buf[CTL_LINE_MAX] = '\n';
	raw_send(fd, buf, CTL_LINE_MAX + 1);
	msg = raw_read(fd);
	assert_non_null(json_object_get(msg, "return"));
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), 10);
	json_decref(msg);

	/* An oversized line split over several writes, with the next
	 * command in the same write as its tail. */
	memset(buf, '{', big);
	raw_send(fd, buf, big / 2);
	raw_send(fd, buf, big / 2);
	raw_send_str(fd, "}}}\n{\"execute\":\"echo\",\"id\":12}\n");
	expect_bad_input(fd, "", NULL);
	msg = raw_read(fd);
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), 12);
	json_decref(msg);
	free(buf);
	close(fd);
}

static void assert_event(json_t *ev, const char *name)
{
	json_t *ts = json_object_get(ev, "timestamp");
	json_int_t us = json_integer_value(json_object_get(ts, "microseconds"));

	assert_string_equal(json_string_value(json_object_get(ev, "event")), name);
	assert_true(json_is_object(json_object_get(ev, "data")));
	assert_true(json_integer_value(json_object_get(ts, "seconds")) > 1600000000);
	assert_true(us >= 0 && us < 1000000);
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *a, *b;
	json_t *ev, *ret;

	assert_int_equal(ctl_client_open(&a, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_open(&b, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_next_event(a, &ev, 0), -ETIMEDOUT);
	assert_null(ev);

	/* From another thread, to every client. */
	ctl_server_emit(f->srv, "TEST_EVENT", json_pack("{si}", "n", 7));
	assert_int_equal(ctl_client_next_event(a, &ev, TIMEOUT_MS), 0);
	assert_event(ev, "TEST_EVENT");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "data"), "n")), 7);
	json_decref(ev);
	assert_int_equal(ctl_client_next_event(b, &ev, TIMEOUT_MS), 0);
	assert_event(ev, "TEST_EVENT");
	json_decref(ev);

	/* Events arriving while a command waits are queued, in order. */
	ctl_server_emit(f->srv, "FIRST", NULL);
	ctl_server_emit(f->srv, "SECOND", NULL);
	assert_int_equal(ctl_client_execute(a, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	assert_int_equal(ctl_client_next_event(a, &ev, 0), 0);
	assert_event(ev, "FIRST");
	assert_int_equal(json_object_size(json_object_get(ev, "data")), 0);
	json_decref(ev);
	assert_int_equal(ctl_client_next_event(a, &ev, 0), 0);
	assert_event(ev, "SECOND");
	json_decref(ev);

	/* From a handler, on the server thread. */
	assert_int_equal(ctl_client_execute(a, "emit", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	assert_int_equal(ctl_client_next_event(a, &ev, TIMEOUT_MS), 0);
	assert_event(ev, "FROM_HANDLER");
	assert_true(json_is_true(json_object_get(json_object_get(ev, "data"), "ok")));
	json_decref(ev);

	ctl_client_close(a);
	ctl_client_close(b);
}

static void test_fd_passing(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c;
	json_t *ret, *ev;
	char buf[8] = "";
	struct stat st_ours, st_srv;
	int fd, i;

	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	for (i = 0; i < 3; i++) {
		/* An event just before: the reply and its descriptor may come
		 * in the same read as the event; the fd must go to the reply. */
		ctl_server_emit(f->srv, "BEFORE_FD", NULL);
		assert_int_equal(ctl_client_execute(c, "getfd", NULL, &ret, &fd, TIMEOUT_MS), 0);
		assert_int_equal(json_integer_value(json_object_get(ret, "size")), 5);
		json_decref(ret);
		assert_true(fd >= 0);
		assert_int_equal(pread(fd, buf, 5, 0), 5);
		assert_memory_equal(buf, "hello", 5);
		/* The same file as the server's memfd, not a copy. */
		assert_int_equal(fstat(fd, &st_ours), 0);
		assert_int_equal(fstat(fixture_memfd(f), &st_srv), 0);
		assert_int_equal(st_ours.st_ino, st_srv.st_ino);
		assert_int_equal(pwrite(fd, "J", 1, 0), 1);
		assert_int_equal(pread(fixture_memfd(f), buf, 1, 0), 1);
		assert_int_equal(buf[0], 'J');
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
		assert_int_equal(ctl_client_next_event(c, &ev, TIMEOUT_MS), 0);
		assert_event(ev, "BEFORE_FD");
		json_decref(ev);
	}
	/* The handler's descriptor stays open on the server side. */
	assert_true(fcntl(fixture_memfd(f), F_GETFD) >= 0);
	/* A reply without a descriptor gives -1; fd_out NULL is fine. */
	assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, &fd, TIMEOUT_MS), 0);
	assert_int_equal(fd, -1);
	json_decref(ret);
	assert_int_equal(ctl_client_execute(c, "getfd", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	ctl_client_close(c);
}

static void test_socket_mode(void **state)
{
	struct fixture *f = *state;
	struct fixture g = { .lock = PTHREAD_MUTEX_INITIALIZER, .memfd = -1 };
	char path[160];
	struct stat st;
	mode_t old;
	int rc;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Even with an empty umask. */
	snprintf(path, sizeof(path), "%s/umask0.sock", f->dir);
	old = umask(0);
	rc = server_start(&g, path);
	umask(old);
	assert_int_equal(rc, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	server_finish(&g);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_second_server_refused(void **state)
{
	struct fixture *f = *state;
	struct fixture g = { .lock = PTHREAD_MUTEX_INITIALIZER, .memfd = -1 };
	struct ctl_client *c;
	json_t *ret;

	assert_int_equal(server_start(&g, f->path), -EADDRINUSE);
	/* The first server is untouched. */
	assert_int_equal(access(f->path, F_OK), 0);
	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	ctl_client_close(c);
}

static void test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct fixture g = { .lock = PTHREAD_MUTEX_INITIALIZER, .memfd = -1 };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ctl_client *c;
	char path[160];
	json_t *ret;
	int fd;

	/* A socket file nobody listens on (a crashed VMM leaves one). */
	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	assert_int_equal(access(path, F_OK), 0);

	assert_int_equal(server_start(&g, path), 0);
	assert_int_equal(ctl_client_open(&c, path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	ctl_client_close(c);
	server_finish(&g);
	assert_int_equal(access(path, F_OK), -1);

	/* Something that is not a socket is never removed. */
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(server_start(&g, path), -EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(unlink(path), 0);
}

static void test_stop_close_removes(void **state)
{
	struct fixture *f = *state;
	struct fixture g = { .lock = PTHREAD_MUTEX_INITIALIZER, .memfd = -1 };
	struct ctl_client *c;
	char path[160];
	json_t *ret;

	snprintf(path, sizeof(path), "%s/short.sock", f->dir);
	assert_int_equal(server_start(&g, path), 0);
	assert_int_equal(ctl_client_open(&c, path, TIMEOUT_MS, NULL, 0), 0);
	server_finish(&g);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	/* The client sees the connection gone, not a hang. */
	assert_true(ctl_client_execute(c, "echo", NULL, &ret, NULL, TIMEOUT_MS) < 0);
	assert_null(ret);
	ctl_client_close(c);
	assert_int_equal(ctl_client_open(&c, path, TIMEOUT_MS, NULL, 0), -ENOENT);
}

static void test_too_many_clients(void **state)
{
	struct fixture *f = *state;
	struct ctl_client *c[CTL_MAX_CLIENTS], *extra;
	json_t *ret;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		assert_int_equal(ctl_client_open(&c[i], f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_open(&extra, f->path, TIMEOUT_MS, NULL, 0), -EBUSY);
	ctl_client_close(c[0]);
	/* A slot is free again once the server has seen the close. */
	for (i = 0; i < 100; i++) {
		if (ctl_client_open(&c[0], f->path, TIMEOUT_MS, NULL, 0) == 0)
			break;
		usleep(10000);
	}
	assert_true(i < 100);
	assert_int_equal(ctl_client_execute(c[0], "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_client_close(c[i]);
}

static void test_slow_client_dropped(void **state)
{
	struct fixture *f = *state;
	int slow = raw_open(f->path);
	struct ctl_client *c;
	char *pad = malloc(2048);
	char buf[65536];
	json_t *ret;
	ssize_t n;
	int i;

	assert_non_null(pad);
	memset(pad, 'p', 2047);
	pad[2047] = '\0';
	assert_int_equal(ctl_client_open(&c, f->path, TIMEOUT_MS, NULL, 0), 0);
	/* ~4 MiB of events that the raw client never reads; c keeps up. */
	for (i = 0; i < 2048; i++) {
		ctl_server_emit(f->srv, "BULK", json_pack("{ss}", "pad", pad));
		if (i % 256 == 255) {
			json_t *ev;

			while (ctl_client_next_event(c, &ev, 0) == 0)
				json_decref(ev);
			assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, NULL,
							    TIMEOUT_MS), 0);
			json_decref(ret);
		}
	}
	/* The slow client was dropped: it reads what was sent, then EOF. */
	while ((n = read(slow, buf, sizeof(buf))) > 0)
		;
	assert_int_equal(n, 0);
	close(slow);
	assert_int_equal(ctl_client_execute(c, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	ctl_client_close(c);
	free(pad);
}

static void test_peer_gone_and_half_close(void **state)
{
	struct fixture *f = *state;
	json_t *msg;
	char c;
	int fd, i;

	/* Command, then close before the reply: no SIGPIPE, server fine. */
	for (i = 0; i < 20; i++) {
		fd = raw_connect(f->path);
		raw_send_str(fd, "{\"execute\":\"help\"}\n{\"execute\":\"help\"}\n");
		close(fd);
	}
	/* Half-close: the replies still come, then EOF. */
	fd = raw_open(f->path);
	raw_send_str(fd, "{\"execute\":\"echo\",\"id\":1}\n{\"execute\":\"echo\",\"id\":2}\n");
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	msg = raw_read(fd);
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), 1);
	json_decref(msg);
	msg = raw_read(fd);
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), 2);
	json_decref(msg);
	assert_int_equal(read(fd, &c, 1), 0);
	close(fd);
}

/* A client of another user is refused even when the socket's mode would
 * let it in (SO_PEERCRED). Needs root to become another user. */
static void test_other_user_refused(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip();
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chmod(f->path, 0666), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		char c;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(addr.sun_path, f->path);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			_exit(4);
		/* Closed without a greeting. */
		_exit(read(fd, &c, 1) == 0 ? 0 : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(f->dir, 0700), 0);
}

/* ---- limits (short_limits) ---------------------------------------------------- */

/* Read until the server closes the connection; the time it took, in ms
 * (a read that times out after TIMEOUT_MS fails the test). */
static long read_until_eof(int fd)
{
	struct timespec t0, t1;
	char buf[65536];
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	/* ECONNRESET: closed with our input unread (AF_UNIX says so). */
	assert_true(n == 0 || errno == ECONNRESET);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void test_silent_client_dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_open(f->path);
	long ms = read_until_eof(fd);

	assert_true(ms >= short_limits.silent_ms - 100);
	close(fd);
}

static void test_half_line_dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_open(f->path);
	json_t *msg;

	/* One whole command (so not silent), then half of the next. */
	raw_send_str(fd, "{\"execute\":\"echo\",\"id\":1}\n{\"execute\":");
	msg = raw_read(fd);
	assert_int_equal(json_integer_value(json_object_get(msg, "id")), 1);
	json_decref(msg);
	assert_true(read_until_eof(fd) < short_limits.silent_ms);
	close(fd);
}

static void test_full_table_evicts_silent(void **state)
{
	struct fixture *f = *state;
	int fd[CTL_MAX_CLIENTS], i;
	struct ctl_client *op;
	json_t *ret;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		fd[i] = raw_open(f->path);
	usleep((short_limits.evict_ms + 50) * 1000);
	/* The operator gets in and is served; the oldest silent one went. */
	assert_int_equal(ctl_client_open(&op, f->path, TIMEOUT_MS, NULL, 0), 0);
	assert_int_equal(ctl_client_execute(op, "echo", NULL, &ret, NULL, TIMEOUT_MS), 0);
	json_decref(ret);
	assert_true(read_until_eof(fd[0]) < short_limits.silent_ms);
	ctl_client_close(op);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		close(fd[i]);
}

/* Send "help" commands until our side would block (the server stopped
 * reading us) and never read a reply; returns the descriptor. */
static int flood_without_reading(const char *path)
{
	static const char line[] = "{\"execute\":\"help\"}\n";
	size_t n = (64 * 1024) / (sizeof(line) - 1), i;
	char *burst = malloc(n * (sizeof(line) - 1));
	int fd = raw_open(path);

	assert_non_null(burst);
	for (i = 0; i < n; i++)
		memcpy(burst + i * (sizeof(line) - 1), line, sizeof(line) - 1);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 400; i++)
		if (send(fd, burst, n * (sizeof(line) - 1), MSG_NOSIGNAL) < 0)
			break;
	assert_true(i < 400);
	free(burst);
	return fd;
}

/* What the server holds for a client that never reads stays within
 * CTL_OUT_MAX plus one reply. */
static void test_unread_replies_bounded(void **state)
{
	struct fixture *f = *state;
	int fd = flood_without_reading(f->path);
	size_t i, most = 0;

	usleep(100 * 1000);
	ctl_server_stop(f->srv);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (f->srv->conns[i] && ctl_conn_backlog(f->srv->conns[i]) > most)
			most = ctl_conn_backlog(f->srv->conns[i]);
	assert_true(most > CTL_OUT_MAX / 2);    /* it did fall behind */
	assert_true(most <= CTL_OUT_MAX + 4096);
	ctl_server_close(f->srv);
	f->srv = NULL;
	close(fd);
}

/* ... and it is dropped once its output has stalled for stall_ms: a
 * hang-up seen without reading (reading would be progress). */
static void test_stalled_reader_dropped(void **state)
{
	struct fixture *f = *state;
	int fd = flood_without_reading(f->path);
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	/* Within TIMEOUT_MS: a sanitiser build takes a while to answer a
	 * flood of commands before its output stalls. */
	assert_int_equal(poll(&pfd, 1, TIMEOUT_MS), 1);
	assert_true(pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
	close(fd);
}

/* ---- rundir ----------------------------------------------------------------- */

static void test_rundir_names(void **state)
{
	char name65[66], name64[65], buf[256];

	memset(name65, 'a', 65);
	name65[65] = '\0';
	memset(name64, 'b', 64);
	name64[64] = '\0';

	assert_true(dsmig_vm_name_valid("vm-1_a.b"));
	assert_true(dsmig_vm_name_valid("A"));
	assert_true(dsmig_vm_name_valid(name64));
	assert_false(dsmig_vm_name_valid(name65));
	assert_false(dsmig_vm_name_valid(""));
	assert_false(dsmig_vm_name_valid(".hidden"));
	assert_false(dsmig_vm_name_valid(".."));
	assert_false(dsmig_vm_name_valid("a/b"));
	assert_false(dsmig_vm_name_valid("a b"));
	assert_false(dsmig_vm_name_valid("vm\n"));
	assert_false(dsmig_vm_name_valid("\xc3\xa9t\xc3\xa9"));

	assert_int_equal(dsmig_socket_path(buf, sizeof(buf), "/run/dsmig", "vm-1"), 0);
	assert_string_equal(buf, "/run/dsmig/vm-1.sock");
	assert_int_equal(dsmig_socket_path(buf, sizeof(buf), "/run/dsmig", "../x"), -EINVAL);
	assert_int_equal(dsmig_socket_path(buf, sizeof(buf), "/run/dsmig", ""), -EINVAL);
	assert_int_equal(dsmig_socket_path(buf, sizeof(buf), "/run/dsmig", name65), -EINVAL);
	assert_int_equal(dsmig_socket_path(buf, 12, "/run/dsmig", "vm"), -ENAMETOOLONG);
	/* Fits buf but not a sockaddr_un. */
	assert_int_equal(dsmig_socket_path(buf, sizeof(buf),
					   "/a/very/long/directory/name/that/goes/on/and/on",
					   name64), -ENAMETOOLONG);

	/* And back: which directory entries are VM sockets. */
	assert_int_equal(dsmig_socket_vm_name("vm-1.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vm-1");
	assert_int_equal(dsmig_socket_vm_name(".sock", buf, sizeof(buf)), -1);
	assert_int_equal(dsmig_socket_vm_name(".hidden.sock", buf, sizeof(buf)), -1);
	assert_int_equal(dsmig_socket_vm_name("vm-1.log", buf, sizeof(buf)), -1);
	assert_int_equal(dsmig_socket_vm_name("vm-1.sock", buf, 4), -1);
}

static void test_runtime_dir(void **state)
{
	char tmp[] = "/tmp/dsmig-rundir-XXXXXX";
	char want[128], env[160], buf[256];
	const char *old = getenv("DSMIG_RUNTIME_DIR");
	char *saved = old ? strdup(old) : NULL;
	struct stat st;
	int fd;

	assert_non_null(mkdtemp(tmp));
	snprintf(env, sizeof(env), "%s/a/b/", tmp);
	snprintf(want, sizeof(want), "%s/a/b", tmp);
	assert_int_equal(setenv("DSMIG_RUNTIME_DIR", env, 1), 0);
	assert_int_equal(dsmig_runtime_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Existing: fine. Too small a buffer: -ENAMETOOLONG. */
	assert_int_equal(dsmig_runtime_dir(buf, sizeof(buf)), 0);
	assert_int_equal(dsmig_runtime_dir(buf, 8), -ENAMETOOLONG);
	assert_int_equal(rmdir(want), 0);
	snprintf(want, sizeof(want), "%s/a", tmp);
	assert_int_equal(rmdir(want), 0);

	/* Not a directory. */
	snprintf(env, sizeof(env), "%s/file", tmp);
	fd = open(env, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(setenv("DSMIG_RUNTIME_DIR", env, 1), 0);
	assert_int_equal(dsmig_runtime_dir(buf, sizeof(buf)), -ENOTDIR);
	assert_int_equal(unlink(env), 0);

	/* Without the override: root gets /run/dsmig (not created here),
	 * others $XDG_RUNTIME_DIR/dsmig. */
	assert_int_equal(unsetenv("DSMIG_RUNTIME_DIR"), 0);
	if (geteuid() != 0) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		char *xdg_saved = xdg ? strdup(xdg) : NULL;

		assert_int_equal(setenv("XDG_RUNTIME_DIR", tmp, 1), 0);
		snprintf(want, sizeof(want), "%s/dsmig", tmp);
		assert_int_equal(dsmig_runtime_dir(buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
		assert_int_equal(rmdir(want), 0);
		if (xdg_saved)
			setenv("XDG_RUNTIME_DIR", xdg_saved, 1);
		else
			unsetenv("XDG_RUNTIME_DIR");
		free(xdg_saved);
	}
	if (saved)
		setenv("DSMIG_RUNTIME_DIR", saved, 1);
	free(saved);
	assert_int_equal(rmdir(tmp), 0);
}

/* ---- the client's check of the greeting ------------------------------------ */

/* A server that sends one line on connect, then waits for the client to
 * close: a VMM of another protocol version, or a broken one. */
struct fake_server {
	int listen_fd;
	const char *line;
};

static void *fake_server_thread(void *arg)
{
	struct fake_server *fs = arg;
	char buf[256];
	int fd = accept(fs->listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (write(fd, fs->line, strlen(fs->line)) == (ssize_t)strlen(fs->line))
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	close(fd);
	return NULL;
}

/* ctl_client_open() against a server greeting with line; its result. */
static int open_greeted_by(const char *dir, const char *line, char *why, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fake_server fs = { .line = line };
	struct ctl_client *c;
	pthread_t thread;
	int rc;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/fake.sock", dir);
	fs.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fs.listen_fd >= 0);
	assert_int_equal(bind(fs.listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fs.listen_fd, 1), 0);
	assert_int_equal(pthread_create(&thread, NULL, fake_server_thread, &fs), 0);
	why[0] = '\0';
	rc = ctl_client_open(&c, addr.sun_path, TIMEOUT_MS, why, len);
	if (rc == 0) {
		assert_int_equal(json_integer_value(json_object_get(ctl_client_greeting(c), "protocol")),
				 CTL_PROTOCOL_VERSION);
		ctl_client_close(c);
	} else {
		assert_null(c);
	}
	assert_int_equal(pthread_join(thread, NULL), 0);
	close(fs.listen_fd);
	assert_int_equal(unlink(addr.sun_path), 0);
	return rc;
}

static void test_client_checks_version(void **state)
{
	struct fixture *f = *state;
	char line[128], why[256], want[64];

	/* Another version: refused, naming both. */
	snprintf(line, sizeof(line), "{\"dsmig\":{\"protocol\":%d,\"version\":\"9.9\"}}\n",
		 CTL_PROTOCOL_VERSION + 1);
	assert_int_equal(open_greeted_by(f->dir, line, why, sizeof(why)), -EPROTONOSUPPORT);
	snprintf(want, sizeof(want), "protocol version %d,", CTL_PROTOCOL_VERSION + 1);
	assert_non_null(strstr(why, want));
	snprintf(want, sizeof(want), "this client version %d", CTL_PROTOCOL_VERSION);
	assert_non_null(strstr(why, want));
	/* No version, or not a number: not a greeting of this protocol. */
	assert_int_equal(open_greeted_by(f->dir, "{\"dsmig\":{\"version\":\"0.1\"}}\n", why,
					 sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "no protocol version"));
	assert_int_equal(open_greeted_by(f->dir, "{\"dsmig\":{\"protocol\":\"1\"}}\n", why,
					 sizeof(why)), -EPROTO);
	assert_int_equal(open_greeted_by(f->dir, "{\"QMP\":{}}\n", why, sizeof(why)), -EPROTO);
	/* A refusal's text reaches terminals: escapes come out as '?'. */
	assert_int_equal(open_greeted_by(f->dir, "{\"error\":{\"desc\":\"busy\\u001b[2J\"}}\n",
					 why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "the server refused the connection: busy?[2J");
	/* Without a buffer for the reason, the same refusal. */
	assert_int_equal(open_greeted_by(f->dir, line, why, 0), -EPROTONOSUPPORT);
	assert_string_equal(why, "");
	/* Our version: accepted (the other tests connect to the real server). */
	snprintf(line, sizeof(line), "{\"dsmig\":{\"protocol\":%d,\"version\":\"0.1\"}}\n",
		 CTL_PROTOCOL_VERSION);
	assert_int_equal(open_greeted_by(f->dir, line, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_greeting),
		T(test_ticks),
		T(test_help),
		T(test_ids_echoed),
		T(test_args_passed),
		T(test_handler_error),
		T(test_unknown_command),
		T(test_malformed_json),
		T(test_non_object),
		T(test_missing_execute),
		T(test_oversized_line),
		T(test_events),
		T(test_fd_passing),
		T(test_socket_mode),
		T(test_second_server_refused),
		T(test_stale_socket_replaced),
		T(test_stop_close_removes),
		T(test_too_many_clients),
		T(test_slow_client_dropped),
		T(test_peer_gone_and_half_close),
		T(test_client_checks_version),
		T(test_other_user_refused),
#undef T
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_short, teardown)
		T(test_silent_client_dropped),
		T(test_half_line_dropped),
		T(test_full_table_evicts_silent),
		T(test_stalled_reader_dropped),
#undef T
		cmocka_unit_test_setup_teardown(test_unread_replies_bounded, setup_short,
						teardown_stopped),
		cmocka_unit_test(test_rundir_names),
		cmocka_unit_test(test_runtime_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Control socket server: commands (see control_int.h). A client's input is
 * cut into lines; each line is checked (size, UTF-8 JSON, the shape of a
 * command) before it is looked up in the command table and run, and gets
 * exactly one reply, in order. The built-in "help" lists the table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "vmm/control_int.h"

int ctl_fail(struct ctl_error *err, const char *class, const char *fmt, ...)
{
	va_list ap;

	err->class = class;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
	return -1;
}

static const struct ctl_command *ctl_server_find(struct ctl_server *s,
						 const char *name)
{
	size_t i;

	for (i = 0; i < s->nr_commands; i++)
		if (strcmp(s->commands[i].name, name) == 0)
			return &s->commands[i];
	return NULL;
}

static int ctl_help_add(json_t *list, const char *name, const char *help)
{
	return json_array_append_new(list, json_pack("{ssss}", "name", name,
						      "help", help ? help : ""));
}

/* The built-in "help": {"commands": [{"name": N, "help": H}, ...]}, or NULL
 * when out of memory. */
static json_t *ctl_server_help(struct ctl_server *s)
{
	json_t *list = json_array();
	json_t *ret = NULL;
	size_t i;

	if (!list)
		return NULL;
	for (i = 0; i < s->nr_commands; i++) {
		if (ctl_help_add(list, s->commands[i].name, s->commands[i].help) < 0)
			goto out;
	}
	if (!ctl_server_find(s, "help") &&
	    ctl_help_add(list, "help", "list the commands and what they do") < 0)
		goto out;
	ret = json_pack("{sO}", "commands", list);
out:
	json_decref(list);
	return ret;
}

/* Validate one request object and run its command. Returns 0 once a reply
 * is queued, or -errno if the client must be dropped. */
static int ctl_server_dispatch(struct ctl_server *s, struct ctl_conn *c, json_t *req)
{
	struct ctl_error err = { .class = NULL, .desc = "" };
	struct ctl_request r = { .opaque = s->opaque, .reply_fd = -1,
				 .conn_id = c->id };
	const struct ctl_command *cmd;
	json_t *id = json_object_get(req, "id");
	json_t *exec = json_object_get(req, "execute");
	json_t *args = json_object_get(req, "arguments");
	json_t *ret = NULL, *empty = NULL, *msg;
	const char *key;
	json_t *val;
	int rc;

	json_object_foreach(req, key, val) {
		if (strcmp(key, "execute") && strcmp(key, "arguments") &&
		    strcmp(key, "id")) {
			snprintf(err.desc, sizeof(err.desc),
				 "unexpected member '%.200s'", key);
			return ctl_conn_send_error(c, id, CTL_ERR_BAD_INPUT, err.desc);
		}
	}
	if (!json_is_string(exec))
		return ctl_conn_send_error(c, id, CTL_ERR_BAD_INPUT,
					   "'execute' is missing or not a string");
	if (args && !json_is_object(args))
		return ctl_conn_send_error(c, id, CTL_ERR_BAD_INPUT,
					   "'arguments' must be an object");
	if (!args) {
		args = empty = json_object();
		if (!empty)
			return -ENOMEM;
	}

	cmd = ctl_server_find(s, json_string_value(exec));
	if (cmd) {
		rc = cmd->fn(&r, args, &ret, &err);
	} else if (strcmp(json_string_value(exec), "help") == 0) {
		ret = ctl_server_help(s);
		rc = ret ? 0 : ctl_fail(&err, CTL_ERR_GENERIC, "out of memory");
	} else {
		snprintf(err.desc, sizeof(err.desc), "unknown command '%.200s'",
			 json_string_value(exec));
		err.class = CTL_ERR_NOT_FOUND;
		rc = -1;
	}
	json_decref(empty);

	if (rc != 0) {
		json_decref(ret);
		return ctl_conn_send_error(c, id, err.class ? err.class : CTL_ERR_GENERIC,
					   err.desc[0] ? err.desc : "command failed");
	}
	if (!ret)
		ret = json_object();
	msg = json_pack("{sO}", "return", ret);
	json_decref(ret);
	if (msg && id && json_object_set(msg, "id", id) < 0) {
		json_decref(msg);
		return -ENOMEM;
	}
	return ctl_conn_send_json(c, msg, r.reply_fd);
}

/* One complete input line (without its newline). */
static int ctl_server_line(struct ctl_server *s, struct ctl_conn *c,
			   const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req;
	char desc[256];
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (strspn(line, " \t\r") >= len)
		return 0;       /* blank lines are ignored */

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(desc, sizeof(desc), "invalid JSON: %s", jerr.text);
		return ctl_conn_send_error(c, NULL, CTL_ERR_BAD_INPUT, desc);
	}
	if (json_is_object(req))
		rc = ctl_server_dispatch(s, c, req);
	else
		rc = ctl_conn_send_error(c, NULL, CTL_ERR_BAD_INPUT,
					 "a command must be a JSON object");
	json_decref(req);
	return rc;
}

/* Split the input buffer into lines. Returns 0 or -errno (drop client). */
int ctl_server_lines(struct ctl_server *s, struct ctl_conn *c)
{
	size_t start = 0;
	int rc = 0;

	/* A client that does not read its replies gets no more of them: its
	 * remaining lines wait until the backlog drains. */
	while (start < c->in_len && ctl_conn_backlog(c) <= CTL_OUT_MAX) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl)
			break;
		len = nl - (c->in + start);
		c->spoke = true;
		if (c->discarding) {
			c->discarding = false;
		} else {
			*nl = '\0';
			rc = ctl_server_line(s, c, c->in + start, len);
			if (rc < 0)
				return rc;
		}
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* The clock of a partial line starts with its first byte and stops at
	 * its newline (for an oversized one, the newline that ends the skip). */
	if ((start > 0 || !c->in_len) && !c->discarding)
		c->partial_ns = c->in_len ? time_mono_ns() : 0;

	if (c->in_len > CTL_LINE_MAX) {
		/* Full buffer, no newline: too long. Skip to the next newline. */
		c->in_len = 0;
		if (!c->discarding) {
			c->discarding = true;
			rc = ctl_conn_send_error(c, NULL, CTL_ERR_BAD_INPUT,
						 "command line too long");
		}
	}
	return rc;
}

/* Read what is there. Returns 0, or -errno / -ECONNRESET to drop. */
int ctl_server_read(struct ctl_server *s, struct ctl_conn *c)
{
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, CTL_LINE_MAX + 1 - c->in_len,
		 MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	if (!c->in_len && !c->partial_ns)
		c->partial_ns = time_mono_ns();
	c->in_len += n;
	return ctl_server_lines(s, c);
}

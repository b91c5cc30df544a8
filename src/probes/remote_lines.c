/*
 * Lines read back from ssh hosts (see remote_lines.h): bounded, and
 * parsed as data only.
 *
 * The wire's clocks: a count carries the remote host's monotonic time.
 * The offset to this machine's clock is the smallest (local arrival -
 * remote time) seen so far, i.e. that of the least delayed line, so a
 * rate comes from the remote host's own spacing and not from when ssh
 * happened to deliver the line.
 */
#include <string.h>

#include <jansson.h>

#include "common/text.h"
#include "probes/remote_lines.h"

void line_reader_feed(struct line_reader *lr, const char *buf, size_t n,
		      void (*fn)(void *ctx, const char *line), void *ctx)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (lr->n < sizeof(lr->line) - 1)
				lr->line[lr->n++] = buf[i];
			else
				lr->overlong = 1;
			continue;
		}
		lr->line[lr->n] = '\0';
		if (!lr->overlong)
			fn(ctx, lr->line);
		lr->n = 0;
		lr->overlong = 0;
	}
}

int lister_parse_line(struct lister_parse *ls, const char *line)
{
	if (!strcmp(line, "@ls")) {
		memset(ls, 0, sizeof(*ls));
		ls->sec = LISTER_LS;
	} else if (!strcmp(line, "@stat")) {
		ls->sec = ls->sec == LISTER_LS ? LISTER_STAT : LISTER_NONE;
	} else if (!strcmp(line, "@end")) {
		int whole = ls->sec == LISTER_STAT;

		ls->sec = LISTER_NONE;
		return whole;
	} else if (ls->sec == LISTER_LS) {
		if (ls->nnames < LISTER_MAX_VMS &&
		    !dsmig_socket_vm_name(line, ls->names[ls->nnames], sizeof(ls->names[0])))
			ls->nnames++;
	} else if (ls->sec == LISTER_STAT) {
		if (!strncmp(line, "cpu ", 4))
			host_cpu_parse(line, &ls->busy, &ls->total);
		else
			host_mem_line(&ls->mem, line);
	}
	return 0;
}

static void wire_failed(struct wire_parse *w, const char *what)
{
	if (!w->failed[0])
		text_clean(w->failed, sizeof(w->failed), what);
}

/* A count: it must move forward in time and not go back in bytes. */
static void wire_count(struct wire_parse *w, json_t *t, json_t *b, uint64_t now)
{
	uint64_t tn = (uint64_t)json_integer_value(t), bn = (uint64_t)json_integer_value(b);
	int64_t off = (int64_t)(now - tn);

	if (json_integer_value(t) < 0 || json_integer_value(b) < 0 ||
	    (w->counted && (tn <= w->remote_ns || bn < w->bytes))) {
		wire_failed(w, "the remote probe's counts went backwards");
		return;
	}
	if (!w->counted || off < w->offset_ns)
		w->offset_ns = off;
	w->remote_ns = tn;
	w->bytes = bn;
	w->sample_ns = (uint64_t)((int64_t)tn + w->offset_ns);
	w->counted = 1;
}

void wire_parse_line(struct wire_parse *w, const char *text, uint64_t now)
{
	json_t *j = json_loads(text, 0, NULL), *t, *b;
	const char *s;

	if (!json_is_object(j)) {
		if (*text)
			text_clean(w->ssh_said, sizeof(w->ssh_said), text);
	} else if ((s = json_string_value(json_object_get(j, "error")))) {
		wire_failed(w, s);
	} else if (json_object_get(j, "wire")) {
		s = json_string_value(json_object_get(j, "method"));
		text_clean(w->method, sizeof(w->method), s && *s ? s : "?");
	} else if (json_is_integer(t = json_object_get(j, "t_ns")) &&
		   json_is_integer(b = json_object_get(j, "bytes")) && w->method[0]) {
		wire_count(w, t, b, now);
	} else {
		wire_failed(w, "the remote probe sent a line it should not");
	}
	json_decref(j);
}

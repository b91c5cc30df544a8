/* Session log writer and loader (see session.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rundir.h"
#include "ui/session.h"

int session_writer_open(struct session_writer *w, const char *path, char *err,
			size_t errlen)
{
	char dir[400];

	w->f = NULL;
	if (path) {
		snprintf(w->path, sizeof(w->path), "%s", path);
	} else {
		const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
		time_t now = time(NULL);
		struct tm tm;

		if (xdg && *xdg)
			snprintf(dir, sizeof(dir), "%s/dsmig", xdg);
		else
			snprintf(dir, sizeof(dir), "%s/.local/state/dsmig", home ? home : "/tmp");
		int rc = mkdir_p(dir);

		if (rc)
			return errbuf_set(err, errlen, "%s: %s", dir, strerror(-rc));
		localtime_r(&now, &tm);
		snprintf(w->path, sizeof(w->path), "%s/session-%04d%02d%02d-%02d%02d%02d.jsonl",
			 dir, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
	}
	w->f = fopen(w->path, "we");
	if (!w->f)
		return errbuf_set(err, errlen, "%s: %s", w->path, strerror(errno));
	return 0;
}

void session_write(struct session_writer *w, const char *src, json_t *rec)
{
	char *line;

	json_object_set_new(rec, "v", json_integer(SESSION_VERSION));
	if (!json_is_integer(json_object_get(rec, "t")))
		json_object_set_new(rec, "t", json_integer((json_int_t)time_wall_ns()));
	json_object_set_new(rec, "src", json_string(src));
	if (!w->f)
		return;
	line = json_dumps(rec, JSON_COMPACT);
	if (line) {
		fprintf(w->f, "%s\n", line);
		fflush(w->f);
		free(line);
	}
}

void session_writer_close(struct session_writer *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
}

static int record_ok(json_t *r)
{
	return json_is_object(r) && json_is_integer(json_object_get(r, "v")) &&
	       json_is_integer(json_object_get(r, "t")) &&
	       json_is_string(json_object_get(r, "src"));
}

int session_load(struct session_log *l, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	unsigned lineno = 0;
	ssize_t len;

	memset(l, 0, sizeof(*l));
	if (!f)
		return errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_t *r;

		lineno++;
		if (len <= 1)
			continue;
		r = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		if (!record_ok(r)) {
			json_decref(r);
			if (!l->bad++)
				l->first_bad = lineno;
			continue;
		}
		if (l->n == alloc) {
			json_t **p = realloc(l->recs, (alloc ? alloc * 2 : 1024) * sizeof(*p));

			if (!p) {
				json_decref(r);
				break;
			}
			l->recs = p;
			alloc = alloc ? alloc * 2 : 1024;
		}
		l->recs[l->n++] = r;
	}
	free(line);
	fclose(f);
	if (!l->n)
		return errbuf_set(err, errlen, "%s: no valid session records (%u bad lines)",
				  path, l->bad);
	return 0;
}

void session_log_free(struct session_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		json_decref(l->recs[i]);
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

double session_time(const struct session_log *l, size_t i)
{
	return (double)json_integer_value(json_object_get(l->recs[i], "t")) / 1e9;
}

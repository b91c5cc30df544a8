/* Session log writer (see session.h). */
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

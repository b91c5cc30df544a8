/* JSON-lines telemetry writer (see telemetry.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/telemetry.h"

int telemetry_open(struct telemetry *t, const char *path)
{
	pthread_mutex_init(&t->lock, NULL);
	t->f = NULL;
	if (!path)
		return 0;
	if (!strncmp(path, "fd:", 3)) {
		char *end;
		long fd = strtol(path + 3, &end, 10);

		if (*end || fd < 0)
			return -EINVAL;
		t->f = fdopen((int)fd, "w");
	} else {
		t->f = fopen(path, "we");
	}
	return t->f ? 0 : -errno;
}

void telemetry_emit(struct telemetry *t, const char *type, json_t *fields)
{
	json_t *ev;
	char *line;

	if (!t->f) {
		json_decref(fields);
		return;
	}
	ev = json_pack("{s:i, s:I, s:s}", "v", TELEMETRY_VERSION,
		       "t", (json_int_t)time_wall_ns(), "type", type);
	if (!ev) {
		json_decref(fields);
		return;
	}
	if (fields)
		json_object_update(ev, fields);
	json_decref(fields);
	line = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	if (!line)
		return;
	pthread_mutex_lock(&t->lock);
	fprintf(t->f, "%s\n", line);
	fflush(t->f);
	pthread_mutex_unlock(&t->lock);
	free(line);
}

void telemetry_close(struct telemetry *t)
{
	if (t->f)
		fclose(t->f);
	t->f = NULL;
	pthread_mutex_destroy(&t->lock);
}

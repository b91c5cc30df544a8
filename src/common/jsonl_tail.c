/* Following a growing JSON-lines file (see jsonl_tail.h). */
#include <string.h>

#include "common/jsonl_tail.h"

void jsonl_tail_init(struct jsonl_tail *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
}

json_t *jsonl_tail_next(struct jsonl_tail *t)
{
	int c;

	if (!t->f)
		t->f = fopen(t->path, "re");
	if (!t->f)
		return NULL;
	clearerr(t->f);
	while ((c = fgetc(t->f)) != EOF) {
		json_t *v;

		if (c != '\n') {
			if (t->len < sizeof(t->line) - 1)
				t->line[t->len++] = (char)c;
			else
				t->overlong = 1;
			continue;
		}
		t->line[t->len] = '\0';
		v = t->overlong || !t->len ? NULL : json_loads(t->line, 0, NULL);
		if (!v && (t->len || t->overlong))
			t->bad++;
		t->len = 0;
		t->overlong = 0;
		if (v)
			return v;
	}
	return NULL;
}

void jsonl_tail_close(struct jsonl_tail *t)
{
	if (t->len || t->overlong)
		t->bad++;     /* a last line without its newline: cut short */
	t->len = 0;
	t->overlong = 0;
	if (t->f)
		fclose(t->f);
	t->f = NULL;
}

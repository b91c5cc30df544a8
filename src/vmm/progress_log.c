/* The guest's recent progress samples (see progress_log.h). */
#include <string.h>

#include "vmm/progress_log.h"

/* The index of the i-th sample, oldest first. */
static unsigned slot(const struct progress_log *l, unsigned i)
{
	return (l->next + PROGRESS_LOG_LEN - l->n + i) % PROGRESS_LOG_LEN;
}

void progress_log_clear(struct progress_log *l)
{
	memset(l, 0, sizeof(*l));
}

void progress_log_add(struct progress_log *l, uint64_t time_ns, uint64_t progress)
{
	if (l->n && progress < l->progress[slot(l, l->n - 1)])
		progress_log_clear(l);
	l->time_ns[l->next] = time_ns;
	l->progress[l->next] = progress;
	l->next = (l->next + 1) % PROGRESS_LOG_LEN;
	if (l->n < PROGRESS_LOG_LEN)
		l->n++;
}

json_t *progress_log_json(const struct progress_log *l)
{
	json_t *a = json_array();
	unsigned i, k;

	for (i = 0; a && i < l->n; i++) {
		k = slot(l, i);
		if (json_array_append_new(a, json_pack("[I, I]", (json_int_t)l->time_ns[k],
							 (json_int_t)l->progress[k]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

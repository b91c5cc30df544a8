/*
 * Tagged VMs, as htop tags processes: Space tags or untags the selected
 * VM, U untags all, e tags every running VM on the selected VM's host
 * (evacuate). A tag names a VM by host and name; the migration dialog
 * queues one migration per tagged VM (dialog.c). Tags are the operator's
 * selection, not data: they are not recorded, and a tag whose VM has
 * gone or moved is dropped when the tags are read.
 */
#include <stdio.h>
#include <string.h>

#include "ui/console_int.h"

static int tag_index(const struct console *c, const char *host, const char *name)
{
	int i;

	for (i = 0; i < c->nr_tags; i++)
		if (!strcmp(c->tags[i].host, host) && !strcmp(c->tags[i].name, name))
			return i;
	return -1;
}

int tags_has(const struct console *c, const struct vm_view *v)
{
	return tag_index(c, v->host, v->name) >= 0;
}

static void tag_add(struct console *c, const struct vm_view *v)
{
	if (tags_has(c, v) || c->nr_tags == MODEL_MAX_VMS)
		return;
	snprintf(c->tags[c->nr_tags].host, sizeof(c->tags[0].host), "%s", v->host);
	snprintf(c->tags[c->nr_tags].name, sizeof(c->tags[0].name), "%s", v->name);
	c->nr_tags++;
}

void tags_toggle(struct console *c, const struct vm_view *v)
{
	int i = tag_index(c, v->host, v->name);

	if (i < 0) {
		tag_add(c, v);
		return;
	}
	memmove(&c->tags[i], &c->tags[i + 1], sizeof(c->tags[0]) * (size_t)(c->nr_tags - i - 1));
	c->nr_tags--;
}

void tags_clear(struct console *c)
{
	c->nr_tags = 0;
}

int tags_host(struct console *c, const char *host)
{
	int i, n = 0;

	for (i = 0; i < c->model.nr_vms; i++) {
		const struct vm_view *v = &c->model.vms[i];

		if (strcmp(v->host, host) || strcmp(v->state, "running"))
			continue;
		tag_add(c, v);
		n++;
	}
	return n;
}

int tags_vms(struct console *c, const struct vm_view **out, int cap)
{
	int i, n = 0, k = 0;

	for (i = 0; i < c->nr_tags; i++) {
		const struct vm_view *v = model_vm(&c->model, c->tags[i].host, c->tags[i].name, 0);

		if (!v || !strcmp(v->state, "gone"))
			continue;     /* gone, or moved: no longer what was tagged */
		c->tags[k++] = c->tags[i];
		if (n < cap)
			out[n++] = v;
	}
	c->nr_tags = k;
	return n;
}

void tags_names(struct console *c, char *buf, size_t len)
{
	const struct vm_view *v[MODEL_MAX_VMS];
	int n = tags_vms(c, v, MODEL_MAX_VMS), i;
	size_t k;

	k = (size_t)snprintf(buf, len, "%d VM%s:", n, n == 1 ? "" : "s");
	for (i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s %s", i ? "," : "", v[i]->name);
}

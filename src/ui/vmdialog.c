/*
 * The console's VM actions on screen (the deeds are vmact.c's): the
 * start dialog (n), in the migration dialog's look and keys, of a host
 * (Left/Right through the hosts whose VMs dsmig starts), a guest image
 * (Left/Right through the guests beside the program), a name and the
 * memory (typed; hints say at once what the VMM would refuse, and
 * Enter starts nothing it would refuse: the status line says why and
 * the field is focused); the stop question (K, F9: y stops, any other
 * key keeps the VM); and pause/resume (z), which asks nothing. In a
 * replay none of them acts: the status line says so.
 */
#include <stdio.h>
#include <string.h>

#include "ui/console_int.h"
#include "ui/vmhost.h"

enum field { F_HOST, F_IMAGE, F_NAME, F_MEM, F_START, F_NR };

#define DEFAULT_MEM "64M"          /* dsmig-vmm run's own default */

/* Say that a replay acts on nothing; 1 if this is one. */
static int replaying(struct console *c)
{
	if (c->vmact)
		return 0;
	snprintf(c->status, sizeof(c->status), "replay: VMs cannot be started or stopped");
	return 1;
}

/* The next host from i (stepping by dir) whose VMs dsmig starts, or -1. */
static int next_host(const struct console *c, int i, int dir)
{
	int n = (int)c->hosts.n, k;

	for (k = 0; k < n; k++) {
		i = (i + dir + n) % n;
		if (vmhost_ops(&c->hosts.h[i]))
			return i;
	}
	return -1;
}

/* Unless the operator typed one, name the VM after its image: the
 * image's own name, else NAME-2, NAME-3 ... whichever no VM has. */
static void suggest_name(struct console *c)
{
	struct vmdialog *d = &c->vmd;
	const char *image = vmact_image(c->vmact, d->image);
	int k;

	if (d->name_typed || !image)
		return;
	snprintf(d->name, sizeof(d->name), "%s", image);
	for (k = 2; model_vm_named(&c->model, d->name) && k < 100; k++)
		snprintf(d->name, sizeof(d->name), "%.60s-%d", image, k);
}

void vmdialog_open(struct console *c, const struct vm_view *v)
{
	struct vmdialog *d = &c->vmd;
	const struct host *h = v ? hosts_find(&c->hosts, v->host) : NULL;

	if (replaying(c))
		return;
	memset(d, 0, sizeof(*d));
	d->host = h && vmhost_ops(h) ? (int)(h - c->hosts.h) : next_host(c, -1, 1);
	if (d->host < 0) {
		snprintf(c->status, sizeof(c->status),
			 "no host to start a VM on (add a kvm host to the hosts file)");
		return;
	}
	snprintf(d->mem, sizeof(d->mem), DEFAULT_MEM);
	suggest_name(c);
	d->field = F_NAME;
	d->open = 1;
}

/* Enter: start the VM as the fields say, or say why not and focus the
 * field at fault. */
static void start(struct console *c)
{
	static const int focus[] = {
		[VM_START_HOST] = F_HOST, [VM_START_IMAGE] = F_IMAGE,
		[VM_START_NAME] = F_NAME, [VM_START_MEM] = F_MEM, [VM_START_BUSY] = F_START,
	};
	struct vmdialog *d = &c->vmd;
	struct vm_start_req r;
	enum vm_start_field f;

	memset(&r, 0, sizeof(r));
	snprintf(r.host, sizeof(r.host), "%s", c->hosts.h[d->host].name);
	snprintf(r.image, sizeof(r.image), "%s", vmact_image(c->vmact, d->image) ?: "");
	snprintf(r.name, sizeof(r.name), "%s", d->name);
	snprintf(r.mem, sizeof(r.mem), "%s", d->mem);
	f = vmact_start(c->vmact, &r, c->status, sizeof(c->status));
	if (f == VM_START_OK)
		d->open = 0;
	else
		d->field = focus[f];
}

/* Left/Right on the host or the image. */
static void step(struct console *c, int dir)
{
	struct vmdialog *d = &c->vmd;
	int n = vmact_images(c->vmact);

	if (d->field == F_HOST)
		d->host = next_host(c, d->host, dir);
	if (d->field == F_IMAGE && n) {
		d->image = (d->image + dir + n) % n;
		suggest_name(c);
	}
}

/* The text being typed in the focused field, or NULL. */
static char *typed(struct vmdialog *d, size_t *cap)
{
	*cap = d->field == F_NAME ? sizeof(d->name) : sizeof(d->mem);
	return d->field == F_NAME ? d->name : d->field == F_MEM ? d->mem : NULL;
}

void vmdialog_key(struct console *c, int ch)
{
	struct vmdialog *d = &c->vmd;
	size_t cap, len;
	char *text = typed(d, &cap);

	len = text ? strlen(text) : 0;
	switch (ch) {
	case 27:
		d->open = 0;
		break;
	case KEY_UP:
		d->field = (d->field + F_NR - 1) % F_NR;
		break;
	case KEY_DOWN:
	case '\t':
		d->field = (d->field + 1) % F_NR;
		break;
	case KEY_LEFT:
		step(c, -1);
		break;
	case KEY_RIGHT:
		step(c, 1);
		break;
	case '\n':
	case KEY_ENTER:
		start(c);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (text && len)
			text[len - 1] = '\0';
		d->name_typed |= d->field == F_NAME;
		break;
	default:
		/* Space steps a choice; into text it goes with the rest of
		 * visible ASCII, for the checks to judge. */
		if (!text && ch == ' ')
			step(c, 1);
		else if (text && ch >= ' ' && ch < 127 && len + 1 < cap) {
			text[len] = (char)ch, text[len + 1] = '\0';
			d->name_typed |= d->field == F_NAME;
		}
	}
}

void vmdialog_click(struct console *c, int y, int x)
{
	int field = y - c->vmd.win_y - 2;

	if (x >= c->vmd.win_x && field >= 0 && field < F_NR)
		c->vmd.field = field;
}

/* What the typed name and memory come to, after them. */
static void hints(struct console *c, char *name, char *mem, size_t len)
{
	const struct vm_view *v = model_vm_named(&c->model, c->vmd.name);
	uint64_t bytes;

	name[0] = '\0';
	if (vmspec_check_name(c->vmd.name, NULL, 0))
		snprintf(name, len, "  (not a VM name)");
	else if (v)
		snprintf(name, len, "  (taken on %s)", v->host);
	if (vmspec_parse_mem(c->vmd.mem, &bytes, NULL, 0))
		snprintf(mem, len, "  (not a size the VMM takes)");
	else if (bytes % (1 << 20))
		snprintf(mem, len, " = %llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(mem, len, " = %llu MiB", (unsigned long long)(bytes >> 20));
}

void vmdialog_draw(struct console *c)
{
	static const char *const names[F_NR] = { "Host", "Image", "Name", "Memory", "" };
	struct vmdialog *d = &c->vmd;
	const char *image = vmact_image(c->vmact, d->image);
	char val[F_NR][96], name_hint[48], mem_hint[48];
	WINDOW *win = screens_overlay(c, 12, 64, THEME_BORDER);
	int i;

	if (!win)
		return;
	getbegyx(win, d->win_y, d->win_x);
	wattron(win, theme_attr(&c->theme, THEME_TITLE));
	screens_print(win, 0, 2, " Start a VM on %s ", c->hosts.h[d->host].name);
	wattroff(win, theme_attr(&c->theme, THEME_TITLE));
	hints(c, name_hint, mem_hint, sizeof(name_hint));
	snprintf(val[F_HOST], sizeof(val[0]), "< %s >", c->hosts.h[d->host].name);
	if (image)
		snprintf(val[F_IMAGE], sizeof(val[0]), "< %s >", image);
	else
		snprintf(val[F_IMAGE], sizeof(val[0]), "(no guest images found)");
	snprintf(val[F_NAME], sizeof(val[0]), "%s%s", d->name, name_hint);
	snprintf(val[F_MEM], sizeof(val[0]), "%s%s", d->mem, mem_hint);
	snprintf(val[F_START], sizeof(val[0]), "[ Start ]");
	for (i = 0; i < F_NR; i++) {
		attr_t a = theme_attr(&c->theme, i == d->field ? THEME_SELECTED : THEME_INPUT);

		screens_print(win, 2 + i, 3, "%-16s", names[i]);
		wattron(win, a);
		screens_print(win, 2 + i, 20, "%-40s", val[i]);
		wattroff(win, a);
	}
	wattron(win, theme_attr(&c->theme, THEME_DIM));
	screens_print(win, 8, 3, "Up/Down: field  Left/Right/Space: host, image");
	screens_print(win, 9, 3, "type the name and memory (64M, 1G)");
	screens_print(win, 10, 3, "Enter: start    Esc: close");
	wattroff(win, theme_attr(&c->theme, THEME_DIM));
	wnoutrefresh(win);
	delwin(win);
}

void vmdialog_ask_stop(struct console *c, const struct vm_view *v)
{
	char why[240];

	if (replaying(c))
		return;
	if (vmact_check(c->vmact, VM_ACTION_STOP, v->host, v->name, why, sizeof(why))) {
		snprintf(c->status, sizeof(c->status), "cannot stop %s: %s", v->name, why);
		return;
	}
	snprintf(c->vmd.ask_host, sizeof(c->vmd.ask_host), "%s", v->host);
	snprintf(c->vmd.ask_vm, sizeof(c->vmd.ask_vm), "%s", v->name);
	c->vmd.asking = 1;
}

void vmdialog_answer(struct console *c, int ch)
{
	struct vmdialog *d = &c->vmd;

	d->asking = 0;
	if (ch == 'y' || ch == 'Y')
		vmact_control(c->vmact, VM_ACTION_STOP, d->ask_host, d->ask_vm, c->status,
			      sizeof(c->status));
	else
		snprintf(c->status, sizeof(c->status), "%s not stopped", d->ask_vm);
}

void vmdialog_draw_ask(struct console *c)
{
	WINDOW *win = screens_overlay(c, 5, 64, THEME_WARN);

	if (!win)
		return;
	screens_print(win, 1, 2, "Stop VM %s on %s? [y/N]", c->vmd.ask_vm, c->vmd.ask_host);
	screens_print(win, 2, 2, "Its guest ends: the VMM quits. Any other key keeps it.");
	wnoutrefresh(win);
	delwin(win);
}

void vmdialog_pause(struct console *c, const struct vm_view *v)
{
	if (replaying(c))
		return;
	vmact_control(c->vmact, strcmp(v->state, "paused") ? VM_ACTION_PAUSE : VM_ACTION_RESUME,
		      v->host, v->name, c->status, sizeof(c->status));
}

/*
 * `dsmig lab`: running the ip, tc and nft commands that make and inspect
 * the lab (through proc_run(), every result checked; a failed command is
 * printed with its own message), and finding what exists of it in the
 * root namespace.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/lab_int.h"
#include "common/log.h"
#include "common/proc.h"

static void cmd_line(const char *const argv[], char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
}

void lab_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Run a command that must succeed; on failure say which and why. */
int lab_step(const char *const argv[])
{
	char out[1024], line[512];
	int rc = proc_run(argv, out, sizeof(out));

	if (rc == 0)
		return 0;
	cmd_line(argv, line, sizeof(line));
	lab_chomp(out);
	if (rc < 0)
		log_error("cannot run `%s`: %s", line, strerror(-rc));
	else
		log_error("`%s` failed (status %d): %s", line, rc, out);
	return -1;
}

/* Run a command whose failure is expected sometimes (deleting what may
 * not exist). Returns its status. */
int lab_try(const char *const argv[])
{
	return proc_run(argv, NULL, 0);
}
/* ---- what exists ----------------------------------------------------- */

/* Names in the root namespace that start with prefix: `ip netns list`
 * (netns) or `ip -o link show` (links). Each name is written into
 * names[k] (up to cap). Returns the count, or -1 if ip failed. */
int lab_list_names(int netns, const char *prefix, char names[][32], int cap)
{
	char out[16384], *line, *save = NULL;
	int n = 0, rc;

	rc = netns ? proc_run(CMD("ip", "netns", "list"), out, sizeof(out))
		   : proc_run(CMD("ip", "-o", "link", "show"), out, sizeof(out));
	if (rc)
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name = line;
		size_t len;

		if (!netns) {
			/* "7: dsmig-A@if2: <BROADCAST,..."; a line cut short
			 * ("7:") has an empty name, not one past its end. */
			name = strchr(line, ':');
			if (!name)
				continue;
			name++;
			name += strspn(name, " ");
		}
		len = strcspn(name, netns ? " " : "@:");
		if (strncmp(name, prefix, strlen(prefix)) || len >= 32 || n == cap)
			continue;
		memcpy(names[n], name, len);
		names[n++][len] = '\0';
	}
	return n;
}

int lab_netns_exists(const char *ns)
{
	char path[64];

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	return access(path, F_OK) == 0;
}

int lab_link_exists(const char *dev)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s", dev);
	return access(path, F_OK) == 0;
}

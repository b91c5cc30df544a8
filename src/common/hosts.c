/* The hosts file (see hosts.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/hosts.h"
#include "common/log.h"
#include "common/rundir.h"

static int set_field(char *dst, size_t len, const char *val)
{
	if (!*val || strlen(val) >= len)
		return -1;
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

/* addr goes into mpirun's --host list, "A,B" of "HOST[:SLOTS]": it must
 * be one host and nothing more. An IPv4 literal (inet_pton), or a host
 * name of RFC 1123 labels (letters, digits, '-' inside, 1..63 each)
 * joined by '.': no ',', ':', space or shell character gets through.
 * Returns 0, or -1 with the reason (for host name) in why. */
static int addr_check(const char *addr, const char *name, const char *key,
		      char *why, size_t len)
{
	struct in_addr in;
	const char *p, *label = addr;

	if (inet_pton(AF_INET, addr, &in) == 1)
		return 0;
	for (p = addr;; p++) {
		if (*p == '.' || !*p) {
			if (p == label || p - label > 63 || *label == '-' || p[-1] == '-')
				return errbuf_set(why, len, "host %s: %s has an empty, over-long or "
						  "'-'-edged label", name, key);
			if (!*p)
				break;
			label = p + 1;
		} else if (*p == ':') {
			return errbuf_set(why, len, "host %s: %s may not contain ':' (no IPv6: "
					  "mpirun reads HOST:SLOTS)", name, key);
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return errbuf_set(why, len, isgraph((unsigned char)*p) ?
					  "host %s: %s may not contain '%c' (an IPv4 address or "
					  "a host name)" : "host %s: %s may not contain byte 0x%02x",
					  name, key, (unsigned char)*p);
		}
	}
	if (strspn(addr, "0123456789.") == strlen(addr))
		return errbuf_set(why, len, "host %s: %s is not an IPv4 address", name, key);
	return 0;
}

int hosts_path_safe(const char *path)
{
	const char *p;

	if (path[0] != '/' || strstr(path, ".."))
		return 0;
	for (p = path; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_.-", *p))
			return 0;
	return 1;
}

/* ssh=USER@HOST: USER as useradd allows by default ([a-z_][a-z0-9_-]*,
 * at most 32), HOST one IPv4 address or host name (addr_check). Only
 * split here; the host is checked once the name is known. Returns 0 or
 * -1 with the reason in why. */
static int ssh_split(struct host *h, const char *val, char *why, size_t len)
{
	const char *at = strchr(val, '@'), *p;
	size_t n = at ? (size_t)(at - val) : 0;

	if (!at || !n || n >= sizeof(h->ssh_user) || !at[1] ||
	    strlen(at + 1) >= sizeof(h->ssh_host))
		return errbuf_set(why, len, "ssh must be USER@HOST");
	if (!(islower((unsigned char)val[0]) || val[0] == '_'))
		return errbuf_set(why, len, "ssh user must start with a-z or '_'");
	for (p = val; p < at; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("_-", *p))
			return errbuf_set(why, len, "ssh user may hold a-z, 0-9, '_' and '-' only");
	memcpy(h->ssh_user, val, n);
	h->ssh_user[n] = '\0';
	memcpy(h->ssh_host, at + 1, strlen(at + 1) + 1);
	return 0;
}

int hosts_iface_ok(const char *v)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	struct in_addr in;
	char *end;
	long bits;

	if (slash) {
		if ((size_t)(slash - v) >= sizeof(ip))
			return 0;
		memcpy(ip, v, (size_t)(slash - v));
		ip[slash - v] = '\0';
		bits = strtol(slash + 1, &end, 10);
		return inet_pton(AF_INET, ip, &in) == 1 && isdigit((unsigned char)slash[1]) &&
		       !*end && bits >= 0 && bits <= 32;
	}
	return hosts_ifname_ok(v);
}

int hosts_ifname_ok(const char *v)
{
	const char *p;

	if (!*v || strlen(v) > 15 || *v == '-')
		return 0;
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return 0;
	return 1;
}

/* The keys only an ssh host takes, and what an ssh host cannot have. */
static int ssh_check(struct host *h, char *why, size_t len)
{
	if (!h->ssh_user[0])
		return h->known_hosts[0] || h->ssh_key[0] || h->iface[0] ?
		       errbuf_set(why, len, "host %s: known_hosts=, ssh_key= and iface= need ssh=",
				  h->name) : 0;
	if (h->iface[0] && !hosts_iface_ok(h->iface))
		return errbuf_set(why, len, "host %s: iface must be an interface name (A-Z a-z "
				  "0-9 _ . -, at most 15) or an IPv4 CIDR (10.0.0.0/24)", h->name);
	if (addr_check(h->ssh_host, h->name, "ssh host", why, len))
		return -1;
	if (h->hv != HOST_HV_KVM || h->netns[0])
		return errbuf_set(why, len, "host %s: an ssh host is a kvm host without netns=",
				  h->name);
	if (!h->runtime[0])
		memcpy(h->runtime, HOSTS_SSH_RUNTIME, sizeof(HOSTS_SSH_RUNTIME));
	if (!hosts_path_safe(h->runtime) || (h->known_hosts[0] && !hosts_path_safe(h->known_hosts)) ||
	    (h->ssh_key[0] && !hosts_path_safe(h->ssh_key)))
		return errbuf_set(why, len, "host %s: runtime, known_hosts and ssh_key of an ssh "
				  "host must be absolute paths of A-Z a-z 0-9 / _ . - (no '..')",
				  h->name);
	return 0;
}

/* One line: key=value words. Returns 0, 1 for an empty line, -1 on error. */
static int parse_line(char *line, struct host *h, char *why, size_t len)
{
	char *save = NULL, *word;
	int any = 0;

	memset(h, 0, sizeof(*h));
	for (word = strtok_r(line, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(word, '=');
		char *fields[] = { h->name, h->runtime, h->netns, h->addr, h->known_hosts,
				   h->ssh_key, h->iface };
		static const char *const keys[] = { "name", "runtime", "netns", "addr",
						    "known_hosts", "ssh_key", "iface" };
		static const size_t sizes[] = { sizeof(h->name), sizeof(h->runtime),
						sizeof(h->netns), sizeof(h->addr),
						sizeof(h->known_hosts), sizeof(h->ssh_key),
						sizeof(h->iface) };
		const unsigned nkeys = sizeof(keys) / sizeof(keys[0]);
		unsigned k;

		if (!eq)
			return errbuf_set(why, len, "'%s' is not key=value", word);
		*eq = '\0';
		if (!strcmp(word, "hv")) {
			if (!strcmp(eq + 1, "kvm"))
				h->hv = HOST_HV_KVM;
			else if (!strcmp(eq + 1, "xen"))
				h->hv = HOST_HV_XEN;
			else
				return errbuf_set(why, len, "hv must be kvm or xen, not '%.40s'",
						  eq + 1);
			any = 1;
			continue;
		}
		if (!strcmp(word, "ssh")) {
			if (ssh_split(h, eq + 1, why, len))
				return -1;
			any = 1;
			continue;
		}
		for (k = 0; k < nkeys && strcmp(word, keys[k]); k++)
			;
		if (k == nkeys)
			return errbuf_set(why, len, "unknown key '%s'", word);
		if (set_field(fields[k], sizes[k], eq + 1))
			return errbuf_set(why, len, "bad value for %s", word);
		any = 1;
	}
	if (!any)
		return 1;
	if (!dsmig_vm_name_valid(h->name))
		return errbuf_set(why, len, "missing or bad name");
	/* A xen host's domains come from libxenstat, not from sockets. */
	if (h->hv == HOST_HV_XEN && h->runtime[0])
		return errbuf_set(why, len, "host %s: a xen host takes no runtime= (its domains "
				  "are read through libxenstat)", h->name);
	if (ssh_check(h, why, len))
		return -1;
	if (h->hv == HOST_HV_KVM && h->runtime[0] != '/')
		return errbuf_set(why, len, "host %s needs runtime=/absolute/path", h->name);
	if (h->addr[0] && addr_check(h->addr, h->name, "addr", why, len))
		return -1;
	/* netns names a file under /run/netns for `ip netns exec`: the
	 * VM-name rule keeps out '/', ".." and shell bytes; no leading '-'
	 * either, or ip would read it as an option. */
	if (h->netns[0] && (h->netns[0] == '-' || !dsmig_vm_name_valid(h->netns)))
		return errbuf_set(why, len, "host %s: netns must be letters, digits, '_', '.' or "
				  "'-', not starting with '.' or '-'", h->name);
	return 0;
}

static unsigned hosts_count_hv(const struct host_list *l, enum host_hv hv)
{
	unsigned i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->h[i].hv == hv;
	return n;
}

int hosts_parse(struct host_list *l, const char *text, const char *name,
		char *why, size_t len)
{
	char *copy = strdup(text), *save, *line;
	unsigned lineno = 0;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (!copy)
		return errbuf_set(why, len, "out of memory");
	/* strsep keeps empty lines, so line numbers stay right. */
	save = copy;
	while ((line = strsep(&save, "\n"))) {
		char bad[192], *hash = strchr(line, '#');
		struct host h;
		int r;

		lineno++;
		if (hash)
			*hash = '\0';
		r = parse_line(line, &h, bad, sizeof(bad));
		if (r == 1)
			continue;
		if (r == 0 && hosts_find(l, h.name))
			r = errbuf_set(bad, sizeof(bad), "host %s is listed twice", h.name);
		/* libxenstat reads the hypervisor dsmig runs on: a second xen
		 * host would list the same domains again. */
		if (r == 0 && h.hv == HOST_HV_XEN && hosts_count_hv(l, HOST_HV_XEN))
			r = errbuf_set(bad, sizeof(bad), "host %s: only one xen host (the machine "
				       "dsmig runs on)", h.name);
		if (r == 0 && l->n == HOSTS_MAX)
			r = errbuf_set(bad, sizeof(bad), "more than %d hosts", HOSTS_MAX);
		if (r < 0) {
			rc = errbuf_set(why, len, "%s:%u: %s", name, lineno, bad);
			break;
		}
		l->h[l->n++] = h;
	}
	free(copy);
	return rc;
}

int hosts_load(struct host_list *l, const char *path, char *why, size_t len)
{
	char def[512];
	const char *env = getenv("DSMIG_HOSTS");
	void *text;
	size_t text_len;
	int rc;

	if (!path && env && *env)
		path = env;
	if (!path) {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

		if (xdg && *xdg)
			snprintf(def, sizeof(def), "%s/dsmig/hosts", xdg);
		else
			snprintf(def, sizeof(def), "%s/.config/dsmig/hosts", home ? home : "/");
		rc = file_read_all(def, 1 << 20, &text, &text_len);
		if (rc == -ENOENT) {
			/* No hosts file: this machine alone. */
			memset(l, 0, sizeof(*l));
			l->n = 1;
			snprintf(l->h[0].name, sizeof(l->h[0].name), "local");
			if (dsmig_runtime_dir(l->h[0].runtime, sizeof(l->h[0].runtime)))
				return errbuf_set(why, len, "no runtime directory");
			return 0;
		}
		path = def;
	} else {
		rc = file_read_all(path, 1 << 20, &text, &text_len);
	}
	if (rc)
		return errbuf_set(why, len, "%s: %s", path, strerror(-rc));
	rc = hosts_parse(l, text, path, why, len);
	free(text);
	if (!rc)
		snprintf(l->path, sizeof(l->path), "%s", path);
	return rc;
}

/* The first host whose field at offset (name, runtime, ...) is value. */
static const struct host *find_by(const struct host_list *l, size_t offset, const char *value)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (!strcmp((const char *)&l->h[i] + offset, value))
			return &l->h[i];
	return NULL;
}

const struct host *hosts_find(const struct host_list *l, const char *name)
{
	return find_by(l, offsetof(struct host, name), name);
}

const struct host *hosts_by_runtime(const struct host_list *l, const char *dir)
{
	unsigned i;

	/* The same directory however spelt (rundir.h); one spelling is one
	 * directory also before it exists (rank 1 makes a destination's). */
	for (i = 0; i < l->n; i++)
		if (l->h[i].runtime[0] && !hosts_is_ssh(&l->h[i]) && (!strcmp(l->h[i].runtime, dir) ||
		    dsmig_runtime_dir_same(l->h[i].runtime, dir, NULL, 0) > 0))
			return &l->h[i];
	return NULL;
}

const struct host *hosts_by_addr(const struct host_list *l, const char *addr)
{
	return find_by(l, offsetof(struct host, addr), addr);
}

int hosts_is_xen(const struct host_list *l, const char *name)
{
	const struct host *h = hosts_find(l, name);

	return h && h->hv == HOST_HV_XEN;
}

int hosts_is_ssh(const struct host *h)
{
	return h && h->ssh_user[0];
}

int hosts_in_lab(const struct host *h)
{
	return h && h->netns[0] && h->addr[0];
}

int hosts_resolve(const struct host_list *l, const char *arg, char *dir,
		  size_t dirlen, char *why, size_t len)
{
	const struct host *h;

	if (strchr(arg, '/')) {
		snprintf(dir, dirlen, "%s", arg);
		return 0;
	}
	h = hosts_find(l, arg);
	if (!h)
		return errbuf_set(why, len, "unknown host '%s' (not in the hosts file)", arg);
	if (h->hv == HOST_HV_XEN)
		return errbuf_set(why, len, "host '%s' is a xen host: it has no runtime "
				  "directory (a Xen migration names it at both ends)", arg);
	snprintf(dir, dirlen, "%s", h->runtime);
	return 0;
}

int hosts_mpi_net(const struct host *h, char *buf, size_t buflen, char *why, size_t len)
{
	struct in_addr in;
	uint32_t a;
	int k;

	if (h->iface[0]) {
		k = snprintf(buf, buflen, "%s", h->iface);
	} else {
		if (inet_pton(AF_INET, h->ssh_host, &in) != 1)
			return errbuf_set(why, len, "host %s: its ssh address %s is a name: "
					  "say which network the migration takes with iface=",
					  h->name, h->ssh_host);
		a = ntohl(in.s_addr);
		k = snprintf(buf, buflen, "%u.%u.%u.0/24", a >> 24, (a >> 16) & 255, (a >> 8) & 255);
	}
	if (k < 0 || (size_t)k >= buflen)
		return errbuf_set(why, len, "host %s: network name too long", h->name);
	return 0;
}

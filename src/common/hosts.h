/*
 * The hosts file: which hosts the console and `dsmig migrate` know, and how
 * to reach each. One host per line, as key=value words; '#' starts a
 * comment. Keys: name (required), hv (kvm, the default, or xen), runtime
 * (required for a kvm host: the directory of that host's VMM sockets; a
 * xen host has none: its domains are read through libxenstat on the
 * machine dsmig runs on, its dom0), netns and addr (optional, for the
 * lab; addr is an
 * IPv4 address or a host name, letters, digits, '-' and '.', since it
 * goes into mpirun's --host list: a line with another addr is refused,
 * docs/deploy.md). A host on another machine is reached over ssh:
 * ssh=USER@HOST (USER [a-z_][a-z0-9_-]*, HOST an IPv4 address or a host
 * name), with optional known_hosts= and ssh_key= (absolute local paths);
 * its runtime= is the directory on that machine (default /run/dsmig),
 * and iface= (optional) the network the migration's MPI traffic takes
 * there: an interface name (1-15 of [A-Za-z0-9_.-]) or an IPv4 CIDR
 * (198.18.0.0/24), given to Open MPI's btl/oob_tcp_if_include; without
 * it, the /24 of the ssh host's address (which must then be IPv4).
 * Every path of an ssh host is kept to [A-Za-z0-9/_.-], since the remote
 * one goes through the remote shell (quoted) and the local ones into
 * ssh's -o options. Example:
 *
 *     name=hostA runtime=/run/dsmig/hostA
 *     name=hostB runtime=/run/dsmig/hostB netns=dsmig-hostB addr=198.18.0.2
 *     name=hostC ssh=root@198.18.0.3 known_hosts=/etc/dsmig/known_hosts
 *     name=xen0 hv=xen
 *
 * Found at $DSMIG_HOSTS, else $XDG_CONFIG_HOME/dsmig/hosts (or
 * ~/.config/dsmig/hosts); without one there is a single host, "local",
 * whose runtime directory is the default one.
 */
#ifndef DSMIG_COMMON_HOSTS_H
#define DSMIG_COMMON_HOSTS_H

#include <stddef.h>

#define HOSTS_MAX 16

/* The hypervisor a host runs its VMs on. */
enum host_hv {
	HOST_HV_KVM,        /* dsmig's own VMM on KVM: runtime= sockets */
	HOST_HV_XEN,        /* Xen domains, read through libxenstat (dom0) */
};

struct host {
	enum host_hv hv;
	char name[64];
	char runtime[256];
	char netns[64];
	char addr[64];
	/* ssh= (ssh_user[0]: reached over ssh; runtime is then remote) */
	char ssh_user[33];
	char ssh_host[64];
	char known_hosts[256];          /* "": ssh's default */
	char ssh_key[256];              /* "": ssh's default identities */
	char iface[32];                 /* "": the /24 of ssh_host */
};

/* An ssh host's runtime directory when its line names none. */
#define HOSTS_SSH_RUNTIME "/run/dsmig"

struct host_list {
	unsigned n;
	struct host h[HOSTS_MAX];
	char path[256];           /* the file it came from; "" for the default */
};

/* Parse hosts-file text; on a bad line returns -1 with
 * "NAME:LINE: what is wrong" in why. */
int hosts_parse(struct host_list *l, const char *text, const char *name,
		char *why, size_t len);

/* Load the hosts file (path, or the default search when NULL); l->path
 * says which file it was. Returns 0, or -1 with the reason in why. */
int hosts_load(struct host_list *l, const char *path, char *why, size_t len);

/* The host called name, or NULL. */
const struct host *hosts_find(const struct host_list *l, const char *name);

/* The host whose runtime directory is dir, however spelt
 * (dsmig_runtime_dir_same()), or NULL. An ssh host's directory is on
 * another machine: never this one's dir. */
const struct host *hosts_by_runtime(const struct host_list *l, const char *dir);

/* The host whose address is addr, or NULL. */
const struct host *hosts_by_addr(const struct host_list *l, const char *addr);

/* True if name is the hosts file's xen host (the dom0 dsmig runs in; a
 * Xen migration names it at both ends: docs/xen.md). */
int hosts_is_xen(const struct host_list *l, const char *name);

/* True if h is reached over ssh (an ssh= key). */
int hosts_is_ssh(const struct host *h);

/* True if path is absolute and made of [A-Za-z0-9/_.-] only, without
 * "..": what an ssh host's paths must be. */
int hosts_path_safe(const char *path);

/* True if h is a lab host: it has a network namespace and an address. */
int hosts_in_lab(const struct host *h);

/* A host argument to a runtime directory: a path (contains '/') is taken
 * as it is; otherwise it is looked up by name (a xen host, which has no
 * runtime directory, is refused: dsmig migrate takes Xen migrations
 * apart, docs/xen.md). An ssh host's directory is the one on that
 * machine (dsmig migrate reaches it through ssh, cli/migrate_ssh.h).
 * Returns 0 or -1 with a reason in why. */
/* iface=: an interface name (1-15 of [A-Za-z0-9_.-], not starting with
 * '-') or an IPv4 CIDR A.B.C.D/N (N 0-32): it goes into mpirun's argv,
 * and `dsmig wire`'s over ssh, as one word. 1 if v is one of those. */
int hosts_iface_ok(const char *v);
/* The name half of that: an interface name (1-15 of [A-Za-z0-9_.-], not
 * starting with '-'), as the kernel and a command line take it; also a
 * VM's --net bridge=. 1 if v is one. */
int hosts_ifname_ok(const char *v);

/* The network of an ssh host's MPI traffic, for btl/oob_tcp_if_include:
 * its iface=, else the /24 of its (IPv4) ssh address. Returns 0, or -1
 * with the reason in why (a host name without iface=). */
int hosts_mpi_net(const struct host *h, char *buf, size_t buflen, char *why, size_t len);

int hosts_resolve(const struct host_list *l, const char *arg, char *dir,
		  size_t dirlen, char *why, size_t len);

#endif /* DSMIG_COMMON_HOSTS_H */

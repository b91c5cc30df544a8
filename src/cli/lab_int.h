/*
 * Internals of `dsmig lab` (docs/deploy.md), shared by its files:
 *   lab.c        the command: up, status, exec, check, env, down
 *   lab_cmd.c    running ip, tc and nft; what exists in the root namespace
 *   lab_conf.c   the hosts' names, the link parameters, lab.conf, the hosts file
 *   lab_guest.c  the guest network: its switch, each host's guest bridge, the
 *                clients' namespace
 *   lab_shape.c  each host's qdiscs and the nftables loss rule
 *   lab_down.c   removing a lab: its VMMs, processes, links, namespaces, state
 *   lab_ssh.c    `up --ssh`: an sshd per host, the operator's key, known_hosts
 * The names, addresses and ports that others need too are in
 * common/lab_net.h.
 */
#ifndef DSMIG_CLI_LAB_INT_H
#define DSMIG_CLI_LAB_INT_H

#include <stddef.h>
#include <sys/types.h>

#include "common/hosts.h"
#include "common/lab_net.h"

#define LAB_RATE_MIN     8e3               /* --link's range */
#define LAB_RATE_MAX     100e9
/* tbf: the queue holds 50 ms at the rate; the bucket at least ten full
 * frames, and 4 ms at the rate for fast links (timer granularity). */
#define LAB_TBF_LATENCY  "50ms"
#define LAB_BURST_MIN    (10 * 1514)
#define LAB_BURST_MS     4
/* Loss without netem: table (LAB_NFT_TABLE) and chain in each host's
 * namespace; the rule drops a packet when a random number below
 * LAB_LOSS_SCALE is below loss_pct / 100 * LAB_LOSS_SCALE (steps of
 * 0.0001%). */
#define LAB_NFT_CHAIN    "loss"
#define LAB_LOSS_SCALE   1000000u
#define LAB_LOSS_MIN     0.0001

/* What makes the delay and the loss. */
enum lab_impair {
	LAB_IMPAIR_NONE,   /* neither asked for */
	LAB_IMPAIR_NETEM,  /* netem on each uplink: delay and loss */
	LAB_IMPAIR_NFT,    /* no netem in the kernel: nftables, loss only */
};

struct lab_params {
	unsigned hosts;
	unsigned long long rate_bps;
	unsigned delay_ms;
	double loss_pct;
	enum lab_impair impair;  /* decided by lab_shape_all(), kept in lab.conf */
	int ssh;                 /* up --ssh (not kept: sshd runs or not) */
};

/* Names of lab host i (0-based); gveth its veth to the guest switch. */
struct lab_host {
	char name[16], netns[32], veth[16], gveth[16], addr[16], runtime[64];
};

/* Links the lab makes in the root namespace: a veth per host on each
 * network, the two bridges, the clients' veth. */
#define LAB_MAX_LINKS    (HOSTS_MAX * 2 + 3)

/* A command's argv, for lab_step() and proc_run(). */
#define CMD(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* lab_conf.c */
void lab_host_names(unsigned i, struct lab_host *h);
unsigned long long lab_burst(const struct lab_params *p);
/* The link as `up` and `status` describe it. */
void lab_describe_link(char *buf, size_t len, const struct lab_params *p);
/* lab.conf: 0, or -1 when it is missing or unreadable (not said). */
int lab_conf_read(struct lab_params *p);
/* lab.conf and the hosts file: 0, or -1 (said why). */
int lab_conf_write(const struct lab_params *p);
int lab_hosts_write(unsigned n);

/* lab_cmd.c */
void lab_chomp(char *s);
/* Run a command that must succeed: 0, or -1 (said which and why). */
int lab_step(const char *const argv[]);
/* Run a command that may fail; its status. */
int lab_try(const char *const argv[]);
int lab_list_names(int netns, const char *prefix, char names[][32], int cap);
int lab_netns_exists(const char *ns);
int lab_link_exists(const char *dev);

/* lab_shape.c */
int lab_loss_nft_show(const char *netns, char *rule, size_t len);
int lab_loss_nft_del(const char *netns);
/* Shape every host, deciding p->impair: 0, or -1 (said why). */
int lab_shape_all(struct lab_params *p);
int lab_qdisc_show(unsigned i, int uplink, char *out, size_t len);
int lab_shaping_present(unsigned i, const struct lab_params *p);

/* lab_guest.c */
/* The guest switch, each of n hosts' guest bridge, the clients' namespace:
 * 0, or -1 (said why). Their namespaces exist already. */
int lab_guest_create(unsigned n);
/* Whether the guest network of n hosts is there, as far as the root
 * namespace shows it (switch, veths, client namespace). */
int lab_guest_intact(unsigned n);
/* Its part of `dsmig lab status`: 1 when intact, else 0. */
int lab_guest_status(unsigned n);
/* Whether bridged frames pass the root namespace's iptables (br_netfilter
 * with net.bridge.bridge-nf-call-iptables=1) and it has forwarding rules
 * (nftables' forward hook, or legacy iptables tables). */
int lab_guest_brnf_root(void);

/* lab_down.c */
/* Leftovers of a lab in the root namespace, listed in what: their count,
 * or -1 when they cannot be listed. */
int lab_leftovers(char *what, size_t len);
/* Remove every trace of the lab: 0 when nothing is left. */
int lab_remove(void);
/* A small /proc file's contents (comm, environ) into buf (NUL-terminated,
 * len > 0); its length, 0 when it cannot be read. */
size_t lab_proc_file(pid_t pid, const char *what, char *buf, size_t len);

/* lab_ssh.c */
/* Keys, sshd configurations and known_hosts of n hosts (made once, kept),
 * each host's sshd started in its namespace unless it runs, and the ssh
 * hosts file LAB_SSH_HOSTS: 0, or -1 (said why). */
int lab_ssh_up(unsigned n);
/* Stop every sshd in namespace netns (the daemon and its sessions). */
void lab_ssh_stop(const char *netns);
/* Unmount every host's mount namespace and LAB_SSH_MNT (their processes
 * gone first: lab_remove()). */
void lab_ssh_unmount(void);
/* Whether lab host i's sshd runs: 1, 0, or -1 when --ssh was never used. */
int lab_ssh_running(unsigned i);

#endif /* DSMIG_CLI_LAB_INT_H */

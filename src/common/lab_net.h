/*
 * The network a migration uses: the TCP ports of the engine's MPI
 * connections, and the names and addresses of the lab (`dsmig lab`,
 * docs/deploy.md). `dsmig lab` makes the lab from these, `dsmig migrate`
 * hands them to mpirun, the console's probes capture on them. This is
 * the one copy: shell scripts read the same values from `dsmig lab env`
 * (KEY=VALUE lines named as the macros here).
 */
#ifndef DSMIG_COMMON_LAB_NET_H
#define DSMIG_COMMON_LAB_NET_H

#define LAB_STR_(x) #x
#define LAB_STR(x)  LAB_STR_(x)

/* The engine's MPI data connections use these ports (mpirun's
 * btl_tcp_port_min_v4 and btl_tcp_port_range_v4), in the lab and on
 * loopback, so that a capture filter can name them (docs/probes.md). */
#define MIGRATE_PORT_FIRST  47000
#define MIGRATE_PORT_COUNT  100
#define MIGRATE_PORT_LAST   47099
_Static_assert(MIGRATE_PORT_LAST == MIGRATE_PORT_FIRST + MIGRATE_PORT_COUNT - 1,
	       "MIGRATE_PORT_LAST is the last port of the range");
#define MIGRATE_PORT_MIN    LAB_STR(MIGRATE_PORT_FIRST)
#define MIGRATE_PORT_RANGE  LAB_STR(MIGRATE_PORT_COUNT)
/* The same ports, for BPF. */
#define MIGRATE_PORT_FILTER \
	"tcp portrange " LAB_STR(MIGRATE_PORT_FIRST) "-" LAB_STR(MIGRATE_PORT_LAST)

/* The lab's state: lab.conf, the hosts file, one runtime directory per
 * host (LAB_DIR/hostA, ...). */
#define LAB_DIR          "/run/dsmig-lab"
#define LAB_CONF         LAB_DIR "/lab.conf"
#define LAB_HOSTS        LAB_DIR "/hosts"
/* `dsmig lab up --ssh`: each host's sshd, the operator's key pair (id,
 * id.pub), authorized_keys and known_hosts in LAB_SSH_DIR (mode 0700),
 * and a hosts file naming the hosts by ssh= only. */
#define LAB_SSH_DIR      LAB_DIR "/ssh"
#define LAB_SSH_KEY      LAB_SSH_DIR "/id"
#define LAB_SSH_KNOWN    LAB_SSH_DIR "/known_hosts"
#define LAB_SSH_HOSTS    LAB_DIR "/hosts-ssh"
/* Each host's own mount namespace, kept by a bind mount of it at
 * LAB_SSH_MNT/NAME (a private tmpfs), with a tmpfs of its own at
 * LAB_SSH_RUNTIME: the runtime directory its sshd's sessions see, which
 * the root namespace cannot (as hosts.h's default for ssh hosts). */
#define LAB_SSH_MNT      LAB_SSH_DIR "/mnt"
#define LAB_SSH_RUNTIME  "/run/dsmig"

/* Every lab host's interface has this name inside its namespace; its
 * address is in LAB_SUBNET (host i, 0-based, has LAB_NET_PREFIX i + 1),
 * of which the root namespace's bridge holds LAB_BRIDGE_ADDR. Addresses
 * come from 198.18.0.0/15 only (RFC 2544's benchmarking range). */
#define LAB_IFACE        "dsmig0"
#define LAB_NET_PREFIX   "198.18.0."
#define LAB_PREFIX_LEN   "/24"
#define LAB_SUBNET       LAB_NET_PREFIX "0" LAB_PREFIX_LEN
#define LAB_ADDR_FMT     LAB_NET_PREFIX "%u"
#define LAB_BRIDGE       "dsmig-br0"
#define LAB_BRIDGE_ADDR  LAB_NET_PREFIX "254" LAB_PREFIX_LEN

/* The guest network, apart from the shaped link above (a data centre's
 * guest VLAN beside its migration network; no rate cap): a switch bridge
 * in the root namespace (no address); per host a veth, LAB_GUEST_VETH_PREFIX
 * + 'A' + i in the root namespace (a port of the switch), LAB_GUEST_UPLINK
 * inside the host's namespace, a port of the host's guest bridge
 * LAB_GUEST_BRIDGE: the bridge every VMM's TAP device joins (dsmig-vmm
 * --net bridge=LAB_GUEST_BRIDGE, the same name on every host). The clients
 * (wrk, `dsmig webclient`) run in their own namespace LAB_CLIENT_NS, on
 * LAB_CLIENT_IFACE with LAB_CLIENT_ADDR, its root side LAB_CLIENT_VETH a
 * port of the switch. Guests take LAB_GUEST_NET_PREFIX LAB_GUEST_ADDR_FIRST
 * and up, by convention. The subnet is 198.LAB_GUEST_NET_B.0.0/24, inside
 * LAB_RANGE as every lab address. */
#define LAB_RANGE             "198.18.0.0/15"
#define LAB_GUEST_NET_B       19
_Static_assert(LAB_GUEST_NET_B == 18 || LAB_GUEST_NET_B == 19,
	       "the guest network stays inside 198.18.0.0/15");
#define LAB_GUEST_NET_PREFIX  "198." LAB_STR(LAB_GUEST_NET_B) ".0."
#define LAB_GUEST_SUBNET      LAB_GUEST_NET_PREFIX "0" LAB_PREFIX_LEN
#define LAB_GUEST_SWITCH      "dsmig-gbr"
#define LAB_GUEST_VETH_PREFIX "dsmig-g"
#define LAB_GUEST_UPLINK      "dsmigg0"
#define LAB_GUEST_BRIDGE      "dsguest0"
#define LAB_CLIENT_NS         "dsmig-client"
/* Not "dsmig-gC": that is host C's guest veth. */
#define LAB_CLIENT_VETH       "dsmig-gcli"
#define LAB_CLIENT_IFACE      "dsmigc0"
#define LAB_CLIENT_HOST       1
#define LAB_CLIENT_ADDR       LAB_GUEST_NET_PREFIX LAB_STR(LAB_CLIENT_HOST)
#define LAB_GUEST_ADDR_FIRST  10
_Static_assert(LAB_GUEST_ADDR_FIRST > LAB_CLIENT_HOST && LAB_GUEST_ADDR_FIRST < 255,
	       "guest addresses come after the client's");
#define LAB_GUEST_ADDR_FMT    LAB_GUEST_NET_PREFIX "%u"

/* Names: host i's namespace is LAB_NS_PREFIX + 'A' + i; everything the lab
 * makes in the root namespace (the bridge, dsmig-A, ...) starts with
 * LAB_LINK_PREFIX; the nftables table of a loss rule is LAB_NFT_TABLE. */
#define LAB_NS_PREFIX    "dsmig-host"
#define LAB_LINK_PREFIX  "dsmig-"
#define LAB_NFT_TABLE    "dsmig_lab"

#endif /* DSMIG_COMMON_LAB_NET_H */

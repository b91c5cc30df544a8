/*
 * lwIP configuration for the net guest (docs/guest-net.md explains each
 * choice). One netif, driven by polling on vCPU 0: NO_SYS, raw API only,
 * IPv4 with ARP, ICMP and TCP. Sized for an HTTP server with about 400
 * concurrent keep-alive connections sending documents of up to a few tens
 * of KiB without copying them.
 */
#ifndef DSMIG_LWIPOPTS_H
#define DSMIG_LWIPOPTS_H

/* ---- system: no OS, one thread (vCPU 0), no locking ------------------- */
#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_TIMERS                 1
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_NETIF_API              0
#define LWIP_ALTCP                  0

/* ---- protocols ------------------------------------------------------------ */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_TCP                    1
#define LWIP_UDP                    0
#define LWIP_RAW                    0
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_FORWARD                  0
/* TCP never sends more than the MTU; nobody should send us fragments. */
#define IP_REASSEMBLY               0
#define IP_FRAG                     0
#define ARP_TABLE_SIZE              64
#define ARP_QUEUEING                1
#define MEMP_NUM_ARP_QUEUE          64
#define LWIP_SINGLE_NETIF           1

/* ---- memory: static pools and heap in the image's .bss ------------------ */
#define MEM_ALIGNMENT               8
/* The heap holds PBUF_RAM pbufs: copied response headers (about 150
 * bytes each, one or more per connection) and TCP control segments. */
#define MEM_SIZE                    (2 * 1024 * 1024)
#define MEMP_NUM_TCP_PCB            512
#define MEMP_NUM_TCP_PCB_LISTEN     2
/* Segments and PBUF_REF pbufs for queued, unacknowledged data: up to
 * TCP_SND_QUEUELEN (33) per connection on a busy server; 8192 covers 250
 * connections sending full windows at once, the rest wait (ERR_MEM) for
 * the sent callback. */
#define MEMP_NUM_TCP_SEG            8192
#define MEMP_NUM_PBUF               8192
/* Received frames: one pool pbuf (PBUF_POOL_BUFSIZE >= 1514) each. */
#define PBUF_POOL_SIZE              512

/* ---- TCP ------------------------------------------------------------------ */
#define TCP_MSS                     1460
#define TCP_SND_BUF                 (8 * TCP_MSS)
#define TCP_WND                     (4 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* Copied headers get exactly their size: no MSS-sized heap blocks. */
#define TCP_OVERSIZE                0
#define TCP_QUEUE_OOSEQ             1
#define TCP_LISTEN_BACKLOG          0
#define LWIP_TCP_KEEPALIVE          0
#define LWIP_TCP_TIMESTAMPS         0
#define LWIP_WND_SCALE              0
#define LWIP_CALLBACK_API           1
#define SO_REUSE                    0

/* ---- checksums: all in software (the NIC does none) ----------------------- */
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1

/* ---- netif -------------------------------------------------------------- */
#define LWIP_NETIF_STATUS_CALLBACK  0
#define LWIP_NETIF_LINK_CALLBACK    0
#define LWIP_NETIF_HOSTNAME         0
#define LWIP_NETIF_TX_SINGLE_PBUF   0

/* ---- statistics: off (the driver counts its own); LWIP_DEBUG undefined -- */
#define LWIP_STATS                  0

#endif /* DSMIG_LWIPOPTS_H */

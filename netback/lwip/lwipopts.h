/*
 * lwIP's configuration for netback (issue 9 §1): bridge0's own address.
 * The raw API only (NO_SYS: one thread, the main loop calls lwIP), IPv4
 * with ARP, ICMP echo, UDP and a DHCP client; no TCP, sockets, netconn,
 * IPv6, AutoIP or IGMP. Every option not named here is lwIP's default
 * (src/include/lwip/opt.h).
 */
#ifndef NETBACK_LWIPOPTS_H
#define NETBACK_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0	/* no interrupts touch lwIP: the loop polls */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 0
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_NETIF_STATUS_CALLBACK 1	/* ip.c logs and publishes the lease */
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_SINGLE_NETIF 1
#define LWIP_STATS 0
/* LWIP_DEBUG stays undefined: lwIP tests it with #ifdef. */
#define IP_REASSEMBLY 0		/* a bridge's address answers pings, not jumbo datagrams */
#define IP_FRAG 0

/* The heap is the runtime's malloc; pbuf pools stay lwIP's own (memp). */
#define MEM_LIBC_MALLOC 1
#define MEM_ALIGNMENT 8
#define PBUF_POOL_SIZE 32
#define PBUF_POOL_BUFSIZE 1536	/* one Ethernet frame in one pbuf */
#define ETH_PAD_SIZE 0
#define ARP_TABLE_SIZE 16
#define ARP_QUEUEING 1
#define MEMP_NUM_ARP_QUEUE 16

/* The checksums are lwIP's: nothing below offloads them. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_ICMP 1


#endif

/*
 * Protocol checksums a guest left to its backend (NETTXF_csum_blank, Linux's
 * CHECKSUM_PARTIAL): netback fills them in before a frame leaves on the NIC
 * or reaches another guest. The frame is parsed, never trusted: Ethernet II
 * with at most one 802.1Q tag, then IPv4 (header checksum not touched; a
 * fragment other than the first has no transport header) or IPv6 without
 * extension headers, then TCP or UDP within the IP packet's own length.
 * The transport checksum is recomputed whole (pseudo-header included), so
 * whatever the field held does not matter; a UDP result of 0 is sent as
 * 0xffff (RFC 768).
 */
#ifndef NETBACK_CSUM_H
#define NETBACK_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* What csum.c and gso.c read off the wire. */
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* A big-endian 16-bit field. */
static inline unsigned net_be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* 0, or -EINVAL for a frame whose checksum cannot be placed (it is dropped). */
int csum_fill(uint8_t *frame, size_t len);

/* The Internet checksum's one's-complement sum of len bytes, added to sum. */
uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t csum_fold(uint32_t sum);

#endif

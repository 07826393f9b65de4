/* TCP packets for the netback tests (test_gso.c, test_vif_back.c): a
 * GSO-sized TCP packet as Linux's stack hands one to xen-netfront, and the
 * checks of one frame cut from it. */
#ifndef TEST_TCP_FRAME_H
#define TEST_TCP_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "../../netback/csum.h"

#define TCPF_HLEN4 (14 + 20 + 32)	/* Ethernet, IPv4, TCP with timestamps */
#define TCPF_HLEN6 (14 + 40 + 32)

static inline unsigned tcpf_be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static inline uint32_t tcpf_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Headers and payload bytes (payload byte i is (seed + i * 13) & 0xff);
 * the TCP checksum field left 0 (blank), IPv4's header checksum filled,
 * flags as given (e.g. 0x18 PSH|ACK), sequence number seq. */
static inline size_t tcpf_build(uint8_t *b, bool v6, size_t payload, uint8_t flags, uint32_t seq,
				uint8_t seed)
{
	size_t l3 = 14, l4 = v6 ? 54 : 34, len = l4 + 32 + payload;

	memset(b, 0, l4 + 32);
	memcpy(b, "\x00\x16\x3e\x00\x00\x02\x00\x16\x3e\x00\x00\x01", 12);
	if (v6) {
		b[12] = 0x86, b[13] = 0xdd, b[l3] = 0x60;
		b[l3 + 4] = (uint8_t)((32 + payload) >> 8), b[l3 + 5] = (uint8_t)(32 + payload);
		b[l3 + 6] = 6, b[l3 + 7] = 64;
		for (int i = 0; i < 32; i++)
			b[l3 + 8 + i] = (uint8_t)(0x20 + i);
	} else {
		b[12] = 0x08, b[13] = 0x00, b[l3] = 0x45;
		b[l3 + 2] = (uint8_t)((52 + payload) >> 8), b[l3 + 3] = (uint8_t)(52 + payload);
		b[l3 + 4] = 0x12, b[l3 + 5] = 0x34, b[l3 + 6] = 0x40;	/* id, DF */
		b[l3 + 8] = 64, b[l3 + 9] = 6;
		memcpy(b + l3 + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
		uint16_t c = (uint16_t)~csum_fold(csum_add(0, b + l3, 20));
		b[l3 + 10] = (uint8_t)(c >> 8), b[l3 + 11] = (uint8_t)c;
	}
	b[l4] = 0x9c, b[l4 + 1] = 0x40, b[l4 + 2] = 0x00, b[l4 + 3] = 0x50;
	b[l4 + 4] = (uint8_t)(seq >> 24), b[l4 + 5] = (uint8_t)(seq >> 16);
	b[l4 + 6] = (uint8_t)(seq >> 8), b[l4 + 7] = (uint8_t)seq;
	b[l4 + 12] = 0x80, b[l4 + 13] = flags, b[l4 + 14] = 0xff;
	b[l4 + 20] = 1, b[l4 + 21] = 1, b[l4 + 22] = 8, b[l4 + 23] = 10;	/* NOP NOP TS */
	for (size_t i = 0; i < payload; i++)
		b[l4 + 32 + i] = (uint8_t)(seed + i * 13);
	return len;
}

/* Whether f (len bytes) is frame k of a packet built by tcpf_build: its IP
 * length and checksums right, its sequence number and payload those of
 * bytes [k * mss, k * mss + n), n = len - headers. *n gets n. */
static inline bool tcpf_frame_ok(const uint8_t *f, size_t len, bool v6, unsigned k, uint16_t mss,
				 uint32_t seq, uint8_t seed, size_t *n)
{
	size_t l3 = 14, l4 = v6 ? 54 : 34, hl = l4 + 32;
	uint32_t sum;

	if (len < hl)
		return false;
	*n = len - hl;
	if (v6) {
		if (tcpf_be16(f + l3 + 4) != 32 + *n)
			return false;
		sum = csum_add(0, f + l3 + 8, 32);
	} else {
		if (tcpf_be16(f + l3 + 2) != 52 + *n || tcpf_be16(f + l3 + 4) != ((0x1234 + k) & 0xffff) ||
		    csum_fold(csum_add(0, f + l3, 20)) != 0xffff)
			return false;
		sum = csum_add(0, f + l3 + 12, 8);
	}
	sum += 6 + (uint32_t)(32 + *n);
	if (csum_fold(csum_add(sum, f + l4, 32 + *n)) != 0xffff)
		return false;
	if (tcpf_be32(f + l4 + 4) != seq + k * mss)
		return false;
	for (size_t i = 0; i < *n; i++)
		if (f[hl + i] != (uint8_t)(seed + (k * mss + i) * 13))
			return false;
	return true;
}

#endif

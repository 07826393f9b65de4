/* TCP segmentation in software (gso.h). */
#ifdef BULKHEAD_HOST
#include <string.h>
#else
#include "dom.h"
#endif
#include "errno.h"
#include "public/io/netif.h"
#include "csum.h"
#include "gso.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int refuse(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

/* The IP header at g->l3: sets g->l4 and g->end. */
static int parse_ip(const uint8_t *pkt, size_t len, struct gso_info *g, const char **why)
{
	const uint8_t *ip = pkt + g->l3;
	size_t room = len - g->l3;

	if (g->v6) {
		if (room < 40 || ip[0] >> 4 != 6)
			return refuse(why, "GSO TCPv6 packet without an IPv6 header");
		if (ip[6] != IPPROTO_TCP)
			return refuse(why, "GSO packet not TCP (or with IPv6 extension headers)");
		g->l4 = g->l3 + 40;
		g->end = g->l4 + net_be16(ip + 4);
	} else {
		size_t ihl = room ? (size_t)(ip[0] & 0xf) * 4 : 0;

		if (room < 20 || ip[0] >> 4 != 4 || ihl < 20 || ihl > room)
			return refuse(why, "GSO TCPv4 packet without an IPv4 header");
		if (ip[9] != IPPROTO_TCP)
			return refuse(why, "GSO packet not TCP");
		if (net_be16(ip + 6) & 0x3fff)
			return refuse(why, "GSO packet is an IP fragment");
		if (net_be16(ip + 2) < ihl)
			return refuse(why, "GSO packet's IP length shorter than its header");
		g->l4 = g->l3 + ihl;
		g->end = g->l3 + net_be16(ip + 2);
	}
	if (g->end > len)
		return refuse(why, "GSO packet's IP length beyond the packet");
	return 0;
}

int gso_parse(const uint8_t *pkt, size_t len, uint16_t mss, uint8_t type, size_t max_frame,
	      struct gso_info *g, const char **why)
{
	size_t tcp_len, payload, first;
	unsigned ether;
	int rc;

	memset(g, 0, sizeof(*g));
	if (type != XEN_NETIF_GSO_TYPE_TCPV4 && type != XEN_NETIF_GSO_TYPE_TCPV6)
		return refuse(why, "unknown GSO type");
	if (mss < GSO_MIN_MSS)
		return refuse(why, "GSO size below the least MSS");
	if (len < 14 || len > GSO_MAX_PACKET)
		return refuse(why, "GSO packet of an impossible length");
	g->v6 = type == XEN_NETIF_GSO_TYPE_TCPV6;
	g->mss = mss;
	g->l3 = 14;
	ether = net_be16(pkt + 12);
	if (ether == ETH_P_8021Q) {
		if (len < 18)
			return refuse(why, "GSO packet's 802.1Q tag cut short");
		g->l3 = 18;
		ether = net_be16(pkt + 16);
	}
	if (ether != (g->v6 ? ETH_P_IPV6 : ETH_P_IP))
		return refuse(why, "GSO packet's EtherType is not its GSO type's");
	if ((rc = parse_ip(pkt, len, g, why)))
		return rc;
	if (g->end - g->l4 < 20)
		return refuse(why, "GSO packet without a TCP header");
	tcp_len = (size_t)(pkt[g->l4 + 12] >> 4) * 4;
	if (tcp_len < 20 || tcp_len > g->end - g->l4)
		return refuse(why, "GSO packet's TCP header length impossible");
	g->hlen = g->l4 + tcp_len;
	payload = g->end - g->hlen;
	first = payload < mss ? payload : mss;
	if (g->hlen + first > max_frame)
		return refuse(why, "GSO packet's frames would be longer than a frame may be");
	g->frames = payload ? (unsigned)((payload + mss - 1) / mss) : 1;
	return 0;
}

/* Frame k's headers fixed for n payload bytes (its payload already placed). */
static void fix_headers(uint8_t *f, const struct gso_info *g, unsigned k, size_t n)
{
	uint8_t *ip = f + g->l3, *tcp = f + g->l4;
	uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];

	if (g->v6) {
		put16(ip + 4, (unsigned)(g->hlen - g->l4 + n));
	} else {
		put16(ip + 2, (unsigned)(g->hlen - g->l3 + n));
		put16(ip + 4, (net_be16(ip + 4) + k) & 0xffff);
		ip[10] = ip[11] = 0;
		put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, g->l4 - g->l3)));
	}
	seq += (uint32_t)k * g->mss;
	tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
	if (k + 1 < g->frames)
		tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (k)
		tcp[13] &= (uint8_t)~TCP_CWR;
}

void gso_segment(const uint8_t *pkt, const struct gso_info *g, uint8_t *frame, gso_out_fn *out,
		 void *arg)
{
	size_t at = g->hlen;

	for (unsigned k = 0; k < g->frames; k++) {
		size_t n = g->end - at < g->mss ? g->end - at : g->mss;

		memcpy(frame, pkt, g->hlen);
		memcpy(frame + g->hlen, pkt + at, n);
		fix_headers(frame, g, k, n);
		(void)csum_fill(frame, g->hlen + n);	/* parsed above: cannot fail */
		out(arg, frame, g->hlen + n);
		at += n;
	}
}

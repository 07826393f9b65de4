/* TCP segmentation in software (netback/gso.c) on the host: packets cut
 * as a guest's TCP would have sent them (lengths, IPv4 identification and
 * header checksum, sequence numbers, FIN/PSH/CWR, whole TCP checksums,
 * the payload in order) for IPv4, IPv6 and an 802.1Q tag; every packet
 * gso_parse must refuse; and random packets that are never read past
 * their end (ASan) and, when accepted, always cut into frames that fit. */
#include <string.h>
#include "check.h"
#include "errno.h"
#include "public/io/netif.h"
#include "../../netback/gso.h"
#include "tcp_frame.h"

#define MAX_FRAME 1518

static uint8_t pkt[GSO_MAX_PACKET + 64], frames[64][MAX_FRAME];
static size_t frame_len[64];
static unsigned nframes;

static void collect(void *arg, const uint8_t *f, size_t len)
{
	(void)arg;
	CHECK(len <= MAX_FRAME && nframes < 64);
	memcpy(frames[nframes], f, len);
	frame_len[nframes++] = len;
}

/* Cut a packet of payload bytes and check every frame against the original. */
static void cut_and_check(bool v6, size_t payload, uint16_t mss, uint8_t flags)
{
	uint8_t type = v6 ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_TCPV4;
	size_t len = tcpf_build(pkt, v6, payload, flags, 0xfffff000u, 5), total = 0, n;
	unsigned want = payload ? (unsigned)((payload + mss - 1) / mss) : 1;
	size_t l4 = v6 ? 54 : 34;
	struct gso_info g;
	const char *why = NULL;

	CHECK(gso_parse(pkt, len, mss, type, MAX_FRAME, &g, &why) == 0);
	CHECK(g.frames == want && g.hlen == l4 + 32 && g.end == len);
	nframes = 0;
	gso_segment(pkt, &g, frames[63], collect, NULL);
	CHECK(nframes == want);
	for (unsigned k = 0; k < nframes; k++) {
		uint8_t fl = frames[k][l4 + 13];

		CHECK(tcpf_frame_ok(frames[k], frame_len[k], v6, k, mss, 0xfffff000u, 5, &n));
		CHECK(n == (k + 1 < nframes ? mss : payload - (size_t)k * mss) || (!payload && !n));
		total += n;
		/* FIN and PSH on the last only, CWR on the first only, the rest kept */
		CHECK(!!(fl & 0x09) == (k + 1 == nframes && (flags & 0x09)));
		CHECK(!!(fl & 0x80) == (k == 0 && (flags & 0x80)));
		CHECK((fl & 0x76) == (flags & 0x76));
	}
	CHECK(total == payload);
}

static void test_cut(void)
{
	cut_and_check(false, 65535 - TCPF_HLEN4, 1448, 0x18);	/* the largest, PSH|ACK */
	cut_and_check(false, 10000, 1448, 0x19 | 0x80);		/* FIN, CWR */
	cut_and_check(false, 1448 * 3, 1448, 0x10);		/* exact multiple */
	cut_and_check(false, 100, 1448, 0x18);			/* one frame */
	cut_and_check(false, 0, 1448, 0x11);			/* no payload: one frame */
	cut_and_check(true, 60000, 1428, 0x18);
	cut_and_check(true, 5000, 536, 0x10);
	cut_and_check(false, 5000, GSO_MIN_MSS, 0x10);
}

/* An 802.1Q tag before IPv4: the tag is kept in every frame. */
static void test_vlan(void)
{
	static uint8_t t[8000];
	size_t len = tcpf_build(pkt, false, 4000, 0x18, 1, 9);
	struct gso_info g;
	const char *why;

	memcpy(t, pkt, 12);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0x00, t[15] = 0x05;
	memcpy(t + 16, pkt + 12, len - 12);
	CHECK(gso_parse(t, len + 4, 1448, XEN_NETIF_GSO_TYPE_TCPV4, MAX_FRAME, &g, &why) == 0);
	CHECK(g.l3 == 18 && g.frames == 3);
	nframes = 0;
	gso_segment(t, &g, frames[63], collect, NULL);
	CHECK(nframes == 3 && frame_len[0] == 18 + 52 + 1448);
	for (unsigned k = 0; k < 3; k++)
		CHECK(frames[k][12] == 0x81 && frames[k][15] == 5 &&
		      tcpf_be32(frames[k] + 38 + 4) == 1 + k * 1448);
}

static void refused(uint8_t *b, size_t len, uint16_t mss, uint8_t type, const char *what)
{
	struct gso_info g;
	const char *why = NULL;

	CHECK(gso_parse(b, len, mss, type, MAX_FRAME, &g, &why) == -EINVAL);
	CHECK(why && strstr(why, what));
}

static void test_refused(void)
{
	const uint8_t v4 = XEN_NETIF_GSO_TYPE_TCPV4, v6 = XEN_NETIF_GSO_TYPE_TCPV6;
	size_t len = tcpf_build(pkt, false, 3000, 0x10, 0, 1);

	refused(pkt, len, 1448, 3, "unknown GSO type");
	refused(pkt, len, GSO_MIN_MSS - 1, v4, "least MSS");
	refused(pkt, len, 1448, v6, "EtherType");		/* IPv4 said TCPv6 */
	refused(pkt, 13, 1448, v4, "impossible length");
	refused(pkt, GSO_MAX_PACKET + 1, 1448, v4, "impossible length");
	refused(pkt, len, 1500, v4, "longer than a frame");	/* 66 + 1500 > 1518 */
	pkt[14 + 9] = 17;
	refused(pkt, len, 1448, v4, "not TCP");
	pkt[14 + 9] = 6, pkt[14 + 6] = 0x20;			/* MF */
	refused(pkt, len, 1448, v4, "fragment");
	pkt[14 + 6] = 0x40, pkt[14] = 0x4f;			/* IHL 60 ... */
	refused(pkt, 14 + 40, 1448, v4, "IPv4 header");		/* ... beyond the packet */
	pkt[14] = 0x45, pkt[14 + 2] = 0xff, pkt[14 + 3] = 0xff;
	refused(pkt, len, 1448, v4, "beyond the packet");
	pkt[14 + 2] = 0, pkt[14 + 3] = 10;
	refused(pkt, len, 1448, v4, "shorter than its header");
	pkt[14 + 2] = 0, pkt[14 + 3] = 30;
	refused(pkt, len, 1448, v4, "without a TCP header");
	tcpf_build(pkt, false, 3000, 0x10, 0, 1);
	pkt[34 + 12] = 0x40;					/* data offset 16 bytes */
	refused(pkt, len, 1448, v4, "TCP header length");
	pkt[34 + 12] = 0xf0, pkt[14 + 2] = 0, pkt[14 + 3] = 60;	/* 60 > 40 left */
	refused(pkt, len, 1448, v4, "TCP header length");
	len = tcpf_build(pkt, true, 3000, 0x10, 0, 1);
	refused(pkt, len, 1448, v4, "EtherType");
	pkt[14 + 6] = 0;					/* hop-by-hop options */
	refused(pkt, len, 1448, v6, "extension headers");
	pkt[14 + 6] = 6, pkt[14] = 0x40;
	refused(pkt, len, 1448, v6, "IPv6 header");
	pkt[14] = 0x60;
	refused(pkt, 14 + 39, 1448, v6, "IPv6 header");
	pkt[12] = 0x81, pkt[13] = 0x00;
	refused(pkt, 17, 1448, v6, "802.1Q");
}

/* Random packets: parse reads nothing past len (ASan), and an accepted one
 * cuts into frames that each fit and together hold its payload. */
static void test_fuzz(void)
{
	unsigned long long seed = 0x6507;
	unsigned accepted = 0;

	for (int round = 0; round < 200000; round++) {
		uint64_t x = check_rnd(&seed);
		bool v6 = x & 1;
		size_t len = (size_t)(x >> 8) % 3200;
		uint8_t *b = malloc(len ? len : 1);
		struct gso_info g;
		const char *why;

		if (x & 2)
			tcpf_build(pkt, v6, 3000, 0x18, 7, 3);
		for (size_t i = 0; i < len; i++)
			b[i] = x & 2 && (check_rnd(&seed) & 15) ? pkt[i] : (uint8_t)check_rnd(&seed);
		uint16_t mss = (uint16_t)(x & 4 ? 80 + (x >> 32) % 1500 : x >> 32);
		if (!gso_parse(b, len, mss, v6 ? 2 : 1, MAX_FRAME, &g, &why)) {
			size_t total = 0;

			nframes = 0;
			if (g.frames <= 64) {
				gso_segment(b, &g, frames[63], collect, NULL);
				for (unsigned k = 0; k < nframes; k++)
					total += frame_len[k] - g.hlen;
				CHECK(nframes == g.frames && total == g.end - g.hlen);
			}
			accepted++;
		}
		free(b);
	}
	CHECK(accepted > 0);
}

int main(void)
{
	test_cut();
	test_vlan();
	test_refused();
	test_fuzz();
	CHECK_DONE("gso");
	return 0;
}

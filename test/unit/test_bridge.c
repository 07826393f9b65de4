/* bridge0's forwarding database (netback/bridge.c) on the host: learning,
 * forwarding, flooding of group and unknown addresses, the 802.1D reserved
 * group never forwarded, a frame back to its own port dropped, stations
 * that move, ageing, a port that leaves taking its entries, bad frames and
 * ports, the per-port limit against a guest sending from random addresses,
 * and a fixed-seed fuzz of 200,000 frames checked against a model of what
 * the table must know. */
#include <string.h>
#include "check.h"
#include "../../netback/bridge.h"

static struct bridge br;
static uint8_t frame[64];

static void mac(uint8_t *m, uint32_t n)
{
	m[0] = 0x00, m[1] = 0x16, m[2] = 0x3e;	/* Xen's OUI, as xl gives guests */
	m[3] = (uint8_t)(n >> 16), m[4] = (uint8_t)(n >> 8), m[5] = (uint8_t)n;
}

static int send_(unsigned in, const uint8_t *dst, const uint8_t *src, uint64_t now)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x08, frame[13] = 0x00;
	return bridge_input(&br, in, frame, sizeof(frame), now);
}

static void test_basics(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t stp[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
	static const uint8_t lacp[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 };
	static const uint8_t not_reserved[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x10 };
	static const uint8_t zero[6] = { 0 };
	uint8_t a[6], b[6], c[6];

	bridge_init(&br, 0);
	CHECK(br.age_ms == BRIDGE_AGE_MS_DEFAULT);
	CHECK(bridge_port_add(&br, 0) == 0 && bridge_port_add(&br, 1) == 0 &&
	      bridge_port_add(&br, 2) == 0);
	CHECK(bridge_port_add(&br, BRIDGE_MAX_PORTS) < 0 && bridge_port_add(&br, ~0u) < 0);
	mac(a, 1), mac(b, 2), mac(c, 3);

	/* Unknown unicast floods; the source is learned. */
	CHECK(send_(1, b, a, 0) == BRIDGE_FLOOD);
	CHECK(bridge_lookup(&br, a, 0) == 1 && bridge_count(&br) == 1);
	CHECK(send_(2, a, b, 1) == 1);		/* the reply goes straight back */
	CHECK(send_(1, b, a, 2) == 2);
	/* To the port it came from: dropped (both on one port). */
	CHECK(send_(1, a, c, 3) == BRIDGE_DROP);
	CHECK(bridge_lookup(&br, c, 3) == 1);
	/* Group destinations flood; the reserved group goes nowhere, the rest
	 * of 01:80:c2 is ordinary multicast. */
	CHECK(send_(0, bcast, c, 4) == BRIDGE_FLOOD);
	CHECK(bridge_lookup(&br, c, 4) == 0);	/* c moved to port 0 */
	CHECK(send_(1, mcast, a, 5) == BRIDGE_FLOOD);
	CHECK(send_(1, stp, a, 5) == BRIDGE_DROP && send_(2, lacp, b, 5) == BRIDGE_DROP);
	CHECK(send_(1, not_reserved, a, 5) == BRIDGE_FLOOD);
	/* Group and all-zero sources are never learned. */
	CHECK(send_(2, a, mcast, 6) == 1 && bridge_lookup(&br, mcast, 6) < 0);
	CHECK(send_(2, a, zero, 6) == 1 && bridge_lookup(&br, zero, 6) < 0);
	CHECK(bridge_count(&br) == 3);
	/* Bad frames and ports. */
	CHECK(bridge_input(&br, 1, frame, ETH_HLEN - 1, 7) == BRIDGE_DROP);
	CHECK(bridge_input(&br, 1, NULL, 64, 7) == BRIDGE_DROP);
	CHECK(bridge_input(&br, 5, frame, 64, 7) == BRIDGE_DROP);	/* not up */
	CHECK(bridge_input(&br, 9999, frame, 64, 7) == BRIDGE_DROP);
	CHECK(bridge_input(&br, 2, frame, ETH_HLEN, 7) == 1);	/* a bare header is a frame */

	/* Ageing: an entry not seen for age_ms is gone; seeing it refreshes. */
	bridge_init(&br, 1000);
	bridge_port_add(&br, 0), bridge_port_add(&br, 1);
	send_(0, b, a, 0);
	send_(1, a, b, 500);
	CHECK(bridge_lookup(&br, a, 999) == 0 && bridge_lookup(&br, a, 1000) < 0);
	CHECK(send_(1, a, b, 1200) == BRIDGE_FLOOD);	/* a aged out: flood */
	CHECK(bridge_age(&br, 1200) == 1 && bridge_count(&br) == 1);
	CHECK(bridge_lookup(&br, b, 2199) == 1 && bridge_age(&br, 2200) == 1);
	CHECK(bridge_count(&br) == 0);

	/* A port that leaves takes its entries; frames to them flood, frames
	 * from it are dropped. */
	bridge_init(&br, 0);
	bridge_port_add(&br, 0), bridge_port_add(&br, 1), bridge_port_add(&br, 2);
	send_(1, c, a, 0), send_(2, c, b, 0);
	bridge_port_del(&br, 1);
	CHECK(!bridge_port_up(&br, 1) && bridge_port_up(&br, 2));
	CHECK(bridge_lookup(&br, a, 0) < 0 && bridge_lookup(&br, b, 0) == 2);
	CHECK(bridge_count(&br) == 1 && br.learned[1] == 0);
	CHECK(send_(2, a, b, 1) == BRIDGE_FLOOD && send_(1, b, a, 1) == BRIDGE_DROP);
	bridge_port_del(&br, BRIDGE_MAX_PORTS);	/* ignored */
}

/* A guest sending from random addresses keeps the others' entries. */
static void test_limit(void)
{
	uint8_t m[6], g[6];
	unsigned long long r = 42;

	bridge_init(&br, 0);
	for (unsigned p = 0; p < 4; p++)
		bridge_port_add(&br, p);
	for (unsigned p = 1; p < 4; p++) {
		mac(g, 0x100 + p);
		send_(p, g, g, 0);	/* (to itself: dropped, still learned) */
	}
	for (unsigned i = 0; i < 100000; i++) {
		mac(m, (uint32_t)check_rnd(&r) | 0x800000);
		send_(1, g, m, 1 + i % 1000);
	}
	CHECK(br.learned[1] <= BRIDGE_PORT_LIMIT);
	for (unsigned p = 2; p < 4; p++) {
		mac(g, 0x100 + p);
		CHECK(bridge_lookup(&br, g, 2000) == (int)p);
	}
	CHECK(bridge_count(&br) <= BRIDGE_PORT_LIMIT + 3);
}

/* The model: the port each address was last seen on and when. The table
 * may forget (a full set, a port's limit) but never lies: what it knows is
 * the last port seen, not aged, and a frame never goes back to its port or
 * to a port that is down. */
#define MODEL 4096
static struct { int port; uint64_t seen; } model[MODEL];

static void test_fuzz(void)
{
	unsigned long long r = 0x9e3779b97f4a7c15ull;
	uint64_t now = 0;
	uint8_t s[6], d[6];

	bridge_init(&br, 5000);
	for (unsigned i = 0; i < MODEL; i++)
		model[i].port = -1;
	for (unsigned i = 0; i < 200000; i++) {
		unsigned op = (unsigned)(check_rnd(&r) % 100), in = (unsigned)(check_rnd(&r) % 12);
		uint32_t sa = (uint32_t)(check_rnd(&r) % MODEL), da = (uint32_t)(check_rnd(&r) % MODEL);
		int out;

		now += check_rnd(&r) % 20;
		if (op < 3) {
			bridge_port_add(&br, in);
			continue;
		}
		if (op < 5) {
			bridge_port_del(&br, in);
			for (unsigned k = 0; k < MODEL; k++)
				if (model[k].port == (int)in)
					model[k].port = -1;
			continue;
		}
		if (op < 6) {
			bridge_age(&br, now);
			continue;
		}
		mac(s, sa), mac(d, da);
		out = send_(in, d, s, now);
		if (!bridge_port_up(&br, in)) {
			CHECK(out == BRIDGE_DROP);
			continue;
		}
		model[sa].port = (int)in, model[sa].seen = now;
		CHECK(out != (int)in && (out < 0 || bridge_port_up(&br, (unsigned)out)));
		if (out >= 0)
			CHECK(model[da].port == out && now - model[da].seen < 5000);
		if (out == BRIDGE_DROP)
			CHECK(model[da].port == (int)in);
		for (unsigned k = 0; k < 2; k++) {
			uint32_t q = (uint32_t)(check_rnd(&r) % MODEL);
			int at;

			mac(d, q);
			at = bridge_lookup(&br, d, now);
			if (at >= 0)
				CHECK(model[q].port == at && now - model[q].seen < 5000);
		}
		CHECK(bridge_count(&br) <= BRIDGE_SETS * BRIDGE_WAYS);
	}
}

int main(void)
{
	test_basics();
	test_limit();
	test_fuzz();
	CHECK_DONE("bridge");
	return 0;
}

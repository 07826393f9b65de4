/* A guest's tx packets as netback takes them (netback/netif_tx.c) on the
 * host: one slot, scatter-gather over several, GSO in an extra-info slot,
 * packets not all there yet, each drop and each fatal rule, indexes that
 * wrap, and a fixed-seed fuzz of 200,000 hostile rings: whatever the ring
 * holds, an accepted packet's slots add up to its length and stay in their
 * pages, nothing is consumed past req_prod, and every refusal says why. */
#include <string.h>
#include "check.h"
#include "../../netback/netif_tx.h"

#define SIZE 256
static union netif_tx_sring_entry ring[SIZE];
static struct netif_tx_packet p;

static void put(RING_IDX i, uint16_t size, uint16_t offset, uint16_t flags, uint16_t id)
{
	struct netif_tx_request *r = &ring[i % SIZE].req;

	r->gref = 100 + id, r->size = size, r->offset = offset, r->flags = flags, r->id = id;
}

static void put_gso(RING_IDX i, uint16_t mss, uint8_t type, uint8_t flags)
{
	struct netif_extra_info *x = (struct netif_extra_info *)&ring[i % SIZE];

	memset(x, 0, sizeof(*x));
	x->type = XEN_NETIF_EXTRA_TYPE_GSO, x->flags = flags;
	x->u.gso.size = mss, x->u.gso.type = type;
}

static enum netif_tx_verdict take(RING_IDX cons, RING_IDX prod)
{
	return netif_tx_take(ring, SIZE, cons, prod, &p);
}

static void test_good(void)
{
	/* One slot. */
	put(0, 60, 100, 0, 7);
	CHECK(take(0, 1) == NETIF_TX_OK && p.consumed == 1 && p.nr_slots == 1 && p.len == 60);
	CHECK(p.slot[0].size == 60 && p.slot[0].id == 7 && p.slot[0].gref == 107 && !p.gso_size);
	/* Scatter-gather: 3000 bytes as 1000 + 1500 + 500. */
	put(5, 3000, 3096, NETTXF_more_data | NETTXF_csum_blank, 1);
	put(6, 1500, 0, NETTXF_more_data, 2);
	put(7, 500, 3596, 0, 3);
	CHECK(take(5, 8) == NETIF_TX_OK && p.consumed == 3 && p.nr_slots == 3);
	CHECK(p.len == 3000 && p.slot[0].size == 1000 && p.slot[1].size == 1500 &&
	      p.slot[2].size == 500 && (p.flags & NETTXF_csum_blank));
	/* GSO: the first slot, an extra-info slot, then the data. */
	put(10, 9000, 0, NETTXF_extra_info | NETTXF_more_data, 1);
	put_gso(11, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0);
	put(12, 4096, 0, NETTXF_more_data, 2);
	put(13, 904, 0, 0, 3);
	CHECK(take(10, 14) == NETIF_TX_OK && p.consumed == 4 && p.nr_extras == 1);
	CHECK(p.nr_slots == 3 && p.gso_size == 1448 && p.gso_type == XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK(p.slot[0].size == 4000 && p.slot[2].size == 904);
	/* Indexes that wrap around 2^32. */
	put(0xffffffffu, 100, 0, NETTXF_more_data, 1);
	put(0, 40, 0, 0, 2);
	CHECK(take(0xffffffffu, 1) == NETIF_TX_OK && p.consumed == 2 && p.slot[0].size == 60);
	/* A full packet of NETIF_TX_MAX_SLOTS slots. */
	put(20, 18 * 100, 0, NETTXF_more_data, 0);
	for (unsigned i = 1; i < NETIF_TX_MAX_SLOTS; i++)
		put(20 + i, 100, 0, i + 1 < NETIF_TX_MAX_SLOTS ? NETTXF_more_data : 0, (uint16_t)i);
	CHECK(take(20, 20 + NETIF_TX_MAX_SLOTS) == NETIF_TX_OK && p.nr_slots == NETIF_TX_MAX_SLOTS);
}

static void test_wait(void)
{
	put(0, 3000, 0, NETTXF_more_data, 1);
	put(1, 1000, 0, 0, 2);
	CHECK(take(0, 0) == NETIF_TX_WAIT);
	CHECK(take(0, 1) == NETIF_TX_WAIT);	/* its second slot is not there yet */
	put(2, 3000, 0, NETTXF_extra_info, 1);
	put_gso(3, 1448, XEN_NETIF_GSO_TYPE_TCPV6, XEN_NETIF_EXTRA_FLAG_MORE);
	CHECK(take(2, 3) == NETIF_TX_WAIT && take(2, 4) == NETIF_TX_WAIT);
}

static void test_drop(void)
{
	/* Slots holding more than the packet: answered with errors. */
	put(0, 1000, 0, NETTXF_more_data, 1);
	put(1, 1500, 0, 0, 2);
	CHECK(take(0, 2) == NETIF_TX_DROP && p.consumed == 2 && p.why);
	/* Shorter than an Ethernet header. */
	put(2, 13, 0, 0, 1);
	CHECK(take(2, 3) == NETIF_TX_DROP && p.consumed == 1);
	put(3, 0, 0, 0, 1);
	CHECK(take(3, 4) == NETIF_TX_DROP);
}

static void test_fatal(void)
{
	/* req_prod beyond the ring. */
	CHECK(take(0, SIZE + 1) == NETIF_TX_FATAL && take(5, 4) == NETIF_TX_FATAL);
	CHECK(netif_tx_take(ring, 100, 0, 1, &p) == NETIF_TX_FATAL);	/* not a power of two */
	/* A slot across its page. */
	put(0, 100, 4000, 0, 1);
	CHECK(take(0, 1) == NETIF_TX_FATAL);
	put(1, 200, 0, NETTXF_more_data, 1);
	put(2, 100, 4090, 0, 2);
	CHECK(take(1, 3) == NETIF_TX_FATAL);
	/* One slot too many. */
	for (unsigned i = 0; i <= NETIF_TX_MAX_SLOTS; i++)
		put(10 + i, i ? 10 : 1000, 0, NETTXF_more_data, (uint16_t)i);
	CHECK(take(10, 11 + NETIF_TX_MAX_SLOTS) == NETIF_TX_FATAL);
	/* Extra-info: none, unknown, repeated; GSO without a size or type. */
	put(40, 100, 0, NETTXF_extra_info, 1);
	put_gso(41, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0);
	((struct netif_extra_info *)&ring[41])->type = XEN_NETIF_EXTRA_TYPE_NONE;
	CHECK(take(40, 42) == NETIF_TX_FATAL);
	((struct netif_extra_info *)&ring[41])->type = XEN_NETIF_EXTRA_TYPE_MAX;
	CHECK(take(40, 42) == NETIF_TX_FATAL);
	put_gso(41, 1448, XEN_NETIF_GSO_TYPE_TCPV4, XEN_NETIF_EXTRA_FLAG_MORE);
	put_gso(42, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0);
	CHECK(take(40, 43) == NETIF_TX_FATAL);
	put_gso(41, 0, XEN_NETIF_GSO_TYPE_TCPV4, 0);
	CHECK(take(40, 42) == NETIF_TX_FATAL);
	put_gso(41, 1448, 7, 0);
	CHECK(take(40, 42) == NETIF_TX_FATAL);
	put_gso(41, 1448, XEN_NETIF_GSO_TYPE_TCPV6, 0);
	CHECK(take(40, 42) == NETIF_TX_OK && p.gso_type == XEN_NETIF_GSO_TYPE_TCPV6);
}

static void test_fuzz(void)
{
	unsigned long long r = 0x243f6a8885a308d3ull;
	for (unsigned n = 0; n < 200000; n++) {
		RING_IDX cons = (RING_IDX)check_rnd(&r), avail = (RING_IDX)(check_rnd(&r) % (SIZE + 3));
		enum netif_tx_verdict v;
		uint32_t sum = 0;

		for (unsigned i = 0; i < 24; i++) {
			uint8_t *e = (uint8_t *)&ring[(cons + i) % SIZE];
			unsigned long long x = check_rnd(&r);

			for (unsigned k = 0; k < sizeof(ring[0]); k++)
				e[k] = (uint8_t)(x >> (k * 5 % 60));
			if (check_rnd(&r) % 4 == 0)	/* plausible slots too */
				put(cons + i, (uint16_t)(check_rnd(&r) % 3000),
				    (uint16_t)(check_rnd(&r) % 4096),
				    (uint16_t)(check_rnd(&r) % 16), (uint16_t)i);
		}
		v = take(cons, cons + avail);
		CHECK(v <= NETIF_TX_FATAL && (v == NETIF_TX_OK || p.why));
		if (avail > SIZE)
			CHECK(v == NETIF_TX_FATAL);
		if (v == NETIF_TX_FATAL || v == NETIF_TX_WAIT)
			continue;
		CHECK(p.consumed >= 1 && p.consumed <= avail && p.nr_slots <= NETIF_TX_MAX_SLOTS);
		CHECK(p.consumed == p.nr_slots + p.nr_extras);
		if (v != NETIF_TX_OK)
			continue;
		for (unsigned i = 0; i < p.nr_slots; i++) {
			CHECK(p.slot[i].offset + (uint32_t)p.slot[i].size <= NETIF_TX_PAGE);
			sum += p.slot[i].size;
		}
		CHECK(sum == p.len && p.len >= NETIF_TX_MIN_PACKET);
	}
}

int main(void)
{
	test_good();
	test_wait();
	test_drop();
	test_fatal();
	test_fuzz();
	CHECK_DONE("netif_tx");
	return 0;
}

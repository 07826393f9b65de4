/* Packets into a guest over its netif rx ring (netback/netif_rx.c) on the
 * host: one page, a packet over several pages with more_data on all but
 * the last, GSO with its extra-info slot, too few pages posted (nothing
 * consumed), packets too large, indexes beyond the ring, and a fixed-seed
 * fuzz of 200,000 packets: the responses cover exactly the packet's bytes,
 * never more than a page each, and use exactly the requests taken. */
#include <string.h>
#include "check.h"
#include "../../netback/netif_rx.h"

#define SIZE 256
static union netif_rx_sring_entry ring[SIZE];
static struct netif_rx_plan p;

static void post(RING_IDX from, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		ring[(from + i) % SIZE].req.id = (uint16_t)(from + i);
		ring[(from + i) % SIZE].req.gref = 1000 + from + i;
	}
}

static void test_cases(void)
{
	struct netif_rx_response *r = &ring[0].rsp;
	struct netif_extra_info *x;

	post(0, 4);
	CHECK(netif_rx_take(ring, SIZE, 0, 4, 60, 0, 0, &p) == NETIF_RX_OK);
	CHECK(p.consumed == 1 && p.nr == 1 && p.slot[0].len == 60 && p.slot[0].gref == 1000);
	CHECK(netif_rx_respond(ring, SIZE, 0, &p, NETRXF_csum_blank | NETRXF_more_data) == 1);
	CHECK(r->id == 0 && r->status == 60 && r->offset == 0 && r->flags == NETRXF_csum_blank);

	/* 9000 bytes: 4096 + 4096 + 808. */
	post(10, 3);
	CHECK(netif_rx_take(ring, SIZE, 10, 13, 9000, 0, 0, &p) == NETIF_RX_OK && p.nr == 3);
	CHECK(netif_rx_respond(ring, SIZE, 10, &p, NETRXF_data_validated) == 3);
	CHECK(ring[10].rsp.status == 4096 && ring[11].rsp.status == 4096 && ring[12].rsp.status == 808);
	CHECK((ring[10].rsp.flags & NETRXF_more_data) && (ring[11].rsp.flags & NETRXF_more_data) &&
	      !(ring[12].rsp.flags & NETRXF_more_data) && ring[12].rsp.id == 12);

	/* GSO: first page, the extra-info slot, then the rest. */
	post(20, 4);
	CHECK(netif_rx_take(ring, SIZE, 20, 23, 9000, 1448, XEN_NETIF_GSO_TYPE_TCPV4, &p) ==
	      NETIF_RX_WAIT);	/* needs 4 */
	CHECK(netif_rx_take(ring, SIZE, 20, 24, 9000, 1448, XEN_NETIF_GSO_TYPE_TCPV4, &p) ==
	      NETIF_RX_OK && p.consumed == 4 && p.nr == 3);
	CHECK(p.slot[0].id == 20 && p.slot[1].id == 22);
	CHECK(netif_rx_respond(ring, SIZE, 20, &p, 0) == 4);
	x = (struct netif_extra_info *)&ring[21];
	CHECK((ring[20].rsp.flags & NETRXF_extra_info) && x->type == XEN_NETIF_EXTRA_TYPE_GSO);
	CHECK(x->u.gso.size == 1448 && x->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK(ring[22].rsp.id == 22 && ring[23].rsp.status == 808);

	/* Too few pages: nothing taken. Too large: dropped. Bad indexes. */
	CHECK(netif_rx_take(ring, SIZE, 30, 31, 5000, 0, 0, &p) == NETIF_RX_WAIT && !p.consumed);
	CHECK(netif_rx_take(ring, SIZE, 30, 30, 1, 0, 0, &p) == NETIF_RX_WAIT);
	CHECK(netif_rx_take(ring, SIZE, 0, 200, 65537, 0, 0, &p) == NETIF_RX_DROP);
	CHECK(netif_rx_take(ring, SIZE, 0, 200, 0, 0, 0, &p) == NETIF_RX_DROP);
	CHECK(netif_rx_take(ring, SIZE, 0, 200, 65536, 0, 0, &p) == NETIF_RX_OK && p.nr == 16);
	CHECK(netif_rx_take(ring, SIZE, 0, SIZE + 1, 60, 0, 0, &p) == NETIF_RX_FATAL);
	CHECK(netif_rx_take(ring, SIZE, 10, 9, 60, 0, 0, &p) == NETIF_RX_FATAL);
	/* Indexes across 2^32. */
	post(0xfffffffeu, 3);
	CHECK(netif_rx_take(ring, SIZE, 0xfffffffeu, 1, 9000, 0, 0, &p) == NETIF_RX_OK &&
	      p.slot[2].gref == 1000u + 0u);
}

static void test_fuzz(void)
{
	unsigned long long r = 0x13198a2e03707344ull;

	for (unsigned n = 0; n < 200000; n++) {
		RING_IDX cons = (RING_IDX)check_rnd(&r), avail = (RING_IDX)(check_rnd(&r) % 24);
		uint32_t len = (uint32_t)(check_rnd(&r) % 70000);
		uint16_t gso = check_rnd(&r) % 3 ? 0 : (uint16_t)(1 + check_rnd(&r) % 9000);
		enum netif_rx_verdict v;
		uint32_t sum = 0;
		unsigned wrote;

		post(cons, 24);
		v = netif_rx_take(ring, SIZE, cons, cons + avail, len, gso, XEN_NETIF_GSO_TYPE_TCPV6, &p);
		if (v != NETIF_RX_OK) {
			CHECK(!p.consumed);
			continue;
		}
		CHECK(p.consumed <= avail && p.consumed == p.nr + (gso ? 1 : 0));
		wrote = netif_rx_respond(ring, SIZE, cons, &p, NETRXF_csum_blank);
		CHECK(wrote == p.consumed);
		for (unsigned i = 0; i < p.nr; i++) {
			CHECK(p.slot[i].len > 0 && p.slot[i].len <= NETIF_RX_PAGE);
			sum += p.slot[i].len;
		}
		CHECK(sum == len);
	}
}

int main(void)
{
	test_cases();
	test_fuzz();
	CHECK_DONE("netif_rx");
	return 0;
}

/* A packet into a guest over its netif rx ring (netif_rx.h). */
#include <string.h>
#include "netif_rx.h"

static void copy_req(const volatile union netif_rx_sring_entry *ring, unsigned size, RING_IDX i,
		     struct netif_rx_request *out)
{
	const volatile struct netif_rx_request *r = &ring[i & (size - 1)].req;

	out->id = r->id;
	out->gref = r->gref;
}

enum netif_rx_verdict netif_rx_take(const volatile union netif_rx_sring_entry *ring,
				    unsigned ring_size, RING_IDX cons, RING_IDX prod, uint32_t len,
				    uint16_t gso_size, uint8_t gso_type, struct netif_rx_plan *p)
{
	unsigned pages = (len + NETIF_RX_PAGE - 1) / NETIF_RX_PAGE, need;
	struct netif_rx_request r;

	memset(p, 0, sizeof(*p));
	if (!ring_size || (ring_size & (ring_size - 1)) || prod - cons > ring_size)
		return NETIF_RX_FATAL;
	if (!len || len > NETIF_RX_MAX_PACKET || pages > NETIF_RX_MAX_SLOTS)
		return NETIF_RX_DROP;
	need = pages + (gso_size ? 1 : 0);
	if (prod - cons < need)
		return NETIF_RX_WAIT;
	for (unsigned i = 0; i < need; i++) {
		copy_req(ring, ring_size, cons + i, &r);
		if (gso_size && i == 1)
			continue;	/* the slot after the first answers with the GSO info */
		p->slot[p->nr].id = r.id;
		p->slot[p->nr].gref = r.gref;
		p->slot[p->nr].len = (uint16_t)(len - p->nr * NETIF_RX_PAGE < NETIF_RX_PAGE ?
						len - p->nr * NETIF_RX_PAGE : NETIF_RX_PAGE);
		p->nr++;
	}
	p->consumed = need;
	p->gso_size = gso_size;
	p->gso_type = gso_type;
	return NETIF_RX_OK;
}

unsigned netif_rx_respond(volatile union netif_rx_sring_entry *ring, unsigned ring_size,
			  RING_IDX rsp_prod_pvt, const struct netif_rx_plan *p, uint16_t flags)
{
	RING_IDX at = rsp_prod_pvt;

	flags &= NETRXF_data_validated | NETRXF_csum_blank;
	for (unsigned i = 0; i < p->nr; i++) {
		volatile struct netif_rx_response *rsp = &ring[at++ & (ring_size - 1)].rsp;

		rsp->id = p->slot[i].id;
		rsp->offset = 0;
		rsp->status = (int16_t)p->slot[i].len;	/* a page's bytes: at most 4096 */
		rsp->flags = (uint16_t)(flags | (i + 1 < p->nr ? NETRXF_more_data : 0) |
					(i == 0 && p->gso_size ? NETRXF_extra_info : 0));
		if (i == 0 && p->gso_size) {
			volatile struct netif_extra_info *x =
				(volatile struct netif_extra_info *)&ring[at++ & (ring_size - 1)];

			x->type = XEN_NETIF_EXTRA_TYPE_GSO;
			x->flags = 0;
			x->u.gso.size = p->gso_size;
			x->u.gso.type = p->gso_type;
			x->u.gso.pad = 0;
			x->u.gso.features = 0;
		}
	}
	return (unsigned)(at - rsp_prod_pvt);
}

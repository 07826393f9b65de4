/* A guest's next packet on its netif tx ring (netif_tx.h). */
#include <string.h>
#include "netif_tx.h"

/* Slot i, copied once (the frontend may be rewriting it). */
static void copy_slot(const volatile union netif_tx_sring_entry *ring, unsigned size, RING_IDX i,
		      void *out, unsigned bytes)
{
	const volatile uint8_t *src = (const volatile uint8_t *)&ring[i & (size - 1)];
	uint8_t *dst = out;

	for (unsigned k = 0; k < bytes; k++)
		dst[k] = src[k];
}

static enum netif_tx_verdict refuse(struct netif_tx_packet *p, enum netif_tx_verdict v,
				    const char *why)
{
	p->why = why;
	return v;
}

/* The extra-info slots after the first; *v is set when they are refused. */
static bool take_extras(const volatile union netif_tx_sring_entry *ring, unsigned size,
			RING_IDX cons, RING_IDX prod, struct netif_tx_packet *p,
			enum netif_tx_verdict *v)
{
	unsigned seen = 0;
	struct netif_extra_info x;

	do {
		if (cons + p->consumed == prod) {
			*v = refuse(p, NETIF_TX_WAIT, "extra-info slots still to come");
			return false;
		}
		copy_slot(ring, size, cons + p->consumed, &x, sizeof(x));
		p->consumed++;
		p->nr_extras++;
		if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX ||
		    (seen & (1u << x.type))) {
			*v = refuse(p, NETIF_TX_FATAL, "an unknown or repeated extra-info type");
			return false;
		}
		seen |= 1u << x.type;
		if (x.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			if (!x.u.gso.size || (x.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
					      x.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6)) {
				*v = refuse(p, NETIF_TX_FATAL, "GSO without a size or of an unknown type");
				return false;
			}
			p->gso_size = x.u.gso.size;
			p->gso_type = x.u.gso.type;
		}
	} while (x.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return true;
}

enum netif_tx_verdict netif_tx_take(const volatile union netif_tx_sring_entry *ring,
				    unsigned ring_size, RING_IDX cons, RING_IDX prod,
				    struct netif_tx_packet *p)
{
	enum netif_tx_verdict v = NETIF_TX_OK;
	uint32_t rest;
	bool drop = false;

	memset(p, 0, sizeof(*p));
	if (!ring_size || (ring_size & (ring_size - 1)) || prod - cons > ring_size)
		return refuse(p, NETIF_TX_FATAL, "requests beyond the ring");
	if (cons == prod)
		return refuse(p, NETIF_TX_WAIT, "no request");
	copy_slot(ring, ring_size, cons, &p->slot[0], sizeof(p->slot[0]));
	p->consumed = p->nr_slots = 1;
	p->flags = p->slot[0].flags;
	p->len = rest = p->slot[0].size;
	if ((p->flags & NETTXF_extra_info) && !take_extras(ring, ring_size, cons, prod, p, &v))
		return v;
	while (p->slot[p->nr_slots - 1].flags & NETTXF_more_data) {
		struct netif_tx_request *s = &p->slot[p->nr_slots];

		if (cons + p->consumed == prod)
			return refuse(p, NETIF_TX_WAIT, "data slots still to come");
		if (p->nr_slots == NETIF_TX_MAX_SLOTS)
			return refuse(p, NETIF_TX_FATAL, "more data slots than a packet may have");
		copy_slot(ring, ring_size, cons + p->consumed, s, sizeof(*s));
		p->consumed++;
		p->nr_slots++;
		if (s->offset + (uint32_t)s->size > NETIF_TX_PAGE)
			return refuse(p, NETIF_TX_FATAL, "a slot across its page's end");
		if (s->size > rest)
			drop = true;	/* (the slots still all get answered) */
		else
			rest -= s->size;
	}
	p->slot[0].size = (uint16_t)rest;
	if (p->slot[0].offset + rest > NETIF_TX_PAGE)
		return refuse(p, NETIF_TX_FATAL, "a slot across its page's end");
	if (drop)
		return refuse(p, NETIF_TX_DROP, "slots holding more bytes than the packet");
	if (p->len < NETIF_TX_MIN_PACKET)
		return refuse(p, NETIF_TX_DROP, "shorter than an Ethernet header");
	return NETIF_TX_OK;
}

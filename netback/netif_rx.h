/*
 * A packet into a guest over its netif rx ring, rx-copy (issue 9 §2): the
 * guest posts empty pages (one rx request each); the backend takes as many
 * as the packet needs, copies the packet into them from offset 0, a page
 * at a time, and answers each with the bytes it holds. All but the last
 * response carry NETRXF_more_data; a GSO packet's first response carries
 * NETRXF_extra_info and the next ring slot holds a netif_extra_info (GSO)
 * that takes one of the guest's requests too, as Linux's netback does.
 * Requests are copied out of the shared ring once.
 *  - netif_rx_take: NETIF_RX_OK (plan made; its requests consumed),
 *    NETIF_RX_WAIT (the guest has not posted enough pages yet: nothing
 *    consumed), NETIF_RX_DROP (larger than NETIF_RX_MAX_SLOTS pages or
 *    than 64 KiB: nothing consumed), NETIF_RX_FATAL (indexes beyond the
 *    ring: disconnect).
 *  - netif_rx_respond: writes the plan's responses at rsp_prod_pvt and
 *    returns how many it wrote.
 */
#ifndef NETBACK_NETIF_RX_H
#define NETBACK_NETIF_RX_H

#include <stdbool.h>
#include <stdint.h>
#include "public/io/netif.h"

#define NETIF_RX_MAX_SLOTS 18
#define NETIF_RX_PAGE 4096u
#define NETIF_RX_MAX_PACKET 65536u

enum netif_rx_verdict { NETIF_RX_OK, NETIF_RX_WAIT, NETIF_RX_DROP, NETIF_RX_FATAL };

struct netif_rx_plan {
	unsigned consumed;		/* rx requests taken */
	unsigned nr;			/* data slots */
	struct {
		uint16_t id;
		grant_ref_t gref;
		uint16_t len;		/* bytes copied into this page, from offset 0 */
	} slot[NETIF_RX_MAX_SLOTS];
	uint16_t gso_size;		/* 0: no GSO */
	uint8_t gso_type;
};

enum netif_rx_verdict netif_rx_take(const volatile union netif_rx_sring_entry *ring,
				    unsigned ring_size, RING_IDX cons, RING_IDX prod, uint32_t len,
				    uint16_t gso_size, uint8_t gso_type, struct netif_rx_plan *p);

/* flags: NETRXF_data_validated and NETRXF_csum_blank as the packet has them. */
unsigned netif_rx_respond(volatile union netif_rx_sring_entry *ring, unsigned ring_size,
			  RING_IDX rsp_prod_pvt, const struct netif_rx_plan *p, uint16_t flags);

#endif

/*
 * A guest's next packet on its netif tx ring, checked as Linux's netback
 * checks it (issue 9 §2, §4): each slot is copied out of the shared ring
 * once, and only the copies are looked at, so a frontend that rewrites the
 * ring meanwhile changes nothing.
 *  - NETIF_TX_WAIT: the packet's slots are not all there yet; nothing is
 *    consumed.
 *  - NETIF_TX_OK: p holds the packet.
 *  - NETIF_TX_DROP: a packet the guest may send but that is not one (its
 *    slots claim more bytes than the packet, or it is shorter than an
 *    Ethernet header): every slot gets NETIF_RSP_ERROR, the guest goes on.
 *  - NETIF_TX_FATAL: the frontend broke the protocol (indexes beyond the
 *    ring, a slot across its page, more than NETIF_TX_MAX_SLOTS slots, an
 *    unknown or repeated extra-info type, a GSO packet without a size or of
 *    an unknown type): the backend disconnects that vif only.
 * p->why says which rule a refused packet broke.
 */
#ifndef NETBACK_NETIF_TX_H
#define NETBACK_NETIF_TX_H

#include <stdbool.h>
#include <stdint.h>
#include "public/io/netif.h"

#define NETIF_TX_MAX_SLOTS 18	/* Linux netfront's most (XEN_NETBK_LEGACY_SLOTS_MAX) */
#define NETIF_TX_PAGE 4096u
#define NETIF_TX_MIN_PACKET 14	/* an Ethernet header */

enum netif_tx_verdict { NETIF_TX_OK, NETIF_TX_WAIT, NETIF_TX_DROP, NETIF_TX_FATAL };

struct netif_tx_packet {
	unsigned consumed;		/* ring slots it took: data and extra-info */
	unsigned nr_slots;		/* data slots, the first included */
	unsigned nr_extras;
	/* The data slots as copied; slot[0].size is the bytes in the first
	 * slot (the packet's size less the others'). */
	struct netif_tx_request slot[NETIF_TX_MAX_SLOTS];
	uint32_t len;			/* the packet's bytes */
	uint16_t flags;			/* the first slot's NETTXF_* */
	uint16_t gso_size;		/* 0: no GSO */
	uint8_t gso_type;
	const char *why;
};

enum netif_tx_verdict netif_tx_take(const volatile union netif_tx_sring_entry *ring,
				    unsigned ring_size, RING_IDX cons, RING_IDX prod,
				    struct netif_tx_packet *p);

#endif

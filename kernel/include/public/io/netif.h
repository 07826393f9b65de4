/*
 * Network interfaces over shared rings (Xen's io/netif.h layout, x86-64
 * ABI): a tx ring (guest to backend) and an rx ring (backend to guest), one
 * 4 KiB page each (io/ring.h), 256 slots each.
 *
 * tx: a packet is one or more requests: the first names the whole packet's
 * size and carries flags; NETTXF_more_data says another slot follows (its
 * size is that slot's bytes only); NETTXF_extra_info says extra-info slots
 * (struct netif_extra_info, in tx request slots) follow the first. Every
 * request gets a response with its id; extra-info slots get
 * NETIF_RSP_NULL.
 * rx: the guest posts one request (id, gref of an empty page) per buffer;
 * the backend copies a packet into it (rx-copy) and answers with the
 * offset, size (status) and flags.
 *
 * xenstore (backend /local/domain/B/backend/vif/F/N, frontend
 * /local/domain/F/device/vif/N): the backend writes mac, handle,
 * feature-rx-copy, feature-sg, feature-gso-tcpv4 ...; the frontend writes
 * tx-ring-ref, rx-ring-ref, event-channel (or -tx/-rx), request-rx-copy.
 */
#ifndef PUBLIC_IO_NETIF_H
#define PUBLIC_IO_NETIF_H

#include <stddef.h>
#include <stdint.h>
#include "public/grant_table.h"
#include "public/io/ring.h"

/* tx request flags */
#define NETTXF_csum_blank (1u << 0)	/* the protocol checksum is still to be filled in */
#define NETTXF_data_validated (1u << 1)	/* the checksum is known good */
#define NETTXF_more_data (1u << 2)	/* another slot of this packet follows */
#define NETTXF_extra_info (1u << 3)	/* extra-info slots follow the first */

struct netif_tx_request {
	grant_ref_t gref;
	uint16_t offset;	/* of the data in the granted page */
	uint16_t flags;
	uint16_t id;
	uint16_t size;		/* first slot: the packet's; others: the slot's */
};
_Static_assert(sizeof(struct netif_tx_request) == 12, "netif tx request layout");

/* extra info */
#define XEN_NETIF_EXTRA_TYPE_NONE 0
#define XEN_NETIF_EXTRA_TYPE_GSO 1
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD 2
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL 3
#define XEN_NETIF_EXTRA_TYPE_HASH 4
#define XEN_NETIF_EXTRA_TYPE_XDP 5
#define XEN_NETIF_EXTRA_TYPE_MAX 6
#define XEN_NETIF_EXTRA_FLAG_MORE (1u << 0)	/* another extra-info slot follows */
#define XEN_NETIF_GSO_TYPE_NONE 0
#define XEN_NETIF_GSO_TYPE_TCPV4 1
#define XEN_NETIF_GSO_TYPE_TCPV6 2

struct netif_extra_info {
	uint8_t type;
	uint8_t flags;
	union {
		struct {
			uint16_t size;	/* the MSS */
			uint8_t type;	/* XEN_NETIF_GSO_TYPE_* */
			uint8_t pad;
			uint16_t features;
		} gso;
		struct {
			uint8_t addr[6];
		} mcast;
		uint16_t pad[3];
	} u;
};
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif extra info layout");

struct netif_tx_response {
	uint16_t id;
	int16_t status;
};

/* rx: the request posts a page; the response describes what landed. */
#define NETRXF_data_validated (1u << 0)
#define NETRXF_csum_blank (1u << 1)
#define NETRXF_more_data (1u << 2)
#define NETRXF_extra_info (1u << 3)

struct netif_rx_request {
	uint16_t id;
	uint16_t pad;
	grant_ref_t gref;
};

struct netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags;
	int16_t status;		/* bytes, or NETIF_RSP_* */
};

#define NETIF_RSP_DROPPED (-2)
#define NETIF_RSP_ERROR (-1)
#define NETIF_RSP_OKAY 0
#define NETIF_RSP_NULL 1	/* an extra-info slot's response */

DEFINE_RING_TYPES(netif_tx, struct netif_tx_request, struct netif_tx_response);
DEFINE_RING_TYPES(netif_rx, struct netif_rx_request, struct netif_rx_response);

#endif

/*
 * The netif backend (issue 9 §2; Xen's public/io/netif.h, Linux's
 * xen-netfront as the frontend): one vifD.N per device the toolstack writes
 * under SELF/backend/vif/D/N (frontend, frontend-id, mac, bridge, handle,
 * state 1; optional rate "BYTES,USEC" and vifname). Per device:
 *   new node    publish feature-sg 1, feature-rx-copy 1, feature-rx-flip 0,
 *               feature-gso-tcpv4/-tcpv6 1, feature-ipv6-csum-offload 1,
 *               hotplug-status connected; InitWait (2)
 *   frontend 3/4  map tx-ring-ref and rx-ring-ref, bind event-channel
 *               (request-rx-copy must be 1; split event channels and
 *               multiple queues are not offered); Connected (4)
 *   frontend 5/6 or gone: unmap, unbind; Closing / Closed; frontend 1 after
 *               Closed: InitWait again (a reconnect); node removed: released.
 * Anything the frontend gets wrong in the handshake: "<errno> <what>: ..."
 * in SELF/error/backend/vif/D/N/error, hotplug-status error, Closed.
 *
 * Packets: tx requests are checked by netif_tx.c, copied out of the guest's
 * pages with grant copies into our buffer (never mapped), their checksum
 * filled when the guest left it blank (csum.c), answered, then handed to
 * the caller (the bridge). A GSO packet (TCP of up to 64 KiB with an MSS,
 * feature-gso-tcpv4/-tcpv6) is checked by gso_parse and handed on whole,
 * its checksum still blank: a frontend that said feature-sg and
 * feature-gso-tcpv4/-tcpv6 for its own rx gets it whole (several rx
 * buffers, the GSO extra-info slot, NETRXF_csum_blank), any other port
 * gets it cut into frames (gso.c). A packet the guest may send but that
 * is not one gets error responses; a ring the frontend breaks disconnects
 * that vif only. rate= limits a vif's tx as Linux's netback does (credit_bytes per
 * credit_usec, bursts up to max(128 KiB, credit_bytes)). Frames for a
 * guest wait in a small queue (VIF_BACK_RXQ packets, VIF_BACK_RXBYTES
 * bytes) until it posts rx buffers (rx-copy, netif_rx.c); a full queue
 * drops, as a NIC would.
 *
 * No allocation; builds on the host (test/unit/test_vif_back.c).
 * Threading: none; one main loop.
 */
#ifndef NETBACK_VIF_BACK_H
#define NETBACK_VIF_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "public/io/netif.h"
#include "../blkback/xb_back.h"
#include "gso.h"

#define VIF_BACK_MAX 16
#define VIF_BACK_FRAME 1518		/* 1500-byte MTU, Ethernet header, one 802.1Q tag */
#define VIF_BACK_PACKET GSO_MAX_PACKET	/* a GSO packet, at most */
#define VIF_BACK_RXQ 64			/* packets waiting for a guest's rx buffers */
#define VIF_BACK_RXBYTES (256u * 1024)	/* and their bytes, at most */
#define VIF_BACK_BUDGET 64		/* tx packets per vif per pass */

/* One grant copy: len bytes at offset in the guest's granted page gref,
 * to or from local (which may cross our own pages). */
struct vif_back_copy {
	uint32_t gref;
	uint16_t offset, len;
	void *local;
};

/* The store (xs: xb_back.h; xs.ctx is every callback's ctx), event
 * channels, ring pages, grant copies, the time. */
struct vif_back_env {
	struct xb_back_store xs;
	int (*bind)(void *ctx, uint16_t domid, uint32_t remote_port);
	void (*unbind)(void *ctx, unsigned port);
	void (*notify)(void *ctx, unsigned port);
	unsigned (*take)(void *ctx, unsigned port);		/* optional */
	/* the ring pages, mapped read-write */
	int (*map)(void *ctx, uint16_t domid, uint32_t ref, void **addr, uint32_t *handle);
	void (*unmap)(void *ctx, void *addr, uint32_t handle);
	/* n copies between domid's grants and our memory; 0 only if all worked */
	int (*copy)(void *ctx, uint16_t domid, bool to_guest, const struct vif_back_copy *ops,
		    unsigned n);
	uint64_t (*now_us)(void *ctx);
};

struct vif_back_stats {
	uint64_t tx_packets, tx_bytes, tx_errors, tx_dropped;
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_gso;		/* GSO packets among tx_packets */
	uint64_t rx_gso;		/* GSO packets passed whole, among rx_packets */
	uint64_t rx_cut;		/* frames cut from GSO packets for this vif */
};

/* What a packet carries besides its bytes. gso: a TCP packet checked by
 * gso_parse (g), its checksum blank; otherwise one frame of at most
 * VIF_BACK_FRAME bytes, checksums filled. */
struct vif_back_meta {
	bool gso;
	uint8_t gso_type;		/* XEN_NETIF_GSO_TYPE_TCPV4 or _TCPV6 */
	struct gso_info g;
};

struct vif_back {
	struct xb_back_dev xb;		/* first: xb.id is the handle */
	char name[24];			/* vifD.N, or vifname= */
	uint8_t mac[6];			/* the guest's, from our "mac" */
	int port;			/* bound event channel, -1 none */
	struct netif_tx_back_ring tx;
	struct netif_rx_back_ring rx;
	void *tx_page, *rx_page;
	uint32_t tx_handle, rx_handle;
	bool more;			/* tx requests left over from the last pass */
	RING_IDX tx_seen;		/* req_prod as last read */
	/* rate=: 0 credit_usec is unlimited */
	uint64_t credit_bytes, credit_usec, remaining, credit_at;
	uint8_t rx_gso;			/* bit t: the frontend takes GSO type t whole */
	/* Packets for the guest, oldest at rxq_head; each stored whole in
	 * rxdata at off (one that would run past its end starts at 0). */
	unsigned rxq_head, rxq_n;
	struct vif_back_rxq {
		uint32_t off, len;
		uint16_t gso_size;	/* 0: a frame */
		uint8_t gso_type;
	} rxq[VIF_BACK_RXQ];
	uint8_t rxdata[VIF_BACK_RXBYTES];
	struct vif_back_stats st;
};

struct vif_back_set {
	const struct vif_back_env *env;
	struct xb_back_set xb;
	struct vif_back v[VIF_BACK_MAX];
	uint8_t buf[VIF_BACK_PACKET];	/* the tx packet being handled */
	uint8_t cut[VIF_BACK_FRAME];	/* a frame being cut from a GSO packet */
};

/* A packet from vif index i (the caller's bridge port is its own choice). */
typedef void vif_back_deliver_fn(void *arg, unsigned i, const uint8_t *pkt, size_t len,
				 const struct vif_back_meta *m);

void vif_back_set_init(struct vif_back_set *s, const struct vif_back_env *env, uint16_t self);
/* Rereads the backend tree (new devices, frontend states, removals). */
void vif_back_scan(struct vif_back_set *s);
/* Whether vif i is connected (its rings are served). */
bool vif_back_connected(const struct vif_back_set *s, unsigned i);
/* Up to VIF_BACK_BUDGET tx packets from every connected vif, each handed to
 * deliver; frames queued for guests go into the rx buffers they posted.
 * True if work is left (call again soon: more requests, or a vif waiting
 * for rate credit). */
bool vif_back_serve(struct vif_back_set *s, vif_back_deliver_fn *deliver, void *arg);
/* Queues a copy of a packet for vif i: a frame (m NULL or !m->gso:
 * 14..VIF_BACK_FRAME bytes), or a GSO packet as vif_back_deliver_fn had it
 * (whole, or cut into frames where the frontend cannot take it). The queue
 * goes into the guest's rx buffers at vif_back_flush or vif_back_serve, or
 * here when it is full, so that a batch of packets costs one grant-copy call
 * per NETIF_RX_MAX_SLOTS buffers and one event. 0, -ENOTCONN, -EMSGSIZE or
 * -ENOBUFS (still full: dropped; for a cut packet, one of its frames). */
int vif_back_rx(struct vif_back_set *s, unsigned i, const uint8_t *pkt, size_t len,
		const struct vif_back_meta *m);
/* Every vif's queued packets into the buffers its guest posted. */
void vif_back_flush(struct vif_back_set *s);

#endif

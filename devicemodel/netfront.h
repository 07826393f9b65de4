/*
 * The device model's network link (issue 9 §3): a netif frontend
 * (public/io/netif.h) per emulated NIC, talking to the backend the
 * toolstack named in /local/domain/<self>/device/vif/<devid> (netback's
 * vif<guest>.<devid>-emu), so an emulated NIC's frames flow over the same
 * rings as a PV guest's.
 *
 * dm_netfront_open does the xenbus handshake, waiting at most
 * DM_NETFRONT_WAIT_MS per step for the backend's InitWait and Connected:
 * it grants the tx and rx ring pages and DM_NETFRONT_TX + DM_NETFRONT_RX
 * buffer pages once (tx read-only), allocates the event channel, writes
 * tx-ring-ref, rx-ring-ref, event-channel, request-rx-copy 1 (no
 * scatter-gather, no GSO, no checksum offload asked: the NIC model hands
 * over whole, checksummed frames of at most one page) and Connected. It
 * blocks: call it while assembling the machine.
 *
 * Frames: dm_netfront_tx copies a frame into a free tx page (-EAGAIN when
 * all DM_NETFRONT_TX are on the ring: the NIC resumes at the next
 * response); received frames go to the NIC in ring order from
 * dm_netfront_poll, and one the NIC cannot take yet (-EAGAIN: its receive
 * ring is full) stays on our ring until dm_netfront_rx_ready, so the
 * backend queues, then drops, behind it, as a wire would. A response the
 * backend got wrong (an unknown id, a length past the page) is dropped and
 * counted, its buffer posted again. A backend that closes or vanishes
 * stops the link: frames the guest sends are then dropped (a NIC with its
 * cable pulled), never queued. The link then rejoins (dm_netfront_poll,
 * never blocking): it follows its node's backend/backend-id to wherever
 * the toolstack rewrote them (a restarted network domain), or waits for a
 * live backend that closed it to offer InitWait again, and publishes fresh
 * rings, grants and event channel; frames flow again on Connected. A NIC
 * the guest unplugged never rejoins.
 *
 * Needs the xenstore client; main loop only.
 */
#ifndef DM_NETFRONT_H
#define DM_NETFRONT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define DM_NETFRONT_WAIT_MS 10000	/* per handshake step */
#define DM_NETFRONT_TX 32		/* tx pages: frames on the ring at once */
#define DM_NETFRONT_RX 64		/* rx buffers posted */

struct dm_netfront;

/* The sink of received frames: the NIC model (dm_e1000_rx's contract:
 * 1 taken, 0 dropped, -EAGAIN offer it again after dm_netfront_rx_ready). */
typedef int (*dm_netfront_rx_fn)(void *arg, const uint8_t *frame, size_t len);
/* The tx side can take frames again after an -EAGAIN. */
typedef void (*dm_netfront_resume_fn)(void *arg);

/* devid: device/vif/<devid>. *mac: the node's mac. 0 and *out, or
 * -ENOENT (no such node), -ETIMEDOUT, -ENODEV (the backend closed),
 * -ENOMEM or another -errno (logged). */
int dm_netfront_open(unsigned int devid, uint8_t mac[6], struct dm_netfront **out);
/* Where received frames go, and who is told when tx space comes back. */
void dm_netfront_attach(struct dm_netfront *nf, dm_netfront_rx_fn rx,
			dm_netfront_resume_fn resume, void *arg);
/* One frame (14..4096 bytes). 0 sent (or dropped: no link), -EAGAIN full,
 * -EINVAL bad length. */
int dm_netfront_tx(struct dm_netfront *nf, const uint8_t *frame, size_t len);
/* The NIC has receive buffers again: frames held for it go on. */
void dm_netfront_rx_ready(struct dm_netfront *nf);
/* The guest unplugged the NIC: Closing then Closed for the backend. */
void dm_netfront_close(struct dm_netfront *nf);
/* Responses and held frames of every link; main loop, after each wake-up. */
void dm_netfront_poll(void);

#endif

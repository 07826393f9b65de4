/*
 * netback's NIC (issue 9): an Intel 82540EM (QEMU's -device e1000, FreeBSD's
 * em0) as a bridge port, after Intel's PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual (8254x SDM): a global reset
 * (CTRL.RST, §13.4.1), the MAC from RAL0/RAH0 or the EEPROM (words 0-2 read
 * through EERD, §13.4.4), the link forced up with speed detection (§14.3),
 * every multicast table bit clear, reception promiscuous with broadcasts and
 * the CRC stripped (§14.4), one ring of legacy receive descriptors (§3.2.3)
 * over 2048-byte buffers and one of legacy transmit descriptors (§3.3.3,
 * §14.5). Interrupts off (IMC = ~0) until e1000_irq_enable; either way the
 * caller runs e1000_service, from its loop, and after an interrupt, once
 * e1000_irq_ack has read ICR (acknowledging it).
 *
 * Frames move through buffers the driver allocates in the domain's own RAM:
 * the device is never given a caller's memory. A received frame is copied
 * out of its DMA buffer once, into the driver's private e1000.frame, before
 * anyone looks at it, so a device that rewrites the buffer meanwhile changes
 * nothing. Every descriptor write-back is untrusted: only the DD bit of the
 * next descriptor in the driver's own order counts (the device's head
 * registers are never used as indexes), a length beyond the buffer or
 * outside 14..E1000_RX_MAX, any error bit, and every descriptor of a frame
 * that spans descriptors (one without EOP, up to the next EOP) are dropped
 * and counted. e1000_watchdog
 * reads RDH/TDH only to judge the device: out of the ring, or a transmit
 * ring that stops moving while the link is up, marks the NIC dead (every
 * later call fails with -EIO; recovery is a new e1000_open, which resets it).
 *
 * Registers, time and DMA memory come through struct dev_env (blkback's
 * dev_env.h; dom_env.c in a domain), so the file builds on the host under the
 * sanitizers (test/unit/test_e1000.c, a simulated 82540EM).
 * Threading: none; one caller (an interrupt handler would run in the same
 * loop, not beside it). Little-endian hosts only (x86).
 */
#ifndef NETBACK_E1000_H
#define NETBACK_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../blkback/dev_env.h"

/* ---- registers (SDM §13.4; byte offsets in BAR0) ------------------------- */

#define E1000_CTRL 0x0000
#define E1000_STATUS 0x0008
#define E1000_EERD 0x0014
#define E1000_FCAL 0x0028
#define E1000_FCAH 0x002c
#define E1000_FCT 0x0030
#define E1000_ICR 0x00c0
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_RCTL 0x0100
#define E1000_FCTTV 0x0170
#define E1000_TCTL 0x0400
#define E1000_TIPG 0x0410
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_RDTR 0x2820
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH 0x3810
#define E1000_TDT 0x3818
#define E1000_MTA 0x5200		/* 128 32-bit registers */
#define E1000_MTA_COUNT 128
#define E1000_RAL0 0x5400
#define E1000_RAH0 0x5404
#define E1000_BAR_SIZE 0x20000u		/* 128 KiB of memory BAR0 */

#define E1000_CTRL_FD (1u << 0)
#define E1000_CTRL_LRST (1u << 3)
#define E1000_CTRL_ASDE (1u << 5)
#define E1000_CTRL_SLU (1u << 6)
#define E1000_CTRL_ILOS (1u << 7)
#define E1000_CTRL_FRCSPD (1u << 11)
#define E1000_CTRL_FRCDPLX (1u << 12)
#define E1000_CTRL_RST (1u << 26)
#define E1000_CTRL_VME (1u << 30)
#define E1000_CTRL_PHY_RST (1u << 31)

#define E1000_STATUS_LU (1u << 1)

/* EERD as the 82540EM has it (§13.4.4): address in 15:8, done in bit 4. */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_SBP (1u << 2)
#define E1000_RCTL_UPE (1u << 3)
#define E1000_RCTL_MPE (1u << 4)
#define E1000_RCTL_LPE (1u << 5)
#define E1000_RCTL_LBM_MASK (3u << 6)
#define E1000_RCTL_BAM (1u << 15)
#define E1000_RCTL_BSIZE_MASK (3u << 16)	/* 00 with BSEX 0: 2048 bytes */
#define E1000_RCTL_BSEX (1u << 25)
#define E1000_RCTL_SECRC (1u << 26)

#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)
#define E1000_TCTL_CT_SHIFT 4
#define E1000_TCTL_COLD_SHIFT 12

#define E1000_RAH_AV (1u << 31)

/* ---- descriptors (SDM §3.2.3, §3.3.3) --------------------------------------- */

struct e1000_rx_desc {
	uint64_t addr;		/* driver: the buffer's DMA address */
	uint16_t length;	/* device: bytes written (untrusted) */
	uint16_t csum;
	uint8_t status;		/* device: E1000_RXD_* */
	uint8_t errors;		/* device: E1000_RXE_* */
	uint16_t special;
};

struct e1000_tx_desc {
	uint64_t addr;		/* driver: the buffer's DMA address */
	uint16_t length;	/* driver: bytes to send */
	uint8_t cso;
	uint8_t cmd;		/* driver: E1000_TXD_CMD_* */
	uint8_t status;		/* device: E1000_TXD_STAT_DD when sent (RS) */
	uint8_t css;
	uint16_t special;
};

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "legacy receive descriptor");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "legacy transmit descriptor");

#define E1000_RXD_DD (1u << 0)
#define E1000_RXD_EOP (1u << 1)
#define E1000_RXE_CE (1u << 0)		/* CRC or alignment */
#define E1000_RXE_SE (1u << 1)		/* symbol */
#define E1000_RXE_SEQ (1u << 2)		/* sequence */
#define E1000_RXE_CXE (1u << 4)		/* carrier extension */
#define E1000_RXE_TCPE (1u << 5)	/* TCP/UDP checksum (never offloaded here) */
#define E1000_RXE_IPE (1u << 6)		/* IP checksum (never offloaded here) */
#define E1000_RXE_RXE (1u << 7)		/* data */

#define E1000_TXD_CMD_EOP (1u << 0)
#define E1000_TXD_CMD_IFCS (1u << 1)	/* the device appends the CRC */
#define E1000_TXD_CMD_RS (1u << 3)	/* report status: DD */
#define E1000_TXD_STAT_DD (1u << 0)

/* ---- the driver ------------------------------------------------------------- */

#define E1000_RX_DESCS 256u
#define E1000_TX_DESCS 256u
#define E1000_BUF_SIZE 2048u		/* RCTL.BSIZE 00: one frame per buffer */
#define E1000_PAGE 4096u
#define E1000_PAGES (2u + (E1000_RX_DESCS + E1000_TX_DESCS) * E1000_BUF_SIZE / E1000_PAGE)
#define E1000_ETH_HLEN 14u
#define E1000_MIN_FRAME 60u		/* the shortest on the wire, without CRC */
#define E1000_MAX_FRAME 1514u		/* e1000_send's most */
#define E1000_RX_MAX 1518u		/* received: 1514 and an 802.1Q tag (LPE off) */
#define E1000_RESET_DELAY_US 5000u	/* after CTRL.RST, as Linux's e1000 waits */
#define E1000_RESET_US 100000ull	/* for CTRL.RST to clear */
#define E1000_EERD_US 10000ull		/* per EEPROM word */
#define E1000_TX_STALL_US 5000000ull	/* link up, descriptors pending, no DD */
#define E1000_TIPG_COPPER (10u | 8u << 10 | 6u << 20)	/* IPGT, IPGR1, IPGR2 for copper (§14.5) */

/* RDLEN and TDLEN are multiples of 128 bytes; each ring fits its page. */
_Static_assert(E1000_RX_DESCS * sizeof(struct e1000_rx_desc) % 128 == 0, "RDLEN");
_Static_assert(E1000_TX_DESCS * sizeof(struct e1000_tx_desc) % 128 == 0, "TDLEN");
_Static_assert(E1000_RX_DESCS * sizeof(struct e1000_rx_desc) <= E1000_PAGE, "RX ring in one page");
_Static_assert(E1000_TX_DESCS * sizeof(struct e1000_tx_desc) <= E1000_PAGE, "TX ring in one page");

/* Counted since e1000_open. */
struct e1000_stats {
	uint64_t rx_frames, rx_bytes;	/* delivered to the callback */
	uint64_t rx_drops;		/* descriptors taken but not delivered: */
	uint64_t rx_errors;		/*   an error bit set */
	uint64_t rx_bad;		/*   no EOP, part of a spanning frame, a bad length */
	uint64_t tx_frames, tx_bytes;	/* queued; bytes as sent, padding included */
	uint64_t tx_full;		/* e1000_send refused with -EAGAIN */
};

/* A received frame: len is 14..E1000_RX_MAX and frame is the driver's own
 * copy, valid only during the call. The callback may call e1000_send, not
 * e1000_poll_rx or e1000_service. */
typedef void (*e1000_rx_fn)(void *arg, const uint8_t *frame, uint32_t len);

struct e1000 {
	uint8_t mac[6];			/* valid after e1000_open returned 0 */
	bool link_up;			/* STATUS.LU when last read (open, e1000_link, watchdog) */
	bool dead;
	const char *why;		/* why the last call failed */
	struct e1000_stats st;

	/* Private. */
	const struct dev_env *env;
	volatile struct e1000_rx_desc *rx;	/* E1000_RX_DESCS, in the device's memory */
	volatile struct e1000_tx_desc *tx;	/* E1000_TX_DESCS */
	uint8_t *rx_buf, *tx_buf;		/* E1000_BUF_SIZE each */
	uint64_t rx_dma[E1000_RX_DESCS], tx_dma[E1000_TX_DESCS];
	unsigned rx_next;		/* the next descriptor the device fills */
	bool rx_discard;		/* inside a frame that spans descriptors */
	unsigned tx_tail;		/* the next descriptor to fill (TDT) */
	unsigned tx_clean;		/* the oldest one not yet seen done */
	uint64_t tx_moved_us;		/* when the TX ring last moved or was empty */
	uint8_t frame[E1000_BUF_SIZE];	/* the received frame, copied out of DMA memory */
	void *pages;			/* E1000_PAGES, from alloc_pages (kept across opens) */
};

/* Resets the device and brings it up as above; nic is zeroed before the
 * first call (a later one reuses its pages). 0 with nic->mac, or -errno
 * with nic->why: -ENOMEM, -ENODEV (registers read all-ones, or no valid
 * MAC in RAL0/RAH0 nor the EEPROM), -ETIMEDOUT (reset or EEPROM), -EINVAL
 * (DMA memory the device cannot use). A NIC opened before keeps its pages
 * (call it again to reset a dead one). */
int e1000_open(struct e1000 *nic, const struct dev_env *env);

/* Queues one frame of len bytes (14..E1000_MAX_FRAME, destination first,
 * no CRC), copied; shorter than 60 it is padded with zeros. 0, -EINVAL
 * (length), -EAGAIN (the ring is full even after reclaiming), -EIO (dead). */
int e1000_send(struct e1000 *nic, const void *frame, size_t len);

/* Takes up to budget received descriptors, in order, delivering each good
 * frame to fn and giving every descriptor back to the device. How many
 * frames were delivered, or -EIO (dead). */
int e1000_poll_rx(struct e1000 *nic, unsigned budget, e1000_rx_fn fn, void *arg);

/* Frees the transmit descriptors the device finished; how many. */
unsigned e1000_reclaim_tx(struct e1000 *nic);

/* The service routine, for the poll loop now and an interrupt later:
 * e1000_reclaim_tx, then e1000_poll_rx. Its result is e1000_poll_rx's. */
int e1000_service(struct e1000 *nic, unsigned budget, e1000_rx_fn fn, void *arg);

/* STATUS.LU now (also stored in nic->link_up). */
bool e1000_link(struct e1000 *nic);

/* Called now and then (about once a second): reads the link, and checks the
 * device's ring heads (RDH, TDH inside their rings) and transmit progress
 * (E1000_TX_STALL_US with the link up and descriptors pending). 0, or -EIO
 * with the NIC dead and nic->why. */
int e1000_watchdog(struct e1000 *nic);

/* The receive causes (frame received, ring low or overrun) and link
 * changes raise the NIC's interrupt (IMS, §13.4.20); transmit completions
 * do not: e1000_send reclaims. */
#define E1000_ICR_LSC (1u << 2)
#define E1000_ICR_RXDMT0 (1u << 4)
#define E1000_ICR_RXO (1u << 6)
#define E1000_ICR_RXT0 (1u << 7)
#define E1000_IRQ_CAUSES (E1000_ICR_LSC | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_RXT0)
void e1000_irq_enable(struct e1000 *nic);
/* Reads ICR, which acknowledges every cause (the line drops): the causes. */
uint32_t e1000_irq_ack(struct e1000 *nic);

/* Stops reception and transmission and resets the device, so it no longer
 * touches memory; the NIC is dead until the next e1000_open. */
void e1000_stop(struct e1000 *nic);

#endif

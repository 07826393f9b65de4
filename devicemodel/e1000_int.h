/*
 * The 82540EM model's private interface, shared by its three files and
 * included by no one else (the public API is e1000.h):
 *   e1000.c     PCI function, register file, EEPROM, PHY, interrupts, reset
 *   e1000_tx.c  the transmit ring: legacy, context and data descriptors,
 *               checksum insertion, TCP segmentation
 *   e1000_rx.c  the receive ring: address filters, buffers, write-back
 * Offsets and bits are the 8254x SDM's (§13 registers, §3 descriptors).
 */
#ifndef DM_E1000_INT_H
#define DM_E1000_INT_H

#include "e1000.h"

/* ---- registers (byte offsets in BAR0, SDM table 13-2) -------------------- */

#define E1K_CTRL 0x0000
#define E1K_STATUS 0x0008
#define E1K_EECD 0x0010
#define E1K_EERD 0x0014
#define E1K_MDIC 0x0020
#define E1K_ICR 0x00c0
#define E1K_ICS 0x00c8
#define E1K_IMS 0x00d0
#define E1K_IMC 0x00d8
#define E1K_RCTL 0x0100
#define E1K_TCTL 0x0400
#define E1K_TIPG 0x0410
#define E1K_LEDCTL 0x0e00
#define E1K_PBA 0x1000
#define E1K_RDBAL 0x2800
#define E1K_RDBAH 0x2804
#define E1K_RDLEN 0x2808
#define E1K_RDH 0x2810
#define E1K_RDT 0x2818
#define E1K_TDBAL 0x3800
#define E1K_TDBAH 0x3804
#define E1K_TDLEN 0x3808
#define E1K_TDH 0x3810
#define E1K_TDT 0x3818
#define E1K_STATS 0x4000		/* 0x4000-0x40ff, clear on read */
#define E1K_STATS_END 0x4100
#define E1K_MTA 0x5200			/* 128 dwords */
#define E1K_RAL(i) (0x5400 + 8 * (i))	/* 16 pairs */
#define E1K_RAH(i) (0x5404 + 8 * (i))
#define E1K_RAR_COUNT 16
#define E1K_VET 0x0038

/* Statistics (SDM §13.7). The 64-bit ones are low/high dword pairs. */
#define E1K_RNBC 0x40a0
#define E1K_GPRC 0x4074
#define E1K_BPRC 0x4078
#define E1K_MPRC 0x407c
#define E1K_GPTC 0x4080
#define E1K_GORCL 0x4088
#define E1K_GOTCL 0x4090
#define E1K_TORL 0x40c0
#define E1K_TOTL 0x40c8
#define E1K_TPR 0x40d0
#define E1K_TPT 0x40d4
#define E1K_MPTC 0x40f0
#define E1K_BPTC 0x40f4
#define E1K_TSCTC 0x40f8
#define E1K_TSCTFC 0x40fc

#define E1K_BAR0_SIZE 0x20000u
#define E1K_NREGS (E1K_BAR0_SIZE / 4)
#define E1K_BAR1_SIZE 64u

#define E1K_CTRL_SLU (1u << 6)
#define E1K_CTRL_RST (1u << 26)
#define E1K_CTRL_VME (1u << 30)
#define E1K_CTRL_PHY_RST (1u << 31)

#define E1K_STATUS_FD (1u << 0)
#define E1K_STATUS_LU (1u << 1)
#define E1K_STATUS_SPEED_1000 (2u << 6)
#define E1K_STATUS_ASDV_1000 (2u << 8)

#define E1K_EECD_SK (1u << 0)
#define E1K_EECD_CS (1u << 1)
#define E1K_EECD_DI (1u << 2)
#define E1K_EECD_DO (1u << 3)
#define E1K_EECD_FWE_DIS (1u << 4)	/* FWE 01b: flash writes disabled */
#define E1K_EECD_REQ (1u << 6)
#define E1K_EECD_GNT (1u << 7)
#define E1K_EECD_PRES (1u << 8)
/* The bits software drives; DO, GNT, PRES and SIZE (bit 9, 0 = 64 words) are ours. */
#define E1K_EECD_SW_MASK (E1K_EECD_SK | E1K_EECD_CS | E1K_EECD_DI | (3u << 4) | E1K_EECD_REQ)

#define E1K_EERD_START (1u << 0)
#define E1K_EERD_DONE (1u << 4)

#define E1K_MDIC_OP_WRITE (1u << 26)
#define E1K_MDIC_OP_READ (2u << 26)
#define E1K_MDIC_READY (1u << 28)
#define E1K_MDIC_INT (1u << 29)
#define E1K_MDIC_ERROR (1u << 30)

/* ICR/ICS/IMS/IMC bits (SDM §13.4.17). */
#define E1K_ICR_TXDW (1u << 0)
#define E1K_ICR_TXQE (1u << 1)
#define E1K_ICR_LSC (1u << 2)
#define E1K_ICR_RXDMT0 (1u << 4)
#define E1K_ICR_RXO (1u << 6)
#define E1K_ICR_RXT0 (1u << 7)
#define E1K_ICR_MDAC (1u << 9)
#define E1K_ICR_VALID 0x0001f6dfu	/* the causes the 82540EM has */

#define E1K_RCTL_EN (1u << 1)
#define E1K_RCTL_UPE (1u << 3)
#define E1K_RCTL_MPE (1u << 4)
#define E1K_RCTL_RDMTS_SHIFT 8
#define E1K_RCTL_MO_SHIFT 12
#define E1K_RCTL_BAM (1u << 15)
#define E1K_RCTL_BSIZE_SHIFT 16
#define E1K_RCTL_BSEX (1u << 25)
#define E1K_RCTL_SECRC (1u << 26)

#define E1K_TCTL_EN (1u << 1)

#define E1K_RAH_AV (1u << 31)

/* ---- descriptors (SDM §3.2.3, §3.3) -------------------------------------- */

#define E1K_DESC 16u

/* Receive: status and errors bytes of the legacy descriptor. */
#define E1K_RXD_DD 0x01
#define E1K_RXD_EOP 0x02
#define E1K_RXD_IXSM 0x04

/* Transmit: the command byte (legacy CMD, data DCMD, context TUCMD share
 * the high bits), descriptor type in bits 23:20 of the second dword. */
#define E1K_TXD_EOP 0x01
#define E1K_TXD_IFCS 0x02
#define E1K_TXD_IC 0x04		/* legacy: insert checksum */
#define E1K_TXD_TSE 0x04	/* data: TCP segmentation */
#define E1K_TXD_RS 0x08
#define E1K_TXD_DEXT 0x20
#define E1K_TXD_VLE 0x40
#define E1K_TUCMD_TCP 0x01	/* context: TCP (else UDP) */
#define E1K_TUCMD_IP 0x02	/* context: IPv4 (else IPv6) */
#define E1K_TUCMD_TSE 0x04
#define E1K_DTYP_CONTEXT 0x0
#define E1K_DTYP_DATA 0x1
#define E1K_TXD_DD 0x01
#define E1K_POPTS_IXSM 0x01
#define E1K_POPTS_TXSM 0x02

/* The gather buffer: a TSO packet is at most 64 KiB of payload behind a
 * header HDRLEN (8 bits) can describe. */
#define E1K_TX_BUF (65536u + 256u)

#define E1K_EEPROM_WORDS 64
#define E1K_PHY_REGS 32

/* The TCP/IP context (SDM §3.3.6), kept until the next context descriptor. */
struct e1k_txctx {
	uint8_t ipcss, ipcso, tucss, tucso;
	uint16_t ipcse, tucse;
	uint8_t tucmd, hdrlen;
	uint16_t mss;
	uint32_t paylen;
};

/* One packet being gathered from the ring (e1000_tx.c). */
struct e1k_txpkt {
	size_t len;
	unsigned ndesc;		/* legacy and data descriptors so far */
	bool tse;		/* data descriptors with DCMD.TSE */
	bool too_big;		/* ran over E1K_TX_BUF: dropped at EOP */
	uint8_t popts;		/* from the first data descriptor */
	bool legacy_ic;		/* legacy: CMD.IC with css/cso */
	uint8_t css, cso;
	bool vle;		/* insert an 802.1Q tag */
	uint16_t vlan;
};

struct dm_e1000 {
	struct dm_pci_dev pci;
	struct dm_env *env;
	const struct dm_nic_ops *ops;
	void *ctx;
	bool unplugged;
	bool irq_level;			/* what dm_pci_set_irq was last told */
	bool link_up;			/* after SLU or an autonegotiation restart */
	uint32_t ioaddr;		/* BAR1 IOADDR */
	uint32_t regs[E1K_NREGS];	/* BAR0 as the guest sees it, but for STATUS/ICR/... */
	uint16_t eeprom[E1K_EEPROM_WORDS];
	uint16_t phy[E1K_PHY_REGS];
	/* The microwire EEPROM's serial state (e1000.c). */
	struct {
		unsigned edges;		/* rising SK edges since CS went high */
		uint16_t cmd;		/* opcode and address bits shifted in */
		bool dout;
	} ee;
	/* Transmit (e1000_tx.c). */
	struct e1k_txctx txctx;
	struct e1k_txpkt txp;
	unsigned tx_sent;		/* TSO segments of the packet at TDH already taken */
	bool tx_blocked;		/* ops->tx said -EAGAIN: wait for tx_resume */
	bool tx_busy;			/* inside e1k_tx_run (no re-entry from ops->tx) */
	uint8_t txbuf[E1K_TX_BUF];	/* the packet gathered from the ring */
	uint8_t txseg[DM_E1000_FRAME_MAX + 64];	/* one TSO segment */
	uint8_t rxframe[DM_E1000_FRAME_MAX + 64];	/* padded, FCS appended */
	/* Receive (e1000_rx.c). */
	bool rx_stalled;		/* -EAGAIN since the last frame taken: RXO counted */
	unsigned logged;		/* E1K_LOG_* bits: each complaint once */
};

/* Complaints logged once per device. */
#define E1K_LOG_TXRING (1u << 0)
#define E1K_LOG_RXRING (1u << 1)
#define E1K_LOG_TXMEM (1u << 2)
#define E1K_LOG_RXMEM (1u << 3)
#define E1K_LOG_TXBIG (1u << 4)
#define E1K_LOG_TSO (1u << 5)

/* e1000.c */
void e1k_log_once(struct dm_e1000 *n, unsigned bit, const char *what);
void e1k_raise(struct dm_e1000 *n, uint32_t cause);
void e1k_stat_add(struct dm_e1000 *n, unsigned reg, uint32_t v);
void e1k_stat_add64(struct dm_e1000 *n, unsigned reg_lo, uint64_t v);
bool e1k_dma_ok(const struct dm_e1000 *n);

static inline uint32_t e1k_reg(const struct dm_e1000 *n, unsigned off)
{
	return n->regs[off / 4];
}

/* e1000_tx.c */
void e1k_tx_kick(struct dm_e1000 *n);
void e1k_tx_reset(struct dm_e1000 *n);

/* e1000_rx.c */
void e1k_rx_kick(struct dm_e1000 *n);

/* Byte-order helpers for descriptors and headers. */
static inline uint16_t e1k_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t e1k_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t e1k_le64(const uint8_t *p)
{
	return e1k_le32(p) | (uint64_t)e1k_le32(p + 4) << 32;
}
static inline uint16_t e1k_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void e1k_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif

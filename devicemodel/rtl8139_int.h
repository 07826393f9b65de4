/*
 * The RTL8139 model's private interface, shared by its two files and
 * included by no one else (the public API is rtl8139.h):
 *   rtl8139.c       PCI function, register file, EEPROM, PHY, interrupts,
 *                   timer, reset
 *   rtl8139_rxtx.c  the four transmit descriptors and the receive ring buffer
 * Offsets and bits are the RTL8139C(L) datasheet's ("Register
 * Descriptions"; the register a comment names is the one to look up).
 */
#ifndef DM_RTL8139_INT_H
#define DM_RTL8139_INT_H

#include "rtl8139.h"

/* ---- registers (byte offsets in either BAR) ----------------------------------- */

#define RTL_IDR0 0x00		/* 6 bytes: station address */
#define RTL_MAR0 0x08		/* 8 bytes: multicast hash filter */
#define RTL_TSD0 0x10		/* 4 dwords: transmit status of descriptor 0-3 */
#define RTL_TSAD0 0x20		/* 4 dwords: transmit start address */
#define RTL_RBSTART 0x30
#define RTL_ERBCR 0x34
#define RTL_ERSR 0x36
#define RTL_CR 0x37
#define RTL_CAPR 0x38
#define RTL_CBR 0x3a
#define RTL_IMR 0x3c
#define RTL_ISR 0x3e
#define RTL_TCR 0x40
#define RTL_RCR 0x44
#define RTL_TCTR 0x48
#define RTL_MPC 0x4c
#define RTL_9346CR 0x50
#define RTL_CONFIG0 0x51
#define RTL_CONFIG1 0x52
#define RTL_TIMERINT 0x54
#define RTL_MSR 0x58
#define RTL_CONFIG3 0x59
#define RTL_CONFIG4 0x5a
#define RTL_HLTCLK 0x5b
#define RTL_MULINT 0x5c
#define RTL_RERID 0x5e
#define RTL_TSAD 0x60		/* transmit status of all descriptors */
#define RTL_BMCR 0x62
#define RTL_BMSR 0x64
#define RTL_ANAR 0x66
#define RTL_ANLPAR 0x68
#define RTL_ANER 0x6a
#define RTL_CSCR 0x74
#define RTL_CONFIG5 0xd8

#define RTL_BAR_SIZE 256u

/* CR */
#define RTL_CR_BUFE 0x01
#define RTL_CR_TE 0x04
#define RTL_CR_RE 0x08
#define RTL_CR_RST 0x10

/* IMR/ISR */
#define RTL_INT_ROK 0x0001
#define RTL_INT_TOK 0x0004
#define RTL_INT_TER 0x0008
#define RTL_INT_RXOVW 0x0010		/* Rx buffer overflow */
#define RTL_INT_TIMEOUT 0x4000
#define RTL_INT_VALID 0xe07f

/* TSD */
#define RTL_TSD_SIZE 0x1fffu
#define RTL_TSD_OWN (1u << 13)
#define RTL_TSD_TUN (1u << 14)
#define RTL_TSD_TOK (1u << 15)
#define RTL_TSD_ERTXTH (0x3fu << 16)
#define RTL_TSD_TABT (1u << 30)

/* TCR: HWVERID of the RTL8139C (bits 30:26 11101, 23:22 00); LBK 18:17 */
#define RTL_TCR_HWVER 0x74000000u
#define RTL_TCR_WMASK 0x030707f0u	/* IFG, LBK, CRC, MXDMA, TXRR */
#define RTL_TCR_LOOPBACK (3u << 17)

/* RCR */
#define RTL_RCR_AAP 0x01
#define RTL_RCR_APM 0x02
#define RTL_RCR_AM 0x04
#define RTL_RCR_AB 0x08
#define RTL_RCR_WRAP 0x80
#define RTL_RCR_RBLEN_SHIFT 11
#define RTL_RCR_WMASK 0x0f03ffbfu

/* Receive Status Register in the packet header */
#define RTL_RSR_ROK 0x0001
#define RTL_RSR_BAR 0x2000
#define RTL_RSR_PAM 0x4000
#define RTL_RSR_MAR 0x8000

/* 9346CR: EEM1-0 operating mode, then the EEPROM's pins */
#define RTL_EEM_MASK 0xc0
#define RTL_EEM_AUTOLOAD 0x40
#define RTL_EEM_PROGRAM 0x80
#define RTL_EEM_CONFIG 0xc0
#define RTL_EE_CS 0x08
#define RTL_EE_SK 0x04
#define RTL_EE_DI 0x02
#define RTL_EE_DO 0x01

#define RTL_EEPROM_WORDS 64		/* 93C46: 64 x 16 bits, 6 address bits */

/* Complaints logged once per device. */
#define RTL_LOG_TXMEM (1u << 0)
#define RTL_LOG_TXSIZE (1u << 1)
#define RTL_LOG_RXMEM (1u << 2)
#define RTL_LOG_UNPLUG (1u << 3)

struct dm_rtl8139 {
	struct dm_pci_dev pci;
	struct dm_env *env;
	const struct dm_nic_ops *ops;
	void *ctx;
	bool unplugged;
	bool irq_level;			/* what dm_pci_set_irq was last told */
	unsigned logged;		/* RTL_LOG_* bits */
	/* The registers that read back what was written (IDR, MAR, TSAD,
	 * RBSTART, the CONFIGs, PHY and test registers), little-endian as the
	 * guest sees them; the others live below and are composed on read. */
	uint8_t regs[RTL_BAR_SIZE];
	uint8_t cr;			/* RE, TE */
	uint16_t isr, imr;
	uint32_t tcr, rcr, timerint;
	uint32_t tsd[4];
	uint16_t bmcr;
	/* The 93C46 behind 9346CR (rtl8139.c). */
	uint16_t eeprom[RTL_EEPROM_WORDS];
	struct {
		bool started;		/* start bit seen since CS rose */
		unsigned bits;		/* clocks since the start bit */
		uint16_t cmd;		/* opcode and address bits */
		bool dout;
	} ee;
	/* TCTR counts the PCI clock (33 MHz) from tctr_base_ns. */
	uint64_t tctr_base_ns;
	struct dm_timer timer;
	/* Transmit (rtl8139_rxtx.c). */
	unsigned tx_next;		/* the descriptor the round robin serves next */
	unsigned tx_pending;		/* bit per descriptor: written with OWN 0, not sent */
	bool tx_blocked;		/* ops->tx said -EAGAIN: wait for tx_resume */
	bool tx_busy;			/* inside rtl_tx_run (no re-entry) */
	uint8_t txbuf[DM_NIC_FRAME_MAX];
	/* Receive (rtl8139_rxtx.c): the ring's write offset (CBR) and the
	 * frame as it goes into the ring (padded, CRC appended). */
	uint32_t rx_write;
	uint16_t capr;
	uint8_t rxbuf[DM_NIC_FRAME_MAX + 64];
};

/* rtl8139.c */
void rtl_log_once(struct dm_rtl8139 *n, unsigned bit, const char *what);
void rtl_raise(struct dm_rtl8139 *n, uint16_t cause);
bool rtl_dma_ok(const struct dm_rtl8139 *n);

/* rtl8139_rxtx.c */
void rtl_tx_write_tsd(struct dm_rtl8139 *n, unsigned i, uint32_t val, uint32_t mask);
void rtl_tx_run(struct dm_rtl8139 *n);
void rtl_tx_reset(struct dm_rtl8139 *n);
uint16_t rtl_tx_summary(const struct dm_rtl8139 *n);
void rtl_rx_reset(struct dm_rtl8139 *n);
bool rtl_rx_empty(const struct dm_rtl8139 *n);
void rtl_rx_kick(struct dm_rtl8139 *n);
uint32_t rtl_rx_cbr(const struct dm_rtl8139 *n);

static inline uint32_t rtl_get32(const struct dm_rtl8139 *n, unsigned off)
{
	const uint8_t *p = n->regs + off;

	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif

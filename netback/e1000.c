/*
 * The 82540EM driver (e1000.h): bring-up per 8254x SDM §14, then one legacy
 * receive ring and one legacy transmit ring, polled. The descriptor rings
 * and buffers live in E1000_PAGES pages from the env:
 *   page 0  the receive ring       page 1  the transmit ring
 *   then E1000_RX_DESCS receive buffers and E1000_TX_DESCS transmit buffers.
 */
#include <string.h>
#include "errno.h"
#include "e1000.h"

#define RX_BUF_PAGES (E1000_RX_DESCS * E1000_BUF_SIZE / E1000_PAGE)
#define EEPROM_MAC_WORD 0	/* words 0..2: the MAC, low byte first */
#define POLL_US 10		/* between two reads of a register we wait on */

/* Page indexes in nic->pages */
enum { P_RX_RING, P_TX_RING, P_RX_BUF, P_TX_BUF = P_RX_BUF + RX_BUF_PAGES };

/* Every error bit the 82540EM reports on a received frame; the checksum
 * ones cannot be set (RXCSUM is left off) but count as errors all the same. */
#define RXE_ANY 0xffu

static int fail(struct e1000 *nic, int rc, const char *why)
{
	nic->why = why;
	return rc;
}

/* The device is broken for good: every later call fails. */
static int die(struct e1000 *nic, int rc, const char *why)
{
	nic->dead = true;
	return fail(nic, rc, why);
}

/* ---- registers and time ------------------------------------------------------- */

static uint32_t rd(const struct e1000 *nic, uint32_t reg)
{
	return nic->env->rd32(nic->env->ctx, reg);
}

static void wr(const struct e1000 *nic, uint32_t reg, uint32_t val)
{
	nic->env->wr32(nic->env->ctx, reg, val);
}

/* A tail register write that hands descriptors to the device: every store
 * to them is visible first. */
static void wr_tail(const struct e1000 *nic, uint32_t reg, uint32_t val)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(nic, reg, val);
}

static uint64_t now(const struct e1000 *nic)
{
	return nic->env->now_us(nic->env->ctx);
}

/* Polls reg until (value & mask) == want, at most limit_us. */
static bool wait_reg(const struct e1000 *nic, uint32_t reg, uint32_t mask, uint32_t want,
		     uint64_t limit_us, uint32_t *last)
{
	uint64_t start = now(nic);

	for (;;) {
		uint32_t v = rd(nic, reg);

		if (last)
			*last = v;
		if ((v & mask) == want)
			return true;
		if (now(nic) - start > limit_us)
			return false;
		nic->env->delay(nic->env->ctx, POLL_US);
	}
}

/* ---- bring-up --------------------------------------------------------------------- */

/* A unicast, non-zero station address. */
static bool mac_ok(const uint8_t *m)
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static int eeprom_word(struct e1000 *nic, unsigned addr, uint16_t *out)
{
	uint32_t v = 0;

	wr(nic, E1000_EERD, E1000_EERD_START | addr << E1000_EERD_ADDR_SHIFT);
	if (!wait_reg(nic, E1000_EERD, E1000_EERD_DONE, E1000_EERD_DONE, E1000_EERD_US, &v))
		return -ETIMEDOUT;
	*out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
	return 0;
}

/* RAL0/RAH0, which the EEPROM load fills after a reset (QEMU fills them as
 * well), else the EEPROM's first three words. */
static int read_mac(struct e1000 *nic)
{
	uint32_t lo = rd(nic, E1000_RAL0), hi = rd(nic, E1000_RAH0);
	uint16_t w;

	for (unsigned i = 0; i < 4; i++)
		nic->mac[i] = (uint8_t)(lo >> 8 * i);
	nic->mac[4] = (uint8_t)hi;
	nic->mac[5] = (uint8_t)(hi >> 8);
	if ((hi & E1000_RAH_AV) && hi != 0xffffffffu && mac_ok(nic->mac))
		return 0;
	for (unsigned i = 0; i < 3; i++) {
		if (eeprom_word(nic, EEPROM_MAC_WORD + i, &w))
			return fail(nic, -ETIMEDOUT, "EEPROM read timed out");
		nic->mac[2 * i] = (uint8_t)w;
		nic->mac[2 * i + 1] = (uint8_t)(w >> 8);
	}
	if (!mac_ok(nic->mac))
		return fail(nic, -ENODEV, "no valid MAC in RAL0/RAH0 or the EEPROM");
	return 0;
}

/* Global reset (CTRL.RST, §13.4.1): interrupts masked, reception and
 * transmission off, then CTRL.RST and a bounded wait for it to clear. */
static int reset(struct e1000 *nic)
{
	uint32_t ctrl;

	wr(nic, E1000_IMC, 0xffffffffu);
	wr(nic, E1000_RCTL, 0);
	wr(nic, E1000_TCTL, 0);
	ctrl = rd(nic, E1000_CTRL);
	wr(nic, E1000_CTRL, ctrl | E1000_CTRL_RST);
	nic->env->delay(nic->env->ctx, E1000_RESET_DELAY_US);
	if (!wait_reg(nic, E1000_CTRL, E1000_CTRL_RST, 0, E1000_RESET_US, NULL))
		return fail(nic, -ETIMEDOUT, "CTRL.RST did not clear");
	wr(nic, E1000_IMC, 0xffffffffu);	/* the reset unmasked nothing, but be sure */
	(void)rd(nic, E1000_ICR);		/* clears every cause */
	return 0;
}

/* The link (§14.3): the MAC takes speed and duplex from the PHY's
 * auto-negotiation (ASDE), the link is forced up (SLU); no flow control. */
static void link_setup(struct e1000 *nic)
{
	uint32_t ctrl = rd(nic, E1000_CTRL);

	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_ILOS | E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX |
		  E1000_CTRL_VME | E1000_CTRL_PHY_RST | E1000_CTRL_RST);
	wr(nic, E1000_CTRL, ctrl | E1000_CTRL_SLU | E1000_CTRL_ASDE);
	wr(nic, E1000_FCAL, 0);
	wr(nic, E1000_FCAH, 0);
	wr(nic, E1000_FCT, 0);
	wr(nic, E1000_FCTTV, 0);
}

static void rx_arm(struct e1000 *nic, unsigned i)
{
	volatile struct e1000_rx_desc *d = &nic->rx[i];

	d->addr = nic->rx_dma[i];
	d->length = 0;
	d->csum = 0;
	d->errors = 0;
	d->special = 0;
	d->status = 0;
}

/* Receive (§14.4): every descriptor but one given to the device, the
 * address filters open (a bridge port sees every frame), CRC stripped. */
static void rx_setup(struct e1000 *nic)
{
	uint64_t ring = nic->env->dma(nic->env->ctx, (const void *)nic->rx);

	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		rx_arm(nic, i);
	for (unsigned i = 0; i < E1000_MTA_COUNT; i++)
		wr(nic, E1000_MTA + 4 * i, 0);
	wr(nic, E1000_RAL0, (uint32_t)nic->mac[0] | (uint32_t)nic->mac[1] << 8 |
			    (uint32_t)nic->mac[2] << 16 | (uint32_t)nic->mac[3] << 24);
	wr(nic, E1000_RAH0, (uint32_t)nic->mac[4] | (uint32_t)nic->mac[5] << 8 | E1000_RAH_AV);
	wr(nic, E1000_RDBAL, (uint32_t)ring);
	wr(nic, E1000_RDBAH, (uint32_t)(ring >> 32));
	wr(nic, E1000_RDLEN, E1000_RX_DESCS * (uint32_t)sizeof(struct e1000_rx_desc));
	wr(nic, E1000_RDH, 0);
	wr_tail(nic, E1000_RDT, E1000_RX_DESCS - 1);
	wr(nic, E1000_RDTR, 0);
	nic->rx_next = 0;
	nic->rx_discard = false;
	wr(nic, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_BAM |
			    E1000_RCTL_SECRC);	/* BSIZE 00, BSEX 0: 2048 bytes; LPE, LBM off */
}

/* Transmit (§14.5): short frames padded (PSP), the copper IPG, a collision
 * threshold of 15 and a full-duplex collision distance (64 byte times). */
static void tx_setup(struct e1000 *nic)
{
	uint64_t ring = nic->env->dma(nic->env->ctx, (const void *)nic->tx);

	for (unsigned i = 0; i < E1000_TX_DESCS; i++)
		nic->tx[i] = (struct e1000_tx_desc){ .addr = nic->tx_dma[i] };
	wr(nic, E1000_TDBAL, (uint32_t)ring);
	wr(nic, E1000_TDBAH, (uint32_t)(ring >> 32));
	wr(nic, E1000_TDLEN, E1000_TX_DESCS * (uint32_t)sizeof(struct e1000_tx_desc));
	wr(nic, E1000_TDH, 0);
	wr_tail(nic, E1000_TDT, 0);
	nic->tx_tail = 0;
	nic->tx_clean = 0;
	nic->tx_moved_us = now(nic);
	wr(nic, E1000_TIPG, E1000_TIPG_COPPER);
	wr(nic, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | 0x0fu << E1000_TCTL_CT_SHIFT |
			    0x40u << E1000_TCTL_COLD_SHIFT);
}

/* Where each page goes, and the device addresses of the rings and buffers. */
static int layout(struct e1000 *nic)
{
	uint8_t *p = nic->pages;
	const struct dev_env *e = nic->env;

	nic->rx = (volatile struct e1000_rx_desc *)(p + P_RX_RING * E1000_PAGE);
	nic->tx = (volatile struct e1000_tx_desc *)(p + P_TX_RING * E1000_PAGE);
	nic->rx_buf = p + P_RX_BUF * E1000_PAGE;
	nic->tx_buf = p + P_TX_BUF * E1000_PAGE;
	if ((e->dma(e->ctx, (const void *)nic->rx) | e->dma(e->ctx, (const void *)nic->tx)) & 127)
		return fail(nic, -EINVAL, "descriptor rings not 128-byte aligned for the device");
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		nic->rx_dma[i] = e->dma(e->ctx, nic->rx_buf + i * E1000_BUF_SIZE);
	for (unsigned i = 0; i < E1000_TX_DESCS; i++)
		nic->tx_dma[i] = e->dma(e->ctx, nic->tx_buf + i * E1000_BUF_SIZE);
	return 0;
}

int e1000_open(struct e1000 *nic, const struct dev_env *env)
{
	void *pages = nic->env == env ? nic->pages : NULL;
	int rc;

	memset(nic, 0, sizeof(*nic));
	nic->env = env;
	nic->dead = true;	/* until the device is up */
	if (!pages && !(pages = env->alloc_pages(env->ctx, E1000_PAGES)))
		return fail(nic, -ENOMEM, "no memory for the rings and buffers");
	nic->pages = pages;
	if ((rc = layout(nic)))
		return rc;
	if (rd(nic, E1000_STATUS) == 0xffffffffu)
		return fail(nic, -ENODEV, "registers read all-ones");
	if ((rc = reset(nic)) || (rc = read_mac(nic)))
		return rc;
	link_setup(nic);
	rx_setup(nic);
	tx_setup(nic);
	nic->link_up = rd(nic, E1000_STATUS) & E1000_STATUS_LU;
	nic->dead = false;
	return 0;
}

void e1000_stop(struct e1000 *nic)
{
	if (!nic->env)
		return;
	(void)reset(nic);
	nic->dead = true;
	nic->why = "stopped";
}

/* ---- transmit ---------------------------------------------------------------------- */

static unsigned tx_pending(const struct e1000 *nic)
{
	return (nic->tx_tail + E1000_TX_DESCS - nic->tx_clean) % E1000_TX_DESCS;
}

unsigned e1000_reclaim_tx(struct e1000 *nic)
{
	unsigned n = 0;

	if (nic->dead)
		return 0;
	/* Only descriptors we queued are looked at, oldest first: a DD the
	 * device sets anywhere else is never seen. */
	while (nic->tx_clean != nic->tx_tail && (nic->tx[nic->tx_clean].status & E1000_TXD_STAT_DD)) {
		nic->tx_clean = (nic->tx_clean + 1) % E1000_TX_DESCS;
		n++;
	}
	if (n)
		nic->tx_moved_us = now(nic);
	return n;
}

int e1000_send(struct e1000 *nic, const void *frame, size_t len)
{
	unsigned i = nic->tx_tail;
	uint16_t wire = len < E1000_MIN_FRAME ? E1000_MIN_FRAME : (uint16_t)len;
	uint8_t *buf;

	if (nic->dead)
		return fail(nic, -EIO, "NIC is dead");
	if (len < E1000_ETH_HLEN || len > E1000_MAX_FRAME)
		return fail(nic, -EINVAL, "frame length outside 14..1514");
	if (tx_pending(nic) == E1000_TX_DESCS - 1 && !e1000_reclaim_tx(nic)) {
		nic->st.tx_full++;
		return fail(nic, -EAGAIN, "transmit ring full");
	}
	if (!tx_pending(nic))
		nic->tx_moved_us = now(nic);	/* the stall clock starts now */
	buf = nic->tx_buf + i * E1000_BUF_SIZE;
	memcpy(buf, frame, len);
	if (len < wire)
		memset(buf + len, 0, wire - len);
	nic->tx[i] = (struct e1000_tx_desc){
		.addr = nic->tx_dma[i],
		.length = wire,
		.cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS,
	};
	nic->tx_tail = (i + 1) % E1000_TX_DESCS;
	wr_tail(nic, E1000_TDT, nic->tx_tail);
	nic->st.tx_frames++;
	nic->st.tx_bytes += wire;
	return 0;
}

/* ---- receive ----------------------------------------------------------------------- */

/* Descriptor i, which the device says is done: its frame copied into
 * nic->frame and its length returned, or 0 with the drop counted. The
 * write-back is read once, status before the rest (the device writes DD
 * last). */
static uint32_t rx_take(struct e1000 *nic, unsigned i, uint8_t status)
{
	volatile struct e1000_rx_desc *d = &nic->rx[i];
	uint32_t len;
	uint8_t errors;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	len = d->length;
	errors = d->errors;
	nic->st.rx_drops++;		/* undone below for a good frame */
	if (nic->rx_discard) {		/* the rest of a frame that spans descriptors */
		nic->rx_discard = !(status & E1000_RXD_EOP);
		nic->st.rx_bad++;
		return 0;
	}
	if (!(status & E1000_RXD_EOP)) {	/* 2048 bytes hold any frame we accept */
		nic->rx_discard = true;
		nic->st.rx_bad++;
		return 0;
	}
	if (errors & RXE_ANY) {
		nic->st.rx_errors++;
		return 0;
	}
	if (len < E1000_ETH_HLEN || len > E1000_RX_MAX) {	/* never beyond the buffer */
		nic->st.rx_bad++;
		return 0;
	}
	memcpy(nic->frame, nic->rx_buf + i * E1000_BUF_SIZE, len);
	nic->st.rx_drops--;
	return len;
}

int e1000_poll_rx(struct e1000 *nic, unsigned budget, e1000_rx_fn fn, void *arg)
{
	unsigned last = E1000_RX_DESCS;
	int delivered = 0;

	if (nic->dead)
		return fail(nic, -EIO, "NIC is dead");
	while (budget--) {
		unsigned i = nic->rx_next;
		uint8_t status = nic->rx[i].status;
		uint32_t len;

		if (!(status & E1000_RXD_DD))
			break;
		len = rx_take(nic, i, status);
		rx_arm(nic, i);
		nic->rx_next = (i + 1) % E1000_RX_DESCS;
		last = i;
		if (len) {
			nic->st.rx_frames++;
			nic->st.rx_bytes += len;
			delivered++;
			fn(arg, nic->frame, len);
		}
	}
	/* The descriptors taken go back: the device owns RDH..RDT-1, so the
	 * last one taken is the one it stops short of. */
	if (last < E1000_RX_DESCS)
		wr_tail(nic, E1000_RDT, last);
	return delivered;
}

int e1000_service(struct e1000 *nic, unsigned budget, e1000_rx_fn fn, void *arg)
{
	(void)e1000_reclaim_tx(nic);
	return e1000_poll_rx(nic, budget, fn, arg);
}

/* ---- interrupts -------------------------------------------------------------------- */

void e1000_irq_enable(struct e1000 *nic)
{
	if (!nic->dead)
		wr(nic, E1000_IMS, E1000_IRQ_CAUSES);
}

uint32_t e1000_irq_ack(struct e1000 *nic)
{
	return nic->dead ? 0 : rd(nic, E1000_ICR);
}

/* ---- health ------------------------------------------------------------------------ */

bool e1000_link(struct e1000 *nic)
{
	uint32_t s = rd(nic, E1000_STATUS);

	nic->link_up = s != 0xffffffffu && (s & E1000_STATUS_LU);
	return nic->link_up;
}

int e1000_watchdog(struct e1000 *nic)
{
	if (nic->dead)
		return fail(nic, -EIO, "NIC is dead");
	if (rd(nic, E1000_STATUS) == 0xffffffffu)
		return die(nic, -EIO, "registers read all-ones (device gone)");
	if (rd(nic, E1000_RDH) >= E1000_RX_DESCS)
		return die(nic, -EIO, "RDH beyond the receive ring");
	if (rd(nic, E1000_TDH) >= E1000_TX_DESCS)
		return die(nic, -EIO, "TDH beyond the transmit ring");
	(void)e1000_reclaim_tx(nic);
	if (!e1000_link(nic) || !tx_pending(nic)) {
		nic->tx_moved_us = now(nic);	/* nothing to wait for: no stall */
		return 0;
	}
	if (now(nic) - nic->tx_moved_us > E1000_TX_STALL_US)
		return die(nic, -EIO, "transmit stalled with the link up");
	return 0;
}

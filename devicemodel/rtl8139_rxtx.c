/*
 * The RTL8139's transmit descriptors and receive ring (RTL8139C(L)
 * datasheet, "Transmit Operation", "Receive Operation", and the TSD, RCR,
 * CAPR/CBR registers).
 *
 * Transmit: four descriptors, each a TSAD (the frame's guest-physical
 * address) and a TSD (its byte count and status). Writing a TSD with OWN 0
 * hands the frame to the chip; descriptors go out in round-robin order from
 * the one after the last sent, skipping any the driver has not handed over,
 * so a driver out of step with the round robin still makes progress. Once
 * sent, TSD gets OWN and TOK and ISR TOK is raised; a frame the model cannot
 * send (byte count outside 14..DM_NIC_FRAME_MAX, buffer outside guest RAM)
 * gets OWN and TABT and raises TER. -EAGAIN from the network holds the
 * descriptor (TSD untouched) until dm_rtl8139_tx_resume. TCR loopback
 * (LBK 11b) turns the frame back into the receiver instead.
 *
 * Receive: one ring of 8, 16, 32 or 64 KiB (RCR RBLEN) at RBSTART. Each
 * frame is padded to 60 bytes, gets its CRC-32, and goes in at the write
 * offset (CBR) behind a 4-byte header: the Receive Status Register (ROK,
 * PAM/BAR/MAR) and the length including the CRC; the next frame starts on
 * the next dword. The driver frees space by moving CAPR, which it keeps 16
 * bytes behind its read offset; CAPR + 16 == CBR is an empty ring (CR
 * BUFE). RCR WRAP 0 splits a frame at the ring's end and goes on at its
 * start; WRAP 1 lets the frame run on past the end (into the 1.5 KiB the
 * driver reserves there) and the next one starts where it ended, modulo
 * the ring; WRAP is ignored for 64 KiB. Data goes in before the header, and
 * CBR moves last, so the driver never sees a half-written frame. A frame
 * that does not fit before CAPR is refused with -EAGAIN (never dropped:
 * the network holds it), raises RXOVW, and is offered again after a CAPR
 * write.
 */
#include "rtl8139_int.h"

#define RTL_MIN_FRAME 60u
#define RTL_FCS 4u
#define RTL_HDR 4u

/* ---- transmit ------------------------------------------------------------------------- */

void rtl_tx_reset(struct dm_rtl8139 *n)
{
	for (unsigned i = 0; i < 4; i++)
		n->tsd[i] = RTL_TSD_OWN;
	n->tx_pending = 0;
	n->tx_next = 0;
}

/* TSAD at 0x60: TOK3-0, TUN3-0, TABT3-0, OWN3-0 from the four TSDs. */
uint16_t rtl_tx_summary(const struct dm_rtl8139 *n)
{
	uint16_t v = 0;

	for (unsigned i = 0; i < 4; i++) {
		uint32_t t = n->tsd[i];

		v |= (uint16_t)(!!(t & RTL_TSD_TOK) << (12 + i) | !!(t & RTL_TSD_TUN) << (8 + i) |
				!!(t & RTL_TSD_TABT) << (4 + i) | !!(t & RTL_TSD_OWN) << i);
	}
	return v;
}

/* The status bits are read-only and clear when the byte count is written
 * (datasheet, TSD); OWN written 0 hands the descriptor over, OWN written
 * 1 takes back one not sent yet. */
void rtl_tx_write_tsd(struct dm_rtl8139 *n, unsigned i, uint32_t val, uint32_t mask)
{
	uint32_t rw = (RTL_TSD_SIZE | RTL_TSD_OWN | RTL_TSD_ERTXTH) & mask;
	uint32_t t = (n->tsd[i] & ~rw) | (val & rw);

	if (mask & RTL_TSD_SIZE)
		t &= RTL_TSD_SIZE | RTL_TSD_OWN | RTL_TSD_ERTXTH;
	n->tsd[i] = t;
	if (!(mask & RTL_TSD_OWN))
		return;
	if (t & RTL_TSD_OWN) {
		n->tx_pending &= ~(1u << i);
		return;
	}
	n->tx_pending |= 1u << i;
	rtl_tx_run(n);
}

static void rtl_tx_done(struct dm_rtl8139 *n, unsigned i, bool ok)
{
	n->tsd[i] = (n->tsd[i] & (RTL_TSD_SIZE | RTL_TSD_ERTXTH)) | RTL_TSD_OWN |
		    (ok ? RTL_TSD_TOK : RTL_TSD_TABT);
	rtl_raise(n, ok ? RTL_INT_TOK : RTL_INT_TER);
}

/* Descriptor i: 0 when done with (sent or aborted), -EAGAIN when held. */
static int rtl_tx_one(struct dm_rtl8139 *n, unsigned i)
{
	struct dm_env *env = n->env;
	uint32_t size = n->tsd[i] & RTL_TSD_SIZE;
	uint32_t addr = rtl_get32(n, RTL_TSAD0 + 4 * i);

	if (size < 14 || size > DM_NIC_FRAME_MAX) {
		rtl_log_once(n, RTL_LOG_TXSIZE, "transmit byte count outside 14..1522: aborted");
		rtl_tx_done(n, i, false);
		return 0;
	}
	if (env->mem_read(env->ctx, addr, n->txbuf, size)) {
		rtl_log_once(n, RTL_LOG_TXMEM, "transmit buffer outside guest RAM: aborted");
		rtl_tx_done(n, i, false);
		return 0;
	}
	if ((n->tcr & RTL_TCR_LOOPBACK) == RTL_TCR_LOOPBACK)
		(void)dm_rtl8139_rx(n, n->txbuf, size);
	else if (n->ops->tx(n->ctx, n->txbuf, size) == -DM_NIC_EAGAIN)
		return -DM_NIC_EAGAIN;
	rtl_tx_done(n, i, true);
	return 0;
}

/* Sends what the driver handed over, while TE, bus mastering and the
 * network allow. Each pass takes a pending bit off, and only register
 * writes set them, so this ends. */
void rtl_tx_run(struct dm_rtl8139 *n)
{
	if (n->tx_busy)
		return;
	n->tx_busy = true;
	while (n->tx_pending && !n->tx_blocked && (n->cr & RTL_CR_TE) && rtl_dma_ok(n)) {
		unsigned i = n->tx_next;

		while (!(n->tx_pending & 1u << i))
			i = (i + 1) & 3;
		if (rtl_tx_one(n, i) < 0) {
			n->tx_blocked = true;
			n->tx_next = i;
			break;
		}
		n->tx_pending &= ~(1u << i);
		n->tx_next = (i + 1) & 3;
	}
	n->tx_busy = false;
}

/* ---- receive ---------------------------------------------------------------------------- */

static uint32_t rtl_rx_ring(const struct dm_rtl8139 *n)
{
	return 8192u << ((n->rcr >> RTL_RCR_RBLEN_SHIFT) & 3);
}

/* The driver's read offset: CAPR + 16, in the ring. */
static uint32_t rtl_rx_read_off(const struct dm_rtl8139 *n)
{
	return (uint16_t)(n->capr + 16) % rtl_rx_ring(n);
}

uint32_t rtl_rx_cbr(const struct dm_rtl8139 *n)
{
	return n->rx_write % rtl_rx_ring(n);
}

bool rtl_rx_empty(const struct dm_rtl8139 *n)
{
	return rtl_rx_read_off(n) == rtl_rx_cbr(n);
}

/* A new buffer, a reset: empty, CAPR 16 bytes behind offset 0. */
void rtl_rx_reset(struct dm_rtl8139 *n)
{
	n->rx_write = 0;
	n->capr = 0xfff0;
}

void rtl_rx_kick(struct dm_rtl8139 *n)
{
	if (!n->unplugged && (n->cr & RTL_CR_RE) && n->ops->rx_ready)
		n->ops->rx_ready(n->ctx);
}

/* The multicast filter (datasheet, MAR0-7): the top 6 bits of the
 * big-endian CRC-32 of the destination index the 64 bits of MAR. The
 * reflected CRC's low 6 bits, before the final inversion, are those bits
 * in reverse order. */
static bool rtl_mar_hit(const struct dm_rtl8139 *n, const uint8_t *dst)
{
	uint32_t raw = ~dm_nic_crc32(dst, 6);
	unsigned h = 0;

	for (unsigned b = 0; b < 6; b++)
		h |= ((raw >> b) & 1) << (5 - b);
	return n->regs[RTL_MAR0 + (h >> 3)] & (1u << (h & 7));
}

/* RCR's accept bits: the header's status for an accepted frame, else 0. */
static uint16_t rtl_rx_accept(const struct dm_rtl8139 *n, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t rcr = n->rcr;

	if (!(dst[0] & 1)) {
		bool mine = !memcmp(dst, n->regs + RTL_IDR0, 6);

		if ((mine && (rcr & RTL_RCR_APM)) || (rcr & RTL_RCR_AAP))
			return RTL_RSR_ROK | (mine ? RTL_RSR_PAM : 0);
		return 0;
	}
	if (!memcmp(dst, bcast, 6))
		return rcr & RTL_RCR_AB ? RTL_RSR_ROK | RTL_RSR_BAR : 0;
	return (rcr & RTL_RCR_AM) && rtl_mar_hit(n, dst) ? RTL_RSR_ROK | RTL_RSR_MAR : 0;
}

/* rxbuf = the frame padded to the minimum, CRC appended: its length. */
static size_t rtl_rx_build(struct dm_rtl8139 *n, const uint8_t *frame, size_t len)
{
	size_t total = len < RTL_MIN_FRAME ? RTL_MIN_FRAME : len;
	uint32_t fcs;

	memmove(n->rxbuf, frame, len);		/* loopback: frame is txbuf */
	memset(n->rxbuf + len, 0, total - len);
	fcs = dm_nic_crc32(n->rxbuf, total);
	for (unsigned i = 0; i < RTL_FCS; i++)
		n->rxbuf[total + i] = (uint8_t)(fcs >> (8 * i));
	return total + RTL_FCS;
}

/* rxbuf's len bytes at ring offset off (<= ring): split at the ring's end
 * unless WRAP lets them run on. False on guest memory that is not RAM. */
static bool rtl_rx_copy(struct dm_rtl8139 *n, uint64_t base, uint32_t ring, uint32_t off,
			size_t len)
{
	struct dm_env *env = n->env;
	bool run_on = (n->rcr & RTL_RCR_WRAP) && ring < 65536;
	size_t first;

	if (!run_on && off >= ring)
		off -= ring;
	first = run_on || off + len <= ring ? len : ring - off;
	if (env->mem_write(env->ctx, base + off, n->rxbuf, first))
		return false;
	return first == len || !env->mem_write(env->ctx, base, n->rxbuf + first, len - first);
}

int dm_rtl8139_rx(struct dm_rtl8139 *n, const uint8_t *frame, size_t len)
{
	uint32_t ring = rtl_rx_ring(n), w = rtl_rx_cbr(n), r = rtl_rx_read_off(n);
	uint64_t base = rtl_get32(n, RTL_RBSTART);
	uint32_t room = (r + ring - w - 1) % ring + 1;	/* r == w: all of it */
	uint16_t status;
	uint8_t hdr[RTL_HDR];
	size_t plen, need;

	if (!(n->cr & RTL_CR_RE) || !rtl_dma_ok(n) || len < 14 || len > DM_NIC_FRAME_MAX ||
	    !(status = rtl_rx_accept(n, frame)))
		return 0;
	plen = rtl_rx_build(n, frame, len);
	need = (RTL_HDR + plen + 3) & ~(size_t)3;
	if (need >= room) {
		/* Never fill it (CAPR + 16 == CBR means empty). The ring is
		 * full: RXOVW says so, as the chip does when it runs out of
		 * buffer. Drivers take frames while ISR has an Rx bit
		 * (8139too's poll looks at ISR first), and a full ring raises
		 * no ROK: without RXOVW, frames left behind a poll's budget
		 * would wait for space that only their reading makes. */
		rtl_raise(n, RTL_INT_RXOVW);
		return -DM_NIC_EAGAIN;
	}
	hdr[0] = (uint8_t)status;
	hdr[1] = (uint8_t)(status >> 8);
	hdr[2] = (uint8_t)plen;
	hdr[3] = (uint8_t)(plen >> 8);
	if (!rtl_rx_copy(n, base, ring, w + RTL_HDR, plen) ||
	    n->env->mem_write(n->env->ctx, base + w, hdr, RTL_HDR)) {
		rtl_log_once(n, RTL_LOG_RXMEM, "receive buffer outside guest RAM: dropped");
		return 0;
	}
	n->rx_write = (uint32_t)((w + need) % ring);
	rtl_raise(n, RTL_INT_ROK);
	return 1;
}

/*
 * The 82540EM's transmit ring (8254x SDM §3.3): descriptors from TDH up to
 * TDT, each 16 bytes at TDBA + 16 * index.
 *   legacy (CMD.DEXT 0)            buffer, length, CSO/CSS for CMD.IC
 *   context (DEXT 1, DTYP 0000b)   the TCP/IP offsets, MSS and HDRLEN (§3.3.6)
 *   data (DEXT 1, DTYP 0001b)      buffer, length, DCMD.TSE, POPTS IXSM/TXSM
 * A packet is the data of the descriptors up to one with EOP. It is gathered
 * whole into txbuf, checksummed as its descriptors ask, cut into MSS-sized
 * segments when TSE is set (§3.5: header copied, IPv4 length/ID and header
 * checksum, IPv6 payload length, TCP sequence number and checksum with the
 * pseudo-header length the driver left out, FIN/PSH only on the last), and
 * handed to ops->tx one frame at a time.
 *
 * TDH moves only past context descriptors at a packet boundary and past
 * whole packets, after DD went into the status byte of each of the
 * packet's descriptors that asked for it (RS). A packet the network refuses
 * (-EAGAIN) leaves TDH at its first descriptor; tx_sent remembers how many
 * of its segments already went, so dm_e1000_tx_resume re-reads the packet
 * and goes on from there. One kick reads at most a ring's worth of
 * descriptors, so a guest cannot keep us here.
 */
#include "e1000_int.h"

#define E1K_ETH_HLEN 14u
#define E1K_TCP_FIN 0x01
#define E1K_TCP_PSH 0x08

struct e1k_ring {
	uint64_t base;
	unsigned size, head, tail;
};

void e1k_tx_reset(struct dm_e1000 *n)
{
	memset(&n->txctx, 0, sizeof(n->txctx));
	memset(&n->txp, 0, sizeof(n->txp));
	n->tx_sent = 0;
	n->tx_blocked = false;
}

/* ---- checksums (RFC 1071) ---------------------------------------------------------- */

static uint32_t e1k_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t e1k_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Stores the ones' complement of the sum of p[css..cse] (cse inclusive,
 * 0 or beyond the end: to the end) plus add at p[cso]. Offsets that do not
 * fit the frame leave it alone. udp: a zero result goes out as 0xffff. */
static void e1k_csum_insert(uint8_t *p, size_t len, unsigned css, unsigned cso,
			    unsigned cse, uint32_t add, bool udp)
{
	size_t end = cse == 0 || cse >= len ? len : (size_t)cse + 1;
	uint16_t c;

	if (css >= end || (size_t)cso + 2 > len)
		return;
	c = (uint16_t)~e1k_fold(e1k_sum(p + css, end - css, add));
	if (udp && c == 0)
		c = 0xffff;
	e1k_put_be16(p + cso, c);
}

/* ---- frames out -------------------------------------------------------------------- */

static void e1k_tx_count(struct dm_e1000 *n, const uint8_t *f, size_t len)
{
	e1k_stat_add(n, E1K_GPTC, 1);
	e1k_stat_add(n, E1K_TPT, 1);
	e1k_stat_add64(n, E1K_GOTCL, len + 4);	/* the FCS the wire would carry */
	e1k_stat_add64(n, E1K_TOTL, len + 4);
	if (f[0] & 1)
		e1k_stat_add(n, f[0] == 0xff && !memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) ?
				E1K_BPTC : E1K_MPTC, 1);
}

/* One frame to the network; p has room for 4 more bytes (the 802.1Q tag
 * VLE inserts after the addresses when CTRL.VME is set, SDM §3.3.3.1).
 * 0 taken or dropped, -EAGAIN refused. */
static int e1k_tx_emit(struct dm_e1000 *n, uint8_t *p, size_t len)
{
	bool tag = n->txp.vle && (e1k_reg(n, E1K_CTRL) & E1K_CTRL_VME);
	int rc;

	if (len < E1K_ETH_HLEN || len + (tag ? 4 : 0) > DM_E1000_FRAME_MAX) {
		e1k_log_once(n, E1K_LOG_TXBIG, "transmit frame of a bad length dropped");
		return 0;
	}
	if (tag) {
		memmove(p + 16, p + 12, len - 12);
		e1k_put_be16(p + 12, (uint16_t)e1k_reg(n, E1K_VET));
		e1k_put_be16(p + 14, n->txp.vlan);
		len += 4;
	}
	rc = n->ops->tx(n->ctx, p, len);
	if (rc == -DM_E1000_EAGAIN)
		return rc;
	if (rc == 0)
		e1k_tx_count(n, p, len);
	return 0;
}

/* ---- TCP segmentation ------------------------------------------------------------------ */

/* Fixes segment k (payload offset off, last or not) of flen bytes in
 * txseg, whose first hdr bytes are the packet's header. */
static void e1k_tso_fix(struct dm_e1000 *n, size_t flen, unsigned k, uint32_t off, bool last)
{
	const struct e1k_txctx *c = &n->txctx;
	uint8_t *f = n->txseg;
	unsigned ip = c->ipcss, tu = c->tucss, hdr = c->hdrlen;

	if (c->tucmd & E1K_TUCMD_IP) {
		if (ip + 20u <= hdr) {
			e1k_put_be16(f + ip + 2, (uint16_t)(flen - ip));
			e1k_put_be16(f + ip + 4, (uint16_t)(e1k_be16(f + ip + 4) + k));
		}
	} else if (ip + 40u <= hdr) {
		e1k_put_be16(f + ip + 4, (uint16_t)(flen - ip - 40));
	}
	if (c->tucmd & E1K_TUCMD_TCP) {
		if (tu + 20u <= hdr) {
			uint32_t seq = (uint32_t)e1k_be16(f + tu + 4) << 16 | e1k_be16(f + tu + 6);

			seq += off;
			e1k_put_be16(f + tu + 4, (uint16_t)(seq >> 16));
			e1k_put_be16(f + tu + 6, (uint16_t)seq);
			if (!last)
				f[tu + 13] &= (uint8_t)~(E1K_TCP_FIN | E1K_TCP_PSH);
		}
	} else if (tu + 8u <= hdr) {
		e1k_put_be16(f + tu + 4, (uint16_t)(flen - tu));
	}
	if (n->txp.popts & E1K_POPTS_IXSM)
		e1k_csum_insert(f, flen, ip, c->ipcso, c->ipcse, 0, false);
	if ((n->txp.popts & E1K_POPTS_TXSM) && tu < flen)
		e1k_csum_insert(f, flen, tu, c->tucso, c->tucse, (uint32_t)(flen - tu),
				!(c->tucmd & E1K_TUCMD_TCP));
}

static int e1k_tso(struct dm_e1000 *n)
{
	const struct e1k_txctx *c = &n->txctx;
	size_t len = n->txp.len, hdr = c->hdrlen, mss = c->mss, pay, nseg;

	if (!hdr || !mss || hdr > len || hdr + mss > DM_E1000_FRAME_MAX) {
		e1k_log_once(n, E1K_LOG_TSO, "TSO packet with a bad HDRLEN/MSS dropped");
		return 0;
	}
	pay = len - hdr;
	nseg = pay ? (pay + mss - 1) / mss : 1;
	for (size_t k = n->tx_sent; k < nseg; k++) {
		size_t off = k * mss, seg = pay - off < mss ? pay - off : mss;
		int rc;

		memcpy(n->txseg, n->txbuf, hdr);
		memcpy(n->txseg + hdr, n->txbuf + hdr + off, seg);
		e1k_tso_fix(n, hdr + seg, (unsigned)k, (uint32_t)off, k + 1 == nseg);
		rc = e1k_tx_emit(n, n->txseg, hdr + seg);
		if (rc) {
			n->tx_sent = (unsigned)k;
			return rc;
		}
	}
	e1k_stat_add(n, E1K_TSCTC, 1);
	return 0;
}

/* The gathered packet: dropped, segmented or sent with its checksums. */
static int e1k_tx_packet(struct dm_e1000 *n)
{
	struct e1k_txpkt *t = &n->txp;
	const struct e1k_txctx *c = &n->txctx;
	bool udp = !(c->tucmd & E1K_TUCMD_TCP);

	if (t->too_big) {
		e1k_log_once(n, E1K_LOG_TXBIG, "transmit packet over 64 KiB dropped");
		return 0;
	}
	if (t->tse && (c->tucmd & E1K_TUCMD_TSE))
		return e1k_tso(n);
	if (t->len > DM_E1000_FRAME_MAX) {
		e1k_log_once(n, E1K_LOG_TXBIG, "transmit frame of a bad length dropped");
		return 0;
	}
	if (t->legacy_ic)
		e1k_csum_insert(n->txbuf, t->len, t->css, t->cso, 0, 0, false);
	if (t->popts & E1K_POPTS_IXSM)
		e1k_csum_insert(n->txbuf, t->len, c->ipcss, c->ipcso, c->ipcse, 0, false);
	if (t->popts & E1K_POPTS_TXSM)
		e1k_csum_insert(n->txbuf, t->len, c->tucss, c->tucso, c->tucse, 0, udp);
	return e1k_tx_emit(n, n->txbuf, t->len);
}

/* ---- descriptors ------------------------------------------------------------------- */

static void e1k_txctx_load(struct dm_e1000 *n, const uint8_t *d)
{
	struct e1k_txctx *c = &n->txctx;

	c->ipcss = d[0];
	c->ipcso = d[1];
	c->ipcse = e1k_le16(d + 2);
	c->tucss = d[4];
	c->tucso = d[5];
	c->tucse = e1k_le16(d + 6);
	c->paylen = e1k_le32(d + 8) & 0xfffff;
	c->tucmd = d[11];
	c->hdrlen = d[13];
	c->mss = e1k_le16(d + 14);
}

/* Adds a legacy or data descriptor's buffer to the packet. */
static void e1k_tx_gather(struct dm_e1000 *n, const uint8_t *d, bool ext)
{
	struct e1k_txpkt *t = &n->txp;
	struct dm_env *env = n->env;
	uint64_t addr = e1k_le64(d);
	size_t len = ext ? (e1k_le32(d + 8) & 0xfffff) : e1k_le16(d + 8);
	bool first = !t->ndesc++;

	if (first && ext) {
		t->popts = d[13];
		t->tse = d[11] & E1K_TXD_TSE;
	} else if (first) {
		t->legacy_ic = d[11] & E1K_TXD_IC;
		t->cso = d[10];
		t->css = d[13];
	}
	if (d[11] & E1K_TXD_EOP) {
		t->vle = d[11] & E1K_TXD_VLE;
		t->vlan = e1k_le16(d + 14);
	}
	if (t->too_big || !len)
		return;
	if (len > E1K_TX_BUF - t->len) {
		t->too_big = true;
		return;
	}
	if (env->mem_read(env->ctx, addr, n->txbuf + t->len, len)) {
		e1k_log_once(n, E1K_LOG_TXMEM, "transmit buffer outside guest RAM: packet dropped");
		t->too_big = true;
		return;
	}
	t->len += len;
}

/* DD into the status byte of each descriptor in [from, to) that has RS;
 * the command byte is at offset 11 and the status at 12 in all three
 * formats. True when any was written. */
static bool e1k_tx_writeback(struct dm_e1000 *n, const struct e1k_ring *r,
			     unsigned from, unsigned to)
{
	struct dm_env *env = n->env;
	const uint8_t dd = E1K_TXD_DD;
	bool any = false;

	for (unsigned i = from; i != to; i = (i + 1) % r->size) {
		uint64_t a = r->base + (uint64_t)i * E1K_DESC;
		uint8_t cmd;

		if (env->mem_read(env->ctx, a + 11, &cmd, 1) || !(cmd & E1K_TXD_RS))
			continue;
		if (env->mem_write(env->ctx, a + 12, &dd, 1))
			e1k_log_once(n, E1K_LOG_TXMEM, "transmit ring outside guest RAM");
		else
			any = true;
	}
	return any;
}

static bool e1k_tx_ring(struct dm_e1000 *n, struct e1k_ring *r)
{
	r->size = e1k_reg(n, E1K_TDLEN) / E1K_DESC;
	r->head = e1k_reg(n, E1K_TDH);
	r->tail = e1k_reg(n, E1K_TDT);
	r->base = e1k_reg(n, E1K_TDBAL) | (uint64_t)e1k_reg(n, E1K_TDBAH) << 32;
	if (r->size && r->head < r->size && r->tail < r->size)
		return true;
	e1k_log_once(n, E1K_LOG_TXRING, "transmit ring registers out of range: not transmitting");
	return false;
}

/* Reads descriptors from TDH, completing packets, until TDT, a packet
 * without its EOP yet, a refusal or the ring's size in reads. */
static void e1k_tx_run(struct dm_e1000 *n, struct e1k_ring *r)
{
	unsigned start = r->head, i = r->head, budget = r->size;
	uint32_t cause = 0;

	memset(&n->txp, 0, sizeof(n->txp));
	while (i != r->tail && budget--) {
		uint8_t d[E1K_DESC];
		bool ext, eop;

		if (n->env->mem_read(n->env->ctx, r->base + (uint64_t)i * E1K_DESC, d, E1K_DESC)) {
			e1k_log_once(n, E1K_LOG_TXMEM, "transmit ring outside guest RAM");
			break;
		}
		i = (i + 1) % r->size;
		ext = d[11] & E1K_TXD_DEXT;
		if (ext && ((d[10] >> 4) & 0xf) != E1K_DTYP_DATA) {
			if (((d[10] >> 4) & 0xf) == E1K_DTYP_CONTEXT)
				e1k_txctx_load(n, d);
			if (n->txp.ndesc)
				continue;	/* inside a packet: it moves with it */
			if (e1k_tx_writeback(n, r, start, i))
				cause |= E1K_ICR_TXDW;
			start = i;
			continue;
		}
		e1k_tx_gather(n, d, ext);
		eop = d[11] & E1K_TXD_EOP;
		if (!eop)
			continue;
		if (e1k_tx_packet(n)) {
			n->tx_blocked = true;
			break;
		}
		if (e1k_tx_writeback(n, r, start, i))
			cause |= E1K_ICR_TXDW;
		start = i;
		n->tx_sent = 0;
		memset(&n->txp, 0, sizeof(n->txp));
	}
	if (start == r->head)
		return;
	n->regs[E1K_TDH / 4] = start;
	if (start == r->tail)
		cause |= E1K_ICR_TXQE;
	e1k_raise(n, cause);
}

void e1k_tx_kick(struct dm_e1000 *n)
{
	struct e1k_ring r;

	if (n->tx_busy || n->tx_blocked || !(e1k_reg(n, E1K_TCTL) & E1K_TCTL_EN) ||
	    !e1k_dma_ok(n) || !e1k_tx_ring(n, &r))
		return;
	n->tx_busy = true;
	e1k_tx_run(n, &r);
	n->tx_busy = false;
}

/*
 * The 82540EM's receive side (8254x SDM §3.2, §14.4): the address filter
 * (RCTL.UPE/MPE/BAM, the 16 receive address registers with AV, the
 * 4096-bit multicast table hashed as RCTL.MO says), then the ring: the
 * descriptors from RDH up to RDT - 1 are the guest's empty buffers of
 * RCTL.BSIZE/BSEX bytes each. A frame is padded to 60 bytes, gets its
 * CRC-32 FCS unless RCTL.SECRC, and fills as many buffers as it needs, the
 * last with EOP. Each descriptor gets length, DD and IXSM ("checksums not
 * checked": the guest does it); RDH moves after the whole frame is in.
 *
 * A frame that does not fit the free descriptors is not split: the caller
 * gets -EAGAIN and offers it again after ops->rx_ready, which a write of
 * RDT (or RCTL.EN) triggers. The first refusal of a stall counts in RNBC
 * and raises RXO, so a driver that waits for an interrupt cleans its ring.
 */
#include "e1000_int.h"

#define E1K_MIN_FRAME 60u
#define E1K_FCS 4u

/* ---- the address filter (§13.4.22, §13.5.1) -------------------------------------- */

static bool e1k_rar_match(const struct dm_e1000 *n, const uint8_t *a)
{
	uint32_t lo = e1k_le32(a), hi = e1k_le16(a + 4);

	for (unsigned i = 0; i < E1K_RAR_COUNT; i++) {
		uint32_t rah = e1k_reg(n, E1K_RAH(i));

		if ((rah & E1K_RAH_AV) && e1k_reg(n, E1K_RAL(i)) == lo && (rah & 0xffff) == hi)
			return true;
	}
	return false;
}

/* RCTL.MO picks which 12 bits of the address index the table: bits
 * 47:36, 46:35, 45:34 or 43:32. */
static bool e1k_mta_match(const struct dm_e1000 *n, const uint8_t *a)
{
	unsigned mo = (e1k_reg(n, E1K_RCTL) >> E1K_RCTL_MO_SHIFT) & 3;
	unsigned shift = mo == 3 ? 0 : 4 - mo;
	unsigned h = ((a[4] >> shift) | (unsigned)a[5] << (8 - shift)) & 0xfff;

	return e1k_reg(n, E1K_MTA + 4 * (h >> 5)) & (1u << (h & 31));
}

static bool e1k_rx_accept(const struct dm_e1000 *n, const uint8_t *dst)
{
	uint32_t rctl = e1k_reg(n, E1K_RCTL);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!(dst[0] & 1))
		return (rctl & E1K_RCTL_UPE) || e1k_rar_match(n, dst);
	if (!memcmp(dst, bcast, 6) && (rctl & E1K_RCTL_BAM))
		return true;
	return (rctl & E1K_RCTL_MPE) || e1k_rar_match(n, dst) || e1k_mta_match(n, dst);
}

/* ---- the ring ------------------------------------------------------------------------ */

static unsigned e1k_rx_bufsize(uint32_t rctl)
{
	unsigned bs = (rctl >> E1K_RCTL_BSIZE_SHIFT) & 3;

	if (rctl & E1K_RCTL_BSEX)
		return bs ? 32768u >> bs : 2048u;	/* 16384/8192/4096; 00 reserved */
	return 2048u >> bs;				/* 2048/1024/512/256 */
}

static void e1k_rx_count(struct dm_e1000 *n, const uint8_t *f, size_t len)
{
	e1k_stat_add(n, E1K_GPRC, 1);
	e1k_stat_add(n, E1K_TPR, 1);
	e1k_stat_add64(n, E1K_GORCL, len);
	e1k_stat_add64(n, E1K_TORL, len);
	if (f[0] & 1)
		e1k_stat_add(n, f[0] == 0xff && !memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) ?
				E1K_BPRC : E1K_MPRC, 1);
}

/* Writes rxframe's len bytes into `need` descriptors from *head. False on
 * guest memory that is not RAM (nothing counted; RDH unmoved). */
static bool e1k_rx_fill(struct dm_e1000 *n, uint64_t base, unsigned size, unsigned *head,
			size_t len, unsigned bufsize)
{
	struct dm_env *env = n->env;
	size_t done = 0;
	unsigned h = *head;

	while (done < len) {
		uint64_t d = base + (uint64_t)h * E1K_DESC;
		size_t chunk = len - done < bufsize ? len - done : bufsize;
		uint8_t a[8], wb[8] = { 0 };

		wb[0] = (uint8_t)chunk;
		wb[1] = (uint8_t)(chunk >> 8);
		wb[4] = E1K_RXD_DD | E1K_RXD_IXSM | (done + chunk == len ? E1K_RXD_EOP : 0);
		if (env->mem_read(env->ctx, d, a, 8) ||
		    env->mem_write(env->ctx, e1k_le64(a), n->rxframe + done, chunk) ||
		    env->mem_write(env->ctx, d + 8, wb, 8)) {
			e1k_log_once(n, E1K_LOG_RXMEM, "receive ring or buffer outside guest RAM: dropped");
			return false;
		}
		done += chunk;
		h = (h + 1) % size;
	}
	*head = h;
	return true;
}

/* Receive descriptor minimum threshold (RCTL.RDMTS): 1/2, 1/4, 1/8 of the ring. */
static uint32_t e1k_rx_low(const struct dm_e1000 *n, unsigned size, unsigned head, unsigned tail)
{
	unsigned rdmts = (e1k_reg(n, E1K_RCTL) >> E1K_RCTL_RDMTS_SHIFT) & 3;
	unsigned left = (tail + size - head) % size;

	return left <= size >> (rdmts == 3 ? 3 : rdmts + 1) ? E1K_ICR_RXDMT0 : 0;
}

/* Pads frame to the minimum, appends the FCS unless SECRC: the length. */
static size_t e1k_rx_build(struct dm_e1000 *n, const uint8_t *frame, size_t len)
{
	size_t total = len < E1K_MIN_FRAME ? E1K_MIN_FRAME : len;

	memcpy(n->rxframe, frame, len);
	memset(n->rxframe + len, 0, total - len);
	if (!(e1k_reg(n, E1K_RCTL) & E1K_RCTL_SECRC)) {
		uint32_t fcs = dm_nic_crc32(n->rxframe, total);

		for (unsigned i = 0; i < E1K_FCS; i++)
			n->rxframe[total + i] = (uint8_t)(fcs >> (8 * i));
		total += E1K_FCS;
	}
	return total;
}

int dm_e1000_rx(struct dm_e1000 *n, const uint8_t *frame, size_t len)
{
	uint32_t rctl = e1k_reg(n, E1K_RCTL);
	unsigned size = e1k_reg(n, E1K_RDLEN) / E1K_DESC;
	unsigned head = e1k_reg(n, E1K_RDH), tail = e1k_reg(n, E1K_RDT);
	uint64_t base = e1k_reg(n, E1K_RDBAL) | (uint64_t)e1k_reg(n, E1K_RDBAH) << 32;
	unsigned bufsize = e1k_rx_bufsize(rctl);
	size_t total;
	unsigned need;

	if (!(rctl & E1K_RCTL_EN) || !n->link_up || !e1k_dma_ok(n) ||
	    len < 14 || len > DM_E1000_FRAME_MAX || !e1k_rx_accept(n, frame))
		return 0;
	if (!size || head >= size || tail >= size) {
		e1k_log_once(n, E1K_LOG_RXRING, "receive ring registers out of range: dropping");
		return 0;
	}
	total = e1k_rx_build(n, frame, len);
	need = (unsigned)((total + bufsize - 1) / bufsize);
	if (need >= size)
		return 0;			/* could never fit: the ring is too small */
	if ((tail + size - head) % size < need) {
		if (!n->rx_stalled) {
			n->rx_stalled = true;
			e1k_stat_add(n, E1K_RNBC, 1);
			e1k_raise(n, E1K_ICR_RXO);
		}
		return -DM_E1000_EAGAIN;
	}
	if (!e1k_rx_fill(n, base, size, &head, total, bufsize))
		return 0;
	n->regs[E1K_RDH / 4] = head;
	n->rx_stalled = false;
	e1k_rx_count(n, n->rxframe, total);
	e1k_raise(n, E1K_ICR_RXT0 | e1k_rx_low(n, size, head, tail));
	return 1;
}

void e1k_rx_kick(struct dm_e1000 *n)
{
	if (!n->unplugged && n->ops->rx_ready)
		n->ops->rx_ready(n->ctx);
}

/*
 * AHCI ports, commands and completions (ahci.h), after Serial ATA AHCI
 * 1.3.1: §3.1 and §3.3 (registers), §4.2 (command list, command table,
 * PRDT, received FISes), §6.1-§6.2 (errors and recovery), §10.1.2 and
 * §10.3-§10.4 (bring-up, start/stop, resets); ATA/ATAPI-8 ACS for the
 * commands and the IDENTIFY DEVICE words.
 *
 * Register values and what the HBA writes to memory (PRDBC, IDENTIFY
 * data) are read once, checked, and only then used: a bit that names a
 * slot is masked with the slots we issued before it indexes anything.
 */
#include "ahci.h"
#include "errno.h"

#ifdef BULKHEAD_HOST
#include <string.h>
#else
#include "dom.h"
#endif

_Static_assert(sizeof(struct ahci_fis_h2d) == 20, "Register H2D FIS is 5 dwords");
_Static_assert(sizeof(struct ahci_cmd_hdr) == 32, "command header is 32 bytes (§4.2.2)");
_Static_assert(sizeof(struct ahci_prd) == 16, "PRD entry is 16 bytes (§4.2.3.3)");
_Static_assert(offsetof(struct ahci_cmd_table, acmd) == 0x40, "ACMD at 40h (§4.2.3)");
_Static_assert(offsetof(struct ahci_cmd_table, prdt) == 0x80, "PRDT at 80h (§4.2.3)");

#define ALL_ONES 0xffffffffu		/* what a vanished device reads as */
#define STEP_US 100u			/* one poll interval */
#define ENGINE_MS 500u			/* §10.1.2: CR and FR follow ST and FRE within 500 ms */
#define RESET_MS 1000u			/* §10.4.3: GHC.HR clears within 1 s */
#define LINK_MS 1000u			/* the link after COMRESET */
#define LIMIT32 0xffffffffull
#define FIS_DWORDS 5u			/* CFL of a Register H2D FIS */
#define SECTOR 512u

enum dir { DIR_NONE, DIR_IN, DIR_OUT };

static uint32_t slot_mask(unsigned n)
{
	return n >= 32 ? ALL_ONES : (1u << n) - 1;
}

static int fail(struct ahci_port *p, int rc, const char *why)
{
	p->why = why;
	return rc;
}

/* One more poll interval, if the budget of ms milliseconds allows it. */
static bool tick(const struct ahci_ops *o, uint64_t *i, uint32_t ms)
{
	if (*i >= (uint64_t)ms * (1000 / STEP_US) || o->wait(o->ctx, STEP_US))
		return false;
	(*i)++;
	return true;
}

/* Poll off until (value & mask) == want; all ones never matches. */
static int wait_reg(const struct ahci_ops *o, uint32_t off, uint32_t mask, uint32_t want,
		    uint32_t ms)
{
	for (uint64_t i = 0;;) {
		uint32_t v = o->read32(o->ctx, off);

		if (v != ALL_ONES && (v & mask) == want)
			return 0;
		if (!tick(o, &i, ms))
			return -ETIMEDOUT;
	}
}

static uint32_t rd(struct ahci_port *p, uint32_t reg)
{
	return p->ops->read32(p->ops->ctx, p->base + reg);
}

static void wr(struct ahci_port *p, uint32_t reg, uint32_t v)
{
	p->ops->write32(p->ops->ctx, p->base + reg, v);
}

/* PxCMD with new bits; ICC written 0 so no power-state change is asked (§3.3.7). */
static void wr_cmd(struct ahci_port *p, uint32_t cmd)
{
	wr(p, AHCI_PxCMD, cmd & ~AHCI_CMD_ICC);
}

void ahci_cap_decode(uint32_t cap, struct ahci_cap *c)
{
	/* §3.1.1: NP 4:0 and NCS 12:8, both 0-based. */
	c->ports = (cap & 0x1f) + 1;
	c->slots = (cap >> 8 & 0x1f) + 1;
	c->addr64 = cap & AHCI_CAP_S64A;
	c->ncq = cap & AHCI_CAP_SNCQ;
	c->staggered = cap & AHCI_CAP_SSS;
	c->clo = cap & AHCI_CAP_SCLO;
	c->ahci_only = cap & AHCI_CAP_SAM;
}

int ahci_hba_enable(const struct ahci_ops *o)
{
	uint32_t ghc = o->read32(o->ctx, AHCI_GHC);

	if (ghc == ALL_ONES)
		return -EIO;
	/* AE alone first: some HBAs ignore other GHC bits until it is set (§3.1.2). */
	if (!(ghc & AHCI_GHC_AE))
		o->write32(o->ctx, AHCI_GHC, (ghc & ~AHCI_GHC_HR) | AHCI_GHC_AE);
	ghc = o->read32(o->ctx, AHCI_GHC);
	return ghc != ALL_ONES && (ghc & AHCI_GHC_AE) ? 0 : -EIO;
}

int ahci_hba_reset(const struct ahci_ops *o)
{
	int rc = ahci_hba_enable(o);

	if (rc)
		return rc;
	/* §10.4.3: HR resets every port and GHC; it reads 1 until done. */
	o->write32(o->ctx, AHCI_GHC, AHCI_GHC_AE | AHCI_GHC_HR);
	rc = wait_reg(o, AHCI_GHC, AHCI_GHC_HR, 0, RESET_MS);
	if (rc)
		return rc;
	return ahci_hba_enable(o);	/* HR cleared AE unless CAP.SAM */
}

bool ahci_ssts_present(uint32_t ssts)
{
	return ssts != ALL_ONES && AHCI_SSTS_DET(ssts) == 3 && AHCI_SSTS_IPM(ssts) == 1;
}

enum ahci_class ahci_sig_class(uint32_t sig)
{
	if (sig == ALL_ONES)		/* no signature FIS yet */
		return AHCI_DEV_NONE;
	return sig == AHCI_SIG_ATA ? AHCI_DEV_ATA : sig == AHCI_SIG_ATAPI ? AHCI_DEV_ATAPI
									: AHCI_DEV_OTHER;
}

int ahci_port_init(struct ahci_port *p, const struct ahci_ops *ops, unsigned n, uint32_t cap,
		   uint32_t pi, struct ahci_cmd_hdr *list, uint64_t list_phys, uint64_t fis_phys)
{
	struct ahci_cap c;
	uint64_t lim;

	ahci_cap_decode(cap, &c);
	lim = c.addr64 ? UINT64_MAX : LIMIT32;
	if (!ops || !ops->read32 || !ops->write32 || !ops->wait || !list || n >= 32 ||
	    !(pi >> n & 1) || !list_phys || !fis_phys || (list_phys & (AHCI_CLB_ALIGN - 1)) ||
	    (fis_phys & (AHCI_FB_ALIGN - 1)) || list_phys > lim - (AHCI_CLB_ALIGN - 1) ||
	    fis_phys > lim - (AHCI_FIS_AREA - 1))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	memset(list, 0, c.slots * sizeof(*list));
	p->ops = ops;
	p->base = AHCI_PORT(n);
	p->nslots = c.slots;
	p->addr64 = c.addr64;
	p->list = list;
	p->list_phys = list_phys;
	p->fis_phys = fis_phys;
	return 0;
}

int ahci_port_stop(struct ahci_port *p, bool fis)
{
	uint32_t cmd = rd(p, AHCI_PxCMD);

	if (cmd == ALL_ONES)
		return fail(p, -EIO, "port reads all ones");
	if (p->issued)
		return fail(p, -EBUSY, "commands outstanding");
	p->running = false;
	/* §10.1.2, §10.3.2: clear ST, wait for CR; only then FRE, wait for FR. */
	if (cmd & (AHCI_CMD_ST | AHCI_CMD_CR)) {
		wr_cmd(p, cmd & ~AHCI_CMD_ST);
		if (wait_reg(p->ops, p->base + AHCI_PxCMD, AHCI_CMD_CR, 0, ENGINE_MS))
			return fail(p, -ETIMEDOUT, "PxCMD.CR stays set");
		cmd = rd(p, AHCI_PxCMD);
	}
	if (fis && (cmd & (AHCI_CMD_FRE | AHCI_CMD_FR))) {
		wr_cmd(p, cmd & ~(AHCI_CMD_FRE | AHCI_CMD_ST));
		if (wait_reg(p->ops, p->base + AHCI_PxCMD, AHCI_CMD_FR, 0, ENGINE_MS))
			return fail(p, -ETIMEDOUT, "PxCMD.FR stays set");
	}
	return 0;
}

/* FIS receive on our area: program it unless it already runs there. */
static int fis_on(struct ahci_port *p, uint32_t cmd)
{
	uint32_t clb = (uint32_t)p->list_phys, clbu = (uint32_t)(p->list_phys >> 32);
	uint32_t fb = (uint32_t)p->fis_phys, fbu = (uint32_t)(p->fis_phys >> 32);

	if (cmd & AHCI_CMD_FRE) {
		/* Firmware may have left FIS receive on into its own memory. */
		if (rd(p, AHCI_PxCLB) != clb || rd(p, AHCI_PxCLBU) != clbu ||
		    rd(p, AHCI_PxFB) != fb || rd(p, AHCI_PxFBU) != fbu)
			return fail(p, -EBUSY, "FIS receive runs on another area");
	} else if (cmd & AHCI_CMD_FR) {
		return fail(p, -EBUSY, "FIS receive still stopping");
	} else {
		/* §10.1.2: addresses, then clear PxSERR, then FRE. SUD spins
		 * the device up under staggered spin-up (CAP.SSS). */
		wr(p, AHCI_PxCLB, clb);
		wr(p, AHCI_PxCLBU, clbu);
		wr(p, AHCI_PxFB, fb);
		wr(p, AHCI_PxFBU, fbu);
		wr(p, AHCI_PxSERR, ALL_ONES);
		wr(p, AHCI_PxIS, ALL_ONES);
		wr_cmd(p, cmd | AHCI_CMD_FRE | AHCI_CMD_SUD | AHCI_CMD_POD);
	}
	if (wait_reg(p->ops, p->base + AHCI_PxCMD, AHCI_CMD_FR, AHCI_CMD_FR, ENGINE_MS))
		return fail(p, -ETIMEDOUT, "PxCMD.FR stays clear");
	return 0;
}

/* §10.3.1: ST only with a device present and BSY, DRQ clear (its signature FIS arrived). */
static int wait_device(struct ahci_port *p, uint32_t ms)
{
	for (uint64_t i = 0;;) {
		bool present = ahci_ssts_present(rd(p, AHCI_PxSSTS));
		uint32_t tfd = rd(p, AHCI_PxTFD);

		if (present && tfd != ALL_ONES && !(tfd & (AHCI_TFD_BSY | AHCI_TFD_DRQ)))
			return 0;
		if (!tick(p->ops, &i, ms))
			return present ? fail(p, -ETIMEDOUT, "device stays busy")
				       : fail(p, -ENODEV, "no device");
	}
}

int ahci_port_start(struct ahci_port *p, uint32_t ie, uint32_t ready_ms)
{
	uint32_t cmd = rd(p, AHCI_PxCMD);
	int rc;

	if (cmd == ALL_ONES)
		return fail(p, -EIO, "port reads all ones");
	if ((cmd & (AHCI_CMD_ST | AHCI_CMD_CR)) || p->issued)
		return fail(p, -EBUSY, "command engine running");
	rc = fis_on(p, cmd);
	if (!rc)
		rc = wait_device(p, ready_ms);
	if (rc)
		return rc;
	/* Link bring-up leaves PxSERR bits; clear them and stale status first. */
	wr(p, AHCI_PxSERR, ALL_ONES);
	wr(p, AHCI_PxIS, ALL_ONES);
	wr(p, AHCI_PxIE, ie);
	wr_cmd(p, rd(p, AHCI_PxCMD) | AHCI_CMD_ST);
	if (wait_reg(p->ops, p->base + AHCI_PxCMD, AHCI_CMD_CR, AHCI_CMD_CR, ENGINE_MS))
		return fail(p, -ETIMEDOUT, "PxCMD.CR stays clear");
	p->running = true;
	p->needs_reset = false;
	p->why = NULL;
	return 0;
}

int ahci_port_comreset(struct ahci_port *p)
{
	uint32_t cmd = rd(p, AHCI_PxCMD), sctl;

	if (cmd == ALL_ONES)
		return fail(p, -EIO, "port reads all ones");
	/* §3.3.11: DET may be set to 1 only while ST is 0. */
	if (cmd & (AHCI_CMD_ST | AHCI_CMD_CR))
		return fail(p, -EBUSY, "COMRESET with the engine running");
	/* Keep SPD; IPM = 3 forbids partial and slumber, so a present
	 * device stays at IPM 1. DET = 1 for at least 1 ms (§10.4.2). */
	sctl = (rd(p, AHCI_PxSCTL) & 0xf0) | 0x300;
	wr(p, AHCI_PxSCTL, sctl | 1);
	(void)p->ops->wait(p->ops->ctx, 1000);	/* DET must go back to 0 whatever it says */
	wr(p, AHCI_PxSCTL, sctl);
	if (wait_reg(p->ops, p->base + AHCI_PxSSTS, 0xf, 3, LINK_MS))
		return fail(p, -ENODEV, "no link after COMRESET");
	wr(p, AHCI_PxSERR, ALL_ONES);
	return 0;
}

int ahci_port_recover(struct ahci_port *p, uint32_t ie, uint32_t ready_ms)
{
	uint32_t tfd;
	int rc = ahci_port_stop(p, false);

	if (rc)
		return rc;
	/* §6.2.2.1: with ST clear, clear PxSERR and PxIS; a device still
	 * BSY or DRQ needs a COMRESET before ST may be set again. */
	wr(p, AHCI_PxSERR, ALL_ONES);
	wr(p, AHCI_PxIS, ALL_ONES);
	tfd = rd(p, AHCI_PxTFD);
	if (tfd == ALL_ONES || (tfd & (AHCI_TFD_BSY | AHCI_TFD_DRQ))) {
		rc = ahci_port_comreset(p);
		if (rc)
			return rc;
	}
	return ahci_port_start(p, ie, ready_ms);
}

enum ahci_class ahci_port_class(struct ahci_port *p)
{
	if (!ahci_ssts_present(rd(p, AHCI_PxSSTS)))
		return AHCI_DEV_NONE;
	return ahci_sig_class(rd(p, AHCI_PxSIG));
}

static void fis_start(struct ahci_fis_h2d *f, uint8_t command)
{
	memset(f, 0, sizeof(*f));
	f->type = AHCI_FIS_H2D;
	f->flags = AHCI_FIS_C;		/* the command register, not device control */
	f->command = command;
}

void ahci_fis_identify(struct ahci_fis_h2d *f)
{
	fis_start(f, ATA_CMD_IDENTIFY);
}

int ahci_fis_rw(struct ahci_fis_h2d *f, bool write, uint64_t lba, uint32_t count, bool lba48)
{
	uint64_t limit = lba48 ? ATA_LBA48_SECTORS : ATA_LBA28_SECTORS;
	uint32_t max = lba48 ? 65536 : 256;

	if (count == 0 || count > max || lba >= limit || count > limit - lba)
		return -EINVAL;
	if (lba48)
		fis_start(f, write ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_READ_DMA_EXT);
	else
		fis_start(f, write ? ATA_CMD_WRITE_DMA : ATA_CMD_READ_DMA);
	f->lba0 = (uint8_t)lba;
	f->lba1 = (uint8_t)(lba >> 8);
	f->lba2 = (uint8_t)(lba >> 16);
	f->count_lo = (uint8_t)count;	/* 256 / 65536 encode as 0 */
	if (lba48) {
		f->lba3 = (uint8_t)(lba >> 24);
		f->lba4 = (uint8_t)(lba >> 32);
		f->lba5 = (uint8_t)(lba >> 40);
		f->count_hi = (uint8_t)(count >> 8);
		f->device = ATA_DEV_LBA;
	} else {
		f->device = (uint8_t)(ATA_DEV_LBA | (lba >> 24 & 0xf));	/* LBA 27:24 */
	}
	return 0;
}

void ahci_fis_flush(struct ahci_fis_h2d *f, bool lba48)
{
	fis_start(f, lba48 ? ATA_CMD_FLUSH_EXT : ATA_CMD_FLUSH);
}

int ahci_fis_trim(struct ahci_fis_h2d *f, uint32_t blocks)
{
	/* ACS-2 DATA SET MANAGEMENT: FEATURE bit 0 = TRIM, COUNT = 512-byte
	 * blocks of range entries (0 reserved), device bit 6 set. */
	if (blocks == 0 || blocks > 0xffff)
		return -EINVAL;
	fis_start(f, ATA_CMD_DSM);
	f->feature_lo = 1;
	f->count_lo = (uint8_t)blocks;
	f->count_hi = (uint8_t)(blocks >> 8);
	f->device = ATA_DEV_LBA;
	return 0;
}

int ahci_trim_range(uint64_t *entry, uint64_t lba, uint32_t sectors)
{
	/* ACS-2 LBA Range Entry: LBA 47:0, range length 63:48. */
	if (sectors == 0 || sectors > 0xffff || lba >= ATA_LBA48_SECTORS ||
	    sectors > ATA_LBA48_SECTORS - lba)
		return -EINVAL;
	*entry = lba | (uint64_t)sectors << 48;
	return 0;
}

int ahci_prdt_build(struct ahci_prd *prdt, unsigned cap, const struct ahci_seg *seg,
		    unsigned nseg, bool addr64, bool irq_last, uint32_t *bytes)
{
	uint64_t lim = addr64 ? UINT64_MAX : LIMIT32, total = 0, need = 0;
	unsigned n = 0;

	if (nseg == 0 || !seg)
		return -EINVAL;
	for (unsigned i = 0; i < nseg; i++) {
		/* DBA bit 0 is reserved and DBC bit 0 must be 1: even both (§4.2.3.3). */
		if (seg[i].len == 0 || (seg[i].len & 1) || (seg[i].phys & 1) ||
		    seg[i].phys > lim - (seg[i].len - 1))
			return -EINVAL;
		total += seg[i].len;
		need += (seg[i].len + (uint64_t)AHCI_PRD_MAX_BYTES - 1) / AHCI_PRD_MAX_BYTES;
	}
	if (total > UINT32_MAX)
		return -EINVAL;		/* PRDBC could not count it */
	if (need > cap || need > AHCI_PRDT_MAX)
		return -E2BIG;
	for (unsigned i = 0; i < nseg; i++) {
		for (uint32_t off = 0; off < seg[i].len; n++) {
			uint32_t len = seg[i].len - off;
			uint64_t a = seg[i].phys + off;

			if (len > AHCI_PRD_MAX_BYTES)
				len = AHCI_PRD_MAX_BYTES;
			prdt[n].dba = (uint32_t)a;
			prdt[n].dbau = (uint32_t)(a >> 32);
			prdt[n].rsvd = 0;
			prdt[n].dbc = len - 1;
			off += len;
		}
	}
	if (irq_last)
		prdt[n - 1].dbc |= AHCI_PRD_I;
	*bytes = (uint32_t)total;
	return (int)n;
}

int ahci_cmd_header(struct ahci_cmd_hdr *h, unsigned cfl, bool write, bool atapi,
		    unsigned prdtl, uint64_t ctba, bool addr64)
{
	uint64_t size = AHCI_TABLE_SIZE(prdtl);

	if (cfl < 2 || cfl > 16 || prdtl > AHCI_PRDT_MAX || !ctba ||
	    (ctba & (AHCI_CTBA_ALIGN - 1)) || (!addr64 && ctba > LIMIT32 - (size - 1)) ||
	    ctba > UINT64_MAX - (size - 1))
		return -EINVAL;
	memset(h, 0, sizeof(*h));	/* PRDBC 0; R, B, C, PMP 0 */
	h->dw0 = cfl | (atapi ? AHCI_HDR_A : 0) | (write ? AHCI_HDR_W : 0) | (uint32_t)prdtl << 16;
	h->ctba = (uint32_t)ctba;
	h->ctbau = (uint32_t)(ctba >> 32);
	return 0;
}

int ahci_slot_alloc(struct ahci_port *p)
{
	uint32_t free = ~p->allocated & slot_mask(p->nslots);
	int slot;

	if (p->needs_reset)
		return -EIO;
	if (!free)
		return fail(p, -EAGAIN, "all slots busy");
	slot = __builtin_ctz(free);
	p->allocated |= 1u << slot;
	return slot;
}

int ahci_slot_free(struct ahci_port *p, unsigned slot)
{
	if (slot >= p->nslots || !(p->allocated >> slot & 1) || (p->issued >> slot & 1))
		return fail(p, -EINVAL, "slot not allocated, or issued");
	p->allocated &= ~(1u << slot);
	p->ready &= ~(1u << slot);
	return 0;
}

/* The commands we build: their data direction and what their COUNT counts. */
enum count { CNT_NONE, CNT_PAGE, CNT_LBA28, CNT_LBA48, CNT_BLOCKS };
static const struct {
	uint8_t command, dir, count;
} commands[] = {
	{ ATA_CMD_IDENTIFY, DIR_IN, CNT_PAGE },
	{ ATA_CMD_READ_DMA_EXT, DIR_IN, CNT_LBA48 },
	{ ATA_CMD_READ_DMA, DIR_IN, CNT_LBA28 },
	{ ATA_CMD_WRITE_DMA_EXT, DIR_OUT, CNT_LBA48 },
	{ ATA_CMD_WRITE_DMA, DIR_OUT, CNT_LBA28 },
	{ ATA_CMD_DSM, DIR_OUT, CNT_BLOCKS },
	{ ATA_CMD_FLUSH, DIR_NONE, CNT_NONE },
	{ ATA_CMD_FLUSH_EXT, DIR_NONE, CNT_NONE },
};

/* The bytes the device will move for this FIS: the PRDT must cover exactly that. */
static bool length_ok(const struct ahci_port *p, unsigned kind, const struct ahci_fis_h2d *f,
		      uint32_t bytes)
{
	uint32_t count = f->count_lo | (uint32_t)f->count_hi << 8;

	if (kind == CNT_NONE || kind == CNT_PAGE)
		return bytes == (kind == CNT_PAGE ? SECTOR : 0);
	if (kind == CNT_BLOCKS)
		return count && bytes == count * SECTOR;
	/* A count of 0 is 256 sectors (28-bit) or 65536 (EXT). */
	if (kind == CNT_LBA28)
		count = f->count_lo ? f->count_lo : 256;
	else if (!count)
		count = 65536;
	if (p->sector_size)
		return (uint64_t)count * p->sector_size == bytes;
	return bytes % SECTOR == 0;
}

int ahci_cmd_prepare(struct ahci_port *p, unsigned slot, struct ahci_cmd_table *t,
		     uint64_t t_phys, unsigned prdt_cap, const struct ahci_fis_h2d *fis,
		     const struct ahci_seg *seg, unsigned nseg)
{
	unsigned c = 0, nc = sizeof(commands) / sizeof(commands[0]);
	struct ahci_cmd_hdr h;
	uint32_t bytes = 0;
	int n = 0;

	if (p->needs_reset)
		return -EIO;
	if (slot >= p->nslots || !(p->allocated >> slot & 1) || (p->issued >> slot & 1) || !t)
		return fail(p, -EINVAL, "slot not allocated, or issued");
	while (fis && c < nc && commands[c].command != fis->command)
		c++;
	if (c == nc || !fis || fis->type != AHCI_FIS_H2D || !(fis->flags & AHCI_FIS_C) ||
	    (commands[c].dir == DIR_NONE) != (nseg == 0))
		return fail(p, -EINVAL, "not a command we build");
	if (nseg)
		n = ahci_prdt_build(t->prdt, prdt_cap, seg, nseg, p->addr64, false, &bytes);
	if (n < 0)
		return fail(p, n, "bad data segments");
	if (!length_ok(p, commands[c].count, fis, bytes))
		return fail(p, -EINVAL, "data length does not match the command");
	if (ahci_cmd_header(&h, FIS_DWORDS, commands[c].dir == DIR_OUT, false, (unsigned)n, t_phys,
			    p->addr64))
		return fail(p, -EINVAL, "bad command table address");
	memset(t, 0, sizeof(*t));
	memcpy(t->cfis, fis, sizeof(*fis));
	p->list[slot] = h;
	p->expect[slot] = bytes;
	p->ready |= 1u << slot;
	return 0;
}

int ahci_slot_issue(struct ahci_port *p, unsigned slot)
{
	if (p->needs_reset || !p->running)
		return fail(p, -EIO, p->needs_reset ? p->why : "port not started");
	if (slot >= p->nslots || !(p->ready >> slot & 1) || (p->issued >> slot & 1))
		return fail(p, -EINVAL, "slot not prepared, or issued");
	p->issued |= 1u << slot;
	wr(p, AHCI_PxCI, 1u << slot);	/* zeros in PxCI writes change nothing (§3.3.14) */
	return 0;
}

static void release(struct ahci_port *p, uint32_t mask)
{
	p->allocated &= ~mask;
	p->ready &= ~mask;
	p->issued &= ~mask;
}

/* Every issued slot fails; the port must be recovered before reuse. */
static int fail_all(struct ahci_port *p, struct ahci_done *d, const char *why)
{
	memset(d, 0, sizeof(*d));
	d->failed = p->issued;
	release(p, p->issued);
	p->needs_reset = true;
	p->why = why;
	return -EIO;
}

/*
 * The error rule: PxIS in AHCI_IS_ERRORS (TFES is set when a FIS with ERR
 * arrives, §6.1.2), or TFD.ERR in a FIS that arrived since the last
 * snapshot (PxIS.DHRS/PSS/SDBS) with BSY clear (under BSY the other status
 * bits mean nothing). A stale ERR left from an error already recovered
 * must not fail the next command before its own FIS arrives.
 */
static bool snapshot_error(uint32_t is, uint32_t tfd)
{
	bool fresh = is & (AHCI_IS_DHRS | AHCI_IS_PSS | AHCI_IS_SDBS);

	return (is & AHCI_IS_ERRORS) || (fresh && (tfd & (AHCI_TFD_BSY | AHCI_TFD_ERR)) == AHCI_TFD_ERR);
}

int ahci_port_complete(struct ahci_port *p, uint32_t ci, uint32_t is, uint32_t tfd,
		       struct ahci_done *d)
{
	volatile const struct ahci_cmd_hdr *list = p->list;
	uint32_t done = p->issued & ~ci;

	memset(d, 0, sizeof(*d));
	if (p->needs_reset)
		return -EIO;
	/* Check the whole snapshot before it changes anything. */
	if (ci & ~p->issued) {
		p->hostile++;
		return fail_all(p, d, "PxCI shows a slot never issued");
	}
	for (uint32_t m = done; m; m &= m - 1) {
		unsigned s = (unsigned)__builtin_ctz(m);
		uint32_t n = list[s].prdbc;	/* read once: the HBA writes it */

		if (n > p->expect[s]) {
			p->hostile++;
			return fail_all(p, d, "PRDBC beyond the transfer");
		}
		d->bytes[s] = n;
	}
	d->ok = done;
	release(p, done);
	if (snapshot_error(is, tfd)) {
		/* §6.2.2: the HBA stopped; what is still in PxCI did not complete. */
		p->errors++;
		d->failed = p->issued;
		release(p, p->issued);
		p->needs_reset = true;
		p->why = is & (AHCI_IS_HBFS | AHCI_IS_HBDS) ? "host bus error"
			 : is & (AHCI_IS_IFS | AHCI_IS_PRCS | AHCI_IS_OFS) ? "interface error"
			 : "task-file error";
		return -EIO;
	}
	return 0;
}

int ahci_port_poll(struct ahci_port *p, struct ahci_done *d)
{
	uint32_t is = rd(p, AHCI_PxIS), ci, tfd;

	/* Clear PxIS before reading PxCI: a completion after the read raises it again. */
	wr(p, AHCI_PxIS, is);
	ci = rd(p, AHCI_PxCI);
	tfd = rd(p, AHCI_PxTFD);
	return ahci_port_complete(p, ci, is, tfd, d);
}

void ahci_port_abort(struct ahci_port *p, struct ahci_done *d)
{
	fail_all(p, d, "aborted");
}

static uint16_t word(const uint8_t *b, unsigned i)
{
	return (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
}

/* ATA strings hold two characters a word, the first in the high byte (ACS: ATA string convention). */
static void ata_string(const uint8_t *b, unsigned first, unsigned words, char *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < words; i++) {
		uint16_t w = word(b, first + i);
		uint8_t c[2] = { (uint8_t)(w >> 8), (uint8_t)w };

		for (unsigned k = 0; k < 2; k++)
			out[n++] = c[k] == 0 ? ' ' : c[k] < 0x20 || c[k] > 0x7e ? '?' : (char)c[k];
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

/* Sectors and sector sizes from words 60-61 or 100-103, 106, 117-118. */
static int identify_geometry(const uint8_t *b, bool lba48, struct ahci_identify *id)
{
	uint16_t w106 = word(b, 106);
	bool v106 = (w106 & 0xc000) == 0x4000;	/* bits 15:14 = 01: the word is valid */
	uint64_t sectors, limit = lba48 ? ATA_LBA48_SECTORS : ATA_LBA28_SECTORS - 1;
	uint32_t size = SECTOR;

	if (lba48)
		sectors = word(b, 100) | (uint64_t)word(b, 101) << 16 |
			  (uint64_t)word(b, 102) << 32 | (uint64_t)word(b, 103) << 48;
	else
		sectors = word(b, 60) | (uint32_t)word(b, 61) << 16;
	if (sectors == 0 || sectors > limit)
		return -EINVAL;
	if (v106 && (w106 & (1u << 12))) {
		/* Words 117-118: the logical sector in 16-bit words; at most 64 KiB here. */
		uint32_t words = word(b, 117) | (uint32_t)word(b, 118) << 16;

		if (words == 0 || words > 32768 || (words * 2) % SECTOR)
			return -EINVAL;
		size = words * 2;
	}
	id->sectors = sectors;
	id->sector_size = size;
	/* Bit 13: 2^(3:0) logical sectors per physical (at most 2^31 bytes). */
	id->phys_sector_size = v106 && (w106 & (1u << 13)) ? size << (w106 & 0xf) : size;
	return 0;
}

int ahci_identify_parse(const void *page, struct ahci_identify *id)
{
	const uint8_t *b = page;
	uint16_t w82 = word(b, 82), w83 = word(b, 83);
	bool v83 = (w83 & 0xc000) == 0x4000;
	uint8_t sum = 0;
	struct ahci_identify out;

	/* IDENTIFY DEVICE data (ACS Table 'IDENTIFY DEVICE data'): word 0
	 * bit 15 set is not an ATA device. */
	if (word(b, 0) & 0x8000)
		return -EINVAL;
	/* Word 255: signature A5h in 7:0 means a checksum in 15:8 that makes
	 * all 512 bytes sum to 0. */
	for (unsigned i = 0; i < 512; i++)
		sum = (uint8_t)(sum + b[i]);
	if (b[510] == 0xa5 && sum != 0)
		return -EINVAL;
	/* Word 49 bit 9: LBA; we drive no CHS-only device. */
	if (!(word(b, 49) & (1u << 9)))
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.lba48 = v83 && (w83 & (1u << 10));
	if (identify_geometry(b, out.lba48, &out))
		return -EINVAL;
	out.flush = v83 && (w83 & (1u << 12));
	out.flush_ext = v83 && (w83 & (1u << 13));
	out.write_cache = w82 != 0 && w82 != 0xffff && (w82 & (1u << 5));
	out.trim = word(b, 169) & 1;
	out.trim_blocks = word(b, 105) ? word(b, 105) : 1;	/* 0: not reported */
	ata_string(b, 10, 10, out.serial);
	ata_string(b, 23, 4, out.firmware);
	ata_string(b, 27, 20, out.model);
	*id = out;
	return 0;
}

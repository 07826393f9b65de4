/* AHCI ports, commands and completions (blkback/ahci.c) on the host: the
 * exact bytes of each FIS, command header and PRDT entry against the spec,
 * the port start/stop/reset sequences against a simulated HBA register file
 * whose CR/FR/HR/link follow their controls after delays (and one that
 * never lets go), a simulated disk that completes commands out of order
 * across all slots many times, task-file and interface errors, hostile
 * completions, IDENTIFY pages built here, and a fixed-seed fuzz loop of
 * completion snapshots and IDENTIFY pages. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/ahci.h"

static unsigned long long seed = 0x2545f4914f6cdd1dull;

static unsigned rnd(unsigned n)
{
	return (unsigned)(check_rnd(&seed) % n);
}

static void put(uint8_t *b, unsigned off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* ---- the simulated HBA: one port (NPORT) of a 6-port HBA ---- */

#define NPORT 3u
#define PB AHCI_PORT(NPORT)	/* 0x280 */
#define REG(off) fk.r[(off) / 4]
#define PREG(off) REG(PB + (off))
#define CMD_RO (AHCI_CMD_CR | AHCI_CMD_FR)

struct logent {
	uint32_t off, val, cmd, tfd;	/* the write, and PxCMD/PxTFD just before it */
};

static struct fake {
	uint32_t r[0x1100 / 4];
	unsigned cr_delay, fr_delay, hr_delay, link_delay, bsy_delay;	/* ticks */
	unsigned cr_left, fr_left, hr_left, link_left, bsy_left;
	bool link_pending, bsy_pending;
	bool cr_stuck, fr_stuck, hr_stuck, no_link, sam, ae_dead, gone;
	long abort_after;	/* wait() gives up after this many calls; < 0 never */
	unsigned long waits;
	struct logent log[512];
	unsigned nlog;
} fk;

/* Apply every transition whose delay has run out. */
static void settle(void)
{
	uint32_t cmd = PREG(AHCI_PxCMD);

	if (!(cmd & AHCI_CMD_ST) != !(cmd & AHCI_CMD_CR) && !fk.cr_left &&
	    !(fk.cr_stuck && (cmd & AHCI_CMD_CR)))
		cmd ^= AHCI_CMD_CR;
	if (!(cmd & AHCI_CMD_FRE) != !(cmd & AHCI_CMD_FR) && !fk.fr_left && !fk.fr_stuck)
		cmd ^= AHCI_CMD_FR;
	PREG(AHCI_PxCMD) = cmd;
	if ((REG(AHCI_GHC) & AHCI_GHC_HR) && !fk.hr_left && !fk.hr_stuck)
		REG(AHCI_GHC) = fk.sam ? AHCI_GHC_AE : 0;	/* §3.1.2: HR resets GHC */
	if (fk.link_pending && !fk.link_left && !fk.no_link) {
		fk.link_pending = false;
		PREG(AHCI_PxSSTS) = 0x113;	/* IPM 1, SPD 1, DET 3 */
		PREG(AHCI_PxTFD) = 0x80;	/* BSY until the signature FIS */
		fk.bsy_pending = true;
		fk.bsy_left = fk.bsy_delay;
	}
	if (fk.bsy_pending && !fk.bsy_left) {
		fk.bsy_pending = false;
		PREG(AHCI_PxTFD) = 0x50;
		PREG(AHCI_PxSIG) = AHCI_SIG_ATA;
	}
}

static uint32_t f_read(void *ctx, uint32_t off)
{
	CHECK(ctx == &fk && off % 4 == 0 && off < sizeof(fk.r));
	CHECK(off < 0x100 || (off >= PB && off < PB + 0x80));	/* only our port */
	return fk.gone ? 0xffffffffu : fk.r[off / 4];
}

static void f_port_write(uint32_t reg, uint32_t v)
{
	uint32_t old = PREG(reg);

	switch (reg) {
	case AHCI_PxIS:
	case AHCI_PxSERR:
		PREG(reg) = old & ~v;		/* write one to clear */
		break;
	case AHCI_PxCI:
		if (PREG(AHCI_PxCMD) & AHCI_CMD_ST)
			PREG(reg) = old | v;
		break;
	case AHCI_PxCMD:
		v = (old & CMD_RO) | (v & ~CMD_RO);
		if ((v ^ old) & AHCI_CMD_ST)
			fk.cr_left = fk.cr_delay;
		if ((v ^ old) & AHCI_CMD_FRE)
			fk.fr_left = fk.fr_delay;
		if (!(v & AHCI_CMD_ST))
			PREG(AHCI_PxCI) = PREG(AHCI_PxSACT) = 0;	/* §3.3.7 ST */
		PREG(reg) = v;
		break;
	case AHCI_PxSCTL:
		if ((v & 0xf) == 1) {
			PREG(AHCI_PxSSTS) = 0;
			PREG(AHCI_PxTFD) = 0x7f;
			fk.link_pending = fk.bsy_pending = false;
		} else if ((old & 0xf) == 1) {
			fk.link_pending = true;
			fk.link_left = fk.link_delay;
		}
		PREG(reg) = v;
		break;
	case AHCI_PxTFD:
	case AHCI_PxSIG:
	case AHCI_PxSSTS:
		break;
	default:
		PREG(reg) = v;
	}
}

static void f_write(void *ctx, uint32_t off, uint32_t v)
{
	CHECK(ctx == &fk && off % 4 == 0 && off < sizeof(fk.r));
	CHECK(off < 0x100 || (off >= PB && off < PB + 0x80));
	if (fk.nlog < 512)
		fk.log[fk.nlog++] = (struct logent){ off, v, PREG(AHCI_PxCMD), PREG(AHCI_PxTFD) };
	if (off == AHCI_GHC) {
		v &= AHCI_GHC_AE | AHCI_GHC_IE | AHCI_GHC_HR;
		v = fk.ae_dead ? v & ~AHCI_GHC_AE : fk.sam ? v | AHCI_GHC_AE : v;
		if (v & AHCI_GHC_HR)
			fk.hr_left = fk.hr_delay;
		REG(off) = v;
	} else if (off >= PB) {
		f_port_write(off - PB, v);
	}
	settle();
}

/* One tick of simulated time per wait. */
static int f_wait(void *ctx, uint32_t us)
{
	CHECK(ctx == &fk && us > 0);
	fk.waits++;
	if (fk.abort_after >= 0 && fk.waits > (unsigned long)fk.abort_after)
		return 1;
	fk.cr_left -= !!fk.cr_left;
	fk.fr_left -= !!fk.fr_left;
	fk.hr_left -= !!fk.hr_left;
	fk.link_left -= !!fk.link_left;
	fk.bsy_left -= !!fk.bsy_left;
	settle();
	return 0;
}

static const struct ahci_ops ops = { f_read, f_write, f_wait, &fk };

/* 6 ports, 32 slots, 64-bit; our port idle with an ATA disk linked up. */
static void fake_reset(uint32_t ncs)
{
	memset(&fk, 0, sizeof(fk));
	fk.abort_after = -1;
	REG(AHCI_CAP) = 5 | (ncs - 1) << 8 | AHCI_CAP_S64A | AHCI_CAP_SNCQ;
	REG(AHCI_PI) = 0x3f;
	REG(AHCI_VS) = 0x00010301;
	PREG(AHCI_PxSSTS) = 0x113;
	PREG(AHCI_PxTFD) = 0x50;
	PREG(AHCI_PxSIG) = AHCI_SIG_ATA;
}

/* The first log entry from index `from` writing off with (val & mask) == want. */
static int logfind(uint32_t off, uint32_t mask, uint32_t want, int from)
{
	for (int i = from < 0 ? 0 : from; i < (int)fk.nlog; i++)
		if (fk.log[i].off == off && (fk.log[i].val & mask) == want)
			return i;
	return -1;
}

/* ---- memory the HBA sees: CPU addresses double as physical ones ---- */

static struct ahci_cmd_hdr *list;
static uint8_t *fisarea;
static uint64_t phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void port_setup(struct ahci_port *p, uint32_t ncs)
{
	fake_reset(ncs);
	CHECK(ahci_port_init(p, &ops, NPORT, REG(AHCI_CAP), REG(AHCI_PI), list, phys(list),
			     phys(fisarea)) == 0);
	CHECK(p->nslots == ncs && p->base == 0x280 && p->addr64);
}

/* ---- exact bytes ---- */

static void test_fis(void)
{
	struct ahci_fis_h2d f;
	uint8_t w[20];
	uint64_t e;

	/* Byte 0 type 27h, byte 1 C (bit 7), 2 command, 3 features 7:0,
	 * 4-6 LBA 23:0, 7 device, 8-10 LBA 47:24, 11 features 15:8, 12-13
	 * count, 14 ICC, 15 control, 16-19 auxiliary. */
	ahci_fis_identify(&f);
	memset(w, 0, 20);
	put(w, 0, 0xec8027, 3);
	CHECK(memcmp(&f, w, 20) == 0);
	CHECK(ahci_fis_rw(&f, true, 0x123456789abcull, 0x1234, true) == 0);
	memset(w, 0, 20);
	put(w, 0, 0x358027, 3);
	put(w, 4, 0x789abc, 3);
	w[7] = 0x40;
	put(w, 8, 0x123456, 3);
	put(w, 12, 0x1234, 2);
	CHECK(memcmp(&f, w, 20) == 0);
	CHECK(ahci_fis_rw(&f, false, ATA_LBA48_SECTORS - 65536, 65536, true) == 0);
	memset(w, 0, 20);
	put(w, 0, 0x258027, 3);
	put(w, 4, 0xff0000, 3);		/* 2^48 - 2^16 */
	w[7] = 0x40;
	put(w, 8, 0xffffff, 3);
	CHECK(memcmp(&f, w, 20) == 0);	/* count 65536 is 0 */
	/* 28-bit: LBA 27:24 in device 3:0, count 256 is 0. */
	CHECK(ahci_fis_rw(&f, false, 0x9abcdef, 256, false) == 0);
	memset(w, 0, 20);
	put(w, 0, 0xc88027, 3);
	put(w, 4, 0xabcdef, 3);
	w[7] = 0x49;
	CHECK(memcmp(&f, w, 20) == 0);
	CHECK(ahci_fis_rw(&f, true, 7, 1, false) == 0);
	memset(w, 0, 20);
	put(w, 0, 0xca8027, 3);
	w[4] = 7;
	w[7] = 0x40;
	w[12] = 1;
	CHECK(memcmp(&f, w, 20) == 0);
	ahci_fis_flush(&f, true);
	memset(w, 0, 20);
	put(w, 0, 0xea8027, 3);
	CHECK(memcmp(&f, w, 20) == 0);
	ahci_fis_flush(&f, false);
	w[2] = 0xe7;
	CHECK(memcmp(&f, w, 20) == 0);
	/* DSM: feature 01h (TRIM), count in 512-byte blocks, device bit 6. */
	CHECK(ahci_fis_trim(&f, 0x0102) == 0);
	memset(w, 0, 20);
	put(w, 0, 0x01068027, 4);
	w[7] = 0x40;
	put(w, 12, 0x0102, 2);
	CHECK(memcmp(&f, w, 20) == 0);
	CHECK(ahci_trim_range(&e, 0x123456789abcull, 8) == 0 && e == 0x0008123456789abcull);
	CHECK(ahci_trim_range(&e, ATA_LBA48_SECTORS - 0xffff, 0xffff) == 0);
	CHECK(e == 0xffffffffffff0001ull);
	/* Out of range. */
	CHECK(ahci_fis_rw(&f, false, 0, 0, true) == -EINVAL);
	CHECK(ahci_fis_rw(&f, false, 0, 65537, true) == -EINVAL);
	CHECK(ahci_fis_rw(&f, false, 0, 257, false) == -EINVAL);
	CHECK(ahci_fis_rw(&f, false, ATA_LBA48_SECTORS - 1, 2, true) == -EINVAL);
	CHECK(ahci_fis_rw(&f, false, ATA_LBA48_SECTORS, 1, true) == -EINVAL);
	CHECK(ahci_fis_rw(&f, false, ATA_LBA28_SECTORS - 1, 1, false) == 0);
	CHECK(ahci_fis_rw(&f, false, ATA_LBA28_SECTORS - 1, 2, false) == -EINVAL);
	CHECK(ahci_fis_rw(&f, false, UINT64_MAX, 1, true) == -EINVAL);
	CHECK(ahci_fis_trim(&f, 0) == -EINVAL && ahci_fis_trim(&f, 0x10000) == -EINVAL);
	CHECK(ahci_trim_range(&e, 0, 0) == -EINVAL && ahci_trim_range(&e, 0, 0x10000) == -EINVAL);
	CHECK(ahci_trim_range(&e, ATA_LBA48_SECTORS - 1, 2) == -EINVAL);
}

static void test_header(void)
{
	struct ahci_cmd_hdr h;
	uint8_t w[32];

	/* DW0: CFL 4:0, A 5, W 6, PRDTL 31:16; DW1 PRDBC; DW2-3 CTBA; DW4-7 0. */
	memset(&h, 0xee, sizeof(h));
	CHECK(ahci_cmd_header(&h, 5, true, false, 3, 0x123456780ull, true) == 0);
	memset(w, 0, 32);
	put(w, 0, 0x00030045, 4);
	put(w, 8, 0x123456780ull, 8);
	CHECK(memcmp(&h, w, 32) == 0);
	CHECK(ahci_cmd_header(&h, 16, false, true, 0, 0xffffff80ull, false) == 0);
	memset(w, 0, 32);
	put(w, 0, 0x00000030, 4);
	put(w, 8, 0xffffff80ull, 4);
	CHECK(memcmp(&h, w, 32) == 0);
	CHECK(ahci_cmd_header(&h, 2, false, false, AHCI_PRDT_MAX, 0x80, false) == 0);
	CHECK(h.dw0 == 0xffff0002);
	/* Bad CFL, PRDTL, alignment, or a table that crosses 4 GiB without S64A. */
	CHECK(ahci_cmd_header(&h, 1, false, false, 0, 0x1000, false) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 17, false, false, 0, 0x1000, false) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 5, false, false, AHCI_PRDT_MAX + 1, 0x1000, false) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 5, false, false, 1, 0x1040, false) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 5, false, false, 1, 0, true) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 5, false, false, 1, 0x100000000ull, false) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 5, false, false, 1, 0xffffff80ull, false) == -EINVAL);
	CHECK(ahci_cmd_header(&h, 5, false, false, 0, UINT64_MAX - 127, true) == 0);
	CHECK(ahci_cmd_header(&h, 5, false, false, 1, UINT64_MAX - 127, true) == -EINVAL);
}

static void test_prdt(void)
{
	struct ahci_prd *prdt = malloc(4 * sizeof(*prdt));	/* exact: ASan sees overruns */
	struct ahci_seg seg[3] = { { 0x1000, 512 }, { 0x100000000ull, 10u << 20 }, { 0x2002, 2 } };
	uint8_t w[16];
	uint32_t bytes = 0;

	/* 512 B, then 10 MiB split at 4 MiB into 4 + 4 + 2 MiB. */
	CHECK(ahci_prdt_build(prdt, 4, seg, 2, true, true, &bytes) == 4);
	CHECK(bytes == 512 + (10u << 20));
	memset(w, 0, 16);
	put(w, 0, 0x1000, 4);
	put(w, 12, 511, 4);		/* DBC = bytes - 1: bit 0 set */
	CHECK(memcmp(&prdt[0], w, 16) == 0);
	memset(w, 0, 16);
	put(w, 0, 0x100400000ull, 8);
	put(w, 12, 0x3fffff, 4);
	CHECK(memcmp(&prdt[2], w, 16) == 0);
	memset(w, 0, 16);
	put(w, 0, 0x100800000ull, 8);
	put(w, 12, 0x801fffffu, 4);	/* I on the last entry */
	CHECK(memcmp(&prdt[3], w, 16) == 0);
	CHECK(prdt[1].dba == 0 && prdt[1].dbau == 1 && prdt[1].dbc == 0x3fffff);
	CHECK(ahci_prdt_build(prdt, 4, seg, 1, false, false, &bytes) == 1 && bytes == 512);
	CHECK(!(prdt[0].dbc & AHCI_PRD_I));
	/* Refused: no segments, odd length, odd address, zero length, above
	 * 4 GiB or crossing it without S64A, too many entries, 4 GiB total. */
	CHECK(ahci_prdt_build(prdt, 4, seg, 0, true, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 4, &(struct ahci_seg){ 0x1000, 511 }, 1, true, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 4, &(struct ahci_seg){ 0x1001, 512 }, 1, true, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 4, &(struct ahci_seg){ 0x1000, 0 }, 1, true, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 4, seg, 2, false, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 4, &(struct ahci_seg){ 0xfffff000, 0x2000 }, 1, false, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 4, &(struct ahci_seg){ 0xfffff000, 0x1000 }, 1, false, false, &bytes) == 1);
	CHECK(ahci_prdt_build(prdt, 4, &(struct ahci_seg){ UINT64_MAX - 1, 4 }, 1, true, false, &bytes) == -EINVAL);
	CHECK(ahci_prdt_build(prdt, 3, seg, 2, true, false, &bytes) == -E2BIG);
	CHECK(ahci_prdt_build(prdt, 4, seg, 3, true, false, &bytes) == -E2BIG);
	{
		struct ahci_seg big[2] = { { 0x10000000, 0x80000000u }, { 0x90000000ull, 0x80000000u } };
		struct ahci_seg *many = calloc(AHCI_PRDT_MAX + 1, sizeof(*many));
		struct ahci_prd *huge = malloc((AHCI_PRDT_MAX + 1) * sizeof(*huge));

		CHECK(many && huge);
		CHECK(ahci_prdt_build(huge, AHCI_PRDT_MAX + 1, big, 2, true, false, &bytes) == -EINVAL);
		big[1].len = 0x7ffffffe;
		CHECK(ahci_prdt_build(huge, 1024, big, 2, true, false, &bytes) == 1024);
		CHECK(bytes == 0xfffffffeu && huge[1023].dbc == 0x3ffffd);
		for (unsigned i = 0; i <= AHCI_PRDT_MAX; i++)
			many[i] = (struct ahci_seg){ 0x1000 + 2ull * i, 2 };
		CHECK(ahci_prdt_build(huge, AHCI_PRDT_MAX + 1, many, AHCI_PRDT_MAX + 1, true, false, &bytes) == -E2BIG);
		CHECK(ahci_prdt_build(huge, AHCI_PRDT_MAX, many, AHCI_PRDT_MAX, true, false, &bytes) == (int)AHCI_PRDT_MAX);
		CHECK(huge[AHCI_PRDT_MAX - 1].dbc == 1 && bytes == 2 * AHCI_PRDT_MAX);
		free(many);
		free(huge);
	}
	free(prdt);
}

static void test_regs(void)
{
	struct ahci_cap c;

	ahci_cap_decode(0xc720ff05, &c);	/* a 6-port, 32-slot ICH-like CAP */
	CHECK(c.ports == 6 && c.slots == 32 && c.addr64 && c.ncq && !c.staggered && !c.ahci_only);
	ahci_cap_decode(0x0f040700, &c);
	CHECK(c.ports == 1 && c.slots == 8 && !c.addr64 && c.staggered && c.clo && c.ahci_only);
	CHECK(ahci_ssts_present(0x113) && ahci_ssts_present(0x123) && ahci_ssts_present(0x103));
	CHECK(!ahci_ssts_present(0x111) && !ahci_ssts_present(0x613) && !ahci_ssts_present(0x213));
	CHECK(!ahci_ssts_present(0) && !ahci_ssts_present(0x104) && !ahci_ssts_present(0xffffffff));
	CHECK(!ahci_ssts_present(0x013));	/* IPM 0: not established */
	CHECK(ahci_sig_class(0x00000101) == AHCI_DEV_ATA && ahci_sig_class(0xeb140101) == AHCI_DEV_ATAPI);
	CHECK(ahci_sig_class(0xc33c0101) == AHCI_DEV_OTHER && ahci_sig_class(0x96690101) == AHCI_DEV_OTHER);
	CHECK(ahci_sig_class(0xffffffff) == AHCI_DEV_NONE);
	CHECK(AHCI_PORT(0) == 0x100 && AHCI_PORT(31) == 0x1080);
}

/* ---- port sequences against the simulated HBA ---- */

static void test_hba(void)
{
	fake_reset(32);
	CHECK(ahci_hba_enable(&ops) == 0 && (REG(AHCI_GHC) & AHCI_GHC_AE));
	CHECK(fk.nlog == 1 && fk.log[0].val == AHCI_GHC_AE);	/* AE alone */
	CHECK(ahci_hba_enable(&ops) == 0 && fk.nlog == 1);	/* already set: no write */
	/* HR clears after 10 ticks and takes AE with it; enable sets it again. */
	fk.hr_delay = 10;
	CHECK(ahci_hba_reset(&ops) == 0 && REG(AHCI_GHC) == AHCI_GHC_AE);
	CHECK(fk.waits >= 10 && logfind(AHCI_GHC, AHCI_GHC_HR, AHCI_GHC_HR, 0) >= 0);
	CHECK(fk.log[fk.nlog - 1].val == AHCI_GHC_AE);
	/* CAP.SAM: AE reads 1 through the reset. */
	fake_reset(32);
	fk.sam = true;
	CHECK(ahci_hba_reset(&ops) == 0 && REG(AHCI_GHC) == AHCI_GHC_AE);
	/* HR never clears: 1 s of 100 us polls, then -ETIMEDOUT. */
	fake_reset(32);
	fk.hr_stuck = true;
	CHECK(ahci_hba_reset(&ops) == -ETIMEDOUT && fk.waits == 10000);
	/* The caller's wait gives up at once. */
	fake_reset(32);
	fk.hr_stuck = true;
	fk.abort_after = 3;
	CHECK(ahci_hba_reset(&ops) == -ETIMEDOUT && fk.waits == 4);
	/* AE will not stick; the HBA is gone. */
	fake_reset(32);
	fk.ae_dead = true;
	CHECK(ahci_hba_enable(&ops) == -EIO && ahci_hba_reset(&ops) == -EIO);
	fake_reset(32);
	fk.gone = true;
	CHECK(ahci_hba_enable(&ops) == -EIO && fk.nlog == 0);
}

static void test_port_init(void)
{
	struct ahci_port p;
	uint32_t cap32 = 5 | 31u << 8;		/* no S64A */

	fake_reset(32);
	list[3].dw0 = 0xdead;
	CHECK(ahci_port_init(&p, &ops, NPORT, REG(AHCI_CAP), 0x3f, list, 0x400, 0x100) == 0);
	CHECK(list[3].dw0 == 0 && p.nslots == 32 && !p.running && !p.needs_reset);
	CHECK(ahci_port_init(&p, &ops, 6, REG(AHCI_CAP), 0x3f, list, 0x400, 0x100) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 32, REG(AHCI_CAP), ~0u, list, 0x400, 0x100) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 31, REG(AHCI_CAP), 1u << 31, list, 0x400, 0x100) == 0);
	CHECK(p.base == 0x1080);
	CHECK(ahci_port_init(&p, &ops, 0, REG(AHCI_CAP), 1, list, 0x600, 0x100) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 0, REG(AHCI_CAP), 1, list, 0x400, 0x180) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 0, REG(AHCI_CAP), 1, list, 0, 0x100) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 0, REG(AHCI_CAP), 1, NULL, 0x400, 0x100) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 0, cap32, 1, list, 0xfffffc00ull, 0xffffff00ull) == 0);
	CHECK(ahci_port_init(&p, &ops, 0, cap32, 1, list, 0x100000000ull, 0x100) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 0, cap32, 1, list, 0x400, 0x100000000ull) == -EINVAL);
	CHECK(ahci_port_init(&p, &ops, 0, 0, 1, list, 0x400, 0x100) == 0 && p.nslots == 1);
}

/* Start a fresh port with CR/FR/BSY delays: the order of §10.1.2/§10.3.1. */
static void test_start_stop(void)
{
	struct ahci_port p;
	int clb, fb, serr, fre, ie, st, clr_st, clr_fre;

	port_setup(&p, 32);
	fk.cr_delay = 3;
	fk.fr_delay = 5;
	PREG(AHCI_PxTFD) = 0x80;	/* BSY: no signature FIS yet */
	fk.bsy_pending = true;
	fk.bsy_left = 20;
	PREG(AHCI_PxSIG) = 0xffffffff;
	PREG(AHCI_PxSERR) = 0x04050000;
	CHECK(ahci_port_class(&p) == AHCI_DEV_NONE);
	CHECK(ahci_port_start(&p, AHCI_IE_DEFAULT, 100) == 0 && p.running);
	CHECK(ahci_port_class(&p) == AHCI_DEV_ATA);
	clb = logfind(PB + AHCI_PxCLB, ~0u, (uint32_t)phys(list), 0);
	CHECK(logfind(PB + AHCI_PxCLBU, ~0u, (uint32_t)(phys(list) >> 32), 0) >= 0);
	fb = logfind(PB + AHCI_PxFB, ~0u, (uint32_t)phys(fisarea), 0);
	CHECK(logfind(PB + AHCI_PxFBU, ~0u, (uint32_t)(phys(fisarea) >> 32), 0) >= 0);
	serr = logfind(PB + AHCI_PxSERR, ~0u, ~0u, 0);
	fre = logfind(PB + AHCI_PxCMD, AHCI_CMD_FRE | AHCI_CMD_ST, AHCI_CMD_FRE, 0);
	ie = logfind(PB + AHCI_PxIE, ~0u, AHCI_IE_DEFAULT, 0);
	st = logfind(PB + AHCI_PxCMD, AHCI_CMD_ST, AHCI_CMD_ST, 0);
	CHECK(clb >= 0 && fb >= 0 && serr >= 0 && fre >= 0 && ie >= 0 && st >= 0);
	CHECK(clb < fre && fb < fre && serr < fre && fre < ie && ie < st);
	CHECK(fk.log[fre].val & AHCI_CMD_SUD);
	/* ST only once FR ran and the device is not BSY/DRQ (§10.3.1). */
	CHECK((fk.log[st].cmd & (AHCI_CMD_FR | AHCI_CMD_CR)) == AHCI_CMD_FR);
	CHECK(!(fk.log[st].tfd & 0x88) && (fk.log[st].val & AHCI_CMD_FRE));
	CHECK(fk.waits >= 20 && (PREG(AHCI_PxCMD) & AHCI_CMD_CR) && PREG(AHCI_PxSERR) == 0);
	CHECK(PREG(AHCI_PxIE) == AHCI_IE_DEFAULT);
	CHECK(ahci_port_start(&p, 0, 100) == -EBUSY);
	/* Stop: clear ST, wait for CR; only then clear FRE, wait for FR. */
	fk.nlog = 0;
	CHECK(ahci_port_stop(&p, true) == 0 && !p.running);
	clr_st = logfind(PB + AHCI_PxCMD, AHCI_CMD_ST, 0, 0);
	clr_fre = logfind(PB + AHCI_PxCMD, AHCI_CMD_FRE, 0, 0);
	CHECK(clr_st == 0 && (fk.log[clr_st].val & AHCI_CMD_FRE) && clr_fre > clr_st);
	CHECK(!(fk.log[clr_fre].cmd & AHCI_CMD_CR) && !(fk.log[clr_fre].val & AHCI_CMD_ST));
	CHECK((PREG(AHCI_PxCMD) & (AHCI_CMD_ST | AHCI_CMD_CR | AHCI_CMD_FRE | AHCI_CMD_FR)) == 0);
	CHECK(ahci_port_stop(&p, true) == 0 && fk.nlog == 2);	/* idle: no writes */
	/* Engine-only stop keeps FIS receive; a restart does not reprogram it. */
	CHECK(ahci_port_start(&p, 0, 100) == 0);
	CHECK(ahci_port_stop(&p, false) == 0 && (PREG(AHCI_PxCMD) & AHCI_CMD_FR));
	fk.nlog = 0;
	CHECK(ahci_port_start(&p, 0, 100) == 0 && logfind(PB + AHCI_PxCLB, 0, 0, 0) < 0);
	/* ICC is never written. */
	for (unsigned i = 0; i < fk.nlog; i++)
		CHECK(fk.log[i].off != PB + AHCI_PxCMD || !(fk.log[i].val & AHCI_CMD_ICC));
}

static void test_stuck(void)
{
	struct ahci_port p;

	/* CR never clears: 500 ms of polls, -ETIMEDOUT, FRE left alone. */
	port_setup(&p, 32);
	CHECK(ahci_port_start(&p, 0, 10) == 0);
	fk.cr_stuck = true;
	fk.waits = 0;
	CHECK(ahci_port_stop(&p, true) == -ETIMEDOUT && fk.waits == 5000);
	CHECK(strcmp(p.why, "PxCMD.CR stays set") == 0);
	CHECK((PREG(AHCI_PxCMD) & (AHCI_CMD_ST | AHCI_CMD_FRE)) == AHCI_CMD_FRE);
	CHECK(ahci_port_start(&p, 0, 10) == -EBUSY && ahci_port_comreset(&p) == -EBUSY);
	/* ST already clear but CR still set: FRE waits for CR all the same. */
	port_setup(&p, 32);
	PREG(AHCI_PxCMD) = AHCI_CMD_FRE | AHCI_CMD_FR | AHCI_CMD_CR;
	fk.cr_left = 10;
	CHECK(ahci_port_stop(&p, true) == 0 && fk.waits >= 10);
	CHECK(fk.nlog == 2 && !(fk.log[1].cmd & AHCI_CMD_CR) && !(fk.log[1].val & AHCI_CMD_FRE));
	/* FR never follows FRE. */
	port_setup(&p, 32);
	fk.fr_stuck = true;
	CHECK(ahci_port_start(&p, 0, 10) == -ETIMEDOUT && !(PREG(AHCI_PxCMD) & AHCI_CMD_ST));
	/* No device, or one that stays busy: ST is never set. */
	port_setup(&p, 32);
	PREG(AHCI_PxSSTS) = 0x000;
	fk.waits = 0;
	CHECK(ahci_port_start(&p, 0, 20) == -ENODEV && fk.waits == 200);
	CHECK(!(PREG(AHCI_PxCMD) & AHCI_CMD_ST) && ahci_port_class(&p) == AHCI_DEV_NONE);
	port_setup(&p, 32);
	PREG(AHCI_PxTFD) = 0x58;	/* DRQ */
	CHECK(ahci_port_start(&p, 0, 20) == -ETIMEDOUT && !(PREG(AHCI_PxCMD) & AHCI_CMD_ST));
	/* FIS receive left running by firmware on its own area. */
	port_setup(&p, 32);
	PREG(AHCI_PxCMD) = AHCI_CMD_FRE | AHCI_CMD_FR;
	PREG(AHCI_PxCLB) = 0x9000;
	CHECK(ahci_port_start(&p, 0, 20) == -EBUSY);
	CHECK(ahci_port_stop(&p, true) == 0 && ahci_port_start(&p, 0, 20) == 0);
	/* The port vanishes. */
	fk.gone = true;
	CHECK(ahci_port_stop(&p, true) == -EIO && ahci_port_start(&p, 0, 20) == -EIO);
}

static void test_comreset(void)
{
	struct ahci_port p;
	int a, b;

	port_setup(&p, 32);
	PREG(AHCI_PxSCTL) = 0x020;	/* SPD limit 2 is kept */
	fk.link_delay = 7;
	fk.bsy_delay = 30;
	CHECK(ahci_port_comreset(&p) == 0);
	a = logfind(PB + AHCI_PxSCTL, ~0u, 0x321, 0);
	b = logfind(PB + AHCI_PxSCTL, ~0u, 0x320, a);
	CHECK(a >= 0 && b > a && fk.waits >= 7 + 1);
	CHECK(logfind(PB + AHCI_PxSERR, ~0u, ~0u, b) > b);
	/* The device is BSY until its signature FIS: start waits for it. */
	CHECK(PREG(AHCI_PxTFD) & AHCI_TFD_BSY);
	CHECK(ahci_port_start(&p, 0, 100) == 0 && PREG(AHCI_PxTFD) == 0x50);
	CHECK(ahci_port_comreset(&p) == -EBUSY);
	/* No link comes back. */
	CHECK(ahci_port_stop(&p, false) == 0);
	fk.no_link = true;
	CHECK(ahci_port_comreset(&p) == -ENODEV);
}

/* ---- a simulated disk behind the port: executes what PxCI names ---- */

#define DISK_SECTORS 1024u
#define MAX_XFER 16u			/* sectors per command in the simulation */
#define TABLE_CAP 8u			/* PRDT entries per command table */
#define TABLE_BYTES 256u		/* AHCI_TABLE_SIZE(8), 128-byte aligned */

static uint8_t *disk;			/* the device's medium */
static uint8_t identify_page[512];
static struct ahci_cmd_table *tables[AHCI_SLOTS];
static uint8_t *bufs[AHCI_SLOTS];

/* Gather or scatter n bytes through a PRDT, as the HBA's DMA engine would. */
static uint32_t dev_dma(const struct ahci_prd *prdt, unsigned prdtl, uint8_t *media, bool to_mem)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < prdtl; i++) {
		uint8_t *mem = (uint8_t *)(uintptr_t)(prdt[i].dba | (uint64_t)prdt[i].dbau << 32);
		uint32_t n = (prdt[i].dbc & 0x3fffff) + 1;

		CHECK(!(n & 1) && !(prdt[i].dba & 1) && prdt[i].rsvd == 0);
		if (to_mem)
			memcpy(mem, media + done, n);
		else
			memcpy(media + done, mem, n);
		done += n;
	}
	return done;
}

/* Execute the command in slot s from the registers and memory alone. */
static void dev_exec(unsigned s)
{
	const struct ahci_cmd_hdr *l = (void *)(uintptr_t)(PREG(AHCI_PxCLB) |
							  (uint64_t)PREG(AHCI_PxCLBU) << 32);
	struct ahci_cmd_hdr *h = (struct ahci_cmd_hdr *)&l[s];
	const struct ahci_cmd_table *t = (void *)(uintptr_t)(h->ctba | (uint64_t)h->ctbau << 32);
	const struct ahci_fis_h2d *f = (const void *)t->cfis;
	unsigned prdtl = h->dw0 >> 16;
	bool w = h->dw0 & AHCI_HDR_W;
	uint64_t lba = f->lba0 | f->lba1 << 8 | (uint64_t)f->lba2 << 16 |
		       (uint64_t)f->lba3 << 24 | (uint64_t)f->lba4 << 32 | (uint64_t)f->lba5 << 40;
	uint32_t count = f->count_lo | f->count_hi << 8, moved = 0;

	CHECK((h->dw0 & 0x1f) == 5 && !(h->dw0 & AHCI_HDR_A) && (h->ctba & 127) == 0);
	CHECK(f->type == 0x27 && f->flags == 0x80 && h->prdbc == 0);
	switch (f->command) {
	case ATA_CMD_IDENTIFY:
		CHECK(!w && prdtl >= 1);
		moved = dev_dma(t->prdt, prdtl, identify_page, true);
		CHECK(moved == 512);
		break;
	case ATA_CMD_READ_DMA_EXT:
	case ATA_CMD_WRITE_DMA_EXT:
		CHECK(w == (f->command == ATA_CMD_WRITE_DMA_EXT) && f->device == 0x40);
		CHECK(count && lba + count <= DISK_SECTORS);
		moved = dev_dma(t->prdt, prdtl, disk + lba * 512, !w);
		CHECK(moved == count * 512);
		break;
	case ATA_CMD_FLUSH_EXT:
		CHECK(!w && prdtl == 0);
		break;
	default:
		CHECK(0);
	}
	h->prdbc = moved;
	PREG(AHCI_PxCI) &= ~(1u << s);
	PREG(AHCI_PxIS) |= AHCI_IS_DHRS;
	PREG(AHCI_PxTFD) = 0x50;
}

/* Complete up to k of the issued commands, in random order. */
static void dev_run(unsigned k)
{
	for (; k && PREG(AHCI_PxCI); k--) {
		uint32_t ci = PREG(AHCI_PxCI);
		unsigned s = rnd(32);

		while (!(ci >> s & 1))
			s = (s + 1) % 32;
		dev_exec(s);
	}
}

/* Split n bytes of buf into 1..TABLE_CAP random even-sized segments. */
static unsigned split(uint8_t *buf, uint32_t n, struct ahci_seg *seg)
{
	unsigned k = 1 + rnd(TABLE_CAP), i = 0;
	uint32_t off = 0;

	for (; i < k - 1 && n - off > 2; i++) {
		uint32_t len = 2 * (1 + rnd((n - off) / 2 - 1));

		seg[i] = (struct ahci_seg){ phys(buf + off), len };
		off += len;
	}
	seg[i++] = (struct ahci_seg){ phys(buf + off), n - off };
	return i;
}

/* A 48-bit disk's IDENTIFY page (good): see test_identify for the words. */
static void set_word(uint8_t *b, unsigned w, uint16_t v)
{
	put(b, 2 * w, v, 2);
}

static void set_string(uint8_t *b, unsigned w, unsigned words, const char *s)
{
	size_t n = strlen(s);

	for (unsigned i = 0; i < 2 * words; i++)
		b[2 * w + (i ^ 1)] = (uint8_t)(i < n ? s[i] : ' ');	/* high byte first */
}

static void seal(uint8_t *b)
{
	uint8_t sum = 0xa5;

	for (unsigned i = 0; i < 510; i++)
		sum = (uint8_t)(sum + b[i]);
	b[510] = 0xa5;
	b[511] = (uint8_t)-sum;
}

static void good_page(uint8_t *b, uint64_t sectors)
{
	memset(b, 0, 512);
	set_word(b, 0, 0x0040);
	set_string(b, 10, 10, "SN-0042");
	set_string(b, 23, 4, "FW1.0");
	set_string(b, 27, 20, "Bulkhead Test Disk 1");
	set_word(b, 49, 0x0300);		/* LBA, DMA */
	set_word(b, 60, 0xffff);
	set_word(b, 61, 0x0fff);		/* 28-bit count saturates */
	set_word(b, 82, 0x4020);		/* write cache */
	set_word(b, 83, 0x7400);		/* valid, 48-bit, FLUSH, FLUSH EXT */
	for (unsigned i = 0; i < 4; i++)
		set_word(b, 100 + i, (uint16_t)(sectors >> (16 * i)));
	set_word(b, 105, 8);
	set_word(b, 106, 0x6003);		/* valid, 8 logical per physical */
	set_word(b, 169, 1);			/* TRIM */
	seal(b);
}

struct req {
	bool write, flush;
	uint64_t lba;
	uint32_t count;
	uint8_t data[MAX_XFER * 512];	/* what a write sent */
};
static struct req rqs[AHCI_SLOTS];		/* by slot */
static uint8_t busy_lba[DISK_SECTORS / MAX_XFER];	/* ranges issued commands use */

/* Build and issue one random command in a fresh slot; -EAGAIN when full. */
static int submit(struct ahci_port *p)
{
	struct req *rq;
	struct ahci_fis_h2d f;
	struct ahci_seg seg[TABLE_CAP];
	unsigned nseg = 0;
	int s = ahci_slot_alloc(p);

	if (s < 0)
		return s;
	CHECK(s < (int)p->nslots);
	rq = &rqs[s];
	rq->flush = rnd(16) == 0;
	rq->write = rnd(2);
	rq->count = 1 + rnd(MAX_XFER);
	/* A range no other issued command touches, so data can be checked. */
	do
		rq->lba = rnd(DISK_SECTORS / MAX_XFER) * MAX_XFER;
	while (busy_lba[rq->lba / MAX_XFER]);
	if (rq->flush) {
		ahci_fis_flush(&f, true);
	} else {
		CHECK(ahci_fis_rw(&f, rq->write, rq->lba, rq->count, true) == 0);
		for (unsigned i = 0; rq->write && i < rq->count * 512; i++)
			bufs[s][i] = rq->data[i] = (uint8_t)check_rnd(&seed);
		if (!rq->write)
			memset(bufs[s], 0xcc, MAX_XFER * 512);
		nseg = split(bufs[s], rq->count * 512, seg);
	}
	CHECK(ahci_cmd_prepare(p, (unsigned)s, tables[s], phys(tables[s]), TABLE_CAP, &f, seg,
			       nseg) == 0);
	CHECK(ahci_slot_issue(p, (unsigned)s) == 0);
	CHECK(PREG(AHCI_PxCI) >> s & 1);
	busy_lba[rq->lba / MAX_XFER] = 1;
	return s;
}

/* Check a completed command's data against the medium. */
static void check_done(const struct req *rq, unsigned s, uint32_t bytes)
{
	if (rq->flush) {
		CHECK(bytes == 0);
		return;
	}
	CHECK(bytes == rq->count * 512);
	if (rq->write)
		CHECK(memcmp(disk + rq->lba * 512, rq->data, bytes) == 0);
	else
		CHECK(memcmp(disk + rq->lba * 512, bufs[s], bytes) == 0);
}

/* Many commands through ncs slots, completed out of order. */
static void run_sim(uint32_t ncs, unsigned total)
{
	unsigned per_slot[AHCI_SLOTS] = { 0 }, done = 0, inflight = 0;
	struct ahci_port p;
	struct ahci_done d;

	port_setup(&p, ncs);
	memset(busy_lba, 0, sizeof(busy_lba));
	CHECK(ahci_port_start(&p, AHCI_IE_DEFAULT, 10) == 0);
	p.sector_size = 512;
	while (done < total) {
		for (unsigned k = rnd(ncs + 2); k; k--) {
			int s = submit(&p);

			CHECK(s >= 0 || (s == -EAGAIN && inflight == ncs));
			if (s < 0)
				break;
			inflight++;
		}
		dev_run(rnd(ncs + 1));
		CHECK(ahci_port_poll(&p, &d) == 0 && d.failed == 0 && PREG(AHCI_PxIS) == 0);
		CHECK((d.ok & ~((2ull << (ncs - 1)) - 1)) == 0);
		for (uint32_t m = d.ok; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);

			check_done(&rqs[s], s, d.bytes[s]);
			busy_lba[rqs[s].lba / MAX_XFER] = 0;
			per_slot[s]++;
			inflight--;
			done++;
		}
		CHECK(__builtin_popcount(p.issued) == (int)inflight && p.issued == PREG(AHCI_PxCI));
	}
	for (unsigned s = 0; s < ncs; s++)
		CHECK(per_slot[s] > total / ncs / 4);	/* every slot, many times */
	CHECK(!p.needs_reset && p.hostile == 0 && p.errors == 0);
}

/* A started port of ncs slots with slots 0..n-1 issued. */
static void issue_n(struct ahci_port *p, unsigned n, uint32_t ncs)
{
	port_setup(p, ncs);
	memset(busy_lba, 0, sizeof(busy_lba));
	CHECK(ahci_port_start(p, AHCI_IE_DEFAULT, 10) == 0);
	for (unsigned i = 0; i < n; i++)
		CHECK(submit(p) == (int)i);
}

/* IDENTIFY through a slot, the device's page parsed. */
static void test_identify_cmd(void)
{
	struct ahci_port p;
	struct ahci_fis_h2d f;
	struct ahci_identify id;
	struct ahci_done d;
	uint16_t *page = aligned_alloc(512, 512);
	struct ahci_seg seg = { phys(page), 512 };
	int s;

	good_page(identify_page, 7814037168ull);
	port_setup(&p, 32);
	CHECK(ahci_port_start(&p, 0, 10) == 0);
	s = ahci_slot_alloc(&p);
	CHECK(s == 0);
	ahci_fis_identify(&f);
	/* Not 512 bytes, or no data: refused. */
	seg.len = 1024;
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], phys(tables[0]), TABLE_CAP, &f, &seg, 1) == -EINVAL);
	seg.len = 512;
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], phys(tables[0]), TABLE_CAP, &f, &seg, 0) == -EINVAL);
	CHECK(ahci_slot_issue(&p, 0) == -EINVAL);	/* not prepared */
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], phys(tables[0]), TABLE_CAP, &f, &seg, 1) == 0);
	CHECK(ahci_slot_issue(&p, 0) == 0 && ahci_slot_issue(&p, 0) == -EINVAL);
	CHECK(ahci_slot_free(&p, 0) == -EINVAL);	/* issued */
	CHECK(ahci_port_poll(&p, &d) == 0 && d.ok == 0 && d.failed == 0);
	dev_run(1);
	CHECK(ahci_port_poll(&p, &d) == 0 && d.ok == 1 && d.bytes[0] == 512);
	CHECK(ahci_identify_parse(page, &id) == 0 && id.sectors == 7814037168ull);
	CHECK(strcmp(id.model, "Bulkhead Test Disk 1") == 0);
	CHECK(p.allocated == 0 && p.ready == 0 && p.issued == 0);
	free(page);
}

/* What prepare refuses, and slot bookkeeping. */
static void test_prepare(void)
{
	struct ahci_port p;
	struct ahci_fis_h2d f;
	struct ahci_seg seg = { phys(bufs[0]), 4096 };
	uint64_t t = phys(tables[0]);

	port_setup(&p, 8);
	for (int i = 0; i < 8; i++)
		CHECK(ahci_slot_alloc(&p) == i);
	CHECK(ahci_slot_alloc(&p) == -EAGAIN);
	CHECK(ahci_slot_free(&p, 5) == 0 && ahci_slot_free(&p, 5) == -EINVAL);
	CHECK(ahci_slot_free(&p, 8) == -EINVAL && ahci_slot_alloc(&p) == 5);
	CHECK(ahci_fis_rw(&f, false, 0, 8, true) == 0);
	CHECK(ahci_cmd_prepare(&p, 8, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t + 64, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 0) == -EINVAL);
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, 0, &f, &seg, 1) == -E2BIG);
	seg.len = 4094;
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	seg.len = 4096;
	p.sector_size = 4096;		/* 8 sectors of 4 KiB would need 32 KiB */
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	p.sector_size = 512;
	f.type = 0x34;
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	f.type = 0x27;
	f.flags = 0;
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	f.flags = 0x80;
	f.command = 0xa0;		/* PACKET: a direction we do not know */
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	ahci_fis_flush(&f, true);
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, &seg, 1) == -EINVAL);
	CHECK(ahci_cmd_prepare(&p, 0, tables[0], t, TABLE_CAP, &f, NULL, 0) == 0);
	CHECK(p.list[0].dw0 == 5 && p.list[0].ctba == (uint32_t)t && p.expect[0] == 0);
	/* Writes set W; a TRIM is data out with count blocks of ranges. */
	CHECK(ahci_fis_rw(&f, true, 0, 8, true) == 0);
	CHECK(ahci_slot_free(&p, 0) == 0 && ahci_slot_alloc(&p) == 0);
	CHECK(ahci_cmd_prepare(&p, 1, tables[1], phys(tables[1]), TABLE_CAP, &f, &seg, 1) == 0);
	CHECK(p.list[1].dw0 == (1u << 16 | AHCI_HDR_W | 5) && p.expect[1] == 4096);
	CHECK(memcmp(tables[1]->cfis, &f, 20) == 0 && tables[1]->cfis[20] == 0);
	CHECK(ahci_fis_trim(&f, 8) == 0);
	CHECK(ahci_cmd_prepare(&p, 2, tables[2], phys(tables[2]), TABLE_CAP, &f, &seg, 1) == 0);
	CHECK(p.list[2].dw0 & AHCI_HDR_W);
	CHECK(ahci_fis_trim(&f, 7) == 0);
	CHECK(ahci_cmd_prepare(&p, 2, tables[2], phys(tables[2]), TABLE_CAP, &f, &seg, 1) == -EINVAL);
	/* The largest transfers: 65536 and 256 sectors encode their count as 0. */
	{
		struct ahci_seg big = { 0x10000000, 32u << 20 };

		CHECK(ahci_fis_rw(&f, false, 0, 65536, true) == 0);
		CHECK(ahci_cmd_prepare(&p, 3, tables[3], phys(tables[3]), TABLE_CAP, &f, &big, 1) == 0);
		CHECK(p.list[3].dw0 >> 16 == 8 && p.expect[3] == 32u << 20);
		big.len = 128u << 10;
		CHECK(ahci_fis_rw(&f, false, 0, 256, false) == 0);
		CHECK(ahci_cmd_prepare(&p, 3, tables[3], phys(tables[3]), TABLE_CAP, &f, &big, 1) == 0);
		big.len -= 512;
		CHECK(ahci_cmd_prepare(&p, 3, tables[3], phys(tables[3]), TABLE_CAP, &f, &big, 1) == -EINVAL);
	}
	/* Not started: nothing is issued. */
	CHECK(ahci_slot_issue(&p, 1) == -EIO && strcmp(p.why, "port not started") == 0);
	CHECK(ahci_port_start(&p, 0, 10) == 0 && ahci_slot_issue(&p, 1) == 0);
	CHECK(ahci_slot_issue(&p, 0) == -EINVAL && PREG(AHCI_PxCI) == 2);	/* 0 not prepared */
	CHECK(ahci_port_stop(&p, false) == -EBUSY);
}

/* ---- errors and hostile completions ---- */

static void invariants(const struct ahci_port *p)
{
	uint32_t all = p->nslots >= 32 ? ~0u : (1u << p->nslots) - 1;

	CHECK(!(p->issued & ~p->ready) && !(p->ready & ~p->allocated) && !(p->allocated & ~all));
}

static void test_tf_error(void)
{
	struct ahci_port p;
	struct ahci_done d;

	/* Slot 0 completes, then the device fails slot 1 (ABRT): slots 1 and
	 * 2 stay in PxCI and fail; the port latches. */
	issue_n(&p, 3, 32);
	dev_exec(0);
	PREG(AHCI_PxTFD) = 0x0451;
	PREG(AHCI_PxIS) |= AHCI_IS_TFES;
	CHECK(ahci_port_poll(&p, &d) == -EIO && d.ok == 1 && d.failed == 6);
	CHECK(d.bytes[0] == p.expect[0] && p.needs_reset && p.errors == 1 && p.hostile == 0);
	CHECK(strcmp(p.why, "task-file error") == 0 && p.allocated == 0 && p.issued == 0);
	CHECK(ahci_slot_alloc(&p) == -EIO && ahci_port_poll(&p, &d) == -EIO);
	CHECK(d.ok == 0 && d.failed == 0);
	/* Recovery: the device is not BSY, so no COMRESET; ST cleared PxCI. */
	fk.nlog = 0;
	CHECK(ahci_port_recover(&p, AHCI_IE_DEFAULT, 10) == 0 && !p.needs_reset && !p.why);
	CHECK(logfind(PB + AHCI_PxSCTL, 0, 0, 0) < 0 && PREG(AHCI_PxCI) == 0);
	CHECK(logfind(PB + AHCI_PxCMD, AHCI_CMD_ST, 0, 0) < logfind(PB + AHCI_PxCMD, AHCI_CMD_ST, AHCI_CMD_ST, 0));
	/* The stale ERR fails nothing until a new FIS brings it; BSY masks it. */
	CHECK(submit(&p) == 0);
	CHECK(ahci_port_poll(&p, &d) == 0 && d.ok == 0 && d.failed == 0);
	CHECK(ahci_port_complete(&p, 1, AHCI_IS_DHRS, 0xd1, &d) == 0 && !p.needs_reset);
	dev_run(1);
	CHECK(ahci_port_poll(&p, &d) == 0 && d.ok == 1);
	/* A fresh FIS with ERR fails even without TFES. */
	CHECK(submit(&p) == 0);
	CHECK(ahci_port_complete(&p, 1, AHCI_IS_DHRS, 0x51, &d) == -EIO && d.failed == 1);
	/* Stuck BSY after an error: recovery does a COMRESET. */
	issue_n(&p, 2, 32);
	PREG(AHCI_PxTFD) = 0xd0;
	PREG(AHCI_PxIS) |= AHCI_IS_IFS;
	CHECK(ahci_port_poll(&p, &d) == -EIO && d.failed == 3 && strcmp(p.why, "interface error") == 0);
	fk.nlog = 0;
	fk.bsy_delay = 5;
	CHECK(ahci_port_recover(&p, 0, 10) == 0 && logfind(PB + AHCI_PxSCTL, 0xf, 1, 0) >= 0);
	CHECK(PREG(AHCI_PxTFD) == 0x50 && p.running);
	/* Recovery with commands issued is refused. */
	CHECK(submit(&p) == 0 && ahci_port_recover(&p, 0, 10) == -EBUSY);
}

static void test_error_bits(void)
{
	static const struct {
		uint32_t is;
		const char *why;
	} bad[] = {
		{ AHCI_IS_TFES, "task-file error" },	{ AHCI_IS_HBFS, "host bus error" },
		{ AHCI_IS_HBDS, "host bus error" },	{ AHCI_IS_IFS, "interface error" },
		{ AHCI_IS_OFS, "interface error" },	{ AHCI_IS_PRCS, "interface error" },
	};
	static const uint32_t benign[] = { AHCI_IS_DHRS, AHCI_IS_PSS, AHCI_IS_SDBS, AHCI_IS_UFS,
					   AHCI_IS_DPS, AHCI_IS_PCS, AHCI_IS_INFS, 1u << 31 };
	struct ahci_port p;
	struct ahci_done d;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		issue_n(&p, 2, 32);
		CHECK(ahci_port_complete(&p, 2, bad[i].is, 0x50, &d) == -EIO);
		CHECK(d.ok == 1 && d.failed == 2 && strcmp(p.why, bad[i].why) == 0);
		invariants(&p);
	}
	for (unsigned i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		issue_n(&p, 2, 32);
		CHECK(ahci_port_complete(&p, 2, benign[i], 0x50, &d) == 0 && d.ok == 1 && d.failed == 0);
	}
}

static void test_hostile(void)
{
	struct ahci_port p;
	struct ahci_done d;

	/* A CI bit for a slot never issued: the snapshot is rejected whole;
	 * slot 0's real completion fails with the rest. */
	issue_n(&p, 4, 32);
	dev_exec(0);
	CHECK(ahci_port_complete(&p, 0xe | 1u << 9, AHCI_IS_DHRS, 0x50, &d) == -EIO);
	CHECK(d.ok == 0 && d.failed == 0xf && p.hostile == 1 && p.errors == 0 && p.needs_reset);
	CHECK(strcmp(p.why, "PxCI shows a slot never issued") == 0);
	CHECK(p.allocated == 0 && p.ready == 0 && p.issued == 0);
	CHECK(ahci_slot_issue(&p, 0) == -EIO);
	/* PRDBC beyond the transfer. */
	issue_n(&p, 4, 32);
	dev_exec(2);
	p.list[2].prdbc = p.expect[2] + 2;
	CHECK(ahci_port_poll(&p, &d) == -EIO && d.failed == 0xf && d.ok == 0 && p.hostile == 1);
	CHECK(strcmp(p.why, "PRDBC beyond the transfer") == 0);
	invariants(&p);
	/* A short PRDBC is the caller's to judge: reported as is. */
	issue_n(&p, 4, 32);
	dev_exec(1);
	p.list[1].prdbc = p.expect[1] / 2;
	CHECK(ahci_port_poll(&p, &d) == 0 && d.ok == 2 && d.bytes[1] == p.expect[1] / 2);
	/* The device vanishes: all ones everywhere. */
	issue_n(&p, 3, 8);
	fk.gone = true;
	CHECK(ahci_port_poll(&p, &d) == -EIO && d.failed == 7 && p.hostile == 1);
	fk.gone = false;
	/* Beyond CAP.NCS, and with nothing issued at all. */
	issue_n(&p, 3, 8);
	CHECK(ahci_port_complete(&p, 1u << 20, 0, 0x50, &d) == -EIO && d.failed == 7);
	issue_n(&p, 0, 8);
	CHECK(ahci_port_complete(&p, 1, AHCI_IS_DHRS, 0x50, &d) == -EIO && d.failed == 0);
	CHECK(ahci_port_complete(&p, 0, 0, 0, &d) == -EIO);	/* latched */
	/* Abort for shutdown. */
	issue_n(&p, 5, 32);
	ahci_port_abort(&p, &d);
	CHECK(d.failed == 0x1f && d.ok == 0 && p.issued == 0 && p.needs_reset);
	CHECK(ahci_port_stop(&p, true) == 0);
}

/* ---- IDENTIFY ---- */

static int parse(const uint8_t *b, struct ahci_identify *id)
{
	uint8_t *copy = malloc(512);	/* exact size: ASan sees reads past the page */
	int rc;

	CHECK(copy);
	memcpy(copy, b, 512);
	rc = ahci_identify_parse(copy, id);
	free(copy);
	return rc;
}

static void test_identify(void)
{
	uint8_t b[512];
	struct ahci_identify id;

	good_page(b, 7814037168ull);
	CHECK(parse(b, &id) == 0 && id.sectors == 7814037168ull && id.lba48);
	CHECK(id.sector_size == 512 && id.phys_sector_size == 4096);
	CHECK(id.flush && id.flush_ext && id.write_cache && id.trim && id.trim_blocks == 8);
	CHECK(strcmp(id.model, "Bulkhead Test Disk 1") == 0 && strcmp(id.serial, "SN-0042") == 0);
	CHECK(strcmp(id.firmware, "FW1.0") == 0);
	/* 4Kn: word 106 bit 12, words 117-118 in 16-bit words. */
	set_word(b, 106, 0x5000);
	set_word(b, 117, 2048);
	seal(b);
	CHECK(parse(b, &id) == 0 && id.sector_size == 4096 && id.phys_sector_size == 4096);
	set_word(b, 106, 0x7001);
	seal(b);
	CHECK(parse(b, &id) == 0 && id.sector_size == 4096 && id.phys_sector_size == 8192);
	/* Word 106 not valid (15:14 != 01): 512 everywhere. */
	set_word(b, 106, 0xf003);
	seal(b);
	CHECK(parse(b, &id) == 0 && id.sector_size == 512 && id.phys_sector_size == 512);
	/* Sector sizes that are not multiples of 512. */
	set_word(b, 106, 0x5000);
	set_word(b, 117, 260);
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);
	set_word(b, 117, 0);
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);
	set_word(b, 118, 1);		/* 65536 words: 128 KiB */
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);
	/* 2^8 logical per physical; word 105 0 (not reported) means 1 block;
	 * strings that fill their words. */
	good_page(b, 1000);
	set_word(b, 106, 0x6008);
	set_word(b, 105, 0);
	set_string(b, 10, 10, "ABCDEFGHIJKLMNOPQRST");
	set_string(b, 23, 4, "12345678");
	set_string(b, 27, 20, "0123456789012345678901234567890123456789");
	seal(b);
	CHECK(parse(b, &id) == 0 && id.phys_sector_size == 512u << 8 && id.trim_blocks == 1);
	CHECK(strcmp(id.serial, "ABCDEFGHIJKLMNOPQRST") == 0 && strcmp(id.firmware, "12345678") == 0);
	CHECK(strcmp(id.model, "0123456789012345678901234567890123456789") == 0);
	/* 28-bit only: word 83 without bit 10, sectors from words 60-61. */
	good_page(b, 0);
	set_word(b, 83, 0x5000);
	set_word(b, 60, 0);
	set_word(b, 61, 0x10);
	set_word(b, 169, 0);
	set_string(b, 27, 20, "Old\x01" "Disk");
	for (unsigned i = 2 * 27 + 8; i < 2 * 47; i++)	/* NUL padding reads as space */
		b[i] = 0;
	seal(b);
	CHECK(parse(b, &id) == 0 && id.sectors == 0x100000 && !id.lba48 && id.flush && !id.flush_ext);
	CHECK(!id.trim && strcmp(id.model, "Old?Disk") == 0);
	set_word(b, 83, 0xffff);	/* not valid: bit 10 means nothing */
	seal(b);
	CHECK(parse(b, &id) == 0 && !id.lba48 && !id.flush && id.sectors == 0x100000);
	/* No integrity signature: no checksum to check. */
	b[510] = 0;
	b[511] = 0x33;
	CHECK(parse(b, &id) == 0);
	/* Corrupt pages. */
	set_word(b, 61, 0x1000);	/* 2^28 */
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);
	set_word(b, 61, 0);
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);	/* 0 sectors */
	good_page(b, 0);
	CHECK(parse(b, &id) == -EINVAL);
	good_page(b, 1ull << 48);
	CHECK(parse(b, &id) == 0 && id.sectors == 1ull << 48);
	good_page(b, (1ull << 48) + 1);
	CHECK(parse(b, &id) == -EINVAL);
	good_page(b, 1000);
	b[100] ^= 1;			/* checksum now wrong */
	CHECK(parse(b, &id) == -EINVAL);
	good_page(b, 1000);
	set_word(b, 0, 0x85c0);		/* an ATAPI device's word 0 */
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);
	good_page(b, 1000);
	set_word(b, 49, 0x0100);	/* no LBA */
	seal(b);
	CHECK(parse(b, &id) == -EINVAL);
	memset(b, 0xff, 512);
	CHECK(parse(b, &id) == -EINVAL);
	memset(b, 0, 512);
	CHECK(parse(b, &id) == -EINVAL);
}

/* ---- fixed-seed fuzz ---- */

/* One random command into a fresh slot (no data checks here). */
static void fuzz_submit(struct ahci_port *p)
{
	struct ahci_fis_h2d f;
	struct ahci_seg seg[TABLE_CAP];
	unsigned count = 1 + rnd(MAX_XFER), nseg = 0;
	int s = ahci_slot_alloc(p);

	if (s < 0) {
		CHECK(s == -EAGAIN && __builtin_popcount(p->allocated) == (int)p->nslots);
		return;
	}
	if (rnd(8) == 0) {
		ahci_fis_flush(&f, true);
	} else {
		CHECK(ahci_fis_rw(&f, rnd(2), rnd(1000), count, true) == 0);
		nseg = split(bufs[s], count * 512, seg);
	}
	CHECK(ahci_cmd_prepare(p, (unsigned)s, tables[s], phys(tables[s]), TABLE_CAP, &f, seg,
			       nseg) == 0);
	CHECK(ahci_slot_issue(p, (unsigned)s) == 0);
}

/* Random snapshots, mostly plausible; the outcome restated from the rules. */
static void fuzz_completions(void)
{
	static const uint32_t ncs_set[] = { 1, 8, 32 };
	unsigned n_ok = 0, n_hostile = 0, n_error = 0;
	struct ahci_port p;
	struct ahci_done d;

	port_setup(&p, 32);
	CHECK(ahci_port_start(&p, 0, 10) == 0);
	for (unsigned it = 0; it < 100000; it++) {
		uint32_t ci, is, tfd, done, before, prdbc[AHCI_SLOTS] = { 0 };
		unsigned h0, e0;
		bool bad = false, err;
		int rc;

		if (p.needs_reset && rnd(8) == 0) {
			port_setup(&p, ncs_set[rnd(3)]);
			CHECK(ahci_port_start(&p, 0, 10) == 0);
		} else if (p.needs_reset) {
			CHECK(ahci_port_recover(&p, 0, 10) == 0);
		}
		for (unsigned k = rnd(4); k; k--)
			fuzz_submit(&p);
		before = p.issued;
		h0 = p.hostile;
		e0 = p.errors;
		ci = before & (uint32_t)check_rnd(&seed);
		if (rnd(16) == 0)
			ci |= 1u << rnd(32);
		if (rnd(64) == 0)
			ci = (uint32_t)check_rnd(&seed);
		done = before & ~ci;
		for (uint32_t m = done; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);
			uint32_t e = p.expect[s];

			prdbc[s] = rnd(64) == 0 ? e + 1 + rnd(1u << 20) : rnd(4) ? e : rnd(e + 1);
			bad |= prdbc[s] > e;
			p.list[s].prdbc = prdbc[s];
		}
		is = rnd(4) ? AHCI_IS_DHRS : 0;
		if (rnd(16) == 0)
			is |= 1u << rnd(32);
		if (rnd(128) == 0)
			is = (uint32_t)check_rnd(&seed);
		tfd = rnd(8) ? 0x50 : rnd(2) ? 0x451 : (uint32_t)check_rnd(&seed);
		bad |= (ci & ~before) != 0;
		err = (is & AHCI_IS_ERRORS) ||
		      ((is & (AHCI_IS_DHRS | AHCI_IS_PSS | AHCI_IS_SDBS)) && (tfd & 0x81) == 1);
		rc = ahci_port_complete(&p, ci, is, tfd, &d);
		if (bad) {
			CHECK(rc == -EIO && d.ok == 0 && d.failed == before && p.hostile == h0 + 1);
			n_hostile++;
		} else if (err) {
			CHECK(rc == -EIO && d.ok == done && d.failed == (before & ci) && p.errors == e0 + 1);
			n_error++;
		} else {
			CHECK(rc == 0 && d.ok == done && d.failed == 0 && !p.needs_reset);
			n_ok++;
		}
		for (unsigned s = 0; s < AHCI_SLOTS; s++)
			CHECK(d.bytes[s] == (d.ok >> s & 1 ? prdbc[s] : 0));
		CHECK(p.issued == (rc ? 0 : before & ci) && p.needs_reset == (rc != 0));
		invariants(&p);
	}
	printf("fuzz completions: %u clean, %u errors, %u hostile\n", n_ok, n_error, n_hostile);
	CHECK(n_ok > 10000 && n_error > 1000 && n_hostile > 1000);
}

/* The IDENTIFY rules restated: accepted, and with which geometry. */
static bool oracle(const uint8_t *b, uint64_t *sectors, uint32_t *size)
{
	uint16_t w[256];
	unsigned sum = 0;
	bool l48;
	uint64_t n, words;

	for (unsigned i = 0; i < 256; i++)
		w[i] = (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
	for (unsigned i = 0; i < 512; i++)
		sum += b[i];
	if (w[0] >> 15 || ((w[255] & 0xff) == 0xa5 && (sum & 0xff)) || !(w[49] >> 9 & 1))
		return false;
	l48 = w[83] >> 14 == 1 && (w[83] >> 10 & 1);
	n = l48 ? w[100] | (uint64_t)w[101] << 16 | (uint64_t)w[102] << 32 | (uint64_t)w[103] << 48
		: w[60] | (uint64_t)w[61] << 16;
	if (!n || n > (l48 ? 1ull << 48 : 0x0fffffffull))
		return false;
	*sectors = n;
	*size = 512;
	if (w[106] >> 14 == 1 && (w[106] >> 12 & 1)) {
		words = w[117] | (uint64_t)w[118] << 16;
		if (!words || words * 2 % 512 || words * 2 > 65536)
			return false;
		*size = (uint32_t)words * 2;
	}
	return true;
}

static bool clean_string(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max || (n && s[n - 1] == ' '))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static void fuzz_identify(void)
{
	static const unsigned hot[] = { 0, 49, 60, 61, 83, 100, 101, 102, 103, 106, 117, 118, 255 };
	unsigned accepted = 0, refused = 0;
	uint8_t b[512];

	for (unsigned it = 0; it < 100000; it++) {
		struct ahci_identify id;
		uint64_t sectors = 0;
		uint32_t size = 0;
		bool want;
		int rc;

		good_page(b, check_rnd(&seed) >> rnd(64));
		if (rnd(3) == 0)
			set_word(b, 83, 0x5000);	/* 28-bit */
		if (rnd(3) == 0) {
			set_word(b, 106, 0x5000);
			set_word(b, 117, (uint16_t)(256 << rnd(4)));
		}
		for (unsigned k = rnd(4); k; k--) {
			unsigned i = rnd(2) ? hot[rnd(sizeof(hot) / sizeof(hot[0]))] : rnd(256);

			set_word(b, i, (uint16_t)(rnd(2) ? check_rnd(&seed) : 1u << rnd(16)));
		}
		if (rnd(64) == 0)
			for (unsigned i = 0; i < 512; i++)
				b[i] = (uint8_t)check_rnd(&seed);
		if (rnd(4))
			seal(b);
		want = oracle(b, &sectors, &size);
		rc = parse(b, &id);
		CHECK(rc == (want ? 0 : -EINVAL));
		if (rc) {
			refused++;
			continue;
		}
		accepted++;
		CHECK(id.sectors == sectors && id.sector_size == size);
		CHECK(id.phys_sector_size >= size && id.phys_sector_size % size == 0);
		CHECK(id.trim_blocks >= 1);
		CHECK(clean_string(id.model, 40) && clean_string(id.serial, 20));
		CHECK(clean_string(id.firmware, 8));
	}
	printf("fuzz identify: %u accepted, %u refused\n", accepted, refused);
	CHECK(accepted > 10000 && refused > 10000);
}

int main(void)
{
	_Static_assert(AHCI_TABLE_SIZE(TABLE_CAP) == TABLE_BYTES, "table size");
	list = aligned_alloc(AHCI_CLB_ALIGN, AHCI_SLOTS * sizeof(*list));	/* exact sizes */
	fisarea = aligned_alloc(AHCI_FB_ALIGN, AHCI_FIS_AREA);
	disk = malloc(DISK_SECTORS * 512);
	CHECK(list && fisarea && disk);
	for (unsigned i = 0; i < DISK_SECTORS * 512; i++)
		disk[i] = (uint8_t)check_rnd(&seed);
	for (unsigned s = 0; s < AHCI_SLOTS; s++) {
		tables[s] = aligned_alloc(AHCI_CTBA_ALIGN, TABLE_BYTES);
		bufs[s] = malloc(MAX_XFER * 512);
		CHECK(tables[s] && bufs[s]);
	}
	test_fis();
	test_header();
	test_prdt();
	test_regs();
	test_hba();
	test_port_init();
	test_start_stop();
	test_stuck();
	test_comreset();
	test_identify_cmd();
	test_prepare();
	run_sim(32, 20000);
	run_sim(8, 5000);
	run_sim(1, 500);
	test_tf_error();
	test_error_bits();
	test_hostile();
	test_identify();
	fuzz_completions();
	fuzz_identify();
	for (unsigned s = 0; s < AHCI_SLOTS; s++) {
		free(tables[s]);
		free(bufs[s]);
	}
	free(list);
	free(fisarea);
	free(disk);
	CHECK_DONE("ahci");
	return 0;
}

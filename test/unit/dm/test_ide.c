/* ide.c: PIIX3 IDE through its ports and BAR4, over memory-backed block
 * devices that complete at once or when the test says (both orders), with
 * DMA PRD tables in the fake RAM, ATAPI packets, resets, and a fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "pci.h"
#include "ide.h"

#define BM 0xc000u
#define DEVFN 0x09u

/* ---- a memory-backed block device --------------------------------------- */

struct pending { dm_blk_done done; void *arg; bool write; uint64_t sector; void *buf; size_t len; int st; };

struct memblk {
	struct dm_blk blk;
	uint8_t *data;			/* the first `stored` sectors */
	uint64_t stored;
	bool deferred;			/* done only from memblk_complete */
	int fail;			/* status of the next request (then 0) */
	struct pending q[8];
	unsigned nq;
	unsigned reads, writes, flushes;
};

/* Sectors past the stored ones read as their own number. */
static void mb_fill(struct memblk *m, uint64_t sector, uint8_t *buf, size_t len)
{
	for (size_t off = 0; off < len; off += 512, sector++) {
		if (sector < m->stored) {
			memcpy(buf + off, m->data + sector * 512, 512);
			continue;
		}
		for (unsigned i = 0; i < 512; i += 8)
			memcpy(buf + off + i, &sector, 8);
	}
}

static void mb_do(struct memblk *m, struct pending *p)
{
	if (p->write) {
		for (size_t off = 0; off < p->len; off += 512)
			if (p->sector + off / 512 < m->stored)
				memcpy(m->data + (p->sector + off / 512) * 512, (uint8_t *)p->buf + off, 512);
	} else if (p->buf) {
		mb_fill(m, p->sector, p->buf, p->len);
	}
}

static int mb_submit(struct memblk *m, struct pending p)
{
	int st = m->fail;

	m->fail = 0;
	CHECK(p.len % 512 == 0 && p.len <= m->blk.max_len);
	CHECK(p.len == 0 || p.sector + p.len / 512 <= m->blk.sectors);
	if (m->deferred) {
		CHECK(m->nq < 8);
		p.st = st;
		m->q[m->nq++] = p;
		return 0;
	}
	if (!st)
		mb_do(m, &p);
	p.done(p.arg, st);
	return 0;
}

static int mb_read(void *ctx, uint64_t s, void *buf, size_t len, dm_blk_done done, void *arg)
{
	((struct memblk *)ctx)->reads++;
	return mb_submit(ctx, (struct pending){ done, arg, false, s, buf, len, 0 });
}

static int mb_write(void *ctx, uint64_t s, const void *buf, size_t len, dm_blk_done done, void *arg)
{
	((struct memblk *)ctx)->writes++;
	return mb_submit(ctx, (struct pending){ done, arg, true, s, (void *)buf, len, 0 });
}

static int mb_flush(void *ctx, dm_blk_done done, void *arg)
{
	((struct memblk *)ctx)->flushes++;
	return mb_submit(ctx, (struct pending){ done, arg, false, 0, NULL, 0, 0 });
}

static const struct dm_blk_ops mb_ops = { mb_read, mb_write, mb_flush };

static unsigned memblk_complete(struct memblk *m)
{
	unsigned n = 0;

	while (m->nq) {
		struct pending p = m->q[0];

		memmove(m->q, m->q + 1, --m->nq * sizeof(p));
		if (!p.st)
			mb_do(m, &p);
		p.done(p.arg, p.st);
		n++;
	}
	return n;
}

static void memblk_init(struct memblk *m, uint64_t sectors, uint64_t stored, bool cdrom)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
	m->blk = (struct dm_blk){ .ops = &mb_ops, .ctx = m, .sectors = sectors, .cdrom = cdrom,
				  .readonly = cdrom, .present = true, .max_len = 44 * 1024 };
	m->stored = stored;
	m->data = calloc(stored ? stored : 1, 512);
	for (uint64_t i = 0; i < stored * 512; i++)
		m->data[i] = (uint8_t)(i * 7 + i / 512);
}

/* ---- the machine --------------------------------------------------------- */

static struct dm_bus *bus;
static struct dm_ide *ide;

static uint32_t in(unsigned port, unsigned size) { return (uint32_t)dm_bus_read(bus, DM_PIO, port, size); }
static void out(unsigned port, unsigned size, uint32_t v) { dm_bus_write(bus, DM_PIO, port, size, v); }
static uint8_t inb(unsigned port) { return (uint8_t)in(port, 1); }
static void outb(unsigned port, uint8_t v) { out(port, 1, v); }

static void setup(void)
{
	struct dm_bus *old = bus;

	if (ide)
		dm_ide_free(ide);
	fake_reset();
	fake.quiet = true;
	bus = dm_bus_new(&fake_env);	/* before the old one goes: pci.c sees a new bus */
	if (old)
		dm_bus_free(old);
	ide = dm_ide_init(&fake_env, bus, DEVFN);
	CHECK(ide);
	out(0xcf8, 4, 0x80000000u | DEVFN << 8 | 0x20);
	out(0xcfc, 4, BM | 1);
	out(0xcf8, 4, 0x80000000u | DEVFN << 8 | 0x04);
	out(0xcfc, 2, 0x0005);			/* I/O decode, bus master */
}

static unsigned base(unsigned ch) { return ch ? 0x170 : 0x1f0; }

/* Issues an LBA command to device `dev` of channel ch. */
static void ata_cmd(unsigned ch, unsigned dev, uint8_t cmd, uint64_t lba, unsigned count, bool ext)
{
	unsigned b = base(ch);

	outb(b + 6, (uint8_t)(0xe0 | dev << 4 | (ext ? 0 : (lba >> 24) & 0xf)));
	if (ext) {
		outb(b + 2, (uint8_t)(count >> 8));
		outb(b + 3, (uint8_t)(lba >> 24));
		outb(b + 4, (uint8_t)(lba >> 32));
		outb(b + 5, (uint8_t)(lba >> 40));
	}
	outb(b + 2, (uint8_t)count);
	outb(b + 3, (uint8_t)lba);
	outb(b + 4, (uint8_t)(lba >> 8));
	outb(b + 5, (uint8_t)(lba >> 16));
	outb(b + 7, cmd);
}

static void read_words(unsigned ch, uint8_t *p, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i += 2) {
		uint16_t w = (uint16_t)in(base(ch), 2);

		p[i] = (uint8_t)w;
		p[i + 1] = (uint8_t)(w >> 8);
	}
}

static void write_words(unsigned ch, const uint8_t *p, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i += 2)
		out(base(ch), 2, p[i] | p[i + 1] << 8);
}

/* ---- ATA ------------------------------------------------------------------ */

static struct memblk hd, hd2, cd, cd2;

static void test_identify(void)
{
	uint8_t id[512], sum = 0;
	uint16_t *w = (uint16_t *)id;
	char model[41];

	setup();
	memblk_init(&hd, 0x10000000ull + 5, 64, false);
	CHECK(dm_ide_attach(ide, 0, 0, &hd.blk) == 0);
	CHECK(dm_ide_attach(ide, 0, 0, &hd.blk) < 0);
	CHECK(dm_ide_attach(ide, 2, 0, &hd.blk) < 0);
	CHECK(inb(0x1f2) == 1 && inb(0x1f3) == 1 && inb(0x1f4) == 0 && inb(0x1f5) == 0);
	CHECK(inb(0x1f7) == 0x50);
	CHECK(in(0x3f6, 1) == 0x50);
	outb(0x3f6, 0x08);				/* nIEN clear */
	ata_cmd(0, 0, 0xec, 0, 0, false);
	CHECK(inb(0x3f6) == 0x58 && fake.isa_level[14] == 1);
	read_words(0, id, 512);
	CHECK(inb(0x3f6) == 0x50 && fake.isa_level[14] == 1);	/* alt status keeps it */
	CHECK(inb(0x1f7) == 0x50 && fake.isa_level[14] == 0);
	for (unsigned i = 0; i < 512; i++)
		sum = (uint8_t)(sum + id[i]);
	CHECK(sum == 0 && id[510] == 0xa5);
	for (unsigned i = 0; i < 40; i++)
		model[i] = (char)id[54 + (i ^ 1)];
	model[40] = 0;
	CHECK(!memcmp(model, "Bulkhead HARDDISK                       ", 40));
	CHECK(w[0] == 0x0040 && w[47] == 0x8010 && w[49] == 0x0b00 && w[53] == 7);
	CHECK(w[60] == 0xffff && w[61] == 0x0fff);			/* LBA28 saturates */
	CHECK(w[100] == 5 && w[101] == 0x1000 && w[102] == 0 && w[103] == 0);
	CHECK((w[83] & 0xc400) == 0x4400 && (w[86] & 0x0400) && w[80] == 0xf0);
	CHECK(w[63] == 0x0407 && w[88] == 0x003f && w[64] == 3);
	CHECK(w[1] == 16383 && w[3] == 16 && w[6] == 63 && w[59] == 0);
	CHECK((w[93] & 0xdf61) == 0x4041);			/* no device 1 */
	CHECK(w[10] == ('B' << 8 | 'H'));

	/* SET FEATURES: UDMA 5, then SET MULTIPLE 8 */
	outb(0x1f1, 0x03);
	outb(0x1f2, 0x45);
	outb(0x1f7, 0xef);
	CHECK(inb(0x1f7) == 0x50);
	outb(0x1f2, 8);
	outb(0x1f7, 0xc6);
	CHECK(inb(0x1f7) == 0x50);
	outb(0x1f2, 3);
	outb(0x1f7, 0xc6);					/* not a power of two */
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x04);
	outb(0x1f1, 0x03);
	outb(0x1f2, 0x50);
	outb(0x1f7, 0xef);
	CHECK(inb(0x1f7) == 0x51);
	outb(0x1f1, 0x82);
	outb(0x1f7, 0xef);					/* write cache off */
	ata_cmd(0, 0, 0xec, 0, 0, false);
	read_words(0, id, 512);
	CHECK(w[63] == 0x0007 && w[88] == 0x203f && w[59] == 0x108 && !(w[85] & 0x20));
	outb(0x1f7, 0xe5);					/* CHECK POWER MODE */
	CHECK(inb(0x1f7) == 0x50 && inb(0x1f2) == 0xff);
	outb(0x1f7, 0x00);					/* NOP aborts */
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x04);
	outb(0x1f7, 0xa1);					/* not a packet device */
	CHECK(inb(0x1f7) == 0x51);
	outb(0x1f7, 0x08);
	CHECK(inb(0x1f7) == 0x51);
	outb(0x1f7, 0xe0);
	CHECK(inb(0x1f7) == 0x50);
	outb(0x1f7, 0xf8);
	CHECK(inb(0x1f7) == 0x51);
}

static void check_sector(const uint8_t *p, struct memblk *m, uint64_t sector)
{
	uint8_t want[512];

	mb_fill(m, sector, want, 512);
	CHECK(!memcmp(p, want, 512));
}

static void test_pio_read(bool deferred)
{
	uint8_t buf[4096];

	setup();
	memblk_init(&hd, 1000, 1000, false);
	hd.deferred = deferred;
	dm_ide_attach(ide, 0, 0, &hd.blk);
	outb(0x3f6, 0x08);
	ata_cmd(0, 0, 0x20, 5, 3, false);
	if (deferred) {
		CHECK(inb(0x3f6) == 0x80 && fake.isa_level[14] == 0);
		CHECK(memblk_complete(&hd) == 1);
	}
	for (unsigned s = 0; s < 3; s++) {
		unsigned edges = fake.isa_edges[14];

		CHECK(inb(0x3f6) == 0x58 && fake.isa_level[14] == 1);
		CHECK(inb(0x1f7) == 0x58 && fake.isa_level[14] == 0);
		if (s == 0) {
			read_words(0, buf, 512);
		} else if (s == 1) {
			for (unsigned i = 0; i < 512; i += 4) {
				uint32_t v = in(0x1f0, 4);
				memcpy(buf + i, &v, 4);
			}
		} else {
			CHECK(dm_ide_pio_string(ide, 0, false, buf, 512) == 0);	/* wrong way */
			CHECK(dm_ide_pio_string(ide, 0, true, buf, 100) == 100);
			CHECK(dm_ide_pio_string(ide, 0, true, buf + 100, 4000) == 412);
		}
		check_sector(buf, &hd, 5 + s);
		CHECK(s == 2 || fake.isa_edges[14] == edges + 1);
	}
	CHECK(inb(0x3f6) == 0x50 && fake.isa_level[14] == 0);
	CHECK(dm_ide_pio_string(ide, 0, true, buf, 512) == 0);

	/* READ MULTIPLE, 4 per block, 10 sectors: blocks of 4, 4, 2 */
	outb(0x1f2, 4);
	outb(0x1f7, 0xc6);
	inb(0x1f7);
	ata_cmd(0, 0, 0xc4, 990, 10, false);
	memblk_complete(&hd);
	for (unsigned blk = 0; blk < 3; blk++) {
		unsigned n = blk < 2 ? 4 : 2;

		CHECK(inb(0x1f7) == 0x58);
		CHECK(dm_ide_pio_string(ide, 0, true, buf, 4096) == n * 512);
		for (unsigned s = 0; s < n; s++)
			check_sector(buf + s * 512, &hd, 990 + blk * 4 + s);
	}
	CHECK(inb(0x1f7) == 0x50);
	ata_cmd(0, 0, 0xc4, 995, 10, false);			/* past the end */
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x10);
	ata_cmd(0, 0, 0x20, 0, 0, false);			/* 0 = 256 sectors, > chunk */
	for (unsigned s = 0; s < 256; s++) {
		memblk_complete(&hd);
		CHECK(inb(0x1f7) == 0x58);
		CHECK(dm_ide_pio_string(ide, 0, true, buf, 512) == 512);
		check_sector(buf, &hd, s);
	}
	CHECK(inb(0x1f7) == 0x50 && hd.reads >= 2 + 256 / 88);

	/* CHS: cylinder 0 head 1 sector 3 = LBA 65 */
	outb(0x1f6, 0xa1);
	outb(0x1f2, 1);
	outb(0x1f3, 3);
	outb(0x1f4, 0);
	outb(0x1f5, 0);
	outb(0x1f7, 0x20);
	memblk_complete(&hd);
	read_words(0, buf, 512);
	check_sector(buf, &hd, 65);
	outb(0x1f6, 0xa1);
	outb(0x1f3, 0);						/* sector 0: no */
	outb(0x1f7, 0x20);
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x10);
	/* INITIALIZE DEVICE PARAMETERS 4 heads 17 sectors: C0 H1 S3 = LBA 19 */
	outb(0x1f6, 0xa3);
	outb(0x1f2, 17);
	outb(0x1f7, 0x91);
	CHECK(inb(0x1f7) == 0x50);
	outb(0x1f6, 0xa1);
	outb(0x1f2, 1);
	outb(0x1f3, 3);
	outb(0x1f7, 0x20);
	memblk_complete(&hd);
	read_words(0, buf, 512);
	check_sector(buf, &hd, 19);
	/* a failing read: UNC */
	hd.fail = -5;
	ata_cmd(0, 0, 0x20, 7, 1, false);
	memblk_complete(&hd);
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x40);
	ata_cmd(0, 0, 0x40, 7, 100, false);			/* READ VERIFY */
	CHECK(inb(0x1f7) == 0x50);
}

static void test_pio_write(bool deferred)
{
	uint8_t buf[2048], back[512];

	setup();
	memblk_init(&hd, 1000, 1000, false);
	hd.deferred = deferred;
	dm_ide_attach(ide, 0, 0, &hd.blk);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);
	ata_cmd(0, 0, 0x30, 10, 4, false);
	CHECK(inb(0x3f6) == 0x58 && fake.isa_level[14] == 0);	/* no IRQ first */
	write_words(0, buf, 512);
	CHECK(inb(0x1f7) == 0x58 && fake.isa_edges[14] == 1);
	CHECK(dm_ide_pio_string(ide, 0, true, back, 512) == 0);
	CHECK(dm_ide_pio_string(ide, 0, false, buf + 512, 512) == 512);
	inb(0x1f7);
	for (unsigned i = 0; i < 512; i += 4)
		out(0x1f0, 4, buf[1024 + i] | buf[1025 + i] << 8 | buf[1026 + i] << 16 |
			(uint32_t)buf[1027 + i] << 24);
	inb(0x1f7);
	CHECK(dm_ide_pio_string(ide, 0, false, buf + 1536, 600) == 512);
	if (deferred) {
		/* not complete before the data is on storage */
		CHECK(inb(0x3f6) == 0x80 && fake.isa_level[14] == 0);
		CHECK(hd.data[10 * 512] != buf[0]);
		CHECK(memblk_complete(&hd) == 1);
	}
	CHECK(inb(0x3f6) == 0x50 && fake.isa_level[14] == 1);
	CHECK(!memcmp(hd.data + 10 * 512, buf, 2048) && hd.writes == 1);

	/* WRITE MULTIPLE EXT of 9 with blocks of 2, over a 44 KiB backend limit */
	outb(0x1f2, 2);
	outb(0x1f7, 0xc6);
	ata_cmd(0, 0, 0x39, 100, 9, true);
	for (unsigned b = 0; b < 5; b++) {
		unsigned n = b < 4 ? 2 : 1;

		CHECK(inb(0x1f7) == 0x58);
		for (unsigned s = 0; s < n; s++) {
			memset(back, 0x40 + b * 2 + s, 512);
			write_words(0, back, 512);
		}
	}
	memblk_complete(&hd);
	CHECK(inb(0x1f7) == 0x50);
	for (unsigned s = 0; s < 9; s++)
		CHECK(hd.data[(100 + s) * 512 + 17] == 0x40 + s);
	/* FLUSH CACHE completes when the backend says so */
	outb(0x1f7, 0xe7);
	if (deferred) {
		CHECK(inb(0x1f7) == 0x80);
		memblk_complete(&hd);
	}
	CHECK(inb(0x1f7) == 0x50 && hd.flushes == 1);
	hd.fail = -5;
	outb(0x1f7, 0xea);
	memblk_complete(&hd);
	CHECK(inb(0x1f7) == 0x51);
	/* a failing write aborts */
	hd.fail = -5;
	ata_cmd(0, 0, 0x30, 10, 1, false);
	write_words(0, buf, 512);
	memblk_complete(&hd);
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x04);
	/* read-only disks refuse */
	hd.blk.readonly = true;
	ata_cmd(0, 0, 0x30, 10, 1, false);
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x04);
	ata_cmd(0, 0, 0xca, 10, 1, false);
	CHECK(inb(0x1f7) == 0x51);
}

static void test_lba48(void)
{
	uint8_t buf[1024];
	uint64_t lba = 0x123456789ull;

	setup();
	memblk_init(&hd, 0x200000000ull, 16, false);
	dm_ide_attach(ide, 0, 0, &hd.blk);
	ata_cmd(0, 0, 0x24, lba, 2, true);
	CHECK(inb(0x1f7) == 0x58);
	outb(0x3f6, 0x80);					/* HOB reads */
	CHECK(inb(0x1f3) == 0x23 && inb(0x1f4) == 0x01 && inb(0x1f5) == 0x00);
	outb(0x3f6, 0x00);
	CHECK(inb(0x1f3) == 0x89 && inb(0x1f4) == 0x67 && inb(0x1f5) == 0x45);
	CHECK(dm_ide_pio_string(ide, 0, true, buf, 1024) == 512);
	CHECK(dm_ide_pio_string(ide, 0, true, buf + 512, 1024) == 512);
	check_sector(buf, &hd, lba);
	check_sector(buf + 512, &hd, lba + 1);
	ata_cmd(0, 0, 0x24, 0x1ffffffffull, 2, true);		/* one past the end */
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x10);
	ata_cmd(0, 0, 0x24, 0xffffffffffffull, 0, true);
	CHECK(inb(0x1f7) == 0x51);
	ata_cmd(0, 0, 0x34, 3, 1, true);
	memset(buf, 0x5a, 512);
	write_words(0, buf, 512);
	CHECK(inb(0x1f7) == 0x50 && hd.data[3 * 512 + 100] == 0x5a);
}

/* ---- bus-master DMA ------------------------------------------------------ */

static void prd(unsigned i, uint32_t addr, uint32_t len, bool eot)
{
	uint8_t *e = fake.ram + 0x1000 + 8 * i;

	memcpy(e, &addr, 4);
	e[4] = (uint8_t)len, e[5] = (uint8_t)(len >> 8);
	e[6] = 0, e[7] = eot ? 0x80 : 0;
}

static void bm_go(unsigned ch, bool to_mem)
{
	out(BM + ch * 8 + 4, 4, 0x1000);
	outb(BM + ch * 8, (uint8_t)((to_mem ? 8 : 0) | 1));
}

static void test_dma(bool deferred)
{
	setup();
	memblk_init(&hd, 4096, 4096, false);
	hd.deferred = deferred;
	dm_ide_attach(ide, 0, 0, &hd.blk);
	CHECK(inb(BM + 2) == 0x20);				/* drive 0 DMA capable */
	/* read 4 sectors into 512 + 1024 + 512 */
	prd(0, 0x10000, 512, false);
	prd(1, 0x20000, 1024, false);
	prd(2, 0x30000, 512, true);
	outb(0x3f6, 0x08);
	bm_go(0, true);						/* engine first */
	CHECK(inb(BM + 2) == 0x21);
	ata_cmd(0, 0, 0xc8, 40, 4, false);
	if (deferred) {
		CHECK(inb(BM + 2) == 0x21 && fake.isa_level[14] == 0);
		memblk_complete(&hd);
	}
	CHECK(inb(BM + 2) == 0x24 && fake.isa_level[14] == 1);	/* EOT reached */
	CHECK(inb(0x1f7) == 0x50);
	check_sector(fake.ram + 0x10000, &hd, 40);
	check_sector(fake.ram + 0x20000, &hd, 41);
	check_sector(fake.ram + 0x20200, &hd, 42);
	check_sector(fake.ram + 0x30000, &hd, 43);
	outb(BM, 0);
	outb(BM + 2, 0x24);					/* RW1C */
	CHECK(inb(BM + 2) == 0x20);

	/* command first, then the engine; table longer than the transfer */
	prd(0, 0x40000, 0, true);				/* 0 = 64 KiB */
	ata_cmd(0, 0, 0x25, 100, 3, true);
	CHECK(inb(0x3f6) == 0x58);
	bm_go(0, true);
	memblk_complete(&hd);
	CHECK(inb(BM + 2) == 0x25 && inb(0x1f7) == 0x50);	/* still active */
	check_sector(fake.ram + 0x40400, &hd, 102);
	outb(BM, 0);
	outb(BM + 2, 0x26);

	/* write 100 sectors (several chunks of the 44 KiB backend) from two entries */
	for (unsigned i = 0; i < 0x20000; i++)
		fake.ram[0x50000 + i] = (uint8_t)(i / 3);
	prd(0, 0x50000, 32768, false);
	prd(1, 0x60000, 18432, true);
	ata_cmd(0, 0, 0xca, 200, 100, false);
	bm_go(0, false);
	for (unsigned i = 0; i < 10 && hd.nq; i++)
		memblk_complete(&hd);
	CHECK(inb(BM + 2) == 0x24 && inb(0x1f7) == 0x50);
	CHECK(!memcmp(hd.data + 200 * 512, fake.ram + 0x50000, 32768));
	CHECK(!memcmp(hd.data + 264 * 512, fake.ram + 0x60000, 18432));
	CHECK(hd.writes == 2);
	outb(BM, 0);
	outb(BM + 2, 0x26);

	/* a table too short: error bit, ERR, interrupt */
	prd(0, 0x10000, 512, true);
	ata_cmd(0, 0, 0xc8, 0, 2, false);
	bm_go(0, true);
	memblk_complete(&hd);
	CHECK(inb(BM + 2) == 0x26 && inb(0x1f7) == 0x51 && fake.isa_level[14] == 0);
	outb(BM, 0);
	outb(BM + 2, 0x26);
	/* a region outside RAM: master abort */
	prd(0, 0xfff00000u, 1024, true);
	ata_cmd(0, 0, 0xc8, 0, 2, false);
	bm_go(0, true);
	memblk_complete(&hd);
	CHECK(inb(BM + 2) == 0x26 && inb(0x1f7) == 0x51);
	outb(BM, 0);
	outb(BM + 2, 0x26);
	/* a table of 2-byte entries without EOT, longer than 64 KiB: bounded */
	for (unsigned i = 0; i < 9000; i++)
		prd(i, 0x100000 + 2 * i, 2, false);
	ata_cmd(0, 0, 0x25, 0, 64, true);
	bm_go(0, true);
	memblk_complete(&hd);
	CHECK(inb(BM + 2) == 0x26 && inb(0x1f7) == 0x51);
	/* the engine pointed the wrong way waits; a reset ends it */
	outb(BM, 0);
	outb(BM + 2, 0x26);
	prd(0, 0x10000, 1024, true);
	ata_cmd(0, 0, 0xc8, 0, 2, false);
	bm_go(0, false);
	memblk_complete(&hd);
	CHECK(inb(BM + 2) == 0x21 && inb(0x1f7) == 0x58);
	outb(0x3f6, 0x0c);
	outb(0x3f6, 0x08);
	CHECK(inb(0x1f7) == 0x50 && inb(0x1f2) == 1);
	/* PRD address is dword aligned; reserved registers read 0 */
	out(BM + 4, 4, 0x12345677);
	CHECK(in(BM + 4, 4) == 0x12345674 && inb(BM + 1) == 0 && inb(BM + 3) == 0);
	outb(BM + 2, 0x60);
	CHECK((inb(BM + 2) & 0x60) == 0x60);
}

/* ---- channels, devices, resets ------------------------------------------- */

static void test_probe_and_reset(void)
{
	setup();
	memblk_init(&hd, 1000, 8, false);
	memblk_init(&cd, 4 * 100, 4 * 100, true);
	dm_ide_attach(ide, 0, 0, &hd.blk);
	/* empty secondary channel floats */
	CHECK(inb(0x177) == 0x7f && inb(0x376) == 0x7f && inb(0x172) == 0xff);
	outb(0x172, 0x55);
	CHECK(inb(0x172) == 0xff);
	CHECK(in(0x170, 2) == 0xffff);
	/* missing device 1: status 0, registers still shared */
	outb(0x1f6, 0xb0);
	CHECK(inb(0x1f6) == 0xb0);
	CHECK(inb(0x1f7) == 0 && inb(0x3f6) == 0);
	outb(0x1f2, 0x55);
	outb(0x1f3, 0xaa);
	CHECK(inb(0x1f2) == 0x55 && inb(0x1f3) == 0xaa);
	outb(0x1f7, 0xec);
	CHECK(inb(0x1f7) == 0 && fake.isa_level[14] == 0);
	outb(0x1f7, 0xa1);
	CHECK(inb(0x1f7) == 0);
	/* SRST: BSY while held, then the ATA signature */
	outb(0x3f6, 0x0e);
	outb(0x1f6, 0xa0);
	CHECK(inb(0x1f7) == 0x80);
	outb(0x3f6, 0x0a);
	CHECK(inb(0x1f7) == 0x50 && inb(0x1f1) == 0x01);
	CHECK(inb(0x1f2) == 1 && inb(0x1f3) == 1 && inb(0x1f4) == 0 && inb(0x1f5) == 0);

	/* ATA master + ATAPI slave on the secondary channel */
	CHECK(dm_ide_attach(ide, 1, 1, &cd.blk) == 0);
	memblk_init(&hd2, 1000, 8, false);
	CHECK(dm_ide_attach(ide, 1, 0, &hd2.blk) == 0);
	outb(0x376, 0x04);
	outb(0x376, 0x00);
	CHECK(inb(0x177) == 0x50 && inb(0x174) == 0 && inb(0x175) == 0);
	outb(0x176, 0xb0);
	CHECK(inb(0x177) == 0x00 && inb(0x171) == 0x01);
	CHECK(inb(0x172) == 1 && inb(0x173) == 1 && inb(0x174) == 0x14 && inb(0x175) == 0xeb);
	/* IDENTIFY DEVICE on the packet device: aborted, signature */
	outb(0x174, 0);
	outb(0x177, 0xec);
	CHECK(inb(0x376) == 0x51 && inb(0x174) == 0x14 && inb(0x175) == 0xeb);
	CHECK(fake.isa_level[15] == 1);
	inb(0x177);
	CHECK(fake.isa_level[15] == 0);
	/* EXECUTE DEVICE DIAGNOSTIC */
	outb(0x177, 0x90);
	CHECK(inb(0x171) == 0x01 && inb(0x174) == 0x14);
	outb(0x176, 0xa0);
	CHECK(inb(0x174) == 0 && inb(0x177) == 0x50);
	/* nIEN masks the line, the pending interrupt stays */
	outb(0x376, 0x02);
	outb(0x177, 0xe0);
	CHECK(fake.isa_level[15] == 0);
	outb(0x376, 0x00);
	CHECK(fake.isa_level[15] == 1);
	outb(0x176, 0xb0);					/* other device selected */
	CHECK(fake.isa_level[15] == 0);
	outb(0x176, 0xa0);
	CHECK(fake.isa_level[15] == 1);
	inb(0x177);
	CHECK(fake.isa_level[15] == 0);
	/* DEVICE RESET on the packet device */
	outb(0x176, 0xb0);
	outb(0x177, 0x08);
	CHECK(inb(0x177) == 0x00 && inb(0x174) == 0x14 && fake.isa_level[15] == 0);
	CHECK((inb(BM + 10) & 0x60) == 0x60);

	/* unplug: disks go, the CD stays */
	dm_ide_unplug(ide, DM_IDE_UNPLUG_AUX_DISKS);
	CHECK(inb(0x1f7) == 0x50);
	outb(0x176, 0xa0);
	CHECK(inb(0x177) == 0);
	outb(0x176, 0xb0);
	CHECK(inb(0x174) == 0x14);
	dm_ide_unplug(ide, DM_IDE_UNPLUG_ALL_DISKS);
	CHECK(inb(0x1f7) == 0x7f);
	CHECK(dm_ide_change_media(ide, 1, 1, NULL) == 0);
	CHECK(dm_ide_change_media(ide, 0, 0, NULL) < 0);
	CHECK(dm_ide_change_media(ide, 1, 2, NULL) < 0);

	/* what attach refuses, and an empty drive without a backend */
	struct dm_blk small = hd.blk, empty = { .cdrom = true };
	small.max_len = 2048;
	CHECK(dm_ide_attach(ide, 0, 0, &small) < 0);
	small.max_len = 4096, small.ops = NULL;
	CHECK(dm_ide_attach(ide, 0, 0, &small) < 0);
	CHECK(dm_ide_attach(ide, 0, 1, &empty) == 0);
	outb(0x1f6, 0xb0);
	CHECK(inb(0x1f7) == 0x00 && inb(0x1f4) == 0x14);
	static const uint8_t tur[12] = { 0 };
	outb(0x1f4, 0), outb(0x1f5, 0);
	outb(0x1f7, 0xa0);
	write_words(0, tur, 12);
	CHECK(inb(0x1f7) == 0x51 && inb(0x1f1) == 0x20 && inb(0x1f2) == 3);
	CHECK(dm_ide_change_media(ide, 0, 1, &cd.blk) == 0);
}

static void test_reset_in_flight(void)
{
	uint8_t buf[512];

	setup();
	memblk_init(&hd, 1000, 1000, false);
	hd.deferred = true;
	dm_ide_attach(ide, 0, 0, &hd.blk);
	ata_cmd(0, 0, 0x20, 1, 2, false);
	outb(0x3f6, 0x04);
	outb(0x3f6, 0x00);
	CHECK(inb(0x1f7) == 0x80);				/* busy until the read lands */
	outb(0x1f7, 0xec);					/* refused */
	memblk_complete(&hd);
	CHECK(inb(0x1f7) == 0x50 && inb(0x1f2) == 1 && fake.isa_level[14] == 0);
	ata_cmd(0, 0, 0x20, 1, 1, false);
	memblk_complete(&hd);
	read_words(0, buf, 512);
	check_sector(buf, &hd, 1);
}

/* ---- ATAPI ------------------------------------------------------------------ */

static void packet(unsigned ch, unsigned dev, const uint8_t *cdb, unsigned limit, bool dma)
{
	unsigned b = base(ch);

	outb(b + 6, (uint8_t)(0xa0 | dev << 4));
	outb(b + 1, dma ? 1 : 0);
	outb(b + 4, (uint8_t)limit);
	outb(b + 5, (uint8_t)(limit >> 8));
	outb(b + 7, 0xa0);
	CHECK(inb(b + 7) == 0x58 && inb(b + 2) == 0x01);	/* CoD, to the device */
	write_words(ch, cdb, 12);
}

/* One PIO data-in piece: its byte count, then the bytes. */
static unsigned piece(unsigned ch, uint8_t *p)
{
	unsigned b = base(ch), n;

	CHECK(inb(b + 7) == 0x58 && inb(b + 2) == 0x02);
	n = inb(b + 4) | inb(b + 5) << 8;
	CHECK(dm_ide_pio_string(ide, ch, true, p, (n + 1) & ~1u) == ((n + 1) & ~1u));
	return n;
}

static void packet_done(unsigned ch, uint8_t status)
{
	CHECK(inb(base(ch) + 7) == status && inb(base(ch) + 2) == 0x03);
}

static void test_atapi_pio(bool deferred)
{
	static const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
	static const uint8_t inq5[12] = { 0x12, 0, 0, 0, 5 };
	static const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 7, 0, 0, 3 };
	static const uint8_t beyond[12] = { 0x28, 0, 0, 0, 0, 99, 0, 0, 2 };
	static const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
	static const uint8_t tur[12] = { 0 };
	static const uint8_t cap[12] = { 0x25 };
	uint8_t buf[8192], id[512];
	uint16_t *w = (uint16_t *)id;

	setup();
	memblk_init(&cd, 4 * 100, 4 * 100, true);
	cd.deferred = deferred;
	CHECK(dm_ide_attach(ide, 1, 0, &cd.blk) == 0);
	outb(0x376, 0x08);
	/* IDENTIFY PACKET DEVICE */
	outb(0x176, 0xa0);
	outb(0x177, 0xa1);
	CHECK(inb(0x177) == 0x58);
	read_words(1, id, 512);
	CHECK(w[0] == 0x85c0 && (w[49] & 0x0300) == 0x0300 && w[255] % 256 == 0xa5);
	CHECK(inb(0x177) == 0x50);
	/* INQUIRY */
	packet(1, 0, inquiry, 0x100, false);
	CHECK(fake.isa_level[15] == 1);
	CHECK(piece(1, buf) == 36 && buf[0] == 5 && !memcmp(buf + 8, "BULKHEAD", 8));
	packet_done(1, 0x50);
	packet(1, 0, inq5, 0x100, false);			/* odd length: padded word */
	CHECK(piece(1, buf) == 5 && buf[5] == 0);
	packet_done(1, 0x50);
	/* TEST UNIT READY, READ CAPACITY */
	packet(1, 0, tur, 0, false);
	packet_done(1, 0x50);
	packet(1, 0, cap, 8, false);
	CHECK(piece(1, buf) == 8 && !memcmp(buf, "\x00\x00\x00\x63\x00\x00\x08\x00", 8));
	packet_done(1, 0x50);
	/* READ(10) 3 blocks, byte count limit 2048: three pieces */
	packet(1, 0, read10, 2048, false);
	if (deferred) {
		CHECK(inb(0x177) == 0x80);
		memblk_complete(&cd);
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK(piece(1, buf + i * 2048) == 2048);
	packet_done(1, 0x50);
	for (unsigned s = 0; s < 12; s++)
		check_sector(buf + s * 512, &cd, 28 + s);
	/* limit 1000: pieces of 1000 */
	packet(1, 0, read10, 1001, false);
	memblk_complete(&cd);
	unsigned got = 0;
	while (inb(0x172) == 0x02) {
		unsigned n = piece(1, buf + got);
		CHECK(n == 1000 || got + n == 6144);
		got += n;
	}
	CHECK(got == 6144);
	packet_done(1, 0x50);
	/* beyond the capacity: CHECK CONDITION, ILLEGAL REQUEST / LBA OUT OF RANGE */
	packet(1, 0, beyond, 4096, false);
	packet_done(1, 0x51);
	CHECK(inb(0x171) == 0x54);
	packet(1, 0, sense, 18, false);
	CHECK(piece(1, buf) == 18 && buf[2] == 5 && buf[12] == 0x21);
	packet_done(1, 0x50);
	/* a failing read: MEDIUM ERROR */
	cd.fail = -5;
	packet(1, 0, read10, 2048, false);
	memblk_complete(&cd);
	packet_done(1, 0x51);
	CHECK(inb(0x171) == 0x30);
	/* media change: the unit attention once, then ready */
	memblk_init(&cd2, 4 * 50, 8, true);
	CHECK(dm_ide_change_media(ide, 1, 0, &cd2.blk) == 0);
	packet(1, 0, tur, 0, false);
	packet_done(1, 0x51);
	CHECK(inb(0x171) == 0x60);
	packet(1, 0, tur, 0, false);
	packet_done(1, 0x50);
	dm_ide_change_media(ide, 1, 0, NULL);
	packet(1, 0, tur, 0, false);
	packet_done(1, 0x51);
	CHECK(inb(0x171) == 0x20);
	/* commands for disks only */
	outb(0x177, 0x20);
	CHECK(inb(0x177) == 0x51 && inb(0x171) == 0x04);
}

static void test_atapi_dma(bool deferred)
{
	static const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 2, 0, 0, 3 };
	static const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 96 };

	setup();
	memblk_init(&cd, 4 * 100, 4 * 100, true);
	cd.deferred = deferred;
	dm_ide_attach(ide, 0, 1, &cd.blk);
	prd(0, 0x10000, 4096, false);
	prd(1, 0x20000, 2048, true);
	bm_go(0, true);
	packet(0, 1, read10, 0xfffe, true);
	memblk_complete(&cd);
	CHECK(inb(BM + 2) == 0x44 && fake.isa_level[14] == 1);
	packet_done(0, 0x50);
	for (unsigned s = 0; s < 8; s++)
		check_sector(fake.ram + 0x10000 + s * 512, &cd, 8 + s);
	for (unsigned s = 0; s < 4; s++)
		check_sector(fake.ram + 0x20000 + s * 512, &cd, 16 + s);
	outb(BM, 0);
	outb(BM + 2, 0x46);
	/* a reply shorter than the table: the engine stays active */
	bm_go(0, true);
	packet(0, 1, inquiry, 0xfffe, true);
	CHECK(inb(BM + 2) == 0x45 && !memcmp(fake.ram + 0x10008, "BULKHEAD", 8));
	packet_done(0, 0x50);
}

/* ---- fuzz ------------------------------------------------------------------- */

static uint64_t rng = 0x1234567;
static uint32_t rnd(void) { return (uint32_t)fake_rnd(&rng); }

static void test_fuzz(void)
{
	static const unsigned ports[] = { 0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7,
					  0x3f6, 0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176,
					  0x177, 0x376 };
	static const uint8_t cmds[] = { 0x20, 0x24, 0x25, 0x29, 0x30, 0x34, 0x35, 0x39, 0xc4,
					0xc5, 0xc6, 0xc8, 0xca, 0x40, 0x42, 0xe7, 0xea, 0xec,
					0xa1, 0xa0, 0xa0, 0xa0, 0xef, 0x91, 0x90, 0x08, 0xe5 };
	static const uint8_t ops[] = { 0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2b,
				       0x42, 0x43, 0x46, 0x4a, 0x51, 0x52, 0x5a, 0xa8, 0xbb,
				       0xbd, 0xbe };
	static uint8_t buf[70000];

	setup();
	memblk_init(&hd, 2048, 2048, false);
	memblk_init(&hd2, 300, 300, false);
	memblk_init(&cd, 4 * 64, 4 * 64, true);
	memblk_init(&cd2, 4 * 32, 4 * 32, true);
	hd2.deferred = cd.deferred = true;
	dm_ide_attach(ide, 0, 0, &hd.blk);
	dm_ide_attach(ide, 0, 1, &cd.blk);
	dm_ide_attach(ide, 1, 0, &hd2.blk);
	dm_ide_attach(ide, 1, 1, &cd2.blk);
	for (unsigned i = 0; i < 200000; i++) {
		uint32_t r = rnd(), v = rnd();
		unsigned ch = r >> 31, sizes[3] = { 1, 2, 4 };

		switch (r % 16) {
		case 0: case 1: case 2: case 3: {		/* a task file or control port */
			unsigned p = ports[v % 18];
			if ((v >> 8) & 1)
				in(p, sizes[(v >> 9) % 3]);
			else
				out(p, (p & 7) == 7 && (v >> 10) & 1 ? 1 : sizes[(v >> 9) % 3],
				    (p & 7) == 7 && (v >> 10) & 1 ? cmds[(v >> 12) % sizeof(cmds)] : v >> 12);
			break;
		}
		case 4:						/* a command, sane-ish registers */
			outb(base(ch) + 6, (uint8_t)(0xe0 | (v & 0x10)));
			outb(base(ch) + 2, (uint8_t)(v >> 8 & 3));
			outb(base(ch) + 3, (uint8_t)(v >> 13));
			outb(base(ch) + 4, (uint8_t)(v >> 21 & 3));
			outb(base(ch) + 7, cmds[(v >> 24) % sizeof(cmds)]);
			break;
		case 5: {					/* a packet */
			uint8_t cdb[12];
			for (unsigned j = 0; j < 12; j++)
				cdb[j] = (uint8_t)rnd();
			cdb[0] = ops[v % sizeof(ops)];
			if (v & 0x100) {		/* mostly in range */
				cdb[2] = cdb[3] = cdb[4] = cdb[6] = cdb[7] = 0;
				cdb[5] %= 70;
				cdb[8] %= 8;
				cdb[9] = (v & 0x200) ? 0x10 : cdb[9];
			}
			outb(base(ch) + 6, (uint8_t)(0xa0 | (v >> 9 & 0x10)));
			outb(base(ch) + 1, (uint8_t)(v >> 10 & 1));
			outb(base(ch) + 4, (uint8_t)(v >> 11));
			outb(base(ch) + 5, (uint8_t)(v >> 19 & 0x1f));
			outb(base(ch) + 7, 0xa0);
			dm_ide_pio_string(ide, ch, false, cdb, 12);
			break;
		}
		case 6: case 7:					/* data */
			if (v & 1)
				dm_ide_pio_string(ide, ch, v & 2, buf, (v >> 2) % sizeof(buf) & ~1u);
			else
				in(base(ch), (v & 2) ? 4 : 2);
			break;
		case 8:						/* bus master */
			if (v & 1)
				in(BM + (v >> 1) % 16, sizes[(v >> 5) % 3]);
			else
				out(BM + (v >> 1) % 16, sizes[(v >> 5) % 3], v >> 8);
			break;
		case 9: {					/* a PRD table */
			unsigned n = v % 6;
			for (unsigned j = 0; j < n; j++)
				prd(j, rnd() % (FAKE_RAM_SIZE + 0x10000), rnd(), j == n - 1 && (v & 8));
			out(BM + ch * 8 + 4, 4, v & 0x8 ? 0x1000 : rnd());
			outb(BM + ch * 8, (uint8_t)(v >> 4 & 9));
			break;
		}
		case 13: case 14:				/* drain the data phase */
			for (unsigned j = 0; j < 600; j++)
				if (!dm_ide_pio_string(ide, ch, j & 1 ? true : false, buf, 4096) &&
				    !dm_ide_pio_string(ide, ch, !(j & 1), buf, 4096))
					break;
			break;
		case 10:
			memblk_complete(&hd2);
			memblk_complete(&cd);
			break;
		case 11:
			if ((v & 0xff) == 0)
				dm_ide_change_media(ide, v >> 8 & 1, 1, (v >> 9) & 1 ? &cd.blk : NULL);
			else if ((v & 0xff) == 1)
				hd.fail = cd.fail = -5;
			break;
		default:
			inb(base(ch) + 7);
			break;
		}
	}
	memblk_complete(&hd2);
	memblk_complete(&cd);
	dm_ide_unplug(ide, 1);
}

/* SeaBIOS's ata_detect and Linux's ata_devchk/classify on a channel with a
 * master disk only, and on one with a CD master only. */
static void seabios_probe(unsigned ch, bool want_atapi)
{
	unsigned b = base(ch), c2 = ch ? 0x376 : 0x3f6;
	uint8_t id[512];
	uint16_t *w = (uint16_t *)id;

	CHECK(!(inb(b + 7) & 0x80));
	outb(b + 6, 0xa0);
	CHECK(inb(b + 6) == 0xa0);
	outb(b + 2, 0x55);
	outb(b + 3, 0xaa);
	CHECK(inb(b + 2) == 0x55 && inb(b + 3) == 0xaa);
	outb(c2, 0x0e);				/* SRST with nIEN */
	outb(c2, 0x0a);
	CHECK(!(inb(b + 7) & 0x80));
	outb(b + 6, 0xa0);
	outb(b + 7, 0xa1);			/* IDENTIFY PACKET DEVICE first */
	if (want_atapi) {
		CHECK(inb(c2) == 0x58);
		read_words(ch, id, 512);
		CHECK(w[0] == 0x85c0);
	} else {
		CHECK(inb(c2) & 0x01);			/* aborted */
		CHECK(inb(b + 7) != 0);
		outb(b + 7, 0xec);
		CHECK(inb(c2) == 0x58);
		read_words(ch, id, 512);
	}
	CHECK((w[93] & 0xdf61) == 0x4041);	/* device 1 not probed */
	outb(c2, 0x08);
	/* Linux: device 1 looks present to ata_devchk, classify sees status 0 */
	outb(b + 6, 0xb0);
	outb(b + 2, 0x55);
	outb(b + 3, 0xaa);
	CHECK(inb(b + 2) == 0x55 && inb(b + 3) == 0xaa);
	outb(c2, 0x0c);
	outb(c2, 0x08);
	outb(b + 6, 0xb0);
	CHECK(inb(b + 2) == 1 && inb(b + 3) == 1 && inb(b + 1) == 1 && inb(b + 7) == 0);
	outb(b + 7, 0xec);
	CHECK(inb(b + 7) == 0 && !fake.isa_level[14 + ch]);
	outb(b + 6, 0xa0);
	CHECK(inb(b + 4) == (want_atapi ? 0x14 : 0) && inb(b + 5) == (want_atapi ? 0xeb : 0));
}

static void test_probe_sequences(void)
{
	setup();
	memblk_init(&hd, 1000, 8, false);
	memblk_init(&cd, 400, 400, true);
	dm_ide_attach(ide, 0, 0, &hd.blk);
	dm_ide_attach(ide, 1, 0, &cd.blk);
	seabios_probe(0, false);
	seabios_probe(1, true);
}

int main(void)
{
	test_identify();
	for (int d = 0; d < 2; d++) {
		test_pio_read(d);
		test_pio_write(d);
		test_dma(d);
		test_atapi_pio(d);
		test_atapi_dma(d);
	}
	test_lba48();
	test_probe_and_reset();
	test_probe_sequences();
	test_reset_in_flight();
	test_fuzz();
	dm_ide_free(ide);
	dm_bus_free(bus);
	free(hd.data), free(hd2.data), free(cd.data), free(cd2.data);
	CHECK_DONE("dm_ide");
	return 0;
}

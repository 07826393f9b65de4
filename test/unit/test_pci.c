/* PCI in the core (kernel/arch/x86/pci.c) on a fake bus: exact mechanism #1
 * and ECAM addresses, MCFG tables good and corrupt, enumeration of a q35-like
 * machine (BAR sizes and types, multi-function, a bridge), hostile
 * topologies, capability lists and BARs, the text form, every rule of the
 * config-write filter, MSI messages and where an MSI-X table lies, and
 * fixed-seed fuzzes of MCFG tables (against a plain reference parser, each
 * table exactly its length on the heap) and of enumeration. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "arch/x86/pci.h"

static unsigned long long seed = 0x2545f4914f6cdd1dull;

/* ---- The fake bus: config bytes and per-bit write masks per function ---- */

#define FAKE_MAX 320

struct fake_fn {
	u8 bus, devfn;
	u8 cfg[PCI_ECAM_CFG_SIZE];
	u8 wm[PCI_ECAM_CFG_SIZE];	/* writable bits */
};

enum { FAKE_CLEAN, FAKE_ALL_ONES, FAKE_DIRTY, FAKE_CHAOS };

static struct fake_fn fake[FAKE_MAX];
static int nfake;
static short fake_idx[256][256];	/* index + 1 */
static int fake_mode;
static long decode_violations, fake_reads, fake_writes;
static long ones_at[PCI_CFG_SIZE / 4];	/* all-ones dword writes per register */

static void fake_reset(size_t span)
{
	for (int i = 0; i < nfake; i++) {
		fake_idx[fake[i].bus][fake[i].devfn] = 0;
		memset(fake[i].cfg, 0, span);
		memset(fake[i].wm, 0, span);
	}
	nfake = 0;
	fake_mode = FAKE_CLEAN;
	decode_violations = fake_reads = fake_writes = 0;
	memset(ones_at, 0, sizeof(ones_at));
}

static struct fake_fn *fake_at(u16 seg, u8 bus, u8 devfn)
{
	int i = fake_idx[bus][devfn];

	return seg || !i ? NULL : &fake[i - 1];
}

static u32 get(const u8 *p, unsigned n)
{
	u32 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put(u8 *p, u32 v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u32 fake_read(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size)
{
	struct fake_fn *f = fake_at(seg, bus, devfn);
	u32 ones = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1, v;

	(void)ctx;
	CHECK(pci_cfg_access_ok(reg, size, PCI_CFG_SIZE));
	fake_reads++;
	if (fake_mode == FAKE_ALL_ONES)
		return 0xffffffff;	/* even above the bytes asked for */
	if (fake_mode == FAKE_CHAOS && reg == PCI_HEADER_TYPE && size == 1 && check_rnd(&seed) % 4)
		return (u32)check_rnd(&seed) & 0x81;	/* mostly headers we parse */
	if (fake_mode == FAKE_CHAOS)
		return (u32)check_rnd(&seed);
	v = f ? get(f->cfg + reg, size) : ones;
	if (fake_mode == FAKE_DIRTY && size < 4)
		v |= (u32)check_rnd(&seed) << (8 * size);
	return v;
}

static void fake_write(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size, u32 val)
{
	struct fake_fn *f = fake_at(seg, bus, devfn);

	(void)ctx;
	CHECK(pci_cfg_access_ok(reg, size, PCI_CFG_SIZE));
	fake_writes++;
	if (!f)
		return;
	if (size == 4 && val == 0xffffffff)
		ones_at[reg / 4]++;
	/* BAR sizing must happen with decode off (PCI 3.0 §6.2.5.1). */
	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 24 && size == 4 && val == 0xffffffff &&
	    (get(f->cfg + PCI_COMMAND, 2) & (PCI_CMD_IO | PCI_CMD_MEM)))
		decode_violations++;
	for (unsigned i = 0; i < size; i++) {
		u8 *c = &f->cfg[reg + i], m = f->wm[reg + i];

		*c = (u8)((*c & ~m) | ((val >> (8 * i)) & m));
	}
}

static const struct pci_cfg_ops fake_ops = { fake_read, fake_write, NULL };

static struct fake_fn *fake_add(u8 bus, u8 dev, u8 fn, u16 vendor, u16 device, u32 class_code,
				u8 hdr)
{
	struct fake_fn *f;

	CHECK(nfake < FAKE_MAX && !fake_idx[bus][PCI_DEVFN(dev, fn)]);
	f = &fake[nfake++];
	f->bus = bus;
	f->devfn = PCI_DEVFN(dev, fn);
	fake_idx[bus][f->devfn] = (short)nfake;
	put(f->cfg + PCI_VENDOR_ID, vendor, 2);
	put(f->cfg + PCI_DEVICE_ID, device, 2);
	put(f->cfg + PCI_REVISION, class_code << 8 | 0x02, 4);
	f->cfg[PCI_HEADER_TYPE] = hdr;
	put(f->wm + PCI_COMMAND, 0x07ff, 2);
	f->cfg[PCI_INT_LINE] = 0xff;
	f->wm[PCI_INT_LINE] = 0xff;
	return f;
}

/* BAR slot i decoding size bytes at base; type bits as the spec lays them. */
static void fake_bar(struct fake_fn *f, int i, u64 base, u64 size, u32 type)
{
	u64 wm = ~(size - 1) & ~(u64)(type & 1 ? 3 : 15);

	put(f->cfg + PCI_BAR0 + 4 * i, (u32)base | type, 4);
	put(f->wm + PCI_BAR0 + 4 * i, (u32)wm, 4);
	if ((type & 6) == 4) {
		put(f->cfg + PCI_BAR0 + 4 * i + 4, (u32)(base >> 32), 4);
		put(f->wm + PCI_BAR0 + 4 * i + 4, (u32)(wm >> 32), 4);
	}
}

/* A capability at off; the list pointer (or the previous next) is the caller's. */
static void fake_cap(struct fake_fn *f, u8 off, u8 id, u8 next)
{
	put(f->cfg + PCI_STATUS, get(f->cfg + PCI_STATUS, 2) | PCI_STATUS_CAP_LIST, 2);
	f->cfg[off] = id;
	f->cfg[off + 1] = next;
}

#define MEM32 0u
#define MEM64 4u
#define PREF 8u
#define IO 1u

/* ---- Addressing ---- */

static void test_addresses(void)
{
	/* §3.2.2.3.2: enable 31, bus 23:16, device 15:11, function 10:8, reg 7:2. */
	CHECK(pci_conf1_address(0, PCI_DEVFN(0x1f, 2), 0x40) == 0x8000fa40);
	CHECK(pci_conf1_address(1, PCI_DEVFN(0, 0), 0x10) == 0x80010010);
	CHECK(pci_conf1_address(0, PCI_DEVFN(3, 0), 0x3e) == 0x8000183c);
	CHECK(pci_conf1_address(0xff, 0xff, 0xff) == 0x80fffffc);
	CHECK(pci_conf1_address(0, 0, 0) == 0x80000000);
	CHECK(pci_conf1_data_port(0x3e) == 0xcfe && pci_conf1_data_port(0x3d) == 0xcfd);
	CHECK(pci_conf1_data_port(0x40) == 0xcfc && pci_conf1_data_port(0x0f) == 0xcff);
	/* PCIe §7.2.2: bus 27:20, device 19:15, function 14:12, reg 11:0. */
	CHECK(pci_ecam_offset(0, PCI_DEVFN(0x1f, 2), 0x40) == 0xfa040);
	CHECK(pci_ecam_offset(1, 0, 0x100) == 0x100100);
	CHECK(pci_ecam_offset(0xff, 0xff, 0xfff) == 0x0fffffff);
	CHECK(pci_ecam_offset(2, PCI_DEVFN(1, 0), 0) == 0x208000);
	CHECK(pci_ecam_offset(0, PCI_DEVFN(0, 1), 0) == 0x1000);
	/* Access validity. */
	CHECK(pci_cfg_access_ok(0, 4, 256) && pci_cfg_access_ok(0xfc, 4, 256));
	CHECK(!pci_cfg_access_ok(0x100, 4, 256) && pci_cfg_access_ok(0x100, 4, 4096));
	CHECK(pci_cfg_access_ok(0xfff, 1, 4096) && !pci_cfg_access_ok(0xfff, 2, 4096));
	CHECK(!pci_cfg_access_ok(2, 4, 256) && !pci_cfg_access_ok(1, 2, 256));
	CHECK(!pci_cfg_access_ok(0, 3, 256) && !pci_cfg_access_ok(0, 8, 256));
	CHECK(!pci_cfg_access_ok(0, 0, 256) && pci_cfg_access_ok(6, 2, 256));
	CHECK(!pci_cfg_access_ok(0xfffc, 4, 0xffff));
	CHECK(PCI_SLOT(0xfa) == 0x1f && PCI_FUNC(0xfa) == 2 && PCI_DEVFN(0x1f, 2) == 0xfa);
}

/* ---- MCFG ---- */

static size_t mcfg_build(u8 *t, int n, const u64 *base, const u16 *seg, const u8 *sb,
			 const u8 *eb)
{
	size_t len = 44 + 16 * (size_t)n;
	u8 sum = 0;

	memset(t, 0, len);
	memcpy(t, "MCFG", 4);
	put(t + 4, (u32)len, 4);
	t[8] = 1;
	memcpy(t + 10, "BOCHS ", 6);
	memcpy(t + 16, "BXPC    ", 8);
	for (int i = 0; i < n; i++) {
		u8 *e = t + 44 + 16 * i;

		put(e, (u32)base[i], 4);
		put(e + 4, (u32)(base[i] >> 32), 4);
		put(e + 8, seg[i], 2);
		e[10] = sb[i];
		e[11] = eb[i];
	}
	for (size_t i = 0; i < len; i++)
		sum += t[i];
	t[9] = (u8)-sum;
	return len;
}

/* Recomputes the checksum over the header's length, at most cap bytes. */
static void resum(u8 *t, u32 cap)
{
	u32 len = get(t + 4, 4) < cap ? get(t + 4, 4) : cap;
	u8 sum = 0;

	t[9] = 0;
	for (u32 i = 0; i < len; i++)
		sum += t[i];
	t[9] = (u8)-sum;
}

/* One allocation: parsed with result err; *out untouched when refused. */
static void mcfg_bad1(u64 base, u16 seg, u8 sb, u8 eb, int err)
{
	u8 t[64];
	struct pci_mcfg m;
	size_t len = mcfg_build(t, 1, &base, &seg, &sb, &eb);

	memset(&m, 0x5a, sizeof(m));
	CHECK(pci_mcfg_parse(t, len, &m) == err);
	if (err)
		CHECK(((u8 *)&m)[0] == 0x5a && ((u8 *)&m)[sizeof(m) - 1] == 0x5a);
	else
		CHECK(m.count == 1 && m.region[0].base == base && m.region[0].end_bus == eb);
}

static void test_mcfg(void)
{
	u8 t[44 + 16 * 20], t2[sizeof(t)];
	u64 base[20] = { 0xb0000000, 0xc0000000, 0x4000000000ull };
	u16 seg[20] = { 0, 1, 0 };
	u8 sb[20] = { 0, 0, 0x80 }, eb[20] = { 0x7f, 0x0f, 0xff };
	struct pci_mcfg m;
	u64 pa;
	size_t len;

	/* QEMU q35: one allocation, 0xb0000000, segment 0, buses 0-255. */
	eb[0] = 0xff;
	len = mcfg_build(t, 1, base, seg, sb, eb);
	CHECK(len == 60 && pci_mcfg_parse(t, len, &m) == 0 && m.count == 1);
	CHECK(m.region[0].base == 0xb0000000 && m.region[0].seg == 0);
	CHECK(m.region[0].start_bus == 0 && m.region[0].end_bus == 0xff);
	CHECK(pci_ecam_address(&m, 0, 1, 0, 0x100, &pa) == 0 && pa == 0xb0100100);
	CHECK(pci_ecam_address(&m, 0, 0, PCI_DEVFN(0x1f, 2), 0x40, &pa) == 0 &&
	      pa == 0xb00fa040);
	CHECK(pci_ecam_address(&m, 0, 0xff, 0xff, 0xffc, &pa) == 0 && pa == 0xbffffffc);
	CHECK(pci_ecam_address(&m, 1, 0, 0, 0, &pa) == -ENODEV);
	CHECK(pci_ecam_address(&m, 0, 0, 0, 0x1000, &pa) == -EINVAL);
	/* A larger mapping than the table is fine; the header length rules. */
	CHECK(pci_mcfg_parse(t, sizeof(t), &m) == 0 && m.count == 1);

	/* Three allocations: two segments, one starting at bus 0x80 (its base is
	 * still where bus 0 would be). */
	eb[0] = 0x7f;
	len = mcfg_build(t, 3, base, seg, sb, eb);
	CHECK(pci_mcfg_parse(t, len, &m) == 0 && m.count == 3);
	CHECK(pci_mcfg_find(&m, 0, 0x7f) == &m.region[0]);
	CHECK(pci_mcfg_find(&m, 0, 0x80) == &m.region[2]);
	CHECK(pci_mcfg_find(&m, 1, 0x0f) == &m.region[1]);
	CHECK(pci_mcfg_find(&m, 1, 0x10) == NULL && pci_mcfg_find(&m, 2, 0) == NULL);
	CHECK(pci_ecam_address(&m, 0, 0x80, PCI_DEVFN(2, 0), 0x10, &pa) == 0 &&
	      pa == 0x4000000000ull + 0x08010010ull);
	CHECK(pci_ecam_address(&m, 1, 3, 0, 4, &pa) == 0 && pa == 0xc0300004);
	CHECK(pci_ecam_address(&m, 1, 0x10, 0, 0, &pa) == -ENODEV);

	/* Corrupt headers. */
	memcpy(t2, t, len);
	t2[20] ^= 1;		/* checksum */
	CHECK(pci_mcfg_parse(t2, len, &m) == -EINVAL);
	memcpy(t2, t, len);
	t2[0] = 'X';
	resum(t2, sizeof(t2));
	CHECK(pci_mcfg_parse(t2, len, &m) == -EINVAL);
	CHECK(pci_mcfg_parse(t, len - 1, &m) == -EINVAL);	/* length beyond the mapping */
	CHECK(pci_mcfg_parse(t, 43, &m) == -EINVAL);
	CHECK(pci_mcfg_parse(NULL, 100, &m) == -EINVAL);
	memcpy(t2, t, len);
	put(t2 + 4, (u32)len - 4, 4);		/* not 44 + 16n */
	resum(t2, sizeof(t2));
	CHECK(pci_mcfg_parse(t2, len, &m) == -EINVAL);
	put(t2 + 4, 40, 4);			/* shorter than the header */
	resum(t2, sizeof(t2));
	CHECK(pci_mcfg_parse(t2, len, &m) == -EINVAL);
	put(t2 + 4, 0xffffffff, 4);
	resum(t2, sizeof(t2));
	CHECK(pci_mcfg_parse(t2, len, &m) == -EINVAL);
	len = mcfg_build(t2, 0, base, seg, sb, eb);
	CHECK(len == 44 && pci_mcfg_parse(t2, len, &m) == -ENOENT);
	for (int i = 0; i < 17; i++) {
		base[i] = 0x100000000ull * (i + 1);
		seg[i] = (u16)i;
		sb[i] = 0;
		eb[i] = 0xff;
	}
	len = mcfg_build(t, 16, base, seg, sb, eb);
	CHECK(pci_mcfg_parse(t, len, &m) == 0 && m.count == 16);
	CHECK(pci_mcfg_find(&m, 15, 0xff) == &m.region[15]);
	len = mcfg_build(t, 17, base, seg, sb, eb);
	CHECK(pci_mcfg_parse(t, len, &m) == -E2BIG);

	/* Corrupt allocations. */
	mcfg_bad1(0xb0000000, 0, 5, 4, -EINVAL);		/* end < start */
	mcfg_bad1(0xb0080000, 0, 0, 0xff, -EINVAL);		/* not 1 MiB aligned */
	mcfg_bad1(0xb0000001, 0, 0, 0, -EINVAL);
	mcfg_bad1(0, 0, 0, 0xff, -EINVAL);			/* zero */
	mcfg_bad1(0xfffffffff0000000ull, 0, 0, 0xff, -EINVAL);	/* wraps */
	mcfg_bad1(0xffffffffffe00000ull, 0, 0, 1, -EINVAL);	/* ends exactly at 2^64 */
	mcfg_bad1(0xfffffffffff00000ull, 0, 0, 0, -EINVAL);
	mcfg_bad1(0xffffffffffd00000ull, 0, 0, 1, 0);		/* fits */
	mcfg_bad1(0xb0000000, 0, 7, 7, 0);			/* one bus */
	/* Overlapping allocations of one segment; other segments may reuse buses. */
	base[0] = 0xb0000000;
	base[1] = 0xe0000000;
	seg[0] = seg[1] = 0;
	sb[0] = 0;
	eb[0] = 0x10;
	sb[1] = 0x10;
	eb[1] = 0x20;
	len = mcfg_build(t, 2, base, seg, sb, eb);
	CHECK(pci_mcfg_parse(t, len, &m) == -EINVAL);
	sb[1] = 0x11;
	len = mcfg_build(t, 2, base, seg, sb, eb);
	CHECK(pci_mcfg_parse(t, len, &m) == 0 && m.count == 2);
	seg[1] = 3;
	sb[1] = 0;
	len = mcfg_build(t, 2, base, seg, sb, eb);
	CHECK(pci_mcfg_parse(t, len, &m) == 0 && pci_mcfg_find(&m, 3, 0) == &m.region[1]);
}

/* ---- MCFG fuzz: random and mutated tables against a plain reference ---- */

/* The rules of pci_mcfg_parse (pci.h), written out again as plainly as can be. */
static int mcfg_ref(const u8 *t, size_t len)
{
	u32 length, n;
	u8 sum = 0;

	if (len < 44 || memcmp(t, "MCFG", 4))
		return -EINVAL;
	length = get(t + 4, 4);
	if (length < 44 || length > len || (length - 44) % 16)
		return -EINVAL;
	for (u32 i = 0; i < length; i++)
		sum += t[i];
	n = (length - 44) / 16;
	if (sum)
		return -EINVAL;
	if (n == 0)
		return -ENOENT;
	if (n > PCI_MCFG_MAX)
		return -E2BIG;
	for (u32 i = 0; i < n; i++) {
		const u8 *e = t + 44 + 16 * i;
		u64 base = get(e, 4) | (u64)get(e + 4, 4) << 32;
		unsigned __int128 end = (unsigned __int128)base + ((u64)e[11] + 1) * 0x100000;

		if (!base || base % 0x100000 || e[11] < e[10] || end > ((unsigned __int128)1 << 64) - 1)
			return -EINVAL;
		for (u32 j = 0; j < i; j++) {
			const u8 *f = t + 44 + 16 * j;

			if (get(e + 8, 2) == get(f + 8, 2) && !(e[11] < f[10] || f[11] < e[10]))
				return -EINVAL;
		}
	}
	return 0;
}

/* An accepted table: every region as its bytes say, segment 0 bus 0 found
 * exactly when some allocation decodes it. */
static void mcfg_fuzz_accepted(const u8 *t, const struct pci_mcfg *m)
{
	const struct pci_mcfg_region *r0 = pci_mcfg_find(m, 0, 0);
	bool has0 = false;

	CHECK(m->count >= 1 && m->count <= PCI_MCFG_MAX && m->count == (get(t + 4, 4) - 44) / 16);
	for (u32 i = 0; i < m->count; i++) {
		const u8 *e = t + 44 + 16 * i;
		const struct pci_mcfg_region *r = &m->region[i];

		CHECK(r->base == (get(e, 4) | (u64)get(e + 4, 4) << 32) && r->seg == get(e + 8, 2));
		CHECK(r->start_bus == e[10] && r->end_bus == e[11] && r->start_bus <= r->end_bus);
		CHECK(r->base && !(r->base & 0xfffff));
		CHECK(r->base + ((u64)(r->end_bus + 1) << 20) > r->base);
		has0 |= r->seg == 0 && r->start_bus == 0;
	}
	CHECK(has0 == (r0 != NULL) && (!r0 || (r0->seg == 0 && r0->start_bus == 0)));
}

static u32 rnd32(void);

static int mcfg_fuzz_one(u8 *buf, size_t cap)
{
	u64 base[PCI_MCFG_MAX + 4];
	u16 seg[PCI_MCFG_MAX + 4];
	u8 sb[PCI_MCFG_MAX + 4], eb[PCI_MCFG_MAX + 4], *t;
	int n = (int)(rnd32() % (PCI_MCFG_MAX + 4));
	size_t len;
	struct pci_mcfg m;
	int rc, ref;

	bool clean = rnd32() % 2;	/* well-formed allocations, before mutation */

	for (int i = 0; i < n; i++) {
		u32 r = clean ? 0 : rnd32();

		base[i] = ((u64)(1 + rnd32() % 0xfff) << 28) + ((u64)(rnd32() % 16) << 20);
		if (r % 8 == 1)
			base[i] = (u64)rnd32() << 32 | rnd32();	/* mostly unaligned */
		else if (r % 8 == 2)
			base[i] = 0;
		else if (r % 8 == 3)	/* near 2^64: some wrap */
			base[i] = 0xfffffffffff00000ull - ((u64)(rnd32() % 512) << 20);
		seg[i] = (u16)(r % 8 == 4 ? rnd32() : rnd32() % 4 ? 0 : rnd32() % 3);
		sb[i] = (u8)(r % 8 == 5 ? rnd32() : (u32)i * 16);
		eb[i] = (u8)(r % 8 == 6 ? rnd32() : sb[i] + rnd32() % 16);
	}
	len = mcfg_build(buf, n, base, seg, sb, eb);
	/* Mutations: flipped bytes (checksum redone or not), another length, a
	 * shorter mapping than the table. */
	for (u32 k = rnd32() % 4 ? 0 : 1 + rnd32() % 4; k; k--)
		buf[rnd32() % len] ^= (u8)(1u << (rnd32() % 8));
	if (rnd32() % 8 == 0)
		put(buf + 4, rnd32() % 4 ? (u32)len + 16 * (rnd32() % 3) - 16 + rnd32() % 2 : rnd32(), 4);
	if (rnd32() % 2)
		resum(buf, (u32)cap);
	if (rnd32() % 8 == 0)
		len = rnd32() % (len + 1);
	/* Exactly len bytes on the heap: ASan sees any read past the mapping. */
	t = malloc(len ? len : 1);
	CHECK(t != NULL);
	memcpy(t, buf, len);
	memset(&m, 0x5a, sizeof(m));
	rc = pci_mcfg_parse(t, len, &m);
	ref = mcfg_ref(t, len);
	CHECK(rc == ref);
	if (rc)
		CHECK(((u8 *)&m)[0] == 0x5a && ((u8 *)&m)[sizeof(m) - 1] == 0x5a);
	else
		mcfg_fuzz_accepted(t, &m);
	free(t);
	return rc;
}

static void test_mcfg_fuzz(int iterations)
{
	static u8 buf[44 + 16 * (PCI_MCFG_MAX + 4)];
	long ok = 0, inval = 0, noent = 0, big = 0;

	for (int i = 0; i < iterations; i++) {
		int rc = mcfg_fuzz_one(buf, sizeof(buf));

		ok += rc == 0;
		inval += rc == -EINVAL;
		noent += rc == -ENOENT;
		big += rc == -E2BIG;
	}
	/* The generator reaches every outcome, not only the first checks. */
	CHECK(ok + inval + noent + big == iterations);
	CHECK(ok >= iterations / 20 && inval >= iterations / 4);
	CHECK(noent >= iterations / 100 && big >= iterations / 100);
	printf("mcfg fuzz: %d tables, %ld accepted, %ld corrupt, %ld empty, %ld too many\n",
	       iterations, ok, inval, noent, big);
}

/* ---- A q35 machine: -device nvme -device ahci -device e1000, and a bridge ---- */

static void q35_build(void)
{
	struct fake_fn *f;

	fake_reset(sizeof(fake[0].cfg));
	/* 00:00.0 MCH host bridge. */
	fake_add(0, 0, 0, 0x8086, 0x29c0, 0x060000, 0x00);
	/* 00:01.0 std VGA: prefetchable framebuffer and an MMIO BAR. */
	f = fake_add(0, 1, 0, 0x1234, 0x1111, 0x030000, 0x00);
	fake_bar(f, 0, 0xfd000000, 16 << 20, MEM32 | PREF);
	fake_bar(f, 2, 0xfebf0000, 0x1000, MEM32);
	put(f->cfg + PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_IO, 2);
	/* 00:02.0 NVMe: 64-bit BAR0 above 4 GiB; MSI-X, PM, PCIe capabilities. */
	f = fake_add(0, 2, 0, 0x1b36, 0x0010, 0x010802, 0x00);
	fake_bar(f, 0, 0x800000000ull, 0x4000, MEM64);
	put(f->cfg + PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_IO | PCI_CMD_MASTER, 2);
	f->cfg[PCI_CAP_PTR] = 0x40;
	fake_cap(f, 0x40, PCI_CAP_ID_MSIX, 0x60);
	put(f->cfg + 0x42, 64, 2);		/* 65 entries */
	put(f->cfg + 0x44, 0x2000, 4);		/* table: BIR 0, offset 0x2000 */
	put(f->cfg + 0x48, 0x3000, 4);		/* PBA: BIR 0, offset 0x3000 */
	fake_cap(f, 0x60, 0x01, 0x80);
	fake_cap(f, 0x80, 0x10, 0x00);
	f->cfg[PCI_INT_PIN] = 1;
	f->cfg[PCI_INT_LINE] = 10;
	/* 00:03.0 e1000: 128 KiB MMIO, 64 ports; single function, but the
	 * fake also answers at 00:03.1 (that must not be looked at). */
	f = fake_add(0, 3, 0, 0x8086, 0x100e, 0x020000, 0x00);
	fake_bar(f, 0, 0xfeb80000, 0x20000, MEM32);
	fake_bar(f, 1, 0xc000, 0x40, IO);
	put(f->cfg + PCI_COMMAND, 0x0103, 2);
	f->cfg[PCI_INT_PIN] = 1;
	f->cfg[PCI_INT_LINE] = 11;
	fake_add(0, 3, 1, 0x8086, 0x100e, 0x020000, 0x00);
	/* 00:04.0 PCI-PCI bridge to bus 1: a 256-byte BAR, MSI (64-bit,
	 * per-vector masking) and a slot-id capability. */
	f = fake_add(0, 4, 0, 0x1b36, 0x0001, 0x060400, 0x01);
	fake_bar(f, 0, 0xfebf1000, 0x100, MEM32);
	f->cfg[PCI_PRIMARY_BUS] = 0;
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f->cfg[PCI_SUBORDINATE_BUS] = 1;
	f->cfg[PCI_CAP_PTR] = 0x48;
	fake_cap(f, 0x48, PCI_CAP_ID_MSI, 0x60);
	put(f->cfg + 0x4a, 0x0180, 2);
	fake_cap(f, 0x60, 0x04, 0x00);
	/* 01:00.0 behind it: virtio-blk (legacy I/O, MMIO, 64-bit prefetchable). */
	f = fake_add(1, 0, 0, 0x1af4, 0x1001, 0x010000, 0x00);
	fake_bar(f, 0, 0xd000, 0x40, IO);
	fake_bar(f, 1, 0xfe800000, 0x1000, MEM32);
	fake_bar(f, 4, 0xfe000000, 0x4000, MEM64 | PREF);
	put(f->cfg + PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_IO, 2);
	/* 00:06.1 with no function 0: the device is skipped. */
	fake_add(0, 6, 1, 0x8086, 0x1234, 0x020000, 0x00);
	/* 00:1f.0 ICH9 LPC, multi-function; .2 AHCI; .3 SMBus. */
	fake_add(0, 0x1f, 0, 0x8086, 0x2918, 0x060100, 0x80);
	f = fake_add(0, 0x1f, 2, 0x8086, 0x2922, 0x010601, 0x00);
	fake_bar(f, 4, 0xc040, 0x20, IO);
	fake_bar(f, 5, 0xfebf2000, 0x1000, MEM32);
	put(f->cfg + PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_IO | PCI_CMD_MASTER, 2);
	f->cfg[PCI_CAP_PTR] = 0x80;
	fake_cap(f, 0x80, PCI_CAP_ID_MSI, 0xa8);
	put(f->cfg + 0x82, 0x0080, 2);		/* 64-bit address */
	fake_cap(f, 0xa8, 0x12, 0x00);
	f->cfg[PCI_INT_PIN] = 1;
	f = fake_add(0, 0x1f, 3, 0x8086, 0x2930, 0x0c0500, 0x00);
	fake_bar(f, 4, 0x0700, 0x40, IO);
	f->cfg[PCI_INT_PIN] = 1;
}

static void check_bar(const struct pci_dev *d, int i, u8 type, u64 base, u64 size, bool pf)
{
	CHECK(d->bar[i].type == type);
	CHECK(d->bar[i].base == base);
	CHECK(d->bar[i].size == size);
	CHECK(d->bar[i].prefetch == pf);
}

static void check_no_bars(const struct pci_dev *d, int from)
{
	for (int i = from; i < PCI_NR_BARS; i++)
		CHECK(d->bar[i].type == PCI_BAR_NONE && d->bar[i].size == 0);
}

static void q35_check(struct pci_table *t)
{
	struct pci_dev *d;

	CHECK(t->count == 9 && t->overflow == 0 && t->refused == 0 && t->buses == 2);
	d = pci_lookup(t, 0, 0, PCI_DEVFN(0, 0));
	CHECK(d && d->vendor == 0x8086 && d->device == 0x29c0 && d->class_code == 0x060000);
	CHECK(d->revision == 2 && d->hdr_type == 0 && !d->multifunction && d->nr_caps == 0);
	check_no_bars(d, 0);
	d = pci_lookup(t, 0, 0, PCI_DEVFN(1, 0));
	CHECK(d && d->device == 0x1111 && d->class_code == 0x030000);
	check_bar(d, 0, PCI_BAR_MEM32, 0xfd000000, 16 << 20, true);
	check_bar(d, 1, PCI_BAR_NONE, 0, 0, false);
	check_bar(d, 2, PCI_BAR_MEM32, 0xfebf0000, 0x1000, false);
	check_no_bars(d, 3);

	d = pci_lookup(t, 0, 0, PCI_DEVFN(2, 0));
	CHECK(d && d->vendor == 0x1b36 && d->device == 0x0010 && d->class_code == 0x010802);
	check_bar(d, 0, PCI_BAR_MEM64, 0x800000000ull, 0x4000, false);
	CHECK(d->bar[1].type == PCI_BAR_UPPER && d->bar[1].size == 0);
	check_no_bars(d, 2);
	CHECK(d->nr_caps == 3 && d->cap_off[0] == 0x40 && d->cap_id[0] == PCI_CAP_ID_MSIX);
	CHECK(d->cap_off[1] == 0x60 && d->cap_id[1] == 1);
	CHECK(d->cap_off[2] == 0x80 && d->cap_id[2] == 0x10);
	CHECK(d->msix_cap == 0x40 && d->msix_entries == 65 && d->msi_cap == 0);
	CHECK(d->msix_table == 0x2000 && d->msix_pba == 0x3000 && d->flags == 0);
	CHECK(d->irq_pin == 1 && d->irq_line == 10);

	d = pci_lookup(t, 0, 0, PCI_DEVFN(3, 0));
	CHECK(d && d->device == 0x100e && d->class_code == 0x020000 && d->nr_caps == 0);
	check_bar(d, 0, PCI_BAR_MEM32, 0xfeb80000, 0x20000, false);
	check_bar(d, 1, PCI_BAR_IO, 0xc000, 0x40, false);
	check_no_bars(d, 2);
	CHECK(d->irq_pin == 1 && d->irq_line == 11 && d->msi_cap == 0 && d->msix_cap == 0);
	CHECK(!pci_lookup(t, 0, 0, PCI_DEVFN(3, 1)));	/* single-function device */

	d = pci_lookup(t, 0, 0, PCI_DEVFN(4, 0));
	CHECK(d && d->hdr_type == 1 && d->sec_bus == 1 && d->sub_bus == 1);
	check_bar(d, 0, PCI_BAR_MEM32, 0xfebf1000, 0x100, false);
	check_no_bars(d, 1);
	CHECK(d->msi_cap == 0x48 && d->msi_len == 24 && d->nr_caps == 2);

	d = pci_lookup(t, 0, 1, PCI_DEVFN(0, 0));
	CHECK(d && d->vendor == 0x1af4 && d->device == 0x1001 && d->bus == 1);
	check_bar(d, 0, PCI_BAR_IO, 0xd000, 0x40, false);
	check_bar(d, 1, PCI_BAR_MEM32, 0xfe800000, 0x1000, false);
	check_bar(d, 2, PCI_BAR_NONE, 0, 0, false);
	check_bar(d, 3, PCI_BAR_NONE, 0, 0, false);
	check_bar(d, 4, PCI_BAR_MEM64, 0xfe000000, 0x4000, true);
	CHECK(d->bar[5].type == PCI_BAR_UPPER);

	CHECK(!pci_lookup(t, 0, 0, PCI_DEVFN(6, 1)) && !pci_lookup(t, 0, 0, PCI_DEVFN(6, 0)));
	d = pci_lookup(t, 0, 0, PCI_DEVFN(0x1f, 0));
	CHECK(d && d->device == 0x2918 && d->multifunction && d->class_code == 0x060100);
	check_no_bars(d, 0);
	CHECK(!pci_lookup(t, 0, 0, PCI_DEVFN(0x1f, 1)));
	d = pci_lookup(t, 0, 0, PCI_DEVFN(0x1f, 2));
	CHECK(d && d->device == 0x2922 && d->class_code == 0x010601 && !d->multifunction);
	check_no_bars(d, 0 + 6);
	for (int i = 0; i < 4; i++)
		CHECK(d->bar[i].type == PCI_BAR_NONE);
	check_bar(d, 4, PCI_BAR_IO, 0xc040, 0x20, false);
	check_bar(d, 5, PCI_BAR_MEM32, 0xfebf2000, 0x1000, false);
	CHECK(d->msi_cap == 0x80 && d->msi_len == 14 && d->nr_caps == 2);
	CHECK(d->cap_off[1] == 0xa8 && d->cap_id[1] == 0x12);
	d = pci_lookup(t, 0, 0, PCI_DEVFN(0x1f, 3));
	CHECK(d && d->device == 0x2930 && d->class_code == 0x0c0500);
	check_bar(d, 4, PCI_BAR_IO, 0x0700, 0x40, false);
	CHECK(!pci_lookup(t, 1, 0, 0) && !pci_lookup(t, 0, 2, 0));
	/* Walk order: bus 0 in device order, then what lies behind the bridge. */
	CHECK(t->dev[0].devfn == 0 && t->dev[4].devfn == PCI_DEVFN(4, 0));
	CHECK(t->dev[8].bus == 1 && t->dev[7].devfn == PCI_DEVFN(0x1f, 3));
}

static void test_q35(void)
{
	static struct pci_table t;
	static struct fake_fn before[FAKE_MAX];

	q35_build();
	memcpy(before, fake, sizeof(fake[0]) * nfake);
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	q35_check(&t);
	/* Every register is as it was; decode was off during each sizing. */
	for (int i = 0; i < nfake; i++)
		CHECK(!memcmp(before[i].cfg, fake[i].cfg, sizeof(fake[i].cfg)));
	CHECK(decode_violations == 0 && fake_writes > 0);

	/* The same machine with junk above the bytes each read asked for. */
	fake_mode = FAKE_DIRTY;
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	q35_check(&t);
	/* Bus range: ECAM decoding only bus 0 stops at the bridge's range. */
	fake_mode = FAKE_CLEAN;
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0) == 0);
	CHECK(t.count == 8 && t.refused == 1 && t.buses == 1);
	/* Appending a second pass (another segment: nothing answers there). */
	CHECK(pci_enumerate(&t, &fake_ops, 1, 0, 0xff) == 0 && t.count == 8 && t.buses == 2);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 1, 0) == -EINVAL);
	CHECK(pci_enumerate(&t, NULL, 0, 0, 0) == -EINVAL);
	/* Starting on bus 1 sees the one device there. */
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 1, 1) == 0 && t.count == 1 && t.dev[0].bus == 1);
}

/* ---- Hostile topologies ---- */

static struct fake_fn *bridge(u8 bus, u8 dev, u8 sec, u8 sub)
{
	struct fake_fn *f = fake_add(bus, dev, 0, 0x1b36, 0x0001, 0x060400, 0x01);

	f->cfg[PCI_PRIMARY_BUS] = bus;
	f->cfg[PCI_SECONDARY_BUS] = sec;
	f->cfg[PCI_SUBORDINATE_BUS] = sub;
	return f;
}

static void test_topology(void)
{
	static struct pci_table t;

	/* Nothing answers: config reads return all-ones everywhere. */
	q35_build();
	fake_mode = FAKE_ALL_ONES;
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	CHECK(t.count == 0 && t.buses == 1 && t.refused == 0 && fake_writes == 0);
	CHECK(fake_reads == 32);

	/* Bridges to themselves, to bus 0, twice to one bus, backwards, and
	 * beyond their parent's range: none is followed. */
	fake_reset(PCI_CFG_SIZE);
	bridge(0, 1, 0, 5);		/* secondary 0: refused */
	bridge(0, 2, 1, 1);
	bridge(1, 0, 1, 1);		/* itself */
	bridge(1, 1, 0, 0);		/* unconfigured: skipped quietly */
	bridge(1, 2, 0, 3);		/* bus 0 */
	bridge(0, 3, 1, 1);		/* bus 1 again */
	bridge(0, 4, 2, 3);
	bridge(2, 0, 3, 3);
	bridge(3, 0, 2, 3);		/* back up */
	bridge(3, 1, 4, 4);		/* outside 2-3 */
	fake_add(3, 2, 0, 0x8086, 0x100e, 0x020000, 0);
	fake_add(4, 0, 0, 0x8086, 0x100e, 0x020000, 0);	/* unreachable */
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	CHECK(t.buses == 4 && t.refused == 6 && t.count == 11 && t.overflow == 0);
	CHECK(pci_lookup(&t, 0, 3, PCI_DEVFN(2, 0)) && !pci_lookup(&t, 0, 4, 0));
	for (u32 i = 0; i < t.count; i++)
		for (u32 j = 0; j < i; j++)
			CHECK(t.dev[i].bus != t.dev[j].bus || t.dev[i].devfn != t.dev[j].devfn);

	/* A chain of 255 bridges walks all 256 buses once; the last bridge
	 * points back to bus 1. The table keeps the first 64 functions. */
	fake_reset(PCI_CFG_SIZE);
	for (int b = 0; b < 255; b++)
		bridge((u8)b, 0, (u8)(b + 1), 0xff);
	bridge(0xff, 0, 1, 0xff);
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	CHECK(t.buses == 256 && t.count == PCI_MAX_DEVICES && t.overflow == 256 - 64);
	CHECK(t.refused == 1 && t.dev[63].bus == 63);

	/* One bus full of multi-function devices: 256 functions. */
	fake_reset(PCI_CFG_SIZE);
	for (int d = 0; d < 32; d++)
		for (int fn = 0; fn < 8; fn++)
			fake_add(0, (u8)d, (u8)fn, 0x8086, 0x1000, 0x020000, 0x80);
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	CHECK(t.count == 64 && t.overflow == 192 && t.buses == 1);
	CHECK(t.dev[63].devfn == PCI_DEVFN(7, 7) && pci_lookup(&t, 0, 0, PCI_DEVFN(7, 7)));
	CHECK(!pci_lookup(&t, 0, 0, PCI_DEVFN(8, 0)));
	/* A vendor ID of 0 is no function either. */
	fake_reset(PCI_CFG_SIZE);
	fake_add(0, 5, 0, 0x0000, 0x1000, 0x020000, 0x80);
	fake_add(0, 5, 1, 0x8086, 0x1000, 0x020000, 0x00);
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0 && t.count == 0);
}

/* Enumerates a machine holding just f at 00:00.0; returns its entry. */
static const struct pci_dev *one(struct pci_table *t)
{
	pci_table_init(t);
	CHECK(pci_enumerate(t, &fake_ops, 0, 0, 0xff) == 0 && t->count == 1);
	return &t->dev[0];
}

static struct fake_fn *single(void)
{
	fake_reset(PCI_CFG_SIZE);
	return fake_add(0, 0, 0, 0x8086, 0x100e, 0x020000, 0);
}

static void test_caps(void)
{
	static struct pci_table t;
	const struct pci_dev *d;
	struct fake_fn *f;

	f = single();				/* a loop onto itself */
	f->cfg[PCI_CAP_PTR] = 0x40;
	fake_cap(f, 0x40, 0x01, 0x40);
	d = one(&t);
	CHECK(d->nr_caps == 1 && d->flags == PCI_DEV_CAP_BAD);
	f = single();				/* a longer loop */
	f->cfg[PCI_CAP_PTR] = 0x40;
	fake_cap(f, 0x40, 0x01, 0x50);
	fake_cap(f, 0x50, PCI_CAP_ID_MSI, 0x40);
	d = one(&t);
	CHECK(d->nr_caps == 2 && d->flags == PCI_DEV_CAP_BAD && d->msi_cap == 0x50);
	CHECK(d->msi_len == 10);
	f = single();				/* into the header */
	f->cfg[PCI_CAP_PTR] = 0x30;
	fake_cap(f, 0x30, 0x01, 0);
	d = one(&t);
	CHECK(d->nr_caps == 0 && d->flags == PCI_DEV_CAP_BAD);
	f = single();				/* unaligned, first and later */
	f->cfg[PCI_CAP_PTR] = 0x41;
	fake_cap(f, 0x41, 0x01, 0);
	CHECK(one(&t)->nr_caps == 0 && t.dev[0].flags == PCI_DEV_CAP_BAD);
	f->cfg[PCI_CAP_PTR] = 0x40;
	fake_cap(f, 0x40, 0x01, 0x62);
	CHECK(one(&t)->nr_caps == 1 && t.dev[0].flags == PCI_DEV_CAP_BAD);
	f = single();				/* no list: the pointer is ignored */
	f->cfg[PCI_CAP_PTR] = 0x40;
	f->cfg[0x40] = PCI_CAP_ID_MSI;
	d = one(&t);
	CHECK(d->nr_caps == 0 && d->flags == 0 && d->msi_cap == 0);

	/* 48 capabilities fill every dword from 0x40; then one more is a loop. */
	f = single();
	f->cfg[PCI_CAP_PTR] = 0x40;
	for (int off = 0x40; off <= 0xfc; off += 4)
		fake_cap(f, (u8)off, 0x09, (u8)(off == 0xfc ? 0 : off + 4));
	d = one(&t);
	CHECK(d->nr_caps == PCI_MAX_CAPS && d->flags == 0 && d->cap_off[47] == 0xfc);
	f->cfg[0xfd] = 0x40;
	d = one(&t);
	CHECK(d->nr_caps == PCI_MAX_CAPS && d->flags == PCI_DEV_CAP_BAD);

	/* MSI and MSI-X running past the config space are refused. */
	f = single();
	f->cfg[PCI_CAP_PTR] = 0xf0;
	fake_cap(f, 0xf0, PCI_CAP_ID_MSI, 0);
	put(f->cfg + 0xf2, 0x0180, 2);		/* 24 bytes */
	d = one(&t);
	CHECK(d->nr_caps == 1 && d->msi_cap == 0 && d->flags == PCI_DEV_CAP_BAD);
	put(f->cfg + 0xf2, 0x0000, 2);		/* 10 bytes: fits */
	d = one(&t);
	CHECK(d->msi_cap == 0xf0 && d->msi_len == 10 && d->flags == 0);
	put(f->cfg + 0xf2, 0x0100, 2);		/* 20 bytes */
	CHECK(one(&t)->msi_cap == 0 && t.dev[0].flags == PCI_DEV_CAP_BAD);
	f = single();
	f->cfg[PCI_CAP_PTR] = 0xf8;
	fake_cap(f, 0xf8, PCI_CAP_ID_MSIX, 0);
	d = one(&t);
	CHECK(d->msix_cap == 0 && d->flags == PCI_DEV_CAP_BAD);
	f->cfg[PCI_CAP_PTR] = 0xf4;
	fake_cap(f, 0xf4, PCI_CAP_ID_MSIX, 0);
	put(f->cfg + 0xf6, 0x07ff, 2);
	d = one(&t);
	CHECK(d->msix_cap == 0xf4 && d->msix_entries == 2048 && d->flags == 0);
	/* Two MSI capabilities: the first counts. */
	f = single();
	f->cfg[PCI_CAP_PTR] = 0x50;
	fake_cap(f, 0x50, PCI_CAP_ID_MSI, 0x60);
	put(f->cfg + 0x52, 0x0080, 2);
	fake_cap(f, 0x60, PCI_CAP_ID_MSI, 0);
	d = one(&t);
	CHECK(d->msi_cap == 0x50 && d->msi_len == 14 && d->nr_caps == 2);
}

static void test_bars(void)
{
	static struct pci_table t;
	const struct pci_dev *d;
	struct fake_fn *f;
	u8 before[PCI_CFG_SIZE];

	/* A mask that is not contiguous: not a power of two, refused. */
	f = single();
	fake_bar(f, 0, 0xfe000000, 0x1000, MEM32);
	put(f->wm + PCI_BAR0, 0xfff0f000, 4);
	fake_bar(f, 1, 0xfeb00000, 0x100000, MEM32);
	put(f->cfg + PCI_COMMAND, PCI_CMD_MEM, 2);
	memcpy(before, f->cfg, sizeof(before));
	d = one(&t);
	CHECK(d->bar[0].type == PCI_BAR_BAD && d->bar[0].size == 0);
	CHECK(d->flags == PCI_DEV_BAR_BAD);
	check_bar(d, 1, PCI_BAR_MEM32, 0xfeb00000, 0x100000, false);
	CHECK(!memcmp(before, f->cfg, sizeof(before)) && decode_violations == 0);
	CHECK(ones_at[PCI_BAR0 / 4] == 1 && ones_at[PCI_BAR0 / 4 + 5] == 1);

	/* I/O decoding 16 bits (upper half reads 0); I/O over 256 ports. */
	f = single();
	put(f->cfg + PCI_BAR0, 0xc001, 4);
	put(f->wm + PCI_BAR0, 0x0000ffe0, 4);
	put(f->cfg + PCI_BAR0 + 4, 0xd001, 4);
	put(f->wm + PCI_BAR0 + 4, 0xfffff000, 4);
	d = one(&t);
	check_bar(d, 0, PCI_BAR_IO, 0xc000, 0x20, false);
	CHECK(d->bar[1].type == PCI_BAR_BAD && d->flags == PCI_DEV_BAR_BAD);

	/* Reserved memory types 01 and 11; 64-bit in the last slot. */
	f = single();
	put(f->cfg + PCI_BAR0, 0x000f0002, 4);
	put(f->wm + PCI_BAR0, 0xfffff000, 4);
	put(f->cfg + PCI_BAR0 + 4, 0xfe000006, 4);
	put(f->wm + PCI_BAR0 + 4, 0xfffff000, 4);
	put(f->cfg + PCI_BAR0 + 20, 0xfe100004, 4);
	put(f->wm + PCI_BAR0 + 20, 0xfffff000, 4);
	d = one(&t);
	CHECK(d->bar[0].type == PCI_BAR_BAD && d->bar[1].type == PCI_BAR_BAD);
	CHECK(d->bar[5].type == PCI_BAR_BAD && d->bar[4].type == PCI_BAR_NONE);
	CHECK(ones_at[PCI_BAR0 / 4 + 6] == 0);	/* nothing past BAR5 */

	/* A 64-bit BAR refused takes its upper half with it; the next is sized. */
	f = single();
	fake_bar(f, 0, 0xfe000000, 0x1000, MEM64);
	put(f->wm + PCI_BAR0 + 4, 0xfffffff0, 4);	/* a hole in the upper half */
	fake_bar(f, 2, 0xfe100000, 0x1000, MEM32);
	d = one(&t);
	CHECK(d->bar[0].type == PCI_BAR_BAD && d->bar[1].type == PCI_BAR_BAD);
	check_bar(d, 2, PCI_BAR_MEM32, 0xfe100000, 0x1000, false);
	CHECK(ones_at[PCI_BAR0 / 4 + 1] == 1 && d->flags == PCI_DEV_BAR_BAD);

	/* Only type bits, no address bits: refused. */
	f = single();
	put(f->cfg + PCI_BAR0, 0x8, 4);
	CHECK(one(&t)->bar[0].type == PCI_BAR_BAD);

	/* 64-bit: upper half hardwired to 0 (decodes below 4 GiB); 8 GiB. */
	f = single();
	fake_bar(f, 0, 0xfebf0000, 0x1000, MEM64);
	put(f->wm + PCI_BAR0 + 4, 0, 4);
	fake_bar(f, 2, 0x400000000ull, 0x200000000ull, MEM64 | PREF);
	d = one(&t);
	check_bar(d, 0, PCI_BAR_MEM64, 0xfebf0000, 0x1000, false);
	check_bar(d, 2, PCI_BAR_MEM64, 0x400000000ull, 0x200000000ull, true);
	CHECK(d->bar[1].type == PCI_BAR_UPPER && d->bar[3].type == PCI_BAR_UPPER);
	CHECK(d->flags == 0);
	/* The largest 64-bit BAR: 2^63 bytes. */
	f = single();
	fake_bar(f, 0, 0x8000000000000000ull, 0x8000000000000000ull, MEM64);
	check_bar(one(&t), 0, PCI_BAR_MEM64, 0x8000000000000000ull,
		  0x8000000000000000ull, false);

	/* A bridge has two BARs; its bus numbers (0x18) are never sized. */
	fake_reset(PCI_CFG_SIZE);
	f = bridge(0, 0, 0, 0);
	fake_bar(f, 0, 0xfe000000, 0x1000, MEM64);
	put(f->wm + PCI_PRIMARY_BUS, 0xffffff, 3);
	d = one(&t);
	check_bar(d, 0, PCI_BAR_MEM64, 0xfe000000, 0x1000, false);
	CHECK(d->bar[1].type == PCI_BAR_UPPER && d->bar[2].type == PCI_BAR_NONE);
	CHECK(ones_at[PCI_PRIMARY_BUS / 4] == 0 && ones_at[PCI_BAR0 / 4 + 1] == 1);
	/* A CardBus header (type 2): no BARs, no capabilities walked. */
	fake_reset(PCI_CFG_SIZE);
	f = fake_add(0, 0, 0, 0x104c, 0xac50, 0x060700, 0x02);
	fake_bar(f, 0, 0xfe000000, 0x1000, MEM32);
	CHECK(one(&t)->bar[0].type == PCI_BAR_NONE && fake_writes == 0);
}

/* ---- The config-write filter ---- */

static int owns_calls, msi_calls;
static u8 msi_verdict = PCI_WRITE_EMULATE;
static struct { u8 id, size; u16 off; u32 value; } msi_last;

/* The domain owns two MMIO windows and 256 ports. */
static bool dom_owns(void *ctx, const struct pci_dev *dev, bool io, u64 base, u64 size)
{
	(void)ctx;
	(void)dev;
	owns_calls++;
	CHECK(size && base + size > base);
	if (io)
		return base >= 0xc000 && base + size <= 0xc100;
	return (base >= 0xfeb80000 && base + size <= 0xfec00000) ||
	       (base >= 0x800000000ull && base + size <= 0x800100000ull);
}

static u8 dom_msi(void *ctx, const struct pci_dev *dev, u8 cap_id, u16 off, u8 size,
		  u32 value)
{
	(void)ctx;
	(void)dev;
	msi_calls++;
	msi_last.id = cap_id;
	msi_last.off = off;
	msi_last.size = size;
	msi_last.value = value;
	return msi_verdict;
}

static const struct pci_filter_ops dom_ops = { dom_owns, dom_msi, NULL };

/* Decides a write; the device entry is left as it was. */
static struct pci_write_decision fw(const struct pci_dev *dev, const struct pci_filter_ops *ops,
				    u16 reg, u8 size, u32 value, int rc)
{
	struct pci_write_decision d;
	struct pci_dev copy = *dev;

	CHECK(pci_filter_write(dev, ops, reg, size, value, &d) == rc);
	CHECK(!memcmp(&copy, dev, sizeof(copy)));
	return d;
}

static void drop(const struct pci_dev *dev, u16 reg, u8 size, u32 value, const char *why)
{
	struct pci_write_decision d = fw(dev, &dom_ops, reg, size, value, 0);

	CHECK(d.verdict == PCI_WRITE_DROP && d.emul == PCI_EMUL_NONE && d.bar == -1);
	CHECK(d.why && !strcmp(d.why, why));
}

static void allow(const struct pci_dev *dev, u16 reg, u8 size, u32 value, u16 wreg,
		  u8 wsize, u32 wvalue, u32 mask)
{
	struct pci_write_decision d = fw(dev, &dom_ops, reg, size, value, 0);

	CHECK(d.verdict == PCI_WRITE_ALLOW && d.emul == PCI_EMUL_NONE && !d.why);
	CHECK(d.reg == wreg && d.size == wsize && d.value == wvalue && d.mask == mask);
}

static void sizing(const struct pci_dev *dev, u16 reg, u32 reads)
{
	struct pci_write_decision d;
	int calls = owns_calls;

	d = fw(dev, &dom_ops, reg, 4, 0xffffffff, 0);
	CHECK(d.verdict == PCI_WRITE_EMULATE && d.emul == PCI_EMUL_BAR_SIZING);
	CHECK(d.value == reads && d.bar == -1 && owns_calls == calls);
}

/* A BAR write allowed with the base it gives; committed, then undone. */
static void bar_moves(struct pci_dev *dev, u16 reg, u32 value, int bar, u64 base)
{
	struct pci_write_decision d = fw(dev, &dom_ops, reg, 4, value, 0);
	u64 old = dev->bar[bar].base;

	CHECK(d.verdict == PCI_WRITE_ALLOW && d.bar == bar && d.new_base == base);
	CHECK(d.reg == reg && d.size == 4 && d.value == value && d.mask == 0xffffffff);
	pci_filter_commit(dev, &d);
	CHECK(dev->bar[bar].base == base);
	dev->bar[bar].base = old;
}

static void msi_to(const struct pci_dev *dev, u16 reg, u8 size, u32 value, u8 id, u16 off,
		   u8 emul)
{
	struct pci_write_decision d;
	int calls = msi_calls;

	d = fw(dev, &dom_ops, reg, size, value, 0);
	CHECK(msi_calls == calls + 1 && msi_last.id == id && msi_last.off == off);
	CHECK(msi_last.size == size && msi_last.value == value);
	CHECK(d.verdict == msi_verdict || (msi_verdict > 2 && d.verdict == PCI_WRITE_DROP));
	CHECK(d.emul == (d.verdict == PCI_WRITE_EMULATE ? emul : PCI_EMUL_NONE));
	CHECK(d.reg == reg && d.size == size && d.value == value);
}

static void test_filter_header(struct pci_table *t)
{
	const struct pci_dev *e1000 = pci_lookup(t, 0, 0, PCI_DEVFN(3, 0));
	const struct pci_dev *br = pci_lookup(t, 0, 0, PCI_DEVFN(4, 0));
	struct pci_write_decision d;

	/* Command: memory, I/O, bus master, INTx disable; status (RW1C) never. */
	allow(e1000, PCI_COMMAND, 2, 0xffff, PCI_COMMAND, 2, 0x0407, 0x0407);
	allow(e1000, PCI_COMMAND, 2, 0x0146, PCI_COMMAND, 2, 0x0006, 0x0407);
	allow(e1000, PCI_COMMAND, 4, 0xffffffff, PCI_COMMAND, 2, 0x0407, 0x0407);
	allow(e1000, PCI_COMMAND, 4, 0xf9000400, PCI_COMMAND, 2, 0x0400, 0x0407);
	allow(e1000, PCI_COMMAND, 1, 0xff, PCI_COMMAND, 1, 0x07, 0x07);
	allow(e1000, PCI_COMMAND + 1, 1, 0xff, PCI_COMMAND + 1, 1, 0x04, 0x04);
	allow(e1000, PCI_COMMAND, 2, 0, PCI_COMMAND, 2, 0, 0x0407);
	drop(e1000, PCI_STATUS, 2, 0xffff, "header register");
	drop(e1000, PCI_STATUS + 1, 1, 0xff, "header register");
	/* Identity, class, cache line, latency, header type, BIST, interrupt line. */
	for (u16 reg = 0; reg < 0x10; reg += 4)
		if (reg != PCI_COMMAND)
			drop(e1000, reg, 4, 0, "header register");
	drop(e1000, 0x0c, 1, 0x10, "header register");
	drop(e1000, 0x0f, 1, 0x40, "header register");
	drop(e1000, 0x28, 4, 0, "header register");		/* CardBus CIS */
	drop(e1000, 0x2c, 4, 0, "header register");		/* subsystem */
	drop(e1000, PCI_CAP_PTR, 1, 0x40, "header register");
	drop(e1000, PCI_INT_LINE, 1, 5, "header register");
	drop(e1000, PCI_ROM_BAR, 4, 0xfeb00001, "expansion ROM BAR");
	drop(e1000, PCI_ROM_BAR, 4, 0xffffffff, "expansion ROM BAR");
	drop(e1000, PCI_ROM_BAR + 2, 2, 0xfeb0, "expansion ROM BAR");
	/* A bridge: two BARs, then bus numbers and windows stay the core's. */
	drop(br, PCI_PRIMARY_BUS, 4, 0x00ff0100, "header register");
	drop(br, PCI_SECONDARY_BUS, 1, 0, "header register");
	drop(br, PCI_ROM_BAR, 4, 0, "header register");		/* I/O upper on type 1 */
	drop(br, PCI_BRIDGE_ROM_BAR, 4, 0xfeb00001, "expansion ROM BAR");
	sizing(br, PCI_BAR0, 0xffffff00);
	drop(br, PCI_BAR0 + 4, 4, 0xffffffff, "BAR not implemented");
	/* Malformed accesses. */
	CHECK(pci_filter_write(e1000, &dom_ops, 2, 4, 0, &d) == -EINVAL);
	CHECK(d.verdict == PCI_WRITE_DROP && !strcmp(d.why, "malformed access"));
	CHECK(pci_filter_write(e1000, &dom_ops, 0, 3, 0, &d) == -EINVAL);
	CHECK(pci_filter_write(e1000, &dom_ops, 0x1000, 1, 0, &d) == -EINVAL);
	CHECK(pci_filter_write(e1000, &dom_ops, 0xffe, 4, 0, &d) == -EINVAL);
	CHECK(pci_filter_write(NULL, &dom_ops, 0x40, 4, 0, &d) == -EINVAL);
	CHECK(pci_filter_write(e1000, NULL, 0x40, 4, 0, &d) == -EINVAL);
	CHECK(d.verdict == PCI_WRITE_DROP);
}

static void test_filter_bars(struct pci_table *t)
{
	struct pci_dev *e1000 = pci_lookup(t, 0, 0, PCI_DEVFN(3, 0));
	struct pci_dev *nvme = pci_lookup(t, 0, 0, PCI_DEVFN(2, 0));
	struct pci_dev *vblk = pci_lookup(t, 0, 1, 0);
	struct pci_dev hostile;
	int calls;

	/* Sizing is answered from the recorded size, type bits included. */
	sizing(e1000, PCI_BAR0, 0xfffe0000);
	sizing(e1000, PCI_BAR0 + 4, 0xffffffc1);
	sizing(nvme, PCI_BAR0, 0xffffc004);
	sizing(nvme, PCI_BAR0 + 4, 0xffffffff);
	sizing(vblk, PCI_BAR0 + 16, 0xffffc00c);
	sizing(vblk, PCI_BAR0 + 20, 0xffffffff);
	sizing(vblk, PCI_BAR0, 0xffffffc1);
	/* New bases: inside the domain's memory only; the read-only low bits
	 * of the address do not count. */
	bar_moves(e1000, PCI_BAR0, 0xfebc0000, 0, 0xfebc0000);
	bar_moves(e1000, PCI_BAR0, 0xfebe0000, 0, 0xfebe0000);
	bar_moves(e1000, PCI_BAR0, 0xfebf0000, 0, 0xfebe0000);
	bar_moves(e1000, PCI_BAR0, 0xfeb80000, 0, 0xfeb80000);	/* where it is */
	calls = owns_calls;
	drop(e1000, PCI_BAR0, 4, 0xfec00000, "BAR outside the domain's memory");
	drop(e1000, PCI_BAR0, 4, 0xfeb60000, "BAR outside the domain's memory");
	drop(e1000, PCI_BAR0, 4, 0, "BAR outside the domain's memory");
	drop(e1000, PCI_BAR0, 4, 0xb0000000, "BAR outside the domain's memory");
	CHECK(owns_calls == calls + 4);
	bar_moves(e1000, PCI_BAR0 + 4, 0xc041, 1, 0xc040);
	bar_moves(e1000, PCI_BAR0 + 4, 0xc0c1, 1, 0xc0c0);
	drop(e1000, PCI_BAR0 + 4, 4, 0xc101, "BAR outside the domain's memory");
	drop(e1000, PCI_BAR0 + 4, 4, 0xbfc1, "BAR outside the domain's memory");
	calls = owns_calls;
	drop(e1000, PCI_BAR0 + 4, 4, 0xfffc1, "BAR outside the domain's memory");
	CHECK(owns_calls == calls);	/* past port 0xffff: refused before asking */
	drop(e1000, PCI_BAR0 + 8, 4, 0xfebd0000, "BAR not implemented");
	drop(e1000, PCI_BAR0 + 8, 4, 0xffffffff, "BAR not implemented");
	drop(e1000, PCI_BAR0, 2, 0xfebc, "partial BAR write");
	drop(e1000, PCI_BAR0 + 2, 2, 0xfebc, "partial BAR write");
	drop(e1000, PCI_BAR0 + 3, 1, 0xfe, "partial BAR write");
	/* 64-bit: each half moves the whole base, checked whole. */
	bar_moves(nvme, PCI_BAR0, 0x00004004, 0, 0x800004000ull);
	bar_moves(nvme, PCI_BAR0, 0x000fc004, 0, 0x8000fc000ull);
	drop(nvme, PCI_BAR0, 4, 0x00100004, "BAR outside the domain's memory");
	bar_moves(nvme, PCI_BAR0 + 4, 0x8, 0, 0x800000000ull);
	drop(nvme, PCI_BAR0 + 4, 4, 0x9, "BAR outside the domain's memory");
	drop(nvme, PCI_BAR0 + 4, 4, 0x0, "BAR outside the domain's memory");
	drop(nvme, PCI_BAR0 + 4, 2, 0x8, "partial BAR write");
	drop(vblk, PCI_BAR0 + 16, 4, 0xfe000000, "BAR outside the domain's memory");
	/* A hostile entry: a base at the top wraps; an upper half with no
	 * 64-bit BAR below; an implemented BAR of size 0. */
	hostile = *nvme;
	hostile.bar[0].base = 0xffffffff00000000ull;
	calls = owns_calls;
	drop(&hostile, PCI_BAR0, 4, 0xffffc000, "BAR outside the domain's memory");
	CHECK(owns_calls == calls);
	hostile.bar[0].type = PCI_BAR_MEM32;
	drop(&hostile, PCI_BAR0 + 4, 4, 0, "BAR not implemented");
	hostile.bar[0].type = PCI_BAR_UPPER;
	drop(&hostile, PCI_BAR0, 4, 0, "BAR not implemented");
	hostile.bar[0].type = PCI_BAR_MEM32;
	hostile.bar[0].size = 0;
	drop(&hostile, PCI_BAR0, 4, 0xfebc0000, "BAR not implemented");
	hostile.bar[2].type = PCI_BAR_BAD;
	drop(&hostile, PCI_BAR0 + 8, 4, 0xfebc0000, "BAR not implemented");
	/* Commit ignores what was not an allowed BAR write. */
	{
		struct pci_write_decision d = fw(e1000, &dom_ops, PCI_BAR0, 4, 0, 0);

		d.bar = 0;
		d.new_base = 0x1234;
		pci_filter_commit(e1000, &d);
		CHECK(e1000->bar[0].base == 0xfeb80000);
	}
}

static void test_filter_caps(struct pci_table *t)
{
	const struct pci_dev *ahci = pci_lookup(t, 0, 0, PCI_DEVFN(0x1f, 2));
	const struct pci_dev *nvme = pci_lookup(t, 0, 0, PCI_DEVFN(2, 0));
	struct pci_filter_ops no_msi = dom_ops;
	struct pci_write_decision d;

	/* MSI (AHCI: 0x80, 64-bit, 14 bytes): the body goes to the callback. */
	msi_to(ahci, 0x82, 2, 0x0001, PCI_CAP_ID_MSI, 2, PCI_EMUL_MSI);
	msi_to(ahci, 0x84, 4, 0xfee00000, PCI_CAP_ID_MSI, 4, PCI_EMUL_MSI);
	msi_to(ahci, 0x88, 4, 0, PCI_CAP_ID_MSI, 8, PCI_EMUL_MSI);
	msi_to(ahci, 0x8c, 2, 0x4041, PCI_CAP_ID_MSI, 12, PCI_EMUL_MSI);
	msi_to(ahci, 0x80, 4, 0x00010005, PCI_CAP_ID_MSI, 0, PCI_EMUL_MSI);
	msi_to(ahci, 0x83, 1, 0x00, PCI_CAP_ID_MSI, 3, PCI_EMUL_MSI);
	drop(ahci, 0x80, 2, 0xa805, "capability header");
	drop(ahci, 0x81, 1, 0x00, "capability header");
	drop(ahci, 0x80, 1, 0x00, "capability header");
	allow(ahci, 0x8e, 2, 0x1234, 0x8e, 2, 0x1234, 0xffff);	/* past the 14 bytes */
	drop(ahci, 0xa8, 4, 0, "capability header");			/* SATA */
	drop(ahci, 0xa9, 1, 0, "capability header");
	allow(ahci, 0xaa, 2, 0x10, 0xaa, 2, 0x10, 0xffff);
	allow(ahci, 0xac, 4, 0x12345678, 0xac, 4, 0x12345678, 0xffffffff);
	/* PCIe extended space: read-only, every capability (pci.h says why). */
	drop(ahci, 0x100, 4, 1, "extended config space");
	drop(ahci, 0x104, 2, 0, "extended config space");
	drop(ahci, 0xffc, 4, 0xffffffff, "extended config space");
	drop(ahci, 0xfff, 1, 1, "extended config space");
	drop(nvme, 0x100, 4, 0x00010001, "extended config space");	/* an AER header */
	/* The callback's verdict stands; one it does not define is a drop. */
	msi_verdict = PCI_WRITE_DROP;
	msi_to(ahci, 0x82, 2, 0x0001, PCI_CAP_ID_MSI, 2, PCI_EMUL_MSI);
	d = fw(ahci, &dom_ops, 0x82, 2, 1, 0);
	CHECK(!strcmp(d.why, "MSI emulation refused"));
	msi_verdict = PCI_WRITE_ALLOW;
	msi_to(ahci, 0x84, 4, 0xfee00000, PCI_CAP_ID_MSI, 4, PCI_EMUL_MSI);
	msi_verdict = 7;
	msi_to(ahci, 0x84, 4, 0xfee00000, PCI_CAP_ID_MSI, 4, PCI_EMUL_MSI);
	msi_verdict = PCI_WRITE_EMULATE;
	/* MSI-X (NVMe: 0x40, 12 bytes), then PM and PCIe headers. */
	msi_to(nvme, 0x42, 2, 0x8000, PCI_CAP_ID_MSIX, 2, PCI_EMUL_MSIX);
	msi_to(nvme, 0x43, 1, 0xc0, PCI_CAP_ID_MSIX, 3, PCI_EMUL_MSIX);
	msi_to(nvme, 0x44, 4, 0x1000, PCI_CAP_ID_MSIX, 4, PCI_EMUL_MSIX);
	msi_to(nvme, 0x48, 4, 0x1000, PCI_CAP_ID_MSIX, 8, PCI_EMUL_MSIX);
	drop(nvme, 0x40, 2, 0, "capability header");
	allow(nvme, 0x4c, 4, 0, 0x4c, 4, 0, 0xffffffff);
	drop(nvme, 0x60, 1, 0, "capability header");
	allow(nvme, 0x64, 2, 0x8003, 0x64, 2, 0x8003, 0xffff);		/* PMCSR */
	drop(nvme, 0x80, 4, 0, "capability header");
	allow(nvme, 0x88, 2, 0x2810, 0x88, 2, 0x2810, 0xffff);		/* device control */
	/* Without a callback every MSI body write is emulated. */
	no_msi.msi = NULL;
	d = fw(nvme, &no_msi, 0x42, 2, 0x8000, 0);
	CHECK(d.verdict == PCI_WRITE_EMULATE && d.emul == PCI_EMUL_MSIX);
	d = fw(ahci, &no_msi, 0x84, 4, 0, 0);
	CHECK(d.verdict == PCI_WRITE_EMULATE && d.emul == PCI_EMUL_MSI);
	no_msi.owns = NULL;
	CHECK(pci_filter_write(nvme, &no_msi, 0x40, 4, 0, &d) == -EINVAL);
}

static void test_filter(void)
{
	static struct pci_table t;

	q35_build();
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0 && t.count == 9);
	test_filter_header(&t);
	test_filter_bars(&t);
	test_filter_caps(&t);
}

/* ---- MSI messages and where an MSI-X table lies ---- */

/* pci_msix_table's answer for d: false, or exactly slot and [lo, hi). */
static void msix_at(const struct pci_dev *d, int slot, u64 lo, u64 hi)
{
	int bar = -1;
	u64 l = 1, h = 2;

	CHECK(pci_msix_table(d, &bar, &l, &h));
	CHECK(bar == slot && l == lo && h == hi);
}

static void msix_refused(const struct pci_dev *d)
{
	int bar = -1;
	u64 l = 1, h = 2;

	CHECK(!pci_msix_table(d, &bar, &l, &h));
	CHECK(bar == -1 && l == 1 && h == 2);	/* nothing written */
}

static void test_msi(void)
{
	static struct pci_table t;
	struct pci_dev d;
	u32 addr, data;

	/* Fixed, edge, physical destination (SDM §10.11.1-2): 0xfee00000 with
	 * the APIC ID in address 19:12 (RH = DM = 0), the vector alone in data. */
	CHECK(pci_msi_message(0, 0x40, &addr, &data) && addr == 0xfee00000 && data == 0x40);
	CHECK(pci_msi_message(3, 0xdf, &addr, &data) && addr == 0xfee03000 && data == 0xdf);
	CHECK(pci_msi_message(0x5a, 0x81, &addr, &data) && addr == 0xfee5a000 && data == 0x81);
	CHECK(pci_msi_message(255, 16, &addr, &data) && addr == 0xfeeff000 && data == 16);
	CHECK(pci_msi_message(1, 255, &addr, &data) && addr == 0xfee01000 && data == 255);
	/* An APIC ID past 8 bits needs remapping; vectors 0-15 are the
	 * architecture's: refused, nothing written. */
	addr = data = 0x5a5a5a5a;
	CHECK(!pci_msi_message(256, 0x40, &addr, &data));
	CHECK(!pci_msi_message(0x1000, 0x40, &addr, &data));
	CHECK(!pci_msi_message(0xffffffff, 0x40, &addr, &data));
	CHECK(!pci_msi_message(0, 15, &addr, &data));
	CHECK(!pci_msi_message(0, 0, &addr, &data));
	CHECK(addr == 0x5a5a5a5a && data == 0x5a5a5a5a);

	/* QEMU's NVMe: 65 entries at 0x2000 of a 16 KiB 64-bit BAR 0. */
	memset(&d, 0, sizeof(d));
	d.msix_cap = 0x40;
	d.msix_entries = 65;
	d.msix_table = 0x2000;
	d.bar[0] = (struct pci_bar){ 0x800000000ull, 0x4000, PCI_BAR_MEM64, false };
	d.bar[1].type = PCI_BAR_UPPER;
	d.bar[2] = (struct pci_bar){ 0xfebf0000, 0x1000, PCI_BAR_MEM32, false };
	d.bar[3] = (struct pci_bar){ 0xc000, 0x100, PCI_BAR_IO, false };
	d.bar[4] = (struct pci_bar){ 0x4000000000ull, 0x200000000ull, PCI_BAR_MEM64, true };
	d.bar[5].type = PCI_BAR_UPPER;
	msix_at(&d, 0, 0x800002000ull, 0x800002000ull + 65 * 16);
	/* BIR in bits 2:0, the offset in 31:3: a 32-bit BAR, at 0x800. */
	d.msix_table = 0x800 | 2;
	msix_at(&d, 2, 0xfebf0800, 0xfebf0800 + 65 * 16);
	/* Exactly filling the BAR is fine; one entry more runs past its end. */
	d.msix_table = 0 | 2;
	d.msix_entries = 0x1000 / PCI_MSIX_ENTRY;
	msix_at(&d, 2, 0xfebf0000, 0xfebf1000);
	d.msix_entries++;
	msix_refused(&d);
	d.msix_table = 0xff0 | 2;	/* room for the last entry only */
	d.msix_entries = 1;
	msix_at(&d, 2, 0xfebf0ff0, 0xfebf1000);
	d.msix_entries = 2;
	msix_refused(&d);
	d.msix_table = 0xff8 | 2;	/* 8-byte aligned, half an entry left */
	d.msix_entries = 1;
	msix_refused(&d);
	/* An offset at or beyond the BAR's end. */
	d.msix_entries = 1;
	d.msix_table = 0x1000 | 2;
	msix_refused(&d);
	d.msix_table = 0xfffffff8u | 2;
	msix_refused(&d);
	/* A large 64-bit BAR: the full 32-bit offset, no truncation. */
	d.msix_table = 0xfffffff0u | 4;
	msix_at(&d, 4, 0x4000000000ull + 0xfffffff0u, 0x4000000000ull + 0x100000000ull);
	/* Huge entry counts (above the spec's 2048) cannot wrap past the end. */
	d.msix_entries = 0xffff;
	d.msix_table = 0x2000;
	msix_refused(&d);
	d.msix_table = 4;
	msix_at(&d, 4, 0x4000000000ull, 0x4000000000ull + 0xffffull * 16);
	/* Not a memory BAR: I/O, the upper half of a 64-bit BAR, none, bad. */
	d.msix_entries = 1;
	d.msix_table = 3;
	msix_refused(&d);
	d.msix_table = 1;
	msix_refused(&d);
	d.msix_table = 5;
	msix_refused(&d);
	d.bar[2].type = PCI_BAR_NONE;
	d.msix_table = 2;
	msix_refused(&d);
	d.bar[2].type = PCI_BAR_BAD;
	msix_refused(&d);
	/* BIR 6 and 7 are reserved (there are six BARs). */
	d.msix_table = 6;
	msix_refused(&d);
	d.msix_table = 7;
	msix_refused(&d);
	/* No MSI-X capability: no table, whatever the fields say. */
	d.msix_table = 0;
	msix_at(&d, 0, 0x800000000ull, 0x800000000ull + 16);
	d.msix_cap = 0;
	msix_refused(&d);

	/* On the q35 bus: the NVMe's table as enumeration recorded it (BAR 0
	 * above 4 GiB); the MSI-only AHCI and the e1000 have none. */
	q35_build();
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	msix_at(pci_lookup(&t, 0, 0, PCI_DEVFN(2, 0)), 0, 0x800002000ull,
		0x800002000ull + 65 * PCI_MSIX_ENTRY);
	msix_refused(pci_lookup(&t, 0, 0, PCI_DEVFN(0x1f, 2)));
	msix_refused(pci_lookup(&t, 0, 0, PCI_DEVFN(3, 0)));
	/* The table moved to BIR 0 offset 0x3ff0 (the BAR's last entry). */
	put(fake[fake_idx[0][PCI_DEVFN(2, 0)] - 1].cfg + 0x42, 0, 2);
	put(fake[fake_idx[0][PCI_DEVFN(2, 0)] - 1].cfg + 0x44, 0x3ff0, 4);
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	msix_at(pci_lookup(&t, 0, 0, PCI_DEVFN(2, 0)), 0, 0x800003ff0ull, 0x800004000ull);
	/* Two entries there would run past the BAR. */
	put(fake[fake_idx[0][PCI_DEVFN(2, 0)] - 1].cfg + 0x42, 1, 2);
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	CHECK(pci_lookup(&t, 0, 0, PCI_DEVFN(2, 0))->msix_entries == 2);
	msix_refused(pci_lookup(&t, 0, 0, PCI_DEVFN(2, 0)));
}

/* ---- Fuzz: enumeration over random config spaces ---- */

static u32 rnd32(void)
{
	return (u32)check_rnd(&seed);
}

/* A BAR slot: a proper size, a random mask, or nothing. */
static void fuzz_bar(struct fake_fn *f, int i)
{
	u32 r = rnd32();

	switch (r % 4) {
	case 0:
		fake_bar(f, i, rnd32() & ~0xfffu, 1ull << (4 + (r >> 8) % 28), (r >> 16) & 0xe);
		break;
	case 1:
		fake_bar(f, i, rnd32() & 0xff00, 1ull << (2 + (r >> 8) % 7), IO);
		break;
	case 2:
		put(f->wm + PCI_BAR0 + 4 * i, rnd32(), 4);
		break;
	default:
		put(f->cfg + PCI_BAR0 + 4 * i, 0, 4);
		break;
	}
}

/* A capability chain of random length, mostly well formed. */
static void fuzz_caps(struct fake_fn *f)
{
	static const u8 ids[] = { PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX, 0x01, 0x10, 0x09 };
	u8 off = (u8)(0x40 + 4 * (rnd32() % 48));

	f->cfg[PCI_CAP_PTR] = rnd32() % 8 ? off : (u8)rnd32();
	for (int n = rnd32() % 8; n >= 0; n--) {
		u8 next = n ? (u8)(0x40 + 4 * (rnd32() % 48)) : 0;

		if (rnd32() % 16 == 0)
			next = (u8)rnd32();
		f->cfg[off] = ids[rnd32() % sizeof(ids)];
		f->cfg[off + 1] = next;
		if (f->cfg[off] == PCI_CAP_ID_MSIX && rnd32() % 2) {	/* a table in reach */
			put(f->cfg + off + 2, rnd32() % 0x100, 2);
			put(f->cfg + off + 4, (rnd32() % 0x4000 & ~7u) | rnd32() % 8, 4);
		}
		off = next;
		if (!off)
			break;
	}
}

static void fuzz_fn(u8 bus, u8 dev, u8 fn)
{
	static const u8 hdrs[] = { 0x00, 0x01, 0x80, 0x81, 0x02 };
	struct fake_fn *f;
	u32 r = rnd32();

	if (fake_idx[bus][PCI_DEVFN(dev, fn)] || nfake == FAKE_MAX)
		return;
	f = fake_add(bus, dev, fn, r % 8 ? 0x8086 : (u16)(r >> 8), (u16)rnd32(), rnd32(),
		     r % 5 ? hdrs[(r >> 24) % sizeof(hdrs)] : (u8)(r >> 16));
	for (int i = PCI_HEADER_END; i < PCI_CFG_SIZE; i += 4)
		put(f->cfg + i, rnd32(), 4);
	for (int i = PCI_HEADER_END; i < PCI_CFG_SIZE && r % 3 == 0; i += 4)
		put(f->wm + i, rnd32(), 4);
	put(f->cfg + PCI_COMMAND, rnd32(), 2);
	put(f->cfg + PCI_STATUS, rnd32() % 4 ? PCI_STATUS_CAP_LIST : rnd32(), 2);
	fuzz_caps(f);
	for (int i = 0; i < PCI_NR_BARS; i++)
		fuzz_bar(f, i);
	if ((f->cfg[PCI_HEADER_TYPE] & 0x7f) == 1) {
		f->cfg[PCI_SECONDARY_BUS] = (u8)(rnd32() % 4 ? bus + 1 + rnd32() % 3 : rnd32());
		f->cfg[PCI_SUBORDINATE_BUS] = (u8)(f->cfg[PCI_SECONDARY_BUS] + rnd32() % 3);
	}
	f->cfg[PCI_INT_PIN] = (u8)rnd32();
}

static bool pow2(u64 x)
{
	return x && !(x & (x - 1));
}

static long msix_ok;	/* fuzzed devices with a usable MSI-X table */

static void fuzz_check_dev(const struct pci_dev *d)
{
	int nr = d->hdr_type == 0 ? PCI_NR_BARS : d->hdr_type == 1 ? 2 : 0, slot;
	bool bad = false;
	u64 caps = 0, lo, hi;

	CHECK(fake_at(d->seg, d->bus, d->devfn) && d->vendor != 0xffff && d->vendor);
	CHECK(d->nr_caps <= PCI_MAX_CAPS);
	for (int i = 0; i < d->nr_caps; i++) {
		CHECK(d->cap_off[i] >= 0x40 && !(d->cap_off[i] & 3));
		CHECK(!(caps >> (d->cap_off[i] / 4) & 1));
		caps |= 1ull << (d->cap_off[i] / 4);
	}
	CHECK(!d->msi_cap || (d->msi_cap + d->msi_len <= PCI_CFG_SIZE &&
			      (d->msi_len == 10 || d->msi_len == 14 || d->msi_len == 20 ||
			       d->msi_len == 24) && (caps >> (d->msi_cap / 4) & 1)));
	CHECK(!d->msix_cap || (d->msix_cap + PCI_MSIX_LEN <= PCI_CFG_SIZE &&
			       (caps >> (d->msix_cap / 4) & 1)));
	for (int i = 0; i < PCI_NR_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];

		bad |= b->type == PCI_BAR_BAD;
		CHECK(b->type <= PCI_BAR_BAD && (i < nr || b->type == PCI_BAR_NONE));
		if (b->type == PCI_BAR_IO)
			CHECK(pow2(b->size) && b->size >= 4 && b->size <= 256 && !b->prefetch);
		else if (b->type == PCI_BAR_MEM32)
			CHECK(pow2(b->size) && b->size >= 16 && b->size <= 0x80000000ull);
		else if (b->type == PCI_BAR_MEM64)
			CHECK(pow2(b->size) && b->size >= 16 && i + 1 < nr &&
			      d->bar[i + 1].type == PCI_BAR_UPPER);
		else
			CHECK(b->size == 0);
		if (b->type == PCI_BAR_UPPER)
			CHECK(i > 0 && d->bar[i - 1].type == PCI_BAR_MEM64);
	}
	CHECK(bad == !!(d->flags & PCI_DEV_BAR_BAD));
	/* An MSI-X table, when there is one, lies wholly inside a memory BAR. */
	if (pci_msix_table(d, &slot, &lo, &hi)) {
		const struct pci_bar *b = &d->bar[slot];

		CHECK(d->msix_cap && slot == (int)(d->msix_table & 7));
		CHECK(b->type == PCI_BAR_MEM32 || b->type == PCI_BAR_MEM64);
		CHECK(lo == b->base + (d->msix_table & ~7u) && hi - lo == d->msix_entries * 16ull);
		CHECK(hi <= b->base + b->size);
		msix_ok++;
	}
}

/* Random writes through the filter: no rule is ever exceeded. */
static void fuzz_filter(const struct pci_dev *dev)
{
	static const u8 sizes[] = { 1, 2, 4, 3 };

	for (int n = 0; n < 4; n++) {
		u8 size = sizes[rnd32() % 4];
		u16 reg = (u16)(rnd32() % 4 ? rnd32() % 0x48 : rnd32() % 0x1004);
		u32 value = rnd32() % 4 ? rnd32() : 0xffffffff;
		struct pci_write_decision d;
		int calls = owns_calls, rc;

		reg &= (u16)~(size - 1);
		rc = pci_filter_write(dev, &dom_ops, reg, size, value, &d);
		CHECK(rc == 0 || (rc == -EINVAL && d.verdict == PCI_WRITE_DROP));
		CHECK(d.verdict <= PCI_WRITE_EMULATE);
		if (d.verdict == PCI_WRITE_DROP)
			CHECK(d.why != NULL);
		CHECK(reg < PCI_CFG_SIZE || d.verdict == PCI_WRITE_DROP);
		if (d.verdict != PCI_WRITE_ALLOW || reg >= PCI_HEADER_END)
			continue;
		if (d.bar >= 0) {
			CHECK(owns_calls == calls + 1 && d.reg >= PCI_BAR0 && d.size == 4);
		} else {
			CHECK(d.reg == PCI_COMMAND || d.reg == PCI_COMMAND + 1);
			CHECK(!(d.mask & ~(0x0407u >> (8 * (d.reg - PCI_COMMAND)))));
			CHECK(!(d.value & ~d.mask));
		}
	}
}

static void fuzz_once(bool chaos)
{
	static struct pci_table t;
	static u8 before[FAKE_MAX][PCI_CFG_SIZE];
	int n = 1 + rnd32() % 12;

	fake_reset(PCI_CFG_SIZE);
	for (int i = 0; i < n; i++) {
		u32 r = rnd32();

		fuzz_fn((u8)(r % 8 ? r % 4 : r >> 8), (u8)((r >> 16) % 32),
			(u8)(r % 3 ? 0 : (r >> 24) % 8));
	}
	for (int i = 0; i < nfake; i++)
		memcpy(before[i], fake[i].cfg, PCI_CFG_SIZE);
	fake_mode = chaos ? FAKE_CHAOS : rnd32() % 8 ? FAKE_CLEAN : FAKE_DIRTY;
	pci_table_init(&t);
	CHECK(pci_enumerate(&t, &fake_ops, 0, 0, 0xff) == 0);
	CHECK(t.count <= PCI_MAX_DEVICES && t.buses >= 1 && t.buses <= 256);
	CHECK(chaos || (t.overflow == 0 && t.count <= (u32)nfake));
	for (u32 i = 0; i < t.count; i++) {
		if (!chaos)
			fuzz_check_dev(&t.dev[i]);
		fuzz_filter(&t.dev[i]);
		for (u32 j = 0; j < i; j++)
			CHECK(t.dev[i].bus != t.dev[j].bus || t.dev[i].devfn != t.dev[j].devfn);
	}
	/* Under chaos the command register read back is not the one held. */
	CHECK(chaos || decode_violations == 0);
	for (int i = 0; i < nfake && !chaos; i++)
		CHECK(!memcmp(before[i], fake[i].cfg, PCI_CFG_SIZE));
}

static void test_fuzz(int iterations)
{
	for (int i = 0; i < iterations; i++)
		fuzz_once(false);
	/* Every read random: a different device at each look. */
	for (int i = 0; i < iterations / 1000; i++)
		fuzz_once(true);
	printf("enumeration fuzz: %ld MSI-X tables inside a BAR\n", msix_ok);
}

int main(int argc, char **argv)
{
	test_addresses();
	test_mcfg();
	test_mcfg_fuzz(argc > 1 ? atoi(argv[1]) : 100000);
	test_q35();
	test_topology();
	test_caps();
	test_bars();
	test_filter();
	test_msi();
	test_fuzz(argc > 1 ? atoi(argv[1]) : 100000);
	CHECK_DONE("pci");
	return 0;
}

/* PCI config addressing, MCFG, bounded enumeration and the config-write filter. */
#include "pci.h"
#include "errno.h"
#include "lib.h"

#define MCFG_HEADER 44		/* ACPI SDT header (36) + 8 reserved */
#define MCFG_ENTRY 16
#define CAP_PTR_MIN 0x40
#define BUS_BITMAP_WORDS (256 / 64)

bool pci_cfg_access_ok(u16 reg, u8 size, u16 limit)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	return !(reg & (size - 1)) && (u32)reg + size <= limit;
}

u32 pci_conf1_address(u8 bus, u8 devfn, u8 reg)
{
	return 1u << 31 | (u32)bus << 16 | (u32)devfn << 8 | (reg & 0xfcu);
}

u16 pci_conf1_data_port(u8 reg)
{
	return PCI_CONF1_DATA_PORT + (reg & 3);
}

u32 pci_ecam_offset(u8 bus, u8 devfn, u16 reg)
{
	return (u32)bus << 20 | (u32)devfn << 12 | (reg & 0xfffu);
}

/* ---- ACPI MCFG (PCI Firmware 3.x §4.1.2) ---- */

static u64 le(const u8 *p, int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static bool mcfg_entry(const u8 *e, struct pci_mcfg_region *r)
{
	r->base = le(e, 8);
	r->seg = (u16)le(e + 8, 2);
	r->start_bus = e[10];
	r->end_bus = e[11];
	/* Each bus decodes 1 MiB from base + bus * 1 MiB (§7.2.2). */
	if (r->end_bus < r->start_bus || !r->base || (r->base & 0xfffff))
		return false;
	return r->base + ((u64)(r->end_bus + 1) << 20) > r->base;
}

static bool mcfg_overlap(const struct pci_mcfg_region *a, const struct pci_mcfg_region *b)
{
	return a->seg == b->seg && a->start_bus <= b->end_bus && b->start_bus <= a->end_bus;
}

int pci_mcfg_parse(const void *table, size_t len, struct pci_mcfg *out)
{
	const u8 *t = table;
	struct pci_mcfg_region r[PCI_MCFG_MAX];
	u32 length, n;
	u8 sum = 0;

	if (!t || len < MCFG_HEADER || memcmp(t, "MCFG", 4))
		return -EINVAL;
	length = (u32)le(t + 4, 4);
	if (length < MCFG_HEADER || length > len || (length - MCFG_HEADER) % MCFG_ENTRY)
		return -EINVAL;
	for (u32 i = 0; i < length; i++)
		sum += t[i];
	if (sum)
		return -EINVAL;
	n = (length - MCFG_HEADER) / MCFG_ENTRY;
	if (!n)
		return -ENOENT;
	if (n > PCI_MCFG_MAX)
		return -E2BIG;
	for (u32 i = 0; i < n; i++) {
		if (!mcfg_entry(t + MCFG_HEADER + i * MCFG_ENTRY, &r[i]))
			return -EINVAL;
		for (u32 j = 0; j < i; j++)
			if (mcfg_overlap(&r[i], &r[j]))
				return -EINVAL;
	}
	out->count = n;
	memcpy(out->region, r, n * sizeof(r[0]));
	return 0;
}

const struct pci_mcfg_region *pci_mcfg_find(const struct pci_mcfg *m, u16 seg, u8 bus)
{
	for (u32 i = 0; i < m->count && i < PCI_MCFG_MAX; i++) {
		const struct pci_mcfg_region *r = &m->region[i];

		if (r->seg == seg && bus >= r->start_bus && bus <= r->end_bus)
			return r;
	}
	return NULL;
}

int pci_ecam_address(const struct pci_mcfg *m, u16 seg, u8 bus, u8 devfn, u16 reg,
		     u64 *pa)
{
	const struct pci_mcfg_region *r = pci_mcfg_find(m, seg, bus);

	if (reg >= PCI_ECAM_CFG_SIZE)
		return -EINVAL;
	if (!r)
		return -ENODEV;
	*pa = r->base + pci_ecam_offset(bus, devfn, reg);
	return 0;
}

/* ---- Enumeration ---- */

/* One function being read: where it is and how to reach it. */
struct pci_fn {
	const struct pci_cfg_ops *ops;
	u16 seg;
	u8 bus, devfn;
};

static u32 rd(const struct pci_fn *f, u16 reg, u8 size)
{
	u32 v = f->ops->read(f->ops->ctx, f->seg, f->bus, f->devfn, reg, size);

	/* A device may put garbage above the bytes asked for. */
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void wr(const struct pci_fn *f, u16 reg, u8 size, u32 v)
{
	f->ops->write(f->ops->ctx, f->seg, f->bus, f->devfn, reg, size, v);
}

/* Bytes of the MSI capability from its message control (PCI 3.0 §6.8.1):
 * 64-bit address adds 4, per-vector masking adds mask and pending (10 with
 * the reserved half-dword). */
static u8 msi_len(u16 ctl)
{
	return (u8)(10 + (ctl & (1u << 7) ? 4 : 0) + (ctl & (1u << 8) ? 10 : 0));
}

static void cap_record(const struct pci_fn *f, struct pci_dev *d, u8 off, u8 id)
{
	d->cap_off[d->nr_caps] = off;
	d->cap_id[d->nr_caps++] = id;
	if (id == PCI_CAP_ID_MSI && !d->msi_cap) {
		u8 len = msi_len((u16)rd(f, off + 2, 2));

		if (off + len > PCI_CFG_SIZE) {
			d->flags |= PCI_DEV_CAP_BAD;
			return;
		}
		d->msi_cap = off;
		d->msi_len = len;
	} else if (id == PCI_CAP_ID_MSIX && !d->msix_cap) {
		if (off + PCI_MSIX_LEN > PCI_CFG_SIZE) {
			d->flags |= PCI_DEV_CAP_BAD;
			return;
		}
		d->msix_cap = off;
		d->msix_entries = (u16)((rd(f, off + 2, 2) & 0x7ff) + 1);
		d->msix_table = rd(f, off + 4, 4);
		d->msix_pba = rd(f, off + 8, 4);
	}
}

/* The capability list (PCI 3.0 §6.7): pointers at least 0x40 and dword
 * aligned, each visited once, at most PCI_MAX_CAPS. A bad pointer or a loop
 * ends the walk and flags the function. */
static void cap_walk(const struct pci_fn *f, struct pci_dev *d)
{
	u64 seen = 0;		/* one bit per dword of 0x00-0xff */
	u8 ptr;

	if (!(rd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) || d->hdr_type > 1)
		return;
	ptr = (u8)rd(f, PCI_CAP_PTR, 1);
	while (ptr) {
		if (ptr < CAP_PTR_MIN || (ptr & 3) || (seen >> (ptr / 4) & 1) ||
		    d->nr_caps == PCI_MAX_CAPS) {
			d->flags |= PCI_DEV_CAP_BAD;
			return;
		}
		seen |= 1ull << (ptr / 4);
		cap_record(f, d, ptr, (u8)rd(f, ptr, 1));
		ptr = (u8)rd(f, ptr + 1, 1);
	}
}

static bool pow2(u64 x)
{
	return x && !(x & (x - 1));
}

/* Writes all-ones to a BAR dword, reads the mask back, restores it. */
static u32 bar_probe(const struct pci_fn *f, u16 reg, u32 *orig)
{
	u32 mask;

	*orig = rd(f, reg, 4);
	wr(f, reg, 4, 0xffffffff);
	mask = rd(f, reg, 4);
	wr(f, reg, 4, *orig);
	return mask;
}

/*
 * Sizes BAR slot i (PCI 3.0 §6.2.5.1): the writable address bits come back
 * as ones, contiguous from the top, so the size is the two's complement of
 * the mask with the type bits set. Returns the slots used (2 for 64-bit,
 * whose upper half is refused with it).
 */
static int bar_size(const struct pci_fn *f, struct pci_dev *d, int i, int nr)
{
	struct pci_bar *b = &d->bar[i];
	u16 reg = (u16)(PCI_BAR0 + 4 * i);
	u32 lo, hi = 0, mask, hmask;
	bool wide = false;

	mask = bar_probe(f, reg, &lo);
	if (!mask)
		return 1;		/* not implemented */
	if (lo & 1) {
		/* I/O: a device decoding 16 bits may return 0 above (§6.2.5.1). */
		u32 m = mask & 0xfffffffc;

		b->type = PCI_BAR_IO;
		b->base = lo & 0xfffffffc;
		b->size = (u32)(~(m >> 16 ? m : m | 0xffff0000) + 1);
		if (b->size > 256)
			b->size = 0;	/* at most 256 ports per BAR (§6.2.5.1) */
	} else if (((lo >> 1) & 3) == 0) {
		b->type = PCI_BAR_MEM32;
		b->base = lo & 0xfffffff0;
		b->size = (u32)(~(mask & 0xfffffff0) + 1);
	} else if (((lo >> 1) & 3) == 2 && i + 1 < nr) {
		wide = true;
		hmask = bar_probe(f, reg + 4, &hi);
		/* Upper address bits hardwired to zero: decodes below 4 GiB only. */
		if (!hmask)
			hmask = 0xffffffff;
		b->type = PCI_BAR_MEM64;
		b->base = (u64)hi << 32 | (lo & 0xfffffff0);
		b->size = ~((u64)hmask << 32 | (mask & 0xfffffff0)) + 1;
	} else {
		b->type = PCI_BAR_BAD;	/* reserved type, or 64-bit in the last slot */
	}
	b->prefetch = !(lo & 1) && (lo & 8);
	if (b->type == PCI_BAR_BAD || !pow2(b->size)) {
		b->type = PCI_BAR_BAD;
		b->size = 0;
		d->flags |= PCI_DEV_BAR_BAD;
	}
	if (wide)
		d->bar[i + 1].type = b->type == PCI_BAR_BAD ? PCI_BAR_BAD : PCI_BAR_UPPER;
	return wide ? 2 : 1;
}

/* Sizes every BAR with I/O and memory decode off, then restores the command. */
static void bars_read(const struct pci_fn *f, struct pci_dev *d)
{
	int nr = d->hdr_type == 0 ? PCI_NR_BARS : d->hdr_type == 1 ? 2 : 0;
	u16 cmd;

	if (!nr)
		return;
	cmd = (u16)rd(f, PCI_COMMAND, 2);
	if (cmd & (PCI_CMD_IO | PCI_CMD_MEM))
		wr(f, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < nr;)
		i += bar_size(f, d, i, nr);
	if (cmd & (PCI_CMD_IO | PCI_CMD_MEM))
		wr(f, PCI_COMMAND, 2, cmd);
}

static void fn_read(const struct pci_fn *f, struct pci_dev *d)
{
	u32 v;

	memset(d, 0, sizeof(*d));
	d->seg = f->seg;
	d->bus = f->bus;
	d->devfn = f->devfn;
	v = rd(f, PCI_VENDOR_ID, 4);
	d->vendor = (u16)v;
	d->device = (u16)(v >> 16);
	v = rd(f, PCI_REVISION, 4);
	d->revision = (u8)v;
	d->class_code = v >> 8;
	v = rd(f, PCI_HEADER_TYPE, 1);
	d->hdr_type = v & 0x7f;
	d->multifunction = v & PCI_HEADER_MULTI;
	d->irq_line = (u8)rd(f, PCI_INT_LINE, 1);
	d->irq_pin = (u8)rd(f, PCI_INT_PIN, 1);
	if (d->hdr_type == 1) {
		d->sec_bus = (u8)rd(f, PCI_SECONDARY_BUS, 1);
		d->sub_bus = (u8)rd(f, PCI_SUBORDINATE_BUS, 1);
	}
	cap_walk(f, d);
	bars_read(f, d);
}

/* The buses still to scan, each with the highest bus its bridges may use. */
struct bus_walk {
	u64 seen[BUS_BITMAP_WORDS];
	u16 depth;
	u8 bus[256], hi[256];
};

static bool bus_seen(struct bus_walk *w, u8 bus)
{
	return w->seen[bus / 64] >> (bus % 64) & 1;
}

static void bus_push(struct bus_walk *w, u8 bus, u8 hi)
{
	/* Each bus is pushed at most once: the stack never passes 256. */
	w->seen[bus / 64] |= 1ull << (bus % 64);
	w->bus[w->depth] = bus;
	w->hi[w->depth++] = hi;
}

/* A bridge's buses are numbered above its own bus and inside its parent's
 * range (PCI-PCI Bridge 1.2 §3.2, bus numbers); one pointing at itself, at bus 0
 * or at a bus already walked is refused. An unconfigured bridge (both
 * numbers 0) is skipped quietly. */
static void bridge_follow(struct pci_table *t, struct bus_walk *w, const struct pci_dev *d,
			  u8 hi)
{
	if (!d->sec_bus && !d->sub_bus)
		return;
	if (d->sec_bus <= d->bus || d->sub_bus < d->sec_bus || d->sub_bus > hi ||
	    bus_seen(w, d->sec_bus)) {
		t->refused++;
		return;
	}
	bus_push(w, d->sec_bus, d->sub_bus);
}

static void fn_add(struct pci_table *t, struct bus_walk *w, const struct pci_fn *f, u8 hi,
		   struct pci_dev *d)
{
	fn_read(f, d);
	if (t->count < PCI_MAX_DEVICES)
		t->dev[t->count++] = *d;
	else
		t->overflow++;
	if (d->hdr_type == 1)
		bridge_follow(t, w, d, hi);
}

static bool fn_present(const struct pci_fn *f)
{
	u16 vendor = (u16)rd(f, PCI_VENDOR_ID, 2);

	return vendor != 0xffff && vendor != 0;
}

/* Every device of one bus; functions 1-7 only where function 0 is present
 * and says multi-function (header type bit 7, PCI 3.0 §6.2.1). */
static void bus_scan(struct pci_table *t, struct bus_walk *w, const struct pci_cfg_ops *ops,
		     u16 seg, u8 bus, u8 hi)
{
	struct pci_dev d;

	t->buses++;
	for (u8 dev = 0; dev < 32; dev++) {
		struct pci_fn f = { ops, seg, bus, PCI_DEVFN(dev, 0) };
		int nfn;

		if (!fn_present(&f))
			continue;
		nfn = rd(&f, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTI ? 8 : 1;
		for (int fn = 0; fn < nfn; fn++) {
			f.devfn = PCI_DEVFN(dev, fn);
			if (fn == 0 || fn_present(&f))
				fn_add(t, w, &f, hi, &d);
		}
	}
}

void pci_table_init(struct pci_table *t)
{
	memset(t, 0, sizeof(*t));
}

int pci_enumerate(struct pci_table *t, const struct pci_cfg_ops *ops, u16 seg, u8 first_bus,
		  u8 last_bus)
{
	struct bus_walk w;

	if (first_bus > last_bus || !ops || !ops->read || !ops->write)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	bus_push(&w, first_bus, last_bus);
	while (w.depth) {
		w.depth--;
		bus_scan(t, &w, ops, seg, w.bus[w.depth], w.hi[w.depth]);
	}
	return 0;
}

struct pci_dev *pci_lookup(struct pci_table *t, u16 seg, u8 bus, u8 devfn)
{
	for (u32 i = 0; i < t->count && i < PCI_MAX_DEVICES; i++) {
		struct pci_dev *d = &t->dev[i];

		if (d->seg == seg && d->bus == bus && d->devfn == devfn)
			return d;
	}
	return NULL;
}

/* ---- Mediated config writes ---- */

static bool overlaps(u16 reg, u8 size, u16 start, u16 len)
{
	return reg < start + len && start < reg + size;
}

static int decide(struct pci_write_decision *d, u8 verdict, const char *why)
{
	d->verdict = verdict;
	d->why = why;
	return 0;
}

/* What a BAR dword reads while the domain sizes it: the size mask with the
 * BAR's own type bits (§6.2.5.1). */
static u32 bar_sizing_value(const struct pci_bar *b, bool upper)
{
	u64 mask = ~(b->size - 1);

	if (upper)
		return (u32)(mask >> 32);
	if (b->type == PCI_BAR_IO)
		return ((u32)mask & 0xfffffffc) | 1;
	return ((u32)mask & 0xfffffff0) | (b->type == PCI_BAR_MEM64 ? 4 : 0) |
	       (b->prefetch ? 8 : 0);
}

static int filter_bar(const struct pci_dev *dev, const struct pci_filter_ops *ops, u16 reg,
		      u8 size, u32 value, struct pci_write_decision *d)
{
	int slot = (reg - PCI_BAR0) / 4;
	bool upper = dev->bar[slot].type == PCI_BAR_UPPER;
	const struct pci_bar *b;
	bool io;
	u64 base;

	if (size != 4 || (reg & 3))
		return decide(d, PCI_WRITE_DROP, "partial BAR write");
	if (upper && (slot == 0 || dev->bar[slot - 1].type != PCI_BAR_MEM64))
		return decide(d, PCI_WRITE_DROP, "BAR not implemented");
	b = &dev->bar[upper ? slot - 1 : slot];
	io = b->type == PCI_BAR_IO;
	if ((!upper && !io && b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) ||
	    !b->size)
		return decide(d, PCI_WRITE_DROP, "BAR not implemented");
	if (value == 0xffffffff) {
		d->emul = PCI_EMUL_BAR_SIZING;
		d->value = bar_sizing_value(b, upper);
		return decide(d, PCI_WRITE_EMULATE, NULL);
	}
	if (upper)
		base = (u64)value << 32 | (b->base & 0xffffffff);
	else if (b->type == PCI_BAR_MEM64)
		base = (b->base & ~0xffffffffull) | (value & 0xfffffff0);
	else
		base = value & (io ? 0xfffffffc : 0xfffffff0);
	base &= ~(b->size - 1);	/* the low address bits are read-only */
	if (base + b->size < base || (io && base + b->size > 0x10000) ||
	    !ops->owns(ops->ctx, dev, io, base, b->size))
		return decide(d, PCI_WRITE_DROP, "BAR outside the domain's memory");
	d->bar = upper ? slot - 1 : slot;
	d->new_base = base;
	d->value = value;
	d->mask = 0xffffffff;
	return decide(d, PCI_WRITE_ALLOW, NULL);
}

/* The type 0/1 header: command bits, BARs; everything else stays the core's. */
static int filter_header(const struct pci_dev *dev, const struct pci_filter_ops *ops,
			 u16 reg, u8 size, u32 value, struct pci_write_decision *d)
{
	const u32 cmd_ok = PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE;
	int nr = dev->hdr_type == 0 ? PCI_NR_BARS : dev->hdr_type == 1 ? 2 : 0;
	u16 rom = dev->hdr_type == 1 ? PCI_BRIDGE_ROM_BAR : PCI_ROM_BAR;

	if (reg == PCI_COMMAND || reg == PCI_COMMAND + 1) {
		/* Narrowed to the command register: status is RW1C. */
		u32 shift = 8u * (u32)(reg - PCI_COMMAND);

		d->reg = reg;
		d->size = size == 1 ? 1 : 2;
		d->mask = (cmd_ok >> shift) & (d->size == 1 ? 0xff : 0xffff);
		d->value = value & d->mask;
		return decide(d, PCI_WRITE_ALLOW, NULL);
	}
	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * nr)
		return filter_bar(dev, ops, reg, size, value, d);
	if (overlaps(reg, size, rom, 4))
		return decide(d, PCI_WRITE_DROP, "expansion ROM BAR");
	return decide(d, PCI_WRITE_DROP, "header register");
}

static int filter_msi(const struct pci_dev *dev, const struct pci_filter_ops *ops, u8 cap,
		      u8 id, u16 reg, u8 size, u32 value, struct pci_write_decision *d)
{
	/* Bytes 0-1 are the list header; only the body is the emulation's. */
	if (reg + size <= cap + 2)
		return decide(d, PCI_WRITE_DROP, "capability header");
	d->emul = id == PCI_CAP_ID_MSI ? PCI_EMUL_MSI : PCI_EMUL_MSIX;
	d->verdict = ops->msi ? ops->msi(ops->ctx, dev, id, reg - cap, size, value)
			      : PCI_WRITE_EMULATE;
	if (d->verdict > PCI_WRITE_EMULATE)
		d->verdict = PCI_WRITE_DROP;	/* a verdict we do not know */
	if (d->verdict != PCI_WRITE_EMULATE)
		d->emul = PCI_EMUL_NONE;
	if (d->verdict == PCI_WRITE_DROP)
		d->why = "MSI emulation refused";
	return 0;
}

int pci_filter_write(const struct pci_dev *dev, const struct pci_filter_ops *ops, u16 reg,
		     u8 size, u32 value, struct pci_write_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->reg = reg;
	d->size = size;
	d->value = value;
	d->mask = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;
	d->bar = -1;
	if (!pci_cfg_access_ok(reg, size, PCI_ECAM_CFG_SIZE) || !dev || !ops || !ops->owns) {
		d->verdict = PCI_WRITE_DROP;
		d->why = "malformed access";
		return -EINVAL;
	}
	if (reg >= PCI_CFG_SIZE)	/* PCIe extended space is read-only (pci.h) */
		return decide(d, PCI_WRITE_DROP, "extended config space");
	if (reg < PCI_HEADER_END)
		return filter_header(dev, ops, reg, size, value, d);
	if (dev->msi_cap && overlaps(reg, size, dev->msi_cap, dev->msi_len))
		return filter_msi(dev, ops, dev->msi_cap, PCI_CAP_ID_MSI, reg, size, value, d);
	if (dev->msix_cap && overlaps(reg, size, dev->msix_cap, PCI_MSIX_LEN))
		return filter_msi(dev, ops, dev->msix_cap, PCI_CAP_ID_MSIX, reg, size, value, d);
	for (int i = 0; i < dev->nr_caps && i < PCI_MAX_CAPS; i++)
		if (overlaps(reg, size, dev->cap_off[i], 2))
			return decide(d, PCI_WRITE_DROP, "capability header");
	return decide(d, PCI_WRITE_ALLOW, NULL);
}

void pci_filter_commit(struct pci_dev *dev, const struct pci_write_decision *d)
{
	if (d->verdict == PCI_WRITE_ALLOW && d->bar >= 0 && d->bar < PCI_NR_BARS)
		dev->bar[d->bar].base = d->new_base;
}

bool pci_msi_message(u32 apic_id, u8 vector, u32 *addr, u32 *data)
{
	if (apic_id > 0xff || vector < 16)
		return false;
	*addr = 0xfee00000u | apic_id << 12;	/* RH = 0, DM = 0: physical */
	*data = vector;				/* delivery fixed, edge, assert */
	return true;
}

bool pci_msix_table(const struct pci_dev *dev, int *bar, u64 *lo, u64 *hi)
{
	const struct pci_bar *b;
	u64 off = dev->msix_table & ~7u, len = (u64)dev->msix_entries * PCI_MSIX_ENTRY;
	int slot = (int)(dev->msix_table & 7);

	if (!dev->msix_cap || slot >= PCI_NR_BARS)
		return false;
	b = &dev->bar[slot];
	if ((b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || off >= b->size ||
	    len > b->size - off)
		return false;
	*bar = slot;
	*lo = b->base + off;
	*hi = *lo + len;
	return true;
}

/* The bridge whose secondary bus is bus, or NULL. */
static const struct pci_dev *bridge_of(const struct pci_table *t, u8 bus)
{
	for (u32 i = 0; i < t->count; i++)
		if (t->dev[i].hdr_type == 1 && t->dev[i].sec_bus == bus)
			return &t->dev[i];
	return NULL;
}

int pci_intx_gsi(const struct pci_table *t, const struct pci_dev *dev)
{
	const struct pci_dev *lpc = NULL;
	u32 pin, slot, hops = 0;

	if (dev->irq_pin < 1 || dev->irq_pin > 4)
		return -1;
	for (u32 i = 0; i < t->count; i++)
		if (t->dev[i].bus == 0 && t->dev[i].devfn == PCI_ICH9_LPC_DEVFN)
			lpc = &t->dev[i];
	if (!lpc || ((u32)lpc->device << 16 | lpc->vendor) != PCI_ICH9_LPC_ID)
		return -1;
	pin = dev->irq_pin - 1u;
	while (dev->bus != 0) {
		const struct pci_dev *up = bridge_of(t, dev->bus);

		/* Enumeration never follows a bridge twice, but t could come
		 * from anywhere: a loop ends after as many hops as buses. */
		if (!up || ++hops > 256)
			return -1;
		pin = (pin + PCI_SLOT(dev->devfn)) % 4;
		dev = up;
	}
	slot = PCI_SLOT(dev->devfn);
	return 16 + (int)(slot <= 24 ? 4 + (slot + pin) % 4 : pin);
}

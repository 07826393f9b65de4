/*
 * DMAR and IVRS parsing (iommu_acpi.h). Every structure's length is checked
 * against what remains of its parent before a field of it is read, and a
 * length too short for its own header stops the parse (a zero length would
 * otherwise loop forever).
 */
#include "iommu_acpi.h"
#include "errno.h"
#include "lib.h"

#define BODY 48u	/* DMAR and IVRS: the 36-byte ACPI header, 12 bytes of their own */

/* Where device entries go: a unit's or a region's array. */
struct devlist {
	struct iommu_acpi_dev *dev;
	u32 *nr;
	u32 max;
};

static u16 get16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 get32(const u8 *p) { return get16(p) | (u32)get16(p + 2) << 16; }
static u64 get64(const u8 *p) { return get32(p) | (u64)get32(p + 4) << 32; }

static int bad(struct iommu_acpi *a, int err, const char *why)
{
	a->why = why;
	return err;
}

/* ACPI 6.x §5.2.6: signature, length, checksum; *tlen: the table's own length. */
static int acpi_header(struct iommu_acpi *a, const u8 *t, size_t len, const char *sig,
		       u32 *tlen)
{
	u8 sum = 0;

	if (len < BODY)
		return bad(a, -EINVAL, "shorter than its header");
	if (memcmp(t, sig, 4))
		return bad(a, -EINVAL, "wrong signature");
	*tlen = get32(t + 4);
	if (*tlen < BODY || *tlen > len)
		return bad(a, -EINVAL, "header length out of bounds");
	for (u32 i = 0; i < *tlen; i++)
		sum = (u8)(sum + t[i]);
	if (sum)
		return bad(a, -EINVAL, "bad checksum");
	return 0;
}

static int dev_add(struct iommu_acpi *a, const struct devlist *l, const struct iommu_acpi_dev *d)
{
	if (*l->nr >= l->max)
		return bad(a, -ENOSPC, "too many device entries");
	l->dev[(*l->nr)++] = *d;
	return 0;
}

static struct devlist unit_devs(struct iommu_acpi_unit *u)
{
	return (struct devlist){ u->dev, &u->nr_devs, IOMMU_ACPI_MAX_DEVS };
}

/* A new unit at base; refuses a full table and a base seen before. */
static int unit_new(struct iommu_acpi *a, u64 base, struct iommu_acpi_unit **u)
{
	if (!base || base & (PAGE_SIZE - 1))
		return bad(a, -EINVAL, "bad register base");
	for (u32 i = 0; i < a->nr_units; i++)
		if (a->unit[i].base == base)
			return bad(a, -EINVAL, "two units at one register base");
	if (a->nr_units >= IOMMU_ACPI_MAX_UNITS)
		return bad(a, -ENOSPC, "too many IOMMUs");
	*u = &a->unit[a->nr_units++];
	memset(*u, 0, sizeof(**u));
	(*u)->base = base;
	return 0;
}

/* A new region [base, limit], whole 4 KiB pages. */
static int region_new(struct iommu_acpi *a, u64 base, u64 limit, struct iommu_acpi_region **r)
{
	if (base & (PAGE_SIZE - 1) || (limit & (PAGE_SIZE - 1)) != PAGE_SIZE - 1 || limit < base)
		return bad(a, -EINVAL, "bad reserved region");
	if (a->nr_regions >= IOMMU_ACPI_MAX_REGIONS)
		return bad(a, -ENOSPC, "too many reserved regions");
	*r = &a->region[a->nr_regions++];
	memset(*r, 0, sizeof(**r));
	(*r)->base = base;
	(*r)->limit = limit;
	return 0;
}

/* VT-d §8.3.1 device scope: type, length, flags, reserved, enumeration id,
 * start bus, then (device, function) per hop. */
static const u8 dmar_scope_type[] = {
	[1] = IOMMU_DEV_PCI, [2] = IOMMU_DEV_BRIDGE, [3] = IOMMU_DEV_IOAPIC,
	[4] = IOMMU_DEV_HPET, [5] = IOMMU_DEV_ACPI,
};

static int dmar_scope(struct iommu_acpi *a, const u8 *p, u32 sl, const struct devlist *l)
{
	struct iommu_acpi_dev d = { 0 };
	u32 hops = (sl - 6) / 2;

	if (p[0] >= ARRAY_SIZE(dmar_scope_type) || !dmar_scope_type[p[0]])
		return 0;	/* a kind we do not know: skipped (§8.3.1) */
	if (hops > IOMMU_ACPI_MAX_PATH)
		return bad(a, -ENOSPC, "device scope path too deep");
	d.type = dmar_scope_type[p[0]];
	d.id = p[4];
	d.hops = (u8)hops;
	for (u32 h = 0; h < hops; h++) {
		u8 dev = p[6 + 2 * h], fn = p[7 + 2 * h];

		if (dev > 31 || fn > 7)
			return bad(a, -EINVAL, "bad device scope path");
		d.path[h] = (u8)(dev << 3 | fn);
	}
	d.first = d.last = d.alias = (u16)(p[5] << 8 | d.path[0]);
	return dev_add(a, l, &d);
}

static int dmar_scopes(struct iommu_acpi *a, const u8 *p, u32 len, const struct devlist *l)
{
	for (u32 off = 0, sl; off < len; off += sl) {
		int err;

		if (len - off < 2)
			return bad(a, -EINVAL, "truncated device scope");
		sl = p[off + 1];
		/* At least one hop, whole hops, inside the parent. */
		if (sl < 8 || (sl - 6) % 2 || sl > len - off)
			return bad(a, -EINVAL, "bad device scope length");
		if ((err = dmar_scope(a, p + off, sl, l)))
			return err;
	}
	return 0;
}

/* §8.3 DRHD: flags, size, segment, register base, device scopes. */
static int dmar_drhd(struct iommu_acpi *a, const u8 *p, u32 len)
{
	struct iommu_acpi_unit *u;
	struct devlist l;
	u16 seg;
	int err;

	if (len < 16)
		return bad(a, -EINVAL, "DRHD too short");
	seg = get16(p + 6);
	/* §8.3: the INCLUDE_PCI_ALL unit comes last for its segment. */
	for (u32 i = 0; i < a->nr_units; i++)
		if (a->unit[i].segment == seg && a->unit[i].include_all)
			return bad(a, -EINVAL, "DRHD after the segment's INCLUDE_PCI_ALL unit");
	if ((err = unit_new(a, get64(p + 8), &u)))
		return err;
	u->flags = p[4];
	u->size = p[5];
	u->segment = seg;
	u->include_all = p[4] & 1;
	l = unit_devs(u);
	return dmar_scopes(a, p + 16, len - 16, &l);
}

/* §8.4 RMRR: segment, base, limit (inclusive), device scopes. */
static int dmar_rmrr(struct iommu_acpi *a, const u8 *p, u32 len)
{
	struct iommu_acpi_region *r;
	struct devlist l;
	int err;

	if (len < 24)
		return bad(a, -EINVAL, "RMRR too short");
	if ((err = region_new(a, get64(p + 8), get64(p + 16), &r)))
		return err;
	r->segment = get16(p + 6);
	l = (struct devlist){ r->dev, &r->nr_devs, IOMMU_ACPI_REGION_DEVS };
	return dmar_scopes(a, p + 24, len - 24, &l);
}

/* Two units of one segment must not both claim a device. DMAR paths deeper
 * than one hop are compared whole (their first hop is a bridge). */
static bool dev_clash(const struct iommu_acpi_dev *x, const struct iommu_acpi_dev *y)
{
	if (x->type != y->type || (x->type != IOMMU_DEV_PCI && x->type != IOMMU_DEV_BRIDGE) ||
	    x->hops != y->hops)
		return false;
	if (x->hops > 1)
		return x->first == y->first && !memcmp(x->path, y->path, x->hops);
	return x->first <= y->last && y->first <= x->last;
}

static int units_disjoint(struct iommu_acpi *a)
{
	for (u32 i = 0; i < a->nr_units; i++)
		for (u32 j = i + 1; j < a->nr_units; j++) {
			const struct iommu_acpi_unit *u = &a->unit[i], *v = &a->unit[j];

			if (u->segment != v->segment)
				continue;
			for (u32 m = 0; m < u->nr_devs; m++)
				for (u32 n = 0; n < v->nr_devs; n++)
					if (dev_clash(&u->dev[m], &v->dev[n]))
						return bad(a, -EINVAL, "a device under two units");
		}
	return 0;
}

/* Leaves *a empty but for why. */
static int parse_failed(struct iommu_acpi *a, int err)
{
	const char *why = a->why;

	memset(a, 0, sizeof(*a));
	a->why = why;
	return err;
}

static int parse_done(struct iommu_acpi *a)
{
	int err;

	if (!a->nr_units)
		return parse_failed(a, bad(a, -ENODEV, "no IOMMU described"));
	if ((err = units_disjoint(a)))
		return parse_failed(a, err);
	return 0;
}

/* VT-d §8.1: HAW, flags, 10 reserved bytes, then remapping structures
 * (type, length) of which DRHD (0) and RMRR (1) matter; the rest are
 * skipped by their length. */
int iommu_acpi_parse_dmar(const void *table, size_t len, struct iommu_acpi *a)
{
	const u8 *t = table;
	u32 tlen, slen;
	int err;

	memset(a, 0, sizeof(*a));
	if ((err = acpi_header(a, t, len, "DMAR", &tlen)))
		return parse_failed(a, err);
	a->kind = IOMMU_ACPI_VTD;
	a->width = (u8)(t[36] + 1);
	a->flags = t[37];
	for (u32 off = BODY; off < tlen; off += slen) {
		if (tlen - off < 4)
			return parse_failed(a, bad(a, -EINVAL, "truncated remapping structure"));
		slen = get16(t + off + 2);
		if (slen < 4 || slen > tlen - off)
			return parse_failed(a, bad(a, -EINVAL, "bad remapping structure length"));
		err = 0;
		if (get16(t + off) == 0)
			err = dmar_drhd(a, t + off, slen);
		else if (get16(t + off) == 1)
			err = dmar_rmrr(a, t + off, slen);
		if (err)
			return parse_failed(a, err);
	}
	return parse_done(a);
}

/*
 * AMD IOMMU §5.2 IVHD device entries: the type's top two bits give the
 * length of types below 80h (4 or 8 bytes); F0h (ACPI HID device) carries
 * its UID length at byte 21. Other types have no length we could skip by.
 */
static u32 ivhd_entry_len(const u8 *p, u32 left)
{
	if (p[0] < 0x80)
		return 4u << (p[0] >> 6);
	if (p[0] == 0xf0 && left >= 22)
		return 22u + p[21];
	return 0;
}

/* An open "start of range" entry, closed by the next "end of range". */
struct ivhd_range {
	bool open, aliased;
	u16 start, alias;
	u8 dte;
};

/* Devices [first, last]; aliased: all their DMA arrives as alias. */
static int ivhd_pci(struct iommu_acpi *a, const struct devlist *l, u16 first, u16 last,
		    const u8 *alias, u8 dte)
{
	struct iommu_acpi_dev d = { .type = IOMMU_DEV_PCI, .dte = dte, .first = first,
				    .last = last, .alias = alias ? get16(alias) : first,
				    .aliased = alias != NULL };

	return dev_add(a, l, &d);
}

static int ivhd_range_end(struct iommu_acpi *a, const struct devlist *l,
			  const struct ivhd_range *r, u16 last)
{
	struct iommu_acpi_dev d = { .type = IOMMU_DEV_PCI, .dte = r->dte, .first = r->start,
				    .last = last, .alias = r->aliased ? r->alias : r->start,
				    .aliased = r->aliased };

	return dev_add(a, l, &d);
}

/* §5.2 48h special device (IOAPIC/HPET): handle at 4,
 * its requester id at 5, variety at 7. */
static int ivhd_special(struct iommu_acpi *a, const struct devlist *l, const u8 *p)
{
	struct iommu_acpi_dev d = { .id = p[4], .dte = p[3] };

	if (p[7] != 1 && p[7] != 2)
		return bad(a, -EINVAL, "unknown special device");
	d.type = p[7] == 1 ? IOMMU_DEV_IOAPIC : IOMMU_DEV_HPET;
	d.first = d.last = d.alias = get16(p + 5);
	return dev_add(a, l, &d);
}

/* One device entry of type p[0] (its length already checked). */
static int ivhd_entry(struct iommu_acpi *a, struct iommu_acpi_unit *u, struct ivhd_range *r,
		      const u8 *p)
{
	struct devlist l = unit_devs(u);
	u16 id = get16(p + 1);

	if (r->open && p[0] != 0x04)
		return bad(a, -EINVAL, "range not closed");
	switch (p[0]) {
	case 0x01:	/* all */
		u->include_all = true;
		u->all_dte = p[3];
		return 0;
	case 0x02: case 0x46:	/* select, extended select */
		return ivhd_pci(a, &l, id, id, NULL, p[3]);
	case 0x42:	/* alias select: DMA arrives as the id at byte 5 */
		return ivhd_pci(a, &l, id, id, p + 5, p[3]);
	case 0x03: case 0x47: case 0x43:	/* start of range (alias: id at 5) */
		*r = (struct ivhd_range){ true, p[0] == 0x43, id, id, p[3] };
		if (r->aliased)
			r->alias = get16(p + 5);
		return 0;
	case 0x04:	/* end of range */
		if (!r->open || id < r->start)
			return bad(a, -EINVAL, "bad end of range");
		r->open = false;
		return ivhd_range_end(a, &l, r, id);
	case 0x48:
		return ivhd_special(a, &l, p);
	case 0xf0: {	/* ACPI HID device: named by its requester id */
		struct iommu_acpi_dev d = { .type = IOMMU_DEV_ACPI, .dte = p[3],
					    .first = id, .last = id, .alias = id };

		return dev_add(a, &l, &d);
	}
	default:	/* reserved types of known length, padding */
		return 0;
	}
}

static u32 ivhd_header_len(u8 type)
{
	return type == 0x10 ? 24 : 40;	/* 11h and 40h add EFR images */
}

/* §5.2 IVHD: flags 1, length 2, IOMMU device id 4, capability offset
 * 6, base 8, segment 16, info 18, attributes 20, EFR 24 (11h/40h); then
 * device entries. */
static int ivhd(struct iommu_acpi *a, const u8 *p, u32 len)
{
	struct ivhd_range r = { 0 };
	struct iommu_acpi_unit *u;
	u32 hl = ivhd_header_len(p[0]), el;
	int err;

	if ((err = unit_new(a, get64(p + 8), &u)))
		return err;
	u->type = p[0];
	u->flags = p[1];
	u->devid = get16(p + 4);
	u->cap_offset = get16(p + 6);
	u->segment = get16(p + 16);
	u->info = get16(p + 18);
	u->attr = get32(p + 20);
	u->efr = hl > 24 ? get64(p + 24) : 0;
	for (u32 off = hl; off < len; off += el) {
		el = ivhd_entry_len(p + off, len - off);
		if (!el || el > len - off)
			return bad(a, -EINVAL, "bad IVHD device entry length");
		if ((err = ivhd_entry(a, u, &r, p + off)))
			return err;
	}
	return r.open ? bad(a, -EINVAL, "range not closed") : 0;
}

/* §5.2 IVMD 20h (all), 21h (one device), 22h (range to the id at 6):
 * flags 1, device id 4, start 16, length 24. */
static int ivmd(struct iommu_acpi *a, const u8 *p, u32 len)
{
	struct iommu_acpi_dev d = { .type = IOMMU_DEV_PCI, .first = get16(p + 4) };
	struct iommu_acpi_region *r;
	u64 start, size;
	int err;

	if (len < 32)
		return bad(a, -EINVAL, "IVMD too short");
	start = get64(p + 16);
	size = get64(p + 24);
	if (!size || start + size - 1 < start)
		return bad(a, -EINVAL, "bad IVMD range");
	if ((err = region_new(a, start, start + size - 1, &r)))
		return err;
	r->flags = p[1];
	d.last = p[0] == 0x22 ? get16(p + 6) : d.first;
	if (p[0] == 0x20)
		d = (struct iommu_acpi_dev){ .type = IOMMU_DEV_PCI, .first = 0, .last = 0xffff };
	if (d.last < d.first)
		return bad(a, -EINVAL, "bad IVMD device range");
	d.alias = d.first;
	r->nr_devs = 1;
	r->dev[0] = d;
	return 0;
}

/* IVHD types by preference: a later one describes the same IOMMUs with more. */
static int ivhd_rank(u8 type)
{
	return type == 0x10 ? 1 : type == 0x11 ? 2 : type == 0x40 ? 3 : 0;
}

/* Checks every IVDB's length; *best: the IVHD type to use (0: none). */
static int ivrs_blocks(struct iommu_acpi *a, const u8 *t, u32 tlen, u8 *best)
{
	u32 blen;

	*best = 0;
	for (u32 off = BODY; off < tlen; off += blen) {
		if (tlen - off < 4)
			return bad(a, -EINVAL, "truncated IVRS block");
		blen = get16(t + off + 2);
		if (blen < 4 || blen > tlen - off)
			return bad(a, -EINVAL, "bad IVRS block length");
		if (ivhd_rank(t[off]) && blen < ivhd_header_len(t[off]))
			return bad(a, -EINVAL, "IVHD too short");
		if (ivhd_rank(t[off]) > ivhd_rank(*best))
			*best = t[off];
	}
	return 0;
}

/* §5.2 IVRS: IVinfo, 8 reserved bytes, then IVHD and IVMD blocks. */
int iommu_acpi_parse_ivrs(const void *table, size_t len, struct iommu_acpi *a)
{
	const u8 *t = table;
	u32 tlen, blen;
	u8 best;
	int err;

	memset(a, 0, sizeof(*a));
	if ((err = acpi_header(a, t, len, "IVRS", &tlen)) ||
	    (err = ivrs_blocks(a, t, tlen, &best)))
		return parse_failed(a, err);
	a->kind = IOMMU_ACPI_AMDVI;
	a->ivinfo = get32(t + 36);
	a->width = (a->ivinfo >> 8) & 0x7f;	/* PASize */
	for (u32 off = BODY; off < tlen; off += blen) {
		blen = get16(t + off + 2);	/* checked by ivrs_blocks */
		err = 0;
		if (best && t[off] == best)
			err = ivhd(a, t + off, blen);
		else if (t[off] >= 0x20 && t[off] <= 0x22)
			err = ivmd(a, t + off, blen);
		if (err)
			return parse_failed(a, err);
	}
	return parse_done(a);
}

int iommu_acpi_parse(const void *table, size_t len, struct iommu_acpi *a)
{
	if (len >= 4 && !memcmp(table, "DMAR", 4))
		return iommu_acpi_parse_dmar(table, len, a);
	if (len >= 4 && !memcmp(table, "IVRS", 4))
		return iommu_acpi_parse_ivrs(table, len, a);
	memset(a, 0, sizeof(*a));
	return bad(a, -EINVAL, "neither DMAR nor IVRS");
}

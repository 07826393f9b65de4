/* DMAR and IVRS parsing: tables modelled on what QEMU's intel-iommu and
 * amd-iommu publish (hw/i386/acpi-build.c) and on real firmware, every kind
 * of corruption, and a 100,000-iteration fixed-seed fuzz of both parsers
 * with exact-size buffers under ASan. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "compiler.h"
#include "arch/x86/iommu/iommu_acpi.h"

/* A table under construction, little-endian. */
struct tb {
	u8 b[2048];
	u32 n;
};

static void put(struct tb *t, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		t->b[t->n++] = (u8)(v >> 8 * i);
}

static void put_at(struct tb *t, u32 at, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		t->b[at + i] = (u8)(v >> 8 * i);
}

/* ACPI header (length and checksum filled by finish) and 12 bytes of body. */
static void header(struct tb *t, const char *sig, u64 body)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->n = 8;
	put(t, 1, 1);			/* revision */
	put(t, 0, 1);			/* checksum */
	memcpy(t->b + 10, "BOCHS BXPC    ", 14);	/* OEM id, table id */
	t->n = 24;
	put(t, 1, 4);
	put(t, 0x43505842, 4);		/* "BXPC" */
	put(t, 1, 4);
	put(t, body, 4);
	put(t, 0, 8);
}

static void fix_sum(u8 *b, u32 len)
{
	u8 sum = 0;

	b[9] = 0;
	for (u32 i = 0; i < len; i++)
		sum = (u8)(sum + b[i]);
	b[9] = (u8)-sum;
}

static u32 get_len(const struct tb *t)
{
	u32 v = (u32)t->b[4] | (u32)t->b[5] << 8 | (u32)t->b[6] << 16 | (u32)t->b[7] << 24;

	return MIN(v, (u32)sizeof(t->b));
}

static void finish(struct tb *t)
{
	put_at(t, 4, t->n, 4);
	fix_sum(t->b, t->n);
}

/* Parse a copy in a buffer of exactly len bytes, so ASan sees any overread. */
static int parse_len(const struct tb *t, u32 len, struct iommu_acpi *a)
{
	u8 *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, t->b, len);
	r = iommu_acpi_parse(copy, len, a);
	free(copy);
	CHECK(r ? a->why && !a->nr_units && !a->nr_regions : !a->why);
	return r;
}

static int parse(const struct tb *t, struct iommu_acpi *a)
{
	return parse_len(t, t->n, a);
}

/* --- DMAR --------------------------------------------------------------- */

static u32 drhd_begin(struct tb *t, u8 flags, u16 seg, u64 base)
{
	u32 at = t->n;

	put(t, 0, 2);		/* type DRHD */
	put(t, 0, 2);		/* length, patched by end */
	put(t, flags, 1);
	put(t, 0, 1);		/* size */
	put(t, seg, 2);
	put(t, base, 8);
	return at;
}

static void struct_end(struct tb *t, u32 at)
{
	put_at(t, at + 2, t->n - at, 2);
}

/* A device scope with hops (device, function) pairs. */
static void scope(struct tb *t, u8 type, u8 id, u8 bus, int hops, const u8 *path)
{
	put(t, type, 1);
	put(t, 6 + 2 * hops, 1);
	put(t, 0, 2);
	put(t, id, 1);
	put(t, bus, 1);
	for (int i = 0; i < 2 * hops; i++)
		put(t, path[i], 1);
}

/* QEMU -M q35 -device intel-iommu,intremap=on,device-iotlb=on: HAW 38,
 * INTR_REMAP, one DRHD with INCLUDE_PCI_ALL at 0xfed90000 naming the IOAPIC
 * (id 0) at the pseudo bus 0xff, 00.0; an ATSR for all root ports. */
static void qemu_dmar(struct tb *t)
{
	static const u8 ioapic[] = { 0, 0 };
	u32 at;

	header(t, "DMAR", 38 | 1 << 8);
	at = drhd_begin(t, 1, 0, 0xfed90000);
	scope(t, 3, 0, 0xff, 1, ioapic);
	struct_end(t, at);
	put(t, 2, 2);		/* ATSR */
	put(t, 8, 2);
	put(t, 1, 1);		/* ALL_PORTS */
	put(t, 0, 1);
	put(t, 0, 2);
	finish(t);
}

/* Firmware-like: a graphics unit, then the catch-all unit with an IOAPIC, an
 * HPET and an endpoint behind a root port; RMRRs for USB and graphics. */
static void hw_dmar(struct tb *t)
{
	static const u8 gfx[] = { 2, 0 }, ioapic[] = { 0x1e, 7 }, hpet[] = { 0x1e, 6 };
	static const u8 deep[] = { 0x1c, 0, 0, 0 }, usb[] = { 0x14, 0 };
	u32 at;

	header(t, "DMAR", 38 | 3 << 8);
	at = drhd_begin(t, 0, 0, 0xfed90000);
	scope(t, 1, 0, 0, 1, gfx);
	struct_end(t, at);
	at = drhd_begin(t, 1, 0, 0xfed91000);
	scope(t, 3, 2, 0xf0, 1, ioapic);
	scope(t, 4, 0, 0, 1, hpet);
	scope(t, 1, 0, 0, 2, deep);
	scope(t, 9, 0, 0, 1, gfx);	/* a scope type from the future: skipped */
	struct_end(t, at);
	at = t->n;
	put(t, 1, 2);		/* RMRR */
	put(t, 0, 2);
	put(t, 0, 2);
	put(t, 0, 2);
	put(t, 0x7b800000, 8);
	put(t, 0x7b9fffff, 8);
	scope(t, 1, 0, 0, 1, usb);
	struct_end(t, at);
	at = t->n;
	put(t, 1, 2);
	put(t, 0, 2);
	put(t, 0, 2);
	put(t, 0, 2);
	put(t, 0x7c000000, 8);
	put(t, 0x7fffffff, 8);
	scope(t, 1, 0, 0, 1, gfx);
	struct_end(t, at);
	finish(t);
}

static void dmar_good(void)
{
	struct tb t;
	struct iommu_acpi a;
	const struct iommu_acpi_unit *u;

	qemu_dmar(&t);
	CHECK(parse(&t, &a) == 0 && iommu_acpi_parse_dmar(t.b, t.n, &a) == 0);
	CHECK(a.kind == IOMMU_ACPI_VTD && a.width == 39 && a.flags == 1 && a.nr_units == 1);
	u = &a.unit[0];
	CHECK(u->base == 0xfed90000 && u->segment == 0 && u->include_all && u->nr_devs == 1);
	CHECK(u->dev[0].type == IOMMU_DEV_IOAPIC && u->dev[0].id == 0 && u->dev[0].hops == 1);
	CHECK(u->dev[0].first == 0xff00 && u->dev[0].last == 0xff00 && a.nr_regions == 0);

	hw_dmar(&t);
	CHECK(parse(&t, &a) == 0 && a.nr_units == 2 && a.flags == 3);
	CHECK(!a.unit[0].include_all && a.unit[0].nr_devs == 1);
	CHECK(a.unit[0].dev[0].type == IOMMU_DEV_PCI && a.unit[0].dev[0].first == 0x0010);
	u = &a.unit[1];
	CHECK(u->base == 0xfed91000 && u->include_all && u->nr_devs == 3);
	CHECK(u->dev[0].type == IOMMU_DEV_IOAPIC && u->dev[0].id == 2 && u->dev[0].first == 0xf0f7);
	CHECK(u->dev[1].type == IOMMU_DEV_HPET && u->dev[1].first == 0x00f6);
	CHECK(u->dev[2].type == IOMMU_DEV_PCI && u->dev[2].hops == 2 && u->dev[2].first == 0x00e0);
	CHECK(u->dev[2].path[0] == 0xe0 && u->dev[2].path[1] == 0x00 && !u->dev[2].aliased);
	CHECK(a.nr_regions == 2 && a.region[0].base == 0x7b800000 && a.region[0].limit == 0x7b9fffff);
	CHECK(a.region[0].nr_devs == 1 && a.region[0].dev[0].first == 0x00a0);
	CHECK(a.region[1].base == 0x7c000000 && a.region[1].dev[0].first == 0x0010);

	/* A buffer longer than the table is fine: only the header's length counts. */
	memset(t.b + t.n, 0xff, 64);
	CHECK(parse_len(&t, t.n + 64, &a) == 0);
}

/* One change to the QEMU or firmware table, and the error it must give. */
static void dmar_case(bool hw, void (*change)(struct tb *), int err)
{
	struct tb t;
	struct iommu_acpi a;

	if (hw)
		hw_dmar(&t);
	else
		qemu_dmar(&t);
	change(&t);
	finish(&t);
	CHECK(parse(&t, &a) == err);
}

/* Offsets in qemu_dmar: DRHD at 48 (24 bytes, scope at 64), ATSR at 72. */
static void d_drhd_len0(struct tb *t) { put_at(t, 50, 0, 2); }
static void d_drhd_len3(struct tb *t) { put_at(t, 50, 3, 2); }
static void d_drhd_short(struct tb *t) { put_at(t, 50, 12, 2); }
static void d_drhd_past(struct tb *t) { put_at(t, 50, 200, 2); }
static void d_scope_len0(struct tb *t) { t->b[65] = 0; }
static void d_scope_odd(struct tb *t) { t->b[65] = 9; }
static void d_scope_past(struct tb *t) { t->b[65] = 10; }
static void d_scope_nohop(struct tb *t) { t->b[65] = 6; }
static void d_scope_dev(struct tb *t) { t->b[70] = 32; }
static void d_scope_fn(struct tb *t) { t->b[71] = 8; }
static void d_base0(struct tb *t) { put_at(t, 56, 0, 8); }
static void d_base_odd(struct tb *t) { put_at(t, 56, 0xfed90800, 8); }
static void d_tail3(struct tb *t) { put(t, 0, 3); }	/* 3 bytes: no room for a header */
static void d_atsr_len0(struct tb *t) { put_at(t, 74, 0, 2); }
static void d_no_drhd(struct tb *t) { put_at(t, 48, 7, 2); }	/* DRHD retyped: skipped */
static void d_unknown(struct tb *t) { put(t, 0x55, 2); put(t, 4, 2); }

static void d_twice(struct tb *t)
{
	static const u8 p[] = { 3, 0 };
	u32 at = drhd_begin(t, 0, 1, 0xfed90000);	/* same base, other segment */

	scope(t, 1, 0, 0, 1, p);
	struct_end(t, at);
}

static void d_after_all(struct tb *t)
{
	u32 at = drhd_begin(t, 0, 0, 0xfed92000);

	struct_end(t, at);
}

static void d_other_seg(struct tb *t)
{
	u32 at = drhd_begin(t, 1, 1, 0xfed92000);	/* segment 1's catch-all: fine */

	struct_end(t, at);
}

static void d_five(struct tb *t)
{
	for (int i = 1; i <= 4; i++)
		struct_end(t, drhd_begin(t, 1, (u16)i, 0xfed90000 + 0x1000ull * i));
}

static void d_deep(struct tb *t)
{
	static const u8 p[14] = { 0 };
	u32 at = drhd_begin(t, 1, 2, 0xfed93000);

	scope(t, 1, 0, 0, 7, p);
	struct_end(t, at);
}

/* hw_dmar offsets: DRHD 0 at 48 (24 bytes), DRHD 1 at 72: scopes at 88
 * (ioapic), 96 (hpet), 104 (deep, 10 bytes), 114; RMRR 0 at 122. */
/* The HPET scope becomes a second claim on 00:02.0. */
static void h_same_dev(struct tb *t) { t->b[96] = 1; t->b[102] = 2; t->b[103] = 0; }
static void h_rmrr_inverted(struct tb *t) { put_at(t, 138, 0x7b7fffff, 8); }
static void h_rmrr_unaligned(struct tb *t) { put_at(t, 138, 0x7b9ffffe, 8); }
static void h_rmrr_short(struct tb *t) { put_at(t, 124, 20, 2); }

static void dmar_bad(void)
{
	struct tb t;
	struct iommu_acpi a;

	dmar_case(false, d_drhd_len0, -EINVAL);
	dmar_case(false, d_drhd_len3, -EINVAL);
	dmar_case(false, d_drhd_short, -EINVAL);
	dmar_case(false, d_drhd_past, -EINVAL);
	dmar_case(false, d_scope_len0, -EINVAL);
	dmar_case(false, d_scope_odd, -EINVAL);
	dmar_case(false, d_scope_past, -EINVAL);
	dmar_case(false, d_scope_nohop, -EINVAL);
	dmar_case(false, d_scope_dev, -EINVAL);
	dmar_case(false, d_scope_fn, -EINVAL);
	dmar_case(false, d_base0, -EINVAL);
	dmar_case(false, d_base_odd, -EINVAL);
	dmar_case(false, d_tail3, -EINVAL);
	dmar_case(false, d_atsr_len0, -EINVAL);
	dmar_case(false, d_no_drhd, -ENODEV);
	dmar_case(false, d_unknown, 0);
	dmar_case(false, d_twice, -EINVAL);
	dmar_case(false, d_after_all, -EINVAL);
	dmar_case(false, d_other_seg, 0);
	dmar_case(false, d_five, -ENOSPC);
	dmar_case(false, d_deep, -ENOSPC);
	dmar_case(true, h_same_dev, -EINVAL);
	dmar_case(true, h_rmrr_inverted, -EINVAL);
	dmar_case(true, h_rmrr_unaligned, -EINVAL);
	dmar_case(true, h_rmrr_short, -EINVAL);

	/* The header itself. */
	qemu_dmar(&t);
	t.b[20] ^= 1;
	CHECK(parse(&t, &a) == -EINVAL && !strcmp(a.why, "bad checksum"));
	qemu_dmar(&t);
	CHECK(parse_len(&t, t.n - 1, &a) == -EINVAL);		/* length past the buffer */
	CHECK(parse_len(&t, 47, &a) == -EINVAL && parse_len(&t, 3, &a) == -EINVAL);
	CHECK(parse_len(&t, 0, &a) == -EINVAL);
	put_at(&t, 4, 40, 4);
	fix_sum(t.b, 40);
	CHECK(parse(&t, &a) == -EINVAL);			/* shorter than its body */
	qemu_dmar(&t);
	memcpy(t.b, "DMAX", 4);
	finish(&t);
	CHECK(parse(&t, &a) == -EINVAL && iommu_acpi_parse_dmar(t.b, t.n, &a) == -EINVAL);
	qemu_dmar(&t);
	CHECK(iommu_acpi_parse_ivrs(t.b, t.n, &a) == -EINVAL && a.nr_units == 0);
	/* Just the header and body: no unit. */
	header(&t, "DMAR", 47);
	finish(&t);
	CHECK(parse(&t, &a) == -ENODEV);
}

/* --- IVRS --------------------------------------------------------------- */

/* QEMU's device entries: selects for 00:00.0, 00:01.0, the IOMMU at
 * 00:02.0, 00:1f.0/2/3; a PCIe root port 00:03.0 over leaf bus 1 (range);
 * a PCI bridge 00:04.0 over bus 2 (alias range to the bridge); the IOAPIC
 * special device (handle 0, 00:14.0). 52 bytes. */
static void qemu_ivhd_entries(struct tb *t, bool all)
{
	static const u16 sel[] = { 0x0000, 0x0008, 0x0010, 0x00f8, 0x00fa, 0x00fb };

	if (all) {
		put(t, 0x01, 4);	/* QEMU's fallback: "all", DTE setting 0 */
	} else {
		for (unsigned i = 0; i < ARRAY_SIZE(sel); i++)
			put(t, (u32)sel[i] << 8 | 0x02, 4);
		put(t, 0x0100u << 8 | 0x03, 4);
		put(t, 0x01ffu << 8 | 0x04, 4);
		put(t, 0x0200u << 8 | 0x43, 4);
		put(t, 0x0020u << 8, 4);
		put(t, 0x02ffu << 8 | 0x04, 4);
	}
	put(t, 0x48 | 0x1ull << 56 | 0x00a0ull << 40, 8);
}

static u32 ivhd_begin(struct tb *t, u8 type, u8 flags, u16 devid, u64 base, u16 seg)
{
	u32 at = t->n;

	put(t, type, 1);
	put(t, flags, 1);
	put(t, 0, 2);		/* length, by struct_end */
	put(t, devid, 2);
	put(t, 0x40, 2);	/* capability offset */
	put(t, base, 8);
	put(t, seg, 2);
	put(t, 0, 2);		/* IOMMU info */
	if (type == 0x10) {
		put(t, 48u << 30 | 1u << 2 | 1u << 6, 4);	/* feature reporting */
	} else {
		put(t, 0, 4);			/* attributes */
		put(t, 0x00000000002a8000ull | 0xc7, 8);	/* EFR image */
		put(t, 0, 8);			/* EFR image 2 */
	}
	return at;
}

/* QEMU -device amd-iommu: IVinfo EFRSup | PASize 40; an IVHD 10h then an
 * IVHD 11h for the same IOMMU at 0xfed80000, device 00:02.0. */
static void qemu_ivrs(struct tb *t, bool all)
{
	u32 at;

	header(t, "IVRS", 1 | 40 << 8);
	at = ivhd_begin(t, 0x10, 0xd1, 0x0010, 0xfed80000, 0);
	qemu_ivhd_entries(t, all);
	struct_end(t, at);
	at = ivhd_begin(t, 0x11, 0x11, 0x0010, 0xfed80000, 0);
	qemu_ivhd_entries(t, all);
	struct_end(t, at);
	finish(t);
}

static void ivmd(struct tb *t, u8 type, u8 flags, u16 dev, u16 aux, u64 start, u64 len)
{
	put(t, type, 1);
	put(t, flags, 1);
	put(t, 32, 2);
	put(t, dev, 2);
	put(t, aux, 2);
	put(t, 0, 8);
	put(t, start, 8);
	put(t, len, 8);
}

static void ivrs_good(void)
{
	struct tb t;
	struct iommu_acpi a;
	const struct iommu_acpi_unit *u;
	const struct iommu_acpi_dev *d;

	qemu_ivrs(&t, false);
	CHECK(parse(&t, &a) == 0 && iommu_acpi_parse_ivrs(t.b, t.n, &a) == 0);
	CHECK(a.kind == IOMMU_ACPI_AMDVI && a.ivinfo == 0x2801 && a.width == 40);
	CHECK(a.nr_units == 1 && a.nr_regions == 0);
	u = &a.unit[0];
	CHECK(u->type == 0x11 && u->flags == 0x11 && u->base == 0xfed80000 && u->devid == 0x10);
	CHECK(u->cap_offset == 0x40 && u->efr == 0x2a80c7 && !u->include_all && u->nr_devs == 9);
	d = u->dev;
	CHECK(d[2].type == IOMMU_DEV_PCI && d[2].first == 0x10 && d[2].last == 0x10 && !d[2].aliased);
	CHECK(d[5].first == 0xfb && d[5].alias == 0xfb);
	CHECK(d[6].first == 0x100 && d[6].last == 0x1ff && !d[6].aliased && d[6].alias == 0x100);
	CHECK(d[7].first == 0x200 && d[7].last == 0x2ff && d[7].aliased && d[7].alias == 0x20);
	CHECK(d[8].type == IOMMU_DEV_IOAPIC && d[8].id == 0 && d[8].first == 0xa0);

	qemu_ivrs(&t, true);
	CHECK(parse(&t, &a) == 0 && a.nr_units == 1 && a.unit[0].include_all);
	CHECK(a.unit[0].nr_devs == 1 && a.unit[0].dev[0].type == IOMMU_DEV_IOAPIC);

	/* Only an IVHD 10h (older QEMU): used; 40h with an ACPI HID device and
	 * IVMDs; two IOMMUs on two segments. */
	header(&t, "IVRS", 40 << 8);
	{
		u32 at = ivhd_begin(&t, 0x10, 0xb0, 0x0002, 0xfd200000, 0);

		put(&t, 0x0003u << 8 | 0x03, 4);
		put(&t, 0xfffeu << 8 | 0x04, 4);
		put(&t, 0x00a0u << 8 | 0x42, 4);	/* alias select 00:14.0... */
		put(&t, 0x00a3u << 8, 4);		/* ...as 00:14.3 */
		put(&t, 0x48 | 0x2ull << 56 | 0x00a5ull << 40 | 0x07ull << 32, 8);
		struct_end(&t, at);
		at = ivhd_begin(&t, 0x10, 0xb0, 0x0002, 0xfd300000, 1);
		put(&t, 0x01, 4);
		struct_end(&t, at);
	}
	ivmd(&t, 0x21, 0x7, 0x00a0, 0, 0x9d000000, 0x100000);
	ivmd(&t, 0x22, 0x1, 0x0100, 0x01ff, 0xa0000000, 0x1000);
	ivmd(&t, 0x20, 0x8, 0, 0, 0xb0000000, 0x2000);
	finish(&t);
	CHECK(parse(&t, &a) == 0 && a.nr_units == 2 && a.nr_regions == 3);
	u = &a.unit[0];
	CHECK(u->type == 0x10 && u->attr == (48u << 30 | 1u << 2 | 1u << 6) && u->efr == 0);
	CHECK(u->nr_devs == 3 && u->dev[0].first == 3 && u->dev[0].last == 0xfffe);
	CHECK(u->dev[1].first == 0xa0 && u->dev[1].aliased && u->dev[1].alias == 0xa3);
	CHECK(u->dev[2].type == IOMMU_DEV_HPET && u->dev[2].id == 7 && u->dev[2].first == 0xa5);
	CHECK(a.unit[1].segment == 1 && a.unit[1].include_all);
	CHECK(a.region[0].base == 0x9d000000 && a.region[0].limit == 0x9d0fffff);
	CHECK(a.region[0].flags == 7 && a.region[0].dev[0].first == 0xa0 &&
	      a.region[0].dev[0].last == 0xa0);
	CHECK(a.region[1].dev[0].first == 0x100 && a.region[1].dev[0].last == 0x1ff);
	CHECK(a.region[2].dev[0].first == 0 && a.region[2].dev[0].last == 0xffff);
}

/* One change to QEMU's IVRS, and the error it must give. Offsets: IVHD
 * 10h at 48 (24 + 52 bytes), IVHD 11h at 124 (40 + 52): its selects at
 * 164-184, range 188/192, alias range 196/204, special device 208. */
static void ivrs_case(void (*change)(struct tb *), int err)
{
	struct tb t;
	struct iommu_acpi a;

	qemu_ivrs(&t, false);
	change(&t);
	finish(&t);
	CHECK(parse(&t, &a) == err);
}

static void i_len0(struct tb *t) { put_at(t, 126, 0, 2); }
static void i_len2(struct tb *t) { put_at(t, 50, 2, 2); }
static void i_short10(struct tb *t) { put_at(t, 50, 20, 2); }
static void i_short11(struct tb *t) { put_at(t, 126, 36, 2); }
static void i_past(struct tb *t) { put_at(t, 126, 120, 2); }
static void i_tail(struct tb *t) { put(t, 0x20, 1); put(t, 0, 2); }	/* 3-byte block */
/* The IVHD ends half-way through its special device entry. */
static void i_cut_entry(struct tb *t) { put_at(t, 126, 40 + 48, 2); t->n -= 4; }
static void i_open(struct tb *t) { t->b[192] = 0x02; }			/* range end -> select */
static void i_end_alone(struct tb *t) { t->b[188] = 0x04; }		/* range start -> end */
static void i_inverted(struct tb *t) { put_at(t, 193, 0x00ff, 2); }	/* end 00ff < 0100 */
static void i_unknown(struct tb *t) { t->b[164] = 0x80; }
static void i_f0(struct tb *t) { t->b[208] = 0xf0; }	/* ACPI HID device: 22 bytes, 8 left */
static void i_variety(struct tb *t) { t->b[215] = 3; }
static void i_base0(struct tb *t) { put_at(t, 132, 0, 8); }
static void i_base_odd(struct tb *t) { put_at(t, 132, 0xfed80100, 8); }
static void i_no_ivhd(struct tb *t) { t->b[48] = 0x12; t->b[124] = 0x13; }
static void i_reserved(struct tb *t) { t->b[164] = 0x05; t->b[168] = 0x45; }	/* skipped */
static void i_ivmd0(struct tb *t) { ivmd(t, 0x21, 0, 0x10, 0, 0x9d000000, 0); }
static void i_ivmd_wrap(struct tb *t) { ivmd(t, 0x21, 0, 0x10, 0, ~0xfffull, 0x2000); }
static void i_ivmd_odd(struct tb *t) { ivmd(t, 0x21, 0, 0x10, 0, 0x9d000800, 0x1000); }
static void i_ivmd_range(struct tb *t) { ivmd(t, 0x22, 0, 0x10, 0x0f, 0x9d000000, 0x1000); }
static void i_ivmd_short(struct tb *t)
{
	ivmd(t, 0x21, 0, 0x10, 0, 0x9d000000, 0x1000);
	put_at(t, t->n - 30, 28, 2);	/* its length: 28 */
	t->n -= 4;
}

static void i_clash(struct tb *t)
{
	u32 at = ivhd_begin(t, 0x11, 0, 0x0028, 0xfed90000, 0);

	put(t, 0x0180u << 8 | 0x02, 4);	/* inside the first unit's 0100-01ff */
	struct_end(t, at);
}

static void i_apart(struct tb *t)
{
	u32 at = ivhd_begin(t, 0x11, 0, 0x0028, 0xfed90000, 0);

	put(t, 0x0300u << 8 | 0x02, 4);
	struct_end(t, at);
}

static void i_many(struct tb *t)
{
	u32 at = ivhd_begin(t, 0x11, 0, 0x0028, 0xfed90000, 3);

	for (int i = 0; i < 65; i++)
		put(t, (u32)i << 8 | 0x02, 4);
	struct_end(t, at);
}

static void ivrs_bad(void)
{
	struct tb t;
	struct iommu_acpi a;

	ivrs_case(i_len0, -EINVAL);
	ivrs_case(i_len2, -EINVAL);
	ivrs_case(i_short10, -EINVAL);
	ivrs_case(i_short11, -EINVAL);
	ivrs_case(i_past, -EINVAL);
	ivrs_case(i_tail, -EINVAL);
	ivrs_case(i_cut_entry, -EINVAL);
	ivrs_case(i_open, -EINVAL);
	ivrs_case(i_end_alone, -EINVAL);
	ivrs_case(i_inverted, -EINVAL);
	ivrs_case(i_unknown, -EINVAL);
	ivrs_case(i_f0, -EINVAL);
	ivrs_case(i_variety, -EINVAL);
	ivrs_case(i_base0, -EINVAL);
	ivrs_case(i_base_odd, -EINVAL);
	ivrs_case(i_no_ivhd, -ENODEV);
	ivrs_case(i_reserved, 0);
	ivrs_case(i_ivmd0, -EINVAL);
	ivrs_case(i_ivmd_wrap, -EINVAL);
	ivrs_case(i_ivmd_odd, -EINVAL);
	ivrs_case(i_ivmd_range, -EINVAL);
	ivrs_case(i_ivmd_short, -EINVAL);
	ivrs_case(i_clash, -EINVAL);
	ivrs_case(i_apart, 0);
	ivrs_case(i_many, -ENOSPC);

	qemu_ivrs(&t, false);
	t.b[100] ^= 0x40;
	CHECK(parse(&t, &a) == -EINVAL && !strcmp(a.why, "bad checksum"));
	qemu_ivrs(&t, false);
	CHECK(parse_len(&t, t.n - 1, &a) == -EINVAL);
	memcpy(t.b, "IVRX", 4);
	CHECK(parse(&t, &a) == -EINVAL && !strcmp(a.why, "neither DMAR nor IVRS"));
	header(&t, "IVRS", 0);
	finish(&t);
	CHECK(parse(&t, &a) == -ENODEV);
}

/* --- fuzz --------------------------------------------------------------- */

static void check_result(const struct iommu_acpi *a)
{
	CHECK(a->nr_units >= 1 && a->nr_units <= IOMMU_ACPI_MAX_UNITS);
	CHECK(a->nr_regions <= IOMMU_ACPI_MAX_REGIONS);
	for (u32 i = 0; i < a->nr_units; i++) {
		const struct iommu_acpi_unit *u = &a->unit[i];

		CHECK(u->base && !(u->base & 0xfff) && u->nr_devs <= IOMMU_ACPI_MAX_DEVS);
		for (u32 j = 0; j < i; j++)
			CHECK(a->unit[j].base != u->base);
		for (u32 j = 0; j < u->nr_devs; j++) {
			const struct iommu_acpi_dev *d = &u->dev[j];

			CHECK(d->type >= IOMMU_DEV_PCI && d->type <= IOMMU_DEV_ACPI);
			CHECK(d->first <= d->last && d->hops <= IOMMU_ACPI_MAX_PATH);
			CHECK(a->kind == IOMMU_ACPI_AMDVI ? !d->hops : d->hops >= 1);
		}
	}
	for (u32 i = 0; i < a->nr_regions; i++)
		CHECK(a->region[i].base <= a->region[i].limit &&
		      a->region[i].nr_devs <= IOMMU_ACPI_REGION_DEVS);
}

static void fuzz(void)
{
	struct tb seeds[4], t;
	struct iommu_acpi a;
	unsigned long long rnd = 0x10e1a5eedull;
	long ok = 0, failed = 0;

	qemu_dmar(&seeds[0]);
	hw_dmar(&seeds[1]);
	qemu_ivrs(&seeds[2], false);
	qemu_ivrs(&seeds[3], true);
	for (int n = 0; n < 100000; n++) {
		u32 len;
		int r;

		t = seeds[check_rnd(&rnd) % 4];
		/* A few bytes changed, mostly near sub-structure headers. */
		for (int k = (int)(check_rnd(&rnd) % 4) + 1; k > 0; k--) {
			u32 at = (u32)(check_rnd(&rnd) % t.n);

			t.b[at] = check_rnd(&rnd) & 3 ? (u8)check_rnd(&rnd) : t.b[at] ^ 0x80;
		}
		if (check_rnd(&rnd) % 8 == 0)	/* lengths moved */
			put_at(&t, 4, t.n - (u32)(check_rnd(&rnd) % 16), 4);
		len = t.n;
		if (check_rnd(&rnd) % 8 == 0)	/* the buffer cut short */
			len = (u32)(check_rnd(&rnd) % (t.n + 1));
		if (check_rnd(&rnd) % 4)	/* get past the checksum most of the time */
			fix_sum(t.b, MIN(len, get_len(&t)));
		r = parse_len(&t, len, &a);
		CHECK(r == 0 || r == -EINVAL || r == -ENOSPC || r == -ENODEV);
		if (r == 0) {
			check_result(&a);
			ok++;
		} else {
			failed++;
		}
	}
	printf("fuzz: %ld parsed, %ld refused\n", ok, failed);
	CHECK(ok > 5000 && failed > 5000);	/* both paths exercised */
}

int main(void)
{
	dmar_good();
	dmar_bad();
	ivrs_good();
	ivrs_bad();
	fuzz();
	CHECK_DONE("iommu_acpi");
	return 0;
}

/*
 * Intel VT-d driver (VT-d 3.x/4.x, legacy translation mode) behind
 * iommu_drv.h: one root table per DMAR unit (vtd_ctx), register-based
 * context-cache and IOTLB invalidation (§6.5.1, §10.4.7-8), translation on
 * with no context entry present, so every device's DMA faults until it is
 * assigned. Faults come from the fault-recording registers (§7.2.1).
 */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "console.h"
#include "cpu.h"
#include "vtd_pt.h"
#include "iommu_drv.h"

/* Registers (§10.4). */
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18		/* 32-bit */
#define VTD_GSTS 0x1c		/* 32-bit */
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34		/* 32-bit */

#define VTD_GCMD_TE (1u << 31)
#define VTD_GCMD_SRTP (1u << 30)
#define VTD_GCMD_WBF (1u << 27)
#define VTD_GCMD_ONESHOT (VTD_GCMD_SRTP | (1u << 29) | VTD_GCMD_WBF | (1u << 24))
#define VTD_CAP_RWBF (1ull << 4)
#define VTD_CAP_CM (1ull << 7)		/* caching mode: not-present entries are cached */
#define VTD_CAP_SAGAW_48 (1ull << 10)	/* SAGAW bit 2: 4-level tables */
#define VTD_CCMD_ICC (1ull << 63)
#define VTD_CCMD_GLOBAL (1ull << 61)
#define VTD_CCMD_DEVICE (3ull << 61)
#define VTD_IOTLB_IVT (1ull << 63)
#define VTD_IOTLB_GLOBAL (1ull << 60)
#define VTD_IOTLB_DOMAIN (2ull << 60)
#define VTD_FSTS_PFO (1u << 0)
#define VTD_FRCD_F (1ull << 63)		/* in the record's high half; write 1 to clear */

struct vtd_unit {
	volatile u8 *regs;
	u64 base;
	u64 cap;
	u32 iotlb;		/* IOTLB register: ECAP.IRO * 16 + 8 */
	u32 frcd, nr_frcd;	/* fault records: CAP.FRO * 16, CAP.NFR + 1 */
	u32 nr_dids;		/* 2^(4 + 2 * CAP.ND) */
	const struct iommu_acpi_unit *acpi;
	struct vtd_ctx ctx;
};

static struct vtd_unit units[IOMMU_ACPI_MAX_UNITS];
static struct iommu_acpi_unit acpi_units[IOMMU_ACPI_MAX_UNITS];
static u32 nr_units;

static u64 rd64(const struct vtd_unit *u, u32 reg) { return *(volatile u64 *)(u->regs + reg); }
static u32 rd32(const struct vtd_unit *u, u32 reg) { return *(volatile u32 *)(u->regs + reg); }
static void wr64(struct vtd_unit *u, u32 reg, u64 v) { *(volatile u64 *)(u->regs + reg) = v; }
static void wr32(struct vtd_unit *u, u32 reg, u32 v) { *(volatile u32 *)(u->regs + reg) = v; }

/* Tables the unit may read without snooping (ECAP.C = 0): write the lines
 * back (§6.1). Harmless on a coherent unit, so always done. */
static void vtd_flush_lines(void *ctx, const void *va, size_t len)
{
	(void)ctx;
	for (uintptr_t p = (uintptr_t)va & ~63ul; p < (uintptr_t)va + len; p += 64)
		__asm__ __volatile__("clflush %0" ::"m"(*(volatile const char *)p));
	__asm__ __volatile__("mfence" ::: "memory");
}

static struct iommu_pt_ops vtd_pages;

/* Wait (bounded) until (reg & mask) == want. */
static int vtd_wait(const struct vtd_unit *u, u32 reg, u64 mask, u64 want, bool wide)
{
	for (u64 t = iommu_deadline();
	     ((wide ? rd64(u, reg) : rd32(u, reg)) & mask) != want; cpu_relax())
		if (iommu_past(t)) {
			pr_err("VT-d: at 0x%lx: register 0x%x stuck (0x%lx)\n", u->base, reg,
			       wide ? rd64(u, reg) : rd32(u, reg));
			return -ETIMEDOUT;
		}
	return 0;
}

/* Sets or clears one GCMD bit, the enabled ones written back (§10.4.4),
 * then waits for GSTS's bit of the same place to read want. */
static int vtd_gcmd(struct vtd_unit *u, u32 bit, bool on, u32 want)
{
	u32 keep = rd32(u, VTD_GSTS) & ~VTD_GCMD_ONESHOT;

	wr32(u, VTD_GCMD, on ? keep | bit : keep & ~bit);
	return vtd_wait(u, VTD_GSTS, bit, want, false);
}

/* §6.8: tables written are flushed from the unit's write buffer, if it
 * has one, before any invalidation. */
static int vtd_wbf(struct vtd_unit *u)
{
	return u->cap & VTD_CAP_RWBF ? vtd_gcmd(u, VTD_GCMD_WBF, true, 0) : 0;	/* WBFS clears */
}

/* IOTLB (§10.4.8): did's entries, or every entry when global. */
static int vtd_iotlb(struct vtd_unit *u, u16 did, bool global)
{
	wr64(u, u->iotlb, VTD_IOTLB_IVT | (global ? VTD_IOTLB_GLOBAL :
		VTD_IOTLB_DOMAIN | (u64)did << 32));
	return vtd_wait(u, u->iotlb, VTD_IOTLB_IVT, 0, true);
}

/* Context cache (CCMD, §10.4.7) then IOTLB: global when sid < 0. */
static int vtd_invalidate(struct vtd_unit *u, u16 did, int sid)
{
	int rc = vtd_wbf(u);

	wr64(u, VTD_CCMD, VTD_CCMD_ICC | (sid < 0 ? VTD_CCMD_GLOBAL :
		VTD_CCMD_DEVICE | (u64)(u16)sid << 16 | did));
	rc = rc ? rc : vtd_wait(u, VTD_CCMD, VTD_CCMD_ICC, 0, true);
	return rc ? rc : vtd_iotlb(u, did, sid < 0);
}

/* One unit: root table, pointer set, caches dropped, translation on (§10.4.4). */
static int vtd_unit_init(struct vtd_unit *u, const struct iommu_acpi_unit *a)
{
	int rc;

	u->base = a->base;
	u->acpi = a;
	if (!(u->regs = iommu_mmio(a->base, 4096ull << a->size)) || a->segment)
		return -ENODEV;
	u->cap = rd64(u, VTD_CAP);
	u->iotlb = (u32)((rd64(u, VTD_ECAP) >> 8) & 0x3ff) * 16 + 8;
	u->frcd = (u32)((u->cap >> 24) & 0x3ff) * 16;
	u->nr_frcd = (u32)((u->cap >> 40) & 0xff) + 1;
	u->nr_dids = 1u << (4 + 2 * MIN(u->cap & 7, 6ull));
	if (!(u->cap & VTD_CAP_SAGAW_48)) {
		pr_err("VT-d: at 0x%lx: no 4-level tables (SAGAW 0x%lx)\n", u->base,
		       (u->cap >> 8) & 0x1f);
		return -ENODEV;
	}
	if (u->iotlb + 8 > (4096u << a->size) || u->frcd + 16 * u->nr_frcd > (4096u << a->size))
		return -EINVAL;
	if ((rc = vtd_ctx_init(&u->ctx, &vtd_pages)))
		return rc;
	if ((rc = vtd_gcmd(u, VTD_GCMD_TE, false, 0)))	/* firmware's, if on */
		return rc;
	wr64(u, VTD_RTADDR, u->ctx.root);	/* TTM = 00: legacy mode */
	if ((rc = vtd_gcmd(u, VTD_GCMD_SRTP, true, VTD_GCMD_SRTP)) || (rc = vtd_invalidate(u, 0, -1)))
		return rc;
	return vtd_gcmd(u, VTD_GCMD_TE, true, VTD_GCMD_TE);
}

static int vtd_init(const struct iommu_acpi *a)
{
	int rc = 0;

	vtd_pages = iommu_pages;
	vtd_pages.sync = vtd_flush_lines;
	for (u32 i = 0; i < a->nr_units && !rc; i++, nr_units++) {
		acpi_units[i] = a->unit[i];
		rc = vtd_unit_init(&units[i], &acpi_units[i]);
	}
	for (u32 i = 0; rc && i < nr_units; i++)
		vtd_gcmd(&units[i], VTD_GCMD_TE, false, 0);	/* all or none */
	for (u32 i = 0; !rc && i < nr_units; i++)
		pr_info("IOMMU: VT-d at 0x%lx enabled, every device blocked\n", units[i].base);
	if (rc)
		nr_units = 0;
	return rc;
}

/* The unit translating sid: one whose scope names it (a single-hop
 * endpoint), else the segment's INCLUDE_PCI_ALL unit (§8.3.1). */
static struct vtd_unit *vtd_unit_for(u16 seg, u16 sid)
{
	struct vtd_unit *all = NULL;

	for (u32 i = 0; i < nr_units; i++) {
		const struct iommu_acpi_unit *a = units[i].acpi;

		if (a->segment != seg)
			continue;
		if (a->include_all)
			all = &units[i];
		for (u32 j = 0; j < a->nr_devs; j++)
			if (a->dev[j].type == IOMMU_DEV_PCI && a->dev[j].hops == 1 &&
			    a->dev[j].first == sid)
				return &units[i];
	}
	return all;
}

static int vtd_assign(const struct iommu_pt *pt, u16 did, u16 seg, u8 bus, u8 devfn)
{
	u16 sid = (u16)(bus << 8 | devfn);
	struct vtd_unit *u = vtd_unit_for(seg, sid);
	int rc;

	if (!u)
		return -ENODEV;
	if (did >= u->nr_dids)
		return -ENOSPC;
	if ((rc = vtd_ctx_attach(&u->ctx, sid, pt->root, did)))
		return rc;
	/* Caching mode (CAP.CM) may have cached the not-present entry. */
	if ((rc = vtd_invalidate(u, did, sid))) {
		vtd_ctx_detach(&u->ctx, sid);
		vtd_invalidate(u, did, sid);
	}
	return rc;
}

/* did's IOTLB entries dropped by every unit (§10.4.8, domain-selective);
 * after a map only in caching mode (§6.1). */
static int vtd_flush(u16 did, bool map)
{
	int rc = 0;

	for (u32 i = 0; i < nr_units; i++) {
		struct vtd_unit *u = &units[i];
		int r;

		if (map && !(u->cap & VTD_CAP_CM))
			continue;
		if (did >= u->nr_dids)
			continue;	/* no device of did behind it (vtd_assign) */
		r = vtd_wbf(u);
		r = r ? r : vtd_iotlb(u, did, false);
		rc = rc ? rc : r;
	}
	return rc;
}

static void vtd_deassign(u16 did, u16 seg, u8 bus, u8 devfn)
{
	u16 sid = (u16)(bus << 8 | devfn);
	struct vtd_unit *u = vtd_unit_for(seg, sid);

	if (u && vtd_ctx_detach(&u->ctx, sid) == 1 && vtd_invalidate(u, did, sid))
		pr_err("VT-d: %02x:%02x.%u: blocked, but the invalidation did not complete\n",
		       bus, devfn >> 3, devfn & 7);
}

static void vtd_log_fault(const struct vtd_fault *f)
{
	if (iommu_fault_log_ok())
		pr_warn("VT-d: DMA %s fault device %02x:%02x.%u address 0x%lx reason 0x%x (%s)\n",
			f->read ? "read" : "write", f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7,
			f->addr, f->reason, vtd_fault_reason(f->reason));
}

/* Fault records from FSTS.FRI on, each cleared once read (§7.2.1). */
static void vtd_poll_unit(struct vtd_unit *u)
{
	u32 fsts = rd32(u, VTD_FSTS), i = (fsts >> 8) & 0xff;

	for (u32 n = 0; n < u->nr_frcd; n++, i = (i + 1) % u->nr_frcd) {
		u32 reg = u->frcd + (i % u->nr_frcd) * 16;
		u64 rec[2] = { rd64(u, reg), rd64(u, reg + 8) };
		struct vtd_fault f;

		if (vtd_fault_decode(rec, &f))
			break;
		vtd_log_fault(&f);
		wr64(u, reg + 8, VTD_FRCD_F);
	}
	if (fsts & VTD_FSTS_PFO) {
		pr_warn("VT-d: at 0x%lx: fault records overflowed, faults lost\n", u->base);
		wr32(u, VTD_FSTS, VTD_FSTS_PFO);
	}
}

static void vtd_poll(void)
{
	for (u32 i = 0; i < nr_units; i++)
		vtd_poll_unit(&units[i]);
}

static int vtd_pt_new(struct iommu_pt *pt, u64 max_tables)
{
	return vtd_pt_init(pt, &vtd_pages, max_tables);
}

const struct iommu_drv vtd_drv = {
	.name = "VT-d", .init = vtd_init, .pt_init = vtd_pt_new,
	.assign = vtd_assign, .deassign = vtd_deassign, .flush = vtd_flush, .poll = vtd_poll,
};

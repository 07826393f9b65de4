/*
 * The core's IOMMU front (iommu.h): picks the vendor driver from ACPI at
 * boot (IVRS: AMD-Vi, DMAR: VT-d), owns one I/O page table per domain that
 * has a device, and fills it from the domain's p2m: its RAM pages
 * (memop_classify: MEMOP_RAM) and the grants it has mapped (read-only
 * ones read-only), never foreign, shared-info or MMIO entries, so a
 * device reaches what its owner owns or was granted and nothing else.
 * Grant map and unmap keep the table in step (iommu_map / iommu_unmap /
 * iommu_flush, from gnttab_op.c).
 * Without a driver (or with iommu=0) nothing is translated, assign fails
 * with -ENODEV, and iommu=force/required refuses to boot, as Xen does.
 *
 * Threading: assign/deassign/domain_destroy are serialized by the caller
 * (the PCI table's lock); a domain's table is changed under its d->lock
 * (the mirror under memop_lock, grant maps and unmaps under d->lock); the
 * units' queues and registers under hw_lock. iommu_poll_faults may race
 * with all of them (timer tick, 'q' key), so it only ever touches the
 * drivers' fault logs, one poller at a time.
 */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "console.h"
#include "cmdline.h"
#include "frame.h"
#include "cpu.h"
#include "apic.h"
#include "acpi.h"
#include "domain.h"
#include "memop.h"
#include "gnttab.h"
#include "iommu.h"
#include "iommu_drv.h"

#define IOMMU_MAX_DOMAINS 16	/* domains holding devices at once */
#define IOMMU_FAULTS_LOGGED 16	/* without iommu=debug */
#define IOMMU_WAIT_MS 100	/* any register or completion wait */

struct iommu_dom {
	const struct domain *d;	/* NULL: free slot */
	struct iommu_pt pt;
	u32 devices;		/* assigned through this table */
};

static const struct iommu_drv *drv;
static bool debug;
static u32 faults_logged;
static u32 polling;
static struct iommu_dom doms[IOMMU_MAX_DOMAINS];
static spinlock_t hw_lock = SPINLOCK_INIT;

static int pages_alloc(void *ctx, u64 *pa, void **va)
{
	void *p = page_alloc();

	(void)ctx;
	if (!p)
		return -ENOMEM;
	*va = p;
	*pa = virt_to_phys(p);
	return 0;
}

static void pages_free(void *ctx, u64 pa, void *va)
{
	(void)ctx, (void)pa;
	page_free(va);
}

static void *pages_va(void *ctx, u64 pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

const struct iommu_pt_ops iommu_pages = {
	.alloc = pages_alloc, .free = pages_free, .va = pages_va,
};

bool iommu_fault_log_ok(void)
{
	return debug || faults_logged++ < IOMMU_FAULTS_LOGGED;
}

volatile void *iommu_mmio(u64 pa, u64 len)
{
	if (pa < 0xc0000000ull || len > (4ull << 30) - pa)
		return NULL;
	return (volatile void *)(uintptr_t)pa;
}

u64 iommu_deadline(void)
{
	return rdtsc() + IOMMU_WAIT_MS * (tsc_per_ms ? tsc_per_ms : 10000000ull);
}

bool iommu_past(u64 deadline)
{
	return rdtsc() > deadline;
}

/* The firmware's table, which the driver for it, or -ENODEV. */
static int iommu_find(struct iommu_acpi *a)
{
	static const struct { const char *sig; const struct iommu_drv *drv; } t[] = {
		{ "IVRS", &amdvi_drv }, { "DMAR", &vtd_drv },
	};
	int rc = -ENODEV;

	for (u32 i = 0; i < ARRAY_SIZE(t); i++) {
		u32 len;
		const void *tab = acpi_table_find(t[i].sig, &len);

		if (!tab)
			continue;
		rc = iommu_acpi_parse(tab, len, a);
		if (!rc) {
			drv = t[i].drv;
			return 0;
		}
		pr_warn("IOMMU: %s refused: %s (error %d)\n", t[i].sig, a->why ? a->why : "?", rc);
	}
	return rc;
}

int iommu_init(const struct cmdline_opts *o)
{
	static struct iommu_acpi a;	/* large: not on the boot stack */
	int rc;

	if (!o->iommu_enable) {
		pr_info("IOMMU: disabled (iommu=0)\n");
		return -ENODEV;
	}
	debug = o->iommu_debug;
	rc = iommu_find(&a);
	if (rc)
		pr_info("IOMMU: none found\n");
	else if ((rc = drv->init(&a)))
		pr_err("IOMMU: %s would not start (error %d)\n", drv->name, rc);
	if (rc)
		drv = NULL;
	if (rc && o->iommu_force)
		panic("IOMMU: none enabled and iommu=force/required: refusing to boot");
	return rc == -ENODEV ? rc : rc ? -EIO : 0;
}

bool iommu_enabled(void)
{
	return drv != NULL;
}

const char *iommu_name(void)
{
	return drv ? drv->name : "none";
}

static struct iommu_dom *iommu_dom_find(const struct domain *d)
{
	for (u32 i = 0; i < IOMMU_MAX_DOMAINS; i++)
		if (doms[i].d == d)
			return &doms[i];
	return NULL;
}

/* One p2m leaf of d: mapped when it is d's RAM or a grant d mapped
 * (caller holds memop_lock). */
static int iommu_mirror_page(struct domain *d, struct iommu_pt *pt, u64 gpa, u64 e)
{
	paddr_t hpa;
	unsigned perm = IOMMU_R | (e & d->p2m.fmt->w ? IOMMU_W : 0);
	enum memop_page kind = memop_classify(d, gpa, &hpa);
	int h, rc;

	if (d->p2m.fmt->r && !(e & d->p2m.fmt->r))
		return 0;
	if (kind == MEMOP_BUSY && (h = gnttab_maptrack_find(&d->gnttab->maptrack, gpa)) >= 0) {
		const struct gnttab_map *m = gnttab_maptrack_lookup(&d->gnttab->maptrack, (u32)h);

		if (m->unmapping)
			return 0;
		perm = m->readonly ? IOMMU_R : IOMMU_RW;
	} else if (kind != MEMOP_RAM) {
		return 0;
	}
	rc = iommu_pt_map(pt, gpa, hpa, perm);
	return rc == -EEXIST ? 0 : rc;
}

/* Walks d's p2m (4 levels, 4 KiB leaves: p2m.h) below table. */
static int iommu_mirror(struct domain *d, struct iommu_pt *pt, paddr_t table, int level, u64 base)
{
	const struct p2m *p = &d->p2m;
	const u64 *t = p->pages->map(p->pages->ctx, table);
	int rc = 0;

	for (u32 i = 0; i < 512 && !rc; i++) {
		u64 e = t[i], gpa = base | (u64)i << (PAGE_SHIFT + 9 * level);

		if (!(e & p->fmt->present))
			continue;
		rc = level ? iommu_mirror(d, pt, e & P2M_ADDR_MASK, level - 1, gpa)
			   : iommu_mirror_page(d, pt, gpa, e);
	}
	return rc;
}

/* d's slot with its table holding d's RAM now; NULL and *rc on failure. */
static struct iommu_dom *iommu_dom_get(struct domain *d, int *rc)
{
	struct iommu_dom *s = iommu_dom_find(d);
	bool fresh = !s;

	if (fresh && !(s = iommu_dom_find(NULL))) {
		*rc = -ENOSPC;
		return NULL;
	}
	if (fresh && (*rc = drv->pt_init(&s->pt, d->p2m.max_tables)))
		return NULL;
	memop_lock(d);	/* from s->d on, grant maps of d go to the table too */
	s->d = d;
	*rc = iommu_mirror(d, &s->pt, d->p2m.root, 3, 0);
	if (*rc && fresh)
		s->d = NULL;
	memop_unlock(d);
	if (*rc && fresh)
		iommu_pt_teardown(&s->pt);
	return *rc ? NULL : s;
}

int iommu_assign(struct domain *d, u16 seg, u8 bus, u8 devfn)
{
	struct iommu_dom *s;
	int rc;

	if (!drv)
		return -ENODEV;
	if (!(s = iommu_dom_get(d, &rc)))
		return rc;
	spin_lock(&hw_lock);
	rc = drv->assign(&s->pt, (u16)(d->id + 1), seg, bus, devfn);
	spin_unlock(&hw_lock);
	if (!rc)
		s->devices++;
	else if (!s->devices)
		iommu_domain_destroy(d);
	if (!rc && debug)
		pr_info("IOMMU: %04x:%02x:%02x.%u -> d%u (%lu pages)\n", seg, bus, devfn >> 3,
			devfn & 7, d->id, s->pt.nr_leaves);
	return rc;
}

void iommu_deassign(struct domain *d, u16 seg, u8 bus, u8 devfn)
{
	struct iommu_dom *s = drv ? iommu_dom_find(d) : NULL;

	if (!s)
		return;
	spin_lock(&hw_lock);
	drv->deassign((u16)(d->id + 1), seg, bus, devfn);
	spin_unlock(&hw_lock);
	if (s->devices)
		s->devices--;
}

/* The table's root is in no device entry any more (every device was
 * deassigned, each deassign flushed), so its pages may go back. */
void iommu_domain_destroy(struct domain *d)
{
	struct iommu_dom *s = drv ? iommu_dom_find(d) : NULL;

	if (!s)
		return;
	if (s->devices)
		pr_err("IOMMU: d%u destroyed with %u device(s) assigned: table kept\n", d->id,
		       s->devices);
	else
		iommu_pt_teardown(&s->pt);
	if (!s->devices)
		s->d = NULL;
}

static int iommu_flush_did(struct domain *d, bool map)
{
	int rc;

	spin_lock(&hw_lock);
	rc = drv->flush((u16)(d->id + 1), map);
	spin_unlock(&hw_lock);
	return rc;
}

int iommu_map(struct domain *d, u64 gpa, paddr_t hpa, bool writable)
{
	struct iommu_dom *s = drv ? iommu_dom_find(d) : NULL;
	int rc;

	if (!s)
		return 0;
	rc = iommu_pt_map(&s->pt, gpa, hpa, writable ? IOMMU_RW : IOMMU_R);
	if (!rc && iommu_flush_did(d, true)) {
		iommu_pt_unmap(&s->pt, gpa, NULL);
		iommu_flush_did(d, false);
		rc = -EIO;
	}
	return rc;
}

void iommu_unmap(struct domain *d, u64 gpa)
{
	struct iommu_dom *s = drv ? iommu_dom_find(d) : NULL;

	if (s)
		iommu_pt_unmap(&s->pt, gpa, NULL);
}

void iommu_flush(struct domain *d)
{
	if (drv && iommu_dom_find(d) && iommu_flush_did(d, false))
		pr_err("IOMMU: d%u: IOTLB flush did not complete\n", d->id);
}

void iommu_poll_faults(void)
{
	if (!drv || __atomic_exchange_n(&polling, 1, __ATOMIC_ACQUIRE))
		return;
	drv->poll();
	__atomic_store_n(&polling, 0, __ATOMIC_RELEASE);
}

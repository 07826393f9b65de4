/*
 * PCI passthrough: the core's device table, owners, assignment and the
 * owner's mediated config accessor (issue 8 §1, public/pci.h). The
 * mechanism (enumeration, BAR sizing, the write filter) is arch/x86/pci.c;
 * this file holds the state and the glue to the p2m and the IOMMU.
 *
 * Memory type of the BAR mappings: the p2m layer has one leaf format per
 * vendor (p2m.c), so a BAR page gets the same bits as RAM. Under NPT that
 * leaf selects host PAT entry 0 and the host MTRRs (the firmware marks the
 * PCI hole UC) make the access uncached whatever the guest maps (APM
 * 15.25.8). Under EPT the leaf's type is WB and replaces the MTRRs (SDM
 * 29.3.7): the owner must map its BARs UC in its own page tables (the
 * combination is then UC). A per-entry UC type needs a p2m change.
 */
#include "pci_op.h"
#include "pci.h"
#include "pci_msi.h"
#include "iommu/iommu.h"
#include "domain.h"
#include "memop.h"
#include "guestmem.h"
#include "multiboot.h"
#include "acpi.h"
#include "mm.h"
#include "console.h"
#include "cpu.h"
#include "spinlock.h"
#include "errno.h"
#include "public/pci.h"
#include "lib.h"

#define PCI_OP_BAR_MAX (1ull << 30)	/* larger memory BARs are not mapped */
#define PLATFORM_START 0xfec00000ull	/* IOAPIC, HPET, LAPIC, firmware: never a BAR */

/* Passthrough state of tab.dev[i] (under lock). */
struct pt_dev {
	u16 owner;		/* a domid or BH_PCI_OWNER_NONE */
	bool draining;		/* leaving its owner: nobody's, not assignable */
	bool bad;		/* never assigned */
	bool msix_table;	/* its MSI-X table is mapped in the core (pci_msi.c) */
	u8 sizing;		/* BAR slots being sized: reads answer sizing_val */
	u32 sizing_val[PCI_NR_BARS];
};

static struct pci_table tab;	/* written once by pci_op_init, then BARs never move */
/* Every memory BAR's pages lie in [bars_lo, bars_hi) (pci_op_init): most
 * addresses pci_op_is_bar_page is asked about, on every guest-memory copy,
 * are RAM outside it. */
static u64 bars_lo = ~0ull, bars_hi;
static struct pt_dev pt[PCI_MAX_DEVICES];
static spinlock_t lock = SPINLOCK_INIT;
static spinlock_t conf1_lock = SPINLOCK_INIT;	/* 0xcf8 then 0xcfc: one access at a time */
/* Segment 0's ECAM window from MCFG (bus b at ecam + b MiB), decoding buses
 * ecam_lo..ecam_hi; NULL: mechanism #1 only. Set once before the APs start. */
static volatile u8 *ecam;
static u8 ecam_lo, ecam_hi;
static struct pci_bar ecam_win;	/* its pages as mapped, 2 MiB aligned */

/* cpu.h has inb only. */
static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Mechanism #1 (PCI 3.0 §3.2.2.3.2): the address dword, then the data lane. */
static u32 conf1_read(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size)
{
	u16 port = pci_conf1_data_port((u8)reg);
	u32 v;

	(void)ctx;
	if (seg || !pci_cfg_access_ok(reg, size, PCI_CFG_SIZE))
		return 0xffffffff;
	spin_lock(&conf1_lock);
	outl(PCI_CONF1_ADDRESS_PORT, pci_conf1_address(bus, devfn, (u8)reg));
	v = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
	spin_unlock(&conf1_lock);
	return v;
}

static void conf1_write(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size, u32 v)
{
	u16 port = pci_conf1_data_port((u8)reg);

	(void)ctx;
	if (seg || !pci_cfg_access_ok(reg, size, PCI_CFG_SIZE))
		return;
	spin_lock(&conf1_lock);
	outl(PCI_CONF1_ADDRESS_PORT, pci_conf1_address(bus, devfn, (u8)reg));
	if (size == 1)
		outb(port, (u8)v);
	else if (size == 2)
		outw(port, (u16)v);
	else
		outl(port, v);
	spin_unlock(&conf1_lock);
}

/* Config space size for a function on bus: ECAM's 4 KiB where it decodes the bus. */
static u16 cfg_limit(u16 seg, u8 bus)
{
	return ecam && !seg && bus >= ecam_lo && bus <= ecam_hi ? PCI_ECAM_CFG_SIZE : PCI_CFG_SIZE;
}

/* ECAM through %eax/%ax/%al only: AMD family 10h northbridges mishandle MMIO
 * config accesses made through other registers (Linux asm/pci_x86.h). One
 * access of the asked size, uncached: no lock needed. */
static u32 hw_read(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size)
{
	volatile void *p;
	u32 v = 0;

	if (cfg_limit(seg, bus) != PCI_ECAM_CFG_SIZE)
		return conf1_read(ctx, seg, bus, devfn, reg, size);
	if (!pci_cfg_access_ok(reg, size, PCI_ECAM_CFG_SIZE))
		return 0xffffffff;
	p = ecam + pci_ecam_offset(bus, devfn, reg);
	if (size == 1)
		__asm__ __volatile__("movb (%1), %%al" : "+a"(v) : "r"(p) : "memory");
	else if (size == 2)
		__asm__ __volatile__("movw (%1), %%ax" : "+a"(v) : "r"(p) : "memory");
	else
		__asm__ __volatile__("movl (%1), %%eax" : "+a"(v) : "r"(p) : "memory");
	return v;
}

static void hw_write(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size, u32 v)
{
	volatile void *p;

	if (cfg_limit(seg, bus) != PCI_ECAM_CFG_SIZE) {
		conf1_write(ctx, seg, bus, devfn, reg, size, v);
		return;
	}
	if (!pci_cfg_access_ok(reg, size, PCI_ECAM_CFG_SIZE))
		return;
	p = ecam + pci_ecam_offset(bus, devfn, reg);
	if (size == 1)
		__asm__ __volatile__("movb %%al, (%1)" : : "a"(v), "r"(p) : "memory");
	else if (size == 2)
		__asm__ __volatile__("movw %%ax, (%1)" : : "a"(v), "r"(p) : "memory");
	else
		__asm__ __volatile__("movl %%eax, (%1)" : : "a"(v), "r"(p) : "memory");
}

static const struct pci_cfg_ops hw = { hw_read, hw_write, NULL };

/* "SSSS:BB:DD.F", as xl and Xen's logs write a function. */
static void sbdf_name(char name[PCI_SBDF_LEN], u16 seg, u8 bus, u8 devfn)
{
	fmt_snprintf(name, PCI_SBDF_LEN, "%04x:%02x:%02x.%x", seg, bus, PCI_SLOT(devfn),
		     PCI_FUNC(devfn));
}

static bool bar_is_mem(const struct pci_bar *b)
{
	return (b->type == PCI_BAR_MEM32 || b->type == PCI_BAR_MEM64) && b->size;
}

/* The pages a memory BAR covers: [*lo, *hi). */
static void bar_pages(const struct pci_bar *b, u64 *lo, u64 *hi)
{
	*lo = ALIGN_DOWN(b->base, PAGE_SIZE);
	*hi = ALIGN_UP(b->base + b->size, PAGE_SIZE);
}

/* A BAR that would hand out RAM or the platform's own registers if mapped
 * (the ECAM window among them: the core's alone, like the IOMMU's). */
static bool bar_unsafe(const struct pci_bar *b, const struct boot_info *bi)
{
	u64 lo, hi;

	if (b->base + b->size < b->base || b->base + b->size > (1ull << 48))
		return true;
	bar_pages(b, &lo, &hi);
	if (lo < 0x100000 || (hi > PLATFORM_START && lo < 0x100000000ull))
		return true;
	for (u32 r = 0; r < bi->nr_regions; r++)
		if (lo < bi->regions[r].end && bi->regions[r].start < hi)
			return true;
	return ecam && lo < ecam_win.base + ecam_win.size && ecam_win.base < hi;
}

static void log_dev(int i)
{
	static const char *const kind[] = { "", "io", "mem32", "mem64", "", "bad" };
	const struct pci_dev *p = &tab.dev[i];
	char line[256], name[PCI_SBDF_LEN];
	size_t n;

	sbdf_name(name, p->seg, p->bus, p->devfn);
	n = (size_t)fmt_snprintf(line, sizeof(line), "PCI %s %04x:%04x class %06x", name,
				 p->vendor, p->device, p->class_code);
	for (int b = 0; b < PCI_NR_BARS && n < sizeof(line); b++) {
		const struct pci_bar *r = &p->bar[b];

		if (r->type == PCI_BAR_IO || r->type == PCI_BAR_MEM32 || r->type == PCI_BAR_MEM64)
			n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " %s%s 0x%lx+0x%lx",
						  kind[r->type], r->prefetch ? "pf" : "",
						  r->base, r->size);
		else if (r->type == PCI_BAR_BAD)
			n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " bad");
	}
	pr_info("%s%s\n", line, pt[i].bad ? " BAD: never assignable" : "");
}

/* Segment 0's MCFG allocation holding bus 0 becomes the ECAM window, mapped
 * uncached, unless its pages (2 MiB rounded) would take RAM, the first MiB or
 * the platform range; other allocations are not used. */
static void ecam_init(const struct boot_info *bi)
{
	struct pci_mcfg m;
	const struct pci_mcfg_region *r;
	struct pci_bar win = { .type = PCI_BAR_MEM32 };
	u32 len;
	const void *t = acpi_table_find("MCFG", &len);
	int rc = t ? pci_mcfg_parse(t, len, &m) : -ENOENT;

	if (!t) {
		pr_info("PCI: no ACPI MCFG: configuration mechanism #1\n");
		return;
	}
	if (rc || !(r = pci_mcfg_find(&m, 0, 0))) {
		pr_warn("PCI: MCFG refused (%d) or no segment 0 bus 0: mechanism #1\n", rc);
		return;
	}
	win.base = ALIGN_DOWN(r->base + ((u64)r->start_bus << 20), 1ull << 21);
	win.size = ALIGN_UP(r->base + (((u64)r->end_bus + 1) << 20), 1ull << 21) - win.base;
	if (bar_unsafe(&win, bi) || (rc = paging_map_uncached(win.base, win.size))) {
		pr_warn("PCI: ECAM at 0x%lx refused (RAM or platform range, %d): mechanism #1\n",
			r->base, rc);
		return;
	}
	ecam_win = win;
	ecam_lo = r->start_bus;
	ecam_hi = r->end_bus;
	ecam = (volatile u8 *)(uintptr_t)r->base;
	pr_info("PCI: ECAM at 0x%lx, buses %u-%u\n", r->base, ecam_lo, ecam_hi);
}

/* The core reaches an MSI-X table through an uncached 2 MiB mapping of
 * it: only where that mapping takes no RAM and no platform range. */
static bool msix_table_map(const struct pci_dev *p, const struct boot_info *bi)
{
	struct pci_bar win = { .type = PCI_BAR_MEM32 };
	u64 lo, hi;
	int bar;

	if (!pci_msix_table(p, &bar, &lo, &hi))
		return false;
	win.base = ALIGN_DOWN(lo, 1ull << 21);
	win.size = ALIGN_UP(hi, 1ull << 21) - win.base;
	return !bar_unsafe(&win, bi) && !paging_map_uncached(win.base, win.size);
}

void pci_op_init(const struct boot_info *bi)
{
	ecam_init(bi);
	pci_table_init(&tab);
	pci_enumerate(&tab, &hw, 0, 0, 255);
	pci_msi_init();
	for (u32 i = 0; i < tab.count; i++) {
		pt[i].owner = BH_PCI_OWNER_NONE;
		pt[i].bad = tab.dev[i].flags != 0;
		for (int b = 0; b < PCI_NR_BARS; b++) {
			u64 lo, hi;

			if (!bar_is_mem(&tab.dev[i].bar[b]))
				continue;
			if (bar_unsafe(&tab.dev[i].bar[b], bi))
				pt[i].bad = true;
			bar_pages(&tab.dev[i].bar[b], &lo, &hi);
			bars_lo = MIN(bars_lo, lo);
			bars_hi = MAX(bars_hi, hi);
		}
		pt[i].msix_table = !pt[i].bad && msix_table_map(&tab.dev[i], bi);
		if (tab.dev[i].hdr_type == 0)	/* quiet lines: no owner, no driver */
			hw_write(NULL, 0, tab.dev[i].bus, tab.dev[i].devfn, PCI_COMMAND, 2,
				 hw_read(NULL, 0, tab.dev[i].bus, tab.dev[i].devfn, PCI_COMMAND, 2) |
				 PCI_CMD_INTX_DISABLE);
		log_dev((int)i);
	}
	pr_info("PCI: %u devices%s\n", tab.count,
		tab.overflow || tab.refused ? " (table full or bridges refused: some not listed)" : "");
}

bool pci_op_is_bar_page(paddr_t hpa)
{
	if (ecam && hpa >= ecam_win.base && hpa < ecam_win.base + ecam_win.size)
		return true;	/* the core's, like a BAR: never RAM, never mapped */
	if (hpa < bars_lo || hpa >= bars_hi)
		return false;
	for (u32 i = 0; i < tab.count; i++)
		for (int b = 0; b < PCI_NR_BARS; b++) {
			u64 lo, hi;

			bar_pages(&tab.dev[i].bar[b], &lo, &hi);
			if (bar_is_mem(&tab.dev[i].bar[b]) && hpa >= lo && hpa < hi)
				return true;
		}
	return false;
}

static int find(u32 sbdf)
{
	if (sbdf >> 16)
		return -1;	/* segment 0 only (mechanism #1) */
	for (u32 i = 0; i < tab.count; i++)
		if (BH_PCI_SBDF(tab.dev[i].seg, tab.dev[i].bus, tab.dev[i].devfn) == sbdf)
			return (int)i;
	return -1;
}

static void dev_info(int i, struct bh_pci_dev *o)
{
	const struct pci_dev *p = &tab.dev[i];

	memset(o, 0, sizeof(*o));
	o->sbdf = BH_PCI_SBDF(p->seg, p->bus, p->devfn);
	o->vendor = p->vendor;
	o->device = p->device;
	o->class_code = p->class_code;
	o->owner = pt[i].draining ? BH_PCI_OWNER_NONE : pt[i].owner;
	o->irq_pin = p->irq_pin;
	o->flags = pt[i].bad ? BH_PCI_DEV_BAD : 0;
	for (int b = 0; b < PCI_NR_BARS; b++) {
		const struct pci_bar *r = &p->bar[b];

		if (r->type != PCI_BAR_IO && r->type != PCI_BAR_MEM32 && r->type != PCI_BAR_MEM64)
			continue;	/* enum pci_bar_type matches BH_PCI_BAR_* up to MEM64 */
		o->bar[b].type = r->type;
		o->bar[b].base = r->base;
		o->bar[b].size = r->size;
		o->bar[b].prefetch = r->prefetch;
	}
}

long pci_op_list(struct vcpu *v, struct bh_pci_list *l, int owner_only)
{
	struct bh_pci_dev info;
	u32 count = 0;
	bool show;

	for (u32 i = 0; i < tab.count; i++) {
		spin_lock(&lock);
		show = owner_only < 0 || (pt[i].owner == owner_only && !pt[i].draining);
		if (show)
			dev_info((int)i, &info);
		spin_unlock(&lock);
		if (show && count < l->max &&
		    copy_to_guest(v, l->buf + (u64)count * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
		count += show;
	}
	l->count = count;
	return 0;
}

/* A page of dev i's memory BARs that another device's memory BAR shares. */
static bool page_shared(int i)
{
	for (int b = 0; b < PCI_NR_BARS; b++)
		for (u32 j = 0; j < tab.count; j++)
			for (int c = 0; j != (u32)i && c < PCI_NR_BARS; c++) {
				u64 lo, hi, lo2, hi2;

				if (!bar_is_mem(&tab.dev[i].bar[b]) || !bar_is_mem(&tab.dev[j].bar[c]))
					continue;
				bar_pages(&tab.dev[i].bar[b], &lo, &hi);
				bar_pages(&tab.dev[j].bar[c], &lo2, &hi2);
				if (lo < hi2 && lo2 < hi)
					return true;
			}
	return false;
}

/* Checks of BH_DOMCTL_pci_assign, before anything changes (lock held). */
static int assign_check(struct domain *d, int i, const char *name)
{
	bool mem = false;

	if (i < 0)
		return -ENODEV;
	for (int b = 0; b < PCI_NR_BARS; b++) {
		mem |= bar_is_mem(&tab.dev[i].bar[b]);
		if (bar_is_mem(&tab.dev[i].bar[b]) && tab.dev[i].bar[b].size > PCI_OP_BAR_MAX)
			return -EOPNOTSUPP;
	}
	if (pt[i].bad)
		return -EPERM;
	if (tab.dev[i].hdr_type != 0 || !mem)
		return -EOPNOTSUPP;	/* bridges stay the core's; I/O BARs are not given */
	if (pt[i].owner != BH_PCI_OWNER_NONE || pt[i].draining)
		return -EBUSY;
	if (d->id == 0 || d->privileged)
		return -EPERM;
	if (d->hvm)
		return -EINVAL;	/* runtime domains only (public/pci.h) */
	/* d->killed is set before domain_kill takes this lock: no device is
	 * given to a domain pci_op_domain_kill has already swept. */
	if (__atomic_load_n(&d->killed, __ATOMIC_ACQUIRE) || READ_ONCE(d->dying))
		return -ESRCH;
	if (!READ_ONCE(d->pause_count))
		return -EBUSY;	/* paused or never started: its vCPUs are not in guest mode */
	if (!iommu_enabled()) {
		pr_warn("PCI %s: passthrough refused: no IOMMU\n", name);
		return -EPERM;
	}
	return page_shared(i) ? -EBUSY : 0;
}

/* Unmaps the BAR pages of dev i that map to themselves in d (memop_lock held). */
static void bars_unmap(struct domain *d, int i)
{
	for (int b = 0; b < PCI_NR_BARS; b++) {
		u64 lo, hi;
		paddr_t hpa;

		if (!bar_is_mem(&tab.dev[i].bar[b]))
			continue;
		bar_pages(&tab.dev[i].bar[b], &lo, &hi);
		for (u64 pa = lo; pa < hi; pa += PAGE_SIZE)
			if (p2m_lookup(&d->p2m, pa, &hpa, NULL) && (hpa & PAGE_MASK) == pa)
				p2m_unmap(&d->p2m, pa);
	}
}

/* The pages of dev's MSI-X table, which stay the core's (pci_msi.h). */
static bool msix_page(const struct pci_dev *p, u64 pa)
{
	u64 lo, hi;
	int bar;

	return pci_msix_table(p, &bar, &lo, &hi) && pa < ALIGN_UP(hi, PAGE_SIZE) &&
	       ALIGN_DOWN(lo, PAGE_SIZE) <= pa;
}

/* Maps every memory BAR of dev i at gpa == hpa, read/write, no execute,
 * except its MSI-X table's pages: -EBUSY when any page is already mapped
 * in d (RAM or anything else). */
static int bars_map(struct domain *d, int i)
{
	int rc = 0, pass;

	memop_lock(d);
	for (pass = 0; pass < 2 && !rc; pass++)
		for (int b = 0; b < PCI_NR_BARS && !rc; b++) {
			u64 lo, hi;
			paddr_t hpa;

			if (!bar_is_mem(&tab.dev[i].bar[b]))
				continue;
			bar_pages(&tab.dev[i].bar[b], &lo, &hi);
			for (u64 pa = lo; pa < hi && !rc; pa += PAGE_SIZE) {
				bool mapped = p2m_lookup(&d->p2m, pa, &hpa, NULL);

				if (pass == 1 && msix_page(&tab.dev[i], pa))
					continue;

				if (pass == 0 && mapped)
					rc = -EBUSY;
				else if (pass == 1 && !mapped)	/* two BARs may share a page */
					rc = p2m_map(&d->p2m, pa, pa, P2M_R | P2M_W);
			}
		}
	if (rc && pass == 2)	/* failed mapping: pass 0 found every page free, all ours */
		bars_unmap(d, i);
	if (!rc)
		d->pci_devices++;	/* from here on its RAM is fixed (memop.c) */
	memop_unlock(d);
	return rc;
}

long pci_op_assign(struct domain *d, u32 sbdf)
{
	char name[PCI_SBDF_LEN];
	bool mapped = false;
	int i, rc;

	sbdf_name(name, (u16)(sbdf >> 16), (u8)(sbdf >> 8), (u8)sbdf);
	spin_lock(&lock);
	i = find(sbdf);
	rc = assign_check(d, i, name);
	if (!rc)
		mapped = !(rc = bars_map(d, i));
	if (!rc && (rc = iommu_assign(d, 0, tab.dev[i].bus, tab.dev[i].devfn))) {
		memop_lock(d);
		bars_unmap(d, i);
		d->pci_devices--;
		memop_unlock(d);
	}
	if (!rc) {
		pt[i].owner = d->id;
		pt[i].sizing = 0;
	}
	spin_unlock(&lock);
	if (rc && mapped)
		memop_flush_wait(d);	/* pages briefly mapped: no vCPU keeps them */
	if (rc)
		pr_info("PCI %s: assignment to d%u refused (%d)\n", name, d->id, rc);
	else
		pr_info("PCI %s assigned to d%u\n", name, d->id);
	return rc;
}

/* First half of giving dev i back (lock held): stop it, block its DMA,
 * unmap its BARs. Bus master and decode off first: the device stops at
 * the source; the next owner turns them on again. */
static void release_begin(struct domain *d, int i)
{
	const struct pci_dev *p = &tab.dev[i];
	u32 cmd = hw_read(NULL, 0, p->bus, p->devfn, PCI_COMMAND, 2);

	pt[i].draining = true;
	pt[i].sizing = 0;
	pci_msi_release(&hw, p, (u32)i, pt[i].msix_table);
	hw_write(NULL, 0, p->bus, p->devfn, PCI_COMMAND, 2,
		 cmd & ~(PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER));
	iommu_deassign(d, 0, p->bus, p->devfn);
	memop_lock(d);
	bars_unmap(d, i);
	d->pci_devices--;
	memop_unlock(d);
}

/* Second half, no lock held: once d's vCPUs have flushed, nobody's. */
static void release_end(struct domain *d, const bool *which, const char *why)
{
	char name[PCI_SBDF_LEN];

	memop_flush_wait(d);
	for (u32 i = 0; i < tab.count; i++) {
		if (!which[i])
			continue;
		spin_lock(&lock);
		pt[i].owner = BH_PCI_OWNER_NONE;
		pt[i].draining = false;
		spin_unlock(&lock);
		sbdf_name(name, 0, tab.dev[i].bus, tab.dev[i].devfn);
		pr_info("PCI %s deassigned from d%u (%s)\n", name, d->id, why);
	}
}

long pci_op_deassign(struct domain *d, u32 sbdf)
{
	bool which[PCI_MAX_DEVICES] = { false };
	int i, rc = 0;

	spin_lock(&lock);
	i = find(sbdf);
	if (i < 0)
		rc = -ENODEV;
	else if (pt[i].owner != d->id || pt[i].draining)
		rc = -EINVAL;	/* not d's */
	else
		release_begin(d, i);
	spin_unlock(&lock);
	if (rc)
		return rc;
	which[i] = true;
	release_end(d, which, "by the toolstack");
	return 0;
}

void pci_op_domain_kill(struct domain *d)
{
	bool which[PCI_MAX_DEVICES] = { false }, any = false;

	spin_lock(&lock);
	for (u32 i = 0; i < tab.count; i++)
		if (pt[i].owner == d->id && !pt[i].draining) {
			release_begin(d, (int)i);
			which[i] = any = true;
		}
	spin_unlock(&lock);
	if (any)
		release_end(d, which, "its domain stopped");
}

void pci_op_domain_free(struct domain *d)
{
	iommu_domain_destroy(d);
}

/* ---- The owner's accessor (__HYPERVISOR_bulkhead_pci) ---- */

struct owns_ctx {
	int slot;		/* the BAR slot written (its lower half for MEM64) */
};

/* Only the range mapped for that BAR: BARs do not move (a write of another
 * base is dropped), and no I/O range is given. */
static bool owns(void *ctx, const struct pci_dev *dev, bool io, u64 base, u64 size)
{
	const struct owns_ctx *c = ctx;
	const struct pci_bar *b;

	if (io || c->slot < 0 || c->slot >= PCI_NR_BARS)
		return false;
	b = &dev->bar[c->slot];
	return bar_is_mem(b) && b->base == base && b->size == size;
}

/* MSI and MSI-X are the core's (pci_msi.c, BH_PCI_irq_bind): every write
 * into either capability is dropped. */
static u8 msi_drop(void *ctx, const struct pci_dev *dev, u8 cap_id, u16 off, u8 size, u32 value)
{
	(void)ctx, (void)dev, (void)cap_id, (void)off, (void)size, (void)value;
	return PCI_WRITE_DROP;
}

/* The BAR slot holding reg in a type 0 header, or -1. */
static int bar_slot(u16 reg)
{
	return reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_NR_BARS ? (reg - PCI_BAR0) / 4 : -1;
}

/* The command register's INTx disable (bit 10: bit 2 of byte 5) stays set
 * in a write of v at reg/size unless the owner bound the device's line: a
 * line asserted with nobody to quiet it would keep firing an input that
 * another device's owner may hold (pci_msi.h). */
static u32 intx_kept_off(int i, u16 reg, u8 size, u32 v)
{
	if (reg <= PCI_COMMAND + 1 && reg + size > PCI_COMMAND + 1 && !pci_intx_bound((u32)i))
		v |= PCI_CMD_INTX_DISABLE << (8 * (PCI_COMMAND - reg));
	return v;
}

static void cfg_write(int i, u16 reg, u8 size, u32 value)
{
	struct pci_dev *p = &tab.dev[i];
	int slot = bar_slot(reg);
	struct owns_ctx c = { slot };
	const struct pci_filter_ops fops = { owns, msi_drop, &c };
	struct pci_write_decision w;

	if (slot > 0 && p->bar[slot].type == PCI_BAR_UPPER)
		c.slot = slot - 1;
	if (pci_filter_write(p, &fops, reg, size, value, &w))
		return;
	if (slot >= 0)
		pt[i].sizing &= (u8)~(1u << slot);	/* any write ends sizing */
	if (w.verdict == PCI_WRITE_EMULATE && w.emul == PCI_EMUL_BAR_SIZING && slot >= 0) {
		pt[i].sizing |= (u8)(1u << slot);
		pt[i].sizing_val[slot] = w.value;
	} else if (w.verdict == PCI_WRITE_ALLOW) {
		u32 full = w.size == 4 ? 0xffffffff : (1u << (8 * w.size)) - 1;
		u32 old = (w.mask & full) == full ? 0 : hw_read(NULL, 0, p->bus, p->devfn, w.reg, w.size);

		hw_write(NULL, 0, p->bus, p->devfn, w.reg, w.size,
			 intx_kept_off(i, w.reg, w.size, (old & ~w.mask) | (w.value & w.mask)));
		pci_filter_commit(p, &w);
	}
}

static u32 cfg_read(int i, u16 reg, u8 size)
{
	const struct pci_dev *p = &tab.dev[i];
	int slot = bar_slot(reg);
	u32 v;

	if (slot >= 0 && (pt[i].sizing & (1u << slot)))
		v = pt[i].sizing_val[slot] >> (8 * (reg & 3));	/* the filter's sizing answer */
	else
		v = hw_read(NULL, 0, p->bus, p->devfn, reg, size);
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

/* The index of sbdf if v's domain owns it, else -1 (lock held): any device
 * the caller does not own is -EPERM, whatever the other arguments. */
static int owned(const struct vcpu *v, u32 sbdf)
{
	int i = find(sbdf);

	return i >= 0 && pt[i].owner == v->domain->id && !pt[i].draining ? i : -1;
}

static long cfg_op(struct vcpu *v, unsigned op, u64 arg)
{
	struct bh_pci_cfg c;
	long rc = 0;
	int i;

	if (copy_from_guest(v, &c, arg, sizeof(c)))
		return -EFAULT;
	spin_lock(&lock);
	if ((i = owned(v, c.sbdf)) < 0)
		rc = -EPERM;
	else if (!pci_cfg_access_ok(c.reg, c.size, cfg_limit(0, tab.dev[i].bus)))
		rc = -EINVAL;
	else if (op == BH_PCI_cfg_read)
		c.value = cfg_read(i, c.reg, c.size);
	else
		cfg_write(i, c.reg, c.size, c.value);
	spin_unlock(&lock);
	if (!rc && op == BH_PCI_cfg_read && copy_to_guest(v, arg, &c, sizeof(c)))
		rc = -EFAULT;
	return rc;
}

/* BH_PCI_irq_bind and BH_PCI_irq_eoi: the caller's device only. */
static long irq_op(struct vcpu *v, unsigned op, u64 arg)
{
	struct bh_pci_irq q;
	long rc;
	int i;

	if (copy_from_guest(v, &q, arg, sizeof(q)))
		return -EFAULT;
	spin_lock(&lock);
	if ((i = owned(v, q.sbdf)) < 0)
		rc = -EPERM;
	else if (op == BH_PCI_irq_eoi)
		rc = q.entry == BH_PCI_IRQ_INTX ? pci_intx_eoi((u32)i) : -EINVAL;
	else if (q.entry == BH_PCI_IRQ_INTX)
		rc = pci_intx_bind(&hw, &tab.dev[i], (u32)i, pci_intx_gsi(&tab, &tab.dev[i]),
				   v->domain, &q.port);
	else
		rc = pci_msi_bind(&hw, &tab.dev[i], (u32)i, pt[i].msix_table, v->domain, q.entry,
				  &q.port);
	spin_unlock(&lock);
	if (!rc && op == BH_PCI_irq_bind && copy_to_guest(v, arg, &q, sizeof(q)))
		rc = -EFAULT;	/* the port exists: the domain can find it by EVTCHNOP_status */
	return rc;
}

long pci_op_hypercall(struct vcpu *v, const u64 *a)
{
	struct bh_pci_list l;
	long rc;

	switch (a[0]) {
	case BH_PCI_list:
		if (copy_from_guest(v, &l, a[1], sizeof(l)))
			return -EFAULT;
		rc = pci_op_list(v, &l, v->domain->id);
		if (!rc && copy_to_guest(v, a[1], &l, sizeof(l)))
			rc = -EFAULT;
		return rc;
	case BH_PCI_cfg_read:
	case BH_PCI_cfg_write:
		return cfg_op(v, (unsigned)a[0], a[1]);
	case BH_PCI_irq_bind:
	case BH_PCI_irq_eoi:
		return irq_op(v, (unsigned)a[0], a[1]);
	default:
		return -ENOSYS;
	}
}

/*
 * MSI, MSI-X and INTx of passed-through devices as event channels (pci_msi.h).
 */
#include "pci_msi.h"
#include "pci.h"
#include "ioapic.h"
#include "percpu.h"
#include "traps.h"
#include "domain.h"
#include "evtchn.h"
#include "spinlock.h"
#include "errno.h"
#include "public/pci.h"

#define NR_VEC (PCI_MSI_VEC_LAST - PCI_MSI_VEC_FIRST + 1)
#define MSI_ADDR_LO 4		/* MSI capability (PCI 3.0 §6.8.1) */
#define MSI_ADDR_HI 8		/* 64-bit capable only */

struct msi_bind {
	struct domain *d;	/* NULL: the vector is free */
	u32 port;
	u32 dev;		/* pci_op's device index */
	u16 entry;		/* BH_PCI_IRQ_INTX: the device's INTx line */
	u32 gsi;		/* INTx: its I/O APIC input */
};

static struct msi_bind vec[NR_VEC];	/* under vec_lock */
static spinlock_t vec_lock = SPINLOCK_INIT;
static u64 delivered;			/* under vec_lock */

static void on_msi(struct trap_frame *f)
{
	struct msi_bind *b = &vec[f->vector - PCI_MSI_VEC_FIRST];

	spin_lock(&vec_lock);
	if (b->d) {
		if (b->entry == BH_PCI_IRQ_INTX)	/* level: quiet until the owner's EOI */
			ioapic_mask(b->gsi, true);
		evtchn_pirq_raise(b->d, b->port, (u32)f->vector);
		delivered++;
	}
	spin_unlock(&vec_lock);
}

void pci_msi_init(void)
{
	for (u32 v = PCI_MSI_VEC_FIRST; v <= PCI_MSI_VEC_LAST; v++)
		traps_set_handler((u8)v, on_msi);
}

u64 pci_msi_count(void)
{
	return READ_ONCE(delivered);
}

static u32 rd(const struct pci_cfg_ops *c, const struct pci_dev *p, u16 reg, u8 size)
{
	return c->read(c->ctx, p->seg, p->bus, p->devfn, reg, size);
}

static void wr(const struct pci_cfg_ops *c, const struct pci_dev *p, u16 reg, u8 size, u32 v)
{
	c->write(c->ctx, p->seg, p->bus, p->devfn, reg, size, v);
}

/* The table entry's registers: identity-mapped uncached by pci_op_init. */
static volatile u32 *msix_entry(const struct pci_dev *p, u16 entry)
{
	int bar;
	u64 lo, hi;

	if (!pci_msix_table(p, &bar, &lo, &hi))
		return NULL;
	return (volatile u32 *)(uintptr_t)(lo + (u64)entry * PCI_MSIX_ENTRY);
}

/* Writes the message and turns the capability on (pci_op's lock held). */
static void program(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u16 entry, u32 addr,
		    u32 data)
{
	u16 ctl;

	wr(cfg, p, PCI_COMMAND, 2, rd(cfg, p, PCI_COMMAND, 2) | PCI_CMD_INTX_DISABLE);
	if (p->msix_cap) {
		volatile u32 *e = msix_entry(p, entry);

		e[PCI_MSIX_ENTRY_CTRL / 4] |= 1;	/* masked while it changes (§6.8.3.5) */
		e[0] = addr;
		e[1] = 0;
		e[PCI_MSIX_ENTRY_DATA / 4] = data;
		ctl = (u16)rd(cfg, p, p->msix_cap + 2, 2);
		wr(cfg, p, p->msix_cap + 2, 2,
		   (ctl | PCI_MSIX_CTL_ENABLE) & ~PCI_MSIX_CTL_MASKALL);
		e[PCI_MSIX_ENTRY_CTRL / 4] &= ~1u;
		return;
	}
	ctl = (u16)rd(cfg, p, p->msi_cap + 2, 2);
	wr(cfg, p, p->msi_cap + MSI_ADDR_LO, 4, addr);
	if (ctl & PCI_MSI_CTL_64BIT) {
		wr(cfg, p, p->msi_cap + MSI_ADDR_HI, 4, 0);
		wr(cfg, p, p->msi_cap + 12, 2, data);
	} else {
		wr(cfg, p, p->msi_cap + 8, 2, data);
	}
	if (ctl & PCI_MSI_CTL_MASKABLE)	/* per-vector masks: the one vector unmasked */
		wr(cfg, p, p->msi_cap + (ctl & PCI_MSI_CTL_64BIT ? 16 : 12), 4, 0);
	/* Multiple Message Enable 0: one vector; then enable. */
	wr(cfg, p, p->msi_cap + 2, 2, (ctl & ~0x70u) | PCI_MSI_CTL_ENABLE);
}

/* A free vector for entry of dev (vec_lock held): its index, -EEXIST
 * (entry bound already), -EBUSY (gsi, when not 0, is another device's) or
 * -ENOSPC (BH_PCI_IRQ_MAX entries of dev bound, or no vector left). */
static int vec_find(u32 dev, u16 entry, u32 gsi)
{
	u32 bound = 0;
	int free = -1;

	for (int i = 0; i < NR_VEC; i++) {
		if (!vec[i].d) {
			free = free < 0 ? i : free;
			continue;
		}
		if (gsi && vec[i].entry == BH_PCI_IRQ_INTX && vec[i].gsi == gsi && vec[i].dev != dev)
			return -EBUSY;
		if (vec[i].dev != dev)
			continue;
		bound++;
		if (vec[i].entry == entry)
			return -EEXIST;
	}
	return free < 0 || bound >= BH_PCI_IRQ_MAX ? -ENOSPC : free;
}

/* Claims vector slot i for entry (pci_op's lock held: i stays free). */
static long vec_claim(int i, struct domain *d, u32 dev, u16 entry, u32 gsi, u32 *port)
{
	long rc = evtchn_pirq_bind(d, PCI_MSI_VEC_FIRST + (u32)i, port);

	if (rc)
		return rc;
	spin_lock(&vec_lock);
	vec[i] = (struct msi_bind){ d, *port, dev, entry, gsi };
	spin_unlock(&vec_lock);
	return 0;
}

long pci_msi_bind(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u32 dev, bool table,
		  struct domain *d, u16 entry, u32 *port)
{
	u32 addr, data;
	int free;
	long rc;

	if (p->msix_cap ? !table : !p->msi_cap)
		return -EOPNOTSUPP;
	if (p->msix_cap ? entry >= p->msix_entries : entry != 0)
		return -EINVAL;
	spin_lock(&vec_lock);
	free = vec_find(dev, entry, 0);
	spin_unlock(&vec_lock);
	if (free < 0)
		return free;
	if (!pci_msi_message(pcpus[d->vcpus[0]->pcpu].apic_id, (u8)(PCI_MSI_VEC_FIRST + free),
			     &addr, &data))
		return -EOPNOTSUPP;
	if ((rc = vec_claim(free, d, dev, entry, 0, port)))
		return rc;
	program(cfg, p, entry, addr, data);
	return 0;
}

long pci_intx_bind(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u32 dev, int gsi,
		   struct domain *d, u32 *port)
{
	int free;
	long rc;

	if (gsi < 16)	/* no pin, or wiring the core does not know (ISA lines are not PCI's) */
		return -EOPNOTSUPP;
	spin_lock(&vec_lock);
	free = vec_find(dev, BH_PCI_IRQ_INTX, (u32)gsi);
	spin_unlock(&vec_lock);
	if (free < 0)
		return free;
	rc = ioapic_route((u32)gsi, (u8)(PCI_MSI_VEC_FIRST + free),
			  pcpus[d->vcpus[0]->pcpu].apic_id);
	if (rc)
		return rc == -ENODEV ? -EOPNOTSUPP : rc;
	if ((rc = vec_claim(free, d, dev, BH_PCI_IRQ_INTX, (u32)gsi, port)))
		return rc;
	wr(cfg, p, PCI_COMMAND, 2, rd(cfg, p, PCI_COMMAND, 2) & ~PCI_CMD_INTX_DISABLE);
	ioapic_mask((u32)gsi, false);
	return 0;
}

bool pci_intx_bound(u32 dev)
{
	bool bound = false;

	spin_lock(&vec_lock);
	for (int i = 0; i < NR_VEC; i++)
		bound |= vec[i].d && vec[i].dev == dev && vec[i].entry == BH_PCI_IRQ_INTX;
	spin_unlock(&vec_lock);
	return bound;
}

long pci_intx_eoi(u32 dev)
{
	long rc = -ENOENT;

	spin_lock(&vec_lock);
	for (int i = 0; i < NR_VEC; i++)
		if (vec[i].d && vec[i].dev == dev && vec[i].entry == BH_PCI_IRQ_INTX) {
			ioapic_mask(vec[i].gsi, false);
			rc = 0;
		}
	spin_unlock(&vec_lock);
	return rc;
}

void pci_msi_release(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u32 dev, bool table)
{
	if (p->msix_cap) {
		wr(cfg, p, p->msix_cap + 2, 2,
		   (rd(cfg, p, p->msix_cap + 2, 2) | PCI_MSIX_CTL_MASKALL) & ~PCI_MSIX_CTL_ENABLE);
	} else if (p->msi_cap) {
		wr(cfg, p, p->msi_cap + 2, 2, rd(cfg, p, p->msi_cap + 2, 2) & ~PCI_MSI_CTL_ENABLE);
	}
	wr(cfg, p, PCI_COMMAND, 2, rd(cfg, p, PCI_COMMAND, 2) | PCI_CMD_INTX_DISABLE);
	spin_lock(&vec_lock);
	for (int i = 0; i < NR_VEC; i++)
		if (vec[i].d && vec[i].dev == dev) {
			if (vec[i].entry == BH_PCI_IRQ_INTX)
				ioapic_mask(vec[i].gsi, true);
			else if (p->msix_cap && table)
				msix_entry(p, vec[i].entry)[PCI_MSIX_ENTRY_CTRL / 4] |= 1;
			vec[i] = (struct msi_bind){ 0 };
		}
	spin_unlock(&vec_lock);
}
